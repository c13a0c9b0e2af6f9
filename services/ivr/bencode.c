#include "bencode.h"

#include <stdio.h>
#include <string.h>

#define MAX_DEPTH 8

void ivr_benc_init(struct ivr_benc *b, char *buf, size_t size)
{
	b->p = buf;
	b->size = size;
	b->len = 0;
	b->over = size == 0;
	if (size)
		buf[0] = '\0';
}

static void put(struct ivr_benc *b, const char *s, size_t n)
{
	if (b->over || b->len + n >= b->size) {
		b->over = true;
		return;
	}
	memcpy(b->p + b->len, s, n);
	b->len += n;
	b->p[b->len] = '\0';
}

void ivr_benc_raw(struct ivr_benc *b, const char *s)
{
	put(b, s, strlen(s));
}

void ivr_benc_str(struct ivr_benc *b, const char *s)
{
	char n[24];
	size_t l = strlen(s);
	int k = snprintf(n, sizeof(n), "%zu:", l);

	put(b, n, (size_t)k);
	put(b, s, l);
}

void ivr_benc_kv(struct ivr_benc *b, const char *k, const char *v)
{
	ivr_benc_str(b, k);
	ivr_benc_str(b, v);
}

/* Reads "<len>:" at *pos; the bytes follow. */
static bool read_len(const char *m, size_t len, size_t *pos, size_t *n)
{
	size_t p = *pos, v = 0, digits = 0;

	while (p < len && m[p] >= '0' && m[p] <= '9') {
		if (v > (len / 10) + 1)
			return false;
		v = v * 10 + (size_t)(m[p] - '0');
		p++;
		digits++;
	}
	if (!digits || p >= len || m[p] != ':' || v > len - p - 1)
		return false;
	*n = v;
	*pos = p + 1;
	return true;
}

static bool read_int(const char *m, size_t len, size_t *pos, long long *out)
{
	size_t p = *pos + 1; /* past 'i' */
	long long v = 0;
	bool neg = false, digits = false;

	if (p < len && m[p] == '-') {
		neg = true;
		p++;
	}
	while (p < len && m[p] >= '0' && m[p] <= '9') {
		if (v > 922337203685477580LL)
			return false;
		v = v * 10 + (m[p] - '0');
		p++;
		digits = true;
	}
	if (!digits || p >= len || m[p] != 'e')
		return false;
	*out = neg ? -v : v;
	*pos = p + 1;
	return true;
}

/* Skips one value at *pos. */
static bool skip(const char *m, size_t len, size_t *pos, int depth)
{
	size_t n;
	long long i;

	if (*pos >= len || depth > MAX_DEPTH)
		return false;
	switch (m[*pos]) {
	case 'i':
		return read_int(m, len, pos, &i);
	case 'l':
	case 'd': {
		bool dict = m[*pos] == 'd';
		(*pos)++;
		while (*pos < len && m[*pos] != 'e') {
			if (dict) {
				if (!read_len(m, len, pos, &n))
					return false;
				*pos += n;
			}
			if (!skip(m, len, pos, depth + 1))
				return false;
		}
		if (*pos >= len)
			return false;
		(*pos)++;
		return true;
	}
	default:
		if (!read_len(m, len, pos, &n))
			return false;
		*pos += n;
		return true;
	}
}

bool ivr_benc_get(const char *msg, size_t len, const char *key,
		  struct ivr_bval *out)
{
	size_t pos = 1, kl = strlen(key), n;

	memset(out, 0, sizeof(*out));
	if (len < 2 || msg[0] != 'd')
		return false;
	while (pos < len && msg[pos] != 'e') {
		if (!read_len(msg, len, &pos, &n))
			return false;
		bool match = n == kl && memcmp(msg + pos, key, n) == 0;
		pos += n;
		if (pos >= len)
			return false;
		size_t at = pos;
		if (!skip(msg, len, &pos, 1))
			return false;
		if (!match || out->found)
			continue;
		out->found = true;
		if (msg[at] == 'i') {
			out->is_int = true;
			read_int(msg, len, &at, &out->i);
		} else if (msg[at] >= '0' && msg[at] <= '9') {
			read_len(msg, len, &at, &out->len);
			out->s = msg + at;
		}
	}
	/* The dictionary must end where the message does. */
	return pos + 1 == len && msg[pos] == 'e';
}

bool ivr_bval_number(const struct ivr_bval *v, long long *out)
{
	long long x = 0;

	if (!v->found)
		return false;
	if (v->is_int) {
		*out = v->i;
		return true;
	}
	if (!v->s || !v->len || v->len > 18)
		return false;
	for (size_t i = 0; i < v->len; i++) {
		if (v->s[i] < '0' || v->s[i] > '9')
			return false;
		x = x * 10 + (v->s[i] - '0');
	}
	*out = x;
	return true;
}

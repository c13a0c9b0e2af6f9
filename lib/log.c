#include "log.h"
#include "utf8.h"

#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static const char *log_svc = "ov";
static enum ov_log_level log_min = OV_LOG_INFO;

static const char *const level_names[] = {"debug", "info", "warn", "error"};

void ov_log_init(const char *svc, enum ov_log_level min)
{
	log_svc = svc;
	log_min = min;
}

bool ov_log_parse_level(const char *s, enum ov_log_level *out)
{
	for (size_t i = 0; i < sizeof(level_names) / sizeof(level_names[0]);
	     i++) {
		if (strcmp(s, level_names[i]) == 0) {
			*out = (enum ov_log_level)i;
			return true;
		}
	}
	return false;
}

bool ov_parse_level_or(const char *s, enum ov_log_level *out, char *err,
		       size_t errlen)
{
	if (ov_log_parse_level(s, out))
		return true;
	snprintf(err, errlen,
		 "OV_LOG_LEVEL=\"%.40s\" is not debug, info, warn or error", s);
	return false;
}

/* A bounded writer: keeps counting past the end, like snprintf. */
struct out {
	char *buf;
	size_t size;
	size_t len;
};

static void put(struct out *o, const char *s, size_t n)
{
	if (o->len < o->size) {
		size_t room = o->size - o->len;
		memcpy(o->buf + o->len, s, n < room ? n : room);
	}
	o->len += n;
}

static void puts_(struct out *o, const char *s)
{
	put(o, s, strlen(s));
}

/* A JSON string: quotes, backslashes and control characters escaped,
 * invalid UTF-8 replaced by U+FFFD so every line stays valid JSON. */
static void put_str(struct out *o, const char *s)
{
	const unsigned char *p = (const unsigned char *)(s ? s : "");
	size_t n = strlen((const char *)p);
	char esc[8];

	put(o, "\"", 1);
	for (size_t i = 0; i < n;) {
		unsigned char c = p[i];
		if (c == '"' || c == '\\') {
			esc[0] = '\\', esc[1] = (char)c;
			put(o, esc, 2);
			i++;
		} else if (c < 0x20 || c == 0x7f) {
			const char *named = c == '\n'	? "\\n"
					    : c == '\r' ? "\\r"
					    : c == '\t' ? "\\t"
							: NULL;
			if (named)
				puts_(o, named);
			else {
				snprintf(esc, sizeof(esc), "\\u%04x", c);
				puts_(o, esc);
			}
			i++;
		} else if (c < 0x80) {
			put(o, (const char *)&p[i], 1);
			i++;
		} else {
			size_t l = ov_utf8_seq(p + i, n - i);
			if (l) {
				put(o, (const char *)&p[i], l);
				i += l;
			} else {
				puts_(o, "\\ufffd");
				i++;
			}
		}
	}
	put(o, "\"", 1);
}

static void put_key(struct out *o, const char *key)
{
	put(o, ",", 1);
	put_str(o, key);
	put(o, ":", 1);
}

static void put_field(struct out *o, const struct ov_log_field *f)
{
	char num[64];

	put_key(o, f->key);
	switch (f->type) {
	case OV_LOG_STR:
		put_str(o, f->v.s);
		return;
	case OV_LOG_INT:
		snprintf(num, sizeof(num), "%lld", f->v.i);
		break;
	case OV_LOG_DBL:
		/* JSON has no NaN or Infinity. */
		if (f->v.d != f->v.d || f->v.d > 1e308 || f->v.d < -1e308)
			snprintf(num, sizeof(num), "null");
		else
			snprintf(num, sizeof(num), "%.6g", f->v.d);
		break;
	case OV_LOG_BOOL:
		snprintf(num, sizeof(num), "%s", f->v.b ? "true" : "false");
		break;
	}
	puts_(o, num);
}

size_t ov_log_format(char *buf, size_t size, long long ts_ms,
		     enum ov_log_level level, const char *svc,
		     const char *event, const struct ov_log_ctx *ctx,
		     const struct ov_log_field *fields, size_t n)
{
	struct out o = {buf, size, 0};
	char ts[40];
	time_t secs = (time_t)(ts_ms / 1000);
	struct tm tm;

	gmtime_r(&secs, &tm);
	size_t tl = strftime(ts, sizeof(ts), "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(ts + tl, sizeof(ts) - tl, ".%03lldZ", ts_ms % 1000);

	puts_(&o, "{\"ts\":\"");
	puts_(&o, ts);
	puts_(&o, "\",\"level\":\"");
	puts_(&o, level_names[level]);
	puts_(&o, "\"");
	put_key(&o, "svc");
	put_str(&o, svc);
	put_key(&o, "event");
	put_str(&o, event);
	if (ctx && ctx->tenant && ctx->tenant[0]) {
		put_key(&o, "tenant");
		put_str(&o, ctx->tenant);
	}
	if (ctx && ctx->request_id && ctx->request_id[0]) {
		put_key(&o, "request_id");
		put_str(&o, ctx->request_id);
	}
	for (size_t i = 0; i < n; i++)
		put_field(&o, &fields[i]);
	puts_(&o, "}\n");
	if (size > 0)
		buf[o.len < size ? o.len : size - 1] = '\0';
	return o.len;
}

void ov_log_emit(enum ov_log_level level, const struct ov_log_ctx *ctx,
		 const char *event, const struct ov_log_field *fields, size_t n)
{
	char buf[4096];
	struct timespec now;

	if (level < log_min)
		return;
	clock_gettime(CLOCK_REALTIME, &now);
	long long ms = (long long)now.tv_sec * 1000 + now.tv_nsec / 1000000;
	size_t len = ov_log_format(buf, sizeof(buf), ms, level, log_svc, event,
				   ctx, fields, n);
	if (len >= sizeof(buf)) {
		/* Too long: keep the line valid JSON, say so. */
		const struct ov_log_field cut =
			OV_LI("truncated_fields", (long long)n);
		len = ov_log_format(buf, sizeof(buf), ms, level, log_svc, event,
				    ctx, &cut, 1);
	}
	if (len >= sizeof(buf)) {
		/* The context came off the wire (a huge request_id): drop
		 * it rather than write past buf. */
		const struct ov_log_field cut[] = {
			OV_LI("truncated_fields", (long long)n),
			OV_LB("truncated_context", true),
		};
		len = ov_log_format(buf, sizeof(buf), ms, level, log_svc, event,
				    NULL, cut, 2);
	}
	if (len >= sizeof(buf)) {
		len = sizeof(buf) - 1;
		buf[len - 1] = '\n';
	}
	/* One write per line: lines of concurrent threads never interleave. */
	ssize_t w = write(STDERR_FILENO, buf, len);
	(void)w;
}

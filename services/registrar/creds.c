#include "creds.h"

#include <stdio.h>
#include <string.h>

#include <glib.h>
#include <sodium.h>

#include "utf8.h"

/* 32 letters, none that reads like another (no 0 O 1 I). */
static const char alphabet[] = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ";

static bool lower_alnum(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
}

bool creds_device_ok(const char *s)
{
	size_t n = 0;

	for (; s[n]; n++)
		if (n == CREDS_DEVICE_MAX ||
		    (!lower_alnum(s[n]) && s[n] != '-'))
			return false;
	return n > 0;
}

bool creds_uuid_ok(const char *s)
{
	return g_uuid_string_is_valid(s);
}

bool creds_owner_ok(const char *s)
{
	return strcmp(s, CREDS_MAIN_OWNER) == 0 || creds_uuid_ok(s);
}

bool creds_aor_user_ok(const char *s)
{
	size_t n = 0;

	for (; s[n]; n++)
		if (n == CREDS_AOR_USER_MAX ||
		    (!lower_alnum(s[n]) && !strchr("._-", s[n])))
			return false;
	return n > 0;
}

bool creds_domain_ok(const char *s)
{
	size_t n = 0, label = 0;

	for (; s[n]; n++) {
		if (n == CREDS_DOMAIN_MAX)
			return false;
		if (s[n] == '.') {
			if (label == 0 || s[n - 1] == '-')
				return false;
			label = 0;
			continue;
		}
		if (!lower_alnum(s[n]) && !(s[n] == '-' && label > 0))
			return false;
		if (++label > 63)
			return false;
	}
	return n > 0 && label > 0 && s[n - 1] != '-';
}

bool creds_text_ok(const char *s, size_t max)
{
	const unsigned char *u = (const unsigned char *)s;
	size_t n = strlen(s);

	if (n > max)
		return false;
	for (size_t i = 0; i < n;) {
		size_t len = ov_utf8_seq(u + i, n - i);
		if (len == 0 || u[i] < 0x20 || u[i] == 0x7f)
			return false;
		i += len;
	}
	return true;
}

bool creds_presence_ok(const char *s)
{
	return strcmp(s, "available") == 0 || strcmp(s, "dnd") == 0 ||
	       strcmp(s, "away") == 0;
}

bool creds_auth_username(const char *aor_user, const char *device, char *out,
			 size_t out_len)
{
	int n = snprintf(out, out_len, "%s.%s", aor_user, device);
	return n > 0 && (size_t)n < out_len;
}

void creds_key(const char *text, uint8_t key[CREDS_KEY_BYTES])
{
	crypto_generichash(key, CREDS_KEY_BYTES, (const unsigned char *)text,
			   strlen(text), NULL, 0);
}

static void part(crypto_generichash_state *st, const char *s)
{
	/* Each part ends with a NUL, which no part contains: unambiguous. */
	crypto_generichash_update(st, (const unsigned char *)s, strlen(s) + 1);
}

void creds_secret(const uint8_t key[CREDS_KEY_BYTES], const char *tenant,
		  const char *owner, const char *device, unsigned generation,
		  const char *salt_hex, char out[CREDS_SECRET_LEN + 1])
{
	crypto_generichash_state st;
	/* 120 bits are used; BLAKE2b gives at least 16 bytes. */
	uint8_t h[crypto_generichash_BYTES_MIN];
	char gen[16];

	snprintf(gen, sizeof(gen), "%u", generation);
	crypto_generichash_init(&st, key, CREDS_KEY_BYTES, sizeof(h));
	part(&st, "ov.sip.secret.v1");
	part(&st, tenant);
	part(&st, owner);
	part(&st, device);
	part(&st, gen);
	part(&st, salt_hex);
	crypto_generichash_final(&st, h, sizeof(h));
	/* 5 bits a letter, 15 bytes = 120 bits = 24 letters, no bias. */
	for (size_t i = 0; i < CREDS_SECRET_LEN; i++) {
		size_t bit = i * 5;
		unsigned v = (unsigned)h[bit / 8] << 8;
		if (bit / 8 + 1 < sizeof(h))
			v |= h[bit / 8 + 1];
		out[i] = alphabet[(v >> (11 - bit % 8)) & 31];
	}
	out[CREDS_SECRET_LEN] = '\0';
	sodium_memzero(h, sizeof(h));
	sodium_memzero(&st, sizeof(st));
}

static void hex_digest(GChecksumType type, const char *a, const char *b,
		       const char *c, char *out, size_t out_len)
{
	GChecksum *ck = g_checksum_new(type);

	g_checksum_update(ck, (const guchar *)a, (gssize)strlen(a));
	g_checksum_update(ck, (const guchar *)":", 1);
	g_checksum_update(ck, (const guchar *)b, (gssize)strlen(b));
	g_checksum_update(ck, (const guchar *)":", 1);
	g_checksum_update(ck, (const guchar *)c, (gssize)strlen(c));
	snprintf(out, out_len, "%s", g_checksum_get_string(ck));
	g_checksum_free(ck);
}

void creds_ha1(const char *auth_username, const char *realm, const char *secret,
	       char md5[33], char sha256[65])
{
	hex_digest(G_CHECKSUM_MD5, auth_username, realm, secret, md5, 33);
	hex_digest(G_CHECKSUM_SHA256, auth_username, realm, secret, sha256, 65);
}

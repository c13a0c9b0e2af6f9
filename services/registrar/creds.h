/*
 * SIP credentials, per device: names, the derived secret and its HA1s.
 * Pure: no I/O, no clock; randomness (the salt) comes from the caller.
 *
 *   secret = encode(BLAKE2b-keyed(K, "ov.sip.secret.v1" 0 tenant 0
 *                   owner 0 device 0 generation 0 salt))
 *   HA1    = MD5(auth_username ":" realm ":" secret), and SHA-256 of
 *            the same, in lower-case hex (RFC 2617, RFC 7616)
 *
 * K is BLAKE2b-256 of OV_SIP_SECRET_KEY. The secret is 24 characters of
 * a 32-letter alphabet without look-alikes (120 bits). Nothing but K is
 * secret: the database holds the salt, the generation and the HA1s.
 */
#ifndef REGISTRAR_CREDS_H
#define REGISTRAR_CREDS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define CREDS_KEY_BYTES 32
#define CREDS_KEY_MIN_CHARS 32 /* OV_SIP_SECRET_KEY, at least */
#define CREDS_SECRET_LEN 24
#define CREDS_SALT_BYTES 16
#define CREDS_SALT_HEX (2 * CREDS_SALT_BYTES + 1)
#define CREDS_DEVICE_MAX 16
#define CREDS_AOR_USER_MAX 64
#define CREDS_DOMAIN_MAX 253
#define CREDS_AUTH_USER_MAX (CREDS_AOR_USER_MAX + 1 + CREDS_DEVICE_MAX + 1)
#define CREDS_MAIN_OWNER "main" /* the tenant's main line */
#define CREDS_DEFAULT_DEVICE "app"

/* [a-z0-9-]{1,16} */
bool creds_device_ok(const char *s);
/* 8-4-4-4-12 hex digits, either case, any version (GLib's parser). */
bool creds_uuid_ok(const char *s);
/* A user id (UUID) or "main". */
bool creds_owner_ok(const char *s);
/* 1 to 64 of a-z 0-9 . _ - (a username folded to lower case). */
bool creds_aor_user_ok(const char *s);
/* A lower-case DNS name: labels of a-z 0-9 -, 1 to 253 bytes. */
bool creds_domain_ok(const char *s);
/* At most max bytes of valid UTF-8 without control characters. */
bool creds_text_ok(const char *s, size_t max);
/* "available", "dnd" or "away". */
bool creds_presence_ok(const char *s);

/* "<aor_user>.<device>" into out; false when it does not fit. Device
 * names have no ".", so the last "." splits it again. */
bool creds_auth_username(const char *aor_user, const char *device, char *out,
			 size_t out_len);

/* K from the configured text. */
void creds_key(const char *text, uint8_t key[CREDS_KEY_BYTES]);

/* The device's secret (NUL-terminated) from K and the row's fields. */
void creds_secret(const uint8_t key[CREDS_KEY_BYTES], const char *tenant,
		  const char *owner, const char *device, unsigned generation,
		  const char *salt_hex, char out[CREDS_SECRET_LEN + 1]);

/* Both HA1s of auth_username in realm with secret, lower-case hex. */
void creds_ha1(const char *auth_username, const char *realm, const char *secret,
	       char md5[33], char sha256[65]);

#endif

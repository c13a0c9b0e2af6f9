/*
 * What admin accepts from people: passwords, phone numbers, usernames,
 * extensions, e-mail addresses and names. Pure: no I/O, no globals, no
 * clock, no allocation.
 *
 * Every check answers OV_OK or OV_EINVAL. On OV_EINVAL it writes a short
 * English reason into why (at most why_len bytes, always terminated, less
 * than 96 bytes in full) that reads after the field's name, e.g. "password
 * must contain a digit"; on OV_OK why is the empty string. why may be NULL.
 * A NULL input is "is required". Functions with an out buffer leave it
 * empty on failure.
 */
#ifndef ADMIN_POLICY_H
#define ADMIN_POLICY_H

#include <stddef.h>
#include <stdint.h>

#include "err.h"

/* Room for any E.164 number this file produces: '+', 15 digits, NUL. */
#define ADMIN_E164_MAX 17
/* Room for a generated password: 12 characters and NUL. */
#define ADMIN_PASSWORD_GEN_MIN 13

/* Rules, the first unmet one reported, in this order: valid UTF-8; at
 * least 8 characters (code points); at most 128 bytes; an ASCII digit, an
 * ASCII upper-case letter, an ASCII lower-case letter, one of
 * ". ! ? $ % * - ; # ^"; no control characters; different (byte for byte)
 * from old_pw when old_pw is not NULL. */
enum ov_err admin_password_check(const char *pw, const char *old_pw, char *why,
				 size_t why_len);

/* A random 12-character password that passes admin_password_check, one
 * character of each class at least, without the look-alikes 0 O o 1 l I.
 * uniform is the only randomness: libsodium's randombytes_uniform, which
 * returns an integer below upper_bound without modulo bias (it draws
 * again past the largest multiple of the bound). OV_EINVAL when
 * out_len < 13. */
enum ov_err admin_password_generate(char *out, size_t out_len,
				    uint32_t (*uniform)(uint32_t upper_bound));

/* An Italian landline (0 and 6 to 11 digits in all) or mobile (3 and 9 or
 * 10 digits in all) as typed → "+39…". Prefix "+39", "0039" or none;
 * separators: spaces, dots, dashes, slashes and one pair of parentheses.
 * Toll-free, premium, service, short and emergency numbers are refused.
 * out_len >= ADMIN_E164_MAX always suffices. */
enum ov_err admin_number_e164(const char *in, char *out, size_t out_len,
			      char *why, size_t why_len);

/* A call-forwarding destination → E.164: an Italian number as for
 * admin_number_e164, or another country's number as +CC… or 00CC… with 8
 * to 15 digits in all (a "(0)" right after the country code is the
 * national trunk prefix and is dropped). International premium (+979) is
 * refused; whether international calls are allowed is the router's
 * decision. */
enum ov_err admin_forward_target(const char *in, char *out, size_t out_len,
				 char *why, size_t why_len);

/* 3 to 32 of [A-Za-z0-9._-], starting with a letter. Uniqueness is
 * case-insensitive and the database's job: compare folded names. */
enum ov_err admin_username_check(const char *u, char *why, size_t why_len);
/* u with ASCII A-Z lowered, other bytes as they are; truncated to fit
 * out_len (33 is enough for a valid username). */
void admin_username_fold(const char *u, char *out, size_t out_len);

/* Exactly two ASCII digits, "01" to "99". */
enum ov_err admin_extension_check(const char *ext, char *why, size_t why_len);

/* At most 254 bytes; exactly one '@'; a local part of 1 to 64 bytes of
 * valid UTF-8 without spaces, control characters or ( ) < > [ ] , ; : \ ";
 * a domain of at least two dot-separated labels of [A-Za-z0-9-] (1 to 63,
 * not starting or ending with '-'), the last of at least 2 letters. */
enum ov_err admin_email_check(const char *e, char *why, size_t why_len);

/* A person's or company's display name: valid UTF-8 (no overlong forms,
 * no surrogates), 1 to max_chars code points, no control characters (C0,
 * DEL, C1, line and paragraph separators, bidirectional controls), no
 * whitespace at either end (refused, not trimmed). */
enum ov_err admin_name_check(const char *n, size_t max_chars, char *why,
			     size_t why_len);

#endif

/*
 * What admin accepts from people: passwords, phone numbers, usernames,
 * extensions, e-mail addresses and names. Pure: no I/O, no globals.
 * Every check writes a short reason a REST client can show into why.
 */
#ifndef ADMIN_POLICY_H
#define ADMIN_POLICY_H

#include <stddef.h>

#include "err.h"

/* At least 8 characters, a digit, an upper- and a lower-case letter and
 * one of ". ! ? $ % * - ; # ^"; different from old_pw when given. */
enum ov_err admin_password_check(const char *pw, const char *old_pw, char *why,
				 size_t why_len);
/* A random 12-character password that passes the check, without
 * look-alike characters; out_len >= 13. */
enum ov_err admin_password_generate(char *out, size_t out_len,
				    void (*rand_bytes)(void *buf, size_t n));
/* An Italian landline or mobile number as typed → "+39…". */
enum ov_err admin_number_e164(const char *in, char *out, size_t out_len,
			      char *why, size_t why_len);
/* A forwarding destination: Italian landline or mobile, or a foreign
 * number in +CC or 00CC form → E.164. No premium, short or emergency. */
enum ov_err admin_forward_target(const char *in, char *out, size_t out_len,
				 char *why, size_t why_len);
/* 3 to 32 of [A-Za-z0-9._-], starting with a letter. */
enum ov_err admin_username_check(const char *u, char *why, size_t why_len);
void admin_username_fold(const char *u, char *out, size_t out_len);
/* Two digits, "01" to "99". */
enum ov_err admin_extension_check(const char *ext, char *why, size_t why_len);
enum ov_err admin_email_check(const char *e, char *why, size_t why_len);
/* Valid UTF-8, 1 to max_chars characters, no control characters, no
 * leading or trailing space. */
enum ov_err admin_name_check(const char *n, size_t max_chars, char *why,
			     size_t why_len);

#endif

/*
 * What a personal contact may hold (POST and PATCH /v1/me/contacts).
 * Pure: no I/O, no globals, no clock.
 *
 *   name     required, a display name of 1 to 100 characters
 *   numbers  1 to 5 of {label, number}: label mobile, work, home or
 *            other; number digits with an optional leading "+", 3 to 20
 *            digits, or a 2-digit extension; spaces, dots, dashes,
 *            slashes and parentheses are allowed as typed and dropped
 *   email    optional (null clears on PATCH), an e-mail address
 *   company  optional, 1 to 100 characters
 *   note     optional, at most 500 characters (new lines allowed)
 */
#ifndef ADMIN_CONTACT_RULES_H
#define ADMIN_CONTACT_RULES_H

#include <stdbool.h>
#include <stddef.h>

#include <jansson.h>

#include "err.h"

#define CONTACT_NAME_MAX 100
#define CONTACT_COMPANY_MAX 100
#define CONTACT_NOTE_MAX 500
#define CONTACT_NUMBERS_MAX 5
#define CONTACT_DIGITS_MIN 3
#define CONTACT_DIGITS_MAX 20
/* How many contacts one person may keep. */
#define CONTACTS_PER_USER_MAX 2000
/* The longest ?q= a search takes (bytes). */
#define CONTACT_QUERY_MAX 100

/* A number as typed → stored ("+39 335 123-4567" → "+393351234567");
 * out has room for CONTACT_DIGITS_MAX + 2 bytes. */
enum ov_err contact_number_norm(const char *in, char *out, size_t out_len,
				char *why, size_t why_len);

/*
 * Checks a contact body: every field when `partial` is false (POST),
 * only those present when true (PATCH, which needs at least one). On
 * OV_OK *out is a new object with exactly the fields to store, numbers
 * normalised, null for fields cleared; on OV_EINVAL field names what is
 * wrong ("numbers[1].label") and why reads after it.
 */
enum ov_err contact_check(const json_t *body, bool partial, json_t **out,
			  char *field, size_t field_len, char *why,
			  size_t why_len);

#endif

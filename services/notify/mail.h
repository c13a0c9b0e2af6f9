/*
 * From an outbox row to a mail ready for SMTP: the template of its kind
 * and language rendered with its parameters and the configured links,
 * and the header lines (From, To, Subject, Date, Message-ID, ...). Pure:
 * no I/O; the templates are compiled in.
 *
 * A kind's template file "<kind>.<lang>.txt" starts with a "Subject: "
 * line and a blank line; "<kind>.<lang>.html" is the HTML part. Both
 * parts come out with CRLF line ends, for quoted-printable on the wire.
 */
#ifndef NOTIFY_MAIL_H
#define NOTIFY_MAIL_H

#include <stdbool.h>
#include <stddef.h>
#include <time.h>

#include "err.h"

/* What the configuration puts into every mail. */
struct notify_brand {
	const char *service;   /* the service's name in the texts */
	const char *from_name; /* display name of the sender */
	const char *from_addr; /* envelope and header sender */
	const char *support_url;
	const char *app_url; /* the app's download page */
	const char *android_url;
	const char *ios_url;
	const char *reset_url; /* the web page for a password reset */
};

struct notify_mail_in {
	const char *kind;	/* admin_activation, user_activation, ... */
	const char *language;	/* "en"; anything else is Italian */
	const char *recipient;	/* a bare address */
	const char *params;	/* the outbox row's JSON object */
	const char *message_id; /* "<outbox-42.ovunque@example.com>" */
	time_t date;
	/* notify's keys (lib/seal.h): the kind's secret, sealed by admin,
	 * is opened with them; a secret in the clear (rows written before
	 * sealing) passes. NULL: a sealed secret is an error. */
	const unsigned char *open_pk, *open_sk;
};

#define NOTIFY_HEADERS_MAX 8
#define NOTIFY_HEADER_LEN 1024
#define NOTIFY_PART_MAX 16384

struct notify_mail {
	char headers[NOTIFY_HEADERS_MAX][NOTIFY_HEADER_LEN]; /* "Name: v" */
	size_t n_headers;
	char subject[256]; /* as rendered, UTF-8 */
	char language[3];
	char text[NOTIFY_PART_MAX]; /* text/plain part, CRLF */
	size_t text_len;
	char html[NOTIFY_PART_MAX]; /* text/html part, CRLF */
	size_t html_len;
};

/* Fills m, or says why not (no template, a parameter missing, a bad
 * address...): such a mail can never be sent. */
enum ov_err notify_mail_compose(const struct notify_brand *b,
				const struct notify_mail_in *in,
				struct notify_mail *m, char *why,
				size_t why_size);
/* Zeroes m: its parts may hold a password or a code. */
void notify_mail_wipe(struct notify_mail *m);

/* Renders every kind in both languages with sample parameters: the
 * service refuses to start with a broken template. */
enum ov_err notify_templates_check(const struct notify_brand *b, char *why,
				   size_t why_size);

/* The parameter of a kind that is a secret ("password", "code"), or
 * NULL; also NULL for an unknown kind. */
const char *notify_kind_secret(const char *kind);
/* Whether kind is one notify knows. */
bool notify_kind_known(const char *kind);

/* ---- pieces, exposed for tests ---- */

/* "Name: value", the value as RFC 2047 encoded words (UTF-8, base64,
 * folded) when it is not printable ASCII. OV_EINVAL for control
 * characters or bad UTF-8, OV_ETOOBIG when out is too small. */
enum ov_err notify_header_encode(const char *name, const char *value, char *out,
				 size_t size);
/* "From: Name <addr>" with the name quoted or encoded as needed. */
enum ov_err notify_from_header(const char *name, const char *addr, char *out,
			       size_t size);
/* "Tue, 11 Apr 2023 15:28:00 +0000" (RFC 5322, UTC). */
void notify_date(time_t t, char *out, size_t size);
/* A plain address local@domain we can put in RCPT TO and To:. */
bool notify_addr_ok(const char *addr);
/* A host name for Message-IDs: letters, digits, '-', '.'. */
bool notify_domain_ok(const char *domain);
/* An Italian E.164 number (+39...) as people write it (06...); others
 * as they are. */
void notify_number_display(const char *e164, char *out, size_t size);

#endif

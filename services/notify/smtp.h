/*
 * One SMTP client over libcurl (smtp:// or smtps://), used by one sender
 * thread: its easy handle is kept, so the connection to the relay is
 * reused from mail to mail.
 */
#ifndef NOTIFY_SMTP_H
#define NOTIFY_SMTP_H

#include <stdatomic.h>
#include <stdbool.h>

#include <curl/curl.h>

#include "mail.h"

struct notify_smtp_cfg {
	const char *url;  /* smtp://host:port or smtps://host:port */
	const char *user; /* "" for no authentication */
	const char *password;
	long use_ssl; /* CURLUSESSL_TRY, _ALL or _NONE */
	long connect_timeout_ms;
	long timeout_ms;
	const char *from_addr; /* MAIL FROM */
};

struct notify_smtp_result {
	CURLcode rc;
	long code;		     /* last SMTP reply code, 0 when none */
	char error[CURL_ERROR_SIZE]; /* curl's words for a failure */
	char detail[2 * CURL_ERROR_SIZE + 8]; /* and the server's reply */
};

struct notify_smtp;

/* stop: when it turns true, a transfer in progress is aborted. */
struct notify_smtp *notify_smtp_new(const struct notify_smtp_cfg *cfg,
				    const atomic_bool *stop);
void notify_smtp_free(struct notify_smtp *s);
/* Sends m to rcpt as multipart/alternative (text and HTML, UTF-8,
 * quoted-printable). */
void notify_smtp_send(struct notify_smtp *s, const char *rcpt,
		      const struct notify_mail *m,
		      struct notify_smtp_result *r);

#endif

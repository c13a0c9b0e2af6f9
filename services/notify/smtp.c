#include "smtp.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct notify_smtp {
	CURL *curl;
	const struct notify_smtp_cfg *cfg;
	const atomic_bool *stop;
	char errbuf[CURL_ERROR_SIZE];
	char reply[256]; /* the server's first refusal, else its last line */
	bool refused;	 /* reply holds a 4xx or 5xx */
};

/* A part's body read straight from the mail buffer: curl keeps no copy
 * of text that may hold a password. */
struct body {
	const char *data;
	size_t len;
	size_t off;
};

static size_t body_read(char *buf, size_t size, size_t n, void *arg)
{
	struct body *b = arg;
	size_t want = size * n, left = b->len - b->off;

	if (want > left)
		want = left;
	memcpy(buf, b->data + b->off, want);
	b->off += want;
	return want;
}

static int body_seek(void *arg, curl_off_t offset, int origin)
{
	struct body *b = arg;

	if (origin != SEEK_SET || offset < 0 || (size_t)offset > b->len)
		return CURL_SEEKFUNC_CANTSEEK;
	b->off = (size_t)offset;
	return CURL_SEEKFUNC_OK;
}

/* Keeps what the server said (never what we send: AUTH): its first
 * refusal, which says why, rather than the "221 Bye" after it. */
static int on_debug(CURL *c, curl_infotype type, char *data, size_t size,
		    void *arg)
{
	struct notify_smtp *s = arg;
	(void)c;

	if (type != CURLINFO_HEADER_IN || size == 0 || s->refused)
		return 0;
	s->refused = data[0] == '4' || data[0] == '5';
	if (size >= sizeof(s->reply))
		size = sizeof(s->reply) - 1;
	memcpy(s->reply, data, size);
	s->reply[size] = '\0';
	s->reply[strcspn(s->reply, "\r\n")] = '\0';
	for (char *p = s->reply; *p; p++)
		if ((unsigned char)*p < 0x20 || (unsigned char)*p > 0x7e)
			*p = '?';
	return 0;
}

static int on_progress(void *arg, curl_off_t dt, curl_off_t dn, curl_off_t ut,
		       curl_off_t un)
{
	struct notify_smtp *s = arg;
	(void)dt, (void)dn, (void)ut, (void)un;
	return atomic_load(s->stop) ? 1 : 0;
}

struct notify_smtp *notify_smtp_new(const struct notify_smtp_cfg *cfg,
				    const atomic_bool *stop)
{
	struct notify_smtp *s = calloc(1, sizeof(*s));

	if (!s || !(s->curl = curl_easy_init())) {
		free(s);
		return NULL;
	}
	s->cfg = cfg;
	s->stop = stop;
	CURL *c = s->curl;
	curl_easy_setopt(c, CURLOPT_URL, cfg->url);
	curl_easy_setopt(c, CURLOPT_MAIL_FROM, cfg->from_addr);
	curl_easy_setopt(c, CURLOPT_USE_SSL, cfg->use_ssl);
	if (cfg->user[0]) {
		curl_easy_setopt(c, CURLOPT_USERNAME, cfg->user);
		curl_easy_setopt(c, CURLOPT_PASSWORD, cfg->password);
	}
	curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, cfg->connect_timeout_ms);
	curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, cfg->timeout_ms);
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c, CURLOPT_ERRORBUFFER, s->errbuf);
	curl_easy_setopt(c, CURLOPT_VERBOSE, 1L);
	curl_easy_setopt(c, CURLOPT_DEBUGFUNCTION, on_debug);
	curl_easy_setopt(c, CURLOPT_DEBUGDATA, s);
	curl_easy_setopt(c, CURLOPT_NOPROGRESS, 0L);
	curl_easy_setopt(c, CURLOPT_XFERINFOFUNCTION, on_progress);
	curl_easy_setopt(c, CURLOPT_XFERINFODATA, s);
	return s;
}

void notify_smtp_free(struct notify_smtp *s)
{
	if (!s)
		return;
	curl_easy_cleanup(s->curl);
	free(s);
}

static CURLcode add_part(curl_mime *mime, struct body *b, const char *type)
{
	curl_mimepart *p = curl_mime_addpart(mime);
	CURLcode rc;

	if (!p)
		return CURLE_OUT_OF_MEMORY;
	rc = curl_mime_data_cb(p, (curl_off_t)b->len, body_read, body_seek,
			       NULL, b);
	if (rc == CURLE_OK)
		rc = curl_mime_type(p, type);
	if (rc == CURLE_OK)
		rc = curl_mime_encoder(p, "quoted-printable");
	return rc;
}

void notify_smtp_send(struct notify_smtp *s, const char *rcpt,
		      const struct notify_mail *m, struct notify_smtp_result *r)
{
	struct curl_slist *to = NULL, *hdrs = NULL, *t;
	struct body text = {m->text, m->text_len, 0};
	struct body html = {m->html, m->html_len, 0};
	curl_mime *mime = NULL;
	char addr[300];
	CURLcode rc = CURLE_OUT_OF_MEMORY;

	memset(r, 0, sizeof(*r));
	s->errbuf[0] = '\0';
	s->reply[0] = '\0';
	s->refused = false;
	snprintf(addr, sizeof(addr), "<%s>", rcpt);
	if (!(to = curl_slist_append(NULL, addr)))
		goto out;
	for (size_t i = 0; i < m->n_headers; i++) {
		if (!(t = curl_slist_append(hdrs, m->headers[i])))
			goto out;
		hdrs = t;
	}
	/* The top level is the alternative itself: curl adds the boundary. */
	if (!(t = curl_slist_append(hdrs,
				    "Content-Type: multipart/alternative")))
		goto out;
	hdrs = t;
	if (!(mime = curl_mime_init(s->curl)))
		goto out;
	/* Simplest first: clients show the last part they can. */
	if ((rc = add_part(mime, &text, "text/plain; charset=utf-8")) !=
		    CURLE_OK ||
	    (rc = add_part(mime, &html, "text/html; charset=utf-8")) !=
		    CURLE_OK)
		goto out;
	curl_easy_setopt(s->curl, CURLOPT_MAIL_RCPT, to);
	curl_easy_setopt(s->curl, CURLOPT_HTTPHEADER, hdrs);
	curl_easy_setopt(s->curl, CURLOPT_MIMEPOST, mime);
	rc = curl_easy_perform(s->curl);
	curl_easy_getinfo(s->curl, CURLINFO_RESPONSE_CODE, &r->code);
	/* The refusal's own code: curl's is the last reply it parsed (a 334
	 * AUTH prompt, say), not always the one that failed. */
	if (rc != CURLE_OK && s->refused && s->reply[0] >= '4' &&
	    s->reply[0] <= '5' && s->reply[1] >= '0' && s->reply[1] <= '9' &&
	    s->reply[2] >= '0' && s->reply[2] <= '9')
		r->code = (s->reply[0] - '0') * 100 + (s->reply[1] - '0') * 10 +
			  (s->reply[2] - '0');
	/* Leave nothing pointing at this mail's buffers. */
	curl_easy_setopt(s->curl, CURLOPT_MIMEPOST, NULL);
	curl_easy_setopt(s->curl, CURLOPT_HTTPHEADER, NULL);
	curl_easy_setopt(s->curl, CURLOPT_MAIL_RCPT, NULL);
out:
	r->rc = rc;
	if (rc != CURLE_OK) {
		snprintf(r->error, sizeof(r->error), "%s",
			 s->errbuf[0] ? s->errbuf : curl_easy_strerror(rc));
		if (r->code && s->reply[0])
			snprintf(r->detail, sizeof(r->detail), "%s (%s)",
				 s->reply, r->error);
		else
			snprintf(r->detail, sizeof(r->detail), "%s", r->error);
	}
	curl_mime_free(mime);
	curl_slist_free_all(hdrs);
	curl_slist_free_all(to);
}

/*
 * ovctl mail list --tenant ID [--state S] [--limit N] [--before ID]
 *	a tenant's mails, newest first, with what became of each.
 * ovctl mail resend --tenant ID MAIL_ID
 *	a failed mail back to the queue (operator).
 */
#include <stdio.h>
#include <string.h>

#include "cmd.h"
#include "notify.pb-c.h"

static void usage(void)
{
	fprintf(stderr,
		"usage: ovctl mail list --tenant ID [--state queued|sending|"
		"sent|failed]\n"
		"                       [--limit N] [--before MAIL_ID]\n"
		"       ovctl mail resend --tenant ID MAIL_ID\n");
}

static const char *or_dash(const char *s)
{
	return s && s[0] ? s : "-";
}

static void print_mail(const Ov__Notify__Mail *m)
{
	printf("%-8llu %-17s %-8s %8u  %-20s  %-20s  %s\n",
	       (unsigned long long)m->id, m->kind, m->state, m->attempts,
	       m->created_at, or_dash(m->sent_at), m->recipient);
	if (m->last_error[0])
		printf("         last error (SMTP %u): %s\n", m->smtp_code,
		       m->last_error);
	if (m->next_attempt_at[0] && strcmp(m->state, "queued") == 0 &&
	    m->attempts)
		printf("         next attempt at %s\n", m->next_attempt_at);
}

static void print_header(void)
{
	printf("%-8s %-17s %-8s %8s  %-20s  %-20s  %s\n", "ID", "KIND", "STATE",
	       "ATTEMPTS", "CREATED", "SENT", "RECIPIENT");
}

static int list(const struct ovctl_opts *o, int argc, char **argv)
{
	Ov__Notify__ListRequest req = OV__NOTIFY__LIST_REQUEST__INIT;
	struct ov_bus_result res = {0};
	const char *tenant = NULL;
	uint8_t body[64];
	int rc = 1;

	for (int i = 0; i < argc; i++) {
		if (strcmp(argv[i], "--tenant") == 0 && i + 1 < argc) {
			tenant = argv[++i];
		} else if (strcmp(argv[i], "--state") == 0 && i + 1 < argc &&
			   strlen(argv[i + 1]) < 16) {
			req.state = argv[++i];
		} else if (strcmp(argv[i], "--limit") == 0 && i + 1 < argc) {
			if (!ovctl_uint(argv[++i], 1, 500, &req.limit))
				return 2;
		} else if (strcmp(argv[i], "--before") == 0 && i + 1 < argc) {
			unsigned before;
			if (!ovctl_uint(argv[++i], 1, 2000000000u, &before))
				return 2;
			req.before_id = before;
		} else {
			usage();
			return 2;
		}
	}
	if (!tenant) {
		usage();
		return 2;
	}
	size_t len = ov__notify__list_request__pack(&req, body);
	if (!ovctl_call_method(o, "notify", "mail.list", tenant, body, len,
			       &res))
		goto out;
	Ov__Notify__ListReply *r =
		ov__notify__list_reply__unpack(NULL, res.body_len, res.body);
	if (!r) {
		fprintf(stderr, "ovctl: undecodable reply\n");
		goto out;
	}
	print_header();
	for (size_t i = 0; i < r->n_mails; i++)
		print_mail(r->mails[i]);
	ov__notify__list_reply__free_unpacked(r, NULL);
	rc = 0;
out:
	ov_bus_result_free(&res);
	return rc;
}

static int resend(const struct ovctl_opts *o, int argc, char **argv)
{
	Ov__Notify__ResendRequest req = OV__NOTIFY__RESEND_REQUEST__INIT;
	struct ov_bus_result res = {0};
	const char *tenant = NULL;
	unsigned id = 0;
	uint8_t body[16];
	int rc = 1;

	for (int i = 0; i < argc; i++) {
		if (strcmp(argv[i], "--tenant") == 0 && i + 1 < argc) {
			tenant = argv[++i];
		} else if (!id && argv[i][0] != '-') {
			if (!ovctl_uint(argv[i], 1, 2000000000u, &id))
				return 2;
		} else {
			usage();
			return 2;
		}
	}
	if (!tenant || !id) {
		usage();
		return 2;
	}
	req.id = id;
	size_t len = ov__notify__resend_request__pack(&req, body);
	if (!ovctl_call_method(o, "notify", "mail.resend", tenant, body, len,
			       &res))
		goto out;
	Ov__Notify__ResendReply *r =
		ov__notify__resend_reply__unpack(NULL, res.body_len, res.body);
	if (!r) {
		fprintf(stderr, "ovctl: undecodable reply\n");
		goto out;
	}
	printf("mail %u queued again\n", id);
	if (r->mail) {
		print_header();
		print_mail(r->mail);
	}
	ov__notify__resend_reply__free_unpacked(r, NULL);
	rc = 0;
out:
	ov_bus_result_free(&res);
	return rc;
}

int ovctl_mail(const struct ovctl_opts *o, int argc, char **argv)
{
	if (argc >= 1 && strcmp(argv[0], "list") == 0)
		return list(o, argc - 1, argv + 1);
	if (argc >= 1 && strcmp(argv[0], "resend") == 0)
		return resend(o, argc - 1, argv + 1);
	usage();
	return 2;
}

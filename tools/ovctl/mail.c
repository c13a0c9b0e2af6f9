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

static int list(const struct ovctl_cmd *cmd, const struct ovctl_opts *o,
		int argc, char **argv)
{
	Ov__Notify__ListRequest req = OV__NOTIFY__LIST_REQUEST__INIT;
	struct ov_bus_result res = {0};
	const char *tenant = NULL;
	struct ovctl_getopt g;
	unsigned before;
	uint8_t body[64];
	int c, rc = 1;

	ovctl_getopt_init(&g, cmd, argc, argv);
	while ((c = ovctl_getopt(&g)) > 0) {
		switch (c) {
		case 't':
			tenant = g.arg;
			break;
		case 's':
			if (strlen(g.arg) >= 16)
				return ovctl_usage_error(cmd, "no state \"%s\"",
							 g.arg);
			req.state = (char *)g.arg;
			break;
		case 'l':
			if (!ovctl_uint(g.arg, 1, 500, &req.limit))
				return 2;
			break;
		case 'b':
			if (!ovctl_uint(g.arg, 1, 2000000000u, &before))
				return 2;
			req.before_id = before;
			break;
		}
	}
	if (c < 0)
		return g.rc;
	if (!tenant)
		return ovctl_usage_error(cmd, "--tenant is required");
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

static int resend(const struct ovctl_cmd *cmd, const struct ovctl_opts *o,
		  int argc, char **argv)
{
	Ov__Notify__ResendRequest req = OV__NOTIFY__RESEND_REQUEST__INIT;
	struct ov_bus_result res = {0};
	const char *tenant = NULL;
	struct ovctl_getopt g;
	unsigned id = 0;
	uint8_t body[16];
	int c, rc = 1;

	ovctl_getopt_init(&g, cmd, argc, argv);
	while ((c = ovctl_getopt(&g)) > 0)
		if (c == 't')
			tenant = g.arg;
	if (c < 0)
		return g.rc;
	if (!tenant)
		return ovctl_usage_error(cmd, "--tenant is required");
	if (!ovctl_uint(g.args[0], 1, 2000000000u, &id))
		return 2;
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

static const struct option list_opts[] = {
	{"tenant", required_argument, NULL, 't'},
	{"state", required_argument, NULL, 's'},
	{"limit", required_argument, NULL, 'l'},
	{"before", required_argument, NULL, 'b'},
	{0},
};

static const struct ovctl_cmd list_cmd = {
	.name = "mail list",
	.synopsis = "mail list --tenant ID [--state queued|sending|sent|"
		    "failed]\n"
		    "                 [--limit N] [--before MAIL_ID]",
	.help = "A tenant's mails, newest first: kind, state, attempts,\n"
		"when made and sent, recipient, and the last error.\n"
		"\n"
		"  --tenant ID        the tenant (required)\n"
		"  --state S          only the mails in state S\n"
		"  --limit N          at most N (1-500)\n"
		"  --before MAIL_ID   only those older than MAIL_ID (the\n"
		"                     next page)\n",
	.opts = list_opts,
	.run = list,
};

static const struct option resend_opts[] = {
	{"tenant", required_argument, NULL, 't'},
	{0},
};

static const struct ovctl_cmd resend_cmd = {
	.name = "mail resend",
	.synopsis = "mail resend --tenant ID MAIL_ID",
	.help = "A failed mail back to the queue (operator), unless its\n"
		"one-time password has been erased.\n"
		"\n"
		"  --tenant ID  the tenant whose mail it is (required)\n",
	.opts = resend_opts,
	.min_args = 1,
	.max_args = 1,
	.run = resend,
};

const struct ovctl_cmd ovctl_mail_cmd = {
	.name = "mail",
	.help = "notify's mails of a tenant, over the bus.\n",
	.subs = (const struct ovctl_cmd *const[]){&list_cmd, &resend_cmd, NULL},
};

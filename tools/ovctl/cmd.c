#include "cmd.h"

#include <assert.h>
#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "cfg.h"
#include "env.h"

bool ovctl_uint(const char *s, unsigned lo, unsigned hi, unsigned *out)
{
	long v;

	if (!ov_parse_long(s, (long)lo, (long)hi, &v)) {
		fprintf(stderr, "ovctl: \"%s\" is not a number from %u to %u\n",
			s, lo, hi);
		return false;
	}
	*out = (unsigned)v;
	return true;
}

static void synopsis(const struct ovctl_cmd *cmd, FILE *f, bool *first)
{
	if (cmd->subs) {
		for (const struct ovctl_cmd *const *s = cmd->subs; *s; s++)
			synopsis(*s, f, first);
		return;
	}
	fprintf(f, "%sovctl %s\n", *first ? "usage: " : "       ",
		cmd->synopsis);
	*first = false;
}

void ovctl_usage(const struct ovctl_cmd *cmd, FILE *f, bool help)
{
	bool first = true;

	synopsis(cmd, f, &first);
	if (help && cmd->help)
		fprintf(f, "\n%s", cmd->help);
	if (help && cmd->subs)
		fprintf(f, "\novctl %s COMMAND --help: a command's options.\n",
			cmd->name);
}

int ovctl_usage_error(const struct ovctl_cmd *cmd, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "ovctl %s: ", cmd->name);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	ovctl_usage(cmd, stderr, false);
	return 2;
}

void ovctl_getopt_init(struct ovctl_getopt *g, const struct ovctl_cmd *cmd,
		       int argc, char **argv)
{
	size_t n = 0;

	assert(cmd->max_args <= OVCTL_MAX_ARGS);
	memset(g, 0, sizeof(*g));
	g->cmd = cmd;
	g->argc = argc;
	g->argv = argv;
	for (; cmd->opts && cmd->opts[n].name; n++) {
		assert(n < OVCTL_MAX_OPTS);
		g->longs[n] = cmd->opts[n];
	}
	g->longs[n] = (struct option){"help", no_argument, NULL, 'h'};
	/* getopt_long's messages start with argv[0]: the whole command. */
	snprintf(g->prog, sizeof(g->prog), "ovctl %s", cmd->name);
	argv[0] = g->prog;
	optind = 0; /* a fresh scan: main's was another, with "+" */
	opterr = 1;
}

static bool add_arg(struct ovctl_getopt *g, const char *word)
{
	if (g->n_args == g->cmd->max_args) {
		g->rc = ovctl_usage_error(g->cmd, "unexpected \"%s\"", word);
		return false;
	}
	g->args[g->n_args++] = word;
	return true;
}

int ovctl_getopt(struct ovctl_getopt *g)
{
	int c;

	/* "-": positional words come back in order as 1, whatever
	 * POSIXLY_CORRECT says; -h is the only short option. */
	while ((c = getopt_long(g->argc, g->argv, "-h", g->longs, NULL)) !=
	       -1) {
		if (c == 1) {
			if (!add_arg(g, optarg))
				return -1;
		} else if (c == 'h') {
			ovctl_usage(g->cmd, stdout, true);
			g->rc = 0;
			return -1;
		} else if (c == '?') {
			/* getopt_long has named the option and what is
			 * wrong with it. */
			ovctl_usage(g->cmd, stderr, false);
			g->rc = 2;
			return -1;
		} else {
			g->arg = optarg;
			return c;
		}
	}
	/* The words after "--". */
	while (optind < g->argc)
		if (!add_arg(g, g->argv[optind++]))
			return -1;
	if (g->n_args < g->cmd->min_args) {
		g->rc = ovctl_usage_error(g->cmd, "%s",
					  g->n_args ? "too few arguments"
						    : "missing arguments");
		return -1;
	}
	return 0;
}

int ovctl_run(const struct ovctl_cmd *cmd, const struct ovctl_opts *o, int argc,
	      char **argv)
{
	if (!cmd->subs)
		return cmd->run(cmd, o, argc, argv);
	if (argc < 2)
		return ovctl_usage_error(cmd, "which command?");
	const char *w = argv[1];
	if (strcmp(w, "-h") == 0 || strcmp(w, "--help") == 0) {
		ovctl_usage(cmd, stdout, true);
		return 0;
	}
	for (const struct ovctl_cmd *const *s = cmd->subs; *s; s++) {
		const char *sp = strrchr((*s)->name, ' ');
		if (strcmp(w, sp ? sp + 1 : (*s)->name) == 0)
			return ovctl_run(*s, o, argc - 1, argv + 1);
	}
	return ovctl_usage_error(cmd, "no command \"%s\"", w);
}

struct ov_bus_client *ovctl_client(const char *service)
{
	static const char *const known[] = {"router", "registrar", "ivr",
					    "admin", "notify"};
	char key[64];
	size_t i;
	bool ok = false;

	for (i = 0; i < sizeof(known) / sizeof(known[0]); i++)
		ok = ok || strcmp(service, known[i]) == 0;
	if (!ok) {
		fprintf(stderr, "ovctl: no service \"%s\"\n", service);
		return NULL;
	}
	snprintf(key, sizeof(key), "OV_%s_URL", service);
	for (i = 3; key[i]; i++)
		key[i] = (char)toupper((unsigned char)key[i]);
	const char *url = ovctl_env(key);
	if (!url) {
		fprintf(stderr,
			"ovctl: %s is not set and no stack.env names it\n",
			key);
		return NULL;
	}
	struct ov_bus_client_opts co = {.urls = url};
	struct ov_bus_client *c = NULL;
	if (ov_bus_client_new(&co, &c) != OV_OK) {
		fprintf(stderr, "ovctl: %s=%s is not a usable bus URL\n", key,
			url);
		return NULL;
	}
	return c;
}

void ovctl_client_done(struct ov_bus_client *c)
{
	(void)c;
}

bool ovctl_call_method(const struct ovctl_opts *o, const char *service,
		       const char *method, const char *tenant,
		       const uint8_t *body, size_t len,
		       struct ov_bus_result *res)
{
	char rid[64];

	memset(res, 0, sizeof(*res));
	struct ov_bus_client *c = ovctl_client(service);
	if (!c)
		return false;
	snprintf(rid, sizeof(rid), "ovctl-%s", method);
	struct ov_bus_call call = {.method = method,
				   .tenant_id = tenant,
				   .request_id = rid,
				   .deadline_ms = o->deadline_ms,
				   .body = body,
				   .body_len = len};
	bool ok = ov_bus_client_call(c, &call, res) == OV_OK;
	if (!ok)
		fprintf(stderr, "ovctl: %s: %s\n", ov_err_name(res->err),
			res->message);
	ovctl_client_done(c);
	return ok;
}

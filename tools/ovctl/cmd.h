#ifndef OVCTL_CMD_H
#define OVCTL_CMD_H

#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>

#include "bus.h"

struct ovctl_opts {
	unsigned deadline_ms;
};

/*
 * A command: its words, usage, options and positional arguments. A
 * group (tenant, mail, registrar, ivr, apikey) has subs instead of run
 * and opts: ovctl_run picks the sub by the next word.
 *
 * Options go through getopt_long in in-order mode ("-"): options and
 * positional words mix in any order, "--" ends the options, --name=V
 * is --name V, and -h/--help (added to every table) prints the usage
 * and help on stdout. A usage error names the bad option or word on
 * stderr, with the usage, and the command exits 2.
 */
struct ovctl_cmd {
	const char *name;	     /* "tenant set" */
	const char *synopsis;	     /* after "ovctl ": arguments, on lines */
	const char *help;	     /* what it does, its options; or NULL */
	const struct option *opts;   /* ends with {0}; NULL for none; vals
					other than 1, '?' and 'h' */
	unsigned min_args, max_args; /* positional words */
	int (*run)(const struct ovctl_cmd *cmd, const struct ovctl_opts *o,
		   int argc, char **argv);   /* argv[0] is the last name word */
	const struct ovctl_cmd *const *subs; /* a group's; NULL-terminated */
};

#define OVCTL_MAX_OPTS 16
#define OVCTL_MAX_ARGS 4

/* One command's parse, after ovctl_getopt_init. */
struct ovctl_getopt {
	const struct ovctl_cmd *cmd;
	int argc;
	char **argv;
	const char *arg;		  /* the value of the option read */
	const char *args[OVCTL_MAX_ARGS]; /* positional words, in order */
	unsigned n_args;
	int rc;	       /* exit code once it returned -1 */
	char prog[64]; /* "ovctl tenant set" */
	struct option longs[OVCTL_MAX_OPTS + 2];
};

void ovctl_getopt_init(struct ovctl_getopt *g, const struct ovctl_cmd *cmd,
		       int argc, char **argv);
/* The val of the next option (its value in g->arg); 0 once all are read
 * and the count of positional words is within bounds; -1 when the
 * command ends with g->rc: 0 after --help, 2 after a usage error (both
 * printed). */
int ovctl_getopt(struct ovctl_getopt *g);
/* "usage: ovctl ..." lines of a command (or of every command of a
 * group), and with help its help text. */
void ovctl_usage(const struct ovctl_cmd *cmd, FILE *f, bool help);
/* "ovctl CMD: <message>" and the usage on stderr; returns 2. */
int ovctl_usage_error(const struct ovctl_cmd *cmd, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* Runs a command or a group's sub; argv[0] is the command's word. */
int ovctl_run(const struct ovctl_cmd *cmd, const struct ovctl_opts *o, int argc,
	      char **argv);

/* Checked unsigned parsing with a message naming the bad value. */
bool ovctl_uint(const char *s, unsigned lo, unsigned hi, unsigned *out);
/* A client for a service by name, from OV_<NAME>_URL; NULL (with a
 * message) when the name or its URL is unknown. */
struct ov_bus_client *ovctl_client(const char *service);

/* One call to a service's bus method; prints the failure and returns
 * false. res must be freed with ov_bus_result_free either way. */
bool ovctl_call_method(const struct ovctl_opts *o, const char *service,
		       const char *method, const char *tenant,
		       const uint8_t *body, size_t len,
		       struct ov_bus_result *res);

/* Ends a command's use of a client. ovctl exits right after, so the
 * socket is left to the exit: nng 1.5's REQ close can hang when the
 * peer went away with requests pending (nng issue #648). */
void ovctl_client_done(struct ov_bus_client *c);

extern const struct ovctl_cmd ovctl_ping_cmd, ovctl_call_cmd, ovctl_apikey_cmd,
	ovctl_tenant_cmd, ovctl_watch_cmd, ovctl_snapshot_cmd, ovctl_mail_cmd,
	ovctl_registrar_cmd, ovctl_simulate_cmd, ovctl_ivr_cmd;

#endif

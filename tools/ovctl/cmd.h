#ifndef OVCTL_CMD_H
#define OVCTL_CMD_H

#include <stdbool.h>

#include "bus.h"

struct ovctl_opts {
	unsigned deadline_ms;
};

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

int ovctl_ping(const struct ovctl_opts *o, int argc, char **argv);
int ovctl_call(const struct ovctl_opts *o, int argc, char **argv);
int ovctl_apikey(const struct ovctl_opts *o, int argc, char **argv);
int ovctl_tenant(const struct ovctl_opts *o, int argc, char **argv);
int ovctl_watch(const struct ovctl_opts *o, int argc, char **argv);
int ovctl_snapshot(const struct ovctl_opts *o, int argc, char **argv);
int ovctl_mail(const struct ovctl_opts *o, int argc, char **argv);
int ovctl_registrar(const struct ovctl_opts *o, int argc, char **argv);
int ovctl_simulate(const struct ovctl_opts *o, int argc, char **argv);
int ovctl_ivr(const struct ovctl_opts *o, int argc, char **argv);

#endif

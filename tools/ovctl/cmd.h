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

int ovctl_ping(const struct ovctl_opts *o, int argc, char **argv);
int ovctl_call(const struct ovctl_opts *o, int argc, char **argv);

#endif

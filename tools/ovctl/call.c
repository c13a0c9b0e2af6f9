/* ovctl call: one raw bus request, for diagnosis and bad-input tests. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

static uint8_t *from_hex(const char *hex, size_t *len)
{
	size_t n = strlen(hex);
	uint8_t *b;

	if (n % 2 || !(b = malloc(n / 2 + 1)))
		return NULL;
	for (size_t i = 0; i < n / 2; i++) {
		int hi = hexval(hex[2 * i]), lo = hexval(hex[2 * i + 1]);
		if (hi < 0 || lo < 0) {
			free(b);
			return NULL;
		}
		b[i] = (uint8_t)(hi << 4 | lo);
	}
	*len = n / 2;
	return b;
}

static int call_run(const struct ovctl_cmd *cmd, const struct ovctl_opts *o,
		    int argc, char **argv)
{
	struct ov_bus_result res = {0};
	struct ovctl_getopt g;
	uint8_t *raw = NULL;
	size_t raw_len = 0;
	const char *hex = NULL;
	unsigned size = 0;
	int opt, rc = 2;

	ovctl_getopt_init(&g, cmd, argc, argv);
	while ((opt = ovctl_getopt(&g)) > 0) {
		if (opt == 'x')
			hex = g.arg;
		else if (opt == 's' && !ovctl_uint(g.arg, 1, 256u << 20, &size))
			return 2;
	}
	if (opt < 0)
		return g.rc;
	if (hex && size)
		return ovctl_usage_error(cmd, "--raw-hex or --raw-size, "
					      "not both");
	if (hex && !(raw = from_hex(hex, &raw_len))) {
		fprintf(stderr, "ovctl: --raw-hex wants hex digits\n");
		return 2;
	}
	if (size) {
		/* Bytes that are no valid protobuf: field 0 is reserved. */
		if (!(raw = calloc(1, size)))
			return 1;
		raw_len = size;
	}
	struct ov_bus_client *c = ovctl_client(g.args[0]);
	if (!c)
		goto out;
	if (raw) {
		ov_bus_client_send_raw(c, raw, raw_len, o->deadline_ms, &res);
	} else {
		struct ov_bus_call call = {.method = g.args[1],
					   .request_id = "ovctl-call",
					   .deadline_ms = o->deadline_ms};
		ov_bus_client_call(c, &call, &res);
	}
	printf("%s %s\n", ov_err_name(res.err), res.message);
	rc = res.err == OV_OK ? 0 : 1;
	ov_bus_result_free(&res);
	ovctl_client_done(c);
out:
	free(raw);
	return rc;
}

static const struct option call_opts[] = {
	{"raw-hex", required_argument, NULL, 'x'},
	{"raw-size", required_argument, NULL, 's'},
	{0},
};

const struct ovctl_cmd ovctl_call_cmd = {
	.name = "call",
	.synopsis = "call SERVICE METHOD [--raw-hex HEX | --raw-size N]",
	.help = "One bus request to METHOD with an empty body; prints the\n"
		"status and its message, exits 0 on ok, else 1.\n"
		"\n"
		"  --raw-hex HEX  these bytes instead of an envelope\n"
		"  --raw-size N   N zero bytes instead of an envelope (no\n"
		"                 valid protobuf; up to 256 MiB)\n",
	.opts = call_opts,
	.min_args = 2,
	.max_args = 2,
	.run = call_run,
};

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

int ovctl_call(const struct ovctl_opts *o, int argc, char **argv)
{
	struct ov_bus_result res = {0};
	uint8_t *raw = NULL;
	size_t raw_len = 0;
	unsigned size;
	int rc = 2;

	if (argc < 2) {
		fprintf(stderr, "usage: ovctl call <service> <method> "
				"[--raw-hex HEX | --raw-size N]\n");
		return 2;
	}
	if (argc == 4 && strcmp(argv[2], "--raw-hex") == 0) {
		if (!(raw = from_hex(argv[3], &raw_len))) {
			fprintf(stderr, "ovctl: --raw-hex wants hex digits\n");
			return 2;
		}
	} else if (argc == 4 && strcmp(argv[2], "--raw-size") == 0) {
		if (!ovctl_uint(argv[3], 1, 256u << 20, &size))
			return 2;
		/* Bytes that are no valid protobuf: field 0 is reserved. */
		if (!(raw = calloc(1, size)))
			return 1;
		raw_len = size;
	} else if (argc != 2) {
		fprintf(stderr, "ovctl: unexpected \"%s\"\n", argv[2]);
		return 2;
	}
	struct ov_bus_client *c = ovctl_client(argv[0]);
	if (!c)
		goto out;
	if (raw) {
		ov_bus_client_send_raw(c, raw, raw_len, o->deadline_ms, &res);
	} else {
		struct ov_bus_call call = {.method = argv[1],
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

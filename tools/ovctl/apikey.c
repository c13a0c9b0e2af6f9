/* ovctl apikey create NAME: a new operator API key, printed once. */
#include <stdio.h>
#include <string.h>

#include "admin.pb-c.h"
#include "cmd.h"

static int create(const struct ovctl_cmd *cmd, const struct ovctl_opts *o,
		  int argc, char **argv)
{
	Ov__Admin__ApiKeyCreateRequest req =
		OV__ADMIN__API_KEY_CREATE_REQUEST__INIT;
	struct ov_bus_result res = {0};
	uint8_t body[256];
	struct ovctl_getopt g;
	int rc = 1;

	ovctl_getopt_init(&g, cmd, argc, argv);
	if (ovctl_getopt(&g) < 0)
		return g.rc;
	const char *name = g.args[0];
	if (strlen(name) > 100)
		return ovctl_usage_error(cmd, "NAME is longer than 100");
	req.name = (char *)name;
	size_t len = ov__admin__api_key_create_request__pack(&req, body);
	if (!ovctl_call_method(o, "admin", "apikey.create", NULL, body, len,
			       &res))
		goto out;
	Ov__Admin__ApiKeyCreateReply *r =
		ov__admin__api_key_create_reply__unpack(NULL, res.body_len,
							res.body);
	if (!r) {
		fprintf(stderr, "ovctl: undecodable reply\n");
		goto out;
	}
	/* The key on stdout alone, for scripts; what it is on stderr. */
	printf("%s\n", r->key);
	fprintf(stderr, "operator API key %s (\"%s\"); it is shown only now\n",
		r->id, name);
	ov__admin__api_key_create_reply__free_unpacked(r, NULL);
	rc = 0;
out:
	ov_bus_result_free(&res);
	return rc;
}

static const struct ovctl_cmd create_cmd = {
	.name = "apikey create",
	.synopsis = "apikey create NAME",
	.help = "A new operator API key for the admin REST API, named NAME\n"
		"(up to 100 bytes). The key alone is printed on stdout, once;\n"
		"what it is goes to stderr.\n",
	.min_args = 1,
	.max_args = 1,
	.run = create,
};

const struct ovctl_cmd ovctl_apikey_cmd = {
	.name = "apikey",
	.help = "Operator API keys, over the bus to admin.\n",
	.subs = (const struct ovctl_cmd *const[]){&create_cmd, NULL},
};

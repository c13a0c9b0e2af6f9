/* ovctl apikey create NAME: a new operator API key, printed once. */
#include <stdio.h>
#include <string.h>

#include "admin.pb-c.h"
#include "cmd.h"

int ovctl_apikey(const struct ovctl_opts *o, int argc, char **argv)
{
	Ov__Admin__ApiKeyCreateRequest req =
		OV__ADMIN__API_KEY_CREATE_REQUEST__INIT;
	struct ov_bus_result res = {0};
	uint8_t body[256];
	int rc = 1;

	if (argc != 2 || strcmp(argv[0], "create") != 0 ||
	    strlen(argv[1]) > 100) {
		fprintf(stderr, "usage: ovctl apikey create NAME\n");
		return 2;
	}
	req.name = argv[1];
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
		r->id, argv[1]);
	ov__admin__api_key_create_reply__free_unpacked(r, NULL);
	rc = 0;
out:
	ov_bus_result_free(&res);
	return rc;
}

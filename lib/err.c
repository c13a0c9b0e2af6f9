#include "err.h"

static const struct {
	const char *name;
	int http;
	int sip;
} err_table[OV_ERR_COUNT] = {
	[OV_OK] = {"ok", 200, 200},
	[OV_EINVAL] = {"invalid_argument", 400, 400},
	[OV_ENOTFOUND] = {"not_found", 404, 404},
	[OV_EEXIST] = {"already_exists", 409, 409},
	[OV_EPERM] = {"permission_denied", 403, 403},
	[OV_EUNAUTH] = {"unauthenticated", 401, 401},
	[OV_ETIMEDOUT] = {"deadline_exceeded", 504, 503},
	[OV_EUNAVAIL] = {"unavailable", 503, 503},
	[OV_EEXHAUSTED] = {"resource_exhausted", 429, 503},
	[OV_EPRECOND] = {"failed_precondition", 412, 500},
	[OV_EINTERNAL] = {"internal", 500, 500},
	[OV_ETOOBIG] = {"too_large", 413, 513},
};

static enum ov_err clamp(enum ov_err e)
{
	return (unsigned)e < OV_ERR_COUNT ? e : OV_EINTERNAL;
}

const char *ov_err_name(enum ov_err e)
{
	return err_table[clamp(e)].name;
}

int ov_err_http(enum ov_err e)
{
	return err_table[clamp(e)].http;
}

int ov_err_sip(enum ov_err e)
{
	return err_table[clamp(e)].sip;
}

enum ov_err ov_err_from_code(int code)
{
	if (code < 0 || code >= OV_ERR_COUNT)
		return OV_EINTERNAL;
	return (enum ov_err)code;
}

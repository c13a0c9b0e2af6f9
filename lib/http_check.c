#include "http_check.h"

#include <ctype.h>
#include <stddef.h>

int ov_http_framing_check(const struct ov_http_framing *f, const char **why)
{
	if (f->n_content_length && f->n_transfer_encoding) {
		*why = "a request may not have both Content-Length and "
		       "Transfer-Encoding";
		return 400;
	}
	if (f->n_content_length > 1) {
		*why = "a request may have one Content-Length";
		return 400;
	}
	if (f->n_transfer_encoding > 1) {
		*why = "a request may have one Transfer-Encoding";
		return 400;
	}
	if (f->n_transfer_encoding) {
		*why = "send the body with a Content-Length, not chunked";
		return 411;
	}
	*why = NULL;
	return 0;
}

bool ov_http_media_is(const char *ct, const char *type)
{
	if (!ct)
		return false;
	while (*ct == ' ' || *ct == '\t')
		ct++;
	for (; *type; type++, ct++)
		if (tolower((unsigned char)*ct) !=
		    tolower((unsigned char)*type))
			return false;
	while (*ct == ' ' || *ct == '\t')
		ct++;
	return *ct == '\0' || *ct == ';';
}

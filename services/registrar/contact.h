/*
 * The Contact header of a REGISTER, as the edge hands it over (the raw
 * header values joined by ","), and the expiry of each binding. Pure:
 * no I/O, no clock, no allocation.
 *
 * Grammar (RFC 3261 20.10, 25.1):
 *
 *   Contact        = STAR / contact-param *(COMMA contact-param)
 *   contact-param  = (name-addr / addr-spec) *(SEMI contact-params)
 *   name-addr      = [display-name] LAQUOT addr-spec RAQUOT
 *   display-name   = *(token LWS) / quoted-string
 *
 * In the addr-spec form the URI ends at the first ";", "," or white
 * space: what follows a ";" is a header parameter (expires, q,
 * +sip.instance), never a URI parameter (RFC 3261 20.10).
 */
#ifndef REGISTRAR_CONTACT_H
#define REGISTRAR_CONTACT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "err.h"

#define CONTACT_MAX 20		 /* contacts one request may carry, at most */
#define CONTACT_URI_MAX 512	 /* bytes of one URI, NUL included */
#define CONTACT_INSTANCE_MAX 256 /* +sip.instance, NUL included */
#define CONTACT_HEADER_MAX 8192	 /* the whole raw value */
#define CONTACT_EXPIRES_MAX 4294967295LL /* RFC 3261: 2**32-1 */

struct contact {
	char uri[CONTACT_URI_MAX];	     /* sip: or sips:, without <> */
	char instance[CONTACT_INSTANCE_MAX]; /* unquoted, "" when none */
	int64_t expires;		     /* the parameter; -1 when none */
	int q;				     /* q × 1000; -1 when none */
	uint32_t seconds; /* set by contact_prepare; 0 = remove */
};

struct contact_list {
	bool star; /* "*": remove every binding */
	size_t n;
	struct contact c[CONTACT_MAX];
};

/* Parses a raw Contact value into out, at most max contacts (max is at
 * most CONTACT_MAX). Returns OV_OK, or OV_EINVAL with a reason in why:
 * malformed syntax, a scheme other than sip/sips, a part over its limit,
 * "*" mixed with contacts, more than max contacts. */
enum ov_err contact_parse(const char *raw, size_t max, struct contact_list *out,
			  char *why, size_t why_len);

struct expiry_rules {
	uint32_t min; /* shorter requests are refused (423) */
	uint32_t max; /* longer ones are shortened */
	uint32_t def; /* neither parameter nor Expires header */
};

/* The seconds a binding is kept: the contact's expires parameter, else
 * the request's Expires header (header < 0: absent), else rules->def;
 * above max shortened to max (def too); 0 means remove. Returns false,
 * leaving *out alone, when 0 < requested < min: the edge answers 423
 * Interval Too Brief with Min-Expires: rules->min. */
bool contact_expiry(int64_t param, int64_t header, const struct expiry_rules *r,
		    uint32_t *out);

/* Sets every contact's seconds for a request with Expires header
 * `header` (< 0: absent). Returns OV_OK; OV_EINVAL when "*" comes with
 * an Expires other than 0 (RFC 3261 10.3 step 6); OV_EPRECOND when any
 * contact asks for less than rules->min but more than 0 (nothing may
 * change then: the whole request is refused); why is then exactly
 * "interval too brief: min_expires=<min>", which the edge reads for its
 * 423's Min-Expires. */
enum ov_err contact_prepare(struct contact_list *l, int64_t header,
			    const struct expiry_rules *r, char *why,
			    size_t why_len);

#endif

/*
 * Outside numbers dialled from a device: normalised and classified by
 * the Italian numbering plan (PNN, AGCOM). The table of prefixes and
 * why each is where it is: docs/router.md "Outgoing calls".
 */
#include "plan.h"

#include <stdio.h>
#include <string.h>

/* Longest dial string looked at: E.164 has at most 15 digits, a
 * prefix "00" adds two; anything longer is not a number. */
#define DIAL_MAX_DIGITS 17

static bool starts(const char *s, const char *prefix)
{
	return strncmp(s, prefix, strlen(prefix)) == 0;
}

static bool between(size_t n, size_t lo, size_t hi)
{
	return n >= lo && n <= hi;
}

/* Writes "<prefix><digits>" to e164; false when it does not fit. */
static bool emit(char *e164, size_t len, const char *prefix, const char *d)
{
	if (!e164 || !len)
		return true;
	int w = snprintf(e164, len, "%s%s", prefix, d);
	if (w < 0 || (size_t)w >= len) {
		e164[0] = '\0';
		return false;
	}
	return true;
}

static enum router_dest done(enum router_dest k, char *e164, size_t len,
			     const char *prefix, const char *d)
{
	return emit(e164, len, prefix, d) ? k : ROUTER_DEST_INVALID;
}

static bool emergency(const char *n)
{
	static const char *const exact[] = {
		"112",	/* Numero unico di emergenza europeo */
		"113",	/* Polizia di Stato */
		"114",	/* Emergenza infanzia */
		"115",	/* Vigili del fuoco */
		"117",	/* Guardia di Finanza */
		"118",	/* Emergenza sanitaria */
		"1515", /* Carabinieri forestali, emergenza ambientale */
		"1522", /* Antiviolenza e stalking */
		"1530", /* Guardia costiera */
	};

	for (size_t i = 0; i < sizeof(exact) / sizeof(exact[0]); i++)
		if (strcmp(n, exact[i]) == 0)
			return true;
	/* 116xxx: harmonised European numbers of social value (116000
	 * missing children, 116117 out-of-hours doctor, 116123 ...). */
	return starts(n, "116") && strlen(n) == 6;
}

/* The national number n (after +39 / 0039, or as dialled). */
static enum router_dest national(const char *n, char *e164, size_t len)
{
	size_t l = strlen(n);

	if (emergency(n))
		return done(ROUTER_DEST_EMERGENCY, e164, len, "", n);
	switch (n[0]) {
	case '0':
		/* 0 + area code: 6 to 11 digits; "00" is never an area. */
		if (n[1] != '0' && between(l, 6, 11))
			return done(ROUTER_DEST_LANDLINE, e164, len, "+39", n);
		break;
	case '3':
		if (between(l, 9, 10))
			return done(ROUTER_DEST_MOBILE, e164, len, "+39", n);
		break;
	case '8':
		if ((starts(n, "800") || starts(n, "803")) && between(l, 6, 10))
			return done(ROUTER_DEST_TOLLFREE, e164, len, "+39", n);
		/* 89x premium rate, 84x shared cost. */
		if ((n[1] == '9' || n[1] == '4') && between(l, 6, 10))
			return done(ROUTER_DEST_PREMIUM, e164, len, "+39", n);
		break;
	case '1':
		/* 12xx directory enquiries, 144 and 166 premium, 178
		 * personal numbers, 199 "numero unico", other 1xx short
		 * service codes of the carriers: no E.164 form. */
		if ((starts(n, "12") && between(l, 4, 6)) ||
		    ((starts(n, "144") || starts(n, "166") ||
		      starts(n, "178") || starts(n, "199")) &&
		     between(l, 6, 11)) ||
		    between(l, 3, 6))
			return done(ROUTER_DEST_PREMIUM, e164, len, "", n);
		break;
	case '4':
		/* 4x: network and value-added services. */
		if (between(l, 3, 10))
			return done(ROUTER_DEST_PREMIUM, e164, len, "", n);
		break;
	default:
		break;
	}
	return done(ROUTER_DEST_INVALID, e164, len, "", "");
}

/* cc: the digits after + or 00, country code first, not 39. */
static enum router_dest international(const char *cc, char *e164, size_t len)
{
	/* Inmarsat, satellite and international networks, and the ITU's
	 * international premium rate service. */
	static const char *const premium[] = {"870", "881", "882", "883",
					      "979"};
	size_t l = strlen(cc);

	if (cc[0] == '0' || !between(l, 7, 15))
		return done(ROUTER_DEST_INVALID, e164, len, "", "");
	for (size_t i = 0; i < sizeof(premium) / sizeof(premium[0]); i++)
		if (starts(cc, premium[i]))
			return done(ROUTER_DEST_PREMIUM, e164, len, "+", cc);
	return done(ROUTER_DEST_INTERNATIONAL, e164, len, "+", cc);
}

enum router_dest router_classify(const char *dialled, char *e164,
				 size_t e164_len)
{
	char d[DIAL_MAX_DIGITS + 1];
	const char *p = dialled;
	size_t n = 0;
	bool plus = false;

	if (e164 && e164_len)
		e164[0] = '\0';
	if (!p)
		return ROUTER_DEST_INVALID;
	if (*p == '+') {
		plus = true;
		p++;
	}
	for (; *p; p++) {
		if (*p < '0' || *p > '9' || n == DIAL_MAX_DIGITS)
			return ROUTER_DEST_INVALID;
		d[n++] = *p;
	}
	d[n] = '\0';
	if (!n)
		return ROUTER_DEST_INVALID;
	if (plus || starts(d, "00")) {
		const char *cc = plus ? d : d + 2;
		if (!starts(cc, "39"))
			return international(cc, e164, e164_len);
		if (!cc[2])
			return ROUTER_DEST_INVALID;
		return national(cc + 2, e164, e164_len);
	}
	/* "39" + a national number, the "+" lost on the way: longer than
	 * any national number starting with 39 (mobiles 39x have 10). */
	if (starts(d, "39") && n > 10)
		return national(d + 2, e164, e164_len);
	return national(d, e164, e164_len);
}

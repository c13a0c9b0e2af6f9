/*
 * The little of bencode the ng protocol needs: writing a dictionary of
 * strings, and reading the top level of a reply dictionary (strings and
 * integers; lists and dictionaries inside are skipped). Pure.
 */
#ifndef IVR_BENCODE_H
#define IVR_BENCODE_H

#include <stdbool.h>
#include <stddef.h>

struct ivr_benc {
	char *p;
	size_t size;
	size_t len;
	bool over; /* something did not fit: the result is unusable */
};

void ivr_benc_init(struct ivr_benc *b, char *buf, size_t size);
void ivr_benc_raw(struct ivr_benc *b, const char *s);
/* "<len>:<bytes>" */
void ivr_benc_str(struct ivr_benc *b, const char *s);
/* key and string value, in a dictionary being written */
void ivr_benc_kv(struct ivr_benc *b, const char *k, const char *v);

/* One value at the top level of a reply dictionary. */
struct ivr_bval {
	bool found;
	bool is_int;
	const char *s; /* not NUL-terminated: s[0..len) */
	size_t len;
	long long i;
};

/*
 * Looks up key in the dictionary msg[0..len). Returns false when msg is
 * not a well-formed dictionary (to its end, nesting at most 8 deep).
 * *out.found tells whether the key was there.
 */
bool ivr_benc_get(const char *msg, size_t len, const char *key,
		  struct ivr_bval *out);

/* A value as a number: an integer, or a string of digits (rtpengine
 * sends the duration either way). */
bool ivr_bval_number(const struct ivr_bval *v, long long *out);

#endif

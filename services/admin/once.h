/*
 * At most one log line per key per window: auth.throttled is logged once
 * a minute per throttled account (or address), with how many refusals
 * it stands for, however many requests an attack sends. Pure but for
 * its mutex; the caller gives the time.
 *
 * A fixed table of ONCE_SLOTS slots indexed by a keyed hash (SipHash
 * with a random key, so nobody can choose keys that meet); a key that
 * finds another in its slot takes the slot over, so two keys that meet
 * may each log more than once a window. The bound is per slot.
 */
#ifndef ADMIN_ONCE_H
#define ADMIN_ONCE_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#define ONCE_SLOTS 4096

struct once_slot {
	uint64_t key; /* 0: free */
	int64_t last_s;
	unsigned long held; /* takes refused since the last line */
};

struct admin_once {
	pthread_mutex_t mu;
	int window_s;
	unsigned char hash_key[16];
	struct once_slot slot[ONCE_SLOTS];
};

/* sodium_init() must have been called. */
void admin_once_init(struct admin_once *o, int window_s);
/* True when key may log at now_s, with *held set to the takes refused
 * since its last line (0 the first time); false (counted) otherwise. */
bool admin_once_take(struct admin_once *o, const char *key, int64_t now_s,
		     unsigned long *held);

#endif

#include "once.h"

#include <string.h>

#include <sodium.h>

void admin_once_init(struct admin_once *o, int window_s)
{
	memset(o, 0, sizeof(*o));
	pthread_mutex_init(&o->mu, NULL);
	o->window_s = window_s;
	crypto_shorthash_keygen(o->hash_key);
}

bool admin_once_take(struct admin_once *o, const char *key, int64_t now_s,
		     unsigned long *held)
{
	unsigned char h[crypto_shorthash_BYTES];
	uint64_t k;
	bool take;

	crypto_shorthash(h, (const unsigned char *)key, strlen(key),
			 o->hash_key);
	memcpy(&k, h, sizeof(k));
	k |= 1; /* never 0, the free mark */
	pthread_mutex_lock(&o->mu);
	struct once_slot *s = &o->slot[k % ONCE_SLOTS];
	if (s->key != k) {
		s->key = k;
		s->held = 0;
		s->last_s = now_s - o->window_s;
	}
	take = now_s - s->last_s >= o->window_s;
	if (take) {
		*held = s->held;
		s->held = 0;
		s->last_s = now_s;
	} else {
		s->held++;
	}
	pthread_mutex_unlock(&o->mu);
	return take;
}

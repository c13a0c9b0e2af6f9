#include "cache.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <glib.h>
#include <sodium.h>

#include "bus.h"
#include "log.h"
#include "synth.h"
#include "wav.h"

#define TMP_PREFIX ".tmp-"
/* A leftover .tmp file older than this is a crash's, not a writer's. */
#define TMP_STALE_S 600
/* mtime is refreshed on use at most this often (s). */
#define TOUCH_EVERY_S 60

struct entry {
	char key[IVR_KEY_HEX];
	uint64_t bytes;
	uint64_t touched_s; /* monotonic s of the last mtime refresh */
	int64_t mtime;	    /* the file's, at the scan only */
	uint32_t ms;
	GList lru; /* in ivr_cache.lru; data is the entry */
};

/*
 * The index: a GHashTable from key to entry (the entry owns the key
 * string the table points to) and a GQueue of the same entries, least
 * recently used at the head. The queue's links live in the entries, so
 * a use is an unlink and a push, and eviction takes from the head: both
 * O(1), where a flat array made every lookup and every eviction a walk.
 */
struct ivr_cache {
	pthread_mutex_t lock;
	char dir[PATH_MAX];
	uint64_t max_bytes;
	GHashTable *idx;
	GQueue lru;
	uint64_t bytes;
	uint64_t evicted;
};

static bool key_ok(const char *k)
{
	size_t i = 0;

	for (; k[i]; i++)
		if (i >= 64 || !((k[i] >= '0' && k[i] <= '9') ||
				 (k[i] >= 'a' && k[i] <= 'f')))
			return false;
	return i == 64;
}

static bool path_of(const struct ivr_cache *c, const char *key, char *out,
		    size_t size)
{
	int n = snprintf(out, size, "%s/%s.wav", c->dir, key);
	return n > 0 && (size_t)n < size;
}

static struct entry *find(struct ivr_cache *c, const char *key)
{
	return g_hash_table_lookup(c->idx, key);
}

/* Marks x the most recently used. */
static void use(struct ivr_cache *c, struct entry *x)
{
	g_queue_unlink(&c->lru, &x->lru);
	g_queue_push_tail_link(&c->lru, &x->lru);
}

/* Adds or replaces key's entry, as the most recently used. */
static struct entry *add(struct ivr_cache *c, const char *key, uint64_t bytes,
			 uint32_t ms)
{
	struct entry *x = find(c, key);

	if (x) {
		c->bytes -= x->bytes;
		use(c, x);
	} else {
		x = g_new0(struct entry, 1);
		memcpy(x->key, key, 64);
		x->lru.data = x;
		g_hash_table_insert(c->idx, x->key, x);
		g_queue_push_tail_link(&c->lru, &x->lru);
	}
	x->bytes = bytes;
	x->ms = ms;
	c->bytes += bytes;
	return x;
}

/* Forgets x and frees it. */
static void drop(struct ivr_cache *c, struct entry *x)
{
	c->bytes -= x->bytes;
	g_queue_unlink(&c->lru, &x->lru);
	g_hash_table_remove(c->idx, x->key); /* frees x */
}

/* Reads a prompt file's header; its size and length when whole. */
static bool whole(int dirfd, const char *name, uint64_t *bytes, uint32_t *ms,
		  time_t *mtime)
{
	uint8_t h[IVR_WAV_HEADER];
	struct stat st;
	uint32_t rate, n;
	bool ok = false;
	int fd = openat(dirfd, name, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return false;
	if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode) &&
	    read(fd, h, sizeof(h)) == (ssize_t)sizeof(h) &&
	    ivr_wav_parse(h, sizeof(h), (size_t)st.st_size, &rate, &n)) {
		*bytes = (uint64_t)st.st_size;
		*ms = ivr_wav_ms(rate, n);
		if (mtime)
			*mtime = st.st_mtime;
		ok = true;
	}
	close(fd);
	return ok;
}

/* Least recently used first, keeping `keep`. */
static void evict(struct ivr_cache *c, const struct entry *keep)
{
	char path[PATH_MAX + 80];
	GList *l = c->lru.head;

	while (c->bytes > c->max_bytes && l) {
		struct entry *old = l->data;
		l = l->next;
		if (old == keep)
			continue;
		if (path_of(c, old->key, path, sizeof(path)) &&
		    unlink(path) != 0 && errno != ENOENT)
			ov_log_warn("cache.unlink_failed", OV_LS("path", path),
				    OV_LS("error", strerror(errno)));
		ov_log_debug("cache.evicted", OV_LS("prompt", old->key),
			     OV_LI("bytes", (long long)old->bytes));
		c->evicted++;
		drop(c, old);
	}
}

static gint by_mtime(gconstpointer a, gconstpointer b, gpointer unused)
{
	const struct entry *x = a, *y = b;
	(void)unused;
	return x->mtime < y->mtime ? -1 : x->mtime > y->mtime;
}

static enum ov_err scan(struct ivr_cache *c)
{
	DIR *d = opendir(c->dir);
	struct dirent *de;
	time_t now = time(NULL);
	size_t removed = 0;

	if (!d)
		return OV_EUNAVAIL;
	while ((de = readdir(d))) {
		const char *name = de->d_name;
		size_t len = strlen(name);
		uint64_t bytes;
		uint32_t ms;
		time_t mtime;
		struct stat st;

		if (strncmp(name, TMP_PREFIX, strlen(TMP_PREFIX)) == 0) {
			if (fstatat(dirfd(d), name, &st, 0) == 0 &&
			    now - st.st_mtime > TMP_STALE_S &&
			    unlinkat(dirfd(d), name, 0) == 0)
				removed++;
			continue;
		}
		if (len != 68 || strcmp(name + 64, ".wav") != 0)
			continue; /* not ours: left alone */
		char key[IVR_KEY_HEX];
		memcpy(key, name, 64);
		key[64] = '\0';
		if (!key_ok(key))
			continue;
		if (!whole(dirfd(d), name, &bytes, &ms, &mtime)) {
			if (unlinkat(dirfd(d), name, 0) == 0)
				removed++;
			continue;
		}
		add(c, key, bytes, ms)->mtime = mtime;
	}
	closedir(d);
	/* The order of use a restart keeps is the files' mtime: oldest
	 * first. g_queue_sort relinks the entries' own links. */
	g_queue_sort(&c->lru, by_mtime, NULL);
	uint64_t before = c->lru.length;
	evict(c, NULL);
	ov_log_info("cache.scanned", OV_LS("dir", c->dir),
		    OV_LI("prompts", (long long)c->lru.length),
		    OV_LI("bytes", (long long)c->bytes),
		    OV_LI("evicted", (long long)(before - c->lru.length)),
		    OV_LI("removed", (long long)removed));
	return OV_OK;
}

enum ov_err ivr_cache_open(const char *dir, uint64_t max_bytes,
			   struct ivr_cache **out)
{
	struct ivr_cache *c;
	enum ov_err e;

	if (!dir || !*dir || sodium_init() < 0)
		return OV_EINVAL;
	if (mkdir(dir, 0755) != 0 && errno != EEXIST)
		return OV_EUNAVAIL;
	if (!(c = calloc(1, sizeof(*c))))
		return OV_EEXHAUSTED;
	if (!realpath(dir, c->dir)) {
		free(c);
		return OV_EUNAVAIL;
	}
	pthread_mutex_init(&c->lock, NULL);
	c->max_bytes = max_bytes;
	c->idx = g_hash_table_new_full(g_str_hash, g_str_equal, NULL, g_free);
	g_queue_init(&c->lru);
	if ((e = scan(c)) != OV_OK) {
		ivr_cache_close(c);
		return e;
	}
	*out = c;
	return OV_OK;
}

void ivr_cache_close(struct ivr_cache *c)
{
	if (!c)
		return;
	pthread_mutex_destroy(&c->lock);
	g_hash_table_destroy(c->idx); /* frees the entries */
	free(c);
}

/* One input, length-prefixed: no two inputs hash the same bytes. */
static void part(crypto_generichash_state *st, const char *s)
{
	const char *p = s ? s : "";
	uint32_t n = (uint32_t)strlen(p);
	unsigned char len[4] = {(unsigned char)(n >> 24),
				(unsigned char)(n >> 16),
				(unsigned char)(n >> 8), (unsigned char)n};

	crypto_generichash_update(st, len, sizeof(len));
	crypto_generichash_update(st, (const unsigned char *)p, n);
}

void ivr_cache_key(const struct ivr_text *t, const char *engine,
		   char key[IVR_KEY_HEX])
{
	crypto_generichash_state st;
	unsigned char h[32];

	crypto_generichash_init(&st, NULL, 0, sizeof(h));
	/* Bumped when the way prompts are made changes in a way the
	 * engine string does not show. */
	part(&st, "ov-ivr prompt 1");
	part(&st, engine);
	for (size_t i = 0; i < t->n; i++) {
		part(&st, t->seg[i].lang);
		part(&st, ivr_synth_voice(t->seg[i].lang, t->female));
		part(&st, t->seg[i].text);
	}
	crypto_generichash_final(&st, h, sizeof(h));
	sodium_bin2hex(key, IVR_KEY_HEX, h, sizeof(h));
}

static void touch(struct ivr_cache *c, struct entry *x, const char *path)
{
	uint64_t now = ov_now_ms() / 1000;

	use(c, x);
	if (now - x->touched_s >= TOUCH_EVERY_S || !x->touched_s) {
		x->touched_s = now ? now : 1;
		utimensat(AT_FDCWD, path, NULL, 0);
	}
}

bool ivr_cache_get(struct ivr_cache *c, const char *key, char *path,
		   size_t path_len, uint32_t *ms)
{
	struct stat st;
	bool hit = false;

	if (!key_ok(key) || !path_of(c, key, path, path_len))
		return false;
	pthread_mutex_lock(&c->lock);
	struct entry *x = find(c, key);
	if (x && stat(path, &st) == 0 && (uint64_t)st.st_size == x->bytes) {
		touch(c, x, path);
		*ms = x->ms;
		hit = true;
	} else {
		/* Gone (or replaced): forget it; maybe another replica put
		 * it. */
		if (x)
			drop(c, x);
		uint64_t bytes;
		uint32_t m;
		if (whole(AT_FDCWD, path, &bytes, &m, NULL)) {
			x = add(c, key, bytes, m);
			touch(c, x, path);
			*ms = m;
			hit = true;
			evict(c, x);
		}
	}
	pthread_mutex_unlock(&c->lock);
	return hit;
}

static enum ov_err write_all(int fd, const uint8_t *p, size_t len)
{
	while (len) {
		ssize_t n = write(fd, p, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return errno == ENOSPC ? OV_EEXHAUSTED : OV_EUNAVAIL;
		p += n;
		len -= (size_t)n;
	}
	return OV_OK;
}

enum ov_err ivr_cache_put(struct ivr_cache *c, const char *key,
			  const uint8_t *wav, size_t len, char *path,
			  size_t path_len)
{
	char tmp[PATH_MAX + 80];
	unsigned char rnd[6];
	char rhex[13];
	uint32_t rate, n;
	enum ov_err e;

	if (!key_ok(key) || !path_of(c, key, path, path_len) ||
	    !ivr_wav_parse(wav, len, len, &rate, &n))
		return OV_EINVAL;
	randombytes_buf(rnd, sizeof(rnd));
	sodium_bin2hex(rhex, sizeof(rhex), rnd, sizeof(rnd));
	int k = snprintf(tmp, sizeof(tmp), "%s/" TMP_PREFIX "%.16s-%ld-%s",
			 c->dir, key, (long)getpid(), rhex);
	if (k < 0 || (size_t)k >= sizeof(tmp))
		return OV_ETOOBIG;
	int fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
	if (fd < 0)
		return OV_EUNAVAIL;
	e = write_all(fd, wav, len);
	if (close(fd) != 0 && e == OV_OK)
		e = OV_EUNAVAIL;
	/* No fsync: a file cut short by a crash fails the header check
	 * at the next scan and is made again. */
	if (e == OV_OK && rename(tmp, path) != 0)
		e = OV_EUNAVAIL;
	if (e != OV_OK) {
		unlink(tmp);
		return e;
	}
	pthread_mutex_lock(&c->lock);
	struct entry *x = add(c, key, len, ivr_wav_ms(rate, n));
	x->touched_s = ov_now_ms() / 1000;
	evict(c, x);
	pthread_mutex_unlock(&c->lock);
	return e;
}

enum ov_err ivr_cache_read(struct ivr_cache *c, const char *key, uint8_t **wav,
			   size_t *len)
{
	char path[PATH_MAX + 80];
	struct stat st;
	enum ov_err e = OV_ENOTFOUND;

	if (!key_ok(key) || !path_of(c, key, path, sizeof(path)))
		return OV_EINVAL;
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return OV_ENOTFOUND;
	if (fstat(fd, &st) == 0 && st.st_size > 0 &&
	    st.st_size <= (off_t)64 << 20) {
		size_t n = (size_t)st.st_size, got = 0;
		uint8_t *b = malloc(n);
		e = b ? OV_OK : OV_EEXHAUSTED;
		while (b && got < n) {
			ssize_t r = read(fd, b + got, n - got);
			if (r < 0 && errno == EINTR)
				continue;
			if (r <= 0) {
				e = OV_EUNAVAIL;
				break;
			}
			got += (size_t)r;
		}
		if (e == OV_OK) {
			*wav = b;
			*len = n;
		} else {
			free(b);
		}
	}
	close(fd);
	return e;
}

void ivr_cache_stats(struct ivr_cache *c, struct ivr_cache_stats *s)
{
	pthread_mutex_lock(&c->lock);
	s->files = c->lru.length;
	s->bytes = c->bytes;
	s->evicted = c->evicted;
	pthread_mutex_unlock(&c->lock);
}

const char *ivr_cache_dir(const struct ivr_cache *c)
{
	return c->dir;
}

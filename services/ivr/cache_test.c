/* The prompt cache on a real directory: keys, atomic files, the size
 * bound with least recently used out, and a restart. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <dirent.h>
#include <fcntl.h>
#include <limits.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cache.h"
#include "wav.h"

#define ENGINE "espeak-ng 1.51 22050Hz 160wpm gap300ms"

static char dir[64];

static int setup(void **state)
{
	(void)state;
	snprintf(dir, sizeof(dir), "/tmp/ov-ivr-cache-test-XXXXXX");
	return mkdtemp(dir) ? 0 : -1;
}

static int teardown(void **state)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	char p[PATH_MAX];
	(void)state;

	while (d && (de = readdir(d)))
		if (de->d_name[0] != '.' || strlen(de->d_name) > 2) {
			snprintf(p, sizeof(p), "%s/%s", dir, de->d_name);
			unlink(p);
		}
	if (d)
		closedir(d);
	rmdir(dir);
	return 0;
}

static void text(struct ivr_text *t, bool female, const char *l0,
		 const char *s0, const char *l1, const char *s1)
{
	memset(t, 0, sizeof(*t));
	t->female = female;
	snprintf(t->seg[0].lang, sizeof(t->seg[0].lang), "%s", l0);
	snprintf(t->seg[0].text, sizeof(t->seg[0].text), "%s", s0);
	t->n = 1;
	if (l1) {
		snprintf(t->seg[1].lang, sizeof(t->seg[1].lang), "%s", l1);
		snprintf(t->seg[1].text, sizeof(t->seg[1].text), "%s", s1);
		t->n = 2;
	}
}

/* A WAV of n samples at 22,050 Hz; the caller frees. */
static uint8_t *wav(uint32_t n, size_t *len)
{
	*len = IVR_WAV_HEADER + (size_t)n * 2;
	uint8_t *b = calloc(1, *len);
	ivr_wav_header(b, 22050, n);
	for (uint32_t i = 0; i < n; i++)
		b[IVR_WAV_HEADER + 2 * i] = (uint8_t)i;
	return b;
}

static void key_of(int i, char key[IVR_KEY_HEX])
{
	struct ivr_text t;
	char s[32];

	snprintf(s, sizeof(s), "prompt %d", i);
	text(&t, true, "it", s, NULL, NULL);
	ivr_cache_key(&t, ENGINE, key);
}

static bool on_disk(const char *key)
{
	char p[PATH_MAX];
	snprintf(p, sizeof(p), "%s/%s.wav", dir, key);
	return access(p, F_OK) == 0;
}

/* The key is a pure function of text, languages, voice and engine:
 * stable across builds and runs (a prompt made yesterday is found
 * today), and any change is another key. */
static void test_key_is_stable_and_covers_every_input(void **state)
{
	struct ivr_text t;
	char k[IVR_KEY_HEX], other[IVR_KEY_HEX];
	(void)state;

	text(&t, true, "it", "Salve! Grazie per aver chiamato.", "en",
	     "Hello! Thank you for calling.");
	ivr_cache_key(&t, ENGINE, k);
	/* If this changes, every cache in the field is made anew: only
	 * on purpose (bump the version inside ivr_cache_key). */
	assert_string_equal(
		k, "973948e9ba71577f65d6f29839261fb4eeaab7754ed30100466bb54d65"
		   "d0dc4c");
	ivr_cache_key(&t, ENGINE, other);
	assert_string_equal(k, other);

	text(&t, false, "it", "Salve! Grazie per aver chiamato.", "en",
	     "Hello! Thank you for calling.");
	ivr_cache_key(&t, ENGINE, other);
	assert_string_not_equal(k, other); /* voice */
	text(&t, true, "en", "Hello! Thank you for calling.", "it",
	     "Salve! Grazie per aver chiamato.");
	ivr_cache_key(&t, ENGINE, other);
	assert_string_not_equal(k, other); /* order */
	text(&t, true, "it", "Salve! Grazie per aver chiamato.", "en",
	     "Hello! Thank you for calling!");
	ivr_cache_key(&t, ENGINE, other);
	assert_string_not_equal(k, other); /* text */
	text(&t, true, "it", "Salve! Grazie per aver chiamato.", "en",
	     "Hello! Thank you for calling.");
	ivr_cache_key(&t, "espeak-ng 1.52 22050Hz 160wpm gap300ms", other);
	assert_string_not_equal(k, other); /* engine */
	/* Moving text between segments is not the same input. */
	text(&t, true, "it", "ab", "en", "c");
	ivr_cache_key(&t, ENGINE, k);
	text(&t, true, "it", "a", "en", "bc");
	ivr_cache_key(&t, ENGINE, other);
	assert_string_not_equal(k, other);
}

static void test_put_get_and_lru_eviction(void **state)
{
	struct ivr_cache *c;
	struct ivr_cache_stats st;
	char k[5][IVR_KEY_HEX], path[PATH_MAX];
	size_t len;
	uint32_t ms;
	(void)state;

	for (int i = 0; i < 5; i++)
		key_of(i, k[i]);
	/* Room for three files of 22,050 samples (1 s, 44,144 bytes). */
	uint8_t *w = wav(22050, &len);
	assert_int_equal(ivr_cache_open(dir, 3 * len, &c), OV_OK);
	assert_false(ivr_cache_get(c, k[0], path, sizeof(path), &ms));
	for (int i = 0; i < 3; i++)
		assert_int_equal(
			ivr_cache_put(c, k[i], w, len, path, sizeof(path)),
			OV_OK);
	assert_true(ivr_cache_get(c, k[0], path, sizeof(path), &ms));
	assert_int_equal(ms, 1000);
	assert_true(path[0] == '/');
	assert_non_null(strstr(path, k[0]));
	/* 0 was used after 1 and 2: 1 is the least recently used. */
	assert_int_equal(ivr_cache_put(c, k[3], w, len, path, sizeof(path)),
			 OV_OK);
	assert_false(on_disk(k[1]));
	assert_true(on_disk(k[0]) && on_disk(k[2]) && on_disk(k[3]));
	ivr_cache_stats(c, &st);
	assert_int_equal(st.files, 3);
	assert_int_equal(st.bytes, 3 * len);
	assert_int_equal(st.evicted, 1);
	/* Then 2, then 0 (3 and 4 are newer). */
	assert_int_equal(ivr_cache_put(c, k[4], w, len, path, sizeof(path)),
			 OV_OK);
	assert_false(on_disk(k[2]));
	assert_true(ivr_cache_get(c, k[0], path, sizeof(path), &ms));
	assert_int_equal(ivr_cache_put(c, k[1], w, len, path, sizeof(path)),
			 OV_OK);
	assert_false(on_disk(k[3]));
	assert_true(on_disk(k[0]) && on_disk(k[4]) && on_disk(k[1]));

	/* A file alone over the bound stays (it is about to be played);
	 * everything else goes. */
	size_t big_len;
	uint8_t *big = wav(22050 * 4, &big_len);
	assert_int_equal(
		ivr_cache_put(c, k[2], big, big_len, path, sizeof(path)),
		OV_OK);
	ivr_cache_stats(c, &st);
	assert_int_equal(st.files, 1);
	assert_true(ivr_cache_get(c, k[2], path, sizeof(path), &ms));
	assert_int_equal(ms, 4000);
	assert_false(on_disk(k[0]) || on_disk(k[1]) || on_disk(k[4]));
	/* Replacing a key keeps one entry. */
	assert_int_equal(ivr_cache_put(c, k[2], w, len, path, sizeof(path)),
			 OV_OK);
	ivr_cache_stats(c, &st);
	assert_int_equal(st.files, 1);
	assert_int_equal(st.bytes, len);
	free(big);
	free(w);
	ivr_cache_close(c);
}

static void set_mtime(const char *key, time_t t)
{
	char p[PATH_MAX];
	struct timespec ts[2] = {{t, 0}, {t, 0}};

	snprintf(p, sizeof(p), "%s/%s.wav", dir, key);
	assert_int_equal(utimensat(AT_FDCWD, p, ts, 0), 0);
}

static void write_file(const char *name, const uint8_t *b, size_t len)
{
	char p[PATH_MAX];
	snprintf(p, sizeof(p), "%s/%s", dir, name);
	FILE *f = fopen(p, "wb");
	assert_non_null(f);
	assert_int_equal(fwrite(b, 1, len, f), len);
	fclose(f);
}

/* A restart finds what was cached, in the order it was used, and
 * clears what a crash left behind. */
static void test_restart_keeps_prompts_and_their_order(void **state)
{
	struct ivr_cache *c;
	struct ivr_cache_stats st;
	char k[4][IVR_KEY_HEX], path[PATH_MAX], name[80];
	size_t len;
	uint32_t ms;
	(void)state;

	for (int i = 0; i < 4; i++)
		key_of(10 + i, k[i]);
	uint8_t *w = wav(11025, &len);
	assert_int_equal(ivr_cache_open(dir, 100 * len, &c), OV_OK);
	for (int i = 0; i < 3; i++)
		assert_int_equal(
			ivr_cache_put(c, k[i], w, len, path, sizeof(path)),
			OV_OK);
	ivr_cache_close(c);
	/* Used last: 1, then 0, then 2 (oldest). */
	set_mtime(k[2], 1000000000);
	set_mtime(k[0], 1000000100);
	set_mtime(k[1], 1000000200);
	/* A prompt cut short, a stray temporary file of a crash long ago,
	 * and a file that is not the cache's. */
	snprintf(name, sizeof(name), "%s.wav", k[3]);
	write_file(name, w, len / 2);
	write_file(".tmp-0123456789abcdef-1-000000000000", w, 10);
	char p[PATH_MAX];
	snprintf(p, sizeof(p), "%s/.tmp-0123456789abcdef-1-000000000000", dir);
	struct timespec old[2] = {{1000000000, 0}, {1000000000, 0}};
	utimensat(AT_FDCWD, p, old, 0);
	write_file("README", (const uint8_t *)"mine", 4);

	/* Room for two now: the oldest use (2) goes. */
	assert_int_equal(ivr_cache_open(dir, 2 * len, &c), OV_OK);
	ivr_cache_stats(c, &st);
	assert_int_equal(st.files, 2);
	assert_int_equal(st.bytes, 2 * len);
	assert_false(on_disk(k[2]));
	assert_false(on_disk(k[3]));
	assert_int_equal(access(p, F_OK), -1);
	snprintf(p, sizeof(p), "%s/README", dir);
	assert_int_equal(access(p, F_OK), 0);
	unlink(p);
	assert_true(ivr_cache_get(c, k[0], path, sizeof(path), &ms));
	assert_int_equal(ms, 500);
	assert_false(ivr_cache_get(c, k[3], path, sizeof(path), &ms));
	/* A file removed behind the cache's back is a miss, not a path to
	 * nowhere. */
	snprintf(p, sizeof(p), "%s/%s.wav", dir, k[1]);
	unlink(p);
	assert_false(ivr_cache_get(c, k[1], path, sizeof(path), &ms));
	ivr_cache_stats(c, &st);
	assert_int_equal(st.files, 1);
	/* A file another replica put is found on lookup. */
	snprintf(name, sizeof(name), "%s.wav", k[3]);
	write_file(name, w, len);
	assert_true(ivr_cache_get(c, k[3], path, sizeof(path), &ms));
	uint8_t *back = NULL;
	size_t back_len = 0;
	assert_int_equal(ivr_cache_read(c, k[3], &back, &back_len), OV_OK);
	assert_int_equal(back_len, len);
	assert_memory_equal(back, w, len);
	free(back);
	assert_int_equal(ivr_cache_read(c, k[2], &back, &back_len),
			 OV_ENOTFOUND);
	ivr_cache_close(c);
	free(w);
}

static void test_refuses_bad_input(void **state)
{
	struct ivr_cache *c;
	char path[PATH_MAX], k[IVR_KEY_HEX];
	uint32_t ms;
	size_t len;
	uint8_t *w = wav(100, &len);
	(void)state;

	key_of(99, k);
	assert_int_equal(ivr_cache_open(dir, 1 << 20, &c), OV_OK);
	assert_int_equal(ivr_cache_put(c, "../../etc/passwd", w, len, path,
				       sizeof(path)),
			 OV_EINVAL);
	assert_false(ivr_cache_get(c, "../x", path, sizeof(path), &ms));
	/* Not a WAV the cache could tell the length of. */
	assert_int_equal(ivr_cache_put(c, k, w, len - 1, path, sizeof(path)),
			 OV_EINVAL);
	ivr_cache_close(c);
	free(w);
	assert_int_equal(ivr_cache_open("", 1, &c), OV_EINVAL);
	assert_int_equal(ivr_cache_open("/nonexistent/a/b", 1, &c),
			 OV_EUNAVAIL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_key_is_stable_and_covers_every_input),
		cmocka_unit_test_setup_teardown(test_put_get_and_lru_eviction,
						setup, teardown),
		cmocka_unit_test_setup_teardown(
			test_restart_keeps_prompts_and_their_order, setup,
			teardown),
		cmocka_unit_test_setup_teardown(test_refuses_bad_input, setup,
						teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

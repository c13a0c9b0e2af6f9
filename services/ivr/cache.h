/*
 * The prompt cache: WAV files on disk, named by a hash of everything
 * that makes the sound (text, language, voice, engine and its
 * settings), so that a change of any of them is a new file and nothing
 * stale is ever played.
 *
 *   <dir>/<64 hex>.wav     a prompt (BLAKE2b-256, libsodium generichash)
 *   <dir>/.tmp-…           being written; renamed into place when whole
 *
 * The directory is bounded in bytes: past the bound, the least recently
 * used files go (use is kept in memory and, at most once a minute per
 * file, in the file's mtime, so that the order survives a restart). At
 * open, the directory is scanned: whole prompts are taken in, leftovers
 * of a crash and files that are not whole are deleted.
 *
 * Thread-safe. A file found on disk that the index does not know (put
 * by another replica sharing the directory) is taken in on lookup.
 */
#ifndef IVR_CACHE_H
#define IVR_CACHE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "err.h"
#include "render.h"

#define IVR_KEY_HEX 65 /* 64 hex digits and the NUL */

struct ivr_cache;

/* Creates dir if needed (one level), takes its absolute path, scans it
 * and evicts down to max_bytes. */
enum ov_err ivr_cache_open(const char *dir, uint64_t max_bytes,
			   struct ivr_cache **out);
void ivr_cache_close(struct ivr_cache *c);

/* The key of text t spoken by `engine` (ivr_synth_engine()). */
void ivr_cache_key(const struct ivr_text *t, const char *engine,
		   char key[IVR_KEY_HEX]);

/* On a hit: the file's absolute path and its length in ms; marks it
 * used. False when there is no such whole file. */
bool ivr_cache_get(struct ivr_cache *c, const char *key, char *path,
		   size_t path_len, uint32_t *ms);

/* Stores a WAV (as synth.c makes them) under key, atomically, then
 * evicts the least recently used others down to the bound (the new
 * file stays even if it alone is over it). path: where it is. */
enum ov_err ivr_cache_put(struct ivr_cache *c, const char *key,
			  const uint8_t *wav, size_t len, char *path,
			  size_t path_len);

/* Reads a cached prompt whole (malloc'd); OV_ENOTFOUND when gone. */
enum ov_err ivr_cache_read(struct ivr_cache *c, const char *key, uint8_t **wav,
			   size_t *len);

struct ivr_cache_stats {
	uint64_t files;
	uint64_t bytes;
	uint64_t evicted; /* since open */
};
void ivr_cache_stats(struct ivr_cache *c, struct ivr_cache_stats *s);

const char *ivr_cache_dir(const struct ivr_cache *c);

#endif

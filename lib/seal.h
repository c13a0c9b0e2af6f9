/*
 * Secrets that one service writes to PostgreSQL for another to read
 * (a temporary password, a reset code in a mail's outbox row), sealed to
 * the reader's public key with libsodium's crypto_box_seal: the writer
 * cannot open them again, the database, its WAL and its backups hold
 * only ciphertext. Text form: "sealed:" and standard base64.
 * sodium_init() must have been called.
 */
#ifndef OV_SEAL_H
#define OV_SEAL_H

#include <stdbool.h>
#include <stddef.h>

#include "err.h"

#define OV_SEAL_KEY_BYTES 32
#define OV_SEAL_PREFIX "sealed:"

/* A key given as standard base64 of its 32 bytes (what
 * scripts/stack.sh writes). OV_EINVAL otherwise. */
enum ov_err ov_seal_key_parse(const char *b64,
			      unsigned char key[OV_SEAL_KEY_BYTES]);
/* The public key of a secret key. */
void ov_seal_public_key(const unsigned char sk[OV_SEAL_KEY_BYTES],
			unsigned char pk[OV_SEAL_KEY_BYTES]);

/* Whether s is in the sealed text form. */
bool ov_sealed(const char *s);

/* Seals the NUL-terminated plain to pk into out ("sealed:..."); a
 * new, random ephemeral key each time. OV_ETOOBIG when out is short. */
enum ov_err ov_seal(const unsigned char pk[OV_SEAL_KEY_BYTES],
		    const char *plain, char *out, size_t out_size);

/* Opens a sealed text with the reader's keys into out (NUL-terminated).
 * OV_EINVAL when it is not sealed text or does not open (another key,
 * altered), OV_ETOOBIG when out is short. */
enum ov_err ov_unseal(const unsigned char pk[OV_SEAL_KEY_BYTES],
		      const unsigned char sk[OV_SEAL_KEY_BYTES],
		      const char *sealed, char *out, size_t out_size);

#endif

#include "seal.h"

#include <string.h>

#include <sodium.h>

#define PREFIX_LEN (sizeof(OV_SEAL_PREFIX) - 1)
#define SECRET_MAX 256 /* a password or a code is far shorter */

enum ov_err ov_seal_key_parse(const char *b64,
			      unsigned char key[OV_SEAL_KEY_BYTES])
{
	size_t n = 0;
	const char *end = NULL;

	if (!b64 ||
	    sodium_base642bin(key, OV_SEAL_KEY_BYTES, b64, strlen(b64), NULL,
			      &n, &end, sodium_base64_VARIANT_ORIGINAL) != 0 ||
	    n != OV_SEAL_KEY_BYTES || *end != '\0')
		return OV_EINVAL;
	return OV_OK;
}

void ov_seal_public_key(const unsigned char sk[OV_SEAL_KEY_BYTES],
			unsigned char pk[OV_SEAL_KEY_BYTES])
{
	crypto_scalarmult_base(pk, sk);
}

bool ov_sealed(const char *s)
{
	return s && strncmp(s, OV_SEAL_PREFIX, PREFIX_LEN) == 0;
}

enum ov_err ov_seal(const unsigned char pk[OV_SEAL_KEY_BYTES],
		    const char *plain, char *out, size_t out_size)
{
	unsigned char box[crypto_box_SEALBYTES + SECRET_MAX];
	size_t n = strlen(plain);
	enum ov_err e = OV_ETOOBIG;

	if (n > SECRET_MAX)
		return OV_ETOOBIG;
	size_t blen = crypto_box_SEALBYTES + n;
	if (out_size <
	    PREFIX_LEN + sodium_base64_ENCODED_LEN(
				 blen, sodium_base64_VARIANT_ORIGINAL))
		return OV_ETOOBIG;
	if (crypto_box_seal(box, (const unsigned char *)plain, n, pk) != 0) {
		e = OV_EINVAL;
		goto out;
	}
	memcpy(out, OV_SEAL_PREFIX, PREFIX_LEN);
	sodium_bin2base64(out + PREFIX_LEN, out_size - PREFIX_LEN, box, blen,
			  sodium_base64_VARIANT_ORIGINAL);
	e = OV_OK;
out:
	sodium_memzero(box, sizeof(box));
	return e;
}

enum ov_err ov_unseal(const unsigned char pk[OV_SEAL_KEY_BYTES],
		      const unsigned char sk[OV_SEAL_KEY_BYTES],
		      const char *sealed, char *out, size_t out_size)
{
	unsigned char box[crypto_box_SEALBYTES + SECRET_MAX];
	size_t blen = 0;
	const char *end = NULL;

	if (!ov_sealed(sealed))
		return OV_EINVAL;
	const char *b64 = sealed + PREFIX_LEN;
	if (sodium_base642bin(box, sizeof(box), b64, strlen(b64), NULL, &blen,
			      &end, sodium_base64_VARIANT_ORIGINAL) != 0 ||
	    *end != '\0' || blen < crypto_box_SEALBYTES)
		return OV_EINVAL;
	size_t n = blen - crypto_box_SEALBYTES;
	if (n + 1 > out_size)
		return OV_ETOOBIG;
	if (crypto_box_seal_open((unsigned char *)out, box, blen, pk, sk) !=
	    0) {
		sodium_memzero(out, out_size);
		return OV_EINVAL;
	}
	out[n] = '\0';
	if (strlen(out) != n) { /* a NUL inside: not one of our secrets */
		sodium_memzero(out, out_size);
		return OV_EINVAL;
	}
	return OV_OK;
}

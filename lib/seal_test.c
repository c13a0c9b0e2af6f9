/* Secrets sealed to the reader's key: only the reader opens them. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>
#include <sodium.h>

#include "seal.h"

static unsigned char pk[32], sk[32], pk2[32], sk2[32];

static int setup(void **state)
{
	(void)state;
	if (sodium_init() < 0)
		return -1;
	crypto_box_keypair(pk, sk);
	crypto_box_keypair(pk2, sk2);
	return 0;
}

static void round_trip_and_no_clear_text(void **state)
{
	char sealed[512], again[512], out[64];
	(void)state;

	assert_int_equal(ov_seal(pk, "Temp.Pass9x", sealed, sizeof(sealed)),
			 OV_OK);
	assert_true(ov_sealed(sealed));
	assert_null(strstr(sealed, "Temp.Pass9x"));
	assert_int_equal(ov_unseal(pk, sk, sealed, out, sizeof(out)), OV_OK);
	assert_string_equal(out, "Temp.Pass9x");
	/* A new ephemeral key each time: equal secrets do not show. */
	assert_int_equal(ov_seal(pk, "Temp.Pass9x", again, sizeof(again)),
			 OV_OK);
	assert_string_not_equal(sealed, again);
	assert_int_equal(ov_seal(pk, "", sealed, sizeof(sealed)), OV_OK);
	assert_int_equal(ov_unseal(pk, sk, sealed, out, sizeof(out)), OV_OK);
	assert_string_equal(out, "");
}

static void others_cannot_open(void **state)
{
	char sealed[512], out[64];
	(void)state;

	assert_int_equal(ov_seal(pk, "123456", sealed, sizeof(sealed)), OV_OK);
	assert_int_equal(ov_unseal(pk2, sk2, sealed, out, sizeof(out)),
			 OV_EINVAL);
	/* One character changed. */
	size_t n = strlen(sealed);
	sealed[n - 3] = sealed[n - 3] == 'A' ? 'B' : 'A';
	assert_int_equal(ov_unseal(pk, sk, sealed, out, sizeof(out)),
			 OV_EINVAL);
	assert_int_equal(ov_unseal(pk, sk, "123456", out, sizeof(out)),
			 OV_EINVAL);
	assert_int_equal(ov_unseal(pk, sk, "sealed:", out, sizeof(out)),
			 OV_EINVAL);
	assert_int_equal(ov_unseal(pk, sk, "sealed:!!!!", out, sizeof(out)),
			 OV_EINVAL);
}

static void bounds(void **state)
{
	char sealed[512], out[8], big[300];
	(void)state;

	assert_int_equal(ov_seal(pk, "Temp.Pass9x", sealed, 40), OV_ETOOBIG);
	assert_int_equal(ov_seal(pk, "Temp.Pass9x", sealed, sizeof(sealed)),
			 OV_OK);
	assert_int_equal(ov_unseal(pk, sk, sealed, out, sizeof(out)),
			 OV_ETOOBIG);
	memset(big, 'a', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	assert_int_equal(ov_seal(pk, big, sealed, sizeof(sealed)), OV_ETOOBIG);
}

static void keys(void **state)
{
	unsigned char k[32], p[32];
	char b64[sodium_base64_ENCODED_LEN(32, sodium_base64_VARIANT_ORIGINAL)];
	(void)state;

	sodium_bin2base64(b64, sizeof(b64), sk, 32,
			  sodium_base64_VARIANT_ORIGINAL);
	assert_int_equal(ov_seal_key_parse(b64, k), OV_OK);
	assert_memory_equal(k, sk, 32);
	ov_seal_public_key(k, p);
	assert_memory_equal(p, pk, 32);
	assert_int_equal(ov_seal_key_parse("", k), OV_EINVAL);
	assert_int_equal(ov_seal_key_parse(NULL, k), OV_EINVAL);
	assert_int_equal(ov_seal_key_parse("c2hvcnQ=", k), OV_EINVAL);
	b64[5] = '*';
	assert_int_equal(ov_seal_key_parse(b64, k), OV_EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(round_trip_and_no_clear_text),
		cmocka_unit_test(others_cannot_open),
		cmocka_unit_test(bounds),
		cmocka_unit_test(keys),
	};
	return cmocka_run_group_tests_name("seal", tests, setup, NULL);
}

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include <sodium.h>

#include "creds.h"

#define TENANT "00000000-0000-4000-8000-000000000001"
#define SALT "00112233445566778899aabbccddeeff"

static int setup(void **state)
{
	(void)state;
	return sodium_init() < 0 ? -1 : 0;
}

static void device_names(void **state)
{
	(void)state;
	assert_true(creds_device_ok("app"));
	assert_true(creds_device_ok("desk-2"));
	assert_true(creds_device_ok("0"));
	assert_true(creds_device_ok("abcdefghijklmnop")); /* 16 */
	assert_false(creds_device_ok(""));
	assert_false(creds_device_ok("abcdefghijklmnopq")); /* 17 */
	assert_false(creds_device_ok("App"));
	assert_false(creds_device_ok("a.b")); /* would split auth names */
	assert_false(creds_device_ok("a_b"));
	assert_false(creds_device_ok("a b"));
	assert_false(creds_device_ok("caff\xc3\xa8"));
}

static void owners_and_uuids(void **state)
{
	(void)state;
	assert_true(creds_uuid_ok(TENANT));
	assert_true(creds_uuid_ok("ABCDEF01-0000-4000-8000-00000000000F"));
	assert_false(creds_uuid_ok(""));
	assert_false(creds_uuid_ok("00000000-0000-4000-8000-00000000000"));
	assert_false(creds_uuid_ok("00000000-0000-4000-8000-0000000000012"));
	assert_false(creds_uuid_ok("00000000x0000-4000-8000-000000000001"));
	assert_false(creds_uuid_ok("g0000000-0000-4000-8000-000000000001"));
	assert_true(creds_owner_ok("main"));
	assert_true(creds_owner_ok(TENANT));
	assert_false(creds_owner_ok("Main"));
	assert_false(creds_owner_ok(""));
	assert_false(creds_owner_ok("main,x"));
}

static void aor_users_and_domains(void **state)
{
	char long_user[66];
	char long_domain[300];

	(void)state;
	assert_true(creds_aor_user_ok("mario"));
	assert_true(creds_aor_user_ok("mario.rossi_2-b"));
	assert_false(creds_aor_user_ok(""));
	assert_false(creds_aor_user_ok("Mario"));
	assert_false(creds_aor_user_ok("a@b"));
	assert_false(creds_aor_user_ok("a:b"));
	memset(long_user, 'a', 64);
	long_user[64] = '\0';
	assert_true(creds_aor_user_ok(long_user));
	long_user[64] = 'a';
	long_user[65] = '\0';
	assert_false(creds_aor_user_ok(long_user));

	assert_true(creds_domain_ok("1a2b3c4d.sip.ovunque.test"));
	assert_true(creds_domain_ok("localhost"));
	assert_true(creds_domain_ok("a-b.c"));
	assert_false(creds_domain_ok(""));
	assert_false(creds_domain_ok("a..b"));
	assert_false(creds_domain_ok(".a"));
	assert_false(creds_domain_ok("a."));
	assert_false(creds_domain_ok("-a.b"));
	assert_false(creds_domain_ok("a-.b"));
	assert_false(creds_domain_ok("a.b-"));
	assert_false(creds_domain_ok("A.b"));
	assert_false(creds_domain_ok("a_b.c"));
	memset(long_domain, 'a', 63);
	memcpy(long_domain + 63, ".b", 3);
	assert_true(creds_domain_ok(long_domain));
	memset(long_domain, 'a', 64);
	memcpy(long_domain + 64, ".b", 3);
	assert_false(creds_domain_ok(long_domain)); /* label of 64 */
	for (size_t i = 0; i < 254; i++)
		long_domain[i] = i % 2 ? '.' : 'a';
	long_domain[253] = '\0'; /* 253 bytes, ends in a label */
	assert_true(creds_domain_ok(long_domain));
	long_domain[253] = 'a';
	long_domain[254] = '\0';
	assert_false(creds_domain_ok(long_domain));
}

static void presence_and_text(void **state)
{
	(void)state;
	assert_true(creds_presence_ok("available"));
	assert_true(creds_presence_ok("dnd"));
	assert_true(creds_presence_ok("away"));
	assert_false(creds_presence_ok("busy"));
	assert_false(creds_presence_ok(""));
	assert_true(creds_text_ok("Mario Rossi", 200));
	assert_true(creds_text_ok("Nicol\xc3\xb2", 200));
	assert_true(creds_text_ok("", 200));
	assert_false(creds_text_ok("abc", 2));
	assert_false(creds_text_ok("a\nb", 200));
	assert_false(creds_text_ok("\xff", 200));
	assert_false(creds_text_ok("\xc0\xaf", 200)); /* overlong */
}

static void auth_usernames(void **state)
{
	char out[CREDS_AUTH_USER_MAX];
	char tiny[6];

	(void)state;
	assert_true(creds_auth_username("mario", "app", out, sizeof(out)));
	assert_string_equal(out, "mario.app");
	assert_true(
		creds_auth_username("mario.rossi", "desk", out, sizeof(out)));
	assert_string_equal(out, "mario.rossi.desk");
	assert_false(creds_auth_username("mario", "app", tiny, sizeof(tiny)));
}

static void secret_is_pinned_and_derived(void **state)
{
	uint8_t key[CREDS_KEY_BYTES];
	char a[CREDS_SECRET_LEN + 1], b[CREDS_SECRET_LEN + 1];

	(void)state;
	creds_key("kkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkk", key);
	creds_secret(key, TENANT, "main", "app", 1, SALT, a);
	/* Computed independently (Python hashlib.blake2b): a change of
	 * the scheme would change every deployed phone's password. */
	assert_string_equal(a, "67JA2B2JY2NE6A5Q44VRN47A");
	assert_int_equal(strlen(a), CREDS_SECRET_LEN);
	assert_int_equal(strspn(a, "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"),
			 CREDS_SECRET_LEN);
	/* Asking again gives the same secret. */
	creds_secret(key, TENANT, "main", "app", 1, SALT, b);
	assert_string_equal(a, b);
	/* Each input changes it. */
	creds_secret(key, TENANT, "main", "app", 2, SALT, b);
	assert_string_not_equal(a, b);
	creds_secret(key, TENANT, "main", "desk", 1, SALT, b);
	assert_string_not_equal(a, b);
	creds_secret(key, TENANT, "main", "app", 1,
		     "00112233445566778899aabbccddeef0", b);
	assert_string_not_equal(a, b);
	creds_secret(key, "00000000-0000-4000-8000-000000000002", "main", "app",
		     1, SALT, b);
	assert_string_not_equal(a, b);
	creds_secret(key, TENANT, "00000000-0000-4000-8000-000000000003", "app",
		     1, SALT, b);
	assert_string_not_equal(a, b);
	uint8_t other[CREDS_KEY_BYTES];
	creds_key("kkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkl", other);
	creds_secret(other, TENANT, "main", "app", 1, SALT, b);
	assert_string_not_equal(a, b);
	/* Parts are delimited: moving a letter across a border matters. */
	creds_secret(key, TENANT, "mai", "napp", 1, SALT, b);
	assert_string_not_equal(a, b);
	creds_secret(key, TENANT, "main", "app1", 1, SALT, a);
	creds_secret(key, TENANT, "main", "app", 11, SALT, b);
	assert_string_not_equal(a, b);
}

static void ha1_vectors(void **state)
{
	char md5[33], sha[65];

	(void)state;
	/* RFC 2617 3.5's example credentials. */
	creds_ha1("Mufasa", "testrealm@host.com", "Circle Of Life", md5, sha);
	assert_string_equal(md5, "939e7578ed9e3c518a452acee763bce9");
	assert_string_equal(sha, "3ba6cd94661c5ef34598040c868f13b8"
				 "775df29109986be50ad35ae537dd3aa4");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(device_names),
		cmocka_unit_test(owners_and_uuids),
		cmocka_unit_test(aor_users_and_domains),
		cmocka_unit_test(presence_and_text),
		cmocka_unit_test(auth_usernames),
		cmocka_unit_test(secret_is_pinned_and_derived),
		cmocka_unit_test(ha1_vectors),
	};
	return cmocka_run_group_tests(tests, setup, NULL);
}

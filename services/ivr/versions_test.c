/* The versions the IVR keeps: a call hears the text of the version its
 * plan names, the newest few are kept, tenants never mix. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "versions.h"

#define T1 "11111111-1111-4111-8111-111111111111"
#define T2 "22222222-2222-4222-8222-222222222222"

/* A snapshot as admin sends it (packed, then unpacked: owned by
 * protobuf-c's allocator, as the versions table expects). The closed
 * message opens at `open`; welcome is there but disabled. */
static Ov__Admin__Snapshot *snap(const char *tenant, uint32_t version,
				 const char *open)
{
	Ov__Admin__Snapshot s = OV__ADMIN__SNAPSHOT__INIT;
	Ov__Admin__VoiceMessage closed = OV__ADMIN__VOICE_MESSAGE__INIT;
	Ov__Admin__VoiceMessage welcome = OV__ADMIN__VOICE_MESSAGE__INIT;
	Ov__Admin__VoiceMessage *msgs[] = {&closed, &welcome};
	Ov__Admin__Value v[4];
	Ov__Admin__Value *vp[4] = {&v[0], &v[1], &v[2], &v[3]};
	const char *kv[4][2] = {{"open", open},
				{"close", "18:00"},
				{"day_from", "monday"},
				{"day_to", "friday"}};
	char *langs[] = {"it"};

	for (int i = 0; i < 4; i++) {
		ov__admin__value__init(&v[i]);
		v[i].key = (char *)kv[i][0];
		v[i].value = (char *)kv[i][1];
	}
	s.tenant_id = (char *)tenant;
	s.version = version;
	closed.kind = OV__ADMIN__VOICE_MESSAGE__KIND__CLOSED;
	closed.enabled = true;
	closed.template_id = "closed_hours";
	closed.voice = "male";
	closed.values = vp;
	closed.n_values = 4;
	closed.languages = langs;
	closed.n_languages = 1;
	welcome.kind = OV__ADMIN__VOICE_MESSAGE__KIND__WELCOME;
	welcome.enabled = false;
	welcome.template_id = "welcome_short";
	welcome.languages = langs;
	welcome.n_languages = 1;
	s.messages = msgs;
	s.n_messages = 2;
	size_t len = ov__admin__snapshot__get_packed_size(&s);
	uint8_t *buf = malloc(len);
	ov__admin__snapshot__pack(&s, buf);
	Ov__Admin__Snapshot *out = ov__admin__snapshot__unpack(NULL, len, buf);
	free(buf);
	return out;
}

static int teardown(void **state)
{
	(void)state;
	ivr_versions_clear();
	return 0;
}

static const char *closed_text(const char *tenant, uint32_t version,
			       uint32_t *used, bool *loaded, enum ov_err *e)
{
	static struct ivr_text t;
	char why[160];

	*e = ivr_versions_render(tenant, version,
				 OV__ADMIN__VOICE_MESSAGE__KIND__CLOSED, &t,
				 used, loaded, why, sizeof(why));
	return t.seg[0].text;
}

static void test_a_call_hears_its_version(void **state)
{
	uint32_t used = 0;
	bool loaded;
	enum ov_err e;
	(void)state;

	assert_true(ivr_versions_put(snap(T1, 1, "08:00")));
	assert_true(ivr_versions_put(snap(T1, 2, "09:00")));
	assert_int_equal(ivr_versions_latest(T1), 2);
	const char *s = closed_text(T1, 1, &used, &loaded, &e);
	assert_int_equal(e, OV_OK);
	assert_true(loaded);
	assert_int_equal(used, 1);
	assert_non_null(strstr(s, "dalle 8 alle 18"));
	s = closed_text(T1, 2, &used, &loaded, &e);
	assert_non_null(strstr(s, "dalle 9 alle 18"));
	/* 0: the newest. */
	s = closed_text(T1, 0, &used, &loaded, &e);
	assert_int_equal(used, 2);
	assert_non_null(strstr(s, "dalle 9 alle 18"));
	/* A version not here: the caller fetches it. */
	closed_text(T1, 3, &used, &loaded, &e);
	assert_false(loaded);
	assert_int_equal(e, OV_ENOTFOUND);
	/* Another tenant knows nothing of these. */
	closed_text(T2, 1, &used, &loaded, &e);
	assert_false(loaded);
	assert_int_equal(ivr_versions_latest(T2), 0);
	assert_int_equal(ivr_versions_tenants(), 1);
}

static void test_keeps_the_newest_few(void **state)
{
	uint32_t used;
	bool loaded;
	enum ov_err e;
	(void)state;

	/* Out of order, as catch-up and on-demand fetches may come. */
	static const uint32_t order[] = {3, 1, 6, 2, 5, 4};
	for (size_t i = 0; i < 6; i++)
		ivr_versions_put(snap(T1, order[i], "10:00"));
	assert_int_equal(ivr_versions_latest(T1), 6);
	for (uint32_t v = 1; v <= 6; v++) {
		closed_text(T1, v, &used, &loaded, &e);
		assert_int_equal(loaded, v > 6 - IVR_VERSIONS_KEPT);
	}
	/* Older than all kept, or already there: not added (and freed:
	 * ASan sees a leak otherwise). */
	assert_false(ivr_versions_put(snap(T1, 1, "10:00")));
	assert_false(ivr_versions_put(snap(T1, 6, "11:00")));
	closed_text(T1, 6, &used, &loaded, &e);
	assert_true(loaded);
	assert_false(ivr_versions_put(NULL));
	assert_false(ivr_versions_put(snap("", 1, "10:00")));
}

static void test_disabled_or_absent_messages_are_not_found(void **state)
{
	struct ivr_text t;
	uint32_t used;
	bool loaded;
	char why[160];
	(void)state;

	ivr_versions_put(snap(T2, 7, "09:00"));
	assert_int_equal(ivr_versions_render(
				 T2, 7, OV__ADMIN__VOICE_MESSAGE__KIND__WELCOME,
				 &t, &used, &loaded, why, sizeof(why)),
			 OV_ENOTFOUND);
	assert_true(loaded);
	assert_string_equal(why, "version 7 has no welcome message enabled");
	assert_int_equal(
		ivr_versions_render(T2, 7,
				    OV__ADMIN__VOICE_MESSAGE__KIND__NO_ANSWER,
				    &t, &used, &loaded, why, sizeof(why)),
		OV_ENOTFOUND);
	assert_string_equal(why, "version 7 has no no_answer message enabled");
	/* A value admin would have refused: an error naming it, never a
	 * prompt with a hole. */
	ivr_versions_put(snap(T2, 8, "9:00"));
	assert_int_equal(ivr_versions_render(
				 T2, 8, OV__ADMIN__VOICE_MESSAGE__KIND__CLOSED,
				 &t, &used, &loaded, why, sizeof(why)),
			 OV_EINVAL);
	assert_string_equal(why, "values.open must be a time HH:MM");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_teardown(test_a_call_hears_its_version,
					  teardown),
		cmocka_unit_test_teardown(test_keeps_the_newest_few, teardown),
		cmocka_unit_test_teardown(
			test_disabled_or_absent_messages_are_not_found,
			teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

/* Outside numbers: E.164 and their class. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "plan.h"

struct row {
	const char *dialled;
	enum router_dest want;
	const char *e164;
};

static void check(const struct row *rows, size_t n)
{
	char e164[ROUTER_E164_MAX];

	for (size_t i = 0; i < n; i++) {
		enum router_dest got =
			router_classify(rows[i].dialled, e164, sizeof(e164));
		if (got != rows[i].want || strcmp(e164, rows[i].e164) != 0)
			fail_msg("%s: class %d \"%s\", want %d \"%s\"",
				 rows[i].dialled, got, e164, rows[i].want,
				 rows[i].e164);
	}
}

#define CHECK(rows) check(rows, sizeof(rows) / sizeof((rows)[0]))

static void mobile(void **state)
{
	static const struct row rows[] = {
		{"3351234567", ROUTER_DEST_MOBILE, "+393351234567"},
		{"335123456", ROUTER_DEST_MOBILE, "+39335123456"},
		{"+393351234567", ROUTER_DEST_MOBILE, "+393351234567"},
		{"00393351234567", ROUTER_DEST_MOBILE, "+393351234567"},
		{"393351234567", ROUTER_DEST_MOBILE, "+393351234567"},
		/* A mobile in 39x is not a lost +39. */
		{"3931234567", ROUTER_DEST_MOBILE, "+393931234567"},
		{"33512345", ROUTER_DEST_INVALID, ""},
		{"33512345678", ROUTER_DEST_INVALID, ""},
		{"+3933512345678", ROUTER_DEST_INVALID, ""},
	};
	(void)state;
	CHECK(rows);
}

static void landline(void **state)
{
	static const struct row rows[] = {
		{"0612345678", ROUTER_DEST_LANDLINE, "+390612345678"},
		{"0298765432", ROUTER_DEST_LANDLINE, "+390298765432"},
		{"+390298765432", ROUTER_DEST_LANDLINE, "+390298765432"},
		{"00390298765432", ROUTER_DEST_LANDLINE, "+390298765432"},
		{"390298765432", ROUTER_DEST_LANDLINE, "+390298765432"},
		{"012345", ROUTER_DEST_LANDLINE, "+39012345"}, /* 6 digits */
		{"01234567890", ROUTER_DEST_LANDLINE, "+3901234567890"},
		{"01234", ROUTER_DEST_INVALID, ""},
		{"012345678901", ROUTER_DEST_INVALID, ""},
		{"+3900612345678", ROUTER_DEST_INVALID, ""},
	};
	(void)state;
	CHECK(rows);
}

static void tollfree(void **state)
{
	static const struct row rows[] = {
		{"800123456", ROUTER_DEST_TOLLFREE, "+39800123456"},
		{"803123", ROUTER_DEST_TOLLFREE, "+39803123"},
		{"+39800123456", ROUTER_DEST_TOLLFREE, "+39800123456"},
		{"80012", ROUTER_DEST_INVALID, ""},
		{"801123456", ROUTER_DEST_INVALID, ""},
	};
	(void)state;
	CHECK(rows);
}

static void emergency(void **state)
{
	static const struct row rows[] = {
		{"112", ROUTER_DEST_EMERGENCY, "112"},
		{"113", ROUTER_DEST_EMERGENCY, "113"},
		{"114", ROUTER_DEST_EMERGENCY, "114"},
		{"115", ROUTER_DEST_EMERGENCY, "115"},
		{"117", ROUTER_DEST_EMERGENCY, "117"},
		{"118", ROUTER_DEST_EMERGENCY, "118"},
		{"1515", ROUTER_DEST_EMERGENCY, "1515"},
		{"1522", ROUTER_DEST_EMERGENCY, "1522"},
		{"1530", ROUTER_DEST_EMERGENCY, "1530"},
		{"116000", ROUTER_DEST_EMERGENCY, "116000"},
		{"116117", ROUTER_DEST_EMERGENCY, "116117"},
		{"+39112", ROUTER_DEST_EMERGENCY, "112"},
		{"0039112", ROUTER_DEST_EMERGENCY, "112"},
		/* Not emergency: near misses are service numbers. */
		{"1120", ROUTER_DEST_PREMIUM, "1120"},
		{"11611", ROUTER_DEST_PREMIUM, "11611"},
	};
	(void)state;
	CHECK(rows);
}

static void premium(void **state)
{
	static const struct row rows[] = {
		{"899123456", ROUTER_DEST_PREMIUM, "+39899123456"},
		{"892424", ROUTER_DEST_PREMIUM, "+39892424"},
		{"895123456", ROUTER_DEST_PREMIUM, "+39895123456"},
		{"848123456", ROUTER_DEST_PREMIUM, "+39848123456"},
		{"840123456", ROUTER_DEST_PREMIUM, "+39840123456"},
		{"+39899123456", ROUTER_DEST_PREMIUM, "+39899123456"},
		{"1254", ROUTER_DEST_PREMIUM, "1254"},
		{"12412", ROUTER_DEST_PREMIUM, "12412"},
		{"144123456", ROUTER_DEST_PREMIUM, "144123456"},
		{"166123456", ROUTER_DEST_PREMIUM, "166123456"},
		{"1781234567", ROUTER_DEST_PREMIUM, "1781234567"},
		{"199123456", ROUTER_DEST_PREMIUM, "199123456"},
		{"187", ROUTER_DEST_PREMIUM, "187"},
		{"4391234", ROUTER_DEST_PREMIUM, "4391234"},
		{"+39409", ROUTER_DEST_PREMIUM, "409"},
		{"+979123456789", ROUTER_DEST_PREMIUM, "+979123456789"},
		{"00881612345678", ROUTER_DEST_PREMIUM, "+881612345678"},
		{"+870772123456", ROUTER_DEST_PREMIUM, "+870772123456"},
		{"1234567", ROUTER_DEST_INVALID, ""},
		{"1", ROUTER_DEST_INVALID, ""},
		{"4", ROUTER_DEST_INVALID, ""},
	};
	(void)state;
	CHECK(rows);
}

static void international(void **state)
{
	static const struct row rows[] = {
		{"+441234567890", ROUTER_DEST_INTERNATIONAL, "+441234567890"},
		{"00441234567890", ROUTER_DEST_INTERNATIONAL, "+441234567890"},
		{"+12125551234", ROUTER_DEST_INTERNATIONAL, "+12125551234"},
		{"+3780549123456", ROUTER_DEST_INTERNATIONAL, "+3780549123456"},
		{"+2901234", ROUTER_DEST_INTERNATIONAL, "+2901234"}, /* 7 */
		{"+123456789012345", ROUTER_DEST_INTERNATIONAL,
		 "+123456789012345"}, /* 15 digits */
		{"+290123", ROUTER_DEST_INVALID, ""},
		{"+1234567890123456", ROUTER_DEST_INVALID, ""},
		{"+0441234567890", ROUTER_DEST_INVALID, ""},
		{"000441234567890", ROUTER_DEST_INVALID, ""},
	};
	(void)state;
	CHECK(rows);
}

static void invalid(void **state)
{
	static const struct row rows[] = {
		{"", ROUTER_DEST_INVALID, ""},
		{"+", ROUTER_DEST_INVALID, ""},
		{"+39", ROUTER_DEST_INVALID, ""},
		{"0039", ROUTER_DEST_INVALID, ""},
		{"00", ROUTER_DEST_INVALID, ""},
		{"mario", ROUTER_DEST_INVALID, ""},
		{"335 1234567", ROUTER_DEST_INVALID, ""},
		{"%2B393351234567", ROUTER_DEST_INVALID, ""},
		{"++393351234567", ROUTER_DEST_INVALID, ""},
		{"*67", ROUTER_DEST_INVALID, ""},
		{"#31#3351234567", ROUTER_DEST_INVALID, ""},
		{"612345678", ROUTER_DEST_INVALID, ""},
		{"5512345678", ROUTER_DEST_INVALID, ""},
		{"7012345", ROUTER_DEST_INVALID, ""},
		{"123456789012345678901234567890", ROUTER_DEST_INVALID, ""},
	};
	(void)state;
	CHECK(rows);
	assert_int_equal(router_classify(NULL, NULL, 0), ROUTER_DEST_INVALID);
}

static void small_buffers(void **state)
{
	char e164[8] = "xxxxxxx";
	(void)state;

	/* No buffer: classify only. */
	assert_int_equal(router_classify("3351234567", NULL, 0),
			 ROUTER_DEST_MOBILE);
	/* A buffer too small is a failure, never a cut number. */
	assert_int_equal(router_classify("3351234567", e164, sizeof(e164)),
			 ROUTER_DEST_INVALID);
	assert_string_equal(e164, "");
	assert_int_equal(router_classify("112", e164, sizeof(e164)),
			 ROUTER_DEST_EMERGENCY);
	assert_string_equal(e164, "112");
	assert_int_equal(router_classify("112", e164, 3), ROUTER_DEST_INVALID);
	assert_string_equal(e164, "");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(mobile),   cmocka_unit_test(landline),
		cmocka_unit_test(tollfree), cmocka_unit_test(emergency),
		cmocka_unit_test(premium),  cmocka_unit_test(international),
		cmocka_unit_test(invalid),  cmocka_unit_test(small_buffers),
	};
	return cmocka_run_group_tests_name("router_dest", tests, NULL, NULL);
}

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "tenants.h"

/* A snapshot as admin would send it, owned by the caller until put. */
static Ov__Admin__Snapshot *snap(const char *id, const char *number,
				 uint32_t version, int64_t applied_at)
{
	Ov__Admin__Snapshot *s = calloc(1, sizeof(*s));

	ov__admin__snapshot__init(s);
	s->tenant_id = strdup(id);
	s->number = strdup(number);
	s->timezone = strdup("Europe/Rome");
	s->version = version;
	s->applied_at = applied_at;
	return s;
}

static int teardown(void **state)
{
	(void)state;
	router_table_clear();
	return 0;
}

static void found_by_number_in_every_form_and_by_id(void **state)
{
	(void)state;
	assert_int_equal(router_table_put(snap("b", "+390612345678", 1, 10)),
			 1);
	assert_int_equal(router_table_put(snap("a", "+390298765432", 1, 10)),
			 1);
	struct router_table *t = router_table_acquire();
	assert_int_equal(router_table_size(t), 2);
	const char *forms[] = {"0612345678", "+390612345678", "390612345678",
			       "00390612345678"};
	for (size_t i = 0; i < 4; i++) {
		const struct router_tenant *rt =
			router_table_by_number(t, forms[i]);
		assert_non_null(rt);
		assert_string_equal(rt->snap->tenant_id, "b");
	}
	assert_null(router_table_by_number(t, "0611111111"));
	assert_string_equal(router_table_by_id(t, "a")->snap->number,
			    "+390298765432");
	assert_null(router_table_by_id(t, "c"));
	assert_non_null(router_table_by_id(t, "a")->tz);
	router_table_release(t);
}

static void older_or_same_version_changes_nothing(void **state)
{
	(void)state;
	assert_int_equal(router_table_put(snap("a", "+390611111111", 3, 10)),
			 1);
	assert_int_equal(router_table_put(snap("a", "+390622222222", 3, 11)),
			 0);
	assert_int_equal(router_table_put(snap("a", "+390622222222", 2, 11)),
			 0);
	struct router_table *t = router_table_acquire();
	assert_int_equal(router_table_by_id(t, "a")->snap->version, 3);
	assert_non_null(router_table_by_number(t, "0611111111"));
	router_table_release(t);
}

static void a_reader_keeps_the_table_it_took(void **state)
{
	(void)state;
	router_table_put(snap("a", "+390611111111", 1, 10));
	struct router_table *old = router_table_acquire();
	const struct router_tenant *before = router_table_by_id(old, "a");
	router_table_put(snap("a", "+390633333333", 2, 20));
	/* The old table and its snapshot stay valid until released. */
	assert_int_equal(before->snap->version, 1);
	assert_non_null(router_table_by_number(old, "0611111111"));
	struct router_table *now = router_table_acquire();
	assert_int_equal(router_table_by_id(now, "a")->snap->version, 2);
	assert_null(router_table_by_number(now, "0611111111"));
	assert_non_null(router_table_by_number(now, "0633333333"));
	router_table_release(now);
	router_table_release(old);
}

static void a_number_moved_to_a_new_tenant_goes_to_the_newest(void **state)
{
	(void)state;
	/* Tenant "old" was deleted and its number given to "new": both
	 * are listed until the router drops "old"; the latest applied
	 * wins, whatever the order of the ids. */
	router_table_put(snap("zzz-old", "+390644444444", 5, 100));
	router_table_put(snap("aaa-new", "+390644444444", 1, 200));
	struct router_table *t = router_table_acquire();
	assert_string_equal(
		router_table_by_number(t, "0644444444")->snap->tenant_id,
		"aaa-new");
	router_table_release(t);
}

static void many_tenants_in_any_order(void **state)
{
	char id[16], num[20];
	(void)state;

	for (int i = 0; i < 300; i++) {
		int k = (i * 7919) % 300; /* a permutation */
		snprintf(id, sizeof(id), "t%03d", k);
		snprintf(num, sizeof(num), "+39060000%04d", k);
		assert_int_equal(router_table_put(snap(id, num, 1, 1)), 1);
	}
	struct router_table *t = router_table_acquire();
	assert_int_equal(router_table_size(t), 300);
	for (int k = 0; k < 300; k++) {
		snprintf(id, sizeof(id), "t%03d", k);
		snprintf(num, sizeof(num), "060000%04d", k);
		const struct router_tenant *rt = router_table_by_number(t, num);
		assert_non_null(rt);
		assert_string_equal(rt->snap->tenant_id, id);
		assert_ptr_equal(router_table_by_id(t, id), rt);
	}
	router_table_release(t);
}

/* A deleted tenant's number is nobody's, until a new tenant has it. */
static void a_deleted_tenants_number_is_free(void **state)
{
	(void)state;
	Ov__Admin__Snapshot *gone = snap("a", "+390612345678", 2, 20);
	gone->state = OV__ADMIN__SNAPSHOT__STATE__DELETED;
	assert_int_equal(router_table_put(snap("a", "+390612345678", 1, 10)),
			 1);
	assert_int_equal(router_table_put(gone), 1);
	struct router_table *t = router_table_acquire();
	assert_null(router_table_by_number(t, "0612345678"));
	assert_non_null(router_table_by_id(t, "a"));
	router_table_release(t);
	assert_int_equal(router_table_put(snap("b", "+390612345678", 1, 30)),
			 1);
	t = router_table_acquire();
	assert_string_equal(
		router_table_by_number(t, "0612345678")->snap->tenant_id, "b");
	router_table_release(t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_teardown(
			found_by_number_in_every_form_and_by_id, teardown),
		cmocka_unit_test_teardown(older_or_same_version_changes_nothing,
					  teardown),
		cmocka_unit_test_teardown(a_reader_keeps_the_table_it_took,
					  teardown),
		cmocka_unit_test_teardown(
			a_number_moved_to_a_new_tenant_goes_to_the_newest,
			teardown),
		cmocka_unit_test_teardown(many_tenants_in_any_order, teardown),
		cmocka_unit_test_teardown(a_deleted_tenants_number_is_free,
					  teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

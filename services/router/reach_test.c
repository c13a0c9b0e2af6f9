#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "reach.h"

static uint64_t clock_ms;
static unsigned fetches;
static uint32_t binding_expires; /* 0: the answer has no binding */
static int fail_next;
static const char *forget_during_fetch;

static uint64_t fake_now(void)
{
	return clock_ms;
}

/* What the registrar would answer: one owner, with one binding when
 * binding_expires is set. */
static Ov__Registrar__ContactsReply *fake_fetch(const char *tenant_id,
						const char *request_id,
						void *arg)
{
	(void)request_id;
	(void)arg;
	fetches++;
	if (forget_during_fetch)
		router_reach_forget(forget_during_fetch);
	if (fail_next) {
		fail_next--;
		return NULL;
	}
	Ov__Registrar__ContactsReply *r = calloc(1, sizeof(*r));
	ov__registrar__contacts_reply__init(r);
	r->n_reach = 1;
	r->reach = calloc(1, sizeof(*r->reach));
	Ov__Registrar__Reach *e = calloc(1, sizeof(*e));
	ov__registrar__reach__init(e);
	e->owner = strdup(tenant_id);
	e->presence = strdup("available");
	r->reach[0] = e;
	if (binding_expires) {
		Ov__Registrar__Binding *b = calloc(1, sizeof(*b));
		ov__registrar__binding__init(b);
		b->contact = strdup("sip:01@127.0.0.1:5070");
		b->expires = binding_expires;
		e->n_bindings = 1;
		e->bindings = calloc(1, sizeof(*e->bindings));
		e->bindings[0] = b;
	}
	return r;
}

static int start(unsigned ttl_ms)
{
	struct router_reach_cfg cfg = {
		.fetch = fake_fetch,
		.events_url = "",
		.ttl_ms = ttl_ms,
		.now_ms = fake_now,
	};
	clock_ms = 1000000;
	fetches = 0;
	binding_expires = 0;
	fail_next = 0;
	forget_during_fetch = NULL;
	return router_reach_start(&cfg);
}

static int setup(void **state)
{
	(void)state;
	return start(5000);
}

static int teardown(void **state)
{
	(void)state;
	router_reach_stop();
	return 0;
}

/* Asks for the tenant and lets go at once; returns whether it answered. */
static int ask(const char *tenant)
{
	struct router_reach *r = router_reach_get(tenant, "t");
	int ok = r && router_reach_reply(r) &&
		 strcmp(router_reach_reply(r)->reach[0]->owner, tenant) == 0;
	router_reach_release(r);
	return ok;
}

static void a_second_call_is_answered_from_the_cache(void **state)
{
	(void)state;
	assert_true(ask("a"));
	assert_true(ask("a"));
	assert_int_equal(fetches, 1);
	assert_true(ask("b")); /* tenants have their own entries */
	assert_int_equal(fetches, 2);
}

static void an_event_makes_the_next_call_ask(void **state)
{
	(void)state;
	assert_true(ask("a"));
	assert_true(ask("b"));
	router_reach_forget("a");
	assert_true(ask("a"));
	assert_true(ask("b"));
	assert_int_equal(fetches, 3);
	router_reach_forget_all();
	assert_true(ask("b"));
	assert_int_equal(fetches, 4);
}

static void an_entry_lives_at_most_its_ttl(void **state)
{
	(void)state;
	assert_true(ask("a"));
	clock_ms += 4999;
	assert_true(ask("a"));
	assert_int_equal(fetches, 1);
	clock_ms += 1;
	assert_true(ask("a"));
	assert_int_equal(fetches, 2);
}

static void an_entry_ends_when_its_earliest_binding_expires(void **state)
{
	(void)state;
	binding_expires = 2; /* seconds left when the registrar answered */
	assert_true(ask("a"));
	clock_ms += 1999;
	assert_true(ask("a"));
	assert_int_equal(fetches, 1);
	clock_ms += 1;
	assert_true(ask("a"));
	assert_int_equal(fetches, 2);
}

static void an_event_during_a_fetch_wins(void **state)
{
	(void)state;
	/* The change arrives while the registrar is answering: the answer
	 * serves this call but may predate the change, so it is not kept. */
	forget_during_fetch = "a";
	assert_true(ask("a"));
	forget_during_fetch = NULL;
	assert_true(ask("a"));
	assert_int_equal(fetches, 2);
	assert_true(ask("a"));
	assert_int_equal(fetches, 2);
}

static void a_failed_fetch_is_not_kept(void **state)
{
	(void)state;
	fail_next = 1;
	assert_null(router_reach_get("a", "t"));
	assert_true(ask("a"));
	assert_int_equal(fetches, 2);
}

static void a_call_keeps_its_entry_after_an_event(void **state)
{
	(void)state;
	struct router_reach *r = router_reach_get("a", "t");
	assert_non_null(r);
	router_reach_forget("a");
	router_reach_forget_all();
	/* Still readable (ASan would tell otherwise). */
	assert_string_equal(router_reach_reply(r)->reach[0]->owner, "a");
	router_reach_release(r);
}

static void without_ttl_every_call_asks(void **state)
{
	(void)state;
	router_reach_stop();
	start(0);
	assert_true(ask("a"));
	assert_true(ask("a"));
	assert_int_equal(fetches, 2);
}

static void many_tenants_share_buckets(void **state)
{
	(void)state;
	char id[32];
	for (int i = 0; i < 5000; i++) {
		snprintf(id, sizeof(id), "tenant-%d", i);
		assert_true(ask(id));
	}
	for (int i = 0; i < 5000; i += 7) {
		snprintf(id, sizeof(id), "tenant-%d", i);
		assert_true(ask(id));
	}
	assert_int_equal(fetches, 5000);
	router_reach_forget("tenant-7");
	assert_true(ask("tenant-7"));
	assert_true(ask("tenant-14"));
	assert_int_equal(fetches, 5001);
}

int main(void)
{
#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
	const struct CMUnitTest tests[] = {
		T(a_second_call_is_answered_from_the_cache),
		T(an_event_makes_the_next_call_ask),
		T(an_entry_lives_at_most_its_ttl),
		T(an_entry_ends_when_its_earliest_binding_expires),
		T(an_event_during_a_fetch_wins),
		T(a_failed_fetch_is_not_kept),
		T(a_call_keeps_its_entry_after_an_event),
		T(without_ttl_every_call_asks),
		T(many_tenants_share_buckets),
	};
#undef T
	return cmocka_run_group_tests(tests, NULL, NULL);
}

/*
 * router_decide() on every rule of docs/router.md and its borders. Each
 * test builds its tenant (a Snapshot as admin fills it) and the
 * registrar's answer in C, decides at a fixed time and reads the plan,
 * mostly through router_plan_words() (tested alone in words_test.c)
 * plus the fields words do not show.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "plan.h"

#define MAX_USERS 100
#define MAX_OWNERS (MAX_USERS + 1)
#define MAX_BINDINGS 3
#define MAX_RANGES 4
#define STR 48

#define MON (1u << 0)
#define TUE (1u << 1)
#define WED (1u << 2)
#define THU (1u << 3)
#define FRI (1u << 4)
#define SAT (1u << 5)
#define SUN (1u << 6)
#define WEEKDAYS (MON | TUE | WED | THU | FRI)
#define EVERY_DAY 0x7fu

#define NUMBER "+390612345678"
#define CALLER "3331234567"

#define KIND_REJECT OV__ROUTER__STEP__KIND__REJECT
#define KIND_ANNOUNCE OV__ROUTER__STEP__KIND__ANNOUNCE
#define KIND_RING OV__ROUTER__STEP__KIND__RING
#define KIND_EXTERNAL OV__ROUTER__STEP__KIND__EXTERNAL

#define CLOSED OV__ADMIN__VOICE_MESSAGE__KIND__CLOSED
#define WELCOME OV__ADMIN__VOICE_MESSAGE__KIND__WELCOME
#define NO_ANSWER OV__ADMIN__VOICE_MESSAGE__KIND__NO_ANSWER

#define TAILS_PLAIN                                                            \
	"; if all busy: reject with 486 Busy Here; if no answer: reject "      \
	"with 480 Temporarily Unavailable"
#define TAILS_MESSAGE                                                          \
	"; if all busy: play the no-answer message, then reject with 486 "     \
	"Busy Here; if no answer: play the no-answer message, then reject "    \
	"with 480 Temporarily Unavailable"

/* A tenant, the registrar's answer and a call, all in one block. */
struct fx {
	GTimeZone *tz;
	struct router_tenant t;
	Ov__Admin__Snapshot snap;
	Ov__Admin__Ringing ring;
	Ov__Admin__Forwarding fwd;
	Ov__Admin__Forward fw[4];
	Ov__Admin__User users[MAX_USERS];
	Ov__Admin__User *user_ptrs[MAX_USERS];
	char user_str[MAX_USERS][4][STR];
	Ov__Admin__Member members[MAX_OWNERS];
	Ov__Admin__Member *member_ptrs[MAX_OWNERS];
	Ov__Admin__VoiceMessage msgs[3];
	Ov__Admin__VoiceMessage *msg_ptrs[3];
	bool msg_added[3];
	Ov__Admin__TimeRange ranges[3][MAX_RANGES];
	Ov__Admin__TimeRange *range_ptrs[3][MAX_RANGES];
	Ov__Registrar__ContactsReply reach;
	Ov__Registrar__Reach reaches[MAX_OWNERS];
	Ov__Registrar__Reach *reach_ptrs[MAX_OWNERS];
	Ov__Registrar__Binding bindings[MAX_OWNERS][MAX_BINDINGS];
	Ov__Registrar__Binding *binding_ptrs[MAX_OWNERS][MAX_BINDINGS];
	char binding_str[MAX_OWNERS][MAX_BINDINGS][2][STR];
	Ov__Router__RouteRequest call;
	struct router_plan p;
	char words[2048];
};

/* ---- building tenants ---- */

static Ov__Admin__User *user(struct fx *f, const char *id, const char *name,
			     const char *username, const char *ext)
{
	size_t i = f->snap.n_users++;
	Ov__Admin__User *u = &f->users[i];
	char(*s)[STR] = f->user_str[i];

	snprintf(s[0], STR, "%s", id);
	snprintf(s[1], STR, "%s", name);
	snprintf(s[2], STR, "%s", username);
	snprintf(s[3], STR, "%s", ext);
	ov__admin__user__init(u);
	u->id = s[0];
	u->name = s[1];
	u->username = s[2];
	u->extension = s[3];
	f->user_ptrs[i] = u;
	return u;
}

static const Ov__Admin__User *user_by_id(const struct fx *f, const char *id)
{
	for (size_t i = 0; i < f->snap.n_users; i++)
		if (strcmp(f->users[i].id, id) == 0)
			return &f->users[i];
	fail_msg("no user %s", id);
	return NULL;
}

/* A ringing member, resolved as admin's apply does. */
static void member(struct fx *f, const char *id)
{
	size_t i = f->ring.n_members++;
	Ov__Admin__Member *m = &f->members[i];

	ov__admin__member__init(m);
	if (strcmp(id, "main") == 0) {
		m->kind = OV__ADMIN__MEMBER__KIND__MAIN_LINE;
		m->name = "Fibra Principale";
	} else {
		const Ov__Admin__User *u = user_by_id(f, id);
		m->user_id = u->id;
		m->name = u->name;
		m->extension = u->extension;
	}
	f->member_ptrs[i] = m;
}

static void members(struct fx *f, const char *const *ids, size_t n)
{
	f->ring.n_members = 0;
	for (size_t i = 0; i < n; i++)
		member(f, ids[i]);
}

/* The tenant's message of a kind, enabled, no validity, no ranges. */
static Ov__Admin__VoiceMessage *msg(struct fx *f,
				    Ov__Admin__VoiceMessage__Kind kind)
{
	Ov__Admin__VoiceMessage *m = &f->msgs[kind];
	size_t n = 0;

	/* Dense, in kind order, as admin fills them. */
	f->msg_added[kind] = true;
	for (size_t k = 0; k < 3; k++)
		if (f->msg_added[k])
			f->msg_ptrs[n++] = &f->msgs[k];
	f->snap.n_messages = n;
	ov__admin__voice_message__init(m);
	m->kind = kind;
	m->enabled = true;
	m->template_id = "t";
	m->ranges = f->range_ptrs[kind];
	return m;
}

static void range(struct fx *f, Ov__Admin__VoiceMessage *m, uint32_t days,
		  uint32_t start, uint32_t end)
{
	size_t k = (size_t)m->kind, i = m->n_ranges++;
	Ov__Admin__TimeRange *r = &f->ranges[k][i];

	ov__admin__time_range__init(r);
	r->days = days;
	r->start_min = start;
	r->end_min = end;
	f->range_ptrs[k][i] = r;
}

enum fw_kind {
	FW_UNCONDITIONAL,
	FW_NO_ANSWER,
	FW_UNREACHABLE,
	FW_BUSY
};

static void forward(struct fx *f, enum fw_kind k, const char *number)
{
	f->fw[k].enabled = true;
	f->fw[k].number = (char *)number;
}

/* A registrar entry: presence and n bindings. */
static Ov__Registrar__Reach *reach(struct fx *f, const char *owner,
				   const char *presence, size_t n)
{
	size_t i = f->reach.n_reach++;
	Ov__Registrar__Reach *r = &f->reaches[i];

	ov__registrar__reach__init(r);
	r->owner = (char *)owner;
	r->presence = (char *)presence;
	r->bindings = f->binding_ptrs[i];
	for (size_t j = 0; j < n; j++) {
		Ov__Registrar__Binding *b = &f->bindings[i][j];
		char(*s)[STR] = f->binding_str[i][j];
		ov__registrar__binding__init(b);
		snprintf(s[0], STR, "sip:%.16s-%u@10.0.0.%u:5060", owner,
			 (unsigned)j % 10u, (unsigned)j % 10u + 1u);
		snprintf(s[1], STR, "sip:192.0.2.%u:%u;transport=udp",
			 (unsigned)j % 10u + 1u, 5060u + (unsigned)i % 1000u);
		b->contact = s[0];
		b->received = s[1];
		b->owner = (char *)owner;
		f->binding_ptrs[i][j] = b;
	}
	r->n_bindings = n;
	f->reach_ptrs[i] = r;
	return r;
}

/* The seed's company: the main line, Mario 01, Sara 02, Laura 05 and
 * the administrator (no extension); sequential, 4 rings, all four
 * members available with one device each. */
static int setup(void **state)
{
	struct fx *f = calloc(1, sizeof(*f));
	static const char *const order[] = {"main", "u-mario", "u-sara",
					    "u-laura"};

	if (!f)
		return -1;
	f->tz = g_time_zone_new_identifier("Europe/Rome");
	if (!f->tz) {
		free(f);
		return -1;
	}
	f->t.tz = f->tz;
	f->t.snap = &f->snap;
	ov__admin__snapshot__init(&f->snap);
	f->snap.tenant_id = "t-1";
	f->snap.version = 7;
	f->snap.number = NUMBER;
	f->snap.timezone = "Europe/Rome";
	f->snap.max_calls = 3;
	f->snap.users = f->user_ptrs;
	f->snap.messages = f->msg_ptrs;
	f->snap.n_messages = 0;
	user(f, "u-admin", "Amministratore", "Amministratore", "");
	user(f, "u-mario", "Mario", "mario", "01");
	user(f, "u-sara", "Sara", "sara", "02");
	user(f, "u-laura", "Laura Neri", "Laura", "05");
	ov__admin__ringing__init(&f->ring);
	f->ring.rings = 4;
	f->ring.members = f->member_ptrs;
	members(f, order, 4);
	f->snap.ringing = &f->ring;
	ov__admin__forwarding__init(&f->fwd);
	for (size_t i = 0; i < 4; i++)
		ov__admin__forward__init(&f->fw[i]);
	f->fwd.unconditional = &f->fw[FW_UNCONDITIONAL];
	f->fwd.no_answer = &f->fw[FW_NO_ANSWER];
	f->fwd.unreachable = &f->fw[FW_UNREACHABLE];
	f->fwd.busy = &f->fw[FW_BUSY];
	f->snap.forwarding = &f->fwd;
	ov__registrar__contacts_reply__init(&f->reach);
	f->reach.reach = f->reach_ptrs;
	reach(f, "main", "available", 1);
	reach(f, "u-mario", "available", 1);
	reach(f, "u-sara", "available", 1);
	reach(f, "u-laura", "available", 1);
	reach(f, "u-admin", "available", 1);
	ov__router__route_request__init(&f->call);
	f->call.from_user = CALLER;
	f->call.to_user = "0612345678";
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fx *f = *state;

	router_plan_free(&f->p);
	g_time_zone_unref(f->tz);
	free(f);
	return 0;
}

/* ---- deciding ---- */

static int64_t utc(int y, int mon, int d, int h, int min)
{
	GDateTime *dt = g_date_time_new_utc(y, mon, d, h, min, 0);
	int64_t t = g_date_time_to_unix(dt);

	g_date_time_unref(dt);
	return t;
}

/* A wall-clock time in Rome (unambiguous ones only). */
static int64_t rome(const struct fx *f, int y, int mon, int d, int h, int min)
{
	GDateTime *dt = g_date_time_new(f->tz, y, mon, d, h, min, 0);
	int64_t t = g_date_time_to_unix(dt);

	g_date_time_unref(dt);
	return t;
}

/* Wednesday 2026-01-14 10:00 in Rome: an ordinary working morning. */
#define WORKDAY(f) rome(f, 2026, 1, 14, 10, 0)

static const char *decide_at(struct fx *f, int64_t now)
{
	router_plan_free(&f->p);
	router_decide(&f->t, &f->call, &f->reach, now, &f->p);
	router_plan_words(&f->p.plan, f->words, sizeof(f->words));
	return f->words;
}

static const char *decide(struct fx *f)
{
	return decide_at(f, WORKDAY(f));
}

static void device(struct fx *f, const char *owner, const char *to)
{
	f->call.origin = OV__ROUTER__ROUTE_REQUEST__ORIGIN__DEVICE;
	f->call.tenant_id = "t-1";
	f->call.owner = (char *)owner;
	f->call.from_user = (char *)owner;
	f->call.to_user = (char *)to;
}

static const Ov__Router__Step *step(const struct fx *f, size_t i)
{
	assert_true(i < f->p.plan.n_steps);
	return f->p.plan.steps[i];
}

static void assert_tenant_fields(const struct fx *f)
{
	assert_string_equal(f->p.plan.tenant_id, "t-1");
	assert_int_equal(f->p.plan.version, 7);
	assert_int_equal(f->p.plan.max_calls, 3);
	assert_string_equal(f->p.plan.caller_id, NUMBER);
}

static void assert_only_reject(const struct fx *f, uint32_t code,
			       const char *reason)
{
	assert_int_equal(f->p.plan.n_steps, 1);
	assert_int_equal(step(f, 0)->kind, KIND_REJECT);
	assert_int_equal(step(f, 0)->code, code);
	assert_string_equal(step(f, 0)->reason, reason);
	assert_int_equal(f->p.plan.n_on_busy, 0);
	assert_int_equal(f->p.plan.n_on_no_answer, 0);
}

/* ---- no tenant, bad calls ---- */

static void trunk_no_tenant_is_404(void **state)
{
	struct fx *f = *state;

	router_decide(NULL, &f->call, &f->reach, WORKDAY(f), &f->p);
	assert_only_reject(f, 404, "Not Found");
	assert_string_equal(f->p.plan.tenant_id, "");
	assert_string_equal(f->p.plan.caller_id, "");
	assert_int_equal(f->p.plan.version, 0);
}

static void trunk_empty_number_is_484(void **state)
{
	struct fx *f = *state;

	f->call.to_user = "";
	decide(f);
	assert_only_reject(f, 484, "Address Incomplete");
	router_plan_free(&f->p);
	router_decide(NULL, &f->call, NULL, WORKDAY(f), &f->p);
	assert_only_reject(f, 484, "Address Incomplete");
}

static void no_call_is_400(void **state)
{
	struct fx *f = *state;

	router_decide(&f->t, NULL, &f->reach, WORKDAY(f), &f->p);
	assert_only_reject(f, 400, "Bad Request");
	/* Freeing twice, or a plan never decided, is harmless. */
	router_plan_free(&f->p);
	router_plan_free(&f->p);
	router_plan_free(NULL);
}

static void trunk_plan_fields(void **state)
{
	struct fx *f = *state;

	decide(f);
	assert_tenant_fields(f);
	assert_string_equal(f->p.plan.caller_display, "telefono virtuale");
	assert_string_equal(f->p.plan.caller_user, CALLER);
	/* The caller's number as received, even withheld. */
	f->call.from_user = "anonymous";
	decide(f);
	assert_string_equal(f->p.plan.caller_user, "anonymous");
}

/* ---- 1. unconditional forward ---- */

static void unconditional_beats_everything(void **state)
{
	struct fx *f = *state;
	Ov__Admin__VoiceMessage *closed = msg(f, CLOSED);

	range(f, closed, EVERY_DAY, 9 * 60, 9 * 60 + 1);
	msg(f, WELCOME);
	msg(f, NO_ANSWER);
	forward(f, FW_UNCONDITIONAL, "+393351234567");
	forward(f, FW_BUSY, "+393350000001");
	forward(f, FW_NO_ANSWER, "+393350000002");
	forward(f, FW_UNREACHABLE, "+393350000003");
	/* Closed now, on a holiday, with everyone reachable. */
	assert_string_equal(decide_at(f, rome(f, 2026, 12, 25, 20, 0)),
			    "forward to +393351234567 (unconditional)");
	assert_int_equal(step(f, 0)->kind, KIND_EXTERNAL);
	assert_string_equal(step(f, 0)->number, "+393351234567");
	assert_string_equal(step(f, 0)->diversion, "unconditional");
	assert_int_equal(f->p.plan.n_on_busy, 0);
	assert_int_equal(f->p.plan.n_on_no_answer, 0);
	assert_tenant_fields(f);
	assert_string_equal(f->p.plan.caller_user, CALLER);
	/* Without the registrar (the handler does not ask it then). */
	router_plan_free(&f->p);
	router_decide(&f->t, &f->call, NULL, WORKDAY(f), &f->p);
	router_plan_words(&f->p.plan, f->words, sizeof(f->words));
	assert_string_equal(f->words,
			    "forward to +393351234567 (unconditional)");
}

static void unconditional_needs_enabled_and_number(void **state)
{
	struct fx *f = *state;
	const char *plain = "ring Fibra Principale for 20 s, then Mario (01) "
			    "for 20 s, then Sara (02) for 20 s, then Laura "
			    "Neri (05) for 20 s" TAILS_PLAIN;

	f->fw[FW_UNCONDITIONAL].number = "+393351234567";
	assert_string_equal(decide(f), plain);
	f->fw[FW_UNCONDITIONAL].enabled = true;
	f->fw[FW_UNCONDITIONAL].number = "";
	assert_string_equal(decide(f), plain);
	/* No forwarding at all in the snapshot. */
	f->snap.forwarding = NULL;
	assert_string_equal(decide(f), plain);
}

/* ---- 2. closed ---- */

/* Open Monday to Friday 09:00-18:00. */
static void office_hours(struct fx *f)
{
	range(f, msg(f, CLOSED), WEEKDAYS, 9 * 60, 18 * 60);
}

static bool closed_at(struct fx *f, int64_t now)
{
	decide_at(f, now);
	if (f->p.plan.n_steps == 2 && step(f, 0)->kind == KIND_ANNOUNCE &&
	    strcmp(step(f, 0)->message, "closed") == 0) {
		assert_int_equal(step(f, 1)->kind, KIND_REJECT);
		assert_int_equal(step(f, 1)->code, 480);
		assert_string_equal(step(f, 1)->reason,
				    "Temporarily Unavailable");
		assert_int_equal(f->p.plan.n_on_busy, 0);
		assert_int_equal(f->p.plan.n_on_no_answer, 0);
		assert_tenant_fields(f);
		return true;
	}
	assert_int_equal(step(f, 0)->kind, KIND_RING);
	return false;
}

static void closed_by_hours_borders(void **state)
{
	struct fx *f = *state;

	office_hours(f);
	/* Wednesday 2026-01-14. */
	assert_true(closed_at(f, rome(f, 2026, 1, 14, 8, 59)));
	assert_false(closed_at(f, rome(f, 2026, 1, 14, 9, 0)));
	assert_false(closed_at(f, rome(f, 2026, 1, 14, 9, 1)));
	assert_false(closed_at(f, rome(f, 2026, 1, 14, 17, 59)));
	assert_false(closed_at(f, rome(f, 2026, 1, 14, 17, 59) + 59));
	assert_true(closed_at(f, rome(f, 2026, 1, 14, 18, 0)));
	assert_true(closed_at(f, rome(f, 2026, 1, 14, 18, 1)));
	/* Saturday and Sunday. */
	assert_true(closed_at(f, rome(f, 2026, 1, 17, 10, 0)));
	assert_true(closed_at(f, rome(f, 2026, 1, 18, 10, 0)));
	assert_string_equal(f->words, "play the closed message, then reject "
				      "with 480 Temporarily Unavailable");
}

static void closed_message_disabled_never_closes(void **state)
{
	struct fx *f = *state;

	office_hours(f);
	f->msgs[CLOSED].enabled = false;
	assert_false(closed_at(f, rome(f, 2026, 1, 17, 23, 0)));
	assert_false(closed_at(f, rome(f, 2026, 12, 25, 10, 0)));
}

static void closed_range_across_midnight(void **state)
{
	struct fx *f = *state;

	/* A night service: open Friday 22:00 to Saturday 02:00. */
	range(f, msg(f, CLOSED), FRI, 22 * 60, 2 * 60);
	assert_true(closed_at(f, rome(f, 2026, 1, 16, 21, 59)));
	assert_false(closed_at(f, rome(f, 2026, 1, 16, 22, 0)));
	assert_false(closed_at(f, rome(f, 2026, 1, 16, 23, 59)));
	assert_false(closed_at(f, rome(f, 2026, 1, 17, 0, 0)));
	assert_false(closed_at(f, rome(f, 2026, 1, 17, 1, 59)));
	assert_true(closed_at(f, rome(f, 2026, 1, 17, 2, 0)));
	assert_true(closed_at(f, rome(f, 2026, 1, 17, 22, 0)));
}

static void closed_at_midnight(void **state)
{
	struct fx *f = *state;

	/* Open all Monday, 00:00-24:00. */
	range(f, msg(f, CLOSED), MON, 0, 1440);
	assert_true(closed_at(f, rome(f, 2026, 1, 11, 23, 59)));
	assert_false(closed_at(f, rome(f, 2026, 1, 12, 0, 0)));
	assert_false(closed_at(f, rome(f, 2026, 1, 12, 23, 59)));
	assert_true(closed_at(f, rome(f, 2026, 1, 13, 0, 0)));
}

static void closed_on_holidays(void **state)
{
	struct fx *f = *state;

	/* Open every day, all day: only holidays close. */
	range(f, msg(f, CLOSED), EVERY_DAY, 0, 1440);
	assert_true(closed_at(f, rome(f, 2026, 4, 6, 10, 0))); /* Pasquetta */
	assert_false(closed_at(f, rome(f, 2026, 4, 7, 10, 0)));
	assert_true(closed_at(f, rome(f, 2027, 3, 29, 10, 0)));
	assert_false(closed_at(f, rome(f, 2027, 3, 30, 10, 0)));
	assert_true(closed_at(f, rome(f, 2025, 12, 26, 10, 0)));
	assert_false(closed_at(f, rome(f, 2025, 12, 27, 10, 0)));
	assert_true(closed_at(f, rome(f, 2026, 8, 15, 10, 0)));
	assert_false(closed_at(f, rome(f, 2026, 8, 16, 10, 0)));
	assert_true(closed_at(f, rome(f, 2026, 10, 4, 10, 0)));
	/* The holiday is the local date: 23:30 UTC on Dec 31 is already
	 * New Year's Day in Rome. */
	assert_true(closed_at(f, utc(2025, 12, 31, 23, 30)));
	assert_false(closed_at(f, utc(2025, 12, 31, 22, 59)));
	/* Holidays count in opening-hours mode only. */
	f->msgs[CLOSED].n_ranges = 0;
	f->msgs[CLOSED].valid_from = "2026-07-01T00:00";
	f->msgs[CLOSED].valid_to = "2026-07-31T23:59";
	assert_false(closed_at(f, rome(f, 2026, 8, 15, 10, 0)));
}

static void closed_hours_only_within_validity(void **state)
{
	struct fx *f = *state;

	office_hours(f);
	f->msgs[CLOSED].valid_from = "2026-01-01T00:00";
	f->msgs[CLOSED].valid_to = "2026-01-31T23:59";
	assert_true(closed_at(f, rome(f, 2026, 1, 14, 20, 0)));
	assert_true(closed_at(f, rome(f, 2026, 1, 31, 23, 59)));
	/* Outside the period the hours (and holidays) do not apply. */
	assert_false(closed_at(f, rome(f, 2026, 2, 1, 0, 0)));
	assert_false(closed_at(f, rome(f, 2025, 12, 31, 23, 59)));
	assert_false(closed_at(f, rome(f, 2025, 12, 26, 12, 0)));
}

static void closed_period_borders(void **state)
{
	struct fx *f = *state;
	Ov__Admin__VoiceMessage *m = msg(f, CLOSED);

	/* The seed's "chiusi per ferie dal 21/04 al 25/04". */
	m->valid_from = "2026-04-21T00:00";
	m->valid_to = "2026-04-25T23:59";
	assert_false(closed_at(f, rome(f, 2026, 4, 20, 23, 59)));
	assert_true(closed_at(f, rome(f, 2026, 4, 21, 0, 0)));
	assert_true(closed_at(f, rome(f, 2026, 4, 23, 3, 0)));
	/* valid_to is inclusive to the minute: 23:59:59 still closed. */
	assert_true(closed_at(f, rome(f, 2026, 4, 25, 23, 59) + 59));
	assert_false(closed_at(f, rome(f, 2026, 4, 26, 0, 0)));
}

static void closed_period_open_ends(void **state)
{
	struct fx *f = *state;
	Ov__Admin__VoiceMessage *m = msg(f, CLOSED);

	/* Neither end: closed while enabled. */
	assert_true(closed_at(f, WORKDAY(f)));
	m->valid_from = "2026-01-14T10:01";
	assert_false(closed_at(f, WORKDAY(f)));
	assert_true(closed_at(f, WORKDAY(f) + 60));
	assert_true(closed_at(f, rome(f, 2030, 1, 1, 0, 0)));
	m->valid_from = "";
	m->valid_to = "2026-01-14T09:59";
	assert_false(closed_at(f, WORKDAY(f)));
	assert_true(closed_at(f, WORKDAY(f) - 1));
	/* A bound that is not a time: never closed. */
	m->valid_to = "soon";
	assert_false(closed_at(f, WORKDAY(f) - 1));
}

/* ---- DST days of Europe/Rome ---- */

static void dst_opening_hour_in_utc(void **state)
{
	struct fx *f = *state;

	/* Opens at 08:00 local every day. */
	range(f, msg(f, CLOSED), EVERY_DAY, 8 * 60, 20 * 60);
	/* Winter: 08:00 is 07:00 UTC. */
	assert_true(closed_at(f, utc(2026, 1, 14, 6, 59)));
	assert_false(closed_at(f, utc(2026, 1, 14, 7, 0)));
	/* Summer: 08:00 is 06:00 UTC. */
	assert_true(closed_at(f, utc(2026, 7, 15, 5, 59)));
	assert_false(closed_at(f, utc(2026, 7, 15, 6, 0)));
	/* 2026-03-29: summer time since 01:00 UTC. */
	assert_true(closed_at(f, utc(2026, 3, 29, 5, 59)));
	assert_false(closed_at(f, utc(2026, 3, 29, 6, 0)));
	/* 2026-10-25: winter time since 01:00 UTC. */
	assert_true(closed_at(f, utc(2026, 10, 25, 6, 59)));
	assert_false(closed_at(f, utc(2026, 10, 25, 7, 0)));
	/* Closing at 20:00 local, both sides of the change. */
	assert_false(closed_at(f, utc(2026, 3, 29, 17, 59)));
	assert_true(closed_at(f, utc(2026, 3, 29, 18, 0)));
	assert_false(closed_at(f, utc(2026, 10, 25, 18, 59)));
	assert_true(closed_at(f, utc(2026, 10, 25, 19, 0)));
}

static void dst_spring_range_in_the_gap(void **state)
{
	struct fx *f = *state;

	/* 02:30-03:30 on 2026-03-29: 02:00-02:59 never happens, so the
	 * range is open from 03:00 (01:00 UTC) to 03:30. */
	range(f, msg(f, CLOSED), SUN, 2 * 60 + 30, 3 * 60 + 30);
	assert_true(closed_at(f, utc(2026, 3, 29, 0, 29)));  /* 01:29 */
	assert_true(closed_at(f, utc(2026, 3, 29, 0, 59)));  /* 01:59 */
	assert_false(closed_at(f, utc(2026, 3, 29, 1, 0)));  /* 03:00 */
	assert_false(closed_at(f, utc(2026, 3, 29, 1, 29))); /* 03:29 */
	assert_true(closed_at(f, utc(2026, 3, 29, 1, 30)));  /* 03:30 */
}

static void dst_autumn_range_twice(void **state)
{
	struct fx *f = *state;

	/* 02:30-03:30 on 2026-10-25: 02:30-02:59 happens twice, and both
	 * are in the range; 02:00-02:29 of the second pass is not. */
	range(f, msg(f, CLOSED), SUN, 2 * 60 + 30, 3 * 60 + 30);
	assert_true(closed_at(f, utc(2026, 10, 25, 0, 29)));  /* 02:29 CEST */
	assert_false(closed_at(f, utc(2026, 10, 25, 0, 30))); /* 02:30 CEST */
	assert_false(closed_at(f, utc(2026, 10, 25, 0, 59))); /* 02:59 CEST */
	assert_true(closed_at(f, utc(2026, 10, 25, 1, 0)));   /* 02:00 CET */
	assert_true(closed_at(f, utc(2026, 10, 25, 1, 29)));  /* 02:29 CET */
	assert_false(closed_at(f, utc(2026, 10, 25, 1, 30))); /* 02:30 CET */
	assert_false(closed_at(f, utc(2026, 10, 25, 2, 29))); /* 03:29 CET */
	assert_true(closed_at(f, utc(2026, 10, 25, 2, 30)));  /* 03:30 CET */
}

static void dst_closure_ends_in_the_gap(void **state)
{
	struct fx *f = *state;
	Ov__Admin__VoiceMessage *m = msg(f, CLOSED);

	/* A period ending at 02:30, a time 2026-03-29 does not have. */
	m->valid_from = "2026-03-28T00:00";
	m->valid_to = "2026-03-29T02:30";
	assert_true(closed_at(f, utc(2026, 3, 29, 0, 59))); /* 01:59 */
	assert_false(closed_at(f, utc(2026, 3, 29, 1, 0))); /* 03:00 */
	/* Ending at 02:30 on 2026-10-25: until the second 02:30. */
	m->valid_from = "2026-10-24T00:00";
	m->valid_to = "2026-10-25T02:30";
	assert_true(closed_at(f, utc(2026, 10, 25, 0, 30))); /* 02:30 CEST */
	/* Wall clock: 02:31-02:59 CEST are past 02:30, the repeated
	 * 02:00-02:30 CET are not (docs/router.md, "Time"). */
	assert_false(closed_at(f, utc(2026, 10, 25, 0, 45))); /* 02:45 CEST */
	assert_true(closed_at(f, utc(2026, 10, 25, 1, 0)));   /* 02:00 CET */
	assert_true(closed_at(f, utc(2026, 10, 25, 1, 30)));  /* 02:30 CET */
	assert_false(closed_at(f, utc(2026, 10, 25, 1, 31))); /* 02:31 CET */
}

static void utc_zone_and_unknown_time(void **state)
{
	struct fx *f = *state;

	office_hours(f);
	/* A tenant whose zone GLib did not know runs on UTC. */
	f->t.tz = NULL;
	assert_false(closed_at(f, utc(2026, 1, 14, 17, 30)));
	assert_true(closed_at(f, utc(2026, 1, 14, 18, 0)));
	/* A time outside GLib's years: never closed. */
	assert_false(closed_at(f, INT64_MAX));
	f->t.tz = f->tz;
}

/* ---- 3. welcome ---- */

static void welcome_before_ringing(void **state)
{
	struct fx *f = *state;

	msg(f, WELCOME);
	assert_string_equal(
		decide(f),
		"play the welcome message, then ring Fibra Principale for 20 "
		"s, then Mario (01) for 20 s, then Sara (02) for 20 s, then "
		"Laura Neri (05) for 20 s" TAILS_PLAIN);
	assert_string_equal(step(f, 0)->message, "welcome");
	/* Not when closed: the closed message instead. */
	office_hours(f);
	assert_true(closed_at(f, rome(f, 2026, 1, 14, 19, 0)));
	assert_int_equal(f->p.plan.n_steps, 2);
}

static void welcome_validity_borders(void **state)
{
	struct fx *f = *state;
	Ov__Admin__VoiceMessage *m = msg(f, WELCOME);

	m->valid_from = "2026-01-14T10:00";
	m->valid_to = "2026-01-20T18:30";
	decide_at(f, rome(f, 2026, 1, 14, 9, 59));
	assert_int_equal(step(f, 0)->kind, KIND_RING);
	decide_at(f, rome(f, 2026, 1, 14, 10, 0));
	assert_int_equal(step(f, 0)->kind, KIND_ANNOUNCE);
	decide_at(f, rome(f, 2026, 1, 20, 18, 30) + 59);
	assert_int_equal(step(f, 0)->kind, KIND_ANNOUNCE);
	decide_at(f, rome(f, 2026, 1, 20, 18, 31));
	assert_int_equal(step(f, 0)->kind, KIND_RING);
	m->enabled = false;
	decide_at(f, rome(f, 2026, 1, 15, 12, 0));
	assert_int_equal(step(f, 0)->kind, KIND_RING);
}

static void welcome_in_ranges_only(void **state)
{
	struct fx *f = *state;
	Ov__Admin__VoiceMessage *m = msg(f, WELCOME);

	range(f, m, WEEKDAYS, 9 * 60, 13 * 60);
	decide_at(f, rome(f, 2026, 1, 14, 12, 59));
	assert_int_equal(step(f, 0)->kind, KIND_ANNOUNCE);
	decide_at(f, rome(f, 2026, 1, 14, 13, 0));
	assert_int_equal(step(f, 0)->kind, KIND_RING);
	decide_at(f, rome(f, 2026, 1, 17, 10, 0));
	assert_int_equal(step(f, 0)->kind, KIND_RING);
	/* Holidays are the closed message's business, not the welcome's. */
	decide_at(f, rome(f, 2026, 4, 6, 10, 0));
	assert_int_equal(step(f, 0)->kind, KIND_ANNOUNCE);
}

/* ---- 4. ringing ---- */

static void sequential_targets(void **state)
{
	struct fx *f = *state;

	decide(f);
	assert_int_equal(f->p.plan.n_steps, 4);
	static const char *const who[] = {"Fibra Principale", "Mario (01)",
					  "Sara (02)", "Laura Neri (05)"};
	static const char *const owners[] = {"main", "u-mario", "u-sara",
					     "u-laura"};
	for (size_t i = 0; i < 4; i++) {
		const Ov__Router__Step *s = step(f, i);
		assert_int_equal(s->kind, KIND_RING);
		assert_string_equal(s->member, who[i]);
		assert_int_equal(s->timeout_s, 20);
		assert_int_equal(s->n_targets, 1);
		assert_string_equal(s->targets[0]->owner, owners[i]);
	}
	/* The main line: owner "main", its binding as the target. */
	const Ov__Router__Target *t = step(f, 0)->targets[0];
	assert_string_equal(t->uri, "sip:main-0@10.0.0.1:5060");
	assert_string_equal(t->dst, "sip:192.0.2.1:5060;transport=udp");
	assert_string_equal(t->path, "");
	assert_int_equal(f->p.plan.n_on_busy, 1);
	assert_int_equal(f->p.plan.n_on_no_answer, 1);
}

static void sequential_rings(void **state)
{
	struct fx *f = *state;
	static const char *const mario[] = {"u-mario", "u-sara"};

	members(f, mario, 2);
	f->ring.rings = 3;
	assert_string_equal(decide(f), "ring Mario (01) for 15 s, then Sara "
				       "(02) for 15 s" TAILS_PLAIN);
	f->ring.rings = 8;
	assert_string_equal(decide(f), "ring Mario (01) for 40 s, then Sara "
				       "(02) for 40 s" TAILS_PLAIN);
	f->ring.rings = 0; /* unset: the default 4 */
	assert_string_equal(decide(f), "ring Mario (01) for 20 s, then Sara "
				       "(02) for 20 s" TAILS_PLAIN);
}

static void sequential_ignores_no_answer_rings(void **state)
{
	struct fx *f = *state;
	static const char *const mario[] = {"u-mario", "u-sara"};
	Ov__Admin__VoiceMessage *m = msg(f, NO_ANSWER);

	/* The message plays after the whole sequence, whatever its
	 * rings: each member keeps the ringing's own count. */
	m->rings = 8;
	members(f, mario, 2);
	f->ring.rings = 3;
	assert_string_equal(decide(f), "ring Mario (01) for 15 s, then Sara "
				       "(02) for 15 s" TAILS_MESSAGE);
}

static void member_order_is_the_tenants(void **state)
{
	struct fx *f = *state;
	static const char *const order[] = {"u-laura", "main", "u-mario"};

	members(f, order, 3);
	assert_string_equal(decide(f), "ring Laura Neri (05) for 20 s, then "
				       "Fibra Principale for 20 s, then Mario "
				       "(01) for 20 s" TAILS_PLAIN);
}

static void simultaneous_one_step(void **state)
{
	struct fx *f = *state;

	f->ring.mode = OV__ADMIN__RINGING__MODE__SIMULTANEOUS;
	f->ring.rings = 8; /* sequential only: no effect */
	assert_string_equal(decide(f),
			    "ring Fibra Principale, Mario (01), Sara (02), "
			    "Laura Neri (05) at once for 20 s" TAILS_PLAIN);
	assert_int_equal(f->p.plan.n_steps, 1);
	const Ov__Router__Step *s = step(f, 0);
	assert_int_equal(s->n_targets, 4);
	assert_string_equal(s->targets[0]->owner, "main");
	assert_string_equal(s->targets[1]->owner, "u-mario");
	assert_string_equal(s->targets[2]->owner, "u-sara");
	assert_string_equal(s->targets[3]->owner, "u-laura");
	assert_string_equal(s->targets[3]->uri, "sip:u-laura-0@10.0.0.1:5060");
}

static void simultaneous_timeout_from_no_answer(void **state)
{
	struct fx *f = *state;
	static const char *const two[] = {"u-mario", "u-sara"};
	Ov__Admin__VoiceMessage *m = msg(f, NO_ANSWER);

	members(f, two, 2);
	f->ring.mode = OV__ADMIN__RINGING__MODE__SIMULTANEOUS;
	m->rings = 3;
	assert_string_equal(decide(f), "ring Mario (01), Sara (02) at once "
				       "for 15 s" TAILS_MESSAGE);
	m->rings = 8;
	decide(f);
	assert_int_equal(step(f, 0)->timeout_s, 40);
	m->rings = 0;
	decide(f);
	assert_int_equal(step(f, 0)->timeout_s, 20);
	/* Enabled but outside its validity: its rings still set when
	 * nobody answered; it just does not play. */
	m->rings = 6;
	m->valid_to = "2025-12-31T23:59";
	assert_string_equal(decide(f), "ring Mario (01), Sara (02) at once "
				       "for 30 s" TAILS_PLAIN);
	/* Disabled: the default 4 rings. */
	m->enabled = false;
	decide(f);
	assert_int_equal(step(f, 0)->timeout_s, 20);
}

static void mode_switch(void **state)
{
	struct fx *f = *state;
	static const char *const two[] = {"u-sara", "u-mario"};

	members(f, two, 2);
	assert_string_equal(decide(f), "ring Sara (02) for 20 s, then Mario "
				       "(01) for 20 s" TAILS_PLAIN);
	f->ring.mode = OV__ADMIN__RINGING__MODE__SIMULTANEOUS;
	assert_string_equal(decide(f), "ring Sara (02), Mario (01) at once "
				       "for 20 s" TAILS_PLAIN);
	f->ring.mode = OV__ADMIN__RINGING__MODE__SEQUENTIAL;
	assert_int_equal(f->p.plan.n_steps, 1);
	assert_string_equal(decide(f), "ring Sara (02) for 20 s, then Mario "
				       "(01) for 20 s" TAILS_PLAIN);
}

static void dnd_and_unbound_skipped(void **state)
{
	struct fx *f = *state;
	static const char *const all[] = {"main", "u-mario", "u-sara",
					  "u-laura", "u-admin"};

	members(f, all, 5);
	f->reaches[0].n_bindings = 0;		/* main: not registered */
	f->reaches[1].presence = "dnd";		/* Mario: do not disturb */
	f->reaches[2].presence = "away";	/* Sara: away still rings */
	f->reaches[3].owner = "u-someone-else"; /* Laura: not in the answer */
	assert_string_equal(decide(f), "ring Sara (02) for 20 s, then "
				       "Amministratore for 20 s" TAILS_PLAIN);
	f->ring.mode = OV__ADMIN__RINGING__MODE__SIMULTANEOUS;
	assert_string_equal(decide(f), "ring Sara (02), Amministratore at "
				       "once for 20 s" TAILS_PLAIN);
	assert_int_equal(step(f, 0)->n_targets, 2);
}

static void bindings_without_contact_ignored(void **state)
{
	struct fx *f = *state;
	static const char *const one[] = {"u-mario", "u-sara"};

	members(f, one, 2);
	f->bindings[1][0].contact = "";
	f->binding_ptrs[2][0] = NULL;
	f->reaches[2].n_bindings = 1;
	assert_string_equal(decide(f), "reject with 480 Temporarily "
				       "Unavailable");
}

static void two_bindings_two_targets(void **state)
{
	struct fx *f = *state;
	static const char *const one[] = {"u-mario"};

	members(f, one, 1);
	f->reach.n_reach = 0;
	Ov__Registrar__Reach *r = reach(f, "u-mario", "available", 2);
	f->bindings[0][1].path = "<sip:10.1.1.1;lr>";
	(void)r;
	assert_string_equal(decide(f), "ring Mario (01) on 2 devices for 20 "
				       "s" TAILS_PLAIN);
	const Ov__Router__Step *s = step(f, 0);
	assert_int_equal(s->n_targets, 2);
	assert_string_equal(s->targets[0]->uri, "sip:u-mario-0@10.0.0.1:5060");
	assert_string_equal(s->targets[1]->uri, "sip:u-mario-1@10.0.0.2:5060");
	assert_string_equal(s->targets[1]->dst,
			    "sip:192.0.2.2:5060;transport=udp");
	assert_string_equal(s->targets[0]->path, "");
	assert_string_equal(s->targets[1]->path, "<sip:10.1.1.1;lr>");
	assert_string_equal(s->targets[0]->owner, "u-mario");
	assert_string_equal(s->targets[1]->owner, "u-mario");
}

static void first_answer_of_an_owner_counts(void **state)
{
	struct fx *f = *state;
	static const char *const one[] = {"u-mario"};

	members(f, one, 1);
	f->reach.n_reach = 0;
	reach(f, "u-mario", "dnd", 1);
	reach(f, "u-mario", "available", 1);
	assert_string_equal(decide(f), "reject with 480 Temporarily "
				       "Unavailable");
}

static void member_names(void **state)
{
	struct fx *f = *state;
	static const char *const who[] = {"main", "u-mario", "u-admin"};

	members(f, who, 3);
	f->members[0].name = ""; /* the main line's own name, if unnamed */
	f->members[1].name = ""; /* a user without a name: its id */
	decide(f);
	assert_string_equal(step(f, 0)->member, "Fibra Principale");
	assert_string_equal(step(f, 1)->member, "u-mario (01)");
	assert_string_equal(step(f, 2)->member, "Amministratore");
	/* The main line never shows an extension. */
	f->members[0].extension = "09";
	decide(f);
	assert_string_equal(step(f, 0)->member, "Fibra Principale");
}

/* ---- 5. nobody reachable, busy, no answer ---- */

static void nobody_reachable(void **state)
{
	struct fx *f = *state;

	for (size_t i = 0; i < f->reach.n_reach; i++)
		f->reaches[i].presence = "dnd";
	assert_string_equal(decide(f), "reject with 480 Temporarily "
				       "Unavailable");
	assert_only_reject(f, 480, "Temporarily Unavailable");
	assert_tenant_fields(f);
	/* The no-answer message, when it plays now. */
	Ov__Admin__VoiceMessage *m = msg(f, NO_ANSWER);
	assert_string_equal(decide(f), "play the no-answer message, then "
				       "reject with 480 Temporarily "
				       "Unavailable");
	assert_int_equal(f->p.plan.n_on_busy, 0);
	m->valid_from = "2027-01-01T00:00";
	assert_string_equal(decide(f), "reject with 480 Temporarily "
				       "Unavailable");
	m->valid_from = "";
	/* The unreachable forward beats the message. */
	forward(f, FW_UNREACHABLE, "+393351234567");
	forward(f, FW_BUSY, "+393350000001");
	forward(f, FW_NO_ANSWER, "+393350000002");
	assert_string_equal(decide(f),
			    "forward to +393351234567 (unreachable)");
	assert_string_equal(step(f, 0)->diversion, "unavailable");
	assert_int_equal(f->p.plan.n_on_busy, 0);
	assert_int_equal(f->p.plan.n_on_no_answer, 0);
}

static void nobody_reachable_after_welcome(void **state)
{
	struct fx *f = *state;

	msg(f, WELCOME);
	forward(f, FW_UNREACHABLE, "+393351234567");
	f->reach.n_reach = 0;
	assert_string_equal(decide(f), "play the welcome message, then "
				       "forward to +393351234567 "
				       "(unreachable)");
}

static void registrar_unanswered(void **state)
{
	struct fx *f = *state;

	router_decide(&f->t, &f->call, NULL, WORKDAY(f), &f->p);
	assert_only_reject(f, 480, "Temporarily Unavailable");
	/* No members at all, or no ringing in the snapshot. */
	f->ring.n_members = 0;
	assert_string_equal(decide(f), "reject with 480 Temporarily "
				       "Unavailable");
	f->snap.ringing = NULL;
	assert_string_equal(decide(f), "reject with 480 Temporarily "
				       "Unavailable");
}

static void tails(void **state)
{
	struct fx *f = *state;
	static const char *const one[] = {"u-mario"};
	const char *ring = "ring Mario (01) for 20 s";
	char want[512];

	members(f, one, 1);
	assert_string_equal(decide(f), "ring Mario (01) for 20 s" TAILS_PLAIN);
	assert_int_equal(f->p.plan.on_busy[0]->code, 486);
	assert_string_equal(f->p.plan.on_busy[0]->reason, "Busy Here");
	assert_int_equal(f->p.plan.on_no_answer[0]->code, 480);
	Ov__Admin__VoiceMessage *m = msg(f, NO_ANSWER);
	assert_string_equal(decide(f),
			    "ring Mario (01) for 20 s" TAILS_MESSAGE);
	assert_string_equal(f->p.plan.on_busy[0]->message, "no_answer");
	assert_string_equal(f->p.plan.on_no_answer[0]->message, "no_answer");
	/* Forwards beat the message, each in its own branch. */
	forward(f, FW_BUSY, "+393351234567");
	snprintf(want, sizeof(want),
		 "%s; if all busy: forward to +393351234567 (busy); if no "
		 "answer: play the no-answer message, then reject with 480 "
		 "Temporarily Unavailable",
		 ring);
	assert_string_equal(decide(f), want);
	assert_string_equal(f->p.plan.on_busy[0]->diversion, "user-busy");
	assert_string_equal(f->p.plan.on_busy[0]->number, "+393351234567");
	forward(f, FW_NO_ANSWER, "+390298765432");
	snprintf(want, sizeof(want),
		 "%s; if all busy: forward to +393351234567 (busy); if no "
		 "answer: forward to +390298765432 (no answer)",
		 ring);
	assert_string_equal(decide(f), want);
	assert_string_equal(f->p.plan.on_no_answer[0]->diversion, "no-answer");
	/* The no-answer forward alone, no message. */
	m->enabled = false;
	f->fw[FW_BUSY].enabled = false;
	snprintf(want, sizeof(want),
		 "%s; if all busy: reject with 486 Busy Here; if no answer: "
		 "forward to +390298765432 (no answer)",
		 ring);
	assert_string_equal(decide(f), want);
	/* The unreachable forward is not a tail. */
	forward(f, FW_UNREACHABLE, "+393350000000");
	assert_string_equal(decide(f), want);
}

static void plan_outlives_its_inputs(void **state)
{
	struct fx *f = *state;
	char *contact = g_strdup("sip:mario@198.51.100.7:5060");
	char *owner = g_strdup("u-mario");
	char *name = g_strdup("Mario");
	char *tenant = g_strdup("t-1");
	char *from = g_strdup(CALLER);
	static const char *const one[] = {"u-mario"};

	members(f, one, 1);
	forward(f, FW_BUSY, "+393351234567");
	f->members[0].name = name;
	f->reaches[1].owner = owner;
	f->members[0].user_id = owner;
	f->bindings[1][0].contact = contact;
	f->snap.tenant_id = tenant;
	f->call.from_user = from;
	decide(f);
	/* The handler frees the answer and the table before packing. */
	memset(contact, 'x', strlen(contact));
	memset(name, 'x', strlen(name));
	memset(owner, 'x', strlen(owner));
	memset(tenant, 'x', strlen(tenant));
	memset(from, 'x', strlen(from));
	g_free(contact);
	g_free(owner);
	g_free(name);
	g_free(tenant);
	g_free(from);
	f->snap.tenant_id = "t-1";
	f->call.from_user = CALLER;
	f->members[0].name = "Mario";
	f->members[0].user_id = "u-mario";
	f->reaches[1].owner = "u-mario";
	f->bindings[1][0].contact = "gone";
	assert_string_equal(step(f, 0)->targets[0]->uri,
			    "sip:mario@198.51.100.7:5060");
	assert_string_equal(step(f, 0)->targets[0]->owner, "u-mario");
	assert_string_equal(step(f, 0)->member, "Mario (01)");
	assert_string_equal(f->p.plan.tenant_id, "t-1");
	assert_string_equal(f->p.plan.caller_user, CALLER);
	assert_string_equal(f->p.plan.on_busy[0]->number, "+393351234567");
	/* And it packs. */
	size_t n = ov__router__plan__get_packed_size(&f->p.plan);
	uint8_t *buf = g_malloc(n);
	assert_int_equal(ov__router__plan__pack(&f->p.plan, buf), n);
	Ov__Router__Plan *back = ov__router__plan__unpack(NULL, n, buf);
	assert_non_null(back);
	assert_string_equal(back->steps[0]->targets[0]->uri,
			    "sip:mario@198.51.100.7:5060");
	assert_int_equal(back->n_on_busy, 1);
	ov__router__plan__free_unpacked(back, NULL);
	g_free(buf);
}

/* Strings longer than the block's estimate go to more room. */
static void long_strings(void **state)
{
	struct fx *f = *state;
	char *contact = g_strnfill(3000, 'c');
	char *path = g_strnfill(5000, 'p');
	char *name = g_strnfill(700, 'n');
	char *from = g_strnfill(9000, '3');

	f->ring.mode = OV__ADMIN__RINGING__MODE__SIMULTANEOUS;
	for (size_t i = 0; i < f->reach.n_reach; i++) {
		f->bindings[i][0].contact = contact;
		f->bindings[i][0].path = path;
	}
	f->members[1].name = name;
	f->call.from_user = from;
	decide(f);
	assert_int_equal(f->p.plan.n_steps, 1);
	const Ov__Router__Step *s = step(f, 0);
	assert_int_equal(s->n_targets, 4);
	for (size_t i = 0; i < 4; i++) {
		assert_string_equal(s->targets[i]->uri, contact);
		assert_string_equal(s->targets[i]->path, path);
	}
	assert_string_equal(f->p.plan.caller_user, from);
	assert_int_equal(strlen(s->member),
			 strlen("Fibra Principale, ") + 700 +
				 strlen(" (01), Sara (02), Laura Neri (05)"));
	assert_int_equal(strncmp(s->member + 18, name, 700), 0);
	f->ring.mode = OV__ADMIN__RINGING__MODE__SEQUENTIAL;
	decide(f);
	assert_int_equal(f->p.plan.n_steps, 4);
	assert_int_equal(strlen(step(f, 1)->member), 705);
	assert_string_equal(step(f, 3)->targets[0]->path, path);
	g_free(contact);
	g_free(path);
	g_free(name);
	g_free(from);
}

/* Members repeated more often than admin allows cannot overrun the
 * plan: it becomes a 500. */
static void impossible_counts_are_500(void **state)
{
	struct fx *f = *state;
	static const char *const same[] = {"u-mario", "u-mario", "u-mario",
					   "u-mario", "u-mario", "u-mario"};

	members(f, same, 6);
	decide(f);
	assert_only_reject(f, 500, "Server Internal Error");
	/* Five times fits the five bindings of the answer. */
	members(f, same, 5);
	decide(f);
	assert_int_equal(f->p.plan.n_steps, 5);
}

/* A 99-user tenant, the answer in another order than the members: the
 * index is used and every member is found. */
static void large_tenant(void **state)
{
	struct fx *f = *state;
	char id[16], name[16], ext[12];

	f->snap.n_users = 0;
	f->ring.n_members = 0;
	f->reach.n_reach = 0;
	member(f, "main");
	for (unsigned i = 0; i < 99; i++) {
		snprintf(id, sizeof(id), "u-%02u", i);
		snprintf(name, sizeof(name), "User %02u", i);
		snprintf(ext, sizeof(ext), "%02u", i);
		user(f, id, name, name, ext);
		member(f, f->users[i].id);
	}
	for (size_t i = 99; i-- > 0;)
		reach(f, f->users[i].id, i % 10 == 3 ? "dnd" : "available",
		      i % 3);
	reach(f, "main", "available", 2);
	decide(f);
	/* Unbound: i % 3 == 0 (33 users); dnd and bound: i % 10 == 3
	 * and i % 3 != 0 (6 users: 13, 23, 43, 53, 73, 83). */
	size_t want = 1 + 99 - 33 - 6, targets = 0;
	assert_int_equal(f->p.plan.n_steps, want);
	assert_string_equal(step(f, 0)->member, "Fibra Principale");
	assert_int_equal(step(f, 0)->n_targets, 2);
	assert_string_equal(step(f, 1)->member, "User 01 (01)");
	assert_string_equal(step(f, 1)->targets[0]->owner, "u-01");
	for (size_t i = 0; i < want; i++)
		targets += step(f, i)->n_targets;
	f->ring.mode = OV__ADMIN__RINGING__MODE__SIMULTANEOUS;
	decide(f);
	assert_int_equal(f->p.plan.n_steps, 1);
	assert_int_equal(step(f, 0)->n_targets, targets);
	assert_int_equal(strncmp(step(f, 0)->member,
				 "Fibra Principale, User 01 (01), User 02 "
				 "(02), User 04 (04), ",
				 60),
			 0);
	size_t len = strlen(step(f, 0)->member);
	assert_string_equal(step(f, 0)->member + len - 12, "User 98 (98)");
}

/* ---- calls from devices ---- */

static void internal_call(void **state)
{
	struct fx *f = *state;

	device(f, "u-mario", "02");
	f->ring.rings = 3;
	assert_string_equal(decide(f), "ring Sara (02) for 15 s" TAILS_PLAIN);
	assert_tenant_fields(f);
	assert_string_equal(f->p.plan.caller_display, "mario");
	assert_string_equal(f->p.plan.caller_user, "01");
	assert_string_equal(step(f, 0)->targets[0]->owner, "u-sara");
	/* Internal calls skip the fixed number's rules. */
	msg(f, WELCOME);
	msg(f, CLOSED);
	forward(f, FW_UNCONDITIONAL, "+393351234567");
	forward(f, FW_BUSY, "+393351234567");
	f->ring.rings = 0;
	assert_string_equal(decide(f), "ring Sara (02) for 20 s" TAILS_PLAIN);
	/* Simultaneous mode keeps the ringing's rings for extensions. */
	f->ring.mode = OV__ADMIN__RINGING__MODE__SIMULTANEOUS;
	f->ring.rings = 5;
	decide(f);
	assert_int_equal(step(f, 0)->timeout_s, 25);
}

static void internal_display_seed(void **state)
{
	struct fx *f = *state;

	/* The seed: a call from extension 05, "Laura". */
	device(f, "u-laura", "01");
	assert_string_equal(decide(f), "ring Mario (01) for 20 s" TAILS_PLAIN);
	assert_string_equal(f->p.plan.caller_display, "Laura");
	assert_string_equal(f->p.plan.caller_user, "05");
	/* The main line: its name and the fixed number. */
	device(f, "main", "05");
	assert_string_equal(decide(f),
			    "ring Laura Neri (05) for 20 s" TAILS_PLAIN);
	assert_string_equal(f->p.plan.caller_display, "Fibra Principale");
	assert_string_equal(f->p.plan.caller_user, "0612345678");
	/* A user without an extension shows the fixed number. */
	device(f, "u-admin", "05");
	decide(f);
	assert_string_equal(f->p.plan.caller_display, "Amministratore");
	assert_string_equal(f->p.plan.caller_user, "0612345678");
}

static void internal_failures(void **state)
{
	struct fx *f = *state;

	device(f, "u-mario", "09");
	decide(f);
	assert_only_reject(f, 404, "Not Found");
	assert_tenant_fields(f);
	assert_string_equal(f->p.plan.caller_display, "mario");
	/* "00" is nobody: the main line has no extension. */
	device(f, "u-mario", "00");
	decide(f);
	assert_only_reject(f, 404, "Not Found");
	device(f, "u-mario", "01");
	decide(f);
	assert_only_reject(f, 486, "Busy Here");
	device(f, "u-mario", "02");
	f->reaches[2].presence = "dnd";
	decide(f);
	assert_only_reject(f, 480, "Temporarily Unavailable");
	f->reaches[2].presence = "away";
	assert_string_equal(decide(f), "ring Sara (02) for 20 s" TAILS_PLAIN);
	f->reaches[2].n_bindings = 0;
	decide(f);
	assert_only_reject(f, 480, "Temporarily Unavailable");
	router_plan_free(&f->p);
	router_decide(&f->t, &f->call, NULL, WORKDAY(f), &f->p);
	assert_only_reject(f, 480, "Temporarily Unavailable");
}

static void internal_two_devices(void **state)
{
	struct fx *f = *state;

	f->reach.n_reach = 0;
	reach(f, "u-laura", "available", 3);
	device(f, "u-mario", "05");
	assert_string_equal(decide(f), "ring Laura Neri (05) on 3 devices for "
				       "20 s" TAILS_PLAIN);
}

static void device_without_tenant_or_owner(void **state)
{
	struct fx *f = *state;

	device(f, "u-mario", "3351234567");
	router_decide(NULL, &f->call, NULL, WORKDAY(f), &f->p);
	assert_only_reject(f, 403, "Forbidden");
	assert_string_equal(f->p.plan.tenant_id, "");
	/* An owner the snapshot does not know (a removed user). */
	device(f, "u-gone", "3351234567");
	decide(f);
	assert_only_reject(f, 403, "Forbidden");
	assert_tenant_fields(f);
	device(f, "u-gone", "02");
	decide(f);
	assert_only_reject(f, 403, "Forbidden");
	device(f, "", "02");
	decide(f);
	assert_only_reject(f, 403, "Forbidden");
	/* ... may still call for help. */
	device(f, "u-gone", "112");
	assert_string_equal(decide(f), "call 112");
	device(f, "u-mario", "");
	decide(f);
	assert_only_reject(f, 484, "Address Incomplete");
}

/* A suspended tenant: calls to its number find it temporarily
 * unavailable; its phones reach nobody but emergency numbers. */
static void suspended_tenant(void **state)
{
	struct fx *f = *state;

	f->snap.state = OV__ADMIN__SNAPSHOT__STATE__SUSPENDED;
	decide(f);
	assert_only_reject(f, 480, "Temporarily Unavailable");
	assert_tenant_fields(f);
	static const char *const refused[] = {"02", "3351234567", NUMBER};
	for (size_t i = 0; i < 3; i++) {
		device(f, "u-mario", refused[i]);
		decide(f);
		assert_only_reject(f, 403, "Forbidden");
	}
	device(f, "u-mario", "112");
	assert_string_equal(decide(f), "call 112");
	f->snap.state = OV__ADMIN__SNAPSHOT__STATE__ACTIVE;
	device(f, "u-mario", "02");
	decide(f);
	assert_int_equal(step(f, 0)->kind, KIND_RING);
}

/* A deleted tenant (the table no longer finds its number; its devices'
 * credentials are gone, but a call already authenticated may arrive). */
static void deleted_tenant_devices_refused(void **state)
{
	struct fx *f = *state;

	f->snap.state = OV__ADMIN__SNAPSHOT__STATE__DELETED;
	device(f, "u-mario", "112");
	decide(f);
	assert_only_reject(f, 403, "Forbidden");
}

static void outgoing_mobile_and_landline(void **state)
{
	struct fx *f = *state;
	static const struct {
		const char *dialled, *e164;
	} rows[] = {
		{"3351234567", "+393351234567"},
		{"+393351234567", "+393351234567"},
		{"00393351234567", "+393351234567"},
		{"0298765432", "+390298765432"},
		{"+390298765432", "+390298765432"},
		{"00390298765432", "+390298765432"},
		{"800123456", "+39800123456"},
	};

	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		device(f, "u-sara", rows[i].dialled);
		decide(f);
		assert_int_equal(f->p.plan.n_steps, 1);
		assert_int_equal(step(f, 0)->kind, KIND_EXTERNAL);
		assert_string_equal(step(f, 0)->number, rows[i].e164);
		assert_string_equal(step(f, 0)->diversion, "");
		assert_string_equal(f->p.plan.caller_id, NUMBER);
		assert_tenant_fields(f);
		assert_int_equal(f->p.plan.n_on_busy, 0);
	}
	device(f, "main", "3351234567");
	assert_string_equal(decide(f), "call +393351234567");
	assert_string_equal(f->p.plan.caller_id, NUMBER);
}

static void outgoing_emergency_always(void **state)
{
	struct fx *f = *state;
	static const char *const rows[] = {"112",    "113",   "115",  "118",
					   "1515",   "1530",  "1522", "114",
					   "116117", "+39112"};

	f->snap.allow_premium = false;
	f->snap.allow_international = false;
	forward(f, FW_UNCONDITIONAL, "+393351234567");
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		device(f, "main", rows[i]);
		decide(f);
		assert_int_equal(step(f, 0)->kind, KIND_EXTERNAL);
		assert_string_equal(step(f, 0)->number,
				    rows[i][0] == '+' ? rows[i] + 3 : rows[i]);
	}
}

static void outgoing_premium(void **state)
{
	struct fx *f = *state;

	device(f, "u-mario", "899123456");
	decide(f);
	assert_only_reject(f, 403, "Forbidden");
	device(f, "u-mario", "1254");
	decide(f);
	assert_only_reject(f, 403, "Forbidden");
	f->snap.allow_premium = true;
	device(f, "u-mario", "899123456");
	assert_string_equal(decide(f), "call +39899123456");
	device(f, "u-mario", "1254");
	assert_string_equal(decide(f), "call 1254");
	/* A foreign premium number needs international too. */
	device(f, "u-mario", "+979123456789");
	decide(f);
	assert_only_reject(f, 403, "Forbidden");
	f->snap.allow_international = true;
	assert_string_equal(decide(f), "call +979123456789");
	f->snap.allow_premium = false;
	decide(f);
	assert_only_reject(f, 403, "Forbidden");
}

static void outgoing_international(void **state)
{
	struct fx *f = *state;

	device(f, "u-mario", "+441234567890");
	decide(f);
	assert_only_reject(f, 403, "Forbidden");
	f->snap.allow_premium = true;
	decide(f);
	assert_only_reject(f, 403, "Forbidden");
	f->snap.allow_international = true;
	assert_string_equal(decide(f), "call +441234567890");
	device(f, "u-mario", "00441234567890");
	assert_string_equal(decide(f), "call +441234567890");
}

static void outgoing_invalid(void **state)
{
	struct fx *f = *state;
	static const char *const rows[] = {
		"1",   "123", "612345678", "01234",
		"+39", "abc", "*31#0612",  "+0123456789"};

	f->snap.allow_international = true;
	f->snap.allow_premium = true;
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		device(f, "u-mario", rows[i]);
		decide(f);
		if (strcmp(rows[i], "123") == 0) {
			/* 123 is a (premium) service code, not invalid. */
			assert_string_equal(f->words, "call 123");
			continue;
		}
		assert_only_reject(f, 484, "Address Incomplete");
	}
}

static void device_calls_own_number(void **state)
{
	struct fx *f = *state;
	static const char *const forms[] = {"0612345678", "+390612345678",
					    "00390612345678"};

	msg(f, WELCOME);
	for (size_t i = 0; i < 3; i++) {
		device(f, "u-mario", forms[i]);
		/* Like a call from outside, without ringing Mario. */
		assert_string_equal(
			decide(f),
			"play the welcome message, then ring Fibra Principale "
			"for 20 s, then Sara (02) for 20 s, then Laura Neri "
			"(05) for 20 s" TAILS_PLAIN);
		assert_string_equal(f->p.plan.caller_display, "mario");
		assert_string_equal(f->p.plan.caller_user, "01");
		assert_tenant_fields(f);
	}
	/* The main line calling its own number rings everyone else. */
	device(f, "main", "0612345678");
	f->ring.mode = OV__ADMIN__RINGING__MODE__SIMULTANEOUS;
	assert_string_equal(decide(f), "play the welcome message, then ring "
				       "Mario (01), Sara (02), Laura Neri "
				       "(05) at once for 20 s" TAILS_PLAIN);
	assert_string_equal(f->p.plan.caller_display, "Fibra Principale");
	/* Alone in the list: the unreachable rules. */
	static const char *const alone[] = {"u-mario"};
	members(f, alone, 1);
	device(f, "u-mario", "0612345678");
	forward(f, FW_UNREACHABLE, "+393351234567");
	assert_string_equal(decide(f), "play the welcome message, then "
				       "forward to +393351234567 "
				       "(unreachable)");
	/* Closed applies too. */
	office_hours(f);
	assert_string_equal(decide_at(f, rome(f, 2026, 1, 17, 10, 0)),
			    "play the closed message, then reject with 480 "
			    "Temporarily Unavailable");
}

#define T(name) cmocka_unit_test_setup_teardown(name, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(trunk_no_tenant_is_404),
		T(trunk_empty_number_is_484),
		T(no_call_is_400),
		T(trunk_plan_fields),
		T(unconditional_beats_everything),
		T(unconditional_needs_enabled_and_number),
		T(closed_by_hours_borders),
		T(closed_message_disabled_never_closes),
		T(closed_range_across_midnight),
		T(closed_at_midnight),
		T(closed_on_holidays),
		T(closed_hours_only_within_validity),
		T(closed_period_borders),
		T(closed_period_open_ends),
		T(dst_opening_hour_in_utc),
		T(dst_spring_range_in_the_gap),
		T(dst_autumn_range_twice),
		T(dst_closure_ends_in_the_gap),
		T(utc_zone_and_unknown_time),
		T(welcome_before_ringing),
		T(welcome_validity_borders),
		T(welcome_in_ranges_only),
		T(sequential_targets),
		T(sequential_rings),
		T(sequential_ignores_no_answer_rings),
		T(member_order_is_the_tenants),
		T(simultaneous_one_step),
		T(simultaneous_timeout_from_no_answer),
		T(mode_switch),
		T(dnd_and_unbound_skipped),
		T(bindings_without_contact_ignored),
		T(two_bindings_two_targets),
		T(first_answer_of_an_owner_counts),
		T(member_names),
		T(nobody_reachable),
		T(nobody_reachable_after_welcome),
		T(registrar_unanswered),
		T(tails),
		T(plan_outlives_its_inputs),
		T(long_strings),
		T(impossible_counts_are_500),
		T(large_tenant),
		T(internal_call),
		T(internal_display_seed),
		T(internal_failures),
		T(internal_two_devices),
		T(device_without_tenant_or_owner),
		T(outgoing_mobile_and_landline),
		T(outgoing_emergency_always),
		T(suspended_tenant),
		T(deleted_tenant_devices_refused),
		T(outgoing_premium),
		T(outgoing_international),
		T(outgoing_invalid),
		T(device_calls_own_number),
	};
	return cmocka_run_group_tests_name("router_plan", tests, NULL, NULL);
}

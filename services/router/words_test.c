/* Plans in words, built by hand so that words are tested alone. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "plan.h"

#define MAX_STEPS 8
#define MAX_TARGETS 8

struct fx {
	Ov__Router__Plan plan;
	Ov__Router__Step steps[3 * MAX_STEPS];
	Ov__Router__Step *main[MAX_STEPS], *busy[MAX_STEPS], *noans[MAX_STEPS];
	size_t n_steps;
	Ov__Router__Target targets[MAX_TARGETS];
	Ov__Router__Target *target_ptrs[MAX_TARGETS];
	size_t n_targets;
	char buf[512];
};

enum list {
	MAIN,
	BUSY,
	NOANS
};

static int setup(void **state)
{
	struct fx *f = calloc(1, sizeof(*f));

	if (!f)
		return -1;
	ov__router__plan__init(&f->plan);
	f->plan.steps = f->main;
	f->plan.on_busy = f->busy;
	f->plan.on_no_answer = f->noans;
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	free(*state);
	return 0;
}

/* An empty plan again. */
static void reset(struct fx *f)
{
	f->plan.n_steps = f->plan.n_on_busy = f->plan.n_on_no_answer = 0;
	f->n_steps = f->n_targets = 0;
}

static Ov__Router__Step *add(struct fx *f, enum list l)
{
	Ov__Router__Step *s = &f->steps[f->n_steps++];

	ov__router__step__init(s);
	if (l == MAIN)
		f->main[f->plan.n_steps++] = s;
	else if (l == BUSY)
		f->busy[f->plan.n_on_busy++] = s;
	else
		f->noans[f->plan.n_on_no_answer++] = s;
	return s;
}

static void announce(struct fx *f, enum list l, const char *m)
{
	Ov__Router__Step *s = add(f, l);

	s->kind = OV__ROUTER__STEP__KIND__ANNOUNCE;
	s->message = (char *)m;
}

static void reject(struct fx *f, enum list l, uint32_t code, const char *reason)
{
	Ov__Router__Step *s = add(f, l);

	s->kind = OV__ROUTER__STEP__KIND__REJECT;
	s->code = code;
	s->reason = (char *)reason;
}

static void external(struct fx *f, enum list l, const char *number,
		     const char *diversion)
{
	Ov__Router__Step *s = add(f, l);

	s->kind = OV__ROUTER__STEP__KIND__EXTERNAL;
	s->number = (char *)number;
	s->diversion = (char *)diversion;
}

/* A RING step; owners: one per target. */
static void ring(struct fx *f, const char *member, uint32_t timeout_s,
		 const char *const *owners, size_t n)
{
	Ov__Router__Step *s = add(f, MAIN);

	s->kind = OV__ROUTER__STEP__KIND__RING;
	s->member = (char *)member;
	s->timeout_s = timeout_s;
	s->targets = f->target_ptrs + f->n_targets;
	for (size_t i = 0; i < n; i++) {
		Ov__Router__Target *t = &f->targets[f->n_targets];
		ov__router__target__init(t);
		t->uri = "sip:x@192.0.2.1";
		t->owner = (char *)owners[i];
		f->target_ptrs[f->n_targets++] = t;
		s->n_targets++;
	}
}

static const char *words(struct fx *f)
{
	size_t n = router_plan_words(&f->plan, f->buf, sizeof(f->buf));

	assert_int_equal(n, strlen(f->buf));
	return f->buf;
}

static const char *const one[] = {"u1"};

static void sequential_with_tails(void **state)
{
	struct fx *f = *state;
	static const char *const sara[] = {"u2"};

	announce(f, MAIN, "welcome");
	ring(f, "Mario (01)", 20, one, 1);
	ring(f, "Sara (02)", 20, sara, 1);
	external(f, BUSY, "+393351234567", "user-busy");
	announce(f, NOANS, "no_answer");
	reject(f, NOANS, 480, "Temporarily Unavailable");
	assert_string_equal(
		words(f),
		"play the welcome message, then ring Mario (01) for 20 s, "
		"then Sara (02) for 20 s; if all busy: forward to "
		"+393351234567 (busy); if no answer: play the no-answer "
		"message, then reject with 480 Temporarily Unavailable");
}

static void simultaneous_and_devices(void **state)
{
	struct fx *f = *state;
	static const char *const owners[] = {"main", "u1", "u1"};
	static const char *const twice[] = {"u1", "u1"};

	ring(f, "Fibra Principale, Mario (01)", 30, owners, 3);
	reject(f, BUSY, 486, "Busy Here");
	reject(f, NOANS, 480, "Temporarily Unavailable");
	assert_string_equal(words(f),
			    "ring Fibra Principale, Mario (01) at once for "
			    "30 s; if all busy: reject with 486 Busy Here; if "
			    "no answer: reject with 480 Temporarily "
			    "Unavailable");
	reset(f);
	ring(f, "Mario (01)", 15, twice, 2);
	external(f, NOANS, "+390298765432", "no-answer");
	assert_string_equal(words(f),
			    "ring Mario (01) on 2 devices for 15 s; if no "
			    "answer: forward to +390298765432 (no answer)");
}

static void forwards_and_ends(void **state)
{
	struct fx *f = *state;

	external(f, MAIN, "+393351234567", "unconditional");
	assert_string_equal(words(f),
			    "forward to +393351234567 (unconditional)");
	reset(f);
	external(f, MAIN, "+393351234567", "unavailable");
	assert_string_equal(words(f), "forward to +393351234567 (unreachable)");
	reset(f);
	external(f, MAIN, "+393351234567", "");
	assert_string_equal(words(f), "call +393351234567");
	reset(f);
	external(f, MAIN, "+393351234567", "deflection");
	assert_string_equal(words(f), "forward to +393351234567 (deflection)");
	reset(f);
	announce(f, MAIN, "closed");
	reject(f, MAIN, 480, "Temporarily Unavailable");
	assert_string_equal(words(f), "play the closed message, then reject "
				      "with 480 Temporarily Unavailable");
	reset(f);
	reject(f, MAIN, 404, "");
	assert_string_equal(words(f), "reject with 404");
	reset(f);
	assert_string_equal(words(f), "nothing");
	assert_int_equal(router_plan_words(NULL, f->buf, sizeof(f->buf)),
			 strlen("no plan"));
	assert_string_equal(f->buf, "no plan");
}

static void odd_steps(void **state)
{
	struct fx *f = *state;
	Ov__Router__Step *s;

	ring(f, "", 20, NULL, 0);
	s = add(f, MAIN);
	s->kind = (Ov__Router__Step__Kind)42;
	announce(f, MAIN, "");
	assert_string_equal(words(f),
			    "ring nobody for 20 s, then step of unknown kind "
			    "42, then play the (unnamed) message");
}

/* snprintf semantics: the length needed, the text cut to fit. */
static void truncation(void **state)
{
	struct fx *f = *state;
	const char *full = "play the welcome message, then ring Mario (01) "
			   "for 20 s";
	char small[16];

	announce(f, MAIN, "welcome");
	ring(f, "Mario (01)", 20, one, 1);
	assert_int_equal(router_plan_words(&f->plan, NULL, 0), strlen(full));
	memset(small, 'x', sizeof(small));
	assert_int_equal(router_plan_words(&f->plan, small, sizeof(small)),
			 strlen(full));
	assert_string_equal(small, "play the welcom");
	memset(small, 'x', sizeof(small));
	assert_int_equal(router_plan_words(&f->plan, small, 1), strlen(full));
	assert_string_equal(small, "");
	assert_int_equal(small[1], 'x');
	/* Exactly enough room. */
	char exact[64];
	assert_true(strlen(full) < sizeof(exact));
	assert_int_equal(router_plan_words(&f->plan, exact, strlen(full) + 1),
			 strlen(full));
	assert_string_equal(exact, full);
	assert_int_equal(router_plan_words(&f->plan, exact, strlen(full)),
			 strlen(full));
	assert_int_equal(strlen(exact), strlen(full) - 1);
}

static const char *words_it(struct fx *f)
{
	size_t n = router_plan_words_lang(&f->plan, ROUTER_WORDS_IT, f->buf,
					  sizeof(f->buf));

	assert_int_equal(n, strlen(f->buf));
	return f->buf;
}

static void italian(void **state)
{
	struct fx *f = *state;
	static const char *const sara[] = {"u2"};
	static const char *const owners[] = {"main", "u1"};
	static const char *const twice[] = {"u1", "u1"};

	announce(f, MAIN, "welcome");
	ring(f, "Mario (01)", 20, one, 1);
	ring(f, "Sara (02)", 20, sara, 1);
	external(f, BUSY, "+393351234567", "user-busy");
	announce(f, NOANS, "no_answer");
	reject(f, NOANS, 480, "Temporarily Unavailable");
	assert_string_equal(
		words_it(f),
		"riproduci il messaggio di benvenuto, poi fai squillare "
		"Mario (01) per 20 s, poi Sara (02) per 20 s; se tutti "
		"occupati: inoltra a +393351234567 (occupato); se nessuno "
		"risponde: riproduci il messaggio di libero non risponde, poi "
		"rifiuta con 480 Temporarily Unavailable");
	reset(f);
	ring(f, "Fibra Principale, Mario (01)", 30, owners, 2);
	ring(f, "Mario (01)", 15, twice, 2);
	external(f, NOANS, "+390298765432", "no-answer");
	assert_string_equal(words_it(f),
			    "fai squillare Fibra Principale, Mario (01) "
			    "insieme per 30 s, poi Mario (01) su 2 "
			    "dispositivi per 15 s; se nessuno risponde: "
			    "inoltra a +390298765432 (nessuna risposta)");
	reset(f);
	external(f, MAIN, "+393351234567", "unconditional");
	assert_string_equal(words_it(f),
			    "inoltra a +393351234567 (incondizionato)");
	reset(f);
	external(f, MAIN, "+393351234567", "unavailable");
	assert_string_equal(words_it(f),
			    "inoltra a +393351234567 (non raggiungibile)");
	reset(f);
	external(f, MAIN, "+393351234567", "");
	assert_string_equal(words_it(f), "chiama +393351234567");
	reset(f);
	announce(f, MAIN, "closed");
	reject(f, MAIN, 404, "");
	assert_string_equal(words_it(f), "riproduci il messaggio di azienda "
					 "chiusa, poi rifiuta con 404");
	reset(f);
	ring(f, "", 20, NULL, 0);
	Ov__Router__Step *s = add(f, MAIN);
	s->kind = (Ov__Router__Step__Kind)42;
	announce(f, MAIN, "");
	assert_string_equal(words_it(f),
			    "fai squillare nessuno per 20 s, poi passo di "
			    "tipo sconosciuto 42, poi riproduci il messaggio "
			    "(senza nome)");
	reset(f);
	assert_string_equal(words_it(f), "niente");
	assert_int_equal(router_plan_words_lang(NULL, ROUTER_WORDS_IT, f->buf,
						sizeof(f->buf)),
			 strlen("nessun piano"));
	assert_string_equal(f->buf, "nessun piano");
}

/* A step alone reads as it does within its list. */
static void one_step(void **state)
{
	struct fx *f = *state;
	static const char *const sara[] = {"u2"};
	char b[64];

	announce(f, MAIN, "welcome");
	ring(f, "Mario (01)", 20, one, 1);
	ring(f, "Sara (02)", 20, sara, 1);
	Ov__Router__Step **v = f->plan.steps;
	assert_int_equal(
		router_step_words(v[0], NULL, ROUTER_WORDS_EN, b, sizeof(b)),
		strlen("play the welcome message"));
	assert_string_equal(b, "play the welcome message");
	router_step_words(v[1], v[0], ROUTER_WORDS_EN, b, sizeof(b));
	assert_string_equal(b, "ring Mario (01) for 20 s");
	router_step_words(v[2], v[1], ROUTER_WORDS_EN, b, sizeof(b));
	assert_string_equal(b, "Sara (02) for 20 s");
	router_step_words(v[2], v[1], ROUTER_WORDS_IT, b, sizeof(b));
	assert_string_equal(b, "Sara (02) per 20 s");
	router_step_words(v[2], NULL, ROUTER_WORDS_IT, b, sizeof(b));
	assert_string_equal(b, "fai squillare Sara (02) per 20 s");
	assert_int_equal(
		router_step_words(NULL, NULL, ROUTER_WORDS_IT, b, sizeof(b)),
		0);
	assert_string_equal(b, "");
	memset(b, 'x', sizeof(b));
	assert_int_equal(router_step_words(v[0], NULL, ROUTER_WORDS_IT, b, 5),
			 strlen("riproduci il messaggio di benvenuto"));
	assert_string_equal(b, "ripr");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(sequential_with_tails, setup,
						teardown),
		cmocka_unit_test_setup_teardown(simultaneous_and_devices, setup,
						teardown),
		cmocka_unit_test_setup_teardown(forwards_and_ends, setup,
						teardown),
		cmocka_unit_test_setup_teardown(odd_steps, setup, teardown),
		cmocka_unit_test_setup_teardown(truncation, setup, teardown),
		cmocka_unit_test_setup_teardown(italian, setup, teardown),
		cmocka_unit_test_setup_teardown(one_step, setup, teardown),
	};
	return cmocka_run_group_tests_name("router_words", tests, NULL, NULL);
}

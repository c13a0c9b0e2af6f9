/*
 * A plan in words, for `ovctl simulate` and logs: "play the welcome
 * message, then ring Mario (01) for 20 s, then Sara (02) for 20 s; if
 * all busy: forward to +393351234567 (busy); if no answer: play the
 * no-answer message, then reject with 480 Temporarily Unavailable".
 */
#include "plan.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

/* snprintf into buf, counting what it would need past the end. */
struct sink {
	char *buf;
	size_t len;
	size_t need;
};

__attribute__((format(printf, 2, 3))) static void put(struct sink *s,
						      const char *fmt, ...)
{
	size_t room = s->need < s->len ? s->len - s->need : 0;
	va_list ap;

	va_start(ap, fmt);
	int n = vsnprintf(room ? s->buf + s->need : NULL, room, fmt, ap);
	va_end(ap);
	if (n > 0)
		s->need += (size_t)n;
}

static const char *str(const char *s, const char *dflt)
{
	return s && s[0] ? s : dflt;
}

static const char *message_name(const char *m)
{
	if (m && strcmp(m, "no_answer") == 0)
		return "no-answer";
	return str(m, "(unnamed)");
}

static const char *diversion_name(const char *d)
{
	static const struct {
		const char *wire, *words;
	} names[] = {
		{"unconditional", "unconditional"},
		{"user-busy", "busy"},
		{"no-answer", "no answer"},
		{"unavailable", "unreachable"},
	};

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (strcmp(d, names[i].wire) == 0)
			return names[i].words;
	return d;
}

/* Whether the targets of a RING step belong to more than one member. */
static bool several_owners(const Ov__Router__Step *st)
{
	for (size_t i = 1; i < st->n_targets; i++)
		if (strcmp(str(st->targets[i]->owner, ""),
			   str(st->targets[0]->owner, "")) != 0)
			return true;
	return false;
}

static void ring(struct sink *s, const Ov__Router__Step *st, bool again)
{
	const char *who = str(st->member, "nobody");

	if (!again)
		put(s, "ring ");
	if (several_owners(st))
		put(s, "%s at once", who);
	else if (st->n_targets > 1)
		put(s, "%s on %zu devices", who, st->n_targets);
	else
		put(s, "%s", who);
	put(s, " for %u s", st->timeout_s);
}

static void step(struct sink *s, const Ov__Router__Step *st,
		 const Ov__Router__Step *prev)
{
	switch (st->kind) {
	case OV__ROUTER__STEP__KIND__ANNOUNCE:
		put(s, "play the %s message", message_name(st->message));
		break;
	case OV__ROUTER__STEP__KIND__RING:
		ring(s, st, prev && prev->kind == OV__ROUTER__STEP__KIND__RING);
		break;
	case OV__ROUTER__STEP__KIND__EXTERNAL:
		if (st->diversion && st->diversion[0])
			put(s, "forward to %s (%s)", str(st->number, "?"),
			    diversion_name(st->diversion));
		else
			put(s, "call %s", str(st->number, "?"));
		break;
	case OV__ROUTER__STEP__KIND__REJECT:
		if (st->reason && st->reason[0])
			put(s, "reject with %u %s", st->code, st->reason);
		else
			put(s, "reject with %u", st->code);
		break;
	default:
		put(s, "step of unknown kind %d", (int)st->kind);
		break;
	}
}

static void steps(struct sink *s, Ov__Router__Step *const *v, size_t n)
{
	if (!n) {
		put(s, "nothing");
		return;
	}
	for (size_t i = 0; i < n; i++) {
		if (i)
			put(s, ", then ");
		step(s, v[i], i ? v[i - 1] : NULL);
	}
}

size_t router_plan_words(const Ov__Router__Plan *p, char *buf, size_t len)
{
	struct sink s = {buf, buf ? len : 0, 0};

	if (s.len)
		buf[0] = '\0';
	if (!p) {
		put(&s, "no plan");
		return s.need;
	}
	steps(&s, p->steps, p->n_steps);
	if (p->n_on_busy) {
		put(&s, "; if all busy: ");
		steps(&s, p->on_busy, p->n_on_busy);
	}
	if (p->n_on_no_answer) {
		put(&s, "; if no answer: ");
		steps(&s, p->on_no_answer, p->n_on_no_answer);
	}
	return s.need;
}

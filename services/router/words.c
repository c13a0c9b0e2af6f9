/*
 * A plan in words, for `ovctl simulate` and logs: "play the welcome
 * message, then ring Mario (01) for 20 s, then Sara (02) for 20 s; if
 * all busy: forward to +393351234567 (busy); if no answer: play the
 * no-answer message, then reject with 480 Temporarily Unavailable".
 * The same in Italian for the app's "try it" (admin POST /v1/simulate):
 * "riproduci il messaggio di benvenuto, poi fai squillare Mario (01)
 * per 20 s, poi Sara (02) per 20 s; se tutti occupati: ...".
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

/* Every phrase, by language (enum router_lang): the words around
 * each value, so that every format stays a literal. */
static const struct phrases {
	const char *unnamed, *nobody, *nothing, *no_plan, *then, *if_busy,
		*if_no_answer;
	const char *play, *play_end; /* around the message's name */
	const char *ring;	     /* before the first member */
	const char *at_once;	     /* after the members */
	const char *on, *devices;    /* around the number of devices */
	const char *for_s;	     /* before the seconds */
	const char *forward, *call, *reject, *unknown;
	const char *msg_closed, *msg_welcome, *msg_no_answer;
	const char *div_unconditional, *div_busy, *div_no_answer,
		*div_unreachable;
} words_of[] = {
	[ROUTER_WORDS_EN] = {"(unnamed)",
			     "nobody",
			     "nothing",
			     "no plan",
			     ", then ",
			     "; if all busy: ",
			     "; if no answer: ",
			     "play the ",
			     " message",
			     "ring ",
			     " at once",
			     " on ",
			     " devices",
			     " for ",
			     "forward to ",
			     "call ",
			     "reject with ",
			     "step of unknown kind ",
			     "closed",
			     "welcome",
			     "no-answer",
			     "unconditional",
			     "busy",
			     "no answer",
			     "unreachable"},
	[ROUTER_WORDS_IT] = {"(senza nome)",
			     "nessuno",
			     "niente",
			     "nessun piano",
			     ", poi ",
			     "; se tutti occupati: ",
			     "; se nessuno risponde: ",
			     "riproduci il messaggio ",
			     "",
			     "fai squillare ",
			     " insieme",
			     " su ",
			     " dispositivi",
			     " per ",
			     "inoltra a ",
			     "chiama ",
			     "rifiuta con ",
			     "passo di tipo sconosciuto ",
			     "di azienda chiusa",
			     "di benvenuto",
			     "di libero non risponde",
			     "incondizionato",
			     "occupato",
			     "nessuna risposta",
			     "non raggiungibile"},
};

static const char *str(const char *s, const char *dflt)
{
	return s && s[0] ? s : dflt;
}

static const char *message_name(const struct phrases *w, const char *m)
{
	if (m && strcmp(m, "no_answer") == 0)
		return w->msg_no_answer;
	if (m && strcmp(m, "welcome") == 0)
		return w->msg_welcome;
	if (m && strcmp(m, "closed") == 0)
		return w->msg_closed;
	return str(m, w->unnamed);
}

static const char *diversion_name(const struct phrases *w, const char *d)
{
	if (strcmp(d, "unconditional") == 0)
		return w->div_unconditional;
	if (strcmp(d, "user-busy") == 0)
		return w->div_busy;
	if (strcmp(d, "no-answer") == 0)
		return w->div_no_answer;
	if (strcmp(d, "unavailable") == 0)
		return w->div_unreachable;
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

static void ring(struct sink *s, const struct phrases *w,
		 const Ov__Router__Step *st, bool again)
{
	const char *who = str(st->member, w->nobody);

	if (!again)
		put(s, "%s", w->ring);
	if (several_owners(st))
		put(s, "%s%s", who, w->at_once);
	else if (st->n_targets > 1)
		put(s, "%s%s%zu%s", who, w->on, st->n_targets, w->devices);
	else
		put(s, "%s", who);
	put(s, "%s%u s", w->for_s, st->timeout_s);
}

static void step(struct sink *s, const struct phrases *w,
		 const Ov__Router__Step *st, const Ov__Router__Step *prev)
{
	switch (st->kind) {
	case OV__ROUTER__STEP__KIND__ANNOUNCE:
		put(s, "%s%s%s", w->play, message_name(w, st->message),
		    w->play_end);
		break;
	case OV__ROUTER__STEP__KIND__RING:
		ring(s, w, st,
		     prev && prev->kind == OV__ROUTER__STEP__KIND__RING);
		break;
	case OV__ROUTER__STEP__KIND__EXTERNAL:
		if (st->diversion && st->diversion[0])
			put(s, "%s%s (%s)", w->forward, str(st->number, "?"),
			    diversion_name(w, st->diversion));
		else
			put(s, "%s%s", w->call, str(st->number, "?"));
		break;
	case OV__ROUTER__STEP__KIND__REJECT:
		if (st->reason && st->reason[0])
			put(s, "%s%u %s", w->reject, st->code, st->reason);
		else
			put(s, "%s%u", w->reject, st->code);
		break;
	default:
		put(s, "%s%d", w->unknown, (int)st->kind);
		break;
	}
}

static void steps(struct sink *s, const struct phrases *w,
		  Ov__Router__Step *const *v, size_t n)
{
	if (!n) {
		put(s, "%s", w->nothing);
		return;
	}
	for (size_t i = 0; i < n; i++) {
		if (i)
			put(s, "%s", w->then);
		step(s, w, v[i], i ? v[i - 1] : NULL);
	}
}

static const struct phrases *phrases_of(enum router_lang lang)
{
	return lang == ROUTER_WORDS_IT ? &words_of[ROUTER_WORDS_IT]
				       : &words_of[ROUTER_WORDS_EN];
}

size_t router_plan_words_lang(const Ov__Router__Plan *p, enum router_lang lang,
			      char *buf, size_t len)
{
	const struct phrases *w = phrases_of(lang);
	struct sink s = {buf, buf ? len : 0, 0};

	if (s.len)
		buf[0] = '\0';
	if (!p) {
		put(&s, "%s", w->no_plan);
		return s.need;
	}
	steps(&s, w, p->steps, p->n_steps);
	if (p->n_on_busy) {
		put(&s, "%s", w->if_busy);
		steps(&s, w, p->on_busy, p->n_on_busy);
	}
	if (p->n_on_no_answer) {
		put(&s, "%s", w->if_no_answer);
		steps(&s, w, p->on_no_answer, p->n_on_no_answer);
	}
	return s.need;
}

size_t router_plan_words(const Ov__Router__Plan *p, char *buf, size_t len)
{
	return router_plan_words_lang(p, ROUTER_WORDS_EN, buf, len);
}

size_t router_step_words(const Ov__Router__Step *st,
			 const Ov__Router__Step *prev, enum router_lang lang,
			 char *buf, size_t len)
{
	struct sink s = {buf, buf ? len : 0, 0};

	if (s.len)
		buf[0] = '\0';
	if (st)
		step(&s, phrases_of(lang), st, prev);
	return s.need;
}

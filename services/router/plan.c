/*
 * router_decide(): what happens to a call, as a plan Kamailio runs. Pure:
 * the inputs are the tenant's applied snapshot, the call, who is
 * reachable and the time. The rules, in DESIGN.md's order, and every
 * choice at their edges are in docs/router.md.
 *
 * A plan lives in one block sized from counts known before anything is
 * written (steps, targets, the index of the registrar's answer) plus an
 * estimate of its strings; more string room, rarely needed, is chained
 * to the block. Deciding costs one malloc and no quadratic work,
 * whatever the size of the tenant.
 */
#include "plan.h"

#include <stdalign.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#define OWNER_MAIN "main"
#define MAIN_LINE_NAME "Fibra Principale"
#define DISPLAY_EXTERNAL "telefono virtuale"
#define RINGS_DEFAULT 4
/* Up to this many owners in the registrar's answer, search it in turn;
 * past it, index it by owner. */
#define SMALL_REACH 8
/* A tail (on_busy, on_no_answer) has at most an announce and an end. */
#define TAIL_MAX 2
/* String room of a block: a target's contact, received and path, a
 * member's label and owner, the rest; past it, chunks of STR_CHUNK. */
#define STR_BASE 256
#define STR_TARGET 160
#define STR_MEMBER 64
#define STR_CHUNK 4096

#define R_FORBIDDEN "Forbidden"
#define R_NOT_FOUND "Not Found"
#define R_UNAVAILABLE "Temporarily Unavailable"
#define R_INCOMPLETE "Address Incomplete"
#define R_BUSY "Busy Here"
#define R_INTERNAL "Server Internal Error"

enum list {
	MAIN,
	BUSY,
	NO_ANSWER
};

/* More string room, chained to the block. */
struct chunk {
	struct chunk *next;
	char data[];
};

/* The start of every block behind a plan. */
struct head {
	struct chunk *more;
};

/* What a plan needs, counted before it is built. */
struct need {
	size_t steps;	/* main steps; tails come on top */
	size_t targets; /* RING targets, all steps together */
	size_t slots;	/* owner index slots: 0 or a power of two */
	size_t members; /* ringing members (a simultaneous ring's list) */
	size_t str;	/* string room to start with */
};

/* A plan being built in its block. */
struct build {
	Ov__Router__Plan *plan;
	struct head *head;
	Ov__Router__Step *pool;
	size_t n_pool, cap_pool, cap_main;
	Ov__Router__Target *targets;
	Ov__Router__Target **target_ptrs;
	size_t n_targets, cap_targets;
	const Ov__Registrar__Reach **slots;
	size_t n_slots;
	size_t *rung; /* members[] indexes of a simultaneous ring */
	const Ov__Registrar__ContactsReply *reach;
	char *str;
	size_t n_str, cap_str;
	bool failed; /* out of memory, or a count was wrong: answer 500 */
};

/* How a device caller is shown, and who not to ring (yourself). */
struct who {
	const char *owner;
	const char *display;
	const char *user;
};

static char empty[] = "";

static const char *nz(const char *s)
{
	return s ? s : "";
}

static size_t up(size_t n)
{
	const size_t a = alignof(max_align_t);
	return (n + a - 1) & ~(a - 1);
}

/* ---- the block ---- */

static bool open_plan(struct build *b, struct router_plan *out,
		      const struct need *nd)
{
	size_t pool = nd->steps + 2 * (size_t)TAIL_MAX;
	size_t size = up(sizeof(struct head)) +
		      up(pool * sizeof(Ov__Router__Step)) +
		      up(pool * sizeof(Ov__Router__Step *)) +
		      up(nd->targets * sizeof(Ov__Router__Target)) +
		      up(nd->targets * sizeof(Ov__Router__Target *)) +
		      up(nd->slots * sizeof(Ov__Registrar__Reach *)) +
		      up(nd->members * sizeof(size_t)) + nd->str;
	char *m = malloc(size);

	b->plan = &out->plan;
	if (!m) {
		b->failed = true;
		return false;
	}
	out->mem = m;
	b->head = (void *)m;
	b->head->more = NULL;
	m += up(sizeof(struct head));
	b->pool = (void *)m;
	b->cap_pool = pool;
	b->cap_main = nd->steps;
	m += up(pool * sizeof(Ov__Router__Step));
	out->plan.steps = (void *)m;
	out->plan.on_busy = out->plan.steps + nd->steps;
	out->plan.on_no_answer = out->plan.on_busy + TAIL_MAX;
	m += up(pool * sizeof(Ov__Router__Step *));
	b->targets = (void *)m;
	b->cap_targets = nd->targets;
	m += up(nd->targets * sizeof(Ov__Router__Target));
	b->target_ptrs = (void *)m;
	m += up(nd->targets * sizeof(Ov__Router__Target *));
	b->slots = (void *)m;
	b->n_slots = nd->slots;
	memset(b->slots, 0, nd->slots * sizeof(*b->slots));
	m += up(nd->slots * sizeof(Ov__Registrar__Reach *));
	b->rung = (void *)m;
	m += up(nd->members * sizeof(size_t));
	b->str = m;
	b->cap_str = nd->str;
	return true;
}

/* Out of memory: a plan of one REJECT 500 if even that fits, else an
 * empty plan (for the handler to answer with a 500 of its own). */
static void out_of_memory(struct router_plan *out)
{
	struct {
		struct head head;
		Ov__Router__Step step;
		Ov__Router__Step *ptr;
	} *m = malloc(sizeof(*m));

	ov__router__plan__init(&out->plan);
	out->mem = m;
	if (!m)
		return;
	m->head.more = NULL;
	ov__router__step__init(&m->step);
	m->step.code = 500;
	m->step.reason = (char *)R_INTERNAL;
	m->ptr = &m->step;
	out->plan.steps = &m->ptr;
	out->plan.n_steps = 1;
}

/* String room for at least n more bytes. */
static bool more(struct build *b, size_t n)
{
	size_t cap = n > STR_CHUNK ? n : STR_CHUNK;
	struct chunk *c = malloc(sizeof(*c) + cap);

	if (!c) {
		b->failed = true;
		return false;
	}
	c->next = b->head->more;
	b->head->more = c;
	b->str = c->data;
	b->n_str = 0;
	b->cap_str = cap;
	return true;
}

static char *take_str(struct build *b, size_t n)
{
	if (n > b->cap_str - b->n_str && !more(b, n))
		return NULL;
	char *s = b->str + b->n_str;
	b->n_str += n;
	return s;
}

/* A copy of s in the block. */
static char *copy(struct build *b, const char *s)
{
	if (!s || !s[0])
		return empty;
	size_t n = strlen(s) + 1;
	char *d = take_str(b, n);
	if (!d)
		return empty;
	memcpy(d, s, n);
	return d;
}

static Ov__Router__Step *add(struct build *b, enum list l)
{
	Ov__Router__Plan *p = b->plan;
	Ov__Router__Step **v = p->steps;
	size_t *n = &p->n_steps, cap = b->cap_main;

	if (l == BUSY) {
		v = p->on_busy;
		n = &p->n_on_busy;
		cap = TAIL_MAX;
	} else if (l == NO_ANSWER) {
		v = p->on_no_answer;
		n = &p->n_on_no_answer;
		cap = TAIL_MAX;
	}
	if (*n >= cap || b->n_pool >= b->cap_pool) {
		b->failed = true;
		return NULL;
	}
	Ov__Router__Step *s = &b->pool[b->n_pool++];
	ov__router__step__init(s);
	v[(*n)++] = s;
	return s;
}

static void reject(struct build *b, enum list l, uint32_t code,
		   const char *reason)
{
	Ov__Router__Step *s = add(b, l);

	if (!s)
		return;
	s->kind = OV__ROUTER__STEP__KIND__REJECT;
	s->code = code;
	s->reason = (char *)reason;
}

static void announce(struct build *b, enum list l, const char *message)
{
	Ov__Router__Step *s = add(b, l);

	if (!s)
		return;
	s->kind = OV__ROUTER__STEP__KIND__ANNOUNCE;
	s->message = (char *)message;
}

static void external(struct build *b, enum list l, const char *number,
		     const char *diversion)
{
	Ov__Router__Step *s = add(b, l);

	if (!s)
		return;
	s->kind = OV__ROUTER__STEP__KIND__EXTERNAL;
	s->number = copy(b, number);
	s->diversion = (char *)diversion;
}

/* ---- the snapshot ---- */

static void tenant_fields(struct build *b, const Ov__Admin__Snapshot *s)
{
	b->plan->tenant_id = copy(b, s->tenant_id);
	b->plan->version = s->version;
	b->plan->max_calls = s->max_calls;
	b->plan->caller_id = copy(b, s->number);
}

static const Ov__Admin__VoiceMessage *
message(const Ov__Admin__Snapshot *s, Ov__Admin__VoiceMessage__Kind kind)
{
	for (size_t i = 0; i < s->n_messages; i++)
		if (s->messages[i] && s->messages[i]->kind == kind)
			return s->messages[i];
	return NULL;
}

static bool forward_set(const Ov__Admin__Forward *f)
{
	return f && f->enabled && f->number && f->number[0];
}

static const Ov__Admin__User *user_by_id(const Ov__Admin__Snapshot *s,
					 const char *id)
{
	if (!id[0])
		return NULL;
	for (size_t i = 0; i < s->n_users; i++)
		if (s->users[i] && strcmp(nz(s->users[i]->id), id) == 0)
			return s->users[i];
	return NULL;
}

static const Ov__Admin__User *user_by_ext(const Ov__Admin__Snapshot *s,
					  const char *ext)
{
	for (size_t i = 0; i < s->n_users; i++)
		if (s->users[i] && strcmp(nz(s->users[i]->extension), ext) == 0)
			return s->users[i];
	return NULL;
}

/* The fixed number as dialled in Italy: "+390612345678" -> "0612345678". */
static const char *national(const char *e164)
{
	return strncmp(nz(e164), "+39", 3) == 0 ? e164 + 3 : nz(e164);
}

static uint32_t ring_s(uint32_t rings)
{
	return (rings ? rings : RINGS_DEFAULT) * ROUTER_RING_S;
}

/* A ringing member: its owner on the registrar and how it is named
 * (ln, le: the lengths of name and ext, once label_len() ran). */
struct member {
	const char *owner, *name, *ext;
	size_t ln, le;
};

static struct member member_of(const Ov__Admin__Member *m)
{
	struct member r = {nz(m->user_id), nz(m->name), nz(m->extension), 0, 0};

	if (m->kind == OV__ADMIN__MEMBER__KIND__MAIN_LINE) {
		r.owner = OWNER_MAIN;
		r.ext = "";
		if (!r.name[0])
			r.name = MAIN_LINE_NAME;
	} else if (!r.name[0]) {
		r.name = r.owner;
	}
	return r;
}

/* Bytes of "Name (ext)" without its NUL. */
static size_t label_len(struct member *m)
{
	m->ln = strlen(m->name);
	m->le = strlen(m->ext);
	return m->ln + (m->le ? m->le + 3 : 0);
}

/* "Name (ext)", or "Name" without extension, at dst (room for
 * label_len() bytes, which must have run); returns the end. */
static char *label_at(char *dst, const struct member *m)
{
	memcpy(dst, m->name, m->ln);
	dst += m->ln;
	if (m->le) {
		*dst++ = ' ';
		*dst++ = '(';
		memcpy(dst, m->ext, m->le);
		dst += m->le;
		*dst++ = ')';
	}
	return dst;
}

static char *label(struct build *b, struct member *m)
{
	char *d = take_str(b, label_len(m) + 1);

	if (!d)
		return empty;
	*label_at(d, m) = '\0';
	return d;
}

/* ---- the registrar's answer ---- */

/* Owners are UUIDs (or "main"): their length and first and last eight
 * bytes, mixed, tell them apart. */
static size_t hash(const char *s)
{
	size_t n = strlen(s);
	uint64_t a = 0, z = 0, h;

	if (n >= 8) {
		memcpy(&a, s, 8);
		memcpy(&z, s + n - 8, 8);
	} else {
		memcpy(&a, s, n);
	}
	h = a * 0x9e3779b97f4a7c15u ^ (z + n) * 0xc2b2ae3d27d4eb4fu;
	h ^= h >> 29;
	h *= 0xbf58476d1ce4e5b9u;
	h ^= h >> 32;
	return (size_t)h;
}

static void index_reach(struct build *b)
{
	const Ov__Registrar__ContactsReply *r = b->reach;
	size_t mask = b->n_slots - 1;

	if (!r || !b->n_slots)
		return;
	for (size_t i = 0; i < r->n_reach; i++) {
		const Ov__Registrar__Reach *e = r->reach[i];
		if (!e || !e->owner)
			continue;
		size_t k = hash(e->owner) & mask;
		/* The first entry of an owner wins, as in a search. */
		while (b->slots[k] && strcmp(b->slots[k]->owner, e->owner) != 0)
			k = (k + 1) & mask;
		if (!b->slots[k])
			b->slots[k] = e;
	}
}

static const Ov__Registrar__Reach *find_reach(const struct build *b,
					      const char *owner)
{
	const Ov__Registrar__ContactsReply *r = b->reach;

	if (!r || !owner[0])
		return NULL;
	if (!b->n_slots) {
		for (size_t i = 0; i < r->n_reach; i++)
			if (r->reach[i] && r->reach[i]->owner &&
			    strcmp(r->reach[i]->owner, owner) == 0)
				return r->reach[i];
		return NULL;
	}
	size_t mask = b->n_slots - 1, k = hash(owner) & mask;
	while (b->slots[k]) {
		if (strcmp(b->slots[k]->owner, owner) == 0)
			return b->slots[k];
		k = (k + 1) & mask;
	}
	return NULL;
}

static bool bound(const Ov__Registrar__Binding *x)
{
	return x && x->contact && x->contact[0];
}

/* Rings: not on do-not-disturb ("away" rings) and a binding to ring. */
static bool reachable(const Ov__Registrar__Reach *r)
{
	if (!r || (r->presence && strcmp(r->presence, "dnd") == 0))
		return false;
	for (size_t i = 0; i < r->n_bindings; i++)
		if (bound(r->bindings[i]))
			return true;
	return false;
}

/* Targets the answer may bring into a plan, and their string room. */
static void reach_need(const Ov__Registrar__ContactsReply *r, struct need *nd)
{
	if (!r)
		return;
	for (size_t i = 0; i < r->n_reach; i++)
		if (r->reach[i])
			nd->targets += r->reach[i]->n_bindings;
	nd->str += nd->targets * STR_TARGET;
}

/* Appends r's bindings to s's targets (contiguous in the block). */
static void add_targets(struct build *b, Ov__Router__Step *s,
			const Ov__Registrar__Reach *r)
{
	char *owner = copy(b, r->owner);

	if (!s->n_targets)
		s->targets = b->target_ptrs + b->n_targets;
	for (size_t i = 0; i < r->n_bindings; i++) {
		const Ov__Registrar__Binding *x = r->bindings[i];
		if (!bound(x))
			continue;
		if (b->n_targets >= b->cap_targets) {
			b->failed = true;
			return;
		}
		Ov__Router__Target *t = &b->targets[b->n_targets];
		ov__router__target__init(t);
		t->uri = copy(b, x->contact);
		t->dst = copy(b, x->received);
		t->path = copy(b, x->path);
		t->owner = owner;
		b->target_ptrs[b->n_targets++] = t;
		s->n_targets++;
	}
}

/* ---- a call to the fixed number ---- */

/* Sequential: one RING step per reachable member, in order. */
static size_t ring_in_turn(struct build *b, const Ov__Admin__Ringing *rg,
			   const char *skip)
{
	size_t n = 0;

	for (size_t i = 0; i < rg->n_members; i++) {
		if (!rg->members[i])
			continue;
		struct member m = member_of(rg->members[i]);
		if (skip && strcmp(m.owner, skip) == 0)
			continue;
		const Ov__Registrar__Reach *r = find_reach(b, m.owner);
		if (!reachable(r))
			continue;
		Ov__Router__Step *s = add(b, MAIN);
		if (!s)
			break;
		s->kind = OV__ROUTER__STEP__KIND__RING;
		s->timeout_s = ring_s(rg->rings);
		s->member = label(b, &m);
		add_targets(b, s, r);
		n++;
	}
	return n;
}

/* Simultaneous: one RING step with every reachable member's targets,
 * named by their labels joined with ", ". */
static size_t ring_together(struct build *b, const Ov__Admin__Ringing *rg,
			    const char *skip, uint32_t timeout_s)
{
	Ov__Router__Step *s = NULL;
	size_t n = 0, len = 0;

	for (size_t i = 0; i < rg->n_members; i++) {
		if (!rg->members[i])
			continue;
		struct member m = member_of(rg->members[i]);
		if (skip && strcmp(m.owner, skip) == 0)
			continue;
		const Ov__Registrar__Reach *r = find_reach(b, m.owner);
		if (!reachable(r))
			continue;
		if (!s && !(s = add(b, MAIN)))
			return 0;
		add_targets(b, s, r);
		len += (n ? 2 : 0) + label_len(&m);
		b->rung[n++] = i;
	}
	if (!s)
		return 0;
	s->kind = OV__ROUTER__STEP__KIND__RING;
	s->timeout_s = timeout_s;
	char *d = take_str(b, len + 1);
	if (!d)
		return n;
	s->member = d;
	for (size_t k = 0; k < n; k++) {
		struct member m = member_of(rg->members[b->rung[k]]);
		label_len(&m);
		if (k) {
			*d++ = ',';
			*d++ = ' ';
		}
		d = label_at(d, &m);
	}
	*d = '\0';
	return n;
}

/* After ringing: a forward if set, else the no-answer message (if it
 * plays now) and the final code. */
static void tail(struct build *b, enum list l, const Ov__Admin__Forward *f,
		 const char *diversion, bool message_on, uint32_t code,
		 const char *reason)
{
	if (forward_set(f)) {
		external(b, l, f->number, diversion);
		return;
	}
	if (message_on)
		announce(b, l, "no_answer");
	reject(b, l, code, reason);
}

/* A call to t's fixed number: from the trunk, or from one of t's
 * devices (`from` set: shown as that device, never rung itself). */
static void fixed_number(struct build *b, const struct router_tenant *t,
			 const Ov__Router__RouteRequest *call,
			 const Ov__Registrar__ContactsReply *reach, int64_t now,
			 const struct who *from, struct router_plan *out)
{
	const Ov__Admin__Snapshot *s = t->snap;
	const Ov__Admin__Ringing *rg = s->ringing;
	const Ov__Admin__Forwarding *fw = s->forwarding;
	const Ov__Admin__Forward *uncond = fw ? fw->unconditional : NULL;
	size_t nm = rg ? rg->n_members : 0;
	struct need nd = {.steps = nm + 4, .members = nm};
	struct router_local lt;

	nd.str = STR_BASE + nm * STR_MEMBER;
	reach_need(reach, &nd);
	if (reach && reach->n_reach > SMALL_REACH) {
		nd.slots = 16;
		while (nd.slots < 2 * reach->n_reach)
			nd.slots <<= 1;
	}
	if (!open_plan(b, out, &nd))
		return;
	b->reach = reach;
	tenant_fields(b, s);
	b->plan->caller_display =
		from ? copy(b, from->display) : (char *)DISPLAY_EXTERNAL;
	b->plan->caller_user = copy(b, from ? from->user : call->from_user);

	/* 1. Unconditional forward. */
	if (forward_set(uncond)) {
		external(b, MAIN, uncond->number, "unconditional");
		return;
	}
	const struct router_local *ltp =
		router_local_time(t->tz, now, &lt) ? &lt : NULL;
	/* 2. Closed. */
	if (router_closed_now(
		    message(s, OV__ADMIN__VOICE_MESSAGE__KIND__CLOSED), ltp)) {
		announce(b, MAIN, "closed");
		reject(b, MAIN, 480, R_UNAVAILABLE);
		return;
	}
	/* 3. Welcome. */
	if (router_message_active(
		    message(s, OV__ADMIN__VOICE_MESSAGE__KIND__WELCOME), ltp))
		announce(b, MAIN, "welcome");
	/* 4. Ringing. */
	const Ov__Admin__VoiceMessage *na =
		message(s, OV__ADMIN__VOICE_MESSAGE__KIND__NO_ANSWER);
	bool na_on = router_message_active(na, ltp);
	const char *skip = from ? from->owner : NULL;
	size_t rung = 0;
	index_reach(b);
	if (rg && rg->mode == OV__ADMIN__RINGING__MODE__SIMULTANEOUS)
		rung = ring_together(b, rg, skip,
				     ring_s(na && na->enabled ? na->rings : 0));
	else if (rg)
		rung = ring_in_turn(b, rg, skip);
	/* 5. Nobody to ring, busy, no answer. */
	if (!rung) {
		tail(b, MAIN, fw ? fw->unreachable : NULL, "unavailable", na_on,
		     480, R_UNAVAILABLE);
		return;
	}
	tail(b, BUSY, fw ? fw->busy : NULL, "user-busy", na_on, 486, R_BUSY);
	tail(b, NO_ANSWER, fw ? fw->no_answer : NULL, "no-answer", na_on, 480,
	     R_UNAVAILABLE);
}

/* ---- a call from a device ---- */

/* A plan of one main step, its tenant and caller filled when known. */
static bool open_small(struct build *b, struct router_plan *out,
		       const Ov__Admin__Snapshot *s, const struct who *c)
{
	struct need nd = {.steps = 1, .str = STR_BASE};

	if (!open_plan(b, out, &nd))
		return false;
	if (s)
		tenant_fields(b, s);
	if (c) {
		b->plan->caller_display = copy(b, c->display);
		b->plan->caller_user = copy(b, c->user);
	}
	return true;
}

static void reject_only(struct build *b, struct router_plan *out,
			const Ov__Admin__Snapshot *s, const struct who *c,
			uint32_t code, const char *reason)
{
	if (open_small(b, out, s, c))
		reject(b, MAIN, code, reason);
}

static bool two_digits(const char *s)
{
	return s[0] >= '0' && s[0] <= '9' && s[1] >= '0' && s[1] <= '9' &&
	       !s[2];
}

/* An internal call: the user with extension `ext`. */
static void internal(struct build *b, const struct router_tenant *t,
		     const char *ext, const Ov__Registrar__ContactsReply *reach,
		     const struct who *c, struct router_plan *out)
{
	const Ov__Admin__Snapshot *s = t->snap;
	const Ov__Admin__User *callee = user_by_ext(s, ext);
	const Ov__Registrar__Reach *r = NULL;
	struct need nd = {.steps = 1, .str = STR_BASE + STR_MEMBER};

	b->reach = reach;
	if (callee && (r = find_reach(b, nz(callee->id))))
		nd.targets = r->n_bindings;
	nd.str += nd.targets * STR_TARGET;
	if (!open_plan(b, out, &nd))
		return;
	tenant_fields(b, s);
	b->plan->caller_display = copy(b, c->display);
	b->plan->caller_user = copy(b, c->user);
	if (!callee) {
		reject(b, MAIN, 404, R_NOT_FOUND);
		return;
	}
	if (strcmp(nz(callee->id), c->owner) == 0) {
		reject(b, MAIN, 486, R_BUSY);
		return;
	}
	if (!reachable(r)) {
		reject(b, MAIN, 480, R_UNAVAILABLE);
		return;
	}
	Ov__Router__Step *st = add(b, MAIN);
	if (!st)
		return;
	struct member m = {nz(callee->id), nz(callee->name),
			   nz(callee->extension), 0, 0};
	st->kind = OV__ROUTER__STEP__KIND__RING;
	st->timeout_s = ring_s(s->ringing ? s->ringing->rings : 0);
	st->member = label(b, &m);
	add_targets(b, st, r);
	reject(b, BUSY, 486, R_BUSY);
	reject(b, NO_ANSWER, 480, R_UNAVAILABLE);
}

/* Whether the tenant lets its devices call dest (e164 as classified). */
static bool allowed(const Ov__Admin__Snapshot *s, enum router_dest dest,
		    const char *e164)
{
	switch (dest) {
	case ROUTER_DEST_EMERGENCY:
	case ROUTER_DEST_MOBILE:
	case ROUTER_DEST_LANDLINE:
	case ROUTER_DEST_TOLLFREE:
		return true;
	case ROUTER_DEST_INTERNATIONAL:
		return s->allow_international;
	case ROUTER_DEST_PREMIUM:
		/* A foreign premium number is international too. */
		return s->allow_premium &&
		       (e164[0] != '+' || strncmp(e164, "+39", 3) == 0 ||
			s->allow_international);
	default:
		return false;
	}
}

static void device(struct build *b, const struct router_tenant *t,
		   const Ov__Router__RouteRequest *call,
		   const Ov__Registrar__ContactsReply *reach, int64_t now,
		   struct router_plan *out)
{
	if (!t || !t->snap ||
	    t->snap->state == OV__ADMIN__SNAPSHOT__STATE__DELETED) {
		reject_only(b, out, NULL, NULL, 403, R_FORBIDDEN);
		return;
	}
	const Ov__Admin__Snapshot *s = t->snap;
	const char *to = nz(call->to_user);
	struct who c = {nz(call->owner), "", ""};
	bool is_main = strcmp(c.owner, OWNER_MAIN) == 0;
	const Ov__Admin__User *me = is_main ? NULL : user_by_id(s, c.owner);
	bool known = is_main || me;
	char e164[ROUTER_E164_MAX];

	if (is_main) {
		c.display = MAIN_LINE_NAME;
		c.user = national(s->number);
	} else if (me) {
		c.display = nz(me->username);
		c.user = me->extension && me->extension[0]
				 ? me->extension
				 : national(s->number);
	}
	if (!to[0]) {
		reject_only(b, out, s, &c, 484, R_INCOMPLETE);
		return;
	}
	if (two_digits(to)) {
		if (known && s->state != OV__ADMIN__SNAPSHOT__STATE__SUSPENDED)
			internal(b, t, to, reach, &c, out);
		else
			reject_only(b, out, s, &c, 403, R_FORBIDDEN);
		return;
	}
	enum router_dest dest = router_classify(to, e164, sizeof(e164));
	/* Suspended: emergency numbers only (EU law: 112 works without
	 * credit too). */
	if (dest != ROUTER_DEST_EMERGENCY &&
	    (!known || s->state == OV__ADMIN__SNAPSHOT__STATE__SUSPENDED)) {
		reject_only(b, out, s, &c, 403, R_FORBIDDEN);
		return;
	}
	if (dest != ROUTER_DEST_INVALID && strcmp(e164, nz(s->number)) == 0) {
		fixed_number(b, t, call, reach, now, &c, out);
		return;
	}
	if (dest == ROUTER_DEST_INVALID) {
		reject_only(b, out, s, &c, 484, R_INCOMPLETE);
		return;
	}
	if (!allowed(s, dest, e164)) {
		reject_only(b, out, s, &c, 403, R_FORBIDDEN);
		return;
	}
	if (open_small(b, out, s, &c))
		external(b, MAIN, e164, "");
}

static void decide(struct build *b, const struct router_tenant *t,
		   const Ov__Router__RouteRequest *call,
		   const Ov__Registrar__ContactsReply *reach, int64_t now,
		   struct router_plan *out)
{
	if (!call) {
		reject_only(b, out, NULL, NULL, 400, "Bad Request");
		return;
	}
	if (call->origin == OV__ROUTER__ROUTE_REQUEST__ORIGIN__DEVICE) {
		device(b, t, call, reach, now, out);
		return;
	}
	if (!nz(call->to_user)[0]) {
		reject_only(b, out, t ? t->snap : NULL, NULL, 484,
			    R_INCOMPLETE);
		return;
	}
	if (!t || !t->snap) {
		reject_only(b, out, NULL, NULL, 404, R_NOT_FOUND);
		return;
	}
	if (t->snap->state == OV__ADMIN__SNAPSHOT__STATE__SUSPENDED) {
		reject_only(b, out, t->snap, NULL, 480, R_UNAVAILABLE);
		return;
	}
	fixed_number(b, t, call, reach, now, NULL, out);
}

void router_decide(const struct router_tenant *t,
		   const Ov__Router__RouteRequest *call,
		   const Ov__Registrar__ContactsReply *reach, int64_t now,
		   struct router_plan *out)
{
	struct build b;

	memset(&b, 0, sizeof(b));
	ov__router__plan__init(&out->plan);
	out->mem = NULL;
	decide(&b, t, call, reach, now, out);
	if (b.failed) {
		router_plan_free(out);
		out_of_memory(out);
	}
}

void router_plan_free(struct router_plan *p)
{
	if (!p)
		return;
	struct head *h = p->mem;
	if (h) {
		struct chunk *c = h->more;
		while (c) {
			struct chunk *next = c->next;
			free(c);
			c = next;
		}
		free(h);
	}
	p->mem = NULL;
	ov__router__plan__init(&p->plan);
}

#include "versions.h"

#include <glib.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct tenant {
	/* Newest first; n used. */
	Ov__Admin__Snapshot *v[IVR_VERSIONS_KEPT];
	size_t n;
};

/* tenant id (owned) -> struct tenant; GLib's table sizes itself. */
static struct {
	pthread_mutex_t lock;
	GHashTable *t;
} tb = {.lock = PTHREAD_MUTEX_INITIALIZER};

static void tenant_free(gpointer p)
{
	struct tenant *t = p;

	for (size_t i = 0; i < t->n; i++)
		ov__admin__snapshot__free_unpacked(t->v[i], NULL);
	g_free(t);
}

/* Under tb.lock. */
static struct tenant *find(const char *id)
{
	return tb.t ? g_hash_table_lookup(tb.t, id) : NULL;
}

bool ivr_versions_put(Ov__Admin__Snapshot *snap)
{
	bool added = false;

	if (!snap || !snap->tenant_id || !*snap->tenant_id) {
		if (snap)
			ov__admin__snapshot__free_unpacked(snap, NULL);
		return false;
	}
	pthread_mutex_lock(&tb.lock);
	if (!tb.t)
		tb.t = g_hash_table_new_full(g_str_hash, g_str_equal, g_free,
					     tenant_free);
	struct tenant *t = find(snap->tenant_id);
	if (!t) {
		t = g_new0(struct tenant, 1);
		g_hash_table_insert(tb.t, g_strdup(snap->tenant_id), t);
	}
	size_t i = 0;
	while (i < t->n && t->v[i]->version > snap->version)
		i++;
	bool dup = i < t->n && t->v[i]->version == snap->version;
	if (!dup && i < IVR_VERSIONS_KEPT) {
		if (t->n == IVR_VERSIONS_KEPT)
			ov__admin__snapshot__free_unpacked(t->v[--t->n], NULL);
		memmove(&t->v[i + 1], &t->v[i], (t->n - i) * sizeof(t->v[0]));
		t->v[i] = snap;
		t->n++;
		added = true;
	}
	pthread_mutex_unlock(&tb.lock);
	if (!added)
		ov__admin__snapshot__free_unpacked(snap, NULL);
	return added;
}

uint32_t ivr_versions_latest(const char *tenant)
{
	uint32_t v = 0;

	pthread_mutex_lock(&tb.lock);
	struct tenant *t = find(tenant);
	if (t && t->n)
		v = t->v[0]->version;
	pthread_mutex_unlock(&tb.lock);
	return v;
}

enum ov_err ivr_snapshot_render(const Ov__Admin__Snapshot *s,
				Ov__Admin__VoiceMessage__Kind kind,
				struct ivr_text *t, char *why, size_t why_len)
{
	static const char *const names[] = {"closed", "welcome", "no_answer"};
	char field[64], reason[160];

	for (size_t i = 0; i < s->n_messages; i++) {
		const Ov__Admin__VoiceMessage *m = s->messages[i];
		if (m->kind != kind)
			continue;
		if (!m->enabled)
			break;
		enum ov_err e = ivr_render(m, t, field, sizeof(field), reason,
					   sizeof(reason));
		if (e != OV_OK)
			snprintf(why, why_len, "%s %s", field, reason);
		return e;
	}
	snprintf(why, why_len, "version %u has no %s message enabled",
		 s->version, (unsigned)kind < 3 ? names[kind] : "such");
	return OV_ENOTFOUND;
}

enum ov_err ivr_versions_render(const char *tenant, uint32_t version,
				Ov__Admin__VoiceMessage__Kind kind,
				struct ivr_text *t, uint32_t *version_used,
				bool *loaded, char *why, size_t why_len)
{
	enum ov_err e = OV_ENOTFOUND;

	*loaded = false;
	pthread_mutex_lock(&tb.lock);
	struct tenant *x = find(tenant);
	for (size_t i = 0; x && i < x->n; i++) {
		if (version && x->v[i]->version != version)
			continue;
		*loaded = true;
		*version_used = x->v[i]->version;
		e = ivr_snapshot_render(x->v[i], kind, t, why, why_len);
		break;
	}
	pthread_mutex_unlock(&tb.lock);
	return e;
}

size_t ivr_versions_tenants(void)
{
	pthread_mutex_lock(&tb.lock);
	size_t n = tb.t ? g_hash_table_size(tb.t) : 0;
	pthread_mutex_unlock(&tb.lock);
	return n;
}

void ivr_versions_clear(void)
{
	pthread_mutex_lock(&tb.lock);
	if (tb.t)
		g_hash_table_remove_all(tb.t);
	pthread_mutex_unlock(&tb.lock);
}

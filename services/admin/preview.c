/*
 * GET /v1/messages/{kind}/preview: the draft's message of that kind as
 * the caller would hear it, before apply. Admin checks it against the
 * catalogue as apply would, then asks the IVR to render it
 * (prompt.render): JSON with the text and its length by default, the
 * WAV itself with Accept: audio/wav.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "admin.h"
#include "admin.pb-c.h"
#include "ivr.pb-c.h"
#include "templates.h"

#define RETRY_AFTER_S 5
#define MAX_VALUES 16

/* Accept: audio/wav (or audio/x-wav, audio/wave, audio/ *). */
static bool wants_wav(const struct admin_req *r)
{
	const char *a = ov_http_header(r->http, "Accept");

	return a && (strstr(a, "audio/wav") || strstr(a, "audio/x-wav") ||
		     strstr(a, "audio/wave") || strstr(a, "audio/*"));
}

/* The draft's message of this kind, or NULL after answering. */
static json_t *draft_message(struct admin_req *r, const char *kind)
{
	PGresult *res = NULL;
	const char *p[] = {r->tenant_id};
	enum ov_err e = ov_db_exec(r->db, "draft_get", 1, p, &res);

	if (e == OV_OK && PQntuples(res) == 0)
		e = OV_ENOTFOUND;
	if (e != OV_OK) {
		PQclear(res);
		admin_fail_store(r, e, "draft");
		return NULL;
	}
	json_t *doc = json_loads(PQgetvalue(res, 0, 0), 0, NULL);
	PQclear(res);
	json_t *m = json_object_get(json_object_get(doc, "messages"), kind);
	if (m)
		json_incref(m);
	json_decref(doc);
	if (!json_is_object(m)) {
		json_decref(m);
		admin_fail(r, 404, OV_ENOTFOUND, NULL,
			   "the draft has no %s message (PUT /v1/messages/%s)",
			   kind, kind);
		return NULL;
	}
	return m;
}

/* The IVR could not: the API's way of saying so. */
static void fail_ivr(struct admin_req *r, enum ov_err e, const char *message)
{
	char field[64] = "";
	const char *colon;

	switch (e) {
	case OV_EUNAVAIL:
	case OV_ETIMEDOUT:
		r->res->retry_after = RETRY_AFTER_S;
		admin_fail(r, 503, OV_EUNAVAIL, NULL,
			   "the IVR is unavailable; try again shortly");
		return;
	case OV_EINVAL:
		/* "values.open: is required by closed_hours" */
		colon = strstr(message, ": ");
		if (colon && (size_t)(colon - message) < sizeof(field))
			snprintf(field, sizeof(field), "%.*s",
				 (int)(colon - message), message);
		admin_fail(r, 422, OV_EINVAL, *field ? field : NULL, "%s",
			   message);
		return;
	case OV_ETOOBIG:
		admin_fail(r, 413, OV_ETOOBIG, NULL, "%s", message);
		return;
	default:
		admin_fail(r, 500, e, NULL, "IVR: %s", ov_err_name(e));
	}
}

void config_message_preview(struct admin_req *r)
{
	static const Ov__Admin__VoiceMessage__Kind kinds[] = {
		[TPL_CLOSED] = OV__ADMIN__VOICE_MESSAGE__KIND__CLOSED,
		[TPL_WELCOME] = OV__ADMIN__VOICE_MESSAGE__KIND__WELCOME,
		[TPL_NO_ANSWER] = OV__ADMIN__VOICE_MESSAGE__KIND__NO_ANSWER,
	};
	Ov__Admin__VoiceMessage vm = OV__ADMIN__VOICE_MESSAGE__INIT;
	Ov__Ivr__RenderRequest in = OV__IVR__RENDER_REQUEST__INIT;
	Ov__Admin__Value values[MAX_VALUES], *vp[MAX_VALUES];
	char *langs[2];
	struct ov_bus_result res = {0};
	Ov__Ivr__RenderReply *out = NULL;
	uint8_t *body = NULL;
	size_t len = 0;
	enum tpl_kind kind;
	char field[64], why[160];
	json_t *m = NULL;

	if (!tpl_kind_parse(ov_route_param(&r->m, "kind"), &kind)) {
		admin_fail(r, 404, OV_ENOTFOUND, NULL,
			   "messages are closed, welcome or no_answer");
		return;
	}
	if (!r->app->ivr) {
		r->res->retry_after = RETRY_AFTER_S;
		admin_fail(r, 503, OV_EUNAVAIL, NULL,
			   "no IVR is configured (OV_IVR_URL)");
		return;
	}
	if (!(m = draft_message(r, tpl_kind_name(kind))))
		return;
	const char *tid = json_string_value(json_object_get(m, "template_id"));
	const struct tpl *t = tid ? tpl_find(tid) : NULL;
	const json_t *vals = json_object_get(m, "values");
	const json_t *jl = json_object_get(m, "languages");
	if (!t || t->kind != kind) {
		admin_fail(r, 422, OV_EINVAL, "template_id",
			   "the draft's template is not a %s template",
			   tpl_kind_name(kind));
		goto out;
	}
	/* What apply requires, checked the same way (the shared
	 * catalogue): every placeholder has a value. */
	if (tpl_values_check(t, vals, true, field, sizeof(field), why,
			     sizeof(why)) != OV_OK) {
		admin_fail(r, 422, OV_EINVAL, field, "%s %s", field, why);
		goto out;
	}
	vm.kind = kinds[kind];
	vm.enabled = true;
	vm.template_id = (char *)tid;
	vm.voice = (char *)json_string_value(json_object_get(m, "voice"));
	if (!vm.voice)
		vm.voice = "female";
	const char *key;
	json_t *v;
	json_object_foreach((json_t *)vals, key, v)
	{
		if (vm.n_values == MAX_VALUES)
			break;
		ov__admin__value__init(&values[vm.n_values]);
		values[vm.n_values].key = (char *)key;
		values[vm.n_values].value = (char *)json_string_value(v);
		vp[vm.n_values] = &values[vm.n_values];
		vm.n_values++;
	}
	vm.values = vp;
	for (size_t i = 0; i < json_array_size(jl) && i < 2; i++) {
		langs[i] = (char *)json_string_value(json_array_get(jl, i));
		if (langs[i])
			vm.n_languages++;
	}
	vm.languages = langs;
	in.message = &vm;
	in.audio = wants_wav(r);
	if (ov_pb_pack(&in.base, &body, &len) != OV_OK) {
		admin_fail(r, 500, OV_EEXHAUSTED, NULL, "out of memory");
		goto out;
	}
	struct ov_bus_call c = {
		.method = "prompt.render",
		.tenant_id = r->tenant_id,
		.request_id = r->actor,
		.deadline_ms = (uint32_t)r->app->cfg.ivr_deadline_ms,
		.body = body,
		.body_len = len,
	};
	enum ov_err e = ov_bus_client_call(r->app->ivr, &c, &res);
	if (e != OV_OK) {
		fail_ivr(r, e, res.message);
		goto out;
	}
	out = ov__ivr__render_reply__unpack(NULL, res.body_len, res.body);
	if (!out || (in.audio && !out->wav.len)) {
		admin_fail(r, 500, OV_EINTERNAL, NULL,
			   "IVR: undecodable answer");
		goto out;
	}
	if (in.audio) {
		char *wav = malloc(out->wav.len);
		if (!wav) {
			admin_fail(r, 500, OV_EEXHAUSTED, NULL,
				   "out of memory");
			goto out;
		}
		memcpy(wav, out->wav.data, out->wav.len);
		ov_http_reply(r->res, 200, "audio/wav", wav, out->wav.len);
		goto out;
	}
	json_t *names = json_array();
	for (size_t i = 0; i < vm.n_languages; i++)
		json_array_append_new(names, json_string(langs[i]));
	admin_json(r, 200,
		   json_pack("{s:s, s:s, s:s, s:o, s:s, s:I}", "kind",
			     tpl_kind_name(kind), "template_id", tid, "voice",
			     vm.voice, "languages", names, "text", out->text,
			     "duration_ms", (json_int_t)out->duration_ms));
out:
	if (out)
		ov__ivr__render_reply__free_unpacked(out, NULL);
	ov_bus_result_free(&res);
	free(body);
	json_decref(m);
}

/*
 * ovctl ivr: the IVR's bus methods by hand.
 *
 *   ivr play --tenant ID --message M --call-id C --from-tag T
 *            [--version N] [--rtpengine udp:HOST:PORT] [--count N]
 *   ivr render --tenant ID --template T [--voice male|female]
 *            [--languages it,en] [--value KEY=VALUE]... [--wav FILE]
 *
 * play with --count sends N requests one after another and prints,
 * for each, when it left (monotonic µs, as CLOCK_MONOTONIC) and its
 * round trip, then a summary: bench/ivr matches the send times with
 * the arrivals at a fake rtpengine.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "admin.pb-c.h"
#include "cmd.h"
#include "ivr.pb-c.h"
#include "templates.h"

#define MAX_VALUES 16

static int usage(void)
{
	fprintf(stderr,
		"usage: ovctl ivr play --tenant ID --message "
		"closed|welcome|no_answer\n"
		"         --call-id C --from-tag T [--version N] "
		"[--rtpengine udp:HOST:PORT]\n"
		"         [--count N]\n"
		"       ovctl ivr render --tenant ID --template T [--voice "
		"male|female]\n"
		"         [--languages it,en] [--value KEY=VALUE]... [--wav "
		"FILE]\n");
	return 2;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
	return x < y ? -1 : x > y;
}

static int play(const struct ovctl_opts *o, int argc, char **argv)
{
	Ov__Ivr__PlayRequest in = OV__IVR__PLAY_REQUEST__INIT;
	const char *tenant = NULL;
	unsigned count = 0;
	uint8_t *body = NULL;
	size_t len = 0;
	int rc = 1;

	for (int i = 0; i < argc; i++) {
		const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
		if (!v)
			return usage();
		i++;
		if (strcmp(a, "--tenant") == 0)
			tenant = v;
		else if (strcmp(a, "--message") == 0)
			in.message = (char *)v;
		else if (strcmp(a, "--call-id") == 0)
			in.call_id = (char *)v;
		else if (strcmp(a, "--from-tag") == 0)
			in.from_tag = (char *)v;
		else if (strcmp(a, "--rtpengine") == 0)
			in.rtpengine = (char *)v;
		else if (strcmp(a, "--version") == 0) {
			if (!ovctl_uint(v, 0, 1u << 30, &in.version))
				return 2;
		} else if (strcmp(a, "--count") == 0) {
			if (!ovctl_uint(v, 1, 1000000, &count))
				return 2;
		} else
			return usage();
	}
	if (!tenant || !*in.message || !*in.call_id || !*in.from_tag)
		return usage();
	if (ov_pb_pack(&in.base, &body, &len) != OV_OK)
		return 1;
	if (!count) {
		struct ov_bus_result res;
		if (ovctl_call_method(o, "ivr", "prompt.play", tenant, body,
				      len, &res)) {
			Ov__Ivr__PlayReply *r = ov__ivr__play_reply__unpack(
				NULL, res.body_len, res.body);
			if (r) {
				printf("playing prompt=%s duration_ms=%u\n",
				       r->prompt, r->duration_ms);
				ov__ivr__play_reply__free_unpacked(r, NULL);
				rc = 0;
			}
		}
		ov_bus_result_free(&res);
		free(body);
		return rc;
	}
	struct ov_bus_client *c = ovctl_client("ivr");
	uint64_t *rtt = calloc(count, sizeof(*rtt));
	unsigned ok = 0;
	if (!c || !rtt)
		goto out;
	for (unsigned i = 0; i < count; i++) {
		struct ov_bus_result res;
		struct ov_bus_call call = {.method = "prompt.play",
					   .tenant_id = tenant,
					   .request_id = "ovctl-ivr-play",
					   .deadline_ms = o->deadline_ms,
					   .body = body,
					   .body_len = len};
		uint64_t t0 = ov_now_us();
		enum ov_err e = ov_bus_client_call(c, &call, &res);
		rtt[i] = ov_now_us() - t0;
		printf("req %u sent_us=%llu rtt_us=%llu %s\n", i,
		       (unsigned long long)t0, (unsigned long long)rtt[i],
		       ov_err_name(e));
		ok += e == OV_OK;
		ov_bus_result_free(&res);
	}
	qsort(rtt, count, sizeof(*rtt), cmp_u64);
	printf("plays=%u ok=%u rtt_us p50=%llu p99=%llu max=%llu\n", count, ok,
	       (unsigned long long)rtt[count / 2],
	       (unsigned long long)rtt[(size_t)count * 99 / 100],
	       (unsigned long long)rtt[count - 1]);
	rc = ok == count ? 0 : 1;
out:
	ovctl_client_done(c);
	free(rtt);
	free(body);
	return rc;
}

static int render(const struct ovctl_opts *o, int argc, char **argv)
{
	Ov__Ivr__RenderRequest in = OV__IVR__RENDER_REQUEST__INIT;
	Ov__Admin__VoiceMessage m = OV__ADMIN__VOICE_MESSAGE__INIT;
	Ov__Admin__Value values[MAX_VALUES], *vp[MAX_VALUES];
	char keys[MAX_VALUES][32];
	char langs_buf[16] = "it";
	char *langs[2];
	const char *tenant = NULL, *wav = NULL;
	struct ov_bus_result res = {0};
	uint8_t *body = NULL;
	size_t len = 0;
	int rc = 1;

	m.voice = "female";
	for (int i = 0; i < argc; i++) {
		const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
		if (!v)
			return usage();
		i++;
		if (strcmp(a, "--tenant") == 0) {
			tenant = v;
		} else if (strcmp(a, "--template") == 0) {
			m.template_id = (char *)v;
		} else if (strcmp(a, "--voice") == 0) {
			m.voice = (char *)v;
		} else if (strcmp(a, "--languages") == 0) {
			snprintf(langs_buf, sizeof(langs_buf), "%s", v);
		} else if (strcmp(a, "--wav") == 0) {
			wav = v;
		} else if (strcmp(a, "--value") == 0) {
			const char *eq = strchr(v, '=');
			size_t k = m.n_values;
			if (!eq || k == MAX_VALUES ||
			    (size_t)(eq - v) >= sizeof(keys[k]))
				return usage();
			snprintf(keys[k], sizeof(keys[k]), "%.*s",
				 (int)(eq - v), v);
			ov__admin__value__init(&values[k]);
			values[k].key = keys[k];
			values[k].value = (char *)eq + 1;
			vp[k] = &values[k];
			m.n_values++;
		} else {
			return usage();
		}
	}
	const struct tpl *t = m.template_id ? tpl_find(m.template_id) : NULL;
	if (!tenant || !t) {
		if (tenant && m.template_id)
			fprintf(stderr, "ovctl: no template \"%s\"\n",
				m.template_id);
		return usage();
	}
	static const Ov__Admin__VoiceMessage__Kind kinds[] = {
		[TPL_CLOSED] = OV__ADMIN__VOICE_MESSAGE__KIND__CLOSED,
		[TPL_WELCOME] = OV__ADMIN__VOICE_MESSAGE__KIND__WELCOME,
		[TPL_NO_ANSWER] = OV__ADMIN__VOICE_MESSAGE__KIND__NO_ANSWER,
	};
	m.kind = kinds[t->kind];
	m.enabled = true;
	m.values = vp;
	char *comma = strchr(langs_buf, ',');
	langs[0] = langs_buf;
	m.n_languages = 1;
	if (comma) {
		*comma = '\0';
		langs[1] = comma + 1;
		m.n_languages = 2;
	}
	m.languages = langs;
	in.message = &m;
	in.audio = wav != NULL;
	if (ov_pb_pack(&in.base, &body, &len) != OV_OK)
		return 1;
	if (!ovctl_call_method(o, "ivr", "prompt.render", tenant, body, len,
			       &res))
		goto out;
	Ov__Ivr__RenderReply *r =
		ov__ivr__render_reply__unpack(NULL, res.body_len, res.body);
	if (!r) {
		fprintf(stderr, "ovctl: undecodable reply\n");
		goto out;
	}
	printf("%s\nduration_ms=%u prompt=%s\n", r->text, r->duration_ms,
	       r->prompt);
	rc = 0;
	if (wav) {
		FILE *f = fopen(wav, "wb");
		if (!f || fwrite(r->wav.data, 1, r->wav.len, f) != r->wav.len)
			rc = 1;
		if (f && fclose(f) != 0)
			rc = 1;
		if (rc)
			fprintf(stderr, "ovctl: cannot write %s\n", wav);
	}
	ov__ivr__render_reply__free_unpacked(r, NULL);
out:
	ov_bus_result_free(&res);
	free(body);
	return rc;
}

int ovctl_ivr(const struct ovctl_opts *o, int argc, char **argv)
{
	if (argc >= 1 && strcmp(argv[0], "play") == 0)
		return play(o, argc - 1, argv + 1);
	if (argc >= 1 && strcmp(argv[0], "render") == 0)
		return render(o, argc - 1, argv + 1);
	return usage();
}

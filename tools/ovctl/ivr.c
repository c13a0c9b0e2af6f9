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

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
	return x < y ? -1 : x > y;
}

static int play(const struct ovctl_cmd *cmd, const struct ovctl_opts *o,
		int argc, char **argv)
{
	Ov__Ivr__PlayRequest in = OV__IVR__PLAY_REQUEST__INIT;
	const char *tenant = NULL;
	struct ovctl_getopt g;
	unsigned count = 0;
	uint8_t *body = NULL;
	size_t len = 0;
	int opt, rc = 1;

	ovctl_getopt_init(&g, cmd, argc, argv);
	while ((opt = ovctl_getopt(&g)) > 0) {
		switch (opt) {
		case 't':
			tenant = g.arg;
			break;
		case 'm':
			in.message = (char *)g.arg;
			break;
		case 'i':
			in.call_id = (char *)g.arg;
			break;
		case 'f':
			in.from_tag = (char *)g.arg;
			break;
		case 'r':
			in.rtpengine = (char *)g.arg;
			break;
		case 'v':
			if (!ovctl_uint(g.arg, 0, 1u << 30, &in.version))
				return 2;
			break;
		case 'n':
			if (!ovctl_uint(g.arg, 1, 1000000, &count))
				return 2;
			break;
		}
	}
	if (opt < 0)
		return g.rc;
	if (!tenant || !*in.message || !*in.call_id || !*in.from_tag)
		return ovctl_usage_error(cmd, "--tenant, --message, --call-id "
					      "and --from-tag are required");
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

static int render(const struct ovctl_cmd *cmd, const struct ovctl_opts *o,
		  int argc, char **argv)
{
	Ov__Ivr__RenderRequest in = OV__IVR__RENDER_REQUEST__INIT;
	Ov__Admin__VoiceMessage m = OV__ADMIN__VOICE_MESSAGE__INIT;
	Ov__Admin__Value values[MAX_VALUES], *vp[MAX_VALUES];
	char keys[MAX_VALUES][32];
	char langs_buf[16] = "it";
	char *langs[2];
	const char *tenant = NULL, *wav = NULL;
	struct ov_bus_result res = {0};
	struct ovctl_getopt g;
	uint8_t *body = NULL;
	size_t len = 0;
	int c, rc = 1;

	m.voice = "female";
	ovctl_getopt_init(&g, cmd, argc, argv);
	while ((c = ovctl_getopt(&g)) > 0) {
		const char *v = g.arg, *eq;
		size_t k = m.n_values;
		switch (c) {
		case 't':
			tenant = v;
			break;
		case 'T':
			m.template_id = (char *)v;
			break;
		case 'V':
			m.voice = (char *)v;
			break;
		case 'l':
			snprintf(langs_buf, sizeof(langs_buf), "%s", v);
			break;
		case 'w':
			wav = v;
			break;
		case 'k':
			eq = strchr(v, '=');
			if (!eq || k == MAX_VALUES ||
			    (size_t)(eq - v) >= sizeof(keys[k]))
				return ovctl_usage_error(
					cmd,
					"--value \"%s\" is no KEY=VALUE "
					"(keys up to 31 bytes, %d values)",
					v, MAX_VALUES);
			snprintf(keys[k], sizeof(keys[k]), "%.*s",
				 (int)(eq - v), v);
			ov__admin__value__init(&values[k]);
			values[k].key = keys[k];
			values[k].value = (char *)eq + 1;
			vp[k] = &values[k];
			m.n_values++;
			break;
		}
	}
	if (c < 0)
		return g.rc;
	if (!tenant || !m.template_id)
		return ovctl_usage_error(cmd, "--tenant and --template are "
					      "required");
	const struct tpl *t = tpl_find(m.template_id);
	if (!t)
		return ovctl_usage_error(cmd, "no template \"%s\"",
					 m.template_id);
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

static const struct option play_opts[] = {
	{"tenant", required_argument, NULL, 't'},
	{"message", required_argument, NULL, 'm'},
	{"call-id", required_argument, NULL, 'i'},
	{"from-tag", required_argument, NULL, 'f'},
	{"version", required_argument, NULL, 'v'},
	{"rtpengine", required_argument, NULL, 'r'},
	{"count", required_argument, NULL, 'n'},
	{0},
};

static const struct ovctl_cmd play_cmd = {
	.name = "ivr play",
	.synopsis = "ivr play --tenant ID --message closed|welcome|no_answer\n"
		    "         --call-id C --from-tag T [--version N] "
		    "[--rtpengine udp:HOST:PORT]\n"
		    "         [--count N]",
	.help = "prompt.play: the IVR has rtpengine play a message of the\n"
		"tenant into a call (--call-id), towards the caller\n"
		"(--from-tag: the caller's tag).\n"
		"\n"
		"  --version N      as of that applied version (default 0:\n"
		"                   the newest)\n"
		"  --rtpengine A    this rtpengine (default the IVR's)\n"
		"  --count N        N requests one after another; each one's\n"
		"                   send time (CLOCK_MONOTONIC us) and round\n"
		"                   trip, then p50/p99/max (bench/ivr)\n",
	.opts = play_opts,
	.run = play,
};

static const struct option render_opts[] = {
	{"tenant", required_argument, NULL, 't'},
	{"template", required_argument, NULL, 'T'},
	{"voice", required_argument, NULL, 'V'},
	{"languages", required_argument, NULL, 'l'},
	{"value", required_argument, NULL, 'k'},
	{"wav", required_argument, NULL, 'w'},
	{0},
};

static const struct ovctl_cmd render_cmd = {
	.name = "ivr render",
	.synopsis = "ivr render --tenant ID --template T [--voice "
		    "male|female]\n"
		    "         [--languages it,en] [--value KEY=VALUE]... "
		    "[--wav FILE]",
	.help = "prompt.render: a message's text, duration and prompt name,\n"
		"as the IVR would say it.\n"
		"\n"
		"  --template T     a message template's ID\n"
		"  --voice V        male or female (default female)\n"
		"  --languages L    one or two, comma-separated (default it)\n"
		"  --value K=V      a template's value; repeat for more\n"
		"  --wav FILE       the audio too, into FILE\n",
	.opts = render_opts,
	.run = render,
};

const struct ovctl_cmd ovctl_ivr_cmd = {
	.name = "ivr",
	.help = "The IVR's bus methods by hand.\n",
	.subs = (const struct ovctl_cmd *const[]){&play_cmd, &render_cmd, NULL},
};

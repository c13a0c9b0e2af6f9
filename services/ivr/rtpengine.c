#include "rtpengine.h"

#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include <arpa/inet.h>
#include <sys/socket.h>
#include <sodium.h>

#include "bencode.h"
#include "bus.h"
#include "cfg.h"
#include "log.h"

#define MAX_SOCKETS 16
/* A command with a call-id, a tag and a path, with room to spare. */
#define MAX_MSG 2048

/* One socket carries one request at a time. */
struct sock {
	int fd;
	pthread_mutex_t lock;
};

struct ivr_rtpe {
	char addr[64];
	struct sockaddr_in sa;
	unsigned timeout_ms;
	unsigned tries;
	char prefix[16];  /* random per process: cookies never repeat */
	atomic_ulong seq; /* across restarts or replicas */
	atomic_uint next; /* round robin over the sockets */
	struct sock socks[MAX_SOCKETS];
	unsigned n_socks;
};

static bool parse_addr(const char *addr, struct sockaddr_in *sa)
{
	char host[64];
	long port;

	if (strncmp(addr, "udp:", 4) == 0)
		addr += 4;
	const char *colon = strrchr(addr, ':');
	if (!colon || (size_t)(colon - addr) >= sizeof(host))
		return false;
	memcpy(host, addr, (size_t)(colon - addr));
	host[colon - addr] = '\0';
	if (!ov_parse_long(colon + 1, 1, 65535, &port))
		return false;
	memset(sa, 0, sizeof(*sa));
	sa->sin_family = AF_INET;
	sa->sin_port = htons((uint16_t)port);
	return inet_pton(AF_INET, host, &sa->sin_addr) == 1;
}

enum ov_err ivr_rtpe_open(const char *addr, unsigned timeout_ms, unsigned tries,
			  unsigned sockets, struct ivr_rtpe **out)
{
	struct ivr_rtpe *r;
	unsigned char rnd[6];

	if (!addr || strlen(addr) >= sizeof(r->addr))
		return OV_EINVAL;
	if (sodium_init() < 0 || !(r = calloc(1, sizeof(*r))))
		return OV_EEXHAUSTED;
	if (!parse_addr(addr, &r->sa)) {
		free(r);
		return OV_EINVAL;
	}
	snprintf(r->addr, sizeof(r->addr), "%s", addr);
	if (sockets < 1)
		sockets = 1;
	if (sockets > MAX_SOCKETS)
		sockets = MAX_SOCKETS;
	for (; r->n_socks < sockets; r->n_socks++) {
		struct sock *s = &r->socks[r->n_socks];
		s->fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
		if (s->fd < 0 ||
		    connect(s->fd, (struct sockaddr *)&r->sa, sizeof(r->sa))) {
			if (s->fd >= 0)
				close(s->fd);
			ivr_rtpe_close(r);
			return OV_EUNAVAIL;
		}
		pthread_mutex_init(&s->lock, NULL);
	}
	randombytes_buf(rnd, sizeof(rnd));
	sodium_bin2hex(r->prefix, sizeof(r->prefix), rnd, sizeof(rnd));
	r->timeout_ms = timeout_ms ? timeout_ms : 1;
	r->tries = tries ? tries : 1;
	*out = r;
	return OV_OK;
}

void ivr_rtpe_close(struct ivr_rtpe *r)
{
	if (!r)
		return;
	for (unsigned i = 0; i < r->n_socks; i++) {
		close(r->socks[i].fd);
		pthread_mutex_destroy(&r->socks[i].lock);
	}
	free(r);
}

const char *ivr_rtpe_addr(const struct ivr_rtpe *r)
{
	return r->addr;
}

bool ivr_rtpe_is(const struct ivr_rtpe *r, const char *addr)
{
	struct sockaddr_in sa;

	return parse_addr(addr, &sa) &&
	       sa.sin_addr.s_addr == r->sa.sin_addr.s_addr &&
	       sa.sin_port == r->sa.sin_port;
}

/* A free socket if there is one, else the next in turn (waited for). */
static struct sock *take(struct ivr_rtpe *r)
{
	unsigned start = atomic_fetch_add(&r->next, 1);

	for (unsigned i = 0; i < r->n_socks; i++) {
		struct sock *s = &r->socks[(start + i) % r->n_socks];
		if (pthread_mutex_trylock(&s->lock) == 0)
			return s;
	}
	struct sock *s = &r->socks[start % r->n_socks];
	pthread_mutex_lock(&s->lock);
	return s;
}

/* Drops answers left over from requests that gave up on them. */
static void drain(int fd)
{
	char junk[64];
	while (recv(fd, junk, sizeof(junk), MSG_DONTWAIT) >= 0)
		;
}

/*
 * Sends "<cookie> <bencoded>" and waits for the reply with the same
 * cookie, resending on time-out until tries or the deadline run out; a
 * reply to an older request (a late answer) is skipped. reply gets the
 * dictionary after the cookie, NUL-terminated; *got its length.
 */
static enum ov_err request(struct ivr_rtpe *r, const char *benc,
			   uint64_t deadline_ms, char *reply, size_t size,
			   size_t *got_len, uint64_t *sent_us)
{
	char cookie[40];
	char msg[MAX_MSG];
	enum ov_err e = OV_ETIMEDOUT;

	snprintf(cookie, sizeof(cookie), "%s_%lu", r->prefix,
		 atomic_fetch_add(&r->seq, 1));
	int n = snprintf(msg, sizeof(msg), "%s %s", cookie, benc);
	if (n < 0 || (size_t)n >= sizeof(msg))
		return OV_ETOOBIG;
	size_t cl = strlen(cookie);

	struct sock *s = take(r);
	drain(s->fd);
	for (unsigned t = 0; t < r->tries && e == OV_ETIMEDOUT; t++) {
		uint64_t now = ov_now_ms();
		if (now >= deadline_ms)
			break;
		if (send(s->fd, msg, (size_t)n, 0) < 0) {
			e = OV_EUNAVAIL;
			break;
		}
		if (t == 0 && sent_us)
			*sent_us = ov_now_us();
		uint64_t until = now + r->timeout_ms;
		if (until > deadline_ms)
			until = deadline_ms;
		for (;;) {
			now = ov_now_ms();
			if (now >= until)
				break;
			struct pollfd p = {s->fd, POLLIN, 0};
			if (poll(&p, 1, (int)(until - now)) <= 0)
				break;
			ssize_t got = recv(s->fd, reply, size - 1, 0);
			if (got < 0) {
				/* ICMP port unreachable: nobody listens. */
				if (errno == ECONNREFUSED) {
					e = OV_EUNAVAIL;
					goto out;
				}
				continue;
			}
			reply[got] = '\0';
			if ((size_t)got > cl &&
			    memcmp(reply, cookie, cl) == 0 &&
			    reply[cl] == ' ') {
				memmove(reply, reply + cl + 1,
					(size_t)got - cl);
				*got_len = (size_t)got - cl - 1;
				e = OV_OK;
				break;
			}
		}
	}
out:
	pthread_mutex_unlock(&s->lock);
	/* Not answering within the deadline is rtpengine unavailable, to
	 * the caller. */
	return e == OV_ETIMEDOUT ? OV_EUNAVAIL : e;
}

static bool is(const struct ivr_bval *v, const char *s)
{
	return v->found && v->s && v->len == strlen(s) &&
	       memcmp(v->s, s, v->len) == 0;
}

enum ov_err ivr_rtpe_ping(struct ivr_rtpe *r)
{
	char reply[512];
	size_t len = 0;
	struct ivr_bval v;
	enum ov_err e =
		request(r, "d7:command4:pinge", ov_now_ms() + r->timeout_ms,
			reply, sizeof(reply), &len, NULL);

	if (e != OV_OK)
		return e;
	return ivr_benc_get(reply, len, "result", &v) && is(&v, "pong")
		       ? OV_OK
		       : OV_EINTERNAL;
}

/* A reply other than "ok": its reason, and what it means to us. */
static enum ov_err refused(const char *reply, size_t len,
			   struct ivr_rtpe_result *res)
{
	struct ivr_bval v;

	if (ivr_benc_get(reply, len, "error-reason", &v) && v.s)
		snprintf(res->reason, sizeof(res->reason), "%.*s",
			 (int)(v.len < 150 ? v.len : 150), v.s);
	else
		snprintf(res->reason, sizeof(res->reason), "refused");
	/* rtpengine 10.5: "Unknown call-id" (and "Unknown call-ID"). */
	if (strncasecmp(res->reason, "Unknown call", 12) == 0 ||
	    strncasecmp(res->reason, "Unknown tag", 11) == 0 ||
	    strstr(res->reason, "not found"))
		return OV_ENOTFOUND;
	return OV_EPRECOND;
}

/* Sends the command b holds; OV_OK when rtpengine answered "ok", with
 * its whole answer in reply (len bytes) for the caller to read on. */
static enum ov_err command(struct ivr_rtpe *r, const struct ivr_benc *b,
			   uint64_t deadline_ms, char *reply, size_t size,
			   size_t *len, struct ivr_rtpe_result *res)
{
	struct ivr_bval v;

	if (b->over)
		return OV_ETOOBIG;
	enum ov_err e =
		request(r, b->p, deadline_ms, reply, size, len, &res->sent_us);
	if (e != OV_OK)
		return e;
	if (!ivr_benc_get(reply, *len, "result", &v)) {
		snprintf(res->reason, sizeof(res->reason),
			 "undecodable answer");
		return OV_EINTERNAL;
	}
	return is(&v, "ok") ? OV_OK : refused(reply, *len, res);
}

static void result_init(struct ivr_rtpe_result *res)
{
	res->sent_us = 0;
	res->duration = -1;
	res->reason[0] = '\0';
}

enum ov_err ivr_rtpe_play(struct ivr_rtpe *r, const struct ivr_rtpe_play *p,
			  struct ivr_rtpe_result *res)
{
	char cmd[MAX_MSG - 64], reply[1024];
	struct ivr_benc b;
	struct ivr_bval v;
	size_t len = 0;
	long long ms;

	result_init(res);
	ivr_benc_init(&b, cmd, sizeof(cmd));
	ivr_benc_raw(&b, "d");
	ivr_benc_kv(&b, "command", "play media");
	ivr_benc_kv(&b, "call-id", p->call_id);
	ivr_benc_kv(&b, "from-tag", p->from_tag);
	ivr_benc_kv(&b, "file", p->file);
	ivr_benc_raw(&b, "e");
	enum ov_err e =
		command(r, &b, p->deadline_ms, reply, sizeof(reply), &len, res);
	if (e == OV_OK && ivr_benc_get(reply, len, "duration", &v) &&
	    ivr_bval_number(&v, &ms) && ms > 0)
		res->duration = ms;
	return e;
}

/* The IVR's side of a prompt leg: G.711 both ways, media to the discard
 * port (a prompt does not listen). */
static const char PROMPT_SDP[] = "v=0\r\n"
				 "o=ovunque-ivr 1 1 IN IP4 127.0.0.1\r\n"
				 "s=-\r\n"
				 "c=IN IP4 127.0.0.1\r\n"
				 "t=0 0\r\n"
				 "m=audio 9 RTP/AVP 8 0\r\n"
				 "a=rtpmap:8 PCMA/8000\r\n"
				 "a=rtpmap:0 PCMU/8000\r\n"
				 "a=sendrecv\r\n";

enum ov_err ivr_rtpe_answer_webrtc(struct ivr_rtpe *r,
				   const struct ivr_rtpe_answer *a, char *sdp,
				   size_t sdp_size, struct ivr_rtpe_result *res)
{
	char cmd[MAX_MSG - 64], reply[8192];
	struct ivr_benc b;
	struct ivr_bval v;
	size_t len = 0;

	result_init(res);
	ivr_benc_init(&b, cmd, sizeof(cmd));
	ivr_benc_raw(&b, "d");
	ivr_benc_kv(&b, "command", "answer");
	ivr_benc_kv(&b, "call-id", a->call_id);
	ivr_benc_kv(&b, "from-tag", a->from_tag);
	ivr_benc_kv(&b, "to-tag", IVR_PROMPT_TAG);
	ivr_benc_kv(&b, "via-branch", "prompt");
	ivr_benc_kv(&b, "sdp", PROMPT_SDP);
	/* What a browser takes (docs/edge.md, "Media per leg"). */
	ivr_benc_kv(&b, "ICE", "force");
	ivr_benc_kv(&b, "transport-protocol", "UDP/TLS/RTP/SAVPF");
	ivr_benc_str(&b, "rtcp-mux");
	ivr_benc_raw(&b, "l");
	ivr_benc_str(&b, "require");
	ivr_benc_raw(&b, "e");
	ivr_benc_str(&b, "SDES");
	ivr_benc_raw(&b, "l");
	ivr_benc_str(&b, "off");
	ivr_benc_raw(&b, "e");
	ivr_benc_str(&b, "flags");
	ivr_benc_raw(&b, "l");
	ivr_benc_str(&b, "generate-mid");
	ivr_benc_raw(&b, "e");
	ivr_benc_str(&b, "replace");
	ivr_benc_raw(&b, "l");
	ivr_benc_str(&b, "origin");
	ivr_benc_str(&b, "session-connection");
	ivr_benc_raw(&b, "e");
	ivr_benc_raw(&b, "e");
	enum ov_err e =
		command(r, &b, a->deadline_ms, reply, sizeof(reply), &len, res);
	if (e != OV_OK)
		return e;
	if (!ivr_benc_get(reply, len, "sdp", &v) || !v.s || v.len >= sdp_size) {
		snprintf(res->reason, sizeof(res->reason),
			 "answer without a usable SDP");
		return OV_EINTERNAL;
	}
	memcpy(sdp, v.s, v.len);
	sdp[v.len] = '\0';
	return OV_OK;
}

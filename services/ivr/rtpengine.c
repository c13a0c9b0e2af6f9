#include "rtpengine.h"

#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <arpa/inet.h>
#include <sys/socket.h>
#include <sodium.h>

#include "bus.h"
#include "cfg.h"
#include "log.h"

struct ivr_rtpe {
	int fd;
	unsigned timeout_ms;
	unsigned tries;
	char prefix[16];      /* random per process: cookies never repeat */
	atomic_ulong seq;     /* across restarts or replicas */
	pthread_mutex_t lock; /* one request in flight per socket */
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
			  struct ivr_rtpe **out)
{
	struct sockaddr_in sa;
	struct ivr_rtpe *r;
	unsigned char rnd[6];

	if (!parse_addr(addr, &sa))
		return OV_EINVAL;
	if (sodium_init() < 0 || !(r = calloc(1, sizeof(*r))))
		return OV_EEXHAUSTED;
	r->fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (r->fd < 0 || connect(r->fd, (struct sockaddr *)&sa, sizeof(sa))) {
		if (r->fd >= 0)
			close(r->fd);
		free(r);
		return OV_EUNAVAIL;
	}
	randombytes_buf(rnd, sizeof(rnd));
	sodium_bin2hex(r->prefix, sizeof(r->prefix), rnd, sizeof(rnd));
	r->timeout_ms = timeout_ms;
	r->tries = tries ? tries : 1;
	pthread_mutex_init(&r->lock, NULL);
	*out = r;
	return OV_OK;
}

void ivr_rtpe_close(struct ivr_rtpe *r)
{
	if (!r)
		return;
	close(r->fd);
	pthread_mutex_destroy(&r->lock);
	free(r);
}

/* Sends "<cookie> <bencoded>" and waits for the reply with the same
 * cookie, resending on time-out; a reply to an older request (a late
 * answer to an earlier try) is skipped. */
static enum ov_err request(struct ivr_rtpe *r, const char *benc, char *reply,
			   size_t size)
{
	char cookie[40];
	char msg[1024];
	enum ov_err e = OV_ETIMEDOUT;

	snprintf(cookie, sizeof(cookie), "%s_%lu", r->prefix,
		 atomic_fetch_add(&r->seq, 1));
	int n = snprintf(msg, sizeof(msg), "%s %s", cookie, benc);
	if (n < 0 || (size_t)n >= sizeof(msg))
		return OV_ETOOBIG;
	size_t cl = strlen(cookie);

	pthread_mutex_lock(&r->lock);
	for (unsigned t = 0; t < r->tries && e == OV_ETIMEDOUT; t++) {
		if (send(r->fd, msg, (size_t)n, 0) < 0) {
			e = OV_EUNAVAIL;
			break;
		}
		uint64_t until = ov_now_ms() + r->timeout_ms;
		for (;;) {
			uint64_t now = ov_now_ms();
			if (now >= until)
				break;
			struct pollfd p = {r->fd, POLLIN, 0};
			if (poll(&p, 1, (int)(until - now)) <= 0)
				break;
			ssize_t got = recv(r->fd, reply, size - 1, 0);
			if (got < 0) {
				/* ICMP port unreachable: nobody listens. */
				e = errno == ECONNREFUSED ? OV_EUNAVAIL
							  : OV_ETIMEDOUT;
				if (e == OV_EUNAVAIL)
					goto out;
				continue;
			}
			reply[got] = '\0';
			if ((size_t)got > cl &&
			    memcmp(reply, cookie, cl) == 0 &&
			    reply[cl] == ' ') {
				memmove(reply, reply + cl + 1,
					(size_t)got - cl);
				e = OV_OK;
				break;
			}
		}
	}
out:
	pthread_mutex_unlock(&r->lock);
	return e;
}

enum ov_err ivr_rtpe_ping(struct ivr_rtpe *r)
{
	char reply[512];
	enum ov_err e = request(r, "d7:command4:pinge", reply, sizeof(reply));

	if (e != OV_OK)
		return e;
	return strstr(reply, "6:result4:pong") ? OV_OK : OV_EINTERNAL;
}

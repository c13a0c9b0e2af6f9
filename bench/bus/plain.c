/*
 * The baseline: the least a request/reply over a stream socket costs.
 * The client sends {u32 req_len, u32 rep_len} and req_len bytes; the
 * server answers {u32 rep_len} and rep_len bytes. One connection per
 * client thread, one server thread per connection, blocking I/O.
 */
#include "bench.h"

#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#define PLAIN_MAX_MSG (64u * 1024u)
#define PLAIN_MAX_CONNS 256

static bool read_full(int fd, void *buf, size_t len)
{
	uint8_t *p = buf;

	while (len) {
		ssize_t n = recv(fd, p, len, 0);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return false;
		p += n;
		len -= (size_t)n;
	}
	return true;
}

static bool write_full(int fd, const void *buf, size_t len)
{
	const uint8_t *p = buf;

	while (len) {
		ssize_t n = send(fd, p, len, MSG_NOSIGNAL);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return false;
		p += n;
		len -= (size_t)n;
	}
	return true;
}

static void set_nodelay(int fd)
{
	int one = 1;

	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
}

static bool parse_port(const char *s, unsigned *port)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno || end == s || *end || v < 1 || v > 65535)
		return false;
	*port = (unsigned)v;
	return true;
}

/* ---- server ---- */

static atomic_uint n_conns;

static void *serve_conn(void *arg)
{
	int fd = (int)(intptr_t)arg;
	uint8_t *buf = malloc(PLAIN_MAX_MSG + 4);
	uint32_t hdr[2];

	if (!buf)
		goto out;
	while (read_full(fd, hdr, sizeof(hdr))) {
		if (hdr[0] > PLAIN_MAX_MSG || hdr[1] > PLAIN_MAX_MSG)
			break;
		if (!read_full(fd, buf + 4, hdr[0]))
			break;
		memcpy(buf, &hdr[1], 4);
		if (!write_full(fd, buf, 4 + (size_t)hdr[1]))
			break;
	}
out:
	free(buf);
	close(fd);
	atomic_fetch_sub(&n_conns, 1);
	return NULL;
}

static void *accept_loop(void *arg)
{
	int lfd = (int)(intptr_t)arg;
	pthread_attr_t attr;

	pthread_attr_init(&attr);
	pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
	for (;;) {
		int fd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);
		pthread_t t;

		if (fd < 0) {
			if (errno == EINTR || errno == ECONNABORTED)
				continue;
			break;
		}
		if (atomic_fetch_add(&n_conns, 1) >= PLAIN_MAX_CONNS) {
			atomic_fetch_sub(&n_conns, 1);
			close(fd);
			continue;
		}
		set_nodelay(fd); /* fails harmlessly on AF_UNIX */
		if (pthread_create(&t, &attr, serve_conn,
				   (void *)(intptr_t)fd) != 0) {
			atomic_fetch_sub(&n_conns, 1);
			close(fd);
		}
	}
	pthread_attr_destroy(&attr);
	return NULL;
}

static int listen_unix(const char *path)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	int fd;

	if (strlen(path) >= sizeof(sa.sun_path))
		return -1;
	memcpy(sa.sun_path, path, strlen(path) + 1);
	unlink(path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -1;
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) != 0 ||
	    listen(fd, 64) != 0) {
		close(fd);
		return -1;
	}
	return fd;
}

static int listen_tcp(unsigned port)
{
	struct sockaddr_in sa = {.sin_family = AF_INET,
				 .sin_port = htons((uint16_t)port),
				 .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	int one = 1;
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

	if (fd < 0)
		return -1;
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) != 0 ||
	    listen(fd, 64) != 0) {
		close(fd);
		return -1;
	}
	return fd;
}

int bench_plain_serve(const char *kind, const char *addr)
{
	bool tcp = strcmp(kind, "tcp") == 0;
	unsigned port = 0;
	pthread_t t;
	int fd;

	if (tcp && !parse_port(addr, &port))
		return 2;
	bench_block_signals();
	fd = tcp ? listen_tcp(port) : listen_unix(addr);
	if (fd < 0) {
		fprintf(stderr, "bench-bus: cannot listen on %s %s: %s\n", kind,
			addr, strerror(errno));
		return 1;
	}
	if (pthread_create(&t, NULL, accept_loop, (void *)(intptr_t)fd) != 0)
		return 1;
	bench_child_ready();
	bench_wait_signal();
	if (!tcp)
		unlink(addr);
	return 0; /* exiting ends the connection threads */
}

/* ---- client ---- */

struct plain_conn {
	int fd;
	size_t req_len, rep_len;
	uint8_t *buf; /* header and payload */
};

static int connect_to(const struct plain_target *t)
{
	struct sockaddr_un su = {.sun_family = AF_UNIX};
	struct sockaddr_in si = {.sin_family = AF_INET,
				 .sin_port = htons((uint16_t)t->port),
				 .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	struct timeval tv = {BENCH_DEADLINE_MS / 1000,
			     (BENCH_DEADLINE_MS % 1000) * 1000};
	int fd = socket(t->tcp ? AF_INET : AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC,
			0);
	int rv;

	if (fd < 0)
		return -1;
	if (t->tcp) {
		rv = connect(fd, (struct sockaddr *)&si, sizeof(si));
		set_nodelay(fd);
	} else {
		memcpy(su.sun_path, t->path, sizeof(t->path));
		su.sun_path[sizeof(su.sun_path) - 1] = '\0';
		rv = connect(fd, (struct sockaddr *)&su, sizeof(su));
	}
	/* A call has the same deadline as a bus call. */
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	if (rv != 0) {
		close(fd);
		return -1;
	}
	return fd;
}

static void *conn_open(void *arg)
{
	const struct plain_target *t = arg;
	struct plain_conn *c = calloc(1, sizeof(*c));
	uint32_t hdr[2];

	if (!c || t->req_len > PLAIN_MAX_MSG || t->rep_len > PLAIN_MAX_MSG)
		goto fail;
	c->req_len = t->req_len;
	c->rep_len = t->rep_len;
	c->buf =
		malloc(8 + (c->req_len > c->rep_len ? c->req_len : c->rep_len));
	if (!c->buf)
		goto fail;
	hdr[0] = (uint32_t)c->req_len;
	hdr[1] = (uint32_t)c->rep_len;
	memcpy(c->buf, hdr, sizeof(hdr));
	memset(c->buf + 8, 'x', c->req_len);
	c->fd = connect_to(t);
	if (c->fd < 0) {
		fprintf(stderr, "bench-bus: connect: %s\n", strerror(errno));
		goto fail;
	}
	return c;
fail:
	if (c)
		free(c->buf);
	free(c);
	return NULL;
}

static void conn_close(void *conn)
{
	struct plain_conn *c = conn;

	close(c->fd);
	free(c->buf);
	free(c);
}

static bool roundtrip(void *conn)
{
	struct plain_conn *c = conn;
	uint32_t len;

	if (!write_full(c->fd, c->buf, 8 + c->req_len))
		return false;
	if (!read_full(c->fd, &len, sizeof(len)) || len != c->rep_len)
		return false;
	/* Over the request's payload; its header stays for the next. */
	return read_full(c->fd, c->buf + 8, len);
}

void bench_plain_peer(struct plain_target *t, struct bench_peer *p)
{
	p->conn_open = conn_open;
	p->roundtrip = roundtrip;
	p->conn_close = conn_close;
	p->arg = t;
}

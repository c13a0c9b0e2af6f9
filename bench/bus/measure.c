/*
 * Timing of any bench_peer: one client's round-trip latency, then the
 * throughput of several client threads for a fixed time.
 */
#include "bench.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <dirent.h>
#include <sys/resource.h>
#include <unistd.h>

#include "bus.h"

static bool proc_cpu(pid_t pid, double *us)
{
	char path[64], buf[1024];
	unsigned long long ut, st;
	FILE *f;
	size_t n;

	snprintf(path, sizeof(path), "/proc/%ld/stat", (long)pid);
	if (!(f = fopen(path, "r")))
		return false;
	n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = '\0';
	/* Fields 14 and 15 (utime, stime), counted after "(comm)". */
	const char *p = strrchr(buf, ')');
	if (!p || sscanf(p + 1,
			 " %*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %llu "
			 "%llu",
			 &ut, &st) != 2)
		return false;
	*us = (double)(ut + st) * 1e6 / (double)sysconf(_SC_CLK_TCK);
	return true;
}

/* Sum of every live thread's context switches. */
static bool proc_switches(pid_t pid, double *out)
{
	char path[300], line[128];
	struct dirent *de;
	unsigned long long v, sum = 0;
	DIR *d;

	snprintf(path, sizeof(path), "/proc/%ld/task", (long)pid);
	if (!(d = opendir(path)))
		return false;
	while ((de = readdir(d))) {
		if (de->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "/proc/%ld/task/%.32s/status",
			 (long)pid, de->d_name);
		FILE *f = fopen(path, "r");
		if (!f)
			continue;
		while (fgets(line, sizeof(line), f)) {
			if (sscanf(line, "voluntary_ctxt_switches: %llu", &v) ==
				    1 ||
			    sscanf(line, "nonvoluntary_ctxt_switches: %llu",
				   &v) == 1)
				sum += v;
		}
		fclose(f);
	}
	closedir(d);
	*out = (double)sum;
	return true;
}

bool bench_usage(pid_t pid, struct bench_cost *u)
{
	struct rusage ru;

	if (pid != 0)
		return proc_cpu(pid, &u->cpu_us) &&
		       proc_switches(pid, &u->switches);
	/* Includes the threads that have ended. */
	if (getrusage(RUSAGE_SELF, &ru) != 0)
		return false;
	u->cpu_us = (double)(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1e6 +
		    (double)(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec);
	u->switches = (double)(ru.ru_nvcsw + ru.ru_nivcsw);
	return true;
}

/* Usage of both processes at the start of a phase. */
struct usage_mark {
	bool ok;
	struct bench_cost client, server;
};

static void usage_mark(const struct bench_peer *p, struct usage_mark *m)
{
	m->ok = bench_usage(0, &m->client) &&
		bench_usage(p->server, &m->server);
}

static void per_call(const struct bench_cost *a, const struct bench_cost *b,
		     uint64_t calls, struct bench_cost *out)
{
	out->cpu_us = (b->cpu_us - a->cpu_us) / (double)calls;
	out->switches = (b->switches - a->switches) / (double)calls;
}

/* Per call between the marks; left at zero when unknown. */
static void usage_per_call(const struct usage_mark *m0,
			   const struct usage_mark *m1, uint64_t calls,
			   struct bench_cost *client, struct bench_cost *server)
{
	if (!m0->ok || !m1->ok || !calls)
		return;
	per_call(&m0->client, &m1->client, calls, client);
	per_call(&m0->server, &m1->server, calls, server);
}

static int cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a;
	uint32_t y = *(const uint32_t *)b;

	return (x > y) - (x < y);
}

/* Nearest-rank percentile of sorted samples. */
static double percentile(const uint32_t *s, size_t n, unsigned pct)
{
	size_t rank = (n * pct + 99) / 100;

	return (double)s[rank ? rank - 1 : 0];
}

static void latency(const struct bench_peer *p, const struct bench_params *bp,
		    struct bench_result *r)
{
	uint32_t *s = calloc(bp->calls ? bp->calls : 1, sizeof(*s));
	void *conn = NULL;
	size_t n = 0;
	uint64_t sum = 0, calls = 0;
	struct usage_mark mark, end;

	if (!s)
		goto out;
	conn = p->conn_open(p->arg);
	if (!conn)
		goto out;
	for (unsigned i = 0; i < bp->warmup && !bench_stop; i++) {
		if (!p->roundtrip(conn) && ++r->lat_errors >= BENCH_MAX_ERRORS)
			goto out;
	}
	usage_mark(p, &mark);
	for (unsigned i = 0; i < bp->calls && !bench_stop; i++) {
		uint64_t t0 = ov_now_us();
		bool ok = p->roundtrip(conn);
		uint64_t dt = ov_now_us() - t0;

		calls++;
		if (!ok) {
			if (++r->lat_errors >= BENCH_MAX_ERRORS)
				break;
			continue;
		}
		s[n++] = dt > UINT32_MAX ? UINT32_MAX : (uint32_t)dt;
		sum += dt;
	}
	usage_mark(p, &end);
	usage_per_call(&mark, &end, calls, &r->lat_client, &r->lat_server);
	if (n) {
		qsort(s, n, sizeof(*s), cmp_u32);
		r->samples = n;
		r->p50_us = percentile(s, n, 50);
		r->p99_us = percentile(s, n, 99);
		r->max_us = (double)s[n - 1];
		r->mean_us = (double)sum / (double)n;
	}
out:
	if (conn)
		p->conn_close(conn);
	free(s);
}

struct tput_shared {
	const struct bench_peer *peer;
	/* ready: every thread connected; go: t_end is set; done: every
	 * thread stopped calling (usage is read); closed: may disconnect
	 * (a plain server's thread ends with its connection, and its
	 * counts with it) */
	pthread_barrier_t ready, go, done, closed;
	uint64_t t_start, t_end;
	pthread_mutex_t lock;
	uint64_t calls, last_us;
	unsigned errors;
	unsigned not_open;
};

static void *tput_thread(void *arg)
{
	struct tput_shared *sh = arg;
	void *conn = sh->peer->conn_open(sh->peer->arg);
	uint64_t calls = 0, now = 0;
	unsigned errors = 0;

	/* Every thread passes every barrier, connected or not. */
	pthread_barrier_wait(&sh->ready);
	pthread_barrier_wait(&sh->go);
	if (!conn)
		goto out;
	for (;;) {
		now = ov_now_us();
		if (now >= sh->t_end || bench_stop)
			break;
		if (sh->peer->roundtrip(conn))
			calls++;
		else if (++errors >= BENCH_MAX_ERRORS)
			break;
	}
out:
	pthread_barrier_wait(&sh->done);
	pthread_barrier_wait(&sh->closed);
	if (conn)
		sh->peer->conn_close(conn);
	pthread_mutex_lock(&sh->lock);
	sh->calls += calls;
	sh->errors += errors;
	sh->not_open += !conn;
	if (now > sh->last_us)
		sh->last_us = now;
	pthread_mutex_unlock(&sh->lock);
	return NULL;
}

static void throughput(const struct bench_peer *p,
		       const struct bench_params *bp, struct bench_result *r)
{
	struct tput_shared sh = {.peer = p};
	pthread_t th[BENCH_MAX_THREADS];
	unsigned n = bp->threads;

	pthread_mutex_init(&sh.lock, NULL);
	pthread_barrier_init(&sh.ready, NULL, n + 1);
	pthread_barrier_init(&sh.go, NULL, n + 1);
	pthread_barrier_init(&sh.done, NULL, n + 1);
	pthread_barrier_init(&sh.closed, NULL, n + 1);
	for (unsigned i = 0; i < n; i++) {
		if (pthread_create(&th[i], NULL, tput_thread, &sh) != 0) {
			/* The barriers would never open. */
			fprintf(stderr, "bench-bus: pthread_create failed\n");
			exit(1);
		}
	}
	/* The clock starts once every client is connected. */
	pthread_barrier_wait(&sh.ready);
	struct usage_mark mark;
	usage_mark(p, &mark);
	sh.t_start = ov_now_us();
	sh.t_end = sh.t_start + (uint64_t)bp->duration_ms * 1000u;
	pthread_barrier_wait(&sh.go);
	pthread_barrier_wait(&sh.done);
	struct usage_mark end;
	usage_mark(p, &end);
	pthread_barrier_wait(&sh.closed);
	for (unsigned i = 0; i < n; i++)
		pthread_join(th[i], NULL);
	pthread_barrier_destroy(&sh.ready);
	pthread_barrier_destroy(&sh.go);
	pthread_barrier_destroy(&sh.done);
	pthread_barrier_destroy(&sh.closed);
	pthread_mutex_destroy(&sh.lock);
	r->tput_calls = sh.calls;
	r->tput_errors = sh.errors + sh.not_open;
	usage_per_call(&mark, &end, sh.calls + sh.errors, &r->tput_client,
		       &r->tput_server);
	if (sh.last_us > sh.t_start)
		r->rps = (double)sh.calls * 1e6 /
			 (double)(sh.last_us - sh.t_start);
}

void bench_measure(const struct bench_peer *p, const struct bench_params *bp,
		   struct bench_result *r)
{
	memset(r, 0, sizeof(*r));
	r->ran = true;
	latency(p, bp, r);
	if (!bench_stop)
		throughput(p, bp, r);
}

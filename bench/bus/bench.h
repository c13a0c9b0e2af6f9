/*
 * bench-bus: request/reply through lib/bus.h (nng REQ/REP) against a
 * plain socket echo, client and server in two processes on loopback.
 *
 * main.c wires the runs and prints the table; measure.c times any
 * struct bench_peer; nng.c and plain.c are the two kinds of peer and
 * their servers; child.c starts and stops the server process.
 */
#ifndef BENCH_BUS_H
#define BENCH_BUS_H

#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define BENCH_MAX_THREADS 64
/* A phase gives up after this many failed calls (each may take up to
 * BENCH_DEADLINE_MS), so a broken server cannot stall the run. */
#define BENCH_MAX_ERRORS 10
#define BENCH_DEADLINE_MS 1000u
#define BENCH_REQUEST_ID "bench-0123456789"

/* Set by SIGINT/SIGTERM: every loop stops early. */
extern volatile sig_atomic_t bench_stop;

struct bench_params {
	unsigned warmup;      /* calls before the latency samples */
	unsigned calls;	      /* latency samples, one client */
	unsigned threads;     /* concurrent clients for throughput */
	unsigned duration_ms; /* of the throughput phase */
	unsigned workers;     /* nng server workers */
};

/* One way to reach a server. conn_open is called once per client
 * thread: a peer that shares one connection returns the same pointer. */
struct bench_peer {
	void *(*conn_open)(void *arg);
	bool (*roundtrip)(void *conn); /* true on a good reply */
	void (*conn_close)(void *conn);
	void *arg;
	pid_t server; /* whose CPU time to count */
};

/* What a call costs a process: CPU time and context switches (both
 * voluntary and not), over every thread. */
struct bench_cost {
	double cpu_us;
	double switches;
};

struct bench_result {
	bool ran;
	/* latency, one client */
	size_t samples;
	unsigned lat_errors;
	double p50_us, p99_us, mean_us, max_us;
	/* throughput, params.threads clients */
	uint64_t tput_calls;
	unsigned tput_errors;
	double rps;
	/* Per call, in each process: the latency phase (without its
	 * warm-up) and the throughput phase. */
	struct bench_cost lat_client, lat_server, tput_client, tput_server;
};

/* measure.c */
void bench_measure(const struct bench_peer *p, const struct bench_params *bp,
		   struct bench_result *r);
/* CPU time and context switches so far of this process (pid 0) or
 * of pid (from /proc: CPU in clock ticks, threads still alive). */
bool bench_usage(pid_t pid, struct bench_cost *u);

/* child.c: runs this program again with "--serve" and args, and waits
 * until it writes one byte to its stdout (ready). */
bool bench_child_start(const char *const *args, pid_t *pid);
/* SIGTERM, then SIGKILL after a grace. */
void bench_child_stop(pid_t pid);
/* A port on 127.0.0.1 that was free a moment ago; 0 on failure. */
unsigned bench_free_port(void);
/* Tells the parent the server is ready (writes to stdout). */
void bench_child_ready(void);
/* Blocks SIGTERM and SIGINT in every thread started after it. */
void bench_block_signals(void);
/* Waits for SIGTERM or SIGINT (blocked before). */
void bench_wait_signal(void);

/* nng.c */
int bench_nng_serve(const char *url, unsigned workers);
struct ov_bus_client *bench_nng_client_new(const char *url);
void bench_nng_peer(struct ov_bus_client *c, struct bench_peer *p);
/* Sizes on the wire of the ping request and reply payloads. */
void bench_nng_sizes(size_t *req, size_t *rep);

/* plain.c: a length-prefixed echo over AF_UNIX or TCP stream sockets.
 * kind is "unix" (addr: a path) or "tcp" (addr: a port on 127.0.0.1). */
int bench_plain_serve(const char *kind, const char *addr);
struct plain_target {
	bool tcp;
	char path[108]; /* unix */
	unsigned port;	/* tcp */
	size_t req_len, rep_len;
};
void bench_plain_peer(struct plain_target *t, struct bench_peer *p);

#endif

/*
 * bench-bus: the bus's request/reply (lib/bus.h over nng) between two
 * processes, on ipc:// and tcp://127.0.0.1, against a plain stream
 * socket echo of the same sizes measured in the same run.
 *
 *	bench-bus [--calls N] [--warmup N] [--threads N] [--duration-ms N]
 *		  [--workers N] [--only ipc|tcp]
 *
 * Prints a table, the ratios nng/baseline and whether the targets are
 * met. The exit status never depends on timing: it is 1 only when a
 * server could not be started or reached.
 */
#include "bench.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <nng/nng.h>

#include "bus.h"
#include "log.h"

#define TARGET_IPC_P99_US 500.0
#define TARGET_RPS 20000.0

volatile sig_atomic_t bench_stop;

enum run_id {
	RUN_UNIX,
	RUN_IPC,
	RUN_TCP_PLAIN,
	RUN_TCP,
	RUN_COUNT
};

static const char *const run_label[RUN_COUNT] = {
	[RUN_UNIX] = "unix  plain (base)",
	[RUN_IPC] = "ipc   nng bus",
	[RUN_TCP_PLAIN] = "tcp   plain (base)",
	[RUN_TCP] = "tcp   nng bus",
};

struct bench {
	struct bench_params p;
	char dir[64];
	char ipc_url[128];
	char unix_path[108];
	size_t req_len, rep_len;
	struct bench_result r[RUN_COUNT];
	bool failed;
	const char *only; /* "ipc" or "tcp": that pair of runs alone */
};

static void on_signal(int sig)
{
	(void)sig;
	bench_stop = 1;
}

static bool parse_uint(const char *s, unsigned lo, unsigned hi, unsigned *out)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno || end == s || *end || v < (long)lo || v > (long)hi)
		return false;
	*out = (unsigned)v;
	return true;
}

static int usage(void)
{
	fprintf(stderr,
		"usage: bench-bus [--calls N] [--warmup N] [--threads N] "
		"[--duration-ms N] [--workers N]\n"
		"                 [--only ipc|tcp]\n");
	return 2;
}

static int parse_args(int argc, char **argv, struct bench *b)
{
	struct bench_params *p = &b->p;
	static const struct {
		const char *name;
		unsigned lo, hi;
		size_t off;
	} opts[] = {
		{"--calls", 1, 10000000, offsetof(struct bench_params, calls)},
		{"--warmup", 0, 1000000, offsetof(struct bench_params, warmup)},
		{"--threads", 1, BENCH_MAX_THREADS,
		 offsetof(struct bench_params, threads)},
		{"--duration-ms", 100, 60000,
		 offsetof(struct bench_params, duration_ms)},
		{"--workers", 1, 256, offsetof(struct bench_params, workers)},
	};

	for (int i = 1; i < argc; i += 2) {
		size_t k = 0;
		if (strcmp(argv[i], "--only") == 0 && i + 1 < argc &&
		    (strcmp(argv[i + 1], "ipc") == 0 ||
		     strcmp(argv[i + 1], "tcp") == 0)) {
			b->only = argv[i + 1];
			continue;
		}
		while (k < sizeof(opts) / sizeof(opts[0]) &&
		       strcmp(argv[i], opts[k].name) != 0)
			k++;
		if (k == sizeof(opts) / sizeof(opts[0]) || i + 1 >= argc)
			return usage();
		unsigned *field = (unsigned *)(void *)((char *)p + opts[k].off);
		if (!parse_uint(argv[i + 1], opts[k].lo, opts[k].hi, field))
			return usage();
	}
	return 0;
}

/* "--serve nng URL WORKERS" or "--serve unix|tcp ADDR": the child. */
static int serve(int argc, char **argv)
{
	unsigned workers;

	ov_log_init("bench-bus", OV_LOG_WARN);
	if (argc == 5 && strcmp(argv[2], "nng") == 0 &&
	    parse_uint(argv[4], 1, 256, &workers))
		return bench_nng_serve(argv[3], workers);
	if (argc == 4 &&
	    (strcmp(argv[2], "unix") == 0 || strcmp(argv[2], "tcp") == 0))
		return bench_plain_serve(argv[2], argv[3]);
	return usage();
}

/* Runs a server child with args, measures peer against it. */
static void measure_with(struct bench *b, enum run_id id,
			 const char *const *args, struct bench_peer *peer,
			 const char *url)
{
	struct bench_result *r = &b->r[id];
	struct ov_bus_client *c = NULL;
	pid_t pid;

	fprintf(stderr, "bench-bus: %s ...\n", run_label[id]);
	if (!bench_child_start(args, &pid)) {
		b->failed = true;
		return;
	}
	peer->server = pid;
	if (url) {
		c = bench_nng_client_new(url);
		if (!c) {
			b->failed = true;
			goto out;
		}
		bench_nng_peer(c, peer);
	}
	bench_measure(peer, &b->p, r);
	if (!r->samples && !bench_stop)
		b->failed = true;
out:
	ov_bus_client_free(c);
	bench_child_stop(pid);
}

static void run_all(struct bench *b)
{
	struct plain_target pt = {.req_len = b->req_len, .rep_len = b->rep_len};
	struct bench_peer peer;
	char workers[16], port[16], url[64];
	bool ipc = !b->only || strcmp(b->only, "ipc") == 0;
	bool tcp = !b->only || strcmp(b->only, "tcp") == 0;

	snprintf(workers, sizeof(workers), "%u", b->p.workers);

	memcpy(pt.path, b->unix_path, sizeof(pt.path));
	bench_plain_peer(&pt, &peer);
	const char *unix_args[] = {"unix", b->unix_path, NULL};
	if (ipc && !bench_stop)
		measure_with(b, RUN_UNIX, unix_args, &peer, NULL);

	const char *ipc_args[] = {"nng", b->ipc_url, workers, NULL};
	if (ipc && !bench_stop)
		measure_with(b, RUN_IPC, ipc_args, &peer, b->ipc_url);

	pt.tcp = true;
	pt.port = bench_free_port();
	snprintf(port, sizeof(port), "%u", pt.port);
	bench_plain_peer(&pt, &peer);
	const char *tcp_plain_args[] = {"tcp", port, NULL};
	if (tcp && !bench_stop)
		measure_with(b, RUN_TCP_PLAIN, tcp_plain_args, &peer, NULL);

	snprintf(url, sizeof(url), "tcp://127.0.0.1:%u", bench_free_port());
	const char *tcp_args[] = {"nng", url, workers, NULL};
	if (tcp && !bench_stop)
		measure_with(b, RUN_TCP, tcp_args, &peer, url);
}

/* ---- report ---- */

static bool has_lat(const struct bench_result *r)
{
	return r->ran && r->samples > 0;
}

static bool has_tput(const struct bench_result *r)
{
	return r->ran && r->tput_calls > 0;
}

static void print_lat_row(const char *label, const struct bench_result *r)
{
	if (!has_lat(r)) {
		printf("%-18s %s\n", label, r->ran ? "no reply" : "not run");
		return;
	}
	printf("%-18s %6.0f %6.0f %7.1f %7.0f %7.1f %6.1f %7.1f %6.1f %5u\n",
	       label, r->p50_us, r->p99_us, r->mean_us, r->max_us,
	       r->lat_client.cpu_us, r->lat_server.cpu_us,
	       r->lat_client.switches, r->lat_server.switches, r->lat_errors);
}

static void print_tput_row(const char *label, const struct bench_result *r)
{
	if (!has_tput(r)) {
		printf("%-18s %s\n", label, r->ran ? "no reply" : "not run");
		return;
	}
	printf("%-18s %9.0f %15s %7.1f %6.1f %7.1f %6.1f %5u\n", label, r->rps,
	       "", r->tput_client.cpu_us, r->tput_server.cpu_us,
	       r->tput_client.switches, r->tput_server.switches,
	       r->tput_errors);
}

static double ratio(double a, double b)
{
	return b > 0 ? a / b : 0;
}

static double cost_ratio(struct bench_cost nc, struct bench_cost ns,
			 struct bench_cost bc, struct bench_cost bs, bool cpu)
{
	return cpu ? ratio(nc.cpu_us + ns.cpu_us, bc.cpu_us + bs.cpu_us)
		   : ratio(nc.switches + ns.switches,
			   bc.switches + bs.switches);
}

static void print_ratio(const char *label, const struct bench_result *n,
			const struct bench_result *b)
{
	if (!has_lat(n) || !has_lat(b)) {
		printf("%-18s -\n", label);
		return;
	}
	printf("%-18s %5.1fx %5.1fx %6.1fx %6.1fx %7.1fx ", label,
	       ratio(n->p50_us, b->p50_us), ratio(n->p99_us, b->p99_us),
	       ratio(n->mean_us, b->mean_us),
	       cost_ratio(n->lat_client, n->lat_server, b->lat_client,
			  b->lat_server, true),
	       cost_ratio(n->lat_client, n->lat_server, b->lat_client,
			  b->lat_server, false));
	if (has_tput(n) && has_tput(b))
		printf(" %8.2fx %6.1fx %7.1fx", ratio(n->rps, b->rps),
		       cost_ratio(n->tput_client, n->tput_server,
				  b->tput_client, b->tput_server, true),
		       cost_ratio(n->tput_client, n->tput_server,
				  b->tput_client, b->tput_server, false));
	printf("\n");
}

static void print_target(const char *what, double v, const char *unit, bool ran,
			 bool met)
{
	if (!ran)
		printf("  %-38s %10s  not measured\n", what, "-");
	else
		printf("  %-38s %8.0f %s  %s\n", what, v, unit,
		       met ? "met" : "NOT MET");
}

static void report(const struct bench *b)
{
	const struct bench_result *r = b->r;
	long cpus = sysconf(_SC_NPROCESSORS_ONLN);
	char what[64];

	printf("\nbench-bus: request/reply between two processes on "
	       "loopback, %ld CPUs online\n",
	       cpus);
	printf("  nng bus: nng %s REQ/REP through lib/bus.h, "
	       "ov_bus_client_call(\"ping\") answered\n"
	       "    with an ov.PingReply by %u server workers; one "
	       "ov_bus_client shared by all threads\n",
	       nng_version(), b->p.workers);
	printf("  plain (base): length-prefixed echo on a SOCK_STREAM socket, "
	       "same payload sizes\n"
	       "    (request %zu B, reply %zu B), one connection and server "
	       "thread per client\n",
	       b->req_len, b->rep_len);
	printf("  cpu and switches: per call, in the client and in the server "
	       "process, all threads\n\n");

	printf("latency: 1 client, %u calls after %u warm-up\n", b->p.calls,
	       b->p.warmup);
	printf("%-18s %6s %6s %7s %7s %14s %14s %5s\n", "", "p50", "p99",
	       "mean", "max", "cpu us/call", "switches/call", "");
	printf("%-18s %6s %6s %7s %7s %7s %6s %7s %6s %5s\n", "transport", "us",
	       "us", "us", "us", "client", "server", "client", "server",
	       "errs");
	for (int i = 0; i < RUN_COUNT; i++)
		print_lat_row(run_label[i], &r[i]);

	printf("\nthroughput: %u clients for %.1f s\n", b->p.threads,
	       (double)b->p.duration_ms / 1000.0);
	printf("%-18s %9s %15s %14s %14s %5s\n", "", "req/s", "", "cpu us/call",
	       "switches/call", "");
	printf("%-18s %9s %15s %7s %6s %7s %6s %5s\n", "transport", "", "",
	       "client", "server", "client", "server", "errs");
	for (int i = 0; i < RUN_COUNT; i++)
		print_tput_row(run_label[i], &r[i]);

	printf("\nratios nng bus / plain (>1x: nng costs more; req/s <1x: "
	       "nng is slower)\n");
	printf("%-18s %-38s %s\n", "", "-------------- 1 client --------------",
	       "------- throughput -------");
	printf("%-18s %6s %6s %7s %7s %8s %9s %7s %8s\n", "", "p50", "p99",
	       "mean", "cpu", "switches", "req/s", "cpu", "switches");
	print_ratio("ipc nng / unix", &r[RUN_IPC], &r[RUN_UNIX]);
	print_ratio("tcp nng / tcp", &r[RUN_TCP], &r[RUN_TCP_PLAIN]);

	printf("\ntargets (reported only: timing never fails the run)\n");
	print_target("ipc p99 under 500 us", r[RUN_IPC].p99_us, "us",
		     has_lat(&r[RUN_IPC]),
		     r[RUN_IPC].p99_us < TARGET_IPC_P99_US);
	snprintf(what, sizeof(what), "ipc at least %.0f req/s, %u clients",
		 TARGET_RPS, b->p.threads);
	print_target(what, r[RUN_IPC].rps, "/s", has_tput(&r[RUN_IPC]),
		     r[RUN_IPC].rps >= TARGET_RPS);
	snprintf(what, sizeof(what), "tcp at least %.0f req/s, %u clients",
		 TARGET_RPS, b->p.threads);
	print_target(what, r[RUN_TCP].rps, "/s", has_tput(&r[RUN_TCP]),
		     r[RUN_TCP].rps >= TARGET_RPS);
}

int main(int argc, char **argv)
{
	struct bench b = {.p = {.warmup = 2000,
				.calls = 20000,
				.threads = 8,
				.duration_ms = 2000,
				.workers = 8}};
	struct sigaction sa = {.sa_handler = on_signal};
	const char *tmp = getenv("TMPDIR");
	int rv;

	if (argc > 1 && strcmp(argv[1], "--serve") == 0)
		return serve(argc, argv);
	if ((rv = parse_args(argc, argv, &b)) != 0)
		return rv;
	ov_log_init("bench-bus", OV_LOG_WARN);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);

	if (!tmp || !*tmp || strlen(tmp) > 32)
		tmp = "/tmp";
	snprintf(b.dir, sizeof(b.dir), "%s/ov-bench-bus.XXXXXX", tmp);
	if (!mkdtemp(b.dir)) {
		fprintf(stderr, "bench-bus: mkdtemp %s: %s\n", b.dir,
			strerror(errno));
		return 1;
	}
	snprintf(b.ipc_url, sizeof(b.ipc_url), "ipc://%s/bus.ipc", b.dir);
	snprintf(b.unix_path, sizeof(b.unix_path), "%s/echo.sock", b.dir);
	bench_nng_sizes(&b.req_len, &b.rep_len);

	run_all(&b);

	unlink(b.unix_path);
	unlink(b.ipc_url + strlen("ipc://"));
	rmdir(b.dir);
	report(&b);
	if (bench_stop)
		fprintf(stderr, "bench-bus: interrupted\n");
	return b.failed ? 1 : 0;
}

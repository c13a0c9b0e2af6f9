/*
 * The server side runs in a second process: this program again, with
 * "--serve". It says it is ready by writing one byte to its stdout (a
 * pipe), dies with the parent (PR_SET_PDEATHSIG) and leaves on SIGTERM.
 */
#include "bench.h"

#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define READY_TIMEOUT_MS 5000
#define STOP_GRACE_MS 3000
#define MAX_ARGS 8

static void sleep_ms(unsigned ms)
{
	struct timespec ts = {(time_t)(ms / 1000),
			      (long)(ms % 1000) * 1000000L};

	nanosleep(&ts, NULL);
}

bool bench_child_start(const char *const *args, pid_t *out)
{
	char exe[4096];
	char *argv[MAX_ARGS + 3];
	int fds[2];
	size_t n = 0;
	pid_t parent = getpid();

	ssize_t len = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	if (len <= 0)
		return false;
	exe[len] = '\0';
	argv[n++] = exe;
	argv[n++] = (char *)"--serve";
	for (size_t i = 0; args[i] && i < MAX_ARGS; i++)
		argv[n++] = (char *)args[i];
	argv[n] = NULL;

	if (pipe2(fds, O_CLOEXEC) != 0)
		return false;
	pid_t pid = fork();
	if (pid < 0) {
		close(fds[0]);
		close(fds[1]);
		return false;
	}
	if (pid == 0) {
		/* Only async-signal-safe calls until exec: the parent may
		 * have nng's threads running. */
		prctl(PR_SET_PDEATHSIG, SIGTERM);
		if (getppid() != parent)
			_exit(127);
		if (dup2(fds[1], STDOUT_FILENO) < 0)
			_exit(127);
		execv(exe, argv);
		_exit(127);
	}
	close(fds[1]);

	struct pollfd pfd = {.fd = fds[0], .events = POLLIN};
	char c = 0;
	bool ok = false;
	int rv;
	do {
		rv = poll(&pfd, 1, READY_TIMEOUT_MS);
	} while (rv < 0 && errno == EINTR);
	if (rv == 1 && read(fds[0], &c, 1) == 1 && c == 'R')
		ok = true;
	close(fds[0]);
	if (!ok) {
		fprintf(stderr, "bench-bus: server %s %s did not start\n",
			args[0], args[1] ? args[1] : "");
		bench_child_stop(pid);
		return false;
	}
	*out = pid;
	return true;
}

void bench_child_stop(pid_t pid)
{
	int status;
	pid_t rv = 0;

	kill(pid, SIGTERM);
	for (unsigned waited = 0; waited < STOP_GRACE_MS; waited += 5) {
		rv = waitpid(pid, &status, WNOHANG);
		if (rv != 0)
			break;
		sleep_ms(5);
	}
	if (rv == 0) {
		fprintf(stderr, "bench-bus: server %d ignored SIGTERM\n",
			(int)pid);
		kill(pid, SIGKILL);
		waitpid(pid, &status, 0);
	}
}

unsigned bench_free_port(void)
{
	struct sockaddr_in sa = {.sin_family = AF_INET,
				 .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	socklen_t sl = sizeof(sa);
	unsigned port = 0;
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

	if (fd < 0)
		return 0;
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0 &&
	    getsockname(fd, (struct sockaddr *)&sa, &sl) == 0)
		port = ntohs(sa.sin_port);
	close(fd);
	return port;
}

void bench_child_ready(void)
{
	ssize_t rv;

	do {
		rv = write(STDOUT_FILENO, "R", 1);
	} while (rv < 0 && errno == EINTR);
}

static sigset_t stop_signals(void)
{
	sigset_t set;

	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	return set;
}

void bench_block_signals(void)
{
	sigset_t set = stop_signals();

	pthread_sigmask(SIG_BLOCK, &set, NULL);
}

void bench_wait_signal(void)
{
	sigset_t set = stop_signals();
	int sig;

	while (sigwait(&set, &sig) != 0)
		;
}

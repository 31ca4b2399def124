/* nettests.h: what the socket test groups share. Each t_*.c is #included by nettests.c into
 * one translation unit (kt.h keeps one set of counters). Every group that depends on an
 * address runs once per address in `addrs` (127.0.0.1, and 10.0.2.15 when eth0 is up), with
 * the address in the check names. Children report through their exit status.
 */
#ifndef NETTESTS_H
#define NETTESTS_H

#include "../common/kt.h"
#include "../common/netup.h"

#include <limits.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <signal.h>
#include <sys/epoll.h>
#include <sys/select.h>
#include <sys/sendfile.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <time.h>

#define HELLO_TXT "/usr/share/keel-tests/hello.txt"
#define HELLO_CONTENT "Hello from the Keel initrd.\n"

static const char *cur_addr = "127.0.0.1"; /* the address under test */
static char namebuf[256];

/* A check name with the address appended: "connect_refused@127.0.0.1". */
static const char *N(const char *base)
{
	snprintf(namebuf, sizeof namebuf, "%s@%s", base, cur_addr);
	return namebuf;
}

/* The result of a libc call as a raw result: -errno on failure. */
static long R(long r)
{
	return r < 0 ? -errno : r;
}

static long now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000L + ts.tv_nsec / 1000000L;
}

static void msleep(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };
	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

static struct sockaddr_in sin_of(const char *ip, int port)
{
	struct sockaddr_in s;
	memset(&s, 0, sizeof s);
	s.sin_family = AF_INET;
	s.sin_port = htons(port);
	inet_pton(AF_INET, ip, &s.sin_addr);
	return s;
}

static int tcp_socket(void)
{
	return socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
}

/* A listening socket on cur_addr with an ephemeral port; the port in *port. */
static int listener(int backlog, int *port)
{
	int s = tcp_socket();
	struct sockaddr_in a = sin_of(cur_addr, 0);
	socklen_t l = sizeof a;
	if (s < 0 || bind(s, (struct sockaddr *)&a, sizeof a) < 0 || listen(s, backlog) < 0 ||
	    getsockname(s, (struct sockaddr *)&a, &l) < 0) {
		printf("info: listener on %s: %s\n", cur_addr, strerror(errno));
		return -1;
	}
	*port = ntohs(a.sin_port);
	return s;
}

/* A blocking connection to cur_addr:port, or -1. */
static int dial(int port)
{
	int s = tcp_socket();
	struct sockaddr_in a = sin_of(cur_addr, port);
	if (s < 0 || connect(s, (struct sockaddr *)&a, sizeof a) < 0) {
		int e = errno;
		if (s >= 0)
			close(s);
		errno = e;
		return -1;
	}
	return s;
}

/* A connected pair over cur_addr: *c the client, *s the accepted server side. */
static int pair(int *c, int *s)
{
	int port, l = listener(4, &port);
	if (l < 0)
		return -1;
	*c = dial(port);
	*s = *c >= 0 ? accept(l, NULL, NULL) : -1;
	close(l);
	if (*c < 0 || *s < 0) {
		printf("info: pair on %s: %s\n", cur_addr, strerror(errno));
		return -1;
	}
	return 0;
}

/* A closed port: bound, never listening, then closed (its number is free again). */
static int closed_port(void)
{
	int port, l = listener(1, &port);
	close(l);
	return port;
}

static int so_error(int s)
{
	int e = -1;
	socklen_t l = sizeof e;
	getsockopt(s, SOL_SOCKET, SO_ERROR, &e, &l);
	return e;
}

static short revents(int fd, short events, int timeout_ms)
{
	struct pollfd p = { fd, events, 0 };
	int r = poll(&p, 1, timeout_ms);
	return r > 0 ? p.revents : 0;
}

/* wait4 retried on EINTR: the status, or -1. */
static int reap(pid_t pid)
{
	int st = 0;
	while (waitpid(pid, &st, 0) < 0) {
		if (errno != EINTR)
			return -1;
	}
	return st;
}

static void expect_child_ok(const char *name, pid_t pid)
{
	int st = reap(pid);
	if (WIFEXITED(st) && WEXITSTATUS(st) == 0)
		kt_pass(name);
	else
		kt_fail(name, "child status %#x (exit %d, signal %d)", st,
			WIFEXITED(st) ? WEXITSTATUS(st) : -1, WIFSIGNALED(st) ? WTERMSIG(st) : 0);
}

#endif

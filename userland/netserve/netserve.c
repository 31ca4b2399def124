/* netserve: the network programs the host-side tests and the benchmark run in the guest,
 * the same binary on Keel and on Linux. The mode comes from argv[1] or, as PID 1, from
 * keel_netserve=MODE in the environment (the kernel passes `a=b` words to init):
 *
 *   http [PORT]   an HTTP/1.0 server on PORT (default 80): every GET gets a small page;
 *                 `GET /quit` ends the server, which prints `N passed, 0 failed` (N requests)
 *                 and, as PID 1, powers off. One process, one connection at a time.
 *   echo [PORT]   a TCP echo server (default 7), a child per connection; `quit\n` ends it.
 *   bench         in-guest 127.0.0.1 benchmarks, `BENCH name value iterations unit` lines
 *                 (tools/bench.sh format): tcp-rtt-1b (a 1-byte round trip, ns/op),
 *                 tcp-bw-64k (64 KiB writes, MiB/s), tcp-connect (connect + accept + close
 *                 of both, ns/op)
 *   exec PROG     bring the network up (../common/netup.h) and exec PROG: how Linux runs
 *                 the Rust network test as PID 1 (keel_netserve=exec:PROG).
 * Before serving it brings the network up (on Linux: modules, lo, eth0 10.0.2.15/24).
 */
#include "../common/kt.h"
#include "../common/netup.h"

#include <netinet/tcp.h>
#include <signal.h>
#include <sys/wait.h>
#include <time.h>

static long now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000L + ts.tv_nsec;
}

static int listen_on(const char *ip, int port, int backlog)
{
	int s = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0), one = 1;
	struct sockaddr_in a;
	memset(&a, 0, sizeof a);
	a.sin_family = AF_INET;
	a.sin_port = htons(port);
	inet_pton(AF_INET, ip, &a.sin_addr);
	setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
	if (bind(s, (struct sockaddr *)&a, sizeof a) < 0 || listen(s, backlog) < 0) {
		printf("netserve: listen on %s:%d: %s\n", ip, port, strerror(errno));
		return -1;
	}
	return s;
}

static int http(int port)
{
	int l = listen_on("0.0.0.0", port, 128);
	if (l < 0)
		return 1;
	printf("netserve: http listening on port %d\n", port);
	fflush(stdout);
	long served = 0, errors = 0, rejected = 0;
	for (;;) {
		int c = accept(l, NULL, NULL);
		if (c < 0) {
			errors++;
			continue;
		}
		/* A client that connects and says nothing (a flood) must not stall the server. */
		struct timeval tv = { 2, 0 };
		setsockopt(c, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
		char req[2048];
		int n = 0, k;
		while (n < (int)sizeof req - 1 && (k = read(c, req + n, sizeof req - 1 - n)) > 0) {
			n += k;
			req[n] = 0;
			if (strstr(req, "\r\n\r\n"))
				break;
		}
		req[n] = 0;
		int quit = strncmp(req, "GET /quit", 9) == 0;
		char body[128], resp[512];
		int bl = snprintf(body, sizeof body, "hello from netserve, request %ld\n", served + 1);
		int rl = snprintf(resp, sizeof resp,
				  "HTTP/1.0 200 OK\r\nContent-Type: text/plain\r\nContent-Length: %d\r\n"
				  "Connection: close\r\n\r\n%s",
				  bl, body);
		/* Garbage, silence and resets from the flood are counted apart: they are the
		 * clients' errors, not the server's. */
		if (n > 0 && strncmp(req, "GET ", 4) == 0 && write(c, resp, rl) == rl)
			served++;
		else
			rejected++;
		shutdown(c, SHUT_WR);
		close(c);
		if (quit)
			break;
	}
	printf("netserve: served %ld requests, %ld errors, %ld bad or silent clients\n", served,
	       errors, rejected);
	kt_passed = (int)served;
	kt_failed = (int)errors;
	kt_finish();
}

static int echo(int port)
{
	int l = listen_on("0.0.0.0", port, 64);
	if (l < 0)
		return 1;
	signal(SIGCHLD, SIG_IGN);
	printf("netserve: echo listening on port %d\n", port);
	fflush(stdout);
	for (;;) {
		int c = accept(l, NULL, NULL);
		if (c < 0)
			continue;
		char buf[4096];
		int k = read(c, buf, sizeof buf);
		if (k == 5 && memcmp(buf, "quit\n", 5) == 0) {
			close(c);
			break;
		}
		if (fork() == 0) {
			while (k > 0) {
				if (write(c, buf, k) != k)
					_exit(1);
				k = read(c, buf, sizeof buf);
			}
			_exit(0);
		}
		close(c);
	}
	kt_pass("echo_server_ran");
	kt_finish();
}

static void bench_line(const char *name, double v, long iters, const char *unit)
{
	printf("BENCH %s %.1f %ld %s\n", name, v, iters, unit);
	fflush(stdout);
}

static int bench(void)
{
	int one = 1, l = listen_on("127.0.0.1", 0, 128);
	struct sockaddr_in a;
	socklen_t al = sizeof a;
	getsockname(l, (struct sockaddr *)&a, &al);
	/* Round trips of one byte between two processes. */
	pid_t p = fork();
	if (p == 0) {
		int s = accept(l, NULL, NULL);
		setsockopt(s, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
		char b;
		while (read(s, &b, 1) == 1)
			if (write(s, &b, 1) != 1)
				break;
		_exit(0);
	}
	int c = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	connect(c, (struct sockaddr *)&a, sizeof a);
	setsockopt(c, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
	const long rtts = 2000;
	long t0 = now_ns();
	char b = 'x';
	for (long i = 0; i < rtts; i++) {
		if (write(c, &b, 1) != 1 || read(c, &b, 1) != 1) {
			printf("BENCH-ERROR tcp-rtt-1b %s\n", strerror(errno));
			break;
		}
	}
	bench_line("tcp-rtt-1b", (double)(now_ns() - t0) / rtts, rtts, "ns/op");
	close(c);
	waitpid(p, NULL, 0);
	/* Bandwidth: 64 MiB in 64 KiB writes, child to parent. */
	static char buf[65536];
	const long total = 64L << 20;
	p = fork();
	if (p == 0) {
		int s = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
		connect(s, (struct sockaddr *)&a, sizeof a);
		long sent = 0;
		while (sent < total) {
			long k = write(s, buf, sizeof buf);
			if (k <= 0)
				_exit(1);
			sent += k;
		}
		close(s);
		_exit(0);
	}
	int s = accept(l, NULL, NULL);
	t0 = now_ns();
	long got = 0, k;
	while ((k = read(s, buf, sizeof buf)) > 0)
		got += k;
	double secs = (double)(now_ns() - t0) / 1e9;
	if (got == total)
		bench_line("tcp-bw-64k", (double)got / (1 << 20) / secs, total / sizeof buf, "MiB/s");
	else
		printf("BENCH-ERROR tcp-bw-64k got %ld of %ld bytes\n", got, total);
	close(s);
	waitpid(p, NULL, 0);
	/* Connection rate: connect + accept + close of both ends. */
	const long conns = 500;
	t0 = now_ns();
	for (long i = 0; i < conns; i++) {
		int x = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
		if (connect(x, (struct sockaddr *)&a, sizeof a) < 0) {
			printf("BENCH-ERROR tcp-connect %s\n", strerror(errno));
			break;
		}
		int y = accept(l, NULL, NULL);
		close(x);
		close(y);
	}
	bench_line("tcp-connect", (double)(now_ns() - t0) / conns, conns, "ns/op");
	close(l);
	kt_finish();
}

int main(int argc, char **argv)
{
	kt_init();
	char mode[256] = "";
	const char *env = getenv("keel_netserve");
	if (argc > 1)
		snprintf(mode, sizeof mode, "%s", argv[1]);
	else if (env)
		snprintf(mode, sizeof mode, "%s", env);
	/* "http:8080" style from the environment, "http 8080" from argv. */
	char *colon = strchr(mode, ':');
	const char *arg = colon ? colon + 1 : (argc > 2 ? argv[2] : NULL);
	if (colon)
		*colon = 0;
	netup();
	if (strcmp(mode, "http") == 0)
		return http(arg ? atoi(arg) : 80);
	if (strcmp(mode, "echo") == 0)
		return echo(arg ? atoi(arg) : 7);
	if (strcmp(mode, "bench") == 0)
		return bench();
	if (strcmp(mode, "exec") == 0 && arg) {
		char *args[] = { (char *)arg, NULL };
		execv(arg, args);
		printf("netserve: exec %s: %s\n", arg, strerror(errno));
		return 1;
	}
	printf("usage: netserve http|echo [PORT] | bench | exec PROG\n");
	kt_fail("netserve_mode", "unknown mode '%s'", mode);
	kt_finish();
}

/* bench: Keel's micro-benchmarks, the same binary on Keel and on Linux (not a test).
 *
 *   /usr/lib/keel-tests/bench [ROUNDS]      (or keel_bench_rounds=ROUNDS in the environment)
 *
 * Measures with CLOCK_MONOTONIC, best of ROUNDS (default 5) rounds, in this order (the calls
 * Keel has first, so that a benchmark that hangs on a young kernel loses only what follows it):
 *   null-syscall    getppid() through a raw `syscall` instruction
 *   open-close      open + close of /usr/share/keel-tests/hello.txt
 *   page-fault      first touch of each 4 KiB page of a fresh anonymous mapping
 *   stat            stat("/usr/share/keel-tests/hello.txt")
 *   fstat           fstat of an open file
 *   read-zero-4k    read(2) of 4 KiB from /dev/zero
 *   write-null-4k   write(2) of 4 KiB to /dev/null
 *   fork-exit-wait  fork; the child exits at once; the parent wait4s for it
 *   fork-exec-wait  fork; the child execs /usr/lib/keel-tests/bench-true (exits at once, no
 *                   libc); the parent wait4s for it
 *   pipe-roundtrip  1 byte parent -> child through one pipe and back through another
 *   pipe-bw-64k     64 MiB through a pipe in 64 KiB writes, child to parent: MiB/s
 *   unix-roundtrip  pipe-roundtrip through two AF_UNIX stream socket pairs
 *   unix-bw-64k     pipe-bw-64k through an AF_UNIX stream socket pair: MiB/s
 *   epoll-cycle     epoll_create1 + epoll_ctl(ADD) of a pipe's read end + epoll_wait(timeout
 *                   0) + close
 * Every system call under test is a raw `syscall` (kt_sys), so libc adds nothing.
 * Output, parsed by tools/bench.sh: one line per benchmark,
 *   `BENCH name value iterations [unit]`   unit `ns/op` (the default, lower is better) or
 *                                          `MiB/s` (higher is better)
 *   `BENCH-ERROR name reason`              the benchmark failed (e.g. fork: -ENOSYS); the
 *                                          others still run
 * then `0 passed, 0 failed` and, as PID 1, power-off (see ../common/kt.h).
 * keel_bench_only=NAME,NAME... in the environment runs only those benchmarks.
 */
#include "../common/kt.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/epoll.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>

#define HELLO "/usr/share/keel-tests/hello.txt"
#define TRUE_PROG "/usr/lib/keel-tests/bench-true"
#define BW_CHUNK (64 * 1024)
#define BW_TOTAL (64L * 1024 * 1024)

static char errbuf[160];
static char **g_envp;

/* Records why a benchmark failed; the benchmark then returns -1. */
static double fail(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static double fail(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(errbuf, sizeof errbuf, fmt, ap);
	va_end(ap);
	return -1;
}

static int is_err(long r)
{
	return r < 0 && r > -4096;
}

static long now_ns(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec * 1000000000L + t.tv_nsec;
}

/* Waits for child PID; returns 0 if it exited with status 0, else -1 with errbuf set. */
static int reap(long pid, const char *what)
{
	int st = 0;
	long r;
	do
		r = kt_sys4(SYS_wait4, pid, &st, 0, 0);
	while (r == -EINTR);
	if (is_err(r)) {
		fail("%s: wait4: %s", what, kt_res(r));
		return -1;
	}
	if (r != pid) {
		fail("%s: wait4 returned %ld, expected %ld", what, r, pid);
		return -1;
	}
	if (!WIFEXITED(st) || WEXITSTATUS(st) != 0) {
		fail("%s: child status %#x (exit %d, signal %d)", what, st,
		     WIFEXITED(st) ? WEXITSTATUS(st) : -1, WIFSIGNALED(st) ? WTERMSIG(st) : 0);
		return -1;
	}
	return 0;
}

static __attribute__((noreturn)) void child_exit(int code)
{
	for (;;)
		kt_sys1(SYS_exit_group, code);
}

static double null_syscall(long n)
{
	long t0 = now_ns();
	for (long i = 0; i < n; i++)
		kt_sys0(SYS_getppid);
	return (double)(now_ns() - t0) / n;
}

static double open_close(long n)
{
	long t0 = now_ns();
	for (long i = 0; i < n; i++) {
		long fd = kt_sys2(SYS_open, HELLO, O_RDONLY);
		if (is_err(fd))
			return fail("open %s: %s", HELLO, kt_res(fd));
		kt_sys1(SYS_close, fd);
	}
	return (double)(now_ns() - t0) / n;
}

static double page_fault(long pages)
{
	long len = pages * 4096;
	char *p = mmap(0, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED)
		return fail("mmap: %s", strerror(errno));
	long t0 = now_ns();
	for (long off = 0; off < len; off += 4096)
		((volatile char *)p)[off] = 1;
	double r = (double)(now_ns() - t0) / pages;
	munmap(p, len);
	return r;
}

static double stat_path(long n)
{
	struct stat st;
	long t0 = now_ns();
	for (long i = 0; i < n; i++) {
		long r = kt_sys2(SYS_stat, HELLO, &st);
		if (is_err(r))
			return fail("stat %s: %s", HELLO, kt_res(r));
	}
	return (double)(now_ns() - t0) / n;
}

static double fstat_fd(long n)
{
	struct stat st;
	long fd = kt_sys2(SYS_open, HELLO, O_RDONLY);
	if (is_err(fd))
		return fail("open %s: %s", HELLO, kt_res(fd));
	long t0 = now_ns();
	for (long i = 0; i < n; i++) {
		long r = kt_sys2(SYS_fstat, fd, &st);
		if (is_err(r)) {
			kt_sys1(SYS_close, fd);
			return fail("fstat: %s", kt_res(r));
		}
	}
	double v = (double)(now_ns() - t0) / n;
	kt_sys1(SYS_close, fd);
	return v;
}

static char iobuf[4096];

/* N reads (or writes) of 4 KiB on DEV, each of which must move all 4096 bytes. */
static double dev_rw(long n, const char *dev, int nr, int flags)
{
	long fd = kt_sys2(SYS_open, dev, flags);
	if (is_err(fd))
		return fail("open %s: %s", dev, kt_res(fd));
	long t0 = now_ns();
	for (long i = 0; i < n; i++) {
		long r = kt_sys3(nr, fd, iobuf, sizeof iobuf);
		if (r != (long)sizeof iobuf) {
			kt_sys1(SYS_close, fd);
			return fail("%s %s: %s, expected 4096", nr == SYS_read ? "read" : "write", dev,
				    kt_res(r));
		}
	}
	double v = (double)(now_ns() - t0) / n;
	kt_sys1(SYS_close, fd);
	return v;
}

static double read_zero(long n)
{
	return dev_rw(n, "/dev/zero", SYS_read, O_RDONLY);
}

static double write_null(long n)
{
	return dev_rw(n, "/dev/null", SYS_write, O_WRONLY);
}

static double fork_exit_wait(long n)
{
	long t0 = now_ns();
	for (long i = 0; i < n; i++) {
		long pid = kt_sys0(SYS_fork);
		if (pid == 0)
			child_exit(0);
		if (is_err(pid))
			return fail("fork: %s", kt_res(pid));
		if (reap(pid, "fork-exit-wait"))
			return -1;
	}
	return (double)(now_ns() - t0) / n;
}

static double fork_exec_wait(long n)
{
	char *argv[] = { (char *)TRUE_PROG, NULL };
	long t0 = now_ns();
	for (long i = 0; i < n; i++) {
		long pid = kt_sys0(SYS_fork);
		if (pid == 0) {
			kt_sys3(SYS_execve, TRUE_PROG, argv, g_envp);
			child_exit(127);
		}
		if (is_err(pid))
			return fail("fork: %s", kt_res(pid));
		if (reap(pid, "fork-exec-wait (status 127: execve " TRUE_PROG " failed)"))
			return -1;
	}
	return (double)(now_ns() - t0) / n;
}

static void close_fds(long *fds, int count)
{
	for (int i = 0; i < count; i++)
		if (fds[i] >= 0)
			kt_sys1(SYS_close, fds[i]);
}

/* pipe2 into two longs (the raw call writes two ints). */
static long make_pipe(long fds[2])
{
	int p[2];
	long r = kt_sys2(SYS_pipe2, p, 0);
	if (is_err(r))
		return r;
	fds[0] = p[0];
	fds[1] = p[1];
	return 0;
}

/* A connected AF_UNIX stream socket pair into two longs: a channel like a pipe, in both
 * directions. */
static long make_unix_pair(long fds[2])
{
	int p[2];
	long r = kt_sys4(SYS_socketpair, AF_UNIX, SOCK_STREAM, 0, p);
	if (is_err(r))
		return r;
	fds[0] = p[0];
	fds[1] = p[1];
	return 0;
}

/* What the round-trip and bandwidth benchmarks send through: pipes, or unix sockets. */
static long (*make_channel)(long fds[2]) = make_pipe;

/* Stops a child that a failed benchmark leaves behind. */
static void stop_child(long pid)
{
	int st;
	kt_sys2(SYS_kill, pid, SIGKILL);
	kt_sys4(SYS_wait4, pid, &st, 0, 0);
}

static double pipe_roundtrip(long n)
{
	long fds[4] = { -1, -1, -1, -1 }; /* to child: 0 read, 1 write; back: 2 read, 3 write */
	long r = make_channel(fds);
	if (!is_err(r))
		r = make_channel(fds + 2);
	if (is_err(r)) {
		close_fds(fds, 4);
		return fail("pipe2/socketpair: %s", kt_res(r));
	}
	long pid = kt_sys0(SYS_fork);
	if (pid == 0) {
		char c;
		for (long i = 0; i < n; i++) {
			if (kt_sys3(SYS_read, fds[0], &c, 1) != 1)
				child_exit(2);
			if (kt_sys3(SYS_write, fds[3], &c, 1) != 1)
				child_exit(3);
		}
		child_exit(0);
	}
	kt_sys1(SYS_close, fds[0]);
	kt_sys1(SYS_close, fds[3]);
	fds[0] = fds[3] = -1;
	if (is_err(pid)) {
		close_fds(fds, 4);
		return fail("fork: %s", kt_res(pid));
	}
	char c = 'k';
	long t0 = now_ns();
	for (long i = 0; i < n; i++) {
		long w = kt_sys3(SYS_write, fds[1], &c, 1);
		long rd = w == 1 ? kt_sys3(SYS_read, fds[2], &c, 1) : 0;
		if (w != 1 || rd != 1) {
			close_fds(fds, 4);
			stop_child(pid);
			return fail("round trip %ld: write %s, read %s", i, kt_res(w), kt_res(rd));
		}
	}
	double v = (double)(now_ns() - t0) / n;
	close_fds(fds, 4);
	if (reap(pid, "pipe-roundtrip"))
		return -1;
	return v;
}

static char bwbuf[BW_CHUNK];

/* Returns MiB/s: the child writes BW_TOTAL bytes in BW_CHUNK writes, the parent reads to EOF. */
static double pipe_bandwidth(long chunks)
{
	long fds[2] = { -1, -1 };
	long r = make_channel(fds);
	if (is_err(r))
		return fail("pipe2/socketpair: %s", kt_res(r));
	long pid = kt_sys0(SYS_fork);
	if (pid == 0) {
		kt_sys1(SYS_close, fds[0]);
		for (long i = 0; i < chunks; i++) {
			for (long off = 0; off < BW_CHUNK;) {
				long w = kt_sys3(SYS_write, fds[1], bwbuf + off, BW_CHUNK - off);
				if (w <= 0)
					child_exit(2);
				off += w;
			}
		}
		child_exit(0);
	}
	kt_sys1(SYS_close, fds[1]);
	if (is_err(pid)) {
		kt_sys1(SYS_close, fds[0]);
		return fail("fork: %s", kt_res(pid));
	}
	long total = 0, t0 = now_ns();
	for (;;) {
		long rd = kt_sys3(SYS_read, fds[0], bwbuf, BW_CHUNK);
		if (rd == 0)
			break;
		if (is_err(rd)) {
			kt_sys1(SYS_close, fds[0]);
			stop_child(pid);
			return fail("read after %ld bytes: %s", total, kt_res(rd));
		}
		total += rd;
	}
	long dt = now_ns() - t0;
	kt_sys1(SYS_close, fds[0]);
	if (reap(pid, "pipe-bw-64k"))
		return -1;
	if (total != chunks * BW_CHUNK)
		return fail("read %ld bytes, expected %ld", total, chunks * BW_CHUNK);
	return (double)total / (1024.0 * 1024.0) / ((double)dt / 1e9);
}

static double unix_roundtrip(long n)
{
	make_channel = make_unix_pair;
	double v = pipe_roundtrip(n);
	make_channel = make_pipe;
	return v;
}

static double unix_bandwidth(long chunks)
{
	make_channel = make_unix_pair;
	double v = pipe_bandwidth(chunks);
	make_channel = make_pipe;
	return v;
}

static double epoll_cycle(long n)
{
	long fds[2] = { -1, -1 };
	long r = make_pipe(fds);
	if (is_err(r))
		return fail("pipe2: %s", kt_res(r));
	struct epoll_event ev = { .events = EPOLLIN }, out;
	long t0 = now_ns();
	for (long i = 0; i < n; i++) {
		long ep = kt_sys1(SYS_epoll_create1, 0);
		if (is_err(ep)) {
			close_fds(fds, 2);
			return fail("epoll_create1: %s", kt_res(ep));
		}
		long c = kt_sys4(SYS_epoll_ctl, ep, EPOLL_CTL_ADD, fds[0], &ev);
		long w = is_err(c) ? 0 : kt_sys4(SYS_epoll_wait, ep, &out, 1, 0);
		kt_sys1(SYS_close, ep);
		if (is_err(c) || w != 0) {
			close_fds(fds, 2);
			return fail("epoll_ctl: %s, epoll_wait: %s (expected 0 ready)", kt_res(c),
				    kt_res(w));
		}
	}
	double v = (double)(now_ns() - t0) / n;
	close_fds(fds, 2);
	return v;
}

struct bench {
	const char *name;
	double (*f)(long);
	long n;
	int mibs; /* the value is MiB/s (higher is better), not ns/op */
};

static const struct bench benches[] = {
	{ "null-syscall", null_syscall, 100000, 0 },
	{ "open-close", open_close, 10000, 0 },
	{ "page-fault", page_fault, 8192, 0 },
	{ "stat", stat_path, 10000, 0 },
	{ "fstat", fstat_fd, 50000, 0 },
	{ "read-zero-4k", read_zero, 20000, 0 },
	{ "write-null-4k", write_null, 50000, 0 },
	{ "fork-exit-wait", fork_exit_wait, 200, 0 },
	{ "fork-exec-wait", fork_exec_wait, 100, 0 },
	{ "pipe-roundtrip", pipe_roundtrip, 2000, 0 },
	{ "pipe-bw-64k", pipe_bandwidth, BW_TOTAL / BW_CHUNK, 1 },
	{ "unix-roundtrip", unix_roundtrip, 2000, 0 },
	{ "unix-bw-64k", unix_bandwidth, BW_TOTAL / BW_CHUNK, 1 },
	{ "epoll-cycle", epoll_cycle, 10000, 0 },
};

static int wanted(const char *name, const char *only)
{
	if (!only || !*only)
		return 1;
	size_t len = strlen(name);
	for (const char *p = only; *p;) {
		const char *e = strchr(p, ',');
		size_t l = e ? (size_t)(e - p) : strlen(p);
		if (l == len && strncmp(p, name, len) == 0)
			return 1;
		if (!e)
			break;
		p = e + 1;
	}
	return 0;
}

static void run(const struct bench *b, int rounds)
{
	double best = b->mibs ? 0 : 1e30;
	for (int i = 0; i < rounds; i++) {
		errbuf[0] = 0;
		double v = b->f(b->n);
		if (v < 0) {
			printf("BENCH-ERROR %s %s\n", b->name, errbuf[0] ? errbuf : "failed");
			return;
		}
		if (b->mibs ? v > best : v < best)
			best = v;
	}
	if (b->mibs)
		printf("BENCH %s %.1f %ld MiB/s\n", b->name, best, b->n);
	else
		printf("BENCH %s %.1f %ld ns/op\n", b->name, best, b->n);
}

int main(int argc, char **argv, char **envp)
{
	kt_init();
	g_envp = envp;
	const char *env = getenv("keel_bench_rounds");
	const char *only = getenv("keel_bench_only");
	int rounds = argc > 1 ? atoi(argv[1]) : env ? atoi(env) : 5;
	if (rounds < 1)
		rounds = 1;
	printf("bench: pid %d, best of %d rounds\n", (int)getpid(), rounds);
	for (size_t i = 0; i < sizeof benches / sizeof benches[0]; i++)
		if (wanted(benches[i].name, only))
			run(&benches[i], rounds);
	kt_finish();
}

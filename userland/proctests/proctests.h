/* proctests.h: what the process-model groups (t_*.c) share: paths, time, forking children that
 * cannot outlive the test, wait-status checks, a shared page for results from children.
 *
 * The groups are #included by proctests.c into one translation unit, so that the header-only
 * harness kt.h keeps one set of counters. Each group is a function `void t_NAME(void)`.
 * Children never print PASS/FAIL lines (their counters die with them): they report through
 * their exit status or a page from pt_shared(), and the group checks that in the parent.
 */
#ifndef PROCTESTS_H
#define PROCTESTS_H

#include "../common/kt.h"
#include "../common/groups.h"

#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <setjmp.h>
#include <signal.h>
#include <stdint.h>
#include <sys/epoll.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/select.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysinfo.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <ucontext.h>

#define SELF_PATH "/usr/lib/keel-tests/proctests"
#define HELLO_TXT "/usr/share/keel-tests/hello.txt"
#define HELLO_CONTENT "Hello from the Keel initrd.\n"
#define CHILD_WATCHDOG 30 /* seconds: every test child gets alarm(CHILD_WATCHDOG) */

#define BIT(s) (1UL << ((s) - 1))

/* Address 16, hidden from the compiler: a store or load through it faults (SEGV_MAPERR). */
static int *volatile pt_low_addr = (int *)16;

static int pt_pid1;		      /* the runner is PID 1 (rdinit=): orphans come to us */
static const char *pt_self = SELF_PATH; /* this program, for exec'ing helper modes */

/* Sleeps ms milliseconds even if signals interrupt the sleep. */
static void msleep(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };
	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

/* fork() whose child dies of SIGALRM after CHILD_WATCHDOG seconds whatever happens. */
static pid_t pt_fork(void)
{
	pid_t p = fork();
	if (p == 0) {
		sigset_t s;
		signal(SIGALRM, SIG_DFL);
		sigemptyset(&s);
		sigaddset(&s, SIGALRM);
		sigprocmask(SIG_UNBLOCK, &s, 0);
		alarm(CHILD_WATCHDOG);
	}
	return p;
}

/* wait4(pid) retried on EINTR; the status, or -1000 - errno on error. */
static int pt_wait(pid_t pid)
{
	int st = 0;
	for (;;) {
		pid_t r = wait4(pid, &st, 0, 0);
		if (r == pid || (pid <= 0 && r > 0))
			return st;
		if (r < 0 && errno == EINTR)
			continue;
		return -1000 - errno;
	}
}

static void expect_exit(const char *name, int st, int code)
{
	if (st > -1000 && WIFEXITED(st) && WEXITSTATUS(st) == code)
		kt_pass(name);
	else
		kt_fail(name, "expected exit %d got %s", code, kt_st_desc(st));
}

static void expect_killed(const char *name, int st, int sig)
{
	if (st > -1000 && WIFSIGNALED(st) && WTERMSIG(st) == sig)
		kt_pass(name);
	else
		kt_fail(name, "expected killed by signal %d got %s", sig, kt_st_desc(st));
}

/* For children that report failures as bits of their exit status: the bit is clear (the check
 * passed) only if the child exited normally without it. */
static int st_bit_clear(int st, int bit)
{
	return st > -1000 && WIFEXITED(st) && !(WEXITSTATUS(st) & bit);
}

static void expect_bit_clear(const char *name, int st, int bit, const char *what)
{
	if (st_bit_clear(st, bit))
		kt_pass(name);
	else
		kt_fail(name, "expected %s, child reported %s", what, kt_st_desc(st));
}

/* A zeroed page shared with the children forked after this call (MAP_SHARED|MAP_ANONYMOUS). */
static volatile long *pt_shared(void)
{
	void *p = mmap(0, 4096, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED) {
		printf("info: mmap(MAP_SHARED) failed: %s\n", strerror(errno));
		static long fallback[512];
		return fallback;
	}
	return p;
}

static void pt_unshare(volatile long *p)
{
	munmap((void *)p, 4096);
}

/* Installs a handler through libc (which sets SA_RESTORER); mask: extra signals to block. */
static void pt_handler(int sig, void (*fn)(int), int flags, unsigned long mask)
{
	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = fn;
	sa.sa_flags = flags;
	sigemptyset(&sa.sa_mask);
	for (int s = 1; s <= 64; s++)
		if (mask & BIT(s))
			sigaddset(&sa.sa_mask, s);
	sigaction(sig, &sa, 0);
}

static void pt_siginfo_handler(int sig, void (*fn)(int, siginfo_t *, void *), int flags)
{
	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_sigaction = fn;
	sa.sa_flags = flags | SA_SIGINFO;
	sigemptyset(&sa.sa_mask);
	sigaction(sig, &sa, 0);
}

static void pt_default(int sig)
{
	signal(sig, SIG_DFL);
}

/* The kernel's signal mask of this thread, as a 64-bit word (raw rt_sigprocmask). */
static unsigned long pt_mask(void)
{
	unsigned long m = 0;
	kt_sys4(SYS_rt_sigprocmask, SIG_BLOCK, 0, &m, 8);
	return m;
}

static void pt_setmask(unsigned long m)
{
	kt_sys4(SYS_rt_sigprocmask, SIG_SETMASK, &m, 0, 8);
}

static unsigned long pt_pending(void)
{
	unsigned long m = 0;
	kt_sys2(SYS_rt_sigpending, &m, 8);
	return m;
}

static long pt_gettid(void)
{
	return kt_sys0(SYS_gettid);
}

static void *pt_nothing(void *arg)
{
	return arg;
}

/* Whether pthread_create works at all: without threads, the groups that need them stop after
 * one FAIL instead of joining threads that do not exist. */
static int pt_threads_work(const char *name)
{
	pthread_t t;
	int e = pthread_create(&t, 0, pt_nothing, 0);
	if (e == 0 && pthread_join(t, 0) == 0) {
		kt_pass(name);
		return 1;
	}
	kt_fail(name, "expected pthread_create to work, got %s", strerror(e));
	return 0;
}

/* Writes all of buf (a pipe may take it in pieces). */
static int pt_write_all(int fd, const void *buf, size_t n)
{
	const char *p = buf;
	while (n) {
		ssize_t w = write(fd, p, n);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return -1;
		p += w;
		n -= w;
	}
	return 0;
}

/* Reads until n bytes or EOF; the count read. */
static ssize_t pt_read_full(int fd, void *buf, size_t n)
{
	char *p = buf;
	size_t got = 0;
	while (got < n) {
		ssize_t r = read(fd, p + got, n - got);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		got += r;
	}
	return got;
}

/* execve(2) of this program in a helper mode: argv = { self, "--helper", MODE, args... }. */
static long pt_exec_helper(char *const *args)
{
	char *argv[16];
	int n = 0;
	argv[n++] = (char *)pt_self;
	argv[n++] = "--helper";
	for (int i = 0; args[i] && n < 15; i++)
		argv[n++] = args[i];
	argv[n] = 0;
	char *envp[] = { "KEEL_PROCTESTS_HELPER=1", 0 };
	return kt_sys3(SYS_execve, pt_self, argv, envp);
}

#endif

/* groups.h: running a test program's groups of checks, each in a child of its own, for the
 * in-guest suites that fork a lot (proctests, ptytests). Include after kt.h.
 *
 * A group runs in a child that is a new process group, so that a crash or a hang ends that group
 * only: the runner waits for it with a deadline (SIGALRM), kills the group when it passes, adds
 * the child's counts to its own (through a shared page) and checks that it ended with exit 0
 * (`GROUP.completed`). While waiting, it reaps whatever else comes to it: as PID 1 (rdinit=)
 * that is every orphan of the system.
 */
#ifndef KT_GROUPS_H
#define KT_GROUPS_H

#include <signal.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>

struct kt_group {
	const char *name;
	void (*fn)(void);
};

/* A wait status in words; st <= -1000 is a wait that failed with errno -st - 1000. */
static const char *kt_st_desc(int st)
{
	static char buf[4][64];
	static int slot;
	char *b = buf[slot++ % 4];
	if (st <= -1000)
		snprintf(b, sizeof buf[0], "wait error %s", kt_res(-(-st - 1000)));
	else if (WIFEXITED(st))
		snprintf(b, sizeof buf[0], "exit %d (status %#x)", WEXITSTATUS(st), st);
	else if (WIFSIGNALED(st))
		snprintf(b, sizeof buf[0], "killed by signal %d%s (status %#x)", WTERMSIG(st),
			 WCOREDUMP(st) ? " core" : "", st);
	else if (WIFSTOPPED(st))
		snprintf(b, sizeof buf[0], "stopped by signal %d (status %#x)", WSTOPSIG(st), st);
	else
		snprintf(b, sizeof buf[0], "status %#x", st);
	return b;
}

static long kt_now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static volatile sig_atomic_t kt_runner_timed_out;
static void kt_runner_alarm(int s)
{
	(void)s;
	kt_runner_timed_out = 1;
}

/* Runs one group in a child and folds its results into ours. In the child, `before` and `after`
 * (either may be 0) run around the group's function; the group has `timeout` seconds. */
static void kt_run_group(const struct kt_group *g, int timeout, void (*before)(void),
			 void (*after)(void))
{
	/* [0] passed, [1] failed, [2] finished */
	volatile long *counts =
		mmap(0, 4096, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	char name[64];
	snprintf(name, sizeof name, "%s.completed", g->name);
	if (counts == MAP_FAILED) {
		kt_fail(name, "mmap(MAP_SHARED) failed: %s", strerror(errno));
		return;
	}
	fflush(stdout);
	long t0 = kt_now_ms();
	pid_t pid = fork();
	if (pid < 0) {
		kt_fail(name, "fork failed: %s", strerror(errno));
		munmap((void *)counts, 4096);
		return;
	}
	if (pid == 0) {
		setpgid(0, 0);
		signal(SIGALRM, SIG_DFL);
		kt_passed = kt_failed = 0;
		if (before)
			before();
		g->fn();
		if (after)
			after();
		counts[0] = kt_passed;
		counts[1] = kt_failed;
		counts[2] = 1;
		fflush(stdout);
		_exit(0);
	}
	setpgid(pid, pid);
	kt_runner_timed_out = 0;
	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = kt_runner_alarm; /* no SA_RESTART: wait4 returns EINTR */
	sigaction(SIGALRM, &sa, 0);
	alarm(timeout);
	int st = 0, killed = 0, others = 0;
	for (;;) {
		pid_t r = wait4(-1, &st, 0, 0);
		if (r == pid)
			break;
		if (r > 0) {
			others++;
			continue;
		}
		if (errno == EINTR && kt_runner_timed_out && !killed) {
			printf("info: group %s still running after %d s: killing it\n", g->name,
			       timeout);
			kill(-pid, SIGKILL);
			kill(pid, SIGKILL);
			killed = 1;
			continue;
		}
		if (errno == ECHILD) {
			st = -1000 - ECHILD;
			break;
		}
	}
	alarm(0);
	signal(SIGALRM, SIG_DFL);
	kill(-pid, SIGKILL); /* leftovers of the group, if any */
	printf("info: group %s took %ld ms\n", g->name, kt_now_ms() - t0);
	if (others)
		printf("info: reaped %d other process(es) (orphans) during group %s\n", others,
		       g->name);
	kt_passed += counts[0];
	kt_failed += counts[1];
	if (killed)
		kt_fail(name, "expected the group to finish within %d s", timeout);
	else if (!counts[2])
		kt_fail(name, "expected the group to finish, it ended with %s", kt_st_desc(st));
	else if (st > -1000 && WIFEXITED(st) && WEXITSTATUS(st) == 0)
		kt_pass(name);
	else
		kt_fail(name, "expected exit 0 got %s", kt_st_desc(st));
	munmap((void *)counts, 4096);
}

/* Runs the groups asked for (see kt_group_wanted), then reaps what is left (orphans of groups
 * that are still running). */
static void kt_run_groups(int argc, char **argv, const struct kt_group *groups, size_t n,
			  int timeout, void (*before)(void), void (*after)(void))
{
	for (size_t i = 0; i < n; i++)
		if (kt_group_wanted(argc, argv, groups[i].name))
			kt_run_group(&groups[i], timeout, before, after);
	int st;
	while (waitpid(-1, &st, WNOHANG) > 0)
		;
}

#endif

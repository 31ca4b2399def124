/* proctests: Keel's in-guest tests of the process model, run on Keel and on Linux (the referee).
 *
 *   /usr/lib/keel-tests/proctests [GROUP...]
 *   /usr/lib/keel-tests/proctests --helper MODE [ARGS...]     (exec'd by the tests themselves)
 *
 * Groups: fork exec wait pgrp sig sigfault sigintr pipe poll epoll thread futex evfd leak limits (all by
 * default). Each group runs in a child of its own (a new process group), so that a crash or a
 * hang ends that group only: the runner waits for it with a deadline, kills the group when it
 * passes, adds the child's counts to its own (through a shared page) and checks that it ended
 * with exit 0 (`GROUP.completed`). While waiting, the runner reaps whatever else comes to it:
 * as PID 1 (rdinit=) that is every orphan of the system. Output: `PASS name` or
 * `FAIL name: ...` per check, then `N passed, N failed`; as PID 1 it powers off (../common/kt.h).
 * A global watchdog (alarm in the runner) bounds each group; every test child gets an alarm()
 * of its own (pt_fork) so that nothing outlives the suite.
 */
#include "proctests.h" /* first: it defines _GNU_SOURCE */

#include "helpers.c"
#include "t_fork.c"
#include "t_exec.c"
#include "t_wait.c"
#include "t_pgrp.c"
#include "t_sig.c"
#include "t_sigfault.c"
#include "t_sigintr.c"
#include "t_pipe.c"
#include "t_poll.c"
#include "t_epoll.c"
#include "t_thread.c"
#include "t_futex.c"
#include "t_evfd.c"
#include "t_leak.c"
#include "t_limits.c"

/* Seconds a group may run (Linux needs a few under TCG). Every group hanging would take 13 min:
 * tests/stages/50-conformance.sh gives proctests runs 900 s, so a summary is always printed. */
#define GROUP_TIMEOUT 60

struct group {
	const char *name;
	void (*fn)(void);
};

static const struct group groups[] = {
	{ "fork", t_fork },
	{ "exec", t_exec },
	{ "wait", t_wait },
	{ "pgrp", t_pgrp },
	{ "sig", t_sig },
	{ "sigfault", t_sigfault },
	{ "sigintr", t_sigintr },
	{ "pipe", t_pipe },
	{ "poll", t_poll },
	{ "epoll", t_epoll },
	{ "thread", t_thread },
	{ "futex", t_futex }, { "evfd", t_evfd }, { "leak", t_leak },
	{ "limits", t_limits },
};

static int wanted(int argc, char **argv, const char *group)
{
	int any = 0;
	for (int i = 1; i < argc; i++) {
		if (argv[i][0] == '-' || strchr(argv[i], '='))
			continue;
		any = 1;
		if (strcmp(argv[i], group) == 0)
			return 1;
	}
	return !any;
}

static volatile sig_atomic_t runner_timed_out;
static void runner_alarm(int s)
{
	(void)s;
	runner_timed_out = 1;
}

/* Runs one group in a child and folds its results into ours. */
static void run_group(const struct group *g)
{
	volatile long *counts = pt_shared(); /* [0] passed, [1] failed, [2] finished */
	char name[64];
	snprintf(name, sizeof name, "%s.completed", g->name);
	fflush(stdout);
	long t0 = now_ms();
	pid_t pid = fork();
	if (pid < 0) {
		kt_fail(name, "fork failed: %s", strerror(errno));
		return;
	}
	if (pid == 0) {
		setpgid(0, 0);
		pt_default(SIGALRM);
		kt_passed = kt_failed = 0;
		g->fn();
		counts[0] = kt_passed;
		counts[1] = kt_failed;
		counts[2] = 1;
		fflush(stdout);
		_exit(0);
	}
	setpgid(pid, pid);
	runner_timed_out = 0;
	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = runner_alarm; /* no SA_RESTART: wait4 returns EINTR */
	sigaction(SIGALRM, &sa, 0);
	alarm(GROUP_TIMEOUT);
	int st = 0, killed = 0, others = 0;
	for (;;) {
		pid_t r = wait4(-1, &st, 0, 0);
		if (r == pid)
			break;
		if (r > 0) {
			others++;
			continue;
		}
		if (errno == EINTR && runner_timed_out && !killed) {
			printf("info: group %s still running after %d s: killing it\n", g->name,
			       GROUP_TIMEOUT);
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
	pt_default(SIGALRM);
	kill(-pid, SIGKILL); /* leftovers of the group, if any */
	printf("info: group %s took %ld ms\n", g->name, now_ms() - t0);
	if (others)
		printf("info: reaped %d other process(es) (orphans) during group %s\n", others,
		       g->name);
	kt_passed += counts[0];
	kt_failed += counts[1];
	if (killed)
		kt_fail(name, "expected the group to finish within %d s", GROUP_TIMEOUT);
	else if (!counts[2])
		kt_fail(name, "expected the group to finish, it ended with %s", st_desc(st));
	else
		expect_exit(name, st, 0);
	pt_unshare(counts);
}

int main(int argc, char **argv)
{
	kt_init();
	if (argc >= 2 && strcmp(argv[1], "--helper") == 0)
		return helper_main(argc - 2, argv + 2);
	if (argv[0] && argv[0][0] == '/')
		pt_self = argv[0];
	pt_pid1 = getpid() == 1;
	printf("keel proctests: pid %d%s\n", (int)getpid(), pt_pid1 ? " (init)" : "");
	for (size_t i = 0; i < sizeof groups / sizeof groups[0]; i++)
		if (wanted(argc, argv, groups[i].name))
			run_group(&groups[i]);
	/* Whatever is left (orphans of the groups that are still running) is reaped now. */
	int st;
	while (waitpid(-1, &st, WNOHANG) > 0)
		;
	kt_finish();
}

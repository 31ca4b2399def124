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
 * The group runner is ../common/groups.h, shared with ptytests.
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

static const struct kt_group groups[] = {
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

int main(int argc, char **argv)
{
	kt_init();
	if (argc >= 2 && strcmp(argv[1], "--helper") == 0)
		return helper_main(argc - 2, argv + 2);
	if (argv[0] && argv[0][0] == '/')
		pt_self = argv[0];
	pt_pid1 = getpid() == 1;
	printf("keel proctests: pid %d%s\n", (int)getpid(), pt_pid1 ? " (init)" : "");
	kt_run_groups(argc, argv, groups, sizeof groups / sizeof groups[0], GROUP_TIMEOUT, 0,
		      0);
	kt_finish();
}

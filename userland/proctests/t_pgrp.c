/* t_pgrp.c: sessions, process groups and who kill reaches. setsid (new session, EPERM for a
 * group leader), setpgid/getpgid/getpgrp/getsid and their errors (EACCES after the child's exec,
 * EPERM across sessions or to a missing group, ESRCH, EINVAL); kill to a pid, to a group,
 * kill(0), kill(-1) (from a uid of its own, so that it reaches only our processes even when
 * this runs by hand), signal 0 as an existence check (ESRCH, EPERM), invalid signals; tkill and
 * tgkill to a thread, a process-directed signal taken by the one thread that does not block it.
 * The group runs in a process group of its own (the runner's setpgid), so it is a group leader. */
#include "proctests.h"

#define KILL_UID 54321

static pid_t pause_child(void)
{
	pid_t p = pt_fork();
	if (p == 0)
		for (;;)
			pause();
	return p;
}

static pid_t reaped_pid(void)
{
	pid_t p = pt_fork();
	if (p == 0)
		_exit(0);
	pt_wait(p);
	return p;
}

static void t_pgrp_session(void)
{
	pid_t me = getpid();
	kt_expect_eq("pgrp.group-leader", getpgrp(), me);
	kt_expect_eq("pgrp.getpgid-0-is-getpgrp", getpgid(0), getpgrp());
	kt_expect_eq("pgrp.getsid-0-is-getsid-self", getsid(0), getsid(me));
	kt_expect_err("pgrp.setsid-group-leader-EPERM", setsid() < 0 ? -errno : 0, EPERM);
	volatile long *sh = pt_shared();
	int go[2];
	pipe(go);
	pid_t p = pt_fork();
	if (p == 0) {
		char b;
		sh[0] = setsid();
		sh[1] = getsid(0);
		sh[2] = getpgrp();
		sh[3] = setsid() < 0 ? errno : 0;
		sh[4] = setpgid(0, getpgid(getppid())) < 0 ? errno : 0;
		sh[5] = 1;
		read(go[0], &b, 1);
		_exit(0);
	}
	long t0 = kt_now_ms();
	while (!sh[5] && kt_now_ms() - t0 < 10000)
		msleep(5);
	kt_expect_eq("pgrp.setsid-returns-pid", sh[0], p);
	kt_expect_eq("pgrp.setsid-getsid", sh[1], p);
	kt_expect_eq("pgrp.setsid-new-group", sh[2], p);
	kt_expect_eq("pgrp.setsid-twice-EPERM", sh[3], EPERM);
	kt_expect_eq("pgrp.setpgid-to-other-session-EPERM", sh[4], EPERM);
	kt_expect_eq("pgrp.getsid-of-child", getsid(p), p);
	kt_expect_err("pgrp.setpgid-child-in-other-session-EPERM",
		      setpgid(p, getpgrp()) < 0 ? -errno : 0, EPERM);
	write(go[1], "x", 1);
	expect_exit("pgrp.setsid-child-exit", pt_wait(p), 0);
	close(go[0]), close(go[1]);
	pt_unshare(sh);
}

static void t_pgrp_setpgid(void)
{
	pid_t p = pause_child();
	kt_expect_eq("pgrp.setpgid-child-new-group", setpgid(p, p), 0);
	kt_expect_eq("pgrp.getpgid-child", getpgid(p), p);
	kt_expect_eq("pgrp.setpgid-child-back", setpgid(p, getpgrp()), 0);
	kt_expect_eq("pgrp.getpgid-child-back", getpgid(p), getpgrp());
	kt_expect_err("pgrp.setpgid-negative-EINVAL", setpgid(p, -1) < 0 ? -errno : 0, EINVAL);
	kill(p, SIGKILL);
	pt_wait(p);
	kt_expect_err("pgrp.setpgid-not-a-child-ESRCH",
		      setpgid(getppid(), getppid()) < 0 ? -errno : 0, ESRCH);
	pid_t gone = reaped_pid();
	kt_expect_err("pgrp.getpgid-gone-ESRCH", getpgid(gone) < 0 ? -errno : 0, ESRCH);
	kt_expect_err("pgrp.getsid-gone-ESRCH", getsid(gone) < 0 ? -errno : 0, ESRCH);
	p = pt_fork();
	if (p == 0)
		_exit(setpgid(0, gone) < 0 && errno == EPERM ? 0 : 1);
	expect_exit("pgrp.setpgid-missing-group-EPERM", pt_wait(p), 0);
	/* After the child's execve the parent may no longer move it (the exec closes the
	 * O_CLOEXEC pipe: EOF tells that the exec happened). */
	int pp[2];
	pipe2(pp, O_CLOEXEC);
	p = pt_fork();
	if (p == 0) {
		char *args[] = { "sleep", "20000", 0 };
		pt_exec_helper(args);
		_exit(127);
	}
	close(pp[1]);
	char b;
	read(pp[0], &b, 1);
	close(pp[0]);
	kt_expect_err("pgrp.setpgid-after-exec-EACCES", setpgid(p, p) < 0 ? -errno : 0, EACCES);
	kill(p, SIGKILL);
	pt_wait(p);
}

static volatile sig_atomic_t got_usr1;
static void usr1_flag(int s)
{
	(void)s;
	got_usr1 = 1;
}

static void t_kill(void)
{
	pid_t p = pause_child();
	kt_expect_eq("kill.sig-0-existing", kill(p, 0), 0);
	kt_expect_eq("kill.pid", kill(p, SIGUSR1), 0);
	expect_killed("kill.pid-default-action-terminates", pt_wait(p), SIGUSR1);
	kt_expect_err("kill.sig-0-gone-ESRCH", kill(p, 0) < 0 ? -errno : 0, ESRCH);
	kt_expect_err("kill.invalid-signal-EINVAL", kill(getpid(), 65) < 0 ? -errno : 0, EINVAL);
	kt_expect_err("kill.negative-signal-EINVAL", kill(getpid(), -1) < 0 ? -errno : 0, EINVAL);

	pid_t a = pt_fork();
	if (a == 0) {
		setpgid(0, 0);
		for (;;)
			pause();
	}
	setpgid(a, a);
	pid_t b = pt_fork();
	if (b == 0) {
		setpgid(0, a);
		for (;;)
			pause();
	}
	setpgid(b, a);
	kt_expect_eq("kill.group-returns-0", kill(-a, SIGTERM), 0);
	expect_killed("kill.group-leader-killed", pt_wait(a), SIGTERM);
	expect_killed("kill.group-member-killed", pt_wait(b), SIGTERM);
	kt_expect_err("kill.empty-group-ESRCH", kill(-a, 0) < 0 ? -errno : 0, ESRCH);

	/* kill(0): the caller's whole group, the caller included (before kill returns). */
	p = pt_fork();
	if (p == 0) {
		setpgid(0, 0);
		got_usr1 = 0;
		pid_t d = pause_child(); /* SIGUSR1 at its default action: terminate */
		pt_handler(SIGUSR1, usr1_flag, 0, 0);
		msleep(50);
		int bad = 0;
		if (kill(0, SIGUSR1) != 0)
			bad |= 1;
		if (!got_usr1)
			bad |= 2;
		int st = pt_wait(d);
		if (!(WIFSIGNALED(st) && WTERMSIG(st) == SIGUSR1))
			bad |= 4;
		_exit(bad);
	}
	int st = pt_wait(p);
	expect_bit_clear("kill.zero-returns-0", st, 1, "kill(0, SIGUSR1) == 0");
	expect_bit_clear("kill.zero-reaches-caller-before-return", st, 2,
			 "the caller's handler ran");
	expect_bit_clear("kill.zero-reaches-group-member", st, 4, "the group member killed");

	/* kill(-1) from uid KILL_UID: every process it may signal except itself (and init). */
	pid_t r = pause_child();
	p = pt_fork();
	if (p == 0) {
		if (setgid(KILL_UID) || setuid(KILL_UID))
			_exit(64);
		pid_t d = pause_child();
		msleep(50);
		int bad = 0;
		if (kill(-1, SIGUSR1) != 0)
			bad |= 1;
		int st2 = pt_wait(d);
		if (!(WIFSIGNALED(st2) && WTERMSIG(st2) == SIGUSR1))
			bad |= 2;
		if (kill(1, 0) == 0 || errno != EPERM)
			bad |= 4;
		if (kill(getppid(), 0) == 0 || errno != EPERM)
			bad |= 8;
		_exit(bad); /* alive: kill(-1) skipped the caller */
	}
	st = pt_wait(p);
	kt_expect_true("kill.minus-one-skips-caller", st > -1000 && WIFEXITED(st) &&
			       WEXITSTATUS(st) < 16, "the caller alive (exit status < 16)");
	expect_bit_clear("kill.minus-one-returns-0", st, 1, "kill(-1, SIGUSR1) == 0");
	expect_bit_clear("kill.minus-one-reaches-same-uid", st, 2, "the same-uid child killed");
	expect_bit_clear("kill.sig-0-other-uid-EPERM-init", st, 4, "kill(1, 0) EPERM");
	expect_bit_clear("kill.sig-0-other-uid-EPERM-parent", st, 8, "kill(getppid(), 0) EPERM");
	kt_expect_eq("kill.minus-one-spares-other-uid", wait4(r, &st, WNOHANG, 0), 0);
	kill(r, SIGKILL);
	pt_wait(r);
}

static volatile long handler_tid, thread_tid;
static volatile int thread_stop;
static void tid_handler(int s)
{
	(void)s;
	handler_tid = pt_gettid();
}

static void *tid_thread(void *arg)
{
	(void)arg;
	thread_tid = pt_gettid();
	while (!thread_stop)
		msleep(2);
	return 0;
}

static long wait_handler_tid(void)
{
	long t0 = kt_now_ms();
	while (!handler_tid && kt_now_ms() - t0 < 10000)
		msleep(2);
	return handler_tid;
}

static void t_tkill(void)
{
	pthread_t t;
	thread_stop = 0;
	thread_tid = 0;
	pt_handler(SIGUSR1, tid_handler, SA_RESTART, 0);
	pt_handler(SIGUSR2, tid_handler, SA_RESTART, 0);
	if (pthread_create(&t, 0, tid_thread, 0) != 0) {
		kt_fail("kill.pthread_create", "pthread_create failed");
		return;
	}
	while (!thread_tid)
		msleep(1);
	long tid = thread_tid;
	handler_tid = 0;
	kt_expect_eq("kill.tgkill-returns-0", kt_sys3(SYS_tgkill, getpid(), tid, SIGUSR1), 0);
	kt_expect_eq("kill.tgkill-handler-in-target-thread", wait_handler_tid(), tid);
	handler_tid = 0;
	kt_expect_eq("kill.tkill-returns-0", kt_sys2(SYS_tkill, tid, SIGUSR1), 0);
	kt_expect_eq("kill.tkill-handler-in-target-thread", wait_handler_tid(), tid);
	kt_expect_eq("kill.tgkill-sig-0", kt_sys3(SYS_tgkill, getpid(), tid, 0), 0);
	kt_expect_err("kill.tgkill-wrong-tgid-ESRCH", kt_sys3(SYS_tgkill, getppid(), tid, 0),
		      ESRCH);
	kt_expect_err("kill.tgkill-gone-tid-ESRCH",
		      kt_sys3(SYS_tgkill, getpid(), reaped_pid(), SIGUSR1), ESRCH);
	kt_expect_err("kill.tgkill-bad-tgid-EINVAL", kt_sys3(SYS_tgkill, 0, tid, 0), EINVAL);
	/* A process-directed signal goes to a thread that does not block it. */
	unsigned long old = pt_mask();
	pt_setmask(old | BIT(SIGUSR2));
	handler_tid = 0;
	kill(getpid(), SIGUSR2);
	kt_expect_eq("kill.process-signal-taken-by-unblocked-thread", wait_handler_tid(), tid);
	pt_setmask(old);
	thread_stop = 1;
	pthread_join(t, 0);
	pt_default(SIGUSR1);
	pt_default(SIGUSR2);
}

void t_pgrp(void)
{
	t_pgrp_session();
	t_pgrp_setpgid();
	t_kill();
	t_tkill();
}

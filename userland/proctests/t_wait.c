/* t_wait.c: wait4 and waitid. Exit statuses, deaths by signal (no core bit when no core is
 * dumped: RLIMIT_CORE 0), WNOHANG, ECHILD, waiting for one pid or a process group, stopped and
 * continued children (WUNTRACED, WCONTINUED), waitid's siginfo (si_pid, si_uid, si_status,
 * si_code) with WEXITED, WSTOPPED, WNOWAIT and WNOHANG, zombies, orphans reparented to PID 1
 * (and reaped by it when PID 1 is the runner), rusage, SIGCHLD with its siginfo. */
#include "proctests.h"

static pid_t child_exit(int code, long delay_ms)
{
	pid_t p = pt_fork();
	if (p == 0) {
		if (delay_ms)
			msleep(delay_ms);
		_exit(code);
	}
	return p;
}

/* A child that waits until killed. */
static pid_t child_pause(void)
{
	pid_t p = pt_fork();
	if (p == 0)
		for (;;)
			pause();
	return p;
}

static void t_wait_status(void)
{
	int st = 0;
	pid_t p = child_exit(0, 0);
	kt_expect_eq("wait.wait4-returns-pid", wait4(p, &st, 0, 0), p);
	expect_exit("wait.exit-0", st, 0);
	p = child_exit(3, 0);
	st = pt_wait(p);
	expect_exit("wait.exit-3", st, 3);
	kt_expect_eq("wait.exit-3-raw-status", st, 3 << 8);
	expect_exit("wait.exit-255", pt_wait(child_exit(255, 0)), 255);
	expect_exit("wait.exit-256-is-0", pt_wait(child_exit(256, 0)), 0);
	p = child_pause();
	kill(p, SIGTERM);
	st = pt_wait(p);
	expect_killed("wait.killed-by-SIGTERM", st, SIGTERM);
	kt_expect_eq("wait.killed-raw-status-is-signal", st, SIGTERM);
	/* A shell would call both of these 143; the kernel tells them apart. */
	st = pt_wait(child_exit(128 + SIGTERM, 0));
	kt_expect_true("wait.exit-143-is-not-signaled",
		       WIFEXITED(st) && !WIFSIGNALED(st) && WEXITSTATUS(st) == 143,
		       "WIFEXITED with 143");
	int sigs[2] = { SIGSEGV, SIGQUIT };
	const char *names[2] = { "wait.SIGSEGV-rlimit-core-0-no-core-bit",
				 "wait.SIGQUIT-rlimit-core-0-no-core-bit" };
	for (int i = 0; i < 2; i++) {
		p = pt_fork();
		if (p == 0) {
			struct rlimit rl = { 0, 0 };
			setrlimit(RLIMIT_CORE, &rl);
			pt_default(sigs[i]);
			if (sigs[i] == SIGSEGV)
				*(volatile int *)pt_low_addr = 1;
			else
				raise(SIGQUIT);
			_exit(99);
		}
		st = pt_wait(p);
		kt_expect_true(names[i],
			       WIFSIGNALED(st) && WTERMSIG(st) == sigs[i] && !WCOREDUMP(st),
			       "killed by the signal, core bit clear");
	}
}

static void t_wait_nohang(void)
{
	int pp[2], st;
	pipe(pp);
	pid_t p = pt_fork();
	if (p == 0) {
		char b;
		close(pp[1]);
		read(pp[0], &b, 1);
		_exit(4);
	}
	close(pp[0]);
	kt_expect_eq("wait.wnohang-pid-running-0", wait4(p, &st, WNOHANG, 0), 0);
	kt_expect_eq("wait.wnohang-any-running-0", wait4(-1, &st, WNOHANG, 0), 0);
	close(pp[1]);
	expect_exit("wait.after-wnohang-exit", pt_wait(p), 4);
	kt_expect_err("wait.no-children-ECHILD", wait4(-1, &st, 0, 0) < 0 ? -errno : 0, ECHILD);
	kt_expect_err("wait.wnohang-no-children-ECHILD",
		      wait4(-1, &st, WNOHANG, 0) < 0 ? -errno : 0, ECHILD);
	kt_expect_err("wait.not-our-child-ECHILD", wait4(getppid(), &st, 0, 0) < 0 ? -errno : 0,
		      ECHILD);
	kt_expect_err("wait.bad-options-EINVAL", wait4(-1, &st, 0x1000000, 0) < 0 ? -errno : 0,
		      EINVAL);
}

static void t_wait_select(void)
{
	int st;
	pid_t slow = child_exit(1, 300), fast = child_exit(2, 0);
	msleep(50);
	kt_expect_eq("wait.specific-pid-waits-for-it", wait4(slow, &st, 0, 0), slow);
	expect_exit("wait.specific-pid-status", st, 1);
	kt_expect_eq("wait.any-gets-the-other", wait4(-1, &st, 0, 0), fast);
	expect_exit("wait.any-status", st, 2);
	/* x in a group of its own exits first; y, in ours, later: wait4(0) must take y. */
	pid_t x = pt_fork();
	if (x == 0) {
		setpgid(0, 0);
		_exit(5);
	}
	setpgid(x, x);
	pid_t y = child_exit(6, 300);
	kt_expect_eq("wait.pid-0-own-group-only", wait4(0, &st, 0, 0), y);
	expect_exit("wait.pid-0-status", st, 6);
	kt_expect_eq("wait.minus-pgid", wait4(-x, &st, 0, 0), x);
	expect_exit("wait.minus-pgid-status", st, 5);
	kt_expect_err("wait.minus-pgid-empty-ECHILD", wait4(-x, &st, 0, 0) < 0 ? -errno : 0,
		      ECHILD);
}

static void t_wait_stop(void)
{
	int st = 0;
	pid_t p = child_pause();
	kill(p, SIGSTOP);
	kt_expect_eq("wait.wuntraced-returns-pid", wait4(p, &st, WUNTRACED, 0), p);
	kt_expect_true("wait.wuntraced-stopped", WIFSTOPPED(st) && WSTOPSIG(st) == SIGSTOP,
		       "WIFSTOPPED by SIGSTOP");
	kt_expect_eq("wait.stopped-raw-status", st, 0x137f);
	kt_expect_eq("wait.stop-reported-once", wait4(p, &st, WUNTRACED | WNOHANG, 0), 0);
	kill(p, SIGCONT);
	st = 0;
	kt_expect_eq("wait.wcontinued-returns-pid", wait4(p, &st, WCONTINUED, 0), p);
	kt_expect_true("wait.wcontinued", WIFCONTINUED(st), "WIFCONTINUED");
	kt_expect_eq("wait.continued-raw-status", st, 0xffff);
	kill(p, SIGSTOP);
	msleep(100);
	kt_expect_eq("wait.stop-not-reported-without-wuntraced", wait4(p, &st, WNOHANG, 0), 0);
	kill(p, SIGKILL);
	expect_killed("wait.sigkill-ends-stopped-child", pt_wait(p), SIGKILL);
}

static void t_waitid(void)
{
	siginfo_t si;
	pid_t p = child_exit(7, 0);
	memset(&si, 0x55, sizeof si);
	int r = waitid(P_PID, p, &si, WEXITED | WNOWAIT);
	kt_expect_eq("waitid.p_pid-wnowait", r, 0);
	kt_expect_eq("waitid.si_signo-SIGCHLD", si.si_signo, SIGCHLD);
	kt_expect_eq("waitid.si_pid", si.si_pid, p);
	kt_expect_eq("waitid.si_uid", si.si_uid, getuid());
	kt_expect_eq("waitid.si_code-CLD_EXITED", si.si_code, CLD_EXITED);
	kt_expect_eq("waitid.si_status-exit-code", si.si_status, 7);
	int st;
	kt_expect_eq("waitid.wnowait-left-it-reapable", wait4(p, &st, 0, 0), p);
	expect_exit("waitid.wnowait-status-kept", st, 7);
	p = child_pause();
	kill(p, SIGKILL);
	memset(&si, 0, sizeof si);
	r = waitid(P_ALL, 0, &si, WEXITED);
	kt_expect_true("waitid.p_all-CLD_KILLED",
		       r == 0 && si.si_pid == p && si.si_code == CLD_KILLED &&
			       si.si_status == SIGKILL,
		       "si_pid of the child, CLD_KILLED, si_status SIGKILL");
	p = child_pause();
	kill(p, SIGSTOP);
	memset(&si, 0, sizeof si);
	r = waitid(P_PID, p, &si, WSTOPPED);
	kt_expect_true("waitid.wstopped-CLD_STOPPED",
		       r == 0 && si.si_pid == p && si.si_code == CLD_STOPPED &&
			       si.si_status == SIGSTOP,
		       "CLD_STOPPED with si_status SIGSTOP");
	memset(&si, 0x55, sizeof si);
	r = waitid(P_PID, p, &si, WEXITED | WNOHANG);
	kt_expect_true("waitid.wnohang-nothing-zeroes-si_pid", r == 0 && si.si_pid == 0,
		       "0 with si_pid 0");
	kill(p, SIGCONT);
	r = waitid(P_PID, p, &si, WCONTINUED);
	kt_expect_true("waitid.wcontinued-CLD_CONTINUED",
		       r == 0 && si.si_code == CLD_CONTINUED && si.si_status == SIGCONT,
		       "CLD_CONTINUED with si_status SIGCONT");
	kill(p, SIGKILL);
	pt_wait(p);
	p = child_exit(8, 0);
	r = waitid(P_PGID, getpgrp(), &si, WEXITED);
	kt_expect_true("waitid.p_pgid", r == 0 && si.si_pid == p && si.si_status == 8,
		       "the child of our group with status 8");
	kt_expect_err("waitid.no-options-EINVAL", waitid(P_ALL, 0, &si, 0) < 0 ? -errno : 0,
		      EINVAL);
	kt_expect_err("waitid.no-children-ECHILD",
		      waitid(P_ALL, 0, &si, WEXITED) < 0 ? -errno : 0, ECHILD);
}

static void t_wait_zombie_orphan(void)
{
	int st;
	pid_t p = child_exit(9, 0);
	msleep(200);
	kt_expect_eq("wait.zombie-still-exists-for-kill-0", kill(p, 0), 0);
	kt_expect_eq("wait.zombie-reapable", wait4(p, &st, 0, 0), p);
	expect_exit("wait.zombie-status", st, 9);
	kt_expect_err("wait.reaped-is-gone-ESRCH", kill(p, 0) < 0 ? -errno : 0, ESRCH);

	/* The middle child forks a grandchild and exits; the grandchild reports its parent
	 * before and after through a shared page. */
	volatile long *sh = pt_shared();
	pid_t mid = pt_fork();
	if (mid == 0) {
		pid_t g = pt_fork();
		if (g == 0) {
			sh[1] = getppid();
			long t0 = kt_now_ms();
			while (getppid() == sh[1] && kt_now_ms() - t0 < 10000)
				msleep(10);
			sh[2] = getppid();
			sh[4] = 1;
			_exit(0);
		}
		sh[0] = g;
		msleep(100);
		_exit(0);
	}
	expect_exit("wait.orphan-middle-exit", pt_wait(mid), 0);
	long t0 = kt_now_ms();
	while (!sh[4] && kt_now_ms() - t0 < 10000)
		msleep(10);
	kt_expect_eq("wait.orphan-first-parent", sh[1], mid);
	kt_expect_eq("wait.orphan-reparented-to-pid-1", sh[2], 1);
	kt_expect_err("wait.orphan-not-our-child-ECHILD",
		      wait4((pid_t)sh[0], &st, WNOHANG, 0) < 0 ? -errno : 0, ECHILD);
	if (pt_pid1) {
		/* We are PID 1's child: the runner (init) must reap it. */
		t0 = kt_now_ms();
		while (kill((pid_t)sh[0], 0) == 0 && kt_now_ms() - t0 < 10000)
			msleep(10);
		kt_expect_err("wait.orphan-reaped-by-init", kill((pid_t)sh[0], 0) < 0 ? -errno : 0,
			      ESRCH);
	} else {
		printf("info: not run by PID 1: wait.orphan-reaped-by-init skipped\n");
	}
	pt_unshare(sh);
}

static volatile sig_atomic_t chld_count, chld_code, chld_status, chld_pid;
static void chld_handler(int s, siginfo_t *si, void *uc)
{
	(void)s, (void)uc;
	chld_count++;
	chld_code = si->si_code;
	chld_status = si->si_status;
	chld_pid = si->si_pid;
}

static void t_wait_rusage_sigchld(void)
{
	pid_t p = pt_fork();
	if (p == 0) {
		long t0 = kt_now_ms();
		volatile unsigned long x = 0;
		while (kt_now_ms() - t0 < 300)
			x++;
		_exit(0);
	}
	struct rusage ru;
	int st;
	memset(&ru, 0, sizeof ru);
	wait4(p, &st, 0, &ru);
	long us = ru.ru_utime.tv_sec * 1000000L + ru.ru_utime.tv_usec +
		  ru.ru_stime.tv_sec * 1000000L + ru.ru_stime.tv_usec;
	kt_expect_true("wait.wait4-rusage-cpu-time", us >= 50000,
		       "at least 50 ms of CPU time for a child that spun 300 ms");
	pt_siginfo_handler(SIGCHLD, chld_handler, SA_RESTART);
	chld_count = 0;
	p = child_exit(11, 0);
	long t0 = kt_now_ms();
	while (!chld_count && kt_now_ms() - t0 < 10000)
		msleep(10);
	kt_expect_eq("wait.sigchld-delivered", chld_count, 1);
	kt_expect_true("wait.sigchld-siginfo",
		       chld_pid == p && chld_code == CLD_EXITED && chld_status == 11,
		       "si_pid of the child, CLD_EXITED, si_status 11");
	pt_wait(p);
	/* SA_NOCLDSTOP: no SIGCHLD when a child stops. */
	pt_siginfo_handler(SIGCHLD, chld_handler, SA_RESTART | SA_NOCLDSTOP);
	chld_count = 0;
	p = child_pause();
	kill(p, SIGSTOP);
	wait4(p, &st, WUNTRACED, 0);
	msleep(100);
	kt_expect_eq("wait.sa_nocldstop-no-sigchld-on-stop", chld_count, 0);
	kill(p, SIGKILL);
	pt_wait(p);
	pt_default(SIGCHLD);
}

void t_wait(void)
{
	t_wait_status();
	t_wait_nohang();
	t_wait_select();
	t_wait_stop();
	t_waitid();
	t_wait_zombie_orphan();
	t_wait_rusage_sigchld();
}

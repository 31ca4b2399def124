/* t_sig.c: signal delivery to handlers. Handlers run (libc's SA_RESTORER), siginfo for kill,
 * tkill and sigqueue (si_code, si_pid, si_uid, si_value), the mask during a handler (the signal
 * itself, sa_mask, SA_NODEFER, SA_RESETHAND), uc_sigmask in the frame and sigreturn restoring
 * it, blocking and pending (standard signals merge, real-time ones queue, lowest first),
 * SIG_IGN and pending signals, rt_sigsuspend, rt_sigtimedwait, SIGKILL and SIGSTOP through a
 * full mask. */
#include "proctests.h"

#define SA_RESTORER_ 0x04000000UL

struct k_sigaction {
	void (*handler)(int);
	unsigned long flags;
	void (*restorer)(void);
	unsigned long mask;
};

static volatile sig_atomic_t s_count, s_depth, s_maxdepth;
static volatile unsigned long s_mask_in, s_pending_in, s_ucmask;
static volatile int s_count2;
static volatile siginfo_t s_info;
static volatile int s_order[8], s_norder;

static void h_count(int s)
{
	(void)s;
	s_count++;
}

static void h_count2(int s)
{
	(void)s;
	s_count2++;
}

static void h_info(int s, siginfo_t *si, void *uc)
{
	(void)s;
	s_count++;
	memcpy((void *)&s_info, si, sizeof *si);
	s_ucmask = *(unsigned long *)&((ucontext_t *)uc)->uc_sigmask;
	s_mask_in = pt_mask();
}

static void t_sig_basic(void)
{
	s_count = 0;
	pt_handler(SIGUSR1, h_count, 0, 0);
	raise(SIGUSR1);
	kt_expect_eq("sig.handler-runs-before-raise-returns", s_count, 1);
	struct k_sigaction ka;
	kt_sys4(SYS_rt_sigaction, SIGUSR1, 0, &ka, 8);
	kt_expect_true("sig.libc-sets-sa_restorer", (ka.flags & SA_RESTORER_) && ka.restorer,
		       "SA_RESTORER with a restorer");
	kt_expect_eq("sig.mask-restored-after-handler", pt_mask() & BIT(SIGUSR1), 0);

	pt_siginfo_handler(SIGUSR1, h_info, 0);
	memset((void *)&s_info, 0, sizeof s_info);
	kill(getpid(), SIGUSR1);
	kt_expect_eq("sig.siginfo-kill-si_signo", s_info.si_signo, SIGUSR1);
	kt_expect_eq("sig.siginfo-kill-si_code-SI_USER", s_info.si_code, SI_USER);
	kt_expect_eq("sig.siginfo-kill-si_pid", s_info.si_pid, getpid());
	kt_expect_eq("sig.siginfo-kill-si_uid", s_info.si_uid, getuid());
	memset((void *)&s_info, 0, sizeof s_info);
	kt_sys2(SYS_tkill, pt_gettid(), SIGUSR1);
	kt_expect_eq("sig.siginfo-tkill-si_code-SI_TKILL", s_info.si_code, SI_TKILL);
	memset((void *)&s_info, 0, sizeof s_info);
	union sigval v = { .sival_int = 4242 };
	sigqueue(getpid(), SIGUSR1, v);
	kt_expect_true("sig.sigqueue-si_code-and-value",
		       s_info.si_code == SI_QUEUE && s_info.si_value.sival_int == 4242,
		       "SI_QUEUE with sival_int 4242");
	/* From a child: si_pid is the child's. */
	memset((void *)&s_info, 0, sizeof s_info);
	s_count = 0;
	pid_t p = pt_fork();
	if (p == 0)
		_exit(kill(getppid(), SIGUSR1) == 0 ? 0 : 1);
	pt_wait(p);
	long t0 = kt_now_ms();
	while (!s_count && kt_now_ms() - t0 < 10000)
		msleep(2);
	kt_expect_eq("sig.siginfo-kill-from-child-si_pid", s_info.si_pid, p);
	pt_default(SIGUSR1);
}

static void h_mask(int s)
{
	(void)s;
	s_mask_in = pt_mask();
	raise(SIGUSR2);
	s_pending_in = pt_pending();
	s_count = s_count2;
}

static void h_nest(int s)
{
	s_depth++;
	if (s_depth > s_maxdepth)
		s_maxdepth = s_depth;
	s_mask_in = pt_mask();
	if (s_count++ == 0)
		raise(s);
	s_depth--;
}

static void h_reset(int s)
{
	(void)s;
	s_count++;
	s_mask_in = pt_mask();
}

static void t_sig_handler_mask(void)
{
	s_count2 = 0;
	pt_handler(SIGUSR2, h_count2, 0, 0);
	pt_handler(SIGUSR1, h_mask, 0, BIT(SIGUSR2));
	raise(SIGUSR1);
	kt_expect_true("sig.mask-in-handler-has-signal", s_mask_in & BIT(SIGUSR1),
		       "SIGUSR1 blocked");
	kt_expect_true("sig.mask-in-handler-has-sa_mask", s_mask_in & BIT(SIGUSR2),
		       "SIGUSR2 blocked");
	kt_expect_true("sig.sa_mask-signal-pending-in-handler", s_pending_in & BIT(SIGUSR2),
		       "SIGUSR2 pending inside the handler");
	kt_expect_eq("sig.sa_mask-defers-delivery", s_count, 0);
	kt_expect_eq("sig.sa_mask-delivered-after-return", s_count2, 1);
	kt_expect_eq("sig.mask-after-sa_mask-handler", pt_mask() & (BIT(SIGUSR1) | BIT(SIGUSR2)),
		     0);

	s_count = s_depth = s_maxdepth = 0;
	pt_handler(SIGUSR1, h_nest, SA_NODEFER, 0);
	raise(SIGUSR1);
	kt_expect_eq("sig.sa_nodefer-nests", s_maxdepth, 2);
	kt_expect_eq("sig.sa_nodefer-signal-not-blocked", s_mask_in & BIT(SIGUSR1), 0);
	s_count = s_depth = s_maxdepth = 0;
	pt_handler(SIGUSR1, h_nest, 0, 0);
	raise(SIGUSR1);
	kt_expect_eq("sig.without-nodefer-no-nesting", s_maxdepth, 1);
	kt_expect_eq("sig.without-nodefer-runs-again-after-return", s_count, 2);

	s_count = 0;
	pt_handler(SIGUSR1, h_reset, SA_RESETHAND, 0);
	struct sigaction sa;
	raise(SIGUSR1);
	kt_expect_eq("sig.sa_resethand-ran-once", s_count, 1);
	sigaction(SIGUSR1, 0, &sa);
	kt_expect_true("sig.sa_resethand-back-to-default", sa.sa_handler == SIG_DFL, "SIG_DFL");
	kt_expect_true("sig.sa_resethand-signal-still-blocked-in-handler", s_mask_in & BIT(SIGUSR1),
		       "SIGUSR1 blocked (SA_RESETHAND does not imply SA_NODEFER on Linux)");
	pt_default(SIGUSR2);
}

static void t_sig_ucontext(void)
{
	unsigned long old = pt_mask();
	pt_siginfo_handler(SIGUSR1, h_info, 0);
	pt_setmask(old | BIT(SIGTERM));
	raise(SIGUSR1);
	kt_expect_eq("sig.uc_sigmask-is-mask-before-handler", s_ucmask, old | BIT(SIGTERM));
	kt_expect_eq("sig.handler-mask-old-plus-signal", s_mask_in,
		     old | BIT(SIGTERM) | BIT(SIGUSR1));
	pt_setmask(old);
	pt_default(SIGUSR1);
}

static void h_set_ucmask(int s, siginfo_t *si, void *uc)
{
	(void)s, (void)si;
	*(unsigned long *)&((ucontext_t *)uc)->uc_sigmask |= BIT(SIGUSR2);
}

static void h_order(int s)
{
	if (s_norder < 8)
		s_order[s_norder++] = s;
}

static void t_sig_block(void)
{
	unsigned long old = pt_mask();
	pt_siginfo_handler(SIGUSR1, h_set_ucmask, 0);
	raise(SIGUSR1);
	kt_expect_true("sig.sigreturn-restores-modified-uc_sigmask", pt_mask() & BIT(SIGUSR2),
		       "SIGUSR2 blocked after the handler added it to uc_sigmask");
	pt_setmask(old);

	s_count = 0;
	pt_handler(SIGUSR1, h_count, 0, 0);
	pt_setmask(old | BIT(SIGUSR1));
	raise(SIGUSR1);
	raise(SIGUSR1);
	kt_expect_eq("sig.blocked-not-delivered", s_count, 0);
	kt_expect_true("sig.rt_sigpending-shows-blocked", pt_pending() & BIT(SIGUSR1), "SIGUSR1");
	pt_setmask(old);
	kt_expect_eq("sig.unblock-delivers-before-return-once", s_count, 1);
	kt_expect_eq("sig.pending-cleared-after-delivery", pt_pending() & BIT(SIGUSR1), 0);

	int rt = SIGRTMIN + 2;
	s_norder = 0;
	pt_handler(rt, h_order, 0, 0);
	pt_handler(SIGUSR1, h_order, 0, 0);
	pt_handler(SIGUSR2, h_order, 0, 0);
	pt_setmask(old | BIT(rt) | BIT(SIGUSR1) | BIT(SIGUSR2));
	raise(rt);
	raise(SIGUSR2);
	raise(rt);
	raise(SIGUSR1);
	raise(rt);
	pt_setmask(old);
	int n = s_norder, rts = 0;
	char order[64] = "";
	for (int i = 0; i < n; i++) {
		rts += s_order[i] == rt;
		snprintf(order + strlen(order), sizeof order - strlen(order), " %d", s_order[i]);
	}
	printf("info: handlers ran in the order%s\n", order);
	kt_expect_eq("sig.realtime-signals-queue", rts, 3);
	kt_expect_eq("sig.all-unblocked-signals-delivered-before-return", n, 5);
	/* Linux dequeues the lowest number first (SIGUSR1, SIGUSR2, then 37) and, before going
	 * back to user mode, sets up a frame for every signal it can deliver, each on top of
	 * the previous one: the last frame runs first. So 37 runs first (its other two queued
	 * instances follow at each sigreturn, which unblocks 37 again), then SIGUSR2, then
	 * SIGUSR1. */
	kt_expect_true("sig.pending-delivered-as-stacked-frames-linux-order",
		       n == 5 && s_order[0] == rt && s_order[1] == rt && s_order[2] == rt &&
			       s_order[3] == SIGUSR2 && s_order[4] == SIGUSR1,
		       "handlers in the order 37 37 37 12 10");
	pt_default(rt);

	/* A blocked signal stays pending even while ignored; setting SIG_IGN discards it. */
	signal(SIGUSR2, SIG_IGN);
	pt_setmask(old | BIT(SIGUSR2));
	raise(SIGUSR2);
	kt_expect_true("sig.blocked-ignored-signal-still-pending", pt_pending() & BIT(SIGUSR2),
		       "SIGUSR2 pending");
	pt_setmask(old);
	pt_setmask(old | BIT(SIGUSR1));
	raise(SIGUSR1);
	signal(SIGUSR1, SIG_IGN);
	kt_expect_eq("sig.sig_ign-discards-pending", pt_pending() & BIT(SIGUSR1), 0);
	pt_setmask(old);
	pt_default(SIGUSR1);
	pt_default(SIGUSR2);
}

static void t_sig_suspend(void)
{
	unsigned long old = pt_mask(), empty = 0;
	pt_siginfo_handler(SIGUSR1, h_info, 0);
	pt_setmask(old | BIT(SIGUSR1));
	raise(SIGUSR1);
	s_count = 0;
	long r = kt_sys2(SYS_rt_sigsuspend, &empty, 8);
	kt_expect_err("sig.rt_sigsuspend-pending-EINTR", r, EINTR);
	kt_expect_eq("sig.rt_sigsuspend-handler-ran", s_count, 1);
	kt_expect_eq("sig.rt_sigsuspend-frame-has-pre-suspend-mask", s_ucmask, old | BIT(SIGUSR1));
	kt_expect_eq("sig.rt_sigsuspend-mask-restored", pt_mask(), old | BIT(SIGUSR1));
	/* Now the signal arrives during the suspension, from a child. */
	s_count = 0;
	pid_t p = pt_fork();
	if (p == 0) {
		msleep(100);
		kill(getppid(), SIGUSR1);
		_exit(0);
	}
	r = kt_sys2(SYS_rt_sigsuspend, &empty, 8);
	kt_expect_err("sig.rt_sigsuspend-wakes-EINTR", r, EINTR);
	kt_expect_eq("sig.rt_sigsuspend-wakes-handler-ran", s_count, 1);
	pt_wait(p);
	kt_expect_err("sig.rt_sigsuspend-bad-size-EINVAL", kt_sys2(SYS_rt_sigsuspend, &empty, 4),
		      EINVAL);

	/* rt_sigtimedwait: SIGUSR1 still blocked. */
	siginfo_t si;
	unsigned long set = BIT(SIGUSR1);
	struct timespec ts = { 0, 100000000 }, zero = { 0, 0 }, bad = { 0, 1000000000 };
	long t0 = kt_now_ms();
	r = kt_sys4(SYS_rt_sigtimedwait, &set, &si, &ts, 8);
	long el = kt_now_ms() - t0;
	kt_expect_err("sig.rt_sigtimedwait-timeout-EAGAIN", r, EAGAIN);
	kt_expect_true("sig.rt_sigtimedwait-waited", el >= 90, "at least 90 ms for 100 ms");
	kt_expect_err("sig.rt_sigtimedwait-zero-timeout-EAGAIN",
		      kt_sys4(SYS_rt_sigtimedwait, &set, &si, &zero, 8), EAGAIN);
	kt_expect_err("sig.rt_sigtimedwait-bad-timespec-EINVAL",
		      kt_sys4(SYS_rt_sigtimedwait, &set, &si, &bad, 8), EINVAL);
	s_count = 0;
	kill(getpid(), SIGUSR1);
	memset(&si, 0, sizeof si);
	r = kt_sys4(SYS_rt_sigtimedwait, &set, &si, &ts, 8);
	kt_expect_eq("sig.rt_sigtimedwait-returns-signal", r, SIGUSR1);
	kt_expect_true("sig.rt_sigtimedwait-siginfo",
		       si.si_signo == SIGUSR1 && si.si_code == SI_USER && si.si_pid == getpid(),
		       "si_signo SIGUSR1, SI_USER, our pid");
	kt_expect_eq("sig.rt_sigtimedwait-handler-not-run", s_count, 0);
	kt_expect_eq("sig.rt_sigtimedwait-consumed", pt_pending() & BIT(SIGUSR1), 0);
	p = pt_fork();
	if (p == 0) {
		msleep(100);
		kill(getppid(), SIGUSR1);
		_exit(0);
	}
	struct timespec ten = { 10, 0 };
	r = kt_sys4(SYS_rt_sigtimedwait, &set, &si, &ten, 8);
	kt_expect_true("sig.rt_sigtimedwait-wakes-for-arrival", r == SIGUSR1 && si.si_pid == p,
		       "SIGUSR1 from the child");
	pt_wait(p);
	pt_setmask(old);
	pt_default(SIGUSR1);
}

static void t_sig_kill_stop(void)
{
	struct k_sigaction ka = { SIG_IGN, SA_RESTORER_, 0, 0 };
	kt_expect_err("sig.sigkill-ignore-EINVAL", kt_sys4(SYS_rt_sigaction, SIGKILL, &ka, 0, 8),
		      EINVAL);
	kt_expect_err("sig.sigstop-ignore-EINVAL", kt_sys4(SYS_rt_sigaction, SIGSTOP, &ka, 0, 8),
		      EINVAL);
	pid_t p = pt_fork();
	if (p == 0) {
		unsigned long all = ~0UL;
		for (int s = 1; s < 32; s++)
			signal(s, SIG_IGN);
		kt_sys4(SYS_rt_sigprocmask, SIG_SETMASK, &all, 0, 8);
		for (;;)
			pause();
	}
	msleep(50);
	kill(p, SIGSTOP);
	int st = 0;
	pid_t r = wait4(p, &st, WUNTRACED, 0);
	kt_expect_true("sig.sigstop-through-full-mask", r == p && WIFSTOPPED(st),
		       "the child stopped");
	kill(p, SIGKILL);
	expect_killed("sig.sigkill-through-full-mask-and-ignore", pt_wait(p), SIGKILL);
}

void t_sig(void)
{
	t_sig_basic();
	t_sig_handler_mask();
	t_sig_ucontext();
	t_sig_block();
	t_sig_suspend();
	t_sig_kill_stop();
}

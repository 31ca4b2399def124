/* t_sig.c: signal bookkeeping without delivery: rt_sigaction stores and returns actions,
 * rt_sigprocmask the mask (SIGKILL and SIGSTOP never blocked), sigaltstack the alternate stack.
 * The structures are the kernel's (not libc's sigaction/sigset_t, which differ). */
#include <signal.h>
#include <sys/syscall.h>

#include "conformance.h"

struct k_sigaction {
	void (*handler)(int);
	unsigned long flags;
	void (*restorer)(void);
	unsigned long mask;
};

#define SA_RESTORER_ 0x04000000UL
#define BIT(s) (1UL << ((s) - 1))

static void handler_a(int s) { (void)s; }
static void handler_b(int s) { (void)s; }
static void restorer(void) {}

static void t_sig_action(void)
{
	struct k_sigaction a = { handler_a, SA_RESTORER_ | SA_SIGINFO | SA_RESTART, restorer,
				 BIT(SIGUSR2) | BIT(SIGTERM) };
	struct k_sigaction b = { handler_b, SA_RESTORER_, restorer, 0 };
	struct k_sigaction old;
	memset(&old, 0x5a, sizeof old);
	kt_expect_eq("sig.rt_sigaction-query", kt_sys4(SYS_rt_sigaction, SIGUSR1, 0, &old, 8), 0);
	kt_expect_true("sig.rt_sigaction-default", old.handler == SIG_DFL, "SIG_DFL at start");
	kt_expect_eq("sig.rt_sigaction-set", kt_sys4(SYS_rt_sigaction, SIGUSR1, &a, 0, 8), 0);
	memset(&old, 0, sizeof old);
	kt_expect_eq("sig.rt_sigaction-swap", kt_sys4(SYS_rt_sigaction, SIGUSR1, &b, &old, 8), 0);
	kt_expect_true("sig.rt_sigaction-returns-old",
		       old.handler == handler_a && old.flags == a.flags &&
			       old.restorer == restorer && old.mask == a.mask,
		       "the first action's handler, flags, restorer and mask");
	kt_sys4(SYS_rt_sigaction, SIGUSR1, 0, &old, 8);
	kt_expect_true("sig.rt_sigaction-stored-new", old.handler == handler_b, "the second handler");
	struct k_sigaction ign = { SIG_IGN, SA_RESTORER_, restorer, BIT(SIGKILL) | BIT(SIGSTOP) };
	kt_sys4(SYS_rt_sigaction, SIGUSR1, &ign, 0, 8);
	kt_sys4(SYS_rt_sigaction, SIGUSR1, 0, &old, 8);
	kt_expect_true("sig.rt_sigaction-mask-drops-KILL-STOP",
		       old.handler == SIG_IGN && old.mask == 0, "SIG_IGN with an empty mask");
	struct k_sigaction dfl = { SIG_DFL, 0, 0, 0 };
	kt_sys4(SYS_rt_sigaction, SIGUSR1, &dfl, 0, 8);
	kt_expect_err("sig.rt_sigaction-SIGKILL-EINVAL", kt_sys4(SYS_rt_sigaction, SIGKILL, &a, 0, 8),
		      EINVAL);
	kt_expect_err("sig.rt_sigaction-SIGSTOP-EINVAL", kt_sys4(SYS_rt_sigaction, SIGSTOP, &a, 0, 8),
		      EINVAL);
	kt_expect_eq("sig.rt_sigaction-SIGKILL-query-ok",
		     kt_sys4(SYS_rt_sigaction, SIGKILL, 0, &old, 8), 0);
	kt_expect_err("sig.rt_sigaction-signal-0-EINVAL", kt_sys4(SYS_rt_sigaction, 0, 0, &old, 8),
		      EINVAL);
	kt_expect_err("sig.rt_sigaction-signal-65-EINVAL", kt_sys4(SYS_rt_sigaction, 65, 0, &old, 8),
		      EINVAL);
	kt_expect_err("sig.rt_sigaction-bad-sigsetsize-EINVAL",
		      kt_sys4(SYS_rt_sigaction, SIGUSR1, 0, &old, 4), EINVAL);
	kt_expect_eq("sig.rt_sigaction-realtime-64", kt_sys4(SYS_rt_sigaction, 64, 0, &old, 8), 0);
}

static void t_sig_mask(void)
{
	unsigned long orig = 0, set, got = 0;
	kt_expect_eq("sig.rt_sigprocmask-query", kt_sys4(SYS_rt_sigprocmask, SIG_BLOCK, 0, &orig, 8),
		     0);
	set = BIT(SIGUSR1) | BIT(SIGKILL) | BIT(SIGSTOP) | BIT(SIGRTMIN + 1);
	kt_expect_eq("sig.rt_sigprocmask-block", kt_sys4(SYS_rt_sigprocmask, SIG_BLOCK, &set, &got, 8),
		     0);
	kt_expect_eq("sig.rt_sigprocmask-block-returns-old", got, orig);
	kt_sys4(SYS_rt_sigprocmask, SIG_BLOCK, 0, &got, 8);
	kt_expect_eq("sig.rt_sigprocmask-stored-without-KILL-STOP", got,
		     orig | BIT(SIGUSR1) | BIT(SIGRTMIN + 1));
	set = BIT(SIGUSR1);
	kt_sys4(SYS_rt_sigprocmask, SIG_UNBLOCK, &set, 0, 8);
	kt_sys4(SYS_rt_sigprocmask, SIG_BLOCK, 0, &got, 8);
	kt_expect_eq("sig.rt_sigprocmask-unblock", got, orig | BIT(SIGRTMIN + 1));
	set = BIT(SIGTERM);
	kt_sys4(SYS_rt_sigprocmask, SIG_SETMASK, &set, 0, 8);
	kt_sys4(SYS_rt_sigprocmask, SIG_BLOCK, 0, &got, 8);
	kt_expect_eq("sig.rt_sigprocmask-setmask", got, BIT(SIGTERM));
	kt_expect_err("sig.rt_sigprocmask-bad-how-EINVAL",
		      kt_sys4(SYS_rt_sigprocmask, 7, &set, 0, 8), EINVAL);
	kt_expect_err("sig.rt_sigprocmask-bad-sigsetsize-EINVAL",
		      kt_sys4(SYS_rt_sigprocmask, SIG_BLOCK, 0, &got, 16), EINVAL);
	kt_sys4(SYS_rt_sigprocmask, SIG_SETMASK, &orig, 0, 8);
	kt_sys4(SYS_rt_sigprocmask, SIG_BLOCK, 0, &got, 8);
	kt_expect_eq("sig.rt_sigprocmask-restore", got, orig);
}

static void t_sig_altstack(void)
{
	static char stack_mem[65536];
	stack_t ss = { stack_mem, 0, sizeof stack_mem }, old;
	memset(&old, 0x5a, sizeof old);
	kt_expect_eq("sig.sigaltstack-query", kt_sys2(SYS_sigaltstack, 0, &old), 0);
	kt_expect_true("sig.sigaltstack-initially-disabled", old.ss_flags == SS_DISABLE,
		       "SS_DISABLE");
	kt_expect_eq("sig.sigaltstack-set", kt_sys2(SYS_sigaltstack, &ss, 0), 0);
	memset(&old, 0, sizeof old);
	kt_sys2(SYS_sigaltstack, 0, &old);
	kt_expect_true("sig.sigaltstack-returns-stored",
		       old.ss_sp == stack_mem && old.ss_size == sizeof stack_mem && old.ss_flags == 0,
		       "the stack just set, flags 0");
	stack_t small = { stack_mem, 0, 1024 };
	kt_expect_err("sig.sigaltstack-too-small-ENOMEM", kt_sys2(SYS_sigaltstack, &small, 0),
		      ENOMEM);
	stack_t badf = { stack_mem, 0x1234, sizeof stack_mem };
	kt_expect_err("sig.sigaltstack-bad-flags-EINVAL", kt_sys2(SYS_sigaltstack, &badf, 0), EINVAL);
	stack_t dis = { 0, SS_DISABLE, 0 };
	kt_expect_eq("sig.sigaltstack-disable", kt_sys2(SYS_sigaltstack, &dis, &old), 0);
	kt_expect_true("sig.sigaltstack-disable-returns-old", old.ss_sp == stack_mem,
		       "the previous stack");
	kt_sys2(SYS_sigaltstack, 0, &old);
	kt_expect_true("sig.sigaltstack-disabled", old.ss_flags == SS_DISABLE, "SS_DISABLE");
}

void t_sig(void)
{
	t_sig_action();
	t_sig_mask();
	t_sig_altstack();
}

/* t_jobctl.c: job control on a controlling terminal (Linux's __tty_check_change). A process of
 * the session outside the foreground group that reads gets SIGTTIN for its group (stopped), or
 * EIO when it ignores or blocks SIGTTIN; it may write unless TOSTOP is set, then SIGTTOU
 * (unless ignored or blocked: the write goes through); tcsetpgrp and tcsetattr from the
 * background give SIGTTOU unless it is ignored or blocked; tcgetattr, tcgetpgrp and the window
 * size need no foreground. An orphaned background group gets EIO instead of a stop signal.
 * tcsetpgrp errors (EPERM for a group of another session, ESRCH for no such group, EINVAL for
 * a negative one); TIOCGPGRP on a terminal that is not the caller's controlling terminal is
 * ENOTTY, but on the master it reads the slave's foreground group. */
#include "ptytests.h"

static struct pty *jc_pty;
static pid_t jc_leader;

static void jc_defaults(void)
{
	signal(SIGTTIN, SIG_DFL);
	signal(SIGTTOU, SIG_DFL);
}

static void bg_read(void)
{
	jc_defaults();
	char b[16];
	ssize_t r = read(jc_pty->s, b, sizeof b);
	ck_fail("jobctl.bg-read-SIGTTIN", "expected to be stopped, the read returned %s",
		kt_res(ck_r(r)));
}

static void bg_read_ignored(void)
{
	jc_defaults();
	signal(SIGTTIN, SIG_IGN);
	char b[16];
	ck_err("jobctl.bg-read-SIGTTIN-ignored-EIO", ck_r(read(jc_pty->s, b, sizeof b)), EIO);
}

static void bg_read_blocked(void)
{
	jc_defaults();
	pt_block(SIGTTIN, 1);
	char b[16];
	ck_err("jobctl.bg-read-SIGTTIN-blocked-EIO", ck_r(read(jc_pty->s, b, sizeof b)), EIO);
	ck_true("jobctl.bg-read-SIGTTIN-blocked-not-pending", !(pt_pending() & BIT(SIGTTIN)),
		"no SIGTTIN pending (the kernel sends none when it is blocked)");
}

static void bg_write(void)
{
	jc_defaults();
	ck_eq("jobctl.bg-write-without-TOSTOP", ck_r(write(jc_pty->s, "bg\n", 3)), 3);
}

static void bg_write_tostop(void)
{
	jc_defaults();
	ssize_t r = write(jc_pty->s, "no\n", 3);
	ck_fail("jobctl.bg-write-TOSTOP-SIGTTOU", "expected to be stopped, the write returned %s",
		kt_res(ck_r(r)));
}

static void bg_write_tostop_ignored(void)
{
	jc_defaults();
	signal(SIGTTOU, SIG_IGN);
	ck_eq("jobctl.bg-write-TOSTOP-SIGTTOU-ignored-writes", ck_r(write(jc_pty->s, "ig\n", 3)), 3);
}

static void bg_write_tostop_blocked(void)
{
	jc_defaults();
	pt_block(SIGTTOU, 1);
	ck_eq("jobctl.bg-write-TOSTOP-SIGTTOU-blocked-writes", ck_r(write(jc_pty->s, "bl\n", 3)), 3);
}

static void bg_tcsetpgrp(void)
{
	jc_defaults();
	int r = tcsetpgrp(jc_pty->s, getpgrp());
	ck_fail("jobctl.bg-tcsetpgrp-SIGTTOU", "expected to be stopped, tcsetpgrp returned %s",
		kt_res(ck_r(r)));
}

static void bg_tcsetpgrp_ignored(void)
{
	jc_defaults();
	signal(SIGTTOU, SIG_IGN);
	ck_eq("jobctl.bg-tcsetpgrp-SIGTTOU-ignored", ck_r(tcsetpgrp(jc_pty->s, getpgrp())), 0);
	ck_eq("jobctl.bg-tcsetpgrp-SIGTTOU-ignored-took-foreground", tcgetpgrp(jc_pty->s),
	      getpgrp());
}

static void bg_tcsetpgrp_blocked(void)
{
	jc_defaults();
	pt_block(SIGTTOU, 1);
	ck_eq("jobctl.bg-tcsetpgrp-SIGTTOU-blocked", ck_r(tcsetpgrp(jc_pty->s, getpgrp())), 0);
}

static void bg_tcsetattr(void)
{
	jc_defaults();
	struct termios t;
	tcgetattr(jc_pty->s, &t);
	int r = tcsetattr(jc_pty->s, TCSANOW, &t);
	ck_fail("jobctl.bg-tcsetattr-SIGTTOU", "expected to be stopped, tcsetattr returned %s",
		kt_res(ck_r(r)));
}

static void bg_queries(void)
{
	jc_defaults();
	struct termios t;
	ck_eq("jobctl.bg-tcgetattr-allowed", ck_r(tcgetattr(jc_pty->s, &t)), 0);
	ck_eq("jobctl.bg-tcgetpgrp-allowed", tcgetpgrp(jc_pty->s), jc_leader);
	ck_eq("jobctl.bg-tcgetsid", tcgetsid(jc_pty->s), jc_leader);
	struct winsize w = { .ws_row = 10, .ws_col = 20 };
	ck_eq("jobctl.bg-TIOCSWINSZ-allowed", ck_r(ioctl(jc_pty->s, TIOCSWINSZ, &w)), 0);
}

static struct chan jc_orphan_go;
static volatile long *jc_orphan_pid; /* shared: the orphan's pid, to kill it if it stopped */

/* Makes an orphaned process group: a child in a group of its own whose parent (this process,
 * in another group of the session) exits; the child then touches the terminal. */
static void orphan_maker(void)
{
	pid_t c = pt_fork();
	if (c == 0) {
		setpgid(0, 0);
		jc_defaults();
		pid_t was = getppid();
		chan_post(&jc_orphan_go, 'c');
		long t0 = kt_now_ms();
		while (getppid() == was && kt_now_ms() - t0 < WAIT_MS)
			msleep(10);
		char b[16];
		ck_err("jobctl.orphaned-bg-read-EIO", ck_r(read(jc_pty->s, b, sizeof b)), EIO);
		ck_err("jobctl.orphaned-bg-tcsetpgrp-ENOTTY",
		       ck_r(tcsetpgrp(jc_pty->s, getpgrp())), ENOTTY);
		_exit(0);
	}
	setpgid(c, c);
	*jc_orphan_pid = c;
	chan_wait(&jc_orphan_go); /* the child is in its group: leave it */
}

/* A process of another session: TIOCGPGRP/TIOCGSID of the slave are ENOTTY, of the master
 * they tell the slave's. */
static void outsider(void)
{
	ck_eq("jobctl.outsider-setsid", ck_r(setsid()), getpid());
	pid_t g = -1;
	ck_err("jobctl.TIOCGPGRP-not-ctty-ENOTTY", ck_r(ioctl(jc_pty->s, TIOCGPGRP, &g)), ENOTTY);
	ck_err("jobctl.TIOCGSID-not-ctty-ENOTTY", ck_r(ioctl(jc_pty->s, TIOCGSID, &g)), ENOTTY);
	g = -1;
	ck_eq("jobctl.TIOCGPGRP-on-master", ck_r(ioctl(jc_pty->m, TIOCGPGRP, &g)), 0);
	ck_eq("jobctl.TIOCGPGRP-on-master-is-slave-foreground", g, jc_leader);
	g = -1;
	ck_eq("jobctl.TIOCGSID-on-master", ck_r(ioctl(jc_pty->m, TIOCGSID, &g)), 0);
	ck_eq("jobctl.TIOCGSID-on-master-is-slave-session", g, jc_leader);
	struct termios t;
	tcgetattr(jc_pty->s, &t);
	ck_eq("jobctl.tcsetattr-not-ctty-no-job-control", ck_r(tcsetattr(jc_pty->s, TCSANOW, &t)),
	      0);
}

static void expect_stop_then_kill(const char *name, pid_t c, int sig)
{
	expect_stopped(name, pt_waitf(c, WUNTRACED), sig);
	pt_reap(c);
}

static void jc_session(struct pty *p)
{
	jc_pty = p;
	jc_leader = getpid();
	/* The leader is in the foreground: it reads its terminal. */
	pt_puts(p->m, "fg\n");
	pt_discard(p->m, SETTLE_MS); /* echo */
	expect_read("jobctl.foreground-read", p->s, "fg\n");

	expect_stop_then_kill("jobctl.bg-read-SIGTTIN", pt_child(0, bg_read), SIGTTIN);
	expect_exit("jobctl.bg-read-ignored-exit", pt_wait(pt_child(0, bg_read_ignored)), 0);
	expect_exit("jobctl.bg-read-blocked-exit", pt_wait(pt_child(0, bg_read_blocked)), 0);
	expect_exit("jobctl.bg-write-exit", pt_wait(pt_child(0, bg_write)), 0);
	expect_master("jobctl.bg-write-reaches-master", p->m, "bg\r\n");

	struct termios t;
	tcgetattr(p->s, &t);
	t.c_lflag |= TOSTOP;
	ck_eq("jobctl.set-TOSTOP-from-foreground", ck_r(tcsetattr(p->s, TCSANOW, &t)), 0);
	expect_stop_then_kill("jobctl.bg-write-TOSTOP-SIGTTOU", pt_child(0, bg_write_tostop),
			      SIGTTOU);
	expect_nothing("jobctl.bg-write-TOSTOP-nothing-written", p->m);
	expect_exit("jobctl.bg-write-TOSTOP-ignored-exit",
		    pt_wait(pt_child(0, bg_write_tostop_ignored)), 0);
	expect_master("jobctl.bg-write-TOSTOP-ignored-reaches-master", p->m, "ig\r\n");
	expect_exit("jobctl.bg-write-TOSTOP-blocked-exit",
		    pt_wait(pt_child(0, bg_write_tostop_blocked)), 0);
	expect_master("jobctl.bg-write-TOSTOP-blocked-reaches-master", p->m, "bl\r\n");
	ck_eq("jobctl.foreground-write-with-TOSTOP", ck_r(write(p->s, "fw\n", 3)), 3);
	expect_master("jobctl.foreground-write-with-TOSTOP-reaches-master", p->m, "fw\r\n");
	t.c_lflag &= ~TOSTOP;
	tcsetattr(p->s, TCSANOW, &t);

	expect_stop_then_kill("jobctl.bg-tcsetpgrp-SIGTTOU", pt_child(0, bg_tcsetpgrp), SIGTTOU);
	ck_eq("jobctl.bg-tcsetpgrp-SIGTTOU-foreground-unchanged", tcgetpgrp(p->s), jc_leader);
	expect_stop_then_kill("jobctl.bg-tcsetattr-SIGTTOU", pt_child(0, bg_tcsetattr), SIGTTOU);
	signal(SIGTTOU, SIG_IGN); /* from here the leader may be in the background */
	expect_exit("jobctl.bg-tcsetpgrp-ignored-exit", pt_wait(pt_child(0, bg_tcsetpgrp_ignored)),
		    0);
	ck_eq("jobctl.leader-takes-foreground-back", ck_r(tcsetpgrp(p->s, jc_leader)), 0);
	expect_exit("jobctl.bg-tcsetpgrp-blocked-exit", pt_wait(pt_child(0, bg_tcsetpgrp_blocked)),
		    0);
	tcsetpgrp(p->s, jc_leader);
	expect_exit("jobctl.bg-queries-exit", pt_wait(pt_child(0, bg_queries)), 0);

	/* tcsetpgrp errors */
	ck_err("jobctl.tcsetpgrp-other-session-EPERM", ck_r(tcsetpgrp(p->s, getpgid(getppid()))),
	       EPERM);
	pid_t gone = pt_child(0, pt_nothing);
	pt_wait(gone);
	ck_err("jobctl.tcsetpgrp-no-such-group-ESRCH", ck_r(tcsetpgrp(p->s, gone)), ESRCH);
	ck_err("jobctl.tcsetpgrp-negative-EINVAL", ck_r(tcsetpgrp(p->s, -5)), EINVAL);
	ck_eq("jobctl.tcgetpgrp-unchanged-after-errors", tcgetpgrp(p->s), jc_leader);

	/* An orphaned background group gets EIO, no signal. */
	chan_open(&jc_orphan_go);
	jc_orphan_pid = pt_shared();
	pid_t om = pt_child(0, orphan_maker);
	expect_exit("jobctl.orphan-maker-exit", pt_wait(om), 0);
	if (!ck_wait_for("jobctl.orphaned-bg-tcsetpgrp-ENOTTY", 2 * WAIT_MS)) {
		ck_fail("jobctl.orphaned-bg", "expected the orphan to report within %d ms "
			"(stopped by SIGTTIN?)", 2 * WAIT_MS);
		if (*jc_orphan_pid > 0)
			kill((pid_t)*jc_orphan_pid, SIGKILL); /* stopped: its alarm cannot end it */
	}
	chan_close(&jc_orphan_go);

	pid_t o = pt_fork(); /* not a group leader, so that setsid works */
	if (o == 0) {
		outsider();
		_exit(0);
	}
	expect_exit("jobctl.outsider-exit", pt_wait(o), 0);
}

static void t_jobctl(void)
{
	struct pty p;
	if (pt_open(&p, 0) < 0) {
		ck_fail("jobctl.pty", "expected a pty");
		return;
	}
	pt_session(&p, "jobctl.session", jc_session);
	pt_close(&p);
}

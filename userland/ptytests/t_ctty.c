/* t_ctty.c: controlling terminals. /dev/tty opens the caller's controlling terminal (reads
 * and writes reach the pty) and is ENXIO after setsid() without one; TIOCSCTTY (session
 * leaders only: EPERM for others and for a second terminal; 0 again for the same one; a
 * terminal controlling another session is EPERM with arg 0, taken with arg 1 as root);
 * opening the slave without O_NOCTTY as a session leader without a terminal makes it the
 * controlling terminal, with O_NOCTTY it does not; TIOCNOTTY (ENOTTY on a terminal that is not
 * the caller's; a member gives up the terminal alone; the leader gives it up for the whole
 * session and the foreground group gets SIGHUP and SIGCONT); when the session leader exits,
 * the foreground group gets SIGHUP and the terminal is free for a new session. */
#include "ptytests.h"

static struct pty *ct_pty;
static struct chan ct_a, ct_b;

static long open_dev_tty(void)
{
	int fd = open("/dev/tty", O_RDWR);
	if (fd >= 0)
		close(fd);
	return ck_r(fd);
}

static void ct_no_ctty(void)
{
	ck_eq("ctty.setsid", ck_r(setsid()), getpid());
	ck_err("ctty.dev-tty-without-ctty-ENXIO", ck_r(open("/dev/tty", O_RDWR)), ENXIO);
	struct pty *p = ct_pty;
	ck_err("ctty.TIOCNOTTY-not-ctty-ENOTTY", ck_r(ioctl(p->s, TIOCNOTTY)), ENOTTY);
	/* A slave opened with O_NOCTTY by a leader without a terminal stays free. */
	int s = pt_open_slave(p->m, p->path, O_RDWR | O_NOCTTY);
	ck_err("ctty.open-O_NOCTTY-does-not-acquire", open_dev_tty(), ENXIO);
	close(s);
	/* Without O_NOCTTY it becomes the controlling terminal. */
	s = pt_open_slave(p->m, p->path, O_RDWR);
	ck_ok("ctty.open-without-O_NOCTTY-acquires", open_dev_tty());
	pid_t sid = -1;
	ioctl(s, TIOCGSID, &sid);
	ck_eq("ctty.open-without-O_NOCTTY-TIOCGSID", sid, getpid());
	ck_eq("ctty.open-without-O_NOCTTY-foreground-is-leader", tcgetpgrp(s), getpid());
	close(s);
}

static void ct_non_leader(void)
{
	/* In the leader's session, not its leader. */
	ck_err("ctty.TIOCSCTTY-non-leader-EPERM", ck_r(ioctl(ct_pty->s, TIOCSCTTY, 0)), EPERM);
}

static void ct_member_notty(void)
{
	ck_ok("ctty.member-dev-tty", open_dev_tty());
	ck_eq("ctty.member-TIOCNOTTY", ck_r(ioctl(ct_pty->s, TIOCNOTTY)), 0);
	ck_err("ctty.member-after-TIOCNOTTY-dev-tty-ENXIO", open_dev_tty(), ENXIO);
	chan_post(&ct_a, 'd');
}

static volatile sig_atomic_t ct_hup, ct_cont;
static void ct_on_hup(int s)
{
	(void)s;
	ct_hup++;
}
static void ct_on_cont(int s)
{
	(void)s;
	ct_cont++;
}

/* The foreground member when the leader gives the terminal up with TIOCNOTTY. */
static void ct_fg_member(void)
{
	pt_handler(SIGHUP, ct_on_hup);
	pt_handler(SIGCONT, ct_on_cont);
	chan_post(&ct_a, 'r');
	chan_wait(&ct_b);
	long t0 = kt_now_ms();
	while ((!ct_hup || !ct_cont) && kt_now_ms() - t0 < WAIT_MS)
		msleep(10);
	ck_true("ctty.leader-TIOCNOTTY-SIGHUP-foreground", ct_hup, "SIGHUP in the foreground group");
	ck_true("ctty.leader-TIOCNOTTY-SIGCONT-foreground", ct_cont,
		"SIGCONT in the foreground group");
	ck_err("ctty.leader-TIOCNOTTY-clears-whole-session", open_dev_tty(), ENXIO);
}

static void ct_bg_member(void)
{
	pt_handler(SIGHUP, ct_on_hup);
	chan_post(&ct_a, 'r');
	chan_wait(&ct_b);
	msleep(SETTLE_MS);
	ck_true("ctty.leader-TIOCNOTTY-no-SIGHUP-background", !ct_hup,
		"no SIGHUP in a background group");
}

static void ct_session(struct pty *p)
{
	pid_t me = getpid();
	signal(SIGTTOU, SIG_IGN);
	/* /dev/tty is the slave: what is written there, the master reads. */
	int t = open("/dev/tty", O_RDWR);
	ck_ok("ctty.dev-tty-opens", ck_r(t));
	if (t >= 0) {
		ck_eq("ctty.dev-tty-write", ck_r(write(t, "via tty\n", 8)), 8);
		expect_master("ctty.dev-tty-write-reaches-master", p->m, "via tty\r\n");
		struct termios tt;
		tcgetattr(t, &tt);
		tt.c_lflag &= ~ECHO;
		tcsetattr(t, TCSANOW, &tt);
		pt_puts(p->m, "typed\n");
		expect_read("ctty.dev-tty-read", t, "typed\n");
		pid_t sid = -1;
		ioctl(t, TIOCGSID, &sid);
		ck_eq("ctty.dev-tty-TIOCGSID", sid, me);
		ck_true("ctty.dev-tty-isatty", isatty(t), "isatty(/dev/tty)");
		struct stat st;
		fstat(t, &st);
		printf("info: ctty: fstat of an open /dev/tty: %s %u:%u\n",
		       S_ISCHR(st.st_mode) ? "char device" : "not a char device", major(st.st_rdev),
		       minor(st.st_rdev));
		close(t);
	}
	ck_eq("ctty.TIOCSCTTY-again-same-terminal", ck_r(ioctl(p->s, TIOCSCTTY, 0)), 0);
	struct pty other;
	if (pt_open(&other, 0) == 0) {
		ck_err("ctty.TIOCSCTTY-second-terminal-EPERM", ck_r(ioctl(other.s, TIOCSCTTY, 0)),
		       EPERM);
		pt_close(&other);
	}
	ct_pty = p;
	expect_exit("ctty.non-leader-exit", pt_wait(pt_child(me, ct_non_leader)), 0);

	/* Another session's leader: EPERM with arg 0, takes it with arg 1 (root). */
	pid_t c = pt_fork();
	if (c == 0) {
		setsid();
		ck_err("ctty.TIOCSCTTY-other-sessions-EPERM", ck_r(ioctl(p->s, TIOCSCTTY, 0)), EPERM);
		ck_eq("ctty.TIOCSCTTY-steal-as-root", ck_r(ioctl(p->s, TIOCSCTTY, 1)), 0);
		pid_t sid = -1;
		ioctl(p->s, TIOCGSID, &sid);
		ck_eq("ctty.TIOCSCTTY-steal-TIOCGSID", sid, getpid());
		_exit(0);
	}
	expect_exit("ctty.stealer-exit", pt_wait(c), 0);
	ck_err("ctty.stolen-dev-tty-ENXIO", open_dev_tty(), ENXIO);
	ck_err("ctty.stolen-TIOCGSID-ENOTTY", ck_r(ioctl(p->s, TIOCGSID, &c)), ENOTTY);
	/* The stealer exited: the terminal controls nobody and can be taken again. */
	ck_eq("ctty.TIOCSCTTY-after-stealer-exit", ck_r(ioctl(p->s, TIOCSCTTY, 0)), 0);
	ck_ok("ctty.dev-tty-after-taking-back", open_dev_tty());

	/* A member's TIOCNOTTY is its own business. */
	chan_open(&ct_a);
	chan_open(&ct_b);
	c = pt_child(me, ct_member_notty);
	chan_wait(&ct_a);
	ck_ok("ctty.member-TIOCNOTTY-leader-keeps-terminal", open_dev_tty());
	expect_exit("ctty.member-exit", pt_wait(c), 0);

	/* The leader's TIOCNOTTY: the foreground group gets SIGHUP and SIGCONT, nobody keeps
	 * the terminal. */
	pid_t fg = pt_child(0, ct_fg_member);
	chan_wait(&ct_a);
	pid_t bg = pt_child(0, ct_bg_member);
	chan_wait(&ct_a);
	tcsetpgrp(p->s, fg);
	ck_eq("ctty.leader-TIOCNOTTY", ck_r(ioctl(p->s, TIOCNOTTY)), 0);
	chan_post(&ct_b, 'g');
	chan_post(&ct_b, 'g');
	ck_err("ctty.leader-after-TIOCNOTTY-dev-tty-ENXIO", open_dev_tty(), ENXIO);
	pid_t g = -1;
	ck_err("ctty.leader-after-TIOCNOTTY-TIOCGPGRP-ENOTTY", ck_r(ioctl(p->s, TIOCGPGRP, &g)),
	       ENOTTY);
	expect_exit("ctty.fg-member-exit", pt_wait(fg), 0);
	expect_exit("ctty.bg-member-exit", pt_wait(bg), 0);
	ck_eq("ctty.TIOCSCTTY-after-TIOCNOTTY", ck_r(ioctl(p->s, TIOCSCTTY, 0)), 0);
	chan_close(&ct_a);
	chan_close(&ct_b);
}

/* The leader exits with a foreground group: that group gets SIGHUP (no SIGCONT). */
static struct chan ct_exit_go;
static void ct_orphan_fg(void)
{
	pt_handler(SIGHUP, ct_on_hup);
	pt_handler(SIGCONT, ct_on_cont);
	pid_t leader = getppid();
	chan_post(&ct_exit_go, 'r');
	long t0 = kt_now_ms();
	while (getppid() == leader && kt_now_ms() - t0 < 2 * WAIT_MS)
		msleep(10);
	t0 = kt_now_ms();
	while (!ct_hup && kt_now_ms() - t0 < WAIT_MS)
		msleep(10);
	msleep(SETTLE_MS);
	ck_true("ctty.leader-exit-SIGHUP-foreground", ct_hup, "SIGHUP after the leader exited");
	ck_true("ctty.leader-exit-no-SIGCONT-foreground", !ct_cont,
		"no SIGCONT (Linux sends SIGCONT only for TIOCNOTTY and hangups)");
	ck_err("ctty.leader-exit-member-loses-terminal", open_dev_tty(), ENXIO);
	ck_pass("ctty.leader-exit-reported");
}

static void ct_exit_session(struct pty *p)
{
	chan_open(&ct_exit_go);
	pid_t fg = pt_child(0, ct_orphan_fg);
	chan_wait(&ct_exit_go);
	tcsetpgrp(p->s, fg);
	/* exits: the member is inherited by init and reports through the shared buffer */
}

static void t_ctty(void)
{
	struct pty p;
	if (pt_open(&p, 0) < 0) {
		ck_fail("ctty.pty", "expected a pty");
		return;
	}
	ct_pty = &p;
	pid_t c = pt_fork();
	if (c == 0) {
		ct_no_ctty();
		_exit(0);
	}
	expect_exit("ctty.no-ctty-exit", pt_wait(c), 0);
	ck_collect();
	pt_session(&p, "ctty.session", ct_session);
	pt_session(&p, "ctty.exit-session", ct_exit_session);
	if (!ck_wait_for("ctty.leader-exit-reported", 3 * WAIT_MS))
		ck_fail("ctty.leader-exit", "expected the foreground member to report");
	ck_collect();
	/* The terminal is free again: a new session takes it with arg 0. */
	c = pt_fork();
	if (c == 0) {
		setsid();
		ck_eq("ctty.TIOCSCTTY-after-leader-exit", ck_r(ioctl(p.s, TIOCSCTTY, 0)), 0);
		_exit(0);
	}
	expect_exit("ctty.new-session-exit", pt_wait(c), 0);
	ck_collect();
	pt_close(&p);
}

/* t_isig.c: signals from control characters. A session leader takes the slave as its
 * controlling terminal and puts a child's process group in the foreground with tcsetpgrp; the
 * master then types: ^C kills the whole foreground group with SIGINT (sent by the kernel:
 * si_code SI_KERNEL) and spares the background group and the session leader, ^\ gives SIGQUIT,
 * ^Z stops the foreground group (WIFSTOPPED with SIGTSTP); with ISIG off the three are data
 * read by the foreground. A slave that is nobody's controlling terminal signals nobody. */
#include "ptytests.h"

static struct pty *isig_pty;
static volatile sig_atomic_t isig_code = -1;

static void isig_info(int sig, siginfo_t *si, void *ctx)
{
	(void)sig;
	(void)ctx;
	isig_code = si->si_code;
}

static struct chan isig_go;

/* The foreground reader with ISIG off: waits until it is in the foreground, reads a line. */
static void isig_reader(void)
{
	char buf[64];
	chan_wait(&isig_go);
	ssize_t r = pt_read_once(isig_pty->s, buf, sizeof buf, WAIT_MS);
	if (r == 4 && !memcmp(buf, "\x03\x1c\x1a\n", 4))
		ck_pass("isig.ISIG-off-control-chars-are-data");
	else
		ck_fail("isig.ISIG-off-control-chars-are-data", "expected \"\\x03\\x1c\\x1a\\n\" got %s",
			rd_desc(r, buf));
}

/* A foreground member that records how SIGINT came. */
static void isig_catcher(void)
{
	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_sigaction = isig_info;
	sa.sa_flags = SA_SIGINFO;
	sigaction(SIGINT, &sa, 0);
	chan_post(&isig_go, 'r');
	long t0 = kt_now_ms();
	while (isig_code == -1 && kt_now_ms() - t0 < 2 * WAIT_MS)
		msleep(10);
	if (isig_code == SI_KERNEL)
		ck_pass("isig.INTR-siginfo-SI_KERNEL");
	else
		ck_fail("isig.INTR-siginfo-SI_KERNEL", "expected si_code SI_KERNEL (0x80) got %d%s",
			(int)isig_code, isig_code == -1 ? " (no SIGINT)" : "");
}

static void isig_session(struct pty *p)
{
	isig_pty = p;
	pid_t me = getpid();
	ck_eq("isig.TIOCGSID", ({ pid_t s = -1; ioctl(p->s, TIOCGSID, &s); s; }), me);
	ck_eq("isig.foreground-is-leader-after-TIOCSCTTY", tcgetpgrp(p->s), me);
	signal(SIGTTOU, SIG_IGN); /* the leader changes the foreground from the background */

	/* ^C: the foreground group (two processes) dies, the background one stays. */
	pid_t g = pt_child(0, 0), g2 = pt_child(g, 0), b = pt_child(0, 0);
	ck_eq("isig.tcsetpgrp", ck_r(tcsetpgrp(p->s, g)), 0);
	ck_eq("isig.tcgetpgrp", tcgetpgrp(p->s), g);
	pt_puts(p->m, "\x03");
	expect_killed("isig.INTR-kills-foreground", pt_wait(g), SIGINT);
	expect_killed("isig.INTR-kills-whole-foreground-group", pt_wait(g2), SIGINT);
	ck_true("isig.INTR-spares-background", pt_running_after(b, SETTLE_MS),
		"the background group to keep running");
	ck_pass("isig.INTR-spares-session-leader"); /* we are still here */

	/* How the signal comes: from the kernel. */
	chan_open(&isig_go);
	g = pt_child(0, isig_catcher);
	tcsetpgrp(p->s, g);
	chan_wait(&isig_go);
	pt_puts(p->m, "\x03");
	expect_exit("isig.INTR-caught-exit", pt_wait(g), 0);
	chan_close(&isig_go);

	/* ^\ */
	g = pt_child(0, 0);
	tcsetpgrp(p->s, g);
	pt_puts(p->m, "\x1c");
	expect_killed("isig.QUIT-kills-foreground", pt_wait(g), SIGQUIT);

	/* ^Z */
	g = pt_child(0, 0);
	tcsetpgrp(p->s, g);
	pt_puts(p->m, "\x1a");
	expect_stopped("isig.SUSP-stops-foreground", pt_waitf(g, WUNTRACED), SIGTSTP);
	ck_true("isig.SUSP-spares-background", pt_running_after(b, SETTLE_MS),
		"the background group to keep running");
	kill(g, SIGCONT);
	pt_reap(g);

	/* A changed VINTR. */
	struct termios t;
	tcgetattr(p->s, &t);
	t.c_cc[VINTR] = 'K';
	tcsetattr(p->s, TCSANOW, &t);
	g = pt_child(0, 0);
	tcsetpgrp(p->s, g);
	pt_puts(p->m, "\x03");
	ck_true("isig.changed-VINTR-old-char-is-data", pt_running_after(g, SETTLE_MS),
		"^C to be data once VINTR is 'K'");
	pt_puts(p->m, "K");
	expect_killed("isig.changed-VINTR", pt_wait(g), SIGINT);
	t.c_cc[VINTR] = 3;

	/* ISIG off: data. */
	t.c_lflag &= ~ISIG;
	tcsetattr(p->s, TCSAFLUSH, &t);
	chan_open(&isig_go);
	g = pt_child(0, isig_reader);
	tcsetpgrp(p->s, g);
	chan_post(&isig_go, 'g');
	pt_puts(p->m, "\x03\x1c\x1a\n");
	expect_exit("isig.ISIG-off-reader-exit", pt_wait(g), 0);
	chan_close(&isig_go);
	pt_reap(b);
}

static void t_isig(void)
{
	struct pty p;
	if (pt_open(&p, 0) < 0) {
		ck_fail("isig.pty", "expected a pty");
		return;
	}
	pt_session(&p, "isig.session", isig_session);
	/* No controlling terminal: ^C reaches nobody (this group is still here to tell). */
	pt_puts(p.m, "\x03");
	msleep(SETTLE_MS);
	ck_pass("isig.INTR-on-no-ctty-signals-nobody");
	pt_close(&p);
}

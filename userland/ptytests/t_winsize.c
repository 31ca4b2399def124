/* t_winsize.c: the window size. TIOCSWINSZ on the master sets what TIOCGWINSZ reads on the
 * slave (and on the master), TIOCSWINSZ on the slave works too; a change sends SIGWINCH to the
 * foreground process group only (not the background, not the session leader in the
 * background), and setting the same size again sends nothing. */
#include "ptytests.h"

static struct pty *ws_pty;
static struct chan ws_to_g, ws_from_g, ws_to_b;

static int ws_wait_sig(int sig, long ms)
{
	sigset_t s;
	sigemptyset(&s);
	sigaddset(&s, sig);
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };
	for (;;) {
		int r = sigtimedwait(&s, 0, &ts);
		if (r < 0 && errno == EINTR)
			continue;
		return r == sig;
	}
}

/* The foreground: SIGWINCH blocked, taken with sigtimedwait. */
static void ws_foreground(void)
{
	pt_block(SIGWINCH, 1);
	chan_post(&ws_from_g, 'r');
	ck_true("winsize.SIGWINCH-to-foreground-on-change", ws_wait_sig(SIGWINCH, WAIT_MS),
		"SIGWINCH within the deadline");
	chan_post(&ws_from_g, 'c');
	chan_wait(&ws_to_g); /* the same size was set again */
	msleep(SETTLE_MS);
	ck_true("winsize.no-SIGWINCH-same-size", !(pt_pending() & BIT(SIGWINCH)),
		"no SIGWINCH pending after setting the same size");
	chan_post(&ws_from_g, 'd');
	chan_wait(&ws_to_g); /* the slave side changed it */
	ck_true("winsize.SIGWINCH-on-slave-TIOCSWINSZ", ws_wait_sig(SIGWINCH, WAIT_MS),
		"SIGWINCH after TIOCSWINSZ on the slave");
}

static void ws_background(void)
{
	pt_block(SIGWINCH, 1);
	chan_wait(&ws_to_b);
	ck_true("winsize.no-SIGWINCH-to-background", !(pt_pending() & BIT(SIGWINCH)),
		"no SIGWINCH pending in the background group");
}

static void ws_session(struct pty *p)
{
	ws_pty = p;
	signal(SIGTTOU, SIG_IGN);
	pt_block(SIGWINCH, 1); /* the leader is in the background: it must not get one either */
	chan_open(&ws_to_g);
	chan_open(&ws_from_g);
	chan_open(&ws_to_b);
	pid_t b = pt_child(0, ws_background);
	pid_t g = pt_child(0, ws_foreground);
	tcsetpgrp(p->s, g);
	chan_wait(&ws_from_g);
	struct winsize w = { .ws_row = 40, .ws_col = 132 };
	ck_eq("winsize.session-TIOCSWINSZ", ck_r(ioctl(p->m, TIOCSWINSZ, &w)), 0);
	chan_wait(&ws_from_g);
	ioctl(p->m, TIOCSWINSZ, &w);
	chan_post(&ws_to_g, 's');
	chan_wait(&ws_from_g);
	w.ws_row = 41;
	ioctl(p->s, TIOCSWINSZ, &w);
	chan_post(&ws_to_g, 'x');
	expect_exit("winsize.foreground-exit", pt_wait(g), 0);
	chan_post(&ws_to_b, 'x');
	expect_exit("winsize.background-exit", pt_wait(b), 0);
	ck_true("winsize.no-SIGWINCH-to-background-leader", !(pt_pending() & BIT(SIGWINCH)),
		"no SIGWINCH pending in the session leader (background)");
}

static void t_winsize(void)
{
	struct pty p;
	if (pt_open(&p, 0) < 0) {
		ck_fail("winsize.pty", "expected a pty");
		return;
	}
	struct winsize w = { .ws_row = 24, .ws_col = 80, .ws_xpixel = 640, .ws_ypixel = 480 };
	struct winsize got;
	ck_eq("winsize.TIOCSWINSZ-master", ck_r(ioctl(p.m, TIOCSWINSZ, &w)), 0);
	memset(&got, 0, sizeof got);
	ck_eq("winsize.TIOCGWINSZ-slave", ck_r(ioctl(p.s, TIOCGWINSZ, &got)), 0);
	ck_true("winsize.slave-reads-master-size",
		got.ws_row == 24 && got.ws_col == 80 && got.ws_xpixel == 640 && got.ws_ypixel == 480,
		"24x80 (640x480 pixels) on the slave");
	memset(&got, 0, sizeof got);
	ioctl(p.m, TIOCGWINSZ, &got);
	ck_true("winsize.master-reads-its-size", got.ws_row == 24 && got.ws_col == 80,
		"24x80 on the master");
	w.ws_row = 50;
	w.ws_col = 200;
	ck_eq("winsize.TIOCSWINSZ-slave", ck_r(ioctl(p.s, TIOCSWINSZ, &w)), 0);
	memset(&got, 0, sizeof got);
	ioctl(p.m, TIOCGWINSZ, &got);
	ck_true("winsize.master-reads-slave-set-size", got.ws_row == 50 && got.ws_col == 200,
		"50x200 on the master after TIOCSWINSZ on the slave");
	/* No controlling terminal: a change signals nobody (SIGWINCH is ignored by default
	 * anyway; blocked here, it would be pending if it came). */
	pt_block(SIGWINCH, 1);
	w.ws_row = 51;
	ioctl(p.m, TIOCSWINSZ, &w);
	msleep(SETTLE_MS);
	ck_true("winsize.no-ctty-no-SIGWINCH", !(pt_pending() & BIT(SIGWINCH)),
		"no SIGWINCH for a change of a terminal that controls nothing");
	pt_block(SIGWINCH, 0);
	pt_session(&p, "winsize.session", ws_session);
	pt_close(&p);
}

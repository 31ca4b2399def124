/* t_echo.c: echo, as the master reads it back. ECHO on: what the master writes comes back with
 * output processing (ICRNL makes a typed CR a newline, ONLCR shows it as CR NL); ECHO off:
 * nothing; ECHONL: only newlines; ECHOCTL: control characters as ^X (TAB and NL as
 * themselves), a signal character as ^C; ECHOE: ERASE as backspace-space-backspace (two for a
 * ^X, backspaces only for a tab, one for a UTF-8 character with IUTF8), without it the ERASE
 * character itself; ECHOK/ECHOKE for KILL; WERASE; EOF is not echoed; VREPRINT echoes the line
 * again, VDISCARD is data; VEOL echoes as ^X, VEOL2 needs IEXTEN; IUCLC; ECHOPRT; echo in
 * non-canonical mode. */
#include "ptytests.h"

/* A pair with the default settings and ISIG off unless asked (the slave is nobody's
 * controlling terminal, so a signal character would signal nobody anyway). */
static int echo_pair(struct pty *p)
{
	if (pt_open(p, 0) < 0) {
		ck_fail("echo.pty", "expected a pty");
		return -1;
	}
	return 0;
}

static void set_lflag(int fd, tcflag_t on, tcflag_t off)
{
	struct termios t;
	tcgetattr(fd, &t);
	t.c_lflag = (t.c_lflag | on) & ~off;
	tcsetattr(fd, TCSANOW, &t);
}

static void t_echo(void)
{
	struct pty p;
	if (echo_pair(&p) < 0)
		return;
	pt_puts(p.m, "hi\r");
	expect_master("echo.on-with-ICRNL-ONLCR", p.m, "hi\r\n");
	expect_read("echo.on-slave-reads-line", p.s, "hi\n");
	pt_puts(p.m, "nl\n");
	expect_master("echo.newline-as-crlf", p.m, "nl\r\n");
	pt_discard(p.s, SETTLE_MS);
	pt_puts(p.m, "\t\n");
	expect_master("echo.tab-as-itself", p.m, "\t\r\n");
	pt_discard(p.s, SETTLE_MS);
	pt_puts(p.m, "\x01\x1b\n");
	expect_master("echo.ECHOCTL-caret", p.m, "^A^[\r\n");
	expect_read("echo.ECHOCTL-data-unchanged", p.s, "\x01\x1b\n");
	pt_puts(p.m, "\x7f");
	expect_nothing("echo.ERASE-on-empty-line-echoes-nothing", p.m);
	pt_puts(p.m, "ab\x7f");
	expect_master("echo.ECHOE-erase", p.m, "ab\b \b");
	pt_puts(p.m, "\x01\x7f");
	expect_master("echo.ECHOE-erase-of-caret-char-takes-two", p.m, "^A\b \b\b \b");
	pt_puts(p.m, "\x15");
	expect_master("echo.ECHOKE-kill-erases-each", p.m, "\b \b");
	pt_puts(p.m, "xy z\x17");
	expect_master("echo.WERASE", p.m, "xy z\b \b");
	pt_puts(p.m, "\x17");
	expect_master("echo.WERASE-word-before-blank", p.m, "\b \b\b \b\b \b");
	pt_puts(p.m, "\x04");
	expect_nothing("echo.EOF-not-echoed", p.m);
	pt_read_once(p.s, (char[8]){ 0 }, 8, WAIT_MS);
	pt_puts(p.m, "e\x04");
	expect_master("echo.EOF-after-text-not-echoed", p.m, "e");
	pt_puts(p.m, "\n"); /* back to column 0 */
	pt_discard(p.m, SETTLE_MS);
	pt_discard(p.s, SETTLE_MS);
	/* A tab erased with ECHOE: backspaces to where the tab began (no spaces). */
	pt_puts(p.m, "ab\t\x7f");
	expect_master("echo.ECHOE-erase-tab-backs-up", p.m, "ab\t\b\b\b\b\b\b");
	pt_puts(p.m, "\x15");
	pt_discard(p.m, SETTLE_MS);

	/* VREPRINT (^R) echoes the line again; it is not data. */
	pt_puts(p.m, "ab\x12");
	expect_master("echo.VREPRINT", p.m, "ab^R\r\nab");
	pt_puts(p.m, "c\n");
	expect_master("echo.after-VREPRINT", p.m, "c\r\n");
	expect_read("echo.VREPRINT-not-data", p.s, "abc\n");
	/* VDISCARD (^O) is data. */
	pt_puts(p.m, "a\x0f\n");
	expect_master("echo.VDISCARD-echoed-as-data", p.m, "a^O\r\n");
	expect_read("echo.VDISCARD-is-data", p.s, "a\x0f\n");
	/* IUTF8: one erase for a UTF-8 character. */
	struct termios t;
	tcgetattr(p.s, &t);
	t.c_iflag |= IUTF8;
	tcsetattr(p.s, TCSANOW, &t);
	pt_puts(p.m, "\xe2\x82\xac\x7f");
	expect_master("echo.IUTF8-erase-one-column", p.m, "\xe2\x82\xac\b \b");
	t.c_iflag &= ~IUTF8;
	/* VEOL is echoed like any character: ^E with ECHOCTL. */
	t.c_cc[VEOL] = 5;
	tcsetattr(p.s, TCSANOW, &t);
	pt_puts(p.m, "v\x05");
	expect_master("echo.VEOL-echo-caret", p.m, "v^E");
	expect_read("echo.VEOL-ends-line", p.s, "v\x05");
	t.c_cc[VEOL] = 0;
	/* VEOL2 needs IEXTEN. */
	t.c_cc[VEOL2] = '#';
	t.c_lflag &= ~IEXTEN;
	tcsetattr(p.s, TCSANOW, &t);
	pt_puts(p.m, "a#b\n");
	expect_read("echo.VEOL2-without-IEXTEN-is-data", p.s, "a#b\n");
	t.c_cc[VEOL2] = 0;
	t.c_lflag |= IEXTEN;
	/* IUCLC (with IEXTEN) lowers input. */
	t.c_iflag |= IUCLC;
	tcsetattr(p.s, TCSANOW, &t);
	pt_discard(p.m, SETTLE_MS);
	pt_puts(p.m, "AbC\n");
	expect_master("echo.IUCLC-echo", p.m, "abc\r\n");
	expect_read("echo.IUCLC-data", p.s, "abc\n");
	t.c_iflag &= ~IUCLC;
	/* ECHOPRT: erased characters between \ and /. */
	t.c_lflag |= ECHOPRT;
	tcsetattr(p.s, TCSANOW, &t);
	pt_puts(p.m, "abc\x7f\x7f" "d\n");
	expect_master("echo.ECHOPRT-erase", p.m, "abc\\cb/d\r\n");
	expect_read("echo.ECHOPRT-data", p.s, "ad\n");
	t.c_lflag &= ~ECHOPRT;
	tcsetattr(p.s, TCSANOW, &t);

	/* ECHOE off: the erase character, shown as ^?. */
	set_lflag(p.s, 0, ECHOE);
	pt_puts(p.m, "a\x7f");
	expect_master("echo.no-ECHOE-shows-ERASE-char", p.m, "a^?");
	pt_puts(p.m, "\x15");
	pt_discard(p.m, SETTLE_MS);
	/* ECHOK without ECHOKE: the KILL character and a newline. */
	set_lflag(p.s, ECHOE | ECHOK, ECHOKE);
	pt_puts(p.m, "ab\x15");
	expect_master("echo.ECHOK-without-ECHOKE", p.m, "ab^U\r\n");
	set_lflag(p.s, 0, ECHOK | ECHOKE);
	pt_puts(p.m, "cd\x15");
	expect_master("echo.no-ECHOK", p.m, "cd^U");
	/* ECHOCTL off: control characters echo as themselves. */
	set_lflag(p.s, ECHOK | ECHOKE, ECHOCTL);
	pt_puts(p.m, "\x01\n");
	expect_master("echo.no-ECHOCTL-raw-control", p.m, "\x01\r\n");
	pt_discard(p.s, SETTLE_MS);
	set_lflag(p.s, ECHOCTL, 0);

	/* A signal character echoes as ^C (and discards the line typed so far). */
	set_lflag(p.s, ISIG, 0);
	pt_puts(p.m, "\x03");
	expect_master("echo.ISIG-INTR-echoes-caret-C", p.m, "^C");
	pt_puts(p.m, "\x1c");
	expect_master("echo.ISIG-QUIT-echoes-caret-backslash", p.m, "^\\");
	pt_puts(p.m, "gone");
	pt_discard(p.m, SETTLE_MS);
	pt_puts(p.m, "\x03");
	pt_discard(p.m, SETTLE_MS);
	pt_puts(p.m, "kept\n");
	expect_read("echo.ISIG-INTR-discards-partial-line", p.s, "kept\n");
	pt_discard(p.m, SETTLE_MS);

	/* ECHO off: nothing comes back, the data still arrives. */
	set_lflag(p.s, 0, ECHO);
	pt_puts(p.m, "secret\r");
	expect_read("echo.off-slave-reads", p.s, "secret\n");
	expect_nothing("echo.off-nothing-echoed", p.m);
	set_lflag(p.s, ECHONL, 0);
	pt_puts(p.m, "pw\n");
	expect_master("echo.ECHONL-only-newline", p.m, "\r\n");
	pt_discard(p.s, SETTLE_MS);
	set_lflag(p.s, ECHO, ECHONL);

	/* Non-canonical mode with ECHO: each byte at once. A typed NL is echoed by the
	 * character path (ECHOCTL shows it as ^J); a CR turned into NL by ICRNL is echoed as
	 * a newline. */
	set_lflag(p.s, 0, ICANON);
	pt_puts(p.m, "r");
	expect_master("echo.noncanonical-echo-at-once", p.m, "r");
	pt_puts(p.m, "\x7f");
	expect_master("echo.noncanonical-ERASE-is-data-echoed-caret", p.m, "^?");
	pt_puts(p.m, "\r");
	expect_master("echo.noncanonical-ICRNL-cr-echoes-newline", p.m, "\r\n");
	pt_puts(p.m, "\n");
	expect_master("echo.noncanonical-nl-with-ECHOCTL", p.m, "^J");
	pt_close(&p);
}

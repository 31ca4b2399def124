/* t_canon.c: reading the slave. Canonical mode (a line at a time, never more than one line a
 * read, a partial line is not readable, ERASE/KILL/WERASE editing as typed into the master,
 * ^D: EOF on an empty line reads 0 and ends a partial line without a newline, VEOL/VEOL2 end a
 * line, ^V takes the next character literally, ICRNL); raw mode (cfmakeraw: bytes at once,
 * no translation, control characters are data; VMIN=0 VTIME=0 returns 0 at once, VMIN=0
 * VTIME=2 returns 0 after about 0.2 s; a partial canonical line becomes readable when ICANON
 * is switched off; TCSAFLUSH drops input); VMIN above 1 (group vmin: VMIN=3 waits for 3 bytes
 * and poll says POLLIN only then, a signal ends the read with the bytes taken, VTIME as an
 * inter-byte timer once a byte came); PARMRK doubling 0xff; output processing of what the slave
 * writes (ONLCR, OPOST off, OCRNL, ONOCR, OLCUC, XTABS). */
#include "ptytests.h"

static void no_echo(struct termios *t)
{
	t->c_lflag &= ~(ECHO | ECHOE | ECHOK | ECHONL);
}

/* A pair with echo off (so the master only sees what the slave writes). */
static int canon_pair(struct pty *p, const char *name)
{
	if (pt_open(p, 0) < 0) {
		ck_fail(name, "expected a pty");
		return -1;
	}
	pt_setattr(p->s, no_echo);
	return 0;
}

static void t_canon(void)
{
	struct pty p;
	if (canon_pair(&p, "canon.pty") < 0)
		return;
	char buf[512];
	pt_puts(p.m, "hel");
	ck_true("canon.partial-line-not-readable", !(pt_poll_for(p.s, POLLIN, SETTLE_MS) & POLLIN),
		"no POLLIN on the slave for a line without its newline");
	int fl = fcntl(p.s, F_GETFL);
	fcntl(p.s, F_SETFL, fl | O_NONBLOCK);
	ck_err("canon.partial-line-read-EAGAIN", ck_r(read(p.s, buf, sizeof buf)), EAGAIN);
	fcntl(p.s, F_SETFL, fl);
	pt_puts(p.m, "lo\n");
	expect_read("canon.line-when-newline-comes", p.s, "hello\n");
	pt_puts(p.m, "one\ntwo\n");
	expect_read("canon.one-line-per-read-first", p.s, "one\n");
	expect_read("canon.one-line-per-read-second", p.s, "two\n");
	pt_puts(p.m, "cr\r");
	expect_read("canon.ICRNL-cr-ends-line-as-nl", p.s, "cr\n");
	pt_puts(p.m, "abcdef\n");
	ssize_t r = pt_read_once(p.s, buf, 4, WAIT_MS); /* read(2) of 3 bytes */
	expect_bytes("canon.short-read-takes-part-of-line", buf, r, "abc");
	expect_read("canon.short-read-rest-of-line", p.s, "def\n");

	/* Editing, typed into the master. */
	pt_puts(p.m, "abx\x7f" "c\n");
	expect_read("canon.ERASE", p.s, "abc\n");
	pt_puts(p.m, "\x7f\x7fx\n");
	expect_read("canon.ERASE-at-line-start-does-nothing", p.s, "x\n");
	pt_puts(p.m, "garbage\x15ok\n");
	expect_read("canon.KILL", p.s, "ok\n");
	pt_puts(p.m, "one two  \x17three\n");
	expect_read("canon.WERASE-word-and-blanks-after-it", p.s, "one three\n");
	/* Linux's WERASE is BSD's ALTWERASE: a word is letters, digits and '_'. */
	pt_puts(p.m, "cd /usr/lib\x17" "bin\n");
	expect_read("canon.WERASE-stops-at-punctuation", p.s, "cd /usr/bin\n");
	pt_puts(p.m, "a_b1 \x17" "c\n");
	expect_read("canon.WERASE-underscore-digits-are-word", p.s, "c\n");
	pt_puts(p.m, "ab\x16\x7f\n");
	expect_read("canon.LNEXT-takes-ERASE-literally", p.s, "ab\x7f\n");
	pt_puts(p.m, "q\x16\x15\n");
	expect_read("canon.LNEXT-takes-KILL-literally", p.s, "q\x15\n");
	/* A line already ended cannot be erased. */
	pt_puts(p.m, "done\n\x7f\x7f");
	expect_read("canon.ERASE-cannot-cross-newline", p.s, "done\n");
	pt_puts(p.m, "\n");
	expect_read("canon.empty-line", p.s, "\n");

	/* EOF. */
	pt_puts(p.m, "\x04");
	r = pt_read_once(p.s, buf, sizeof buf, WAIT_MS);
	ck_true("canon.EOF-on-empty-line-reads-0", r == 0, "read to return 0");
	if (r != 0)
		printf("info: canon.EOF-on-empty-line-reads-0: got %s\n", rd_desc(r, buf));
	pt_puts(p.m, "abc\x04");
	expect_read("canon.EOF-ends-partial-line-without-newline", p.s, "abc");
	ck_true("canon.EOF-consumed", !(pt_poll_for(p.s, POLLIN, SETTLE_MS) & POLLIN),
		"nothing readable after the line ended by EOF");
	pt_puts(p.m, "\x04" "next\n");
	r = pt_read_once(p.s, buf, sizeof buf, WAIT_MS);
	ck_true("canon.EOF-then-line-first-reads-0", r == 0, "the EOF to read as 0 first");
	expect_read("canon.EOF-then-line-second", p.s, "next\n");

	/* VEOL and VEOL2 end a line (the character stays in it). */
	struct termios t;
	tcgetattr(p.s, &t);
	t.c_cc[VEOL] = ';';
	t.c_cc[VEOL2] = '#';
	tcsetattr(p.s, TCSANOW, &t);
	pt_puts(p.m, "a;b#c\n");
	expect_read("canon.VEOL-ends-line", p.s, "a;");
	expect_read("canon.VEOL2-ends-line", p.s, "b#");
	expect_read("canon.after-VEOL2", p.s, "c\n");
	t.c_cc[VEOL] = 0;
	t.c_cc[VEOL2] = 0;
	/* A changed VERASE and VKILL. */
	t.c_cc[VERASE] = '\b';
	t.c_cc[VKILL] = '@';
	tcsetattr(p.s, TCSANOW, &t);
	pt_puts(p.m, "xy\b\x7fz@w\n");
	expect_read("canon.VERASE-VKILL-changed", p.s, "w\n");
	/* Without IEXTEN, WERASE and LNEXT are ordinary characters. */
	t.c_cc[VERASE] = 0x7f;
	t.c_cc[VKILL] = 0x15;
	t.c_lflag &= ~IEXTEN;
	tcsetattr(p.s, TCSANOW, &t);
	pt_puts(p.m, "w\x17\x16x\n");
	expect_read("canon.no-IEXTEN-WERASE-LNEXT-are-data", p.s, "w\x17\x16x\n");
	t.c_lflag |= IEXTEN;
	/* INLCR/IGNCR. */
	t.c_iflag = IGNCR;
	tcsetattr(p.s, TCSANOW, &t);
	pt_puts(p.m, "a\rb\n");
	expect_read("canon.IGNCR-drops-cr", p.s, "ab\n");
	t.c_iflag = 0;
	tcsetattr(p.s, TCSANOW, &t);
	pt_puts(p.m, "a\rb\n");
	expect_read("canon.no-ICRNL-cr-is-data", p.s, "a\rb\n");
	/* ISTRIP clears the eighth bit. */
	t.c_iflag = ISTRIP;
	tcsetattr(p.s, TCSANOW, &t);
	pt_puts(p.m, "\xc1\xe2\n");
	expect_read("canon.ISTRIP", p.s, "Ab\n");
	/* IUTF8: ERASE takes a whole UTF-8 character. */
	t.c_iflag = IUTF8;
	tcsetattr(p.s, TCSANOW, &t);
	pt_puts(p.m, "a\xc3\xa9\x7f\xe2\x82\xac\x7f" "b\n");
	expect_read("canon.IUTF8-ERASE-whole-character", p.s, "ab\n");
	t.c_iflag = 0;
	tcsetattr(p.s, TCSANOW, &t);
	pt_puts(p.m, "a\xc3\xa9\x7f\n");
	expect_read("canon.no-IUTF8-ERASE-one-byte", p.s, "a\xc3\n");
	/* IXON: ^S and ^Q are flow control, not data. */
	t.c_iflag = IXON;
	tcsetattr(p.s, TCSANOW, &t);
	pt_puts(p.m, "s\x13t\x11u\n");
	expect_read("canon.IXON-START-STOP-not-data", p.s, "stu\n");
	t.c_iflag = 0;
	tcsetattr(p.s, TCSANOW, &t);
	pt_puts(p.m, "s\x13t\x11u\n");
	expect_read("canon.no-IXON-START-STOP-are-data", p.s, "s\x13t\x11u\n");
	pt_close(&p);
}

static void t_raw(void)
{
	struct pty p;
	if (canon_pair(&p, "raw.pty") < 0)
		return;
	char buf[512];
	/* Leaving canonical mode makes the partial line readable. */
	pt_puts(p.m, "typed");
	msleep(SETTLE_MS);
	struct termios t;
	tcgetattr(p.s, &t);
	cfmakeraw(&t);
	t.c_cc[VMIN] = 1;
	t.c_cc[VTIME] = 0;
	tcsetattr(p.s, TCSANOW, &t);
	expect_read("raw.partial-line-readable-after-ICANON-off", p.s, "typed");

	pt_puts(p.m, "x");
	expect_read("raw.byte-at-once", p.s, "x");
	pt_puts(p.m, "\r\x03\x1a\x7f\x04\x15\n");
	ssize_t r = pt_read_until(p.s, buf, 7, WAIT_MS, 0);
	expect_bytes("raw.no-translation-control-chars-are-data", buf, r, "\r\x03\x1a\x7f\x04\x15\n");

	/* VMIN 0, VTIME 0: a read returns at once, 0 when there is nothing. */
	t.c_cc[VMIN] = 0;
	t.c_cc[VTIME] = 0;
	tcsetattr(p.s, TCSANOW, &t);
	long t0 = kt_now_ms();
	r = read(p.s, buf, sizeof buf);
	ck_eq("raw.VMIN0-VTIME0-empty-reads-0", ck_r(r), 0);
	pt_puts(p.m, "ab");
	pt_poll_for(p.s, POLLIN, WAIT_MS);
	r = pt_read_until(p.s, buf, 2, WAIT_MS, 0);
	expect_bytes("raw.VMIN0-VTIME0-data", buf, r, "ab");

	/* VMIN 0, VTIME 2: a read with nothing returns 0 after 0.2 s. */
	t.c_cc[VTIME] = 2;
	tcsetattr(p.s, TCSANOW, &t);
	t0 = kt_now_ms();
	r = read(p.s, buf, sizeof buf);
	long took = kt_now_ms() - t0;
	ck_eq("raw.VMIN0-VTIME2-empty-reads-0", ck_r(r), 0);
	if (took >= 150)
		ck_pass("raw.VMIN0-VTIME2-waits-0.2s");
	else
		ck_fail("raw.VMIN0-VTIME2-waits-0.2s", "expected about 200 ms got %ld ms", took);
	printf("info: raw.VMIN0-VTIME2: read returned after %ld ms\n", took);
	pt_puts(p.m, "q");
	msleep(SETTLE_MS);
	t0 = kt_now_ms();
	r = read(p.s, buf, sizeof buf);
	took = kt_now_ms() - t0;
	expect_bytes("raw.VMIN0-VTIME2-data-at-once", buf, r, "q");

	/* PARMRK doubles a 0xff byte. */
	t.c_iflag |= PARMRK;
	tcsetattr(p.s, TCSANOW, &t);
	pt_puts(p.m, "a\xff" "b");
	r = pt_read_until(p.s, buf, 4, WAIT_MS, 0);
	expect_bytes("raw.PARMRK-doubles-0xff", buf, r, "a\xff\xff" "b");
	t.c_iflag &= ~PARMRK;
	tcsetattr(p.s, TCSANOW, &t);

	/* TCSAFLUSH/TCSETSF drops pending input. */
	t.c_cc[VMIN] = 1;
	t.c_cc[VTIME] = 0;
	tcsetattr(p.s, TCSANOW, &t);
	pt_puts(p.m, "old");
	pt_poll_for(p.s, POLLIN, WAIT_MS);
	tcsetattr(p.s, TCSAFLUSH, &t);
	ck_true("raw.TCSAFLUSH-drops-input", !(pt_poll_for(p.s, POLLIN, SETTLE_MS) & POLLIN),
		"nothing readable after tcsetattr(TCSAFLUSH)");
	pt_puts(p.m, "new");
	r = pt_read_until(p.s, buf, 3, WAIT_MS, 0);
	expect_bytes("raw.after-TCSAFLUSH", buf, r, "new");
	pt_close(&p);
}

/* VMIN above 1 (its own group, run last: a kernel that spins on such a read hangs the rest). */
static void t_vmin(void)
{
	struct pty p;
	if (canon_pair(&p, "vmin.pty") < 0)
		return;
	char buf[512];
	struct termios t;
	ssize_t r;
	long t0, took;
	tcgetattr(p.s, &t);
	cfmakeraw(&t);
	/* VMIN 3: the read waits for three bytes (a writer sends two, then the third later). */
	t.c_cc[VMIN] = 3;
	t.c_cc[VTIME] = 0;
	tcsetattr(p.s, TCSANOW, &t);
	pt_puts(p.m, "ab");
	msleep(SETTLE_MS);
	int pr = pt_poll_for(p.s, POLLIN, 0);
	ck_true("vmin.VMIN3-poll-needs-3-bytes", !(pr & POLLIN),
		"no POLLIN while fewer than VMIN bytes wait (VTIME 0)");
	pid_t w = pt_fork();
	if (w == 0) {
		msleep(500);
		pt_puts(p.m, "c");
		_exit(0);
	}
	t0 = kt_now_ms();
	r = read(p.s, buf, sizeof buf);
	took = kt_now_ms() - t0;
	expect_bytes("vmin.VMIN3-read-returns-three-bytes", buf, r < 0 ? 0 : r, "abc");
	if (took >= 400)
		ck_pass("vmin.VMIN3-read-waits-for-third-byte");
	else
		ck_fail("vmin.VMIN3-read-waits-for-third-byte",
			"expected the read to wait for the byte sent after 500 ms, it returned after "
			"%ld ms", took);
	pt_wait(w);
	/* A signal ends such a read early: with the bytes it took (Linux copies them as they
	 * come), else EINTR. */
	pt_puts(p.m, "de");
	msleep(SETTLE_MS);
	pt_handler(SIGALRM, pt_nop); /* no SA_RESTART */
	struct itimerval it = { { 0, 0 }, { 0, 300000 } };
	setitimer(ITIMER_REAL, &it, 0);
	r = read(p.s, buf, sizeof buf);
	int e = errno;
	memset(&it, 0, sizeof it);
	setitimer(ITIMER_REAL, &it, 0);
	signal(SIGALRM, SIG_DFL);
	alarm(CHILD_WATCHDOG);
	if (r == 2 && !memcmp(buf, "de", 2))
		ck_pass("vmin.VMIN3-signal-returns-bytes-taken");
	else
		ck_fail("vmin.VMIN3-signal-returns-bytes-taken", "expected 2 bytes \"de\" got %s",
			rd_desc(r < 0 ? -1000 - e : r, buf));
	r = read(p.s, buf, 0);
	ck_eq("vmin.zero-length-read", ck_r(r), 0);

	/* VMIN 2, VTIME 3: once a byte came, 0.3 s without another ends the read. */
	t.c_cc[VMIN] = 2;
	t.c_cc[VTIME] = 3;
	tcsetattr(p.s, TCSANOW, &t);
	pt_puts(p.m, "z");
	t0 = kt_now_ms();
	r = read(p.s, buf, sizeof buf);
	took = kt_now_ms() - t0;
	expect_bytes("vmin.VMIN2-VTIME3-interbyte-timeout-returns-1", buf, r, "z");
	if (took >= 200)
		ck_pass("vmin.VMIN2-VTIME3-waits-for-interbyte-timeout");
	else
		ck_fail("vmin.VMIN2-VTIME3-waits-for-interbyte-timeout",
			"expected about 300 ms with one of two bytes got %ld ms", took);
	printf("info: vmin.VMIN2-VTIME3: read of one byte returned after %ld ms\n", took);

	pt_close(&p);
}

/* What the slave writes, as the master reads it. */
static void t_output(void)
{
	struct pty p;
	if (canon_pair(&p, "output.pty") < 0)
		return;
	pt_puts(p.s, "a\nb\n");
	expect_master("output.ONLCR", p.m, "a\r\nb\r\n");
	struct termios t;
	tcgetattr(p.s, &t);
	t.c_oflag &= ~ONLCR;
	tcsetattr(p.s, TCSANOW, &t);
	pt_puts(p.s, "c\nd\n");
	expect_master("output.OPOST-without-ONLCR", p.m, "c\nd\n");
	t.c_oflag = OPOST | OCRNL;
	tcsetattr(p.s, TCSANOW, &t);
	pt_puts(p.s, "e\rf");
	expect_master("output.OCRNL", p.m, "e\nf");
	t.c_oflag = OPOST | ONLCR | ONOCR;
	tcsetattr(p.s, TCSANOW, &t);
	pt_puts(p.s, "x\r\r");
	expect_master("output.ONOCR-no-cr-at-column-0", p.m, "x\r");
	t.c_oflag = ONLCR; /* OPOST off: nothing is processed */
	tcsetattr(p.s, TCSANOW, &t);
	pt_puts(p.s, "h\ni\r\n");
	expect_master("output.OPOST-off", p.m, "h\ni\r\n");
	t.c_oflag = OPOST | ONLCR | OLCUC;
	tcsetattr(p.s, TCSANOW, &t);
	pt_puts(p.s, "abC\n");
	expect_master("output.OLCUC", p.m, "ABC\r\n");
	t.c_oflag = OPOST | ONLCR | XTABS;
	tcsetattr(p.s, TCSANOW, &t);
	pt_puts(p.s, "ab\tc\n");
	expect_master("output.XTABS", p.m, "ab      c\r\n");
	cfmakeraw(&t);
	tcsetattr(p.s, TCSANOW, &t);
	pt_puts(p.s, "raw\n\x01\xff");
	expect_master("output.raw-mode", p.m, "raw\n\x01\xff");
	/* A big write arrives whole, in order. */
	static char big[8192], got[8200];
	for (size_t i = 0; i < sizeof big; i++)
		big[i] = 'a' + i % 26;
	pt_write_all(p.s, big, sizeof big);
	ssize_t n = pt_read_until(p.m, got, sizeof big, WAIT_MS, 0);
	ck_true("output.8KiB-in-order", n == (ssize_t)sizeof big && !memcmp(got, big, sizeof big),
		"the master to read the 8192 bytes the slave wrote");
	pt_close(&p);
}

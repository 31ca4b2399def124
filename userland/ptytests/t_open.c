/* t_open.c: making a pty. posix_openpt, grantpt, unlockpt, ptsname (a /dev/pts/N that stat
 * shows as the character device 136:N), TIOCGPTN, the lock (a locked slave opens with EIO, by
 * path and with TIOCGPTPEER, until TIOCSPTLCK 0; TIOCGPTLCK reads it), TIOCGPTPEER, openpty()
 * (with a window size), ttyname() and /proc/self/fd/N naming the slave, the defaults a new
 * slave starts with (Linux's tty_std_termios without HUPCL: c_cflag B38400|CS8|CREAD), and that
 * the master's termios calls reach the slave's settings. */
#include "ptytests.h"

static void t_open_posix(void)
{
	int m = posix_openpt(O_RDWR | O_NOCTTY);
	ck_ok("open.posix_openpt", ck_r(m));
	if (m < 0)
		return;
	ck_eq("open.master-isatty", isatty(m), 1);
	ck_eq("open.grantpt", ck_r(grantpt(m)), 0);
	unsigned n = 12345;
	ck_eq("open.TIOCGPTN", ck_r(ioctl(m, TIOCGPTN, &n)), 0);
	char want[32];
	snprintf(want, sizeof want, "/dev/pts/%u", n);
	const char *name = ptsname(m);
	if (name && !strcmp(name, want))
		ck_pass("open.ptsname-is-dev-pts-N");
	else
		ck_fail("open.ptsname-is-dev-pts-N", "expected %s got %s", want,
			name ? name : strerror(errno));
	struct stat st;
	int sr = stat(want, &st);
	if (sr == 0 && S_ISCHR(st.st_mode) && major(st.st_rdev) == 136 && minor(st.st_rdev) == n)
		ck_pass("open.ptsname-stat-chr-136-N");
	else if (sr == 0)
		ck_fail("open.ptsname-stat-chr-136-N", "expected a char device 136:%u got mode %#o %u:%u",
			n, st.st_mode, major(st.st_rdev), minor(st.st_rdev));
	else
		ck_fail("open.ptsname-stat-chr-136-N", "expected a char device 136:%u, stat: %s", n,
			strerror(errno));

	/* A new pty is locked: its slave does not open, by path or through the master. */
	int lk = -1;
	ck_eq("open.TIOCGPTLCK-new-is-locked", ck_r(ioctl(m, TIOCGPTLCK, &lk)), 0);
	ck_eq("open.TIOCGPTLCK-new-value", lk, 1);
	ck_err("open.locked-slave-open-EIO", ck_r(open(want, O_RDWR | O_NOCTTY)), EIO);
	ck_err("open.locked-TIOCGPTPEER-EIO", kt_sys3(SYS_ioctl, m, TIOCGPTPEER, O_RDWR | O_NOCTTY),
	       EIO);
	ck_eq("open.unlockpt", ck_r(unlockpt(m)), 0);
	lk = -1;
	ioctl(m, TIOCGPTLCK, &lk);
	ck_eq("open.TIOCGPTLCK-after-unlockpt", lk, 0);
	int s = open(want, O_RDWR | O_NOCTTY);
	ck_ok("open.slave-open-after-unlock", ck_r(s));
	if (s >= 0) {
		ck_eq("open.slave-isatty", isatty(s), 1);
		struct stat fs;
		fstat(s, &fs);
		ck_true("open.slave-fstat-136-N",
			S_ISCHR(fs.st_mode) && major(fs.st_rdev) == 136 && minor(fs.st_rdev) == n,
			"the open slave to be the char device 136:N");
		char tn[64] = "";
		int e = ttyname_r(s, tn, sizeof tn);
		if (e == 0 && !strcmp(tn, want))
			ck_pass("open.ttyname-of-slave");
		else
			ck_fail("open.ttyname-of-slave", "expected %s got %s", want,
				e ? strerror(e) : tn);
		char proc[64], link[64] = "";
		snprintf(proc, sizeof proc, "/proc/self/fd/%d", s);
		ssize_t l = readlink(proc, link, sizeof link - 1);
		if (l >= 0)
			link[l] = 0;
		if (l >= 0 && !strcmp(link, want))
			ck_pass("open.proc-self-fd-names-dev-pts-N");
		else
			ck_fail("open.proc-self-fd-names-dev-pts-N", "expected %s got %s", want,
				l < 0 ? strerror(errno) : link);
		close(s);
	}
	/* The peer of the master, without a path. */
	long peer = kt_sys3(SYS_ioctl, m, TIOCGPTPEER, O_RDWR | O_NOCTTY);
	ck_ok("open.TIOCGPTPEER", peer);
	if (peer >= 0) {
		struct stat fs;
		fstat((int)peer, &fs);
		ck_true("open.TIOCGPTPEER-is-136-N",
			S_ISCHR(fs.st_mode) && major(fs.st_rdev) == 136 && minor(fs.st_rdev) == n,
			"the peer to be the char device 136:N");
		char tn[64] = "";
		int e = ttyname_r((int)peer, tn, sizeof tn);
		if (e == 0 && !strcmp(tn, want))
			ck_pass("open.ttyname-of-TIOCGPTPEER-slave");
		else
			ck_fail("open.ttyname-of-TIOCGPTPEER-slave", "expected %s got %s", want,
				e ? strerror(e) : tn);
		/* the peer is the slave: what the master writes, the peer reads */
		pt_setattr((int)peer, cfmakeraw);
		pt_puts(m, "p");
		expect_read("open.TIOCGPTPEER-reads-master-input", (int)peer, "p");
		close((int)peer);
	}
	/* Locking again stops new opens (the open ones stay). */
	int one = 1;
	ioctl(m, TIOCSPTLCK, &one);
	ck_err("open.relocked-slave-open-EIO", ck_r(open(want, O_RDWR | O_NOCTTY)), EIO);
	close(m);
}

static void t_open_two(void)
{
	struct pty a, b;
	if (pt_open(&a, 0) < 0) {
		ck_fail("open.two-ptys", "expected two ptys, the first did not open");
		return;
	}
	if (pt_open(&b, 0) < 0) {
		ck_fail("open.two-ptys", "expected two ptys, the second did not open");
		pt_close(&a);
		return;
	}
	ck_true("open.two-ptys-different-numbers", a.n != b.n, "different TIOCGPTN numbers");
	/* Each pair is its own: input to one slave does not show on the other. */
	pt_setattr(a.s, cfmakeraw);
	pt_setattr(b.s, cfmakeraw);
	pt_puts(a.m, "A");
	pt_puts(b.m, "B");
	expect_read("open.two-ptys-a-reads-a", a.s, "A");
	expect_read("open.two-ptys-b-reads-b", b.s, "B");
	pt_close(&a);
	pt_close(&b);
}

static void t_openpty(void)
{
	int m = -1, s = -1;
	char name[64] = "";
	struct winsize ws = { .ws_row = 33, .ws_col = 101 };
	int r = openpty(&m, &s, name, 0, &ws);
	ck_eq("open.openpty", ck_r(r), 0);
	if (r < 0)
		return;
	unsigned n = 0;
	ioctl(m, TIOCGPTN, &n);
	char want[32];
	snprintf(want, sizeof want, "/dev/pts/%u", n);
	if (!strcmp(name, want))
		ck_pass("open.openpty-name");
	else
		ck_fail("open.openpty-name", "expected %s got %s", want, name);
	struct winsize got = { 0 };
	ioctl(s, TIOCGWINSZ, &got);
	ck_true("open.openpty-sets-winsize", got.ws_row == 33 && got.ws_col == 101,
		"the slave's TIOCGWINSZ to be 33x101");
	pt_puts(m, "via openpty\n");
	expect_read("open.openpty-slave-reads-line", s, "via openpty\n");
	close(m);
	close(s);
}

/* A new slave starts with Linux's tty_std_termios: c_iflag ICRNL|IXON, c_oflag OPOST|ONLCR,
 * c_lflag ISIG|ICANON|ECHO|ECHOE|ECHOK|ECHOCTL|ECHOKE|IEXTEN, c_cflag B38400|CS8|CREAD|HUPCL,
 * and the usual control characters. */
static void t_open_defaults(void)
{
	struct pty p;
	if (pt_open(&p, 0) < 0) {
		ck_fail("open.defaults", "expected a pty");
		return;
	}
	struct termios t;
	memset(&t, 0, sizeof t);
	ck_eq("open.tcgetattr-slave", ck_r(tcgetattr(p.s, &t)), 0);
	ck_eq("open.default-c_iflag", t.c_iflag, ICRNL | IXON);
	ck_eq("open.default-c_oflag", t.c_oflag, OPOST | ONLCR);
	ck_eq("open.default-c_lflag", t.c_lflag,
	      ISIG | ICANON | ECHO | ECHOE | ECHOK | ECHOCTL | ECHOKE | IEXTEN);
	/* Linux's pts driver: tty_std_termios without HUPCL */
	ck_eq("open.default-c_cflag", t.c_cflag, B38400 | CS8 | CREAD);
	ck_true("open.default-c_cc",
		t.c_cc[VINTR] == 3 && t.c_cc[VQUIT] == 0x1c && t.c_cc[VERASE] == 0x7f &&
			t.c_cc[VKILL] == 0x15 && t.c_cc[VEOF] == 4 && t.c_cc[VTIME] == 0 &&
			t.c_cc[VMIN] == 1 && t.c_cc[VSTART] == 0x11 && t.c_cc[VSTOP] == 0x13 &&
			t.c_cc[VSUSP] == 0x1a && t.c_cc[VEOL] == 0 && t.c_cc[VREPRINT] == 0x12 &&
			t.c_cc[VDISCARD] == 0x0f && t.c_cc[VWERASE] == 0x17 &&
			t.c_cc[VLNEXT] == 0x16 && t.c_cc[VEOL2] == 0,
		"INTR ^C QUIT ^\\ ERASE ^? KILL ^U EOF ^D TIME 0 MIN 1 START ^Q STOP ^S SUSP ^Z "
		"EOL 0 REPRINT ^R DISCARD ^O WERASE ^W LNEXT ^V EOL2 0");
	ck_eq("open.default-speed", cfgetospeed(&t), B38400);
	ck_eq("open.default-ispeed", cfgetispeed(&t), B38400);
	/* The master's termios calls are the slave's (Linux's tty_mode_ioctl uses the other side). */
	struct termios mt;
	ck_eq("open.tcgetattr-master", ck_r(tcgetattr(p.m, &mt)), 0);
	ck_eq("open.tcgetattr-master-is-slave-lflag", mt.c_lflag, t.c_lflag);
	mt.c_lflag &= ~ECHO;
	ck_eq("open.tcsetattr-master", ck_r(tcsetattr(p.m, TCSANOW, &mt)), 0);
	tcgetattr(p.s, &t);
	ck_true("open.tcsetattr-master-sets-slave", !(t.c_lflag & ECHO),
		"ECHO cleared on the slave after tcsetattr on the master");
	struct winsize ws;
	memset(&ws, 0xff, sizeof ws);
	ioctl(p.s, TIOCGWINSZ, &ws);
	ck_true("open.default-winsize-zero",
		ws.ws_row == 0 && ws.ws_col == 0 && ws.ws_xpixel == 0 && ws.ws_ypixel == 0,
		"a new pty's window size to be 0x0");
	/* TIOCGPTN is the master's: the slave says ENOTTY. */
	unsigned n;
	ck_err("open.TIOCGPTN-on-slave-ENOTTY", ck_r(ioctl(p.s, TIOCGPTN, &n)), ENOTTY);
	/* An unknown ioctl is ENOTTY on both sides. */
	ck_err("open.unknown-ioctl-ENOTTY", ck_r(ioctl(p.s, 0x54ff, 0)), ENOTTY);
	pt_close(&p);
}

static void t_open(void)
{
	t_open_posix();
	t_open_two();
	t_openpty();
	t_open_defaults();
}

/* t_poll.c: readiness and queues. poll on both sides (POLLOUT at once, POLLIN on the master
 * when the slave wrote, on the slave when a whole line came in canonical mode or a byte in raw
 * mode), FIONREAD on both sides (in canonical mode only whole lines count), TCFLSH (TCIFLUSH
 * on the slave drops its unread input, on the master what the slave wrote; EINVAL for a bad
 * queue selector), and select() agreeing with poll. */
#include "ptytests.h"

#include <sys/select.h>

/* FIONREAD of fd once it stops changing (what was written may still be on its way). */
static int settled_fionread(int fd)
{
	int n = -1, last = -2;
	long t0 = kt_now_ms();
	while (kt_now_ms() - t0 < WAIT_MS) {
		if (ioctl(fd, FIONREAD, &n) < 0)
			return -1000 - errno;
		if (n > 0 && n == last)
			break;
		last = n;
		msleep(n > 0 ? 100 : 20);
	}
	return n;
}

static void t_poll(void)
{
	struct pty p;
	if (pt_open(&p, 0) < 0) {
		ck_fail("poll.pty", "expected a pty");
		return;
	}
	struct termios t;
	tcgetattr(p.s, &t);
	t.c_lflag &= ~(ECHO | ECHOE | ECHOK | ECHOKE | ECHOCTL);
	tcsetattr(p.s, TCSANOW, &t);
	int r = pt_poll_for(p.m, POLLIN | POLLOUT, 0);
	ck_eq("poll.master-new-POLLOUT-only", r & (POLLIN | POLLOUT | POLLHUP), POLLOUT);
	r = pt_poll_for(p.s, POLLIN | POLLOUT, 0);
	ck_eq("poll.slave-new-POLLOUT-only", r & (POLLIN | POLLOUT | POLLHUP), POLLOUT);
	int n = -1;
	ck_eq("poll.FIONREAD-master-empty", ck_r(ioctl(p.m, FIONREAD, &n)), 0);
	ck_eq("poll.FIONREAD-master-empty-value", n, 0);
	n = -1;
	ioctl(p.s, FIONREAD, &n);
	ck_eq("poll.FIONREAD-slave-empty-value", n, 0);

	/* The slave writes: the master polls readable, FIONREAD counts the bytes. */
	pt_puts(p.s, "abc\n");
	r = pt_poll_for(p.m, POLLIN, WAIT_MS);
	ck_true("poll.master-POLLIN-after-slave-write", r & POLLIN, "POLLIN on the master");
	ck_eq("poll.FIONREAD-master", settled_fionread(p.m), 5); /* ONLCR: abc\r\n */
	fd_set rs;
	FD_ZERO(&rs);
	FD_SET(p.m, &rs);
	struct timeval tv = { 0, 0 };
	ck_eq("poll.select-master-readable", select(p.m + 1, &rs, 0, 0, &tv), 1);
	/* TCFLSH TCIFLUSH on the master drops what the slave wrote. */
	ck_eq("poll.TCFLSH-master-TCIFLUSH", ck_r(ioctl(p.m, TCFLSH, TCIFLUSH)), 0);
	n = -1;
	ioctl(p.m, FIONREAD, &n);
	ck_eq("poll.TCFLSH-master-TCIFLUSH-empties-master", n, 0);
	ck_true("poll.TCFLSH-master-no-POLLIN", !(pt_poll_for(p.m, POLLIN, SETTLE_MS) & POLLIN),
		"no POLLIN on the master after the flush");

	/* The master writes a partial line: not readable in canonical mode; FIONREAD 0. */
	pt_puts(p.m, "par");
	ck_true("poll.slave-partial-line-no-POLLIN", !(pt_poll_for(p.s, POLLIN, SETTLE_MS) & POLLIN),
		"no POLLIN for a partial line");
	n = -1;
	ioctl(p.s, FIONREAD, &n);
	ck_eq("poll.FIONREAD-slave-partial-line-0", n, 0);
	pt_puts(p.m, "t\nmore");
	r = pt_poll_for(p.s, POLLIN, WAIT_MS);
	ck_true("poll.slave-POLLIN-whole-line", r & POLLIN, "POLLIN once the line ended");
	ck_eq("poll.FIONREAD-slave-counts-whole-lines", settled_fionread(p.s), 5); /* part\n */
	FD_ZERO(&rs);
	FD_SET(p.s, &rs);
	tv.tv_sec = 0;
	ck_eq("poll.select-slave-readable", select(p.s + 1, &rs, 0, 0, &tv), 1);
	/* TCFLSH TCIFLUSH on the slave drops its input, the partial line too. */
	ck_eq("poll.TCFLSH-slave-TCIFLUSH", ck_r(ioctl(p.s, TCFLSH, TCIFLUSH)), 0);
	n = -1;
	ioctl(p.s, FIONREAD, &n);
	ck_eq("poll.TCFLSH-slave-empties-input", n, 0);
	pt_puts(p.m, "\n");
	expect_read("poll.TCFLSH-slave-dropped-partial-line", p.s, "\n");
	ck_err("poll.TCFLSH-bad-selector-EINVAL", ck_r(ioctl(p.s, TCFLSH, 3)), EINVAL);
	ck_eq("poll.TCFLSH-TCIOFLUSH", ck_r(ioctl(p.s, TCFLSH, TCIOFLUSH)), 0);
	int q = -1;
	ck_eq("poll.TIOCOUTQ-slave", ck_r(ioctl(p.s, TIOCOUTQ, &q)), 0);
	printf("info: poll.TIOCOUTQ-slave with nothing unread: %d\n", q);

	/* Raw mode: a byte is enough; FIONREAD counts every byte. */
	cfmakeraw(&t);
	tcsetattr(p.s, TCSANOW, &t);
	pt_puts(p.m, "x");
	r = pt_poll_for(p.s, POLLIN, WAIT_MS);
	ck_true("poll.slave-raw-POLLIN-one-byte", r & POLLIN, "POLLIN for one byte in raw mode");
	pt_puts(p.m, "yz");
	ck_eq("poll.FIONREAD-slave-raw", settled_fionread(p.s), 3);
	/* poll with both ends in one call (the master emptied first) */
	pt_discard(p.m, SETTLE_MS);
	struct pollfd two[2] = { { p.m, POLLIN | POLLOUT, 0 }, { p.s, POLLIN | POLLOUT, 0 } };
	r = poll(two, 2, 0);
	ck_true("poll.both-ends-one-call",
		r == 2 && (two[0].revents & (POLLIN | POLLOUT)) == POLLOUT &&
			(two[1].revents & (POLLIN | POLLOUT)) == (POLLIN | POLLOUT),
		"master POLLOUT only, slave POLLIN|POLLOUT");
	/* A blocked poll on the master wakes when the slave writes. */
	pid_t c = pt_fork();
	if (c == 0) {
		msleep(200);
		pt_puts(p.s, "w");
		_exit(0);
	}
	long t0 = kt_now_ms();
	r = pt_poll_for(p.m, POLLIN, WAIT_MS);
	ck_true("poll.master-poll-wakes-on-slave-write", r & POLLIN,
		"a sleeping poll on the master to wake with POLLIN");
	printf("info: poll.master-poll-wakes-on-slave-write after %ld ms\n", kt_now_ms() - t0);
	pt_wait(c);
	/* A blocked read on the slave wakes when the master writes. */
	pt_discard(p.s, SETTLE_MS);
	c = pt_fork();
	if (c == 0) {
		msleep(200);
		pt_puts(p.m, "v");
		_exit(0);
	}
	char b[4] = "";
	ssize_t rr = read(p.s, b, sizeof b);
	expect_bytes("poll.slave-blocked-read-wakes", b, rr, "v");
	pt_wait(c);
	pt_close(&p);
}

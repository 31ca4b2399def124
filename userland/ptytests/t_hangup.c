/* t_hangup.c: the ends of a pty.
 * hangup: closing the master hangs the slave up. The session leader whose controlling terminal
 * it was gets SIGHUP and SIGCONT (a foreground group that is not the leader's gets nothing while
 * the leader lives); the session loses its terminal (/dev/tty is ENXIO); on every open slave
 * fd, reads return 0 (EOF), writes fail with EIO, termios ioctls fail with EIO, and poll
 * reports POLLHUP; a read that was waiting when the master closed returns EIO; the /dev/pts/N
 * node goes away.
 * eio: the master after the slave closes. Reading the master returns what the slave wrote,
 * then EIO (with or without O_NONBLOCK: dropbear takes it as the end of the session); poll
 * reports POLLHUP; writing the master still works and the bytes wait for the next slave; with a
 * second slave fd still open none of that happens; opening the slave again makes the master
 * usable again. Before any slave was opened, reading the master waits (EAGAIN with O_NONBLOCK)
 * and poll reports POLLOUT only. */
#include "ptytests.h"

static volatile sig_atomic_t hu_hup, hu_cont;
static void hu_on_hup(int s)
{
	(void)s;
	hu_hup++;
}
static void hu_on_cont(int s)
{
	(void)s;
	hu_cont++;
}

static struct pty *hu_pty;
static struct chan hu_ready, hu_group, hu_check, hu_closed;

/* The foreground member: records whether SIGHUP reached it before the leader exits. */
static void hu_fg(void)
{
	close(hu_pty->m);
	pt_handler(SIGHUP, hu_on_hup);
	chan_post(&hu_ready, 'f');
	chan_wait(&hu_check);
	ck_true("hangup.foreground-member-no-SIGHUP-while-leader-lives", !hu_hup,
		"no SIGHUP for a foreground group that is not the leader's (Linux signals the "
		"session leader)");
}

static void hu_session(struct pty *p)
{
	hu_pty = p;
	close(p->m); /* the group process holds the only master fd */
	signal(SIGTTOU, SIG_IGN);
	pt_handler(SIGHUP, hu_on_hup);
	pt_handler(SIGCONT, hu_on_cont);
	pid_t fg = pt_child(0, hu_fg);
	chan_wait(&hu_ready);
	tcsetpgrp(p->s, fg);
	chan_post(&hu_group, 's'); /* to the group: close the master now */
	chan_wait(&hu_closed);
	long t0 = kt_now_ms();
	while ((!hu_hup || !hu_cont) && kt_now_ms() - t0 < WAIT_MS)
		msleep(10);
	ck_true("hangup.leader-SIGHUP", hu_hup, "SIGHUP in the session leader");
	ck_true("hangup.leader-SIGCONT", hu_cont, "SIGCONT in the session leader");
	char b[16];
	ck_eq("hangup.slave-read-0-EOF", ck_r(read(p->s, b, sizeof b)), 0);
	ck_eq("hangup.slave-read-0-again", ck_r(read(p->s, b, sizeof b)), 0);
	ck_err("hangup.slave-write-EIO", ck_r(write(p->s, "x", 1)), EIO);
	struct termios t;
	ck_err("hangup.slave-tcgetattr-EIO", ck_r(tcgetattr(p->s, &t)), EIO);
	int r = pt_poll_for(p->s, POLLIN | POLLOUT, 0);
	ck_true("hangup.slave-poll-POLLHUP", r & POLLHUP, "POLLHUP on the hung-up slave");
	printf("info: hangup: poll of a hung-up slave: %#x\n", r);
	ck_err("hangup.dev-tty-ENXIO", ck_r(open("/dev/tty", O_RDWR)), ENXIO);
	pid_t g = -1;
	ck_err("hangup.TIOCGPGRP-EIO", ck_r(ioctl(p->s, TIOCGPGRP, &g)), EIO);
	chan_post(&hu_check, 'c');
	expect_exit("hangup.foreground-member-exit", pt_wait(fg), 0);
}

/* A reader that was waiting on the slave (not a controlling terminal) when the master closed. */
static void hu_reader(void)
{
	close(hu_pty->m);
	char b[16];
	chan_post(&hu_ready, 'r');
	ssize_t r = read(hu_pty->s, b, sizeof b);
	ck_err("hangup.waiting-read-returns-EIO", ck_r(r), EIO);
	ck_eq("hangup.read-after-returns-0", ck_r(read(hu_pty->s, b, sizeof b)), 0);
}

static void t_hangup(void)
{
	struct pty p;
	if (pt_open(&p, 0) < 0) {
		ck_fail("hangup.pty", "expected a pty");
		return;
	}
	hu_pty = &p;
	chan_open(&hu_ready);
	chan_open(&hu_group);
	chan_open(&hu_check);
	chan_open(&hu_closed);
	pid_t s = pt_fork();
	if (s == 0) {
		setsid();
		ioctl(p.s, TIOCSCTTY, 0);
		hu_session(&p);
		_exit(0);
	}
	chan_wait(&hu_group); /* the leader is ready */
	int other = pt_open_slave(p.m, p.path, O_RDWR | O_NOCTTY); /* not a controlling tty */
	close(p.s);
	close(p.m);
	p.m = p.s = -1;
	chan_post(&hu_closed, 'x');
	expect_exit("hangup.session.completed", pt_wait(s), 0);
	ck_collect();
	/* Our own slave fd, opened before the close, is hung up too. */
	char b[16];
	ck_eq("hangup.other-slave-fd-read-0", ck_r(read(other, b, sizeof b)), 0);
	ck_err("hangup.other-slave-fd-write-EIO", ck_r(write(other, "x", 1)), EIO);
	close(other);
	struct stat st;
	if (pt_devpts)
		ck_err("hangup.dev-pts-node-removed", ck_r(stat(p.path, &st)), ENOENT);
	else
		ck_fail("hangup.dev-pts-node-removed", "expected ENOENT for %s, no devpts", p.path);
	chan_close(&hu_ready);
	chan_close(&hu_group);
	chan_close(&hu_check);
	chan_close(&hu_closed);

	/* A read waiting on the slave when the master closes. */
	if (pt_open(&p, 0) < 0)
		return;
	hu_pty = &p;
	chan_open(&hu_ready);
	pid_t r = pt_fork();
	if (r == 0) {
		hu_reader();
		_exit(0);
	}
	chan_wait(&hu_ready);
	msleep(SETTLE_MS); /* it is in read(2) now */
	close(p.m);
	expect_exit("hangup.reader-exit", pt_wait(r), 0);
	ck_collect();
	close(p.s);
	chan_close(&hu_ready);
}

static void t_eio(void)
{
	struct pty p;
	char b[64];
	/* Before the slave is opened: the master's read waits. */
	int m = posix_openpt(O_RDWR | O_NOCTTY | O_NONBLOCK);
	unlockpt(m);
	ck_err("eio.master-read-before-slave-open-EAGAIN", ck_r(read(m, b, sizeof b)), EAGAIN);
	int r = pt_poll_for(m, POLLIN | POLLOUT, 0);
	ck_eq("eio.master-poll-before-slave-open-POLLOUT-only", r & (POLLIN | POLLOUT | POLLHUP),
	      POLLOUT);
	close(m);

	if (pt_open(&p, 0) < 0) {
		ck_fail("eio.pty", "expected a pty");
		return;
	}
	pt_setattr(p.s, no_echo); /* the master reads only what the slave writes */
	pt_puts(p.s, "bye\n");
	close(p.s);
	p.s = -1;
	ssize_t n = pt_read_until(p.m, b, 5, WAIT_MS, 0);
	expect_bytes("eio.master-reads-pending-before-EIO", b, n, "bye\r\n");
	ck_err("eio.master-read-after-slave-close-EIO", ck_r(read(p.m, b, sizeof b)), EIO);
	ck_err("eio.master-read-EIO-again", ck_r(read(p.m, b, sizeof b)), EIO);
	int fl = fcntl(p.m, F_GETFL);
	fcntl(p.m, F_SETFL, fl | O_NONBLOCK);
	ck_err("eio.master-read-nonblock-EIO", ck_r(read(p.m, b, sizeof b)), EIO);
	fcntl(p.m, F_SETFL, fl);
	r = pt_poll_for(p.m, POLLIN | POLLOUT, 0);
	ck_true("eio.master-poll-POLLHUP", r & POLLHUP, "POLLHUP on the master");
	printf("info: eio: poll of a master whose slave closed: %#x\n", r);
	/* Writing the master still works; the bytes wait for the next slave. */
	ck_eq("eio.master-write-after-slave-close-succeeds", ck_r(write(p.m, "x", 1)), 1);
	/* Opening the slave again brings the master back. */
	p.s = pt_open_slave(p.m, p.path, O_RDWR | O_NOCTTY);
	ck_ok("eio.slave-reopen", ck_r(p.s));
	fcntl(p.m, F_SETFL, fl | O_NONBLOCK);
	ck_err("eio.master-read-after-reopen-EAGAIN", ck_r(read(p.m, b, sizeof b)), EAGAIN);
	fcntl(p.m, F_SETFL, fl);
	r = pt_poll_for(p.m, POLLIN | POLLOUT, 0);
	ck_true("eio.master-poll-after-reopen-no-POLLHUP", !(r & POLLHUP), "no POLLHUP");
	ck_eq("eio.master-write-after-reopen", ck_r(write(p.m, "y\n", 2)), 2);
	expect_read("eio.slave-reopened-reads-what-was-written-while-closed", p.s, "xy\n");
	/* Two slave fds: closing one changes nothing. */
	int s2 = pt_open_slave(p.m, p.path, O_RDWR | O_NOCTTY);
	int s3 = dup(s2);
	close(s2);
	pt_discard(p.m, SETTLE_MS);
	fcntl(p.m, F_SETFL, fl | O_NONBLOCK);
	ck_err("eio.one-of-two-slaves-closed-EAGAIN", ck_r(read(p.m, b, sizeof b)), EAGAIN);
	close(p.s);
	p.s = -1;
	ck_err("eio.dup-keeps-slave-open-EAGAIN", ck_r(read(p.m, b, sizeof b)), EAGAIN);
	close(s3);
	ck_err("eio.last-slave-fd-closed-EIO", ck_r(read(p.m, b, sizeof b)), EIO);
	fcntl(p.m, F_SETFL, fl);
	/* A read waiting on the master when the last slave closes returns EIO. */
	p.s = pt_open_slave(p.m, p.path, O_RDWR | O_NOCTTY);
	pid_t c = pt_fork();
	if (c == 0) {
		msleep(SETTLE_MS);
		close(p.s);
		_exit(0);
	}
	close(p.s);
	p.s = -1;
	ck_err("eio.waiting-master-read-EIO", ck_r(read(p.m, b, sizeof b)), EIO);
	pt_wait(c);
	pt_close(&p);
}

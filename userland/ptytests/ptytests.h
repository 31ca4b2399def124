/* ptytests.h: what the pseudo-terminal groups (t_*.c) share: opening a pty pair, reading what
 * arrives within a deadline, forking children that cannot outlive the test, wait-status checks,
 * a shared page for results from children and pipes to sequence them.
 *
 * The groups are #included by ptytests.c into one translation unit, so that the header-only
 * harness kt.h keeps one set of counters. Each group is a function `void t_NAME(void)`.
 * Children never print PASS/FAIL lines (their counters die with them): they report through
 * their exit status or a page from pt_shared(), and the group checks that in the parent.
 *
 * On Linux, what the master writes reaches the slave's line discipline through a work queue
 * (the flip buffer), and so do echoes and the slave's output on their way to the master: a
 * write returns before the other side can see the bytes. Every check therefore waits for what
 * it expects with a generous deadline (pt_read_until, pt_poll_for), and checks that something
 * does NOT happen only after a settling delay (SETTLE_MS).
 */
#ifndef PTYTESTS_H
#define PTYTESTS_H

#include "../common/kt.h"
#include "../common/groups.h"

#include <fcntl.h>
#include <poll.h>
#include <pty.h>
#include <signal.h>
#include <stdint.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <termios.h>
#include <time.h>

#define CHILD_WATCHDOG 30 /* seconds: every test child gets alarm(CHILD_WATCHDOG) */
#define WAIT_MS 5000	  /* how long to wait for something that must happen */
#define SETTLE_MS 300	  /* how long to wait before concluding that something did not happen */

#ifndef TIOCGPTPEER
#define TIOCGPTPEER 0x5441
#endif

#define BIT(s) (1UL << ((s) - 1))

/* How slaves are opened: by their /dev/pts path (devpts mounted), or with TIOCGPTPEER on the
 * master when the kernel has no devpts (then the path checks fail). Set by main. */
static int pt_devpts;
static int pt_pid1;

/* Sleeps ms milliseconds even if signals interrupt the sleep. */
static void msleep(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };
	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

/* fork() whose child dies of SIGALRM after CHILD_WATCHDOG seconds whatever happens. */
static pid_t pt_fork(void)
{
	fflush(stdout);
	pid_t p = fork();
	if (p == 0) {
		sigset_t s;
		signal(SIGALRM, SIG_DFL);
		sigemptyset(&s);
		sigaddset(&s, SIGALRM);
		sigprocmask(SIG_UNBLOCK, &s, 0);
		alarm(CHILD_WATCHDOG);
	}
	return p;
}

/* waitpid(pid, flags) retried on EINTR; the status, or -1000 - errno on error. */
static int pt_waitf(pid_t pid, int flags)
{
	int st = 0;
	for (;;) {
		pid_t r = waitpid(pid, &st, flags);
		if (r == pid || (pid <= 0 && r > 0))
			return st;
		if (r < 0 && errno == EINTR)
			continue;
		return -1000 - errno;
	}
}

static int pt_wait(pid_t pid)
{
	return pt_waitf(pid, 0);
}

/* Kills and reaps a child (if it is still there). */
static void pt_reap(pid_t pid)
{
	if (pid > 0) {
		kill(pid, SIGKILL);
		kill(pid, SIGCONT);
		pt_wait(pid);
	}
}

/* Whether pid is still running (not exited) after ms milliseconds; reaps it if it ended. */
static int pt_alive_after(pid_t pid, long ms)
{
	msleep(ms);
	int st;
	return waitpid(pid, &st, WNOHANG) == 0;
}

/* A zeroed page shared with the children forked after this call (MAP_SHARED|MAP_ANONYMOUS). */
static volatile long *pt_shared(void)
{
	void *p = mmap(0, 4096, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED) {
		printf("info: mmap(MAP_SHARED) failed: %s\n", strerror(errno));
		static long fallback[512];
		return fallback;
	}
	return p;
}

/* Installs a handler through libc, without SA_RESTART. */
static void pt_handler(int sig, void (*fn)(int))
{
	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = fn;
	sigemptyset(&sa.sa_mask);
	sigaction(sig, &sa, 0);
}

static void pt_nop(int sig)
{
	(void)sig;
}

static void pt_nothing(void)
{
}

static void pt_block(int sig, int block)
{
	sigset_t s;
	sigemptyset(&s);
	sigaddset(&s, sig);
	sigprocmask(block ? SIG_BLOCK : SIG_UNBLOCK, &s, 0);
}

static unsigned long pt_pending(void)
{
	unsigned long m = 0;
	kt_sys2(SYS_rt_sigpending, &m, 8);
	return m;
}

/* ---- checks from children -----------------------------------------------------------------
 * A group's children record their checks in a shared buffer (ck_pass/ck_fail); the group
 * process prints them as PASS/FAIL lines (counted by kt.h) when it calls ck_collect(), in the
 * order they were recorded. In the group process itself ck_pass/ck_fail print at once. */

struct ck_rec {
	char name[64];
	char msg[188];
	int ok;
	volatile int done;
};

#define CK_MAX 250
struct ck_buf {
	int n;
	int printed;
	struct ck_rec r[CK_MAX];
};

static struct ck_buf *ck;	/* shared with the group's children (64 KiB) */
static pid_t ck_owner;		/* the process that prints */

static void ck_init(void)
{
	void *p = mmap(0, sizeof(struct ck_buf), PROT_READ | PROT_WRITE,
		       MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	ck = p == MAP_FAILED ? 0 : p;
	if (ck)
		memset(ck, 0, sizeof *ck);
	ck_owner = getpid();
}

static void ck_vrecord(const char *name, int ok, const char *fmt, va_list ap)
{
	if (getpid() == ck_owner || !ck) {
		if (ok) {
			kt_pass(name);
		} else {
			kt_failed++;
			printf("FAIL %s: ", name);
			vprintf(fmt, ap);
			printf("\n");
		}
		return;
	}
	int i = __atomic_fetch_add(&ck->n, 1, __ATOMIC_SEQ_CST);
	if (i >= CK_MAX)
		return;
	struct ck_rec *r = &ck->r[i];
	snprintf(r->name, sizeof r->name, "%s", name);
	if (!ok)
		vsnprintf(r->msg, sizeof r->msg, fmt, ap);
	r->ok = ok;
	__atomic_store_n(&r->done, 1, __ATOMIC_SEQ_CST);
}

static void ck_pass(const char *name)
{
	va_list ap;
	memset(&ap, 0, sizeof ap);
	ck_vrecord(name, 1, "", ap);
}

static __attribute__((format(printf, 2, 3))) void ck_fail(const char *name, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	ck_vrecord(name, 0, fmt, ap);
	va_end(ap);
}

/* Prints the checks the children recorded since the last call (in the group process). */
static void ck_collect(void)
{
	if (!ck || getpid() != ck_owner)
		return;
	int n = __atomic_load_n(&ck->n, __ATOMIC_SEQ_CST);
	if (n > CK_MAX)
		n = CK_MAX;
	for (; ck->printed < n; ck->printed++) {
		struct ck_rec *r = &ck->r[ck->printed];
		if (!__atomic_load_n(&r->done, __ATOMIC_SEQ_CST)) {
			/* a child died while writing it */
			kt_fail(r->name[0] ? r->name : "(unnamed)", "the child died recording it");
			continue;
		}
		if (r->ok)
			kt_pass(r->name);
		else
			kt_fail(r->name, "%s", r->msg);
	}
}

/* Waits until a check named `name` was recorded (a child reports it while the group waits for
 * something else, e.g. an orphan that nobody here can wait for). */
static int ck_wait_for(const char *name, long ms)
{
	long t0 = kt_now_ms();
	while (ck && kt_now_ms() - t0 < ms) {
		int n = __atomic_load_n(&ck->n, __ATOMIC_SEQ_CST);
		for (int i = 0; i < n && i < CK_MAX; i++)
			if (__atomic_load_n(&ck->r[i].done, __ATOMIC_SEQ_CST) &&
			    !strcmp(ck->r[i].name, name))
				return 1;
		msleep(20);
	}
	return 0;
}

static void ck_true(const char *name, int cond, const char *what)
{
	if (cond)
		ck_pass(name);
	else
		ck_fail(name, "expected %s", what);
}

static void ck_eq(const char *name, long got, long want)
{
	if (got == want)
		ck_pass(name);
	else
		ck_fail(name, "expected %s got %s", kt_res(want), kt_res(got));
}

/* A libc call's result: r < 0 means -1 with errno. */
static long ck_r(long r)
{
	return r < 0 ? -errno : r;
}

static void ck_ok(const char *name, long r)
{
	if (r < 0 && r > -4096)
		ck_fail(name, "expected success got %s", kt_res(r));
	else
		ck_pass(name);
}

static void ck_err(const char *name, long r, int err)
{
	if (r == -err)
		ck_pass(name);
	else
		ck_fail(name, "expected %s got %s", kt_res(-err), kt_res(r));
}

static void expect_exit(const char *name, int st, int code)
{
	if (st > -1000 && WIFEXITED(st) && WEXITSTATUS(st) == code)
		ck_pass(name);
	else
		ck_fail(name, "expected exit %d got %s", code, kt_st_desc(st));
}

static void expect_killed(const char *name, int st, int sig)
{
	if (st > -1000 && WIFSIGNALED(st) && WTERMSIG(st) == sig)
		ck_pass(name);
	else
		ck_fail(name, "expected killed by signal %d got %s", sig, kt_st_desc(st));
}

static void expect_stopped(const char *name, int st, int sig)
{
	if (st > -1000 && WIFSTOPPED(st) && WSTOPSIG(st) == sig)
		ck_pass(name);
	else
		ck_fail(name, "expected stopped by signal %d got %s", sig, kt_st_desc(st));
}

/* ---- sequencing children: a pipe per direction, one byte a step ---------------------------- */

struct chan {
	int r, w;
};

static void chan_open(struct chan *c)
{
	int p[2];
	if (pipe(p) < 0) {
		c->r = c->w = -1;
		return;
	}
	c->r = p[0];
	c->w = p[1];
}

static void chan_close(struct chan *c)
{
	if (c->r >= 0)
		close(c->r);
	if (c->w >= 0)
		close(c->w);
	c->r = c->w = -1;
}

static void chan_post(struct chan *c, char b)
{
	while (write(c->w, &b, 1) < 0 && errno == EINTR)
		;
}

/* Waits for the next byte (WAIT_MS * 2 at most); returns it, or -1 on timeout or EOF. */
static int chan_wait(struct chan *c)
{
	struct pollfd p = { c->r, POLLIN, 0 };
	long t0 = kt_now_ms();
	for (;;) {
		long left = 2 * WAIT_MS - (kt_now_ms() - t0);
		if (left <= 0)
			return -1;
		int r = poll(&p, 1, (int)left);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			return -1;
		unsigned char b;
		ssize_t n = read(c->r, &b, 1);
		if (n < 0 && errno == EINTR)
			continue;
		return n == 1 ? b : -1;
	}
}

/* ---- pty pairs ---------------------------------------------------------------------------- */

struct pty {
	int m, s;   /* master and slave fds (-1 if not open) */
	int n;	    /* TIOCGPTN */
	char path[32]; /* /dev/pts/N */
};

/* Opens the slave of master m: by path with devpts, else TIOCGPTPEER. flags: O_RDWR|... */
static int pt_open_slave(int m, const char *path, int flags)
{
	if (pt_devpts)
		return open(path, flags);
	long r = kt_sys3(SYS_ioctl, m, TIOCGPTPEER, flags);
	if (r < 0) {
		errno = (int)-r;
		return -1;
	}
	return (int)r;
}

/* A new unlocked pair, the slave opened with O_NOCTTY (and `sflags`). 0 on success; on failure
 * -1 with the step that failed printed as info. */
static int pt_open(struct pty *p, int sflags)
{
	p->m = p->s = -1;
	p->m = posix_openpt(O_RDWR | O_NOCTTY);
	if (p->m < 0) {
		printf("info: posix_openpt: %s\n", strerror(errno));
		return -1;
	}
	unsigned n = 0;
	if (ioctl(p->m, TIOCGPTN, &n) < 0 || unlockpt(p->m) < 0) {
		printf("info: TIOCGPTN/unlockpt: %s\n", strerror(errno));
		close(p->m);
		p->m = -1;
		return -1;
	}
	p->n = (int)n;
	snprintf(p->path, sizeof p->path, "/dev/pts/%u", n);
	p->s = pt_open_slave(p->m, p->path, O_RDWR | O_NOCTTY | sflags);
	if (p->s < 0) {
		printf("info: open slave %s: %s\n", p->path, strerror(errno));
		close(p->m);
		p->m = -1;
		return -1;
	}
	return 0;
}

static void pt_close(struct pty *p)
{
	if (p->m >= 0)
		close(p->m);
	if (p->s >= 0)
		close(p->s);
	p->m = p->s = -1;
}

/* Sets the slave's termios through fd (either side). */
static int pt_setattr(int fd, void (*edit)(struct termios *))
{
	struct termios t;
	if (tcgetattr(fd, &t) < 0)
		return -1;
	edit(&t);
	return tcsetattr(fd, TCSANOW, &t);
}

/* Writes all of buf. */
static int pt_write_all(int fd, const void *buf, size_t n)
{
	const char *p = buf;
	while (n) {
		ssize_t w = write(fd, p, n);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return -1;
		p += w;
		n -= w;
	}
	return 0;
}

static int pt_puts(int fd, const char *s)
{
	return pt_write_all(fd, s, strlen(s));
}

/* Waits up to ms for fd to report one of `events`; the revents (0 on timeout). */
static int pt_poll_for(int fd, short events, long ms)
{
	struct pollfd p = { fd, events, 0 };
	long t0 = kt_now_ms();
	for (;;) {
		long left = ms - (kt_now_ms() - t0);
		if (left < 0)
			left = 0;
		p.revents = 0;
		int r = poll(&p, 1, (int)left);
		if (r < 0 && errno == EINTR)
			continue;
		return r > 0 ? p.revents : 0;
	}
}

/* Reads from fd until `want` bytes came, nothing more arrived within ms, EOF or an error.
 * Returns the count (buf is NUL-terminated; room for want + 1). *err gets errno of a failing
 * read (0 otherwise). Uses poll, so fd may be blocking. */
static ssize_t pt_read_until(int fd, char *buf, size_t want, long ms, int *err)
{
	size_t got = 0;
	long t0 = kt_now_ms();
	if (err)
		*err = 0;
	while (got < want) {
		long left = ms - (kt_now_ms() - t0);
		if (left <= 0)
			break;
		if (!(pt_poll_for(fd, POLLIN, left) & (POLLIN | POLLHUP | POLLERR)))
			break;
		ssize_t r = read(fd, buf + got, want - got);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			if (errno == EAGAIN)
				continue;
			if (err)
				*err = errno;
			break;
		}
		if (r == 0)
			break;
		got += r;
	}
	buf[got] = 0;
	return got;
}

/* Everything that arrives on fd within ms (a quiet period of SETTLE_MS ends it early once
 * something came). */
static ssize_t pt_drain(int fd, char *buf, size_t size, long ms)
{
	size_t got = 0;
	long t0 = kt_now_ms();
	while (got + 1 < size) {
		long left = ms - (kt_now_ms() - t0);
		if (got && left > SETTLE_MS)
			left = SETTLE_MS;
		if (left <= 0)
			break;
		if (!(pt_poll_for(fd, POLLIN, left) & POLLIN))
			break;
		ssize_t r = read(fd, buf + got, size - 1 - got);
		if (r < 0 && (errno == EINTR || errno == EAGAIN))
			continue;
		if (r <= 0)
			break;
		got += r;
	}
	buf[got] = 0;
	return got;
}

/* Renders bytes with C escapes for messages. */
static const char *esc(const char *s, size_t n)
{
	static char buf[4][256];
	static int slot;
	char *b = buf[slot++ % 4], *o = b;
	for (size_t i = 0; i < n && o < b + sizeof buf[0] - 6; i++) {
		unsigned char c = s[i];
		if (c == '\n')
			o += sprintf(o, "\\n");
		else if (c == '\r')
			o += sprintf(o, "\\r");
		else if (c == '\b')
			o += sprintf(o, "\\b");
		else if (c < 0x20 || c >= 0x7f)
			o += sprintf(o, "\\x%02x", c);
		else
			*o++ = c;
	}
	*o = 0;
	return b;
}

/* Expects the bytes got[0..n) to be exactly want. */
static void expect_bytes(const char *name, const char *got, ssize_t n, const char *want)
{
	size_t wl = strlen(want);
	if (n == (ssize_t)wl && memcmp(got, want, wl) == 0)
		ck_pass(name);
	else
		ck_fail(name, "expected \"%s\" got \"%s\" (%zd bytes)", esc(want, wl),
			n < 0 ? "" : esc(got, n), n);
}

/* One read(2) of at most size - 1 bytes with a deadline: poll, then read; -1000 - errno on an
 * error, -1 on timeout, else the count (buf is NUL-terminated). */
static ssize_t pt_read_once(int fd, char *buf, size_t size, long ms)
{
	if (!(pt_poll_for(fd, POLLIN, ms) & (POLLIN | POLLHUP | POLLERR)))
		return -1;
	for (;;) {
		ssize_t r = read(fd, buf, size - 1);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return -1000 - errno;
		buf[r] = 0;
		return r;
	}
}

static const char *rd_desc(ssize_t r, const char *buf)
{
	static char b[4][300];
	static int slot;
	char *o = b[slot++ % 4];
	if (r <= -1000)
		snprintf(o, sizeof b[0], "read error %s", kt_errname((int)(-r - 1000)) ?: "?");
	else if (r == -1)
		snprintf(o, sizeof b[0], "nothing within the deadline");
	else
		snprintf(o, sizeof b[0], "%zd bytes \"%s\"", r, esc(buf, r));
	return o;
}

/* Expects one read to return exactly want. */
static void expect_read(const char *name, int fd, const char *want)
{
	char buf[512];
	ssize_t r = pt_read_once(fd, buf, sizeof buf, WAIT_MS);
	size_t wl = strlen(want);
	if (r == (ssize_t)wl && memcmp(buf, want, wl) == 0)
		ck_pass(name);
	else
		ck_fail(name, "expected \"%s\" got %s", esc(want, wl), rd_desc(r, buf));
}

/* Reads the master until `want` arrived (echo may come in pieces) and expects exactly it. */
static void expect_master(const char *name, int m, const char *want)
{
	char buf[512];
	size_t wl = strlen(want);
	ssize_t n = pt_read_until(m, buf, wl, WAIT_MS, 0);
	/* anything more that arrives soon after is part of the answer too */
	if (n == (ssize_t)wl)
		n += pt_drain(m, buf + n, sizeof buf - n, 100);
	expect_bytes(name, buf, n, want);
}

/* Expects nothing to arrive on fd within SETTLE_MS. */
static void expect_nothing(const char *name, int fd)
{
	char buf[256];
	ssize_t n = pt_drain(fd, buf, sizeof buf, SETTLE_MS);
	if (n == 0)
		ck_pass(name);
	else
		ck_fail(name, "expected nothing got \"%s\"", esc(buf, n));
}

/* Discards whatever arrives on fd within ms. */
static void pt_discard(int fd, long ms)
{
	char buf[512];
	pt_drain(fd, buf, sizeof buf, ms);
}

/* ---- sessions ------------------------------------------------------------------------------ */

/* Forks a session leader S: setsid(), the pty's slave as its controlling terminal (TIOCSCTTY),
 * then fn(p); S exits 0 when fn returns. The group prints the checks S and its children
 * recorded, then `NAME.completed` for S's exit. */
static void pt_session(struct pty *p, const char *name, void (*fn)(struct pty *))
{
	pid_t s = pt_fork();
	if (s == 0) {
		if (setsid() < 0) {
			ck_fail(name, "setsid: %s", strerror(errno));
			_exit(1);
		}
		if (ioctl(p->s, TIOCSCTTY, 0) < 0) {
			ck_fail(name, "TIOCSCTTY on the slave: %s", strerror(errno));
			_exit(1);
		}
		fn(p);
		fflush(stdout);
		_exit(0);
	}
	int st = pt_wait(s);
	ck_collect();
	char n[80];
	snprintf(n, sizeof n, "%s.completed", name);
	expect_exit(n, st, 0);
}

/* Forks a child in process group `pgid` (0: a group of its own), set on both sides so that it
 * is in place when this returns. The child runs fn (if any) and exits 0, or pauses forever. */
static pid_t pt_child(pid_t pgid, void (*fn)(void))
{
	pid_t c = pt_fork();
	if (c == 0) {
		setpgid(0, pgid);
		if (fn)
			fn();
		else
			for (;;)
				pause();
		fflush(stdout);
		_exit(0);
	}
	if (c > 0)
		setpgid(c, pgid ? pgid : c);
	return c;
}

/* Whether pid stays neither exited nor stopped for ms (it is left as it is). */
static int pt_running_after(pid_t pid, long ms)
{
	msleep(ms);
	int st;
	return waitpid(pid, &st, WNOHANG | WUNTRACED) == 0;
}

#endif

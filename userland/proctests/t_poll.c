/* t_poll.c: poll, select, ppoll, pselect6. Timeouts (0, and a positive one that lasts at
 * least its length), readiness of pipe ends, a wake-up by another process, POLLNVAL for a
 * closed fd, negative fds ignored, nfds over RLIMIT_NOFILE; select's fd sets, its timeout
 * written back with the time left, EBADF; ppoll and pselect6 with a temporary signal mask that
 * lets a blocked signal in (EINTR, the mask restored after), or keeps it out. */
#include "proctests.h"

static void t_poll_basic(void)
{
	int p[2], q[2];
	pipe(p);
	pipe(q);
	struct pollfd pf[3] = { { p[0], POLLIN, 0 }, { p[1], POLLOUT, 0 }, { q[0], POLLIN, 0 } };
	kt_expect_eq("poll.timeout-0-empty-read-end", poll(pf, 1, 0), 0);
	long t0 = kt_now_ms();
	int r = poll(pf, 1, 200);
	long el = kt_now_ms() - t0;
	kt_expect_eq("poll.timeout-200ms-returns-0", r, 0);
	kt_expect_true("poll.timeout-200ms-waits", el >= 190, "at least 190 ms");
	write(p[1], "x", 1);
	r = poll(pf, 3, 0);
	kt_expect_eq("poll.ready-count", r, 2);
	kt_expect_true("poll.revents",
		       pf[0].revents == POLLIN && pf[1].revents == POLLOUT && pf[2].revents == 0,
		       "POLLIN, POLLOUT, 0");
	char b;
	read(p[0], &b, 1);
	int closed = dup(q[0]);
	close(closed);
	struct pollfd nv[3] = { { closed, POLLIN, 0 }, { -1, POLLIN, 0x55 }, { p[1], POLLOUT, 0 } };
	r = poll(nv, 3, 0);
	kt_expect_eq("poll.pollnval-counts", r, 2);
	kt_expect_eq("poll.closed-fd-POLLNVAL", nv[0].revents, POLLNVAL);
	kt_expect_eq("poll.negative-fd-ignored-revents-0", nv[1].revents, 0);
	struct pollfd only_neg = { -5, POLLIN, 0 };
	kt_expect_eq("poll.only-negative-fd-times-out", poll(&only_neg, 1, 10), 0);
	kt_expect_err("poll.nfds-over-rlimit-EINVAL",
		      kt_sys3(SYS_poll, pf, 1L << 30, 0), EINVAL);
	pid_t c = pt_fork();
	if (c == 0) {
		msleep(100);
		write(p[1], "y", 1);
		_exit(0);
	}
	pf[0].revents = 0;
	r = poll(pf, 1, 10000);
	kt_expect_true("poll.wakes-on-data-from-other-process", r == 1 && pf[0].revents == POLLIN,
		       "1 with POLLIN");
	pt_wait(c);
	close(p[0]), close(p[1]), close(q[0]), close(q[1]);
}

static void t_select(void)
{
	int p[2], q[2];
	pipe(p);
	pipe(q);
	write(p[1], "x", 1);
	int n = (p[1] > q[1] ? p[1] : q[1]) + 1;
	fd_set rs, ws, es;
	FD_ZERO(&rs);
	FD_ZERO(&ws);
	FD_ZERO(&es);
	FD_SET(p[0], &rs), FD_SET(q[0], &rs), FD_SET(p[1], &ws), FD_SET(p[0], &es);
	/* Raw select: musl's wrapper passes a copy of the timeout and never writes it back. */
	struct timeval tv = { 5, 0 };
	int r = kt_sys5(SYS_select, n, &rs, &ws, &es, &tv);
	kt_expect_eq("select.ready-count", r, 2);
	kt_expect_true("select.read-set", FD_ISSET(p[0], &rs) && !FD_ISSET(q[0], &rs),
		       "only the pipe with data");
	kt_expect_true("select.write-set", FD_ISSET(p[1], &ws), "the write end");
	kt_expect_true("select.except-set-empty", !FD_ISSET(p[0], &es), "no exception");
	kt_expect_true("select.timeout-written-back-with-time-left",
		       tv.tv_sec >= 3 && tv.tv_sec < 5, "between 3 and 5 s left");
	FD_ZERO(&rs);
	FD_SET(q[0], &rs);
	tv = (struct timeval){ 0, 150000 };
	long t0 = kt_now_ms();
	r = kt_sys5(SYS_select, q[0] + 1, &rs, 0, 0, &tv);
	long el = kt_now_ms() - t0;
	kt_expect_eq("select.timeout-returns-0", r, 0);
	kt_expect_true("select.timeout-waits", el >= 140, "at least 140 ms");
	kt_expect_true("select.timeout-written-back-0", tv.tv_sec == 0 && tv.tv_usec == 0, "0");
	kt_expect_true("select.timeout-clears-sets", !FD_ISSET(q[0], &rs), "empty set");
	tv = (struct timeval){ 0, 100000 };
	t0 = kt_now_ms();
	r = select(0, 0, 0, 0, &tv);
	kt_expect_true("select.no-fds-sleeps", r == 0 && kt_now_ms() - t0 >= 90, "0 after 100 ms");
	int closed = dup(q[0]);
	close(closed);
	FD_ZERO(&rs);
	FD_SET(closed, &rs);
	tv = (struct timeval){ 0, 0 };
	r = select(closed + 1, &rs, 0, 0, &tv);
	kt_expect_true("select.closed-fd-EBADF", r == -1 && errno == EBADF, "-1 EBADF");
	r = select(-1, 0, 0, 0, &tv);
	kt_expect_true("select.negative-nfds-EINVAL", r == -1 && errno == EINVAL, "-1 EINVAL");
	close(q[1]);
	FD_ZERO(&rs);
	FD_SET(q[0], &rs);
	tv = (struct timeval){ 0, 0 };
	kt_expect_eq("select.eof-is-readable", select(q[0] + 1, &rs, 0, 0, &tv), 1);
	close(p[0]), close(p[1]), close(q[0]);
}

static volatile sig_atomic_t pm_count;
static void h_pm(int s)
{
	(void)s;
	pm_count++;
}

struct pselect_mask {
	const unsigned long *ss;
	size_t len;
};

/* kind 0: ppoll, 1: pselect6. A wait on an empty pipe with `mask` as the temporary mask. */
static long masked_wait(int kind, int fd, const unsigned long *mask, long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };
	if (kind == 0) {
		struct pollfd pf = { fd, POLLIN, 0 };
		return kt_sys5(SYS_ppoll, &pf, 1, &ts, mask, 8);
	}
	fd_set rs;
	FD_ZERO(&rs);
	FD_SET(fd, &rs);
	struct pselect_mask pm = { mask, 8 };
	return kt_sys6(SYS_pselect6, fd + 1, (long)&rs, 0, 0, (long)&ts, (long)&pm);
}

static void t_masked(void)
{
	const char *kinds[2] = { "ppoll", "pselect6" };
	int p[2];
	pipe(p);
	pt_handler(SIGUSR1, h_pm, SA_RESTART, 0);
	unsigned long old = pt_mask(), blocked = old | BIT(SIGUSR1);
	pt_setmask(blocked);
	char name[80];
	for (int k = 0; k < 2; k++) {
		pm_count = 0;
		raise(SIGUSR1);
		long r = masked_wait(k, p[0], &old, 5000);
		snprintf(name, sizeof name, "poll.%s-mask-lets-pending-signal-in-EINTR", kinds[k]);
		kt_expect_err(name, r, EINTR);
		snprintf(name, sizeof name, "poll.%s-handler-ran", kinds[k]);
		kt_expect_eq(name, pm_count, 1);
		snprintf(name, sizeof name, "poll.%s-mask-restored", kinds[k]);
		kt_expect_eq(name, pt_mask(), blocked);
		pm_count = 0;
		pid_t c = pt_fork();
		if (c == 0) {
			msleep(100);
			kill(getppid(), SIGUSR1);
			_exit(0);
		}
		r = masked_wait(k, p[0], &old, 10000);
		snprintf(name, sizeof name, "poll.%s-signal-arriving-during-wait-EINTR", kinds[k]);
		kt_expect_true(name, r == -EINTR && pm_count == 1, "EINTR after the handler");
		pt_wait(c);
		pm_count = 0;
		raise(SIGUSR1);
		r = masked_wait(k, p[0], &blocked, 100);
		snprintf(name, sizeof name, "poll.%s-mask-keeps-signal-blocked", kinds[k]);
		kt_expect_true(name, r == 0 && pm_count == 0, "a timeout, no handler");
		pt_setmask(old);
		pt_setmask(blocked);
	}
	struct timespec ts = { 0, 50000000 };
	struct pollfd pf = { p[0], POLLIN, 0 };
	long r = kt_sys5(SYS_ppoll, &pf, 1, &ts, 0, 8);
	kt_expect_true("poll.ppoll-timeout-written-back",
		       r == 0 && ts.tv_sec == 0 && ts.tv_nsec == 0,
		       "0 and the timespec zeroed");
	kt_expect_err("poll.ppoll-bad-sigsetsize-EINVAL", kt_sys5(SYS_ppoll, &pf, 1, &ts, &old, 4),
		      EINVAL);
	pt_setmask(old);
	pt_default(SIGUSR1);
	close(p[0]), close(p[1]);
}

void t_poll(void)
{
	t_poll_basic();
	t_select();
	t_masked();
}

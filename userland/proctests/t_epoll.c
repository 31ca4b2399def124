/* t_epoll.c: epoll. epoll_create1 (EPOLL_CLOEXEC, EINVAL), epoll_ctl ADD/MOD/DEL and their
 * errors (EEXIST, ENOENT, EBADF, EINVAL for itself or a bad op, EPERM for a regular file),
 * level-triggered (reported again and again), edge-triggered (once per new write), EPOLLONESHOT
 * (until MOD re-arms), what a pipe reports when its other end closes (EPOLLHUP, EPOLLERR; no
 * EPOLLRDHUP), closing a watched fd (the registration lives as long as the open file),
 * timeouts, maxevents, a wake-up by another process, epoll_pwait's temporary mask, an epoll fd
 * that is itself pollable and watchable, and relibc's poll(): 1000 rounds of epoll_create1 +
 * 3 epoll_ctl ADD + epoll_pwait(timeout 0) + close. */
#include "proctests.h"

static int ep_wait(int ep, struct epoll_event *ev, int max, int ms)
{
	memset(ev, 0, sizeof *ev * max);
	return epoll_wait(ep, ev, max, ms);
}

static void t_epoll_ctl(void)
{
	int ep = epoll_create1(EPOLL_CLOEXEC);
	kt_expect_true("epoll.create1", ep >= 0, "an fd");
	kt_expect_eq("epoll.create1-cloexec", fcntl(ep, F_GETFD), FD_CLOEXEC);
	kt_expect_err("epoll.create1-bad-flags-EINVAL", kt_sys1(SYS_epoll_create1, 1), EINVAL);
	kt_expect_err("epoll.create-size-0-EINVAL", kt_sys1(SYS_epoll_create, 0), EINVAL);
	int p[2];
	pipe(p);
	struct epoll_event ev = { EPOLLIN, { .u64 = 0x1234 } };
	kt_expect_eq("epoll.ctl-add", epoll_ctl(ep, EPOLL_CTL_ADD, p[0], &ev), 0);
	kt_expect_err("epoll.ctl-add-twice-EEXIST",
		      epoll_ctl(ep, EPOLL_CTL_ADD, p[0], &ev) < 0 ? -errno : 0, EEXIST);
	kt_expect_err("epoll.ctl-mod-unregistered-ENOENT",
		      epoll_ctl(ep, EPOLL_CTL_MOD, p[1], &ev) < 0 ? -errno : 0, ENOENT);
	kt_expect_err("epoll.ctl-del-unregistered-ENOENT",
		      epoll_ctl(ep, EPOLL_CTL_DEL, p[1], &ev) < 0 ? -errno : 0, ENOENT);
	kt_expect_err("epoll.ctl-closed-fd-EBADF",
		      epoll_ctl(ep, EPOLL_CTL_ADD, 1000, &ev) < 0 ? -errno : 0, EBADF);
	kt_expect_err("epoll.ctl-bad-epfd-EBADF",
		      epoll_ctl(1000, EPOLL_CTL_ADD, p[0], &ev) < 0 ? -errno : 0, EBADF);
	kt_expect_err("epoll.ctl-epfd-not-epoll-EINVAL",
		      epoll_ctl(p[1], EPOLL_CTL_ADD, p[0], &ev) < 0 ? -errno : 0, EINVAL);
	kt_expect_err("epoll.ctl-on-itself-EINVAL",
		      epoll_ctl(ep, EPOLL_CTL_ADD, ep, &ev) < 0 ? -errno : 0, EINVAL);
	kt_expect_err("epoll.ctl-bad-op-EINVAL", epoll_ctl(ep, 99, p[0], &ev) < 0 ? -errno : 0,
		      EINVAL);
	int f = open(HELLO_TXT, O_RDONLY);
	kt_expect_err("epoll.ctl-regular-file-EPERM",
		      epoll_ctl(ep, EPOLL_CTL_ADD, f, &ev) < 0 ? -errno : 0, EPERM);
	close(f);
	struct epoll_event out[4];
	kt_expect_err("epoll.wait-maxevents-0-EINVAL", ep_wait(ep, out, 0, 0) < 0 ? -errno : 0,
		      EINVAL);
	kt_expect_err("epoll.wait-not-epoll-EINVAL", epoll_wait(p[0], out, 1, 0) < 0 ? -errno : 0,
		      EINVAL);
	kt_expect_eq("epoll.wait-nothing-ready-0", ep_wait(ep, out, 4, 0), 0);
	long t0 = kt_now_ms();
	int r = ep_wait(ep, out, 4, 200);
	long el = kt_now_ms() - t0;
	kt_expect_true("epoll.wait-timeout-200ms", r == 0 && el >= 190, "0 after at least 190 ms");

	/* Level-triggered: reported on every call while data is there. */
	write(p[1], "ab", 2);
	r = ep_wait(ep, out, 4, 0);
	kt_expect_true("epoll.lt-reports",
		       r == 1 && out[0].events == EPOLLIN && out[0].data.u64 == 0x1234,
		       "1 event, EPOLLIN, the registered data");
	kt_expect_eq("epoll.lt-reports-again", ep_wait(ep, out, 4, 0), 1);
	char b[8];
	read(p[0], b, sizeof b);
	kt_expect_eq("epoll.lt-not-after-drain", ep_wait(ep, out, 4, 0), 0);

	/* Edge-triggered: once per new write. */
	ev.events = EPOLLIN | EPOLLET;
	kt_expect_eq("epoll.ctl-mod", epoll_ctl(ep, EPOLL_CTL_MOD, p[0], &ev), 0);
	write(p[1], "a", 1);
	kt_expect_eq("epoll.et-reports-new-data", ep_wait(ep, out, 4, 0), 1);
	kt_expect_eq("epoll.et-not-again", ep_wait(ep, out, 4, 0), 0);
	write(p[1], "b", 1);
	kt_expect_eq("epoll.et-reports-next-write", ep_wait(ep, out, 4, 0), 1);
	read(p[0], b, sizeof b);

	/* One-shot: reported once, then disabled until MOD. */
	ev.events = EPOLLIN | EPOLLONESHOT;
	epoll_ctl(ep, EPOLL_CTL_MOD, p[0], &ev);
	write(p[1], "c", 1);
	kt_expect_eq("epoll.oneshot-reports", ep_wait(ep, out, 4, 0), 1);
	kt_expect_eq("epoll.oneshot-disabled-after", ep_wait(ep, out, 4, 0), 0);
	kt_expect_err("epoll.oneshot-still-registered-EEXIST",
		      epoll_ctl(ep, EPOLL_CTL_ADD, p[0], &ev) < 0 ? -errno : 0, EEXIST);
	epoll_ctl(ep, EPOLL_CTL_MOD, p[0], &ev);
	kt_expect_eq("epoll.oneshot-rearmed-by-mod", ep_wait(ep, out, 4, 0), 1);
	kt_expect_eq("epoll.ctl-del", epoll_ctl(ep, EPOLL_CTL_DEL, p[0], 0), 0);
	kt_expect_eq("epoll.deleted-not-reported", ep_wait(ep, out, 4, 0), 0);
	read(p[0], b, sizeof b);

	/* The other end closes. */
	ev.events = EPOLLIN | EPOLLRDHUP;
	epoll_ctl(ep, EPOLL_CTL_ADD, p[0], &ev);
	close(p[1]);
	r = ep_wait(ep, out, 4, 0);
	kt_expect_true("epoll.pipe-writer-closed-EPOLLHUP-no-RDHUP",
		       r == 1 && out[0].events == EPOLLHUP, "1 event, EPOLLHUP only");
	epoll_ctl(ep, EPOLL_CTL_DEL, p[0], 0);
	close(p[0]);
	pipe(p);
	ev.events = EPOLLOUT;
	epoll_ctl(ep, EPOLL_CTL_ADD, p[1], &ev);
	r = ep_wait(ep, out, 4, 0);
	kt_expect_true("epoll.pipe-write-end-EPOLLOUT", r == 1 && out[0].events == EPOLLOUT,
		       "EPOLLOUT");
	close(p[0]);
	r = ep_wait(ep, out, 4, 0);
	kt_expect_true("epoll.pipe-reader-closed-EPOLLOUT-EPOLLERR",
		       r == 1 && out[0].events == (EPOLLOUT | EPOLLERR), "EPOLLOUT|EPOLLERR");
	close(p[1]);
	kt_expect_eq("epoll.closed-fd-removed", ep_wait(ep, out, 4, 0), 0);
	close(ep);
}

static void t_epoll_close(void)
{
	int ep = epoll_create1(0), p[2];
	pipe(p);
	struct epoll_event ev = { EPOLLIN, { .u64 = 77 } }, out[4];
	epoll_ctl(ep, EPOLL_CTL_ADD, p[0], &ev);
	write(p[1], "x", 1);
	int d = dup(p[0]);
	close(p[0]);
	int r = ep_wait(ep, out, 4, 0);
	kt_expect_true("epoll.registration-lives-with-open-file", r == 1 && out[0].data.u64 == 77,
		       "still reported through the dup (epoll(7))");
	kt_expect_err("epoll.ctl-del-closed-fd-EBADF",
		      epoll_ctl(ep, EPOLL_CTL_DEL, p[0], 0) < 0 ? -errno : 0, EBADF);
	close(d);
	kt_expect_eq("epoll.last-close-removes", ep_wait(ep, out, 4, 0), 0);
	close(p[1]);

	/* maxevents caps the count; a wake-up by another process. */
	int a[2], b2[2], c2[2];
	pipe(a), pipe(b2), pipe(c2);
	int fds[3] = { a[0], b2[0], c2[0] };
	for (int i = 0; i < 3; i++) {
		ev.data.u64 = i;
		epoll_ctl(ep, EPOLL_CTL_ADD, fds[i], &ev);
	}
	write(a[1], "1", 1), write(b2[1], "1", 1), write(c2[1], "1", 1);
	kt_expect_eq("epoll.three-ready", ep_wait(ep, out, 4, 0), 3);
	kt_expect_eq("epoll.maxevents-caps", ep_wait(ep, out, 2, 0), 2);
	char buf[4];
	read(a[0], buf, 1), read(b2[0], buf, 1), read(c2[0], buf, 1);
	pid_t c = pt_fork();
	if (c == 0) {
		msleep(100);
		write(b2[1], "w", 1);
		_exit(0);
	}
	int r2 = ep_wait(ep, out, 4, 10000);
	kt_expect_true("epoll.wakes-on-data-from-other-process", r2 == 1 && out[0].data.u64 == 1,
		       "1 event for the second pipe");
	pt_wait(c);
	read(b2[0], buf, 1);

	/* An epoll fd is pollable, and can be watched by another epoll. */
	struct pollfd pf = { ep, POLLIN, 0 };
	kt_expect_eq("epoll.poll-on-epoll-fd-idle", poll(&pf, 1, 0), 0);
	int ep2 = epoll_create1(0);
	struct epoll_event e2 = { EPOLLIN, { .u64 = 99 } };
	kt_expect_eq("epoll.nested-add", epoll_ctl(ep2, EPOLL_CTL_ADD, ep, &e2), 0);
	kt_expect_eq("epoll.nested-idle", ep_wait(ep2, out, 4, 0), 0);
	write(c2[1], "x", 1);
	r = poll(&pf, 1, 0);
	kt_expect_true("epoll.poll-on-epoll-fd-ready", r == 1 && pf.revents == POLLIN, "POLLIN");
	r = ep_wait(ep2, out, 4, 0);
	kt_expect_true("epoll.nested-ready", r == 1 && out[0].data.u64 == 99, "the inner epoll");
	kt_expect_err("epoll.nested-loop-ELOOP", epoll_ctl(ep, EPOLL_CTL_ADD, ep2,
		      &e2) < 0 ? -errno : 0,
		      ELOOP);
	close(ep2);
	close(a[0]), close(a[1]), close(b2[0]), close(b2[1]), close(c2[0]), close(c2[1]);
	close(ep);
}

static volatile sig_atomic_t ep_sig;
static void h_ep(int s)
{
	(void)s;
	ep_sig++;
}

static void t_epoll_pwait(void)
{
	int ep = epoll_create1(0), p[2];
	pipe(p);
	struct epoll_event ev = { EPOLLIN, { .u64 = 1 } }, out;
	epoll_ctl(ep, EPOLL_CTL_ADD, p[0], &ev);
	pt_handler(SIGUSR1, h_ep, SA_RESTART, 0);
	unsigned long old = pt_mask(), blocked = old | BIT(SIGUSR1);
	pt_setmask(blocked);
	raise(SIGUSR1);
	ep_sig = 0;
	long r = kt_sys6(SYS_epoll_pwait, ep, (long)&out, 1, 5000, (long)&old, 8);
	kt_expect_err("epoll.pwait-mask-lets-pending-signal-in-EINTR", r, EINTR);
	kt_expect_eq("epoll.pwait-handler-ran", ep_sig, 1);
	kt_expect_eq("epoll.pwait-mask-restored", pt_mask(), blocked);
	raise(SIGUSR1);
	ep_sig = 0;
	r = kt_sys6(SYS_epoll_pwait, ep, (long)&out, 1, 100, (long)&blocked, 8);
	kt_expect_true("epoll.pwait-mask-keeps-signal-blocked", r == 0 && ep_sig == 0,
		       "a timeout, no handler");
	pt_setmask(old);
	kt_expect_eq("epoll.pwait-signal-delivered-on-unblock", ep_sig, 1);
	pt_default(SIGUSR1);
	close(ep), close(p[0]), close(p[1]);
}

/* relibc's poll(): a fresh epoll instance per call. */
static void t_epoll_relibc(void)
{
	int a[2], b[2];
	pipe(a);
	pipe(b);
	write(b[1], "x", 1);
	int fds[3] = { a[0], a[1], b[0] };
	int bad = 0, first_ep = -1, fd_drift = 0;
	for (int i = 0; i < 1000; i++) {
		int ep = kt_sys1(SYS_epoll_create1, EPOLL_CLOEXEC);
		if (ep < 0) {
			bad++;
			break;
		}
		if (first_ep < 0)
			first_ep = ep;
		fd_drift += ep != first_ep;
		for (int j = 0; j < 3; j++) {
			struct epoll_event ev = { EPOLLIN | EPOLLOUT, { .u64 = j } };
			bad += kt_sys4(SYS_epoll_ctl, ep, EPOLL_CTL_ADD, fds[j], &ev) != 0;
		}
		struct epoll_event out[32];
		long r = kt_sys6(SYS_epoll_pwait, ep, (long)out, 32, 0, 0, 8);
		bad += r != 2;
		bad += kt_sys1(SYS_close, ep) != 0;
	}
	kt_expect_eq("epoll.relibc-poll-1000-rounds", bad, 0);
	kt_expect_eq("epoll.relibc-poll-no-fd-leak", fd_drift, 0);
	close(a[0]), close(a[1]), close(b[0]), close(b[1]);
}

void t_epoll(void)
{
	t_epoll_ctl();
	t_epoll_close();
	t_epoll_pwait();
	t_epoll_relibc();
}

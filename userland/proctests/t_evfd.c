/* t_evfd.c: eventfd and timerfd, the files async runtimes pair with epoll. eventfd counts
 * (reads take the count, or one with EFD_SEMAPHORE; EAGAIN at zero, EINVAL for short buffers or
 * the value -1), polls readable while not zero and wakes epoll; timerfd counts expirations of a
 * one-shot or periodic timer, absolute or relative, reports the setting, and is EINVAL for
 * bad clocks and flags. */
#include "proctests.h"

#include <stdint.h>
#include <sys/eventfd.h>
#include <sys/timerfd.h>

static void t_evfd_eventfd(void)
{
	uint64_t v = 0;
	int e = eventfd(3, EFD_NONBLOCK | EFD_CLOEXEC);
	kt_expect_true("evfd.eventfd-created", e >= 0, "an fd");
	kt_expect_eq("evfd.cloexec", fcntl(e, F_GETFD), FD_CLOEXEC);
	kt_expect_eq("evfd.read-8", read(e, &v, 8), 8);
	kt_expect_eq("evfd.read-takes-count", (long)v, 3);
	kt_expect_err("evfd.empty-EAGAIN", read(e, &v, 8) < 0 ? -errno : 0, EAGAIN);
	kt_expect_err("evfd.short-read-EINVAL", read(e, &v, 4) < 0 ? -errno : 0, EINVAL);
	v = UINT64_MAX;
	kt_expect_err("evfd.write-max-EINVAL", write(e, &v, 8) < 0 ? -errno : 0, EINVAL);
	struct pollfd pf = { e, POLLIN | POLLOUT, 0 };
	poll(&pf, 1, 0);
	kt_expect_eq("evfd.poll-empty-writable-only", pf.revents, POLLOUT);
	v = 5;
	kt_expect_eq("evfd.write-8", write(e, &v, 8), 8);
	v = 2;
	write(e, &v, 8);
	poll(&pf, 1, 0);
	kt_expect_eq("evfd.poll-readable", pf.revents, POLLIN | POLLOUT);
	read(e, &v, 8);
	kt_expect_eq("evfd.writes-add-up", (long)v, 7);
	v = UINT64_MAX - 1;
	kt_expect_eq("evfd.write-to-max", write(e, &v, 8), 8);
	v = 1;
	kt_expect_err("evfd.overflow-EAGAIN", write(e, &v, 8) < 0 ? -errno : 0, EAGAIN);
	close(e);

	int s = eventfd(2, EFD_SEMAPHORE | EFD_NONBLOCK);
	read(s, &v, 8);
	kt_expect_eq("evfd.semaphore-gives-one", (long)v, 1);
	read(s, &v, 8);
	kt_expect_err("evfd.semaphore-drains", read(s, &v, 8) < 0 ? -errno : 0, EAGAIN);
	close(s);
	kt_expect_err("evfd.bad-flags-EINVAL", eventfd(0, 0x40000000) < 0 ? -errno : 0, EINVAL);

	/* A blocked reader is woken by another process's write; epoll sees it. */
	int b = eventfd(0, 0);
	int ep = epoll_create1(0);
	struct epoll_event ev = { EPOLLIN, { .u64 = 77 } }, out;
	epoll_ctl(ep, EPOLL_CTL_ADD, b, &ev);
	kt_expect_eq("evfd.epoll-idle", epoll_wait(ep, &out, 1, 0), 0);
	pid_t p = pt_fork();
	if (p == 0) {
		msleep(100);
		uint64_t one = 1;
		_exit(write(b, &one, 8) == 8 ? 0 : 1);
	}
	kt_expect_eq("evfd.blocking-read-woken", read(b, &v, 8), 8);
	kt_expect_eq("evfd.value-from-child", (long)v, 1);
	pt_wait(p);
	v = 4;
	write(b, &v, 8);
	kt_expect_eq("evfd.epoll-ready", epoll_wait(ep, &out, 1, 1000), 1);
	kt_expect_eq("evfd.epoll-data", (long)out.data.u64, 77);
	close(ep);
	close(b);
}

static void t_evfd_timerfd(void)
{
	uint64_t v = 0;
	int t = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK);
	kt_expect_true("timerfd.created", t >= 0, "an fd");
	kt_expect_err("timerfd.unarmed-EAGAIN", read(t, &v, 8) < 0 ? -errno : 0, EAGAIN);
	struct itimerspec its = { { 0, 50000000 }, { 0, 100000000 } }, cur;
	kt_expect_eq("timerfd.settime", timerfd_settime(t, 0, &its, 0), 0);
	timerfd_gettime(t, &cur);
	kt_expect_eq("timerfd.gettime-interval", cur.it_interval.tv_nsec, 50000000);
	kt_expect_true("timerfd.gettime-value-left",
		       cur.it_value.tv_sec == 0 && cur.it_value.tv_nsec > 0 &&
			       cur.it_value.tv_nsec <= 100000000,
		       "at most the 100 ms set");
	int ep = epoll_create1(0);
	struct epoll_event ev = { EPOLLIN, { .fd = t } }, out;
	epoll_ctl(ep, EPOLL_CTL_ADD, t, &ev);
	kt_expect_eq("timerfd.epoll-fires", epoll_wait(ep, &out, 1, 5000), 1);
	msleep(150);
	kt_expect_eq("timerfd.read-8", read(t, &v, 8), 8);
	kt_expect_true("timerfd.periodic-expirations-add-up", v >= 2, "two or more expirations");
	struct itimerspec off = { { 0, 0 }, { 0, 0 } }, old;
	timerfd_settime(t, 0, &off, &old);
	kt_expect_eq("timerfd.old-interval-reported", old.it_interval.tv_nsec, 50000000);
	timerfd_gettime(t, &cur);
	kt_expect_true("timerfd.disarmed", cur.it_value.tv_sec == 0 && cur.it_value.tv_nsec == 0,
		       "0 left after disarming");
	/* Absolute on CLOCK_REALTIME, in the past: expires at once. */
	int r = timerfd_create(CLOCK_REALTIME, 0);
	struct timespec now;
	clock_gettime(CLOCK_REALTIME, &now);
	struct itimerspec abs = { { 0, 0 }, { now.tv_sec - 1, 0 } };
	kt_expect_eq("timerfd.abstime-settime", timerfd_settime(r, TFD_TIMER_ABSTIME, &abs, 0), 0);
	kt_expect_eq("timerfd.abstime-past-expires", read(r, &v, 8), 8);
	kt_expect_eq("timerfd.abstime-one-expiration", (long)v, 1);
	struct itimerspec bad = { { 0, 0 }, { 0, 1000000000 } };
	kt_expect_err("timerfd.bad-nsec-EINVAL", timerfd_settime(r, 0, &bad, 0) < 0 ? -errno : 0,
		      EINVAL);
	kt_expect_err("timerfd.bad-clock-EINVAL", timerfd_create(99, 0) < 0 ? -errno : 0, EINVAL);
	kt_expect_err("timerfd.bad-flags-EINVAL", timerfd_create(CLOCK_MONOTONIC, 1) < 0 ? -errno : 0,
		      EINVAL);
	int e = eventfd(0, 0);
	kt_expect_err("timerfd.settime-on-eventfd-EINVAL",
		      timerfd_settime(e, 0, &its, 0) < 0 ? -errno : 0, EINVAL);
	close(e);
	close(r);
	close(ep);
	close(t);
}

static void t_evfd(void)
{
	t_evfd_eventfd();
	t_evfd_timerfd();
}

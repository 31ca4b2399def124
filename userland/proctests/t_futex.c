/* t_futex.c: the futex system call, raw. FUTEX_WAIT: EAGAIN when the value differs,
 * ETIMEDOUT after a relative timeout, woken by FUTEX_WAKE from another thread; FUTEX_WAKE with
 * nobody waiting (also relibc's non-private wake of a private variable in a single-threaded
 * process: 0, not ENOSYS); FUTEX_WAIT_BITSET with absolute CLOCK_MONOTONIC and CLOCK_REALTIME
 * timeouts; FUTEX_WAKE_BITSET waking only matching waiters; FUTEX_CMP_REQUEUE moving waiters
 * (EAGAIN when the value differs); a shared futex on a MAP_SHARED page between a parent and its
 * child (a private wake does not cross processes); interruption by a handler (EINTR with a
 * timeout; restarted without one under SA_RESTART); EINVAL for unaligned addresses, ENOSYS
 * for unknown operations. Waits are bounded by timeouts so a missing wake fails, not hangs. */
#include "proctests.h"

#define F_WAIT 0
#define F_WAKE 1
#define F_CMP_REQUEUE 4
#define F_WAIT_BITSET 9
#define F_WAKE_BITSET 10
#define F_PRIVATE 128
#define F_CLOCK_REALTIME 256

static long fx(volatile int *u, int op, long val, const struct timespec *ts, volatile int *u2,
	       long val3)
{
	return kt_sys6(SYS_futex, (long)u, op, val, (long)ts, (long)u2, val3);
}

static const struct timespec ten_s = { 10, 0 };

static void t_futex_basic(void)
{
	static volatile int w = 1;
	kt_expect_err("futex.wait-value-mismatch-EAGAIN", fx(&w, F_WAIT, 0, 0, 0, 0), EAGAIN);
	kt_expect_err("futex.wait-private-value-mismatch-EAGAIN",
		      fx(&w, F_WAIT | F_PRIVATE, 0, 0, 0, 0), EAGAIN);
	struct timespec ts = { 0, 100000000 };
	long t0 = kt_now_ms();
	long r = fx(&w, F_WAIT | F_PRIVATE, 1, &ts, 0, 0);
	long el = kt_now_ms() - t0;
	kt_expect_err("futex.wait-timeout-ETIMEDOUT", r, ETIMEDOUT);
	kt_expect_true("futex.wait-timeout-waited", el >= 90, "at least 90 ms for 100 ms");
	kt_expect_eq("futex.wake-nobody-0", fx(&w, F_WAKE | F_PRIVATE, 1, 0, 0, 0), 0);
	kt_expect_eq("futex.relibc-shared-wake-private-var-single-thread-0",
		     fx(&w, F_WAKE, 1, 0, 0, 0), 0);
	kt_expect_err("futex.unaligned-EINVAL",
		      kt_sys6(SYS_futex, (long)((char *)&w + 1), F_WAKE, 1, 0, 0, 0), EINVAL);
	kt_expect_err("futex.unknown-op-ENOSYS", fx(&w, 99, 0, 0, 0, 0), ENOSYS);
	kt_expect_err("futex.wait-bitset-0-EINVAL", fx(&w, F_WAIT_BITSET, 1, 0, 0, 0), EINVAL);
	struct timespec bad = { 0, 1000000000 };
	kt_expect_err("futex.wait-bad-timespec-EINVAL", fx(&w, F_WAIT, 1, &bad, 0, 0), EINVAL);

	struct timespec now, abs_ts;
	for (int rt = 0; rt < 2; rt++) {
		clock_gettime(rt ? CLOCK_REALTIME : CLOCK_MONOTONIC, &now);
		abs_ts = now;
		abs_ts.tv_nsec += 100000000;
		if (abs_ts.tv_nsec >= 1000000000)
			abs_ts.tv_sec++, abs_ts.tv_nsec -= 1000000000;
		t0 = kt_now_ms();
		r = fx(&w, F_WAIT_BITSET | F_PRIVATE | (rt ? F_CLOCK_REALTIME : 0), 1, &abs_ts, 0,
		       -1);
		el = kt_now_ms() - t0;
		kt_expect_true(rt ? "futex.wait-bitset-absolute-realtime-ETIMEDOUT"
				  : "futex.wait-bitset-absolute-monotonic-ETIMEDOUT",
			       r == -ETIMEDOUT && el >= 90, "ETIMEDOUT after about 100 ms");
	}
	clock_gettime(CLOCK_MONOTONIC, &now);
	now.tv_sec -= 1;
	kt_expect_err("futex.wait-bitset-absolute-past-ETIMEDOUT",
		      fx(&w, F_WAIT_BITSET | F_PRIVATE, 1, &now, 0, -1), ETIMEDOUT);
}

struct waiter {
	volatile int *word;
	int op, val, bitset;
	volatile int started, done;
	volatile long result;
};

static void *waiter_thread(void *arg)
{
	struct waiter *w = arg;
	struct timespec abs_ts;
	clock_gettime(CLOCK_MONOTONIC, &abs_ts);
	abs_ts.tv_sec += 10; /* FUTEX_WAIT_BITSET takes an absolute time */
	w->started = 1;
	w->result = fx(w->word, w->op, w->val, (w->op & 127) == F_WAIT_BITSET ? &abs_ts : &ten_s,
		       0, w->bitset);
	w->done = 1;
	return 0;
}

/* FUTEX_WAKE (op) until it reports n woken, or 10 s pass; the total woken. */
static long wake_until(volatile int *u, int op, int n, int bitset)
{
	long total = 0, t0 = kt_now_ms();
	while (total < n && kt_now_ms() - t0 < 10000) {
		long r = fx(u, op, n - total, 0, 0, bitset);
		if (r > 0)
			total += r;
		else
			msleep(10);
	}
	return total;
}

static void t_futex_threads(void)
{
	static volatile int w;
	w = 0;
	struct waiter a = { &w, F_WAIT | F_PRIVATE, 0, 0, 0, 0, 0 };
	pthread_t t, t2;
	pthread_create(&t, 0, waiter_thread, &a);
	long woken = wake_until(&w, F_WAKE | F_PRIVATE, 1, 0);
	pthread_join(t, 0);
	kt_expect_eq("futex.wake-wakes-waiting-thread", woken, 1);
	kt_expect_eq("futex.woken-wait-returns-0", a.result, 0);

	struct waiter b1 = { &w, F_WAIT_BITSET | F_PRIVATE, 0, 1, 0, 0, 0 };
	struct waiter b2 = { &w, F_WAIT_BITSET | F_PRIVATE, 0, 2, 0, 0, 0 };
	pthread_create(&t, 0, waiter_thread, &b1);
	pthread_create(&t2, 0, waiter_thread, &b2);
	woken = wake_until(&w, F_WAKE_BITSET | F_PRIVATE, 1, 1);
	msleep(50);
	kt_expect_true("futex.wake-bitset-only-matching", woken == 1 && b1.done && !b2.done,
		       "the bitset-1 waiter woken, the bitset-2 one still waiting");
	woken = wake_until(&w, F_WAKE_BITSET | F_PRIVATE, 1, 2);
	pthread_join(t, 0);
	pthread_join(t2, 0);
	kt_expect_true("futex.wake-bitset-second", woken == 1 && b1.result == 0 && b2.result == 0,
		       "both woken, each by its bitset");

	/* FUTEX_CMP_REQUEUE: two waiters on f1 move to f2 (none woken), then wake on f2. */
	static volatile int f1, f2;
	f1 = 5, f2 = 0;
	kt_expect_err("futex.cmp-requeue-value-mismatch-EAGAIN",
		      fx(&f1, F_CMP_REQUEUE | F_PRIVATE, 0, (void *)(long)0x7fffffff, &f2, 4),
		      EAGAIN);
	struct waiter r1 = { &f1, F_WAIT | F_PRIVATE, 5, 0, 0, 0, 0 };
	struct waiter r2 = { &f1, F_WAIT | F_PRIVATE, 5, 0, 0, 0, 0 };
	pthread_create(&t, 0, waiter_thread, &r1);
	pthread_create(&t2, 0, waiter_thread, &r2);
	long moved = 0, t0 = kt_now_ms();
	while (moved < 2 && kt_now_ms() - t0 < 10000) {
		long r = fx(&f1, F_CMP_REQUEUE | F_PRIVATE, 0, (void *)(long)0x7fffffff, &f2, 5);
		if (r > 0)
			moved += r;
		else
			msleep(10);
	}
	kt_expect_eq("futex.cmp-requeue-moves-waiters", moved, 2);
	kt_expect_eq("futex.cmp-requeue-source-empty", fx(&f1, F_WAKE | F_PRIVATE, 10, 0, 0, 0), 0);
	msleep(20);
	kt_expect_true("futex.requeued-still-waiting", !r1.done && !r2.done, "both still asleep");
	kt_expect_eq("futex.wake-requeued-on-target", fx(&f2, F_WAKE | F_PRIVATE, 10, 0, 0, 0), 2);
	pthread_join(t, 0);
	pthread_join(t2, 0);
	kt_expect_true("futex.requeued-waiters-return-0", r1.result == 0 && r2.result == 0, "0, 0");

	/* A private waiter, a shared wake in the same process: what Linux does is printed. */
	w = 0;
	struct waiter p1 = { &w, F_WAIT | F_PRIVATE, 0, 0, 0, 0, 0 };
	pthread_create(&t, 0, waiter_thread, &p1);
	msleep(100);
	long shared_wake = fx(&w, F_WAKE, 1, 0, 0, 0);
	woken = shared_wake == 1 ? 1 : wake_until(&w, F_WAKE | F_PRIVATE, 1, 0);
	pthread_join(t, 0);
	printf("info: shared FUTEX_WAKE on a private waiter's word woke %ld\n", shared_wake);
}

static volatile int *intr_word;
static void h_intr(int s)
{
	(void)s;
	*intr_word = 1;
}

static void t_futex_intr(void)
{
	static volatile int w;
	intr_word = &w;
	struct itimerval it = { { 0, 0 }, { 0, 200000 } };
	for (int restart = 0; restart < 2; restart++) {
		pt_handler(SIGALRM, h_intr, restart ? SA_RESTART : 0, 0);
		w = 0;
		setitimer(ITIMER_REAL, &it, 0);
		long r = fx(&w, F_WAIT | F_PRIVATE, 0, &ten_s, 0, 0);
		kt_expect_err(restart ? "futex.wait-with-timeout-sa_restart-EINTR"
				      : "futex.wait-with-timeout-interrupted-EINTR",
			      r, EINTR);
	}
	/* Without a timeout: restarted under SA_RESTART, and the restarted wait finds the value
	 * the handler changed (EAGAIN); without SA_RESTART, EINTR. A 5 s alarm backs both. */
	pt_handler(SIGUSR2, h_intr, 0, 0);
	for (int restart = 0; restart < 2; restart++) {
		pt_handler(SIGALRM, h_intr, restart ? SA_RESTART : 0, 0);
		w = 0;
		pid_t guard = pt_fork();
		if (guard == 0) {
			msleep(5000);
			kill(getppid(), SIGUSR2);
			_exit(0);
		}
		setitimer(ITIMER_REAL, &it, 0);
		long r = fx(&w, F_WAIT | F_PRIVATE, 0, 0, 0, 0);
		kill(guard, SIGKILL);
		pt_wait(guard);
		kt_expect_err(restart ? "futex.wait-no-timeout-sa_restart-restarts-EAGAIN"
				      : "futex.wait-no-timeout-no-restart-EINTR",
			      r, restart ? EAGAIN : EINTR);
	}
	pt_default(SIGALRM);
	pt_default(SIGUSR2);
}

static void t_futex_shared(void)
{
	volatile long *sh = pt_shared();
	volatile int *word = (volatile int *)&sh[0];
	pid_t p = pt_fork();
	if (p == 0) {
		sh[1] = 1;
		long r = fx(word, F_WAIT, 0, &ten_s, 0, 0);
		sh[2] = r;
		_exit(r == 0 ? 0 : 1);
	}
	long t0 = kt_now_ms();
	while (!sh[1] && kt_now_ms() - t0 < 10000)
		msleep(5);
	msleep(100);
	kt_expect_eq("futex.private-wake-does-not-cross-processes",
		     fx(word, F_WAKE | F_PRIVATE, 1, 0, 0, 0), 0);
	long woken = wake_until(word, F_WAKE, 1, 0);
	kt_expect_eq("futex.shared-wake-across-fork", woken, 1);
	expect_exit("futex.shared-waiter-woken-returns-0", pt_wait(p), 0);
	pt_unshare(sh);
}

void t_futex(void)
{
	t_futex_basic();
	if (pt_threads_work("futex.pthread_create-works"))
		t_futex_threads();
	t_futex_intr();
	t_futex_shared();
}

/* t_thread.c: threads. musl pthreads: create/join with return values, a mutex-protected
 * counter under contention, a condition variable between a producer and a consumer, ids (one
 * pid, a tid each), pthread_exit of one thread while the others go on, the main thread leaving
 * with pthread_exit, exit (exit_group) from a non-main thread ending the process, the status of
 * a process whose threads all left with exit (60), two threads reading one fd (each word of
 * the file read exactly once), pthread_kill running the handler in the target thread. Raw
 * clone as relibc does it (no CLONE_SETTLS; the thread sets its own FS base) with
 * CLONE_PARENT_SETTID and CLONE_CHILD_CLEARTID: the kernel writes the tid, then zeroes it and
 * wakes a futex waiter at the thread's exit. */
#include <asm/prctl.h>

#include "proctests.h"

#define WORDS_BIN "/usr/share/keel-tests/words.bin"

static void *t_double(void *arg)
{
	return (void *)((uintptr_t)arg * 2);
}

static pthread_mutex_t mtx = PTHREAD_MUTEX_INITIALIZER;
static long counter;
static void *t_count(void *arg)
{
	(void)arg;
	for (int i = 0; i < 100000; i++) {
		pthread_mutex_lock(&mtx);
		counter++;
		pthread_mutex_unlock(&mtx);
	}
	return 0;
}

static pthread_cond_t cv_put = PTHREAD_COND_INITIALIZER, cv_get = PTHREAD_COND_INITIALIZER;
static int queue[4], q_len, q_head;
static void *t_producer(void *arg)
{
	(void)arg;
	for (int i = 1; i <= 2000; i++) {
		pthread_mutex_lock(&mtx);
		while (q_len == 4)
			pthread_cond_wait(&cv_put, &mtx);
		queue[(q_head + q_len++) % 4] = i;
		pthread_cond_signal(&cv_get);
		pthread_mutex_unlock(&mtx);
	}
	return 0;
}

static void *t_consumer(void *arg)
{
	long sum = 0;
	(void)arg;
	for (int i = 0; i < 2000; i++) {
		pthread_mutex_lock(&mtx);
		while (q_len == 0)
			pthread_cond_wait(&cv_get, &mtx);
		sum += queue[q_head];
		q_head = (q_head + 1) % 4;
		q_len--;
		pthread_cond_signal(&cv_put);
		pthread_mutex_unlock(&mtx);
	}
	return (void *)sum;
}

static long ids[4][2];
static void *t_ids(void *arg)
{
	long *slot = arg;
	slot[0] = pt_gettid();
	slot[1] = getpid();
	return 0;
}

static void t_thread_basic(void)
{
	pthread_t t[4];
	int ok = 1;
	for (uintptr_t i = 0; i < 4; i++)
		ok &= pthread_create(&t[i], 0, t_double, (void *)(i + 10)) == 0;
	kt_expect_true("thread.pthread_create", ok, "4 threads created");
	int joined = 1;
	for (uintptr_t i = 0; i < 4; i++) {
		void *r = 0;
		joined &= pthread_join(t[i], &r) == 0 && r == (void *)((i + 10) * 2);
	}
	kt_expect_true("thread.pthread_join-return-values", joined, "each thread's arg * 2");

	counter = 0;
	for (int i = 0; i < 4; i++)
		pthread_create(&t[i], 0, t_count, 0);
	for (int i = 0; i < 4; i++)
		pthread_join(t[i], 0);
	kt_expect_eq("thread.mutex-counter-4x100000", counter, 400000);

	q_len = q_head = 0;
	void *sum = 0;
	pthread_create(&t[0], 0, t_producer, 0);
	pthread_create(&t[1], 0, t_consumer, 0);
	pthread_join(t[0], 0);
	pthread_join(t[1], &sum);
	kt_expect_eq("thread.condvar-producer-consumer", (long)sum, 2000L * 2001 / 2);

	for (int i = 0; i < 4; i++)
		pthread_create(&t[i], 0, t_ids, ids[i]);
	for (int i = 0; i < 4; i++)
		pthread_join(t[i], 0);
	int same_pid = 1, distinct = 1;
	for (int i = 0; i < 4; i++) {
		same_pid &= ids[i][1] == getpid();
		distinct &= ids[i][0] != getpid() && ids[i][0] > 0;
		for (int j = 0; j < i; j++)
			distinct &= ids[i][0] != ids[j][0];
	}
	kt_expect_eq("thread.main-tid-is-pid", pt_gettid(), getpid());
	kt_expect_true("thread.getpid-same-in-threads", same_pid, "getpid() == the process's pid");
	kt_expect_true("thread.gettid-distinct", distinct, "4 distinct tids, none the pid");
}

static volatile int worker_progress, worker_stop;
static volatile long worker_tid;
static void leave(void)
{
	pthread_exit((void *)7);
}
static void *t_leaver(void *arg)
{
	(void)arg;
	leave();
	return 0;
}
static void *t_worker(void *arg)
{
	(void)arg;
	worker_tid = pt_gettid();
	while (!worker_stop) {
		worker_progress++;
		msleep(1);
	}
	return 0;
}

static int exit_pipe = -1;
static void *t_exit_group(void *arg)
{
	msleep(100);
	exit((int)(uintptr_t)arg);
}
static void *t_last_alive(void *arg)
{
	(void)arg;
	msleep(200);
	write(exit_pipe, "alive", 5);
	exit(5);
}
static void *t_raw_exit(void *arg)
{
	msleep(200);
	kt_sys1(SYS_exit, (long)(uintptr_t)arg);
	return 0;
}

static void t_thread_exit(void)
{
	pthread_t a, w;
	worker_progress = worker_stop = 0;
	pthread_create(&w, 0, t_worker, 0);
	pthread_create(&a, 0, t_leaver, 0);
	void *r = 0;
	pthread_join(a, &r);
	kt_expect_eq("thread.pthread_exit-value", (long)r, 7);
	int before = worker_progress;
	msleep(50);
	kt_expect_true("thread.others-go-on-after-pthread_exit", worker_progress > before,
		       "the worker still counting");
	worker_stop = 1;
	pthread_join(w, 0);

	pid_t p = pt_fork();
	if (p == 0) {
		pthread_t t;
		pthread_create(&t, 0, t_exit_group, (void *)42);
		for (;;)
			pause();
	}
	expect_exit("thread.exit-from-thread-ends-process", pt_wait(p), 42);

	int pp[2];
	pipe(pp);
	p = pt_fork();
	if (p == 0) {
		pthread_t t;
		close(pp[0]);
		exit_pipe = pp[1];
		pthread_create(&t, 0, t_last_alive, 0);
		pthread_exit(0);
	}
	close(pp[1]);
	char buf[8] = { 0 };
	pt_read_full(pp[0], buf, 5);
	close(pp[0]);
	kt_expect_true("thread.main-pthread_exit-others-continue", !strcmp(buf, "alive"),
		       "\"alive\" from the remaining thread");
	expect_exit("thread.main-pthread_exit-status-from-last", pt_wait(p), 5);

	/* Every thread leaves with exit (60), the main thread first with 3, the other with 9:
	 * wait4 reports the status of the last thread to leave (relibc ends processes so). */
	p = pt_fork();
	if (p == 0) {
		pthread_t t;
		pthread_create(&t, 0, t_raw_exit, (void *)9);
		kt_sys1(SYS_exit, 3);
	}
	int st = pt_wait(p);
	printf("info: threads all left with exit(60), leader 3 first, last 9: %s\n", kt_st_desc(st));
	expect_exit("thread.all-exit-60-status-of-last-thread", st, 9);
}

static int shared_fd;
static unsigned char seen[16384];
static volatile int bad_words;
static void *t_reader(void *arg)
{
	(void)arg;
	uint32_t w;
	for (;;) {
		ssize_t r = read(shared_fd, &w, 4);
		if (r != 4)
			break;
		if (w < 16384)
			__atomic_fetch_add(&seen[w], 1, __ATOMIC_RELAXED);
		else
			bad_words++;
	}
	return 0;
}

static volatile long sig_tid;
static void h_tid(int s)
{
	(void)s;
	sig_tid = pt_gettid();
}

static void t_thread_fd_signal(void)
{
	shared_fd = open(WORDS_BIN, O_RDONLY);
	kt_expect_true("thread.open-words-fixture", shared_fd >= 0, "open " WORDS_BIN);
	memset(seen, 0, sizeof seen);
	pthread_t a, b;
	pthread_create(&a, 0, t_reader, 0);
	pthread_create(&b, 0, t_reader, 0);
	pthread_join(a, 0);
	pthread_join(b, 0);
	int missing = 0, dup = 0;
	for (int i = 0; i < 16384; i++) {
		missing += seen[i] == 0;
		dup += seen[i] > 1;
	}
	kt_expect_eq("thread.shared-fd-reads-no-duplicates", dup, 0);
	kt_expect_eq("thread.shared-fd-reads-whole-file", missing + bad_words, 0);
	close(shared_fd);

	pthread_t t;
	worker_stop = 0;
	worker_tid = 0;
	pthread_create(&t, 0, t_worker, 0);
	while (!worker_tid)
		msleep(1);
	pt_handler(SIGUSR1, h_tid, 0, 0);
	sig_tid = 0;
	pthread_kill(t, SIGUSR1);
	long t0 = kt_now_ms();
	while (!sig_tid && kt_now_ms() - t0 < 10000)
		msleep(1);
	worker_stop = 1;
	pthread_join(t, 0);
	kt_expect_eq("thread.pthread_kill-handler-in-target-thread", sig_tid, worker_tid);
	pt_default(SIGUSR1);
}

/* clone(flags, stack, ptid, ctid, tls = 0); the child pops fn and arg from its new stack,
 * calls fn(arg) and leaves with exit (60) and fn's result. Only raw system calls in fn: the
 * thread has no TLS of its own (it shares the creator's FS base until it sets one). */
__asm__(".text\n"
	".globl pt_raw_clone\n"
	"pt_raw_clone:\n"
	"	and $-16, %rsi\n"
	"	sub $16, %rsi\n"
	"	mov %r8, 0(%rsi)\n"
	"	mov %r9, 8(%rsi)\n"
	"	mov %rcx, %r10\n"
	"	xor %r8d, %r8d\n"
	"	mov $56, %eax\n"
	"	syscall\n"
	"	test %rax, %rax\n"
	"	jnz 1f\n"
	"	pop %rax\n"
	"	pop %rdi\n"
	"	call *%rax\n"
	"	mov %eax, %edi\n"
	"	mov $60, %eax\n"
	"	syscall\n"
	"	hlt\n"
	"1:	ret\n");
long pt_raw_clone(unsigned long flags, void *stack_top, volatile int *ptid, volatile int *ctid,
		  int (*fn)(void *), void *arg);

struct raw_report {
	long tid, fs_inherited, fs_own, fs_set;
};
static unsigned long main_fs;
static char own_tls[256] __attribute__((aligned(64)));

__attribute__((no_stack_protector)) static int raw_thread(void *arg)
{
	struct raw_report *r = arg;
	unsigned long fs = 0;
	r->tid = kt_sys0(SYS_gettid);
	kt_sys2(SYS_arch_prctl, ARCH_GET_FS, &fs);
	r->fs_inherited = fs == main_fs;
	kt_sys2(SYS_arch_prctl, ARCH_SET_FS, own_tls);
	fs = 0;
	kt_sys2(SYS_arch_prctl, ARCH_GET_FS, &fs);
	r->fs_own = fs == (unsigned long)own_tls;
	struct timespec ts = { 0, 200000000 }; /* the creator is in FUTEX_WAIT by then */
	kt_sys2(SYS_nanosleep, &ts, 0);
	r->fs_set = 1;
	return 0;
}

#define FUTEX_WAIT_ 0
#define FUTEX_PRIVATE_ 128

static void t_raw_clone(void)
{
	static char stacks[2][65536] __attribute__((aligned(16)));
	const unsigned long flags = CLONE_VM | CLONE_FS | CLONE_FILES | CLONE_SIGHAND |
				    CLONE_THREAD | CLONE_SYSVSEM | CLONE_PARENT_SETTID |
				    CLONE_CHILD_CLEARTID;
	kt_sys2(SYS_arch_prctl, ARCH_GET_FS, &main_fs);
	memcpy(own_tls, (void *)main_fs, 64); /* the stack canary at %fs:0x28, if any */
	for (int k = 0; k < 2; k++) {
		static volatile int ptid, ctid;
		struct raw_report rep = { 0, 0, 0, 0 };
		ptid = 0;
		ctid = -1;
		long tid = pt_raw_clone(flags, stacks[k] + sizeof stacks[k], &ptid, &ctid,
					raw_thread,
					&rep);
		if (tid <= 0) {
			kt_fail(k ? "thread.raw-clone-private-wait" : "thread.raw-clone",
				"clone returned %s", kt_res(tid));
			continue;
		}
		/* Wait for the clear-and-wake: FUTEX_WAIT (k = 0, as musl's pthread_join does) or
		 * FUTEX_WAIT_PRIVATE (k = 1), each round bounded by a 1 s timeout. */
		long t0 = kt_now_ms(), r = 0;
		int woken = 0;
		while (ctid != 0 && kt_now_ms() - t0 < 10000) {
			int v = ctid;
			struct timespec ts = { 1, 0 };
			if (v == 0)
				break;
			r = kt_sys4(SYS_futex, &ctid, FUTEX_WAIT_ | (k ? FUTEX_PRIVATE_ : 0), v,
				    &ts);
			if (r == 0)
				woken++;
		}
		if (k == 0) {
			kt_expect_eq("thread.raw-clone-parent-settid", ptid, tid);
			kt_expect_eq("thread.raw-clone-gettid-in-thread", rep.tid, tid);
			kt_expect_true("thread.raw-clone-shares-creator-fs-base", rep.fs_inherited,
				       "ARCH_GET_FS == the creator's");
			kt_expect_true("thread.raw-clone-sets-own-fs-base",
				       rep.fs_own && rep.fs_set,
				       "ARCH_SET_FS then ARCH_GET_FS in the thread");
			unsigned long fs = 0;
			kt_sys2(SYS_arch_prctl, ARCH_GET_FS, &fs);
			kt_expect_eq("thread.raw-clone-creator-fs-unchanged", fs, main_fs);
			kt_expect_eq("thread.child-cleartid-zeroed-at-exit", ctid, 0);
			kt_expect_true("thread.child-cleartid-wakes-futex-waiter", woken > 0,
				       "FUTEX_WAIT woken (not only timed out)");
		} else {
			kt_expect_eq("thread.child-cleartid-zeroed-private-waiter", ctid, 0);
			printf("info: FUTEX_WAIT_PRIVATE on the clear-tid word: woken %d time(s), "
			       "last result %s\n", woken, kt_res(r));
		}
	}
}

void t_thread(void)
{
	if (!pt_threads_work("thread.pthread_create-works"))
		return;
	t_thread_basic();
	t_thread_exit();
	t_thread_fd_signal();
	t_raw_clone();
}

/* t_leak.c: what ends is given back. 1000 forks that exit, 300 fork+execs and 300 threads
 * later, free memory (sysinfo) is where it started, give or take Linux's caches: a kernel
 * that kept each exited thread's kernel stack and structures (32 KiB) would lose 32 MiB over
 * the forks and 9 MiB over the threads. */
#include "proctests.h"

#include <sys/sysinfo.h>

static long leak_free_kib(void)
{
	struct sysinfo si;
	sysinfo(&si);
	return (long)(si.freeram * si.mem_unit / 1024);
}

static void *leak_thread(void *a)
{
	return a;
}

/* The most free memory may drop over one round (KiB): generous for Linux's caches. */
#define LEAK_SLACK_KIB 8192

static void t_leak(void)
{
	/* One warm-up round, so that first-use allocations (slabs, pools) are not counted. */
	for (int i = 0; i < 20; i++) {
		pid_t p = fork();
		if (p == 0)
			_exit(0);
		waitpid(p, 0, 0);
	}
	long f0 = leak_free_kib();
	for (int i = 0; i < 1000; i++) {
		pid_t p = fork();
		if (p == 0)
			_exit(0);
		waitpid(p, 0, 0);
	}
	long f1 = leak_free_kib();
	kt_expect_true("leak.fork-exit-1000", f0 - f1 < 2 * LEAK_SLACK_KIB,
		       "free memory back after 1000 forks");
	printf("info: %ld KiB fewer free after 1000 fork+exit\n", f0 - f1);
	for (int i = 0; i < 300; i++) {
		pid_t p = fork();
		if (p == 0) {
			execl(pt_self, pt_self, "--helper", "exit", "0", (char *)0);
			_exit(1);
		}
		waitpid(p, 0, 0);
	}
	long f2 = leak_free_kib();
	kt_expect_true("leak.fork-exec-300", f1 - f2 < LEAK_SLACK_KIB, "free memory back after 300 fork+exec");
	printf("info: %ld KiB fewer free after 300 fork+exec\n", f1 - f2);
	for (int i = 0; i < 300; i++) {
		pthread_t t;
		if (pthread_create(&t, 0, leak_thread, 0) == 0)
			pthread_join(t, 0);
	}
	long f3 = leak_free_kib();
	kt_expect_true("leak.threads-300", f2 - f3 < LEAK_SLACK_KIB,
		       "free memory back after 300 threads");
	printf("info: %ld KiB fewer free after 300 threads\n", f2 - f3);
}

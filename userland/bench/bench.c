/* bench: Keel's micro-benchmarks, the same binary on Keel and on Linux (not a test).
 *
 *   /usr/lib/keel-tests/bench [ROUNDS]      (or keel_bench_rounds=ROUNDS in the environment)
 *
 * Measures with CLOCK_MONOTONIC, best of ROUNDS (default 5) rounds:
 *   null-syscall   getppid() through a raw `syscall` instruction
 *   open-close     open + close of /usr/share/keel-tests/hello.txt
 *   page-fault     first touch of each 4 KiB page of a fresh anonymous mapping
 * and prints one line per benchmark, `BENCH name ns_per_op iterations`, which tools/bench.sh
 * parses; then `0 passed, 0 failed` and, as PID 1, powers off (see ../common/kt.h).
 */
#include "../common/kt.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <time.h>

static long now_ns(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec * 1000000000L + t.tv_nsec;
}

static double null_syscall(long n)
{
	long t0 = now_ns();
	for (long i = 0; i < n; i++)
		kt_sys0(SYS_getppid);
	return (double)(now_ns() - t0) / n;
}

static double open_close(long n)
{
	long t0 = now_ns();
	for (long i = 0; i < n; i++) {
		long fd = kt_sys2(SYS_open, "/usr/share/keel-tests/hello.txt", O_RDONLY);
		if (fd < 0) {
			printf("bench: open failed: %s\n", kt_res(fd));
			return -1;
		}
		kt_sys1(SYS_close, fd);
	}
	return (double)(now_ns() - t0) / n;
}

static double page_fault(long pages)
{
	long len = pages * 4096;
	char *p = mmap(0, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED) {
		printf("bench: mmap failed: %s\n", strerror(errno));
		return -1;
	}
	long t0 = now_ns();
	for (long off = 0; off < len; off += 4096)
		((volatile char *)p)[off] = 1;
	double r = (double)(now_ns() - t0) / pages;
	munmap(p, len);
	return r;
}

static void run(const char *name, double (*f)(long), long n, int rounds)
{
	double best = 1e30;
	for (int i = 0; i < rounds; i++) {
		double v = f(n);
		if (v >= 0 && v < best)
			best = v;
	}
	printf("BENCH %s %.1f %ld\n", name, best, n);
}

int main(int argc, char **argv)
{
	kt_init();
	const char *env = getenv("keel_bench_rounds");
	int rounds = argc > 1 ? atoi(argv[1]) : env ? atoi(env) : 5;
	if (rounds < 1)
		rounds = 1;
	printf("bench: pid %d, best of %d rounds, ns per operation\n", (int)getpid(), rounds);
	run("null-syscall", null_syscall, 100000, rounds);
	run("open-close", open_close, 10000, rounds);
	run("page-fault", page_fault, 8192, rounds);
	kt_finish();
}

/* t_proc.c: what a starting process sees and asks: argv/envp/auxv, ids, set_tid_address,
 * set_robust_list, arch_prctl, uname, clocks and sleeps, getrandom, prlimit64, scheduler calls,
 * prctl names, and ENOSYS for unknown numbers. */
#include <elf.h>
#include <sched.h>
#include <sys/auxv.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <time.h>
#include <asm/prctl.h>

#include "conformance.h"

#ifndef AT_MINSIGSTKSZ
#define AT_MINSIGSTKSZ 51
#endif

extern const Elf64_Ehdr __ehdr_start;
extern char _start[];

static int g_argc;
static char **g_argv, **g_envp;

static void t_proc_args(void)
{
	kt_expect_true("proc.argc-positive", g_argc >= 1, "argc >= 1");
	kt_expect_true("proc.argv-terminated", g_argv[g_argc] == NULL, "argv[argc] == NULL");
	kt_expect_true("proc.argv0-absolute", g_argv[0] && g_argv[0][0] == '/', "a path");
	int n = 0;
	while (g_envp[n])
		n++;
	kt_expect_true("proc.envp-after-argv", g_envp == g_argv + g_argc + 1,
		       "envp right after argv's NULL");
	printf("info: argc=%d envc=%d argv0=%s\n", g_argc, n, g_argv[0]);
}

static void t_proc_auxv(void)
{
	unsigned long pagesz = getauxval(AT_PAGESZ);
	kt_expect_eq("auxv.AT_PAGESZ", pagesz, 4096);
	const unsigned char *rnd = (const unsigned char *)getauxval(AT_RANDOM);
	int nz = 0;
	for (int i = 0; rnd && i < 16; i++)
		nz += rnd[i] != 0;
	kt_expect_true("auxv.AT_RANDOM-16-bytes-not-zero", rnd && nz >= 8,
		       "16 random bytes, at least 8 non-zero");
	const Elf64_Ehdr *eh = &__ehdr_start;
	kt_expect_eq("auxv.AT_PHDR", getauxval(AT_PHDR), (long)eh + (long)eh->e_phoff);
	kt_expect_eq("auxv.AT_PHENT", getauxval(AT_PHENT), sizeof(Elf64_Phdr));
	kt_expect_eq("auxv.AT_PHNUM", getauxval(AT_PHNUM), eh->e_phnum);
	kt_expect_eq("auxv.AT_ENTRY", getauxval(AT_ENTRY), (long)_start);
	kt_expect_eq("auxv.AT_BASE-static", getauxval(AT_BASE), 0);
	kt_expect_eq("auxv.AT_UID", getauxval(AT_UID), kt_sys0(SYS_getuid));
	kt_expect_eq("auxv.AT_EUID", getauxval(AT_EUID), kt_sys0(SYS_geteuid));
	kt_expect_eq("auxv.AT_GID", getauxval(AT_GID), kt_sys0(SYS_getgid));
	kt_expect_eq("auxv.AT_EGID", getauxval(AT_EGID), kt_sys0(SYS_getegid));
	kt_expect_eq("auxv.AT_SECURE", getauxval(AT_SECURE), 0);
	kt_expect_eq("auxv.AT_CLKTCK", getauxval(AT_CLKTCK), 100);
	kt_expect_true("auxv.AT_HWCAP", getauxval(AT_HWCAP) != 0, "CPUID.1:EDX bits");
	const char *plat = (const char *)getauxval(AT_PLATFORM);
	kt_expect_true("auxv.AT_PLATFORM", plat && strcmp(plat, "x86_64") == 0, "\"x86_64\"");
	const char *fn = (const char *)getauxval(AT_EXECFN);
	kt_expect_true("auxv.AT_EXECFN", fn && strcmp(fn, g_argv[0]) == 0, "the same as argv[0]");
	kt_expect_true("auxv.AT_MINSIGSTKSZ", getauxval(AT_MINSIGSTKSZ) >= 1024 &&
			       getauxval(AT_MINSIGSTKSZ) <= 65536, "between 1 KiB and 64 KiB");
	printf("info: AT_MINSIGSTKSZ=%lu AT_HWCAP=%#lx AT_EXECFN=%s\n", getauxval(AT_MINSIGSTKSZ),
	       getauxval(AT_HWCAP), fn ? fn : "(null)");
}

static void t_proc_ids(void)
{
	long pid = kt_sys0(SYS_getpid), tid = kt_sys0(SYS_gettid), ppid = kt_sys0(SYS_getppid);
	kt_expect_true("proc.getpid", pid >= 1, "a pid >= 1");
	kt_expect_eq("proc.gettid-equals-pid", tid, pid);
	if (pid == 1)
		kt_expect_eq("proc.getppid-of-pid1", ppid, 0);
	else
		kt_expect_true("proc.getppid", ppid >= 1, "a parent pid >= 1");
	kt_expect_eq("proc.getuid-root", kt_sys0(SYS_getuid), 0);
	kt_expect_eq("proc.geteuid-root", kt_sys0(SYS_geteuid), 0);
	kt_expect_eq("proc.getgid-root", kt_sys0(SYS_getgid), 0);
	kt_expect_eq("proc.getegid-root", kt_sys0(SYS_getegid), 0);
	static int tidword;
	kt_expect_eq("proc.set_tid_address-returns-tid", kt_sys1(SYS_set_tid_address, &tidword),
		     tid);
	long head[3] = { 0, 0, 0 };
	head[0] = (long)head;
	kt_expect_eq("proc.set_robust_list", kt_sys2(SYS_set_robust_list, head, 24), 0);
	kt_expect_err("proc.set_robust_list-bad-len-EINVAL", kt_sys2(SYS_set_robust_list, head, 8),
		      EINVAL);
}

static void t_proc_arch_prctl(void)
{
	unsigned long fs = 0, fs2 = 0;
	kt_expect_eq("arch_prctl.GET_FS", kt_sys2(SYS_arch_prctl, ARCH_GET_FS, &fs), 0);
	kt_expect_true("arch_prctl.GET_FS-is-libc-tls", fs != 0 && fs == (unsigned long)pthread_self(),
		       "musl's thread pointer");
	/* Switch to another block and back; no libc call in between (it would use %fs). */
	static unsigned long other[64];
	other[0] = (unsigned long)other;
	long r1 = kt_sys2(SYS_arch_prctl, ARCH_SET_FS, other);
	long r2 = kt_sys2(SYS_arch_prctl, ARCH_GET_FS, &fs2);
	unsigned long via_fs;
	__asm__ volatile("mov %%fs:0, %0" : "=r"(via_fs));
	long r3 = kt_sys2(SYS_arch_prctl, ARCH_SET_FS, fs);
	kt_expect_true("arch_prctl.SET_FS", r1 == 0 && r2 == 0 && fs2 == (unsigned long)other,
		       "GET_FS returning the new base");
	kt_expect_eq("arch_prctl.SET_FS-loads-fs-base", via_fs, (long)other);
	kt_expect_eq("arch_prctl.SET_FS-restore", r3, 0);
	kt_expect_err("arch_prctl.SET_FS-kernel-address-EPERM",
		      kt_sys2(SYS_arch_prctl, ARCH_SET_FS, 0xffff800000000000UL), EPERM);
	kt_expect_err("arch_prctl.bad-code-EINVAL", kt_sys2(SYS_arch_prctl, 0x9999, 0), EINVAL);
	unsigned long gs = 1;
	kt_expect_eq("arch_prctl.GET_GS", kt_sys2(SYS_arch_prctl, ARCH_GET_GS, &gs), 0);
	kt_expect_eq("arch_prctl.GET_GS-zero", gs, 0);
}

static void t_proc_uname(void)
{
	struct utsname u;
	memset(&u, 0x7f, sizeof u);
	kt_expect_eq("uname", kt_sys1(SYS_uname, &u), 0);
	kt_expect_true("uname.sysname-Linux", strcmp(u.sysname, "Linux") == 0, "\"Linux\"");
	kt_expect_true("uname.machine-x86_64", strcmp(u.machine, "x86_64") == 0, "\"x86_64\"");
	kt_expect_true("uname.release-set", u.release[0] >= '1' && u.release[0] <= '9' &&
			       memchr(u.release, 0, sizeof u.release), "a version like 6.1");
	kt_expect_true("uname.strings-terminated", memchr(u.nodename, 0, sizeof u.nodename) &&
			       memchr(u.version, 0, sizeof u.version) &&
			       memchr(u.domainname, 0, sizeof u.domainname), "NUL-terminated fields");
	printf("info: uname %s %s %s %s\n", u.sysname, u.release, u.version, u.machine);
}

static long ns_of(const struct timespec *t)
{
	return t->tv_sec * 1000000000L + t->tv_nsec;
}

static long mono_ns(void)
{
	struct timespec t;
	kt_sys2(SYS_clock_gettime, CLOCK_MONOTONIC, &t);
	return ns_of(&t);
}

static void t_proc_time(void)
{
	struct timespec a, b, res;
	int mono = 1;
	kt_expect_eq("time.clock_gettime-MONOTONIC", kt_sys2(SYS_clock_gettime, CLOCK_MONOTONIC, &a),
		     0);
	for (int i = 0; i < 1000; i++) {
		kt_sys2(SYS_clock_gettime, CLOCK_MONOTONIC, &b);
		mono &= ns_of(&b) >= ns_of(&a) && b.tv_nsec < 1000000000L;
		a = b;
	}
	kt_expect_true("time.monotonic-non-decreasing", mono, "1000 non-decreasing readings");
	kt_expect_eq("time.clock_gettime-REALTIME", kt_sys2(SYS_clock_gettime, CLOCK_REALTIME, &a),
		     0);
	kt_expect_true("time.realtime-after-2020", a.tv_sec > 1577836800L, "a date after 2020");
	kt_expect_eq("time.clock_gettime-BOOTTIME", kt_sys2(SYS_clock_gettime, CLOCK_BOOTTIME, &b),
		     0);
	kt_expect_err("time.clock_gettime-bad-clock-EINVAL",
		      kt_sys2(SYS_clock_gettime, 1000, &b), EINVAL);
	kt_expect_eq("time.clock_getres-MONOTONIC",
		     kt_sys2(SYS_clock_getres, CLOCK_MONOTONIC, &res), 0);
	kt_expect_true("time.clock_getres-plausible",
		       res.tv_sec == 0 && res.tv_nsec > 0 && res.tv_nsec <= 10000000,
		       "between 1 ns and 10 ms");
	kt_expect_eq("time.clock_getres-null-ok", kt_sys2(SYS_clock_getres, CLOCK_REALTIME, 0), 0);
	struct { long sec, usec; } tv;
	kt_expect_eq("time.gettimeofday", kt_sys2(SYS_gettimeofday, &tv, 0), 0);
	kt_sys2(SYS_clock_gettime, CLOCK_REALTIME, &a);
	long d = a.tv_sec - tv.sec;
	kt_expect_true("time.gettimeofday-matches-realtime", d >= 0 && d <= 2 && tv.usec < 1000000,
		       "within 2 s of CLOCK_REALTIME");

	struct timespec req = { 0, 20 * 1000000L };
	long t0 = mono_ns();
	long r = kt_sys2(SYS_nanosleep, &req, 0);
	long el = mono_ns() - t0;
	kt_expect_true("time.nanosleep-20ms", r == 0 && el >= 20 * 1000000L, "0 after >= 20 ms");
	printf("info: nanosleep 20ms took %ld us\n", el / 1000);
	req.tv_nsec = 10 * 1000000L;
	t0 = mono_ns();
	r = kt_sys4(SYS_clock_nanosleep, CLOCK_MONOTONIC, 0, &req, 0);
	el = mono_ns() - t0;
	kt_expect_true("time.clock_nanosleep-relative-10ms", r == 0 && el >= 10 * 1000000L,
		       "0 after >= 10 ms");
	kt_sys2(SYS_clock_gettime, CLOCK_MONOTONIC, &a);
	a.tv_nsec += 15 * 1000000L;
	if (a.tv_nsec >= 1000000000L) {
		a.tv_sec++;
		a.tv_nsec -= 1000000000L;
	}
	r = kt_sys4(SYS_clock_nanosleep, CLOCK_MONOTONIC, TIMER_ABSTIME, &a, 0);
	kt_expect_true("time.clock_nanosleep-absolute", r == 0 && mono_ns() >= ns_of(&a),
		       "0 at or after the deadline");
	struct timespec bad = { 0, 1000000000L };
	kt_expect_err("time.nanosleep-bad-nsec-EINVAL", kt_sys2(SYS_nanosleep, &bad, 0), EINVAL);
	struct timespec zero = { 0, 0 };
	kt_expect_eq("time.nanosleep-zero", kt_sys2(SYS_nanosleep, &zero, 0), 0);
}

static void t_proc_random(void)
{
	unsigned char a[64], b[64];
	memset(a, 0, sizeof a);
	memset(b, 0, sizeof b);
	long r1 = kt_sys3(SYS_getrandom, a, sizeof a, GRND_NONBLOCK);
	long r2 = kt_sys3(SYS_getrandom, b, sizeof b, 0);
	int nz = 0;
	for (unsigned i = 0; i < sizeof a; i++)
		nz += a[i] != 0;
	kt_expect_eq("random.getrandom-nonblock-count", r1, sizeof a);
	kt_expect_eq("random.getrandom-blocking-count", r2, sizeof b);
	kt_expect_true("random.getrandom-fills", nz >= 48, "most of 64 bytes non-zero");
	kt_expect_true("random.getrandom-varies", memcmp(a, b, sizeof a) != 0, "two calls differ");
	kt_expect_eq("random.getrandom-zero-length", kt_sys3(SYS_getrandom, a, 0, 0), 0);
	kt_expect_err("random.getrandom-bad-flags-EINVAL", kt_sys3(SYS_getrandom, a, 8, 0x100),
		      EINVAL);
}

static void t_proc_limits(void)
{
	struct rlimit rl;
	kt_expect_eq("rlimit.prlimit64-NOFILE", kt_sys4(SYS_prlimit64, 0, RLIMIT_NOFILE, 0, &rl), 0);
	kt_expect_true("rlimit.NOFILE-plausible", rl.rlim_cur >= 64 && rl.rlim_cur <= rl.rlim_max,
		       "64 <= cur <= max");
	kt_expect_eq("rlimit.prlimit64-STACK", kt_sys4(SYS_prlimit64, 0, RLIMIT_STACK, 0, &rl), 0);
	kt_expect_true("rlimit.STACK-plausible", rl.rlim_cur >= 65536 && rl.rlim_cur <= rl.rlim_max,
		       "64 KiB <= cur <= max");
	printf("info: RLIMIT_STACK cur=%#lx max=%#lx\n", (long)rl.rlim_cur, (long)rl.rlim_max);
	kt_expect_err("rlimit.bad-resource-EINVAL", kt_sys4(SYS_prlimit64, 0, 99, 0, &rl), EINVAL);
	kt_expect_err("rlimit.other-pid-ESRCH", kt_sys4(SYS_prlimit64, 99999, RLIMIT_NOFILE, 0, &rl),
		      ESRCH);
}

static void t_proc_sched(void)
{
	unsigned long mask[16];
	memset(mask, 0, sizeof mask);
	long r = kt_sys3(SYS_sched_getaffinity, 0, sizeof mask, mask);
	kt_expect_true("sched.getaffinity", r >= 8 && r <= (long)sizeof mask && r % 8 == 0,
		       "a size in bytes, a multiple of 8");
	kt_expect_true("sched.getaffinity-has-a-cpu", mask[0] != 0, "at least one CPU");
	kt_expect_err("sched.getaffinity-unaligned-size-EINVAL",
		      kt_sys3(SYS_sched_getaffinity, 0, 4, mask), EINVAL);
	kt_expect_eq("sched.yield", kt_sys0(SYS_sched_yield), 0);
}

static void t_proc_prctl(void)
{
	char name[32];
	kt_expect_eq("prctl.SET_NAME", kt_sys2(SYS_prctl, PR_SET_NAME, "keel-conf"), 0);
	memset(name, 'x', sizeof name);
	kt_expect_eq("prctl.GET_NAME", kt_sys2(SYS_prctl, PR_GET_NAME, name), 0);
	kt_expect_true("prctl.GET_NAME-returns-set", strcmp(name, "keel-conf") == 0, "keel-conf");
	kt_sys2(SYS_prctl, PR_SET_NAME, "0123456789abcdefghij");
	kt_sys2(SYS_prctl, PR_GET_NAME, name);
	kt_expect_true("prctl.SET_NAME-truncates-to-15", strcmp(name, "0123456789abcde") == 0,
		       "0123456789abcde");
	kt_expect_err("prctl.unknown-option-EINVAL", kt_sys2(SYS_prctl, 0x7fff, 0), EINVAL);
}

static void t_proc_enosys(void)
{
	kt_expect_err("syscall.500-ENOSYS", kt_sys0(500), ENOSYS);
	kt_expect_err("syscall.1000-ENOSYS", kt_sys0(1000), ENOSYS);
	kt_expect_err("syscall.negative-ENOSYS", kt_sys0(-1), ENOSYS);
	kt_expect_err("syscall.x32-bit-ENOSYS", kt_sys0(0x40000000 + 500), ENOSYS);
}

void t_proc(int argc, char **argv, char **envp)
{
	g_argc = argc;
	g_argv = argv;
	g_envp = envp;
	t_proc_args();
	t_proc_auxv();
	t_proc_ids();
	t_proc_arch_prctl();
	t_proc_uname();
	t_proc_time();
	t_proc_random();
	t_proc_limits();
	t_proc_sched();
	t_proc_prctl();
	t_proc_enosys();
}

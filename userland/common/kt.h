/* kt.h: the tiny test harness shared by Keel's in-guest C programs.
 *
 * Every check prints one line, `PASS name` or `FAIL name: expected X got Y`, and a program ends
 * with kt_finish(), which prints exactly `N passed, N failed` and then:
 *   - as PID 1: sync() and reboot(LINUX_REBOOT_CMD_POWER_OFF), so Linux does not panic and QEMU
 *     exits; unless the environment has keel_pid1_exit=1, in which case PID 1 exits with the
 *     status like any process (for a kernel that reports PID 1's exit status itself);
 *   - otherwise: exit(0) if nothing failed, else exit(1).
 * Syscalls under test go through kt_sys(), a raw `syscall` instruction returning -errno, so that
 * libc neither touches the arguments nor sets errno (libc would fault first on a bad pointer).
 * Header-only on purpose: each program includes it once.
 */
#ifndef KT_H
#define KT_H

#define _GNU_SOURCE
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/reboot.h>
#include <unistd.h>

static int kt_passed, kt_failed;

static inline long kt_sys6(long n, long a, long b, long c, long d, long e, long f)
{
	long ret;
	register long r10 __asm__("r10") = d;
	register long r8 __asm__("r8") = e;
	register long r9 __asm__("r9") = f;
	__asm__ volatile("syscall"
			 : "=a"(ret)
			 : "a"(n), "D"(a), "S"(b), "d"(c), "r"(r10), "r"(r8), "r"(r9)
			 : "rcx", "r11", "memory");
	return ret;
}
#define KT_ARG(x) ((long)(x))
#define kt_sys0(n) kt_sys6(n, 0, 0, 0, 0, 0, 0)
#define kt_sys1(n, a) kt_sys6(n, KT_ARG(a), 0, 0, 0, 0, 0)
#define kt_sys2(n, a, b) kt_sys6(n, KT_ARG(a), KT_ARG(b), 0, 0, 0, 0)
#define kt_sys3(n, a, b, c) kt_sys6(n, KT_ARG(a), KT_ARG(b), KT_ARG(c), 0, 0, 0)
#define kt_sys4(n, a, b, c, d) kt_sys6(n, KT_ARG(a), KT_ARG(b), KT_ARG(c), KT_ARG(d), 0, 0)
#define kt_sys5(n, a, b, c, d, e) \
	kt_sys6(n, KT_ARG(a), KT_ARG(b), KT_ARG(c), KT_ARG(d), KT_ARG(e), 0)

/* Call once at the top of main: line-buffer stdout so PASS lines reach a pipe or the console in
 * order, and before an execve replaces the process. */
static void kt_init(void)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
}

static void kt_pass(const char *name)
{
	kt_passed++;
	printf("PASS %s\n", name);
}

static void kt_fail(const char *name, const char *fmt, ...)
{
	va_list ap;
	kt_failed++;
	printf("FAIL %s: ", name);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
}

/* errno names for messages (musl has no strerrorname_np). */
static const char *kt_errname(int e)
{
	static const char *names[] = {
		[EPERM] = "EPERM", [ENOENT] = "ENOENT", [ESRCH] = "ESRCH", [EINTR] = "EINTR",
		[EIO] = "EIO", [ENXIO] = "ENXIO", [E2BIG] = "E2BIG", [ENOEXEC] = "ENOEXEC",
		[EBADF] = "EBADF", [ECHILD] = "ECHILD", [EAGAIN] = "EAGAIN", [ENOMEM] = "ENOMEM",
		[EACCES] = "EACCES", [EFAULT] = "EFAULT", [EBUSY] = "EBUSY", [EEXIST] = "EEXIST",
		[EXDEV] = "EXDEV", [ENODEV] = "ENODEV", [ENOTDIR] = "ENOTDIR", [EISDIR] = "EISDIR",
		[EINVAL] = "EINVAL", [ENFILE] = "ENFILE", [EMFILE] = "EMFILE", [ENOTTY] = "ENOTTY",
		[ETXTBSY] = "ETXTBSY", [EFBIG] = "EFBIG", [ENOSPC] = "ENOSPC", [ESPIPE] = "ESPIPE",
		[EROFS] = "EROFS", [EMLINK] = "EMLINK", [EPIPE] = "EPIPE", [EDOM] = "EDOM",
		[ERANGE] = "ERANGE", [ENAMETOOLONG] = "ENAMETOOLONG", [ENOSYS] = "ENOSYS",
		[ENOTEMPTY] = "ENOTEMPTY", [ELOOP] = "ELOOP", [EOVERFLOW] = "EOVERFLOW",
	};
	if (e > 0 && e < (int)(sizeof names / sizeof names[0]) && names[e])
		return names[e];
	return NULL;
}

/* Renders a raw syscall result: "-ENOENT" style for errors, the number otherwise. */
static const char *kt_res(long r)
{
	static char buf[8][48];
	static int slot;
	char *b = buf[slot++ % 8];
	if (r < 0 && r > -4096) {
		const char *n = kt_errname((int)-r);
		if (n)
			snprintf(b, sizeof buf[0], "-%s", n);
		else
			snprintf(b, sizeof buf[0], "-errno %ld", -r);
	} else {
		snprintf(b, sizeof buf[0], "%ld (%#lx)", r, r);
	}
	return b;
}

/* Expect a raw result equal to -err. */
static void kt_expect_err(const char *name, long r, int err)
{
	if (r == -err)
		kt_pass(name);
	else
		kt_fail(name, "expected %s got %s", kt_res(-err), kt_res(r));
}

/* Expect a raw result that is not an error (>= 0 or a high address from mmap). */
static long kt_expect_ok(const char *name, long r)
{
	if (r < 0 && r > -4096)
		kt_fail(name, "expected success got %s", kt_res(r));
	else
		kt_pass(name);
	return r;
}

static void kt_expect_eq(const char *name, long got, long want)
{
	if (got == want)
		kt_pass(name);
	else
		kt_fail(name, "expected %s got %s", kt_res(want), kt_res(got));
}

static void kt_expect_true(const char *name, int cond, const char *what)
{
	if (cond)
		kt_pass(name);
	else
		kt_fail(name, "expected %s", what);
}

/* Print the summary and end the program (see the header comment). */
static __attribute__((noreturn)) void kt_finish(void)
{
	int status = kt_failed ? 1 : 0;
	printf("%d passed, %d failed\n", kt_passed, kt_failed);
	fflush(stdout);
	if (getpid() == 1) {
		const char *e = getenv("keel_pid1_exit");
		if (e && strcmp(e, "1") == 0) {
			printf("keel-test: PID 1 exiting with status %d\n", status);
			fflush(stdout);
			_exit(status);
		}
		printf("keel-test: PID 1 done (status %d), powering off\n", status);
		fflush(stdout);
		sync();
		reboot(RB_POWER_OFF);
		printf("keel-test: reboot(POWER_OFF) returned: %s\n", strerror(errno));
		fflush(stdout);
	}
	_exit(status);
}

/* Whether GROUP is asked for: named among the arguments (those that are not options or
 * key=value words), or every group when none is named. */
static int kt_group_wanted(int argc, char **argv, const char *group)
{
	int any = 0;
	for (int i = 1; i < argc; i++) {
		if (argv[i][0] == '-' || strchr(argv[i], '='))
			continue;
		any = 1;
		if (strcmp(argv[i], group) == 0)
			return 1;
	}
	return !any;
}

#endif

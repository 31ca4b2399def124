/* t_efault.c: every implemented syscall that takes a pointer, given each bad pointer in turn
 * (NULL, two kernel addresses, an unmapped page, a PROT_NONE page), returns EFAULT and the kernel
 * keeps running. One table row per (syscall, pointer argument); BAD marks the argument that gets
 * the bad pointer. Rows whose NULL means "absent" (an optional out-parameter) skip NULL. */
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <termios.h>
#include <time.h>
#include <asm/prctl.h>
#include <sys/prctl.h>

#include "conformance.h"

#define BAD 0x0badbad0badbad0L /* placeholder replaced by the bad pointer */

struct row {
	const char *name;
	long nr;
	long a[6];
	int null_ok; /* NULL is a valid "not given" here: skip the NULL case */
};

static void bad_ptrs_init(void)
{
	/* [p: read-write][p+4K: PROT_NONE][p+8K: unmapped] */
	long p = kt_sys6(SYS_mmap, 0, 3 * 4096, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	kt_sys2(SYS_munmap, p + 8192, 4096);
	kt_sys3(SYS_mprotect, p + 4096, 4096, PROT_NONE);
	bad_ptr[BAD_UNMAPPED] = p + 8192;
	bad_ptr[BAD_PROTNONE] = p + 4096;
}

void t_efault(void)
{
	bad_ptrs_init();
	long file = kt_sys2(SYS_open, HELLO_TXT, O_RDONLY);
	long con = kt_sys2(SYS_open, "/dev/console", O_RDWR | O_NOCTTY);
	char buf[256];
	struct iovec badiov[1] = { { (void *)BAD, 16 } };
	unsigned long set = 0;
	char *bad_argv[2] = { (char *)BAD, 0 };
	char *argv[2] = { (char *)EXEC_CHECK, 0 };
	struct row rows[] = {
		{ "read", SYS_read, { file, BAD, 16 } },
		{ "write", SYS_write, { 1, BAD, 16 } },
		{ "readv-iov", SYS_readv, { file, BAD, 1 } },
		{ "readv-iov-base", SYS_readv, { file, (long)badiov, 1 } },
		{ "writev-iov", SYS_writev, { 1, BAD, 1 } },
		{ "writev-iov-base", SYS_writev, { 1, (long)badiov, 1 } },
		{ "pread64", SYS_pread64, { file, BAD, 16, 0 } },
		{ "open-path", SYS_open, { BAD, O_RDONLY } },
		{ "openat-path", SYS_openat, { AT_FDCWD, BAD, O_RDONLY } },
		{ "fstat", SYS_fstat, { file, BAD } },
		{ "newfstatat-path", SYS_newfstatat, { AT_FDCWD, BAD, (long)buf, 0 } },
		{ "newfstatat-buf", SYS_newfstatat, { AT_FDCWD, (long)HELLO_TXT, BAD, 0 } },
		{ "newfstatat-empty-path-buf", SYS_newfstatat, { file, (long)"", BAD, AT_EMPTY_PATH } },
		{ "ioctl-TCGETS", SYS_ioctl, { con, TCGETS, BAD } },
		{ "ioctl-TIOCGWINSZ", SYS_ioctl, { con, TIOCGWINSZ, BAD } },
		{ "arch_prctl-GET_FS", SYS_arch_prctl, { ARCH_GET_FS, BAD } },
		{ "uname", SYS_uname, { BAD } },
		{ "clock_gettime", SYS_clock_gettime, { CLOCK_MONOTONIC, BAD } },
		{ "clock_getres", SYS_clock_getres, { CLOCK_MONOTONIC, BAD }, 1 },
		{ "gettimeofday", SYS_gettimeofday, { BAD, 0 }, 1 },
		{ "nanosleep-req", SYS_nanosleep, { BAD, 0 } },
		{ "clock_nanosleep-req", SYS_clock_nanosleep, { CLOCK_MONOTONIC, 0, BAD, 0 } },
		{ "getrandom", SYS_getrandom, { BAD, 16, GRND_NONBLOCK } },
		{ "prlimit64-new", SYS_prlimit64, { 0, RLIMIT_NOFILE, BAD, 0 }, 1 },
		{ "prlimit64-old", SYS_prlimit64, { 0, RLIMIT_NOFILE, 0, BAD }, 1 },
		{ "sched_getaffinity", SYS_sched_getaffinity, { 0, 64, BAD } },
		{ "prctl-SET_NAME", SYS_prctl, { PR_SET_NAME, BAD } },
		{ "prctl-GET_NAME", SYS_prctl, { PR_GET_NAME, BAD } },
		{ "poll", SYS_poll, { BAD, 1, 0 } },
		{ "rt_sigaction-act", SYS_rt_sigaction, { SIGUSR1, BAD, 0, 8 }, 1 },
		{ "rt_sigaction-oldact", SYS_rt_sigaction, { SIGUSR1, 0, BAD, 8 }, 1 },
		{ "rt_sigprocmask-set", SYS_rt_sigprocmask, { SIG_BLOCK, BAD, 0, 8 }, 1 },
		{ "rt_sigprocmask-oldset", SYS_rt_sigprocmask, { SIG_BLOCK, (long)&set, BAD, 8 }, 1 },
		{ "sigaltstack-ss", SYS_sigaltstack, { BAD, 0 }, 1 },
		{ "sigaltstack-old", SYS_sigaltstack, { 0, BAD }, 1 },
		{ "mkdir", SYS_mkdir, { BAD, 0755 } },
		{ "mkdirat", SYS_mkdirat, { AT_FDCWD, BAD, 0755 } },
		{ "rmdir", SYS_rmdir, { BAD } },
		{ "unlink", SYS_unlink, { BAD } },
		{ "unlinkat", SYS_unlinkat, { AT_FDCWD, BAD, 0 } },
		{ "rename-old", SYS_rename, { BAD, (long)"/tmp/efault-new" } },
		{ "rename-new", SYS_rename, { (long)"/tmp/efault-none", BAD } },
		{ "renameat2-new", SYS_renameat2, { AT_FDCWD, (long)"/tmp/efault-none", AT_FDCWD, BAD, 0 } },
		{ "link-old", SYS_link, { BAD, (long)"/tmp/efault-new" } },
		{ "link-new", SYS_link, { (long)HELLO_TXT, BAD } },
		{ "linkat-new", SYS_linkat, { AT_FDCWD, (long)HELLO_TXT, AT_FDCWD, BAD, 0 } },
		{ "symlink-target", SYS_symlink, { BAD, (long)"/tmp/efault-new" } },
		{ "symlinkat-path", SYS_symlinkat, { (long)"x", AT_FDCWD, BAD } },
		{ "readlink-buf", SYS_readlink, { (long)FIX "link-to-hello", BAD, 16 } },
		{ "chown", SYS_chown, { BAD, 0, 0 } },
		{ "lchown", SYS_lchown, { BAD, 0, 0 } },
		{ "fchownat", SYS_fchownat, { AT_FDCWD, BAD, 0, 0, 0 } },
		{ "chmod", SYS_chmod, { BAD, 0644 } },
		{ "utimensat-path", SYS_utimensat, { AT_FDCWD, BAD, 0, 0 } },
		{ "utimensat-times", SYS_utimensat, { AT_FDCWD, (long)HELLO_TXT, BAD, 0 }, 1 },
		{ "utimes-times", SYS_utimes, { (long)HELLO_TXT, BAD }, 1 },
		{ "mknod", SYS_mknod, { BAD, S_IFIFO | 0600, 0 } },
		{ "mknodat", SYS_mknodat, { AT_FDCWD, BAD, S_IFIFO | 0600, 0 } },
		{ "access", SYS_access, { BAD, 0 } },
		{ "faccessat2", SYS_faccessat2, { AT_FDCWD, BAD, 0, 0 } },
		{ "chdir", SYS_chdir, { BAD } },
		{ "chroot", SYS_chroot, { BAD } },
		{ "truncate", SYS_truncate, { BAD, 0 } },
		{ "getcwd", SYS_getcwd, { BAD, 256 } },
		{ "statfs-path", SYS_statfs, { BAD, (long)buf } },
		{ "statfs-buf", SYS_statfs, { (long)"/", BAD } },
		{ "fstatfs-buf", SYS_fstatfs, { file, BAD } },
		{ "fcntl-F_GETLK", SYS_fcntl, { file, F_GETLK, BAD } },
		{ "fcntl-F_SETLK", SYS_fcntl, { file, F_SETLK, BAD } },
		{ "fcntl-F_OFD_GETLK", SYS_fcntl, { file, 36, BAD } },
		{ "mount-target", SYS_mount, { (long)"none", BAD, (long)"tmpfs", 0, 0 } },
		{ "mount-type", SYS_mount, { (long)"none", (long)"/tmp", BAD, 0, 0 }, 1 },
		{ "mount-source", SYS_mount, { BAD, (long)"/tmp", (long)"tmpfs", 0, 0 }, 1 },
		{ "umount2", SYS_umount2, { BAD, 0 } },
		{ "setgroups", SYS_setgroups, { 1, BAD } },
		{ "execve-path", SYS_execve, { BAD, (long)argv, 0 } },
		{ "execve-argv", SYS_execve, { (long)EXEC_CHECK, BAD, 0 }, 1 },
		/* argv = { NULL } is a valid empty argv, so no NULL case here */
		{ "execve-argv-string", SYS_execve, { (long)EXEC_CHECK, (long)bad_argv, 0 }, 1 },
		{ "execve-envp", SYS_execve, { (long)EXEC_CHECK, (long)argv, BAD }, 1 },
	};
	for (unsigned i = 0; i < sizeof rows / sizeof rows[0]; i++) {
		struct row *w = &rows[i];
		for (int b = 0; b < BAD_COUNT; b++) {
			long a[6];
			char name[96];
			if (b == BAD_NULL && w->null_ok)
				continue;
			for (int k = 0; k < 6; k++)
				a[k] = w->a[k] == BAD ? bad_ptr[b] : w->a[k];
			badiov[0].iov_base = (void *)bad_ptr[b];
			bad_argv[0] = (char *)bad_ptr[b];
			snprintf(name, sizeof name, "efault.%s-%s", w->name, bad_name[b]);
			long r = kt_sys6(w->nr, a[0], a[1], a[2], a[3], a[4], a[5]);
			kt_expect_err(name, r, EFAULT);
		}
	}
	/* Reading into a buffer that starts fine and runs into a bad page is a short read on Linux
	 * (bytes copied before the fault), never a crash. */
	long r = kt_sys4(SYS_pread64, file, bad_ptr[BAD_PROTNONE] - 4, 16, 0);
	kt_expect_true("efault.pread64-straddling-short", r == 4 || r == -EFAULT,
		       "4 (short read) or -EFAULT");
	kt_sys1(SYS_close, file);
	kt_sys1(SYS_close, con);
}

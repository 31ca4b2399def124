/* t_locks.c: FIFOs made with mknod/mknodat (Linux's open rules: O_RDWR never waits, a
 * non-blocking writer without a reader gets ENXIO, a blocking reader waits for a writer), the
 * other mknod types and errors, flock(2) between open file descriptions, and fcntl record locks:
 * F_OFD_* between two descriptions of one process, F_SETLK/F_GETLK/F_SETLKW between a parent
 * and a forked child. Works in /tmp/kl. */
#include <fcntl.h>
#include <signal.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <time.h>

#include "conformance.h"

#define KL "/tmp/kl"

#ifndef F_OFD_GETLK
#define F_OFD_GETLK 36
#define F_OFD_SETLK 37
#define F_OFD_SETLKW 38
#endif

static void locks_sleep_ms(long ms)
{
	struct timespec t = { ms / 1000, (ms % 1000) * 1000000L };
	kt_sys2(SYS_nanosleep, &t, 0);
}

/* Waits for child `pid` and returns its exit status (or -1). */
static int locks_wait(long pid)
{
	int status = 0;
	if (kt_sys4(SYS_wait4, pid, &status, 0, 0) != pid)
		return -1;
	return WIFEXITED(status) ? WEXITSTATUS(status) : 100 + WTERMSIG(status);
}

static void locks_fifo(void)
{
	struct stat st;
	char buf[16];
	kt_expect_eq("fifo.mknod", kt_sys3(SYS_mknod, KL "/fifo", S_IFIFO | 0666, 0), 0);
	kt_expect_eq("fifo.stat", kt_sys2(SYS_stat, KL "/fifo", &st), 0);
	kt_expect_true("fifo.stat-is-fifo-0644", S_ISFIFO(st.st_mode) && (st.st_mode & 0777) == 0644,
		       "a FIFO with mode 0666 minus umask 022");
	kt_expect_err("fifo.mknod-exists-EEXIST", kt_sys3(SYS_mknod, KL "/fifo", S_IFIFO | 0600, 0),
		      EEXIST);
	kt_expect_err("fifo.nonblocking-writer-without-reader-ENXIO",
		      kt_sys2(SYS_open, KL "/fifo", O_WRONLY | O_NONBLOCK), ENXIO);
	long r = kt_sys2(SYS_open, KL "/fifo", O_RDONLY | O_NONBLOCK);
	kt_expect_ok("fifo.nonblocking-reader-opens", r);
	kt_expect_eq("fifo.read-without-writer-eof", kt_sys3(SYS_read, r, buf, sizeof buf), 0);
	long w = kt_sys2(SYS_open, KL "/fifo", O_WRONLY | O_NONBLOCK);
	kt_expect_ok("fifo.nonblocking-writer-with-reader-opens", w);
	kt_expect_eq("fifo.write", kt_sys3(SYS_write, w, "hello", 5), 5);
	memset(buf, 0, sizeof buf);
	kt_expect_eq("fifo.read", kt_sys3(SYS_read, r, buf, sizeof buf), 5);
	kt_expect_true("fifo.read-data", !memcmp(buf, "hello", 5), "\"hello\"");
	kt_expect_err("fifo.lseek-ESPIPE", kt_sys3(SYS_lseek, r, 0, SEEK_SET), ESPIPE);
	kt_expect_err("fifo.pread-ESPIPE", kt_sys4(SYS_pread64, r, buf, 1, 0), ESPIPE);
	kt_sys2(SYS_fstat, r, &st);
	kt_expect_true("fifo.fstat-is-fifo", S_ISFIFO(st.st_mode), "S_ISFIFO");
	kt_sys1(SYS_close, w);
	kt_expect_eq("fifo.eof-after-writer-closes", kt_sys3(SYS_read, r, buf, sizeof buf), 0);
	kt_sys1(SYS_close, r);
	long rw = kt_sys2(SYS_open, KL "/fifo", O_RDWR);
	kt_expect_ok("fifo.rdwr-never-waits", rw);
	kt_expect_eq("fifo.rdwr-write", kt_sys3(SYS_write, rw, "xy", 2), 2);
	kt_expect_eq("fifo.rdwr-read", kt_sys3(SYS_read, rw, buf, sizeof buf), 2);
	kt_sys1(SYS_close, rw);
	rw = kt_sys2(SYS_open, KL "/fifo", O_RDWR | O_NONBLOCK);
	kt_expect_err("fifo.content-gone-with-last-close-EAGAIN",
		      kt_sys3(SYS_read, rw, buf, sizeof buf), EAGAIN);
	kt_sys1(SYS_close, rw);

	/* A blocking reader waits until a writer opens (the child, 50 ms later). */
	fflush(stdout);
	long pid = kt_sys0(SYS_fork);
	if (pid == 0) {
		locks_sleep_ms(50);
		long cw = kt_sys2(SYS_open, KL "/fifo", O_WRONLY);
		kt_sys3(SYS_write, cw, "child", 5);
		_exit(cw >= 0 ? 0 : 1);
	}
	r = kt_sys2(SYS_open, KL "/fifo", O_RDONLY);
	kt_expect_ok("fifo.blocking-reader-gets-writer", r);
	memset(buf, 0, sizeof buf);
	kt_expect_eq("fifo.blocking-read-child-data", kt_sys3(SYS_read, r, buf, 5), 5);
	kt_expect_eq("fifo.child-writer-ok", locks_wait(pid), 0);
	kt_sys1(SYS_close, r);

	long dfd = kt_sys3(SYS_open, KL, O_RDONLY | O_DIRECTORY, 0);
	kt_expect_eq("fifo.mknodat", kt_sys4(SYS_mknodat, dfd, "fifo2", S_IFIFO | 0600, 0), 0);
	kt_expect_eq("mknod.regular-file", kt_sys4(SYS_mknodat, dfd, "reg", 0600, 0), 0);
	kt_sys2(SYS_stat, KL "/reg", &st);
	kt_expect_true("mknod.regular-file-is-regular", S_ISREG(st.st_mode) && st.st_size == 0,
		       "an empty regular file");
	kt_expect_eq("mknod.char-device-as-root",
		     kt_sys4(SYS_mknodat, dfd, "null", S_IFCHR | 0666, makedev(1, 3)), 0);
	kt_sys2(SYS_stat, KL "/null", &st);
	kt_expect_true("mknod.char-device-rdev", S_ISCHR(st.st_mode) && st.st_rdev == makedev(1, 3),
		       "character device 1:3");
	long n = kt_sys2(SYS_open, KL "/null", O_WRONLY);
	kt_expect_eq("mknod.char-device-opens-driver", kt_sys3(SYS_write, n, "gone", 4), 4);
	kt_sys1(SYS_close, n);
	kt_expect_err("mknod.dir-EPERM", kt_sys4(SYS_mknodat, dfd, "d", S_IFDIR | 0700, 0), EPERM);
	kt_expect_err("mknod.symlink-EINVAL", kt_sys4(SYS_mknodat, dfd, "l", S_IFLNK | 0700, 0),
		      EINVAL);
	kt_expect_err("mknod.bad-type-EINVAL", kt_sys4(SYS_mknodat, dfd, "b", 0170000, 0), EINVAL);
	kt_expect_err("mknod.dir-before-bad-pointer-EPERM", kt_sys3(SYS_mknod, 8, S_IFDIR | 0700, 0),
		      EPERM);
	kt_expect_err("mknod.dir-before-path-EPERM",
		      kt_sys4(SYS_mknodat, dfd, "none/x", S_IFDIR | 0700, 0), EPERM);
	kt_expect_err("mknod.missing-parent-ENOENT",
		      kt_sys4(SYS_mknodat, dfd, "none/x", S_IFIFO | 0700, 0), ENOENT);
	kt_expect_eq("mknod.socket", kt_sys4(SYS_mknodat, dfd, "sock", S_IFSOCK | 0700, 0), 0);
	kt_expect_err("mknod.open-socket-ENXIO", kt_sys2(SYS_open, KL "/sock", O_RDONLY), ENXIO);
	kt_sys1(SYS_close, dfd);
}

static void locks_flock(void)
{
	long a = kt_sys3(SYS_open, KL "/lockfile", O_RDWR | O_CREAT, 0644);
	long b = kt_sys2(SYS_open, KL "/lockfile", O_RDONLY);
	kt_expect_eq("flock.shared-a", kt_sys2(SYS_flock, a, LOCK_SH), 0);
	kt_expect_eq("flock.shared-b", kt_sys2(SYS_flock, b, LOCK_SH | LOCK_NB), 0);
	kt_expect_err("flock.exclusive-conflict-EWOULDBLOCK",
		      kt_sys2(SYS_flock, b, LOCK_EX | LOCK_NB), EWOULDBLOCK);
	kt_expect_eq("flock.a-converts-after-b-lost-its-lock", kt_sys2(SYS_flock, a, LOCK_EX | LOCK_NB),
		     0);
	kt_expect_err("flock.shared-vs-exclusive-EWOULDBLOCK",
		      kt_sys2(SYS_flock, b, LOCK_SH | LOCK_NB), EWOULDBLOCK);
	long d = kt_sys1(SYS_dup, a);
	kt_expect_eq("flock.dup-shares-the-lock", kt_sys2(SYS_flock, d, LOCK_EX | LOCK_NB), 0);
	kt_sys1(SYS_close, a);
	kt_expect_err("flock.held-while-a-dup-is-open",
		      kt_sys2(SYS_flock, b, LOCK_EX | LOCK_NB), EWOULDBLOCK);
	kt_sys1(SYS_close, d);
	kt_expect_eq("flock.released-by-last-close", kt_sys2(SYS_flock, b, LOCK_EX | LOCK_NB), 0);
	kt_expect_eq("flock.unlock", kt_sys2(SYS_flock, b, LOCK_UN), 0);
	kt_expect_eq("flock.unlock-again", kt_sys2(SYS_flock, b, LOCK_UN), 0);
	kt_expect_err("flock.bad-op-EINVAL", kt_sys2(SYS_flock, b, 0), EINVAL);
	kt_expect_err("flock.bad-op-before-bad-fd-EINVAL", kt_sys2(SYS_flock, 999, 3), EINVAL);
	kt_expect_err("flock.bad-fd-EBADF", kt_sys2(SYS_flock, 999, LOCK_SH), EBADF);
	long p = kt_sys2(SYS_open, KL "/lockfile", O_PATH);
	kt_expect_err("flock.opath-EBADF", kt_sys2(SYS_flock, p, LOCK_SH), EBADF);
	kt_sys1(SYS_close, p);

	/* A blocking flock waits for the child's lock to go. */
	kt_sys2(SYS_flock, b, LOCK_UN);
	fflush(stdout);
	long pid = kt_sys0(SYS_fork);
	if (pid == 0) {
		long c = kt_sys2(SYS_open, KL "/lockfile", O_RDONLY);
		kt_sys2(SYS_flock, c, LOCK_EX);
		kt_sys3(SYS_open, KL "/child-locked", O_CREAT | O_WRONLY, 0644);
		locks_sleep_ms(60);
		_exit(0);
	}
	struct stat st;
	for (int i = 0; i < 200 && kt_sys2(SYS_stat, KL "/child-locked", &st) != 0; i++)
		locks_sleep_ms(5);
	kt_expect_err("flock.child-holds-EWOULDBLOCK", kt_sys2(SYS_flock, b, LOCK_SH | LOCK_NB),
		      EWOULDBLOCK);
	kt_expect_eq("flock.blocking-waits-for-child-exit", kt_sys2(SYS_flock, b, LOCK_SH), 0);
	kt_expect_eq("flock.child-ok", locks_wait(pid), 0);
	kt_sys1(SYS_close, b);
}

static long locks_fcntl(long fd, int cmd, short type, long start, long len, struct flock *out)
{
	struct flock fl;
	memset(&fl, 0, sizeof fl);
	fl.l_type = type;
	fl.l_whence = SEEK_SET;
	fl.l_start = start;
	fl.l_len = len;
	long r = kt_sys3(SYS_fcntl, fd, cmd, &fl);
	if (out)
		*out = fl;
	return r;
}

static void locks_records(void)
{
	struct flock fl;
	long a = kt_sys3(SYS_open, KL "/records", O_RDWR | O_CREAT, 0644);
	long b = kt_sys2(SYS_open, KL "/records", O_RDWR);
	long ro = kt_sys2(SYS_open, KL "/records", O_RDONLY);
	kt_expect_eq("fcntl.ofd-setlk-write", locks_fcntl(a, F_OFD_SETLK, F_WRLCK, 0, 10, 0), 0);
	kt_expect_err("fcntl.ofd-conflict-EAGAIN", locks_fcntl(b, F_OFD_SETLK, F_RDLCK, 5, 1, 0),
		      EAGAIN);
	kt_expect_eq("fcntl.ofd-no-conflict-past-range", locks_fcntl(b, F_OFD_SETLK, F_RDLCK, 10, 5, 0),
		     0);
	kt_expect_eq("fcntl.ofd-getlk", locks_fcntl(b, F_OFD_GETLK, F_WRLCK, 0, 0, &fl), 0);
	kt_expect_true("fcntl.ofd-getlk-reports-conflict",
		       fl.l_type == F_WRLCK && fl.l_start == 0 && fl.l_len == 10 && fl.l_pid == -1 &&
			       fl.l_whence == SEEK_SET,
		       "a write lock on 0..9 with l_pid -1");
	kt_expect_err("fcntl.ofd-nonzero-pid-EINVAL", ({
			      struct flock x = { .l_type = F_RDLCK, .l_whence = SEEK_SET,
						 .l_start = 0, .l_len = 1, .l_pid = 1 };
			      kt_sys3(SYS_fcntl, b, F_OFD_SETLK, &x);
		      }), EINVAL);
	kt_expect_eq("fcntl.ofd-unlock", locks_fcntl(a, F_OFD_SETLK, F_UNLCK, 0, 0, 0), 0);
	kt_expect_eq("fcntl.ofd-getlk-after-unlock", locks_fcntl(a, F_OFD_GETLK, F_WRLCK, 0, 5, &fl), 0);
	kt_expect_eq("fcntl.ofd-getlk-unlck", fl.l_type, F_UNLCK);
	kt_expect_eq("fcntl.ofd-getlk-b-read-lock",
		     (locks_fcntl(a, F_OFD_GETLK, F_WRLCK, 0, 0, &fl), fl.l_start), 10);
	kt_sys1(SYS_close, b);
	kt_expect_eq("fcntl.ofd-lock-gone-with-close",
		     (locks_fcntl(a, F_OFD_GETLK, F_WRLCK, 0, 0, &fl), fl.l_type), F_UNLCK);

	/* POSIX locks: one process never conflicts with itself. */
	kt_expect_eq("fcntl.setlk-write", locks_fcntl(a, F_SETLK, F_WRLCK, 0, 100, 0), 0);
	kt_expect_eq("fcntl.setlk-same-process-read", locks_fcntl(ro, F_SETLK, F_RDLCK, 50, 10, 0), 0);
	kt_expect_eq("fcntl.getlk-own-locks-unlck",
		     (locks_fcntl(a, F_GETLK, F_WRLCK, 0, 0, &fl), fl.l_type), F_UNLCK);
	kt_expect_err("fcntl.setlk-write-on-readonly-EBADF",
		      locks_fcntl(ro, F_SETLK, F_WRLCK, 0, 1, 0), EBADF);
	kt_expect_err("fcntl.setlk-bad-type-EINVAL", locks_fcntl(a, F_SETLK, 7, 0, 1, 0), EINVAL);
	kt_expect_err("fcntl.getlk-unlck-EINVAL", locks_fcntl(a, F_GETLK, F_UNLCK, 0, 1, 0), EINVAL);
	kt_expect_err("fcntl.setlk-negative-start-EINVAL", locks_fcntl(a, F_SETLK, F_RDLCK, -5, 1, 0),
		      EINVAL);
	kt_expect_err("fcntl.setlk-bad-whence-EINVAL", ({
			      struct flock x = { .l_type = F_RDLCK, .l_whence = 9 };
			      kt_sys3(SYS_fcntl, a, F_SETLK, &x);
		      }), EINVAL);
	kt_expect_err("fcntl.getlk-bad-pointer-EFAULT", kt_sys3(SYS_fcntl, a, F_GETLK, 8), EFAULT);
	long pf = kt_sys2(SYS_open, KL "/records", O_PATH);
	kt_expect_err("fcntl.setlk-opath-EBADF", locks_fcntl(pf, F_SETLK, F_RDLCK, 0, 1, 0), EBADF);
	kt_sys1(SYS_close, pf);

	/* Against a child: the parent write-locks 0..99 (the read lock at 50..59 replaced part of
	 * it: the process holds 0..49 write, 50..59 read, 60..99 write). */
	long parent = kt_sys0(SYS_getpid);
	int pipefd[2];
	kt_sys1(SYS_pipe, pipefd);
	fflush(stdout);
	long pid = kt_sys0(SYS_fork);
	if (pid == 0) {
		struct flock c;
		int bad = 0;
		long fd = kt_sys2(SYS_open, KL "/records", O_RDWR);
		bad |= locks_fcntl(fd, F_SETLK, F_RDLCK, 0, 1, 0) != -EAGAIN;
		bad |= (locks_fcntl(fd, F_SETLK, F_RDLCK, 55, 1, 0) != 0) << 1;
		locks_fcntl(fd, F_GETLK, F_WRLCK, 0, 0, &c);
		bad |= !(c.l_type == F_WRLCK && c.l_pid == parent && c.l_start == 0 && c.l_len == 50)
		       << 2;
		locks_fcntl(fd, F_GETLK, F_WRLCK, 70, 1, &c);
		bad |= !(c.l_type == F_WRLCK && c.l_start == 60 && c.l_len == 40) << 3;
		kt_sys3(SYS_write, pipefd[1], "r", 1);
		/* Blocks until the parent unlocks. */
		bad |= (locks_fcntl(fd, F_SETLKW, F_WRLCK, 0, 10, 0) != 0) << 4;
		_exit(bad);
	}
	char ch;
	kt_sys3(SYS_read, pipefd[0], &ch, 1);
	locks_sleep_ms(30);
	kt_expect_eq("fcntl.child-sees-parent-read-lock-conflict",
		     (locks_fcntl(a, F_GETLK, F_WRLCK, 55, 1, &fl), fl.l_type), F_RDLCK);
	kt_expect_eq("fcntl.getlk-reports-child-pid", fl.l_pid, pid);
	kt_expect_eq("fcntl.close-of-any-fd-drops-posix-locks", kt_sys1(SYS_close, ro), 0);
	kt_expect_eq("fcntl.child-setlkw-woke-and-checks", locks_wait(pid), 0);
	kt_sys1(SYS_close, pipefd[0]);
	kt_sys1(SYS_close, pipefd[1]);
	kt_expect_eq("fcntl.child-locks-gone-at-exit",
		     (locks_fcntl(a, F_GETLK, F_WRLCK, 0, 0, &fl), fl.l_type), F_UNLCK);
	kt_sys1(SYS_close, a);
}

void t_locks(void)
{
	kt_sys1(SYS_unlink, KL "/fifo");
	kt_sys3(SYS_unlinkat, AT_FDCWD, KL, AT_REMOVEDIR);
	if (kt_sys2(SYS_mkdir, KL, 0755) != 0 && kt_sys2(SYS_access, KL, 0) != 0) {
		kt_fail("locks.setup", "cannot make " KL);
		return;
	}
	locks_fifo();
	locks_flock();
	locks_records();
	const char *names[] = { "fifo", "fifo2", "reg", "null", "sock", "lockfile", "child-locked",
				"records" };
	for (unsigned i = 0; i < sizeof names / sizeof names[0]; i++) {
		char p[64];
		snprintf(p, sizeof p, KL "/%s", names[i]);
		kt_sys1(SYS_unlink, p);
	}
	kt_expect_eq("locks.cleanup", kt_sys1(SYS_rmdir, KL), 0);
}

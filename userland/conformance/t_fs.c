/* t_fs.c: files and descriptors on the initrd tree: open/openat/read/write/readv/writev/lseek/
 * pread64/close/fstat/newfstatat/dup, path walk errors (ENOENT, ENOTDIR, ELOOP), EBADF, the
 * console's ioctls (TCGETS, TIOCGWINSZ) against ENOTTY elsewhere, /dev/null and /dev/zero, and
 * poll on descriptors. */
#include <fcntl.h>
#include <stdint.h>
#include <string.h>
#include <poll.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <termios.h>

#include "conformance.h"

static void t_fs_read(void)
{
	char buf[64];
	long n = sizeof HELLO_CONTENT - 1;
	long fd = kt_sys4(SYS_openat, AT_FDCWD, HELLO_TXT, O_RDONLY | O_CLOEXEC, 0);
	if (fd < 0) {
		kt_fail("fs.open-fixture", "expected an fd got %s", kt_res(fd));
		return;
	}
	kt_pass("fs.open-fixture");
	memset(buf, 0, sizeof buf);
	long r = kt_sys3(SYS_read, fd, buf, sizeof buf);
	kt_expect_eq("fs.read-whole-file-count", r, n);
	kt_expect_true("fs.read-whole-file-content", memcmp(buf, HELLO_CONTENT, n) == 0,
		       "the fixture's known text");
	kt_expect_eq("fs.read-at-eof-returns-0", kt_sys3(SYS_read, fd, buf, sizeof buf), 0);
	kt_expect_eq("fs.read-zero-bytes-null-buffer", kt_sys3(SYS_read, fd, 0, 0), 0);
	kt_expect_eq("fs.lseek-set", kt_sys3(SYS_lseek, fd, 6, SEEK_SET), 6);
	kt_expect_eq("fs.lseek-cur", kt_sys3(SYS_lseek, fd, 5, SEEK_CUR), 11);
	kt_expect_eq("fs.lseek-end", kt_sys3(SYS_lseek, fd, -3, SEEK_END), n - 3);
	kt_expect_err("fs.lseek-negative-EINVAL", kt_sys3(SYS_lseek, fd, -100, SEEK_SET), EINVAL);
	kt_expect_err("fs.lseek-bad-whence-EINVAL", kt_sys3(SYS_lseek, fd, 0, 77), EINVAL);
	kt_expect_eq("fs.lseek-past-end-allowed", kt_sys3(SYS_lseek, fd, 1000, SEEK_SET), 1000);
	kt_expect_eq("fs.read-past-end-returns-0", kt_sys3(SYS_read, fd, buf, 8), 0);

	memset(buf, 0, sizeof buf);
	kt_sys3(SYS_lseek, fd, 2, SEEK_SET);
	r = kt_sys4(SYS_pread64, fd, buf, 5, 6);
	kt_expect_true("fs.pread64-reads-at-offset", r == 5 && memcmp(buf, "from ", 5) == 0,
		       "5 bytes 'from '");
	kt_expect_eq("fs.pread64-keeps-offset", kt_sys3(SYS_lseek, fd, 0, SEEK_CUR), 2);
	kt_expect_err("fs.pread64-negative-offset-EINVAL", kt_sys4(SYS_pread64, fd, buf, 5, -1),
		      EINVAL);

	char a[5] = { 0 }, b[64] = { 0 };
	struct iovec iov[2] = { { a, 5 }, { b, sizeof b } };
	kt_sys3(SYS_lseek, fd, 0, SEEK_SET);
	r = kt_sys3(SYS_readv, fd, iov, 2);
	kt_expect_eq("fs.readv-count", r, n);
	kt_expect_true("fs.readv-scatters", memcmp(a, "Hello", 5) == 0 &&
			       memcmp(b, HELLO_CONTENT + 5, n - 5) == 0, "'Hello' then the rest");
	/* A piece reaching past user space fails the whole call before anything is read
	 * (import_iovec's access_ok), even when the pieces before it are good. */
	struct iovec past[2] = { { a, 5 }, { (void *)0x7ffffffff000UL, 0x2000 } };
	kt_sys3(SYS_lseek, fd, 0, SEEK_SET);
	kt_expect_err("fs.readv-piece-past-user-space-EFAULT", kt_sys3(SYS_readv, fd, past, 2), EFAULT);
	kt_expect_eq("fs.readv-EFAULT-reads-nothing", kt_sys3(SYS_lseek, fd, 0, SEEK_CUR), 0);
	kt_expect_err("fs.write-to-readonly-EBADF", kt_sys3(SYS_write, fd, "x", 1), EBADF);

	struct stat st, st2;
	kt_expect_eq("fs.fstat", kt_sys2(SYS_fstat, fd, &st), 0);
	kt_expect_true("fs.fstat-regular-file", S_ISREG(st.st_mode), "S_ISREG");
	kt_expect_eq("fs.fstat-size", st.st_size, n);
	kt_expect_eq("fs.fstat-mode-0644", st.st_mode & 07777, 0644);
	kt_expect_eq("fs.fstat-owner-root", st.st_uid, 0);
	kt_expect_eq("fs.newfstatat-empty-path",
		     kt_sys4(SYS_newfstatat, fd, "", &st2, AT_EMPTY_PATH), 0);
	kt_expect_true("fs.newfstatat-empty-path-same-inode",
		       st.st_ino == st2.st_ino && st.st_dev == st2.st_dev && st2.st_size == n,
		       "the fstat inode and size");
	kt_expect_err("fs.newfstatat-empty-path-without-flag-ENOENT",
		      kt_sys4(SYS_newfstatat, fd, "", &st2, 0), ENOENT);
	long dup = kt_sys1(SYS_dup, fd);
	kt_expect_ok("fs.dup", dup);
	kt_sys3(SYS_lseek, fd, 4, SEEK_SET);
	kt_expect_eq("fs.dup-shares-offset", kt_sys3(SYS_lseek, dup, 0, SEEK_CUR), 4);
	kt_expect_eq("fs.close-dup", kt_sys1(SYS_close, dup), 0);
	kt_expect_eq("fs.close", kt_sys1(SYS_close, fd), 0);
	kt_expect_err("fs.close-twice-EBADF", kt_sys1(SYS_close, fd), EBADF);
	kt_expect_err("fs.read-closed-EBADF", kt_sys3(SYS_read, fd, buf, 1), EBADF);
}

static void t_fs_paths(void)
{
	struct stat st;
	long dirfd = kt_sys4(SYS_openat, AT_FDCWD, FIX, O_RDONLY | O_DIRECTORY, 0);
	kt_expect_ok("fs.open-directory", dirfd);
	long fd = kt_sys4(SYS_openat, dirfd, "hello.txt", O_RDONLY, 0);
	kt_expect_ok("fs.openat-relative-to-dirfd", fd);
	kt_sys1(SYS_close, fd);
	kt_expect_eq("fs.newfstatat-relative", kt_sys4(SYS_newfstatat, dirfd, "hello.txt", &st, 0),
		     0);
	kt_expect_err("fs.openat-relative-to-file-ENOTDIR",
		      kt_sys4(SYS_openat, (fd = kt_sys2(SYS_open, HELLO_TXT, O_RDONLY)), "x",
			      O_RDONLY, 0), ENOTDIR);
	kt_sys1(SYS_close, fd);
	kt_sys1(SYS_close, dirfd);
	kt_expect_ok("fs.open-dotdot-path",
		     fd = kt_sys2(SYS_open, FIX "../keel-tests/./hello.txt", O_RDONLY));
	kt_sys1(SYS_close, fd);
	kt_expect_ok("fs.open-root-dotdot", fd = kt_sys2(SYS_open, "/../../usr", O_RDONLY));
	kt_sys1(SYS_close, fd);

	kt_expect_err("fs.open-missing-ENOENT", kt_sys2(SYS_open, FIX "no-such-file", O_RDONLY),
		      ENOENT);
	kt_expect_err("fs.open-missing-dir-ENOENT",
		      kt_sys2(SYS_open, FIX "no-such-dir/file", O_RDONLY), ENOENT);
	kt_expect_err("fs.open-empty-path-ENOENT", kt_sys2(SYS_open, "", O_RDONLY), ENOENT);
	kt_expect_err("fs.open-file-as-dir-ENOTDIR", kt_sys2(SYS_open, HELLO_TXT "/x", O_RDONLY),
		      ENOTDIR);
	kt_expect_err("fs.open-O_DIRECTORY-on-file-ENOTDIR",
		      kt_sys2(SYS_open, HELLO_TXT, O_RDONLY | O_DIRECTORY), ENOTDIR);
	kt_expect_err("fs.open-dir-for-write-EISDIR", kt_sys2(SYS_open, FIX, O_WRONLY), EISDIR);

	char buf[64] = { 0 };
	fd = kt_sys2(SYS_open, FIX "link-to-hello", O_RDONLY);
	kt_expect_true("fs.open-relative-symlink",
		       fd >= 0 && kt_sys3(SYS_read, fd, buf, sizeof buf) == sizeof HELLO_CONTENT - 1 &&
			       memcmp(buf, HELLO_CONTENT, sizeof HELLO_CONTENT - 1) == 0,
		       "the fixture's text through the link");
	kt_sys1(SYS_close, fd);
	fd = kt_sys2(SYS_open, FIX "abs-link-to-hello", O_RDONLY);
	kt_expect_ok("fs.open-absolute-symlink", fd);
	kt_sys1(SYS_close, fd);
	fd = kt_sys2(SYS_open, FIX "link-to-dir/hello.txt", O_RDONLY);
	kt_expect_ok("fs.open-through-dir-symlink", fd);
	kt_sys1(SYS_close, fd);
	kt_expect_eq("fs.stat-follows-symlink",
		     kt_sys4(SYS_newfstatat, AT_FDCWD, FIX "link-to-hello", &st, 0), 0);
	kt_expect_true("fs.stat-follows-symlink-regular", S_ISREG(st.st_mode), "S_ISREG");
	kt_expect_eq("fs.lstat-symlink", kt_sys4(SYS_newfstatat, AT_FDCWD, FIX "link-to-hello", &st,
						  AT_SYMLINK_NOFOLLOW), 0);
	kt_expect_true("fs.lstat-symlink-is-link",
		       S_ISLNK(st.st_mode) && st.st_size == (long)strlen("hello.txt"),
		       "S_ISLNK with size 9");
	kt_expect_err("fs.open-symlink-loop-ELOOP", kt_sys2(SYS_open, FIX "loop-a", O_RDONLY), ELOOP);
	kt_expect_err("fs.open-self-loop-ELOOP", kt_sys2(SYS_open, FIX "self-loop", O_RDONLY),
		      ELOOP);
	kt_expect_err("fs.stat-symlink-loop-ELOOP",
		      kt_sys4(SYS_newfstatat, AT_FDCWD, FIX "loop-b", &st, 0), ELOOP);
	kt_expect_err("fs.open-O_NOFOLLOW-symlink-ELOOP",
		      kt_sys2(SYS_open, FIX "link-to-hello", O_RDONLY | O_NOFOLLOW), ELOOP);
	kt_expect_err("fs.open-dangling-symlink-ENOENT",
		      kt_sys2(SYS_open, FIX "dangling", O_RDONLY), ENOENT);
}

static void t_fs_badfd(void)
{
	char c;
	struct stat st;
	kt_expect_err("fs.read-EBADF", kt_sys3(SYS_read, 999, &c, 1), EBADF);
	kt_expect_err("fs.write-EBADF", kt_sys3(SYS_write, -1, &c, 1), EBADF);
	kt_expect_err("fs.close-EBADF", kt_sys1(SYS_close, 999), EBADF);
	kt_expect_err("fs.fstat-EBADF", kt_sys2(SYS_fstat, 999, &st), EBADF);
	kt_expect_err("fs.lseek-EBADF", kt_sys3(SYS_lseek, 999, 0, SEEK_SET), EBADF);
	kt_expect_err("fs.ioctl-EBADF", kt_sys3(SYS_ioctl, 999, TCGETS, &st), EBADF);
	kt_expect_err("fs.openat-bad-dirfd-EBADF", kt_sys4(SYS_openat, 999, "x", O_RDONLY, 0),
		      EBADF);
	kt_expect_err("fs.newfstatat-empty-path-EBADF",
		      kt_sys4(SYS_newfstatat, 999, "", &st, AT_EMPTY_PATH), EBADF);
}

static void t_fs_devices(void)
{
	struct termios tio;
	struct winsize ws;
	struct stat st;
	char buf[32];
	long con = kt_sys2(SYS_open, "/dev/console", O_RDWR | O_NOCTTY);
	kt_expect_ok("dev.open-console", con);
	kt_expect_eq("dev.console-TCGETS", kt_sys3(SYS_ioctl, con, TCGETS, &tio), 0);
	kt_expect_eq("dev.console-TIOCGWINSZ", kt_sys3(SYS_ioctl, con, TIOCGWINSZ, &ws), 0);
	kt_expect_eq("dev.console-fstat", kt_sys2(SYS_fstat, con, &st), 0);
	kt_expect_true("dev.console-is-chardev", S_ISCHR(st.st_mode), "S_ISCHR");
	kt_expect_eq("dev.console-write", kt_sys3(SYS_write, con, "", 0), 0);
	kt_expect_err("dev.console-lseek-ESPIPE", kt_sys3(SYS_lseek, con, 0, SEEK_SET), ESPIPE);
	struct iovec iov[2] = { { "", 0 }, { "", 0 } };
	kt_expect_eq("dev.console-writev-empty", kt_sys3(SYS_writev, con, iov, 2), 0);
	kt_sys1(SYS_close, con);

	long fd = kt_sys2(SYS_open, HELLO_TXT, O_RDONLY);
	kt_expect_err("dev.TCGETS-on-regular-file-ENOTTY", kt_sys3(SYS_ioctl, fd, TCGETS, &tio),
		      ENOTTY);
	kt_expect_err("dev.TIOCGWINSZ-on-regular-file-ENOTTY",
		      kt_sys3(SYS_ioctl, fd, TIOCGWINSZ, &ws), ENOTTY);
	kt_sys1(SYS_close, fd);

	long null = kt_sys2(SYS_open, "/dev/null", O_RDWR);
	kt_expect_ok("dev.open-null", null);
	kt_expect_eq("dev.null-read-eof", kt_sys3(SYS_read, null, buf, sizeof buf), 0);
	kt_expect_eq("dev.null-write-swallows", kt_sys3(SYS_write, null, "abc", 3), 3);
	struct iovec wv[2] = { { "ab", 2 }, { "cde", 3 } };
	kt_expect_eq("dev.null-writev-total", kt_sys3(SYS_writev, null, wv, 2), 5);
	kt_expect_err("dev.null-TCGETS-ENOTTY", kt_sys3(SYS_ioctl, null, TCGETS, &tio), ENOTTY);
	kt_sys1(SYS_close, null);
	long zero = kt_sys2(SYS_open, "/dev/zero", O_RDONLY);
	memset(buf, 0x55, sizeof buf);
	long r = kt_sys3(SYS_read, zero, buf, sizeof buf);
	int allz = 1;
	for (unsigned i = 0; i < sizeof buf; i++)
		allz &= buf[i] == 0;
	kt_expect_true("dev.zero-reads-zeros", r == sizeof buf && allz, "32 zero bytes");
	kt_sys1(SYS_close, zero);
}

static void t_fs_poll(void)
{
	struct pollfd p[4] = { { 0, POLLIN, 0 }, { 1, POLLOUT, 0 }, { 2, POLLOUT, 0 },
			       { -1, POLLIN, 0 } };
	long r = kt_sys3(SYS_poll, p, 4, 0);
	kt_expect_true("poll.fds-0-2", r >= 2, "at least 2 ready (stdout, stderr)");
	kt_expect_true("poll.stdout-POLLOUT", p[1].revents & POLLOUT, "POLLOUT on fd 1");
	kt_expect_true("poll.stderr-POLLOUT", p[2].revents & POLLOUT, "POLLOUT on fd 2");
	kt_expect_eq("poll.negative-fd-ignored", p[3].revents, 0);
	long fd = kt_sys2(SYS_open, HELLO_TXT, O_RDONLY);
	kt_sys1(SYS_close, fd);
	struct pollfd q[1] = { { (int)fd, POLLIN, 0 } };
	r = kt_sys3(SYS_poll, q, 1, 0);
	kt_expect_true("poll.closed-fd-POLLNVAL", r == 1 && (q[0].revents & POLLNVAL),
		       "1 with POLLNVAL");
	fd = kt_sys2(SYS_open, HELLO_TXT, O_RDONLY);
	struct pollfd f[1] = { { (int)fd, POLLIN | POLLOUT, 0 } };
	r = kt_sys3(SYS_poll, f, 1, 1000);
	kt_expect_true("poll.regular-file-always-ready",
		       r == 1 && (f[0].revents & (POLLIN | POLLOUT)) == (POLLIN | POLLOUT),
		       "POLLIN|POLLOUT");
	kt_sys1(SYS_close, fd);
	kt_expect_eq("poll.no-fds-timeout-0", kt_sys3(SYS_poll, 0, 0, 0), 0);
	kt_expect_err("poll.too-many-fds-EINVAL", kt_sys3(SYS_poll, p, 1L << 30, 0), EINVAL);
}

static void t_fs_write(void)
{
	static const char msg[] = "write: to stdout\n";
	kt_expect_eq("fs.write-stdout", kt_sys3(SYS_write, 1, msg, sizeof msg - 1),
		     sizeof msg - 1);
	struct iovec iov[3] = { { "writev: ", 8 }, { "to ", 3 }, { "stdout\n", 7 } };
	kt_expect_eq("fs.writev-stdout", kt_sys3(SYS_writev, 1, iov, 3), 18);
	struct iovec neg[1] = { { "x", (size_t)-1 } };
	kt_expect_err("fs.writev-huge-len-EINVAL", kt_sys3(SYS_writev, 1, neg, 1), EINVAL);
	kt_expect_err("fs.writev-negative-count-EINVAL", kt_sys3(SYS_writev, 1, iov, -1), EINVAL);
}

/* sendfile(2) from a regular file: with an offset pointer the file offset stays, without it
 * the file offset moves; a bad offset pointer is EFAULT; a write-only input is EBADF. */
static void t_fs_sendfile(void)
{
	long in = kt_sys2(SYS_open, HELLO_TXT, O_RDONLY);
	long out = kt_sys2(SYS_open, "/dev/null", O_WRONLY);
	off_t off = 0;
	kt_expect_eq("fs.sendfile-with-offset", kt_sys4(SYS_sendfile, out, in, &off, 5), 5);
	kt_expect_eq("fs.sendfile-offset-advanced", off, 5);
	kt_expect_eq("fs.sendfile-file-offset-unchanged", kt_sys3(SYS_lseek, in, 0, SEEK_CUR), 0);
	kt_expect_eq("fs.sendfile-without-offset", kt_sys4(SYS_sendfile, out, in, 0, 3), 3);
	kt_expect_eq("fs.sendfile-file-offset-moved", kt_sys3(SYS_lseek, in, 0, SEEK_CUR), 3);
	kt_expect_err("fs.sendfile-bad-offset-EFAULT", kt_sys4(SYS_sendfile, out, in, 8, 3), EFAULT);
	kt_expect_err("fs.sendfile-from-writeonly-EBADF", kt_sys4(SYS_sendfile, out, out, 0, 3),
		      EBADF);
	kt_sys1(SYS_close, in);
	kt_sys1(SYS_close, out);
}

/* statx(2), which Rust std asks first: the basic fields agree with fstat. The layout is
 * declared here because musl 1.2.3's headers have no struct statx. */
struct kt_statx {
	uint32_t mask, blksize;
	uint64_t attributes;
	uint32_t nlink, uid, gid;
	uint16_t mode, spare0;
	uint64_t ino, size, blocks, attributes_mask;
	struct { int64_t sec; uint32_t nsec; int32_t r; } atime, btime, ctime, mtime;
	uint32_t rdev_major, rdev_minor, dev_major, dev_minor;
	uint64_t rest[14];
};

static void t_fs_statx(void)
{
	struct kt_statx x;
	struct stat st;
	memset(&x, 0, sizeof x);
	kt_expect_eq("fs.statx", kt_sys5(SYS_statx, AT_FDCWD, HELLO_TXT, 0, 0x7ff, &x), 0);
	kt_expect_eq("fs.stat-for-statx", kt_sys2(SYS_stat, HELLO_TXT, &st), 0);
	kt_expect_true("fs.statx-basic-mask", (x.mask & 0x7ff) == 0x7ff, "STATX_BASIC_STATS set");
	kt_expect_eq("fs.statx-size-matches-stat", x.size, st.st_size);
	kt_expect_eq("fs.statx-ino-matches-stat", x.ino, st.st_ino);
	kt_expect_eq("fs.statx-mode-matches-stat", x.mode, st.st_mode);
	kt_expect_eq("fs.statx-mtime-matches-stat", x.mtime.sec, st.st_mtime);
	long fd = kt_sys2(SYS_open, HELLO_TXT, O_RDONLY);
	memset(&x, 0, sizeof x);
	kt_expect_eq("fs.statx-empty-path-fd", kt_sys5(SYS_statx, fd, "", AT_EMPTY_PATH, 0x7ff, &x), 0);
	kt_expect_eq("fs.statx-empty-path-fd-size", x.size, st.st_size);
	kt_expect_err("fs.statx-both-sync-flags-EINVAL",
		      kt_sys5(SYS_statx, AT_FDCWD, HELLO_TXT, 0x6000, 0x7ff, &x), EINVAL);
	kt_expect_err("fs.statx-reserved-mask-EINVAL",
		      kt_sys5(SYS_statx, AT_FDCWD, HELLO_TXT, 0, 0x80000000u, &x), EINVAL);
	kt_expect_err("fs.statx-missing-ENOENT",
		      kt_sys5(SYS_statx, AT_FDCWD, FIX "no-such-file", 0, 0x7ff, &x), ENOENT);
	kt_expect_err("fs.statx-bad-buffer-EFAULT",
		      kt_sys5(SYS_statx, AT_FDCWD, HELLO_TXT, 0, 0x7ff, (void *)8), EFAULT);
	kt_sys1(SYS_close, fd);
}

void t_fs(void)
{
	t_fs_read();
	t_fs_paths();
	t_fs_badfd();
	t_fs_devices();
	t_fs_poll();
	t_fs_write();
	t_fs_sendfile();
	t_fs_statx();
}

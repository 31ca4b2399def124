/* t_files.c: the tree-changing file calls on tmpfs, with Linux's errno for each error case:
 * mkdir/mkdirat/rmdir, unlink/unlinkat, rename/renameat/renameat2 (NOREPLACE, EXCHANGE),
 * link/linkat (AT_SYMLINK_FOLLOW, AT_EMPTY_PATH), symlink/symlinkat/readlink, unlinking open
 * files, link counts, chmod/chown/utimensat/utimes and the timestamps Linux keeps (mtime and
 * ctime on write, truncate, chmod, chown, link, unlink, rename; atime on read), open flags
 * (O_PATH, O_NOFOLLOW, O_DIRECTORY, O_TMPFILE, O_EXCL), fchdir/getcwd. Works in /tmp/kf,
 * which it makes and removes. */
#include <fcntl.h>
#include <stdint.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <time.h>

#include "conformance.h"

#define KF "/tmp/kf"

#ifndef RENAME_NOREPLACE
#define RENAME_NOREPLACE 1
#define RENAME_EXCHANGE 2
#define RENAME_WHITEOUT 4
#endif
#ifndef O_TMPFILE
#define O_TMPFILE 020200000
#endif
#ifndef AT_EACCESS
#define AT_EACCESS 0x200
#endif

/* Sleeps long enough for Linux's coarse file-system clock (one jiffy) to move. */
static void files_settle(void)
{
	struct timespec t = { 0, 15 * 1000000L };
	kt_sys2(SYS_nanosleep, &t, 0);
}

static long files_stat(const char *p, struct stat *st)
{
	return kt_sys4(SYS_newfstatat, AT_FDCWD, p, st, AT_SYMLINK_NOFOLLOW);
}

static long files_make(const char *p, const char *content)
{
	long fd = kt_sys3(SYS_open, p, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	if (fd >= 0) {
		kt_sys3(SYS_write, fd, content, strlen(content));
		kt_sys1(SYS_close, fd);
	}
	return fd < 0 ? fd : 0;
}

/* Removes the tree under p (files, symlinks and directories), as rm -r would. */
static void files_rmtree(const char *p)
{
	char buf[2048];
	long fd = kt_sys3(SYS_open, p, O_RDONLY | O_DIRECTORY | O_NOFOLLOW, 0);
	if (fd < 0) {
		kt_sys1(SYS_unlink, p);
		return;
	}
	for (;;) {
		long n = kt_sys3(SYS_getdents64, fd, buf, sizeof buf);
		if (n <= 0)
			break;
		for (long at = 0; at < n;) {
			unsigned short reclen = *(unsigned short *)(buf + at + 16);
			char *name = buf + at + 19;
			char child[512];
			at += reclen;
			if (!strcmp(name, ".") || !strcmp(name, ".."))
				continue;
			snprintf(child, sizeof child, "%s/%s", p, name);
			files_rmtree(child);
		}
	}
	kt_sys1(SYS_close, fd);
	kt_sys1(SYS_rmdir, p);
}

static void files_dirs(void)
{
	struct stat st, parent;
	kt_expect_eq("files.mkdir", kt_sys2(SYS_mkdir, KF "/d", 0755), 0);
	kt_expect_eq("files.mkdir-stat", files_stat(KF "/d", &st), 0);
	kt_expect_true("files.mkdir-is-dir-mode-0755", S_ISDIR(st.st_mode) && (st.st_mode & 07777) == 0755,
		       "a directory with mode 0755 (umask 022)");
	kt_expect_eq("files.mkdir-nlink-2", st.st_nlink, 2);
	files_stat(KF, &parent);
	kt_expect_eq("files.mkdir-parent-nlink-3", parent.st_nlink, 3);
	long old = kt_sys1(SYS_umask, 077);
	kt_sys2(SYS_mkdir, KF "/masked", 0777);
	files_stat(KF "/masked", &st);
	kt_expect_eq("files.mkdir-umask-applied", st.st_mode & 0777, 0700);
	kt_sys1(SYS_umask, old);
	kt_expect_err("files.mkdir-exists-EEXIST", kt_sys2(SYS_mkdir, KF "/d", 0755), EEXIST);
	kt_expect_err("files.mkdir-missing-parent-ENOENT",
		      kt_sys2(SYS_mkdir, KF "/none/d", 0755), ENOENT);
	files_make(KF "/file", "data");
	kt_expect_err("files.mkdir-over-file-EEXIST", kt_sys2(SYS_mkdir, KF "/file", 0755), EEXIST);
	kt_expect_err("files.mkdir-under-file-ENOTDIR",
		      kt_sys2(SYS_mkdir, KF "/file/d", 0755), ENOTDIR);
	kt_expect_eq("files.mkdir-trailing-slash", kt_sys2(SYS_mkdir, KF "/slash/", 0755), 0);
	kt_expect_err("files.mkdir-dot-EEXIST", kt_sys2(SYS_mkdir, KF "/d/.", 0755), EEXIST);
	kt_expect_err("files.mkdir-empty-ENOENT", kt_sys2(SYS_mkdir, "", 0755), ENOENT);
	char longname[300];
	memset(longname, 'n', sizeof longname - 1);
	longname[sizeof longname - 1] = 0;
	char longpath[320];
	snprintf(longpath, sizeof longpath, KF "/%s", longname);
	kt_expect_err("files.mkdir-long-name-ENAMETOOLONG", kt_sys2(SYS_mkdir, longpath, 0755),
		      ENAMETOOLONG);
	long dfd = kt_sys3(SYS_open, KF, O_RDONLY | O_DIRECTORY, 0);
	kt_expect_eq("files.mkdirat-relative", kt_sys3(SYS_mkdirat, dfd, "at", 0700), 0);
	kt_expect_eq("files.mkdirat-made-it", files_stat(KF "/at", &st), 0);
	long ffd = kt_sys2(SYS_open, KF "/file", O_RDONLY);
	kt_expect_err("files.mkdirat-file-dirfd-ENOTDIR", kt_sys3(SYS_mkdirat, ffd, "x", 0700),
		      ENOTDIR);
	kt_expect_err("files.mkdirat-bad-dirfd-EBADF", kt_sys3(SYS_mkdirat, 999, "x", 0700), EBADF);
	kt_sys1(SYS_close, ffd);

	files_make(KF "/d/inner", "");
	kt_expect_err("files.rmdir-nonempty-ENOTEMPTY", kt_sys1(SYS_rmdir, KF "/d"), ENOTEMPTY);
	kt_expect_err("files.rmdir-file-ENOTDIR", kt_sys1(SYS_rmdir, KF "/file"), ENOTDIR);
	kt_expect_err("files.rmdir-dot-EINVAL", kt_sys1(SYS_rmdir, KF "/d/."), EINVAL);
	kt_expect_err("files.rmdir-dotdot-ENOTEMPTY", kt_sys1(SYS_rmdir, KF "/d/.."), ENOTEMPTY);
	kt_expect_err("files.rmdir-root-EBUSY", kt_sys1(SYS_rmdir, "/"), EBUSY);
	kt_expect_err("files.rmdir-missing-ENOENT", kt_sys1(SYS_rmdir, KF "/none"), ENOENT);
	kt_expect_err("files.unlink-dir-EISDIR", kt_sys1(SYS_unlink, KF "/d"), EISDIR);
	kt_expect_err("files.unlink-missing-ENOENT", kt_sys1(SYS_unlink, KF "/none"), ENOENT);
	kt_expect_err("files.unlink-file-slash-ENOTDIR", kt_sys1(SYS_unlink, KF "/file/"), ENOTDIR);
	kt_expect_err("files.unlinkat-bad-flag-EINVAL",
		      kt_sys3(SYS_unlinkat, dfd, "file", 0x100), EINVAL);
	kt_expect_err("files.unlinkat-removedir-on-file-ENOTDIR",
		      kt_sys3(SYS_unlinkat, dfd, "file", AT_REMOVEDIR), ENOTDIR);
	kt_expect_eq("files.unlinkat", kt_sys3(SYS_unlinkat, dfd, "d/inner", 0), 0);
	kt_expect_eq("files.unlinkat-removedir", kt_sys3(SYS_unlinkat, dfd, "d", AT_REMOVEDIR), 0);
	files_stat(KF, &parent);
	kt_expect_eq("files.rmdir-parent-nlink-back", parent.st_nlink, 5);
	kt_expect_eq("files.rmdir-trailing-slash", kt_sys1(SYS_rmdir, KF "/slash/"), 0);

	/* A removed directory that is still the cwd: empty, nothing can be made in it. */
	kt_sys2(SYS_mkdir, KF "/gone", 0755);
	long gfd = kt_sys3(SYS_open, KF "/gone", O_RDONLY | O_DIRECTORY, 0);
	kt_sys1(SYS_rmdir, KF "/gone");
	kt_expect_err("files.create-in-removed-dir-ENOENT",
		      kt_sys4(SYS_openat, gfd, "new", O_CREAT | O_WRONLY, 0600), ENOENT);
	kt_expect_err("files.mkdir-in-removed-dir-ENOENT", kt_sys3(SYS_mkdirat, gfd, "x", 0700),
		      ENOENT);
	char buf[256];
	kt_expect_err("files.getdents-removed-dir-ENOENT",
		      kt_sys3(SYS_getdents64, gfd, buf, sizeof buf), ENOENT);
	kt_expect_eq("files.fstat-removed-dir-nlink-0",
		     (kt_sys2(SYS_fstat, gfd, &st), (long)st.st_nlink), 0);
	kt_sys1(SYS_close, gfd);
	kt_sys1(SYS_close, dfd);
}

static void files_rename(void)
{
	struct stat a, b, st;
	files_make(KF "/r1", "one");
	files_make(KF "/r2", "two");
	files_stat(KF "/r1", &a);
	kt_expect_eq("files.rename-over-file", kt_sys2(SYS_rename, KF "/r1", KF "/r2"), 0);
	files_stat(KF "/r2", &b);
	kt_expect_eq("files.rename-over-file-same-inode", b.st_ino, a.st_ino);
	kt_expect_err("files.rename-old-name-gone-ENOENT", files_stat(KF "/r1", &st), ENOENT);
	kt_expect_err("files.rename-missing-ENOENT", kt_sys2(SYS_rename, KF "/r1", KF "/r3"), ENOENT);
	kt_sys2(SYS_mkdir, KF "/rd1", 0755);
	kt_sys2(SYS_mkdir, KF "/rd2", 0755);
	files_make(KF "/rd2/x", "");
	kt_expect_err("files.rename-dir-over-nonempty-ENOTEMPTY",
		      kt_sys2(SYS_rename, KF "/rd1", KF "/rd2"), ENOTEMPTY);
	kt_expect_err("files.rename-file-over-dir-EISDIR",
		      kt_sys2(SYS_rename, KF "/r2", KF "/rd1"), EISDIR);
	kt_expect_err("files.rename-dir-over-file-ENOTDIR",
		      kt_sys2(SYS_rename, KF "/rd1", KF "/r2"), ENOTDIR);
	kt_expect_err("files.rename-into-itself-EINVAL",
		      kt_sys2(SYS_rename, KF "/rd2", KF "/rd2/sub"), EINVAL);
	kt_expect_err("files.rename-dot-EBUSY", kt_sys2(SYS_rename, KF "/rd1/.", KF "/z"), EBUSY);
	kt_expect_err("files.rename-file-trailing-slash-ENOTDIR",
		      kt_sys2(SYS_rename, KF "/r2/", KF "/z"), ENOTDIR);
	kt_sys2(SYS_mkdir, KF "/rd3", 0755);
	kt_expect_eq("files.rename-dir-over-empty-dir", kt_sys2(SYS_rename, KF "/rd1", KF "/rd3"), 0);
	kt_expect_eq("files.rename-same-file-noop", kt_sys2(SYS_rename, KF "/r2", KF "/r2"), 0);
	kt_expect_eq("files.rename-dir-across-dirs", kt_sys2(SYS_rename, KF "/rd3", KF "/rd2/moved"), 0);
	files_stat(KF "/rd2", &st);
	kt_expect_eq("files.rename-dir-new-parent-nlink", st.st_nlink, 3);
	kt_expect_eq("files.rename-dotdot-follows",
		     kt_sys4(SYS_newfstatat, AT_FDCWD, KF "/rd2/moved/..", &a, 0), 0);
	kt_expect_eq("files.rename-dotdot-is-new-parent", a.st_ino, st.st_ino);

	files_make(KF "/n1", "n1");
	files_make(KF "/n2", "n2");
	kt_expect_err("files.renameat2-noreplace-EEXIST",
		      kt_sys5(SYS_renameat2, AT_FDCWD, KF "/n1", AT_FDCWD, KF "/n2", RENAME_NOREPLACE),
		      EEXIST);
	kt_expect_err("files.renameat2-bad-flags-EINVAL",
		      kt_sys5(SYS_renameat2, AT_FDCWD, KF "/n1", AT_FDCWD, KF "/n2", 0x40), EINVAL);
	kt_expect_err("files.renameat2-bad-flags-before-EFAULT",
		      kt_sys5(SYS_renameat2, AT_FDCWD, 8, AT_FDCWD, 8, 0x40), EINVAL);
	kt_expect_err("files.renameat2-exchange-noreplace-EINVAL",
		      kt_sys5(SYS_renameat2, AT_FDCWD, KF "/n1", AT_FDCWD, KF "/n2",
			      RENAME_EXCHANGE | RENAME_NOREPLACE), EINVAL);
	files_stat(KF "/n1", &a);
	files_stat(KF "/n2", &b);
	kt_expect_eq("files.renameat2-exchange",
		     kt_sys5(SYS_renameat2, AT_FDCWD, KF "/n1", AT_FDCWD, KF "/n2", RENAME_EXCHANGE), 0);
	files_stat(KF "/n1", &st);
	kt_expect_eq("files.renameat2-exchange-swapped", st.st_ino, b.st_ino);
	kt_expect_err("files.renameat2-exchange-missing-ENOENT",
		      kt_sys5(SYS_renameat2, AT_FDCWD, KF "/n1", AT_FDCWD, KF "/n9", RENAME_EXCHANGE),
		      ENOENT);
	kt_expect_eq("files.renameat2-exchange-file-and-dir",
		     kt_sys5(SYS_renameat2, AT_FDCWD, KF "/n1", AT_FDCWD, KF "/rd2", RENAME_EXCHANGE),
		     0);
	kt_expect_true("files.renameat2-exchange-types-swapped",
		       files_stat(KF "/n1", &st) == 0 && S_ISDIR(st.st_mode), "n1 is now the directory");
	kt_expect_eq("files.renameat2-noreplace-to-new-name",
		     kt_sys5(SYS_renameat2, AT_FDCWD, KF "/n2", AT_FDCWD, KF "/n3", RENAME_NOREPLACE),
		     0);
	long dfd = kt_sys3(SYS_open, KF, O_RDONLY | O_DIRECTORY, 0);
	kt_expect_eq("files.renameat-relative", kt_sys4(SYS_renameat, dfd, "n3", dfd, "n4"), 0);
	kt_sys1(SYS_close, dfd);
}

static void files_links(void)
{
	struct stat st, st2;
	char buf[128];
	files_make(KF "/l1", "linked");
	kt_expect_eq("files.link", kt_sys2(SYS_link, KF "/l1", KF "/l2"), 0);
	files_stat(KF "/l1", &st);
	files_stat(KF "/l2", &st2);
	kt_expect_true("files.link-same-inode-nlink-2", st.st_ino == st2.st_ino && st.st_nlink == 2,
		       "one inode with 2 links");
	kt_expect_err("files.link-exists-EEXIST", kt_sys2(SYS_link, KF "/l1", KF "/l2"), EEXIST);
	kt_expect_err("files.link-dir-EPERM", kt_sys2(SYS_link, KF, KF "/dl"), EPERM);
	kt_expect_err("files.link-missing-ENOENT", kt_sys2(SYS_link, KF "/none", KF "/l3"), ENOENT);
	kt_expect_eq("files.unlink-one-link", kt_sys1(SYS_unlink, KF "/l1"), 0);
	files_stat(KF "/l2", &st);
	kt_expect_eq("files.unlink-drops-nlink", st.st_nlink, 1);

	kt_expect_eq("files.symlink", kt_sys2(SYS_symlink, "l2", KF "/s1"), 0);
	memset(buf, 0, sizeof buf);
	kt_expect_eq("files.readlink-length", kt_sys3(SYS_readlink, KF "/s1", buf, sizeof buf), 2);
	kt_expect_true("files.readlink-target", !memcmp(buf, "l2", 2), "\"l2\"");
	kt_expect_eq("files.readlink-truncates", kt_sys3(SYS_readlink, KF "/s1", buf, 1), 1);
	kt_expect_err("files.readlink-not-link-EINVAL", kt_sys3(SYS_readlink, KF "/l2", buf, 64),
		      EINVAL);
	kt_expect_err("files.readlink-zero-size-EINVAL", kt_sys3(SYS_readlink, KF "/s1", buf, 0),
		      EINVAL);
	files_stat(KF "/s1", &st);
	kt_expect_true("files.symlink-lstat", S_ISLNK(st.st_mode) && st.st_size == 2 &&
			       (st.st_mode & 0777) == 0777, "a 0777 link of size 2");
	kt_expect_err("files.symlink-exists-EEXIST", kt_sys2(SYS_symlink, "x", KF "/s1"), EEXIST);
	kt_expect_err("files.symlink-empty-target-ENOENT", kt_sys2(SYS_symlink, "", KF "/s2"), ENOENT);
	kt_expect_err("files.symlink-empty-target-before-EEXIST", kt_sys2(SYS_symlink, "", KF "/s1"),
		      ENOENT);
	kt_expect_eq("files.symlinkat", kt_sys3(SYS_symlinkat, "/nowhere", AT_FDCWD, KF "/dangle"), 0);
	kt_expect_eq("files.symlink-dangling-lstat-ok", files_stat(KF "/dangle", &st), 0);
	kt_sys2(SYS_symlink, "/tmp", KF "/to-tmp");
	kt_expect_err("files.unlink-symlink-to-dir-slash-ENOTDIR", kt_sys1(SYS_unlink, KF "/to-tmp/"),
		      ENOTDIR);
	kt_expect_err("files.rmdir-symlink-to-dir-slash-ENOTDIR", kt_sys1(SYS_rmdir, KF "/to-tmp/"),
		      ENOTDIR);
	kt_expect_err("files.mkdir-dangling-slash-EEXIST", kt_sys2(SYS_mkdir, KF "/dangle/", 0755),
		      EEXIST);
	kt_expect_err("files.unlink-dangling-slash-ENOTDIR", kt_sys1(SYS_unlink, KF "/dangle/"),
		      ENOTDIR);
	kt_expect_eq("files.stat-symlink-to-dir-slash-follows",
		     (kt_sys4(SYS_newfstatat, AT_FDCWD, KF "/to-tmp/", &st, AT_SYMLINK_NOFOLLOW),
		      S_ISDIR(st.st_mode)), 1);
	kt_expect_err("files.open-creat-excl-dangling-EEXIST",
		      kt_sys3(SYS_open, KF "/dangle", O_CREAT | O_EXCL | O_WRONLY, 0600), EEXIST);

	kt_expect_eq("files.linkat-nofollow-links-the-symlink",
		     kt_sys5(SYS_linkat, AT_FDCWD, KF "/s1", AT_FDCWD, KF "/s1-hard", 0), 0);
	files_stat(KF "/s1-hard", &st);
	kt_expect_true("files.linkat-nofollow-is-symlink", S_ISLNK(st.st_mode), "a symlink");
	kt_expect_eq("files.linkat-follow",
		     kt_sys5(SYS_linkat, AT_FDCWD, KF "/s1", AT_FDCWD, KF "/s1-target",
			     AT_SYMLINK_FOLLOW), 0);
	files_stat(KF "/s1-target", &st);
	kt_expect_true("files.linkat-follow-is-target", S_ISREG(st.st_mode) && st.st_nlink == 2,
		       "the regular file, now with 2 links");
	kt_expect_err("files.linkat-bad-flag-EINVAL",
		      kt_sys5(SYS_linkat, AT_FDCWD, KF "/l2", AT_FDCWD, KF "/l9", 0x1), EINVAL);
	long fd = kt_sys2(SYS_open, KF "/l2", O_RDONLY);
	kt_expect_eq("files.linkat-empty-path-as-root",
		     kt_sys5(SYS_linkat, fd, "", AT_FDCWD, KF "/l-empty", AT_EMPTY_PATH), 0);
	kt_expect_err("files.linkat-empty-path-without-flag-ENOENT",
		      kt_sys5(SYS_linkat, fd, "", AT_FDCWD, KF "/l-empty2", 0), ENOENT);
	kt_sys1(SYS_close, fd);

	/* An unlinked open file keeps its data until the last close. */
	files_make(KF "/open-unlinked", "still here");
	fd = kt_sys2(SYS_open, KF "/open-unlinked", O_RDWR);
	kt_expect_eq("files.unlink-open-file", kt_sys1(SYS_unlink, KF "/open-unlinked"), 0);
	kt_expect_err("files.unlinked-name-gone-ENOENT", files_stat(KF "/open-unlinked", &st), ENOENT);
	kt_sys2(SYS_fstat, fd, &st);
	kt_expect_eq("files.unlinked-fstat-nlink-0", st.st_nlink, 0);
	memset(buf, 0, sizeof buf);
	kt_expect_eq("files.unlinked-still-readable", kt_sys4(SYS_pread64, fd, buf, 64, 0), 10);
	kt_expect_eq("files.unlinked-still-writable", kt_sys4(SYS_pwrite64, fd, "!", 1, 10), 1);
	kt_sys2(SYS_fstat, fd, &st);
	kt_expect_eq("files.unlinked-size-grew", st.st_size, 11);
	kt_expect_err("files.linkat-unlinked-file-ENOENT",
		      kt_sys5(SYS_linkat, fd, "", AT_FDCWD, KF "/revived", AT_EMPTY_PATH), ENOENT);
	kt_sys1(SYS_close, fd);
}

static int files_recent(struct timespec t, time_t since)
{
	return t.tv_sec >= since;
}

static void files_times(void)
{
	struct stat st;
	struct timespec old[2] = { { 1000000000, 0 }, { 1000000000, 500 } };
	struct timespec now;
	files_make(KF "/t", "time");
	kt_expect_eq("files.utimensat-explicit", kt_sys4(SYS_utimensat, AT_FDCWD, KF "/t", old, 0), 0);
	files_stat(KF "/t", &st);
	kt_expect_true("files.utimensat-explicit-set",
		       st.st_atim.tv_sec == 1000000000 && st.st_mtim.tv_sec == 1000000000 &&
			       st.st_mtim.tv_nsec == 500, "atime and mtime 1e9 s, mtime + 500 ns");
	kt_sys2(SYS_clock_gettime, CLOCK_REALTIME, &now);
	time_t t0 = now.tv_sec - 2;
	kt_expect_true("files.utimensat-ctime-now", files_recent(st.st_ctim, t0), "ctime is now");
	struct timespec omit_now[2] = { { 0, UTIME_OMIT }, { 0, UTIME_NOW } };
	kt_sys4(SYS_utimensat, AT_FDCWD, KF "/t", omit_now, 0);
	files_stat(KF "/t", &st);
	kt_expect_true("files.utimensat-omit-and-now",
		       st.st_atim.tv_sec == 1000000000 && files_recent(st.st_mtim, t0),
		       "atime kept, mtime now");
	kt_sys4(SYS_utimensat, AT_FDCWD, KF "/t", 0, 0);
	files_stat(KF "/t", &st);
	kt_expect_true("files.utimensat-null-is-now", files_recent(st.st_atim, t0),
		       "atime now");
	struct timespec bad[2] = { { 0, 1000000000 }, { 0, 0 } };
	kt_expect_err("files.utimensat-bad-nsec-EINVAL",
		      kt_sys4(SYS_utimensat, AT_FDCWD, KF "/t", bad, 0), EINVAL);
	kt_expect_err("files.utimensat-bad-flag-EINVAL",
		      kt_sys4(SYS_utimensat, AT_FDCWD, KF "/t", 0, 0x4), EINVAL);
	struct timespec omit[2] = { { 0, UTIME_OMIT }, { 0, UTIME_OMIT } };
	kt_expect_eq("files.utimensat-both-omit-skips-path",
		     kt_sys4(SYS_utimensat, AT_FDCWD, KF "/no-such-file", omit, 0), 0);
	kt_expect_err("files.utimensat-missing-ENOENT",
		      kt_sys4(SYS_utimensat, AT_FDCWD, KF "/no-such-file", 0, 0), ENOENT);
	kt_sys2(SYS_symlink, "t", KF "/t-link");
	kt_sys4(SYS_utimensat, AT_FDCWD, KF "/t-link", old, AT_SYMLINK_NOFOLLOW);
	files_stat(KF "/t-link", &st);
	kt_expect_eq("files.utimensat-nofollow-sets-link", st.st_mtim.tv_sec, 1000000000);
	files_stat(KF "/t", &st);
	kt_expect_true("files.utimensat-nofollow-leaves-target", st.st_mtim.tv_sec != 1000000000,
		       "target untouched");
	long fd = kt_sys2(SYS_open, KF "/t", O_RDONLY);
	kt_expect_eq("files.utimensat-null-path-fd", kt_sys4(SYS_utimensat, fd, 0, old, 0), 0);
	files_stat(KF "/t", &st);
	kt_expect_eq("files.utimensat-null-path-fd-set", st.st_mtim.tv_sec, 1000000000);
	kt_expect_err("files.utimensat-null-path-flags-EINVAL",
		      kt_sys4(SYS_utimensat, fd, 0, old, AT_SYMLINK_NOFOLLOW), EINVAL);
	kt_expect_err("files.utimensat-null-path-cwd-EFAULT",
		      kt_sys4(SYS_utimensat, AT_FDCWD, 0, old, 0), EFAULT);
	kt_sys1(SYS_close, fd);
	struct timeval tv[2] = { { 1200000000, 5 }, { 1300000000, 7 } };
	kt_expect_eq("files.utimes", kt_sys2(SYS_utimes, KF "/t", tv), 0);
	files_stat(KF "/t", &st);
	kt_expect_true("files.utimes-set", st.st_atim.tv_sec == 1200000000 &&
			       st.st_mtim.tv_sec == 1300000000 && st.st_mtim.tv_nsec == 7000,
		       "microseconds become nanoseconds");
	struct timeval badtv[2] = { { 0, 1000000 }, { 0, 0 } };
	kt_expect_err("files.utimes-bad-usec-EINVAL", kt_sys2(SYS_utimes, KF "/t", badtv), EINVAL);
	kt_expect_eq("files.futimesat", kt_sys3(SYS_futimesat, AT_FDCWD, KF "/t", tv), 0);

	/* What moves mtime and ctime. Each step starts from old times and sleeps a jiffy. */
#define FILES_STEP(name, op, want_m)                                                          \
	do {                                                                                    \
		kt_sys4(SYS_utimensat, AT_FDCWD, KF "/t", old, 0);                              \
		struct stat before, after;                                                      \
		files_stat(KF "/t", &before);                                                   \
		files_settle();                                                                 \
		op;                                                                             \
		files_stat(KF "/t", &after);                                                    \
		int ct = after.st_ctim.tv_sec > before.st_ctim.tv_sec ||                        \
			 (after.st_ctim.tv_sec == before.st_ctim.tv_sec &&                       \
			  after.st_ctim.tv_nsec > before.st_ctim.tv_nsec);                       \
		int mt = after.st_mtim.tv_sec != 1000000000;                                    \
		if ((want_m) < 0)                                                               \
			kt_expect_true(name, !ct && !mt, "ctime and mtime kept");               \
		else                                                                            \
			kt_expect_true(name, ct && mt == (want_m),                               \
				       (want_m) ? "ctime and mtime moved" : "ctime moved, mtime kept"); \
	} while (0)
	fd = kt_sys2(SYS_open, KF "/t", O_RDWR);
	FILES_STEP("files.times-write", kt_sys3(SYS_write, fd, "x", 1), 1);
	FILES_STEP("files.times-ftruncate", kt_sys2(SYS_ftruncate, fd, 2), 1);
	FILES_STEP("files.times-ftruncate-same-size", kt_sys2(SYS_ftruncate, fd, 2), 1);
	FILES_STEP("files.times-truncate", kt_sys2(SYS_truncate, KF "/t", 3), 1);
	FILES_STEP("files.times-truncate-same-size", kt_sys2(SYS_truncate, KF "/t", 3), 1);
	FILES_STEP("files.times-chmod", kt_sys2(SYS_chmod, KF "/t", 0600), 0);
	FILES_STEP("files.times-chown", kt_sys3(SYS_chown, KF "/t", -1, -1), 0);
	FILES_STEP("files.times-link", kt_sys2(SYS_link, KF "/t", KF "/t2"), 0);
	FILES_STEP("files.times-unlink-other-link", kt_sys1(SYS_unlink, KF "/t2"), 0);
	FILES_STEP("files.times-rename-same-file-keeps", kt_sys2(SYS_rename, KF "/t", KF "/t"), -1);
	FILES_STEP("files.times-rename",
		   (kt_sys2(SYS_rename, KF "/t", KF "/t9"), kt_sys2(SYS_rename, KF "/t9", KF "/t")), 0);
	kt_sys1(SYS_close, fd);
	struct stat d1, d2;
	files_stat(KF, &d1);
	files_settle();
	files_make(KF "/t3", "");
	files_stat(KF, &d2);
	kt_expect_true("files.times-create-moves-dir-mtime",
		       d2.st_mtim.tv_sec > d1.st_mtim.tv_sec ||
			       (d2.st_mtim.tv_sec == d1.st_mtim.tv_sec &&
				d2.st_mtim.tv_nsec > d1.st_mtim.tv_nsec),
		       "the directory's mtime moved");

	/* The root file system (like Linux's rootfs) records every read's time. */
	kt_sys4(SYS_utimensat, AT_FDCWD, KF "/t", old, 0);
	fd = kt_sys2(SYS_open, KF "/t", O_RDONLY);
	char c;
	kt_sys3(SYS_read, fd, &c, 1);
	files_stat(KF "/t", &st);
	kt_expect_true("files.atime-read-recorded", files_recent(st.st_atim, t0), "atime now");
	kt_expect_eq("files.atime-read-keeps-mtime", st.st_mtim.tv_sec, 1000000000);
	kt_sys1(SYS_close, fd);
}

static void files_attrs(void)
{
	struct stat st;
	files_make(KF "/a", "");
	kt_expect_eq("files.chmod", kt_sys2(SYS_chmod, KF "/a", 04751), 0);
	files_stat(KF "/a", &st);
	kt_expect_eq("files.chmod-mode", st.st_mode & 07777, 04751);
	long fd = kt_sys2(SYS_open, KF "/a", O_RDONLY);
	kt_expect_eq("files.fchmod", kt_sys2(SYS_fchmod, fd, 06755), 0);
	kt_expect_eq("files.chown", kt_sys3(SYS_chown, KF "/a", 1000, 1000), 0);
	files_stat(KF "/a", &st);
	kt_expect_true("files.chown-owner", st.st_uid == 1000 && st.st_gid == 1000, "1000:1000");
	kt_expect_eq("files.chown-clears-setid", st.st_mode & 07777, 0755);
	kt_sys2(SYS_chmod, KF "/a", 02755);
	kt_expect_eq("files.fchown-keep-ids", kt_sys3(SYS_fchown, fd, -1, -1), 0);
	files_stat(KF "/a", &st);
	kt_expect_eq("files.fchown-minus-one-still-clears-sgid", st.st_mode & 07777, 0755);
	kt_expect_eq("files.fchown", kt_sys3(SYS_fchown, fd, 0, 0), 0);
	kt_sys2(SYS_symlink, "a", KF "/a-link");
	kt_expect_eq("files.lchown", kt_sys3(SYS_lchown, KF "/a-link", 5, 6), 0);
	files_stat(KF "/a-link", &st);
	kt_expect_true("files.lchown-changes-link", st.st_uid == 5 && st.st_gid == 6, "5:6");
	files_stat(KF "/a", &st);
	kt_expect_eq("files.lchown-leaves-target", st.st_uid, 0);
	kt_expect_eq("files.fchownat-follow",
		     kt_sys5(SYS_fchownat, AT_FDCWD, KF "/a-link", 7, 8, 0), 0);
	files_stat(KF "/a", &st);
	kt_expect_eq("files.fchownat-follow-target", st.st_uid, 7);
	kt_expect_eq("files.fchownat-empty-path",
		     kt_sys5(SYS_fchownat, fd, "", 9, -1, AT_EMPTY_PATH), 0);
	files_stat(KF "/a", &st);
	kt_expect_true("files.fchownat-empty-path-set", st.st_uid == 9 && st.st_gid == 8, "9:8");
	kt_expect_err("files.fchownat-bad-flag-EINVAL",
		      kt_sys5(SYS_fchownat, AT_FDCWD, KF "/a", 0, 0, 0x2), EINVAL);
	kt_expect_err("files.chown-missing-ENOENT", kt_sys3(SYS_chown, KF "/none", 0, 0), ENOENT);
	long pfd = kt_sys2(SYS_open, KF "/a", O_PATH);
	kt_expect_err("files.fchown-opath-EBADF", kt_sys3(SYS_fchown, pfd, 0, 0), EBADF);
	kt_expect_err("files.fchmod-opath-EBADF", kt_sys2(SYS_fchmod, pfd, 0644), EBADF);
	kt_sys1(SYS_close, pfd);
	kt_sys1(SYS_close, fd);
}

static void files_open_flags(void)
{
	struct stat st;
	char buf[16];
	long fd = kt_sys2(SYS_open, KF "/l2", O_PATH);
	kt_expect_ok("files.open-opath", fd);
	kt_expect_err("files.opath-read-EBADF", kt_sys3(SYS_read, fd, buf, 1), EBADF);
	kt_expect_eq("files.opath-fstat", kt_sys2(SYS_fstat, fd, &st), 0);
	kt_expect_eq("files.opath-fcntl-getfl", kt_sys2(SYS_fcntl, fd, F_GETFL), O_PATH);
	kt_sys1(SYS_close, fd);
	fd = kt_sys2(SYS_open, KF "/s1", O_PATH | O_NOFOLLOW);
	kt_expect_ok("files.opath-nofollow-opens-symlink", fd);
	kt_sys2(SYS_fstat, fd, &st);
	kt_expect_true("files.opath-nofollow-is-link", S_ISLNK(st.st_mode), "S_ISLNK");
	memset(buf, 0, sizeof buf);
	kt_expect_eq("files.readlinkat-empty-path",
		     kt_sys4(SYS_readlinkat, fd, "", buf, sizeof buf), 2);
	kt_sys1(SYS_close, fd);
	kt_expect_err("files.open-nofollow-ELOOP", kt_sys2(SYS_open, KF "/s1", O_RDONLY | O_NOFOLLOW),
		      ELOOP);
	kt_expect_err("files.open-directory-on-file-ENOTDIR",
		      kt_sys2(SYS_open, KF "/l2", O_RDONLY | O_DIRECTORY), ENOTDIR);
	fd = kt_sys2(SYS_open, KF, O_PATH | O_DIRECTORY);
	kt_expect_eq("files.fchdir-opath-dir", kt_sys1(SYS_fchdir, fd), 0);
	memset(buf, 0, sizeof buf);
	kt_expect_eq("files.getcwd-after-fchdir", kt_sys2(SYS_getcwd, buf, sizeof buf), 8);
	kt_expect_true("files.getcwd-path", !strcmp(buf, KF), KF);
	kt_expect_err("files.getcwd-small-ERANGE", kt_sys2(SYS_getcwd, buf, 4), ERANGE);
	kt_expect_eq("files.relative-open-after-fchdir",
		     (fd = kt_sys2(SYS_open, "l2", O_RDONLY)) >= 0, 1);
	kt_expect_err("files.fchdir-file-ENOTDIR", kt_sys1(SYS_fchdir, fd), ENOTDIR);
	kt_sys1(SYS_close, fd);
	kt_expect_err("files.fchdir-bad-fd-EBADF", kt_sys1(SYS_fchdir, 999), EBADF);
	kt_sys1(SYS_chdir, "/");

	fd = kt_sys3(SYS_open, KF, O_TMPFILE | O_RDWR, 0600);
	kt_expect_ok("files.o_tmpfile", fd);
	kt_expect_eq("files.o_tmpfile-write", kt_sys3(SYS_write, fd, "tmp", 3), 3);
	kt_sys2(SYS_fstat, fd, &st);
	kt_expect_true("files.o_tmpfile-unnamed", S_ISREG(st.st_mode) && st.st_nlink == 0 &&
			       (st.st_mode & 0777) == 0600, "a regular file with no links");
	kt_expect_eq("files.o_tmpfile-linkat-names-it",
		     kt_sys5(SYS_linkat, fd, "", AT_FDCWD, KF "/from-tmpfile", AT_EMPTY_PATH), 0);
	kt_expect_true("files.o_tmpfile-named", files_stat(KF "/from-tmpfile", &st) == 0 &&
			       st.st_size == 3 && st.st_nlink == 1, "3 bytes, 1 link");
	kt_sys1(SYS_close, fd);
	kt_expect_err("files.o_tmpfile-readonly-EINVAL",
		      kt_sys3(SYS_open, KF, O_TMPFILE | O_RDONLY, 0600), EINVAL);
	kt_expect_err("files.o_tmpfile-on-file-ENOTDIR",
		      kt_sys3(SYS_open, KF "/l2", O_TMPFILE | O_RDWR, 0600), ENOTDIR);
	fd = kt_sys3(SYS_open, KF, O_TMPFILE | O_RDWR | O_EXCL, 0600);
	kt_expect_err("files.o_tmpfile-excl-not-linkable-ENOENT",
		      kt_sys5(SYS_linkat, fd, "", AT_FDCWD, KF "/never", AT_EMPTY_PATH), ENOENT);
	kt_sys1(SYS_close, fd);

	files_make(KF "/trunc", "0123456789");
	fd = kt_sys2(SYS_open, KF "/trunc", O_WRONLY | O_TRUNC);
	kt_sys2(SYS_fstat, fd, &st);
	kt_expect_eq("files.o_trunc-empties", st.st_size, 0);
	kt_sys1(SYS_close, fd);
	kt_expect_err("files.creat-dir-EISDIR", kt_sys2(SYS_creat, KF, 0600), EISDIR);
	fd = kt_sys2(SYS_creat, KF "/creat", 0640);
	kt_expect_eq("files.creat-write-only", kt_sys2(SYS_fcntl, fd, F_GETFL) & O_ACCMODE, O_WRONLY);
	kt_sys1(SYS_close, fd);
	kt_expect_eq("files.faccessat2-eaccess",
		     kt_sys4(SYS_faccessat2, AT_FDCWD, KF "/creat", R_OK | W_OK, AT_EACCESS), 0);
	kt_expect_err("files.faccessat2-bad-flag-EINVAL",
		      kt_sys4(SYS_faccessat2, AT_FDCWD, KF "/creat", R_OK, 0x4), EINVAL);
	kt_expect_err("files.access-bad-mode-EINVAL", kt_sys2(SYS_access, KF "/creat", 8), EINVAL);
	kt_expect_err("files.access-x-no-exec-bit-EACCES", kt_sys2(SYS_access, KF "/creat", X_OK),
		      EACCES);
	kt_expect_eq("files.faccessat2-nofollow-dangling",
		     kt_sys4(SYS_faccessat2, AT_FDCWD, KF "/dangle", F_OK, AT_SYMLINK_NOFOLLOW), 0);
	kt_expect_err("files.access-dangling-ENOENT", kt_sys2(SYS_access, KF "/dangle", F_OK), ENOENT);
}

void t_files(void)
{
	files_rmtree(KF);
	if (kt_sys2(SYS_mkdir, KF, 0755) != 0) {
		kt_fail("files.setup", "cannot make " KF);
		return;
	}
	files_dirs();
	files_rename();
	files_links();
	files_times();
	files_attrs();
	files_open_flags();
	files_rmtree(KF);
	struct stat st;
	kt_expect_err("files.cleanup", files_stat(KF, &st), ENOENT);
}

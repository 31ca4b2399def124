/* t_mount.c: mount(2)/umount2(2) of tmpfs with Linux's errors (ENOENT, ENOTDIR, ENODEV,
 * EINVAL, EBUSY), crossing rules (EXDEV, EBUSY for the mount point, st_dev), statfs/fstatfs per
 * file system, size limits (ENOSPC, never a crash), read-only and nodev mounts, remount,
 * MNT_DETACH, relatime on a tmpfs, a 100 MiB file on the root tmpfs written and read back, and
 * the root tmpfs filled to ENOSPC (the test machines give both kernels 512 MiB). Works in
 * /tmp/km. */
#include <fcntl.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/statvfs.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <time.h>

#include "conformance.h"

#define KM "/tmp/km"
#define TMPFS_MAGIC_ 0x01021994

static long mnt_tmpfs(const char *target, long flags, const char *data)
{
	return kt_sys5(SYS_mount, "none", target, "tmpfs", flags, data);
}

static void mount_basics(void)
{
	struct stat st, tmp;
	struct statfs sf;
	kt_expect_eq("mount.tmpfs", mnt_tmpfs(KM, 0, "size=64k,mode=0750"), 0);
	kt_sys2(SYS_stat, KM, &st);
	kt_sys2(SYS_stat, "/tmp", &tmp);
	kt_expect_true("mount.root-mode-from-options", S_ISDIR(st.st_mode) && (st.st_mode & 07777) == 0750,
		       "a directory with mode 0750");
	kt_expect_true("mount.new-st_dev", st.st_dev != tmp.st_dev, "a device of its own");
	kt_expect_eq("mount.statfs", kt_sys2(SYS_statfs, KM, &sf), 0);
	kt_expect_true("mount.statfs-tmpfs-64k",
		       sf.f_type == TMPFS_MAGIC_ && sf.f_bsize == 4096 && sf.f_blocks == 16 &&
			       sf.f_bfree == 16 && sf.f_bavail == 16 && sf.f_namelen == 255,
		       "TMPFS_MAGIC, 16 free blocks of 4096");
	kt_expect_true("mount.statfs-relatime", (sf.f_flags & ST_RELATIME) && !(sf.f_flags & ST_RDONLY),
		       "ST_RELATIME, not ST_RDONLY");
	kt_expect_eq("mount.statfs-root", kt_sys2(SYS_statfs, "/", &sf), 0);
	kt_expect_eq("mount.statfs-root-is-tmpfs", sf.f_type, TMPFS_MAGIC_);

	static char page[4096];
	memset(page, 'k', sizeof page);
	long fd = kt_sys3(SYS_open, KM "/fill", O_RDWR | O_CREAT, 0644);
	long total = 0, r;
	while ((r = kt_sys3(SYS_write, fd, page, sizeof page)) > 0)
		total += r;
	kt_expect_eq("mount.size-limit-bytes-written", total, 65536);
	kt_expect_err("mount.size-limit-ENOSPC", r, ENOSPC);
	kt_sys2(SYS_fstatfs, fd, &sf);
	kt_expect_eq("mount.fstatfs-full", sf.f_bfree, 0);
	kt_expect_eq("mount.full-still-readable", kt_sys4(SYS_pread64, fd, page, 10, 65530), 6);
	kt_expect_eq("mount.truncate-frees", kt_sys2(SYS_ftruncate, fd, 0), 0);
	kt_sys2(SYS_fstatfs, fd, &sf);
	kt_expect_eq("mount.fstatfs-freed", sf.f_bfree, 16);

	kt_expect_err("mount.rename-across-EXDEV", kt_sys2(SYS_rename, KM "/fill", "/tmp/kmfill"),
		      EXDEV);
	kt_expect_err("mount.link-across-EXDEV", kt_sys2(SYS_link, KM "/fill", "/tmp/kmfill"), EXDEV);
	kt_expect_err("mount.rmdir-mountpoint-EBUSY", kt_sys1(SYS_rmdir, KM), EBUSY);
	kt_expect_err("mount.rename-mountpoint-EBUSY", kt_sys2(SYS_rename, KM, "/tmp/km2"), EBUSY);
	kt_expect_err("mount.umount-open-file-EBUSY", kt_sys2(SYS_umount2, KM, 0), EBUSY);
	kt_sys1(SYS_close, fd);
	kt_sys1(SYS_chdir, KM);
	kt_expect_err("mount.umount-cwd-inside-EBUSY", kt_sys2(SYS_umount2, KM, 0), EBUSY);
	struct stat dotdot;
	kt_sys2(SYS_stat, "..", &dotdot);
	kt_expect_true("mount.dotdot-crosses-up", dotdot.st_ino == tmp.st_ino && dotdot.st_dev == tmp.st_dev,
		       "/tmp's inode");
	char cwd[64];
	kt_sys2(SYS_getcwd, cwd, sizeof cwd);
	kt_expect_true("mount.getcwd-inside", !strcmp(cwd, KM), KM);
	kt_sys1(SYS_chdir, "/");
	kt_expect_eq("mount.umount", kt_sys2(SYS_umount2, KM, 0), 0);
	kt_expect_err("mount.content-gone", kt_sys2(SYS_stat, KM "/fill", &st), ENOENT);
	kt_expect_err("mount.umount-not-mounted-EINVAL", kt_sys2(SYS_umount2, KM, 0), EINVAL);
	kt_expect_err("mount.umount-missing-ENOENT", kt_sys2(SYS_umount2, KM "/none", 0), ENOENT);
	kt_expect_err("mount.umount-bad-flags-EINVAL", kt_sys2(SYS_umount2, KM, 0x100), EINVAL);
	kt_expect_err("mount.umount-root-EINVAL", kt_sys2(SYS_umount2, "/", 0), EINVAL);
}

static void mount_errors(void)
{
	kt_expect_err("mount.unknown-type-ENODEV",
		      kt_sys5(SYS_mount, "none", KM, "nosuchfs", 0, 0), ENODEV);
	kt_expect_err("mount.missing-target-ENOENT", mnt_tmpfs(KM "/none", 0, 0), ENOENT);
	kt_sys3(SYS_open, KM "/file", O_CREAT | O_WRONLY, 0644);
	kt_expect_err("mount.on-file-ENOTDIR", mnt_tmpfs(KM "/file", 0, 0), ENOTDIR);
	kt_expect_err("mount.bad-option-EINVAL", mnt_tmpfs(KM, 0, "bogus=1"), EINVAL);
	kt_expect_err("mount.bad-size-EINVAL", mnt_tmpfs(KM, 0, "size=abc"), EINVAL);
	kt_expect_err("mount.remount-not-a-mount-EINVAL", mnt_tmpfs(KM, MS_REMOUNT, 0), EINVAL);
	kt_expect_err("mount.null-type-EINVAL", kt_sys5(SYS_mount, "none", KM, 0, 0, 0), EINVAL);
	kt_expect_err("mount.type-bad-pointer-EFAULT", kt_sys5(SYS_mount, "none", KM, 8, 0, 0),
		      EFAULT);
	kt_sys1(SYS_unlink, KM "/file");
}

/* nr_inodes: the root counts, and ENOSPC when they are used up. */
static void mount_inodes(void)
{
	struct statfs sf;
	kt_expect_eq("mount.nr-inodes", mnt_tmpfs(KM, 0, "nr_inodes=3"), 0);
	kt_sys2(SYS_statfs, KM, &sf);
	kt_expect_true("mount.nr-inodes-statfs", sf.f_files == 3 && sf.f_ffree == 2,
		       "3 inodes, 2 free (the root is one)");
	kt_expect_eq("mount.nr-inodes-file", kt_sys2(SYS_mkdir, KM "/a", 0755), 0);
	kt_expect_eq("mount.nr-inodes-symlink", kt_sys2(SYS_symlink, "x", KM "/b"), 0);
	kt_expect_err("mount.nr-inodes-exhausted-ENOSPC",
		      kt_sys3(SYS_open, KM "/c", O_CREAT | O_WRONLY, 0644), ENOSPC);
	kt_expect_err("mount.nr-inodes-hard-link-counts-ENOSPC", kt_sys2(SYS_link, KM "/b", KM "/b2"),
		      ENOSPC);
	kt_sys1(SYS_unlink, KM "/b");
	kt_expect_eq("mount.nr-inodes-freed-by-unlink",
		     kt_sys3(SYS_mknod, KM "/c", S_IFIFO | 0600, 0), 0);
	kt_expect_eq("mount.nr-inodes-umount", kt_sys2(SYS_umount2, KM, 0), 0);
}

static void mount_flags(void)
{
	struct statfs sf;
	struct stat st;
	kt_expect_eq("mount.read-only", mnt_tmpfs(KM, MS_RDONLY, 0), 0);
	kt_sys2(SYS_statfs, KM, &sf);
	kt_expect_true("mount.read-only-statfs", sf.f_flags & ST_RDONLY, "ST_RDONLY");
	kt_expect_err("mount.read-only-create-EROFS",
		      kt_sys3(SYS_open, KM "/f", O_CREAT | O_WRONLY, 0644), EROFS);
	kt_expect_err("mount.read-only-mkdir-EROFS", kt_sys2(SYS_mkdir, KM "/d", 0755), EROFS);
	kt_expect_err("mount.read-only-chmod-EROFS", kt_sys2(SYS_chmod, KM, 0700), EROFS);
	kt_expect_err("mount.read-only-access-w-EROFS", kt_sys2(SYS_access, KM, W_OK), EROFS);
	kt_expect_err("mount.read-only-open-dir-for-write-EISDIR",
		      kt_sys2(SYS_open, KM, O_WRONLY), EISDIR);
	kt_expect_err("mount.read-only-mkdir-existing-EEXIST", kt_sys2(SYS_mkdir, KM, 0755),
		      EEXIST);
	kt_expect_eq("mount.remount-rw", mnt_tmpfs(KM, MS_REMOUNT, 0), 0);
	long fd = kt_sys3(SYS_open, KM "/f", O_CREAT | O_RDWR, 0644);
	kt_expect_ok("mount.remount-rw-create", fd);
	kt_sys1(SYS_close, fd);
	kt_expect_eq("mount.remount-nodev", mnt_tmpfs(KM, MS_REMOUNT | MS_NODEV, 0), 0);
	kt_expect_eq("mount.nodev-mknod-ok",
		     kt_sys3(SYS_mknod, KM "/null", S_IFCHR | 0666, makedev(1, 3)), 0);
	kt_expect_err("mount.nodev-open-device-EACCES", kt_sys2(SYS_open, KM "/null", O_RDONLY),
		      EACCES);
	kt_sys2(SYS_statfs, KM, &sf);
	kt_expect_true("mount.nodev-statfs", sf.f_flags & ST_NODEV, "ST_NODEV");

	/* relatime (the default for a mount): a read records the time only when atime is not
	 * newer than mtime and ctime. */
	struct timespec future[2] = { { 4000000000L, 0 }, { 1000000000, 0 } };
	kt_sys4(SYS_utimensat, AT_FDCWD, KM "/f", future, 0);
	fd = kt_sys2(SYS_open, KM "/f", O_RDONLY);
	char c;
	kt_sys3(SYS_read, fd, &c, 1);
	kt_sys2(SYS_stat, KM "/f", &st);
	kt_expect_eq("mount.relatime-keeps-newer-atime", st.st_atim.tv_sec, 4000000000L);
	struct timespec old[2] = { { 1000000000, 0 }, { 1000000000, 0 } };
	kt_sys4(SYS_utimensat, AT_FDCWD, KM "/f", old, 0);
	kt_sys3(SYS_read, fd, &c, 1);
	kt_sys2(SYS_stat, KM "/f", &st);
	kt_expect_true("mount.relatime-updates-older-atime", st.st_atim.tv_sec > 1000000000,
		       "atime now");
	kt_sys1(SYS_close, fd);

	kt_sys2(SYS_mkdir, KM "/sub", 0755);
	kt_expect_eq("mount.nested", mnt_tmpfs(KM "/sub", 0, "size=1m"), 0);
	kt_expect_err("mount.umount-with-submount-EBUSY", kt_sys2(SYS_umount2, KM, 0), EBUSY);
	fd = kt_sys3(SYS_open, KM "/sub/held", O_CREAT | O_RDWR, 0644);
	kt_sys3(SYS_write, fd, "held", 4);
	kt_expect_eq("mount.umount-detach-busy-tree", kt_sys2(SYS_umount2, KM, MNT_DETACH), 0);
	kt_expect_err("mount.detached-path-gone", kt_sys2(SYS_stat, KM "/sub", &st), ENOENT);
	char buf[8] = { 0 };
	kt_expect_eq("mount.detached-open-file-works", kt_sys4(SYS_pread64, fd, buf, 4, 0), 4);
	kt_sys1(SYS_close, fd);
}

/* 100 MiB through the root tmpfs, in 1 MiB writes, each MiB stamped with its number. */
static void mount_bigfile(void)
{
	static unsigned char chunk[1 << 20], back[1 << 20];
	const long mib = 100;
	long fd = kt_sys3(SYS_open, "/tmp/bigfile", O_RDWR | O_CREAT | O_TRUNC, 0644);
	if (fd < 0) {
		kt_fail("tmpfs.bigfile-open", "expected an fd got %s", kt_res(fd));
		return;
	}
	long ok = 1;
	for (long m = 0; m < mib && ok; m++) {
		for (long i = 0; i < (long)sizeof chunk; i += 8)
			*(long *)(chunk + i) = m * 1000003 + i;
		ok = kt_sys3(SYS_write, fd, chunk, sizeof chunk) == (long)sizeof chunk;
	}
	kt_expect_true("tmpfs.bigfile-100MiB-written", ok, "100 writes of 1 MiB");
	struct stat st;
	kt_sys2(SYS_fstat, fd, &st);
	kt_expect_eq("tmpfs.bigfile-size", st.st_size, mib << 20);
	kt_sys3(SYS_lseek, fd, 0, SEEK_SET);
	long same = 1;
	for (long m = 0; m < mib && same; m++) {
		for (long i = 0; i < (long)sizeof chunk; i += 8)
			*(long *)(chunk + i) = m * 1000003 + i;
		same = kt_sys3(SYS_read, fd, back, sizeof back) == (long)sizeof back &&
		       !memcmp(chunk, back, sizeof back);
	}
	kt_expect_true("tmpfs.bigfile-read-back-identical", same, "the same 100 MiB");
	kt_sys1(SYS_close, fd);
	kt_expect_eq("tmpfs.bigfile-unlink", kt_sys1(SYS_unlink, "/tmp/bigfile"), 0);
}

/* The root tmpfs (half of memory, as Linux's rootfs) filled to the brim: ENOSPC, never a
 * crash, and the space comes back with the file. */
static void mount_fill_root(void)
{
	static unsigned char chunk[1 << 20];
	struct statfs before, full, after;
	memset(chunk, 0x5a, sizeof chunk);
	kt_sys2(SYS_statfs, "/tmp", &before);
	long fd = kt_sys3(SYS_open, "/tmp/fill-root", O_RDWR | O_CREAT | O_TRUNC, 0644);
	long total = 0, r;
	while ((r = kt_sys3(SYS_write, fd, chunk, sizeof chunk)) > 0)
		total += r;
	kt_expect_err("tmpfs.fill-root-ENOSPC", r, ENOSPC);
	kt_expect_true("tmpfs.fill-root-took-most-of-it",
		       total >= (long)(before.f_bfree * 4096) * 9 / 10 && total >= (100L << 20),
		       "at least 90% of the free blocks and 100 MiB");
	kt_sys2(SYS_statfs, "/tmp", &full);
	kt_expect_true("tmpfs.fill-root-statfs-full", full.f_bfree < before.f_bfree / 20,
		       "almost no free blocks");
	kt_expect_eq("tmpfs.fill-root-still-readable", kt_sys4(SYS_pread64, fd, chunk, 16, 4096), 16);
	kt_sys1(SYS_close, fd);
	kt_expect_eq("tmpfs.fill-root-unlink", kt_sys1(SYS_unlink, "/tmp/fill-root"), 0);
	kt_sys2(SYS_statfs, "/tmp", &after);
	kt_expect_true("tmpfs.fill-root-space-back", after.f_bfree + 16 >= before.f_bfree,
		       "the free blocks of before");
}

void t_mount(void)
{
	kt_sys2(SYS_umount2, KM, MNT_DETACH);
	kt_sys1(SYS_rmdir, KM);
	if (kt_sys2(SYS_mkdir, KM, 0755) != 0) {
		kt_fail("mount.setup", "cannot make " KM);
		return;
	}
	mount_basics();
	mount_errors();
	mount_inodes();
	mount_flags();
	mount_bigfile();
	mount_fill_root();
	kt_expect_eq("mount.cleanup", kt_sys1(SYS_rmdir, KM), 0);
}

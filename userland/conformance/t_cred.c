/* t_cred.c: credentials and the permission rules, as a non-root user. PID 1 (root) builds a
 * tree in /tmp/kc, then forks children that change identity with setgroups/setgid/setuid and
 * friends (Linux's rules for real, effective, saved and filesystem ids) and check, as uid 1000,
 * what Linux refuses with EACCES and what with EPERM: search permission on every component,
 * O_TRUNC needing write permission, chmod/chown/utimensat by non-owners, the sticky /tmp rule,
 * set-group-ID directories, device nodes, mount and chroot, O_NOATIME, AT_EMPTY_PATH links,
 * RLIMIT_NOFILE (EMFILE) and the dup2/F_DUPFD edges. Each child reports its counts through a
 * pipe. */
#include <fcntl.h>
#include <grp.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>

#include "conformance.h"

#define KC "/tmp/kc"
#define USER 1000
#define GROUP 1000
#define SUPP 500

#ifndef O_NOATIME
#define O_NOATIME 01000000
#endif

/* Where a child writes its counts (a pipe to the parent). */
static long cred_report_fd = -1;

/* Runs `fn` in a forked child and adds the child's pass/fail counts to ours. */
static void cred_in_child(const char *what, void (*fn)(void))
{
	int p[2];
	kt_sys1(SYS_pipe, p);
	fflush(stdout);
	long pid = kt_sys0(SYS_fork);
	if (pid == 0) {
		kt_passed = kt_failed = 0;
		cred_report_fd = p[1];
		fn();
		int counts[2] = { kt_passed, kt_failed };
		fflush(stdout);
		kt_sys3(SYS_write, cred_report_fd, counts, sizeof counts);
		_exit(0);
	}
	int counts[2] = { 0, 0 };
	long n = kt_sys3(SYS_read, p[0], counts, sizeof counts);
	int status = -1;
	kt_sys4(SYS_wait4, pid, &status, 0, 0);
	kt_sys1(SYS_close, p[0]);
	kt_sys1(SYS_close, p[1]);
	if (n != (long)sizeof counts || status != 0) {
		kt_fail(what, "the child reported nothing (status %#x)", status);
		return;
	}
	kt_passed += counts[0];
	kt_failed += counts[1];
}

static void cred_ids(long want_r, long want_e, long want_s, int user, const char *name)
{
	unsigned r = 77, e = 77, s = 77;
	kt_sys3(user ? SYS_getresuid : SYS_getresgid, &r, &e, &s);
	char what[64];
	snprintf(what, sizeof what, "%ld/%ld/%ld", want_r, want_e, want_s);
	kt_expect_true(name, r == want_r && e == want_e && s == want_s, what);
}

/* Root moving between ids: saved ids, setreuid's rules, setfsuid. */
static void cred_id_rules(void)
{
	kt_expect_err("cred.setuid-minus-one-EINVAL", kt_sys1(SYS_setuid, -1), EINVAL);
	kt_expect_eq("cred.setreuid-root", kt_sys2(SYS_setreuid, USER, 2000), 0);
	cred_ids(USER, 2000, 2000, 1, "cred.setreuid-sets-saved-to-effective");
	kt_expect_eq("cred.setreuid-real-to-effective", kt_sys2(SYS_setreuid, 2000, -1), 0);
	cred_ids(2000, 2000, 2000, 1, "cred.setreuid-real-changed-saved-follows");
	kt_expect_err("cred.setreuid-foreign-EPERM", kt_sys2(SYS_setreuid, -1, USER), EPERM);
	kt_expect_err("cred.setuid-foreign-EPERM", kt_sys1(SYS_setuid, 0), EPERM);
}

static void cred_saved_id(void)
{
	kt_expect_eq("cred.setresuid-keep-saved-root", kt_sys3(SYS_setresuid, USER, USER, 0), 0);
	cred_ids(USER, USER, 0, 1, "cred.setresuid-ids");
	kt_expect_eq("cred.geteuid-user", kt_sys0(SYS_geteuid), USER);
	kt_expect_err("cred.user-mkdir-in-root-dir-EACCES", kt_sys2(SYS_mkdir, KC "/nope", 0755),
		      EACCES);
	kt_expect_eq("cred.seteuid-back-to-saved-root", kt_sys3(SYS_setresuid, -1, 0, -1), 0);
	kt_expect_eq("cred.root-again-mkdir", kt_sys2(SYS_mkdir, KC "/again", 0755), 0);
	kt_sys1(SYS_rmdir, KC "/again");
	kt_expect_eq("cred.setresuid-foreign-as-root", kt_sys3(SYS_setresuid, 3000, 3000, 3000), 0);
	kt_expect_err("cred.setresuid-unprivileged-EPERM", kt_sys3(SYS_setresuid, -1, 0, -1), EPERM);
	kt_expect_eq("cred.setresuid-all-keep", kt_sys3(SYS_setresuid, -1, -1, -1), 0);
}

static void cred_fsuid(void)
{
	kt_expect_eq("cred.setfsuid-returns-old", kt_sys1(SYS_setfsuid, 1234), 0);
	kt_expect_eq("cred.setfsuid-query", kt_sys1(SYS_setfsuid, -1), 1234);
	kt_expect_eq("cred.setfsgid-returns-old", kt_sys1(SYS_setfsgid, 4321), 0);
	long fd = kt_sys3(SYS_open, KC "/sticky/fsuid-file", O_CREAT | O_WRONLY, 0644);
	struct stat st;
	kt_sys2(SYS_fstat, fd, &st);
	kt_expect_true("cred.fsuid-owns-new-files", st.st_uid == 1234 && st.st_gid == 4321,
		       "1234:4321");
	kt_sys1(SYS_close, fd);
	kt_expect_err("cred.fsuid-not-root-cannot-read-0600",
		      kt_sys2(SYS_open, KC "/rootfile", O_RDONLY), EACCES);
	kt_sys1(SYS_setfsuid, 0);
	kt_sys1(SYS_setfsgid, 0);
	kt_expect_eq("cred.fsuid-root-again", kt_sys1(SYS_unlink, KC "/sticky/fsuid-file"), 0);
	gid_t big[1] = { 1 };
	kt_expect_err("cred.setgroups-too-many-EINVAL", kt_sys2(SYS_setgroups, 65537, big), EINVAL);
	kt_expect_err("cred.setgroups-bad-pointer-EFAULT", kt_sys2(SYS_setgroups, 1, 8), EFAULT);
	kt_expect_err("cred.getgroups-negative-EINVAL", kt_sys2(SYS_getgroups, -1, big), EINVAL);
}

/* Everything as uid 1000 (groups 1000 and 500). */
static void cred_as_user(void)
{
	gid_t groups[1] = { SUPP };
	kt_expect_eq("cred.setgroups", kt_sys2(SYS_setgroups, 1, groups), 0);
	gid_t got[4] = { 0 };
	kt_expect_eq("cred.getgroups", kt_sys2(SYS_getgroups, 4, got), 1);
	kt_expect_eq("cred.getgroups-value", got[0], SUPP);
	kt_expect_eq("cred.getgroups-count-only", kt_sys2(SYS_getgroups, 0, 0), 1);
	kt_expect_eq("cred.setgid", kt_sys1(SYS_setgid, GROUP), 0);
	cred_ids(GROUP, GROUP, GROUP, 0, "cred.setgid-all-three");
	kt_expect_eq("cred.setuid", kt_sys1(SYS_setuid, USER), 0);
	cred_ids(USER, USER, USER, 1, "cred.setuid-all-three");
	kt_expect_err("cred.setuid-root-again-EPERM", kt_sys1(SYS_setuid, 0), EPERM);
	kt_expect_err("cred.setgid-root-EPERM", kt_sys1(SYS_setgid, 0), EPERM);
	kt_expect_err("cred.setgroups-EPERM", kt_sys2(SYS_setgroups, 1, groups), EPERM);
	kt_expect_eq("cred.setuid-own-id", kt_sys1(SYS_setuid, USER), 0);
	kt_expect_eq("cred.setfsuid-foreign-ignored", kt_sys1(SYS_setfsuid, 0), USER);
	kt_expect_eq("cred.setfsuid-unchanged", kt_sys1(SYS_setfsuid, -1), USER);

	struct stat st;
	char c;
	kt_expect_err("cred.open-0600-root-file-EACCES", kt_sys2(SYS_open, KC "/rootfile", O_RDONLY),
		      EACCES);
	long fd = kt_sys2(SYS_open, KC "/readable", O_RDONLY);
	kt_expect_ok("cred.open-0644-for-read", fd);
	kt_sys1(SYS_close, fd);
	kt_expect_err("cred.open-0644-for-write-EACCES", kt_sys2(SYS_open, KC "/readable", O_WRONLY),
		      EACCES);
	kt_expect_err("cred.o_trunc-needs-write-EACCES",
		      kt_sys2(SYS_open, KC "/readable", O_RDONLY | O_TRUNC), EACCES);
	kt_expect_err("cred.truncate-needs-write-EACCES", kt_sys2(SYS_truncate, KC "/readable", 0),
		      EACCES);
	kt_expect_err("cred.o_noatime-not-owner-EPERM",
		      kt_sys2(SYS_open, KC "/readable", O_RDONLY | O_NOATIME), EPERM);
	kt_expect_err("cred.search-permission-stat-EACCES",
		      kt_sys2(SYS_stat, KC "/private/inside", &st), EACCES);
	kt_expect_err("cred.search-permission-open-EACCES",
		      kt_sys2(SYS_open, KC "/private/inside", O_RDONLY), EACCES);
	kt_expect_err("cred.chdir-no-search-EACCES", kt_sys1(SYS_chdir, KC "/private"), EACCES);
	kt_expect_err("cred.opendir-no-read-EACCES",
		      kt_sys2(SYS_open, KC "/private", O_RDONLY | O_DIRECTORY), EACCES);
	kt_expect_eq("cred.stat-dir-itself-ok", kt_sys2(SYS_stat, KC "/private", &st), 0);
	kt_expect_err("cred.access-real-ids-EACCES", kt_sys2(SYS_access, KC "/rootfile", R_OK), EACCES);
	kt_expect_eq("cred.access-readable", kt_sys2(SYS_access, KC "/readable", R_OK), 0);
	kt_expect_err("cred.access-w-EACCES", kt_sys2(SYS_access, KC "/readable", W_OK), EACCES);

	kt_expect_err("cred.chmod-not-owner-EPERM", kt_sys2(SYS_chmod, KC "/readable", 0666), EPERM);
	kt_expect_err("cred.chown-not-root-EPERM", kt_sys3(SYS_chown, KC "/readable", USER, -1),
		      EPERM);
	struct timespec t[2] = { { 1000000000, 0 }, { 1000000000, 0 } };
	struct timespec now_now[2] = { { 0, UTIME_NOW }, { 0, UTIME_NOW } };
	struct timespec now_omit[2] = { { 0, UTIME_NOW }, { 0, UTIME_OMIT } };
	kt_expect_err("cred.utimensat-explicit-not-owner-EPERM",
		      kt_sys4(SYS_utimensat, AT_FDCWD, KC "/readable", t, 0), EPERM);
	kt_expect_err("cred.utimensat-now-no-write-EACCES",
		      kt_sys4(SYS_utimensat, AT_FDCWD, KC "/readable", 0, 0), EACCES);
	kt_expect_eq("cred.utimensat-now-with-write-access",
		     kt_sys4(SYS_utimensat, AT_FDCWD, KC "/shared", now_now, 0), 0);
	kt_expect_eq("cred.utimensat-null-with-write-access",
		     kt_sys4(SYS_utimensat, AT_FDCWD, KC "/shared", 0, 0), 0);
	kt_expect_err("cred.utimensat-now-omit-not-owner-EPERM",
		      kt_sys4(SYS_utimensat, AT_FDCWD, KC "/shared", now_omit, 0), EPERM);
	kt_expect_err("cred.utimensat-explicit-with-write-access-EPERM",
		      kt_sys4(SYS_utimensat, AT_FDCWD, KC "/shared", t, 0), EPERM);

	kt_expect_err("cred.create-in-root-dir-EACCES",
		      kt_sys3(SYS_open, KC "/new", O_CREAT | O_WRONLY, 0644), EACCES);
	kt_expect_err("cred.unlink-in-root-dir-EACCES", kt_sys1(SYS_unlink, KC "/readable"), EACCES);
	kt_expect_err("cred.rmdir-in-root-dir-EACCES", kt_sys1(SYS_rmdir, KC "/private"), EACCES);
	kt_expect_err("cred.rename-in-root-dir-EACCES",
		      kt_sys2(SYS_rename, KC "/readable", KC "/userdir/stolen"), EACCES);
	kt_expect_eq("cred.mkdir-in-own-dir", kt_sys2(SYS_mkdir, KC "/userdir/mine", 0755), 0);
	fd = kt_sys3(SYS_open, KC "/userdir/f", O_CREAT | O_RDWR, 0640);
	kt_sys2(SYS_fstat, fd, &st);
	kt_expect_true("cred.new-file-owned-by-user", st.st_uid == USER && st.st_gid == GROUP,
		       "1000:1000");
	kt_expect_eq("cred.chmod-own-file", kt_sys2(SYS_fchmod, fd, 02644), 0);
	kt_expect_eq("cred.chgrp-own-file-to-supplementary", kt_sys3(SYS_fchown, fd, -1, SUPP), 0);
	kt_expect_err("cred.chgrp-own-file-to-foreign-group-EPERM", kt_sys3(SYS_fchown, fd, -1, 0),
		      EPERM);
	kt_expect_err("cred.chown-own-file-to-other-user-EPERM", kt_sys3(SYS_fchown, fd, 0, -1),
		      EPERM);
	kt_expect_eq("cred.utimensat-explicit-own-file",
		     kt_sys4(SYS_utimensat, AT_FDCWD, KC "/userdir/f", t, 0), 0);
	kt_sys1(SYS_close, fd);
	kt_expect_err("cred.mknod-char-device-EPERM",
		      kt_sys3(SYS_mknod, KC "/userdir/null", S_IFCHR | 0666, makedev(1, 3)), EPERM);
	kt_expect_err("cred.mknod-device-in-root-dir-EACCES",
		      kt_sys3(SYS_mknod, KC "/null", S_IFCHR | 0666, makedev(1, 3)), EACCES);
	kt_expect_eq("cred.mknod-fifo-ok", kt_sys3(SYS_mknod, KC "/userdir/fifo", S_IFIFO | 0600, 0), 0);
	fd = kt_sys2(SYS_open, KC "/readable", O_RDONLY);
	kt_expect_err("cred.linkat-empty-path-ENOENT",
		      kt_sys5(SYS_linkat, fd, "", AT_FDCWD, KC "/userdir/l", AT_EMPTY_PATH), ENOENT);
	kt_sys1(SYS_close, fd);

	kt_expect_err("cred.sticky-unlink-others-file-EPERM", kt_sys1(SYS_unlink, KC "/sticky/rootowned"),
		      EPERM);
	kt_expect_err("cred.sticky-rename-others-file-EPERM",
		      kt_sys2(SYS_rename, KC "/sticky/rootowned", KC "/sticky/x"), EPERM);
	kt_expect_eq("cred.sticky-create-own-file",
		     (fd = kt_sys3(SYS_open, KC "/sticky/mine", O_CREAT | O_WRONLY, 0644)) >= 0, 1);
	kt_sys1(SYS_close, fd);
	kt_expect_err("cred.sticky-replace-others-file-EPERM",
		      kt_sys2(SYS_rename, KC "/sticky/mine", KC "/sticky/rootowned"), EPERM);
	kt_expect_eq("cred.sticky-unlink-own-file", kt_sys1(SYS_unlink, KC "/sticky/mine"), 0);

	fd = kt_sys3(SYS_open, KC "/setgid/file", O_CREAT | O_WRONLY, 02755);
	kt_sys2(SYS_fstat, fd, &st);
	kt_expect_eq("cred.setgid-dir-passes-group", st.st_gid, SUPP);
	kt_sys1(SYS_close, fd);
	kt_sys2(SYS_mkdir, KC "/setgid/sub", 0755);
	kt_sys2(SYS_stat, KC "/setgid/sub", &st);
	kt_expect_true("cred.setgid-dir-passes-bit-to-subdirs",
		       st.st_gid == SUPP && (st.st_mode & S_ISGID), "group 500 and S_ISGID");

	kt_expect_err("cred.mount-EPERM", kt_sys5(SYS_mount, "none", KC "/userdir", "tmpfs", 0, 0),
		      EPERM);
	kt_expect_err("cred.mount-missing-target-ENOENT-first",
		      kt_sys5(SYS_mount, "none", KC "/none", "tmpfs", 0, 0), ENOENT);
	kt_expect_err("cred.umount-EPERM", kt_sys2(SYS_umount2, "/tmp", 0), EPERM);
	kt_expect_err("cred.chroot-EPERM", kt_sys1(SYS_chroot, KC "/userdir"), EPERM);
	kt_expect_err("cred.chroot-search-EACCES-first", kt_sys1(SYS_chroot, KC "/private"), EACCES);
	(void)c;
}

/* RLIMIT_NOFILE: EMFILE at the limit, and the edges of dup2 and F_DUPFD. */
static void cred_nofile(void)
{
	/* Known fds: 0-2, the report pipe moved to 20 (above the limit: it stays open). */
	kt_sys2(SYS_dup2, cred_report_fd, 20);
	cred_report_fd = 20;
	for (int fd = 3; fd < 20; fd++)
		kt_sys1(SYS_close, fd);
	struct rlimit rl = { 8, 8 };
	kt_expect_eq("nofile.setrlimit-8", kt_sys2(SYS_setrlimit, RLIMIT_NOFILE, &rl), 0);
	long last = 0, fd;
	while ((fd = kt_sys2(SYS_open, "/dev/null", O_RDONLY)) >= 0)
		last = fd;
	kt_expect_err("nofile.open-at-limit-EMFILE", fd, EMFILE);
	kt_expect_eq("nofile.highest-fd-is-limit-minus-one", last, 7);
	kt_expect_err("nofile.dup-at-limit-EMFILE", kt_sys1(SYS_dup, 0), EMFILE);
	kt_expect_err("nofile.dup2-to-limit-EBADF", kt_sys2(SYS_dup2, 0, 8), EBADF);
	kt_expect_eq("nofile.dup2-below-limit", kt_sys2(SYS_dup2, 0, 7), 7);
	kt_expect_err("nofile.f_dupfd-at-limit-EINVAL", kt_sys3(SYS_fcntl, 0, F_DUPFD, 8), EINVAL);
	kt_sys1(SYS_close, 5);
	kt_expect_eq("nofile.f_dupfd-finds-free", kt_sys3(SYS_fcntl, 0, F_DUPFD, 3), 5);
	kt_expect_err("nofile.f_dupfd-none-free-EMFILE", kt_sys3(SYS_fcntl, 0, F_DUPFD, 3), EMFILE);
	kt_expect_err("nofile.dup3-same-EINVAL", kt_sys3(SYS_dup3, 4, 4, 0), EINVAL);
	kt_expect_err("nofile.dup3-bad-flags-EINVAL", kt_sys3(SYS_dup3, 4, 6, 1), EINVAL);
	struct rlimit big = { 1 << 21, 1 << 21 };
	kt_expect_err("nofile.setrlimit-above-nr_open-EPERM",
		      kt_sys2(SYS_setrlimit, RLIMIT_NOFILE, &big), EPERM);
}

static void cred_setup(void)
{
	long fd;
	kt_sys2(SYS_mkdir, KC, 0755);
	fd = kt_sys3(SYS_open, KC "/rootfile", O_CREAT | O_WRONLY, 0600);
	kt_sys3(SYS_write, fd, "secret", 6);
	kt_sys1(SYS_close, fd);
	kt_sys1(SYS_close, kt_sys3(SYS_open, KC "/readable", O_CREAT | O_WRONLY, 0644));
	kt_sys1(SYS_close, kt_sys3(SYS_open, KC "/shared", O_CREAT | O_WRONLY, 0666));
	kt_sys2(SYS_chmod, KC "/shared", 0666);
	kt_sys2(SYS_mkdir, KC "/private", 0700);
	kt_sys1(SYS_close, kt_sys3(SYS_open, KC "/private/inside", O_CREAT | O_WRONLY, 0644));
	kt_sys2(SYS_mkdir, KC "/sticky", 0777);
	kt_sys2(SYS_chmod, KC "/sticky", 01777);
	kt_sys1(SYS_close, kt_sys3(SYS_open, KC "/sticky/rootowned", O_CREAT | O_WRONLY, 0666));
	kt_sys2(SYS_chmod, KC "/sticky/rootowned", 0666);
	kt_sys2(SYS_mkdir, KC "/userdir", 0755);
	kt_sys3(SYS_chown, KC "/userdir", USER, GROUP);
	kt_sys2(SYS_mkdir, KC "/setgid", 0777);
	kt_sys3(SYS_chown, KC "/setgid", 0, SUPP);
	kt_sys2(SYS_chmod, KC "/setgid", 02777);
}

static void cred_cleanup(void)
{
	const char *files[] = { "/rootfile", "/readable", "/shared", "/private/inside",
				"/sticky/rootowned", "/userdir/f", "/userdir/fifo", "/setgid/file" };
	const char *dirs[] = { "/private", "/sticky", "/userdir/mine", "/userdir", "/setgid/sub",
			       "/setgid", "" };
	char p[64];
	for (unsigned i = 0; i < sizeof files / sizeof files[0]; i++) {
		snprintf(p, sizeof p, KC "%s", files[i]);
		kt_sys1(SYS_unlink, p);
	}
	for (unsigned i = 0; i < sizeof dirs / sizeof dirs[0]; i++) {
		snprintf(p, sizeof p, KC "%s", dirs[i]);
		kt_sys1(SYS_rmdir, p);
	}
}

void t_cred(void)
{
	if (kt_sys0(SYS_geteuid) != 0) {
		kt_fail("cred.setup", "must start as root");
		return;
	}
	cred_cleanup();
	cred_setup();
	cred_in_child("cred.id-rules", cred_id_rules);
	cred_in_child("cred.saved-id", cred_saved_id);
	cred_in_child("cred.fsuid", cred_fsuid);
	cred_in_child("cred.as-user", cred_as_user);
	cred_in_child("cred.nofile", cred_nofile);
	cred_ids(0, 0, 0, 1, "cred.parent-still-root");
	cred_cleanup();
	struct stat st;
	kt_expect_err("cred.cleanup", kt_sys2(SYS_stat, KC, &st), ENOENT);
}

/* procfs: Keel's in-guest tests of /proc, devtmpfs and devpts, run on Keel and on Linux (the
 * referee), as PID 1 (rdinit=) or under the shared /init.
 *
 *   /usr/lib/keel-tests/procfs                 every check
 *   /usr/lib/keel-tests/procfs --sleep ARGS... (exec'd by the tests: sleeps until killed)
 *
 * It mounts its own proc on /proc first (an initramfs has none) and unmounts it at the end;
 * devtmpfs goes on /mnt and devpts on /dev/pts, which the initrd provides (userland/build.sh).
 * Formats are checked field by field against what Linux 6.1 prints; values that legitimately
 * differ between the kernels (pids, times, memory sizes, inode numbers) are parsed and checked
 * for consistency instead (with each other, with uname(2), sysinfo(2), fstat(2)...). Checks
 * that need a call the kernel may not have yet (unlink, setuid) say `info:` and are skipped.
 * Output: `PASS name` / `FAIL name: ...`, then `N passed, N failed` (../common/kt.h).
 */
#include "procfs.h" /* first: it defines _GNU_SOURCE */

#include "t_pid.c"
#include "t_life.c"
#include "t_fd.c"
#include "t_sys.c"
#include "t_dev.c"

/* Checks as an ordinary user (uid and gid 1000) in a child; its counts come back through a
 * shared page. */
static void t_unprivileged(void)
{
	int *counts = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (counts == MAP_FAILED) {
		kt_fail("user.shared-page", "mmap: %s", strerror(errno));
		return;
	}
	counts[0] = counts[1] = counts[2] = 0;
	int passed0 = kt_passed, failed0 = kt_failed;
	pid_t parent = getpid(), c = fork();
	if (c == 0) {
		alarm(30);
		if (setgid(1000) != 0 || setuid(1000) != 0) {
			printf("info: setuid: %s (unprivileged checks not run)\n", strerror(errno));
			counts[2] = 1;
			_exit(0);
		}
		char p[64], buf[64];
		snprintf(p, sizeof p, "/proc/%d/environ", parent);
		kt_expect_eq("user.others-environ-eacces", sys_ret(open(p, O_RDONLY)), -EACCES);
		snprintf(p, sizeof p, "/proc/%d/cwd", parent);
		kt_expect_eq("user.others-cwd-eacces", rlink(p, buf, sizeof buf), -EACCES);
		snprintf(p, sizeof p, "/proc/%d/exe", parent);
		kt_expect_eq("user.others-exe-eacces", rlink(p, buf, sizeof buf), -EACCES);
		snprintf(p, sizeof p, "/proc/%d/fd", parent);
		kt_expect_eq("user.others-fd-dir-eacces", sys_ret(open(p, O_RDONLY | O_DIRECTORY)), -EACCES);
		snprintf(p, sizeof p, "/proc/%d/maps", parent);
		kt_expect_eq("user.others-maps-eacces", sys_ret(open(p, O_RDONLY)), -EACCES);
		char comm[32], f[64][32];
		snprintf(p, sizeof p, "/proc/%d/stat", parent);
		kt_expect_true("user.others-stat-hides-code",
			       slurp(p) > 0 && stat_fields(fbuf, comm, sizeof comm, f, 64) == 50 &&
				       strcmp(STATF(f, 26), "1") == 0 && strcmp(STATF(f, 27), "1") == 0 &&
				       strcmp(STATF(f, 28), "0") == 0,
			       "startcode 1, endcode 1, startstack 0");
		/* A change of user ids makes a process undumpable, and /proc shows it owned by
		 * root; dumpable again, its files are its own. */
		struct stat sst;
		kt_expect_eq("user.setuid-makes-undumpable", prctl(PR_GET_DUMPABLE), 0);
		kt_expect_true("user.undumpable-entries-owned-by-root",
			       stat("/proc/self/environ", &sst) == 0 && sst.st_uid == 0 && sst.st_gid == 0,
			       "/proc/self/environ owned by 0:0");
		kt_expect_true("user.undumpable-dir-still-own",
			       stat("/proc/self", &sst) == 0 && sst.st_uid == 1000 && sst.st_gid == 1000,
			       "/proc/self (dr-xr-xr-x) owned by 1000:1000");
		prctl(PR_SET_DUMPABLE, 1);
		kt_expect_true("user.dumpable-entries-owned-by-user",
			       stat("/proc/self/environ", &sst) == 0 && sst.st_uid == 1000 && sst.st_gid == 1000,
			       "/proc/self/environ owned by 1000:1000");
		kt_expect_true("user.own-environ-when-dumpable", slurp("/proc/self/environ") >= 0, "readable");
		kt_expect_true("user.own-fd-link", rlink("/proc/self/fd/0", buf, sizeof buf) > 0, "readable");
		kt_expect_eq("user.sethostname-eperm", sys_ret(sethostname("x", 1)), -EPERM);
		kt_expect_eq("user.hostname-write-eacces", sys_ret(open("/proc/sys/kernel/hostname", O_WRONLY)),
			     -EACCES);
		kt_expect_eq("user.mount-eperm", sys_ret(mount("proc", "/mnt", "proc", 0, NULL)), -EPERM);
		counts[0] = kt_passed - passed0;
		counts[1] = kt_failed - failed0;
		_exit(kt_failed ? 1 : 0);
	}
	int st = 0;
	waitpid(c, &st, 0);
	kt_passed += counts[0];
	kt_failed += counts[1];
	if (!WIFEXITED(st))
		kt_fail("user.child", "ended by signal %d", WTERMSIG(st));
	munmap(counts, 4096);
}

static void watchdog(int sig)
{
	(void)sig;
	kt_fail("watchdog", "the tests took over 120 s");
	kt_finish();
}

int main(int argc, char **argv)
{
	if (argc > 1 && strcmp(argv[1], "--sleep") == 0) {
		alarm(30);
		for (;;)
			pause();
	}
	kt_init();
	signal(SIGALRM, watchdog);
	alarm(120);
	mkdir("/proc", 0555);
	int mounted = mount("proc", "/proc", "proc", 0, NULL) == 0;
	kt_expect_true("proc.mount", mounted, "mount -t proc proc /proc");
	if (!mounted)
		kt_finish();
	mkdir("/mnt", 0755);
	mkdir("/dev/pts", 0755);
	t_self();
	t_stat(argc, argv);
	t_status();
	t_cmdline(argv);
	t_comm();
	t_links();
	t_maps();
	t_fd();
	t_zombie();
	t_stopped();
	t_threads();
	t_list();
	t_meminfo();
	t_kstat();
	t_uptime_loadavg();
	t_info_files();
	t_sysctl();
	t_mounts();
	t_devtmpfs();
	t_devpts();
	t_unprivileged();
	kt_expect_eq("proc.umount", sys_ret(umount("/proc")), 0);
	kt_finish();
}

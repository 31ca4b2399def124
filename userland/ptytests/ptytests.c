/* ptytests: Keel's in-guest tests of pseudo-terminals, run on Keel and on Linux (the referee).
 *
 *   /usr/lib/keel-tests/ptytests [GROUP...]
 *
 * Groups: open canon raw echo output poll isig winsize jobctl ctty hangup eio vmin (all by
 * default; vmin last, since a kernel that spins on a VMIN read hangs).
 * At start it mounts devpts on /dev/pts (making the directory first) and proc on /proc unless
 * they are mounted already; /dev/ptmx (5,2) of the initrd then opens a master on Linux. When
 * the kernel has no devpts, slaves are opened with TIOCGPTPEER on the master instead (printed
 * as `info: slaves opened with ...`) and the checks that need /dev/pts/N or /proc fail.
 *
 * Each group runs in a child of its own (a new process group), so that a crash or a hang ends
 * that group only: the runner waits for it with a deadline, kills the group when it passes,
 * adds the child's counts to its own (through a shared page) and checks that it ended with
 * exit 0 (`GROUP.completed`). Inside a group, the tests that need a controlling terminal fork
 * a session leader (setsid + TIOCSCTTY on the slave) and its children; they record their checks
 * in a shared buffer that the group prints (ptytests.h: ck_pass/ck_fail/ck_collect). Every
 * child has an alarm() watchdog. While waiting, the runner reaps whatever else comes to it: as
 * PID 1 (rdinit=) that is every orphan of the system. Output: `PASS name` or `FAIL name: ...`
 * per check, then `N passed, N failed`; as PID 1 it powers off (../common/kt.h). The group
 * runner is ../common/groups.h, shared with proctests.
 */
#include "ptytests.h" /* first: it defines _GNU_SOURCE */

#include <sys/statfs.h>

#include "t_open.c"
#include "t_canon.c"
#include "t_echo.c"
#include "t_poll.c"
#include "t_isig.c"
#include "t_winsize.c"
#include "t_jobctl.c"
#include "t_ctty.c"
#include "t_hangup.c"

/* Seconds a group may run (Linux needs a few under TCG); 13 groups hanging would take 13 min:
 * tests/stages/50-conformance.sh gives the ptytests runs enough for the summary to appear. */
#define GROUP_TIMEOUT 60

static const struct kt_group groups[] = {
	{ "open", t_open },	  { "canon", t_canon },	    { "raw", t_raw },
	{ "echo", t_echo },	  { "output", t_output },   { "poll", t_poll },
	{ "isig", t_isig },	  { "winsize", t_winsize }, { "jobctl", t_jobctl },
	{ "ctty", t_ctty },	  { "hangup", t_hangup },   { "eio", t_eio },
	{ "vmin", t_vmin },
};

#define DEVPTS_SUPER_MAGIC 0x1cd1
#define PROC_SUPER_MAGIC 0x9fa0

static int fs_is(const char *path, long magic)
{
	struct statfs s;
	return statfs(path, &s) == 0 && (long)s.f_type == magic;
}

/* Mounts devpts and proc where they are missing, and decides how slaves are opened. */
static void setup(void)
{
	if (fs_is("/dev/pts", DEVPTS_SUPER_MAGIC)) {
		printf("info: devpts is already mounted on /dev/pts\n");
	} else {
		/* What opening /dev/ptmx gives before devpts is mounted next to it. */
		int fd = open("/dev/ptmx", O_RDWR | O_NOCTTY);
		printf("info: open /dev/ptmx before devpts is mounted: %s\n",
		       fd >= 0 ? "a master" : kt_errname(errno) ?: strerror(errno));
		if (fd >= 0)
			close(fd);
		int mk = mkdir("/dev/pts", 0755);
		if (mk < 0 && errno != EEXIST)
			printf("info: mkdir /dev/pts: %s\n", strerror(errno));
		if (mount("devpts", "/dev/pts", "devpts", 0, "") == 0)
			printf("info: mounted devpts on /dev/pts\n");
		else
			printf("info: mount devpts on /dev/pts failed: %s\n", strerror(errno));
	}
	if (fs_is("/proc", PROC_SUPER_MAGIC)) {
		printf("info: proc is already mounted on /proc\n");
	} else if (mount("proc", "/proc", "proc", 0, "") == 0) {
		printf("info: mounted proc on /proc\n");
	} else {
		printf("info: mount proc on /proc failed: %s\n", strerror(errno));
	}
	/* Slaves by path when /dev/pts/N of a fresh master can be opened, else TIOCGPTPEER. */
	pt_devpts = 1;
	struct pty p;
	int ok = pt_open(&p, 0) == 0;
	pt_close(&p);
	if (!ok) {
		pt_devpts = 0;
		ok = pt_open(&p, 0) == 0;
		pt_close(&p);
	}
	printf("info: slaves opened %s%s\n",
	       pt_devpts ? "by path (/dev/pts/N on devpts)" : "with TIOCGPTPEER on the master",
	       ok ? "" : " (neither works: the checks will fail)");
}

int main(int argc, char **argv)
{
	kt_init();
	pt_pid1 = getpid() == 1;
	printf("keel ptytests: pid %d%s\n", (int)getpid(), pt_pid1 ? " (init)" : "");
	setup();
	kt_run_groups(argc, argv, groups, sizeof groups / sizeof groups[0], GROUP_TIMEOUT, ck_init,
		      ck_collect);
	kt_finish();
}

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
 * per check, then `N passed, N failed`; as PID 1 it powers off (../common/kt.h).
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

struct group {
	const char *name;
	void (*fn)(void);
};

static const struct group groups[] = {
	{ "open", t_open },	  { "canon", t_canon },	    { "raw", t_raw },
	{ "echo", t_echo },	  { "output", t_output },   { "poll", t_poll },
	{ "isig", t_isig },	  { "winsize", t_winsize }, { "jobctl", t_jobctl },
	{ "ctty", t_ctty },	  { "hangup", t_hangup },   { "eio", t_eio },
	{ "vmin", t_vmin },
};

static int wanted(int argc, char **argv, const char *group)
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

static volatile sig_atomic_t runner_timed_out;
static void runner_alarm(int s)
{
	(void)s;
	runner_timed_out = 1;
}

/* Runs one group in a child and folds its results into ours. */
static void run_group(const struct group *g)
{
	volatile long *counts = pt_shared(); /* [0] passed, [1] failed, [2] finished */
	char name[64];
	snprintf(name, sizeof name, "%s.completed", g->name);
	fflush(stdout);
	long t0 = now_ms();
	pid_t pid = fork();
	if (pid < 0) {
		kt_fail(name, "fork failed: %s", strerror(errno));
		return;
	}
	if (pid == 0) {
		setpgid(0, 0);
		signal(SIGALRM, SIG_DFL);
		kt_passed = kt_failed = 0;
		ck_init();
		g->fn();
		ck_collect();
		counts[0] = kt_passed;
		counts[1] = kt_failed;
		counts[2] = 1;
		fflush(stdout);
		_exit(0);
	}
	setpgid(pid, pid);
	runner_timed_out = 0;
	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = runner_alarm; /* no SA_RESTART: wait4 returns EINTR */
	sigaction(SIGALRM, &sa, 0);
	alarm(GROUP_TIMEOUT);
	int st = 0, killed = 0, others = 0;
	for (;;) {
		pid_t r = wait4(-1, &st, 0, 0);
		if (r == pid)
			break;
		if (r > 0) {
			others++;
			continue;
		}
		if (errno == EINTR && runner_timed_out && !killed) {
			printf("info: group %s still running after %d s: killing it\n", g->name,
			       GROUP_TIMEOUT);
			kill(-pid, SIGKILL);
			kill(pid, SIGKILL);
			killed = 1;
			continue;
		}
		if (errno == ECHILD) {
			st = -1000 - ECHILD;
			break;
		}
	}
	alarm(0);
	signal(SIGALRM, SIG_DFL);
	kill(-pid, SIGKILL); /* leftovers of the group, if any */
	printf("info: group %s took %ld ms\n", g->name, now_ms() - t0);
	if (others)
		printf("info: reaped %d other process(es) (orphans) during group %s\n", others,
		       g->name);
	kt_passed += counts[0];
	kt_failed += counts[1];
	if (killed)
		kt_fail(name, "expected the group to finish within %d s", GROUP_TIMEOUT);
	else if (!counts[2])
		kt_fail(name, "expected the group to finish, it ended with %s", st_desc(st));
	else if (st > -1000 && WIFEXITED(st) && WEXITSTATUS(st) == 0)
		kt_pass(name);
	else
		kt_fail(name, "expected exit 0 got %s", st_desc(st));
	munmap((void *)counts, 4096);
}

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
	for (size_t i = 0; i < sizeof groups / sizeof groups[0]; i++)
		if (wanted(argc, argv, groups[i].name))
			run_group(&groups[i]);
	int st;
	while (waitpid(-1, &st, WNOHANG) > 0)
		;
	kt_finish();
}

/* t_exec.c: successful execve in forked children, which exec this program in a helper mode
 * (helpers.c) that reports what survived: close-on-exec in all its forms (O_CLOEXEC, fcntl
 * FD_CLOEXEC set and cleared, dup, F_DUPFD_CLOEXEC, pipe2), offsets of kept fds, argv and envp,
 * the pid, signal dispositions/mask/pending signals/the alternate stack, an armed alarm;
 * execveat(fd, "", AT_EMPTY_PATH) (musl's fexecve) and relative to a directory fd; a failed exec
 * that returns ENOENT and lets the process go on; exec from a non-main thread. */
#include <libgen.h>

#include "proctests.h"

/* Forks, execs the helper with args in the child, returns the child's wait status. */
static int run_helper(char **args)
{
	pid_t p = pt_fork();
	if (p == 0) {
		pt_exec_helper(args);
		_exit(127);
	}
	return pt_wait(p);
}

static void expect_bit(const char *name, int st, int bit, int want_set)
{
	int ok = st > -1000 && WIFEXITED(st) && WEXITSTATUS(st) < 127 &&
		 !!(WEXITSTATUS(st) & bit) == want_set;
	if (ok)
		kt_pass(name);
	else
		kt_fail(name, "expected the fd %s after exec, helper reported %s",
			want_set ? "open" : "closed", kt_st_desc(st));
}

static void t_exec_cloexec(void)
{
	int fd[7], pp[2];
	fd[0] = open(HELLO_TXT, O_RDONLY | O_CLOEXEC);
	fd[1] = open(HELLO_TXT, O_RDONLY);
	lseek(fd[1], 6, SEEK_SET);
	fd[2] = open(HELLO_TXT, O_RDONLY);
	fcntl(fd[2], F_SETFD, FD_CLOEXEC);
	fd[3] = open(HELLO_TXT, O_RDONLY | O_CLOEXEC);
	fcntl(fd[3], F_SETFD, 0);
	fd[4] = dup(fd[0]);
	fd[5] = fcntl(fd[1], F_DUPFD_CLOEXEC, 20);
	pipe2(pp, O_CLOEXEC);
	fd[6] = pp[0];
	kt_expect_eq("exec.fcntl-getfd-o_cloexec", fcntl(fd[0], F_GETFD), FD_CLOEXEC);
	kt_expect_eq("exec.fcntl-getfd-setfd-cloexec", fcntl(fd[2], F_GETFD), FD_CLOEXEC);
	kt_expect_eq("exec.fcntl-getfd-setfd-0", fcntl(fd[3], F_GETFD), 0);
	kt_expect_eq("exec.fcntl-getfd-dup-clears", fcntl(fd[4], F_GETFD), 0);
	kt_expect_true("exec.f_dupfd_cloexec-lowest-at-least-20", fd[5] >= 20, "fd >= 20");
	kt_expect_eq("exec.fcntl-getfd-f_dupfd_cloexec", fcntl(fd[5], F_GETFD), FD_CLOEXEC);
	kt_expect_eq("exec.fcntl-getfd-pipe2-cloexec", fcntl(fd[6], F_GETFD), FD_CLOEXEC);
	char s[7][12];
	char *args[9] = { "fds" };
	for (int i = 0; i < 7; i++) {
		snprintf(s[i], sizeof s[i], "%d", fd[i]);
		args[i + 1] = s[i];
	}
	args[8] = 0;
	int st = run_helper(args);
	expect_bit("exec.o_cloexec-fd-closed", st, 1, 0);
	expect_bit("exec.plain-fd-kept", st, 2, 1);
	expect_bit("exec.fcntl-fd_cloexec-closed", st, 4, 0);
	expect_bit("exec.fd_cloexec-cleared-kept", st, 8, 1);
	expect_bit("exec.dup-of-cloexec-fd-kept", st, 16, 1);
	expect_bit("exec.f_dupfd_cloexec-closed", st, 32, 0);
	expect_bit("exec.pipe2-cloexec-closed", st, 64, 0);
	char *off[] = { "offset", s[1], 0 };
	expect_exit("exec.kept-fd-keeps-offset", run_helper(off), 6);
	for (int i = 0; i < 7; i++)
		close(fd[i]);
	close(pp[1]);
}

static void t_exec_execveat(void)
{
	char *argv[] = { (char *)pt_self, "--helper", "exit", "42", 0 };
	char *envp[] = { 0 };
	int fd = open(pt_self, O_RDONLY | O_CLOEXEC);
	int pfd = open(pt_self, O_PATH | O_CLOEXEC);
	char dir[256];
	snprintf(dir, sizeof dir, "%s", pt_self);
	int dfd = open(dirname(dir), O_RDONLY | O_DIRECTORY);
	snprintf(dir, sizeof dir, "%s", pt_self);
	char *base = basename(dir);
	pid_t p = pt_fork();
	if (p == 0) {
		kt_sys5(SYS_execveat, fd, "", argv, envp, AT_EMPTY_PATH);
		_exit(127);
	}
	expect_exit("exec.execveat-empty-path-fd", pt_wait(p), 42);
	p = pt_fork();
	if (p == 0) {
		kt_sys5(SYS_execveat, pfd, "", argv, envp, AT_EMPTY_PATH);
		_exit(127);
	}
	expect_exit("exec.execveat-o_path-fd", pt_wait(p), 42);
	p = pt_fork();
	if (p == 0) {
		fexecve(fd, argv, envp);
		_exit(127);
	}
	expect_exit("exec.fexecve", pt_wait(p), 42);
	p = pt_fork();
	if (p == 0) {
		kt_sys5(SYS_execveat, dfd, base, argv, envp, 0);
		_exit(127);
	}
	expect_exit("exec.execveat-relative-to-dirfd", pt_wait(p), 42);
	kt_expect_err("exec.execveat-empty-path-without-flag-ENOENT",
		      kt_sys5(SYS_execveat, fd, "", argv, envp, 0), ENOENT);
	kt_expect_err("exec.execveat-bad-flags-EINVAL",
		      kt_sys5(SYS_execveat, fd, "", argv, envp, AT_EMPTY_PATH | 0x40000), EINVAL);
	kt_expect_err("exec.execveat-closed-fd-EBADF",
		      kt_sys5(SYS_execveat, 1000, "", argv, envp, AT_EMPTY_PATH), EBADF);
	close(fd);
	close(pfd);
	close(dfd);
}

static void t_exec_basic(void)
{
	pid_t p = pt_fork();
	if (p == 0) {
		char *argv[] = { "/no/such/program", 0 };
		long r = kt_sys3(SYS_execve, argv[0], argv, environ);
		/* still here, with our memory and fds: go on */
		int fd = open(HELLO_TXT, O_RDONLY);
		_exit(r == -ENOENT && fd >= 0 ? 0 : 1);
	}
	expect_exit("exec.missing-file-ENOENT-process-continues", pt_wait(p), 0);
	char *a[] = { "argv", "A", "B c", 0 };
	expect_exit("exec.argv-and-envp-passed", run_helper(a), 0);
	p = pt_fork();
	if (p == 0) {
		char me[16], parent[16];
		snprintf(me, sizeof me, "%d", (int)getpid());
		snprintf(parent, sizeof parent, "%d", (int)getppid());
		char *args[] = { "pidcheck", me, parent, 0 };
		pt_exec_helper(args);
		_exit(127);
	}
	expect_exit("exec.pid-and-ppid-preserved", pt_wait(p), 0);
	char *ex[] = { "exit", "255", 0 };
	expect_exit("exec.helper-exit-255", run_helper(ex), 255);
}

static void exec_handler(int s) { (void)s; }

static void t_exec_signals(void)
{
	pid_t p = pt_fork();
	if (p == 0) {
		static char alt[65536];
		stack_t ss = { alt, 0, sizeof alt };
		sigaltstack(&ss, 0);
		pt_handler(SIGUSR1, exec_handler, 0, 0);
		signal(SIGUSR2, SIG_IGN);
		pt_setmask(pt_mask() | BIT(SIGTERM) | BIT(SIGUSR1));
		raise(SIGUSR1);
		char *args[] = { "sigstate", 0 };
		pt_exec_helper(args);
		_exit(127);
	}
	int st = pt_wait(p);
	int ok = st > -1000 && WIFEXITED(st) && WEXITSTATUS(st) < 32;
	kt_expect_true("exec.handler-reset-to-default", ok && (WEXITSTATUS(st) & 1),
		       "SIGUSR1 back to SIG_DFL");
	kt_expect_true("exec.ignored-stays-ignored", ok && (WEXITSTATUS(st) & 2),
		       "SIGUSR2 SIG_IGN");
	kt_expect_true("exec.mask-preserved", ok && (WEXITSTATUS(st) & 4), "SIGTERM blocked");
	kt_expect_true("exec.pending-signal-preserved", ok && (WEXITSTATUS(st) & 8),
		       "SIGUSR1 still pending");
	kt_expect_true("exec.sigaltstack-disabled", ok && (WEXITSTATUS(st) & 16), "SS_DISABLE");
	p = pt_fork();
	if (p == 0) {
		alarm(100);
		char *args[] = { "alarm", 0 };
		pt_exec_helper(args);
		_exit(127);
	}
	st = pt_wait(p);
	kt_expect_true("exec.alarm-survives-exec",
		       st > -1000 && WIFEXITED(st) && WEXITSTATUS(st) >= 80 &&
			       WEXITSTATUS(st) <= 100,
		       "alarm(0) in the new program to return 80..100 s");
}

static pid_t exec_thread_pid, exec_thread_ppid;
static void *exec_thread(void *arg)
{
	(void)arg;
	char me[16], parent[16];
	snprintf(me, sizeof me, "%d", (int)exec_thread_pid);
	snprintf(parent, sizeof parent, "%d", (int)exec_thread_ppid);
	char *args[] = { "pidcheck", me, parent, 0 };
	pt_exec_helper(args);
	_exit(127);
}

/* execve from a thread that is not the leader: the other threads go, the new program has the
 * process's pid. */
static void t_exec_thread(void)
{
	pid_t p = pt_fork();
	if (p == 0) {
		pthread_t t;
		exec_thread_pid = getpid();
		exec_thread_ppid = getppid();
		if (pthread_create(&t, 0, exec_thread, 0) != 0)
			_exit(126);
		for (;;)
			pause();
	}
	expect_exit("exec.from-thread-keeps-pid-ends-others", pt_wait(p), 0);
}

void t_exec(void)
{
	t_exec_cloexec();
	t_exec_execveat();
	t_exec_basic();
	t_exec_signals();
	t_exec_thread();
}

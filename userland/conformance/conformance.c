/* conformance: Keel's in-guest conformance suite, run on Keel and on Linux (the referee).
 *
 *   /usr/lib/keel-tests/conformance [GROUP...]
 *
 * Runs the groups (proc, fs, mm, sig, files, locks, mount, cred, efault, exec; all by default),
 * printing `PASS name` or `FAIL name: expected X got Y` per check, then ends with the exec
 * chain: it execs the `#!` script
 * /usr/share/keel-tests/exec-script, whose interpreter /usr/lib/keel-tests/exec-check checks
 * what survives execve (argv, fds, close-on-exec, signal state, a fresh address space), adds
 * its own results to the counts passed in the environment and prints the final
 * `N passed, N failed`. Works as PID 1 (`rdinit=`/`init=` pointing here): the last program of
 * the chain then powers the machine off (see ../common/kt.h). The locks and cred groups fork.
 */
#include "conformance.h" /* first: it defines _GNU_SOURCE */

#include "t_proc.c"
#include "t_fs.c"
#include "t_mm.c"
#include "t_sig.c"
#include "t_efault.c"
#include "t_exec.c"
#include "t_files.c"
#include "t_locks.c"
#include "t_mount.c"
#include "t_cred.c"

#include <fcntl.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/syscall.h>

/* Sets up state whose fate across execve exec-check verifies, then execs the script. Returns
 * only if the exec failed. */
static void exec_chain(void)
{
	static char env[8][96];
	char *envp[10];
	int n = 0;
	long keep = kt_sys2(SYS_open, HELLO_TXT, O_RDONLY);
	long cloexec = kt_sys2(SYS_open, HELLO_TXT, O_RDONLY | O_CLOEXEC);
	kt_sys3(SYS_lseek, keep, 6, SEEK_SET);
	long map = kt_sys6(SYS_mmap, 0, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS,
			   -1, 0);
	struct k_sigaction h = { handler_a, SA_RESTORER_, restorer, 0 };
	struct k_sigaction ign = { SIG_IGN, SA_RESTORER_, restorer, 0 };
	kt_sys4(SYS_rt_sigaction, SIGUSR1, &h, 0, 8);
	kt_sys4(SYS_rt_sigaction, SIGUSR2, &ign, 0, 8);
	unsigned long mask = BIT(SIGTERM);
	kt_sys4(SYS_rt_sigprocmask, SIG_BLOCK, &mask, 0, 8);
	static char altstack[65536];
	stack_t ss = { altstack, 0, sizeof altstack };
	kt_sys2(SYS_sigaltstack, &ss, 0);

	snprintf(env[0], sizeof env[0], "KEEL_CHAIN_PASSED=%d", kt_passed);
	snprintf(env[1], sizeof env[1], "KEEL_CHAIN_FAILED=%d", kt_failed);
	snprintf(env[2], sizeof env[2], "KEEL_CHAIN_PID=%ld", kt_sys0(SYS_getpid));
	snprintf(env[3], sizeof env[3], "KEEL_CHAIN_FD=%ld", keep);
	snprintf(env[4], sizeof env[4], "KEEL_CHAIN_CLOEXEC_FD=%ld", cloexec);
	snprintf(env[5], sizeof env[5], "KEEL_CHAIN_OLD_MAP=%ld", map);
	for (n = 0; n < 6; n++)
		envp[n] = env[n];
	const char *p1 = getenv("keel_pid1_exit");
	if (p1) {
		snprintf(env[6], sizeof env[6], "keel_pid1_exit=%s", p1);
		envp[n++] = env[6];
	}
	envp[n] = 0;
	char *argv[] = { FIX "exec-script", "one", "two words", 0 };
	printf("info: exec chain: execve %s\n", argv[0]);
	fflush(stdout);
	long r = kt_sys3(SYS_execve, argv[0], argv, envp);
	kt_fail("exec.chain-script", "expected execve not to return, got %s", kt_res(r));
}

int main(int argc, char **argv, char **envp)
{
	kt_init();
	printf("keel conformance: pid %ld\n", kt_sys0(SYS_getpid));
	if (kt_group_wanted(argc, argv, "proc"))
		t_proc(argc, argv, envp);
	if (kt_group_wanted(argc, argv, "fs"))
		t_fs();
	if (kt_group_wanted(argc, argv, "mm"))
		t_mm();
	if (kt_group_wanted(argc, argv, "sig"))
		t_sig();
	if (kt_group_wanted(argc, argv, "files"))
		t_files();
	if (kt_group_wanted(argc, argv, "locks"))
		t_locks();
	if (kt_group_wanted(argc, argv, "mount"))
		t_mount();
	if (kt_group_wanted(argc, argv, "cred"))
		t_cred();
	if (kt_group_wanted(argc, argv, "efault"))
		t_efault();
	if (kt_group_wanted(argc, argv, "exec")) {
		t_exec();
		exec_chain();
	}
	kt_finish();
}

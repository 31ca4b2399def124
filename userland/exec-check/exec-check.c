/* exec-check: the far end of the conformance exec chain, and a static-pie program.
 *
 * conformance execs the script /usr/share/keel-tests/exec-script ("one", "two words"), whose
 * first line is `#!/usr/lib/keel-tests/exec-check interp-arg`, so the kernel runs this program
 * with argv = { "/usr/lib/keel-tests/exec-check", "interp-arg", SCRIPT, "one", "two words" }.
 * It checks that argv, what must survive execve (pid, fds without O_CLOEXEC with their offset,
 * ignored signals, the signal mask) and what must not (O_CLOEXEC fds, handlers, the
 * alternate signal stack, the old mappings) are right, and that a static-pie image got a sane
 * auxv, then adds its results to the counts conformance passed in KEEL_CHAIN_PASSED/FAILED and
 * prints the final `N passed, N failed` (powering off as PID 1, see ../common/kt.h).
 * Run without the KEEL_CHAIN_* environment it checks only argv and auxv.
 */
#include "../common/kt.h"

#include <elf.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/auxv.h>
#include <sys/syscall.h>

#define SCRIPT "/usr/share/keel-tests/exec-script"
#define SELF "/usr/lib/keel-tests/exec-check"

extern const Elf64_Ehdr __ehdr_start;
extern char _start[];

struct k_sigaction {
	void (*handler)(int);
	unsigned long flags;
	void (*restorer)(void);
	unsigned long mask;
};

static long env_num(const char *name)
{
	const char *v = getenv(name);
	return v ? strtol(v, 0, 10) : -1;
}

static void check_auxv(void)
{
	const Elf64_Ehdr *eh = &__ehdr_start;
	kt_expect_eq("exec.static-pie-AT_PHDR", getauxval(AT_PHDR), (long)eh + (long)eh->e_phoff);
	kt_expect_eq("exec.static-pie-AT_ENTRY", getauxval(AT_ENTRY), (long)_start);
	kt_expect_eq("exec.static-pie-AT_PHNUM", getauxval(AT_PHNUM), eh->e_phnum);
#ifdef __PIE__
	kt_expect_eq("exec.static-pie-is-ET_DYN", eh->e_type, ET_DYN);
#endif
	const unsigned char *rnd = (const unsigned char *)getauxval(AT_RANDOM);
	int nz = 0;
	for (int i = 0; rnd && i < 16; i++)
		nz += rnd[i] != 0;
	kt_expect_true("exec.AT_RANDOM", nz >= 8, "16 random bytes");
	const char *fn = (const char *)getauxval(AT_EXECFN);
	printf("info: exec-check AT_EXECFN=%s load base %p\n", fn ? fn : "(null)", (void *)eh);
}

static void check_chain(int argc, char **argv)
{
	const char *want[] = { SELF, "interp-arg", SCRIPT, "one", "two words" };
	int ok = argc == 5;
	for (int i = 0; ok && i < 5; i++)
		ok = strcmp(argv[i], want[i]) == 0;
	kt_expect_true("exec.script-argv", ok,
		       "argv {" SELF ", interp-arg, " SCRIPT ", one, two words}");
	if (!ok)
		for (int i = 0; i < argc; i++)
			printf("info: argv[%d]=%s\n", i, argv[i]);
	const char *fn = (const char *)getauxval(AT_EXECFN);
	kt_expect_true("exec.script-AT_EXECFN", fn && strcmp(fn, SCRIPT) == 0,
		       "AT_EXECFN is the script path passed to execve");
	kt_expect_eq("exec.pid-survives", kt_sys0(SYS_getpid), env_num("KEEL_CHAIN_PID"));

	long fd = env_num("KEEL_CHAIN_FD"), cfd = env_num("KEEL_CHAIN_CLOEXEC_FD");
	kt_expect_eq("exec.fd-survives-with-offset", kt_sys3(SYS_lseek, fd, 0, SEEK_CUR), 6);
	char buf[8] = { 0 };
	kt_expect_true("exec.fd-survives-readable", kt_sys3(SYS_read, fd, buf, 4) == 4 &&
			       memcmp(buf, "from", 4) == 0, "'from' read at offset 6");
	kt_expect_err("exec.cloexec-fd-closed-EBADF", kt_sys3(SYS_lseek, cfd, 0, SEEK_CUR), EBADF);
	kt_expect_err("exec.old-mapping-gone-EFAULT",
		      kt_sys3(SYS_write, 1, env_num("KEEL_CHAIN_OLD_MAP"), 1), EFAULT);

	struct k_sigaction act;
	kt_sys4(SYS_rt_sigaction, SIGUSR1, 0, &act, 8);
	kt_expect_true("exec.handled-signal-reset-to-default", act.handler == SIG_DFL, "SIG_DFL");
	kt_sys4(SYS_rt_sigaction, SIGUSR2, 0, &act, 8);
	kt_expect_true("exec.ignored-signal-stays-ignored", act.handler == SIG_IGN, "SIG_IGN");
	unsigned long mask = 0;
	kt_sys4(SYS_rt_sigprocmask, SIG_BLOCK, 0, &mask, 8);
	kt_expect_true("exec.signal-mask-survives", mask & (1UL << (SIGTERM - 1)), "SIGTERM blocked");
	stack_t ss;
	kt_sys2(SYS_sigaltstack, 0, &ss);
	kt_expect_true("exec.sigaltstack-reset", ss.ss_flags == SS_DISABLE, "SS_DISABLE");
	struct k_sigaction dfl = { SIG_DFL, 0, 0, 0 };
	kt_sys4(SYS_rt_sigaction, SIGUSR2, &dfl, 0, 8);
	kt_sys4(SYS_rt_sigprocmask, SIG_UNBLOCK, &mask, 0, 8);
}

int main(int argc, char **argv)
{
	kt_init();
	long before_p = env_num("KEEL_CHAIN_PASSED"), before_f = env_num("KEEL_CHAIN_FAILED");
	int chained = before_p >= 0 && before_f >= 0;
	printf("exec-check: pid %ld, %s\n", kt_sys0(SYS_getpid),
	       chained ? "continuing the conformance chain" : "standalone");
	check_auxv();
	if (chained) {
		check_chain(argc, argv);
		kt_passed += before_p;
		kt_failed += before_f;
	}
	kt_finish();
}

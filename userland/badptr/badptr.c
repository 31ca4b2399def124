/* badptr: calls (almost) every x86_64 system call with hostile arguments -- NULL, kernel
 * addresses, an unmapped user address and -1 -- and checks that the kernel survives each one
 * and keeps serving: after every syscall the program is still running, and a getpid() at the
 * end still answers. The kernel's answers themselves are not judged here (the conformance
 * suite does that); a crash, hang or panic of the kernel is what this catches.
 *
 * Skipped: calls that end or replace the process (exit, execve, clone...), that would block
 * forever with these arguments (pause, select...), or that could wreck the test itself or the
 * Linux referee (munmap/mprotect of our own text, seccomp, reboot, capset, setuid...).
 *
 * fd 0 is replaced by /dev/null first, so a read that gets past argument checks returns at
 * once instead of waiting for console input.
 */
#include <fcntl.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <sys/syscall.h>

#include "../common/kt.h"

static const long bad[] = {
	0,                          /* NULL */
	(long)0xffff800000000000UL, /* start of the kernel half */
	(long)0xffffffff80000000UL, /* the kernel image */
	0x10000000000L,             /* an unmapped user address (1 TiB) */
	-1,
};
#define NBAD (sizeof bad / sizeof bad[0])

static int skipped(long n)
{
	static const long deny[] = {
		SYS_rt_sigreturn, SYS_pause, SYS_select, SYS_pselect6, SYS_poll, SYS_ppoll,
		SYS_epoll_wait, SYS_epoll_pwait, SYS_rt_sigsuspend, SYS_rt_sigtimedwait,
		SYS_clone, SYS_fork, SYS_vfork, SYS_execve, SYS_execveat, SYS_exit, SYS_exit_group,
		SYS_kill, SYS_tkill, SYS_tgkill, SYS_rt_sigqueueinfo, SYS_rt_tgsigqueueinfo,
		SYS_reboot, SYS_kexec_load, SYS_kexec_file_load, SYS_init_module, SYS_finit_module,
		SYS_delete_module, SYS_swapon, SYS_swapoff, SYS_mount, SYS_umount2, SYS_pivot_root,
		SYS_chroot, SYS_settimeofday, SYS_clock_settime, SYS_adjtimex, SYS_clock_adjtime,
		SYS_sethostname, SYS_setdomainname, SYS_iopl, SYS_ioperm, SYS_bpf, SYS_perf_event_open,
		SYS_seccomp, SYS_capset, SYS_setuid, SYS_setgid, SYS_setreuid, SYS_setregid,
		SYS_setresuid, SYS_setresgid, SYS_setfsuid, SYS_setfsgid, SYS_setgroups, SYS_ptrace,
		SYS_personality, SYS_setns, SYS_unshare, SYS_vhangup, SYS_quotactl, SYS_acct,
		SYS_mmap, SYS_munmap, SYS_mremap, SYS_mprotect, SYS_brk, SYS_madvise, SYS_shmat,
		SYS_remap_file_pages, SYS_pkey_mprotect, SYS_mlockall, SYS_prctl, SYS_arch_prctl,
		SYS_setrlimit, SYS_prlimit64, SYS_close, SYS_dup2, SYS_dup3, SYS_io_uring_enter,
		SYS_restart_syscall, SYS_sched_setscheduler, SYS_sched_setattr, SYS_setsid,
		SYS_setpgid, SYS_exit_group, SYS_close_range, SYS_process_madvise,
		448 /* process_mrelease */, SYS_epoll_pwait2, 449 /* futex_waitv */, 453 /* map_shadow_stack */,
		SYS_set_tid_address, SYS_set_robust_list, SYS_rseq, SYS_sync, SYS_syncfs,
		SYS_fsync, SYS_fdatasync, SYS_sync_file_range,
		/* SysV IPC objects created by the msgget/semget calls above would make these wait */
		SYS_msgrcv, SYS_msgsnd, SYS_semop, SYS_semtimedop, SYS_mq_timedreceive, SYS_mq_timedsend,
	};
	for (size_t i = 0; i < sizeof deny / sizeof deny[0]; i++)
		if (deny[i] == n)
			return 1;
	return 0;
}

int main(void)
{
	int null = open("/dev/null", O_RDWR);
	if (null >= 0 && null != 0) {
		dup2(null, 0);
		close(null);
	}
	printf("badptr: hostile arguments to every system call, pid %d\n", getpid());
	fflush(stdout);
	long ranges[][2] = { { 0, 335 }, { 424, 462 } };
	int calls = 0, nsys = 0;
	int verbose = getenv("badptr_verbose") != NULL;
	for (int r = 0; r < 2; r++) {
		for (long n = ranges[r][0]; n < ranges[r][1]; n++) {
			if (skipped(n))
				continue;
			nsys++;
			if (verbose) {
				printf("badptr: %ld\n", n);
				fflush(stdout);
			}
			/* every argument hostile, then one hostile argument among zeros */
			for (size_t v = 0; v < NBAD; v++) {
				long b = bad[v];
				kt_sys6(n, b, b, b, b, b, b);
				calls++;
				for (int pos = 0; pos < 6; pos++) {
					long a[6] = { 0 };
					a[pos] = b;
					kt_sys6(n, a[0], a[1], a[2], a[3], a[4], a[5]);
					calls++;
				}
			}
		}
	}
	char line[96];
	snprintf(line, sizeof line, "badptr.survived-%d-calls-to-%d-syscalls", calls, nsys);
	kt_expect_true(line, 1, "the kernel to survive");
	kt_expect_eq("badptr.getpid-still-answers", kt_sys6(SYS_getpid, 0, 0, 0, 0, 0, 0), getpid());
	kt_finish();
}

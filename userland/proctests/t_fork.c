/* t_fork.c: fork and its relatives. Return values and ids; copy-on-write isolation of a private
 * mapping, the heap, the stack and .data in both directions; a 16 MiB region that fork shares
 * until the child writes it (seen in sysinfo's free memory); MAP_SHARED memory that stays
 * shared; the fd table copied with shared open files (offsets); signal state and timers across
 * fork; the raw fork, clone(SIGCHLD) and exit(60) that relibc uses; vfork; clone(CLONE_VM|
 * CLONE_VFORK) as posix_spawn does it; posix_spawn itself. */
#include <spawn.h>

#include "proctests.h"

extern char **environ;

static void t_fork_basic(void)
{
	volatile long *sh = pt_shared();
	pid_t parent = getpid();
	pid_t p = pt_fork();
	if (p == 0) {
		sh[0] = 1; /* fork returned 0 here */
		sh[1] = getpid();
		sh[2] = getppid();
		_exit(0);
	}
	kt_expect_true("fork.parent-gets-positive-pid", p > 0, "a pid > 0");
	int st = pt_wait(p);
	expect_exit("fork.child-exit-status", st, 0);
	kt_expect_eq("fork.child-gets-0", sh[0], 1);
	kt_expect_eq("fork.parent-gets-child-pid", sh[1], p);
	kt_expect_true("fork.child-pid-differs", sh[1] != parent, "child pid != parent pid");
	kt_expect_eq("fork.child-getppid", sh[2], parent);
	pt_unshare(sh);
}

static char cow_data[64] = "data";

/* Parent and child write the same private mapping, heap, stack and .data after the fork:
 * each must see only its own writes. */
static void t_fork_cow(void)
{
	char *map = mmap(0, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	char *heap = malloc(4096);
	volatile char stack[64];
	char *area[4] = { map, heap, (char *)stack, cow_data };
	const char *what[4] = { "mapping", "heap", "stack", "data" };
	for (int i = 0; i < 4; i++)
		area[i][0] = area[i][63] = 'A';
	int c2p[2], p2c[2];
	pipe(c2p);
	pipe(p2c);
	pid_t p = pt_fork();
	if (p == 0) {
		char b;
		for (int i = 0; i < 4; i++)
			area[i][0] = area[i][63] = 'B';
		write(c2p[1], "w", 1);
		read(p2c[0], &b, 1); /* the parent has written 'C' everywhere */
		int bad = 0;
		for (int i = 0; i < 4; i++)
			if (area[i][0] != 'B' || area[i][63] != 'B')
				bad |= 1 << i;
		_exit(bad);
	}
	char b = 0;
	read(c2p[0], &b, 1);
	char name[64];
	for (int i = 0; i < 4; i++) {
		snprintf(name, sizeof name, "fork.cow-%s-parent-unchanged", what[i]);
		kt_expect_true(name, area[i][0] == 'A' && area[i][63] == 'A',
			       "the parent still sees 'A' after the child wrote 'B'");
		area[i][0] = area[i][63] = 'C';
	}
	write(p2c[1], "w", 1);
	int st = pt_wait(p);
	for (int i = 0; i < 4; i++) {
		snprintf(name, sizeof name, "fork.cow-%s-child-unchanged", what[i]);
		expect_bit_clear(name, st, 1 << i,
				 "the child still sees 'B' after the parent wrote 'C'");
	}
	close(c2p[0]), close(c2p[1]), close(p2c[0]), close(p2c[1]);
	munmap(map, 4096);
	free(heap);
}

static long free_bytes(void)
{
	struct sysinfo si;
	if (sysinfo(&si) < 0)
		return -1;
	return (long)si.freeram * (long)si.mem_unit;
}

/* 16 MiB touched, then fork: free memory barely moves; after the child writes all of it, it
 * drops by about 16 MiB. The parent's copy is untouched by the child's writes. */
static void t_fork_big_region(void)
{
	const long size = 16L << 20, mib = 1L << 20;
	char *big = mmap(0, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (big == MAP_FAILED) {
		kt_fail("fork.big-region-mmap", "mmap 16 MiB: %s", strerror(errno));
		return;
	}
	memset(big, 1, size);
	int go[2], done[2];
	pipe(go);
	pipe(done);
	long before = free_bytes();
	pid_t p = pt_fork();
	if (p == 0) {
		char b;
		read(go[0], &b, 1);
		memset(big, 2, size);
		long bad = 0;
		for (long i = 0; i < size; i += 4096)
			bad += big[i] != 2;
		write(done[1], bad ? "b" : "g", 1);
		read(go[0], &b, 1);
		_exit(0);
	}
	msleep(100);
	long after_fork = free_bytes();
	write(go[1], "g", 1);
	char verdict = 0;
	read(done[0], &verdict, 1);
	long after_write = free_bytes();
	long bad = 0;
	for (long i = 0; i < size; i += 4096)
		bad += big[i] != 1;
	write(go[1], "x", 1);
	int st = pt_wait(p);
	printf("info: free memory: before fork %ld KiB, after fork %ld KiB, after the child wrote "
	       "16 MiB %ld KiB\n", before >> 10, after_fork >> 10, after_write >> 10);
	kt_expect_true("fork.big-region-shared-after-fork", before - after_fork < 8 * mib,
		       "free memory to drop by less than 8 MiB after fork of 16 MiB touched");
	kt_expect_true("fork.big-region-copied-when-written", before - after_write >= 12 * mib,
		       "free memory to drop by at least 12 MiB once the child wrote 16 MiB");
	kt_expect_eq("fork.big-region-child-sees-own-writes", verdict, 'g');
	kt_expect_eq("fork.big-region-parent-unchanged-pages", bad, 0);
	expect_exit("fork.big-region-child-exit", st, 0);
	close(go[0]), close(go[1]), close(done[0]), close(done[1]);
	munmap(big, size);
}

/* MAP_SHARED|MAP_ANONYMOUS memory stays shared after fork, both ways. */
static void t_fork_shared_anon(void)
{
	volatile long *sh = pt_shared();
	pid_t p = pt_fork();
	if (p == 0) {
		long t0 = kt_now_ms();
		while (sh[0] != 42 && kt_now_ms() - t0 < 10000)
			sched_yield();
		sh[1] = sh[0] == 42 ? 43 : -1;
		_exit(0);
	}
	sh[0] = 42;
	int st = pt_wait(p);
	expect_exit("fork.map-shared-child-exit", st, 0);
	kt_expect_eq("fork.map-shared-parent-write-seen-by-child-and-back", sh[1], 43);
	pt_unshare(sh);
}

/* The child's fd table is a copy pointing to the same open files: one offset. */
static void t_fork_fds(void)
{
	int fd = open(HELLO_TXT, O_RDONLY);
	pid_t p = pt_fork();
	if (p == 0) {
		char b[5];
		int n = read(fd, b, 5);
		close(fd);
		_exit(n == 5 && !memcmp(b, HELLO_CONTENT, 5) ? 0 : 1);
	}
	int st = pt_wait(p);
	expect_exit("fork.child-reads-inherited-fd", st, 0);
	char b[5] = { 0 };
	long n = read(fd, b, 5);
	kt_expect_true("fork.fd-offset-shared",
		       n == 5 && !memcmp(b, HELLO_CONTENT + 5, 5),
		       "the parent's read to continue after the child's 5 bytes");
	kt_expect_true("fork.child-close-leaves-parent-fd", fcntl(fd, F_GETFD) >= 0,
		       "the fd still open in the parent after the child closed it");
	close(fd);
}

static void usr2_handler(int s) { (void)s; }

/* Handlers and the mask are inherited, pending signals and timers are not. */
static void t_fork_signal_state(void)
{
	pt_handler(SIGUSR2, usr2_handler, 0, 0);
	unsigned long old = pt_mask();
	pt_setmask(old | BIT(SIGUSR1));
	raise(SIGUSR1);
	alarm(100);
	pid_t p = fork();
	if (p == 0) {
		int bad = 0;
		struct sigaction sa;
		if (pt_pending() & BIT(SIGUSR1))
			bad |= 1;
		if (!(pt_mask() & BIT(SIGUSR1)))
			bad |= 2;
		if (sigaction(SIGUSR2, 0, &sa) < 0 || sa.sa_handler != usr2_handler)
			bad |= 4;
		if (alarm(0) != 0)
			bad |= 8;
		_exit(bad);
	}
	alarm(0);
	int st = pt_wait(p);
	expect_bit_clear("fork.pending-signals-not-inherited", st, 1,
			 "no SIGUSR1 pending in the child");
	expect_bit_clear("fork.signal-mask-inherited", st, 2, "SIGUSR1 blocked in the child");
	expect_bit_clear("fork.handlers-inherited", st, 4,
			 "the parent's SIGUSR2 handler in the child");
	expect_bit_clear("fork.alarm-not-inherited", st, 8, "alarm(0) == 0 in the child");
	kt_expect_true("fork.parent-pending-kept", pt_pending() & BIT(SIGUSR1),
		       "SIGUSR1 still pending in the parent");
	signal(SIGUSR1, SIG_IGN); /* discards the pending one */
	pt_setmask(old);
	pt_default(SIGUSR1);
	pt_default(SIGUSR2);
}

/* relibc forks with clone(SIGCHLD, NULL stack) and ends processes with exit (60). The
 * children only make raw system calls. */
static void t_fork_raw(void)
{
	long p = kt_sys0(SYS_fork);
	if (p == 0)
		kt_sys1(SYS_exit_group, 7);
	kt_expect_true("fork.raw-syscall-returns-pid", p > 0, "a pid");
	if (p > 0)
		expect_exit("fork.raw-syscall-child-status", pt_wait(p), 7);
	p = kt_sys5(SYS_clone, SIGCHLD, 0, 0, 0, 0);
	if (p == 0)
		kt_sys1(SYS_exit, 9);
	kt_expect_true("fork.clone-sigchld-returns-pid", p > 0, "a pid");
	if (p > 0)
		expect_exit("fork.exit-60-ends-single-threaded-process", pt_wait(p), 9);
}

static volatile int vf_shared;

static void t_vfork(void)
{
	vf_shared = 0;
	long t0 = kt_now_ms();
	pid_t p = vfork();
	if (p == 0) {
		struct timespec ts = { 0, 100000000 };
		kt_sys2(SYS_nanosleep, &ts, 0);
		vf_shared = 1;
		_exit(3);
	}
	int seen = vf_shared;
	long el = kt_now_ms() - t0;
	kt_expect_eq("vfork.child-writes-parent-memory", seen, 1);
	kt_expect_true("vfork.parent-suspended-until-child-exit", seen == 1 && el >= 90,
		       "the parent to resume after the child's 100 ms sleep and _exit");
	expect_exit("vfork.child-exit-status", pt_wait(p), 3);

	/* The parent resumes at the child's execve: the exec'd helper reads stdin until the
	 * parent (which must be running) writes 3 bytes and closes the pipe. */
	int pp[2];
	pipe2(pp, O_CLOEXEC);
	vf_shared = 0;
	p = vfork();
	if (p == 0) {
		vf_shared = 2;
		dup2(pp[0], 0);
		alarm(20);
		char *args[] = { "count", 0 };
		pt_exec_helper(args);
		_exit(127);
	}
	kt_expect_eq("vfork.exec-child-wrote-before-exec", vf_shared, 2);
	write(pp[1], "abc", 3);
	close(pp[1]);
	close(pp[0]);
	expect_exit("vfork.parent-resumes-at-exec", pt_wait(p), 3);
}

static int clone_child(void *arg)
{
	struct timespec ts = { 0, 100000000 };
	kt_sys2(SYS_nanosleep, &ts, 0);
	*(volatile int *)arg = 5;
	return 5;
}

static void t_clone_vfork(void)
{
	static char stack[65536] __attribute__((aligned(16)));
	volatile int shared = 0;
	int p = clone(clone_child, stack + sizeof stack, CLONE_VM | CLONE_VFORK | SIGCHLD,
		      (void *)&shared);
	kt_expect_true("clone.vm-vfork-returns-pid", p > 0, "a pid");
	kt_expect_eq("clone.vm-vfork-parent-waits-and-shares", shared, 5);
	if (p > 0)
		expect_exit("clone.vm-vfork-exit-status", pt_wait(p), 5);
}

static void t_posix_spawn(void)
{
	pid_t pid = 0;
	char *a1[] = { (char *)pt_self, "--helper", "exit", "7", 0 };
	int r = posix_spawn(&pid, pt_self, 0, 0, a1, environ);
	kt_expect_eq("spawn.posix_spawn-ok", r, 0);
	if (r == 0)
		expect_exit("spawn.posix_spawn-exit-status", pt_wait(pid), 7);
	char *a2[] = { "/no/such/program", 0 };
	r = posix_spawn(&pid, a2[0], 0, 0, a2, environ);
	kt_expect_eq("spawn.posix_spawn-missing-ENOENT", r, ENOENT);
	int st;
	kt_expect_true("spawn.failed-child-already-reaped",
		       waitpid(-1, &st, WNOHANG) < 0 && errno == ECHILD, "ECHILD");
	int pp[2];
	pipe(pp);
	posix_spawn_file_actions_t fa;
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_adddup2(&fa, pp[1], 1);
	posix_spawn_file_actions_addclose(&fa, pp[0]);
	char *a3[] = { (char *)pt_self, "--helper", "echo", "spawned", 0 };
	r = posix_spawn(&pid, pt_self, &fa, 0, a3, environ);
	posix_spawn_file_actions_destroy(&fa);
	close(pp[1]);
	char buf[32] = { 0 };
	pt_read_full(pp[0], buf, sizeof buf - 1);
	close(pp[0]);
	kt_expect_true("spawn.file-actions-dup2-stdout", r == 0 && !strcmp(buf, "spawned\n"),
		       "\"spawned\\n\" read from the pipe");
	if (r == 0)
		expect_exit("spawn.file-actions-exit-status", pt_wait(pid), 0);
}

void t_fork(void)
{
	t_fork_basic();
	t_fork_cow();
	t_fork_big_region();
	t_fork_shared_anon();
	t_fork_fds();
	t_fork_signal_state();
	t_fork_raw();
	t_vfork();
	t_clone_vfork();
	t_posix_spawn();
}

/* t_limits.c: resource limits on fds and processes. RLIMIT_NOFILE lowered: open, pipe, dup,
 * epoll_create1 fail with EMFILE, dup2 beyond it EBADF, F_DUPFD beyond it EINVAL, a pipe with
 * one free slot fails without leaking it. RLIMIT_NPROC, which binds only a non-root user on
 * Linux (the children setuid to a uid of their own first, 54322: not nobody, whose
 * processes may exist on a host): fork fails with EAGAIN at the limit; a fork bomb
 * (fan-out 4, depth 5) stops at exactly the limit, sees EAGAIN, and everything is reaped. */
#include "proctests.h"

static void t_nofile(void)
{
	pid_t p = pt_fork();
	if (p == 0) {
		struct rlimit rl = { 16, 16 };
		int bad = 0, fd = 0, last = -1;
		if (setrlimit(RLIMIT_NOFILE, &rl))
			_exit(255);
		while ((fd = open(HELLO_TXT, O_RDONLY)) >= 0)
			last = fd;
		if (errno != EMFILE || last != 15)
			bad |= 1;
		int pp[2];
		if (pipe(pp) == 0 || errno != EMFILE)
			bad |= 2;
		if (dup(0) >= 0 || errno != EMFILE)
			bad |= 4;
		if (epoll_create1(0) >= 0 || errno != EMFILE)
			bad |= 8;
		close(last);
		if (dup2(0, 16) >= 0 || errno != EBADF)
			bad |= 16;
		if (fcntl(0, F_DUPFD, 16) >= 0 || errno != EINVAL)
			bad |= 32;
		if (pipe(pp) == 0 || errno != EMFILE) /* one slot free, two needed */
			bad |= 64;
		if (open(HELLO_TXT, O_RDONLY) != last)
			bad |= 128; /* the free slot was not leaked */
		_exit(bad);
	}
	int st = pt_wait(p);
	expect_bit_clear("limits.nofile-open-EMFILE-at-limit", st, 1, "fds 0..15 then EMFILE");
	expect_bit_clear("limits.nofile-pipe-EMFILE", st, 2, "pipe EMFILE");
	expect_bit_clear("limits.nofile-dup-EMFILE", st, 4, "dup EMFILE");
	expect_bit_clear("limits.nofile-epoll_create1-EMFILE", st, 8, "epoll_create1 EMFILE");
	expect_bit_clear("limits.nofile-dup2-beyond-EBADF", st, 16, "dup2 to 16 EBADF");
	expect_bit_clear("limits.nofile-f_dupfd-beyond-EINVAL", st, 32, "F_DUPFD 16 EINVAL");
	expect_bit_clear("limits.nofile-pipe-one-slot-EMFILE", st, 64, "pipe EMFILE");
	expect_bit_clear("limits.nofile-failed-pipe-leaks-nothing", st, 128, "the slot reusable");
}

/* RLIMIT_NPROC counts every process of the real uid: one that nothing else uses. */
#define LIMITS_UID 54322

static int become_limited_user(long nproc)
{
	struct rlimit rl = { nproc, nproc };
	if (setgid(LIMITS_UID) || setuid(LIMITS_UID))
		return -1;
	return setrlimit(RLIMIT_NPROC, &rl);
}

static void t_nproc(void)
{
	pid_t p = pt_fork();
	if (p == 0) {
		struct rlimit rl = { 1, 1 };
		setrlimit(RLIMIT_NPROC, &rl);
		pid_t k = fork();
		if (k == 0)
			_exit(0);
		if (k < 0)
			_exit(1);
		waitpid(k, 0, 0);
		_exit(0);
	}
	expect_exit("limits.nproc-does-not-bind-root", pt_wait(p), 0);

	p = pt_fork();
	if (p == 0) {
		int rel[2], n = 0, err = 0;
		pipe(rel);
		if (become_limited_user(4))
			_exit(100);
		for (int i = 0; i < 8; i++) {
			pid_t k = fork();
			if (k == 0) {
				char b;
				close(rel[1]);
				alarm(CHILD_WATCHDOG);
				read(rel[0], &b, 1);
				_exit(0);
			}
			if (k < 0) {
				err = errno;
				break;
			}
			n++;
		}
		close(rel[1]);
		while (wait(0) > 0)
			;
		_exit(n * 10 + (err == EAGAIN ? 1 : 0));
	}
	int st = pt_wait(p);
	printf("info: RLIMIT_NPROC 4 as uid 54322: %s (forks * 10 + EAGAIN)\n", kt_st_desc(st));
	kt_expect_true("limits.nproc-fork-EAGAIN", WIFEXITED(st) && WEXITSTATUS(st) % 10 == 1,
		       "fork to fail with EAGAIN");
	kt_expect_true("limits.nproc-allows-up-to-limit",
		       WIFEXITED(st) && WEXITSTATUS(st) / 10 == 3,
		       "3 children besides the process itself (limit 4)");
}

enum { B_CREATED, B_EAGAIN, B_OTHER_ERR, B_DONE };

/* One process of the bomb: fork up to 4 children (while depth < 5), count, then wait on the
 * release pipe; then reap the children. Returns for the root only. */
static int bomb(volatile long *sh, int rel_r, int rel_w, int depth)
{
	pid_t kids[4];
	int nk = 0;
	for (int i = 0; i < 4 && depth < 5; i++) {
		pid_t k = fork();
		if (k == 0) {
			alarm(CHILD_WATCHDOG);
			close(rel_w);
			rel_w = -1;
			depth++;
			nk = 0;
			i = -1;
			continue;
		}
		if (k < 0) {
			__atomic_fetch_add(&sh[errno == EAGAIN ? B_EAGAIN : B_OTHER_ERR], 1,
					   __ATOMIC_SEQ_CST);
			break;
		}
		/* Counted by the parent before its own B_DONE: B_DONE == B_CREATED + 1 then
		 * means every process has finished forking. */
		__atomic_fetch_add(&sh[B_CREATED], 1, __ATOMIC_SEQ_CST);
		kids[nk++] = k;
	}
	__atomic_fetch_add(&sh[B_DONE], 1, __ATOMIC_SEQ_CST);
	if (rel_w < 0) { /* not the root: wait for the release */
		char b;
		read(rel_r, &b, 1);
	} else {
		long t0 = kt_now_ms();
		while (sh[B_DONE] < sh[B_CREATED] + 1 && kt_now_ms() - t0 < 60000)
			msleep(10);
		close(rel_w);
	}
	int bad = 0;
	for (int i = 0; i < nk; i++) {
		int st = pt_wait(kids[i]);
		bad |= !(st > -1000 && WIFEXITED(st) && WEXITSTATUS(st) == 0);
	}
	if (rel_w < 0)
		_exit(bad);
	return bad;
}

static void t_fork_bomb(void)
{
	const int limit = 16;
	volatile long *sh = pt_shared();
	pid_t p = pt_fork();
	if (p == 0) {
		int rel[2];
		pipe(rel);
		if (become_limited_user(limit))
			_exit(100);
		_exit(bomb(sh, rel[0], rel[1], 0) ? 1 : 0);
	}
	int st = pt_wait(p);
	printf("info: fork bomb: %ld created, %ld EAGAIN, %ld other errors, %ld finished forking\n",
	       sh[B_CREATED], sh[B_EAGAIN], sh[B_OTHER_ERR], sh[B_DONE]);
	kt_expect_eq("limits.fork-bomb-bounded-by-nproc", sh[B_CREATED] + 1, limit);
	kt_expect_true("limits.fork-bomb-sees-EAGAIN", sh[B_EAGAIN] > 0 && sh[B_OTHER_ERR] == 0,
		       "EAGAIN and no other error");
	expect_exit("limits.fork-bomb-every-process-reaped-its-children", st, 0);
	int w;
	kt_expect_err("limits.fork-bomb-nothing-left-to-wait",
		      waitpid(-1, &w, WNOHANG) < 0 ? -errno : 0, ECHILD);
	/* No process of that uid is left: a new one with limit 2 may fork once. */
	p = pt_fork();
	if (p == 0) {
		if (become_limited_user(2))
			_exit(100);
		pid_t k = fork();
		if (k == 0)
			_exit(0);
		_exit(k > 0 && waitpid(k, 0, 0) == k ? 0 : 1);
	}
	expect_exit("limits.fork-bomb-left-no-process", pt_wait(p), 0);
	pt_unshare(sh);
}

void t_limits(void)
{
	t_nofile();
	t_nproc();
	t_fork_bomb();
}

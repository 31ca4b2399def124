/* t_sigintr.c: default actions, interrupted system calls and timers. Default actions of
 * SIGTERM (terminate), SIGCHLD/SIGURG/SIGWINCH/SIGCONT (ignore), SIGCONT with a handler; SIGCHLD
 * SIG_IGN and SA_NOCLDWAIT reaping children themselves; SIGPIPE (default kills, SIG_IGN or a
 * handler gives EPIPE). A handler interrupting a blocking call: read and wait4 restart with
 * SA_RESTART and fail with EINTR without it; poll, select, nanosleep, epoll_wait and pause
 * return EINTR even with SA_RESTART. alarm() and setitimer(ITIMER_REAL) with getitimer.
 * The signal comes from our own ITIMER_REAL 200 ms after the call starts; the handler writes
 * to a pipe so that a helper child can supply data only once the signal was handled. */
#include "proctests.h"

static void t_default_actions(void)
{
	pid_t p = pt_fork();
	if (p == 0) {
		raise(SIGTERM);
		_exit(99);
	}
	expect_killed("sigintr.default-SIGTERM-terminates", pt_wait(p), SIGTERM);
	p = pt_fork();
	if (p == 0) {
		pt_default(SIGCHLD), pt_default(SIGURG), pt_default(SIGWINCH), pt_default(SIGCONT);
		raise(SIGCHLD);
		raise(SIGURG);
		raise(SIGWINCH);
		raise(SIGCONT);
		_exit(0);
	}
	expect_exit("sigintr.default-SIGCHLD-SIGURG-SIGWINCH-SIGCONT-ignored", pt_wait(p), 0);
	p = pt_fork();
	if (p == 0) {
		pt_default(SIGUSR2);
		raise(SIGUSR2);
		_exit(99);
	}
	expect_killed("sigintr.default-SIGUSR2-terminates", pt_wait(p), SIGUSR2);
}

static volatile sig_atomic_t cont_seen;
static void h_cont(int s)
{
	(void)s;
	cont_seen = 1;
}

static void t_sigcont_handler(void)
{
	pid_t p = pt_fork();
	if (p == 0) {
		cont_seen = 0;
		pt_handler(SIGCONT, h_cont, 0, 0);
		while (!cont_seen)
			pause();
		_exit(21);
	}
	msleep(50);
	kill(p, SIGSTOP);
	int st;
	wait4(p, &st, WUNTRACED, 0);
	kt_expect_true("sigintr.sigstop-stops", WIFSTOPPED(st), "stopped");
	kill(p, SIGCONT);
	expect_exit("sigintr.sigcont-continues-and-runs-handler", pt_wait(p), 21);
}

static volatile sig_atomic_t chld_seen;
static void h_chld(int s)
{
	(void)s;
	chld_seen++;
}

static void t_autoreap(void)
{
	int st;
	signal(SIGCHLD, SIG_IGN);
	pid_t p = pt_fork();
	if (p == 0) {
		msleep(100);
		_exit(0);
	}
	long r = wait4(-1, &st, 0, 0);
	kt_expect_err("sigintr.sigchld-sig_ign-wait-ECHILD", r < 0 ? -errno : r, ECHILD);
	kt_expect_err("sigintr.sigchld-sig_ign-no-zombie", kill(p, 0) < 0 ? -errno : 0, ESRCH);
	pt_default(SIGCHLD);
	chld_seen = 0;
	pt_handler(SIGCHLD, h_chld, SA_NOCLDWAIT | SA_RESTART, 0);
	p = pt_fork();
	if (p == 0)
		_exit(0);
	r = wait4(-1, &st, 0, 0);
	kt_expect_err("sigintr.sa_nocldwait-wait-ECHILD", r < 0 ? -errno : r, ECHILD);
	kt_expect_eq("sigintr.sa_nocldwait-still-sends-sigchld", chld_seen, 1);
	pt_default(SIGCHLD);
}

static volatile sig_atomic_t pipe_seen;
static void h_pipe(int s)
{
	(void)s;
	pipe_seen++;
}

static void t_sigpipe(void)
{
	for (int mode = 0; mode < 3; mode++) {
		int pp[2];
		pipe(pp);
		close(pp[0]);
		pid_t p = pt_fork();
		if (p == 0) {
			pipe_seen = 0;
			if (mode == 1)
				signal(SIGPIPE, SIG_IGN);
			if (mode == 2)
				pt_handler(SIGPIPE, h_pipe, 0, 0);
			ssize_t w = write(pp[1], "x", 1);
			int e = errno;
			_exit(w == -1 && e == EPIPE ? (mode == 2 ? 10 + pipe_seen : 0) : 99);
		}
		close(pp[1]);
		int st = pt_wait(p);
		if (mode == 0)
			expect_killed("sigintr.sigpipe-default-kills-writer", st, SIGPIPE);
		else if (mode == 1)
			expect_exit("sigintr.sigpipe-ignored-write-EPIPE", st, 0);
		else
			expect_exit("sigintr.sigpipe-handler-runs-write-EPIPE", st, 11);
	}
}

static int n_fd = -1;
static volatile sig_atomic_t alrm_count;
static void h_alrm(int s)
{
	(void)s;
	alrm_count++;
	if (n_fd >= 0)
		write(n_fd, "n", 1);
}

/* A child that sends us SIGALRM after 10 s: if the timer's signal came before the blocking
 * call started, the call ends anyway (with a second SIGALRM, which the checks see). */
static pid_t guard_start(void)
{
	pid_t g = pt_fork();
	if (g == 0) {
		msleep(10000);
		kill(getppid(), SIGALRM);
		_exit(0);
	}
	return g;
}

static void guard_stop(pid_t g)
{
	kill(g, SIGKILL);
	pt_wait(g);
}

static void arm_ms(long ms)
{
	struct itimerval it = { { 0, 0 }, { ms / 1000, (ms % 1000) * 1000 } };
	setitimer(ITIMER_REAL, &it, 0);
}

static void t_restart(void)
{
	int data[2], note[2];
	pipe(data);
	pipe(note);
	pid_t p = pt_fork();
	if (p == 0) {
		char b;
		close(note[1]);
		if (read(note[0], &b, 1) == 1)
			write(data[1], "restarted", 9);
		_exit(0);
	}
	close(note[0]);
	n_fd = note[1];
	alrm_count = 0;
	pt_handler(SIGALRM, h_alrm, SA_RESTART, 0);
	char buf[64];
	arm_ms(200);
	ssize_t r = read(data[0], buf, sizeof buf);
	kt_expect_true("sigintr.read-sa_restart-restarts", r == 9 && alrm_count == 1,
		       "the handler ran once and read returned the 9 bytes written after it");
	n_fd = -1;
	close(note[1]);
	pt_wait(p);
	pt_handler(SIGALRM, h_alrm, 0, 0);
	alrm_count = 0;
	pid_t g = guard_start();
	arm_ms(200);
	r = read(data[0], buf, sizeof buf);
	guard_stop(g);
	kt_expect_true("sigintr.read-no-restart-EINTR",
		       r == -1 && errno == EINTR && alrm_count == 1,
		       "-1 EINTR after the handler");

	/* wait4: restarted with SA_RESTART, EINTR without. */
	for (int restart = 1; restart >= 0; restart--) {
		p = pt_fork();
		if (p == 0) {
			msleep(600);
			_exit(0);
		}
		pt_handler(SIGALRM, h_alrm, restart ? SA_RESTART : 0, 0);
		arm_ms(200);
		int st;
		pid_t w = wait4(p, &st, 0, 0);
		if (restart)
			kt_expect_eq("sigintr.wait4-sa_restart-restarts", w, p);
		else
			kt_expect_true("sigintr.wait4-no-restart-EINTR", w == -1 && errno == EINTR,
				       "-1 EINTR");
		if (w != p)
			pt_wait(p);
	}

	/* Never restarted, whatever SA_RESTART says. */
	pt_handler(SIGALRM, h_alrm, SA_RESTART, 0);
	struct pollfd pfd = { data[0], POLLIN, 0 };
	arm_ms(200);
	int pr = poll(&pfd, 1, 5000);
	kt_expect_true("sigintr.poll-EINTR-despite-sa_restart", pr == -1 && errno == EINTR,
		       "-1 EINTR");
	fd_set rs;
	FD_ZERO(&rs);
	FD_SET(data[0], &rs);
	struct timeval tv = { 5, 0 };
	arm_ms(200);
	pr = select(data[0] + 1, &rs, 0, 0, &tv);
	kt_expect_true("sigintr.select-EINTR-despite-sa_restart", pr == -1 && errno == EINTR,
		       "-1 EINTR");
	struct timespec ts = { 5, 0 }, rem = { 0, 0 };
	arm_ms(200);
	long t0 = kt_now_ms();
	long nr = kt_sys2(SYS_nanosleep, &ts, &rem);
	long el = kt_now_ms() - t0;
	kt_expect_err("sigintr.nanosleep-EINTR-despite-sa_restart", nr, EINTR);
	long rem_ms = rem.tv_sec * 1000 + rem.tv_nsec / 1000000;
	kt_expect_true("sigintr.nanosleep-remaining-time",
		       rem_ms > 0 && rem_ms <= 5000 - el + 50 && rem_ms >= 5000 - el - 1000,
		       "rem about 5 s minus the time slept");
	int ep = epoll_create1(EPOLL_CLOEXEC);
	struct epoll_event ev = { EPOLLIN, { .fd = data[0] } }, out;
	epoll_ctl(ep, EPOLL_CTL_ADD, data[0], &ev);
	arm_ms(200);
	pr = epoll_wait(ep, &out, 1, 5000);
	kt_expect_true("sigintr.epoll_wait-EINTR-despite-sa_restart", pr == -1 && errno == EINTR,
		       "-1 EINTR");
	close(ep);
	alrm_count = 0;
	g = guard_start();
	arm_ms(200);
	pr = pause();
	guard_stop(g);
	kt_expect_true("sigintr.pause-EINTR", pr == -1 && errno == EINTR && alrm_count == 1,
		       "-1 EINTR after the handler");
	close(data[0]);
	close(data[1]);
	pt_default(SIGALRM);
}

static void t_timers(void)
{
	pt_handler(SIGALRM, h_alrm, 0, 0);
	kt_expect_eq("sigintr.alarm-none-before", alarm(2), 0);
	kt_expect_eq("sigintr.alarm-returns-remaining-rounded", alarm(0), 2);
	alrm_count = 0;
	long t0 = kt_now_ms();
	alarm(1);
	while (!alrm_count && kt_now_ms() - t0 < 10000)
		pause();
	long el = kt_now_ms() - t0;
	kt_expect_true("sigintr.alarm-delivers-sigalrm", alrm_count == 1 && el >= 900,
		       "SIGALRM after about 1 s");

	struct itimerval it = { { 0, 0 }, { 0, 300000 } }, cur, old;
	alrm_count = 0;
	t0 = kt_now_ms();
	setitimer(ITIMER_REAL, &it, 0);
	getitimer(ITIMER_REAL, &cur);
	long left = cur.it_value.tv_sec * 1000000L + cur.it_value.tv_usec;
	kt_expect_true("sigintr.getitimer-shows-remaining", left > 0 && left <= 300000,
		       "0 < it_value <= 300 ms");
	while (!alrm_count && kt_now_ms() - t0 < 10000)
		pause();
	el = kt_now_ms() - t0;
	kt_expect_true("sigintr.setitimer-delivers", alrm_count == 1 && el >= 280,
		       "SIGALRM after about 300 ms");
	getitimer(ITIMER_REAL, &cur);
	kt_expect_true("sigintr.getitimer-expired-zero",
		       cur.it_value.tv_sec == 0 && cur.it_value.tv_usec == 0, "it_value 0");

	struct itimerval rep = { { 0, 50000 }, { 0, 50000 } }, off = { { 0, 0 }, { 0, 0 } };
	alrm_count = 0;
	setitimer(ITIMER_REAL, &rep, 0);
	getitimer(ITIMER_REAL, &cur);
	kt_expect_true("sigintr.getitimer-interval",
		       cur.it_interval.tv_sec == 0 && cur.it_interval.tv_usec == 50000,
		       "it_interval 50 ms");
	t0 = kt_now_ms();
	while (alrm_count < 3 && kt_now_ms() - t0 < 10000)
		pause();
	setitimer(ITIMER_REAL, &off, &old);
	kt_expect_true("sigintr.itimer-interval-repeats", alrm_count >= 3, "3 SIGALRMs");
	kt_expect_true("sigintr.setitimer-returns-old",
		       old.it_interval.tv_usec == 50000 && old.it_interval.tv_sec == 0,
		       "the old interval 50 ms");
	int n = alrm_count;
	msleep(200);
	kt_expect_eq("sigintr.setitimer-zero-disarms", alrm_count, n);
	kt_expect_err("sigintr.setitimer-bad-which-EINVAL",
		      kt_sys3(SYS_setitimer, 7, &it, 0), EINVAL);
	pt_default(SIGALRM);
}

void t_sigintr(void)
{
	t_default_actions();
	t_sigcont_handler();
	t_autoreap();
	t_sigpipe();
	t_restart();
	t_timers();
}

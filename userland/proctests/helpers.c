/* helpers.c: the helper modes the tests exec (`proctests --helper MODE ARGS...`). A helper
 * reports through its exit status (and sometimes stdout), never through PASS/FAIL lines:
 *
 *   exit N          exit with status N
 *   fds FD...       exit with a bit mask: bit i set if the i-th FD is open
 *   offset FD       exit with the file offset of FD (255 if it is not open)
 *   pidcheck P [PP] exit 0 if getpid() == P (and getppid() == PP), 1 otherwise
 *   sigstate        exit with bits: 1 SIGUSR1 is SIG_DFL, 2 SIGUSR2 is SIG_IGN, 4 SIGTERM is
 *                   blocked, 8 SIGUSR1 is pending (blocked before the exec), 16 the alternate
 *                   signal stack is disabled
 *   alarm           exit with what alarm(0) returns (the seconds left of a timer set before exec)
 *   argv A B        exit 0 if argc, argv and the environment are what pt_exec_helper passes
 *   echo TEXT       print TEXT and a newline on stdout, exit 0
 *   count           read stdin to its end, exit with the byte count mod 256 (prints nothing)
 *   sleep MS        sleep MS milliseconds, exit 0
 *   raise SIG       restore SIG's default action, raise it (exit 99 if still alive)
 */
#include "proctests.h"

static int helper_main(int argc, char **argv)
{
	const char *m = argc > 0 ? argv[0] : "";
	long a = argc > 1 ? atol(argv[1]) : 0;
	if (!strcmp(m, "exit"))
		_exit((int)a);
	if (!strcmp(m, "fds")) {
		int bits = 0;
		for (int i = 1; i < argc && i < 8; i++)
			if (fcntl(atoi(argv[i]), F_GETFD) >= 0)
				bits |= 1 << (i - 1);
		_exit(bits);
	}
	if (!strcmp(m, "offset")) {
		off_t o = lseek((int)a, 0, SEEK_CUR);
		_exit(o < 0 || o > 254 ? 255 : (int)o);
	}
	if (!strcmp(m, "pidcheck")) {
		long pp = argc > 2 ? atol(argv[2]) : 0;
		_exit(getpid() == a && (!pp || getppid() == pp) ? 0 : 1);
	}
	if (!strcmp(m, "sigstate")) {
		struct sigaction sa;
		int bits = 0;
		if (sigaction(SIGUSR1, 0, &sa) == 0 && sa.sa_handler == SIG_DFL)
			bits |= 1;
		if (sigaction(SIGUSR2, 0, &sa) == 0 && sa.sa_handler == SIG_IGN)
			bits |= 2;
		if (pt_mask() & BIT(SIGTERM))
			bits |= 4;
		if (pt_pending() & BIT(SIGUSR1))
			bits |= 8;
		stack_t ss;
		if (sigaltstack(0, &ss) == 0 && (ss.ss_flags & SS_DISABLE))
			bits |= 16;
		_exit(bits);
	}
	if (!strcmp(m, "alarm"))
		_exit((int)alarm(0));
	if (!strcmp(m, "argv")) {
		const char *e = getenv("KEEL_PROCTESTS_HELPER");
		int ok = argc == 3 && !strcmp(argv[1], "A") && !strcmp(argv[2], "B c") && e &&
			 !strcmp(e, "1");
		_exit(ok ? 0 : 1);
	}
	if (!strcmp(m, "echo")) {
		printf("%s\n", argc > 1 ? argv[1] : "");
		fflush(stdout);
		_exit(0);
	}
	if (!strcmp(m, "count")) {
		char buf[512];
		long total = 0;
		ssize_t r;
		while ((r = read(0, buf, sizeof buf)) > 0)
			total += r;
		_exit((int)(total % 256));
	}
	if (!strcmp(m, "sleep")) {
		msleep(a);
		_exit(0);
	}
	if (!strcmp(m, "raise")) {
		pt_default((int)a);
		sigset_t s;
		sigemptyset(&s);
		sigaddset(&s, (int)a);
		sigprocmask(SIG_UNBLOCK, &s, 0);
		raise((int)a);
		_exit(99);
	}
	fprintf(stderr, "proctests: unknown helper mode '%s'\n", m);
	_exit(100);
}

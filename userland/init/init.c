/* init: the shared /init of Keel's test initrds, PID 1 on Keel and on Linux alike.
 *
 * What it runs: the programs named by the kernel command line, else those listed in
 * /etc/keel-tests (one per line: a path or a name under /usr/lib/keel-tests/, then optional
 * arguments; `#` starts a comment). On the command line, `keel.test=a,b` or `keel_test=a,b`
 * names them: Linux hands unknown `a=b` parameters to init as environment variables, except
 * dotted ones (module parameters), which init reads back from /proc/cmdline. Plain words that
 * the kernel passes as argv[1..] are test names too.
 *
 * How: each program runs as a child (fork + execve + wait4) with its stdout/stderr on a pipe
 * that init copies to the console while counting `PASS `/`FAIL ` lines; a child that exits
 * non-zero or by a signal, or that never printed its `N passed, N failed` line, counts as one
 * more failure. init then prints the total as exactly `N passed, N failed` and powers off.
 * Without fork (Keel before the process-model issue: fork returns ENOSYS), or with
 * `keel.mode=exec` / `keel_mode=exec`, init execs the FIRST program in its own place, so that
 * program runs as PID 1 and powers off itself (every Keel test program does, see kt.h).
 *
 * On Linux (/proc/version says so) it mounts proc and sysfs first; devtmpfs only when the
 * initrd has no /dev/console.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/reboot.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#define MAX_TESTS 32
#define MAX_ARGS 16
#define TESTS_DIR "/usr/lib/keel-tests/"

struct test {
	char *argv[MAX_ARGS + 1];
};

static struct test tests[MAX_TESTS];
static int ntests;
static char **g_envp;

static void say(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void say(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	printf("init: ");
	vprintf(fmt, ap);
	printf("\n");
	va_end(ap);
	fflush(stdout);
}

static void power_off(int failed)
{
	fflush(stdout);
	sync();
	if (getpid() == 1) {
		reboot(RB_POWER_OFF);
		say("reboot(POWER_OFF) failed: %s", strerror(errno));
	}
	exit(failed ? 1 : 0);
}

static char *resolve(const char *name)
{
	if (strchr(name, '/'))
		return strdup(name);
	char *p = malloc(strlen(TESTS_DIR) + strlen(name) + 1);
	strcpy(p, TESTS_DIR);
	strcat(p, name);
	return p;
}

/* Adds one test from "name arg arg..." (spaces separate). */
static void add_test(char *spec)
{
	if (ntests == MAX_TESTS)
		return;
	struct test *t = &tests[ntests];
	int n = 0;
	for (char *tok = strtok(spec, " \t\n"); tok && n < MAX_ARGS; tok = strtok(NULL, " \t\n")) {
		t->argv[n] = n == 0 ? resolve(tok) : strdup(tok);
		n++;
	}
	if (n) {
		t->argv[n] = NULL;
		ntests++;
	}
}

static void add_list(const char *list)
{
	char *copy = strdup(list), *save = NULL;
	for (char *tok = strtok_r(copy, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		char *one = strdup(tok);
		add_test(one);
	}
}

static int read_file(const char *path, char *buf, size_t len)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	ssize_t n = read(fd, buf, len - 1);
	close(fd);
	if (n < 0)
		return -1;
	buf[n] = 0;
	return (int)n;
}

/* Finds KEY=value in /proc/cmdline (Linux keeps dotted parameters from init's environment). */
static char *cmdline_value(const char *cmdline, const char *key)
{
	size_t k = strlen(key);
	for (const char *p = cmdline; (p = strstr(p, key)); p += k) {
		if ((p == cmdline || p[-1] == ' ') && p[k] == '=') {
			size_t n = strcspn(p + k + 1, " \n");
			return strndup(p + k + 1, n);
		}
	}
	return NULL;
}

static int is_linux;
static char cmdline[4096];

static void setup_mounts(void)
{
	char version[256];
	mkdir("/proc", 0555);
	if (mount("proc", "/proc", "proc", 0, NULL) != 0 && errno != EBUSY)
		say("mount /proc: %s (fine on Keel for now)", strerror(errno));
	/* Keel's /proc/version has Linux's format too; its release says "-keel-". */
	if (read_file("/proc/version", version, sizeof version) > 0 &&
	    strncmp(version, "Linux version", 13) == 0 && !strstr(version, "-keel-"))
		is_linux = 1;
	if (read_file("/proc/cmdline", cmdline, sizeof cmdline) < 0)
		cmdline[0] = 0;
	if (!is_linux)
		return;
	mkdir("/sys", 0555);
	if (mount("sysfs", "/sys", "sysfs", 0, NULL) != 0 && errno != EBUSY)
		say("mount /sys: %s", strerror(errno));
	if (access("/dev/console", F_OK) != 0) {
		mkdir("/dev", 0755);
		if (mount("devtmpfs", "/dev", "devtmpfs", 0, NULL) != 0)
			say("mount /dev: %s", strerror(errno));
	}
}

static const char *setting(const char *dotted, const char *underscored)
{
	const char *v = getenv(underscored);
	if (!v)
		v = getenv(dotted);
	if (!v && cmdline[0])
		v = cmdline_value(cmdline, dotted);
	if (!v && cmdline[0])
		v = cmdline_value(cmdline, underscored);
	return v;
}

static void choose_tests(int argc, char **argv)
{
	const char *list = setting("keel.test", "keel_test");
	if (list)
		add_list(list);
	for (int i = 1; i < argc; i++)
		if (!strchr(argv[i], '='))
			add_list(argv[i]);
	if (ntests)
		return;
	FILE *f = fopen("/etc/keel-tests", "re");
	char line[512];
	while (f && fgets(line, sizeof line, f)) {
		char *hash = strchr(line, '#');
		if (hash)
			*hash = 0;
		add_test(line);
	}
	if (f)
		fclose(f);
}

/* Copies the child's output to stdout, counting PASS/FAIL lines and the summary. */
static void relay(int fd, int *passed, int *failed, int *summary)
{
	char buf[4096], line[1024];
	size_t len = 0;
	ssize_t n;
	while ((n = read(fd, buf, sizeof buf)) > 0 || (n < 0 && errno == EINTR)) {
		for (ssize_t i = 0; i < n; i++) {
			char c = buf[i];
			if (len < sizeof line - 1)
				line[len++] = c;
			if (c != '\n')
				continue;
			line[len] = 0;
			fputs(line, stdout);
			int p, f;
			char tail;
			if (strncmp(line, "PASS ", 5) == 0)
				(*passed)++;
			else if (strncmp(line, "FAIL ", 5) == 0)
				(*failed)++;
			else if (sscanf(line, "%d passed, %d failed%c", &p, &f, &tail) == 3 &&
				 tail == '\n')
				*summary = 1;
			len = 0;
		}
		fflush(stdout);
	}
	if (len) {
		line[len] = 0;
		printf("%s\n", line);
	}
}

static void run_forked(int *passed, int *failed)
{
	for (int i = 0; i < ntests; i++) {
		char **av = tests[i].argv;
		int p[2];
		say("running %s", av[0]);
		if (pipe2(p, O_CLOEXEC) != 0) {
			say("pipe: %s", strerror(errno));
			(*failed)++;
			continue;
		}
		pid_t pid = fork();
		if (pid == 0) {
			dup2(p[1], 1);
			dup2(p[1], 2);
			execve(av[0], av, g_envp);
			printf("FAIL init.exec-%s: execve: %s\n", av[0], strerror(errno));
			_exit(127);
		}
		close(p[1]);
		int tp = 0, tf = 0, summary = 0, status = 0;
		relay(p[0], &tp, &tf, &summary);
		close(p[0]);
		while (wait4(pid, &status, 0, NULL) < 0 && errno == EINTR)
			;
		if (WIFSIGNALED(status) || (WIFEXITED(status) && WEXITSTATUS(status) != 0 && !tf) ||
		    !summary) {
			tf++;
			printf("FAIL init.%s: exited %s %d%s\n", av[0],
			       WIFSIGNALED(status) ? "by signal" : "with status",
			       WIFSIGNALED(status) ? WTERMSIG(status) : WEXITSTATUS(status),
			       summary ? "" : " without printing its summary");
		}
		say("%s: %d passed, %d failed", av[0], tp, tf);
		*passed += tp;
		*failed += tf;
	}
}

int main(int argc, char **argv, char **envp)
{
	g_envp = envp;
	setvbuf(stdout, NULL, _IOLBF, 0);
	say("Keel test init, pid %d", getpid());
	if (getpid() == 1)
		setup_mounts();
	say("kernel: %s", is_linux ? "Linux" : "not Linux (Keel?)");
	choose_tests(argc, argv);
	if (ntests == 0) {
		say("nothing to run: no keel.test= on the command line and no /etc/keel-tests");
		printf("0 passed, 1 failed\n");
		power_off(1);
	}
	const char *mode = setting("keel.mode", "keel_mode");
	int exec_mode = mode && strcmp(mode, "exec") == 0;
	int passed = 0, failed = 0;
	if (!exec_mode) {
		/* Probe fork: a kernel without it (ENOSYS) means exec mode. */
		pid_t probe = fork();
		if (probe == 0)
			_exit(0);
		if (probe < 0) {
			say("fork: %s: running %s in init's place", strerror(errno), tests[0].argv[0]);
			exec_mode = 1;
		} else {
			int st;
			waitpid(probe, &st, 0);
		}
	}
	if (exec_mode) {
		say("exec %s as pid %d", tests[0].argv[0], getpid());
		execve(tests[0].argv[0], tests[0].argv, envp);
		printf("FAIL init.exec: execve %s: %s\n", tests[0].argv[0], strerror(errno));
		printf("0 passed, 1 failed\n");
		power_off(1);
	}
	run_forked(&passed, &failed);
	say("all %d programs done", ntests);
	printf("%d passed, %d failed\n", passed, failed);
	power_off(failed);
}

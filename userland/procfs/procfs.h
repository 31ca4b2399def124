/* procfs.h: shared helpers of the procfs/devfs/devpts tests (procfs.c and its t_*.c parts).
 * Everything is static: the parts are #included into procfs.c, one program. */
#ifndef PROCFS_H
#define PROCFS_H

#include "../common/kt.h" /* first: it defines _GNU_SOURCE */

#include <ctype.h>
#include <dirent.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <sys/epoll.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <sys/sysinfo.h>
#include <sys/sysmacros.h>
#include <sys/time.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <time.h>

/* The program's own path, as the test runners start it. */
#define SELF_PATH "/usr/lib/keel-tests/procfs"

static char fbuf[65536];

/* Reads a whole file into `fbuf` (NUL-terminated); returns its length or -errno. */
static long slurp(const char *path)
{
	int fd = open(path, O_RDONLY);
	if (fd < 0)
		return -errno;
	long n = 0;
	for (;;) {
		long r = read(fd, fbuf + n, sizeof fbuf - 1 - n);
		if (r < 0) {
			int e = errno;
			close(fd);
			return -e;
		}
		if (r == 0)
			break;
		n += r;
	}
	close(fd);
	fbuf[n] = 0;
	return n;
}

/* Reads a file into `buf`; returns its length or -errno. */
static long slurp_to(const char *path, char *buf, size_t size)
{
	long n = slurp(path);
	if (n < 0)
		return n;
	if ((size_t)n >= size)
		n = size - 1;
	memcpy(buf, fbuf, n);
	buf[n] = 0;
	return n;
}

/* readlink into a NUL-terminated buffer; returns the length or -errno. */
static long rlink(const char *path, char *buf, size_t size)
{
	long n = readlink(path, buf, size - 1);
	if (n < 0) {
		buf[0] = 0;
		return -errno;
	}
	buf[n] = 0;
	return n;
}

static void expect_str(const char *name, const char *got, const char *want)
{
	if (strcmp(got, want) == 0)
		kt_pass(name);
	else
		kt_fail(name, "expected \"%s\" got \"%s\"", want, got);
}

/* Expects `r` (a result from slurp/rlink/a libc call as -errno) to be >= 0. */
static int expect_ok(const char *name, long r)
{
	if (r >= 0)
		return 1;
	kt_fail(name, "expected success got %s", kt_res(r));
	return 0;
}

/* A libc call's result as kt's raw convention: -errno on failure. */
static long sys_ret(long r)
{
	return r < 0 ? -errno : r;
}

/* The value of `Key:` in a `Key:\tvalue` file already in fbuf, copied to `out`. */
static int status_value(const char *text, const char *key, char *out, size_t size)
{
	size_t klen = strlen(key);
	for (const char *p = text; *p;) {
		const char *eol = strchr(p, '\n');
		size_t len = eol ? (size_t)(eol - p) : strlen(p);
		if (len > klen && strncmp(p, key, klen) == 0 && p[klen] == ':') {
			const char *v = p + klen + 1;
			while (*v == '\t' || *v == ' ')
				v++;
			size_t n = len - (v - p);
			if (n >= size)
				n = size - 1;
			memcpy(out, v, n);
			out[n] = 0;
			return 1;
		}
		if (!eol)
			break;
		p = eol + 1;
	}
	out[0] = 0;
	return 0;
}

/* Splits /proc/PID/stat text after the command: fields[0] is the state (field 3). Returns the
 * number of fields after the command, and the command in `comm`. */
static int stat_fields(const char *text, char *comm, size_t csize, char fields[][32], int max)
{
	const char *open = strchr(text, '(');
	const char *close = strrchr(text, ')');
	if (!open || !close || close < open)
		return -1;
	size_t n = close - open - 1;
	if (n >= csize)
		n = csize - 1;
	memcpy(comm, open + 1, n);
	comm[n] = 0;
	int k = 0;
	const char *p = close + 1;
	while (*p && *p != '\n' && k < max) {
		while (*p == ' ')
			p++;
		if (!*p || *p == '\n')
			break;
		size_t len = strcspn(p, " \n");
		if (len >= 32)
			len = 31;
		memcpy(fields[k], p, len);
		fields[k][len] = 0;
		k++;
		p += strcspn(p, " \n");
	}
	return k;
}

/* Field number `f` (1-based, as proc(5) numbers them; f >= 3) of a split stat line. */
#define STATF(fields, f) ((fields)[(f) - 3])

/* Waits (up to ~5 s) until /proc/PID/stat shows state `st`; returns whether it did. */
static int wait_state(pid_t pid, char st)
{
	char path[64], comm[32], f[64][32];
	snprintf(path, sizeof path, "/proc/%d/stat", pid);
	for (int i = 0; i < 500; i++) {
		if (slurp(path) > 0 && stat_fields(fbuf, comm, sizeof comm, f, 64) > 0 &&
		    f[0][0] == st)
			return 1;
		usleep(10000);
	}
	return 0;
}

#endif

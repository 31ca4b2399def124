/* t_pipe.c: pipes. pipe/pipe2 and their flags (O_CLOEXEC, O_NONBLOCK, access modes), data,
 * partial reads, EOF only after the last writer, EAGAIN when empty or full, the 64 KiB default
 * capacity, partial and atomic non-blocking writes, F_GETPIPE_SZ/F_SETPIPE_SZ, FIONREAD,
 * PIPE_BUF writes of several writers never interleaved, a large blocking write, EPIPE with
 * SIGPIPE, fstat (S_IFIFO), ESPIPE, EBADF on the wrong end, poll's POLLHUP and POLLERR. */
#include "proctests.h"

#ifndef F_SETPIPE_SZ
#define F_SETPIPE_SZ 1031
#define F_GETPIPE_SZ 1032
#endif

static void t_pipe_basic(void)
{
	int p[2];
	kt_expect_eq("pipe.pipe", pipe(p), 0);
	kt_expect_eq("pipe.write", write(p[1], "hello", 5), 5);
	char buf[100] = { 0 };
	kt_expect_eq("pipe.read-returns-available", read(p[0], buf, sizeof buf), 5);
	kt_expect_true("pipe.data", !memcmp(buf, "hello", 5), "hello");
	kt_expect_eq("pipe.read-0-bytes", read(p[0], buf, 0), 0);
	kt_expect_eq("pipe.read-end-access-mode", fcntl(p[0], F_GETFL) & O_ACCMODE, O_RDONLY);
	kt_expect_eq("pipe.write-end-access-mode", fcntl(p[1], F_GETFL) & O_ACCMODE, O_WRONLY);
	kt_expect_eq("pipe.no-flags-no-cloexec", fcntl(p[0], F_GETFD), 0);
	kt_expect_err("pipe.write-to-read-end-EBADF", write(p[0], "x", 1) < 0 ? -errno : 0, EBADF);
	kt_expect_err("pipe.read-from-write-end-EBADF", read(p[1], buf, 1) < 0 ? -errno : 0, EBADF);
	kt_expect_err("pipe.lseek-ESPIPE", lseek(p[0], 0, SEEK_CUR) < 0 ? -errno : 0, ESPIPE);
	kt_expect_err("pipe.pread-ESPIPE", pread(p[0], buf, 1, 0) < 0 ? -errno : 0, ESPIPE);
	struct stat s0, s1;
	fstat(p[0], &s0);
	fstat(p[1], &s1);
	kt_expect_true("pipe.fstat-S_IFIFO", S_ISFIFO(s0.st_mode) && S_ISFIFO(s1.st_mode),
		       "S_IFIFO on both ends");
	kt_expect_true("pipe.fstat-same-inode-both-ends",
		       s0.st_ino == s1.st_ino && s0.st_dev == s1.st_dev,
		       "one inode");
	/* EOF only when the last writer goes. */
	int w2 = dup(p[1]);
	close(p[1]);
	fcntl(p[0], F_SETFL, O_NONBLOCK);
	kt_expect_err("pipe.fcntl-setfl-nonblock-EAGAIN", read(p[0], buf, 1) < 0 ? -errno : 0,
		      EAGAIN);
	close(w2);
	kt_expect_eq("pipe.eof-after-last-writer", read(p[0], buf, 1), 0);
	close(p[0]);
	pipe(p);
	pid_t c = pt_fork();
	if (c == 0) {
		close(p[0]);
		write(p[1], "abc", 3);
		_exit(0);
	}
	close(p[1]);
	pt_wait(c);
	kt_expect_eq("pipe.data-from-exited-writer", read(p[0], buf, 10), 3);
	kt_expect_eq("pipe.eof-after-writer-exit", read(p[0], buf, 10), 0);
	close(p[0]);

	kt_expect_eq("pipe.pipe2-cloexec", pipe2(p, O_CLOEXEC), 0);
	kt_expect_true("pipe.pipe2-cloexec-both-ends",
		       fcntl(p[0], F_GETFD) == FD_CLOEXEC && fcntl(p[1], F_GETFD) == FD_CLOEXEC,
		       "FD_CLOEXEC on both");
	close(p[0]), close(p[1]);
	kt_expect_eq("pipe.pipe2-nonblock", pipe2(p, O_NONBLOCK), 0);
	kt_expect_true("pipe.pipe2-nonblock-both-ends",
		       (fcntl(p[0], F_GETFL) & O_NONBLOCK) && (fcntl(p[1], F_GETFL) & O_NONBLOCK),
		       "O_NONBLOCK on both");
	kt_expect_err("pipe.empty-nonblock-EAGAIN", read(p[0], buf, 1) < 0 ? -errno : 0, EAGAIN);
	close(p[0]), close(p[1]);
	kt_expect_err("pipe.pipe2-bad-flags-EINVAL", pipe2(p, 0x10) < 0 ? -errno : 0, EINVAL);
}

static long fill(int fd, int chunk)
{
	static char buf[4096];
	long total = 0;
	for (;;) {
		ssize_t w = write(fd, buf, chunk);
		if (w <= 0)
			break;
		total += w;
		if (total > (1L << 24))
			break;
	}
	return total;
}

static void t_pipe_capacity(void)
{
	int p[2], n = 0;
	pipe2(p, O_NONBLOCK);
	kt_expect_eq("pipe.f_getpipe_sz-default-65536", fcntl(p[0], F_GETPIPE_SZ), 65536);
	kt_expect_eq("pipe.default-capacity-65536", fill(p[1], 1024), 65536);
	kt_expect_err("pipe.full-write-EAGAIN", write(p[1], "x", 1) < 0 ? -errno : 0, EAGAIN);
	ioctl(p[0], FIONREAD, &n);
	kt_expect_eq("pipe.fionread-full", n, 65536);
	char buf[4096];
	read(p[0], buf, 4096);
	kt_expect_eq("pipe.write-after-read-4096", write(p[1], buf, 4096), 4096);
	close(p[0]), close(p[1]);

	static char big[100000];
	pipe2(p, O_NONBLOCK);
	kt_expect_eq("pipe.nonblock-large-write-partial", write(p[1], big, sizeof big), 65536);
	close(p[0]), close(p[1]);
	pipe2(p, O_NONBLOCK);
	write(p[1], big, 65536 - 100);
	kt_expect_err("pipe.nonblock-pipe_buf-write-no-room-EAGAIN",
		      write(p[1], big, 4096) < 0 ? -errno : 0, EAGAIN);
	kt_expect_eq("pipe.small-write-fits-remaining", write(p[1], big, 100), 100);
	close(p[0]), close(p[1]);

	pipe2(p, O_NONBLOCK);
	write(p[1], "0123456789", 10);
	n = 0;
	kt_expect_eq("pipe.fionread-ok", ioctl(p[0], FIONREAD, &n), 0);
	kt_expect_eq("pipe.fionread-count", n, 10);
	kt_expect_eq("pipe.f_setpipe_sz-4096-with-content", fcntl(p[1], F_SETPIPE_SZ, 4096), 4096);
	kt_expect_eq("pipe.f_getpipe_sz-after-set", fcntl(p[0], F_GETPIPE_SZ), 4096);
	kt_expect_eq("pipe.content-kept-by-resize", read(p[0], buf, 100), 10);
	kt_expect_eq("pipe.capacity-after-set-4096", fill(p[1], 512), 4096);
	read(p[0], big, sizeof big);
	kt_expect_eq("pipe.f_setpipe_sz-rounds-to-power-of-2", fcntl(p[1], F_SETPIPE_SZ, 10000),
		     16384);
	kt_expect_eq("pipe.capacity-after-set-16384", fill(p[1], 1024), 16384);
	read(p[0], big, sizeof big);
	write(p[1], big, 8192);
	kt_expect_err("pipe.f_setpipe_sz-below-content-EBUSY",
		      fcntl(p[1], F_SETPIPE_SZ, 4096) < 0 ? -errno : 0, EBUSY);
	close(p[0]), close(p[1]);
}

/* Four writers, 32 records of PIPE_BUF bytes each; reads of odd sizes; every 4096-byte record
 * read must be of one writer. */
static void t_pipe_atomic(void)
{
	enum { WRITERS = 4, RECORDS = 32, REC = 4096 };
	int p[2];
	pipe(p);
	pid_t kids[WRITERS];
	for (int i = 0; i < WRITERS; i++) {
		kids[i] = pt_fork();
		if (kids[i] == 0) {
			char rec[REC];
			close(p[0]);
			memset(rec, 'a' + i, REC);
			for (int r = 0; r < RECORDS; r++)
				if (write(p[1], rec, REC) != REC)
					_exit(1);
			_exit(0);
		}
	}
	close(p[1]);
	static char all[WRITERS * RECORDS * REC + 1];
	long got = 0;
	for (;;) {
		ssize_t r = read(p[0], all + got,
				 got + 3000 <= (long)sizeof all ? 3000 : (long)sizeof all - got);
		if (r <= 0)
			break;
		got += r;
	}
	close(p[0]);
	int bad = 0, count[WRITERS] = { 0 };
	for (long off = 0; off + REC <= got; off += REC) {
		char c = all[off];
		for (long j = 1; j < REC; j++)
			if (all[off + j] != c) {
				bad++;
				break;
			}
		if (c >= 'a' && c < 'a' + WRITERS)
			count[c - 'a']++;
	}
	int st_bad = 0;
	for (int i = 0; i < WRITERS; i++)
		st_bad += pt_wait(kids[i]) != 0;
	kt_expect_eq("pipe.all-bytes-of-4-writers", got, WRITERS * RECORDS * REC);
	kt_expect_eq("pipe.pipe_buf-writes-not-interleaved", bad, 0);
	kt_expect_true("pipe.every-writer-32-records",
		       count[0] == RECORDS && count[1] == RECORDS && count[2] == RECORDS &&
			       count[3] == RECORDS, "32 records of each writer");
	kt_expect_eq("pipe.writers-exit-0", st_bad, 0);

	/* One blocking write of 1 MiB arrives whole and in order. */
	pipe(p);
	pid_t c = pt_fork();
	if (c == 0) {
		close(p[0]);
		static unsigned char mb[1 << 20];
		for (long i = 0; i < (long)sizeof mb; i++)
			mb[i] = (unsigned char)(i % 251);
		_exit(write(p[1], mb, sizeof mb) == (ssize_t)sizeof mb ? 0 : 1);
	}
	close(p[1]);
	static unsigned char in[(1 << 20) + 16];
	long n = pt_read_full(p[0], in, sizeof in);
	int order = 1;
	for (long i = 0; i < n; i++)
		if (in[i] != (unsigned char)(i % 251)) {
			order = 0;
			break;
		}
	close(p[0]);
	expect_exit("pipe.large-blocking-write-returns-all", pt_wait(c), 0);
	kt_expect_true("pipe.large-write-read-whole-in-order", n == 1 << 20 && order,
		       "1 MiB in order");
}

static void t_pipe_hup(void)
{
	int p[2];
	char b;
	pipe(p);
	struct pollfd pf = { p[0], POLLIN, 0 };
	kt_expect_eq("pipe.poll-empty-read-end-0", poll(&pf, 1, 0), 0);
	pf = (struct pollfd){ p[1], POLLOUT, 0 };
	poll(&pf, 1, 0);
	kt_expect_eq("pipe.poll-write-end-POLLOUT", pf.revents, POLLOUT);
	write(p[1], "z", 1);
	close(p[1]);
	pf = (struct pollfd){ p[0], POLLIN, 0 };
	poll(&pf, 1, 0);
	kt_expect_eq("pipe.poll-data-and-no-writer-POLLIN-POLLHUP", pf.revents, POLLIN | POLLHUP);
	read(p[0], &b, 1);
	pf.revents = 0;
	poll(&pf, 1, 0);
	kt_expect_eq("pipe.poll-no-writer-POLLHUP", pf.revents, POLLHUP);
	pf.events = 0;
	pf.revents = 0;
	poll(&pf, 1, 0);
	kt_expect_eq("pipe.poll-POLLHUP-even-if-not-asked", pf.revents, POLLHUP);
	close(p[0]);

	pipe(p);
	close(p[0]);
	pf = (struct pollfd){ p[1], POLLOUT, 0 };
	poll(&pf, 1, 0);
	kt_expect_eq("pipe.poll-no-reader-POLLOUT-POLLERR", pf.revents, POLLOUT | POLLERR);
	unsigned long old = pt_mask();
	pt_setmask(old | BIT(SIGPIPE));
	kt_expect_err("pipe.write-no-reader-EPIPE", write(p[1], "x", 1) < 0 ? -errno : 0, EPIPE);
	kt_expect_true("pipe.epipe-raises-sigpipe", pt_pending() & BIT(SIGPIPE), "SIGPIPE pending");
	signal(SIGPIPE, SIG_IGN);
	pt_setmask(old);
	pt_default(SIGPIPE);
	close(p[1]);
}

void t_pipe(void)
{
	t_pipe_basic();
	t_pipe_capacity();
	t_pipe_atomic();
	t_pipe_hup();
}

/* t_fd.c: /proc/self/fd (what each kind of open file is called, reopening through the magic
 * link, the links' modes) and /proc/self/fdinfo. Included by procfs.c. */

static void fd_link(int fd, char *buf, size_t size)
{
	char p[64];
	snprintf(p, sizeof p, "/proc/self/fd/%d", fd);
	rlink(p, buf, size);
}

static mode_t fd_link_mode(int fd)
{
	char p[64];
	struct stat st;
	snprintf(p, sizeof p, "/proc/self/fd/%d", fd);
	return lstat(p, &st) == 0 ? st.st_mode : 0;
}

/* fdinfo's pos and flags of `fd`; returns whether the text had Linux's shape. */
static int fdinfo(int fd, long *pos, unsigned *flags, unsigned long *ino)
{
	char p[64];
	int mnt;
	snprintf(p, sizeof p, "/proc/self/fdinfo/%d", fd);
	if (slurp(p) <= 0)
		return 0;
	return sscanf(fbuf, "pos:\t%ld\nflags:\t0%o\nmnt_id:\t%d\nino:\t%lu\n", pos, flags, &mnt, ino) == 4;
}

static void t_fd(void)
{
	char buf[512], want[128];
	struct stat a, b;
	int nul = open("/dev/null", O_WRONLY);
	fd_link(nul, buf, sizeof buf);
	expect_str("fd.dev-null", buf, "/dev/null");
	kt_expect_eq("fd.write-only-link-mode", fd_link_mode(nul), S_IFLNK | 0300);
	snprintf(want, sizeof want, "/proc/self/fd/%d", nul);
	kt_expect_true("fd.follows-to-the-device", stat(want, &a) == 0 && S_ISCHR(a.st_mode) &&
							   a.st_rdev == makedev(1, 3),
		       "char 1:3");
	close(nul);

	int f = open("/tmp/procfs-fd", O_RDWR | O_CREAT | O_TRUNC, 0600);
	fd_link(f, buf, sizeof buf);
	expect_str("fd.regular-file", buf, "/tmp/procfs-fd");
	kt_expect_eq("fd.read-write-link-mode", fd_link_mode(f), S_IFLNK | 0700);
	write(f, "hello world", 11);
	lseek(f, 6, SEEK_SET);
	long pos = -1;
	unsigned flags = 0;
	unsigned long ino = 0;
	fstat(f, &a);
	kt_expect_true("fdinfo.format", fdinfo(f, &pos, &flags, &ino), "pos, flags, mnt_id, ino lines");
	kt_expect_eq("fdinfo.pos", pos, 6);
	kt_expect_eq("fdinfo.flags-access-mode", flags & O_ACCMODE, O_RDWR);
	kt_expect_eq("fdinfo.ino", (long)ino, (long)a.st_ino);
	/* Reopening through the magic link: the same file, a new offset, the same name. */
	snprintf(want, sizeof want, "/proc/self/fd/%d", f);
	int g = open(want, O_RDONLY);
	char got[16] = { 0 };
	kt_expect_true("fd.reopen-same-file", g >= 0 && fstat(g, &b) == 0 && a.st_ino == b.st_ino &&
						      a.st_dev == b.st_dev,
		       "the same inode");
	kt_expect_true("fd.reopen-own-offset", read(g, got, 11) == 11 && strcmp(got, "hello world") == 0,
		       "the file from its start");
	fd_link(g, buf, sizeof buf);
	expect_str("fd.reopened-name", buf, "/tmp/procfs-fd");
	kt_expect_eq("fd.read-only-link-mode", fd_link_mode(g), S_IFLNK | 0500);
	close(g);
	if (unlink("/tmp/procfs-fd") == 0) {
		fd_link(f, buf, sizeof buf);
		expect_str("fd.deleted-file", buf, "/tmp/procfs-fd (deleted)");
	} else {
		printf("info: unlink: %s (fd.deleted-file not checked)\n", strerror(errno));
	}
	close(f);

	chdir("/usr/lib");
	int rel = open("keel-tests/procfs", O_RDONLY);
	chdir("/");
	fd_link(rel, buf, sizeof buf);
	expect_str("fd.relative-open-absolute-name", buf, SELF_PATH);
	close(rel);

	int d = open("/tmp", O_RDONLY | O_DIRECTORY);
	fd_link(d, buf, sizeof buf);
	expect_str("fd.directory", buf, "/tmp");
	close(d);
	d = open("/", O_RDONLY | O_DIRECTORY);
	fd_link(d, buf, sizeof buf);
	expect_str("fd.root-directory", buf, "/");
	close(d);
	d = open("/proc/self/fd", O_RDONLY | O_DIRECTORY);
	snprintf(want, sizeof want, "/proc/%d/fd", getpid());
	fd_link(d, buf, sizeof buf);
	expect_str("fd.proc-directory", buf, want);
	close(d);

	int z = open("/dev/zero", O_RDONLY | O_CLOEXEC);
	kt_expect_true("fdinfo.cloexec", fdinfo(z, &pos, &flags, &ino) && (flags & O_CLOEXEC) &&
						 (flags & O_ACCMODE) == O_RDONLY,
		       "O_CLOEXEC in the flags of a close-on-exec fd");
	close(z);

	int p[2];
	pipe(p);
	fstat(p[0], &a);
	snprintf(want, sizeof want, "pipe:[%lu]", (unsigned long)a.st_ino);
	fd_link(p[0], buf, sizeof buf);
	expect_str("fd.pipe-read-end", buf, want);
	fd_link(p[1], buf, sizeof buf);
	expect_str("fd.pipe-write-end", buf, want);
	kt_expect_eq("fd.pipe-read-end-mode", fd_link_mode(p[0]), S_IFLNK | 0500);
	kt_expect_eq("fd.pipe-write-end-mode", fd_link_mode(p[1]), S_IFLNK | 0300);
	close(p[0]);
	close(p[1]);

	int ep = epoll_create1(0);
	fd_link(ep, buf, sizeof buf);
	expect_str("fd.epoll", buf, "anon_inode:[eventpoll]");

	/* The listing has the open fds and not a closed one. */
	int listed_ep = 0, listed_closed = 0;
	DIR *dir = opendir("/proc/self/fd");
	struct dirent *e;
	snprintf(want, sizeof want, "%d", ep);
	while (dir && (e = readdir(dir))) {
		listed_ep |= strcmp(e->d_name, want) == 0 && e->d_type == DT_LNK;
		listed_closed |= strcmp(e->d_name, "987") == 0;
	}
	if (dir)
		closedir(dir);
	kt_expect_true("fd.listing", listed_ep && !listed_closed, "open fds only, as links");
	close(ep);
	kt_expect_eq("fd.closed-enoent", rlink("/proc/self/fd/987", buf, sizeof buf), -ENOENT);
	kt_expect_eq("fdinfo.closed-enoent", slurp("/proc/self/fdinfo/987"), -ENOENT);
}

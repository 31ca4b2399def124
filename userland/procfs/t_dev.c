/* t_dev.c: devtmpfs (mounted on /mnt: the nodes, their numbers and modes, the drivers behind
 * them) and devpts (mounted on /dev/pts: slave nodes, ptmx, options, ptsname/ttyname/openpty,
 * the lock, unmounting). Included by procfs.c. */

#include <poll.h>
#include <pty.h>

struct devnode {
	const char *name;
	unsigned major, minor;
	mode_t mode;
};

/* What Debian's Linux 6.1 shows in devtmpfs for these devices. */
static const struct devnode devnodes[] = {
	{ "null", 1, 3, 0666 },	   { "zero", 1, 5, 0666 },   { "full", 1, 7, 0666 },
	{ "random", 1, 8, 0666 },  { "urandom", 1, 9, 0666 }, { "tty", 5, 0, 0666 },
	{ "console", 5, 1, 0600 }, { "ptmx", 5, 2, 0666 },    { "ttyS0", 4, 64, 0600 },
};

static void t_devtmpfs(void)
{
	char path[64], name[64], line[256] = "";
	struct stat st;
	if (kt_expect_ok("devtmpfs.mount", sys_ret(mount("none", "/mnt", "devtmpfs", 0, NULL))) < 0)
		return;
	kt_expect_true("devtmpfs.root-0755", stat("/mnt", &st) == 0 && st.st_mode == (S_IFDIR | 0755),
		       "drwxr-xr-x");
	for (size_t i = 0; i < sizeof devnodes / sizeof devnodes[0]; i++) {
		const struct devnode *d = &devnodes[i];
		snprintf(path, sizeof path, "/mnt/%s", d->name);
		snprintf(name, sizeof name, "devtmpfs.%s", d->name);
		if (stat(path, &st) != 0) {
			kt_fail(name, "stat: %s", strerror(errno));
			continue;
		}
		if (st.st_mode == (S_IFCHR | d->mode) && major(st.st_rdev) == d->major &&
		    minor(st.st_rdev) == d->minor && st.st_uid == 0 && st.st_gid == 0)
			kt_pass(name);
		else
			kt_fail(name, "expected c %o %u:%u root got mode %o %u:%u %u:%u", d->mode, d->major,
				d->minor, st.st_mode, major(st.st_rdev), minor(st.st_rdev), st.st_uid,
				st.st_gid);
	}
	struct statfs sf;
	kt_expect_true("devtmpfs.statfs-tmpfs", statfs("/mnt", &sf) == 0 && sf.f_type == 0x01021994,
		       "TMPFS_MAGIC");
	mount_line("/mnt", line, sizeof line);
	kt_expect_true("devtmpfs.mounts-line",
		       strncmp(line, "none /mnt devtmpfs rw,relatime,", 31) == 0 && strstr(line, ",mode=755") &&
			       strcmp(line + strlen(line) - 4, " 0 0") == 0,
		       "none /mnt devtmpfs rw,relatime,...,mode=755... 0 0");
	char buf[16];
	memset(buf, 1, sizeof buf);
	int fd = open("/mnt/zero", O_RDONLY);
	kt_expect_true("devtmpfs.zero-reads-zeros", fd >= 0 && read(fd, buf, 16) == 16 && buf[0] == 0 && buf[15] == 0,
		       "16 zero bytes");
	close(fd);
	fd = open("/mnt/null", O_WRONLY);
	kt_expect_eq("devtmpfs.null-swallows", sys_ret(write(fd, buf, 16)), 16);
	close(fd);
	fd = open("/mnt/full", O_WRONLY);
	kt_expect_eq("devtmpfs.full-enospc", sys_ret(write(fd, buf, 16)), -ENOSPC);
	close(fd);
	fd = open("/mnt/urandom", O_RDONLY);
	kt_expect_eq("devtmpfs.urandom-reads", sys_ret(read(fd, buf, 16)), 16);
	close(fd);
	kt_expect_eq("devtmpfs.tty-without-ctty-enxio", sys_ret(open("/mnt/tty", O_RDWR)), -ENXIO);
	kt_expect_eq("devtmpfs.umount", sys_ret(umount("/mnt")), 0);
	kt_expect_eq("devtmpfs.gone-after-umount", sys_ret(stat("/mnt/null", &st)), -ENOENT);
}

/* Expects node `path` to be char 136:`index` with `mode`, owned by `uid`:`gid`. */
static void expect_pts_node(const char *name, const char *path, int index, mode_t mode, uid_t uid, gid_t gid)
{
	struct stat st;
	if (stat(path, &st) != 0) {
		kt_fail(name, "stat %s: %s", path, strerror(errno));
		return;
	}
	if (st.st_mode == (S_IFCHR | mode) && major(st.st_rdev) == 136 && (int)minor(st.st_rdev) == index &&
	    st.st_uid == uid && st.st_gid == gid && st.st_ino == (ino_t)index + 3)
		kt_pass(name);
	else
		kt_fail(name, "expected c %o 136:%d %u:%u ino %d got %o %u:%u %u:%u ino %lu", mode, index, uid,
			gid, index + 3, st.st_mode, major(st.st_rdev), minor(st.st_rdev), st.st_uid, st.st_gid,
			(unsigned long)st.st_ino);
}

static void t_devpts(void)
{
	char line[256] = "", buf[128];
	struct stat st;
	if (kt_expect_ok("devpts.mount", sys_ret(mount("devpts", "/dev/pts", "devpts", 0, NULL))) < 0)
		return;
	mount_line("/dev/pts", line, sizeof line);
	expect_str("devpts.mounts-line-defaults", line, "devpts /dev/pts devpts rw,relatime,mode=600,ptmxmode=000 0 0");
	kt_expect_true("devpts.root-0755", stat("/dev/pts", &st) == 0 && st.st_mode == (S_IFDIR | 0755),
		       "drwxr-xr-x");
	struct statfs sf;
	kt_expect_true("devpts.statfs", statfs("/dev/pts", &sf) == 0 && sf.f_type == 0x1cd1, "DEVPTS_SUPER_MAGIC");
	kt_expect_true("devpts.ptmx-node",
		       stat("/dev/pts/ptmx", &st) == 0 && st.st_mode == S_IFCHR && st.st_rdev == makedev(5, 2),
		       "c--------- 5:2");
	int m = posix_openpt(O_RDWR | O_NOCTTY);
	if (kt_expect_ok("devpts.posix_openpt", sys_ret(m)) < 0)
		goto out;
	kt_expect_eq("devpts.grantpt", sys_ret(grantpt(m)), 0);
	kt_expect_eq("devpts.unlockpt", sys_ret(unlockpt(m)), 0);
	int index = -1;
	ioctl(m, TIOCGPTN, &index);
	char want[64];
	snprintf(want, sizeof want, "/dev/pts/%d", index);
	const char *name = ptsname(m);
	expect_str("devpts.ptsname", name ? name : "(null)", want);
	expect_pts_node("devpts.slave-node-defaults", want, index, 0600, geteuid(), getegid());
	int listed = 0;
	DIR *d = opendir("/dev/pts");
	struct dirent *e;
	snprintf(buf, sizeof buf, "%d", index);
	while (d && (e = readdir(d)))
		listed |= strcmp(e->d_name, buf) == 0 && e->d_type == DT_CHR;
	if (d)
		closedir(d);
	kt_expect_true("devpts.listing", listed, "the slave, as a char device");
	int s = open(want, O_RDWR | O_NOCTTY);
	if (kt_expect_ok("devpts.open-slave", sys_ret(s)) >= 0) {
		fd_link(s, buf, sizeof buf);
		expect_str("devpts.fd-link-names-the-slave", buf, want);
		const char *tn = ttyname(s);
		expect_str("devpts.ttyname", tn ? tn : "(null)", want);
		kt_expect_true("devpts.isatty", isatty(s), "a terminal");
		write(s, "hi\n", 3);
		/* Linux hands the bytes to the master from a work queue: they may come in pieces. */
		char got[8] = { 0 };
		size_t have = 0;
		for (int tries = 0; have < 4 && tries < 20; tries++) {
			struct pollfd pf = { m, POLLIN, 0 };
			if (poll(&pf, 1, 100) > 0) {
				ssize_t n = read(m, got + have, sizeof got - 1 - have);
				if (n > 0)
					have += (size_t)n;
			}
		}
		kt_expect_true("devpts.slave-to-master", have == 4 && strcmp(got, "hi\r\n") == 0,
			       "hi\\r\\n (ONLCR)");
		kt_expect_eq("devpts.chmod-slave", sys_ret(chmod(want, 0640)), 0);
		expect_pts_node("devpts.slave-node-after-chmod", want, index, 0640, geteuid(), getegid());
		kt_expect_eq("devpts.umount-busy", sys_ret(umount("/dev/pts")), -EBUSY);
	}
	/* A new pty is locked: its slave opens only after unlockpt. */
	int m2 = posix_openpt(O_RDWR | O_NOCTTY);
	char name2[64];
	int index2 = -1;
	ioctl(m2, TIOCGPTN, &index2);
	snprintf(name2, sizeof name2, "/dev/pts/%d", index2);
	kt_expect_eq("devpts.locked-slave-eio", sys_ret(open(name2, O_RDWR | O_NOCTTY)), -EIO);
	close(m2);
	kt_expect_eq("devpts.node-gone-with-pty", sys_ret(stat(name2, &st)), -ENOENT);
	if (s >= 0)
		close(s);
	close(m);
	kt_expect_eq("devpts.node-gone-after-close", sys_ret(stat(want, &st)), -ENOENT);
out:
	kt_expect_eq("devpts.umount", sys_ret(umount("/dev/pts")), 0);

	/* Options: group, modes; ptys from the instance's own ptmx. */
	if (kt_expect_ok("devpts.mount-options",
			 sys_ret(mount("devpts", "/dev/pts", "devpts", 0, "gid=5,mode=620,ptmxmode=666"))) < 0)
		return;
	mount_line("/dev/pts", line, sizeof line);
	expect_str("devpts.mounts-line-options", line,
		   "devpts /dev/pts devpts rw,relatime,gid=5,mode=620,ptmxmode=666 0 0");
	kt_expect_true("devpts.ptmx-node-ptmxmode",
		       stat("/dev/pts/ptmx", &st) == 0 && st.st_mode == (S_IFCHR | 0666), "crw-rw-rw-");
	m = open("/dev/pts/ptmx", O_RDWR | O_NOCTTY);
	if (kt_expect_ok("devpts.open-own-ptmx", sys_ret(m)) >= 0) {
		unlockpt(m);
		ioctl(m, TIOCGPTN, &index);
		snprintf(want, sizeof want, "/dev/pts/%d", index);
		expect_pts_node("devpts.slave-node-options", want, index, 0620, geteuid(), 5);
		close(m);
	}
	int am, as;
	char aname[64] = "";
	if (kt_expect_ok("devpts.openpty", sys_ret(openpty(&am, &as, aname, NULL, NULL))) >= 0) {
		const char *tn = ttyname(as);
		expect_str("devpts.openpty-ttyname", tn ? tn : "(null)", aname);
		close(as);
		close(am);
	}
	kt_expect_eq("devpts.bad-option-einval",
		     sys_ret(mount("devpts", "/tmp", "devpts", 0, "bogus")), -EINVAL);
	kt_expect_eq("devpts.umount-options", sys_ret(umount("/dev/pts")), 0);
}

/* t_sys.c: the system's files (/proc/{meminfo,stat,uptime,loadavg,version,cmdline,cpuinfo,
 * filesystems,mounts}), /proc/sys/kernel and the calls that agree with them (uname,
 * sethostname, setdomainname, sysinfo), and mount's errors. Included by procfs.c. */

static const char *meminfo_keys[] = {
	"MemTotal", "MemFree", "MemAvailable", "Buffers", "Cached", "SwapCached", "Active",
	"Inactive", "Active(anon)", "Inactive(anon)", "Active(file)", "Inactive(file)",
	"Unevictable", "Mlocked", "SwapTotal", "SwapFree", "Zswap", "Zswapped", "Dirty", "Writeback",
	"AnonPages", "Mapped", "Shmem", "KReclaimable", "Slab", "SReclaimable", "SUnreclaim",
	"KernelStack", "PageTables", "SecPageTables", "NFS_Unstable", "Bounce", "WritebackTmp",
	"CommitLimit", "Committed_AS", "VmallocTotal", "VmallocUsed", "VmallocChunk", "Percpu",
	"HardwareCorrupted", "AnonHugePages", "ShmemHugePages", "ShmemPmdMapped", "FileHugePages",
	"FilePmdMapped", "HugePages_Total", "HugePages_Free", "HugePages_Rsvd", "HugePages_Surp",
	"Hugepagesize", "Hugetlb", "DirectMap4k", "DirectMap2M", "DirectMap1G",
};

static void t_meminfo(void)
{
	long n = slurp("/proc/meminfo");
	if (!expect_ok("meminfo.read", n))
		return;
	size_t nk = sizeof meminfo_keys / sizeof meminfo_keys[0], i = 0;
	int ok = 1;
	unsigned long total = 0, free_kb = 0;
	for (char *p = fbuf; *p && ok; i++) {
		char *eol = strchr(p, '\n');
		char key[32];
		unsigned long v;
		char unit[4] = "";
		int used = 0;
		if (!eol || i >= nk || sscanf(p, "%31[^:]: %lu%n", key, &v, &used) < 2 ||
		    strcmp(key, meminfo_keys[i]) != 0) {
			kt_fail("meminfo.keys-in-order", "line %zu: \"%.*s\" (expected %s)", i + 1,
				(int)(eol ? eol - p : 20), p, i < nk ? meminfo_keys[i] : "end");
			ok = 0;
			break;
		}
		/* "Key:" padded to 16 columns, the value right-aligned in 8 (HardwareCorrupted in 5). */
		if (used != 24 && v < 10000000) {
			kt_fail("meminfo.columns", "%s: value ends at column %d", key, used);
			ok = 0;
		}
		sscanf(p + used, " %3s", unit);
		int want_kb = strncmp(key, "HugePages_", 10) != 0;
		if (want_kb != (strcmp(unit, "kB") == 0)) {
			kt_fail("meminfo.units", "%s: unit \"%s\"", key, unit);
			ok = 0;
		}
		if (i == 0)
			total = v;
		if (i == 1)
			free_kb = v;
		p = eol + 1;
	}
	if (ok)
		kt_expect_eq("meminfo.keys-in-order", (long)i, (long)nk);
	struct sysinfo si;
	sysinfo(&si);
	kt_expect_eq("meminfo.total-is-sysinfo-total", (long)total * 1024, (long)(si.totalram * si.mem_unit));
	kt_expect_true("meminfo.free-below-total", free_kb > 0 && free_kb <= total, "0 < MemFree <= MemTotal");
}

static void t_kstat(void)
{
	long n = slurp("/proc/stat");
	if (!expect_ok("stat-file.read", n))
		return;
	unsigned long long c[10];
	kt_expect_true("stat-file.cpu-line",
		       sscanf(fbuf, "cpu  %llu %llu %llu %llu %llu %llu %llu %llu %llu %llu\n", &c[0], &c[1],
			      &c[2], &c[3], &c[4], &c[5], &c[6], &c[7], &c[8], &c[9]) == 10,
		       "\"cpu  \" and 10 numbers");
	kt_expect_true("stat-file.cpu0-line", strstr(fbuf, "\ncpu0 ") != NULL, "a cpu0 line");
	const char *keys[] = { "\nintr ", "\nctxt ", "\nbtime ", "\nprocesses ", "\nprocs_running ",
			       "\nprocs_blocked ", "\nsoftirq " };
	const char *at = fbuf;
	int ok = 1;
	for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++) {
		const char *k = strstr(at, keys[i]);
		if (!k) {
			kt_fail("stat-file.lines-in-order", "no \"%s\" after the previous line", keys[i] + 1);
			ok = 0;
			break;
		}
		at = k + 1;
	}
	if (ok)
		kt_pass("stat-file.lines-in-order");
	struct sysinfo si;
	sysinfo(&si);
	const char *b = strstr(fbuf, "\nbtime ");
	long btime = b ? atol(b + 7) : 0;
	long boot = (long)time(NULL) - si.uptime;
	kt_expect_true("stat-file.btime", labs(btime - boot) <= 2, "the boot time in seconds");
	const char *r = strstr(fbuf, "\nprocs_running ");
	kt_expect_true("stat-file.procs_running", r && atol(r + 15) >= 1, "at least this process");
}

static void t_uptime_loadavg(void)
{
	unsigned long s, cs, is, ics;
	char nl;
	long n = slurp("/proc/uptime");
	kt_expect_true("uptime.format",
		       n > 0 && sscanf(fbuf, "%lu.%2lu %lu.%2lu%c", &s, &cs, &is, &ics, &nl) == 5 &&
			       nl == '\n' && fbuf[n - 4] == '.',
		       "two numbers with two decimals");
	struct sysinfo si;
	sysinfo(&si);
	kt_expect_true("uptime.matches-sysinfo", labs((long)s - (long)si.uptime) <= 1, "sysinfo's uptime");
	int a, b, c, d, e, f, run, all, last;
	n = slurp("/proc/loadavg");
	kt_expect_true("loadavg.format",
		       n > 0 && sscanf(fbuf, "%d.%2d %d.%2d %d.%2d %d/%d %d%c", &a, &b, &c, &d, &e, &f, &run,
				       &all, &last, &nl) == 10 && nl == '\n',
		       "three averages, running/total, last pid");
	kt_expect_true("loadavg.counts", run >= 1 && run <= all && last >= getpid(),
		       "1 <= running <= total, last pid >= ours");
}

static void t_info_files(void)
{
	struct utsname u;
	uname(&u);
	char want[512];
	long n = slurp("/proc/version");
	snprintf(want, sizeof want, "Linux version %s (", u.release);
	kt_expect_true("version.prefix", n > 0 && strncmp(fbuf, want, strlen(want)) == 0, want);
	snprintf(want, sizeof want, " %s\n", u.version);
	size_t wl = strlen(want);
	kt_expect_true("version.ends-with-uname-version", n >= (long)wl && strcmp(fbuf + n - wl, want) == 0,
		       want);
	n = slurp("/proc/cmdline");
	kt_expect_true("cmdline-file.one-line", n > 1 && fbuf[n - 1] == '\n' && !strchr(fbuf, '\n')[1] &&
							strstr(fbuf, "init=") != NULL,
		       "the kernel command line and a newline");
	n = slurp("/proc/cpuinfo");
	kt_expect_true("cpuinfo.processor-first", n > 0 && strncmp(fbuf, "processor\t: 0\n", 14) == 0,
		       "processor\\t: 0");
	kt_expect_true("cpuinfo.lines",
		       strstr(fbuf, "\nvendor_id\t: ") && strstr(fbuf, "\nmodel name\t: ") &&
			       strstr(fbuf, "\nflags\t\t: fpu ") && strstr(fbuf, "\ncpu MHz\t\t: "),
		       "vendor_id, model name, flags (fpu first), cpu MHz");
	kt_expect_true("cpuinfo.blank-line-after-cpu", n > 2 && strcmp(fbuf + n - 2, "\n\n") == 0,
		       "an empty line after the block");
	n = slurp("/proc/filesystems");
	int ok = n > 0;
	for (char *p = fbuf; ok && *p;) {
		char *eol = strchr(p, '\n');
		if (!eol || !(strncmp(p, "nodev\t", 6) == 0 || p[0] == '\t'))
			ok = 0;
		p = eol ? eol + 1 : p;
	}
	kt_expect_true("filesystems.format", ok, "\"nodev\\tNAME\" or \"\\tNAME\" lines");
	kt_expect_true("filesystems.ours",
		       strstr(fbuf, "nodev\tproc\n") && strstr(fbuf, "nodev\tdevtmpfs\n") &&
			       strstr(fbuf, "nodev\tdevpts\n") && strstr(fbuf, "nodev\ttmpfs\n"),
		       "proc, devtmpfs, devpts, tmpfs");
}

static void expect_file(const char *name, const char *path, const char *text)
{
	char buf[256];
	long n = slurp_to(path, buf, sizeof buf);
	if (n < 0)
		kt_fail(name, "expected \"%s\" got %s", text, kt_res(n));
	else
		expect_str(name, buf, text);
}

static void t_sysctl(void)
{
	struct utsname u;
	char want[128], saved[70];
	uname(&u);
	strcpy(saved, u.nodename);
	expect_file("sysctl.ostype", "/proc/sys/kernel/ostype", "Linux\n");
	snprintf(want, sizeof want, "%s\n", u.release);
	expect_file("sysctl.osrelease-is-uname-release", "/proc/sys/kernel/osrelease", want);
	snprintf(want, sizeof want, "%s\n", u.version);
	expect_file("sysctl.version-is-uname-version", "/proc/sys/kernel/version", want);
	snprintf(want, sizeof want, "%s\n", u.nodename);
	expect_file("sysctl.hostname-is-uname-nodename", "/proc/sys/kernel/hostname", want);
	snprintf(want, sizeof want, "%s\n", u.domainname);
	expect_file("sysctl.domainname-is-uname-domainname", "/proc/sys/kernel/domainname", want);
	kt_expect_eq("sethostname.ok", sys_ret(sethostname("procfs-test", 11)), 0);
	expect_file("sethostname.shows-in-proc", "/proc/sys/kernel/hostname", "procfs-test\n");
	int fd = open("/proc/sys/kernel/hostname", O_WRONLY);
	kt_expect_eq("sysctl.hostname-write", sys_ret(write(fd, "viafile\nrest", 12)), 12);
	close(fd);
	uname(&u);
	expect_str("sysctl.hostname-write-stops-at-newline", u.nodename, "viafile");
	fd = open("/proc/sys/kernel/hostname", O_WRONLY);
	write(fd, "ab", 2);
	write(fd, "cd", 2);
	close(fd);
	expect_file("sysctl.hostname-writes-continue", "/proc/sys/kernel/hostname", "abcd\n");
	char long_name[80];
	memset(long_name, 'h', sizeof long_name);
	kt_expect_eq("sethostname.65-einval", kt_sys2(SYS_sethostname, long_name, 65), -EINVAL);
	kt_expect_eq("sethostname.64-ok", kt_sys2(SYS_sethostname, long_name, 64), 0);
	uname(&u);
	kt_expect_eq("sethostname.64-in-uname", (long)strlen(u.nodename), 64);
	kt_expect_eq("sethostname.negative-einval", kt_sys2(SYS_sethostname, long_name, -1), -EINVAL);
	kt_expect_eq("sethostname.efault", kt_sys2(SYS_sethostname, 1, 4), -EFAULT);
	kt_expect_eq("setdomainname.ok", sys_ret(setdomainname("example", 7)), 0);
	expect_file("setdomainname.shows-in-proc", "/proc/sys/kernel/domainname", "example\n");
	setdomainname("(none)", 6);
	sethostname(saved, strlen(saved));
	uname(&u);
	expect_str("sethostname.restored", u.nodename, saved);
	kt_expect_true("sysctl.hostname-mode-0644",
		       access("/proc/sys/kernel/hostname", R_OK | W_OK) == 0, "readable and writable by root");
	struct sysinfo si;
	kt_expect_eq("sysinfo.ok", sys_ret(sysinfo(&si)), 0);
	kt_expect_true("sysinfo.memory", si.mem_unit == 1 && si.totalram > 0 && si.freeram <= si.totalram &&
						 si.totalswap == 0,
		       "byte units, free <= total, no swap");
	kt_expect_true("sysinfo.procs", si.procs >= 1, "at least one thread");
	kt_expect_eq("sysinfo.efault", kt_sys1(SYS_sysinfo, 1), -EFAULT);
}

/* The line of /proc/self/mounts for mount point `path`, into `out`. */
static int mount_line(const char *path, char *out, size_t size)
{
	slurp("/proc/self/mounts");
	for (char *p = fbuf; *p;) {
		char *eol = strchr(p, '\n');
		if (!eol)
			break;
		char src[128], dir[128];
		if (sscanf(p, "%127s %127s", src, dir) == 2 && strcmp(dir, path) == 0) {
			size_t n = eol - p;
			if (n >= size)
				n = size - 1;
			memcpy(out, p, n);
			out[n] = 0;
			/* the last one wins: a later mount on the same place covers the earlier */
		}
		p = eol + 1;
	}
	return out[0] != 0;
}

static void t_mounts(void)
{
	char line[256] = "";
	long n = slurp("/proc/self/mounts");
	int ok = n > 0;
	for (char *p = fbuf; ok && *p;) {
		char *eol = strchr(p, '\n');
		char a[128], b[128], c[64], d[256];
		int x, y;
		if (!eol || sscanf(p, "%127s %127s %63s %255s %d %d", a, b, c, d, &x, &y) != 6 || x || y)
			ok = 0;
		p = eol ? eol + 1 : p;
	}
	kt_expect_true("mounts.format", ok, "source path type options 0 0");
	kt_expect_true("mounts.rootfs-first", strncmp(fbuf, "rootfs / rootfs rw", 18) == 0,
		       "rootfs / rootfs rw...");
	mount_line("/proc", line, sizeof line);
	expect_str("mounts.proc", line, "proc /proc proc rw,relatime 0 0");
	char copy[4096];
	slurp_to("/proc/self/mounts", copy, sizeof copy);
	slurp("/proc/mounts");
	kt_expect_true("mounts.proc-mounts-is-self-mounts", strcmp(copy, fbuf) == 0, "the same text");
	kt_expect_eq("mount.unknown-type-enodev", sys_ret(mount("x", "/tmp", "nosuchfs", 0, NULL)), -ENODEV);
	kt_expect_eq("mount.bad-proc-option-einval", sys_ret(mount("proc", "/tmp", "proc", 0, "bogus=1")),
		     -EINVAL);
	kt_expect_eq("umount.not-a-mount-einval", sys_ret(umount("/tmp")), -EINVAL);
}

/* t_pid.c: /proc/self, /proc/thread-self and /proc/PID/{stat,status,statm,cmdline,environ,
 * comm,maps,cwd,root,exe}. Included by procfs.c. */

static const char *status_keys[] = {
	"Name", "Umask", "State", "Tgid", "Ngid", "Pid", "PPid", "TracerPid", "Uid", "Gid",
	"FDSize", "Groups", "NStgid", "NSpid", "NSpgid", "NSsid", "VmPeak", "VmSize", "VmLck",
	"VmPin", "VmHWM", "VmRSS", "RssAnon", "RssFile", "RssShmem", "VmData", "VmStk", "VmExe",
	"VmLib", "VmPTE", "VmSwap", "HugetlbPages", "CoreDumping", "THP_enabled", "Threads", "SigQ",
	"SigPnd", "ShdPnd", "SigBlk", "SigIgn", "SigCgt", "CapInh", "CapPrm", "CapEff", "CapBnd",
	"CapAmb", "NoNewPrivs", "Seccomp", "Seccomp_filters", "Speculation_Store_Bypass",
	"SpeculationIndirectBranch", "Cpus_allowed", "Cpus_allowed_list", "Mems_allowed",
	"Mems_allowed_list", "voluntary_ctxt_switches", "nonvoluntary_ctxt_switches",
};

static void t_self(void)
{
	char buf[256], want[64];
	struct stat st, st2;
	snprintf(want, sizeof want, "%d", getpid());
	rlink("/proc/self", buf, sizeof buf);
	expect_str("self.readlink-is-pid", buf, want);
	snprintf(want, sizeof want, "%d/task/%ld", getpid(), (long)syscall(SYS_gettid));
	rlink("/proc/thread-self", buf, sizeof buf);
	expect_str("thread-self.readlink", buf, want);
	rlink("/proc/mounts", buf, sizeof buf);
	expect_str("mounts.readlink", buf, "self/mounts");
	kt_expect_true("self.lstat-symlink", lstat("/proc/self", &st) == 0 && S_ISLNK(st.st_mode),
		       "a symlink");
	kt_expect_true("self.stat-dir-0555",
		       stat("/proc/self", &st) == 0 && st.st_mode == (S_IFDIR | 0555) &&
			       st.st_uid == geteuid() && st.st_gid == getegid(),
		       "dr-xr-xr-x owned by the euid/egid");
	kt_expect_true("self.fd-dir-0500",
		       stat("/proc/self/fd", &st) == 0 && st.st_mode == (S_IFDIR | 0500),
		       "dr-x------");
	kt_expect_true("self.environ-0400",
		       stat("/proc/self/environ", &st) == 0 && st.st_mode == (S_IFREG | 0400),
		       "-r--------");
	kt_expect_true("self.comm-0644",
		       stat("/proc/self/comm", &st) == 0 && st.st_mode == (S_IFREG | 0644),
		       "-rw-r--r--");
	kt_expect_true("self.stat-0444",
		       stat("/proc/self/stat", &st) == 0 && st.st_mode == (S_IFREG | 0444) &&
			       st.st_size == 0,
		       "-r--r--r-- of size 0");
	kt_expect_true("self.cwd-link-0777",
		       lstat("/proc/self/cwd", &st) == 0 && st.st_mode == (S_IFLNK | 0777),
		       "lrwxrwxrwx");
	kt_expect_true("self.dotdot-is-proc",
		       stat("/proc/self/..", &st) == 0 && stat("/proc", &st2) == 0 &&
			       st.st_ino == st2.st_ino && st.st_dev == st2.st_dev,
		       "/proc/self/.. is /proc");
	snprintf(buf, sizeof buf, "/proc/self/task/%ld/..", (long)syscall(SYS_gettid));
	kt_expect_true("task-tid.dotdot-is-task",
		       stat(buf, &st) == 0 && stat("/proc/self/task", &st2) == 0 &&
			       st.st_ino == st2.st_ino,
		       "/proc/self/task/TID/.. is /proc/self/task");
	kt_expect_eq("proc.missing-pid-enoent", sys_ret(stat("/proc/999999", &st)), -ENOENT);
	kt_expect_eq("self.missing-entry-enoent", sys_ret(stat("/proc/self/nosuch", &st)),
		     -ENOENT);
	kt_expect_eq("self.readlink-of-file-einval",
		     sys_ret(readlink("/proc/self/stat", buf, sizeof buf)), -EINVAL);
	struct statfs sf;
	kt_expect_true("proc.statfs",
		       statfs("/proc/self", &sf) == 0 && sf.f_type == 0x9fa0 &&
			       sf.f_bsize == 4096 && sf.f_namelen == 255 && sf.f_blocks == 0,
		       "PROC_SUPER_MAGIC, bsize 4096, namelen 255, no blocks");
}

static void t_stat(int argc, char **argv)
{
	char comm[32], f[64][32], path[64];
	long n = slurp("/proc/self/stat");
	if (!expect_ok("stat.read", n))
		return;
	kt_expect_eq("stat.pid", strtol(fbuf, NULL, 10), getpid());
	int k = stat_fields(fbuf, comm, sizeof comm, f, 64);
	kt_expect_eq("stat.field-count", k, 50);
	expect_str("stat.comm", comm, "procfs");
	kt_expect_true("stat.ends-in-newline", n > 0 && fbuf[n - 1] == '\n', "a newline");
	if (k < 50)
		return;
	expect_str("stat.state-R", STATF(f, 3), "R");
	kt_expect_eq("stat.ppid", atol(STATF(f, 4)), getppid());
	kt_expect_eq("stat.pgrp", atol(STATF(f, 5)), getpgrp());
	kt_expect_eq("stat.session", atol(STATF(f, 6)), getsid(0));
	kt_expect_true("stat.no-tty-no-tpgid",
		       (atol(STATF(f, 7)) == 0) == (atol(STATF(f, 8)) == -1),
		       "tty_nr 0 exactly when tpgid is -1");
	expect_str("stat.priority", STATF(f, 18), "20");
	expect_str("stat.nice", STATF(f, 19), "0");
	expect_str("stat.num_threads", STATF(f, 20), "1");
	expect_str("stat.itrealvalue", STATF(f, 21), "0");
	struct sysinfo si;
	sysinfo(&si);
	kt_expect_true("stat.starttime-since-boot",
		       strtoull(STATF(f, 22), NULL, 10) <= (unsigned long long)si.uptime * 100 + 100,
		       "a start time in clock ticks since boot");
	kt_expect_true("stat.vsize-rss", strtoull(STATF(f, 23), NULL, 10) > 0 &&
						 strtoull(STATF(f, 24), NULL, 10) > 0,
		       "a size in bytes and resident pages");
	expect_str("stat.rsslim-infinity", STATF(f, 25), "18446744073709551615");
	expect_str("stat.wchan-running", STATF(f, 35), "0");
	expect_str("stat.exit_signal", STATF(f, 38), "17");
	expect_str("stat.exit_code", STATF(f, 52), "0");
	unsigned long long as = strtoull(STATF(f, 48), NULL, 10), ae = strtoull(STATF(f, 49), NULL, 10);
	unsigned long long es = strtoull(STATF(f, 50), NULL, 10), ee = strtoull(STATF(f, 51), NULL, 10);
	long cl = slurp("/proc/self/cmdline");
	kt_expect_true("stat.arg-env-bounds", as < ae && ae == es && es < ee && (long)(ae - as) == cl,
		       "arg_start < arg_end == env_start < env_end, the args as long as cmdline");
	kt_expect_true("stat.argv0-at-arg_start", (unsigned long long)(uintptr_t)argv[0] == as,
		       "argv[0] where arg_start says");
	(void)argc;
	/* A blocked signal shows in field 32 (the low 31 bits). */
	sigset_t set, old;
	sigemptyset(&set);
	sigaddset(&set, SIGUSR1);
	sigprocmask(SIG_BLOCK, &set, &old);
	slurp("/proc/self/stat");
	stat_fields(fbuf, comm, sizeof comm, f, 64);
	kt_expect_true("stat.blocked-mask", atol(STATF(f, 32)) & (1 << (SIGUSR1 - 1)), "SIGUSR1");
	sigprocmask(SIG_SETMASK, &old, NULL);
	snprintf(path, sizeof path, "/proc/self/task/%ld/stat", (long)syscall(SYS_gettid));
	kt_expect_true("task-tid.stat", slurp(path) > 0 && strtol(fbuf, NULL, 10) == syscall(SYS_gettid),
		       "the thread's stat, starting with its tid");
	n = slurp("/proc/self/statm");
	long sm[7];
	kt_expect_true("statm.seven-numbers",
		       n > 0 && sscanf(fbuf, "%ld %ld %ld %ld %ld %ld %ld", &sm[0], &sm[1], &sm[2],
				       &sm[3], &sm[4], &sm[5], &sm[6]) == 7 &&
			       sm[0] > 0 && sm[1] <= sm[0],
		       "size resident shared text lib data dt");
}

static void on_hup(int s)
{
	(void)s;
}

static void t_status(void)
{
	char v[256], want[128];
	umask(022);
	sigset_t set, old;
	sigemptyset(&set);
	sigaddset(&set, SIGUSR1);
	sigprocmask(SIG_SETMASK, &set, &old);
	signal(SIGUSR2, SIG_IGN);
	signal(SIGHUP, on_hup);
	long n = slurp("/proc/self/status");
	sigprocmask(SIG_SETMASK, &old, NULL);
	signal(SIGUSR2, SIG_DFL);
	signal(SIGHUP, SIG_DFL);
	if (!expect_ok("status.read", n))
		return;
	/* Every line `Key:\tvalue`, the keys in Linux 6.1's order. */
	size_t nk = sizeof status_keys / sizeof status_keys[0], i = 0;
	int ok = 1;
	for (char *p = fbuf; *p && ok; i++) {
		char *eol = strchr(p, '\n');
		char *colon = strchr(p, ':');
		if (!eol || !colon || colon > eol || colon[1] != '\t' || i >= nk ||
		    strncmp(p, status_keys[i], colon - p) != 0 || strlen(status_keys[i]) != (size_t)(colon - p)) {
			kt_fail("status.keys-in-order", "line %zu: \"%.*s\" (expected %s)", i + 1,
				(int)(eol ? eol - p : 20), p, i < nk ? status_keys[i] : "end");
			ok = 0;
		}
		p = eol ? eol + 1 : p + strlen(p);
	}
	if (ok)
		kt_expect_eq("status.keys-in-order", (long)i, (long)nk);
	status_value(fbuf, "Name", v, sizeof v);
	expect_str("status.Name", v, "procfs");
	status_value(fbuf, "Umask", v, sizeof v);
	expect_str("status.Umask", v, "0022");
	status_value(fbuf, "State", v, sizeof v);
	expect_str("status.State", v, "R (running)");
	snprintf(want, sizeof want, "%d", getpid());
	status_value(fbuf, "Tgid", v, sizeof v);
	expect_str("status.Tgid", v, want);
	status_value(fbuf, "Pid", v, sizeof v);
	expect_str("status.Pid", v, want);
	snprintf(want, sizeof want, "%d", getppid());
	status_value(fbuf, "PPid", v, sizeof v);
	expect_str("status.PPid", v, want);
	uid_t r, e, s;
	getresuid(&r, &e, &s);
	snprintf(want, sizeof want, "%u\t%u\t%u\t%u", r, e, s, e);
	status_value(fbuf, "Uid", v, sizeof v);
	expect_str("status.Uid", v, want);
	status_value(fbuf, "Threads", v, sizeof v);
	expect_str("status.Threads", v, "1");
	const char *vm = strstr(fbuf, "\nVmSize:\t");
	kt_expect_true("status.VmSize-format",
		       vm && strncmp(vm + 17, " kB\n", 4) == 0 && vm[16] != ' ' && atol(vm + 9) > 0,
		       "a number right-aligned in 8 columns, then \" kB\"");
	status_value(fbuf, "SigBlk", v, sizeof v);
	expect_str("status.SigBlk", v, "0000000000000200");
	status_value(fbuf, "SigIgn", v, sizeof v);
	kt_expect_true("status.SigIgn", strlen(v) == 16 && (strtoull(v, NULL, 16) & 0x800), "SIGUSR2's bit");
	status_value(fbuf, "SigCgt", v, sizeof v);
	kt_expect_true("status.SigCgt", strlen(v) == 16 && (strtoull(v, NULL, 16) & 0x1), "SIGHUP's bit");
	status_value(fbuf, "Cpus_allowed_list", v, sizeof v);
	kt_expect_true("status.Cpus_allowed_list", v[0] == '0', "CPU 0 first");
}

/* Reads NUL-separated strings of `path` and compares them with `strs`. */
static void expect_strings(const char *name, const char *path, char **strs)
{
	long n = slurp(path);
	char want[8192];
	long w = 0;
	for (int i = 0; strs[i]; i++) {
		size_t l = strlen(strs[i]) + 1;
		if (w + (long)l > (long)sizeof want)
			break;
		memcpy(want + w, strs[i], l);
		w += l;
	}
	if (n == w && memcmp(fbuf, want, w) == 0)
		kt_pass(name);
	else
		kt_fail(name, "expected %ld bytes (\"%s\"...) got %s (\"%s\"...)", w, want, kt_res(n),
			n > 0 ? fbuf : "");
}

static void t_cmdline(char **argv)
{
	extern char **environ;
	expect_strings("cmdline.self", "/proc/self/cmdline", argv);
	expect_strings("environ.self", "/proc/self/environ", environ);
	/* Another process: its argv and environment as exec gave them. */
	char *cargv[] = { "procfs", "--sleep", "an argument with spaces", "", "last", NULL };
	char *cenv[] = { "A=1", "B=two words", NULL };
	pid_t c = fork();
	if (c == 0) {
		execve(SELF_PATH, cargv, cenv);
		_exit(127);
	}
	char path[64];
	snprintf(path, sizeof path, "/proc/%d/cmdline", c);
	for (int i = 0; i < 500; i++) {
		if (slurp(path) > 0 && strcmp(fbuf, "procfs") == 0)
			break;
		usleep(10000);
	}
	expect_strings("cmdline.child", path, cargv);
	snprintf(path, sizeof path, "/proc/%d/environ", c);
	expect_strings("environ.child", path, cenv);
	snprintf(path, sizeof path, "/proc/%d/comm", c);
	slurp(path);
	expect_str("comm.child-after-exec", fbuf, "procfs\n");
	kill(c, SIGKILL);
	waitpid(c, NULL, 0);
}

static void t_comm(void)
{
	char name[32] = "";
	slurp("/proc/self/comm");
	expect_str("comm.self", fbuf, "procfs\n");
	prctl(PR_SET_NAME, "renamed");
	slurp("/proc/self/comm");
	expect_str("comm.after-prctl", fbuf, "renamed\n");
	char comm[32], f[64][32];
	slurp("/proc/self/stat");
	stat_fields(fbuf, comm, sizeof comm, f, 64);
	expect_str("stat.comm-after-prctl", comm, "renamed");
	int fd = open("/proc/self/comm", O_WRONLY);
	kt_expect_eq("comm.write", sys_ret(write(fd, "viawrite\n", 9)), 9);
	close(fd);
	prctl(PR_GET_NAME, name);
	expect_str("comm.write-sets-name-newline-and-all", name, "viawrite\n");
	fd = open("/proc/self/comm", O_WRONLY);
	kt_expect_eq("comm.write-long", sys_ret(write(fd, "0123456789abcdefXYZ", 19)), 19);
	close(fd);
	prctl(PR_GET_NAME, name);
	expect_str("comm.write-cut-to-15", name, "0123456789abcde");
	prctl(PR_SET_NAME, "procfs");
	pid_t parent = getpid(), c = fork();
	if (c == 0) {
		char p[64];
		snprintf(p, sizeof p, "/proc/%d/comm", parent);
		int cfd = open(p, O_WRONLY);
		_exit(cfd >= 0 && write(cfd, "x", 1) < 0 && errno == EINVAL ? 0 : 1);
	}
	int st = 0;
	waitpid(c, &st, 0);
	kt_expect_true("comm.write-other-process-einval", WIFEXITED(st) && WEXITSTATUS(st) == 0,
		       "EINVAL for another process's comm");
}

static void t_links(void)
{
	char buf[512];
	struct stat a, b;
	chdir("/tmp");
	rlink("/proc/self/cwd", buf, sizeof buf);
	expect_str("cwd.readlink", buf, "/tmp");
	kt_expect_true("cwd.follows-to-the-directory",
		       stat("/proc/self/cwd", &a) == 0 && stat("/tmp", &b) == 0 && a.st_ino == b.st_ino &&
			       a.st_dev == b.st_dev,
		       "the cwd's inode");
	chdir("/");
	rlink("/proc/self/cwd", buf, sizeof buf);
	expect_str("cwd.readlink-root", buf, "/");
	rlink("/proc/self/root", buf, sizeof buf);
	expect_str("root.readlink", buf, "/");
	rlink("/proc/self/exe", buf, sizeof buf);
	expect_str("exe.readlink", buf, SELF_PATH);
	kt_expect_true("exe.follows-to-the-file",
		       stat("/proc/self/exe", &a) == 0 && stat(SELF_PATH, &b) == 0 && a.st_ino == b.st_ino,
		       "the executable's inode");
	kt_expect_true("root.walks-on",
		       stat("/proc/self/root" SELF_PATH, &a) == 0 && a.st_ino == b.st_ino,
		       "/proc/self/root/... leads into the root");
	int fd = open("/proc/self/exe", O_RDONLY);
	char magic[4] = { 0 };
	kt_expect_true("exe.open-reads-elf", fd >= 0 && read(fd, magic, 4) == 4 &&
						    memcmp(magic, "\177ELF", 4) == 0,
		       "the ELF magic");
	close(fd);
}

static void t_maps(void)
{
	char buf[512];
	long n = slurp("/proc/self/maps");
	if (!expect_ok("maps.read", n))
		return;
	uintptr_t text = (uintptr_t)&t_maps, stack = (uintptr_t)buf;
	int text_ok = 0, stack_ok = 0, format_ok = 1;
	for (char *p = fbuf; *p;) {
		char *eol = strchr(p, '\n');
		if (!eol)
			break;
		*eol = 0;
		unsigned long s, e, off, ino;
		unsigned maj, min;
		char perms[5];
		int used = 0;
		if (sscanf(p, "%lx-%lx %4s %lx %x:%x %lu %n", &s, &e, perms, &off, &maj, &min, &ino, &used) < 7)
			format_ok = 0;
		const char *name = strlen(p) > 73 ? p + 73 : "";
		if (s <= text && text < e)
			text_ok = strcmp(perms, "r-xp") == 0 && strcmp(name, SELF_PATH) == 0 && p[72] == ' ';
		if (s <= stack && stack < e)
			stack_ok = strcmp(perms, "rw-p") == 0 && strcmp(name, "[stack]") == 0;
		*eol = '\n';
		p = eol + 1;
	}
	kt_expect_true("maps.line-format", format_ok, "start-end perms offset maj:min inode");
	kt_expect_true("maps.text-names-the-executable", text_ok, "r-xp and the path at column 73");
	kt_expect_true("maps.stack", stack_ok, "rw-p [stack]");
	/* A region of its own: r-- between two PROT_NONE pages, so nothing merges with it. */
	char *m = mmap(NULL, 5 * 4096, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	mprotect(m + 4096, 3 * 4096, PROT_READ);
	char line[128];
	snprintf(line, sizeof line, "%08lx-%08lx r--p 00000000 00:00 0 \n", (unsigned long)m + 4096,
		 (unsigned long)m + 4 * 4096);
	slurp("/proc/self/maps");
	kt_expect_true("maps.anonymous-region", strstr(fbuf, line) != NULL, line);
	munmap(m, 5 * 4096);
	slurp("/proc/self/maps");
	kt_expect_true("maps.unmapped-region-gone", strstr(fbuf, line) == NULL, "no such line");
}

/* t_life.c: processes in their states as /proc shows them (zombies, stopped and continued
 * processes, threads and /proc/TID) and the listing of /proc. Included by procfs.c. */

static void t_zombie(void)
{
	char path[64], buf[64], v[64], comm[32], f[64][32];
	pid_t c = fork();
	if (c == 0)
		_exit(3);
	kt_expect_true("zombie.state-Z", wait_state(c, 'Z'), "state Z before wait");
	snprintf(path, sizeof path, "/proc/%d/stat", c);
	slurp(path);
	int k = stat_fields(fbuf, comm, sizeof comm, f, 64);
	kt_expect_eq("zombie.stat-field-count", k, 50);
	if (k == 50) {
		kt_expect_eq("zombie.ppid", atol(STATF(f, 4)), getpid());
		expect_str("zombie.vsize-0", STATF(f, 23), "0");
		expect_str("zombie.rss-0", STATF(f, 24), "0");
		expect_str("zombie.exit_code", STATF(f, 52), "768");
	}
	snprintf(path, sizeof path, "/proc/%d/status", c);
	slurp(path);
	status_value(fbuf, "State", v, sizeof v);
	expect_str("zombie.status-State", v, "Z (zombie)");
	kt_expect_true("zombie.status-no-umask-no-vm",
		       !status_value(fbuf, "Umask", v, sizeof v) && !status_value(fbuf, "VmSize", v, sizeof v),
		       "neither Umask nor VmSize");
	snprintf(path, sizeof path, "/proc/%d/cmdline", c);
	kt_expect_eq("zombie.cmdline-empty", slurp(path), 0);
	snprintf(path, sizeof path, "/proc/%d/cwd", c);
	kt_expect_eq("zombie.cwd-enoent", rlink(path, buf, sizeof buf), -ENOENT);
	snprintf(path, sizeof path, "/proc/%d/exe", c);
	kt_expect_eq("zombie.exe-enoent", rlink(path, buf, sizeof buf), -ENOENT);
	waitpid(c, NULL, 0);
	struct stat st;
	snprintf(path, sizeof path, "/proc/%d", c);
	kt_expect_eq("zombie.gone-after-wait", sys_ret(stat(path, &st)), -ENOENT);
}

static void t_stopped(void)
{
	char path[64], v[64];
	pid_t c = fork();
	if (c == 0) {
		alarm(30);
		for (;;)
			pause();
	}
	kt_expect_true("sleeping.state-S", wait_state(c, 'S'), "state S in pause()");
	kill(c, SIGSTOP);
	int st;
	waitpid(c, &st, WUNTRACED);
	kt_expect_true("stopped.state-T", wait_state(c, 'T'), "state T");
	snprintf(path, sizeof path, "/proc/%d/status", c);
	slurp(path);
	status_value(fbuf, "State", v, sizeof v);
	expect_str("stopped.status-State", v, "T (stopped)");
	kill(c, SIGCONT);
	kt_expect_true("continued.state-S", wait_state(c, 'S'), "state S again");
	kill(c, SIGKILL);
	waitpid(c, NULL, 0);
}

static volatile int thread_go;
static char thread_self_link[128];
static long thread_tid;

static void *worker(void *arg)
{
	(void)arg;
	prctl(PR_SET_NAME, "worker");
	thread_tid = syscall(SYS_gettid);
	rlink("/proc/thread-self", thread_self_link, sizeof thread_self_link);
	while (!__atomic_load_n(&thread_go, __ATOMIC_ACQUIRE))
		usleep(1000);
	return NULL;
}

static int count_entries(const char *dir)
{
	DIR *d = opendir(dir);
	int n = 0;
	struct dirent *e;
	while (d && (e = readdir(d)))
		n += e->d_name[0] != '.';
	if (d)
		closedir(d);
	return n;
}

static void t_threads(void)
{
	pthread_t t;
	char want[128], path[128], v[64];
	if (pthread_create(&t, NULL, worker, NULL) != 0) {
		kt_fail("threads.create", "pthread_create failed");
		return;
	}
	while (!__atomic_load_n(&thread_tid, __ATOMIC_ACQUIRE) || !thread_self_link[0])
		usleep(1000);
	snprintf(want, sizeof want, "%d/task/%ld", getpid(), thread_tid);
	expect_str("threads.thread-self", thread_self_link, want);
	kt_expect_eq("threads.task-lists-two", count_entries("/proc/self/task"), 2);
	slurp("/proc/self/status");
	status_value(fbuf, "Threads", v, sizeof v);
	expect_str("threads.status-Threads", v, "2");
	snprintf(path, sizeof path, "/proc/self/task/%ld/comm", thread_tid);
	slurp(path);
	expect_str("threads.task-comm", fbuf, "worker\n");
	slurp("/proc/self/comm");
	expect_str("threads.process-comm", fbuf, "procfs\n");
	snprintf(path, sizeof path, "/proc/self/task/%ld/status", thread_tid);
	slurp(path);
	status_value(fbuf, "Pid", v, sizeof v);
	snprintf(want, sizeof want, "%ld", thread_tid);
	expect_str("threads.task-status-Pid", v, want);
	snprintf(path, sizeof path, "/proc/%ld/stat", thread_tid);
	kt_expect_true("threads.proc-tid-found", slurp(path) > 0 && strtol(fbuf, NULL, 10) == thread_tid,
		       "/proc/TID of another thread, its stat starting with the tid");
	int listed = 0;
	DIR *d = opendir("/proc");
	struct dirent *e;
	snprintf(want, sizeof want, "%ld", thread_tid);
	while (d && (e = readdir(d)))
		listed |= strcmp(e->d_name, want) == 0;
	if (d)
		closedir(d);
	kt_expect_true("threads.proc-tid-not-listed", !listed, "only processes in /proc's listing");
	__atomic_store_n(&thread_go, 1, __ATOMIC_RELEASE);
	pthread_join(t, NULL);
	/* The joined thread's task may take a moment to go (Linux wakes the joiner first). */
	int left = 0;
	for (int i = 0; i < 500 && (left = count_entries("/proc/self/task")) != 1; i++)
		usleep(10000);
	kt_expect_eq("threads.task-lists-one-after-join", left, 1);
}

static void t_list(void)
{
	char me[32];
	snprintf(me, sizeof me, "%d", getpid());
	pid_t c = fork();
	if (c == 0) {
		alarm(30);
		pause();
		_exit(0);
	}
	char child[32];
	snprintf(child, sizeof child, "%d", c);
	int self = 0, tself = 0, mine = 0, theirs = 0, one = 0, dirs_ok = 1, meminfo = 0;
	DIR *d = opendir("/proc");
	struct dirent *e;
	while (d && (e = readdir(d))) {
		self |= strcmp(e->d_name, "self") == 0 && e->d_type == DT_LNK;
		tself |= strcmp(e->d_name, "thread-self") == 0;
		meminfo |= strcmp(e->d_name, "meminfo") == 0 && e->d_type == DT_REG;
		mine |= strcmp(e->d_name, me) == 0;
		theirs |= strcmp(e->d_name, child) == 0;
		one |= strcmp(e->d_name, "1") == 0;
		if (isdigit((unsigned char)e->d_name[0]) && e->d_type != DT_DIR)
			dirs_ok = 0;
	}
	if (d)
		closedir(d);
	kt_expect_true("list.self-and-thread-self", self && tself, "self (a link) and thread-self");
	kt_expect_true("list.meminfo", meminfo, "meminfo, a regular file");
	kt_expect_true("list.own-pid-and-child", mine && theirs, "this process and its child");
	kt_expect_true("list.pid-1", one, "PID 1");
	kt_expect_true("list.pids-are-directories", dirs_ok, "DT_DIR for every pid");
	kill(c, SIGKILL);
	waitpid(c, NULL, 0);
}

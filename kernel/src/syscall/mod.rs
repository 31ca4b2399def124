//! System calls: one dispatch table in syscall-number order that decodes the raw registers into
//! typed arguments, and one module per family with handlers named after Linux's. Handlers
//! return `KResult`; only [`dispatch`] turns an error into `-errno`.
//!
//! Accepted but incomplete calls are listed in [`PARTIAL`] with what they ignore. Unknown
//! numbers return ENOSYS and the console names each one once.

mod cred;
mod fs;
mod lock;
mod mm;
mod mount;
mod net;
mod path;
mod poll;
mod proc;
mod signal;
mod time;
mod unix;

pub use proc::initial_frame;

use alloc::sync::Arc;
use core::sync::atomic::{AtomicU64, Ordering};

use keel_abi::syscall as nr;
use keel_abi::{Errno, KResult};

use crate::arch::x86_64::trap::TrapFrame;
use crate::proc::{Process, UserCtx};
use crate::sched::Thread;

/// Calls that are accepted but do not do everything Linux does, and what they ignore.
pub const PARTIAL: &[(&str, &str)] = &[
    ("set_robust_list", "stored; robust futexes are not walked at exit"),
    ("futex", "WAIT, WAKE, WAIT_BITSET, WAKE_BITSET, REQUEUE, CMP_REQUEUE; WAKE_OP and the PI operations are ENOSYS"),
    ("setitimer", "ITIMER_REAL fires SIGALRM; ITIMER_VIRTUAL and ITIMER_PROF are stored and reported but never fire"),
    ("timerfd_settime", "TFD_TIMER_CANCEL_ON_SET is accepted; a change of the wall clock does not cancel the timer"),
    ("nanosleep", "a sleep restarted after a stop or an ignored signal sleeps its whole length again"),
    ("clone", "namespaces, pidfds and ptrace flags are EINVAL; CLONE_SYSVSEM and CLONE_DETACHED are ignored"),
    ("prlimit64", "limits are stored and reported; only RLIMIT_NOFILE and RLIMIT_STACK are enforced"),
    ("sched_getaffinity", "reports the one CPU"),
    ("getrusage", "ru_maxrss is the current resident size, not the peak; I/O and IPC counts are 0"),
    ("prctl", "names, dumpable, no_new_privs, pdeathsig (sent when the parent process exits, not when the parent thread does) and THP-disable; others EINVAL"),
    ("ioctl", "terminal requests on the console; others ENOTTY"),
    ("mmap", "file mappings are copies made at mmap time: a read-only MAP_SHARED mapping does not see later writes to the file, and a writable MAP_SHARED file mapping is ENODEV"),
    ("madvise", "MADV_DONTNEED/MADV_FREE drop pages; other advice is accepted and ignored"),
    ("fcntl", "record locks (F_GETLK/F_SETLK/F_SETLKW, F_OFD_*) are real, but F_SETLKW never detects a deadlock (no EDEADLK); leases, F_NOTIFY, F_SETOWN/F_SETSIG and seals are EINVAL"),
    ("mount", "new mounts of the registered types (tmpfs), MS_REMOUNT, MS_MOVE; propagation changes (MS_SHARED/PRIVATE/SLAVE/UNBINDABLE) are accepted with nothing to propagate; MS_BIND is EINVAL; MS_NOEXEC and MS_NOSUID are kept and reported but execve does not check them yet; each file-system instance is mounted at most once"),
    ("umount2", "MNT_FORCE acts as a plain unmount"),
    ("renameat2", "RENAME_WHITEOUT is EINVAL for root (Linux's tmpfs leaves a whiteout device) and EPERM for others"),
    ("getcwd", "a cwd outside the process root (after chroot) is ENOENT where Linux prints \"(unreachable)\""),
    ("setuid", "capabilities are not modelled: effective uid 0 stands for CAP_SETUID, CAP_SETGID, CAP_SYS_ADMIN, CAP_MKNOD, CAP_SYS_CHROOT and CAP_DAC_READ_SEARCH, filesystem uid 0 for the file capabilities; no PR_SET_KEEPCAPS or securebits (same for the set*id and setgroups family)"),
    ("write", "writing to a set-user-ID or set-group-ID file does not clear those bits (Linux's file_remove_privs)"),
    ("open", "a FIFO opened O_RDONLY|O_NONBLOCK before any writer polls POLLHUP (Linux waits for a first writer before reporting it); O_DIRECT and O_SYNC are accepted and have nothing to do on tmpfs"),
    ("socket", "AF_INET and AF_UNIX (AF_INET6, AF_NETLINK are EAFNOSUPPORT); SOCK_RAW is ESOCKTNOSUPPORT; a unix socket whose own descriptor is in flight in its own queue is never freed (no garbage collector)"),
    ("socketpair", "AF_UNIX only, as Linux (AF_INET is EOPNOTSUPP)"),
    ("setsockopt", "IP_TOS, SO_BROADCAST, SO_OOBINLINE, SO_REUSEPORT, TCP_CORK, TCP_KEEPINTVL/KEEPCNT, TCP_MAXSEG and TCP_FASTOPEN are stored and reported but change nothing"),
    ("sendmsg", "ancillary data (SCM_RIGHTS, SCM_CREDENTIALS) only on AF_UNIX; UDP datagrams over 1472 bytes are EMSGSIZE (no IP fragmentation)"),
    ("recvmsg", "ancillary data only on AF_UNIX (SCM_RIGHTS, and SCM_CREDENTIALS under SO_PASSCRED)"),
    ("bind", "of the local addresses only 0.0.0.0, 127.0.0.1 and the primary address (Linux also takes the rest of 127/8)"),
];

/// The calling thread and its user state.
pub struct Caller {
    pub thread: Arc<Thread>,
    /// The user stack pointer at the call (sigaltstack's SS_ONSTACK).
    pub user_rsp: u64,
}

impl Caller {
    fn user(&self) -> &UserCtx {
        self.thread
            .user()
            .expect("system call from a kernel thread")
    }
    /// The calling process.
    pub fn process(&self) -> &Arc<Process> {
        &self.user().process
    }
}

static WARNED: [AtomicU64; 8] = [const { AtomicU64::new(0) }; 8];

fn warn_unknown(n: u64) {
    let (word, bit) = ((n / 64) as usize, n % 64);
    let first = match WARNED.get(word) {
        Some(w) => w.fetch_or(1 << bit, Ordering::Relaxed) & (1 << bit) == 0,
        None => true,
    };
    if first {
        let name = nr::name(n as usize).unwrap_or("?");
        crate::println!("keel: unimplemented system call {name} ({n}) returns ENOSYS");
    }
}

/// Decodes and runs the system call in `frame`, leaving the result in `rax`.
pub fn dispatch(frame: &mut TrapFrame) {
    let n = frame.rax;
    let a = [
        frame.rdi, frame.rsi, frame.rdx, frame.r10, frame.r8, frame.r9,
    ];
    // The calls that never return are made before a `Caller` (which holds a reference to the
    // thread on this stack frame) exists: a frame that is never unwound would keep the thread,
    // its stack and its process alive forever.
    match n as usize {
        nr::EXIT => proc::sys_exit(a[0] as i32),
        nr::EXIT_GROUP => proc::sys_exit_group(a[0] as i32),
        _ => {}
    }
    let c = Caller {
        thread: crate::sched::current(),
        user_rsp: frame.rsp,
    };
    // The number stays in the frame (Linux's orig_rax): a restarted call is made again.
    frame.error_code = n;
    let r = call(&c, n, a, frame);
    frame.rax = match r {
        Ok(v) => v as u64,
        Err(e) => e.as_ret() as u64,
    };
}

/// `creat(2)` is `open(O_CREAT | O_WRONLY | O_TRUNC)`.
const CREAT_FLAGS: u32 =
    keel_abi::fcntl::O_CREAT | keel_abi::fcntl::O_WRONLY | keel_abi::fcntl::O_TRUNC;

fn call(c: &Caller, n: u64, a: [u64; 6], frame: &mut TrapFrame) -> KResult<usize> {
    use keel_abi::fcntl::{AT_FDCWD, AT_REMOVEDIR};
    let i = |x: u64| x as i32;
    match n as usize {
        nr::READ => fs::sys_read(c, i(a[0]), a[1], a[2] as usize),
        nr::WRITE => fs::sys_write(c, i(a[0]), a[1], a[2] as usize),
        nr::OPEN => fs::sys_openat(c, keel_abi::fcntl::AT_FDCWD, a[0], a[1] as u32, a[2] as u32),
        nr::CLOSE => fs::sys_close(c, i(a[0])),
        nr::STAT => fs::sys_newfstatat(c, keel_abi::fcntl::AT_FDCWD, a[0], a[1], 0),
        nr::FSTAT => fs::sys_fstat(c, i(a[0]), a[1]),
        nr::LSTAT => fs::sys_newfstatat(
            c,
            keel_abi::fcntl::AT_FDCWD,
            a[0],
            a[1],
            keel_abi::fcntl::AT_SYMLINK_NOFOLLOW,
        ),
        nr::POLL => poll::sys_poll(c, a[0], a[1], i(a[2])),
        nr::LSEEK => fs::sys_lseek(c, i(a[0]), a[1] as i64, a[2] as u32),
        nr::MMAP => mm::sys_mmap(c, a[0], a[1], a[2] as u32, a[3] as u32, i(a[4]), a[5]),
        nr::MPROTECT => mm::sys_mprotect(c, a[0], a[1], a[2] as u32),
        nr::MUNMAP => mm::sys_munmap(c, a[0], a[1]),
        nr::BRK => mm::sys_brk(c, a[0]),
        nr::RT_SIGACTION => signal::sys_rt_sigaction(c, i(a[0]), a[1], a[2], a[3] as usize),
        nr::RT_SIGPROCMASK => signal::sys_rt_sigprocmask(c, i(a[0]), a[1], a[2], a[3] as usize),
        nr::RT_SIGRETURN => signal::sys_rt_sigreturn(c, frame),
        nr::IOCTL => fs::sys_ioctl(c, i(a[0]), a[1] as u32, a[2]),
        nr::PREAD64 => fs::sys_pread64(c, i(a[0]), a[1], a[2] as usize, a[3] as i64),
        nr::PWRITE64 => fs::sys_pwrite64(c, i(a[0]), a[1], a[2] as usize, a[3] as i64),
        nr::READV => fs::sys_readv(c, i(a[0]), a[1], i(a[2])),
        nr::WRITEV => fs::sys_writev(c, i(a[0]), a[1], i(a[2])),
        nr::ACCESS => path::sys_faccessat2(c, AT_FDCWD, a[0], a[1] as u32, 0),
        nr::PIPE => poll::sys_pipe2(c, a[0], 0),
        nr::SELECT => poll::sys_select(c, i(a[0]), a[1], a[2], a[3], a[4]),
        nr::SCHED_YIELD => proc::sys_sched_yield(),
        nr::MREMAP => mm::sys_mremap(c, a[0], a[1], a[2], a[3] as u32, a[4]),
        nr::MADVISE => mm::sys_madvise(c, a[0], a[1], i(a[2])),
        nr::DUP => fs::sys_dup(c, i(a[0])),
        nr::TRUNCATE => path::sys_truncate(c, a[0], a[1] as i64),
        nr::STATFS => fs::sys_statfs(c, a[0], a[1]),
        nr::CHMOD => fs::sys_fchmodat(c, keel_abi::fcntl::AT_FDCWD, a[0], a[1] as u32),
        nr::FCHMOD => fs::sys_fchmod(c, i(a[0]), a[1] as u32),
        nr::FCHMODAT => fs::sys_fchmodat(c, i(a[0]), a[1], a[2] as u32),
        nr::FSTATFS => fs::sys_fstatfs(c, i(a[0]), a[1]),
        nr::FTRUNCATE => fs::sys_ftruncate(c, i(a[0]), a[1] as i64),
        nr::FSYNC | nr::FDATASYNC => fs::sys_fsync(c, i(a[0])),
        // Everything lives in memory: there is nothing to write back.
        nr::SYNC => Ok(0),
        nr::SYNCFS => fs::sys_fsync(c, i(a[0])),
        nr::MLOCK | nr::MUNLOCK => mm::sys_mlock(c, a[0], a[1]),
        nr::MLOCK2 => mm::sys_mlock2(c, a[0], a[1], a[2] as u32),
        nr::MLOCKALL => mm::sys_mlockall(a[0] as u32),
        nr::MUNLOCKALL => Ok(0),
        nr::MSYNC => mm::sys_msync(c, a[0], a[1], a[2] as u32),
        nr::MINCORE => mm::sys_mincore(c, a[0], a[1], a[2]),
        nr::SENDFILE => fs::sys_sendfile(c, i(a[0]), i(a[1]), a[2], a[3] as usize),
        nr::DUP2 => fs::sys_dup2(c, i(a[0]), i(a[1])),
        nr::SOCKET => net::sys_socket(c, i(a[0]), a[1] as u32, i(a[2])),
        nr::CONNECT => net::sys_connect(c, i(a[0]), a[1], a[2] as u32),
        nr::ACCEPT => net::sys_accept4(c, i(a[0]), a[1], a[2], 0),
        nr::SENDTO => net::sys_sendto(
            c,
            i(a[0]),
            a[1],
            a[2] as usize,
            a[3] as u32,
            a[4],
            a[5] as u32,
        ),
        nr::RECVFROM => net::sys_recvfrom(c, i(a[0]), a[1], a[2] as usize, a[3] as u32, a[4], a[5]),
        nr::SENDMSG => net::sys_sendmsg(c, i(a[0]), a[1], a[2] as u32),
        nr::RECVMSG => net::sys_recvmsg(c, i(a[0]), a[1], a[2] as u32),
        nr::SHUTDOWN => net::sys_shutdown(c, i(a[0]), i(a[1])),
        nr::BIND => net::sys_bind(c, i(a[0]), a[1], a[2] as u32),
        nr::LISTEN => net::sys_listen(c, i(a[0]), i(a[1])),
        nr::GETSOCKNAME => net::sys_getsockname(c, i(a[0]), a[1], a[2]),
        nr::GETPEERNAME => net::sys_getpeername(c, i(a[0]), a[1], a[2]),
        nr::SOCKETPAIR => net::sys_socketpair(c, i(a[0]), a[1] as u32, i(a[2]), a[3]),
        nr::SETSOCKOPT => net::sys_setsockopt(c, i(a[0]), i(a[1]), i(a[2]), a[3], i(a[4])),
        nr::GETSOCKOPT => net::sys_getsockopt(c, i(a[0]), i(a[1]), i(a[2]), a[3], a[4]),
        nr::PAUSE => signal::sys_pause(c),
        nr::NANOSLEEP => time::sys_nanosleep(a[0], a[1]),
        nr::GETITIMER => crate::proc::signal::sys_getitimer(c.process(), i(a[0]), a[1]),
        nr::ALARM => crate::proc::signal::sys_alarm(c.process(), a[0] as u32),
        nr::SETITIMER => crate::proc::signal::sys_setitimer(c.process(), i(a[0]), a[1], a[2]),
        nr::GETPID => Ok(c.process().pid as usize),
        nr::CLONE => proc::sys_clone(c, a[0], a[1], a[2], a[3], a[4], frame),
        nr::FORK => proc::sys_fork(c, frame),
        nr::VFORK => proc::sys_vfork(c, frame),
        nr::EXECVE => proc::sys_execve(c, a[0], a[1], a[2], frame),
        nr::WAIT4 => proc::sys_wait4(c, i(a[0]), a[1], a[2] as u32, a[3]),
        nr::KILL => proc::sys_kill(c, i(a[0]), i(a[1])),
        nr::UNAME => proc::sys_uname(a[0]),
        nr::FCNTL => fs::sys_fcntl(c, i(a[0]), a[1] as u32, a[2]),
        nr::FLOCK => lock::sys_flock(c, i(a[0]), a[1] as u32),
        nr::GETDENTS64 => fs::sys_getdents64(c, i(a[0]), a[1], a[2] as usize),
        nr::GETCWD => fs::sys_getcwd(c, a[0], a[1] as usize),
        nr::CHDIR => path::sys_chdir(c, a[0]),
        nr::FCHDIR => path::sys_fchdir(c, i(a[0])),
        nr::RENAME => path::sys_renameat2(c, AT_FDCWD, a[0], AT_FDCWD, a[1], 0),
        nr::MKDIR => path::sys_mkdirat(c, AT_FDCWD, a[0], a[1] as u32),
        nr::RMDIR => path::sys_unlinkat(c, AT_FDCWD, a[0], AT_REMOVEDIR),
        nr::CREAT => fs::sys_openat(c, AT_FDCWD, a[0], CREAT_FLAGS, a[1] as u32),
        nr::LINK => path::sys_linkat(c, AT_FDCWD, a[0], AT_FDCWD, a[1], 0),
        nr::UNLINK => path::sys_unlinkat(c, AT_FDCWD, a[0], 0),
        nr::SYMLINK => path::sys_symlinkat(c, a[0], AT_FDCWD, a[1]),
        nr::READLINK => fs::sys_readlinkat(c, keel_abi::fcntl::AT_FDCWD, a[0], a[1], a[2] as usize),
        nr::CHOWN => path::sys_fchownat(c, AT_FDCWD, a[0], a[1] as u32, a[2] as u32, 0),
        nr::FCHOWN => path::sys_fchown(c, i(a[0]), a[1] as u32, a[2] as u32),
        nr::LCHOWN => path::sys_fchownat(
            c,
            AT_FDCWD,
            a[0],
            a[1] as u32,
            a[2] as u32,
            keel_abi::fcntl::AT_SYMLINK_NOFOLLOW,
        ),
        nr::UMASK => fs::sys_umask(c, a[0] as u32),
        nr::GETTIMEOFDAY => time::sys_gettimeofday(a[0], a[1]),
        nr::GETRUSAGE => time::sys_getrusage(c, i(a[0]), a[1]),
        nr::SYSINFO => time::sys_sysinfo(a[0]),
        nr::TIMES => time::sys_times(c, a[0]),
        nr::GETRLIMIT => proc::sys_prlimit64(c, 0, i(a[0]), 0, a[1]),
        nr::GETUID => Ok(c.process().cred.lock().uid as usize),
        nr::SETUID => cred::sys_setid(c, a[0] as u32, true),
        nr::SETGID => cred::sys_setid(c, a[0] as u32, false),
        nr::GETGID => Ok(c.process().cred.lock().gid as usize),
        nr::GETEUID => Ok(c.process().cred.lock().euid as usize),
        nr::GETEGID => Ok(c.process().cred.lock().egid as usize),
        nr::SETPGID => proc::sys_setpgid(c, i(a[0]), i(a[1])),
        nr::GETPPID => Ok(c.process().ppid.load(Ordering::Relaxed) as usize),
        nr::GETPGRP => Ok(c.process().pgid.load(Ordering::Relaxed) as usize),
        nr::SETREUID => cred::sys_setreid(c, a[0] as u32, a[1] as u32, true),
        nr::SETREGID => cred::sys_setreid(c, a[0] as u32, a[1] as u32, false),
        nr::GETGROUPS => proc::sys_getgroups(c, i(a[0]), a[1]),
        nr::SETGROUPS => cred::sys_setgroups(c, i(a[0]), a[1]),
        nr::SETRESUID => cred::sys_setresid(c, a[0] as u32, a[1] as u32, a[2] as u32, true),
        nr::GETRESUID => proc::sys_getresid(c, a[0], a[1], a[2], true),
        nr::SETRESGID => cred::sys_setresid(c, a[0] as u32, a[1] as u32, a[2] as u32, false),
        nr::GETRESGID => proc::sys_getresid(c, a[0], a[1], a[2], false),
        nr::SETSID => proc::sys_setsid(c),
        nr::GETPGID => proc::sys_getpgid(c, i(a[0])),
        nr::RT_SIGPENDING => signal::sys_rt_sigpending(c, a[0], a[1] as usize),
        nr::RT_SIGTIMEDWAIT => signal::sys_rt_sigtimedwait(c, a[0], a[1], a[2], a[3] as usize),
        nr::RT_SIGSUSPEND => signal::sys_rt_sigsuspend(c, a[0], a[1] as usize),
        nr::RT_SIGQUEUEINFO => proc::sys_rt_sigqueueinfo(c, i(a[0]), None, i(a[1]), a[2]),
        nr::RT_TGSIGQUEUEINFO => {
            proc::sys_rt_sigqueueinfo(c, i(a[0]), Some(i(a[1])), i(a[2]), a[3])
        }
        nr::SETFSUID => cred::sys_setfsid(c, a[0] as u32, true),
        nr::SETFSGID => cred::sys_setfsid(c, a[0] as u32, false),
        nr::GETSID => proc::sys_getsid(c, i(a[0])),
        nr::SIGALTSTACK => signal::sys_sigaltstack(c, a[0], a[1]),
        nr::PRCTL => proc::sys_prctl(c, i(a[0]), a[1], a[2]),
        nr::UTIME => path::sys_utime(c, a[0], a[1]),
        nr::MKNOD => path::sys_mknodat(c, AT_FDCWD, a[0], a[1] as u32, a[2] as u32),
        nr::ARCH_PRCTL => proc::sys_arch_prctl(c, i(a[0]), a[1]),
        nr::SETRLIMIT => proc::sys_prlimit64(c, 0, i(a[0]), a[1], 0),
        nr::CHROOT => path::sys_chroot(c, a[0]),
        nr::MOUNT => mount::sys_mount(c, a[0], a[1], a[2], a[3], a[4]),
        nr::UMOUNT2 => mount::sys_umount2(c, a[0], a[1] as u32),
        nr::REBOOT => proc::sys_reboot(c, a[0] as u32, a[1] as u32, a[2] as u32),
        nr::SETHOSTNAME => proc::sys_sethostname(c, a[0], a[1] as usize, false),
        nr::SETDOMAINNAME => proc::sys_sethostname(c, a[0], a[1] as usize, true),
        nr::GETTID => Ok(c.thread.tid() as usize),
        nr::TKILL => proc::sys_tgkill(c, -1, i(a[0]), i(a[1])),
        nr::FUTEX => crate::proc::futex::sys_futex(
            c.process(),
            a[0],
            a[1] as u32,
            a[2] as u32,
            a[3],
            a[4],
            a[5] as u32,
        ),
        nr::TIME => time::sys_time(a[0]),
        nr::SCHED_GETAFFINITY => proc::sys_sched_getaffinity(c, i(a[0]), a[1] as usize, a[2]),
        nr::SET_TID_ADDRESS => proc::sys_set_tid_address(c, a[0]),
        nr::CLOCK_GETTIME => time::sys_clock_gettime(c, i(a[0]), a[1]),
        nr::CLOCK_GETRES => time::sys_clock_getres(c, i(a[0]), a[1]),
        nr::CLOCK_NANOSLEEP => time::sys_clock_nanosleep(c, i(a[0]), i(a[1]), a[2], a[3]),
        nr::EPOLL_CREATE => poll::sys_epoll_create(c, i(a[0])),
        nr::EPOLL_WAIT => poll::sys_epoll_pwait(c, i(a[0]), a[1], i(a[2]), i(a[3]), 0, 8),
        nr::EPOLL_CTL => poll::sys_epoll_ctl(c, i(a[0]), i(a[1]), i(a[2]), a[3]),
        nr::UTIMES => path::sys_futimesat(c, AT_FDCWD, a[0], a[1]),
        nr::TGKILL => proc::sys_tgkill(c, i(a[0]), i(a[1]), i(a[2])),
        nr::WAITID => proc::sys_waitid(c, i(a[0]), i(a[1]), a[2], a[3] as u32, a[4]),
        nr::OPENAT => fs::sys_openat(c, i(a[0]), a[1], a[2] as u32, a[3] as u32),
        nr::MKDIRAT => path::sys_mkdirat(c, i(a[0]), a[1], a[2] as u32),
        nr::MKNODAT => path::sys_mknodat(c, i(a[0]), a[1], a[2] as u32, a[3] as u32),
        nr::FCHOWNAT => path::sys_fchownat(c, i(a[0]), a[1], a[2] as u32, a[3] as u32, a[4] as u32),
        nr::FUTIMESAT => path::sys_futimesat(c, i(a[0]), a[1], a[2]),
        nr::PSELECT6 => poll::sys_pselect6(c, i(a[0]), a[1], a[2], a[3], a[4], a[5]),
        nr::PPOLL => poll::sys_ppoll(c, a[0], a[1], a[2], a[3], a[4] as usize),
        nr::EPOLL_PWAIT => {
            poll::sys_epoll_pwait(c, i(a[0]), a[1], i(a[2]), i(a[3]), a[4], a[5] as usize)
        }
        nr::EPOLL_CREATE1 => poll::sys_epoll_create1(c, a[0] as u32),
        nr::PIPE2 => poll::sys_pipe2(c, a[0], a[1] as u32),
        nr::EVENTFD => poll::sys_eventfd2(c, a[0] as u32, 0),
        nr::EVENTFD2 => poll::sys_eventfd2(c, a[0] as u32, a[1] as u32),
        nr::TIMERFD_CREATE => poll::sys_timerfd_create(c, i(a[0]), a[1] as u32),
        nr::TIMERFD_SETTIME => poll::sys_timerfd_settime(c, i(a[0]), a[1] as u32, a[2], a[3]),
        nr::TIMERFD_GETTIME => poll::sys_timerfd_gettime(c, i(a[0]), a[1]),
        nr::NEWFSTATAT => fs::sys_newfstatat(c, i(a[0]), a[1], a[2], a[3] as u32),
        nr::UNLINKAT => path::sys_unlinkat(c, i(a[0]), a[1], a[2] as u32),
        nr::RENAMEAT => path::sys_renameat2(c, i(a[0]), a[1], i(a[2]), a[3], 0),
        nr::LINKAT => path::sys_linkat(c, i(a[0]), a[1], i(a[2]), a[3], a[4] as u32),
        nr::SYMLINKAT => path::sys_symlinkat(c, a[0], i(a[1]), a[2]),
        nr::READLINKAT => fs::sys_readlinkat(c, i(a[0]), a[1], a[2], a[3] as usize),
        nr::FACCESSAT => path::sys_faccessat2(c, i(a[0]), a[1], a[2] as u32, 0),
        nr::SET_ROBUST_LIST => proc::sys_set_robust_list(c, a[0], a[1] as usize),
        nr::UTIMENSAT => path::sys_utimensat(c, i(a[0]), a[1], a[2], a[3] as u32),
        nr::DUP3 => fs::sys_dup3(c, i(a[0]), i(a[1]), a[2] as u32),
        nr::PRLIMIT64 => proc::sys_prlimit64(c, i(a[0]), i(a[1]), a[2], a[3]),
        nr::RENAMEAT2 => path::sys_renameat2(c, i(a[0]), a[1], i(a[2]), a[3], a[4] as u32),
        nr::GETRANDOM => proc::sys_getrandom(a[0], a[1] as usize, a[2] as u32),
        nr::STATX => fs::sys_statx(c, i(a[0]), a[1], a[2] as u32, a[3] as u32, a[4]),
        nr::ACCEPT4 => net::sys_accept4(c, i(a[0]), a[1], a[2], a[3] as u32),
        nr::EXECVEAT => proc::sys_execveat(c, i(a[0]), a[1], a[2], a[3], a[4] as u32, frame),
        nr::FACCESSAT2 => path::sys_faccessat2(c, i(a[0]), a[1], a[2] as u32, a[3] as u32),
        // musl and Rust std fall back to clone/fork on ENOSYS, quietly.
        nr::CLONE3 => Err(Errno::ENOSYS),
        _ => {
            warn_unknown(n);
            Err(Errno::ENOSYS)
        }
    }
}

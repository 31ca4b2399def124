//! Every size, field offset, field size and constant in `keel-abi` that has a counterpart in
//! the kernel UAPI headers (linux-libc-dev) is compared with what gcc computes from those
//! headers. The C program is generated from the tables below, so a check is one line here.
//!
//! `struct linux_dirent64` and the `access` mode bits are not in the UAPI headers; they are
//! checked against glibc's `struct dirent64` and `<unistd.h>`, which share the layout and values.

use std::fmt::Write as _;
use std::mem::{offset_of, size_of};
use std::path::PathBuf;
use std::process::Command;

use keel_abi::{
    auxv, dirent, fcntl, futex, mman, mount, poll, prctl, random, reboot, resource, signal, stat,
    termios, time, uio, uname,
};

/// One C expression and the value Rust says it has.
struct Check {
    c: String,
    rust: i128,
}

fn check(c: impl Into<String>, rust: i128) -> Check {
    Check { c: c.into(), rust }
}

/// A constant with the same name in C and Rust: `k!(fcntl::O_CLOEXEC)`.
macro_rules! k {
    ($m:ident :: $n:ident) => {
        check(stringify!($n), $m::$n as i128)
    };
    ($m:ident :: $n:ident, $c:expr) => {
        check($c, $m::$n as i128)
    };
}

/// `sizeof`: `size!(stat::Stat, "struct stat")`.
macro_rules! size {
    ($t:ty, $c:expr) => {
        check(format!("sizeof({})", $c), size_of::<$t>() as i128)
    };
}

/// Offset and size of a field: `field!(stat::Stat, st_ino, "struct stat")`, or with a
/// different C name: `field!(stat::Stat, pad0, "struct stat", "__pad0")`.
macro_rules! field {
    ($t:ty, $f:ident, $c:expr) => {
        field!($t, $f, $c, stringify!($f))
    };
    ($t:ty, $f:ident, $c:expr, $cf:expr) => {
        [
            check(
                format!("__builtin_offsetof({}, {})", $c, $cf),
                offset_of!($t, $f) as i128,
            ),
            check(
                format!("sizeof((({} *)0)->{})", $c, $cf),
                size_of_val(&<$t>::default().$f) as i128,
            ),
        ]
    };
}

// Dense tables read better than rustfmt's one check per line.
#[rustfmt::skip]
fn uapi_checks() -> Vec<Check> {
    let mut v = vec![
        // fcntl
        k!(fcntl::O_ACCMODE), k!(fcntl::O_RDONLY), k!(fcntl::O_WRONLY), k!(fcntl::O_RDWR),
        k!(fcntl::O_CREAT), k!(fcntl::O_EXCL), k!(fcntl::O_NOCTTY), k!(fcntl::O_TRUNC),
        k!(fcntl::O_APPEND), k!(fcntl::O_NONBLOCK), k!(fcntl::O_DSYNC), k!(fcntl::FASYNC),
        k!(fcntl::O_DIRECT), k!(fcntl::O_LARGEFILE), k!(fcntl::O_DIRECTORY),
        k!(fcntl::O_NOFOLLOW), k!(fcntl::O_NOATIME), k!(fcntl::O_CLOEXEC), k!(fcntl::O_SYNC),
        k!(fcntl::O_PATH), k!(fcntl::O_TMPFILE), k!(fcntl::O_NDELAY),
        k!(fcntl::AT_FDCWD), k!(fcntl::AT_SYMLINK_NOFOLLOW), k!(fcntl::AT_EACCESS),
        k!(fcntl::AT_REMOVEDIR), k!(fcntl::AT_SYMLINK_FOLLOW), k!(fcntl::AT_NO_AUTOMOUNT),
        k!(fcntl::AT_EMPTY_PATH), k!(fcntl::AT_STATX_SYNC_TYPE), k!(fcntl::AT_RECURSIVE),
        k!(fcntl::F_DUPFD), k!(fcntl::F_GETFD), k!(fcntl::F_SETFD), k!(fcntl::F_GETFL),
        k!(fcntl::F_SETFL), k!(fcntl::F_GETLK), k!(fcntl::F_SETLK), k!(fcntl::F_SETLKW),
        k!(fcntl::F_SETOWN), k!(fcntl::F_GETOWN), k!(fcntl::F_SETSIG), k!(fcntl::F_GETSIG),
        k!(fcntl::F_SETOWN_EX), k!(fcntl::F_GETOWN_EX), k!(fcntl::F_SETLEASE),
        k!(fcntl::F_GETLEASE), k!(fcntl::F_NOTIFY), k!(fcntl::F_DUPFD_CLOEXEC),
        k!(fcntl::F_SETPIPE_SZ), k!(fcntl::F_GETPIPE_SZ), k!(fcntl::F_ADD_SEALS),
        k!(fcntl::F_GET_SEALS), k!(fcntl::F_RDLCK), k!(fcntl::F_WRLCK), k!(fcntl::F_UNLCK),
        k!(fcntl::FD_CLOEXEC), k!(fcntl::SEEK_SET), k!(fcntl::SEEK_CUR), k!(fcntl::SEEK_END),
        k!(fcntl::SEEK_DATA), k!(fcntl::SEEK_HOLE),
        k!(fcntl::F_OFD_GETLK), k!(fcntl::F_OFD_SETLK), k!(fcntl::F_OFD_SETLKW),
        k!(fcntl::LOCK_SH), k!(fcntl::LOCK_EX), k!(fcntl::LOCK_NB), k!(fcntl::LOCK_UN),
        size!(fcntl::Flock, "struct flock"),
        k!(fcntl::RENAME_NOREPLACE), k!(fcntl::RENAME_EXCHANGE), k!(fcntl::RENAME_WHITEOUT),
        // mount, statfs
        k!(mount::MS_RDONLY), k!(mount::MS_NOSUID), k!(mount::MS_NODEV), k!(mount::MS_NOEXEC),
        k!(mount::MS_SYNCHRONOUS), k!(mount::MS_REMOUNT), k!(mount::MS_MANDLOCK),
        k!(mount::MS_DIRSYNC), k!(mount::MS_NOSYMFOLLOW), k!(mount::MS_NOATIME),
        k!(mount::MS_NODIRATIME), k!(mount::MS_BIND), k!(mount::MS_MOVE), k!(mount::MS_REC),
        k!(mount::MS_SILENT), k!(mount::MS_UNBINDABLE), k!(mount::MS_PRIVATE),
        k!(mount::MS_SLAVE), k!(mount::MS_SHARED), k!(mount::MS_RELATIME),
        k!(mount::MS_STRICTATIME), k!(mount::MS_LAZYTIME), k!(mount::MS_MGC_VAL),
        k!(mount::MS_MGC_MSK),
        size!(mount::StatFs, "struct statfs"),
        k!(mount::TMPFS_MAGIC), k!(mount::RAMFS_MAGIC), k!(mount::PROC_SUPER_MAGIC),
        k!(mount::DEVPTS_SUPER_MAGIC), k!(mount::SYSFS_MAGIC),
        // mman
        k!(mman::PROT_NONE), k!(mman::PROT_READ), k!(mman::PROT_WRITE), k!(mman::PROT_EXEC),
        k!(mman::PROT_SEM), k!(mman::PROT_GROWSDOWN), k!(mman::PROT_GROWSUP),
        k!(mman::MAP_SHARED), k!(mman::MAP_PRIVATE), k!(mman::MAP_SHARED_VALIDATE),
        k!(mman::MAP_TYPE), k!(mman::MAP_FIXED), k!(mman::MAP_ANONYMOUS), k!(mman::MAP_32BIT),
        k!(mman::MAP_GROWSDOWN), k!(mman::MAP_DENYWRITE), k!(mman::MAP_EXECUTABLE),
        k!(mman::MAP_LOCKED), k!(mman::MAP_NORESERVE), k!(mman::MAP_POPULATE),
        k!(mman::MAP_NONBLOCK), k!(mman::MAP_STACK), k!(mman::MAP_HUGETLB), k!(mman::MAP_SYNC),
        k!(mman::MAP_FIXED_NOREPLACE), k!(mman::MADV_NORMAL), k!(mman::MADV_RANDOM),
        k!(mman::MADV_SEQUENTIAL), k!(mman::MADV_WILLNEED), k!(mman::MADV_DONTNEED),
        k!(mman::MADV_FREE), k!(mman::MADV_REMOVE), k!(mman::MADV_DONTFORK),
        k!(mman::MADV_DOFORK), k!(mman::MADV_MERGEABLE), k!(mman::MADV_UNMERGEABLE),
        k!(mman::MADV_HUGEPAGE), k!(mman::MADV_NOHUGEPAGE), k!(mman::MADV_DONTDUMP),
        k!(mman::MADV_DODUMP), k!(mman::MADV_WIPEONFORK), k!(mman::MADV_KEEPONFORK),
        k!(mman::MADV_COLD), k!(mman::MADV_PAGEOUT), k!(mman::MADV_POPULATE_READ),
        k!(mman::MADV_POPULATE_WRITE), k!(mman::MREMAP_MAYMOVE), k!(mman::MREMAP_FIXED),
        k!(mman::MREMAP_DONTUNMAP), k!(mman::MS_ASYNC), k!(mman::MS_INVALIDATE),
        k!(mman::MS_SYNC), k!(mman::MCL_CURRENT), k!(mman::MCL_FUTURE), k!(mman::MCL_ONFAULT),
        // stat
        size!(stat::Stat, "struct stat"),
        size!(stat::StatxTimestamp, "struct statx_timestamp"),
        size!(stat::Statx, "struct statx"),
        k!(stat::STATX_TYPE), k!(stat::STATX_MODE), k!(stat::STATX_NLINK), k!(stat::STATX_UID),
        k!(stat::STATX_GID), k!(stat::STATX_ATIME), k!(stat::STATX_MTIME),
        k!(stat::STATX_CTIME), k!(stat::STATX_INO), k!(stat::STATX_SIZE),
        k!(stat::STATX_BLOCKS), k!(stat::STATX_BASIC_STATS), k!(stat::STATX_BTIME),
        k!(stat::S_IFMT), k!(stat::S_IFSOCK), k!(stat::S_IFLNK), k!(stat::S_IFREG),
        k!(stat::S_IFBLK), k!(stat::S_IFDIR), k!(stat::S_IFCHR), k!(stat::S_IFIFO),
        k!(stat::S_ISUID), k!(stat::S_ISGID), k!(stat::S_ISVTX), k!(stat::S_IRWXU),
        k!(stat::S_IRUSR), k!(stat::S_IWUSR), k!(stat::S_IXUSR), k!(stat::S_IRWXG),
        k!(stat::S_IRGRP), k!(stat::S_IWGRP), k!(stat::S_IXGRP), k!(stat::S_IRWXO),
        k!(stat::S_IROTH), k!(stat::S_IWOTH), k!(stat::S_IXOTH),
        // time
        size!(time::Timespec, "struct timespec"),
        size!(time::Timeval, "struct timeval"),
        size!(time::Timezone, "struct timezone"),
        size!(time::Itimerspec, "struct itimerspec"),
        size!(time::Itimerval, "struct itimerval"),
        k!(time::CLOCK_REALTIME), k!(time::CLOCK_MONOTONIC), k!(time::CLOCK_PROCESS_CPUTIME_ID),
        k!(time::CLOCK_THREAD_CPUTIME_ID), k!(time::CLOCK_MONOTONIC_RAW),
        k!(time::CLOCK_REALTIME_COARSE), k!(time::CLOCK_MONOTONIC_COARSE),
        k!(time::CLOCK_BOOTTIME), k!(time::CLOCK_REALTIME_ALARM), k!(time::CLOCK_BOOTTIME_ALARM),
        k!(time::CLOCK_TAI), k!(time::TIMER_ABSTIME), k!(time::ITIMER_REAL),
        k!(time::ITIMER_VIRTUAL), k!(time::ITIMER_PROF),
        // uname
        size!(uname::Utsname, "struct new_utsname"),
        k!(uname::UTS_LEN, "__NEW_UTS_LEN + 1"),
        // termios
        size!(termios::Termios, "struct termios"),
        size!(termios::Winsize, "struct winsize"),
        k!(termios::NCCS), k!(termios::VINTR), k!(termios::VQUIT), k!(termios::VERASE),
        k!(termios::VKILL), k!(termios::VEOF), k!(termios::VTIME), k!(termios::VMIN),
        k!(termios::VSWTC), k!(termios::VSTART), k!(termios::VSTOP), k!(termios::VSUSP),
        k!(termios::VEOL), k!(termios::VREPRINT), k!(termios::VDISCARD), k!(termios::VWERASE),
        k!(termios::VLNEXT), k!(termios::VEOL2), k!(termios::IGNBRK), k!(termios::BRKINT),
        k!(termios::IGNPAR), k!(termios::PARMRK), k!(termios::INPCK), k!(termios::ISTRIP),
        k!(termios::INLCR), k!(termios::IGNCR), k!(termios::ICRNL), k!(termios::IUCLC),
        k!(termios::IXON), k!(termios::IXANY), k!(termios::IXOFF), k!(termios::IMAXBEL),
        k!(termios::IUTF8), k!(termios::OPOST), k!(termios::OLCUC), k!(termios::ONLCR),
        k!(termios::OCRNL), k!(termios::ONOCR), k!(termios::ONLRET), k!(termios::XTABS),
        k!(termios::CBAUD), k!(termios::B38400), k!(termios::B115200), k!(termios::CSIZE),
        k!(termios::CS8), k!(termios::CSTOPB), k!(termios::CREAD), k!(termios::PARENB),
        k!(termios::PARODD), k!(termios::HUPCL), k!(termios::CLOCAL), k!(termios::ISIG),
        k!(termios::ICANON), k!(termios::ECHO), k!(termios::ECHOE), k!(termios::ECHOK),
        k!(termios::ECHONL), k!(termios::NOFLSH), k!(termios::TOSTOP), k!(termios::ECHOCTL),
        k!(termios::ECHOPRT), k!(termios::ECHOKE), k!(termios::FLUSHO), k!(termios::PENDIN),
        k!(termios::IEXTEN), k!(termios::EXTPROC), k!(termios::TCSANOW),
        k!(termios::TCSADRAIN), k!(termios::TCSAFLUSH), k!(termios::TCIFLUSH),
        k!(termios::TCOFLUSH), k!(termios::TCIOFLUSH), k!(termios::TCGETS),
        k!(termios::TCSETS), k!(termios::TCSETSW), k!(termios::TCSETSF), k!(termios::TCSBRK),
        k!(termios::TCXONC), k!(termios::TCFLSH), k!(termios::TIOCSCTTY),
        k!(termios::TIOCGPGRP), k!(termios::TIOCSPGRP), k!(termios::TIOCOUTQ),
        k!(termios::TIOCSTI), k!(termios::TIOCGWINSZ), k!(termios::TIOCSWINSZ),
        k!(termios::FIONREAD), k!(termios::TIOCPKT), k!(termios::FIONBIO),
        k!(termios::TIOCNOTTY), k!(termios::TIOCSETD), k!(termios::TIOCGETD),
        k!(termios::TIOCGSID), k!(termios::TIOCGPTN), k!(termios::TIOCSPTLCK),
        k!(termios::TIOCSIG), k!(termios::TIOCVHANGUP), k!(termios::TIOCGPKT),
        k!(termios::TIOCGPTLCK), k!(termios::TIOCGPTPEER), k!(termios::FIONCLEX),
        k!(termios::FIOCLEX), k!(termios::FIOASYNC),
        // signal
        size!(signal::SigAction, "struct sigaction"),
        size!(signal::SigSet, "sigset_t"),
        size!(signal::StackT, "stack_t"),
        k!(signal::NSIG, "8 * sizeof(sigset_t)"),
        k!(signal::SIGHUP), k!(signal::SIGINT), k!(signal::SIGQUIT), k!(signal::SIGILL),
        k!(signal::SIGTRAP), k!(signal::SIGABRT), k!(signal::SIGBUS), k!(signal::SIGFPE),
        k!(signal::SIGKILL), k!(signal::SIGUSR1), k!(signal::SIGSEGV), k!(signal::SIGUSR2),
        k!(signal::SIGPIPE), k!(signal::SIGALRM), k!(signal::SIGTERM), k!(signal::SIGSTKFLT),
        k!(signal::SIGCHLD), k!(signal::SIGCONT), k!(signal::SIGSTOP), k!(signal::SIGTSTP),
        k!(signal::SIGTTIN), k!(signal::SIGTTOU), k!(signal::SIGURG), k!(signal::SIGXCPU),
        k!(signal::SIGXFSZ), k!(signal::SIGVTALRM), k!(signal::SIGPROF), k!(signal::SIGWINCH),
        k!(signal::SIGIO), k!(signal::SIGPWR), k!(signal::SIGSYS), k!(signal::SIGRTMIN),
        k!(signal::SIGRTMAX, "8 * sizeof(sigset_t)"), k!(signal::SA_NOCLDSTOP), k!(signal::SA_NOCLDWAIT),
        k!(signal::SA_SIGINFO), k!(signal::SA_UNSUPPORTED), k!(signal::SA_EXPOSE_TAGBITS),
        k!(signal::SA_RESTORER), k!(signal::SA_ONSTACK), k!(signal::SA_RESTART),
        k!(signal::SA_NODEFER), k!(signal::SA_RESETHAND), k!(signal::SIG_BLOCK),
        k!(signal::SIG_UNBLOCK), k!(signal::SIG_SETMASK), k!(signal::SS_ONSTACK),
        k!(signal::SS_DISABLE), k!(signal::SS_AUTODISARM), k!(signal::MINSIGSTKSZ),
        k!(signal::SIGSTKSZ),
        k!(signal::SIG_DFL, "(unsigned long)SIG_DFL"), k!(signal::SIG_IGN, "(unsigned long)SIG_IGN"),
        // resource
        size!(resource::Rlimit, "struct rlimit"),
        size!(resource::Rusage, "struct rusage"),
        k!(resource::RLIMIT_CPU), k!(resource::RLIMIT_FSIZE), k!(resource::RLIMIT_DATA),
        k!(resource::RLIMIT_STACK), k!(resource::RLIMIT_CORE), k!(resource::RLIMIT_RSS),
        k!(resource::RLIMIT_NPROC), k!(resource::RLIMIT_NOFILE), k!(resource::RLIMIT_MEMLOCK),
        k!(resource::RLIMIT_AS), k!(resource::RLIMIT_LOCKS), k!(resource::RLIMIT_SIGPENDING),
        k!(resource::RLIMIT_MSGQUEUE), k!(resource::RLIMIT_NICE), k!(resource::RLIMIT_RTPRIO),
        k!(resource::RLIMIT_RTTIME), k!(resource::RLIM_NLIMITS), k!(resource::RLIM_INFINITY),
        k!(resource::RUSAGE_SELF), k!(resource::RUSAGE_CHILDREN), k!(resource::RUSAGE_THREAD),
        // poll, uio
        size!(poll::PollFd, "struct pollfd"),
        k!(poll::POLLIN), k!(poll::POLLPRI), k!(poll::POLLOUT), k!(poll::POLLERR),
        k!(poll::POLLHUP), k!(poll::POLLNVAL), k!(poll::POLLRDNORM), k!(poll::POLLRDBAND),
        k!(poll::POLLWRNORM), k!(poll::POLLWRBAND), k!(poll::POLLRDHUP),
        size!(uio::IoVec, "struct iovec"),
        k!(uio::UIO_MAXIOV),
        // auxv
        k!(auxv::AT_NULL), k!(auxv::AT_IGNORE), k!(auxv::AT_EXECFD), k!(auxv::AT_PHDR),
        k!(auxv::AT_PHENT), k!(auxv::AT_PHNUM), k!(auxv::AT_PAGESZ), k!(auxv::AT_BASE),
        k!(auxv::AT_FLAGS), k!(auxv::AT_ENTRY), k!(auxv::AT_NOTELF), k!(auxv::AT_UID),
        k!(auxv::AT_EUID), k!(auxv::AT_GID), k!(auxv::AT_EGID), k!(auxv::AT_PLATFORM),
        k!(auxv::AT_HWCAP), k!(auxv::AT_CLKTCK), k!(auxv::AT_SECURE),
        k!(auxv::AT_BASE_PLATFORM), k!(auxv::AT_RANDOM), k!(auxv::AT_HWCAP2),
        k!(auxv::AT_EXECFN), k!(auxv::AT_SYSINFO_EHDR),
        k!(auxv::AT_MINSIGSTKSZ),
        // prctl
        k!(prctl::PR_SET_PDEATHSIG), k!(prctl::PR_GET_PDEATHSIG), k!(prctl::PR_GET_DUMPABLE),
        k!(prctl::PR_SET_DUMPABLE), k!(prctl::PR_GET_KEEPCAPS), k!(prctl::PR_SET_KEEPCAPS),
        k!(prctl::PR_SET_NAME), k!(prctl::PR_GET_NAME), k!(prctl::PR_GET_SECCOMP),
        k!(prctl::PR_SET_SECCOMP), k!(prctl::PR_CAPBSET_READ), k!(prctl::PR_SET_TIMERSLACK),
        k!(prctl::PR_GET_TIMERSLACK), k!(prctl::PR_SET_CHILD_SUBREAPER),
        k!(prctl::PR_GET_CHILD_SUBREAPER), k!(prctl::PR_SET_NO_NEW_PRIVS),
        k!(prctl::PR_GET_NO_NEW_PRIVS), k!(prctl::PR_GET_TID_ADDRESS),
        k!(prctl::PR_SET_THP_DISABLE), k!(prctl::PR_GET_THP_DISABLE), k!(prctl::PR_SET_VMA),
        k!(prctl::ARCH_SET_GS), k!(prctl::ARCH_SET_FS), k!(prctl::ARCH_GET_FS),
        k!(prctl::ARCH_GET_GS), k!(prctl::ARCH_GET_CPUID), k!(prctl::ARCH_SET_CPUID),
        k!(prctl::ARCH_GET_XCOMP_SUPP), k!(prctl::ARCH_GET_XCOMP_PERM),
        k!(prctl::ARCH_REQ_XCOMP_PERM),
        // reboot, random
        k!(reboot::LINUX_REBOOT_MAGIC1), k!(reboot::LINUX_REBOOT_MAGIC2),
        k!(reboot::LINUX_REBOOT_MAGIC2A), k!(reboot::LINUX_REBOOT_MAGIC2B),
        k!(reboot::LINUX_REBOOT_MAGIC2C), k!(reboot::LINUX_REBOOT_CMD_RESTART),
        k!(reboot::LINUX_REBOOT_CMD_HALT), k!(reboot::LINUX_REBOOT_CMD_CAD_ON),
        k!(reboot::LINUX_REBOOT_CMD_CAD_OFF), k!(reboot::LINUX_REBOOT_CMD_POWER_OFF),
        k!(reboot::LINUX_REBOOT_CMD_RESTART2), k!(reboot::LINUX_REBOOT_CMD_SW_SUSPEND),
        k!(reboot::LINUX_REBOOT_CMD_KEXEC),
        k!(random::GRND_NONBLOCK), k!(random::GRND_RANDOM), k!(random::GRND_INSECURE),
        // futex
        k!(futex::FUTEX_WAIT), k!(futex::FUTEX_WAKE), k!(futex::FUTEX_FD),
        k!(futex::FUTEX_REQUEUE), k!(futex::FUTEX_CMP_REQUEUE), k!(futex::FUTEX_WAKE_OP),
        k!(futex::FUTEX_LOCK_PI), k!(futex::FUTEX_UNLOCK_PI), k!(futex::FUTEX_TRYLOCK_PI),
        k!(futex::FUTEX_WAIT_BITSET), k!(futex::FUTEX_WAKE_BITSET),
        k!(futex::FUTEX_WAIT_REQUEUE_PI), k!(futex::FUTEX_CMP_REQUEUE_PI),
        k!(futex::FUTEX_LOCK_PI2), k!(futex::FUTEX_PRIVATE_FLAG),
        k!(futex::FUTEX_CLOCK_REALTIME), k!(futex::FUTEX_CMD_MASK, "(unsigned)FUTEX_CMD_MASK"),
        k!(futex::FUTEX_WAIT_PRIVATE), k!(futex::FUTEX_WAKE_PRIVATE),
        k!(futex::FUTEX_BITSET_MATCH_ANY), k!(futex::FUTEX_WAITERS),
        k!(futex::FUTEX_OWNER_DIED), k!(futex::FUTEX_TID_MASK),
        size!(futex::RobustListHead, "struct robust_list_head"),
    ];
    let fields = [
        field!(stat::Stat, st_dev, "struct stat"),
        field!(stat::Stat, st_ino, "struct stat"),
        field!(stat::Stat, st_nlink, "struct stat"),
        field!(stat::Stat, st_mode, "struct stat"),
        field!(stat::Stat, st_uid, "struct stat"),
        field!(stat::Stat, st_gid, "struct stat"),
        field!(stat::Stat, pad0, "struct stat", "__pad0"),
        field!(stat::Stat, st_rdev, "struct stat"),
        field!(stat::Stat, st_size, "struct stat"),
        field!(stat::Stat, st_blksize, "struct stat"),
        field!(stat::Stat, st_blocks, "struct stat"),
        field!(stat::Stat, st_atime, "struct stat"),
        field!(stat::Stat, st_atime_nsec, "struct stat"),
        field!(stat::Stat, st_mtime, "struct stat"),
        field!(stat::Stat, st_mtime_nsec, "struct stat"),
        field!(stat::Stat, st_ctime, "struct stat"),
        field!(stat::Stat, st_ctime_nsec, "struct stat"),
        field!(stat::Stat, unused, "struct stat", "__unused"),
        field!(stat::StatxTimestamp, tv_sec, "struct statx_timestamp"),
        field!(stat::StatxTimestamp, tv_nsec, "struct statx_timestamp"),
        field!(stat::StatxTimestamp, reserved, "struct statx_timestamp", "__reserved"),
        field!(stat::Statx, stx_mask, "struct statx"),
        field!(stat::Statx, stx_blksize, "struct statx"),
        field!(stat::Statx, stx_attributes, "struct statx"),
        field!(stat::Statx, stx_nlink, "struct statx"),
        field!(stat::Statx, stx_uid, "struct statx"),
        field!(stat::Statx, stx_gid, "struct statx"),
        field!(stat::Statx, stx_mode, "struct statx"),
        field!(stat::Statx, stx_ino, "struct statx"),
        field!(stat::Statx, stx_size, "struct statx"),
        field!(stat::Statx, stx_blocks, "struct statx"),
        field!(stat::Statx, stx_attributes_mask, "struct statx"),
        field!(stat::Statx, stx_atime, "struct statx"),
        field!(stat::Statx, stx_btime, "struct statx"),
        field!(stat::Statx, stx_ctime, "struct statx"),
        field!(stat::Statx, stx_mtime, "struct statx"),
        field!(stat::Statx, stx_rdev_major, "struct statx"),
        field!(stat::Statx, stx_rdev_minor, "struct statx"),
        field!(stat::Statx, stx_dev_major, "struct statx"),
        field!(stat::Statx, stx_dev_minor, "struct statx"),
        field!(stat::Statx, stx_mnt_id, "struct statx"),
        field!(stat::Statx, stx_dio_mem_align, "struct statx"),
        field!(stat::Statx, stx_dio_offset_align, "struct statx"),
        field!(stat::Statx, spare3, "struct statx", "__spare3"),
        field!(time::Timespec, tv_sec, "struct timespec"),
        field!(time::Timespec, tv_nsec, "struct timespec"),
        field!(time::Timeval, tv_sec, "struct timeval"),
        field!(time::Timeval, tv_usec, "struct timeval"),
        field!(time::Timezone, tz_minuteswest, "struct timezone"),
        field!(time::Timezone, tz_dsttime, "struct timezone"),
        field!(time::Itimerspec, it_interval, "struct itimerspec"),
        field!(time::Itimerspec, it_value, "struct itimerspec"),
        field!(time::Itimerval, it_interval, "struct itimerval"),
        field!(time::Itimerval, it_value, "struct itimerval"),
        field!(uname::Utsname, sysname, "struct new_utsname"),
        field!(uname::Utsname, nodename, "struct new_utsname"),
        field!(uname::Utsname, release, "struct new_utsname"),
        field!(uname::Utsname, version, "struct new_utsname"),
        field!(uname::Utsname, machine, "struct new_utsname"),
        field!(uname::Utsname, domainname, "struct new_utsname"),
        field!(termios::Termios, c_iflag, "struct termios"),
        field!(termios::Termios, c_oflag, "struct termios"),
        field!(termios::Termios, c_cflag, "struct termios"),
        field!(termios::Termios, c_lflag, "struct termios"),
        field!(termios::Termios, c_line, "struct termios"),
        field!(termios::Termios, c_cc, "struct termios"),
        field!(termios::Winsize, ws_row, "struct winsize"),
        field!(termios::Winsize, ws_col, "struct winsize"),
        field!(termios::Winsize, ws_xpixel, "struct winsize"),
        field!(termios::Winsize, ws_ypixel, "struct winsize"),
        field!(signal::SigAction, sa_handler, "struct sigaction"),
        field!(signal::SigAction, sa_flags, "struct sigaction"),
        field!(signal::SigAction, sa_restorer, "struct sigaction"),
        field!(signal::SigAction, sa_mask, "struct sigaction"),
        field!(signal::StackT, ss_sp, "stack_t"),
        field!(signal::StackT, ss_flags, "stack_t"),
        field!(signal::StackT, ss_size, "stack_t"),
        field!(resource::Rlimit, rlim_cur, "struct rlimit"),
        field!(resource::Rlimit, rlim_max, "struct rlimit"),
        field!(resource::Rusage, ru_utime, "struct rusage"),
        field!(resource::Rusage, ru_stime, "struct rusage"),
        field!(resource::Rusage, ru_maxrss, "struct rusage"),
        field!(resource::Rusage, ru_minflt, "struct rusage"),
        field!(resource::Rusage, ru_majflt, "struct rusage"),
        field!(resource::Rusage, ru_inblock, "struct rusage"),
        field!(resource::Rusage, ru_oublock, "struct rusage"),
        field!(resource::Rusage, ru_nvcsw, "struct rusage"),
        field!(resource::Rusage, ru_nivcsw, "struct rusage"),
        field!(poll::PollFd, fd, "struct pollfd"),
        field!(poll::PollFd, events, "struct pollfd"),
        field!(poll::PollFd, revents, "struct pollfd"),
        field!(uio::IoVec, iov_base, "struct iovec"),
        field!(uio::IoVec, iov_len, "struct iovec"),
        field!(futex::RobustListHead, list, "struct robust_list_head"),
        field!(futex::RobustListHead, futex_offset, "struct robust_list_head"),
        field!(futex::RobustListHead, list_op_pending, "struct robust_list_head"),
        field!(fcntl::Flock, l_type, "struct flock"),
        field!(fcntl::Flock, l_whence, "struct flock"),
        field!(fcntl::Flock, l_start, "struct flock"),
        field!(fcntl::Flock, l_len, "struct flock"),
        field!(fcntl::Flock, l_pid, "struct flock"),
        field!(mount::StatFs, f_type, "struct statfs"),
        field!(mount::StatFs, f_bsize, "struct statfs"),
        field!(mount::StatFs, f_blocks, "struct statfs"),
        field!(mount::StatFs, f_bfree, "struct statfs"),
        field!(mount::StatFs, f_bavail, "struct statfs"),
        field!(mount::StatFs, f_files, "struct statfs"),
        field!(mount::StatFs, f_ffree, "struct statfs"),
        field!(mount::StatFs, f_fsid, "struct statfs"),
        field!(mount::StatFs, f_namelen, "struct statfs"),
        field!(mount::StatFs, f_frsize, "struct statfs"),
        field!(mount::StatFs, f_flags, "struct statfs"),
        field!(mount::StatFs, f_spare, "struct statfs"),
    ];
    v.extend(fields.into_iter().flatten());
    v
}

const UAPI_HEADERS: &[&str] = &[
    "linux/types.h",
    "linux/fcntl.h",
    "linux/fs.h",
    "asm/stat.h",
    "linux/stat.h",
    "linux/mman.h",
    "linux/time.h",
    "linux/utsname.h",
    "asm/termbits.h",
    "asm/ioctls.h",
    "asm/termios.h",
    "asm/signal.h",
    "linux/signal.h",
    "linux/resource.h",
    "linux/poll.h",
    "linux/uio.h",
    "linux/auxvec.h",
    "linux/prctl.h",
    "asm/prctl.h",
    "linux/reboot.h",
    "linux/random.h",
    "linux/futex.h",
    "linux/mount.h",
    "linux/magic.h",
    "asm/statfs.h",
];

#[rustfmt::skip]
fn libc_checks() -> Vec<Check> {
    let mut v = vec![
        k!(fcntl::F_OK), k!(fcntl::X_OK), k!(fcntl::W_OK), k!(fcntl::R_OK),
        k!(dirent::DT_UNKNOWN), k!(dirent::DT_FIFO), k!(dirent::DT_CHR), k!(dirent::DT_DIR),
        k!(dirent::DT_BLK), k!(dirent::DT_REG), k!(dirent::DT_LNK), k!(dirent::DT_SOCK),
        k!(dirent::D_NAME_OFFSET, "__builtin_offsetof(struct dirent64, d_name)"),
        k!(fcntl::UTIME_NOW), k!(fcntl::UTIME_OMIT),
        k!(mount::MNT_FORCE), k!(mount::MNT_DETACH), k!(mount::MNT_EXPIRE),
        k!(mount::UMOUNT_NOFOLLOW),
        k!(mount::ST_RDONLY), k!(mount::ST_NOSUID), k!(mount::ST_NODEV),
        k!(mount::ST_NOEXEC), k!(mount::ST_SYNCHRONOUS), k!(mount::ST_NOATIME),
        k!(mount::ST_NODIRATIME), k!(mount::ST_RELATIME),
    ];
    let fields = [
        field!(dirent::LinuxDirent64, d_ino, "struct dirent64"),
        field!(dirent::LinuxDirent64, d_off, "struct dirent64"),
        field!(dirent::LinuxDirent64, d_reclen, "struct dirent64"),
        field!(dirent::LinuxDirent64, d_type, "struct dirent64"),
    ];
    v.extend(fields.into_iter().flatten());
    v
}

/// Compile `checks` against `headers` (with `prelude` first), run the program and return one
/// mismatch description per disagreeing check.
fn run_in_c(label: &str, prelude: &str, headers: &[&str], checks: &[Check]) -> Vec<String> {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(format!("uapi-{label}"));
    std::fs::create_dir_all(&dir).expect("create a scratch directory under CARGO_TARGET_TMPDIR");
    let mut src = String::from(prelude);
    for h in headers {
        writeln!(src, "#include <{h}>").unwrap();
    }
    src.push_str("int printf(const char *, ...);\n#define P(i, e) do { if ((e) < 0) printf(\"%d %lld\\n\", i, (long long)(e)); else printf(\"%d %llu\\n\", i, (unsigned long long)(e)); } while (0)\n#pragma GCC diagnostic ignored \"-Wtype-limits\"\nint main(void) {\n");
    for (i, c) in checks.iter().enumerate() {
        writeln!(src, "    P({i}, {});", c.c).unwrap();
    }
    src.push_str("    return 0;\n}\n");
    let c_path = dir.join("check.c");
    let exe = dir.join("check");
    std::fs::write(&c_path, &src).expect("write the generated C program");
    let out = Command::new("gcc")
        .args(["-std=gnu11", "-Wall", "-o"])
        .arg(&exe)
        .arg(&c_path)
        .output()
        .unwrap_or_else(|e| {
            panic!("cannot run gcc ({e}): install it with `apt-get install gcc linux-libc-dev`")
        });
    assert!(
        out.status.success(),
        "gcc failed on {} (are the kernel UAPI headers installed? `apt-get install linux-libc-dev`):\n{}",
        c_path.display(),
        String::from_utf8_lossy(&out.stderr)
    );
    let run = Command::new(&exe)
        .output()
        .expect("run the compiled check program");
    assert!(
        run.status.success(),
        "{} exited with {}",
        exe.display(),
        run.status
    );
    let stdout = String::from_utf8(run.stdout).expect("check program prints ASCII");
    let mut seen = vec![false; checks.len()];
    let mut bad = Vec::new();
    for line in stdout.lines() {
        let (i, val) = line.split_once(' ').expect("lines are `index value`");
        let i: usize = i.parse().expect("index");
        let val: i128 = val.parse().expect("value");
        seen[i] = true;
        if checks[i].rust != val {
            bad.push(format!(
                "{}: C says {val} (0x{val:x}), Rust says {} (0x{:x})",
                checks[i].c, checks[i].rust, checks[i].rust
            ));
        }
    }
    assert!(
        seen.iter().all(|s| *s),
        "the check program skipped some checks"
    );
    bad
}

#[test]
fn sizes_offsets_and_constants_match_the_kernel_uapi_headers() {
    let checks = uapi_checks();
    let bad = run_in_c("kernel", "", UAPI_HEADERS, &checks);
    assert!(
        bad.is_empty(),
        "{} of {} checks disagree with linux-libc-dev:\n{}",
        bad.len(),
        checks.len(),
        bad.join("\n")
    );
}

#[test]
fn dirent_layout_and_access_modes_match_the_c_library() {
    let checks = libc_checks();
    let bad = run_in_c(
        "libc",
        "#define _GNU_SOURCE 1\n",
        &[
            "dirent.h",
            "unistd.h",
            "sys/stat.h",
            "sys/mount.h",
            "sys/statvfs.h",
        ],
        &checks,
    );
    assert!(
        bad.is_empty(),
        "{} of {} checks disagree with the C library:\n{}",
        bad.len(),
        checks.len(),
        bad.join("\n")
    );
}

//! Resource limits and usage: `struct rlimit` (getrlimit(2), prlimit64(2)), the `RLIMIT_*`
//! resources (`asm-generic/resource.h`) and `struct rusage` (getrusage(2), wait4(2)), from
//! `linux/resource.h`.

use crate::time::Timeval;

/// CPU time, seconds.
pub const RLIMIT_CPU: u32 = 0;
/// Largest file size.
pub const RLIMIT_FSIZE: u32 = 1;
/// Data segment (brk and private mappings) size.
pub const RLIMIT_DATA: u32 = 2;
/// Main thread stack size.
pub const RLIMIT_STACK: u32 = 3;
/// Core file size.
pub const RLIMIT_CORE: u32 = 4;
/// Resident set size.
pub const RLIMIT_RSS: u32 = 5;
/// Processes of the real user.
pub const RLIMIT_NPROC: u32 = 6;
/// One more than the largest fd number.
pub const RLIMIT_NOFILE: u32 = 7;
/// Locked memory.
pub const RLIMIT_MEMLOCK: u32 = 8;
/// Address space size.
pub const RLIMIT_AS: u32 = 9;
/// File locks.
pub const RLIMIT_LOCKS: u32 = 10;
/// Pending signals.
pub const RLIMIT_SIGPENDING: u32 = 11;
/// POSIX message queue bytes.
pub const RLIMIT_MSGQUEUE: u32 = 12;
/// Nice ceiling.
pub const RLIMIT_NICE: u32 = 13;
/// Real-time priority ceiling.
pub const RLIMIT_RTPRIO: u32 = 14;
/// Real-time CPU time, microseconds.
pub const RLIMIT_RTTIME: u32 = 15;
/// Number of resources.
pub const RLIM_NLIMITS: u32 = 16;
/// No limit.
pub const RLIM_INFINITY: u64 = !0;

/// `getrusage` target: the calling process.
pub const RUSAGE_SELF: i32 = 0;
/// `getrusage` target: waited-for children.
pub const RUSAGE_CHILDREN: i32 = -1;
/// `getrusage` target: the calling thread.
pub const RUSAGE_THREAD: i32 = 1;

/// `struct rlimit` (also `struct rlimit64` on x86_64).
#[repr(C)]
#[derive(Clone, Copy, Default, Debug, PartialEq, Eq)]
pub struct Rlimit {
    /// Soft limit.
    pub rlim_cur: u64,
    /// Hard limit (ceiling for the soft limit).
    pub rlim_max: u64,
}
const _: () = assert!(size_of::<Rlimit>() == 16);

/// `struct rusage` (144 bytes).
#[repr(C)]
#[derive(Clone, Copy, Default, Debug, PartialEq, Eq)]
pub struct Rusage {
    /// User CPU time.
    pub ru_utime: Timeval,
    /// System CPU time.
    pub ru_stime: Timeval,
    /// Largest resident set, KiB.
    pub ru_maxrss: i64,
    /// Unused.
    pub ru_ixrss: i64,
    /// Unused.
    pub ru_idrss: i64,
    /// Unused.
    pub ru_isrss: i64,
    /// Page faults without I/O.
    pub ru_minflt: i64,
    /// Page faults with I/O.
    pub ru_majflt: i64,
    /// Unused.
    pub ru_nswap: i64,
    /// Block input operations.
    pub ru_inblock: i64,
    /// Block output operations.
    pub ru_oublock: i64,
    /// Unused.
    pub ru_msgsnd: i64,
    /// Unused.
    pub ru_msgrcv: i64,
    /// Unused.
    pub ru_nsignals: i64,
    /// Voluntary context switches.
    pub ru_nvcsw: i64,
    /// Involuntary context switches.
    pub ru_nivcsw: i64,
}
const _: () = assert!(size_of::<Rusage>() == 144);

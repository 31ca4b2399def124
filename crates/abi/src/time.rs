//! Time values: `struct timespec`, `struct timeval`, `struct timezone`, `struct itimerval`
//! (`linux/time.h`; on x86_64 every field is 64-bit) and the `CLOCK_*` ids of
//! clock_gettime(2).

/// Nanoseconds in one second.
pub const NSEC_PER_SEC: i64 = 1_000_000_000;

/// `struct timespec`: seconds and nanoseconds.
#[repr(C)]
#[derive(Clone, Copy, Default, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Timespec {
    /// Seconds.
    pub tv_sec: i64,
    /// Nanoseconds, valid in `0..1_000_000_000`.
    pub tv_nsec: i64,
}
const _: () = assert!(size_of::<Timespec>() == 16);

impl Timespec {
    /// Whether `tv_nsec` is in range and `tv_sec` is not negative, as `nanosleep` and
    /// `clock_nanosleep` require (EINVAL otherwise).
    #[must_use]
    pub fn is_valid(&self) -> bool {
        self.tv_sec >= 0 && (0..NSEC_PER_SEC).contains(&self.tv_nsec)
    }

    /// The duration in nanoseconds, saturating (for a valid timespec); `None` if invalid.
    #[must_use]
    pub fn as_ns(&self) -> Option<u64> {
        self.is_valid().then(|| {
            (self.tv_sec as u64)
                .saturating_mul(NSEC_PER_SEC as u64)
                .saturating_add(self.tv_nsec as u64)
        })
    }
}

/// `struct timeval`: seconds and microseconds.
#[repr(C)]
#[derive(Clone, Copy, Default, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Timeval {
    /// Seconds.
    pub tv_sec: i64,
    /// Microseconds, valid in `0..1_000_000`.
    pub tv_usec: i64,
}
const _: () = assert!(size_of::<Timeval>() == 16);

/// `struct timezone` for gettimeofday(2) (obsolete; Linux reports what was last set).
#[repr(C)]
#[derive(Clone, Copy, Default, Debug, PartialEq, Eq)]
pub struct Timezone {
    /// Minutes west of Greenwich.
    pub tz_minuteswest: i32,
    /// Type of DST correction.
    pub tz_dsttime: i32,
}
const _: () = assert!(size_of::<Timezone>() == 8);

/// `struct itimerspec` for timer_settime(2) and timerfd.
#[repr(C)]
#[derive(Clone, Copy, Default, Debug, PartialEq, Eq)]
pub struct Itimerspec {
    /// Period.
    pub it_interval: Timespec,
    /// First expiry.
    pub it_value: Timespec,
}
const _: () = assert!(size_of::<Itimerspec>() == 32);

/// `struct itimerval` for setitimer(2).
#[repr(C)]
#[derive(Clone, Copy, Default, Debug, PartialEq, Eq)]
pub struct Itimerval {
    /// Period.
    pub it_interval: Timeval,
    /// First expiry.
    pub it_value: Timeval,
}
const _: () = assert!(size_of::<Itimerval>() == 32);

/// Wall-clock time.
pub const CLOCK_REALTIME: u32 = 0;
/// Time since boot, not counting suspend; never jumps.
pub const CLOCK_MONOTONIC: u32 = 1;
/// CPU time of the process.
pub const CLOCK_PROCESS_CPUTIME_ID: u32 = 2;
/// CPU time of the thread.
pub const CLOCK_THREAD_CPUTIME_ID: u32 = 3;
/// Monotonic time without NTP slewing.
pub const CLOCK_MONOTONIC_RAW: u32 = 4;
/// Fast, coarse `CLOCK_REALTIME`.
pub const CLOCK_REALTIME_COARSE: u32 = 5;
/// Fast, coarse `CLOCK_MONOTONIC`.
pub const CLOCK_MONOTONIC_COARSE: u32 = 6;
/// Monotonic time including suspend.
pub const CLOCK_BOOTTIME: u32 = 7;
/// `CLOCK_REALTIME` that wakes the system.
pub const CLOCK_REALTIME_ALARM: u32 = 8;
/// `CLOCK_BOOTTIME` that wakes the system.
pub const CLOCK_BOOTTIME_ALARM: u32 = 9;
/// International atomic time.
pub const CLOCK_TAI: u32 = 11;

/// `clock_nanosleep`/`timer_settime` flag: the time is absolute.
pub const TIMER_ABSTIME: u32 = 1;

/// `setitimer`: real time, delivers SIGALRM.
pub const ITIMER_REAL: u32 = 0;
/// `setitimer`: user CPU time, delivers SIGVTALRM.
pub const ITIMER_VIRTUAL: u32 = 1;
/// `setitimer`: total CPU time, delivers SIGPROF.
pub const ITIMER_PROF: u32 = 2;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timespec_validity_follows_nanosleep() {
        let ts = |tv_sec, tv_nsec| Timespec { tv_sec, tv_nsec };
        assert!(ts(0, 0).is_valid(), "zero is valid");
        assert!(ts(5, NSEC_PER_SEC - 1).is_valid(), "largest nanoseconds");
        assert!(
            !ts(0, NSEC_PER_SEC).is_valid(),
            "a full second of nanoseconds is EINVAL"
        );
        assert!(!ts(0, -1).is_valid(), "negative nanoseconds are EINVAL");
        assert!(!ts(-1, 0).is_valid(), "negative seconds are EINVAL");
    }
}

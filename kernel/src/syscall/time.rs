//! Clocks and sleeping.

use keel_abi::time::{Timespec, Timeval};
use keel_abi::{Errno, KResult};

use crate::mm::usercopy::UserPtr;

const CLOCK_REALTIME: i32 = 0;
const CLOCK_MONOTONIC: i32 = 1;
const CLOCK_PROCESS_CPUTIME_ID: i32 = 2;
const CLOCK_THREAD_CPUTIME_ID: i32 = 3;
const CLOCK_MONOTONIC_RAW: i32 = 4;
const CLOCK_REALTIME_COARSE: i32 = 5;
const CLOCK_MONOTONIC_COARSE: i32 = 6;
const CLOCK_BOOTTIME: i32 = 7;
const TIMER_ABSTIME: i32 = 1;

fn clock_ns(id: i32) -> KResult<i64> {
    Ok(match id {
        CLOCK_REALTIME | CLOCK_REALTIME_COARSE => crate::time::realtime_ns(),
        CLOCK_MONOTONIC | CLOCK_MONOTONIC_RAW | CLOCK_MONOTONIC_COARSE | CLOCK_BOOTTIME => {
            crate::time::monotonic_ns() as i64
        }
        // No per-thread CPU accounting yet: time since boot is an upper bound that only grows.
        CLOCK_PROCESS_CPUTIME_ID | CLOCK_THREAD_CPUTIME_ID => crate::time::monotonic_ns() as i64,
        _ => return Err(Errno::EINVAL),
    })
}

fn ts(ns: i64) -> Timespec {
    Timespec {
        tv_sec: ns.div_euclid(1_000_000_000),
        tv_nsec: ns.rem_euclid(1_000_000_000),
    }
}

pub fn sys_clock_gettime(id: i32, tp: u64) -> KResult<usize> {
    let now = clock_ns(id)?;
    UserPtr::<Timespec>::new(tp).write(ts(now))?;
    Ok(0)
}

pub fn sys_clock_getres(id: i32, tp: u64) -> KResult<usize> {
    clock_ns(id)?;
    if tp != 0 {
        UserPtr::<Timespec>::new(tp).write(ts(1))?;
    }
    Ok(0)
}

pub fn sys_gettimeofday(tv: u64, tz: u64) -> KResult<usize> {
    if tv != 0 {
        let now = crate::time::realtime_ns();
        UserPtr::<Timeval>::new(tv).write(Timeval {
            tv_sec: now.div_euclid(1_000_000_000),
            tv_usec: now.rem_euclid(1_000_000_000) / 1000,
        })?;
    }
    if tz != 0 {
        UserPtr::<[i32; 2]>::new(tz).write([0, 0])?;
    }
    Ok(0)
}

pub fn sys_time(t: u64) -> KResult<usize> {
    let secs = crate::time::realtime_ns().div_euclid(1_000_000_000);
    if t != 0 {
        UserPtr::<i64>::new(t).write(secs)?;
    }
    Ok(secs as usize)
}

fn read_ts(addr: u64) -> KResult<i64> {
    let t = UserPtr::<Timespec>::new(addr).read()?;
    if !t.is_valid() {
        return Err(Errno::EINVAL);
    }
    Ok(t.tv_sec
        .saturating_mul(1_000_000_000)
        .saturating_add(t.tv_nsec))
}

/// Sleeps until the monotonic deadline. Signals will interrupt it (EINTR, with the remaining
/// time reported) once they exist.
fn sleep_until_monotonic(deadline: i64) {
    if deadline > 0 {
        crate::sched::waitqueue::sleep_until(deadline as u64);
    }
}

pub fn sys_nanosleep(req: u64, _rem: u64) -> KResult<usize> {
    let ns = read_ts(req)?;
    sleep_until_monotonic((crate::time::monotonic_ns() as i64).saturating_add(ns));
    Ok(0)
}

pub fn sys_clock_nanosleep(id: i32, flags: i32, req: u64, _rem: u64) -> KResult<usize> {
    match id {
        CLOCK_REALTIME | CLOCK_MONOTONIC | CLOCK_BOOTTIME => {}
        CLOCK_THREAD_CPUTIME_ID => return Err(Errno::EINVAL),
        CLOCK_PROCESS_CPUTIME_ID => {}
        _ => return Err(Errno::EINVAL),
    }
    let ns = read_ts(req)?;
    let now_mono = crate::time::monotonic_ns() as i64;
    let deadline = if flags & TIMER_ABSTIME != 0 {
        // Convert an absolute time on `id` into a monotonic deadline.
        now_mono.saturating_add(ns.saturating_sub(clock_ns(id)?))
    } else {
        now_mono.saturating_add(ns)
    };
    sleep_until_monotonic(deadline);
    Ok(0)
}

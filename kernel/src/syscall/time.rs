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
const CLOCK_REALTIME_ALARM: i32 = 8;
const CLOCK_BOOTTIME_ALARM: i32 = 9;
const CLOCK_TAI: i32 = 11;
const TIMER_ABSTIME: i32 = 1;

/// CPU time of the caller's process or thread, for the CPU clocks; also the "dynamic" ids
/// `clock_getcpuclockid` and `pthread_getcpuclockid` make, `(~pid << 3) | type | thread<<2`,
/// for the calling process and thread; other pids and tids are EINVAL, as a missing one is.
fn cpu_clock_ns(c: &super::Caller, id: i32) -> KResult<i64> {
    let cpu = |u: &crate::proc::Usage| {
        let (user, system) = u.cpu_ns();
        (user + system) as i64
    };
    let (thread, pid) = match id {
        CLOCK_PROCESS_CPUTIME_ID => (false, 0),
        CLOCK_THREAD_CPUTIME_ID => (true, 0),
        _ if id < 0 && id & 3 != 3 => (id & 4 != 0, !(id >> 3)),
        _ => return Err(Errno::EINVAL),
    };
    if thread {
        if pid != 0 && pid as u32 != c.thread.tid() {
            return Err(Errno::EINVAL);
        }
        return Ok(c.thread.user().map(|u| cpu(&u.usage)).unwrap_or(0));
    }
    if pid != 0 && pid as u32 != c.process().pid {
        return Err(Errno::EINVAL);
    }
    Ok(cpu(&c.process().usage))
}

fn clock_ns(c: &super::Caller, id: i32) -> KResult<i64> {
    Ok(match id {
        // TAI is UTC plus the TAI offset, which is 0 until adjtimex sets it, as on Linux.
        CLOCK_REALTIME | CLOCK_REALTIME_COARSE | CLOCK_REALTIME_ALARM | CLOCK_TAI => {
            crate::time::realtime_ns()
        }
        CLOCK_MONOTONIC
        | CLOCK_MONOTONIC_RAW
        | CLOCK_MONOTONIC_COARSE
        | CLOCK_BOOTTIME
        | CLOCK_BOOTTIME_ALARM => crate::time::monotonic_ns() as i64,
        _ => cpu_clock_ns(c, id)?,
    })
}

fn ts(ns: i64) -> Timespec {
    Timespec {
        tv_sec: ns.div_euclid(1_000_000_000),
        tv_nsec: ns.rem_euclid(1_000_000_000),
    }
}

pub fn sys_clock_gettime(c: &super::Caller, id: i32, tp: u64) -> KResult<usize> {
    let now = clock_ns(c, id)?;
    UserPtr::<Timespec>::new(tp).write(ts(now))?;
    Ok(0)
}

pub fn sys_clock_getres(c: &super::Caller, id: i32, tp: u64) -> KResult<usize> {
    clock_ns(c, id)?;
    // Linux's answers: one tick for the coarse clocks, 1 ns for the others (CPU clocks too).
    let res = match id {
        CLOCK_REALTIME_COARSE | CLOCK_MONOTONIC_COARSE => {
            1_000_000_000 / crate::arch::x86_64::apic::TICK_HZ as i64
        }
        _ => 1,
    };
    if tp != 0 {
        UserPtr::<Timespec>::new(tp).write(ts(res))?;
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
    let ns = UserPtr::<Timespec>::new(addr)
        .read()?
        .as_ns()
        .ok_or(Errno::EINVAL)?;
    Ok(ns.min(i64::MAX as u64) as i64)
}

/// Sleeps until the monotonic deadline. A signal ends the sleep early: the time left goes to
/// `rem` (if given) and the call returns EINTR when a handler runs, or sleeps again when none
/// does (ERESTARTNOHAND), as Linux's nanosleep does.
fn sleep_until_monotonic(deadline: i64, rem: u64) -> KResult<usize> {
    if deadline <= 0 {
        return Ok(0);
    }
    match crate::sched::waitqueue::sleep_until(deadline as u64) {
        Ok(()) => Ok(0),
        Err(_) => {
            if rem != 0 {
                let left = (deadline as u64).saturating_sub(crate::time::monotonic_ns());
                UserPtr::<Timespec>::new(rem).write(Timespec {
                    tv_sec: (left / 1_000_000_000) as i64,
                    tv_nsec: (left % 1_000_000_000) as i64,
                })?;
            }
            Err(Errno::ERESTARTNOHAND)
        }
    }
}

pub fn sys_nanosleep(req: u64, rem: u64) -> KResult<usize> {
    let ns = read_ts(req)?;
    sleep_until_monotonic((crate::time::monotonic_ns() as i64).saturating_add(ns), rem)
}

pub fn sys_clock_nanosleep(
    c: &super::Caller,
    id: i32,
    flags: i32,
    req: u64,
    rem: u64,
) -> KResult<usize> {
    match id {
        CLOCK_REALTIME
        | CLOCK_MONOTONIC
        | CLOCK_BOOTTIME
        | CLOCK_TAI
        | CLOCK_PROCESS_CPUTIME_ID => {}
        CLOCK_REALTIME_ALARM | CLOCK_BOOTTIME_ALARM => {}
        // What Linux answers for clocks it cannot sleep on.
        CLOCK_THREAD_CPUTIME_ID
        | CLOCK_REALTIME_COARSE
        | CLOCK_MONOTONIC_COARSE
        | CLOCK_MONOTONIC_RAW => return Err(Errno::EOPNOTSUPP),
        _ if id < 0 => return Err(Errno::EOPNOTSUPP),
        _ => return Err(Errno::EINVAL),
    }
    let ns = read_ts(req)?;
    let now_mono = crate::time::monotonic_ns() as i64;
    let abs = flags & TIMER_ABSTIME != 0;
    let deadline = if abs {
        // Convert an absolute time on `id` into a monotonic deadline.
        now_mono.saturating_add(ns.saturating_sub(clock_ns(c, id)?))
    } else {
        now_mono.saturating_add(ns)
    };
    // clock_nanosleep reports its error as the return value; with TIMER_ABSTIME there is no
    // remaining time to report.
    sleep_until_monotonic(deadline, if abs { 0 } else { rem })
}

/// Clock ticks per second as user space counts them (`AT_CLKTCK`, USER_HZ).
const USER_HZ: u64 = 100;

pub fn sys_times(c: &super::Caller, buf: u64) -> KResult<usize> {
    if buf != 0 {
        let (u, s) = c.process().usage.cpu_ns();
        let (cu, cs) = c.process().child_usage.cpu_ns();
        let to_ticks = |ns: u64| (ns / (1_000_000_000 / USER_HZ)) as i64;
        // tms_utime, tms_stime, tms_cutime, tms_cstime (reaped children).
        UserPtr::<[i64; 4]>::new(buf).write([
            to_ticks(u),
            to_ticks(s),
            to_ticks(cu),
            to_ticks(cs),
        ])?;
    }
    Ok((crate::time::monotonic_ns() / (1_000_000_000 / USER_HZ)) as usize)
}

fn tv(ns: u64) -> Timeval {
    Timeval {
        tv_sec: (ns / 1_000_000_000) as i64,
        tv_usec: (ns % 1_000_000_000 / 1000) as i64,
    }
}

pub fn sys_getrusage(c: &super::Caller, who: i32, buf: u64) -> KResult<usize> {
    const RUSAGE_SELF: i32 = 0;
    const RUSAGE_CHILDREN: i32 = -1;
    const RUSAGE_THREAD: i32 = 1;
    let usage = match who {
        RUSAGE_SELF => Some(&c.process().usage),
        RUSAGE_THREAD => c.thread.user().map(|u| &u.usage),
        RUSAGE_CHILDREN => Some(&c.process().child_usage),
        _ => return Err(Errno::EINVAL),
    };
    let mut r = keel_abi::resource::Rusage::default();
    if let Some(u) = usage {
        let (user, system) = u.cpu_ns();
        r.ru_utime = tv(user);
        r.ru_stime = tv(system);
        if who != RUSAGE_CHILDREN {
            r.ru_maxrss = (c.process().mm().resident_pages() * 4) as i64;
        }
        r.ru_minflt = u.minor_faults.load(core::sync::atomic::Ordering::Relaxed) as i64;
        r.ru_nvcsw = u
            .voluntary_switches
            .load(core::sync::atomic::Ordering::Relaxed) as i64;
        r.ru_nivcsw = u
            .involuntary_switches
            .load(core::sync::atomic::Ordering::Relaxed) as i64;
    }
    UserPtr::<keel_abi::resource::Rusage>::new(buf).write(r)?;
    Ok(0)
}

/// The kernel's `struct sysinfo` on x86_64.
#[derive(Clone, Copy, Default)]
#[repr(C)]
pub struct SysInfo {
    uptime: i64,
    loads: [u64; 3],
    totalram: u64,
    freeram: u64,
    sharedram: u64,
    bufferram: u64,
    totalswap: u64,
    freeswap: u64,
    procs: u16,
    pad: u16,
    pad2: u32,
    totalhigh: u64,
    freehigh: u64,
    mem_unit: u32,
    pad3: u32,
}
const _: () = assert!(core::mem::size_of::<SysInfo>() == 112);
// SAFETY: integers only, padding spelled out.
unsafe impl crate::mm::usercopy::Pod for SysInfo {}

pub fn sys_sysinfo(buf: u64) -> KResult<usize> {
    let page = 4096u64;
    let info = SysInfo {
        uptime: (crate::time::monotonic_ns() / 1_000_000_000) as i64,
        // Linux reports the 11-bit fixed-point averages shifted to 16 bits (SI_LOAD_SHIFT).
        loads: crate::sched::load_averages().map(|l| l << 5),
        totalram: crate::mm::frames::total_frames() as u64 * page,
        freeram: crate::mm::frames::free_frames() as u64 * page,
        sharedram: crate::fs::tmpfs_bytes(),
        procs: crate::proc::thread_count().min(u16::MAX as usize) as u16,
        mem_unit: 1,
        ..Default::default()
    };
    UserPtr::<SysInfo>::new(buf).write(info)?;
    Ok(0)
}

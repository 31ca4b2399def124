//! ITIMER_REAL and alarm(2): a per-process timer that sends SIGALRM, optionally periodic.
//! The virtual and profiling timers are accepted and reported but never fire (listed in
//! `syscall::PARTIAL`).
#![forbid(unsafe_code)]

use alloc::sync::{Arc, Weak};

use keel_abi::time::Timeval;
use keel_abi::{Errno, KResult};

use super::{send_to_process, SigInfo};
use crate::mm::usercopy::UserPtr;
use crate::proc::Process;
use crate::sched::timer::{self, TimerId};

const ITIMER_REAL: i32 = 0;
const ITIMER_VIRTUAL: i32 = 1;
const ITIMER_PROF: i32 = 2;

/// The state of a process's ITIMER_REAL (and the stored values of the other two).
#[derive(Default)]
pub struct RealTimer {
    /// Monotonic expiry, while armed.
    deadline: Option<u64>,
    interval_ns: u64,
    pending: Option<TimerId>,
    /// ITIMER_VIRTUAL and ITIMER_PROF as set: (value, interval) in ns.
    others: [(u64, u64); 2],
}

fn tv_ns(t: &Timeval) -> KResult<u64> {
    if t.tv_sec < 0 || !(0..1_000_000).contains(&t.tv_usec) {
        return Err(Errno::EINVAL);
    }
    Ok((t.tv_sec as u64)
        .saturating_mul(1_000_000_000)
        .saturating_add(t.tv_usec as u64 * 1000))
}

fn ns_tv(ns: u64) -> Timeval {
    Timeval {
        tv_sec: (ns / 1_000_000_000) as i64,
        tv_usec: (ns % 1_000_000_000 / 1000) as i64,
    }
}

/// Arms (or disarms, for 0) the real timer; returns the old (remaining, interval).
fn arm(p: &Arc<Process>, value_ns: u64, interval_ns: u64) -> (u64, u64) {
    let now = crate::time::monotonic_ns();
    let mut t = p.itimer.lock();
    if let Some(id) = t.pending.take() {
        timer::cancel(id);
    }
    let old = (
        t.deadline
            .map(|d| d.saturating_sub(now).max(1))
            .unwrap_or(0),
        t.interval_ns,
    );
    t.interval_ns = interval_ns;
    t.deadline = None;
    if value_ns != 0 {
        let d = now.saturating_add(value_ns);
        t.deadline = Some(d);
        t.pending = Some(schedule(Arc::downgrade(p), d));
    }
    old
}

fn schedule(p: Weak<Process>, deadline: u64) -> TimerId {
    timer::add(deadline, move || fire(p))
}

/// Runs in the timer interrupt: SIGALRM, and the next period if there is one.
fn fire(weak: Weak<Process>) {
    let Some(p) = weak.upgrade() else { return };
    {
        let mut t = p.itimer.lock();
        t.pending = None;
        match t.deadline {
            Some(d) if t.interval_ns != 0 => {
                let next = d
                    .saturating_add(t.interval_ns)
                    .max(crate::time::monotonic_ns());
                t.deadline = Some(next);
                t.pending = Some(schedule(weak.clone(), next));
            }
            _ => t.deadline = None,
        }
    }
    send_to_process(&p, SigInfo::kernel(keel_abi::signal::SIGALRM));
}

/// Disarms at exit, so the timer's callback finds nothing.
pub fn disarm(p: &Arc<Process>) {
    arm(p, 0, 0);
}

pub fn sys_setitimer(p: &Arc<Process>, which: i32, new: u64, old: u64) -> KResult<usize> {
    let new_val = if new != 0 {
        Some(UserPtr::<[Timeval; 2]>::new(new).read()?)
    } else {
        None
    };
    let (value, interval) = match new_val {
        Some([interval, value]) => (tv_ns(&value)?, tv_ns(&interval)?),
        None => (0, 0),
    };
    let prev = match which {
        ITIMER_REAL => arm(p, value, interval),
        ITIMER_VIRTUAL | ITIMER_PROF => {
            let mut t = p.itimer.lock();
            core::mem::replace(&mut t.others[(which - 1) as usize], (value, interval))
        }
        _ => return Err(Errno::EINVAL),
    };
    if old != 0 {
        UserPtr::<[Timeval; 2]>::new(old).write([ns_tv(prev.1), ns_tv(prev.0)])?;
    }
    Ok(0)
}

pub fn sys_getitimer(p: &Arc<Process>, which: i32, cur: u64) -> KResult<usize> {
    let now = crate::time::monotonic_ns();
    let (value, interval) = {
        let t = p.itimer.lock();
        match which {
            ITIMER_REAL => (
                t.deadline
                    .map(|d| d.saturating_sub(now).max(1))
                    .unwrap_or(0),
                t.interval_ns,
            ),
            ITIMER_VIRTUAL | ITIMER_PROF => t.others[(which - 1) as usize],
            _ => return Err(Errno::EINVAL),
        }
    };
    UserPtr::<[Timeval; 2]>::new(cur).write([ns_tv(interval), ns_tv(value)])?;
    Ok(0)
}

/// alarm(2): seconds left on the previous alarm, rounded to nearest (at least 1 if one was
/// pending), as Linux reports.
pub fn sys_alarm(p: &Arc<Process>, secs: u32) -> KResult<usize> {
    let (left, _) = arm(p, secs as u64 * 1_000_000_000, 0);
    if left == 0 {
        return Ok(0);
    }
    let s = left / 1_000_000_000 + u64::from(left % 1_000_000_000 >= 500_000_000);
    Ok(s.max(1) as usize)
}

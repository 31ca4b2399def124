//! timerfd(2): a timer as a file. Expirations accumulate in a counter that a read takes (8
//! bytes); the file is readable while it is not zero. Expiry runs from the timer interrupt
//! (`sched::timer`), which only counts, re-arms a periodic timer and notifies readiness, all
//! interrupt-safe.
//!
//! Lock order: `TimerFd::state` is an `IrqSpinLock` (the timer callback takes it) and a leaf.
#![forbid(unsafe_code)]

use alloc::sync::{Arc, Weak};

use keel_abi::time::{Itimerspec, Timespec};
use keel_abi::{Errno, KResult};
use keel_vfs::consts::POLLIN;
use keel_vfs::{FileOps, Metadata, Pollee};

use super::readiness::Readiness;
use crate::sched::timer::{self, TimerId};
use crate::sync::IrqSpinLock;

/// `TFD_TIMER_ABSTIME`.
pub const TFD_TIMER_ABSTIME: u32 = 1;
/// `TFD_TIMER_CANCEL_ON_SET` (accepted; the wall clock is never set under a timer here).
pub const TFD_TIMER_CANCEL_ON_SET: u32 = 2;

#[derive(Default)]
struct State {
    /// Monotonic expiry while armed.
    deadline: Option<u64>,
    interval_ns: u64,
    expirations: u64,
    pending: Option<TimerId>,
}

/// A timerfd.
pub struct TimerFd {
    /// Whether times are on CLOCK_REALTIME (absolute settings are converted).
    realtime: bool,
    state: IrqSpinLock<State>,
    ready: Readiness,
    me: Weak<TimerFd>,
}

fn ts_ns(t: &Timespec) -> KResult<u64> {
    t.as_ns().ok_or(Errno::EINVAL)
}

fn ns_ts(ns: u64) -> Timespec {
    Timespec {
        tv_sec: (ns / 1_000_000_000) as i64,
        tv_nsec: (ns % 1_000_000_000) as i64,
    }
}

impl TimerFd {
    /// A disarmed timer on the given clock.
    pub fn new(realtime: bool) -> Arc<TimerFd> {
        let t = Arc::new_cyclic(|me| TimerFd {
            realtime,
            state: IrqSpinLock::new(State::default()),
            ready: Readiness::new(),
            me: me.clone(),
        });
        let mut all = TIMERFDS.lock();
        all.retain(|w| w.strong_count() > 0);
        all.push(Arc::downgrade(&t));
        t
    }

    /// The current setting: time to the next expiry and the period.
    pub fn get(&self) -> Itimerspec {
        let now = crate::time::monotonic_ns();
        let s = self.state.lock();
        Itimerspec {
            it_interval: ns_ts(s.interval_ns),
            it_value: ns_ts(
                s.deadline
                    .map(|d| d.saturating_sub(now).max(1))
                    .unwrap_or(0),
            ),
        }
    }

    /// timerfd_settime: returns the old setting.
    pub fn set(&self, flags: u32, new: &Itimerspec) -> KResult<Itimerspec> {
        let value = ts_ns(&new.it_value)?;
        let interval = ts_ns(&new.it_interval)?;
        let old = self.get();
        let now = crate::time::monotonic_ns();
        let deadline = if value == 0 {
            None
        } else if flags & TFD_TIMER_ABSTIME != 0 {
            let base = if self.realtime {
                crate::time::realtime_ns().max(0) as u64
            } else {
                now
            };
            Some(now.saturating_add(value.saturating_sub(base)))
        } else {
            Some(now.saturating_add(value))
        };
        let mut s = self.state.lock();
        if let Some(id) = s.pending.take() {
            timer::cancel(id);
        }
        s.expirations = 0;
        s.interval_ns = interval;
        s.deadline = deadline;
        if let Some(d) = deadline {
            s.pending = Some(self.arm(d));
        }
        Ok(old)
    }

    fn arm(&self, deadline: u64) -> TimerId {
        let me = self.me.clone();
        timer::add(deadline, move || {
            if let Some(t) = me.upgrade() {
                t.fire();
            }
        })
    }

    /// Timer interrupt: one more expiration (more if a period was missed), re-armed if
    /// periodic.
    fn fire(&self) {
        let now = crate::time::monotonic_ns();
        {
            let mut s = self.state.lock();
            s.pending = None;
            let Some(d) = s.deadline else { return };
            match now.saturating_sub(d).checked_div(s.interval_ns) {
                None => {
                    s.expirations += 1;
                    s.deadline = None;
                }
                Some(missed) => {
                    s.expirations += 1 + missed;
                    let next = d.saturating_add((missed + 1).saturating_mul(s.interval_ns));
                    s.deadline = Some(next);
                    s.pending = Some(self.arm(next));
                }
            }
        }
        self.ready.notify(POLLIN);
    }
}

impl FileOps for TimerFd {
    fn read(&self, _pos: &mut u64, buf: &mut [u8], _flags: u32) -> KResult<usize> {
        if buf.len() < 8 {
            return Err(Errno::EINVAL);
        }
        let n = {
            let mut s = self.state.lock();
            if s.expirations == 0 {
                return Err(Errno::EAGAIN);
            }
            core::mem::take(&mut s.expirations)
        };
        buf[..8].copy_from_slice(&n.to_ne_bytes());
        Ok(8)
    }

    fn poll(&self) -> u16 {
        if self.state.lock().expirations > 0 {
            POLLIN
        } else {
            0
        }
    }

    fn pollee(&self) -> Option<&dyn Pollee> {
        Some(&self.ready)
    }

    fn stat(&self) -> Metadata {
        super::anon_inode_metadata()
    }
}

/// The timerfd behind an open file, if it is one.
pub fn as_timerfd(f: &keel_vfs::OpenFile) -> Option<Arc<TimerFd>> {
    let p = f.ops().pollee()? as *const dyn Pollee as *const ();
    TIMERFDS
        .lock()
        .iter()
        .filter_map(Weak::upgrade)
        .find(|t| core::ptr::eq(&t.ready as *const Readiness as *const (), p))
}

/// Live timerfds, to recognise them from an open file (timerfd_settime on another file is
/// EINVAL).
static TIMERFDS: crate::sync::SpinLock<alloc::vec::Vec<Weak<TimerFd>>> =
    crate::sync::SpinLock::new(alloc::vec::Vec::new());

impl Drop for TimerFd {
    fn drop(&mut self) {
        if let Some(id) = self.state.lock().pending.take() {
            timer::cancel(id);
        }
    }
}

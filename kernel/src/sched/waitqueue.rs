//! Waiting: wait queues, and the one blocking primitive every sleep in the kernel goes through.
//!
//! [`block_until`] puts the current thread to sleep until a condition holds, a deadline passes
//! or (for interruptible waits) a signal is pending, and returns `KResult`: `Ok`, `EINTR` or
//! `ETIMEDOUT`. The caller must have registered the thread where the condition's changer will
//! find it (a [`WaitQueue`], a readiness observer, a futex bucket) before calling it; wakers
//! change the condition first and then call [`super::wake`].
//!
//! No wake-up can be lost: the thread marks itself blocked *before* it re-checks the condition,
//! so a wake that lands between the check and the switch finds it blocked, makes it runnable,
//! and the switch then simply picks it again. Signal senders wake the target thread the same
//! way, after setting its pending flag, so an interruptible sleep always notices a signal.
//!
//! Lock order: a wait queue's lock -> `SCHED`.

use alloc::collections::VecDeque;
use alloc::sync::Arc;

use keel_abi::{Errno, KResult};

use super::{current, schedule, timer, wake, State, Thread};
use crate::sync::IrqSpinLock;

/// Sleeps until `cond()` is true (`Ok`), `deadline_ns` passes on the monotonic clock
/// (`ETIMEDOUT`), or, if `interruptible`, a signal is pending (`EINTR`). The current thread
/// must already be registered with whoever makes `cond` true.
pub fn block_until(
    mut cond: impl FnMut() -> bool,
    deadline_ns: Option<u64>,
    interruptible: bool,
) -> KResult<()> {
    crate::sync::might_sleep();
    let me = current();
    let expired = |d: Option<u64>| d.is_some_and(|d| crate::time::monotonic_ns() >= d);
    let stop = |me: &Thread| interruptible && me.signal_pending();
    loop {
        if cond() {
            return Ok(());
        }
        if stop(&me) {
            return Err(Errno::EINTR);
        }
        if expired(deadline_ns) {
            return Err(Errno::ETIMEDOUT);
        }
        me.set_state(State::Blocked);
        let alarm = deadline_ns.map(|d| {
            let t = me.clone();
            timer::add(d, move || {
                wake(&t);
            })
        });
        if (cond() || stop(&me) || expired(deadline_ns))
            && me.transition(State::Blocked, State::Running)
        {
            // Nothing to wait for after all, and nobody woke us yet.
        } else {
            schedule();
        }
        if let Some(a) = alarm {
            timer::cancel(a);
        }
    }
}

/// A set of waiting threads. Waiters stay registered until their wait ends, so a wake that
/// does not satisfy their condition does not make them miss the next one.
pub struct WaitQueue {
    waiters: IrqSpinLock<VecDeque<Arc<Thread>>>,
}

impl Default for WaitQueue {
    fn default() -> Self {
        Self::new()
    }
}

impl WaitQueue {
    /// An empty queue.
    pub const fn new() -> Self {
        WaitQueue {
            waiters: IrqSpinLock::new(VecDeque::new()),
        }
    }

    fn wait(
        &self,
        cond: impl FnMut() -> bool,
        deadline_ns: Option<u64>,
        interruptible: bool,
    ) -> KResult<()> {
        let me = current();
        self.waiters.lock().push_back(me.clone());
        let r = block_until(cond, deadline_ns, interruptible);
        self.waiters.lock().retain(|t| !Arc::ptr_eq(t, &me));
        r
    }

    /// Blocks until `cond()` is true: `EINTR` if a signal arrives first, `ETIMEDOUT` if the
    /// monotonic clock passes `deadline_ns` first.
    pub fn wait_until(&self, cond: impl FnMut() -> bool, deadline_ns: Option<u64>) -> KResult<()> {
        self.wait(cond, deadline_ns, true)
    }

    /// Blocks until `cond()` is true, whatever signals arrive (locks, short kernel waits).
    pub fn wait_uninterruptible(&self, cond: impl FnMut() -> bool) {
        let _ = self.wait(cond, None, false);
    }

    /// Blocks until `cond()` or `give_up()` is true, whatever signals arrive (a killable
    /// sleep: `give_up` says the sleeper is being killed). True if `cond` held.
    pub fn wait_uninterruptible_or(
        &self,
        mut cond: impl FnMut() -> bool,
        mut give_up: impl FnMut() -> bool,
    ) -> bool {
        let _ = self.wait(|| cond() || give_up(), None, false);
        cond()
    }

    /// As [`WaitQueue::wait_uninterruptible`] with a deadline; false if it passed first.
    pub fn wait_uninterruptible_deadline(
        &self,
        cond: impl FnMut() -> bool,
        deadline_ns: u64,
    ) -> bool {
        self.wait(cond, Some(deadline_ns), false).is_ok()
    }

    /// Wakes every waiter; returns how many were asleep.
    pub fn wake_all(&self) -> usize {
        let q = self.waiters.lock();
        q.iter().filter(|t| wake(t)).count()
    }

    /// Wakes the first waiter that is asleep; true if there was one.
    pub fn wake_one(&self) -> bool {
        let q = self.waiters.lock();
        q.iter().any(wake)
    }

    /// Number of threads waiting.
    pub fn len(&self) -> usize {
        self.waiters.lock().len()
    }

    /// True if nobody waits.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// Sleeps the current thread until the monotonic clock reaches `deadline_ns`; `EINTR` if a
/// signal arrives first.
pub fn sleep_until(deadline_ns: u64) -> KResult<()> {
    match block_until(|| false, Some(deadline_ns), true) {
        Err(Errno::ETIMEDOUT) => Ok(()),
        r => r,
    }
}

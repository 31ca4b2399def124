//! Wait queues: any number of threads wait for a condition; whoever changes the condition
//! wakes them, from thread or interrupt context.
//!
//! No wake-up can be lost: a waiter marks itself blocked and enqueues itself *before* it
//! re-checks the condition, and wakers change the condition *before* they wake. A wake that
//! lands between the check and the switch finds the thread blocked, makes it runnable, and the
//! switch then simply picks it again. This ordering is also what keeps it correct on SMP.
//!
//! Lock order: a wait queue's lock -> `SCHED`.

use alloc::collections::VecDeque;
use alloc::sync::Arc;

use super::{current, schedule, timer, wake, State, Thread};
use crate::sync::IrqSpinLock;

/// A set of waiting threads.
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

    /// Blocks until `cond()` is true.
    pub fn wait_until(&self, cond: impl FnMut() -> bool) {
        self.wait_until_deadline(cond, None);
    }

    /// Blocks until `cond()` is true or the monotonic clock passes `deadline_ns`; returns
    /// whether the condition became true.
    pub fn wait_until_deadline(
        &self,
        mut cond: impl FnMut() -> bool,
        deadline_ns: Option<u64>,
    ) -> bool {
        crate::sync::might_sleep();
        let expired = |d: Option<u64>| d.is_some_and(|d| crate::time::monotonic_ns() >= d);
        loop {
            if cond() {
                return true;
            }
            if expired(deadline_ns) {
                return false;
            }
            let me = current();
            me.set_state(State::Blocked);
            self.waiters.lock().push_back(me.clone());
            let alarm = deadline_ns.map(|d| {
                let t = me.clone();
                timer::add(d, move || {
                    wake(&t);
                })
            });
            if (cond() || expired(deadline_ns)) && me.transition(State::Blocked, State::Running) {
                // Nothing to wait for after all, and nobody woke us yet.
            } else {
                schedule();
            }
            if let Some(a) = alarm {
                timer::cancel(a);
            }
            self.waiters.lock().retain(|t| !Arc::ptr_eq(t, &me));
        }
    }

    /// Wakes every waiter; returns how many were woken.
    pub fn wake_all(&self) -> usize {
        let waiters: VecDeque<_> = core::mem::take(&mut *self.waiters.lock());
        waiters.iter().filter(|t| wake(t)).count()
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

/// Sleeps the current thread until the monotonic clock reaches `deadline_ns`.
pub fn sleep_until(deadline_ns: u64) {
    WaitQueue::new().wait_until_deadline(|| false, Some(deadline_ns));
}

//! Kernel timers: callbacks at a monotonic deadline, run from the timer interrupt (so they must
//! not sleep). Sleeping with a timeout, and later the network stack's `poll_at` deadlines, are
//! built on them.
//!
//! Lock order: `TIMERS` is a leaf; callbacks run after it is released, so they may add timers
//! or wake threads.

use alloc::boxed::Box;
use alloc::collections::BTreeMap;
use core::sync::atomic::{AtomicU64, Ordering};

use crate::sync::IrqSpinLock;

type Callback = Box<dyn FnOnce() + Send>;

static TIMERS: IrqSpinLock<BTreeMap<(u64, u64), Callback>> = IrqSpinLock::new(BTreeMap::new());
static NEXT_ID: AtomicU64 = AtomicU64::new(1);

/// A pending timer, for cancellation.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TimerId(u64, u64);

/// Runs `f` once the monotonic clock reaches `deadline_ns`.
pub fn add(deadline_ns: u64, f: impl FnOnce() + Send + 'static) -> TimerId {
    let id = NEXT_ID.fetch_add(1, Ordering::Relaxed);
    TIMERS.lock().insert((deadline_ns, id), Box::new(f));
    TimerId(deadline_ns, id)
}

/// Cancels a timer; true if it had not fired yet.
pub fn cancel(t: TimerId) -> bool {
    let cb = TIMERS.lock().remove(&(t.0, t.1));
    cb.is_some()
}

/// Runs every expired timer (from the timer interrupt).
pub fn run_expired() {
    let now = crate::time::monotonic_ns();
    loop {
        let cb = {
            let mut timers = TIMERS.lock();
            match timers.first_key_value() {
                Some((&(deadline, _), _)) if deadline <= now => {
                    timers.pop_first().map(|(_, cb)| cb)
                }
                _ => None,
            }
        };
        match cb {
            Some(cb) => cb(),
            None => break,
        }
    }
}

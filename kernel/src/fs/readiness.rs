//! Per-object readiness: the one shape every pollable file (the console, pipes, epoll
//! instances, later sockets and ptys) uses to say "my events may have changed".
//!
//! A [`Readiness`] is a list of observers. Whoever changes the object's state calls
//! [`Readiness::notify`] afterwards; observers are threads blocked in a read, write, `poll` or
//! `select` on this object ([`ThreadWaker`]) and epoll instances watching it. A notify wakes
//! only those, never the waiters of another object.
//!
//! Blocking on one object: [`wait_for`] subscribes the current thread, sleeps until the file's
//! `poll()` shows one of the wanted events, and unsubscribes.
//!
//! Lock order: `Readiness::observers` -> whatever an observer takes (`SCHED`, an epoll
//! instance's ready list, that instance's own `Readiness`). An epoll instance never watches
//! itself or an epoll that watches it (ELOOP), so the chain ends. Notify may be called from
//! interrupt handlers, so the lock is an `IrqSpinLock`.
#![forbid(unsafe_code)]

use alloc::sync::Arc;
use alloc::vec::Vec;
use core::sync::atomic::{AtomicBool, AtomicU64, Ordering};

use keel_abi::{Errno, KResult};
use keel_vfs::{Observer, OpenFile, Pollee};

use crate::sched::Thread;
use crate::sync::IrqSpinLock;

/// The observers of one pollable object.
pub struct Readiness {
    observers: IrqSpinLock<Vec<(u64, Arc<dyn Observer>)>>,
}

static NEXT_KEY: AtomicU64 = AtomicU64::new(1);

impl Default for Readiness {
    fn default() -> Self {
        Self::new()
    }
}

impl Readiness {
    /// No observers.
    pub const fn new() -> Self {
        Readiness {
            observers: IrqSpinLock::new(Vec::new()),
        }
    }

    /// Tells every observer that `events` may have changed.
    pub fn notify(&self, events: u16) {
        let obs = self.observers.lock();
        for (_, o) in obs.iter() {
            o.notify(events);
        }
    }
}

impl Pollee for Readiness {
    fn subscribe(&self, observer: Arc<dyn Observer>) -> u64 {
        let key = NEXT_KEY.fetch_add(1, Ordering::Relaxed);
        self.observers.lock().push((key, observer));
        key
    }

    fn unsubscribe(&self, key: u64) {
        let removed = {
            let mut obs = self.observers.lock();
            obs.iter()
                .position(|(k, _)| *k == key)
                .map(|i| obs.swap_remove(i))
        };
        drop(removed); // an observer's Drop may take locks: not under ours
    }
}

/// An observer that wakes one thread (a blocked read, write, poll or select).
pub struct ThreadWaker(pub Arc<Thread>);

impl Observer for ThreadWaker {
    fn notify(&self, _events: u16) {
        crate::sched::wake(&self.0);
    }
}

/// An observer that remembers it was notified and wakes one thread: for a wait on "anything
/// happened" where `poll()` cannot say what the waiter needs (a terminal read that already
/// holds some bytes waits for one more, while POLLIN waits for VMIN).
pub struct Nudge {
    thread: Arc<Thread>,
    hit: AtomicBool,
}

impl Nudge {
    /// A nudge for the current thread, not yet notified.
    pub fn new() -> Arc<Nudge> {
        Arc::new(Nudge {
            thread: crate::sched::current(),
            hit: AtomicBool::new(false),
        })
    }

    /// Whether a notify came since [`Nudge::new`].
    pub fn hit(&self) -> bool {
        self.hit.load(Ordering::Acquire)
    }
}

impl Observer for Nudge {
    fn notify(&self, _events: u16) {
        self.hit.store(true, Ordering::Release);
        crate::sched::wake(&self.thread);
    }
}

/// A subscription that ends when dropped.
pub struct Subscription<'a> {
    pollee: &'a dyn Pollee,
    key: u64,
}

impl<'a> Subscription<'a> {
    /// Subscribes `observer` to `pollee`.
    pub fn new(pollee: &'a dyn Pollee, observer: Arc<dyn Observer>) -> Self {
        let key = pollee.subscribe(observer);
        Subscription { pollee, key }
    }
}

impl Drop for Subscription<'_> {
    fn drop(&mut self) {
        self.pollee.unsubscribe(self.key);
    }
}

/// Blocks until `f.poll()` has one of `events` (or POLLERR/POLLHUP), a signal arrives
/// (`ERESTARTSYS`) or `deadline_ns` passes (`ETIMEDOUT`). A file without a pollee is always
/// ready and returns at once.
pub fn wait_for(f: &OpenFile, events: u16, deadline_ns: Option<u64>) -> KResult<()> {
    use keel_vfs::consts::{POLLERR, POLLHUP};
    let want = events | POLLERR | POLLHUP;
    let Some(p) = f.ops().pollee() else {
        return Ok(());
    };
    let _sub = Subscription::new(p, Arc::new(ThreadWaker(crate::sched::current())));
    crate::sched::waitqueue::block_until(|| f.poll() & want != 0, deadline_ns, true)
        .map_err(interrupted_restarts)
}

/// Maps an interrupted wait (EINTR) to ERESTARTSYS, which the signal code turns into EINTR
/// or a restart depending on the handler's SA_RESTART; other errors pass through.
pub fn interrupted_restarts(e: Errno) -> Errno {
    if e == Errno::EINTR {
        Errno::ERESTARTSYS
    } else {
        e
    }
}

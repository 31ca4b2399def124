//! The sleeping mutex, and sleeping on an address.
//!
//! [`Mutex`] is for data held across user copies, I/O or sleeps: a waiter blocks on the lock's
//! own wait queue instead of spinning, so the holder may sleep. Waits are uninterruptible (as
//! Linux's `mutex_lock`): a signal does not make a lock acquisition fail.
//!
//! [`wait_on_address`]/[`wake_address`] are Linux's hashed bit-wait queues: a lock word that
//! lives in a structure without a wait queue of its own (an open file's offset lock in the
//! host-tested VFS crate) sleeps on one of a few shared queues chosen by its address.

use core::cell::UnsafeCell;
use core::ops::{Deref, DerefMut};
use core::sync::atomic::{AtomicBool, Ordering};

use crate::sched::WaitQueue;

/// A sleeping mutual-exclusion lock.
pub struct Mutex<T: ?Sized> {
    locked: AtomicBool,
    waiters: WaitQueue,
    data: UnsafeCell<T>,
}

// SAFETY: the lock hands out access to `data` to one holder at a time.
unsafe impl<T: ?Sized + Send> Sync for Mutex<T> {}
// SAFETY: as above; moving the mutex moves the data.
unsafe impl<T: ?Sized + Send> Send for Mutex<T> {}

/// Guard of a [`Mutex`]; releases it and wakes a waiter when dropped.
pub struct MutexGuard<'a, T: ?Sized> {
    lock: &'a Mutex<T>,
}

impl<T> Mutex<T> {
    /// A new unlocked mutex.
    pub const fn new(value: T) -> Self {
        Mutex {
            locked: AtomicBool::new(false),
            waiters: WaitQueue::new(),
            data: UnsafeCell::new(value),
        }
    }
}

impl<T: ?Sized> Mutex<T> {
    /// Takes the lock, sleeping while another thread holds it.
    pub fn lock(&self) -> MutexGuard<'_, T> {
        crate::sync::might_sleep();
        loop {
            if let Some(g) = self.try_lock() {
                return g;
            }
            self.waiters
                .wait_uninterruptible(|| !self.locked.load(Ordering::Acquire));
        }
    }

    /// Takes the lock if it is free.
    pub fn try_lock(&self) -> Option<MutexGuard<'_, T>> {
        self.locked
            .compare_exchange(false, true, Ordering::Acquire, Ordering::Relaxed)
            .ok()
            .map(|_| MutexGuard { lock: self })
    }

    /// The data, through exclusive access (no locking needed).
    pub fn get_mut(&mut self) -> &mut T {
        self.data.get_mut()
    }
}

impl<T: ?Sized> Drop for MutexGuard<'_, T> {
    fn drop(&mut self) {
        self.lock.locked.store(false, Ordering::Release);
        if !self.lock.waiters.is_empty() {
            self.lock.waiters.wake_one();
        }
    }
}

impl<T: ?Sized> Deref for MutexGuard<'_, T> {
    type Target = T;
    fn deref(&self) -> &T {
        // SAFETY: the guard proves we hold the lock.
        unsafe { &*self.lock.data.get() }
    }
}

impl<T: ?Sized> DerefMut for MutexGuard<'_, T> {
    fn deref_mut(&mut self) -> &mut T {
        // SAFETY: the guard proves we hold the lock, exclusively.
        unsafe { &mut *self.lock.data.get() }
    }
}

const HASHED_QUEUES: usize = 64;
static HASHED: [WaitQueue; HASHED_QUEUES] = [const { WaitQueue::new() }; HASHED_QUEUES];

fn queue_for(addr: usize) -> &'static WaitQueue {
    // Objects are at least 8-byte aligned: drop the low bits before hashing.
    let h = (addr >> 3).wrapping_mul(0x9e37_79b9_7f4a_7c15) >> 58;
    &HASHED[h % HASHED_QUEUES]
}

/// Sleeps (uninterruptibly) until `cond()` is true; whoever makes it true calls
/// [`wake_address`] with the same address.
pub fn wait_on_address(addr: usize, cond: impl FnMut() -> bool) {
    queue_for(addr).wait_uninterruptible(cond);
}

/// Wakes the sleepers of [`wait_on_address`] on `addr` (and any sharing its queue, which
/// re-check their condition).
pub fn wake_address(addr: usize) {
    let q = queue_for(addr);
    if !q.is_empty() {
        q.wake_all();
    }
}

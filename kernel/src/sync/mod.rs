//! Locks.
//!
//! Three kinds, as STYLE.md asks:
//! - [`IrqSpinLock`]: spins with interrupts off, for data an interrupt handler also touches
//!   (wait queues, the run queue, timers, the console).
//! - [`SpinLock`]: spins with interrupts on, for short critical sections no interrupt handler
//!   enters (process fields, the pid table, futex buckets).
//! - [`Mutex`] (`mutex.rs`): a sleeping lock whose waiters block on a wait queue, for what is
//!   held across user copies, I/O or a sleep (an open file's offset, an address space).
//!
//! Both spinlock flavours count themselves in this CPU's per-CPU block while held, and
//! [`might_sleep`] (called by every path that may block: wait queues, sleeping locks, user
//! copies) panics when the count is not zero: sleeping with a spinlock held deadlocks the
//! moment another thread wants it. Lock order is written at each lock's definition.

mod mutex;

use core::ops::{Deref, DerefMut};

pub use mutex::{wait_on_address, wake_address, Mutex, MutexGuard};

use crate::arch::x86_64::{cpu, percpu};

/// A spinlock that disables interrupts while held.
pub struct IrqSpinLock<T: ?Sized> {
    inner: spin::Mutex<T>,
}

/// Guard of an [`IrqSpinLock`]; restores the interrupt flag when dropped.
pub struct IrqSpinGuard<'a, T: ?Sized> {
    guard: Option<spin::MutexGuard<'a, T>>,
    irq_was_enabled: bool,
}

impl<T> IrqSpinLock<T> {
    /// A new unlocked lock.
    pub const fn new(value: T) -> Self {
        IrqSpinLock {
            inner: spin::Mutex::new(value),
        }
    }
}

impl<T: ?Sized> IrqSpinLock<T> {
    /// Disables interrupts and takes the lock.
    pub fn lock(&self) -> IrqSpinGuard<'_, T> {
        let irq_was_enabled = cpu::irq_save();
        let guard = self.inner.lock();
        percpu::spin_held_add(1);
        IrqSpinGuard {
            guard: Some(guard),
            irq_was_enabled,
        }
    }

    /// Releases the lock without a guard: only for the panic path, which must print even if
    /// the console lock was held when the panic hit.
    ///
    /// # Safety
    /// No other code may use the data concurrently afterwards; the caller is about to halt.
    pub unsafe fn force_unlock(&self) {
        if self.inner.is_locked() {
            // SAFETY: upheld by the caller.
            unsafe { self.inner.force_unlock() };
            percpu::spin_held_add(-1);
        }
    }
}

impl<T: ?Sized> Drop for IrqSpinGuard<'_, T> {
    fn drop(&mut self) {
        drop(self.guard.take());
        percpu::spin_held_add(-1);
        cpu::irq_restore(self.irq_was_enabled);
    }
}

impl<T: ?Sized> Deref for IrqSpinGuard<'_, T> {
    type Target = T;
    fn deref(&self) -> &T {
        self.guard.as_deref().expect("guard is present until drop")
    }
}

impl<T: ?Sized> DerefMut for IrqSpinGuard<'_, T> {
    fn deref_mut(&mut self) -> &mut T {
        self.guard
            .as_deref_mut()
            .expect("guard is present until drop")
    }
}

/// A spinlock for data no interrupt handler touches: interrupts stay on while it is held.
pub struct SpinLock<T: ?Sized> {
    inner: spin::Mutex<T>,
}

/// Guard of a [`SpinLock`].
pub struct SpinGuard<'a, T: ?Sized> {
    guard: Option<spin::MutexGuard<'a, T>>,
}

impl<T> SpinLock<T> {
    /// A new unlocked lock.
    pub const fn new(value: T) -> Self {
        SpinLock {
            inner: spin::Mutex::new(value),
        }
    }
}

impl<T: Default> Default for SpinLock<T> {
    fn default() -> Self {
        SpinLock::new(T::default())
    }
}

impl<T: ?Sized> SpinLock<T> {
    /// Takes the lock.
    pub fn lock(&self) -> SpinGuard<'_, T> {
        let guard = self.inner.lock();
        percpu::spin_held_add(1);
        SpinGuard { guard: Some(guard) }
    }
}

impl<T: ?Sized> Drop for SpinGuard<'_, T> {
    fn drop(&mut self) {
        drop(self.guard.take());
        percpu::spin_held_add(-1);
    }
}

impl<T: ?Sized> Deref for SpinGuard<'_, T> {
    type Target = T;
    fn deref(&self) -> &T {
        self.guard.as_deref().expect("guard is present until drop")
    }
}

impl<T: ?Sized> DerefMut for SpinGuard<'_, T> {
    fn deref_mut(&mut self) -> &mut T {
        self.guard
            .as_deref_mut()
            .expect("guard is present until drop")
    }
}

/// Panics if this CPU holds a spinlock of either flavour: called by everything that may sleep.
pub fn might_sleep() {
    let held = percpu::spin_held();
    assert!(held == 0, "sleeping while holding {held} spinlock(s)");
}

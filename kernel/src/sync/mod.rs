//! Locks.
//!
//! [`IrqSpinLock`] is the one spinning lock type: it disables interrupts while held, so data an
//! interrupt handler also touches can never deadlock against it on this CPU, and the spin keeps
//! it correct on SMP. Hold it briefly: never across a user copy, a sleep or I/O (the scheduler
//! checks `might_sleep` in debug builds). Lock order is written at each lock's definition.

use core::ops::{Deref, DerefMut};
use core::sync::atomic::{AtomicUsize, Ordering};

use crate::arch::x86_64::cpu;

/// Number of `IrqSpinLock`s held by this CPU; sleeping while it is non-zero is a bug.
static HELD: AtomicUsize = AtomicUsize::new(0);

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
        HELD.fetch_add(1, Ordering::Relaxed);
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
            HELD.fetch_sub(1, Ordering::Relaxed);
        }
    }
}

impl<T: ?Sized> Drop for IrqSpinGuard<'_, T> {
    fn drop(&mut self) {
        drop(self.guard.take());
        HELD.fetch_sub(1, Ordering::Relaxed);
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

/// Panics if a spinlock is held: called by everything that may sleep.
pub fn might_sleep() {
    let held = HELD.load(Ordering::Relaxed);
    assert!(held == 0, "sleeping while holding {held} spinlock(s)");
}

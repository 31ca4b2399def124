//! Device interrupt handlers by vector. Handlers run with interrupts off on the interrupted
//! thread's kernel stack; they must not sleep. The timer owns vector 32; drivers register the
//! vectors they route through the I/O APIC.

use core::sync::atomic::{AtomicUsize, Ordering};

static HANDLERS: [AtomicUsize; 256] = [const { AtomicUsize::new(0) }; 256];

/// Installs `handler` for `vector`.
pub fn register(vector: u8, handler: fn()) {
    HANDLERS[vector as usize].store(handler as usize, Ordering::Release);
}

/// Runs the handler for `vector` (called by the trap dispatcher, which sends the EOI).
pub fn dispatch(vector: u8) {
    let h = HANDLERS[vector as usize].load(Ordering::Acquire);
    if h == 0 {
        log::warn!("unexpected interrupt on vector {vector}");
        return;
    }
    // SAFETY: only `register` stores non-zero values, and it stores `fn()` pointers.
    let f: fn() = unsafe { core::mem::transmute::<usize, fn()>(h) };
    f();
}

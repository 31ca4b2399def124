//! Kernel stacks: fixed-size slots in the stack area, each with an unmapped guard page below
//! the stack, so an overflow faults (and lands in the double-fault handler on its own IST
//! stack) instead of silently corrupting the neighbour.

use alloc::vec::Vec;

use super::{KSTACK_BASE, PAGE_SIZE};
use crate::arch::x86_64::paging::{Pte, KERNEL_PT};
use crate::mm::frames::{self, PhysFrame};
use crate::sync::IrqSpinLock;

/// Usable bytes of a kernel stack.
pub const KSTACK_SIZE: u64 = 32 * 1024;
/// One slot: the guard page plus the stack, rounded to 64 KiB.
const SLOT: u64 = 64 * 1024;
const MAX_SLOTS: u64 = 1 << 20;

struct Slots {
    next: u64,
    free: Vec<u64>,
}

/// Lock order: `SLOTS` is taken without other locks held, then the frame and page-table locks.
static SLOTS: IrqSpinLock<Slots> = IrqSpinLock::new(Slots {
    next: 0,
    free: Vec::new(),
});

/// A mapped kernel stack; unmapped and freed on drop.
pub struct KernelStack {
    slot: u64,
}

impl KernelStack {
    /// Maps a new stack, or `None` when memory or slots run out.
    pub fn new() -> Option<KernelStack> {
        let slot = {
            let mut s = SLOTS.lock();
            match s.free.pop() {
                Some(i) => i,
                None if s.next < MAX_SLOTS => {
                    s.next += 1;
                    s.next - 1
                }
                None => return None,
            }
        };
        let stack = KernelStack { slot };
        let mut va = stack.bottom();
        while va < stack.top() {
            let f = frames::alloc_zeroed()?;
            if KERNEL_PT
                .lock()
                .map(va, f.addr(), Pte::WRITABLE | Pte::NO_EXECUTE | Pte::GLOBAL)
                .is_err()
            {
                let _ = frames::dec_ref(f);
                return None; // `stack` drops and unmaps what was mapped
            }
            va += PAGE_SIZE;
        }
        Some(stack)
    }

    /// The guard page's address.
    pub fn guard(&self) -> u64 {
        KSTACK_BASE + self.slot * SLOT + SLOT - KSTACK_SIZE - PAGE_SIZE
    }

    /// Lowest usable address.
    pub fn bottom(&self) -> u64 {
        self.guard() + PAGE_SIZE
    }

    /// One past the highest usable address (the initial stack pointer).
    pub fn top(&self) -> u64 {
        KSTACK_BASE + (self.slot + 1) * SLOT
    }
}

impl Drop for KernelStack {
    fn drop(&mut self) {
        let mut va = self.bottom();
        while va < self.top() {
            let old = KERNEL_PT.lock().unmap(va);
            if let Some((pa, _)) = old {
                let _ = frames::dec_ref(PhysFrame::containing(pa));
            }
            va += PAGE_SIZE;
        }
        SLOTS.lock().free.push(self.slot);
    }
}

/// True if `addr` is in the guard page of some kernel stack slot (or of the boot stack).
pub fn is_guard_page(addr: u64) -> bool {
    let boot_guard = super::image::boot_stack_guard();
    if (boot_guard..boot_guard + PAGE_SIZE).contains(&addr) {
        return true;
    }
    if !(KSTACK_BASE..KSTACK_BASE + MAX_SLOTS * SLOT).contains(&addr) {
        return false;
    }
    let off = (addr - KSTACK_BASE) % SLOT;
    (SLOT - KSTACK_SIZE - PAGE_SIZE..SLOT - KSTACK_SIZE).contains(&off)
}

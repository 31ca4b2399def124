//! Uncached mappings of device registers in the MMIO area. Mappings are permanent (devices
//! live as long as the kernel).

use core::sync::atomic::{AtomicU64, Ordering};

use super::{page_ceil, page_floor, MMIO_BASE};
use crate::arch::x86_64::paging::{Pte, KERNEL_PT};

static NEXT: AtomicU64 = AtomicU64::new(MMIO_BASE);

/// Maps `[phys, phys + len)` uncached and returns the virtual address of `phys`.
pub fn map(phys: u64, len: u64) -> u64 {
    let start = page_floor(phys);
    let size = page_ceil(phys + len) - start;
    let va = NEXT.fetch_add(size, Ordering::Relaxed);
    let mut pt = KERNEL_PT.lock();
    let mut off = 0;
    while off < size {
        let flags =
            Pte::WRITABLE | Pte::NO_CACHE | Pte::WRITE_THROUGH | Pte::NO_EXECUTE | Pte::GLOBAL;
        pt.map(va + off, start + off, flags)
            .expect("MMIO area mapping");
        off += super::PAGE_SIZE;
    }
    va + (phys - start)
}

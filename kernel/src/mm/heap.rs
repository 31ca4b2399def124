//! The kernel heap: the `talc` allocator over a virtual range at [`HEAP_BASE`] that grows on
//! demand. When talc runs out it calls [`HeapSource::acquire`], which maps fresh frames at the
//! heap's end and extends the arena; nothing is reserved up front.
//!
//! Lock order: `HEAP` -> frame allocator -> kernel page tables. Interrupt handlers may free,
//! so the lock is IRQ-safe.

use core::alloc::{GlobalAlloc, Layout};
use core::ptr::NonNull;
use core::sync::atomic::{AtomicU64, Ordering};

use talc::base::binning::Binning;
use talc::base::Talc;
use talc::source::Source;
use talc::DefaultBinning;

use super::{HEAP_BASE, HEAP_MAX, PAGE_SIZE};
use crate::arch::x86_64::paging::{Pte, KERNEL_PT};
use crate::mm::frames;
use crate::sync::IrqSpinLock;

/// Grows the heap by mapping frames at its end.
#[derive(Debug)]
pub struct HeapSource {
    /// End of the mapped part of the heap.
    mapped_end: u64,
    /// The arena end talc returned from the last claim/extend.
    arena_end: Option<NonNull<u8>>,
}

// SAFETY: the source is only reached through the heap lock.
unsafe impl Send for HeapSource {}

/// Smallest growth step, so small allocations do not map one page at a time.
const GROW_STEP: u64 = 256 * 1024;

impl HeapSource {
    fn grow(&mut self, bytes: u64) -> bool {
        let want = bytes.max(GROW_STEP).next_multiple_of(PAGE_SIZE);
        if self.mapped_end + want > HEAP_BASE + HEAP_MAX {
            return false;
        }
        let mut pt = KERNEL_PT.lock();
        let start = self.mapped_end;
        while self.mapped_end < start + want {
            let Some(f) = frames::alloc_zeroed() else {
                return self.mapped_end > start;
            };
            if pt
                .map(
                    self.mapped_end,
                    f.addr(),
                    Pte::WRITABLE | Pte::NO_EXECUTE | Pte::GLOBAL,
                )
                .is_err()
            {
                let _ = frames::dec_ref(f);
                return self.mapped_end > start;
            }
            self.mapped_end += PAGE_SIZE;
        }
        true
    }
}

// SAFETY: `acquire` only maps new memory and hands it to the `talc` it was given; it never
// uses the global allocator (no formatting, no collections).
unsafe impl Source for HeapSource {
    fn acquire<B: Binning>(talc: &mut Talc<Self, B>, layout: Layout) -> Result<(), ()> {
        // Room for the request plus talc's per-chunk and first-claim metadata.
        let need = layout.size() as u64 + layout.align() as u64 + 4096;
        if !talc.source.grow(need) {
            return Err(());
        }
        let new_end = talc.source.mapped_end;
        // SAFETY: [old_end, new_end) was just mapped read-write and belongs to no one else;
        // the arena is contiguous from HEAP_BASE, so it either starts the heap or extends it.
        let end = unsafe {
            match talc.source.arena_end {
                None => talc.claim(HEAP_BASE as *mut u8, (new_end - HEAP_BASE) as usize),
                Some(e) => Some(talc.extend(e, new_end as *mut u8)),
            }
        };
        match end {
            Some(e) => {
                talc.source.arena_end = Some(e);
                Ok(())
            }
            None => Err(()),
        }
    }
}

/// The global allocator.
pub struct KernelHeap {
    talc: IrqSpinLock<Talc<HeapSource, DefaultBinning>>,
}

// SAFETY: talc is a correct allocator; the lock serialises it, and its source maps memory
// that nothing else uses.
unsafe impl GlobalAlloc for KernelHeap {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        // SAFETY: talc's allocate contract matches GlobalAlloc::alloc's.
        let p = unsafe {
            self.talc
                .lock()
                .allocate(layout)
                .map_or(core::ptr::null_mut(), |p| p.as_ptr())
        };
        if !p.is_null() {
            IN_USE.fetch_add(layout.size() as u64, Ordering::Relaxed);
        }
        p
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: `ptr` came from `alloc` with this layout (GlobalAlloc's contract).
        unsafe { self.talc.lock().deallocate(ptr, layout) }
        IN_USE.fetch_sub(layout.size() as u64, Ordering::Relaxed);
    }
}

#[global_allocator]
static HEAP: KernelHeap = KernelHeap {
    talc: IrqSpinLock::new(Talc::new(HeapSource {
        mapped_end: HEAP_BASE,
        arena_end: None,
    })),
};

/// Bytes handed out and not given back: the heap's live objects (tmpfs pages included).
static IN_USE: AtomicU64 = AtomicU64::new(0);

/// Bytes of the heap's live objects (what `mapped_bytes` holds beyond them is free inside the
/// heap, for its next allocations).
pub fn in_use_bytes() -> u64 {
    IN_USE.load(Ordering::Relaxed)
}

/// Bytes of virtual memory the heap has mapped so far.
pub fn mapped_bytes() -> u64 {
    HEAP.talc.lock().source.mapped_end - HEAP_BASE
}

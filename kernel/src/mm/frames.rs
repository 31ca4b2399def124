//! The global physical frame allocator: `keel_frames::FrameAllocator` over a counter array
//! carved out of RAM at boot, behind one IRQ-safe lock (interrupt handlers may free memory).

use keel_frames::{FrameAllocator, RefError};

use super::{phys_to_virt, PAGE_SIZE};
use crate::boot::{BootInfo, MemKind};
use crate::sync::IrqSpinLock;

/// A physical frame, by address.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct PhysFrame(u64);

impl PhysFrame {
    /// The frame containing `pa`.
    pub const fn containing(pa: u64) -> Self {
        PhysFrame(pa & !(PAGE_SIZE - 1))
    }
    /// Its physical address.
    pub const fn addr(self) -> u64 {
        self.0
    }
    /// Its direct-map address.
    pub const fn virt(self) -> u64 {
        phys_to_virt(self.0)
    }
    fn number(self) -> usize {
        (self.0 / PAGE_SIZE) as usize
    }
}

static FRAMES: IrqSpinLock<Option<FrameAllocator<'static>>> = IrqSpinLock::new(None);

/// Builds the allocator from the memory map, keeping `reserved` physical ranges (kernel image,
/// initrd) out of it. Returns the highest physical address of RAM.
pub fn init(bi: &BootInfo, reserved: &[(u64, u64)]) -> u64 {
    let top = bi
        .regions()
        .iter()
        .filter(|r| r.kind == MemKind::Usable)
        .map(|r| r.end)
        .max()
        .unwrap_or(0);
    let nframes = (top / PAGE_SIZE) as usize;
    let array_bytes = (nframes * 4) as u64;
    let overlaps = |s: u64, e: u64| reserved.iter().any(|&(rs, re)| s < re && rs < e);
    // The counter array goes in the first usable stretch above 1 MiB, inside the boot direct
    // map (1 GiB), that overlaps nothing reserved.
    let mut array_at = None;
    for r in bi.regions().iter().filter(|r| r.kind == MemKind::Usable) {
        let mut s = super::page_ceil(r.start.max(1 << 20));
        while s + array_bytes <= r.end.min(1 << 30) {
            if !overlaps(s, s + array_bytes) {
                array_at = Some(s);
                break;
            }
            s += PAGE_SIZE;
        }
        if array_at.is_some() {
            break;
        }
    }
    let Some(array_pa) = array_at else {
        panic!("no room for the frame counters ({array_bytes} bytes) below 1 GiB");
    };
    // SAFETY: [array_pa, array_pa + array_bytes) is usable RAM that nothing else owns (checked
    // against the reserved ranges above) and is reserved in the allocator below, so it is never
    // handed out; it is direct-mapped by the boot page tables and later by the kernel's.
    let refs =
        unsafe { core::slice::from_raw_parts_mut(phys_to_virt(array_pa) as *mut u32, nframes) };
    let mut fa = FrameAllocator::new(refs);
    for r in bi.regions().iter().filter(|r| r.kind == MemKind::Usable) {
        fa.add_free_range(
            (super::page_ceil(r.start) / PAGE_SIZE) as usize,
            (r.end / PAGE_SIZE) as usize,
        );
    }
    // Never hand out the first MiB (real-mode structures, BIOS data, the boot page tables).
    fa.reserve_range(0, 256);
    for &(s, e) in reserved
        .iter()
        .chain(core::iter::once(&(array_pa, array_pa + array_bytes)))
    {
        fa.reserve_range(
            (s / PAGE_SIZE) as usize,
            super::page_ceil(e) as usize / PAGE_SIZE as usize,
        );
    }
    TOTAL.store(fa.free_frames(), core::sync::atomic::Ordering::Relaxed);
    *FRAMES.lock() = Some(fa);
    top
}

fn with<R>(f: impl FnOnce(&mut FrameAllocator<'static>) -> R) -> R {
    let mut g = FRAMES.lock();
    f(g.as_mut()
        .expect("frame allocator used before mm::frames::init"))
}

/// One zeroed frame with a count of 1.
pub fn alloc_zeroed() -> Option<PhysFrame> {
    let f = PhysFrame((with(|fa| fa.alloc())? as u64) * PAGE_SIZE);
    // SAFETY: the frame was just allocated, so nobody else uses it; it is direct-mapped.
    unsafe { core::ptr::write_bytes(f.virt() as *mut u8, 0, PAGE_SIZE as usize) };
    Some(f)
}

/// Frames kept back from user memory, so that the kernel's own allocations (heap growth, page
/// tables, stacks) still succeed when user space has eaten everything else: 2 MiB.
const KERNEL_RESERVE: usize = 512;

/// One zeroed frame for user memory, or `None` once only the kernel's reserve is left: the
/// caller then fails the user's request (ENOMEM, or the out-of-memory kill).
pub fn alloc_user() -> Option<PhysFrame> {
    if free_frames() <= KERNEL_RESERVE {
        return None;
    }
    alloc_zeroed()
}

/// `count` contiguous zeroed frames aligned to `align` frames (for DMA).
pub fn alloc_contiguous(count: usize, align: usize) -> Option<PhysFrame> {
    let f = PhysFrame((with(|fa| fa.alloc_contiguous(count, align))? as u64) * PAGE_SIZE);
    // SAFETY: as in `alloc_zeroed`, for `count` frames.
    unsafe { core::ptr::write_bytes(f.virt() as *mut u8, 0, count * PAGE_SIZE as usize) };
    Some(f)
}

/// Adds an owner (a second mapping of a shared or copy-on-write frame).
pub fn inc_ref(f: PhysFrame) -> Result<u32, RefError> {
    with(|fa| fa.inc_ref(f.number()))
}

/// Drops an owner; the frame is free when this returns 0.
pub fn dec_ref(f: PhysFrame) -> Result<u32, RefError> {
    with(|fa| fa.dec_ref(f.number()))
}

/// The owner count of a frame (None for reserved frames).
pub fn refcount(f: PhysFrame) -> Option<u32> {
    with(|fa| fa.refcount(f.number()))
}

/// Frames of RAM the allocator manages (free or in use).
pub fn total_frames() -> usize {
    TOTAL.load(core::sync::atomic::Ordering::Relaxed)
}

static TOTAL: core::sync::atomic::AtomicUsize = core::sync::atomic::AtomicUsize::new(0);

/// Frames free right now.
pub fn free_frames() -> usize {
    with(|fa| fa.free_frames())
}

/// Returns reserved physical memory `[start, end)` to the allocator (the initrd once unpacked).
pub fn release(start: u64, end: u64) {
    with(|fa| {
        fa.add_free_range(
            (super::page_ceil(start) / PAGE_SIZE) as usize,
            (end / PAGE_SIZE) as usize,
        )
    });
}

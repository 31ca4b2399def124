//! Helpers shared by the host tests.
#![allow(dead_code, reason = "each test binary uses a different subset")]

use keel_abi::mman::{PROT_READ, PROT_WRITE};
use keel_vm::{MmapLimits, Vma, VmaSet};

pub const P: u64 = 4096;
pub const RW: u32 = PROT_READ | PROT_WRITE;

/// Limits with a fixed, easy-to-read mmap base.
pub fn limits() -> MmapLimits {
    MmapLimits {
        min_addr: 0x1_0000,
        may_map_below_min: true,
        mmap_base: 0x7f00_0000_0000,
        max_map_count: 65530,
    }
}

/// An anonymous private VMA of `[start, end)`.
pub fn anon(start: u64, end: u64, prot: u32) -> Vma<()> {
    Vma::anonymous(start, end, prot, ())
}

/// A set with read-write anonymous VMAs at the given ranges (not merged).
pub fn set_of(ranges: &[(u64, u64)]) -> VmaSet<()> {
    let mut set = VmaSet::new();
    for &(s, e) in ranges {
        set.insert(anon(s, e, RW))
            .expect("test ranges must not overlap");
    }
    set
}

/// The `[start, end)` of every VMA, in order.
pub fn ranges<B: keel_vm::Backing>(set: &VmaSet<B>) -> Vec<(u64, u64)> {
    set.iter().map(|v| (v.start, v.end)).collect()
}

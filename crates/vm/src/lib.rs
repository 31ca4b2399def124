//! Address-space policy for Keel: the regions (VMAs) of a process and Linux-exact planning of
//! the memory syscalls.
//!
//! The kernel owns the mechanism (page tables, frames, TLB shootdowns, the fault handler); this
//! crate owns the policy and is pure, safe, host-tested Rust. Each syscall is split in two:
//!
//! 1. a *planner* validates the arguments in the order Linux does, so the same errno comes out
//!    for the same bad call, and returns a plan (where to map, what to unmap first, which ranges
//!    change) or an [`Errno`];
//! 2. the kernel executes the plan on its page tables, and calls the matching `apply_*` (or the
//!    [`VmaSet`] methods) to update the region list.
//!
//! Main types:
//! - [`Vma`]: `[start, end)` with protection, [`VmaFlags`] (shared, anonymous, grows-down,
//!   heap, fork advice), a generic `backing: B` (the kernel's `Arc<MemObject>`) and `pgoff`, the
//!   page offset into the backing, kept right across splits and moves.
//! - [`VmaSet`]: the sorted VMAs of one address space: lookup, insert, unmap with splitting,
//!   protect, merging, and the top-down free-range search.
//! - Planners: [`plan_mmap`], [`plan_munmap`], [`mprotect`], [`plan_mremap`], [`plan_brk`],
//!   [`madvise`]; and [`check_access`] / [`VmaSet::expand_stack`] for page faults.
//!
//! Where Linux applies a call partially before failing (mprotect and madvise over a hole), the
//! planner returns an outcome with both the work done and the error, and the kernel does the
//! work and then returns the error, as Linux does.
//!
//! Linux's behaviour was checked with raw `syscall()` probes on a Linux 6.18 host; tests that
//! encode a surprising result say so. Locking: none here; the kernel keeps a `VmaSet` inside its
//! address-space lock (a sleeping mutex, since user copies fault under it).
#![no_std]
#![forbid(unsafe_code)]

extern crate alloc;

mod brk;
mod fault;
mod madvise;
mod mmap;
mod mprotect;
mod mremap;
mod set;
mod vma;

pub use brk::{apply_brk, plan_brk, BrkAction, BrkPlan};
pub use fault::{check_access, FaultError};
pub use madvise::{madvise, MadviseAction, MadviseOutcome};
pub use mmap::{apply_mmap, plan_mmap, plan_munmap, MmapLimits, MmapPlan};
pub use mprotect::{mprotect, MprotectOutcome};
pub use mremap::{apply_mremap, plan_mremap, MremapPlan};
pub use set::VmaSet;
pub use vma::{Backing, Vma, VmaFlags, PROT_RWX};

/// Size of a page.
pub const PAGE_SIZE: u64 = 4096;

/// Top of the user address space on x86_64 with 4-level paging: 47 bits minus one guard page
/// (Linux's `TASK_SIZE_MAX`, `(1 << 47) - PAGE_SIZE`). No user mapping reaches above it.
pub const TASK_SIZE: u64 = 0x7fff_ffff_f000;

/// Room a grows-down VMA keeps free below itself (Linux's default `stack_guard_gap`, 256 pages).
pub const STACK_GUARD_GAP: u64 = 256 * PAGE_SIZE;

/// Whether `x` is a multiple of the page size.
pub const fn is_page_aligned(x: u64) -> bool {
    x.is_multiple_of(PAGE_SIZE)
}

/// `x` rounded up to a page, or `None` if that overflows.
pub const fn page_align_up(x: u64) -> Option<u64> {
    match x.checked_add(PAGE_SIZE - 1) {
        Some(y) => Some(y & !(PAGE_SIZE - 1)),
        None => None,
    }
}

/// Linux's `PAGE_ALIGN`: rounds up, wrapping to 0 near `u64::MAX`. Several of Linux's checks
/// ("len was rounded up from a small negative to zero") depend on exactly this.
pub(crate) const fn page_align_wrapping(x: u64) -> u64 {
    x.wrapping_add(PAGE_SIZE - 1) & !(PAGE_SIZE - 1)
}

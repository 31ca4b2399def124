//! brk(2), following Linux's `SYSCALL_DEFINE1(brk)` in `mm/mmap.c`.
//! See <https://man7.org/linux/man-pages/man2/brk.2.html>.
//!
//! The raw syscall never fails with an errno: it returns the new break on success and the old
//! one on any failure (below the start, over the limit, into another mapping). The break itself
//! need not be page aligned (Linux stores and returns the exact value; the heap VMA covers the
//! page-rounded range). Growth must leave one free page, plus any guard gap, below the next
//! mapping (host-checked: growing to exactly the next mapping's start fails, one page below
//! succeeds). The heap VMA is ordinary anonymous private memory flagged [`VmaFlags::HEAP`].

use alloc::vec::Vec;

use crate::vma::{Backing, Vma, VmaFlags, PROT_RWX};
use crate::{page_align_up, VmaSet, PAGE_SIZE, TASK_SIZE};

/// Page work a brk call needs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BrkAction {
    /// Nothing to map or unmap (same page, or failure).
    None,
    /// Map demand-zero memory in `[from, to)` (page aligned).
    Grow {
        /// Old page-rounded break.
        from: u64,
        /// New page-rounded break.
        to: u64,
    },
    /// Unmap `[from, to)` (page aligned).
    Shrink {
        /// New page-rounded break.
        from: u64,
        /// Old page-rounded break.
        to: u64,
    },
}

/// The result of a brk call.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct BrkPlan {
    /// What brk(2) returns and the process's break from now on (the old one on failure).
    pub new_brk: u64,
    /// Page work.
    pub action: BrkAction,
}

/// Plans brk(2). `brk_start` is the start of the heap (the page after the ELF's bss, possibly
/// randomised), `cur_brk` the current break, `max_len` the most bytes the heap may span
/// (`RLIMIT_DATA` minus the data segment, `u64::MAX` for unlimited). `requested` 0 (or anything
/// invalid) just reads the current break.
pub fn plan_brk<B: Backing>(
    set: &VmaSet<B>,
    brk_start: u64,
    cur_brk: u64,
    requested: u64,
    max_len: u64,
) -> BrkPlan {
    let fail = BrkPlan {
        new_brk: cur_brk,
        action: BrkAction::None,
    };
    if requested < brk_start || requested - brk_start > max_len || requested > TASK_SIZE {
        return fail;
    }
    let (Some(new_top), Some(old_top)) = (page_align_up(requested), page_align_up(cur_brk)) else {
        return fail;
    };
    if new_top == old_top {
        return BrkPlan {
            new_brk: requested,
            action: BrkAction::None,
        };
    }
    if requested <= cur_brk {
        // Linux requires a VMA in [new_top, old_top) to shrink.
        if !set.overlaps(new_top, old_top) {
            return fail;
        }
        return BrkPlan {
            new_brk: requested,
            action: BrkAction::Shrink {
                from: new_top,
                to: old_top,
            },
        };
    }
    // Growing: the next mapping at or above the old top must start (less its guard gap) at
    // least one page above the new top.
    let Some(needed) = new_top.checked_add(PAGE_SIZE) else {
        return fail;
    };
    if set
        .find_from(old_top)
        .is_some_and(|next| needed > next.start_gap())
    {
        return fail;
    }
    if needed > TASK_SIZE {
        return fail;
    }
    BrkPlan {
        new_brk: requested,
        action: BrkAction::Grow {
            from: old_top,
            to: new_top,
        },
    }
}

/// Applies a brk plan to `set`: extends the heap VMA that ends at the old top (or inserts a new
/// one with `backing()`), or unmaps the released pages, which are returned for dropping.
pub fn apply_brk<B: Backing>(
    set: &mut VmaSet<B>,
    plan: &BrkPlan,
    backing: impl FnOnce() -> B,
) -> Vec<Vma<B>> {
    match plan.action {
        BrkAction::None => Vec::new(),
        BrkAction::Shrink { from, to } => set.unmap(from, to),
        BrkAction::Grow { from, to } => {
            let heap_below = set
                .find_below(from)
                .filter(|v| v.end == from && v.flags.contains(VmaFlags::HEAP))
                .map(|v| v.start);
            if let Some(v) = heap_below.and_then(|s| set.get_mut(s)) {
                v.end = to;
            } else {
                let mut vma =
                    Vma::anonymous(from, to, PROT_RWX & !keel_abi::mman::PROT_EXEC, backing());
                vma.flags = VmaFlags::ANONYMOUS | VmaFlags::HEAP;
                // Overlap is impossible after a successful plan; a failure leaves the set as is.
                let _ = set.insert(vma);
            }
            Vec::new()
        }
    }
}

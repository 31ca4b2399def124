//! madvise(2), in the order of Linux's `do_madvise` and `madvise_walk_vmas`.
//! See <https://man7.org/linux/man-pages/man2/madvise.2.html>.
//!
//! Linux acts on the mapped parts of the range and then returns ENOMEM if any part was
//! unmapped; an advice that does not fit a VMA (`MADV_FREE` on a shared mapping) stops the walk
//! with EINVAL after the VMAs before it were handled. The outcome carries both.
//!
//! Advice Keel accepts as a no-op (hints with no effect on a kernel without swap, KSM or huge
//! pages): `NORMAL`, `RANDOM`, `SEQUENTIAL`, `WILLNEED`, `COLD`, `PAGEOUT`, `MERGEABLE`,
//! `UNMERGEABLE`, `HUGEPAGE`, `NOHUGEPAGE`, `DONTDUMP`, `DODUMP`. Rejected with EINVAL as on a
//! Linux built without the feature: `MADV_COLLAPSE` (25), `MADV_HWPOISON` (100),
//! `MADV_SOFT_OFFLINE` (101), `MADV_GUARD_INSTALL`/`REMOVE` (102/103, Linux 6.13+).

use alloc::vec::Vec;

use keel_abi::mman::*;
use keel_abi::{Errno, KResult};

use crate::vma::{Backing, Vma, VmaFlags};
use crate::{is_page_aligned, page_align_wrapping, VmaSet};

/// `MADV_DONTNEED_LOCKED` (Linux 5.18): `MADV_DONTNEED` that also applies to locked VMAs.
const MADV_DONTNEED_LOCKED: u32 = 24;

/// Page-table work the kernel does for madvise(2).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MadviseAction {
    /// `MADV_DONTNEED`: unmap the PTEs of `[start, end)`. Private anonymous memory then reads
    /// back as zeroes; a shared or file mapping reads back the object's contents.
    Zap {
        /// Start (page aligned).
        start: u64,
        /// End (page aligned).
        end: u64,
    },
    /// `MADV_FREE` on private anonymous memory: the pages may be dropped lazily; dropping them
    /// now like [`MadviseAction::Zap`] is a correct implementation.
    Free {
        /// Start (page aligned).
        start: u64,
        /// End (page aligned).
        end: u64,
    },
    /// `MADV_REMOVE` on a shared mapping: zap and free the object's pages (punch a hole).
    Remove {
        /// Start (page aligned).
        start: u64,
        /// End (page aligned).
        end: u64,
    },
    /// `MADV_POPULATE_READ`/`WRITE`: fault the pages in, as a read or a write.
    Populate {
        /// Start (page aligned).
        start: u64,
        /// End (page aligned).
        end: u64,
        /// Fault for writing (breaking copy-on-write).
        write: bool,
    },
}

/// What a madvise(2) call did.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MadviseOutcome {
    /// Work for the kernel, in address order.
    pub actions: Vec<MadviseAction>,
    /// The syscall's result, returned after the actions.
    pub result: KResult<()>,
}

/// Whether Linux (as Debian builds it) knows `advice`.
fn advice_valid(advice: u32) -> bool {
    matches!(
        advice,
        MADV_NORMAL
            | MADV_RANDOM
            | MADV_SEQUENTIAL
            | MADV_WILLNEED
            | MADV_DONTNEED
            | MADV_FREE
            | MADV_REMOVE
            | MADV_DONTFORK
            | MADV_DOFORK
            | MADV_MERGEABLE
            | MADV_UNMERGEABLE
            | MADV_HUGEPAGE
            | MADV_NOHUGEPAGE
            | MADV_DONTDUMP
            | MADV_DODUMP
            | MADV_WIPEONFORK
            | MADV_KEEPONFORK
            | MADV_COLD
            | MADV_PAGEOUT
            | MADV_POPULATE_READ
            | MADV_POPULATE_WRITE
            | MADV_DONTNEED_LOCKED
    )
}

/// One VMA's part of the walk: the action to record, or EINVAL.
fn visit<B>(v: &Vma<B>, start: u64, end: u64, advice: u32) -> KResult<Option<MadviseAction>> {
    Ok(match advice {
        MADV_DONTNEED | MADV_DONTNEED_LOCKED => Some(MadviseAction::Zap { start, end }),
        MADV_FREE => {
            if !v.is_private_anonymous() {
                return Err(Errno::EINVAL);
            }
            Some(MadviseAction::Free { start, end })
        }
        MADV_REMOVE => {
            if !v.is_shared() {
                return Err(Errno::EINVAL);
            }
            Some(MadviseAction::Remove { start, end })
        }
        MADV_WIPEONFORK => {
            if !v.is_private_anonymous() {
                return Err(Errno::EINVAL);
            }
            None
        }
        MADV_POPULATE_READ | MADV_POPULATE_WRITE => Some(MadviseAction::Populate {
            start,
            end,
            write: advice == MADV_POPULATE_WRITE,
        }),
        _ => None,
    })
}

/// The flag change an advice makes to a VMA, if any: (set, clear).
fn flag_change(advice: u32) -> Option<(VmaFlags, VmaFlags)> {
    match advice {
        MADV_DONTFORK => Some((VmaFlags::DONTFORK, VmaFlags::NONE)),
        MADV_DOFORK => Some((VmaFlags::NONE, VmaFlags::DONTFORK)),
        MADV_WIPEONFORK => Some((VmaFlags::WIPEONFORK, VmaFlags::NONE)),
        MADV_KEEPONFORK => Some((VmaFlags::NONE, VmaFlags::WIPEONFORK)),
        _ => None,
    }
}

/// Validates madvise(2), updates fork-advice flags in `set` and returns the page work.
pub fn madvise<B: Backing>(
    set: &mut VmaSet<B>,
    addr: u64,
    len: u64,
    advice: u32,
) -> MadviseOutcome {
    let fail = |e| MadviseOutcome {
        actions: Vec::new(),
        result: Err(e),
    };
    if !advice_valid(advice) {
        return fail(Errno::EINVAL);
    }
    if !is_page_aligned(addr) {
        return fail(Errno::EINVAL);
    }
    let aligned = page_align_wrapping(len);
    if len != 0 && aligned == 0 {
        return fail(Errno::EINVAL);
    }
    let Some(end) = addr.checked_add(aligned) else {
        return fail(Errno::EINVAL);
    };
    if end == addr {
        return MadviseOutcome {
            actions: Vec::new(),
            result: Ok(()),
        };
    }
    let mut actions = Vec::new();
    let mut unmapped = false;
    let mut at = addr;
    let mut done_to = addr; // end of the part whose flags may change
    let mut error = None;
    for v in set.intersecting(addr, end) {
        if v.start > at {
            unmapped = true;
        }
        let (s, e) = (v.start.max(addr), v.end.min(end));
        match visit(v, s, e, advice) {
            Ok(action) => actions.extend(action),
            Err(err) => {
                error = Some(err);
                break;
            }
        }
        at = e;
        done_to = e;
    }
    if at < end && error.is_none() {
        unmapped = true;
    }
    if let Some((set_bits, clear_bits)) = flag_change(advice) {
        set.update_range(addr, done_to, |v| {
            let old = v.flags;
            v.flags = v.flags.union(set_bits).difference(clear_bits);
            old != v.flags
        });
    }
    let result = match error {
        Some(e) => Err(e),
        None if unmapped => Err(Errno::ENOMEM),
        None => Ok(()),
    };
    MadviseOutcome { actions, result }
}

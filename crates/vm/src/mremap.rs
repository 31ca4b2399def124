//! mremap(2), following Linux's `mm/mremap.c` (`check_mremap_params`, `mremap_to`,
//! `mremap_at`, `remap_is_valid`, `vma_expandable`).
//! See <https://man7.org/linux/man-pages/man2/mremap.2.html>.
//!
//! An `old_address` outside every mapping is EFAULT, never ENOMEM: musl's
//! `pthread_getattr_np` probes the stack with `mremap` and loops while it sees ENOMEM.
//!
//! Two Linux quirks are kept: a shrink without `MREMAP_FIXED` only needs `old_address` to be
//! mapped (the tail is unmapped like munmap, holes and other VMAs included), and a same-size
//! call without `FIXED`/`DONTUNMAP` returns `old_address` without looking further. One is not:
//! Linux 6.12-6.16 unmap a `MREMAP_FIXED` target (and shrink) before the checks that can still
//! fail with EFAULT; Keel checks first and changes nothing on failure, as Linux 6.18 does
//! (checked on the host).

use alloc::vec::Vec;

use keel_abi::mman::{MREMAP_DONTUNMAP, MREMAP_FIXED, MREMAP_MAYMOVE};
use keel_abi::{Errno, KResult};

use crate::vma::{Backing, Vma};
use crate::{
    is_page_aligned, page_align_wrapping, plan_munmap, MmapLimits, VmaSet, PAGE_SIZE, TASK_SIZE,
};

/// What a validated mremap(2) does. [`MremapPlan::result`] is the syscall's return value.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MremapPlan {
    /// Same size, nothing to do.
    Unchanged {
        /// The old (and new) address.
        addr: u64,
    },
    /// Shrink in place: unmap `[unmap_from, unmap_to)` as munmap would.
    Shrink {
        /// The mapping's address.
        addr: u64,
        /// Start of the tail to unmap.
        unmap_from: u64,
        /// End of the tail to unmap.
        unmap_to: u64,
    },
    /// Grow in place: the VMA now ends at `new_end` instead of `old_end`.
    GrowInPlace {
        /// The mapping's address.
        addr: u64,
        /// Its old end.
        old_end: u64,
        /// Its new end.
        new_end: u64,
    },
    /// Move `[from, from+old_len)` to `to` with `new_len` bytes. The kernel, in order: unmaps
    /// `[to, to+new_len)` if `unmap_target_first` (`MREMAP_FIXED`), unmaps `unmap_tail` (a
    /// shrinking move), moves the PTEs of `old_len` bytes from `from` to `to`, and unless
    /// `keep_old` (`MREMAP_DONTUNMAP`) the old range is gone. With `keep_old` the old range stays
    /// mapped but empty: private anonymous pages read back as zeroes there.
    Move {
        /// Old start.
        from: u64,
        /// New start.
        to: u64,
        /// Bytes that move (after any tail unmap). Zero for the "duplicate a shared mapping"
        /// case, where nothing moves and the old mapping stays.
        old_len: u64,
        /// New length.
        new_len: u64,
        /// Unmap `[to, to+new_len)` first.
        unmap_target_first: bool,
        /// Range to unmap before moving (old range beyond `new_len`).
        unmap_tail: Option<(u64, u64)>,
        /// `MREMAP_DONTUNMAP`: the old VMA stays.
        keep_old: bool,
    },
}

impl MremapPlan {
    /// The address mremap(2) returns.
    pub fn result(&self) -> u64 {
        match *self {
            Self::Unchanged { addr }
            | Self::Shrink { addr, .. }
            | Self::GrowInPlace { addr, .. } => addr,
            Self::Move { to, .. } => to,
        }
    }
}

/// `remap_is_valid`: may `[addr, addr+old_len)` of `vma` become `new_len` bytes?
fn remap_is_valid<B>(vma: &Vma<B>, addr: u64, old_len: u64, new_len: u64) -> KResult<()> {
    if old_len == 0 && !vma.is_shared() {
        return Err(Errno::EINVAL);
    }
    if old_len > vma.end - addr {
        return Err(Errno::EFAULT);
    }
    if new_len == old_len {
        return Ok(());
    }
    if vma
        .pgoff_of(addr)
        .checked_add(new_len / PAGE_SIZE)
        .is_none()
    {
        return Err(Errno::EINVAL);
    }
    Ok(())
}

/// Validates mremap(2) against `set` and plans it.
pub fn plan_mremap<B: Backing>(
    set: &VmaSet<B>,
    addr: u64,
    old_size: u64,
    new_size: u64,
    flags: u32,
    new_addr: u64,
    limits: &MmapLimits,
) -> KResult<MremapPlan> {
    // check_mremap_params.
    if flags & !(MREMAP_FIXED | MREMAP_MAYMOVE | MREMAP_DONTUNMAP) != 0 {
        return Err(Errno::EINVAL);
    }
    if !is_page_aligned(addr) {
        return Err(Errno::EINVAL);
    }
    if page_align_wrapping(new_size) == 0 {
        return Err(Errno::EINVAL);
    }
    let to_new_addr = flags & (MREMAP_FIXED | MREMAP_DONTUNMAP) != 0;
    if to_new_addr {
        if !is_page_aligned(new_addr) || flags & MREMAP_MAYMOVE == 0 {
            return Err(Errno::EINVAL);
        }
        if flags & MREMAP_DONTUNMAP != 0 && old_size != new_size {
            return Err(Errno::EINVAL);
        }
        if set.len() + 2 >= limits.max_map_count.saturating_sub(3) {
            return Err(Errno::ENOMEM);
        }
    }
    let old_len = page_align_wrapping(old_size);
    let new_len = page_align_wrapping(new_size);
    // do_mremap.
    let vma = set.find(addr).ok_or(Errno::EFAULT)?;
    if to_new_addr {
        return plan_mremap_to(set, vma, addr, old_len, new_len, flags, new_addr, limits);
    }
    if new_len == old_len {
        return Ok(MremapPlan::Unchanged { addr });
    }
    if new_len < old_len {
        // addr + new_len cannot overflow: addr is in a VMA, below TASK_SIZE, and
        // new_len < old_len; plan_munmap rejects a tail that leaves the user range.
        let from = addr.checked_add(new_len).ok_or(Errno::EINVAL)?;
        let (unmap_from, unmap_to) = plan_munmap(from, old_len - new_len)?;
        return Ok(MremapPlan::Shrink {
            addr,
            unmap_from,
            unmap_to,
        });
    }
    remap_is_valid(vma, addr, old_len, new_len)?;
    let delta = new_len - old_len;
    if vma.end - addr == old_len && expandable(set, vma, delta) {
        return Ok(MremapPlan::GrowInPlace {
            addr,
            old_end: vma.end,
            new_end: vma.end + delta,
        });
    }
    if flags & MREMAP_MAYMOVE == 0 {
        return Err(Errno::ENOMEM);
    }
    let to = find_target(set, 0, new_len, limits)?;
    Ok(MremapPlan::Move {
        from: addr,
        to,
        old_len,
        new_len,
        unmap_target_first: false,
        unmap_tail: None,
        keep_old: old_len == 0,
    })
}

/// `vma_expandable`: nothing mapped in `[vma.end, vma.end+delta)` and the result below
/// `TASK_SIZE`. (Linux checks intersection only, not guard gaps, here.)
fn expandable<B: Backing>(set: &VmaSet<B>, vma: &Vma<B>, delta: u64) -> bool {
    match vma.end.checked_add(delta) {
        Some(end) => end <= TASK_SIZE && !set.overlaps(vma.end, end),
        None => false,
    }
}

/// `get_unmapped_area` for a move without `MREMAP_FIXED`: `hint` (0 for none) or top-down.
fn find_target<B: Backing>(
    set: &VmaSet<B>,
    hint: u64,
    len: u64,
    limits: &MmapLimits,
) -> KResult<u64> {
    let low = limits.min_addr.max(PAGE_SIZE);
    let hint = if hint != 0 && hint < limits.min_addr {
        0
    } else {
        hint
    };
    set.find_free(len, hint, low, limits.mmap_base)
        .ok_or(Errno::ENOMEM)
}

/// `mremap_to`: `MREMAP_FIXED` and/or `MREMAP_DONTUNMAP`.
#[allow(
    clippy::too_many_arguments,
    reason = "the syscall's arguments plus context"
)]
fn plan_mremap_to<B: Backing>(
    set: &VmaSet<B>,
    vma: &Vma<B>,
    addr: u64,
    old_len: u64,
    new_len: u64,
    flags: u32,
    new_addr: u64,
    limits: &MmapLimits,
) -> KResult<MremapPlan> {
    if new_len > TASK_SIZE || new_addr > TASK_SIZE - new_len {
        return Err(Errno::EINVAL);
    }
    // vrm_overlaps, with Linux's wrapping arithmetic.
    if addr.wrapping_add(old_len) > new_addr && new_addr + new_len > addr {
        return Err(Errno::EINVAL);
    }
    let fixed = flags & MREMAP_FIXED != 0;
    let mut moved_len = old_len;
    let mut unmap_tail = None;
    if old_len > new_len {
        let from = addr + new_len; // below the VMA's end, so no overflow
        unmap_tail = Some(plan_munmap(from, old_len - new_len)?);
        moved_len = new_len;
    }
    remap_is_valid(vma, addr, moved_len, new_len)?;
    let to = if fixed {
        if new_addr < limits.min_addr && !limits.may_map_below_min {
            return Err(Errno::EPERM);
        }
        new_addr
    } else {
        find_target(set, new_addr, new_len, limits)?
    };
    Ok(MremapPlan::Move {
        from: addr,
        to,
        old_len: moved_len,
        new_len,
        unmap_target_first: fixed,
        unmap_tail,
        keep_old: flags & MREMAP_DONTUNMAP != 0 || moved_len == 0,
    })
}

/// Applies a plan to `set` and returns the VMAs (or pieces) that left the address space, for
/// the kernel to drop. Call it after moving the page-table entries the plan names.
pub fn apply_mremap<B: Backing>(set: &mut VmaSet<B>, plan: &MremapPlan) -> Vec<Vma<B>> {
    match *plan {
        MremapPlan::Unchanged { .. } => Vec::new(),
        MremapPlan::Shrink {
            unmap_from,
            unmap_to,
            ..
        } => set.unmap(unmap_from, unmap_to),
        MremapPlan::GrowInPlace { addr, new_end, .. } => {
            let start = set.find(addr).map(|v| v.start);
            if let Some(v) = start.and_then(|s| set.get_mut(s)) {
                v.end = new_end;
            }
            set.merge_around(addr);
            Vec::new()
        }
        MremapPlan::Move {
            from,
            to,
            old_len,
            new_len,
            unmap_target_first,
            unmap_tail,
            keep_old,
        } => {
            let mut removed = Vec::new();
            if unmap_target_first {
                removed.extend(set.unmap(to, to + new_len));
            }
            if let Some((s, e)) = unmap_tail {
                removed.extend(set.unmap(s, e));
            }
            // The template: the VMA at `from`, with its page offset at `from`.
            let Some(mut moved) = set.find(from).cloned() else {
                return removed;
            };
            moved.pgoff = moved.pgoff_of(from);
            moved.start = to;
            moved.end = to + new_len;
            if !keep_old {
                // The old piece's pages moved, so it is not returned for dropping.
                let _ = set.unmap(from, from + old_len);
            }
            if set.insert(moved).is_ok() {
                set.merge_around(to);
            }
            removed
        }
    }
}

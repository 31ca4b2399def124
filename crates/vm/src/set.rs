//! [`VmaSet`]: the sorted, non-overlapping regions of one address space, with the splitting,
//! unmapping, range-update and free-range search that the syscall planners build on.

use alloc::collections::BTreeMap;
use alloc::vec::Vec;

use keel_abi::{Errno, KResult};

use crate::vma::{Backing, Vma, PROT_RWX};
use crate::{is_page_aligned, PAGE_SIZE};

/// The VMAs of one address space, keyed by start address. Cloning it (for fork) clones every
/// VMA's backing handle.
#[derive(Clone, Debug, Default)]
pub struct VmaSet<B> {
    map: BTreeMap<u64, Vma<B>>,
}

impl<B: Backing> VmaSet<B> {
    /// An empty address space.
    pub fn new() -> Self {
        Self {
            map: BTreeMap::new(),
        }
    }

    /// Number of VMAs (Linux's `map_count`).
    pub fn len(&self) -> usize {
        self.map.len()
    }

    /// Whether nothing is mapped.
    pub fn is_empty(&self) -> bool {
        self.map.is_empty()
    }

    /// The VMAs in address order.
    pub fn iter(&self) -> impl DoubleEndedIterator<Item = &Vma<B>> {
        self.map.values()
    }

    /// The VMA that contains `addr` (Linux's `vma_lookup`).
    pub fn find(&self, addr: u64) -> Option<&Vma<B>> {
        self.map
            .range(..=addr)
            .next_back()
            .map(|(_, v)| v)
            .filter(|v| v.contains(addr))
    }

    /// The first VMA that ends above `addr` (Linux's `find_vma`): the one containing `addr`, or
    /// else the next one above it.
    pub fn find_from(&self, addr: u64) -> Option<&Vma<B>> {
        if let Some(v) = self.find(addr) {
            return Some(v);
        }
        self.map.range(addr..).next().map(|(_, v)| v)
    }

    /// The last VMA that starts below `addr`.
    pub fn find_below(&self, addr: u64) -> Option<&Vma<B>> {
        self.map.range(..addr).next_back().map(|(_, v)| v)
    }

    /// VMAs that intersect `[start, end)`, in order.
    pub fn intersecting(&self, start: u64, end: u64) -> impl Iterator<Item = &Vma<B>> {
        let first = self.find(start).map_or(start, |v| v.start);
        self.map
            .range(first..end)
            .map(|(_, v)| v)
            .filter(move |v| v.end > start)
    }

    /// Whether any page of `[start, end)` is mapped.
    pub fn overlaps(&self, start: u64, end: u64) -> bool {
        self.intersecting(start, end).next().is_some()
    }

    /// Whether every page of `[start, end)` is mapped (an empty range is).
    pub fn is_fully_mapped(&self, start: u64, end: u64) -> bool {
        self.mapped_prefix_end(start, end) >= end
    }

    /// How far from `start` the range is mapped without a hole: returns `start` when `start`
    /// itself is unmapped, and at most `end`.
    pub fn mapped_prefix_end(&self, start: u64, end: u64) -> u64 {
        let mut at = start;
        for v in self.intersecting(start, end) {
            if v.start > at {
                break;
            }
            at = v.end;
            if at >= end {
                return end;
            }
        }
        at.min(end)
    }

    /// Adds a VMA. Fails with EINVAL if it is empty or not page aligned, and with EEXIST if it
    /// overlaps a mapping (callers unmap first). It does not merge: see [`VmaSet::merge_around`].
    pub fn insert(&mut self, vma: Vma<B>) -> KResult<()> {
        if vma.start >= vma.end || !is_page_aligned(vma.start) || !is_page_aligned(vma.end) {
            return Err(Errno::EINVAL);
        }
        if vma.prot & !PROT_RWX != 0 {
            return Err(Errno::EINVAL);
        }
        if self.overlaps(vma.start, vma.end) {
            return Err(Errno::EEXIST);
        }
        self.map.insert(vma.start, vma);
        Ok(())
    }

    /// Splits the VMA that strictly contains `addr` into `[start, addr)` and `[addr, end)`,
    /// moving the upper piece's page offset on. Does nothing when `addr` is a boundary or unmapped.
    pub(crate) fn split_at(&mut self, addr: u64) {
        let Some(start) = self.find(addr).map(|v| v.start) else {
            return;
        };
        if start == addr {
            return;
        }
        let Some(lower) = self.map.get_mut(&start) else {
            return;
        };
        let mut upper = lower.clone();
        lower.end = addr;
        upper.start = addr;
        upper.pgoff = lower.pgoff + (addr - start) / PAGE_SIZE;
        self.map.insert(addr, upper);
    }

    /// Removes every mapped page of `[start, end)` (both page aligned), splitting VMAs at the
    /// boundaries, and returns the removed pieces in address order. Holes are fine, as for
    /// munmap(2). The kernel unmaps the PTEs of the returned pieces and drops their backing.
    pub fn unmap(&mut self, start: u64, end: u64) -> Vec<Vma<B>> {
        if start >= end {
            return Vec::new();
        }
        self.split_at(start);
        self.split_at(end);
        let keys: Vec<u64> = self.map.range(start..end).map(|(k, _)| *k).collect();
        keys.into_iter()
            .filter_map(|k| self.map.remove(&k))
            .collect()
    }

    /// Applies `f` to every mapped part of `[start, end)`, splitting at the boundaries first,
    /// then merges what became mergeable. Returns the ranges that `f` reported as changed.
    pub(crate) fn update_range(
        &mut self,
        start: u64,
        end: u64,
        mut f: impl FnMut(&mut Vma<B>) -> bool,
    ) -> Vec<(u64, u64)> {
        let mut changed = Vec::new();
        if start >= end {
            return changed;
        }
        self.split_at(start);
        self.split_at(end);
        for v in self.map.range_mut(start..end).map(|(_, v)| v) {
            if f(v) {
                match changed.last_mut() {
                    Some((_, e)) if *e == v.start => *e = v.end,
                    _ => changed.push((v.start, v.end)),
                }
            }
        }
        self.merge_range(start, end);
        changed
    }

    /// Sets the protection of `[start, end)` to `prot`. Fails with ENOMEM, changing nothing, if
    /// any page of the range is unmapped, and with EACCES if a VMA's `max_prot` forbids `prot`.
    /// Returns the ranges whose protection changed, for the kernel to rewrite their PTEs.
    /// (The mprotect(2) planner, [`crate::mprotect`], adds Linux's partial-failure order.)
    pub fn protect(&mut self, start: u64, end: u64, prot: u32) -> KResult<Vec<(u64, u64)>> {
        if !self.is_fully_mapped(start, end) {
            return Err(Errno::ENOMEM);
        }
        let prot = prot & PROT_RWX;
        if self
            .intersecting(start, end)
            .any(|v| prot & !v.max_prot != 0)
        {
            return Err(Errno::EACCES);
        }
        Ok(self.update_range(start, end, |v| {
            let old = v.prot;
            v.prot = prot;
            old != prot
        }))
    }

    /// Merges VMAs that touch `[start, end)` (including the neighbours just outside) with their
    /// successor where [`Vma::can_merge_with`] allows.
    pub fn merge_range(&mut self, start: u64, end: u64) {
        let first = self.find_below(start).map_or(start, |v| v.start);
        let mut at = first;
        loop {
            let Some(cur) = self.map.range(at..).next().map(|(k, _)| *k) else {
                return;
            };
            if cur > end {
                return;
            }
            let Some(cur_vma) = self.map.get(&cur) else {
                return;
            };
            let next_start = cur_vma.end;
            let mergeable = self
                .map
                .get(&next_start)
                .is_some_and(|n| cur_vma.can_merge_with(n));
            if mergeable {
                if let Some(next) = self.map.remove(&next_start) {
                    if let Some(c) = self.map.get_mut(&cur) {
                        c.end = next.end;
                    }
                }
                at = cur;
            } else {
                at = next_start;
            }
        }
    }

    /// Merges the VMA containing `addr` with its neighbours where possible.
    pub fn merge_around(&mut self, addr: u64) {
        self.merge_range(addr, addr);
    }

    /// Moves the start of the VMA at `old_start` to `new_start` (the caller checked the room)
    /// with page offset `pgoff`.
    pub(crate) fn move_start(&mut self, old_start: u64, new_start: u64, pgoff: u64) {
        if let Some(mut v) = self.map.remove(&old_start) {
            v.start = new_start;
            v.pgoff = pgoff;
            self.map.insert(new_start, v);
        }
    }

    /// Mutable access to the VMA that starts exactly at `start`; callers keep the invariants.
    pub(crate) fn get_mut(&mut self, start: u64) -> Option<&mut Vma<B>> {
        self.map.get_mut(&start)
    }

    /// The backing of the VMA that starts exactly at `start`, for the kernel to replace (after
    /// `MREMAP_DONTUNMAP` the old private range needs a fresh anonymous object).
    pub fn backing_mut(&mut self, start: u64) -> Option<&mut B> {
        self.map.get_mut(&start).map(|v| &mut v.backing)
    }

    /// Finds room for `len` bytes (page aligned, non-zero) as Linux's top-down allocator does
    /// (`arch_get_unmapped_area_topdown`): the page-rounded-down `hint` if `[hint, hint+len)`
    /// lies in `[low, TASK_SIZE]` and is free (a hint may lie above `high`, as on Linux), else
    /// the highest free range that ends at or below `high` and starts at or above `low`.
    /// Grows-down VMAs keep their guard gap free. `None` means ENOMEM.
    pub fn find_free(&self, len: u64, hint: u64, low: u64, high: u64) -> Option<u64> {
        if len == 0 || len > crate::TASK_SIZE {
            return None;
        }
        let hint = hint & !(PAGE_SIZE - 1);
        if hint != 0 && hint >= low {
            if let Some(hint_end) = hint.checked_add(len).filter(|e| *e <= crate::TASK_SIZE) {
                if self.range_is_free_with_gaps(hint, hint_end) {
                    return Some(hint);
                }
            }
        }
        self.find_free_top_down(len, low, high)
    }

    /// Whether `[start, end)` is unmapped and below the guard gap of the next VMA (the test
    /// Linux applies to a hint: `addr + len <= vm_start_gap(find_vma(addr))`).
    fn range_is_free_with_gaps(&self, start: u64, end: u64) -> bool {
        self.find_from(start).is_none_or(|v| end <= v.start_gap())
    }

    /// The top-down search alone: the highest `[a, a+len)` with `low <= a` and `a+len <= high`
    /// that is free and clear of guard gaps (Linux's `vm_unmapped_area` with
    /// `VM_UNMAPPED_AREA_TOPDOWN`).
    pub fn find_free_top_down(&self, len: u64, low: u64, high: u64) -> Option<u64> {
        let mut top = high.min(crate::TASK_SIZE) & !(PAGE_SIZE - 1);
        for v in self.map.values().rev() {
            if v.start_gap() >= top {
                continue; // entirely above the ceiling
            }
            if v.end < top {
                let bottom = v.end.max(low);
                if top >= bottom && top - bottom >= len {
                    return Some(top - len);
                }
            }
            top = v.start_gap();
            if top <= low {
                return None;
            }
        }
        (top >= low && top - low >= len).then(|| top - len)
    }
}

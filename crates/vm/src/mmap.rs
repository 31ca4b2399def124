//! mmap(2) and munmap(2) planning, in the order of Linux's `sys_mmap` (x86), `ksys_mmap_pgoff`,
//! `do_mmap` and `__get_unmapped_area`, and of `do_vmi_munmap`.
//! See <https://man7.org/linux/man-pages/man2/mmap.2.html>.
//!
//! The kernel resolves the fd before calling [`plan_mmap`] (a bad fd without `MAP_ANONYMOUS`
//! is EBADF before any other check, as in `ksys_mmap_pgoff`), and checks the file's access mode
//! (EACCES, ENODEV) after it, as `do_mmap` does once the address is chosen.

use alloc::vec::Vec;

use keel_abi::mman::*;
use keel_abi::{Errno, KResult};

use crate::vma::{Backing, Vma, VmaFlags, PROT_RWX};
use crate::{is_page_aligned, page_align_wrapping, VmaSet, PAGE_SIZE, TASK_SIZE};

/// `MAP_DROPPABLE` (Linux 6.11): an anonymous mapping whose pages the kernel may drop. Keel
/// treats it as private anonymous memory, which is a valid implementation of "may drop".
const MAP_DROPPABLE: u32 = 0x08;
/// `MAP_HUGE_2MB` and `MAP_HUGE_1GB` (`MAP_HUGE_SHIFT` is 26).
const MAP_HUGE_2MB: u32 = 21 << 26;
const MAP_HUGE_1GB: u32 = 30 << 26;
/// `MAP_UNINITIALIZED` (honoured only on no-MMU kernels, but part of the legacy mask).
const MAP_UNINITIALIZED: u32 = 0x400_0000;
/// Linux's `LEGACY_MAP_MASK` on x86: the flags `MAP_SHARED_VALIDATE` accepts for a file whose
/// `mmap` supports nothing more. Note it lacks `MAP_FIXED_NOREPLACE`, as Linux's does.
const LEGACY_MAP_MASK: u32 = MAP_SHARED
    | MAP_PRIVATE
    | MAP_FIXED
    | MAP_ANONYMOUS
    | MAP_DENYWRITE
    | MAP_EXECUTABLE
    | MAP_UNINITIALIZED
    | MAP_GROWSDOWN
    | MAP_LOCKED
    | MAP_NORESERVE
    | MAP_POPULATE
    | MAP_NONBLOCK
    | MAP_STACK
    | MAP_HUGETLB
    | MAP_32BIT
    | MAP_HUGE_2MB
    | MAP_HUGE_1GB;

/// Per-process limits the planners need.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct MmapLimits {
    /// `vm.mmap_min_addr`: hints below it are raised to it, searches stay above it.
    pub min_addr: u64,
    /// Whether the process may map below `min_addr` with `MAP_FIXED` (Linux: `CAP_SYS_RAWIO`,
    /// which root has); otherwise that is EPERM.
    pub may_map_below_min: bool,
    /// Top of the top-down search (Linux's `mmap_base`, below the stack and its gap).
    pub mmap_base: u64,
    /// `vm.max_map_count`: mmap fails with ENOMEM when the VMA count exceeds it.
    pub max_map_count: usize,
}

impl Default for MmapLimits {
    /// Linux's defaults: 64 KiB minimum (`CONFIG_LSM_MMAP_MIN_ADDR`), root, 65530 maps, and a
    /// base 128 MiB under a stack at `TASK_SIZE`.
    fn default() -> Self {
        Self {
            min_addr: 0x1_0000,
            may_map_below_min: true,
            mmap_base: TASK_SIZE - 0x800_0000,
            max_map_count: 65530,
        }
    }
}

/// Where and how a validated mmap(2) maps.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct MmapPlan {
    /// Start of the new mapping: the syscall's return value.
    pub addr: u64,
    /// Length, page aligned.
    pub len: u64,
    /// Protection (`PROT_READ | PROT_WRITE | PROT_EXEC` subset; mmap ignores other bits).
    pub prot: u32,
    /// Flags of the new VMA.
    pub flags: VmaFlags,
    /// Page offset into the backing object (0 for shared anonymous memory, the start page for
    /// private anonymous memory as in Linux, `off / PAGE_SIZE` for files).
    pub pgoff: u64,
    /// `MAP_FIXED`: whatever is mapped in `[addr, addr+len)` must be unmapped first.
    pub replace: bool,
    /// `MAP_POPULATE` (without `MAP_NONBLOCK`) or `MAP_LOCKED`: fault the pages in now.
    pub populate: bool,
}

impl MmapPlan {
    /// End of the new mapping.
    pub fn end(&self) -> u64 {
        self.addr + self.len
    }

    /// The VMA to insert. `max_prot` is [`PROT_RWX`] for anonymous memory; for a file it
    /// drops `PROT_WRITE` for a shared mapping of a file opened read-only.
    pub fn vma<B>(&self, backing: B, max_prot: u32) -> Vma<B> {
        Vma {
            start: self.addr,
            end: self.end(),
            prot: self.prot,
            max_prot,
            flags: self.flags,
            backing,
            pgoff: self.pgoff,
        }
    }
}

/// Validates an mmap(2) call and chooses its address. `has_file` is false for `MAP_ANONYMOUS`
/// (the fd and offset are then ignored, except that `off` must still be page aligned, as on
/// Linux); `off` is the byte offset.
#[allow(
    clippy::too_many_arguments,
    reason = "mirrors mmap(2)'s six arguments plus context"
)]
pub fn plan_mmap<B: Backing>(
    set: &VmaSet<B>,
    addr: u64,
    len: u64,
    prot: u32,
    flags: u32,
    has_file: bool,
    off: u64,
    limits: &MmapLimits,
) -> KResult<MmapPlan> {
    // arch/x86/kernel/sys_x86_64.c: the offset check comes first, anonymous or not.
    if !is_page_aligned(off) {
        return Err(Errno::EINVAL);
    }
    let anonymous = !has_file || flags & MAP_ANONYMOUS != 0;
    // ksys_mmap_pgoff: Keel has no huge pages (like Linux with none reserved, or a file that is
    // not on hugetlbfs).
    if flags & MAP_HUGETLB != 0 {
        return Err(if anonymous {
            Errno::ENOMEM
        } else {
            Errno::EINVAL
        });
    }
    // do_mmap.
    if len == 0 {
        return Err(Errno::EINVAL);
    }
    let mut fixed = flags & (MAP_FIXED | MAP_FIXED_NOREPLACE) != 0;
    let mut hint = addr;
    if !fixed {
        // round_hint_to_min (x86 rounds the hint down to a page later).
        hint &= !(PAGE_SIZE - 1);
        if hint != 0 && hint < limits.min_addr {
            hint = page_align_wrapping(limits.min_addr);
        }
    }
    let len = page_align_wrapping(len);
    if len == 0 {
        return Err(Errno::ENOMEM);
    }
    let pgoff = off / PAGE_SIZE;
    if pgoff.checked_add(len / PAGE_SIZE).is_none() {
        return Err(Errno::EOVERFLOW);
    }
    if set.len() > limits.max_map_count {
        return Err(Errno::ENOMEM);
    }
    // __get_unmapped_area and arch_get_unmapped_area_topdown.
    if len > TASK_SIZE {
        return Err(Errno::ENOMEM);
    }
    let chosen = if fixed {
        hint
    } else if flags & MAP_32BIT != 0 {
        // Linux searches [1 GiB, 2 GiB) bottom-up; Keel searches it top-down.
        set.find_free(len, 0, 0x4000_0000, 0x8000_0000)
            .ok_or(Errno::ENOMEM)?
    } else {
        let hint_ok = hint != 0 && x86_hint_valid(hint, len);
        let low = limits.min_addr.max(PAGE_SIZE);
        set.find_free(len, if hint_ok { hint } else { 0 }, low, limits.mmap_base)
            .ok_or(Errno::ENOMEM)?
    };
    if chosen > TASK_SIZE - len {
        return Err(Errno::ENOMEM);
    }
    if !is_page_aligned(chosen) {
        return Err(Errno::EINVAL);
    }
    if chosen < limits.min_addr && !limits.may_map_below_min {
        return Err(Errno::EPERM); // security_mmap_addr
    }
    let end = chosen + len;
    if flags & MAP_FIXED_NOREPLACE != 0 && set.overlaps(chosen, end) {
        return Err(Errno::EEXIST);
    }
    let mut vflags = VmaFlags::NONE;
    if flags & MAP_GROWSDOWN != 0 {
        vflags = vflags | VmaFlags::GROWSDOWN;
    }
    if flags & MAP_STACK != 0 {
        vflags = vflags | VmaFlags::STACK;
    }
    if flags & MAP_LOCKED != 0 {
        vflags = vflags | VmaFlags::LOCKED;
    }
    let pgoff = if anonymous {
        vflags = vflags | VmaFlags::ANONYMOUS;
        match flags & MAP_TYPE {
            MAP_SHARED => {
                if flags & MAP_GROWSDOWN != 0 {
                    return Err(Errno::EINVAL);
                }
                vflags = vflags | VmaFlags::SHARED;
                0
            }
            MAP_PRIVATE | MAP_DROPPABLE => chosen / PAGE_SIZE,
            _ => return Err(Errno::EINVAL), // including MAP_SHARED_VALIDATE (host-checked)
        }
    } else {
        match flags & MAP_TYPE {
            MAP_SHARED | MAP_SHARED_VALIDATE => {
                if flags & MAP_TYPE == MAP_SHARED_VALIDATE && flags & !LEGACY_MAP_MASK != 0 {
                    return Err(Errno::EOPNOTSUPP);
                }
                vflags = vflags | VmaFlags::SHARED;
                pgoff
            }
            MAP_PRIVATE => pgoff,
            _ => return Err(Errno::EINVAL),
        }
    };
    fixed &= flags & MAP_FIXED_NOREPLACE == 0;
    let populate = flags & (MAP_POPULATE | MAP_NONBLOCK) == MAP_POPULATE || flags & MAP_LOCKED != 0;
    Ok(MmapPlan {
        addr: chosen,
        len,
        prot: prot & PROT_RWX,
        flags: vflags,
        pgoff,
        replace: fixed,
        populate,
    })
}

/// x86's `mmap_address_hint_valid`: the hint must fit below `TASK_SIZE` and must not straddle
/// the 47-bit window (always true with 4-level paging, kept for clarity).
fn x86_hint_valid(hint: u64, len: u64) -> bool {
    TASK_SIZE - len >= hint
}

/// Executes the VMA side of a plan: unmaps what `MAP_FIXED` replaces (returned, for the kernel
/// to drop their pages) and inserts the new VMA, merging it with compatible neighbours.
pub fn apply_mmap<B: Backing>(
    set: &mut VmaSet<B>,
    plan: &MmapPlan,
    backing: B,
    max_prot: u32,
) -> KResult<Vec<Vma<B>>> {
    let removed = if plan.replace {
        set.unmap(plan.addr, plan.end())
    } else {
        Vec::new()
    };
    set.insert(plan.vma(backing, max_prot))?;
    set.merge_around(plan.addr);
    Ok(removed)
}

/// Validates munmap(2) (`do_vmi_munmap`) and returns the page-aligned range to pass to
/// [`VmaSet::unmap`]. An unaligned `addr`, a range reaching above `TASK_SIZE` (so any kernel
/// address) and a zero length are EINVAL; unmapping a hole is fine.
pub fn plan_munmap(addr: u64, len: u64) -> KResult<(u64, u64)> {
    if !is_page_aligned(addr) || addr > TASK_SIZE || len > TASK_SIZE - addr {
        return Err(Errno::EINVAL);
    }
    let end = addr + page_align_wrapping(len);
    if end == addr {
        return Err(Errno::EINVAL);
    }
    Ok((addr, end))
}

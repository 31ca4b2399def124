//! Address spaces: a page-table hierarchy plus the regions (VMAs) that say what may be mapped
//! where. The policy (VMA bookkeeping and Linux's rules for mmap, munmap, mprotect, mremap, brk
//! and madvise) is the host-tested `keel_vm` crate; this module is the mechanism: page-table
//! entries, frames and page faults.
//!
//! Memory objects: private anonymous pages belong to the page-table entry that maps them (one
//! frame reference each); copy-on-write fork will share them by taking a second reference and
//! write-protecting both entries ([`Pte::COW`]). Shared anonymous memory is a [`MemObject`]
//! whose pages are found by offset, so every mapping sees the same frames.
//!
//! `PROT_NONE` keeps the frame in a not-present entry marked [`PTE_PROTNONE`], as Linux does,
//! so contents survive `mprotect(PROT_NONE)` and back.
//!
//! Fork copies the page tables, not the pages: every private page becomes read-only and
//! [`Pte::COW`] in both address spaces with one more frame reference; the first write to it
//! faults and either takes the page back (last reference) or copies it. The COW mark survives
//! `mprotect` (PROT_NONE included), so a page shared with another process never becomes
//! writable in place.
//!
//! Lock order: `AddressSpace::inner` (a sleeping mutex) -> `MemObject::pages` -> frames ->
//! nothing. The lock is never held across a user copy: user copies fault, and the fault
//! handler takes it.

use alloc::collections::BTreeMap;
use alloc::sync::Arc;

use crate::sync::{Mutex, MutexGuard, SpinLock};
use keel_abi::{Errno, KResult};
use keel_vm::{Vma, VmaSet};

use super::frames::{self, PhysFrame};
use super::{page_floor, PAGE_SIZE};
use crate::arch::x86_64::paging::{PageTable, Pte, KERNEL_PT};

/// Software bit: a not-present entry that still owns its frame (PROT_NONE).
pub const PTE_PROTNONE: u64 = 1 << 10;
/// Software bit: a not-present entry for a page of a file mapping past the end of the file;
/// touching it is SIGBUS, as on Linux. It owns no frame.
pub const PTE_PAST_EOF: u64 = 1 << 11;
const ADDR_MASK: u64 = 0x000f_ffff_ffff_f000;

pub use keel_abi::mman::{PROT_EXEC, PROT_NONE, PROT_READ, PROT_WRITE};

/// Shared memory: pages found by index, shared by every mapping of the object.
pub struct MemObject {
    pages: SpinLock<BTreeMap<u64, PhysFrame>>,
}

impl MemObject {
    /// An empty (zero-filled on demand) object.
    pub fn new_anonymous() -> Arc<MemObject> {
        Arc::new(MemObject {
            pages: SpinLock::new(BTreeMap::new()),
        })
    }

    /// The frame at page `index`, allocated zeroed on first use. The object keeps its own
    /// reference; the caller gets one more for its mapping.
    fn frame_for_mapping(&self, index: u64) -> Option<PhysFrame> {
        let mut pages = self.pages.lock();
        let f = match pages.get(&index) {
            Some(&f) => f,
            None => {
                let f = frames::alloc_user()?;
                pages.insert(index, f);
                f
            }
        };
        frames::inc_ref(f).ok()?;
        Some(f)
    }
}

impl MemObject {
    /// Frees the object's pages with index in `[first, last)`.
    fn remove(&self, first: u64, last: u64) {
        let gone: alloc::vec::Vec<_> = {
            let mut pages = self.pages.lock();
            let keys: alloc::vec::Vec<u64> = pages.range(first..last).map(|(&k, _)| k).collect();
            keys.into_iter().filter_map(|k| pages.remove(&k)).collect()
        };
        for f in gone {
            let _ = frames::dec_ref(f);
        }
    }
}

impl Drop for MemObject {
    fn drop(&mut self) {
        for (_, f) in core::mem::take(&mut *self.pages.lock()) {
            let _ = frames::dec_ref(f);
        }
    }
}

/// What backs a VMA.
#[derive(Clone)]
pub enum Backing {
    /// Private anonymous memory (also ELF segments, whose file bytes are copied in at exec).
    Anon,
    /// Shared memory.
    Shared(Arc<MemObject>),
}

impl keel_vm::Backing for Backing {
    fn same_object(&self, other: &Self) -> bool {
        match (self, other) {
            (Backing::Anon, Backing::Anon) => true,
            (Backing::Shared(a), Backing::Shared(b)) => Arc::ptr_eq(a, b),
            _ => false,
        }
    }
}

/// Why a user access faulted for good.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FaultError {
    /// No mapping there (SIGSEGV, SEGV_MAPERR).
    Unmapped,
    /// The mapping forbids the access (SIGSEGV, SEGV_ACCERR).
    Protection,
    /// No memory for the page (SIGBUS / OOM).
    NoMemory,
    /// A file mapping's page past the end of the file (SIGBUS, BUS_ADRERR).
    PastEof,
}

/// The mutable part of an address space.
pub struct Inner {
    pub pt: PageTable,
    pub vmas: VmaSet<Backing>,
    /// Start and current end of the heap (`brk`).
    pub brk_start: u64,
    pub brk: u64,
    /// Where exec put the program, its arguments and environment (for /proc).
    pub image: super::exeinfo::ImageInfo,
}

/// A process address space.
pub struct AddressSpace {
    inner: Mutex<Inner>,
    /// Physical root of the page tables (fixed for the address space's life).
    root: u64,
}

/// Page-table flags for a protection.
pub fn pte_flags(prot: u32) -> Pte {
    let mut f = Pte::PRESENT | Pte::USER;
    if prot & PROT_WRITE != 0 {
        f |= Pte::WRITABLE;
    }
    if prot & PROT_EXEC == 0 {
        f |= Pte::NO_EXECUTE;
    }
    f
}

impl AddressSpace {
    /// An empty user half sharing the kernel's half.
    pub fn new() -> Option<AddressSpace> {
        let pt = PageTable::new_sharing_kernel(&KERNEL_PT.lock())?;
        Some(AddressSpace {
            root: pt.root(),
            inner: Mutex::new(Inner {
                pt,
                vmas: VmaSet::new(),
                brk_start: 0,
                brk: 0,
                image: Default::default(),
            }),
        })
    }

    /// Locks the address space.
    pub fn lock(&self) -> MutexGuard<'_, Inner> {
        self.inner.lock()
    }

    /// Loads this address space's page tables.
    pub fn activate(&self) {
        // SAFETY: the hierarchy shares the kernel half, so the running kernel stays mapped.
        unsafe { crate::arch::x86_64::cpu::set_cr3(self.root) };
    }

    /// The copy-on-write copy fork gives the child: the same regions, every private page
    /// shared read-only with one more reference (and marked COW here too), shared memory
    /// mapped as it is. `None` when memory for page tables runs out.
    pub fn fork(&self) -> Option<AddressSpace> {
        let child = AddressSpace::new()?;
        let mut g = self.inner.lock();
        let mut c = child.inner.lock();
        c.vmas = g.vmas.clone();
        c.brk_start = g.brk_start;
        c.brk = g.brk;
        c.image = g.image.clone();
        let regions: alloc::vec::Vec<(u64, u64, bool)> = g
            .vmas
            .iter()
            .map(|v| (v.start, v.end, matches!(v.backing, Backing::Anon)))
            .collect();
        let mut ok = true;
        for (start, end, private) in regions {
            let mut copies = alloc::vec::Vec::new();
            g.pt.for_each_entry(start, end, |va, e| {
                if *e & (Pte::PRESENT.bits() | PTE_PROTNONE) == 0 {
                    return;
                }
                if frames::inc_ref(PhysFrame::containing(*e & ADDR_MASK)).is_err() {
                    return;
                }
                if private {
                    *e = (*e & !Pte::WRITABLE.bits()) | Pte::COW.bits();
                }
                copies.push((va, *e));
            });
            for (va, raw) in copies {
                if ok && c.pt.set(va, raw).is_ok() {
                    continue;
                }
                ok = false;
                let _ = frames::dec_ref(PhysFrame::containing(raw & ADDR_MASK));
            }
        }
        drop(c);
        drop(g);
        ok.then_some(child)
    }

    /// Copies bytes of this (possibly inactive) address space at `va` into `buf` through its
    /// page tables, faulting nothing in: an observer's read (/proc/PID/cmdline, environ). A
    /// page that is mapped but not present reads as zeros; the copy ends at the first address
    /// no VMA covers. Returns the bytes copied.
    pub fn read_bytes(&self, va: u64, buf: &mut [u8]) -> usize {
        let mut g = self.inner.lock();
        let mut done = 0;
        while done < buf.len() {
            let Some(at) = va.checked_add(done as u64) else {
                break;
            };
            if g.vmas.find(at).is_none() {
                break;
            }
            let page = page_floor(at);
            let off = (at - page) as usize;
            let n = (PAGE_SIZE as usize - off).min(buf.len() - done);
            let raw = g.pt.get(page);
            let dst = &mut buf[done..done + n];
            if raw & (Pte::PRESENT.bits() | PTE_PROTNONE) != 0 && raw & PTE_PAST_EOF == 0 {
                let src = crate::mm::phys_to_virt(raw & ADDR_MASK) as *const u8;
                // SAFETY: the entry owns a frame, reached through the direct map; the read
                // stays inside the page, and the address space lock keeps the frame mapped.
                unsafe { core::ptr::copy_nonoverlapping(src.add(off), dst.as_mut_ptr(), n) };
            } else {
                dst.fill(0);
            }
            done += n;
        }
        done
    }

    /// Pages present in the page tables (the resident set).
    pub fn resident_pages(&self) -> u64 {
        self.inner.lock().pt.count_user_present()
    }

    /// Physical root of the page tables.
    pub fn root(&self) -> u64 {
        self.root
    }

    /// Resolves a fault at `addr` (demand-zero, shared object pages, copy-on-write).
    pub fn handle_fault(&self, addr: u64, write: bool, exec: bool) -> Result<(), FaultError> {
        let mut g = self.inner.lock();
        g.fault_in(addr, write, exec)
    }

    /// Copies `data` into this (possibly inactive) address space at `va`, faulting pages in as
    /// needed: the ELF loader and the initial stack use it.
    pub fn write_bytes(&self, va: u64, data: &[u8]) -> KResult<()> {
        let mut g = self.inner.lock();
        let mut done = 0;
        while done < data.len() {
            let at = va + done as u64;
            let page = page_floor(at);
            let pa = g.frame_for_kernel_write(page)?;
            let off = (at - page) as usize;
            let n = (PAGE_SIZE as usize - off).min(data.len() - done);
            // SAFETY: `pa` is a frame this address space owns, reached through the direct map;
            // the write stays inside the page.
            unsafe {
                core::ptr::copy_nonoverlapping(
                    data[done..].as_ptr(),
                    (crate::mm::phys_to_virt(pa) as *mut u8).add(off),
                    n,
                )
            };
            done += n;
        }
        Ok(())
    }
}

impl Inner {
    /// Demand paging for a user access (or a user copy on the user's behalf).
    pub fn fault_in(&mut self, addr: u64, write: bool, exec: bool) -> Result<(), FaultError> {
        let page = page_floor(addr);
        let (prot, backing, index) = {
            let v: &Vma<Backing> = self.vmas.find(addr).ok_or(FaultError::Unmapped)?;
            let allowed = v.prot != PROT_NONE
                && (!write || v.prot & PROT_WRITE != 0)
                && (!exec || v.prot & PROT_EXEC != 0);
            if !allowed {
                return Err(FaultError::Protection);
            }
            (v.prot, v.backing.clone(), v.pgoff_of(page))
        };
        self.populate(page, prot, &backing, index, write)
    }

    /// The frame behind `page`, allocated if needed, whatever the protection: the kernel fills
    /// new images and file mappings through the direct map, even read-only or PROT_NONE ones.
    /// The page-table entry keeps exactly the mapping's protection (a PROT_NONE page stays
    /// not present, so nothing, not even a user copy, can read it through the user address).
    fn frame_for_kernel_write(&mut self, page: u64) -> KResult<u64> {
        let (prot, backing, index) = {
            let v = self.vmas.find(page).ok_or(Errno::EFAULT)?;
            (v.prot, v.backing.clone(), v.pgoff_of(page))
        };
        self.populate(page, prot, &backing, index, false)
            .map_err(|_| Errno::ENOMEM)?;
        let raw = self.pt.get(page);
        if raw & (Pte::PRESENT.bits() | PTE_PROTNONE) == 0 {
            return Err(Errno::EFAULT);
        }
        Ok(raw & ADDR_MASK)
    }

    fn populate(
        &mut self,
        page: u64,
        prot: u32,
        backing: &Backing,
        index: u64,
        write: bool,
    ) -> Result<(), FaultError> {
        let raw = self.pt.get(page);
        if raw & PTE_PAST_EOF != 0 {
            return Err(FaultError::PastEof);
        }
        if raw & Pte::PRESENT.bits() != 0 {
            if write && raw & Pte::COW.bits() != 0 {
                return self.break_cow(page, raw, prot);
            }
            return Ok(()); // already resolved (another path got here first)
        }
        let flags = pte_flags(prot);
        if raw & PTE_PROTNONE != 0 {
            // The VMA allows the access now: bring the kept frame back (still COW if shared).
            let mut f = flags;
            if raw & Pte::COW.bits() != 0 {
                f.remove(Pte::WRITABLE);
                f |= Pte::COW;
            }
            self.pt
                .set(page, (raw & ADDR_MASK) | f.bits())
                .map_err(|_| FaultError::NoMemory)?;
            if write && f.contains(Pte::COW) {
                let raw = self.pt.get(page);
                return self.break_cow(page, raw, prot);
            }
            return Ok(());
        }
        let frame = match backing {
            Backing::Anon => frames::alloc_user().ok_or(FaultError::NoMemory)?,
            Backing::Shared(obj) => obj.frame_for_mapping(index).ok_or(FaultError::NoMemory)?,
        };
        let flags = if prot == PROT_NONE {
            return self.set_protnone(page, frame);
        } else {
            flags
        };
        if self.pt.set(page, frame.addr() | flags.bits()).is_err() {
            let _ = frames::dec_ref(frame);
            return Err(FaultError::NoMemory);
        }
        Ok(())
    }

    fn set_protnone(&mut self, page: u64, frame: PhysFrame) -> Result<(), FaultError> {
        self.pt
            .set(page, frame.addr() | PTE_PROTNONE)
            .map_err(|_| FaultError::NoMemory)
    }

    fn break_cow(&mut self, page: u64, raw: u64, prot: u32) -> Result<(), FaultError> {
        let old = PhysFrame::containing(raw & ADDR_MASK);
        let flags = pte_flags(prot);
        if frames::refcount(old) == Some(1) {
            return self
                .pt
                .set(page, old.addr() | flags.bits())
                .map_err(|_| FaultError::NoMemory);
        }
        let new = frames::alloc_user().ok_or(FaultError::NoMemory)?;
        // SAFETY: both frames are direct-mapped; `old` is shared read-only and `new` is ours.
        unsafe {
            core::ptr::copy_nonoverlapping(
                old.virt() as *const u8,
                new.virt() as *mut u8,
                PAGE_SIZE as usize,
            )
        };
        self.pt
            .set(page, new.addr() | flags.bits())
            .map_err(|_| FaultError::NoMemory)?;
        let _ = frames::dec_ref(old);
        Ok(())
    }

    /// Marks the pages of `[start, end)` as lying past the end of the mapped file.
    pub fn mark_past_eof(&mut self, start: u64, end: u64) {
        let mut va = start;
        while va < end {
            let _ = self.pt.set(va, PTE_PAST_EOF);
            va += PAGE_SIZE;
        }
    }

    /// Drops the pages of `[start, end)` from the page tables, freeing private frames.
    pub fn zap(&mut self, start: u64, end: u64) {
        self.pt.for_each_entry(start, end, |_, e| {
            if *e & (Pte::PRESENT.bits() | PTE_PROTNONE) != 0 {
                let _ = frames::dec_ref(PhysFrame::containing(*e & ADDR_MASK));
            }
            *e = 0;
        });
    }

    /// Drops `[start, end)` from the page tables and, for shared memory, from the object too
    /// (MADV_REMOVE punches a hole: the pages read back as zeroes everywhere).
    pub fn punch_hole(&mut self, start: u64, end: u64) {
        let mut va = start;
        while va < end {
            let Some(v) = self.vmas.find_from(va).filter(|v| v.start < end) else {
                break;
            };
            let (from, to) = (v.start.max(va), v.end.min(end));
            if let Backing::Shared(obj) = v.backing.clone() {
                let first = v.pgoff_of(from);
                obj.remove(first, first + (to - from) / PAGE_SIZE);
            }
            self.zap(from, to);
            va = to;
        }
    }

    /// Rewrites the entries of `[start, end)` for a new protection, keeping their frames (and
    /// copy-on-write pages read-only).
    pub fn reprotect(&mut self, start: u64, end: u64, prot: u32) {
        self.pt.for_each_entry(start, end, |_, e| {
            let raw = *e;
            if raw & (Pte::PRESENT.bits() | PTE_PROTNONE) == 0 {
                return;
            }
            let frame = raw & ADDR_MASK;
            *e = if prot == PROT_NONE {
                frame | PTE_PROTNONE | (raw & Pte::COW.bits())
            } else {
                let mut f = pte_flags(prot);
                if raw & Pte::COW.bits() != 0 {
                    f.remove(Pte::WRITABLE);
                    f |= Pte::COW;
                }
                frame | f.bits()
            };
        });
    }

    /// Moves the entries of `[from, from + len)` to `to` (mremap).
    pub fn move_entries(&mut self, from: u64, to: u64, len: u64) -> KResult<()> {
        let mut moved = alloc::vec::Vec::new();
        self.pt.for_each_entry(from, from + len, |va, e| {
            if *e & (Pte::PRESENT.bits() | PTE_PROTNONE) != 0 {
                moved.push((va - from, *e));
                *e = 0;
            }
        });
        for (off, raw) in moved {
            self.pt.set(to + off, raw).map_err(|_| Errno::ENOMEM)?;
        }
        Ok(())
    }

    /// Indices (page numbers from `start`) of the present pages of `[start, end)`, in order.
    pub fn present_pages(&mut self, start: u64, end: u64) -> alloc::vec::Vec<u64> {
        let mut v = alloc::vec::Vec::new();
        self.pt.for_each_entry(start, end, |va, e| {
            if *e & Pte::PRESENT.bits() != 0 {
                v.push((va - start) / PAGE_SIZE);
            }
        });
        v
    }
}

impl Drop for AddressSpace {
    fn drop(&mut self) {
        let g = self.inner.get_mut();
        let ranges: alloc::vec::Vec<(u64, u64)> = g.vmas.iter().map(|v| (v.start, v.end)).collect();
        for (s, e) in ranges {
            g.zap(s, e);
        }
        let pt = core::mem::replace(&mut g.pt, {
            // SAFETY: a placeholder that is never used: the address space is being dropped.
            unsafe { PageTable::from_root(0) }
        });
        pt.free_tables();
    }
}

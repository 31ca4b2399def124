//! 4-level x86_64 page tables.
//!
//! [`PageTable`] edits one hierarchy through the direct map: map, unmap, change protection and
//! translate 4 KiB pages (and 2 MiB pages for the direct map). Intermediate tables come from the
//! frame allocator and are freed with the address space. Leaf frames are not reference-counted
//! here: the owner of a mapping (the VMA layer, the heap, the stack allocator) does that.
//!
//! The kernel's own hierarchy is [`KERNEL_PT`]; changes to the kernel half go through it and
//! are visible in every address space because all of them share its PDPTs.

use bitflags::bitflags;

use super::cpu;
use crate::mm::frames::{self, PhysFrame};
use crate::mm::{phys_to_virt, PAGE_SIZE};
use crate::sync::IrqSpinLock;

bitflags! {
    /// Page-table entry bits.
    #[derive(Clone, Copy, Debug, PartialEq, Eq)]
    pub struct Pte: u64 {
        const PRESENT = 1 << 0;
        const WRITABLE = 1 << 1;
        const USER = 1 << 2;
        const WRITE_THROUGH = 1 << 3;
        const NO_CACHE = 1 << 4;
        const ACCESSED = 1 << 5;
        const DIRTY = 1 << 6;
        const HUGE = 1 << 7;
        const GLOBAL = 1 << 8;
        /// Software bit: copy-on-write (read-only now, copied on the first write).
        const COW = 1 << 9;
        const NO_EXECUTE = 1 << 63;
    }
}

const ADDR_MASK: u64 = 0x000f_ffff_ffff_f000;

/// Why a mapping could not be made.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MapError {
    /// No frame for an intermediate table.
    NoMemory,
    /// Something is already mapped there.
    AlreadyMapped,
    /// A huge page covers the address.
    HugePage,
}

/// One page-table hierarchy, identified by its PML4's physical address.
pub struct PageTable {
    root: u64,
}

fn table(pa: u64) -> &'static mut [u64; 512] {
    // SAFETY: `pa` is the physical address of a page-table frame (the root or one reached
    // through a present entry), direct-mapped; callers serialise access to a hierarchy (the
    // kernel's through KERNEL_PT, a process's through its address-space lock).
    unsafe { &mut *(phys_to_virt(pa) as *mut [u64; 512]) }
}

const fn index(va: u64, level: u32) -> usize {
    ((va >> (12 + 9 * (level - 1))) & 0x1ff) as usize
}

impl PageTable {
    /// An empty hierarchy whose kernel half (PML4 slots 256..512) is shared with `kernel`.
    pub fn new_sharing_kernel(kernel: &PageTable) -> Option<PageTable> {
        let root = frames::alloc_zeroed()?.addr();
        table(root)[256..].copy_from_slice(&table(kernel.root)[256..]);
        Some(PageTable { root })
    }

    /// Wraps an existing hierarchy.
    ///
    /// # Safety
    /// `root` must be the physical address of a PML4 that nothing else edits concurrently.
    pub const unsafe fn from_root(root: u64) -> PageTable {
        PageTable { root }
    }

    /// The raw 4 KiB entry for `va` (0 if no table reaches it).
    pub fn get(&mut self, va: u64) -> u64 {
        match self.entry(va, 1, false) {
            Ok(Some(e)) => *e,
            _ => 0,
        }
    }

    /// Sets the raw 4 KiB entry for `va`, creating tables on the way, and flushes its TLB
    /// entry. The caller owns the reference counting of the frame it names.
    pub fn set(&mut self, va: u64, raw: u64) -> Result<(), MapError> {
        let e = self.entry(va, 1, raw != 0)?;
        match e {
            Some(e) => *e = raw,
            None if raw == 0 => return Ok(()),
            None => return Err(MapError::NoMemory),
        }
        cpu::invlpg(va);
        Ok(())
    }

    /// Physical address of the PML4 (the CR3 value).
    pub fn root(&self) -> u64 {
        self.root
    }

    /// The entry for `va` at `level` (1 = PT, 2 = PD), creating tables on the way if `create`.
    fn entry(
        &mut self,
        va: u64,
        level: u32,
        create: bool,
    ) -> Result<Option<&'static mut u64>, MapError> {
        let user = va < crate::mm::USER_END;
        let mut pa = self.root;
        for l in (level + 1..=4).rev() {
            let e = &mut table(pa)[index(va, l)];
            if *e & Pte::PRESENT.bits() == 0 {
                if !create {
                    return Ok(None);
                }
                // User page tables count as user memory (they stop at the kernel's reserve).
                let f = if user {
                    frames::alloc_user()
                } else {
                    frames::alloc_zeroed()
                };
                let f = f.ok_or(MapError::NoMemory)?;
                let mut flags = Pte::PRESENT | Pte::WRITABLE;
                if user {
                    flags |= Pte::USER;
                }
                *e = f.addr() | flags.bits();
            } else if *e & Pte::HUGE.bits() != 0 {
                return Err(MapError::HugePage);
            }
            pa = *e & ADDR_MASK;
        }
        Ok(Some(&mut table(pa)[index(va, level)]))
    }

    /// Maps the 4 KiB page at `va` to `pa` with `flags` (PRESENT is added).
    pub fn map(&mut self, va: u64, pa: u64, flags: Pte) -> Result<(), MapError> {
        let e = self.entry(va, 1, true)?.ok_or(MapError::NoMemory)?;
        if *e & Pte::PRESENT.bits() != 0 {
            return Err(MapError::AlreadyMapped);
        }
        *e = (pa & ADDR_MASK) | (flags | Pte::PRESENT).bits();
        Ok(())
    }

    /// Maps the 2 MiB page at `va` to `pa`.
    pub fn map_huge(&mut self, va: u64, pa: u64, flags: Pte) -> Result<(), MapError> {
        let e = self.entry(va, 2, true)?.ok_or(MapError::NoMemory)?;
        if *e & Pte::PRESENT.bits() != 0 {
            return Err(MapError::AlreadyMapped);
        }
        *e = (pa & ADDR_MASK) | (flags | Pte::PRESENT | Pte::HUGE).bits();
        Ok(())
    }

    /// Removes the 4 KiB mapping at `va` and returns what it mapped. Flushes the TLB entry
    /// (this CPU; the kernel is uniprocessor).
    pub fn unmap(&mut self, va: u64) -> Option<(u64, Pte)> {
        let e = self.entry(va, 1, false).ok()??;
        if *e & Pte::PRESENT.bits() == 0 {
            return None;
        }
        let old = *e;
        *e = 0;
        cpu::invlpg(va);
        Some((old & ADDR_MASK, Pte::from_bits_retain(old & !ADDR_MASK)))
    }

    /// Replaces the flags of the 4 KiB mapping at `va`, keeping its frame.
    pub fn protect(&mut self, va: u64, flags: Pte) -> bool {
        match self.entry(va, 1, false) {
            Ok(Some(e)) if *e & Pte::PRESENT.bits() != 0 => {
                *e = (*e & ADDR_MASK) | (flags | Pte::PRESENT).bits();
                cpu::invlpg(va);
                true
            }
            _ => false,
        }
    }

    /// The physical address and flags `va` translates to.
    pub fn translate(&self, va: u64) -> Option<(u64, Pte)> {
        let mut pa = self.root;
        for l in (1..=4).rev() {
            let e = table(pa)[index(va, l)];
            if e & Pte::PRESENT.bits() == 0 {
                return None;
            }
            let flags = Pte::from_bits_retain(e & !ADDR_MASK);
            if l == 1 || (l <= 3 && e & Pte::HUGE.bits() != 0) {
                let page = 1u64 << (12 + 9 * (l - 1));
                return Some(((e & ADDR_MASK & !(page - 1)) + (va & (page - 1)), flags));
            }
            pa = e & ADDR_MASK;
        }
        None
    }

    /// Calls `f(va, entry)` for every non-zero 4 KiB entry in `[start, end)`, visiting only the
    /// tables that exist, so the cost follows what is mapped, not the size of the range (a
    /// terabyte reserved with PROT_NONE costs nothing to walk). An entry `f` changes has its
    /// TLB entry flushed.
    pub fn for_each_entry(&mut self, start: u64, end: u64, mut f: impl FnMut(u64, &mut u64)) {
        fn walk(
            pa: u64,
            level: u32,
            base: u64,
            start: u64,
            end: u64,
            f: &mut dyn FnMut(u64, &mut u64),
        ) {
            let span = 1u64 << (12 + 9 * (level - 1));
            let first = (start.saturating_sub(base) / span) as usize;
            for i in first..512 {
                let va = base + i as u64 * span;
                if va >= end {
                    break;
                }
                let e = &mut table(pa)[i];
                if level == 1 {
                    if *e != 0 {
                        let before = *e;
                        f(va, e);
                        if *e != before {
                            cpu::invlpg(va);
                        }
                    }
                } else if *e & Pte::PRESENT.bits() != 0 && *e & Pte::HUGE.bits() == 0 {
                    walk(*e & ADDR_MASK, level - 1, va, start, end, f);
                }
            }
        }
        walk(self.root, 4, 0, start, end.min(crate::mm::USER_END), &mut f);
    }

    /// Number of present 4 KiB pages in the user half, walking only the tables that exist.
    pub fn count_user_present(&self) -> u64 {
        fn count(pa: u64, level: u32, entries: core::ops::Range<usize>) -> u64 {
            let mut n = 0;
            for i in entries {
                let e = table(pa)[i];
                if e & Pte::PRESENT.bits() == 0 {
                    continue;
                }
                n += if level == 1 {
                    1
                } else if e & Pte::HUGE.bits() != 0 {
                    1 << (9 * (level - 1))
                } else {
                    count(e & ADDR_MASK, level - 1, 0..512)
                };
            }
            n
        }
        count(self.root, 4, 0..256)
    }

    /// Frees the user half's page-table frames (not the leaf frames: their owner drops
    /// those first) and the root.
    pub fn free_tables(self) {
        fn free_level(pa: u64, level: u32, user_only: bool) {
            let end = if user_only { 256 } else { 512 };
            for i in 0..end {
                let e = table(pa)[i];
                if e & Pte::PRESENT.bits() != 0 && e & Pte::HUGE.bits() == 0 && level > 1 {
                    free_level(e & ADDR_MASK, level - 1, false);
                }
            }
            if level < 4 || user_only {
                let _ = frames::dec_ref(PhysFrame::containing(pa));
            }
        }
        free_level(self.root, 4, true);
    }
}

/// The kernel's page tables. Lock order: after the heap and frame locks.
pub static KERNEL_PT: IrqSpinLock<PageTable> = IrqSpinLock::new(PageTable { root: 0 });

/// Builds the kernel's page tables (direct map of `[0, phys_top)`, the image with per-section
/// protections, the boot stack's guard page left out) and switches to them.
pub fn init_kernel_tables(phys_top: u64) {
    use crate::mm::image as img;
    use crate::mm::{KERNEL_VMA, PHYS_OFFSET};
    let root = frames::alloc_zeroed()
        .expect("no memory for the kernel PML4")
        .addr();
    let mut pt = PageTable { root };
    // Every kernel PML4 slot gets its PDPT now, so address spaces can share them.
    for slot in 256..512 {
        let f = frames::alloc_zeroed().expect("no memory for kernel PDPTs");
        table(root)[slot] = f.addr() | (Pte::PRESENT | Pte::WRITABLE).bits();
    }
    let nx_rw = Pte::WRITABLE | Pte::NO_EXECUTE | Pte::GLOBAL;
    let huge = 2 << 20;
    let mut pa = 0;
    while pa < phys_top {
        pt.map_huge(PHYS_OFFSET + pa, pa, nx_rw)
            .expect("direct map");
        pa += huge;
    }
    let mut map_range = |start: u64, end: u64, flags: Pte| {
        let mut va = start;
        while va < end {
            if va != img::boot_stack_guard() {
                pt.map(va, va - KERNEL_VMA, flags | Pte::GLOBAL)
                    .expect("kernel image map");
            }
            va += PAGE_SIZE;
        }
    };
    map_range(img::__text_start(), img::__text_end(), Pte::empty());
    map_range(img::__rodata_start(), img::__rodata_end(), Pte::NO_EXECUTE);
    map_range(
        img::__data_start(),
        img::__data_end(),
        Pte::WRITABLE | Pte::NO_EXECUTE,
    );
    // SAFETY: the new tables map the kernel image, the boot stack we are running on and the
    // direct map, with the same virtual addresses as the boot tables.
    unsafe {
        cpu::set_cr4(cpu::cr4() | (1 << 7)); // PGE: global kernel pages survive CR3 loads
        cpu::set_cr3(root);
    }
    *KERNEL_PT.lock() = pt;
    KERNEL_ROOT.store(root, core::sync::atomic::Ordering::Relaxed);
}

static KERNEL_ROOT: core::sync::atomic::AtomicU64 = core::sync::atomic::AtomicU64::new(0);

/// Switches this CPU to the kernel's own page tables (an exiting process's tables are about
/// to be freed).
pub fn activate_kernel_tables() {
    let root = kernel_root_cached();
    if cpu::cr3() != root {
        // SAFETY: the kernel's tables map everything the kernel uses, at the same addresses
        // as every address space's kernel half.
        unsafe { cpu::set_cr3(root) };
    }
}

/// Physical address of the kernel's PML4, without taking the page-table lock (the scheduler
/// needs it with interrupts off).
pub fn kernel_root_cached() -> u64 {
    KERNEL_ROOT.load(core::sync::atomic::Ordering::Relaxed)
}

//! The load plan: segments at their final user addresses with protections, and the values
//! the auxiliary vector and `brk` need. Built by [`ElfImage::plan`](crate::ElfImage::plan).

use core::ops::Range;

use alloc::vec::Vec;
use keel_abi::mman::{PROT_EXEC, PROT_READ, PROT_WRITE};

use crate::PAGE_SIZE;

/// Page protections of a segment, from its `p_flags` (`PF_R`, `PF_W`, `PF_X`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Prot {
    /// Readable.
    pub read: bool,
    /// Writable.
    pub write: bool,
    /// Executable.
    pub exec: bool,
}

impl Prot {
    pub(crate) fn from_p_flags(flags: u32) -> Self {
        Self {
            read: flags & 4 != 0,
            write: flags & 2 != 0,
            exec: flags & 1 != 0,
        }
    }

    /// As `PROT_*` bits for `mmap`/`mprotect`.
    #[must_use]
    pub fn bits(self) -> u32 {
        (if self.read { PROT_READ } else { 0 })
            | (if self.write { PROT_WRITE } else { 0 })
            | (if self.exec { PROT_EXEC } else { 0 })
    }
}

/// One `PT_LOAD` segment. Bytes `[vaddr, vaddr + filesz)` come from the file at `offset`;
/// `[vaddr + filesz, vaddr + memsz)` is zero (`.bss`). Segments are ascending and their byte
/// ranges never overlap, but two neighbours may share the page at their boundary: map such a
/// page with the union of both protections. `offset + filesz` is within the file, and
/// `vaddr ≡ offset (mod PAGE_SIZE)`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Segment {
    /// First byte's virtual address.
    pub vaddr: u64,
    /// Size in memory (>= `filesz`, > 0).
    pub memsz: u64,
    /// Offset of the first byte in the file.
    pub offset: u64,
    /// Number of bytes that come from the file.
    pub filesz: u64,
    /// Protections.
    pub prot: Prot,
}

impl Segment {
    /// One past the last byte.
    #[must_use]
    pub fn end(&self) -> u64 {
        self.vaddr + self.memsz
    }

    /// The page-aligned range of addresses this segment occupies.
    #[must_use]
    pub fn pages(&self) -> Range<u64> {
        page_down(self.vaddr)..page_up(self.end())
    }

    /// The file bytes, as a range of indexes into the image's input slice.
    #[must_use]
    pub fn file_range(&self) -> Range<usize> {
        // Both fit in usize: parse checked offset + filesz <= the input length.
        self.offset as usize..(self.offset + self.filesz) as usize
    }
}

/// Where everything goes for one load bias.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LoadPlan {
    /// The bias added to every address of the file.
    pub bias: u64,
    /// The segments at their final addresses, ascending.
    pub segments: Vec<Segment>,
    /// The entry point (`AT_ENTRY`, and where the first thread starts without an interpreter).
    pub entry: u64,
    /// Address of the program headers in memory (`AT_PHDR`).
    pub phdr: u64,
    /// Size of one program header (`AT_PHENT`, 56).
    pub phent: u16,
    /// Number of program headers (`AT_PHNUM`).
    pub phnum: u16,
    /// Page-aligned end of the highest segment: where the heap (`brk`) starts.
    pub brk_start: u64,
}

pub(crate) fn page_down(addr: u64) -> u64 {
    addr & !(PAGE_SIZE - 1)
}

/// Round up to a page; callers guarantee `addr <= USER_END`, so this cannot overflow.
pub(crate) fn page_up(addr: u64) -> u64 {
    (addr + PAGE_SIZE - 1) & !(PAGE_SIZE - 1)
}

//! Why a file cannot be executed, and the errno `execve` reports for it.

use core::fmt;

use keel_abi::Errno;

/// A reason to refuse an executable. Segment-specific variants carry the program-header index.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum ElfError {
    /// The file ends inside a header or table it declares.
    Truncated,
    /// The file does not start with `\x7fELF`.
    BadMagic,
    /// `EI_CLASS` is not `ELFCLASS64`.
    NotElf64,
    /// `EI_DATA` is not little endian.
    NotLittleEndian,
    /// `EI_VERSION` or `e_version` is not 1.
    BadVersion,
    /// `e_machine` is not `EM_X86_64`.
    NotX86_64,
    /// `e_type` is neither `ET_EXEC` nor `ET_DYN` (a relocatable object or a core file).
    NotExecutable,
    /// `e_phentsize` is not 56.
    BadPhentsize,
    /// `e_phnum` is 0, `PN_XNUM`, or the table is larger than Linux accepts (64 KiB).
    BadPhnum,
    /// The program-header table lies (partly) outside the file.
    PhdrsOutOfFile,
    /// No `PT_LOAD` segment with a non-zero size.
    NoLoadSegments,
    /// A segment's file bytes lie (partly) outside the file.
    SegmentOutOfFile(usize),
    /// A segment's `p_filesz` exceeds its `p_memsz`.
    FileszExceedsMemsz(usize),
    /// A segment's `p_align` is not 0 or a power of two.
    BadAlign(usize),
    /// A segment's `p_vaddr` and `p_offset` differ modulo the page size, so it cannot be mapped.
    MisalignedSegment(usize),
    /// A segment reaches past the user half of the address space (or `vaddr + memsz` overflows).
    SegmentOutOfUserSpace(usize),
    /// A `PT_LOAD` segment overlaps or precedes the one before it (they must be ascending).
    SegmentsOverlap(usize),
    /// The entry point is not inside an executable `PT_LOAD` segment.
    EntryNotExecutable,
    /// `PT_INTERP` is out of the file, empty, or not NUL-terminated.
    BadInterp,
    /// `PT_TLS` is out of the file, has `p_filesz > p_memsz`, or a bad alignment.
    BadTls,
    /// Neither `PT_PHDR` nor a `PT_LOAD` puts the program headers in memory, so `AT_PHDR`
    /// would be meaningless (Linux would run the program and it would crash).
    PhdrsNotLoaded,
    /// `plan`: the load bias is not page aligned, or non-zero for `ET_EXEC`.
    BadLoadBias,
    /// `plan`: with the bias applied, a segment ends past the user half or the address
    /// computation overflows.
    OutOfAddressSpace,
    /// `plan`: with the bias applied, a segment starts below [`MIN_USER_ADDR`](crate::MIN_USER_ADDR).
    BelowMinAddress,
}

impl ElfError {
    /// The errno `execve` returns: ENOEXEC for a malformed or unsupported file, EINVAL for a
    /// bad load bias (a kernel bug, not the file's fault), ENOMEM when the image does not fit
    /// in the address space, and EPERM for a mapping below `mmap_min_addr` (as Linux's mmap).
    #[must_use]
    pub fn errno(&self) -> Errno {
        match self {
            Self::BadLoadBias => Errno::EINVAL,
            Self::OutOfAddressSpace => Errno::ENOMEM,
            Self::BelowMinAddress => Errno::EPERM,
            _ => Errno::ENOEXEC,
        }
    }
}

impl fmt::Display for ElfError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Truncated => f.write_str("file ends inside its headers"),
            Self::BadMagic => f.write_str("not an ELF file"),
            Self::NotElf64 => f.write_str("not a 64-bit ELF file"),
            Self::NotLittleEndian => f.write_str("not little endian"),
            Self::BadVersion => f.write_str("unknown ELF version"),
            Self::NotX86_64 => f.write_str("not an x86_64 program"),
            Self::NotExecutable => f.write_str("not an executable (e_type)"),
            Self::BadPhentsize => f.write_str("e_phentsize is not 56"),
            Self::BadPhnum => f.write_str("bad program header count"),
            Self::PhdrsOutOfFile => f.write_str("program headers outside the file"),
            Self::NoLoadSegments => f.write_str("no loadable segment"),
            Self::SegmentOutOfFile(i) => write!(f, "segment {i} outside the file"),
            Self::FileszExceedsMemsz(i) => write!(f, "segment {i} has p_filesz > p_memsz"),
            Self::BadAlign(i) => write!(f, "segment {i} alignment is not a power of two"),
            Self::MisalignedSegment(i) => {
                write!(f, "segment {i} vaddr and offset differ mod page size")
            }
            Self::SegmentOutOfUserSpace(i) => write!(f, "segment {i} outside user space"),
            Self::SegmentsOverlap(i) => {
                write!(f, "segment {i} overlaps or precedes the previous one")
            }
            Self::EntryNotExecutable => f.write_str("entry point not in an executable segment"),
            Self::BadInterp => f.write_str("malformed PT_INTERP"),
            Self::BadTls => f.write_str("malformed PT_TLS"),
            Self::PhdrsNotLoaded => f.write_str("program headers not in any loaded segment"),
            Self::BadLoadBias => {
                f.write_str("load bias not page aligned (or non-zero for ET_EXEC)")
            }
            Self::OutOfAddressSpace => f.write_str("image does not fit in user space"),
            Self::BelowMinAddress => f.write_str("image maps below the minimum user address"),
        }
    }
}

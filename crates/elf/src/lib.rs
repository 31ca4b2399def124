//! The front end of `execve`: decide what a file is and how to lay it out in memory, without
//! touching memory. Pure logic, `no_std`, host-tested with real and hostile binaries.
//!
//! - [`parse`] validates an ELF64 x86_64 executable (`ET_EXEC` or static-pie `ET_DYN`) field
//!   by field and returns an [`ElfImage`]: the `PT_LOAD` segments, entry, program-header
//!   location, `PT_INTERP`, `PT_TLS` and `PT_GNU_STACK`. Every offset, size and address is
//!   checked for bounds and overflow here, so the kernel's loader never trusts a raw field.
//! - [`ElfImage::plan`] applies a load bias (0 for `ET_EXEC`, chosen by the kernel for
//!   `ET_DYN`) and returns a [`LoadPlan`]: the segments at their final user addresses with
//!   their protections, the entry, `AT_PHDR`/`AT_PHENT`/`AT_PHNUM`, and where `brk` starts.
//! - [`parse_shebang`] recognises a `#!` script line with Linux's rules.
//!
//! Errors are [`ElfError`], which says what was wrong (for the console) and maps to the errno
//! `execve` returns ([`ElfError::errno`]). Neighbours: the kernel's `proc` exec code maps the
//! plan into an address space; `keel-abi` supplies errno and `PROT_*` values.
#![no_std]
#![forbid(unsafe_code)]

extern crate alloc;

mod error;
mod image;
mod plan;
mod raw;
mod shebang;

pub use error::ElfError;
pub use image::{parse, ElfImage, ElfKind, Tls};
pub use plan::{LoadPlan, Prot, Segment};
pub use shebang::{parse_shebang, SHEBANG_MAX};

/// The page size segments are mapped with.
pub const PAGE_SIZE: u64 = 4096;
/// One past the highest user address (the canonical lower half with 4-level paging).
pub const USER_END: u64 = 0x0000_8000_0000_0000;
/// Lowest address a segment may map (Linux's default `vm.mmap_min_addr`): page 0 and its
/// neighbours stay unmapped so that NULL dereferences fault.
pub const MIN_USER_ADDR: u64 = 0x1_0000;

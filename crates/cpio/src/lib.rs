//! Reading the initramfs: cpio `newc` archives (magic `070701`, and `070702` whose header
//! carries a checksum of the data), plain or gzip-compressed, several of them concatenated
//! with zero padding between, as Linux's `init/initramfs.c` accepts. Pure logic, `no_std` +
//! `alloc`, host-tested against archives made by the system `cpio` and `gzip`.
//!
//! - [`unpack`] splits an initrd image into [`Chunk`]s of uncompressed cpio data, inflating
//!   gzip members (with a cap on the total size) and borrowing uncompressed runs.
//! - [`entries`] iterates the [`Entry`]s of one chunk, checking every header field (hex
//!   digits, name size and NUL, 4-byte padding, lengths, checksums) and stopping at each
//!   `TRAILER!!!`; it never panics on garbage and stops after the first error.
//!
//! Errors are [`CpioError`]: what went wrong and at which byte offset. Neighbours: the
//! kernel's boot code feeds the multiboot module to `unpack` and creates tmpfs nodes from
//! the entries (hard links, where `nlink > 1`, share an `(ino, dev)` pair; the data is with
//! the last one, as GNU cpio writes them).
#![no_std]
#![forbid(unsafe_code)]

extern crate alloc;

mod error;
mod gzip;
mod newc;
mod unpack;

pub use error::{CpioError, CpioErrorKind};
pub use gzip::gunzip;
pub use newc::{entries, Entries, Entry, TRAILER};
pub use unpack::{unpack, Chunk};

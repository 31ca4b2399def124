//! The Linux x86_64 ABI as Keel speaks it: errno values, syscall numbers and the `#[repr(C)]`
//! structures that cross the user/kernel boundary. Pure data, `no_std`, tested on the host
//! against the kernel UAPI headers from `linux-libc-dev` (`tests/uapi.rs` compiles a C program
//! with gcc and compares every size, offset and constant listed there).
//!
//! One module per header family, named after the Linux header or man page. Values are typed
//! as the kernel reads them (`u32` for flag words, `usize` for syscall numbers); structures
//! use fixed-width integers (`u64` for user pointers) so their layout does not depend on the
//! host.
#![no_std]
#![forbid(unsafe_code)]

pub mod auxv;
pub mod dirent;
pub mod errno;
pub mod fcntl;
pub mod futex;
pub mod mman;
pub mod mount;
pub mod poll;
pub mod prctl;
pub mod random;
pub mod reboot;
pub mod resource;
pub mod signal;
pub mod stat;
pub mod syscall;
pub mod termios;
pub mod time;
pub mod uio;
pub mod uname;

pub use errno::{Errno, KResult};

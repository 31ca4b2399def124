//! The Linux x86_64 ABI as Keel speaks it: errno values, syscall numbers and the `#[repr(C)]`
//! structures that cross the user/kernel boundary. Pure data, `no_std`, tested on the host
//! against the kernel UAPI headers from `linux-libc-dev`.
#![no_std]
#![forbid(unsafe_code)]

pub mod errno;

pub use errno::{Errno, KResult};

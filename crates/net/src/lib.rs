//! Socket policy that needs no kernel: the pure half of Keel's networking, tested on the host.
//!
//! - [`consts`]: Linux's socket numbers (families, types, levels, options, `MSG_*` flags) and
//!   the `#[repr(C)]` structures that cross the user boundary (`sockaddr_in`, `msghdr`,
//!   `linger`), with size asserts.
//! - [`addr`]: `sockaddr_in` decoding and encoding with Linux's errors for short or foreign
//!   addresses.
//! - [`ports`]: the port table. smoltcp never checks port conflicts and refuses local port 0
//!   (DESIGN.md section 6, lesson 3), so binding, ephemeral ports (49152-65535), EADDRINUSE and
//!   `SO_REUSEADDR` are decided here.
//! - [`backlog`]: what a listening socket does with an incoming SYN: admit it (and whether a
//!   new listening smoltcp socket is needed for it) or drop it silently when the accept queue
//!   is full, as Linux does (lesson 6).
//! - [`sockopt`]: which `(level, name)` pairs Keel honours and what Linux answers for the rest.
//! - [`unix`]: `sockaddr_un` and the `SCM_RIGHTS`/`SCM_CREDENTIALS` control messages of
//!   `AF_UNIX` sockets.
//!
//! The kernel (`kernel/src/net`) owns the smoltcp state and calls into these; nothing here
//! locks or allocates beyond its own collections.
#![no_std]
#![forbid(unsafe_code)]

extern crate alloc;

pub mod addr;
pub mod backlog;
pub mod consts;
pub mod dhcp;
pub mod ports;
pub mod sockopt;
pub mod unix;

pub use addr::SockAddrIn;
pub use backlog::{Backlog, SynVerdict};
pub use ports::{PortTable, Proto};

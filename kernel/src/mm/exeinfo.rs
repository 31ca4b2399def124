//! What `execve` left in an address space that observers need later (Linux keeps it in
//! `mm_struct`): the bounds of the code and data, the initial stack pointer, where the
//! argument and environment strings lie, the executable's segments and the executable itself.
//! `/proc/PID/{stat,cmdline,environ,maps,exe}` read it; `fork` copies it with the address
//! space, and a process that has released its address space (a zombie) has none.
//!
//! Locking: it lives in `aspace::Inner`, under the address space's sleeping mutex.

use alloc::sync::Arc;
use alloc::vec::Vec;

use keel_vfs::Inode;

/// The executable an address space was loaded from.
#[derive(Clone)]
pub struct ExeFile {
    /// The file.
    pub inode: Arc<Inode>,
    /// The directory and name it was found by, when known (not for `execveat` of an fd
    /// opened without a path).
    pub origin: Option<(Arc<Inode>, Vec<u8>)>,
}

/// One loaded segment of the executable: `[start, end)` (page aligned) maps the file from
/// `offset`.
#[derive(Clone, Copy, Debug, Default)]
pub struct Segment {
    pub start: u64,
    pub end: u64,
    pub offset: u64,
}

/// The layout `execve` made.
#[derive(Clone, Default)]
pub struct ImageInfo {
    /// First and one-past-last byte of the executable code (Linux's `start_code`, `end_code`).
    pub start_code: u64,
    pub end_code: u64,
    /// The initialised data (`start_data`, `end_data`).
    pub start_data: u64,
    pub end_data: u64,
    /// The stack pointer at entry: where `argc` is (`start_stack`).
    pub start_stack: u64,
    /// The argument strings, NUL-terminated, back to back.
    pub arg_start: u64,
    pub arg_end: u64,
    /// The environment strings.
    pub env_start: u64,
    pub env_end: u64,
    /// The executable's segments.
    pub segments: Vec<Segment>,
    /// The executable.
    pub exe: Option<ExeFile>,
}

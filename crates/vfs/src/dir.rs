//! Directories as the VFS sees them: [`DirEntry`] (what `getdents64` reports), the cookie
//! convention, name checks, and [`DirFile`], the open-directory [`FileOps`] every file system
//! can use (it reads through [`crate::InodeOps::readdir`]).
//!
//! `getdents64` offsets are cookies chosen by the file system: 0 is `.`, 1 is `..`, entries
//! start at [`FIRST_COOKIE`]. A file system whose cookies are never reused (tmpfs) lets a scan
//! neither skip nor repeat an entry while others are added or removed.

use alloc::sync::Arc;
use alloc::vec::Vec;

use keel_abi::{Errno, KResult};

use crate::consts::{NAME_MAX, SEEK_CUR, SEEK_SET};
use crate::file::{seek_in, write_dirent64, FileOps};
use crate::inode::{Inode, Metadata};

/// First cookie of a stored entry (0 is `.`, 1 is `..`).
pub const FIRST_COOKIE: u64 = 2;

/// One directory entry as `getdents64` reports it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DirEntry {
    /// Cookie to resume after this entry (`d_off`).
    pub next: u64,
    /// Inode number.
    pub ino: u64,
    /// `DT_*` type.
    pub dtype: u8,
    /// Name, without NUL.
    pub name: Vec<u8>,
}

/// Checks a final component that is to be created or removed: not empty, `.` or `..` (the
/// caller maps those to its own errno first), at most `NAME_MAX` bytes, no `/` or NUL.
pub(crate) fn check_name(name: &[u8]) -> KResult<()> {
    if name.is_empty() || name == b"." || name == b".." {
        return Err(Errno::EINVAL);
    }
    if name.len() > NAME_MAX {
        return Err(Errno::ENAMETOOLONG);
    }
    if name.iter().any(|&b| b == b'/' || b == 0) {
        return Err(Errno::EINVAL);
    }
    Ok(())
}

/// An open directory: `getdents64` walks its cookies; `read` is EISDIR.
pub struct DirFile {
    inode: Arc<Inode>,
}

impl DirFile {
    /// Ops over a directory inode.
    pub fn new(inode: Arc<Inode>) -> DirFile {
        DirFile { inode }
    }
}

impl FileOps for DirFile {
    fn read(&self, _pos: &mut u64, _buf: &mut [u8], _flags: u32) -> KResult<usize> {
        Err(Errno::EISDIR)
    }

    fn write(&self, _pos: &mut u64, _buf: &[u8], _flags: u32) -> KResult<usize> {
        Err(Errno::EISDIR)
    }

    /// Offsets are cookies: `SEEK_SET` and `SEEK_CUR` only, as tmpfs's `dcache_dir_lseek`.
    fn seek(&self, pos: u64, offset: i64, whence: u32) -> KResult<u64> {
        match whence {
            SEEK_SET | SEEK_CUR => seek_in(pos, offset, whence, 0),
            _ => Err(Errno::EINVAL),
        }
    }

    fn seekable(&self) -> bool {
        true
    }

    fn stat(&self) -> Metadata {
        self.inode.metadata()
    }

    /// A removed directory is ENOENT, as Linux's `iterate_dir`.
    fn getdents(&self, pos: &mut u64, buf: &mut [u8]) -> KResult<usize> {
        if self.inode.is_dead() {
            return Err(Errno::ENOENT);
        }
        let mut used = 0;
        let mut full = false;
        self.inode
            .read_dir(*pos, |e| match write_dirent64(&mut buf[used..], &e) {
                Some(n) => {
                    used += n;
                    *pos = e.next;
                    true
                }
                None => {
                    full = true;
                    false
                }
            })?;
        if used == 0 && full {
            return Err(Errno::EINVAL);
        }
        self.inode.touch_atime();
        Ok(used)
    }
}

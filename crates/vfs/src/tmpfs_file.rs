//! [`FileOps`] for tmpfs inodes: regular files, directories, and `O_PATH` handles (which also
//! stand for a symlink opened with `O_PATH | O_NOFOLLOW`).
//!
//! Locking: each call takes the inode's lock once, inside the `OpenFile::pos` lock.

use alloc::sync::Arc;

use keel_abi::{Errno, KResult};

use crate::consts::{O_APPEND, SEEK_CUR, SEEK_SET};
use crate::file::{seek_in, write_dirent64, FileOps};
use crate::inode::{Inode, Metadata};

/// An open regular file: reads and writes go straight to the inode's data.
pub struct RegularFile {
    inode: Arc<Inode>,
}

impl RegularFile {
    /// Ops over a regular-file inode.
    pub fn new(inode: Arc<Inode>) -> RegularFile {
        RegularFile { inode }
    }
}

impl FileOps for RegularFile {
    fn read(&self, pos: &mut u64, buf: &mut [u8], _flags: u32) -> KResult<usize> {
        let n = self.inode.read_at(*pos, buf)?;
        *pos = pos.saturating_add(n as u64);
        Ok(n)
    }

    fn write(&self, pos: &mut u64, buf: &[u8], flags: u32) -> KResult<usize> {
        let (n, end) = self.inode.write_at(*pos, buf, flags & O_APPEND != 0)?;
        *pos = end;
        Ok(n)
    }

    fn seek(&self, pos: u64, offset: i64, whence: u32) -> KResult<u64> {
        self.inode.seek(pos, offset, whence)
    }

    fn seekable(&self) -> bool {
        true
    }

    fn stat(&self) -> Metadata {
        self.inode.metadata()
    }

    fn truncate(&self, len: u64) -> KResult<()> {
        self.inode.truncate(len)
    }
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

    fn getdents(&self, pos: &mut u64, buf: &mut [u8]) -> KResult<usize> {
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
        Ok(used)
    }
}

/// An `O_PATH` handle: every I/O method keeps its default; `OpenFile` answers EBADF first.
pub struct PathFile;

impl FileOps for PathFile {}

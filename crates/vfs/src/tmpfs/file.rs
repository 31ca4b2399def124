//! The open regular tmpfs file: reads and writes go straight to the inode's pages; reads
//! update the access time by the mount's rule unless `O_NOATIME` says not to.
//!
//! Locking: each call takes the inode's lock once, inside the `OpenFile::pos` lock.

use alloc::sync::Arc;

use keel_abi::{Errno, KResult};

use super::TmpfsNode;
use crate::consts::{O_APPEND, O_NOATIME};
use crate::file::FileOps;
use crate::inode::{Inode, Metadata};

/// An open regular file of a tmpfs.
pub struct RegularFile {
    inode: Arc<Inode>,
}

impl RegularFile {
    /// Ops over a tmpfs regular-file inode.
    pub fn new(inode: Arc<Inode>) -> RegularFile {
        RegularFile { inode }
    }

    fn node(&self) -> KResult<&TmpfsNode> {
        self.inode.ops_as::<TmpfsNode>().ok_or(Errno::EIO)
    }
}

impl FileOps for RegularFile {
    fn read(&self, pos: &mut u64, buf: &mut [u8], flags: u32) -> KResult<usize> {
        let sb = self.inode.superblock();
        let atime = (flags & O_NOATIME == 0 && sb.updates_atime(false)).then(|| sb.clone());
        let n = self.node()?.read(*pos, buf, atime.as_deref())?;
        *pos = pos.saturating_add(n as u64);
        Ok(n)
    }

    fn write(&self, pos: &mut u64, buf: &[u8], flags: u32) -> KResult<usize> {
        let (n, end) = self.node()?.write(*pos, buf, flags & O_APPEND != 0)?;
        *pos = end;
        Ok(n)
    }

    fn seek(&self, pos: u64, offset: i64, whence: u32) -> KResult<u64> {
        self.node()?.seek(pos, offset, whence)
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

//! Removing names, whatever the file system: `unlink(2)` and `rmdir(2)` with Linux's
//! `may_delete` rules in its order: ENOENT for a missing name, EACCES without write and search
//! permission on the directory, EPERM by the sticky-bit rule, ENOTDIR/EISDIR for the wrong
//! type, ENOENT in a removed directory, EBUSY for a mount point, ENOTEMPTY for a directory with
//! entries. An unlinked inode lives on while anything holds it (an open file keeps its data).
//!
//! Locking: `Superblock::namespace` around the checks and the file system's operation.

use alloc::sync::Arc;

use keel_abi::{Errno, KResult};

use crate::consts::{MAY_EXEC, MAY_WRITE, S_ISVTX};
use crate::cred::{access, Cred};
use crate::dir::check_name;
use crate::inode::Inode;

/// Linux's `check_sticky`: in a sticky directory only root, the directory's owner or the
/// victim's owner may remove or rename it away.
pub(crate) fn sticky_forbids(dir: &Inode, victim: &Inode, cred: &Cred) -> bool {
    let dm = dir.metadata();
    dm.mode & S_ISVTX != 0
        && !cred.is_root()
        && dm.uid != cred.uid
        && victim.metadata().uid != cred.uid
}

/// Linux's `may_delete`: may `cred` remove `victim` from `dir` (`want_dir` for rmdir and for
/// the target of a directory rename)?
pub(crate) fn may_delete(dir: &Inode, victim: &Inode, cred: &Cred, want_dir: bool) -> KResult<()> {
    access(&dir.metadata(), cred, MAY_WRITE | MAY_EXEC)?;
    if sticky_forbids(dir, victim, cred) {
        return Err(Errno::EPERM);
    }
    match (victim.is_dir(), want_dir) {
        (false, true) => return Err(Errno::ENOTDIR),
        (true, true) if victim.is_fs_root() => return Err(Errno::EBUSY),
        (true, false) => return Err(Errno::EISDIR),
        _ => {}
    }
    if dir.is_dead() {
        return Err(Errno::ENOENT);
    }
    Ok(())
}

impl Inode {
    /// `unlink(2)`: removes a non-directory name. EISDIR for a directory (and for `.`/`..`),
    /// ENOENT if missing, EPERM by the sticky-bit rule.
    pub fn unlink(self: &Arc<Self>, cred: &Cred, name: &[u8]) -> KResult<()> {
        self.remove_entry(cred, name, false)
    }

    /// `rmdir(2)`: removes an empty directory. EINVAL for `.`, ENOTEMPTY for `..` or a
    /// non-empty directory, ENOTDIR for a non-directory, EBUSY for a mount point.
    pub fn rmdir(self: &Arc<Self>, cred: &Cred, name: &[u8]) -> KResult<()> {
        self.remove_entry(cred, name, true)
    }

    fn remove_entry(self: &Arc<Self>, cred: &Cred, name: &[u8], want_dir: bool) -> KResult<()> {
        self.dir_check()?;
        match (name, want_dir) {
            (b".", true) => return Err(Errno::EINVAL),
            (b"..", true) => return Err(Errno::ENOTEMPTY),
            (b"." | b"..", false) => return Err(Errno::EISDIR),
            _ => {}
        }
        check_name(name)?;
        let sb = self.superblock().clone();
        sb.check_writable()?;
        let _ns = sb.namespace.lock();
        let victim = self.child(name)?;
        may_delete(self, &victim, cred, want_dir)?;
        if victim.mounted().is_some() {
            return Err(Errno::EBUSY);
        }
        if want_dir && !victim.ops().is_empty_dir() {
            return Err(Errno::ENOTEMPTY);
        }
        self.ops().unlink(self, name, &victim)?;
        if want_dir {
            victim.set_dead();
        }
        Ok(())
    }
}

//! `rename(2)` / `renameat2(2)`, whatever the file system, with Linux's rules in the order of
//! its `do_renameat2` and `vfs_rename` (<https://man7.org/linux/man-pages/man2/rename.2.html>):
//! EINVAL for bad flags, EXDEV across file systems, EROFS, ENOENT for a missing source,
//! EEXIST under `RENAME_NOREPLACE`, ENOENT/ENOTDIR under `RENAME_EXCHANGE`, ENOTDIR for a
//! trailing slash on a non-directory, EINVAL for moving a directory below itself, ENOTEMPTY
//! when the target is an ancestor of the source; the same inode on both sides does nothing;
//! then `may_delete`/`may_create` (EACCES, EPERM for sticky directories, ENOTDIR, EISDIR), write
//! permission on a directory that changes parent, EBUSY for mount points, and ENOTEMPTY for a
//! non-empty target directory. `.`/`..` on either side are the path layer's EBUSY.
//!
//! Locking: the namespace lock is held throughout, so the ancestry walk sees a stable tree.

use alloc::sync::Arc;

use keel_abi::{Errno, KResult};

use crate::consts::{MAY_WRITE, RENAME_EXCHANGE, RENAME_NOREPLACE, RENAME_WHITEOUT};
use crate::cred::Cred;
use crate::dir::check_name;
use crate::inode::Inode;
use crate::remove::may_delete;

/// Checks `renameat2`'s flags: EINVAL for unknown ones or `RENAME_EXCHANGE` with another,
/// EPERM for `RENAME_WHITEOUT` without privilege, EINVAL for a whiteout by root (no file system
/// here supports whiteouts).
pub fn check_rename_flags(flags: u32, cred: &Cred) -> KResult<()> {
    if flags & !(RENAME_NOREPLACE | RENAME_EXCHANGE | RENAME_WHITEOUT) != 0
        || (flags & RENAME_EXCHANGE != 0 && flags & (RENAME_NOREPLACE | RENAME_WHITEOUT) != 0)
    {
        return Err(Errno::EINVAL);
    }
    if flags & RENAME_WHITEOUT != 0 {
        return Err(if cred.is_root() {
            Errno::EINVAL
        } else {
            Errno::EPERM
        });
    }
    Ok(())
}

/// Whether `anc` is `node` or one of its ancestors within the file system.
fn is_ancestor(anc: &Arc<Inode>, node: &Arc<Inode>) -> bool {
    let mut cur = node.clone();
    loop {
        if Arc::ptr_eq(&cur, anc) {
            return true;
        }
        match cur.parent_dir() {
            Some(p) => cur = p,
            None => return false,
        }
    }
}

impl Inode {
    /// Moves `old_name` in this directory to `new_name` in `new_dir`, replacing what is there
    /// under the rules above. `flags` is `renameat2`'s.
    pub fn rename(
        self: &Arc<Self>,
        cred: &Cred,
        old_name: &[u8],
        new_dir: &Arc<Inode>,
        new_name: &[u8],
        flags: u32,
    ) -> KResult<()> {
        self.rename_checked(cred, old_name, new_dir, new_name, flags, (false, false))
    }

    /// [`Inode::rename`] where the path layer says whether each path ended in `/`.
    pub(crate) fn rename_checked(
        self: &Arc<Self>,
        cred: &Cred,
        old_name: &[u8],
        new_dir: &Arc<Inode>,
        new_name: &[u8],
        flags: u32,
        (old_slash, new_slash): (bool, bool),
    ) -> KResult<()> {
        check_rename_flags(flags, cred)?;
        self.dir_check()?;
        new_dir.dir_check()?;
        if !self.same_fs(new_dir) {
            return Err(Errno::EXDEV);
        }
        for name in [old_name, new_name] {
            if name.is_empty() || name == b"." || name == b".." {
                return Err(Errno::EBUSY);
            }
            check_name(name)?;
        }
        let sb = self.superblock().clone();
        sb.check_writable()?;
        let _ns = sb.namespace.lock();
        let old = self.child(old_name)?;
        let new = match new_dir.child(new_name) {
            Ok(n) => Some(n),
            Err(Errno::ENOENT) => None,
            Err(e) => return Err(e),
        };
        let exchange = flags & RENAME_EXCHANGE != 0;
        if flags & RENAME_NOREPLACE != 0 && new.is_some() {
            return Err(Errno::EEXIST);
        }
        if exchange {
            match &new {
                None => return Err(Errno::ENOENT),
                Some(n) if !n.is_dir() && new_slash => return Err(Errno::ENOTDIR),
                _ => {}
            }
        }
        if !old.is_dir() && (old_slash || (!exchange && new_slash)) {
            return Err(Errno::ENOTDIR);
        }
        // Linux's `lock_rename` trap: the source may not be an ancestor of the new parent,
        // and the target may not be an ancestor of the old parent.
        if !Arc::ptr_eq(self, new_dir) {
            if old.is_dir() && is_ancestor(&old, new_dir) {
                return Err(Errno::EINVAL);
            }
            if let Some(n) = &new {
                if n.is_dir() && is_ancestor(n, self) {
                    return Err(if exchange {
                        Errno::EINVAL
                    } else {
                        Errno::ENOTEMPTY
                    });
                }
            }
        }
        if new.as_ref().is_some_and(|n| Arc::ptr_eq(n, &old)) {
            return Ok(());
        }
        let is_dir = old.is_dir();
        may_delete(self, &old, cred, is_dir)?;
        match &new {
            None => new_dir.may_create(cred)?,
            Some(n) if exchange => may_delete(new_dir, n, cred, n.is_dir())?,
            Some(n) => may_delete(new_dir, n, cred, is_dir)?,
        }
        if !Arc::ptr_eq(self, new_dir) {
            if is_dir {
                old.check_access(cred, MAY_WRITE)?;
            }
            if let (true, Some(n)) = (exchange, &new) {
                if n.is_dir() {
                    n.check_access(cred, MAY_WRITE)?;
                }
            }
        }
        if old.mounted().is_some() || new.as_ref().is_some_and(|n| n.mounted().is_some()) {
            return Err(Errno::EBUSY);
        }
        if !exchange {
            if let Some(n) = &new {
                if n.is_dir() && !n.ops().is_empty_dir() {
                    return Err(Errno::ENOTEMPTY);
                }
            }
        }
        self.ops()
            .rename(self, old_name, new_dir, new_name, flags & RENAME_EXCHANGE)?;
        if let (false, Some(n)) = (exchange, &new) {
            if n.is_dir() {
                n.set_dead();
            }
        }
        Ok(())
    }
}

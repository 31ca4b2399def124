//! `rename(2)` / `renameat2(2)` on the tmpfs, with Linux's rules
//! (<https://man7.org/linux/man-pages/man2/rename.2.html>):
//! same inode on both sides does nothing; a directory may replace only an empty directory
//! (ENOTDIR, ENOTEMPTY), a non-directory may not replace a directory (EISDIR); a directory may
//! not move into itself or a descendant (EINVAL); `.`/`..` on either side are EBUSY;
//! `RENAME_NOREPLACE` gives EEXIST. Trailing-slash rules are the path layer's (`vfs.rs`).
//!
//! Locking: the namespace lock is held throughout, so the ancestry walk for the EINVAL check
//! sees a stable tree; inode locks are taken one at a time beneath it.

use alloc::sync::Arc;

use keel_abi::{Errno, KResult};

use crate::consts::{MAY_WRITE, RENAME_EXCHANGE, RENAME_NOREPLACE};
use crate::cred::Cred;
use crate::dir::{check_name, check_sticky, unlink_victim};
use crate::inode::{Body, Inode};

impl Inode {
    /// Moves `old_name` in this directory to `new_name` in `new_dir`, replacing what is there
    /// under the rules above. `flags` is `renameat2`'s (`RENAME_EXCHANGE` is not supported yet:
    /// EINVAL).
    pub fn rename(
        self: &Arc<Self>,
        cred: &Cred,
        old_name: &[u8],
        new_dir: &Arc<Inode>,
        new_name: &[u8],
        flags: u32,
    ) -> KResult<()> {
        if flags & !(RENAME_NOREPLACE | RENAME_EXCHANGE) != 0 || flags & RENAME_EXCHANGE != 0 {
            return Err(Errno::EINVAL);
        }
        if !self.is_dir() || !new_dir.is_dir() {
            return Err(Errno::ENOTDIR);
        }
        for name in [old_name, new_name] {
            if name.is_empty() || name == b"." || name == b".." {
                return Err(Errno::EBUSY);
            }
            check_name(name)?;
        }
        if !self.same_fs(new_dir) {
            return Err(Errno::EXDEV);
        }
        let _ns = self.sb.namespace.lock();
        let now = self.sb.now();
        {
            let st = self.lock();
            self.may_modify(&st, cred)?;
        }
        {
            let st = new_dir.lock();
            new_dir.may_modify(&st, cred)?;
        }
        let old = self.child(old_name)?;
        let new = match new_dir.child(new_name) {
            Ok(n) => Some(n),
            Err(Errno::ENOENT) => None,
            Err(e) => return Err(e),
        };
        if flags & RENAME_NOREPLACE != 0 && new.is_some() {
            return Err(Errno::EEXIST);
        }
        if let Some(n) = &new {
            if Arc::ptr_eq(n, &old) {
                return Ok(());
            }
        }
        let moving_dir = old.is_dir();
        if moving_dir {
            if let Some(n) = &new {
                if !n.is_dir() {
                    return Err(Errno::ENOTDIR);
                }
            }
            // new_dir must not be old itself or below it.
            let mut cur = new_dir.clone();
            loop {
                if Arc::ptr_eq(&cur, &old) {
                    return Err(Errno::EINVAL);
                }
                match cur.parent_dir() {
                    Some(p) => cur = p,
                    None => break,
                }
            }
            if let Some(n) = &new {
                if n.entry_count() != 0 {
                    return Err(Errno::ENOTEMPTY);
                }
            }
        } else if new.as_ref().is_some_and(|n| n.is_dir()) {
            return Err(Errno::EISDIR);
        }
        check_sticky(self, &old, cred)?;
        if let Some(n) = &new {
            check_sticky(new_dir, n, cred)?;
        }
        let cross = !Arc::ptr_eq(self, new_dir);
        if moving_dir && cross {
            old.check_access(cred, MAY_WRITE)?;
        }

        // Commit: replace the target atomically, then drop the old name.
        if let Some(n) = &new {
            unlink_victim(n, now);
        }
        {
            let mut st = new_dir.lock();
            if let Body::Dir(d) = &mut st.body {
                d.insert(new_name, old.clone());
            }
            if new.as_ref().is_some_and(|n| n.is_dir()) {
                st.meta.nlink -= 1;
            }
            if moving_dir && cross {
                st.meta.nlink += 1;
            }
            st.meta.mtime = now;
            st.meta.ctime = now;
        }
        {
            let mut st = self.lock();
            if let Body::Dir(d) = &mut st.body {
                d.remove(old_name);
            }
            if moving_dir && cross {
                st.meta.nlink -= 1;
            }
            st.meta.mtime = now;
            st.meta.ctime = now;
        }
        let mut o = old.lock();
        if let (Body::Dir(d), true) = (&mut o.body, cross) {
            d.parent = Arc::downgrade(new_dir);
        }
        o.meta.ctime = now;
        Ok(())
    }
}

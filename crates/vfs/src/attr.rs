//! Attribute changes, whatever the file system: `chmod`, `chown`, `utimensat`, `truncate`
//! and access-time updates, with Linux's permission rules (`setattr_prepare`, `may_setattr`,
//! `chown_common`): owner or root, set-ID bits cleared as `notify_change` does, EROFS on a
//! read-only mount. The file system applies the result through [`crate::InodeOps::setattr`].
//!
//! Locking: `Superblock::namespace` around the check and the change.

use keel_abi::{Errno, KResult};

use crate::consts::{FileType, MAY_WRITE, S_IALLUGO, S_ISGID, S_ISUID};
use crate::cred::{access, Cred};
use crate::inode::{Inode, SetAttr, Timespec};

/// How `utimensat` changes one timestamp.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SetTime {
    /// Leave it (`UTIME_OMIT`).
    Omit,
    /// The current time (`UTIME_NOW`, or a NULL `times`).
    Now,
    /// An explicit time.
    At(Timespec),
}

impl Inode {
    /// `chmod(2)`: owner or root only (EPERM). A non-root caller outside the file's group
    /// loses `S_ISGID`, as on Linux.
    pub fn chmod(&self, cred: &Cred, mode: u32) -> KResult<()> {
        let sb = self.superblock();
        sb.check_writable()?;
        let _ns = sb.namespace.lock();
        let m = self.metadata();
        if !cred.owns(&m) {
            return Err(Errno::EPERM);
        }
        let mut mode = mode & S_IALLUGO;
        if !cred.is_root() && !cred.in_group(m.gid) {
            mode &= !S_ISGID;
        }
        self.ops().setattr(&SetAttr {
            mode: Some(mode),
            ctime: Some(sb.now()),
            ..SetAttr::default()
        })
    }

    /// `chown(2)`: `None` leaves an id. Only root changes the owner; the owner may change the
    /// group to one of its groups; EPERM otherwise. Clears set-user-ID (and set-group-ID when
    /// group-executable) on non-directories, even for root and even when both ids are `None`,
    /// and updates ctime, as Linux's `chown_common` does.
    pub fn chown(&self, cred: &Cred, uid: Option<u32>, gid: Option<u32>) -> KResult<()> {
        let sb = self.superblock();
        sb.check_writable()?;
        let _ns = sb.namespace.lock();
        let m = self.metadata();
        if !cred.is_root() {
            let uid_ok = uid.is_none_or(|u| cred.uid == m.uid && u == m.uid);
            let gid_ok = gid.is_none_or(|g| cred.uid == m.uid && (g == m.gid || cred.in_group(g)));
            if !uid_ok || !gid_ok {
                return Err(Errno::EPERM);
            }
        }
        let mut mode = None;
        if self.file_type() != FileType::Directory {
            let mut new = m.mode & S_IALLUGO;
            new &= !S_ISUID;
            if new & 0o010 != 0 {
                new &= !S_ISGID;
            }
            if new != m.mode & S_IALLUGO {
                // Changing the mode is a chmod: only the owner (or root) may.
                if !cred.owns(&m) {
                    return Err(Errno::EPERM);
                }
                mode = Some(new);
            }
        }
        self.ops().setattr(&SetAttr {
            mode,
            uid,
            gid,
            ctime: Some(sb.now()),
            ..SetAttr::default()
        })
    }

    /// `utimensat(2)`: both `Now` (or a NULL `times`) needs ownership or write permission
    /// (EACCES); anything else needs ownership (EPERM). ctime becomes now unless both are
    /// `Omit`, in which case nothing is checked or changed.
    pub fn set_times(&self, cred: &Cred, atime: SetTime, mtime: SetTime) -> KResult<()> {
        if atime == SetTime::Omit && mtime == SetTime::Omit {
            return Ok(());
        }
        let sb = self.superblock();
        sb.check_writable()?;
        let _ns = sb.namespace.lock();
        let m = self.metadata();
        if !cred.owns(&m) {
            if atime == SetTime::Now && mtime == SetTime::Now {
                access(&m, cred, MAY_WRITE)?;
            } else {
                return Err(Errno::EPERM);
            }
        }
        let now = sb.now();
        let pick = |t: SetTime| match t {
            SetTime::Omit => None,
            SetTime::Now => Some(now),
            SetTime::At(ts) => Some(ts),
        };
        self.ops().setattr(&SetAttr {
            atime: pick(atime),
            mtime: pick(mtime),
            ctime: Some(now),
            ..SetAttr::default()
        })
    }

    /// Sets a regular file's size (`truncate(2)`, `ftruncate(2)`, `O_TRUNC`): growth reads
    /// back as zeros; mtime and ctime become now, even when the size does not change (as on
    /// Linux's tmpfs). No permission check (the caller's): EISDIR for a directory, EINVAL for
    /// other non-regular files, EROFS, EFBIG beyond the size limit.
    pub fn truncate(&self, len: u64) -> KResult<()> {
        match self.file_type() {
            FileType::Regular => {}
            FileType::Directory => return Err(Errno::EISDIR),
            _ => return Err(Errno::EINVAL),
        }
        let sb = self.superblock();
        sb.check_writable()?;
        let _ns = sb.namespace.lock();
        let now = sb.now();
        self.ops().setattr(&SetAttr {
            size: Some(len),
            mtime: Some(now),
            ctime: Some(now),
            ..SetAttr::default()
        })
    }

    /// Records an access now, by the mount's atime rule (see [`crate::Superblock::atime_due`])
    /// (reading a directory; file systems record reads of their files themselves).
    pub fn touch_atime(&self) {
        let sb = self.superblock();
        if !sb.updates_atime(self.is_dir()) {
            return;
        }
        let now = sb.now();
        if sb.atime_due(&self.metadata(), now, self.is_dir()) {
            let _ = self.ops().setattr(&SetAttr {
                atime: Some(now),
                ..SetAttr::default()
            });
        }
    }
}

//! Attribute changes on inodes: `chmod`, `chown`, `utimensat`, with Linux's permission
//! rules (owner or root; set-ID bits cleared as `notify_change` does).
//!
//! Locking: each takes the inode's lock once.

use keel_abi::{Errno, KResult};

use crate::consts::{MAY_WRITE, S_IALLUGO, S_IFDIR, S_IFMT, S_ISGID, S_ISUID};
use crate::cred::{access, Cred};
use crate::inode::{Inode, Timespec};

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
        let now = self.sb.now();
        let mut st = self.lock();
        if !cred.owns(&st.meta) {
            return Err(Errno::EPERM);
        }
        let mut mode = mode & S_IALLUGO;
        if !cred.is_root() && !cred.in_group(st.meta.gid) {
            mode &= !S_ISGID;
        }
        st.meta.mode = (st.meta.mode & S_IFMT) | mode;
        st.meta.ctime = now;
        Ok(())
    }

    /// `chown(2)`: `None` leaves an id. Only root changes the owner; the owner may change the
    /// group to one of its groups; EPERM otherwise. Clears set-user-ID (and set-group-ID when
    /// group-executable) on non-directories, as Linux does.
    pub fn chown(&self, cred: &Cred, uid: Option<u32>, gid: Option<u32>) -> KResult<()> {
        let now = self.sb.now();
        let mut st = self.lock();
        let m = &mut st.meta;
        if !cred.is_root() {
            let uid_ok = uid.is_none_or(|u| u == m.uid);
            let gid_ok = gid.is_none_or(|g| g == m.gid || (cred.uid == m.uid && cred.in_group(g)));
            if cred.uid != m.uid || !uid_ok || !gid_ok {
                return Err(Errno::EPERM);
            }
        }
        if (uid.is_some() || gid.is_some()) && m.mode & S_IFMT != S_IFDIR {
            m.mode &= !S_ISUID;
            if m.mode & 0o010 != 0 {
                m.mode &= !S_ISGID;
            }
        }
        if let Some(u) = uid {
            m.uid = u;
        }
        if let Some(g) = gid {
            m.gid = g;
        }
        m.ctime = now;
        Ok(())
    }

    /// `utimensat(2)`: explicit times need ownership (EPERM); `Now` for both needs ownership
    /// or write permission (EACCES). ctime becomes now unless both are `Omit`.
    pub fn set_times(&self, cred: &Cred, atime: SetTime, mtime: SetTime) -> KResult<()> {
        let now = self.sb.now();
        let mut st = self.lock();
        let explicit = matches!(atime, SetTime::At(_)) || matches!(mtime, SetTime::At(_));
        if !cred.owns(&st.meta) {
            if explicit {
                return Err(Errno::EPERM);
            }
            access(&st.meta, cred, MAY_WRITE)?;
        }
        if atime == SetTime::Omit && mtime == SetTime::Omit {
            return Ok(());
        }
        let pick = |t: SetTime, old: Timespec| match t {
            SetTime::Omit => old,
            SetTime::Now => now,
            SetTime::At(ts) => ts,
        };
        st.meta.atime = pick(atime, st.meta.atime);
        st.meta.mtime = pick(mtime, st.meta.mtime);
        st.meta.ctime = now;
        Ok(())
    }
}

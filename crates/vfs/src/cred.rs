//! Credentials and the classic Unix permission check (`generic_permission` without ACLs).
//!
//! [`Cred`] is what a file-system operation acts as: the caller's filesystem uid/gid (the
//! effective ids in Keel, which has no separate fsuid yet) and supplementary groups. Root
//! (`uid == 0`) bypasses read and write checks, and execute checks when any execute bit is set
//! or the inode is a directory, as Linux's `CAP_DAC_OVERRIDE` does.

use alloc::vec::Vec;

use keel_abi::{Errno, KResult};

use crate::consts::{MAY_EXEC, MAY_READ, MAY_WRITE, S_IFDIR, S_IFMT};
use crate::inode::Metadata;

/// The identity a file-system operation runs as.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Cred {
    /// Filesystem user id.
    pub uid: u32,
    /// Filesystem group id.
    pub gid: u32,
    /// Supplementary groups.
    pub groups: Vec<u32>,
}

impl Cred {
    /// The superuser.
    pub fn root() -> Cred {
        Cred::default()
    }

    /// An ordinary user with no supplementary groups.
    pub fn user(uid: u32, gid: u32) -> Cred {
        Cred {
            uid,
            gid,
            groups: Vec::new(),
        }
    }

    /// Whether this identity bypasses permission checks (uid 0).
    pub fn is_root(&self) -> bool {
        self.uid == 0
    }

    /// Whether `gid` is the primary or a supplementary group.
    pub fn in_group(&self, gid: u32) -> bool {
        self.gid == gid || self.groups.contains(&gid)
    }

    /// Whether this identity owns an inode with `meta` (or is root): needed for chmod, utimes
    /// with explicit times, and deleting from a sticky directory.
    pub fn owns(&self, meta: &Metadata) -> bool {
        self.is_root() || self.uid == meta.uid
    }
}

/// Checks that `cred` may access an inode with `meta` for `want` (a mask of `MAY_READ`,
/// `MAY_WRITE`, `MAY_EXEC`): the owner class if the uid matches, else the group class if a
/// group matches, else others. EACCES otherwise.
pub fn access(meta: &Metadata, cred: &Cred, want: u32) -> KResult<()> {
    let want = want & (MAY_READ | MAY_WRITE | MAY_EXEC);
    if cred.is_root() {
        let is_dir = meta.mode & S_IFMT == S_IFDIR;
        if want & MAY_EXEC == 0 || is_dir || meta.mode & 0o111 != 0 {
            return Ok(());
        }
        return Err(Errno::EACCES);
    }
    let class = if cred.uid == meta.uid {
        (meta.mode >> 6) & 7
    } else if cred.in_group(meta.gid) {
        (meta.mode >> 3) & 7
    } else {
        meta.mode & 7
    };
    if class & want == want {
        Ok(())
    } else {
        Err(Errno::EACCES)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::consts::S_IFREG;

    fn meta(mode: u32, uid: u32, gid: u32) -> Metadata {
        Metadata {
            mode,
            uid,
            gid,
            ..Metadata::default()
        }
    }

    #[test]
    fn owner_class_is_used_even_when_others_have_more() {
        let m = meta(S_IFREG | 0o077, 1000, 1000);
        assert_eq!(
            access(&m, &Cred::user(1000, 1000), MAY_READ),
            Err(Errno::EACCES),
            "owner bits are 0"
        );
        assert_eq!(
            access(&m, &Cred::user(1001, 5), MAY_READ),
            Ok(()),
            "others may read"
        );
    }

    #[test]
    fn supplementary_group_grants_group_class() {
        let m = meta(S_IFREG | 0o640, 0, 42);
        let c = Cred {
            uid: 7,
            gid: 7,
            groups: alloc::vec![42],
        };
        assert_eq!(access(&m, &c, MAY_READ), Ok(()), "group 42 may read");
        assert_eq!(
            access(&m, &c, MAY_WRITE),
            Err(Errno::EACCES),
            "group may not write"
        );
    }

    #[test]
    fn root_bypasses_rw_but_needs_some_exec_bit_on_files() {
        let m = meta(S_IFREG, 5, 5);
        assert_eq!(
            access(&m, &Cred::root(), MAY_READ | MAY_WRITE),
            Ok(()),
            "root reads mode 000"
        );
        assert_eq!(
            access(&m, &Cred::root(), MAY_EXEC),
            Err(Errno::EACCES),
            "no x bit at all"
        );
        let d = meta(S_IFDIR, 5, 5);
        assert_eq!(
            access(&d, &Cred::root(), MAY_EXEC),
            Ok(()),
            "root searches any dir"
        );
    }
}

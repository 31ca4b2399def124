//! Creating names, whatever the file system: files, directories, device nodes, FIFOs,
//! sockets, symlinks, hard links and `O_TMPFILE` files, with Linux's rules and in Linux's
//! order (`filename_create`, `may_create`, `vfs_mknod`, `vfs_link`): EEXIST for any existing
//! name (a dangling symlink included), then EROFS, then ENOENT in a removed directory, then
//! EACCES without write and search permission on the directory. Set-group-ID directories pass
//! their group (and, to subdirectories, the bit) on.
//!
//! Locking: `Superblock::namespace` around the checks and the file system's operation.

use alloc::sync::Arc;

use keel_abi::{Errno, KResult};

use crate::consts::{FileType, MAY_EXEC, MAY_WRITE, PATH_MAX, S_IFDIR, S_IFLNK, S_IFMT};
use crate::consts::{S_IFREG, S_ISGID};
use crate::cred::{access, Cred};
use crate::dir::check_name;
use crate::inode::{Inode, NewNode};

impl Inode {
    /// Linux's `may_create` on this directory: ENOENT if it was removed, EACCES without write
    /// and search permission.
    pub(crate) fn may_create(&self, cred: &Cred) -> KResult<()> {
        if self.is_dead() {
            return Err(Errno::ENOENT);
        }
        access(&self.metadata(), cred, MAY_WRITE | MAY_EXEC)
    }

    /// Whether `name` exists here (EEXIST for create), as the file system says.
    fn name_taken(self: &Arc<Self>, name: &[u8]) -> KResult<bool> {
        match self.child(name) {
            Ok(_) => Ok(true),
            Err(Errno::ENOENT) => Ok(false),
            Err(e) => Err(e),
        }
    }

    /// The owner and mode of a new inode made here by `cred`: the directory's group and, for
    /// directories, its set-group-ID bit when it is set-group-ID; a set-group-ID bit the
    /// creator could not set on a group-executable file is dropped (Linux's
    /// `inode_init_owner` and `mode_strip_sgid`).
    fn new_owner(&self, cred: &Cred, mode: u32) -> (u32, u32, u32) {
        let dm = self.metadata();
        if dm.mode & S_ISGID == 0 {
            return (cred.uid, cred.gid, mode);
        }
        let mut mode = mode;
        if mode & S_IFMT == S_IFDIR {
            mode |= S_ISGID;
        } else if mode & (S_ISGID | 0o010) == S_ISGID | 0o010
            && !cred.in_group(dm.gid)
            && !cred.is_root()
        {
            mode &= !S_ISGID;
        }
        (cred.uid, dm.gid, mode)
    }

    /// Creates `name` with `mode` (type bits included) owned by `cred`. EEXIST if the name
    /// exists, EACCES without write+search permission, ENOENT in a removed directory, EROFS on
    /// a read-only mount.
    pub(crate) fn create_node(
        self: &Arc<Self>,
        cred: &Cred,
        name: &[u8],
        mode: u32,
        rdev: u64,
        target: &[u8],
    ) -> KResult<Arc<Inode>> {
        self.dir_check()?;
        if name == b"." || name == b".." || name.is_empty() {
            return Err(Errno::EEXIST);
        }
        check_name(name)?;
        FileType::from_mode(mode).ok_or(Errno::EINVAL)?;
        let sb = self.superblock().clone();
        let _ns = sb.namespace.lock();
        if self.name_taken(name)? {
            return Err(Errno::EEXIST);
        }
        sb.check_writable()?;
        self.may_create(cred)?;
        if matches!(
            mode & S_IFMT,
            crate::consts::S_IFCHR | crate::consts::S_IFBLK
        ) && !cred.is_root()
        {
            return Err(Errno::EPERM);
        }
        let (uid, gid, mode) = self.new_owner(cred, mode);
        let node = NewNode {
            mode,
            uid,
            gid,
            rdev,
            target,
        };
        self.ops().create(self, name, &node)
    }

    /// Creates an empty regular file (`open(O_CREAT)`); `mode` holds permission bits only.
    pub fn create_file(
        self: &Arc<Self>,
        cred: &Cred,
        name: &[u8],
        mode: u32,
    ) -> KResult<Arc<Inode>> {
        self.create_node(cred, name, S_IFREG | (mode & 0o7777), 0, &[])
    }

    /// `mkdir(2)`; `mode` holds permission bits only.
    pub fn mkdir(self: &Arc<Self>, cred: &Cred, name: &[u8], mode: u32) -> KResult<Arc<Inode>> {
        self.create_node(cred, name, S_IFDIR | (mode & 0o7777), 0, &[])
    }

    /// `mknod(2)`: type bits 0 mean a regular file; directories are EPERM and symlinks or
    /// unknown types EINVAL (Linux's `may_mknod`, before anything else); device nodes need
    /// root (EPERM, after the directory's checks).
    pub fn mknod(
        self: &Arc<Self>,
        cred: &Cred,
        name: &[u8],
        mode: u32,
        rdev: u64,
    ) -> KResult<Arc<Inode>> {
        let mode = check_mknod_mode(mode)?;
        let rdev = match FileType::from_mode(mode) {
            Some(FileType::CharDevice | FileType::BlockDevice) => rdev,
            _ => 0,
        };
        self.create_node(cred, name, mode, rdev, &[])
    }

    /// `symlink(2)`: ENOENT for an empty target, ENAMETOOLONG for one of `PATH_MAX` or more.
    pub fn symlink(
        self: &Arc<Self>,
        cred: &Cred,
        name: &[u8],
        target: &[u8],
    ) -> KResult<Arc<Inode>> {
        if target.is_empty() {
            return Err(Errno::ENOENT);
        }
        if target.len() >= PATH_MAX {
            return Err(Errno::ENAMETOOLONG);
        }
        self.create_node(cred, name, S_IFLNK | 0o777, 0, target)
    }

    /// An `O_TMPFILE` file: a regular file without a name in this directory's file system;
    /// `linkable` lets `linkat` name it later (no `O_EXCL`). EOPNOTSUPP if the file system
    /// cannot.
    pub fn create_tmpfile(
        self: &Arc<Self>,
        cred: &Cred,
        mode: u32,
        linkable: bool,
    ) -> KResult<Arc<Inode>> {
        self.dir_check()?;
        let sb = self.superblock().clone();
        sb.check_writable()?;
        let _ns = sb.namespace.lock();
        self.may_create(cred)?;
        let (uid, gid, mode) = self.new_owner(cred, S_IFREG | (mode & 0o7777));
        let node = NewNode {
            mode,
            uid,
            gid,
            rdev: 0,
            target: &[],
        };
        let f = self.ops().create_tmpfile(self, &node)?;
        f.set_linkable(linkable);
        Ok(f)
    }

    /// `link(2)`: a new name for `target`, in Linux's order: EEXIST if the name exists, EXDEV
    /// across file systems, EACCES on the directory, EPERM for a directory, ENOENT if `target`
    /// has no links left (unless it is a linkable `O_TMPFILE` file).
    pub fn link(self: &Arc<Self>, cred: &Cred, name: &[u8], target: &Arc<Inode>) -> KResult<()> {
        self.dir_check()?;
        if name == b"." || name == b".." || name.is_empty() {
            return Err(Errno::EEXIST);
        }
        check_name(name)?;
        let sb = self.superblock().clone();
        let _ns = sb.namespace.lock();
        if self.name_taken(name)? {
            return Err(Errno::EEXIST);
        }
        sb.check_writable()?;
        if !self.same_fs(target) {
            return Err(Errno::EXDEV);
        }
        self.may_create(cred)?;
        if target.is_dir() {
            return Err(Errno::EPERM);
        }
        if target.metadata().nlink == 0 && !target.linkable() {
            return Err(Errno::ENOENT);
        }
        self.ops().link(self, name, target)?;
        target.set_linkable(false);
        Ok(())
    }
}

/// Linux's `may_mknod`: the mode `mknod` creates (type 0 is a regular file), EPERM for a
/// directory, EINVAL for a symlink or an unknown type.
pub fn check_mknod_mode(mode: u32) -> KResult<u32> {
    let mode = if mode & S_IFMT == 0 {
        mode | S_IFREG
    } else {
        mode
    };
    match FileType::from_mode(mode) {
        Some(FileType::Directory) => Err(Errno::EPERM),
        Some(FileType::Symlink) | None => Err(Errno::EINVAL),
        Some(_) => Ok(mode),
    }
}

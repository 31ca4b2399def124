//! Creating names in a tmpfs directory: files, directories, device nodes, FIFOs, sockets,
//! symlinks (`create_node` and its wrappers) and hard links. Linux's rules: EEXIST for any
//! existing name (a dangling symlink included), write and search permission on the directory,
//! set-group-ID directories pass their group (and, to subdirectories, the bit) on.
//!
//! Locking: `Superblock::namespace`, then one inode lock at a time.

use crate::filedata::FileData;
use alloc::sync::Arc;
use alloc::vec::Vec;

use keel_abi::{Errno, KResult};

use crate::consts::{FileType, PATH_MAX, S_IFDIR, S_IFLNK, S_IFMT, S_ISGID};
use crate::cred::Cred;
use crate::dir::{check_name, DirData, NewContent};
use crate::inode::{Body, Inode};

impl Inode {
    /// Creates `name` with `mode` (type bits included) owned by `cred`; the group is the
    /// directory's when it is set-group-ID (new directories inherit the bit). EEXIST if the
    /// name exists, EACCES without write+search permission, ENOENT in a removed directory.
    pub(crate) fn create_node(
        self: &Arc<Self>,
        cred: &Cred,
        name: &[u8],
        mode: u32,
        rdev: u64,
        content: NewContent<'_>,
    ) -> KResult<Arc<Inode>> {
        self.dir_check()?;
        if name == b"." || name == b".." || name.is_empty() {
            return Err(Errno::EEXIST);
        }
        check_name(name)?;
        let ftype = FileType::from_mode(mode).ok_or(Errno::EINVAL)?;
        let _ns = self.sb.namespace.lock();
        let (gid, mode) = {
            let st = self.lock();
            self.may_modify(&st, cred)?;
            let Body::Dir(d) = &st.body else {
                return Err(Errno::ENOTDIR);
            };
            if d.get(name).is_some() {
                return Err(Errno::EEXIST);
            }
            if st.meta.mode & S_ISGID != 0 {
                let keep = if ftype == FileType::Directory {
                    S_ISGID
                } else {
                    0
                };
                (st.meta.gid, mode | keep)
            } else {
                (cred.gid, mode)
            }
        };
        let body = match (ftype, content) {
            (FileType::Directory, _) => Body::Dir(DirData::new(Arc::downgrade(self))),
            (FileType::Regular, _) => Body::Regular(FileData::default()),
            (FileType::Symlink, NewContent::Symlink(t)) => Body::Symlink(t.to_vec()),
            (FileType::Symlink, NewContent::Empty) => Body::Symlink(Vec::new()),
            _ => Body::Special,
        };
        let node = Inode::new(&self.sb, mode, cred.uid, gid, rdev, body);
        let now = self.sb.now();
        let mut st = self.lock();
        if let Body::Dir(d) = &mut st.body {
            d.insert(name, node.clone());
        }
        if ftype == FileType::Directory {
            st.meta.nlink += 1;
        }
        st.meta.mtime = now;
        st.meta.ctime = now;
        Ok(node)
    }

    /// Creates an empty regular file (`open(O_CREAT)`); `mode` holds permission bits only.
    pub fn create_file(
        self: &Arc<Self>,
        cred: &Cred,
        name: &[u8],
        mode: u32,
    ) -> KResult<Arc<Inode>> {
        self.create_node(
            cred,
            name,
            crate::consts::S_IFREG | (mode & 0o7777),
            0,
            NewContent::Empty,
        )
    }

    /// `mkdir(2)`; `mode` holds permission bits only.
    pub fn mkdir(self: &Arc<Self>, cred: &Cred, name: &[u8], mode: u32) -> KResult<Arc<Inode>> {
        self.create_node(cred, name, S_IFDIR | (mode & 0o7777), 0, NewContent::Empty)
    }

    /// `mknod(2)`: type bits 0 mean a regular file; directories and symlinks are EPERM/EINVAL
    /// as on Linux; device nodes need root (EPERM).
    pub fn mknod(
        self: &Arc<Self>,
        cred: &Cred,
        name: &[u8],
        mode: u32,
        rdev: u64,
    ) -> KResult<Arc<Inode>> {
        let mode = if mode & S_IFMT == 0 {
            mode | crate::consts::S_IFREG
        } else {
            mode
        };
        match FileType::from_mode(mode) {
            Some(FileType::Directory) => Err(Errno::EPERM),
            Some(FileType::Symlink) | None => Err(Errno::EINVAL),
            Some(FileType::CharDevice | FileType::BlockDevice) if !cred.is_root() => {
                Err(Errno::EPERM)
            }
            Some(t) => {
                let rdev = if matches!(t, FileType::CharDevice | FileType::BlockDevice) {
                    rdev
                } else {
                    0
                };
                self.create_node(cred, name, mode, rdev, NewContent::Empty)
            }
        }
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
        self.create_node(cred, name, S_IFLNK | 0o777, 0, NewContent::Symlink(target))
    }

    /// `link(2)`: a new name for `target`. EPERM for a directory, EXDEV across file systems,
    /// ENOENT if `target` has no links left, EEXIST if the name exists.
    pub fn link(self: &Arc<Self>, cred: &Cred, name: &[u8], target: &Arc<Inode>) -> KResult<()> {
        self.dir_check()?;
        if name == b"." || name == b".." || name.is_empty() {
            return Err(Errno::EEXIST);
        }
        check_name(name)?;
        if target.is_dir() {
            return Err(Errno::EPERM);
        }
        if !self.same_fs(target) {
            return Err(Errno::EXDEV);
        }
        let _ns = self.sb.namespace.lock();
        let now = self.sb.now();
        {
            let st = self.lock();
            self.may_modify(&st, cred)?;
            let Body::Dir(d) = &st.body else {
                return Err(Errno::ENOTDIR);
            };
            if d.get(name).is_some() {
                return Err(Errno::EEXIST);
            }
        }
        {
            let mut t = target.lock();
            if t.meta.nlink == 0 {
                return Err(Errno::ENOENT);
            }
            t.meta.nlink += 1;
            t.meta.ctime = now;
        }
        let mut st = self.lock();
        if let Body::Dir(d) = &mut st.body {
            d.insert(name, target.clone());
        }
        st.meta.mtime = now;
        st.meta.ctime = now;
        Ok(())
    }
}

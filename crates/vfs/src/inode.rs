//! The VFS inode and the per-file-system inode interface.
//!
//! An [`Inode`] is what the rest of the kernel holds (`Arc<Inode>`: in directories' caches,
//! open files, the cwd): a number, a [`FileType`], the [`Superblock`] of its file system, the
//! file system's own part behind [`InodeOps`], and the state the VFS keeps for every inode
//! whatever its file system (what is mounted on it, its advisory locks, whether it was
//! removed). Permission rules live in the VFS (`create.rs`, `remove.rs`, `rename.rs`,
//! `attr.rs`), so a file system implements only the mechanics.
//!
//! Locking: `mounted` and the flags are leaves; [`InodeOps`] implementations keep their own
//! locks beneath `Superblock::namespace`.

use alloc::boxed::Box;
use alloc::sync::Arc;
use alloc::vec::Vec;
use core::any::Any;
use core::sync::atomic::{AtomicU32, Ordering};

use keel_abi::{Errno, KResult};
use spin::Mutex;

use crate::consts::{FileType, NAME_MAX, S_IALLUGO, S_IFMT};
use crate::cred::{access, Cred};
use crate::dir::{DirEntry, DirFile};
use crate::file::FileOps;
use crate::fs::Superblock;
use crate::locks::FileLocks;

/// A point in time, as `struct timespec` (seconds and nanoseconds since the epoch).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Timespec {
    /// Seconds.
    pub sec: i64,
    /// Nanoseconds, below 1e9.
    pub nsec: u32,
}

impl Timespec {
    /// A timespec from `(sec, nsec)`.
    pub const fn new(sec: i64, nsec: u32) -> Timespec {
        Timespec { sec, nsec }
    }
}

/// The wall clock the file system stamps times with; the kernel supplies it. Any
/// `Fn() -> (i64, u32) + Send + Sync` closure is a clock.
pub trait Clock: Send + Sync {
    /// The current real time.
    fn now(&self) -> Timespec;
}

impl<F: Fn() -> (i64, u32) + Send + Sync> Clock for F {
    fn now(&self) -> Timespec {
        let (sec, nsec) = self();
        Timespec { sec, nsec }
    }
}

/// What `stat(2)` reports about an inode (the kernel converts it to `struct stat`/`statx`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Metadata {
    /// Device of the file system (`st_dev`).
    pub dev: u64,
    /// Inode number.
    pub ino: u64,
    /// Type bits (`S_IF*`) and permission bits.
    pub mode: u32,
    /// Number of hard links (2 + subdirectories for a directory).
    pub nlink: u32,
    /// Owner.
    pub uid: u32,
    /// Group.
    pub gid: u32,
    /// Device number of a device node ([`crate::makedev`] encoding), else 0.
    pub rdev: u64,
    /// Size in bytes (symlink: target length).
    pub size: u64,
    /// Preferred I/O size.
    pub blksize: u32,
    /// Allocated 512-byte blocks.
    pub blocks: u64,
    /// Last access.
    pub atime: Timespec,
    /// Last content modification.
    pub mtime: Timespec,
    /// Last status change.
    pub ctime: Timespec,
}

/// Attribute changes the VFS has permitted, for [`InodeOps::setattr`]; `None` leaves a field.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct SetAttr {
    /// Permission bits (`S_IALLUGO`); the type bits never change.
    pub mode: Option<u32>,
    /// Owner.
    pub uid: Option<u32>,
    /// Group.
    pub gid: Option<u32>,
    /// Size of a regular file (truncate): growth reads back as zeros.
    pub size: Option<u64>,
    /// Access time.
    pub atime: Option<Timespec>,
    /// Modification time.
    pub mtime: Option<Timespec>,
    /// Status-change time.
    pub ctime: Option<Timespec>,
}

/// What [`InodeOps::create`] makes: type and permission bits, owner (already decided by the
/// VFS: the caller's fsuid, the directory's group under set-group-ID), device number, and the
/// target of a symlink.
#[derive(Clone, Copy, Debug)]
pub struct NewNode<'a> {
    /// Type bits (never 0) and permission bits.
    pub mode: u32,
    /// Owner.
    pub uid: u32,
    /// Group.
    pub gid: u32,
    /// Device number for device nodes, else 0.
    pub rdev: u64,
    /// Symlink target (empty for other types).
    pub target: &'a [u8],
}

/// Where a symlink leads, for the path walk.
pub enum LinkTarget {
    /// A path, walked from the symlink's directory (or the root if absolute).
    Path(Vec<u8>),
    /// An inode directly, as `/proc/self/fd/N` and `/proc/PID/cwd` lead ("magic links").
    Inode(Arc<Inode>),
}

/// What a file system implements for each of its inodes (Linux's `inode_operations`, plus
/// `open`, which returns the [`FileOps`] of the new open file).
///
/// The VFS calls these after its own checks (type, permissions, sticky bits, read-only mounts,
/// mount points, `.`/`..`), with `Superblock::namespace` held for the operations that change
/// the tree or attributes; an implementation must not block there. Defaults suit a
/// non-directory that cannot be changed: directory operations ENOTDIR, changes EPERM.
/// `dir` or `inode` arguments are the VFS inode that wraps `self`.
pub trait InodeOps: Any + Send + Sync {
    /// Current attributes. The VFS overrides `dev`, `ino` and the type bits of `mode`, so an
    /// implementation may leave them 0.
    fn getattr(&self) -> Metadata;

    /// Applies attribute changes (chmod, chown, utimes, truncate) the VFS has permitted. A
    /// size change on a non-regular file is EINVAL; EFBIG/ENOSPC as the file system's limits
    /// say.
    fn setattr(&self, change: &SetAttr) -> KResult<()> {
        let _ = change;
        Err(Errno::EPERM)
    }

    /// Looks `name` (never `.`, `..` or empty) up in this directory: ENOENT if missing.
    fn lookup(&self, dir: &Arc<Inode>, name: &[u8]) -> KResult<Arc<Inode>> {
        let _ = (dir, name);
        Err(Errno::ENOTDIR)
    }

    /// The parent directory; `None` for the file system's root (whose `..` the VFS resolves
    /// through the mount) and for non-directories.
    fn parent(&self) -> Option<Arc<Inode>> {
        None
    }

    /// Calls `emit` for each entry from `cookie` on, `.` (cookie 0) and `..` (cookie 1) first,
    /// until it returns false; an entry's `next` is the cookie to resume after it. A removed
    /// directory lists nothing.
    fn readdir(
        &self,
        dir: &Inode,
        cookie: u64,
        emit: &mut dyn FnMut(DirEntry) -> bool,
    ) -> KResult<()> {
        let _ = (dir, cookie, emit);
        Err(Errno::ENOTDIR)
    }

    /// Whether a directory has no entries besides `.` and `..` (rmdir, rename over it).
    fn is_empty_dir(&self) -> bool {
        true
    }

    /// Creates `name` in this directory as `node` says (files, directories, device nodes,
    /// FIFOs, sockets, symlinks) and updates the directory's times. The VFS has checked that
    /// the name is free and may be created.
    fn create(&self, dir: &Arc<Inode>, name: &[u8], node: &NewNode<'_>) -> KResult<Arc<Inode>> {
        let _ = (dir, name, node);
        Err(Errno::EPERM)
    }

    /// An unnamed regular file in this directory's file system (`O_TMPFILE`), with no links.
    fn create_tmpfile(&self, dir: &Arc<Inode>, node: &NewNode<'_>) -> KResult<Arc<Inode>> {
        let _ = (dir, node);
        Err(Errno::EOPNOTSUPP)
    }

    /// Adds `name` for `target` (same file system, not a directory) and counts the link.
    fn link(&self, dir: &Arc<Inode>, name: &[u8], target: &Arc<Inode>) -> KResult<()> {
        let _ = (dir, name, target);
        Err(Errno::EPERM)
    }

    /// Removes `name`, which is `victim` (unlink or rmdir; for rmdir the VFS has checked the
    /// directory is empty), dropping the victim's link count and updating times.
    fn unlink(&self, dir: &Arc<Inode>, name: &[u8], victim: &Arc<Inode>) -> KResult<()> {
        let _ = (dir, name, victim);
        Err(Errno::EPERM)
    }

    /// Moves `old_name` here to `new_name` in `new_dir` (same file system), replacing what is
    /// there (the VFS has checked types, emptiness and ancestry), or swapping the two with
    /// `RENAME_EXCHANGE`. Fixes link counts, parents of moved directories and times.
    fn rename(
        &self,
        dir: &Arc<Inode>,
        old_name: &[u8],
        new_dir: &Arc<Inode>,
        new_name: &[u8],
        flags: u32,
    ) -> KResult<()> {
        let _ = (dir, old_name, new_dir, new_name, flags);
        Err(Errno::EPERM)
    }

    /// A symlink's target (`readlink(2)`); EINVAL for other inodes.
    fn readlink(&self) -> KResult<Vec<u8>> {
        Err(Errno::EINVAL)
    }

    /// Where the walk goes through this symlink: by default its target path.
    fn follow_link(&self) -> KResult<LinkTarget> {
        self.readlink().map(LinkTarget::Path)
    }

    /// The operations of a new open file for this regular file or directory (device nodes
    /// and FIFOs go to the kernel's `DeviceRegistry` instead). `flags` are `open`'s. By
    /// default a directory gets the generic [`DirFile`] over [`InodeOps::readdir`] and
    /// anything else ENXIO.
    fn open(&self, inode: &Arc<Inode>, flags: u32) -> KResult<Arc<dyn FileOps>> {
        let _ = flags;
        if inode.is_dir() {
            Ok(Arc::new(DirFile::new(inode.clone())))
        } else {
            Err(Errno::ENXIO)
        }
    }

    /// Reads content at `off` without an open file (execve, mmap copies): 0 at the end; EISDIR
    /// for a directory, EINVAL for inodes without content.
    fn read_at(&self, off: u64, buf: &mut [u8]) -> KResult<usize> {
        let _ = (off, buf);
        Err(Errno::EINVAL)
    }

    /// Writes content at `off` (the end if `append`) without an open file (initrd unpacking);
    /// returns the bytes written and the offset after them.
    fn write_at(&self, off: u64, buf: &[u8], append: bool) -> KResult<(usize, u64)> {
        let _ = (off, buf, append);
        Err(Errno::EINVAL)
    }
}

/// The inode was removed (a deleted directory: nothing may be created in it).
const DEAD: u32 = 1;
/// An `O_TMPFILE` file that `linkat` may give a name although it has no links.
const LINKABLE: u32 = 2;

/// A file-system object as the VFS holds it.
pub struct Inode {
    ino: u64,
    ftype: FileType,
    sb: Arc<Superblock>,
    ops: Box<dyn InodeOps>,
    flags: AtomicU32,
    /// The root of the file system mounted on this directory, if any.
    mounted: Mutex<Option<Arc<Inode>>>,
    /// Advisory locks (`flock`, `fcntl`).
    pub(crate) locks: FileLocks,
}

impl Inode {
    /// A new inode of `sb` numbered `ino` (see [`Superblock::alloc_ino`]), of type `ftype`,
    /// whose file-system part is `ops`.
    pub fn new(
        sb: &Arc<Superblock>,
        ino: u64,
        ftype: FileType,
        ops: Box<dyn InodeOps>,
    ) -> Arc<Inode> {
        Arc::new(Inode {
            ino,
            ftype,
            sb: sb.clone(),
            ops,
            flags: AtomicU32::new(0),
            mounted: Mutex::new(None),
            locks: FileLocks::default(),
        })
    }

    /// Inode number.
    pub fn ino(&self) -> u64 {
        self.ino
    }

    /// File type (fixed for the inode's life).
    pub fn file_type(&self) -> FileType {
        self.ftype
    }

    /// Whether this is a directory.
    pub fn is_dir(&self) -> bool {
        self.ftype == FileType::Directory
    }

    /// Whether both inodes belong to the same file system (else EXDEV for link/rename).
    pub fn same_fs(&self, other: &Inode) -> bool {
        Arc::ptr_eq(&self.sb, &other.sb)
    }

    /// The file system this inode belongs to.
    pub fn superblock(&self) -> &Arc<Superblock> {
        &self.sb
    }

    /// The file system's part.
    pub fn ops(&self) -> &dyn InodeOps {
        &*self.ops
    }

    /// The file system's part as its concrete type, if it is a `T`.
    pub fn ops_as<T: InodeOps>(&self) -> Option<&T> {
        (&*self.ops as &dyn Any).downcast_ref::<T>()
    }

    /// Whether this directory was removed.
    pub fn is_dead(&self) -> bool {
        self.flags.load(Ordering::Acquire) & DEAD != 0
    }

    pub(crate) fn set_dead(&self) {
        self.flags.fetch_or(DEAD, Ordering::AcqRel);
    }

    pub(crate) fn linkable(&self) -> bool {
        self.flags.load(Ordering::Acquire) & LINKABLE != 0
    }

    pub(crate) fn set_linkable(&self, on: bool) {
        if on {
            self.flags.fetch_or(LINKABLE, Ordering::AcqRel);
        } else {
            self.flags.fetch_and(!LINKABLE, Ordering::AcqRel);
        }
    }

    /// A snapshot of the metadata, with the VFS's identity fields.
    pub fn metadata(&self) -> Metadata {
        let mut m = self.ops.getattr();
        m.dev = self.sb.dev();
        m.ino = self.ino;
        m.mode = (m.mode & S_IALLUGO) | self.ftype.mode_bits();
        if m.blksize == 0 {
            m.blksize = 4096;
        }
        m
    }

    /// The target of a symlink; EINVAL for any other inode (as `readlink(2)`).
    pub fn read_link(&self) -> KResult<Vec<u8>> {
        self.ops.readlink()
    }

    /// Reads content at `off` (execve, mmap); 0 at or past the end. EISDIR for a directory.
    pub fn read_at(&self, off: u64, buf: &mut [u8]) -> KResult<usize> {
        if self.is_dir() {
            return Err(Errno::EISDIR);
        }
        self.ops.read_at(off, buf)
    }

    /// Writes `buf` at `off` (or at the end if `append`), zero-filling any gap. Returns the
    /// bytes written and the offset after them.
    pub fn write_at(&self, off: u64, buf: &[u8], append: bool) -> KResult<(usize, u64)> {
        if self.is_dir() {
            return Err(Errno::EISDIR);
        }
        self.ops.write_at(off, buf, append)
    }

    /// Checks `want` (`MAY_*`) for `cred` against the current mode (EACCES).
    pub fn check_access(&self, cred: &Cred, want: u32) -> KResult<()> {
        access(&self.metadata(), cred, want)
    }

    /// Looks `name` up in this directory, without crossing mounts (the walker does that).
    /// ENOTDIR if this is not a directory, ENAMETOOLONG beyond `NAME_MAX`, ENOENT if missing.
    pub fn child(self: &Arc<Self>, name: &[u8]) -> KResult<Arc<Inode>> {
        self.dir_check()?;
        if name.len() > NAME_MAX {
            return Err(Errno::ENAMETOOLONG);
        }
        if name.is_empty() || name == b"." || name == b".." {
            return Err(Errno::ENOENT);
        }
        self.ops.lookup(self, name)
    }

    /// The parent directory in this file system; `None` for a file system's root.
    pub fn parent_dir(&self) -> Option<Arc<Inode>> {
        self.ops.parent()
    }

    /// Calls `f` for each entry whose cookie is `>= cookie`, in cookie order, `.` and `..`
    /// first, until `f` returns false. ENOTDIR for non-directories.
    pub fn read_dir(&self, cookie: u64, mut f: impl FnMut(DirEntry) -> bool) -> KResult<()> {
        self.dir_check()?;
        self.ops.readdir(self, cookie, &mut f)
    }

    pub(crate) fn dir_check(&self) -> KResult<()> {
        if self.is_dir() {
            Ok(())
        } else {
            Err(Errno::ENOTDIR)
        }
    }

    /// The root of the file system mounted on this directory, if any.
    pub fn mounted(&self) -> Option<Arc<Inode>> {
        self.mounted.lock().clone()
    }

    pub(crate) fn set_mounted(&self, root: Option<Arc<Inode>>) -> Option<Arc<Inode>> {
        core::mem::replace(&mut *self.mounted.lock(), root)
    }

    /// Whether this inode is the root of its file system (no parent of its own).
    pub fn is_fs_root(&self) -> bool {
        self.is_dir() && self.ops.parent().is_none()
    }

    /// What the walk finds at this inode: the root of the topmost file system mounted on it,
    /// or itself.
    pub fn cross_mounts(self: &Arc<Self>) -> Arc<Inode> {
        let mut cur = self.clone();
        while let Some(next) = cur.mounted() {
            cur = next;
        }
        cur
    }

    /// Where `..` leads from here within the mount tree: the parent directory, or for the
    /// root of a mounted file system the parent of its mount point (repeatedly); `None` at the
    /// root of the root file system.
    pub fn dotdot(self: &Arc<Self>) -> Option<Arc<Inode>> {
        let mut cur = self.clone();
        loop {
            if let Some(p) = cur.parent_dir() {
                return Some(p);
            }
            cur = cur.sb.mountpoint()?;
        }
    }

    /// The mode's type bits.
    pub fn type_bits(&self) -> u32 {
        self.ftype.mode_bits() & S_IFMT
    }
}

/// The relatime rule (Linux's `relatime_need_update`): an access time is recorded when it is
/// not newer than the last modification or status change, or is a day old.
pub fn relatime_due(m: &Metadata, now: Timespec) -> bool {
    m.atime <= m.mtime || m.atime <= m.ctime || now.sec.saturating_sub(m.atime.sec) >= 24 * 3600
}

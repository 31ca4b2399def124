//! Keel's VFS core: the file-system interface, a tmpfs, mounts, the path walk, open file
//! descriptions, advisory locks and fd tables.
//!
//! Pure logic, `no_std` and free of `unsafe`, so the whole file-system model is tested on the
//! host (`cargo test -p keel-vfs`); the kernel's `fs` layer wraps it with user copies, blocking
//! and the syscall decoding. Layers, bottom up:
//!
//! - [`consts`]: Linux numbers (`S_IF*`, `O_*`, `SEEK_*`, `POLL*`, `F_*`, `MS_*`, `LOCK_*`).
//! - [`Cred`] and [`access`]: who acts, and the Unix permission check.
//! - The interface a file system implements (`fs.rs`, `inode.rs`): [`FileSystemType`]
//!   (what `mount -t NAME` makes instances of), [`FileSystem`] (one instance: statfs,
//!   options), [`InodeOps`] (per inode: getattr/setattr, lookup, readdir, create, link,
//!   unlink, rename, readlink/follow_link, open, read_at/write_at) and [`FileOps`] (per open
//!   file: read, write, seek, ioctl, poll, getdents...). The VFS wraps them in [`Superblock`]
//!   and [`Inode`], which hold what every file system shares: device and inode numbers, the
//!   clock, mount flags, mount links, locks.
//! - The rules (`create.rs`, `remove.rs`, `rename.rs`, `attr.rs`): permissions, sticky
//!   directories, read-only mounts, types, mount points, in Linux's order, so a file system
//!   implements only mechanics.
//! - [`tmpfs`]: the in-memory file system (the root and every `mount -t tmpfs`).
//! - [`resolve`]/[`lookup`]/[`lookup_parent`] (`path.rs`): the walk, with `.`, `..`, symlinks,
//!   mount crossings and Linux's errors, from a [`LookupCtx`] (root, cwd or dirfd, credentials).
//! - [`FileOps`] and [`OpenFile`] (`file.rs`): what an open file does, and the shared open
//!   file description (flags, offset); [`DirFile`], the open directory of any file system.
//! - Advisory locks (`locks.rs`): `flock(2)` locks per open file description, POSIX record
//!   locks per fd table or open file description.
//! - [`Vfs`] (`vfs.rs`, `open.rs`, `mount.rs`, `install.rs`): the namespace: the root file
//!   system, the mount table and the registered types, the kernel's [`DeviceRegistry`],
//!   `open` and the path-level operations, and [`Vfs::install`] for the initrd.
//! - [`FdTable`] (`fdtable.rs`): per-process descriptors, close-on-exec, dup/fcntl.
//!
//! # Writing a file system (procfs, devfs, devpts)
//!
//! 1. Implement [`FileSystem`] for the instance (at least `type_name` and `statfs` with the
//!    type's magic number) and make a [`Superblock`] with [`Superblock::new`] (an
//!    [`anon_dev`] device number, the kernel's clock, the first inode number).
//! 2. Implement [`InodeOps`] for each kind of inode and wrap each in an [`Inode`] with
//!    [`Inode::new`]. A synthetic directory answers `lookup` and `readdir` from whatever it
//!    lists (`/proc`: the processes), returning the cookies it likes (`.` is 0, `..` is 1); its
//!    root's `parent` is `None` (the VFS crosses the mount). A file whose content is made on
//!    read returns its own [`FileOps`] from `open` (generate the text at open or at first
//!    read, then serve reads from that buffer, as Linux's `seq_file`). A symlink answers
//!    `readlink`, and `follow_link` with [`LinkTarget::Inode`] to be a magic link
//!    (`/proc/self/fd/N`). Device nodes need no code: a `S_IFCHR` inode with its `rdev` is
//!    opened through the kernel's [`DeviceRegistry`], whatever file system holds it (devfs can
//!    even be a tmpfs instance made with [`tmpfs::TmpfsType::instance`] and filled with nodes).
//!    Inodes may be made afresh on each lookup; those whose identity must last (a directory
//!    something can be mounted on, a file whose `flock` locks must hold) should be cached,
//!    since mounts and locks belong to the `Inode` object.
//! 3. Implement [`FileSystemType`] (`name`, `mount` making a new instance) and register it with
//!    [`Vfs::register_fs`]; `mount -t NAME` then works, and the kernel can mount an instance at
//!    boot with [`Vfs::attach`]. Permission checks, `EROFS`, `..` across the mount, statfs's
//!    fsid and flags, and `/proc/mounts` ([`Vfs::mounts`], [`MountInfo::options`]) come from
//!    the VFS.
//!
//! Everything is in `tests/synthetic.rs`, a small procfs-like file system.
//!
//! # Plugging in the kernel
//!
//! The kernel implements [`Clock`] (or passes a closure returning `(sec, nsec)`) and
//! [`DeviceRegistry`] (mapping `rdev` to a driver's `Arc<dyn FileOps>`, e.g. 5:1 to the console,
//! and FIFO inodes to pipes), builds one [`Vfs`], unpacks the initrd with [`Vfs::install`], and
//! gives PID 1 an [`FdTable`] with `/dev/console` opened on fds 0-2.
//!
//! # Locking
//!
//! All locks are short `spin` locks and nothing here sleeps or copies user memory, which is
//! how STYLE.md's sleeping-mutex rule is met. Lock order: `Superblock::namespace` -> a file
//! system's inode locks (tmpfs: one `TmpfsNode::state` at a time); `OpenFile::pos` ->
//! the inode's locks (an [`OpenFile`] calls its `FileOps` under the offset lock);
//! `Vfs::mounts`, `FdTable::inner`, an inode's lock lists and `Inode::mounted` are leaves.
//! [`DeviceRegistry`] calls are made with no lock held, so the kernel may block there (FIFO
//! opens wait for the other end).
#![no_std]
#![forbid(unsafe_code)]

extern crate alloc;

mod attr;
pub mod consts;
mod create;
mod cred;
mod dir;
mod fdtable;
mod file;
mod fs;
mod inode;
mod install;
mod locks;
mod mount;
mod open;
mod path;
mod remove;
mod rename;
pub mod tmpfs;
mod vfs;

pub use attr::SetTime;
pub use consts::{major, makedev, minor, new_encode_dev, FileType};
pub use create::check_mknod_mode;
pub use cred::{access, Cred};
pub use dir::{DirEntry, DirFile, FIRST_COOKIE};
pub use fdtable::{FdTable, DEFAULT_NOFILE, NR_OPEN};
pub use file::{seek_in, write_dirent64, FileOps, Observer, OpenFile, Pollee, ReadRule};
pub use fs::{anon_dev, FileSystem, FileSystemType, Superblock};
pub use inode::{
    relatime_due, Clock, Inode, InodeOps, LinkTarget, Metadata, NewNode, SetAttr, Timespec,
};
pub use install::InstallContent;
pub use keel_abi::mount::StatFs;
pub use locks::{FlockOp, LockOwner, LockRange, RecordLock};
pub use mount::MountInfo;
pub use open::{DeviceKind, DeviceRegistry, NoDevices};
pub use path::{lookup, lookup_parent, resolve, LookupCtx, Resolved};
pub use rename::check_rename_flags;
pub use tmpfs::{RegularFile, TmpfsConfig};
pub use vfs::Vfs;

/// `O_PATH` handles (which also stand for a symlink opened with `O_PATH | O_NOFOLLOW`): every
/// I/O method keeps its default; `OpenFile` answers EBADF first.
pub struct PathFile;

impl FileOps for PathFile {}

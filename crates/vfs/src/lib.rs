//! Keel's VFS core: inodes, a tmpfs, the path walk, open file descriptions and fd tables.
//!
//! Pure logic, `no_std` and free of `unsafe`, so the whole file-system model is tested on the
//! host (`cargo test -p keel-vfs`); the kernel's `fs` layer wraps it with user copies, blocking
//! and the syscall decoding. Layers, bottom up:
//!
//! - [`consts`]: Linux numbers (`S_IF*`, `O_*`, `SEEK_*`, `POLL*`, `F_*`) and `dev_t` helpers.
//! - [`Cred`] and [`access`]: who acts, and the Unix permission check.
//! - [`Inode`] (`inode.rs`): number, type, [`Metadata`], file data; a [`Superblock`] per file
//!   system holds the [`Clock`], the byte budget ([`TmpfsConfig`]) and the namespace lock.
//! - Directories (`dir.rs`, `rename.rs`): entries with stable `readdir` cookies; create, mkdir,
//!   mknod, symlink, link, unlink, rmdir, rename as `Inode` methods that check permissions.
//! - [`resolve`]/[`lookup`]/[`lookup_parent`] (`path.rs`): the walk, with `.`, `..`, symlinks
//!   and Linux's errors, from a [`LookupCtx`] (root, cwd or dirfd, credentials).
//! - [`FileOps`] and [`OpenFile`] (`file.rs`): what an open file does, and the shared open
//!   file description (flags, offset); tmpfs implementations in `tmpfs_file.rs`.
//! - [`Vfs`] (`vfs.rs`, `open.rs`, `install.rs`): the root tmpfs, the kernel's
//!   [`DeviceRegistry`], `open` and the path-level operations, and [`Vfs::install`] for the
//!   initrd.
//! - [`FdTable`] (`fdtable.rs`): per-process descriptors, close-on-exec, dup/fcntl.
//!
//! Plugging in: the kernel implements [`Clock`] (or passes a closure returning
//! `(sec, nsec)`) and [`DeviceRegistry`] (mapping `rdev` to a driver's `Arc<dyn FileOps>`,
//! e.g. 5:1 to the console), builds one [`Vfs`], unpacks the initrd with [`Vfs::install`]
//! (including `/dev/console` as `Device(makedev(5, 1))`), and gives PID 1 an [`FdTable`] with
//! `/dev/console` opened on fds 0-2.
//!
//! Locking: all locks are short `spin` locks; no call blocks or copies user memory, and none
//! calls out of the crate with a lock held except [`OpenFile`] calling its `FileOps` under the
//! offset lock. The sleeping-mutex rule of STYLE.md is satisfied because nothing here sleeps.
//! Lock order: `Superblock::namespace -> OpenFile::pos -> Inode::state` (one `Inode::state`
//! at a time); `FdTable::inner` is a leaf.
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
mod filedata;
mod inode;
mod install;
mod open;
mod path;
mod rename;
mod tmpfs_file;
mod vfs;

pub use attr::SetTime;
pub use consts::{major, makedev, minor, new_encode_dev, FileType};
pub use cred::{access, Cred};
pub use dir::{DirEntry, FIRST_COOKIE};
pub use fdtable::{FdTable, DEFAULT_NOFILE, NR_OPEN};
pub use file::{seek_in, write_dirent64, FileOps, Observer, OpenFile, Pollee};
pub use inode::{Clock, Inode, Metadata, Superblock, Timespec, TmpfsConfig};
pub use install::InstallContent;
pub use open::{DeviceKind, DeviceRegistry, NoDevices};
pub use path::{lookup, lookup_parent, resolve, LookupCtx, Resolved};
pub use tmpfs_file::{DirFile, PathFile, RegularFile};
pub use vfs::Vfs;

//! `openat(2)` semantics (<https://man7.org/linux/man-pages/man2/open.2.html>) and the
//! [`DeviceRegistry`] through which the kernel supplies device and FIFO files.
//!
//! Opening a regular file or directory yields the ops its file system's
//! [`crate::InodeOps::open`] gives; opening a character or block device node asks the registry for the driver's [`FileOps`] by `rdev`
//! (ENXIO if none); a FIFO asks the registry too (the kernel owns pipes); a socket node is
//! ENXIO, as on Linux.

use alloc::sync::Arc;

use keel_abi::{Errno, KResult};

use crate::consts::*;
use crate::file::{FileOps, OpenFile};
use crate::inode::Inode;
use crate::path::{resolve, LookupCtx};
use crate::vfs::Vfs;
use crate::PathFile;

/// Character or block device.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DeviceKind {
    /// `S_IFCHR`
    Char,
    /// `S_IFBLK`
    Block,
}

/// The kernel's drivers, as the VFS sees them.
pub trait DeviceRegistry: Send + Sync {
    /// Opens device `rdev` (a [`makedev`] value) with open `flags`; ENXIO if no driver has it.
    fn open_device(&self, kind: DeviceKind, rdev: u64, flags: u32) -> KResult<Arc<dyn FileOps>>;

    /// Opens a FIFO inode (the kernel keeps one pipe per FIFO inode). ENXIO by default.
    fn open_fifo(&self, inode: &Arc<Inode>, flags: u32) -> KResult<Arc<dyn FileOps>> {
        let _ = (inode, flags);
        Err(Errno::ENXIO)
    }
}

/// A registry without drivers: every device is ENXIO.
pub struct NoDevices;

impl DeviceRegistry for NoDevices {
    fn open_device(&self, _kind: DeviceKind, _rdev: u64, _flags: u32) -> KResult<Arc<dyn FileOps>> {
        Err(Errno::ENXIO)
    }
}

impl Vfs {
    /// `openat(2)`: walks `path` in `ctx` and returns a new open file description (the caller
    /// installs it in the fd table, honouring `O_CLOEXEC`), which remembers the directory and
    /// name it was opened by ([`OpenFile::origin`]). A created file gets
    /// `mode & !umask`. Errors as Linux: EEXIST (`O_CREAT|O_EXCL`, which never follows a final
    /// symlink), EISDIR (writing, truncating or `O_CREAT` on a directory, or `O_CREAT` with a
    /// trailing slash), ENOTDIR (`O_DIRECTORY`), ELOOP (`O_NOFOLLOW` on a symlink), EINVAL
    /// (`O_CREAT|O_DIRECTORY`, `O_TMPFILE` without write access or with `O_CREAT`), EROFS,
    /// EACCES, ENXIO (no driver), EOPNOTSUPP (`O_TMPFILE` where the file system cannot).
    pub fn open(
        &self,
        ctx: &LookupCtx<'_>,
        path: &[u8],
        flags: u32,
        mode: u32,
        umask: u32,
    ) -> KResult<Arc<OpenFile>> {
        let flags = if flags & O_PATH != 0 {
            flags & (O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)
        } else {
            flags
        };
        if flags & O_TMPFILE == O_TMPFILE {
            return self.open_tmpfile(ctx, path, flags, mode & !umask);
        }
        let creat = flags & O_CREAT != 0;
        if creat && flags & O_DIRECTORY != 0 {
            return Err(Errno::EINVAL);
        }
        let follow = flags & O_NOFOLLOW == 0 && !(creat && flags & O_EXCL != 0);
        let r = resolve(ctx, path, follow)?;
        let origin = (r.parent.clone(), r.name.clone());
        let (inode, created) = if creat {
            if r.must_be_dir {
                return Err(Errno::EISDIR);
            }
            match r.inode {
                Some(_) if flags & O_EXCL != 0 => return Err(Errno::EEXIST),
                Some(i) if i.is_dir() => return Err(Errno::EISDIR),
                Some(i) => (i, false),
                None if r.is_special_name() => return Err(Errno::EISDIR),
                None => (
                    r.parent
                        .create_file(ctx.cred, &r.name, mode & !umask & 0o7777)?,
                    true,
                ),
            }
        } else {
            (r.into_inode()?, false)
        };
        let f = self.open_inode(ctx, inode, flags, created)?;
        f.set_origin(origin.0, origin.1);
        Ok(f)
    }

    /// `open(O_TMPFILE)`: an unnamed regular file in the directory `path`.
    fn open_tmpfile(
        &self,
        ctx: &LookupCtx<'_>,
        path: &[u8],
        flags: u32,
        mode: u32,
    ) -> KResult<Arc<OpenFile>> {
        let acc = flags & O_ACCMODE;
        if flags & O_CREAT != 0 || (acc != O_WRONLY && acc != O_RDWR) {
            return Err(Errno::EINVAL);
        }
        let dir = resolve(ctx, path, true)?.into_inode()?;
        dir.dir_check()?;
        dir.superblock().check_writable()?;
        let f = dir.create_tmpfile(ctx.cred, mode, flags & O_EXCL == 0)?;
        let ops = f.ops().open(&f, flags)?;
        Ok(OpenFile::new(
            ops,
            Some(f),
            (flags & !O_TMPFILE) | O_LARGEFILE,
        ))
    }

    /// Opens an inode already found (the tail of `open`, also for re-opening through
    /// `/proc/self/fd`). `created` skips the permission check, as Linux does for a file this
    /// very `open` created. Linux's `may_open` and `vfs_open`: ELOOP for a symlink, EISDIR for
    /// writing a directory, EACCES for a device on a `nodev` mount, EROFS, EACCES, EPERM for
    /// `O_NOATIME` on someone else's file; devices and FIFOs come from the registry (which may
    /// block: no lock is held), sockets are ENXIO.
    pub fn open_inode(
        &self,
        ctx: &LookupCtx<'_>,
        inode: Arc<Inode>,
        flags: u32,
        created: bool,
    ) -> KResult<Arc<OpenFile>> {
        let ftype = inode.file_type();
        if ftype == FileType::Symlink {
            if flags & O_PATH != 0 {
                return Ok(OpenFile::new(Arc::new(PathFile), Some(inode), flags));
            }
            return Err(Errno::ELOOP);
        }
        if flags & O_DIRECTORY != 0 && ftype != FileType::Directory {
            return Err(Errno::ENOTDIR);
        }
        if flags & O_PATH != 0 {
            return Ok(OpenFile::new(Arc::new(PathFile), Some(inode), flags));
        }
        let acc = flags & O_ACCMODE;
        let mut want = 0;
        if acc != O_WRONLY {
            want |= MAY_READ;
        }
        if acc != O_RDONLY || flags & O_TRUNC != 0 {
            want |= MAY_WRITE;
        }
        let sb = inode.superblock().clone();
        match ftype {
            FileType::Directory if want & MAY_WRITE != 0 => return Err(Errno::EISDIR),
            FileType::CharDevice | FileType::BlockDevice if !sb.allows_devices() => {
                return Err(Errno::EACCES)
            }
            FileType::Regular | FileType::Directory if want & MAY_WRITE != 0 => {
                sb.check_writable()?
            }
            _ => {}
        }
        let meta = inode.metadata();
        if !created {
            crate::cred::access(&meta, ctx.cred, want)?;
        }
        if flags & O_NOATIME != 0 && !ctx.cred.owns(&meta) {
            return Err(Errno::EPERM);
        }
        let ops: Arc<dyn FileOps> = match ftype {
            FileType::Regular | FileType::Directory => {
                if ftype == FileType::Regular && flags & O_TRUNC != 0 && !created {
                    inode.truncate(0)?;
                }
                inode.ops().open(&inode, flags)?
            }
            FileType::CharDevice | FileType::BlockDevice => {
                let kind = if ftype == FileType::CharDevice {
                    DeviceKind::Char
                } else {
                    DeviceKind::Block
                };
                self.devices.open_device(kind, meta.rdev, flags)?
            }
            FileType::Fifo => self.devices.open_fifo(&inode, flags)?,
            FileType::Socket | FileType::Symlink => return Err(Errno::ENXIO),
        };
        Ok(OpenFile::new(ops, Some(inode), flags | O_LARGEFILE))
    }
}

//! [`Vfs`]: the root tmpfs plus the device registry, and the path-level operations the
//! syscall layer calls (`mkdirat`, `mknodat`, `symlinkat`, `linkat`, `unlinkat`, `renameat2`,
//! `readlinkat`, `fstatat`; `openat` is in `open.rs`, initrd unpacking in `install.rs`).
//!
//! Each operation walks with `path.rs`, applies Linux's rules for the final component (`.`,
//! `..`, `/`, a trailing slash), then calls the inode-level operation in `dir.rs` or
//! `rename.rs`, which rechecks everything under the namespace lock.

use alloc::string::String;
use alloc::sync::Arc;
use alloc::vec::Vec;

use keel_abi::{Errno, KResult};
use spin::Mutex;

use crate::consts::S_IFMT;
use crate::cred::Cred;
use crate::fs::{FileSystemType, Superblock};
use crate::inode::{Clock, Inode, Metadata};
use crate::mount::Mount;
use crate::open::DeviceRegistry;
use crate::path::{lookup, lookup_parent, LookupCtx, Resolved};
use crate::tmpfs::{MemoryGuard, TmpfsConfig, TmpfsType};

/// The file-system namespace: a root file system (a tmpfs) with others mounted on it, the
/// file-system types `mount(2)` knows, and the kernel's device registry.
pub struct Vfs {
    pub(crate) root: Arc<Inode>,
    pub(crate) devices: Arc<dyn DeviceRegistry>,
    /// The mount table, in mount order; the root mount first.
    pub(crate) mounts: Mutex<Vec<Mount>>,
    pub(crate) types: Mutex<Vec<Arc<dyn FileSystemType>>>,
    tmpfs: Arc<TmpfsType>,
}

/// A final component that is to be created: `.`, `..` or `/` already exist (EEXIST), so does
/// an existing name (even a dangling symlink); a trailing slash on a missing name is ENOENT
/// unless a directory is being made (Linux's `filename_create`).
fn for_create(r: Resolved, making_dir: bool) -> KResult<(Arc<Inode>, Vec<u8>)> {
    if r.is_special_name() || r.inode.is_some() {
        return Err(Errno::EEXIST);
    }
    if r.must_be_dir && !making_dir {
        return Err(Errno::ENOENT);
    }
    Ok((r.parent, r.name))
}

impl Vfs {
    /// A namespace whose root is a fresh tmpfs directory (mode 0755, owned by root), with the
    /// "tmpfs" type registered (its instances default to `config`'s limits). `clock` stamps
    /// every time; `devices` opens device nodes and FIFOs.
    pub fn new(
        config: TmpfsConfig,
        clock: Arc<dyn Clock>,
        devices: Arc<dyn DeviceRegistry>,
    ) -> Vfs {
        let tmpfs = Arc::new(TmpfsType::new(clock, config));
        let root = tmpfs.instance(config, 0o755, 0, 0);
        // Like Linux's rootfs, the root is mounted without relatime: every read records the
        // access time.
        root.superblock().set_flags(0);
        if let Some(fs) = root.superblock().fs_as::<crate::tmpfs::Tmpfs>() {
            // Mounted without options, as Linux's rootfs (its mode is the initrd's business).
            fs.set_root_options(0o1777, 0, 0);
        }
        let mounts = alloc::vec![Mount {
            root: root.clone(),
            mountpoint: None,
            source: b"rootfs".to_vec(),
            fstype: String::from("rootfs"),
            expiring: false,
        }];
        Vfs {
            root,
            devices,
            mounts: Mutex::new(mounts),
            types: Mutex::new(alloc::vec![tmpfs.clone() as Arc<dyn FileSystemType>]),
            tmpfs,
        }
    }

    /// The root directory.
    pub fn root(&self) -> &Arc<Inode> {
        &self.root
    }

    /// The root file system's superblock (usage counters).
    pub fn superblock(&self) -> &Arc<Superblock> {
        self.root.superblock()
    }

    /// The tmpfs type (to make instances directly, e.g. for devfs).
    pub fn tmpfs(&self) -> &Arc<TmpfsType> {
        &self.tmpfs
    }

    /// Installs the guard every tmpfs asks before taking a new page (see [`MemoryGuard`]);
    /// it applies to the root and to every later tmpfs.
    pub fn set_memory_guard(&self, guard: MemoryGuard) {
        self.tmpfs.set_memory_guard(guard.clone());
        if let Some(fs) = self.root.superblock().fs_as::<crate::tmpfs::Tmpfs>() {
            fs.set_guard(guard);
        }
    }

    /// A walk context with the namespace root as both root and cwd.
    pub fn ctx<'a>(&'a self, cred: &'a Cred) -> LookupCtx<'a> {
        LookupCtx {
            root: &self.root,
            cwd: &self.root,
            cred,
        }
    }

    /// `mkdirat(2)`: `mode & !umask` permission bits. EEXIST if anything has the name.
    pub fn mkdir(
        &self,
        ctx: &LookupCtx<'_>,
        path: &[u8],
        mode: u32,
        umask: u32,
    ) -> KResult<Arc<Inode>> {
        let (dir, name) = for_create(lookup_parent(ctx, path)?, true)?;
        dir.mkdir(ctx.cred, &name, mode & !umask & 0o7777)
    }

    /// `mknodat(2)`: `mode` carries the type bits (0 = regular); permission bits are masked
    /// by `umask`. A directory type is EPERM and a symlink or unknown type EINVAL before the
    /// path is walked, as Linux's `may_mknod`.
    pub fn mknod(
        &self,
        ctx: &LookupCtx<'_>,
        path: &[u8],
        mode: u32,
        rdev: u64,
        umask: u32,
    ) -> KResult<Arc<Inode>> {
        let mode = crate::create::check_mknod_mode(mode)?;
        let (dir, name) = for_create(lookup_parent(ctx, path)?, false)?;
        dir.mknod(
            ctx.cred,
            &name,
            (mode & S_IFMT) | (mode & !umask & 0o7777),
            rdev,
        )
    }

    /// `symlinkat(2)`: a symlink at `path` containing `target` (not checked to exist).
    pub fn symlink(&self, ctx: &LookupCtx<'_>, target: &[u8], path: &[u8]) -> KResult<Arc<Inode>> {
        let (dir, name) = for_create(lookup_parent(ctx, path)?, false)?;
        dir.symlink(ctx.cred, &name, target)
    }

    /// `linkat(2)`: `new_path` (walked in `new_ctx`) becomes a name for what `old_path` names
    /// (walked in `old_ctx`, following a final symlink only with `AT_SYMLINK_FOLLOW`).
    pub fn link(
        &self,
        old_ctx: &LookupCtx<'_>,
        old_path: &[u8],
        new_ctx: &LookupCtx<'_>,
        new_path: &[u8],
        follow: bool,
    ) -> KResult<()> {
        let target = lookup(old_ctx, old_path, follow)?;
        self.link_inode(&target, new_ctx, new_path)
    }

    /// `linkat(AT_EMPTY_PATH)` and the tail of [`Vfs::link`]: `new_path` becomes a name for
    /// `target`.
    pub fn link_inode(
        &self,
        target: &Arc<Inode>,
        new_ctx: &LookupCtx<'_>,
        new_path: &[u8],
    ) -> KResult<()> {
        let (dir, name) = for_create(lookup_parent(new_ctx, new_path)?, false)?;
        dir.link(new_ctx.cred, &name, target)
    }

    /// `unlinkat(2)` without `AT_REMOVEDIR`: EISDIR for a directory (and for `/`, `.`, `..`),
    /// ENOTDIR for `file/`.
    pub fn unlink(&self, ctx: &LookupCtx<'_>, path: &[u8]) -> KResult<()> {
        let r = lookup_parent(ctx, path)?;
        if r.is_special_name() {
            return Err(Errno::EISDIR);
        }
        r.parent.superblock().check_writable()?;
        let inode = r.inode.as_ref().ok_or(Errno::ENOENT)?;
        if r.must_be_dir {
            return Err(if inode.is_dir() {
                Errno::EISDIR
            } else {
                Errno::ENOTDIR
            });
        }
        r.parent.unlink(ctx.cred, &r.name)
    }

    /// `rmdir(2)` / `unlinkat(AT_REMOVEDIR)`: EBUSY for `/`, EINVAL for `.`, ENOTEMPTY for
    /// `..` or a non-empty directory, ENOTDIR for a non-directory.
    pub fn rmdir(&self, ctx: &LookupCtx<'_>, path: &[u8]) -> KResult<()> {
        let r = lookup_parent(ctx, path)?;
        match r.name.as_slice() {
            b"" => return Err(Errno::EBUSY),
            b"." => return Err(Errno::EINVAL),
            b".." => return Err(Errno::ENOTEMPTY),
            _ => {}
        }
        r.parent.superblock().check_writable()?;
        if r.inode.is_none() {
            return Err(Errno::ENOENT);
        }
        r.parent.rmdir(ctx.cred, &r.name)
    }

    /// `renameat2(2)`: EXDEV across file systems, then EBUSY for `/`, `.` or `..` on either
    /// side; the rest (trailing slashes included) is [`Inode::rename`]'s.
    pub fn rename(
        &self,
        old_ctx: &LookupCtx<'_>,
        old_path: &[u8],
        new_ctx: &LookupCtx<'_>,
        new_path: &[u8],
        flags: u32,
    ) -> KResult<()> {
        crate::rename::check_rename_flags(flags, old_ctx.cred)?;
        let old = lookup_parent(old_ctx, old_path)?;
        let new = lookup_parent(new_ctx, new_path)?;
        if !old.parent.same_fs(&new.parent) {
            return Err(Errno::EXDEV);
        }
        if old.is_special_name() || new.is_special_name() {
            return Err(Errno::EBUSY);
        }
        old.parent.rename_checked(
            old_ctx.cred,
            &old.name,
            &new.parent,
            &new.name,
            flags,
            (old.must_be_dir, new.must_be_dir),
        )
    }

    /// `readlinkat(2)`: the target of the symlink at `path` (EINVAL if it is not one).
    pub fn readlink(&self, ctx: &LookupCtx<'_>, path: &[u8]) -> KResult<Vec<u8>> {
        lookup(ctx, path, false)?.read_link()
    }

    /// `fstatat(2)`: metadata of what `path` names, following a final symlink if `follow`.
    pub fn stat(&self, ctx: &LookupCtx<'_>, path: &[u8], follow: bool) -> KResult<Metadata> {
        Ok(lookup(ctx, path, follow)?.metadata())
    }
}

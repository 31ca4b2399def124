//! [`Vfs`]: the root tmpfs plus the device registry, and the path-level operations the
//! syscall layer calls (`mkdirat`, `mknodat`, `symlinkat`, `linkat`, `unlinkat`, `renameat2`,
//! `readlinkat`, `fstatat`; `openat` is in `open.rs`, initrd unpacking in `install.rs`).
//!
//! Each operation walks with `path.rs`, applies Linux's rules for the final component (`.`,
//! `..`, `/`, a trailing slash), then calls the inode-level operation in `dir.rs` or
//! `rename.rs`, which rechecks everything under the namespace lock.

use alloc::sync::Arc;
use alloc::vec::Vec;

use keel_abi::{Errno, KResult};

use crate::consts::S_IFMT;
use crate::cred::Cred;
use crate::dir::DirData;
use crate::inode::{Body, Clock, Inode, Metadata, Superblock, TmpfsConfig};
use crate::open::DeviceRegistry;
use crate::path::{lookup, lookup_parent, LookupCtx, Resolved};

/// The file-system namespace: one tmpfs mounted at `/`.
pub struct Vfs {
    pub(crate) sb: Arc<Superblock>,
    pub(crate) root: Arc<Inode>,
    pub(crate) devices: Arc<dyn DeviceRegistry>,
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
    /// A namespace whose root is a fresh tmpfs directory (mode 0755, owned by root).
    /// `clock` stamps every time; `devices` opens device nodes and FIFOs.
    pub fn new(
        config: TmpfsConfig,
        clock: Arc<dyn Clock>,
        devices: Arc<dyn DeviceRegistry>,
    ) -> Vfs {
        let sb = Arc::new(Superblock::new(config, clock));
        let root = Inode::new(
            &sb,
            crate::consts::S_IFDIR | 0o755,
            0,
            0,
            0,
            Body::Dir(DirData::new(alloc::sync::Weak::new())),
        );
        Vfs { sb, root, devices }
    }

    /// The root directory.
    pub fn root(&self) -> &Arc<Inode> {
        &self.root
    }

    /// The root file system's superblock (usage counters).
    pub fn superblock(&self) -> &Arc<Superblock> {
        &self.sb
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
    /// by `umask`.
    pub fn mknod(
        &self,
        ctx: &LookupCtx<'_>,
        path: &[u8],
        mode: u32,
        rdev: u64,
        umask: u32,
    ) -> KResult<Arc<Inode>> {
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
        if target.is_dir() {
            return Err(Errno::EPERM);
        }
        let (dir, name) = for_create(lookup_parent(new_ctx, new_path)?, false)?;
        dir.link(new_ctx.cred, &name, &target)
    }

    /// `unlinkat(2)` without `AT_REMOVEDIR`: EISDIR for a directory (and for `/`, `.`, `..`),
    /// ENOTDIR for `file/`.
    pub fn unlink(&self, ctx: &LookupCtx<'_>, path: &[u8]) -> KResult<()> {
        let r = lookup_parent(ctx, path)?;
        if r.is_special_name() {
            return Err(Errno::EISDIR);
        }
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
        if r.name.is_empty() {
            return Err(Errno::EBUSY);
        }
        if !r.is_special_name() && r.inode.is_none() {
            return Err(Errno::ENOENT);
        }
        r.parent.rmdir(ctx.cred, &r.name)
    }

    /// `renameat2(2)`: EBUSY for `/`, `.` or `..` on either side; ENOTDIR when a trailing
    /// slash is on a non-directory source; the rest is [`Inode::rename`].
    pub fn rename(
        &self,
        old_ctx: &LookupCtx<'_>,
        old_path: &[u8],
        new_ctx: &LookupCtx<'_>,
        new_path: &[u8],
        flags: u32,
    ) -> KResult<()> {
        let old = lookup_parent(old_ctx, old_path)?;
        let new = lookup_parent(new_ctx, new_path)?;
        if old.is_special_name() || new.is_special_name() {
            return Err(Errno::EBUSY);
        }
        let src = old.inode.as_ref().ok_or(Errno::ENOENT)?;
        if !src.is_dir() && (old.must_be_dir || new.must_be_dir) {
            return Err(Errno::ENOTDIR);
        }
        old.parent
            .rename(old_ctx.cred, &old.name, &new.parent, &new.name, flags)
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

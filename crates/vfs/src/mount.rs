//! The mount table: `mount(2)` (new mounts, `MS_REMOUNT`, `MS_MOVE`, propagation changes),
//! `umount2(2)` (busy checks, `MNT_DETACH`, `MNT_EXPIRE`), the table `/proc/mounts` shows, and
//! the path of a directory through the mounts (getcwd).
//!
//! A mount joins a directory (the mount point) to the root of a file-system instance: the
//! mount point's [`Inode::mounted`] leads down, the instance's [`Superblock::mountpoint`] leads
//! back up, and the path walk follows both. Each instance is mounted once (there are no bind
//! mounts), so per-mount flags live in its superblock. Errors follow Linux's `path_mount` and
//! `path_umount`, in order: the walk's errors, EPERM without privilege, then EINVAL, ENODEV,
//! ENOTDIR and EBUSY.
//!
//! Locking: `Vfs::mounts` is taken alone, after the walk; a file-system type's `mount` runs
//! without it.

use alloc::string::String;
use alloc::sync::Arc;
use alloc::vec::Vec;

use keel_abi::{Errno, KResult};

use crate::consts::*;
use crate::fs::{FileSystemType, Superblock};
use crate::inode::Inode;
use crate::path::{lookup, LookupCtx};
use crate::vfs::Vfs;

/// One entry of the mount table.
pub(crate) struct Mount {
    /// Root of the mounted instance.
    pub(crate) root: Arc<Inode>,
    /// The directory it is mounted on (`None` for the root mount).
    pub(crate) mountpoint: Option<Arc<Inode>>,
    /// `mount`'s source argument ("none", "proc", a device path).
    pub(crate) source: Vec<u8>,
    /// The type name it was mounted with.
    pub(crate) fstype: String,
    /// Marked by a first `MNT_EXPIRE`.
    pub(crate) expiring: bool,
}

/// One mount as `/proc/mounts` shows it.
pub struct MountInfo {
    /// `mount`'s source argument.
    pub source: Vec<u8>,
    /// Where it is mounted, from the caller's root.
    pub path: Vec<u8>,
    /// File-system type.
    pub fstype: String,
    /// Root of the mounted instance (its superblock has the flags, dev and statfs).
    pub root: Arc<Inode>,
}

impl MountInfo {
    /// The options column of `/proc/mounts`: `rw`/`ro`, the per-mount flags, then the file
    /// system's own options, as Linux's `show_vfsmnt` writes them.
    pub fn options(&self) -> String {
        let sb = self.root.superblock();
        let f = sb.flags();
        let mut s = String::from(if f & MS_RDONLY != 0 { "ro" } else { "rw" });
        for (bit, name) in [
            (MS_SYNCHRONOUS, ",sync"),
            (MS_DIRSYNC, ",dirsync"),
            (MS_LAZYTIME, ",lazytime"),
            (MS_NOSUID, ",nosuid"),
            (MS_NODEV, ",nodev"),
            (MS_NOEXEC, ",noexec"),
            (MS_NOATIME, ",noatime"),
            (MS_NODIRATIME, ",nodiratime"),
            (MS_RELATIME, ",relatime"),
            (MS_NOSYMFOLLOW, ",nosymfollow"),
        ] {
            if f & bit != 0 {
                s.push_str(name);
            }
        }
        let own = sb.fs().options();
        if !own.is_empty() {
            s.push(',');
            s.push_str(&own);
        }
        s
    }
}

/// The per-mount flags a mount with `flags` gets: relatime unless noatime or strictatime,
/// as Linux's `path_mount`.
fn mount_flags(flags: u64) -> u64 {
    let mut f = flags & MS_PER_MOUNT;
    if flags & MS_NOATIME == 0 {
        f |= MS_RELATIME;
    }
    if flags & MS_STRICTATIME != 0 {
        f &= !(MS_RELATIME | MS_NOATIME | MS_STRICTATIME);
    }
    f
}

/// Whether `inode` lies in the instance of `sb` or in one mounted (directly or not) below it.
fn below(inode: &Arc<Inode>, sb: &Arc<Superblock>) -> bool {
    let mut cur = inode.superblock().clone();
    loop {
        if Arc::ptr_eq(&cur, sb) {
            return true;
        }
        match cur.mountpoint() {
            Some(mp) => cur = mp.superblock().clone(),
            None => return false,
        }
    }
}

impl Vfs {
    /// Adds a file-system type `mount(2)` can name (replacing one of the same name).
    pub fn register_fs(&self, t: Arc<dyn FileSystemType>) {
        let mut types = self.types.lock();
        types.retain(|x| x.name() != t.name());
        types.push(t);
    }

    /// The registered types and whether each needs a device, for `/proc/filesystems`.
    pub fn filesystems(&self) -> Vec<(String, bool)> {
        self.types
            .lock()
            .iter()
            .map(|t| (String::from(t.name()), t.requires_device()))
            .collect()
    }

    fn fs_type(&self, name: &[u8]) -> Option<Arc<dyn FileSystemType>> {
        self.types
            .lock()
            .iter()
            .find(|t| t.name().as_bytes() == name)
            .cloned()
    }

    /// `mount(2)`. `target` is walked in `ctx` (following symlinks); `admin` says whether the
    /// caller may mount (CAP_SYS_ADMIN: effective uid 0). `fstype` is `None` for a NULL type.
    /// Supports new mounts, `MS_REMOUNT` (flags and file-system options), `MS_MOVE`, and the
    /// propagation changes (`MS_PRIVATE`...), which are accepted and have nothing to change.
    /// Bind mounts are EINVAL.
    #[allow(
        clippy::too_many_arguments,
        reason = "mount(2) has this many arguments"
    )]
    pub fn mount(
        &self,
        ctx: &LookupCtx<'_>,
        source: &[u8],
        target: &[u8],
        fstype: Option<&[u8]>,
        flags: u64,
        data: &[u8],
        admin: bool,
    ) -> KResult<()> {
        let mut flags = flags;
        if flags & MS_MGC_MSK == MS_MGC_VAL {
            flags &= !MS_MGC_MSK;
        }
        let tgt = lookup(ctx, target, true)?;
        if flags & (1 << 31) != 0 {
            return Err(Errno::EINVAL); // MS_NOUSER
        }
        if !admin {
            return Err(Errno::EPERM);
        }
        let propagation = MS_SHARED | MS_PRIVATE | MS_SLAVE | MS_UNBINDABLE;
        if flags & MS_REMOUNT != 0 {
            return self.remount(&tgt, flags, data);
        }
        if flags & MS_BIND != 0 {
            return Err(Errno::EINVAL);
        }
        if flags & propagation != 0 {
            let kind = flags & propagation;
            if !self.is_mount_root(&tgt) || !kind.is_power_of_two() {
                return Err(Errno::EINVAL);
            }
            return Ok(());
        }
        if flags & MS_MOVE != 0 {
            let from = lookup(ctx, source, true)?;
            return self.move_mount(&from, &tgt);
        }
        let name = fstype.ok_or(Errno::EINVAL)?;
        let t = self.fs_type(name).ok_or(Errno::ENODEV)?;
        let root = t.mount(source, flags, data)?;
        self.attach(&tgt, root, source, t.name(), flags)
    }

    /// Mounts the instance whose root is `root` on the directory `mountpoint` (on top of
    /// whatever is mounted there already), with `MS_*` `flags`; the kernel uses it for the
    /// mounts it makes itself. ENOTDIR if `mountpoint` is not a directory, EBUSY if the
    /// instance is mounted already.
    pub fn attach(
        &self,
        mountpoint: &Arc<Inode>,
        root: Arc<Inode>,
        source: &[u8],
        fstype: &str,
        flags: u64,
    ) -> KResult<()> {
        let mp = mountpoint.cross_mounts();
        if !mp.is_dir() || !root.is_dir() {
            return Err(Errno::ENOTDIR);
        }
        let sb = root.superblock().clone();
        let mut mounts = self.mounts.lock();
        if mounts.iter().any(|m| Arc::ptr_eq(m.root.superblock(), &sb)) {
            return Err(Errno::EBUSY);
        }
        sb.set_flags(mount_flags(flags));
        mp.set_mounted(Some(root.clone()));
        sb.set_mountpoint(Some(&mp));
        mounts.push(Mount {
            root,
            mountpoint: Some(mp),
            source: source.to_vec(),
            fstype: String::from(fstype),
            expiring: false,
        });
        Ok(())
    }

    /// Whether `inode` is the root of a mount.
    fn is_mount_root(&self, inode: &Arc<Inode>) -> bool {
        self.mounts
            .lock()
            .iter()
            .any(|m| Arc::ptr_eq(&m.root, inode))
    }

    /// `MS_REMOUNT`: new per-mount flags and, without `MS_BIND`, new file-system options.
    /// EINVAL unless `tgt` is the root of a mount.
    fn remount(&self, tgt: &Arc<Inode>, flags: u64, data: &[u8]) -> KResult<()> {
        if !self.is_mount_root(tgt) {
            return Err(Errno::EINVAL);
        }
        let sb = tgt.superblock();
        if flags & MS_BIND == 0 {
            sb.fs().remount(data)?;
        }
        sb.set_flags(mount_flags(flags));
        Ok(())
    }

    /// `MS_MOVE`: moves the mount whose root is `from` onto `to`. EINVAL if `from` is not the
    /// root of a mount or is the root mount, ELOOP if `to` lies inside what is moved.
    fn move_mount(&self, from: &Arc<Inode>, to: &Arc<Inode>) -> KResult<()> {
        let mut mounts = self.mounts.lock();
        let i = mounts
            .iter()
            .position(|m| Arc::ptr_eq(&m.root, from))
            .ok_or(Errno::EINVAL)?;
        let Some(old_mp) = mounts[i].mountpoint.clone() else {
            return Err(Errno::EINVAL);
        };
        if !to.is_dir() {
            return Err(Errno::ENOTDIR);
        }
        if below(to, from.superblock()) {
            return Err(Errno::ELOOP);
        }
        if old_mp.mounted().is_some_and(|r| Arc::ptr_eq(&r, from)) {
            old_mp.set_mounted(None);
        }
        to.set_mounted(Some(from.clone()));
        from.superblock().set_mountpoint(Some(to));
        mounts[i].mountpoint = Some(to.clone());
        Ok(())
    }

    /// `umount2(2)`: `target` is walked in `ctx` (following a final symlink unless
    /// `UMOUNT_NOFOLLOW`). Busy (EBUSY) when something is mounted inside, a file of it is
    /// open, or `in_use` (the kernel's check of processes' cwd and root) says so;
    /// `MNT_DETACH` detaches it and everything mounted inside at once regardless. EINVAL for
    /// unknown flags, a target that is not a mount's root, or the root mount; EPERM without
    /// `admin`; `MNT_EXPIRE` marks an idle mount (EAGAIN) and unmounts it the second time.
    pub fn umount(
        &self,
        ctx: &LookupCtx<'_>,
        target: &[u8],
        flags: u32,
        admin: bool,
        in_use: &dyn Fn(&Arc<Superblock>) -> bool,
    ) -> KResult<()> {
        if flags & !(MNT_FORCE | MNT_DETACH | MNT_EXPIRE | UMOUNT_NOFOLLOW) != 0 {
            return Err(Errno::EINVAL);
        }
        let tgt = lookup(ctx, target, flags & UMOUNT_NOFOLLOW == 0)?;
        if !admin {
            return Err(Errno::EPERM);
        }
        let sb = tgt.superblock().clone();
        let used = in_use(&sb);
        let mut mounts = self.mounts.lock();
        let i = mounts
            .iter()
            .position(|m| Arc::ptr_eq(&m.root, &tgt))
            .ok_or(Errno::EINVAL)?;
        if mounts[i].mountpoint.is_none() {
            return Err(Errno::EINVAL);
        }
        let children = mounts.iter().any(|m| {
            m.mountpoint
                .as_ref()
                .is_some_and(|mp| Arc::ptr_eq(mp.superblock(), &sb))
        });
        let busy = children || used || sb.open_files() > 0;
        if flags & MNT_EXPIRE != 0 {
            if flags & (MNT_FORCE | MNT_DETACH) != 0 {
                return Err(Errno::EINVAL);
            }
            if busy {
                return Err(Errno::EBUSY);
            }
            if !mounts[i].expiring {
                mounts[i].expiring = true;
                return Err(Errno::EAGAIN);
            }
        }
        if busy && flags & MNT_DETACH == 0 {
            return Err(Errno::EBUSY);
        }
        // The mount and (only with MNT_DETACH, since it is busy otherwise) all below it.
        let mut gone: Vec<Arc<Superblock>> = alloc::vec![sb];
        loop {
            let more: Vec<Arc<Superblock>> = mounts
                .iter()
                .filter(|m| {
                    let in_gone = |s: &Arc<Superblock>| gone.iter().any(|g| Arc::ptr_eq(g, s));
                    !in_gone(m.root.superblock())
                        && m.mountpoint
                            .as_ref()
                            .is_some_and(|mp| in_gone(mp.superblock()))
                })
                .map(|m| m.root.superblock().clone())
                .collect();
            if more.is_empty() {
                break;
            }
            gone.extend(more);
        }
        let mut detached = Vec::new();
        mounts.retain(|m| {
            let hit = gone.iter().any(|g| Arc::ptr_eq(g, m.root.superblock()));
            if hit {
                detached.push((m.mountpoint.clone(), m.root.clone()));
            }
            !hit
        });
        drop(mounts);
        for (mp, root) in detached {
            if let Some(mp) = mp {
                if mp.mounted().is_some_and(|r| Arc::ptr_eq(&r, &root)) {
                    // A mount stacked on this one moves down onto the mount point.
                    mp.set_mounted(root.mounted());
                }
            }
            root.set_mounted(None);
            root.superblock().set_mountpoint(None);
        }
        Ok(())
    }

    /// The mount table as seen from `root` (a process's root): mounts outside it are left
    /// out, as in Linux's `/proc/mounts`.
    pub fn mounts(&self, root: &Arc<Inode>) -> Vec<MountInfo> {
        let list: Vec<(Option<Arc<Inode>>, MountInfo)> = self
            .mounts
            .lock()
            .iter()
            .map(|m| {
                let info = MountInfo {
                    source: m.source.clone(),
                    path: Vec::new(),
                    fstype: m.fstype.clone(),
                    root: m.root.clone(),
                };
                (m.mountpoint.clone(), info)
            })
            .collect();
        list.into_iter()
            .filter_map(|(mp, mut info)| {
                info.path = if Arc::ptr_eq(&info.root, root) {
                    b"/".to_vec()
                } else {
                    let at = mp.unwrap_or_else(|| info.root.clone());
                    self.path_of(root, &at).ok()?
                };
                Some(info)
            })
            .collect()
    }

    /// The absolute path of directory `dir` as seen from `root` (getcwd, `/proc/PID/cwd`),
    /// found by walking `..` up through the mounts. ENOENT for a removed directory or one not
    /// below `root`.
    pub fn path_of(&self, root: &Arc<Inode>, dir: &Arc<Inode>) -> KResult<Vec<u8>> {
        let mut parts: Vec<Vec<u8>> = Vec::new();
        let mut cur = dir.clone();
        for _ in 0..4096 {
            if Arc::ptr_eq(&cur, root) {
                let mut out = Vec::new();
                for p in parts.iter().rev() {
                    out.push(b'/');
                    out.extend_from_slice(p);
                }
                if out.is_empty() {
                    out.push(b'/');
                }
                return Ok(out);
            }
            if cur.is_dead() {
                return Err(Errno::ENOENT);
            }
            let Some(parent) = cur.parent_dir() else {
                cur = cur.superblock().mountpoint().ok_or(Errno::ENOENT)?;
                continue;
            };
            let mut name = None;
            parent.read_dir(crate::dir::FIRST_COOKIE, |e| {
                if e.ino == cur.ino() {
                    name = Some(e.name);
                    false
                } else {
                    true
                }
            })?;
            parts.push(name.ok_or(Errno::ENOENT)?);
            cur = parent;
        }
        Err(Errno::ENAMETOOLONG)
    }
}

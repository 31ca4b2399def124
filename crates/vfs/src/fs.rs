//! The file-system interface, above the inodes: a [`FileSystemType`] is what `mount(2)` names
//! ("tmpfs", "proc", "devtmpfs"...) and makes instances of; a [`FileSystem`] is one instance
//! (statfs, options); a [`Superblock`] is the VFS's record of an instance that every one of
//! its inodes points to: device number, clock, inode numbers, mount flags, the namespace lock,
//! and where it is mounted.
//!
//! Each instance is mounted at most once (there are no bind mounts), so the root inode of a
//! superblock identifies its mount and `..` from it leads to [`Superblock::mountpoint`].
//!
//! Locking: `Superblock::namespace` serialises every change to the instance's directory tree
//! and to its inodes' attributes (Linux's per-inode `i_rwsem` and `s_vfs_rename_mutex`, in
//! one), so permission checks and the change they permit happen atomically. It is a short
//! spinlock: file-system operations called under it must not block. `mountpoint` is a leaf.

use alloc::string::String;
use alloc::sync::{Arc, Weak};
use core::any::Any;
use core::sync::atomic::{AtomicU32, AtomicU64, AtomicUsize, Ordering};

use keel_abi::mount::StatFs;
use keel_abi::{Errno, KResult};
use spin::Mutex;

use crate::consts::{makedev, MS_NOATIME, MS_NODEV, MS_NODIRATIME, MS_NOEXEC, MS_NOSUID};
use crate::consts::{MS_RDONLY, MS_RELATIME};
use crate::inode::{Clock, Inode, Timespec};

/// A kind of file system that `mount(2)` can make instances of.
pub trait FileSystemType: Send + Sync {
    /// The name `mount(2)` and `/proc/filesystems` use.
    fn name(&self) -> &str;

    /// Whether an instance needs a block device (`/proc/filesystems` says "nodev" if not).
    fn requires_device(&self) -> bool {
        false
    }

    /// A new instance for `mount(source, target, name, flags, data)`: `flags` are the `MS_*`
    /// flags, `data` the option string ("size=1m,mode=755"). Returns the root directory of the
    /// new instance, whose [`Superblock`] the implementation made with [`Superblock::new`].
    /// EINVAL for options it does not understand.
    fn mount(&self, source: &[u8], flags: u64, data: &[u8]) -> KResult<Arc<Inode>>;
}

/// One file-system instance, as its superblock holds it (Linux's `super_operations`).
pub trait FileSystem: Any + Send + Sync {
    /// The type's name, for `/proc/mounts`.
    fn type_name(&self) -> &str;

    /// `statfs(2)`: type magic, sizes and counts. The VFS fills in `f_fsid` and `f_flags`.
    fn statfs(&self) -> StatFs;

    /// File-system options as `/proc/mounts` shows them after the generic ones (for tmpfs
    /// `size=...k,mode=...`); empty for none.
    fn options(&self) -> String {
        String::new()
    }

    /// `mount(MS_REMOUNT)` with a new option string: EINVAL if the options are bad.
    fn remount(&self, data: &[u8]) -> KResult<()> {
        let _ = data;
        Ok(())
    }
}

/// Next minor number for anonymous devices (Linux's `get_anon_bdev`: major 0).
static NEXT_ANON_MINOR: AtomicU32 = AtomicU32::new(16);

/// A fresh device number `0:N` for a file system without a device (every tmpfs, procfs...).
pub fn anon_dev() -> u64 {
    makedev(0, NEXT_ANON_MINOR.fetch_add(1, Ordering::Relaxed))
}

/// The VFS's record of one file-system instance, shared by all its inodes.
pub struct Superblock {
    dev: u64,
    fs: Arc<dyn FileSystem>,
    clock: Arc<dyn Clock>,
    next_ino: AtomicU64,
    /// Per-mount `MS_*` flags (`MS_PER_MOUNT`).
    flags: AtomicU64,
    /// Open file descriptions of this instance's inodes (busy for `umount`).
    open_files: AtomicUsize,
    /// Serialises tree and attribute changes (see the module docs).
    pub(crate) namespace: Mutex<()>,
    /// The directory this instance is mounted on; `None` for the root mount or when not
    /// mounted.
    mountpoint: Mutex<Option<Weak<Inode>>>,
}

impl Superblock {
    /// A superblock for `fs` with device number `dev` (see [`anon_dev`]) and `clock` for
    /// timestamps. Inode numbers from [`Superblock::alloc_ino`] start at `first_ino`.
    pub fn new(
        dev: u64,
        fs: Arc<dyn FileSystem>,
        clock: Arc<dyn Clock>,
        first_ino: u64,
    ) -> Arc<Superblock> {
        Arc::new(Superblock {
            dev,
            fs,
            clock,
            next_ino: AtomicU64::new(first_ino),
            flags: AtomicU64::new(MS_RELATIME),
            open_files: AtomicUsize::new(0),
            namespace: Mutex::new(()),
            mountpoint: Mutex::new(None),
        })
    }

    /// Device number reported as `st_dev` (and, split, as statfs's `f_fsid`).
    pub fn dev(&self) -> u64 {
        self.dev
    }

    /// The file system's own part.
    pub fn fs(&self) -> &Arc<dyn FileSystem> {
        &self.fs
    }

    /// The file system's own part as its concrete type, if it is a `T`.
    pub fn fs_as<T: FileSystem>(&self) -> Option<&T> {
        (&*self.fs as &dyn Any).downcast_ref::<T>()
    }

    /// The current time, for timestamps.
    pub fn now(&self) -> Timespec {
        self.clock.now()
    }

    /// The clock timestamps come from.
    pub fn clock(&self) -> &Arc<dyn Clock> {
        &self.clock
    }

    /// A new inode number.
    pub fn alloc_ino(&self) -> u64 {
        self.next_ino.fetch_add(1, Ordering::Relaxed)
    }

    /// The mount's `MS_*` flags.
    pub fn flags(&self) -> u64 {
        self.flags.load(Ordering::Acquire)
    }

    pub(crate) fn set_flags(&self, flags: u64) {
        self.flags.store(flags, Ordering::Release);
    }

    /// Whether the instance is mounted read-only.
    pub fn read_only(&self) -> bool {
        self.flags() & MS_RDONLY != 0
    }

    /// EROFS if the instance is mounted read-only (Linux's `mnt_want_write`).
    pub fn check_writable(&self) -> KResult<()> {
        if self.read_only() {
            Err(Errno::EROFS)
        } else {
            Ok(())
        }
    }

    /// Whether access times are updated at all (not `MS_NOATIME`, and for directories not
    /// `MS_NODIRATIME`; never on a read-only mount).
    pub fn updates_atime(&self, dir: bool) -> bool {
        let f = self.flags();
        f & MS_NOATIME == 0 && !(dir && f & MS_NODIRATIME != 0) && f & MS_RDONLY == 0
    }

    /// Whether an access now to an inode with `m` records the time (Linux's
    /// `atime_needs_update`): the relatime rule on a `relatime` mount, always otherwise (the
    /// root file system, like Linux's rootfs, is mounted without relatime).
    pub fn atime_due(&self, m: &crate::Metadata, now: Timespec, dir: bool) -> bool {
        self.updates_atime(dir)
            && (self.flags() & MS_RELATIME == 0 || crate::inode::relatime_due(m, now))
            && m.atime != now
    }

    /// Whether device nodes may be opened (not `MS_NODEV`).
    pub fn allows_devices(&self) -> bool {
        self.flags() & MS_NODEV == 0
    }

    /// Whether programs may be executed from here (not `MS_NOEXEC`).
    pub fn allows_exec(&self) -> bool {
        self.flags() & MS_NOEXEC == 0
    }

    /// Whether set-user-ID and set-group-ID bits take effect (not `MS_NOSUID`).
    pub fn allows_setid(&self) -> bool {
        self.flags() & MS_NOSUID == 0
    }

    /// `statfs(2)`: the file system's answer with `f_fsid` from the device number and
    /// `f_flags` from the mount flags, as Linux's `statfs_by_dentry` fills them.
    pub fn statfs(&self) -> StatFs {
        use crate::consts::MS_SYNCHRONOUS;
        use keel_abi::mount::*;
        let mut s = self.fs.statfs();
        s.f_fsid = [crate::minor(self.dev) as i32, crate::major(self.dev) as i32];
        let f = self.flags();
        let mut st = ST_VALID;
        for (ms, stf) in [
            (MS_RDONLY, ST_RDONLY),
            (MS_NOSUID, ST_NOSUID),
            (MS_NODEV, ST_NODEV),
            (MS_NOEXEC, ST_NOEXEC),
            (MS_SYNCHRONOUS, ST_SYNCHRONOUS),
            (MS_NOATIME, ST_NOATIME),
            (MS_NODIRATIME, ST_NODIRATIME),
            (MS_RELATIME, ST_RELATIME),
        ] {
            if f & ms != 0 {
                st |= stf;
            }
        }
        s.f_flags = st as i64;
        s
    }

    /// Bytes of file content held, from statfs (block-granular).
    pub fn used_bytes(&self) -> u64 {
        let s = self.fs.statfs();
        s.f_blocks.saturating_sub(s.f_bfree) * s.f_bsize as u64
    }

    /// The content budget in bytes, from statfs.
    pub fn max_bytes(&self) -> u64 {
        let s = self.fs.statfs();
        s.f_blocks * s.f_bsize as u64
    }

    /// Open file descriptions of this instance's inodes.
    pub fn open_files(&self) -> usize {
        self.open_files.load(Ordering::Acquire)
    }

    pub(crate) fn file_opened(&self) {
        self.open_files.fetch_add(1, Ordering::AcqRel);
    }

    pub(crate) fn file_closed(&self) {
        self.open_files.fetch_sub(1, Ordering::AcqRel);
    }

    /// The directory this instance is mounted on (`None` for the root mount and for an
    /// instance that is not mounted).
    pub fn mountpoint(&self) -> Option<Arc<Inode>> {
        self.mountpoint.lock().as_ref().and_then(Weak::upgrade)
    }

    pub(crate) fn set_mountpoint(&self, mp: Option<&Arc<Inode>>) {
        *self.mountpoint.lock() = mp.map(Arc::downgrade);
    }
}

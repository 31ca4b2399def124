//! tmpfs: the in-memory file system of the root and of every `mount -t tmpfs`, one
//! implementation of the VFS interface ([`crate::FileSystemType`], [`crate::FileSystem`],
//! [`crate::InodeOps`]).
//!
//! - [`TmpfsType`]: makes instances for `mount(2)`, parsing Linux's options (`size=`,
//!   `nr_inodes=`, `mode=`, `uid=`, `gid=`).
//! - [`Tmpfs`]: one instance: its byte budget and inode count (ENOSPC beyond either, as Linux's
//!   `shmem_reserve_inode` and block accounting), statfs, options for `/proc/mounts`.
//! - `node.rs`: the inode ([`InodeOps`] for files, directories, symlinks and special nodes);
//!   `dir.rs`: directory entries with stable cookies; `data.rs`: sparse page-set file content;
//!   `file.rs`: the open regular file.
//!
//! Memory: content pages are charged to the instance's budget a page at a time, and a
//! [`MemoryGuard`] the kernel installs can refuse a page when the machine itself runs low, so
//! a full tmpfs answers ENOSPC instead of exhausting kernel memory.

mod data;
mod dir;
mod file;
mod node;

use alloc::boxed::Box;
use alloc::format;
use alloc::string::String;
use alloc::sync::Arc;
use core::sync::atomic::{AtomicU64, Ordering};

use keel_abi::mount::{StatFs, TMPFS_MAGIC};
use keel_abi::{Errno, KResult};
use spin::Mutex;

use crate::consts::FileType;
use crate::fs::{anon_dev, FileSystem, FileSystemType, Superblock};
use crate::inode::{Clock, Inode, Metadata};

pub use file::RegularFile;
pub(crate) use node::TmpfsNode;

/// Bytes per page.
const PAGE: u64 = data::PAGE;

/// Asked before every new content page: false refuses it (ENOSPC). The kernel answers from
/// its free-frame count, keeping its own reserve.
pub type MemoryGuard = Arc<dyn Fn() -> bool + Send + Sync>;

/// Limits of one tmpfs.
#[derive(Clone, Copy, Debug)]
pub struct TmpfsConfig {
    /// Device number reported as `st_dev`.
    pub dev: u64,
    /// Total bytes of file content the file system may hold; beyond it writes get ENOSPC.
    pub max_bytes: u64,
    /// Largest file size; writes or truncation beyond it get EFBIG.
    pub max_file_size: u64,
}

impl Default for TmpfsConfig {
    /// 256 MiB of content, files up to the whole budget. The kernel should size `max_bytes`
    /// from physical memory.
    fn default() -> TmpfsConfig {
        TmpfsConfig {
            dev: 1,
            max_bytes: 256 << 20,
            max_file_size: i64::MAX as u64,
        }
    }
}

/// One tmpfs instance.
pub struct Tmpfs {
    /// Content budget in bytes; 0 means unlimited (`size=0`).
    max_bytes: AtomicU64,
    max_file_size: u64,
    used: AtomicU64,
    /// Inode limit; 0 means unlimited (`nr_inodes=0`).
    max_inodes: AtomicU64,
    inodes: AtomicU64,
    guard: Mutex<Option<MemoryGuard>>,
    clock: Arc<dyn Clock>,
    /// Root's mode, uid and gid as given at mount time (for `/proc/mounts`).
    root_attrs: Mutex<(u32, u32, u32)>,
}

impl Tmpfs {
    /// Bytes of file content currently held.
    pub fn used_bytes(&self) -> u64 {
        self.used.load(Ordering::Relaxed)
    }

    pub(crate) fn now(&self) -> crate::inode::Timespec {
        self.clock.now()
    }

    pub(crate) fn max_file_size(&self) -> u64 {
        self.max_file_size
    }

    pub(crate) fn reserve(&self, bytes: u64) -> KResult<()> {
        let max = self.max_bytes.load(Ordering::Relaxed);
        let guard = self.guard.lock().clone();
        if let Some(g) = guard {
            if !g() {
                return Err(Errno::ENOSPC);
            }
        }
        self.used
            .fetch_update(Ordering::AcqRel, Ordering::Acquire, |u| {
                u.checked_add(bytes).filter(|&n| max == 0 || n <= max)
            })
            .map(|_| ())
            .map_err(|_| Errno::ENOSPC)
    }

    /// What `/proc/mounts` says the root was mounted with (mode, uid, gid).
    pub(crate) fn set_root_options(&self, mode: u32, uid: u32, gid: u32) {
        *self.root_attrs.lock() = (mode, uid, gid);
    }

    pub(crate) fn set_guard(&self, guard: MemoryGuard) {
        *self.guard.lock() = Some(guard);
    }

    pub(crate) fn release(&self, bytes: u64) {
        self.used.fetch_sub(bytes, Ordering::AcqRel);
    }

    /// Counts a new inode; ENOSPC at the limit.
    pub(crate) fn reserve_inode(&self) -> KResult<()> {
        let max = self.max_inodes.load(Ordering::Relaxed);
        self.inodes
            .fetch_update(Ordering::AcqRel, Ordering::Acquire, |n| {
                (max == 0 || n < max).then_some(n + 1)
            })
            .map(|_| ())
            .map_err(|_| Errno::ENOSPC)
    }

    pub(crate) fn release_inode(&self) {
        self.inodes.fetch_sub(1, Ordering::AcqRel);
    }
}

impl FileSystem for Tmpfs {
    fn type_name(&self) -> &str {
        "tmpfs"
    }

    /// Linux's `shmem_statfs`: blocks and inodes only when limited.
    fn statfs(&self) -> StatFs {
        let max_blocks = self.max_bytes.load(Ordering::Relaxed) / PAGE;
        let used_blocks = self.used_bytes().div_ceil(PAGE);
        let max_inodes = self.max_inodes.load(Ordering::Relaxed);
        let free_inodes = max_inodes.saturating_sub(self.inodes.load(Ordering::Relaxed));
        let free = max_blocks.saturating_sub(used_blocks);
        StatFs {
            f_type: TMPFS_MAGIC,
            f_bsize: PAGE as i64,
            f_blocks: max_blocks,
            f_bfree: free,
            f_bavail: free,
            f_files: max_inodes,
            f_ffree: free_inodes,
            f_namelen: 255,
            f_frsize: PAGE as i64,
            ..StatFs::default()
        }
    }

    /// As Linux's `shmem_show_options`: `size` in k, `nr_inodes`, then `mode`, `uid`, `gid`
    /// when they differ from the defaults (1777, 0, 0).
    fn options(&self) -> String {
        let mut s = String::new();
        let size = self.max_bytes.load(Ordering::Relaxed);
        if size != 0 {
            s.push_str(&format!("size={}k", size >> 10));
        }
        let inodes = self.max_inodes.load(Ordering::Relaxed);
        if inodes != 0 {
            if !s.is_empty() {
                s.push(',');
            }
            s.push_str(&format!("nr_inodes={inodes}"));
        }
        let (mode, uid, gid) = *self.root_attrs.lock();
        for (on, text) in [
            (mode != 0o1777, format!("mode={mode:o}")),
            (uid != 0, format!("uid={uid}")),
            (gid != 0, format!("gid={gid}")),
        ] {
            if on {
                if !s.is_empty() {
                    s.push(',');
                }
                s.push_str(&text);
            }
        }
        s
    }

    fn remount(&self, data: &[u8]) -> KResult<()> {
        let o = parse_options(data, self.max_bytes.load(Ordering::Relaxed))?;
        if let Some(b) = o.size {
            if b != 0 && b < self.used_bytes() {
                return Err(Errno::EINVAL);
            }
            self.max_bytes.store(b, Ordering::Relaxed);
        }
        if let Some(n) = o.inodes {
            if n != 0 && n < self.inodes.load(Ordering::Relaxed) {
                return Err(Errno::EINVAL);
            }
            self.max_inodes.store(n, Ordering::Relaxed);
        }
        Ok(())
    }
}

/// Options of one `mount -t tmpfs`.
#[derive(Default)]
struct Options {
    size: Option<u64>,
    inodes: Option<u64>,
    mode: Option<u32>,
    uid: Option<u32>,
    gid: Option<u32>,
}

/// A number with Linux's `memparse` suffixes (k, m, g, t, p, e); `%` of `ram` for sizes.
fn parse_size(v: &[u8], ram: Option<u64>) -> KResult<u64> {
    let s = core::str::from_utf8(v).map_err(|_| Errno::EINVAL)?;
    if let (Some(pct), Some(ram)) = (s.strip_suffix('%'), ram) {
        let p: u64 = pct.parse().map_err(|_| Errno::EINVAL)?;
        return Ok((ram / 100).saturating_mul(p).next_multiple_of(PAGE));
    }
    let (digits, shift) = match s.as_bytes().last() {
        Some(b'k' | b'K') => (&s[..s.len() - 1], 10),
        Some(b'm' | b'M') => (&s[..s.len() - 1], 20),
        Some(b'g' | b'G') => (&s[..s.len() - 1], 30),
        Some(b't' | b'T') => (&s[..s.len() - 1], 40),
        Some(b'p' | b'P') => (&s[..s.len() - 1], 50),
        Some(b'e' | b'E') => (&s[..s.len() - 1], 60),
        _ => (s, 0),
    };
    let n: u64 = digits.parse().map_err(|_| Errno::EINVAL)?;
    n.checked_shl(shift)
        .filter(|v| v >> shift == n)
        .ok_or(Errno::EINVAL)
}

fn parse_num(v: &[u8], radix: u32) -> KResult<u32> {
    let s = core::str::from_utf8(v).map_err(|_| Errno::EINVAL)?;
    u32::from_str_radix(s, radix).map_err(|_| Errno::EINVAL)
}

/// Parses tmpfs's option string. `ram` (about the machine's memory) is what `size=N%` is a
/// percentage of. The generic superblock options (`ro`, `rw`, `sync`...) are accepted and
/// left to the mount flags, as Linux's `vfs_parse_sb_flag` does.
fn parse_options(data: &[u8], ram: u64) -> KResult<Options> {
    let mut o = Options::default();
    for opt in data.split(|&b| b == b',').filter(|o| !o.is_empty()) {
        let (key, val) = match opt.iter().position(|&b| b == b'=') {
            Some(i) => (&opt[..i], Some(&opt[i + 1..])),
            None => (opt, None),
        };
        match (key, val) {
            (b"size", Some(v)) => o.size = Some(parse_size(v, Some(ram))?.next_multiple_of(PAGE)),
            (b"nr_blocks", Some(v)) => o.size = Some(parse_size(v, None)?.saturating_mul(PAGE)),
            (b"nr_inodes", Some(v)) => o.inodes = Some(parse_size(v, None)?),
            (b"mode", Some(v)) => o.mode = Some(parse_num(v, 8)? & 0o7777),
            (b"uid", Some(v)) => o.uid = Some(parse_num(v, 10)?),
            (b"gid", Some(v)) => o.gid = Some(parse_num(v, 10)?),
            (b"huge" | b"mpol", Some(_)) | (b"inode32" | b"inode64", None) => {}
            (
                b"ro" | b"rw" | b"sync" | b"async" | b"dirsync" | b"lazytime" | b"nolazytime"
                | b"mand" | b"nomand" | b"silent",
                None,
            ) => {}
            _ => return Err(Errno::EINVAL),
        }
    }
    Ok(o)
}

/// The tmpfs file-system type: makes instances (the root one and every `mount -t tmpfs`).
pub struct TmpfsType {
    clock: Arc<dyn Clock>,
    /// Defaults for a new instance: the budget is the root's (half of memory on the kernel).
    defaults: TmpfsConfig,
    guard: Mutex<Option<MemoryGuard>>,
}

impl TmpfsType {
    /// The type, with `clock` for timestamps and `defaults` for instances made without
    /// options (`dev` is ignored: each instance gets an anonymous device number).
    pub fn new(clock: Arc<dyn Clock>, defaults: TmpfsConfig) -> TmpfsType {
        TmpfsType {
            clock,
            defaults,
            guard: Mutex::new(None),
        }
    }

    /// Installs the memory guard for instances made from now on.
    pub fn set_memory_guard(&self, guard: MemoryGuard) {
        *self.guard.lock() = Some(guard);
    }

    /// A new instance with `config`, its root directory owned by `uid:gid` with `mode`.
    pub fn instance(&self, config: TmpfsConfig, mode: u32, uid: u32, gid: u32) -> Arc<Inode> {
        let max_file_size = config.max_file_size.min(i64::MAX as u64);
        let fs = Arc::new(Tmpfs {
            max_bytes: AtomicU64::new(config.max_bytes),
            max_file_size,
            used: AtomicU64::new(0),
            max_inodes: AtomicU64::new(config.max_bytes / PAGE),
            inodes: AtomicU64::new(0),
            guard: Mutex::new(self.guard.lock().clone()),
            clock: self.clock.clone(),
            root_attrs: Mutex::new((mode, uid, gid)),
        });
        let sb = Superblock::new(config.dev, fs.clone(), self.clock.clone(), 1);
        let now = sb.now();
        let meta = Metadata {
            mode: mode & 0o7777,
            nlink: 2,
            uid,
            gid,
            atime: now,
            mtime: now,
            ctime: now,
            ..Metadata::default()
        };
        // The root counts as an inode, as on Linux.
        let _ = fs.reserve_inode();
        let node = TmpfsNode::new_dir(fs, meta, alloc::sync::Weak::new());
        Inode::new(&sb, sb.alloc_ino(), FileType::Directory, Box::new(node))
    }
}

impl FileSystemType for TmpfsType {
    fn name(&self) -> &str {
        "tmpfs"
    }

    fn mount(&self, _source: &[u8], _flags: u64, data: &[u8]) -> KResult<Arc<Inode>> {
        // Linux's default is half of RAM, which the root's default budget already is.
        let ram = self.defaults.max_bytes.saturating_mul(2);
        let o = parse_options(data, ram)?;
        let config = TmpfsConfig {
            dev: anon_dev(),
            max_bytes: o.size.unwrap_or(self.defaults.max_bytes),
            max_file_size: self.defaults.max_file_size,
        };
        let root = self.instance(
            config,
            o.mode.unwrap_or(0o1777),
            o.uid.unwrap_or(0),
            o.gid.unwrap_or(0),
        );
        if let Some(n) = o.inodes {
            if let Some(fs) = root.superblock().fs_as::<Tmpfs>() {
                fs.max_inodes.store(n, Ordering::Relaxed);
            }
        }
        Ok(root)
    }
}

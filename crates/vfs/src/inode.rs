//! Inodes of the tmpfs: identity, [`Metadata`], and the content of regular files and symlinks.
//!
//! An [`Inode`] has a fixed number and [`FileType`]; everything that changes (metadata and
//! content) sits behind its one `state` lock so that `size` always matches the data. A
//! [`Superblock`] is shared by all inodes of one file system: device number, inode-number
//! counter, the [`Clock`] for timestamps, the byte budget ([`TmpfsConfig`]) and the namespace
//! lock that serialises directory changes (see `dir.rs`).
//!
//! Directory content and operations live in `dir.rs`; open-file behaviour in `tmpfs_file.rs`.
//!
//! Locking: `Inode::state` is a short spinlock; code in this crate never holds two of them at
//! once and never calls out of the crate while holding one.

use alloc::sync::Arc;
use alloc::vec::Vec;
use core::sync::atomic::{AtomicU64, Ordering};

use keel_abi::{Errno, KResult};
use spin::{Mutex, MutexGuard};

use crate::consts::{FileType, S_IALLUGO};
use crate::cred::{access, Cred};
use crate::dir::DirData;
use crate::filedata::{FileData, PAGE};

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

/// State shared by every inode of one file system.
pub struct Superblock {
    pub(crate) config: TmpfsConfig,
    pub(crate) clock: Arc<dyn Clock>,
    next_ino: AtomicU64,
    used: AtomicU64,
    /// Serialises every change to the directory tree (create, link, unlink, rename), like
    /// Linux's `s_vfs_rename_mutex` but for all of them: ancestry checks stay valid.
    pub(crate) namespace: Mutex<()>,
}

impl Superblock {
    pub(crate) fn new(mut config: TmpfsConfig, clock: Arc<dyn Clock>) -> Superblock {
        // Offsets are `loff_t` (i64) to user space; never let a file outgrow them.
        config.max_file_size = config.max_file_size.min(i64::MAX as u64);
        Superblock {
            config,
            clock,
            next_ino: AtomicU64::new(1),
            used: AtomicU64::new(0),
            namespace: Mutex::new(()),
        }
    }

    pub(crate) fn now(&self) -> Timespec {
        self.clock.now()
    }

    /// Bytes of file content currently held.
    pub fn used_bytes(&self) -> u64 {
        self.used.load(Ordering::Relaxed)
    }

    /// The content budget (`TmpfsConfig::max_bytes`), for statfs.
    pub fn max_bytes(&self) -> u64 {
        self.config.max_bytes
    }

    /// Device number reported as `st_dev` (and, split, as statfs's `f_fsid`).
    pub fn dev(&self) -> u64 {
        self.config.dev
    }

    pub(crate) fn reserve(&self, bytes: u64) -> KResult<()> {
        let max = self.config.max_bytes;
        self.used
            .fetch_update(Ordering::AcqRel, Ordering::Acquire, |u| {
                u.checked_add(bytes).filter(|&n| n <= max)
            })
            .map(|_| ())
            .map_err(|_| Errno::ENOSPC)
    }

    pub(crate) fn release(&self, bytes: u64) {
        self.used.fetch_sub(bytes, Ordering::AcqRel);
    }
}

/// Content of an inode, by type.
pub(crate) enum Body {
    Regular(FileData),
    Dir(DirData),
    Symlink(Vec<u8>),
    /// Device nodes, FIFOs and sockets: everything is in the metadata.
    Special,
}

pub(crate) struct InodeState {
    pub(crate) meta: Metadata,
    pub(crate) body: Body,
}

/// A file-system object: regular file, directory, symlink, device node, FIFO or socket.
pub struct Inode {
    ino: u64,
    ftype: FileType,
    pub(crate) sb: Arc<Superblock>,
    pub(crate) state: Mutex<InodeState>,
}

impl Inode {
    /// A new inode of `sb` with `mode` (type bits included, which must be valid), stamped now.
    pub(crate) fn new(
        sb: &Arc<Superblock>,
        mode: u32,
        uid: u32,
        gid: u32,
        rdev: u64,
        body: Body,
    ) -> Arc<Inode> {
        let ftype = FileType::from_mode(mode).unwrap_or(FileType::Regular);
        let ino = sb.next_ino.fetch_add(1, Ordering::Relaxed);
        let now = sb.now();
        let nlink = if ftype == FileType::Directory { 2 } else { 1 };
        let meta = Metadata {
            dev: sb.config.dev,
            ino,
            mode: (mode & S_IALLUGO) | ftype.mode_bits(),
            nlink,
            uid,
            gid,
            rdev,
            size: 0,
            blksize: 4096,
            blocks: 0,
            atime: now,
            mtime: now,
            ctime: now,
        };
        Arc::new(Inode {
            ino,
            ftype,
            sb: sb.clone(),
            state: Mutex::new(InodeState { meta, body }),
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

    pub(crate) fn lock(&self) -> MutexGuard<'_, InodeState> {
        self.state.lock()
    }

    /// A snapshot of the metadata, with `size` and `blocks` current.
    pub fn metadata(&self) -> Metadata {
        let st = self.lock();
        let mut m = st.meta;
        match &st.body {
            Body::Regular(data) => {
                m.size = data.size();
                m.blocks = data.allocated_pages() * (PAGE / 512);
            }
            Body::Symlink(t) => m.size = t.len() as u64,
            Body::Dir(d) => m.size = 40 + 20 * d.len() as u64,
            Body::Special => {}
        }
        m
    }

    /// The target of a symlink; EINVAL for any other inode (as `readlink(2)`).
    pub fn read_link(&self) -> KResult<Vec<u8>> {
        match &self.lock().body {
            Body::Symlink(t) => Ok(t.clone()),
            _ => Err(Errno::EINVAL),
        }
    }

    /// Reads file content at `off`; 0 at or past the end. EISDIR for a directory, EINVAL for
    /// other non-regular inodes.
    pub fn read_at(&self, off: u64, buf: &mut [u8]) -> KResult<usize> {
        let mut st = self.lock();
        let n = match &st.body {
            Body::Regular(data) => data.read(off, buf),
            Body::Dir(_) => return Err(Errno::EISDIR),
            _ => return Err(Errno::EINVAL),
        };
        // relatime: update atime only when it is older than the last change.
        if st.meta.atime <= st.meta.mtime || st.meta.atime <= st.meta.ctime {
            st.meta.atime = self.sb.now();
        }
        Ok(n)
    }

    /// Writes `buf` at `off` (or at the end if `append`), zero-filling any gap. Returns the
    /// bytes written and the offset after them. EFBIG at or past the size limit (a write that
    /// crosses it is shortened), ENOSPC when the file system's budget is spent.
    pub fn write_at(&self, off: u64, buf: &[u8], append: bool) -> KResult<(usize, u64)> {
        let mut st = self.lock();
        let now = self.sb.now();
        let max = self.sb.config.max_file_size;
        let st = &mut *st;
        let Body::Regular(data) = &mut st.body else {
            return Err(if self.is_dir() {
                Errno::EISDIR
            } else {
                Errno::EINVAL
            });
        };
        let off = if append { data.size() } else { off };
        if buf.is_empty() {
            return Ok((0, off));
        }
        if off >= max {
            return Err(Errno::EFBIG);
        }
        let count = (buf.len() as u64).min(max - off) as usize;
        let n = data.write(&self.sb, off, &buf[..count])?;
        st.meta.mtime = now;
        st.meta.ctime = now;
        Ok((n, off + n as u64))
    }

    /// Sets a regular file's size (`truncate(2)`): growth reads back as zeros. EFBIG beyond the
    /// size limit, ENOSPC beyond the budget, EISDIR for a directory, EINVAL for other types.
    pub fn truncate(&self, len: u64) -> KResult<()> {
        if len > self.sb.config.max_file_size {
            return Err(Errno::EFBIG);
        }
        let now = self.sb.now();
        let mut st = self.lock();
        let st = &mut *st;
        let Body::Regular(data) = &mut st.body else {
            return Err(if self.is_dir() {
                Errno::EISDIR
            } else {
                Errno::EINVAL
            });
        };
        data.set_size(&self.sb, len);
        st.meta.mtime = now;
        st.meta.ctime = now;
        Ok(())
    }

    /// `lseek` for a regular file: SEEK_DATA and SEEK_HOLE follow the file's holes; the other
    /// whences are plain arithmetic ([`crate::seek_in`]).
    pub fn seek(&self, pos: u64, offset: i64, whence: u32) -> KResult<u64> {
        use crate::consts::{SEEK_DATA, SEEK_HOLE};
        let st = self.lock();
        match (&st.body, whence) {
            (Body::Regular(data), SEEK_DATA | SEEK_HOLE) => {
                if offset < 0 || offset as u64 >= data.size() {
                    return Err(Errno::ENXIO);
                }
                data.seek_data_hole(offset as u64, whence == SEEK_DATA)
                    .ok_or(Errno::ENXIO)
            }
            (Body::Regular(data), _) => crate::file::seek_in(pos, offset, whence, data.size()),
            _ => Err(Errno::EINVAL),
        }
    }

    /// Checks `want` (`MAY_*`) for `cred` against the current mode (EACCES).
    pub fn check_access(&self, cred: &Cred, want: u32) -> KResult<()> {
        access(&self.lock().meta, cred, want)
    }
}

impl Drop for Inode {
    fn drop(&mut self) {
        if let Body::Regular(data) = &mut self.state.get_mut().body {
            data.release_all(&self.sb);
        }
    }
}

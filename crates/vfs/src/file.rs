//! Open files: the [`FileOps`] trait every kind of open file implements (tmpfs files here;
//! devices, pipes, ttys and sockets in the kernel), and [`OpenFile`], Linux's *open file
//! description*: the ops, the inode it was opened through, the access mode and status flags,
//! and the file offset. File descriptors (see `fdtable.rs`) hold `Arc<OpenFile>`, so `dup`,
//! `fork` and `SCM_RIGHTS` share the offset and status flags, as on Linux.
//!
//! Nothing here blocks: an operation that would wait returns EAGAIN and reports readiness in
//! [`FileOps::poll`]; the kernel's wait loop retries. All buffers are kernel buffers; the kernel
//! copies to and from user memory outside these calls.
//!
//! Readiness: a file whose readiness changes over time (pipes, ttys, sockets) exposes a
//! [`Pollee`] through [`FileOps::pollee`]; the kernel's poll, select and epoll subscribe
//! [`Observer`]s to it and are told when its events may have changed. Files without one are
//! always ready (regular files, most devices), as on Linux.
//!
//! Locking: `OpenFile::pos` is held across one `FileOps` call (so reads on a shared offset are
//! atomic, as Linux's `f_pos_lock`); an implementation may take its own locks beneath it but
//! must not sleep. An operation made of several calls (the kernel's read loop: read a chunk,
//! copy it to user memory, which may sleep, then the next) holds the *offset lock* for its
//! whole length instead: [`OpenFile::try_lock_offset`] / [`OpenFile::unlock_offset`], a lock
//! word the kernel sleeps on (this crate never blocks). Lock order: offset lock ->
//! `OpenFile::pos -> Inode::state`.

use alloc::sync::Arc;
use alloc::vec::Vec;
use core::sync::atomic::{AtomicBool, AtomicU32, AtomicU64, Ordering};

use keel_abi::{Errno, KResult};
use spin::{Mutex, Once};

use crate::consts::{
    O_ACCMODE, O_CREAT, O_EXCL, O_NOCTTY, O_PATH, O_TRUNC, POLLIN, POLLNVAL, POLLOUT, SEEK_CUR,
    SEEK_DATA, SEEK_END, SEEK_HOLE, SEEK_SET, SETFL_MASK,
};
use crate::dir::DirEntry;
use crate::inode::{Inode, Metadata};

/// Told when a [`Pollee`]'s events may have changed.
pub trait Observer: Send + Sync {
    /// `events` are the `POLL*` bits that may have changed (a hint: observers re-poll).
    fn notify(&self, events: u16);
}

/// Something whose readiness can be watched: observers subscribe and are notified on changes.
pub trait Pollee: Send + Sync {
    /// Adds an observer; returns a key for [`Pollee::unsubscribe`].
    fn subscribe(&self, observer: Arc<dyn Observer>) -> u64;
    /// Removes the observer added under `key` (nothing if it is gone).
    fn unsubscribe(&self, key: u64);
}

/// When a blocking read ends (see [`FileOps::read_rule`]): a terminal's VMIN/VTIME.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ReadRule {
    /// The read returns once it holds this many bytes or a full buffer; 0 returns at once.
    pub minimum: usize,
    /// Nanoseconds from the start of the read after which it returns what it holds.
    pub total_ns: Option<u64>,
    /// Nanoseconds without new bytes, once some came, after which it returns what it holds.
    pub interbyte_ns: Option<u64>,
}

impl ReadRule {
    /// Whether a read that holds `got` bytes in a buffer of `len` returns now.
    pub fn done(&self, got: usize, len: usize) -> bool {
        got >= self.minimum || got >= len
    }
}

/// The operations of an open file. Every method has a default that suits a plain character
/// device: no seeking (ESPIPE), no ioctls (ENOTTY), always ready.
///
/// `pos` is the open file's offset (or a copy, for `pread`/`pwrite`); an implementation
/// advances it by what it transferred. `flags` are the current status flags (`O_APPEND`,
/// `O_NONBLOCK`, ...).
pub trait FileOps: Send + Sync {
    /// Reads into `buf`; 0 at end of file. EAGAIN if nothing is available yet.
    fn read(&self, pos: &mut u64, buf: &mut [u8], flags: u32) -> KResult<usize> {
        let _ = (pos, buf, flags);
        Err(Errno::EINVAL)
    }

    /// Writes from `buf`, at the end when `flags` has `O_APPEND`. EAGAIN if no room yet.
    fn write(&self, pos: &mut u64, buf: &[u8], flags: u32) -> KResult<usize> {
        let _ = (pos, buf, flags);
        Err(Errno::EINVAL)
    }

    /// The new offset for `lseek(offset, whence)` from `pos` (see [`seek_in`]); ESPIPE if the
    /// file has no offset.
    fn seek(&self, pos: u64, offset: i64, whence: u32) -> KResult<u64> {
        let _ = (pos, offset, whence);
        Err(Errno::ESPIPE)
    }

    /// Whether `pread`/`pwrite` are allowed (else ESPIPE, as for pipes and ttys).
    fn seekable(&self) -> bool {
        false
    }

    /// `ioctl(cmd, arg)`. `arg` is raw: an implementation that treats it as a user pointer
    /// copies through the kernel's user-copy routines itself.
    fn ioctl(&self, cmd: u32, arg: usize) -> KResult<usize> {
        let _ = (cmd, arg);
        Err(Errno::ENOTTY)
    }

    /// Readiness: `POLLIN`, `POLLOUT`, `POLLERR`, `POLLHUP` bits.
    fn poll(&self) -> u16 {
        POLLIN | POLLOUT
    }

    /// Where to watch for changes of [`FileOps::poll`]; `None` for a file that never changes
    /// readiness (always ready).
    fn pollee(&self) -> Option<&dyn Pollee> {
        None
    }

    /// How a blocking read goes on after it found nothing, or less than it needs: `None` (the
    /// default) returns with the first bytes and waits untimed for `POLLIN` before them; a
    /// terminal answers N_TTY's VMIN/VTIME rule for a read starting now.
    fn read_rule(&self) -> Option<ReadRule> {
        None
    }

    /// Whether every read gives zeroes and nothing else happens (`/dev/zero`): the kernel may
    /// clear the user buffer without calling [`FileOps::read`].
    fn reads_zeroes(&self) -> bool {
        false
    }

    /// Whether writes are accepted and the data never looked at (`/dev/null`, `/dev/zero`):
    /// the kernel may return the count without copying the buffer.
    fn discards_writes(&self) -> bool {
        false
    }

    /// `fcntl` commands particular to the file kind (`F_GETPIPE_SZ`, ...); EINVAL otherwise.
    fn fcntl(&self, cmd: u32, arg: u64) -> KResult<usize> {
        let _ = (cmd, arg);
        Err(Errno::EINVAL)
    }

    /// Metadata, used only for files not opened through an inode (pipes, sockets); otherwise
    /// the inode's metadata is reported.
    fn stat(&self) -> Metadata {
        Metadata::default()
    }

    /// Fills `buf` with `linux_dirent64` records from cookie `pos` (see [`write_dirent64`]);
    /// ENOTDIR for non-directories.
    fn getdents(&self, pos: &mut u64, buf: &mut [u8]) -> KResult<usize> {
        let _ = (pos, buf);
        Err(Errno::ENOTDIR)
    }

    /// `ftruncate`; EINVAL for files without a size.
    fn truncate(&self, len: u64) -> KResult<()> {
        let _ = len;
        Err(Errno::EINVAL)
    }

    /// `fsync`/`fdatasync`.
    fn fsync(&self) -> KResult<()> {
        Ok(())
    }

    /// The implementation as `Any`, for calls that only one kind of file answers (the socket
    /// calls find their socket this way; other files are ENOTSOCK).
    fn as_any(&self) -> Option<&dyn core::any::Any> {
        None
    }

    /// For a file of Linux's anonymous inode (epoll, eventfd, timerfd...), its name in
    /// brackets (`[eventpoll]`), as `/proc/PID/fd` shows it (`anon_inode:[eventpoll]`).
    fn anon_name(&self) -> Option<&'static str> {
        None
    }
}

/// Linux's `generic_file_llseek_size`: the new offset for a file of `size` bytes. EINVAL for a
/// negative or overflowing result or an unknown whence; ENXIO for `SEEK_DATA`/`SEEK_HOLE` at or
/// past the end (a file without holes: data up to `size`, then the implicit hole).
pub fn seek_in(pos: u64, offset: i64, whence: u32, size: u64) -> KResult<u64> {
    let base = match whence {
        SEEK_SET => 0,
        SEEK_CUR => pos as i64,
        SEEK_END => size as i64,
        SEEK_DATA | SEEK_HOLE => {
            if offset < 0 || offset as u64 >= size {
                return Err(Errno::ENXIO);
            }
            return Ok(if whence == SEEK_DATA {
                offset as u64
            } else {
                size
            });
        }
        _ => return Err(Errno::EINVAL),
    };
    match base.checked_add(offset) {
        Some(n) if n >= 0 => Ok(n as u64),
        _ => Err(Errno::EINVAL),
    }
}

/// Size of the `linux_dirent64` header before the name: `d_ino`, `d_off`, `d_reclen`, `d_type`.
const DIRENT64_HEADER: usize = 19;

/// Appends one `linux_dirent64` record for `e` to `buf` (native-endian, NUL-terminated name,
/// padded to 8 bytes). Returns its length, or `None` if it does not fit.
pub fn write_dirent64(buf: &mut [u8], e: &DirEntry) -> Option<usize> {
    let reclen = (DIRENT64_HEADER + e.name.len() + 1).next_multiple_of(8);
    let rec = buf.get_mut(..reclen)?;
    rec.fill(0);
    rec[0..8].copy_from_slice(&e.ino.to_ne_bytes());
    rec[8..16].copy_from_slice(&e.next.to_ne_bytes());
    rec[16..18].copy_from_slice(&u16::try_from(reclen).ok()?.to_ne_bytes());
    rec[18] = e.dtype;
    rec[DIRENT64_HEADER..DIRENT64_HEADER + e.name.len()].copy_from_slice(&e.name);
    Some(reclen)
}

/// Ids of open file descriptions (owners of `flock` and OFD locks).
static NEXT_FILE_ID: AtomicU64 = AtomicU64::new(1);

/// An open file description, shared by every fd that refers to it.
pub struct OpenFile {
    id: u64,
    ops: Arc<dyn FileOps>,
    inode: Option<Arc<Inode>>,
    /// Access mode, status and remaining open flags (`F_GETFL`); never creation flags.
    flags: AtomicU32,
    pos: Mutex<u64>,
    /// The offset lock (see the module docs).
    offset_locked: AtomicBool,
    /// The directory and final name it was opened by (see [`OpenFile::origin`]).
    origin: Once<(Arc<Inode>, Vec<u8>)>,
}

impl OpenFile {
    /// A new description over `ops`, opened through `inode` (if any), with `open`'s `flags`
    /// minus `O_CREAT`, `O_EXCL`, `O_NOCTTY` and `O_TRUNC`, as Linux keeps them in `f_flags`
    /// (so `F_GETFL` shows `O_LARGEFILE`, `O_DIRECTORY` and even `O_CLOEXEC`, like Linux).
    /// A description with an inode keeps its file system busy (umount's EBUSY) until dropped;
    /// dropping it releases its `flock` and OFD locks.
    pub fn new(ops: Arc<dyn FileOps>, inode: Option<Arc<Inode>>, flags: u32) -> Arc<OpenFile> {
        let flags = flags & !(O_CREAT | O_EXCL | O_NOCTTY | O_TRUNC);
        if let Some(i) = &inode {
            i.superblock().file_opened();
        }
        Arc::new(OpenFile {
            id: NEXT_FILE_ID.fetch_add(1, Ordering::Relaxed),
            ops,
            inode,
            flags: AtomicU32::new(flags),
            pos: Mutex::new(0),
            offset_locked: AtomicBool::new(false),
            origin: Once::new(),
        })
    }

    /// Records the directory and final path component this description was opened by
    /// ([`crate::Vfs::open`] does); only the first call counts.
    pub fn set_origin(&self, dir: Arc<Inode>, name: Vec<u8>) {
        self.origin.call_once(|| (dir, name));
    }

    /// The directory and final component (a name, `.`, `..`, or empty for `/`) the file was
    /// opened by, if recorded: what `/proc/PID/fd/N` names it by (Linux's `d_path`).
    pub fn origin(&self) -> Option<(&Arc<Inode>, &[u8])> {
        self.origin.get().map(|(d, n)| (d, n.as_slice()))
    }

    /// A number no other open file description has (owner of its `flock` and OFD locks).
    pub fn id(&self) -> u64 {
        self.id
    }

    /// The file's operations.
    pub fn ops(&self) -> &Arc<dyn FileOps> {
        &self.ops
    }

    /// The inode this file was opened through (`None` for pipes, sockets, ...).
    pub fn inode(&self) -> Option<&Arc<Inode>> {
        self.inode.as_ref()
    }

    /// Access mode and status flags, as `F_GETFL` reports them.
    pub fn flags(&self) -> u32 {
        self.flags.load(Ordering::Acquire)
    }

    /// `F_SETFL`: changes only the flags in [`SETFL_MASK`].
    pub fn set_status_flags(&self, new: u32) {
        let _ = self
            .flags
            .fetch_update(Ordering::AcqRel, Ordering::Acquire, |old| {
                Some((old & !SETFL_MASK) | (new & SETFL_MASK))
            });
    }

    /// Whether this is an `O_PATH` description (no I/O).
    pub fn is_path(&self) -> bool {
        self.flags() & O_PATH != 0
    }

    /// Whether the access mode allows reading (Linux's `FMODE_READ`).
    pub fn readable(&self) -> bool {
        !self.is_path() && ((self.flags() & O_ACCMODE) + 1) & 1 != 0
    }

    /// Whether the access mode allows writing (`FMODE_WRITE`).
    pub fn writable(&self) -> bool {
        !self.is_path() && ((self.flags() & O_ACCMODE) + 1) & 2 != 0
    }

    /// The current offset.
    pub fn position(&self) -> u64 {
        *self.pos.lock()
    }

    /// Takes the offset lock if it is free (true). The kernel holds it across a read or write
    /// made of several steps, so two readers of one description never get the same bytes.
    pub fn try_lock_offset(&self) -> bool {
        self.offset_locked
            .compare_exchange(false, true, Ordering::Acquire, Ordering::Relaxed)
            .is_ok()
    }

    /// Releases the offset lock (the caller then wakes whoever waits for it).
    pub fn unlock_offset(&self) {
        self.offset_locked.store(false, Ordering::Release);
    }

    /// Whether the offset lock is held.
    pub fn offset_locked(&self) -> bool {
        self.offset_locked.load(Ordering::Acquire)
    }

    /// Sets the offset (the end of a read or write made of several positional steps).
    pub fn set_position(&self, pos: u64) {
        *self.pos.lock() = pos;
    }

    /// `read(2)` at the shared offset. EBADF if not open for reading.
    pub fn read(&self, buf: &mut [u8]) -> KResult<usize> {
        if !self.readable() {
            return Err(Errno::EBADF);
        }
        let mut pos = self.pos.lock();
        self.ops.read(&mut pos, buf, self.flags())
    }

    /// `write(2)` at the shared offset (the end with `O_APPEND`). EBADF if not open for writing.
    pub fn write(&self, buf: &[u8]) -> KResult<usize> {
        if !self.writable() {
            return Err(Errno::EBADF);
        }
        let mut pos = self.pos.lock();
        self.ops.write(&mut pos, buf, self.flags())
    }

    fn positional(&self, off: i64) -> KResult<u64> {
        if !self.ops.seekable() {
            return Err(Errno::ESPIPE);
        }
        u64::try_from(off).map_err(|_| Errno::EINVAL)
    }

    /// `pread64(2)`: reads at `off` without moving the offset. ESPIPE if not seekable, EINVAL
    /// for a negative offset.
    pub fn pread(&self, off: i64, buf: &mut [u8]) -> KResult<usize> {
        if !self.readable() {
            return Err(Errno::EBADF);
        }
        let mut pos = self.positional(off)?;
        self.ops.read(&mut pos, buf, self.flags())
    }

    /// `pwrite64(2)`; with `O_APPEND` it appends, a Linux quirk the man page documents.
    pub fn pwrite(&self, off: i64, buf: &[u8]) -> KResult<usize> {
        if !self.writable() {
            return Err(Errno::EBADF);
        }
        let mut pos = self.positional(off)?;
        self.ops.write(&mut pos, buf, self.flags())
    }

    /// `lseek(2)`: returns and stores the new offset.
    pub fn seek(&self, offset: i64, whence: u32) -> KResult<u64> {
        if self.is_path() {
            return Err(Errno::EBADF);
        }
        let mut pos = self.pos.lock();
        let new = self.ops.seek(*pos, offset, whence)?;
        *pos = new;
        Ok(new)
    }

    /// `getdents64(2)` into a kernel buffer, continuing from the offset. EINVAL if even one
    /// record does not fit, ENOTDIR for a non-directory.
    pub fn getdents(&self, buf: &mut [u8]) -> KResult<usize> {
        if self.is_path() {
            return Err(Errno::EBADF);
        }
        let mut pos = self.pos.lock();
        self.ops.getdents(&mut pos, buf)
    }

    /// `ioctl(2)`; EBADF on an `O_PATH` file.
    pub fn ioctl(&self, cmd: u32, arg: usize) -> KResult<usize> {
        if self.is_path() {
            return Err(Errno::EBADF);
        }
        self.ops.ioctl(cmd, arg)
    }

    /// Readiness for `poll(2)`; `POLLNVAL` for an `O_PATH` file.
    pub fn poll(&self) -> u16 {
        if self.is_path() {
            return POLLNVAL;
        }
        self.ops.poll()
    }

    /// `fstat(2)`: the inode's metadata, or the ops' own for inode-less files.
    pub fn stat(&self) -> Metadata {
        match &self.inode {
            Some(i) => i.metadata(),
            None => self.ops.stat(),
        }
    }

    /// `ftruncate(2)`: EINVAL for a negative length or a file not open for writing.
    pub fn truncate(&self, len: i64) -> KResult<()> {
        if self.is_path() {
            return Err(Errno::EBADF);
        }
        let len = u64::try_from(len).map_err(|_| Errno::EINVAL)?;
        if !self.writable() {
            return Err(Errno::EINVAL);
        }
        self.ops.truncate(len)
    }

    /// `fsync(2)`.
    pub fn fsync(&self) -> KResult<()> {
        if self.is_path() {
            return Err(Errno::EBADF);
        }
        self.ops.fsync()
    }
}

impl Drop for OpenFile {
    fn drop(&mut self) {
        if let Some(i) = &self.inode {
            i.release_flock(self.id);
            if i.has_record_locks() {
                i.release_locks(crate::locks::LockOwner::Ofd(self.id));
            }
            i.superblock().file_closed();
        }
    }
}

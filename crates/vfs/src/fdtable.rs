//! Per-process file descriptor tables (Linux's `files_struct`): fd number -> shared
//! [`OpenFile`] plus the per-fd close-on-exec flag.
//!
//! New fds take the lowest free number (POSIX); numbers at or above the soft `RLIMIT_NOFILE`
//! (default 1024) are never handed out (EMFILE). Threads sharing a table (`CLONE_FILES`) share
//! an `Arc<FdTable>`; `fork` copies it with [`FdTable::fork`], the copies sharing the open file
//! descriptions (and so offsets and status flags), as on Linux.
//!
//! Locking: `FdTable::inner` is a leaf spinlock. Files removed from the table (close, dup2
//! over an open fd, exec) are dropped after it is released, so a file's `Drop` may take locks.

use alloc::sync::Arc;
use alloc::vec::Vec;
use core::sync::atomic::{AtomicU64, Ordering};

use keel_abi::{Errno, KResult};
use spin::Mutex;

use crate::consts::{
    FD_CLOEXEC, F_DUPFD, F_DUPFD_CLOEXEC, F_GETFD, F_GETFL, F_SETFD, F_SETFL, O_CLOEXEC,
};
use crate::file::OpenFile;
use crate::locks::LockOwner;

/// Default soft limit on open fds (`RLIMIT_NOFILE`).
pub const DEFAULT_NOFILE: usize = 1024;
/// Hard cap for [`FdTable::set_limit`] (Linux's default `fs.nr_open`).
pub const NR_OPEN: usize = 1 << 20;

#[derive(Clone)]
struct Slot {
    file: Arc<OpenFile>,
    cloexec: bool,
}

#[derive(Clone)]
struct Inner {
    slots: Vec<Option<Slot>>,
    limit: usize,
}

impl Inner {
    fn lowest_free(&self, min: usize) -> KResult<usize> {
        let fd = (min..self.slots.len())
            .find(|&i| self.slots[i].is_none())
            .unwrap_or(self.slots.len().max(min));
        if fd >= self.limit {
            return Err(Errno::EMFILE);
        }
        Ok(fd)
    }

    fn put(&mut self, fd: usize, slot: Slot) -> Option<Slot> {
        if fd >= self.slots.len() {
            self.slots.resize(fd + 1, None);
        }
        self.slots[fd].replace(slot)
    }

    fn slot(&self, fd: i32) -> KResult<&Slot> {
        let i = usize::try_from(fd).map_err(|_| Errno::EBADF)?;
        self.slots
            .get(i)
            .and_then(Option::as_ref)
            .ok_or(Errno::EBADF)
    }

    fn trim(&mut self) {
        while self.slots.last().is_some_and(Option::is_none) {
            self.slots.pop();
        }
    }
}

/// Ids of fd tables (owners of POSIX record locks, as Linux's `files_struct`).
static NEXT_TABLE_ID: AtomicU64 = AtomicU64::new(1);

impl Drop for FdTable {
    /// The last reference to a table (process exit) closes its files.
    fn drop(&mut self) {
        let slots = core::mem::take(&mut self.inner.get_mut().slots);
        closed(self.id, slots.into_iter().flatten().map(|s| s.file));
    }
}

/// A file descriptor table.
pub struct FdTable {
    id: u64,
    inner: Mutex<Inner>,
}

/// Drops files taken out of a table (after its lock is released): a POSIX lock owner closing
/// any descriptor of a file loses all its record locks on it, as POSIX says.
/// `O_PATH` descriptors are not files for this (Linux's `filp_close` skips them).
fn closed(table: u64, files: impl IntoIterator<Item = Arc<OpenFile>>) {
    for f in files {
        if f.is_path() {
            continue;
        }
        if let Some(i) = f.inode() {
            if i.has_record_locks() {
                i.release_locks(LockOwner::Posix(table));
            }
        }
    }
}

impl Default for FdTable {
    fn default() -> FdTable {
        FdTable::new()
    }
}

impl FdTable {
    /// An empty table with the default limit.
    pub fn new() -> FdTable {
        FdTable {
            id: NEXT_TABLE_ID.fetch_add(1, Ordering::Relaxed),
            inner: Mutex::new(Inner {
                slots: Vec::new(),
                limit: DEFAULT_NOFILE,
            }),
        }
    }

    /// The copy `fork` gives the child: same fds, same open file descriptions, same flags.
    pub fn fork(&self) -> FdTable {
        FdTable {
            id: NEXT_TABLE_ID.fetch_add(1, Ordering::Relaxed),
            inner: Mutex::new(self.inner.lock().clone()),
        }
    }

    /// A number no other table has: the owner of this process's POSIX record locks.
    pub fn id(&self) -> u64 {
        self.id
    }

    /// The soft limit on fd numbers.
    pub fn limit(&self) -> usize {
        self.inner.lock().limit
    }

    /// Sets the soft limit (`setrlimit(RLIMIT_NOFILE)`); EPERM above [`NR_OPEN`]. Open fds at
    /// or above it stay open, as on Linux.
    pub fn set_limit(&self, limit: usize) -> KResult<()> {
        if limit > NR_OPEN {
            return Err(Errno::EPERM);
        }
        self.inner.lock().limit = limit;
        Ok(())
    }

    /// Installs `file` at the lowest free fd. EMFILE when none is below the limit.
    pub fn alloc(&self, file: Arc<OpenFile>, cloexec: bool) -> KResult<i32> {
        self.alloc_from(0, file, cloexec)
    }

    /// Installs `file` at the lowest free fd `>= min` (`F_DUPFD`). EINVAL if `min` is at or
    /// above the limit, EMFILE if no fd is free below it.
    pub fn alloc_from(&self, min: usize, file: Arc<OpenFile>, cloexec: bool) -> KResult<i32> {
        let mut t = self.inner.lock();
        if min >= t.limit {
            return Err(Errno::EINVAL);
        }
        let fd = t.lowest_free(min)?;
        t.put(fd, Slot { file, cloexec });
        i32::try_from(fd).map_err(|_| Errno::EMFILE)
    }

    /// The open file behind `fd`; EBADF if it is not open.
    pub fn get(&self, fd: i32) -> KResult<Arc<OpenFile>> {
        Ok(self.inner.lock().slot(fd)?.file.clone())
    }

    /// Whether `fd` has close-on-exec set; EBADF if it is not open.
    pub fn cloexec(&self, fd: i32) -> KResult<bool> {
        Ok(self.inner.lock().slot(fd)?.cloexec)
    }

    /// `close(2)`; EBADF if it is not open.
    pub fn close(&self, fd: i32) -> KResult<()> {
        let removed = {
            let mut t = self.inner.lock();
            t.slot(fd)?;
            let s = t.slots.get_mut(fd as usize).and_then(Option::take);
            t.trim();
            s
        };
        closed(self.id, removed.map(|s| s.file));
        Ok(())
    }

    /// `dup(2)`: the lowest free fd, close-on-exec clear.
    pub fn dup(&self, fd: i32) -> KResult<i32> {
        let file = self.get(fd)?;
        self.alloc(file, false)
    }

    /// `dup2(2)`: `new` refers to `old`'s file, closing what `new` held; `dup2(fd, fd)` just
    /// checks `fd`. EBADF if `old` is not open or `new` is negative or at/above the limit.
    pub fn dup2(&self, old: i32, new: i32) -> KResult<i32> {
        if old == new {
            self.get(old)?;
            return Ok(new);
        }
        self.replace(old, new, false)
    }

    /// `dup3(2)`: as `dup2`, but EINVAL for `old == new` or flags other than `O_CLOEXEC`.
    pub fn dup3(&self, old: i32, new: i32, flags: u32) -> KResult<i32> {
        if flags & !O_CLOEXEC != 0 || old == new {
            return Err(Errno::EINVAL);
        }
        self.replace(old, new, flags & O_CLOEXEC != 0)
    }

    fn replace(&self, old: i32, new: i32, cloexec: bool) -> KResult<i32> {
        let displaced = {
            let mut t = self.inner.lock();
            let file = t.slot(old)?.file.clone();
            let n = usize::try_from(new).map_err(|_| Errno::EBADF)?;
            if n >= t.limit {
                return Err(Errno::EBADF);
            }
            t.put(n, Slot { file, cloexec })
        };
        closed(self.id, displaced.map(|s| s.file));
        Ok(new)
    }

    /// `fcntl(2)` for the fd-table commands: `F_DUPFD`, `F_DUPFD_CLOEXEC`, `F_GETFD`, `F_SETFD`,
    /// `F_GETFL`, `F_SETFL`. Other commands are EINVAL here (locks, owners, pipes' sizes
    /// belong to the kernel's other layers, which handle them before calling this).
    pub fn fcntl(&self, fd: i32, cmd: u32, arg: u64) -> KResult<usize> {
        match cmd {
            F_DUPFD | F_DUPFD_CLOEXEC => {
                let file = self.get(fd)?;
                let min = usize::try_from(arg).map_err(|_| Errno::EINVAL)?;
                let new = self.alloc_from(min, file, cmd == F_DUPFD_CLOEXEC)?;
                Ok(new as usize)
            }
            F_GETFD => Ok(if self.cloexec(fd)? {
                FD_CLOEXEC as usize
            } else {
                0
            }),
            F_SETFD => {
                let mut t = self.inner.lock();
                t.slot(fd)?;
                if let Some(Some(s)) = t.slots.get_mut(fd as usize) {
                    s.cloexec = arg & u64::from(FD_CLOEXEC) != 0;
                }
                Ok(0)
            }
            F_GETFL => Ok(self.get(fd)?.flags() as usize),
            F_SETFL => {
                let file = self.get(fd)?;
                if file.is_path() {
                    return Err(Errno::EBADF);
                }
                file.set_status_flags(arg as u32);
                Ok(0)
            }
            _ => Err(Errno::EINVAL),
        }
    }

    /// `execve`: closes every close-on-exec fd.
    pub fn close_on_exec(&self) {
        let mut gone = Vec::new();
        {
            let mut t = self.inner.lock();
            for s in t.slots.iter_mut() {
                if s.as_ref().is_some_and(|s| s.cloexec) {
                    gone.extend(s.take());
                }
            }
            t.trim();
        }
        closed(self.id, gone.into_iter().map(|s| s.file));
    }

    /// Process exit: closes everything.
    pub fn close_all(&self) {
        let slots = core::mem::take(&mut self.inner.lock().slots);
        closed(self.id, slots.into_iter().flatten().map(|s| s.file));
    }

    /// The open fds, ascending (for `/proc/self/fd` and `close_range`).
    pub fn open_fds(&self) -> Vec<i32> {
        let t = self.inner.lock();
        t.slots
            .iter()
            .enumerate()
            .filter(|(_, s)| s.is_some())
            .filter_map(|(i, _)| i32::try_from(i).ok())
            .collect()
    }
}

//! Advisory file locks, kept per inode whatever the file system
//! (<https://man7.org/linux/man-pages/man2/flock.2.html>,
//! <https://man7.org/linux/man-pages/man2/fcntl.2.html>):
//!
//! - `flock(2)` locks: whole-file, shared or exclusive, owned by an open file description
//!   (so `dup` and `fork` share them) and released when it is closed for the last time.
//!   Converting a lock removes the old one first, as Linux does, so a failed `LOCK_NB`
//!   conversion leaves none.
//! - POSIX record locks (`F_SETLK`...): byte ranges, read or write, owned by a process's fd
//!   table (released when the process closes *any* descriptor of the file, or exits) or, for
//!   `F_OFD_*`, by an open file description. One owner's locks never conflict with each other:
//!   a new lock replaces the owner's locks in its range, splitting them, and merges with
//!   adjacent locks of the same type (so `F_GETLK` reports merged ranges, as Linux).
//!
//! Nothing here blocks: a conflicting request is EAGAIN. Waiters (`F_SETLKW`, `flock` without
//! `LOCK_NB`) subscribe to [`Inode::lock_waiters`], which is notified after every release, and
//! retry.
//!
//! Locking: `FileLocks::state` and `FileLocks::waiters` are leaves, never held together.

use alloc::sync::Arc;
use alloc::vec::Vec;
use core::sync::atomic::{AtomicU64, Ordering};

use keel_abi::{Errno, KResult};
use spin::Mutex;

use crate::file::{Observer, Pollee};
use crate::inode::Inode;

/// A `flock(2)` request.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FlockOp {
    /// `LOCK_SH`.
    Shared,
    /// `LOCK_EX`.
    Exclusive,
    /// `LOCK_UN`.
    Unlock,
}

/// Who owns a record lock.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LockOwner {
    /// A traditional POSIX lock: the fd table's [`crate::FdTable::id`].
    Posix(u64),
    /// An open-file-description lock: the [`crate::OpenFile::id`].
    Ofd(u64),
}

/// A byte range, both ends included; an `end` of `i64::MAX` means "to the end of the file
/// and beyond" (Linux's `OFFSET_MAX`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct LockRange {
    /// First byte.
    pub start: u64,
    /// Last byte.
    pub end: u64,
}

impl LockRange {
    /// Linux's end of every file.
    pub const EOF: u64 = i64::MAX as u64;

    fn overlaps(&self, o: &LockRange) -> bool {
        self.start <= o.end && o.start <= self.end
    }

    fn touches(&self, o: &LockRange) -> bool {
        self.start <= o.end.saturating_add(1) && o.start <= self.end.saturating_add(1)
    }
}

/// One record lock.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RecordLock {
    /// Its owner.
    pub owner: LockOwner,
    /// The process that set it (`l_pid` of `F_GETLK`; reported as -1 for OFD locks).
    pub pid: i32,
    /// A write (exclusive) lock, else a read (shared) one.
    pub write: bool,
    /// The bytes it covers.
    pub range: LockRange,
}

#[derive(Default)]
struct State {
    /// `flock` holders: open file id and whether exclusive.
    flock: Vec<(u64, bool)>,
    records: Vec<RecordLock>,
}

/// The locks of one inode, and who waits for them to change.
#[derive(Default)]
pub(crate) struct FileLocks {
    state: Mutex<State>,
    waiters: Mutex<Vec<(u64, Arc<dyn Observer>)>>,
    next_key: AtomicU64,
    generation: AtomicU64,
}

impl FileLocks {
    fn released(&self) {
        self.generation.fetch_add(1, Ordering::AcqRel);
        let obs: Vec<Arc<dyn Observer>> =
            self.waiters.lock().iter().map(|(_, o)| o.clone()).collect();
        for o in obs {
            o.notify(0);
        }
    }
}

impl Pollee for FileLocks {
    fn subscribe(&self, observer: Arc<dyn Observer>) -> u64 {
        let key = self.next_key.fetch_add(1, Ordering::Relaxed);
        self.waiters.lock().push((key, observer));
        key
    }

    fn unsubscribe(&self, key: u64) {
        let removed = {
            let mut w = self.waiters.lock();
            w.iter()
                .position(|(k, _)| *k == key)
                .map(|i| w.swap_remove(i))
        };
        drop(removed);
    }
}

impl Inode {
    /// `flock(2)` for the open file description `file` (its [`crate::OpenFile::id`]). EAGAIN
    /// (EWOULDBLOCK) if another description holds a conflicting lock.
    pub fn flock(&self, file: u64, op: FlockOp) -> KResult<()> {
        let mut st = self.locks.state.lock();
        let mine = st.flock.iter().position(|&(f, _)| f == file);
        let want_ex = match op {
            FlockOp::Unlock => {
                if let Some(i) = mine {
                    st.flock.swap_remove(i);
                    drop(st);
                    self.locks.released();
                }
                return Ok(());
            }
            FlockOp::Shared => false,
            FlockOp::Exclusive => true,
        };
        let mut dropped = false;
        if let Some(i) = mine {
            if st.flock[i].1 == want_ex {
                return Ok(());
            }
            st.flock.swap_remove(i);
            dropped = true;
        }
        let conflict = st.flock.iter().any(|&(_, ex)| ex || want_ex);
        if !conflict {
            st.flock.push((file, want_ex));
        }
        drop(st);
        if dropped {
            self.locks.released();
        }
        if conflict {
            Err(Errno::EAGAIN)
        } else {
            Ok(())
        }
    }

    /// Drops the `flock` lock of the open file description `file`, if any (its last close).
    pub fn release_flock(&self, file: u64) {
        self.flock(file, FlockOp::Unlock).ok();
    }

    /// `F_GETLK`: the first lock of another owner that would block a `write` (or read) lock on
    /// `range` by `owner`, if any.
    pub fn test_lock(&self, owner: LockOwner, write: bool, range: LockRange) -> Option<RecordLock> {
        self.locks
            .state
            .lock()
            .records
            .iter()
            .find(|l| l.owner != owner && l.range.overlaps(&range) && (l.write || write))
            .copied()
    }

    /// `F_SETLK`: sets a read or write lock (`kind` `Some(write)`) or unlocks (`None`) `range`
    /// for `owner`. EAGAIN if another owner holds a conflicting lock.
    pub fn set_lock(
        &self,
        owner: LockOwner,
        pid: i32,
        kind: Option<bool>,
        range: LockRange,
    ) -> KResult<()> {
        let mut st = self.locks.state.lock();
        if let Some(write) = kind {
            if st
                .records
                .iter()
                .any(|l| l.owner != owner && l.range.overlaps(&range) && (l.write || write))
            {
                return Err(Errno::EAGAIN);
            }
        }
        let mut merged = range;
        let mut out = Vec::with_capacity(st.records.len() + 2);
        let mut released = false;
        for l in st.records.drain(..) {
            if l.owner != owner {
                out.push(l);
                continue;
            }
            if kind == Some(l.write) && l.range.touches(&merged) {
                merged.start = merged.start.min(l.range.start);
                merged.end = merged.end.max(l.range.end);
                continue;
            }
            if !l.range.overlaps(&range) {
                out.push(l);
                continue;
            }
            released = true;
            if l.range.start < range.start {
                out.push(RecordLock {
                    range: LockRange {
                        start: l.range.start,
                        end: range.start - 1,
                    },
                    ..l
                });
            }
            if l.range.end > range.end {
                out.push(RecordLock {
                    range: LockRange {
                        start: range.end + 1,
                        end: l.range.end,
                    },
                    ..l
                });
            }
        }
        if let Some(write) = kind {
            // A write lock turned into a read lock over part of its range releases waiters.
            released |= !write;
            out.push(RecordLock {
                owner,
                pid,
                write,
                range: merged,
            });
        }
        st.records = out;
        drop(st);
        if released {
            self.locks.released();
        }
        Ok(())
    }

    /// Drops every record lock of `owner` on this file (a POSIX owner closing a descriptor of
    /// it, an open file description going away).
    pub fn release_locks(&self, owner: LockOwner) {
        let released = {
            let mut st = self.locks.state.lock();
            let before = st.records.len();
            st.records.retain(|l| l.owner != owner);
            st.records.len() != before
        };
        if released {
            self.locks.released();
        }
    }

    /// Whether any record lock is held (a cheap check before releasing on close).
    pub fn has_record_locks(&self) -> bool {
        !self.locks.state.lock().records.is_empty()
    }

    /// Where to wait for this file's locks to be released (see the module docs).
    pub fn lock_waiters(&self) -> &dyn Pollee {
        &self.locks
    }

    /// A counter that moves on every release, for waiters' conditions.
    pub fn lock_generation(&self) -> u64 {
        self.locks.generation.load(Ordering::Acquire)
    }
}

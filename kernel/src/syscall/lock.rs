//! Advisory locks: `flock(2)` and the record-lock commands of `fcntl(2)` (`F_GETLK`,
//! `F_SETLK`, `F_SETLKW` and their `F_OFD_*` forms). The lock tables are the VFS's
//! (`keel_vfs` `locks.rs`); this file decodes `struct flock` as Linux's `flock_to_posix_lock`
//! does and sleeps for the waiting forms until a release lets the lock through.

use alloc::sync::Arc;

use keel_abi::fcntl::{Flock, F_RDLCK, F_UNLCK, F_WRLCK, SEEK_CUR, SEEK_END, SEEK_SET};
use keel_abi::{Errno, KResult};
use keel_vfs::consts::{
    F_GETLK, F_OFD_GETLK, F_OFD_SETLK, F_OFD_SETLKW, F_SETLK, F_SETLKW, LOCK_EX, LOCK_NB, LOCK_SH,
    LOCK_UN,
};
use keel_vfs::{FlockOp, Inode, LockOwner, LockRange, OpenFile};

use super::Caller;
use crate::fs::readiness::{interrupted_restarts, Subscription, ThreadWaker};
use crate::mm::usercopy::UserPtr;

/// Linux's `LOCK_MAND` (gone: accepted and ignored).
const LOCK_MAND: u32 = 32;

/// Retries `attempt` while it says EAGAIN, sleeping until the file's locks change. A signal
/// ends the wait with ERESTARTSYS.
fn wait_for_lock(inode: &Inode, mut attempt: impl FnMut() -> KResult<()>) -> KResult<()> {
    loop {
        match attempt() {
            Err(Errno::EAGAIN) => {}
            r => return r,
        }
        let seen = inode.lock_generation();
        let _sub = Subscription::new(
            inode.lock_waiters(),
            Arc::new(ThreadWaker(crate::sched::current())),
        );
        // A release between the first attempt and the subscription would be missed.
        match attempt() {
            Err(Errno::EAGAIN) => {}
            r => return r,
        }
        crate::sched::waitqueue::block_until(|| inode.lock_generation() != seen, None, true)
            .map_err(interrupted_restarts)?;
    }
}

/// `flock(2)`: EINVAL for an unknown operation, EBADF for a bad or `O_PATH` fd, EWOULDBLOCK
/// with `LOCK_NB` when another open file description holds a conflicting lock.
pub fn sys_flock(c: &Caller, fd: i32, op: u32) -> KResult<usize> {
    if op & LOCK_MAND != 0 {
        return Ok(0);
    }
    let kind = match op & !LOCK_NB {
        LOCK_SH => FlockOp::Shared,
        LOCK_EX => FlockOp::Exclusive,
        LOCK_UN => FlockOp::Unlock,
        _ => return Err(Errno::EINVAL),
    };
    let f = c.process().fds().get(fd)?;
    if f.is_path() {
        return Err(Errno::EBADF);
    }
    let Some(inode) = f.inode().cloned() else {
        return Ok(0); // pipes and sockets: nobody else can name them
    };
    let id = f.id();
    if op & LOCK_NB != 0 || kind == FlockOp::Unlock {
        return inode.flock(id, kind).map(|()| 0);
    }
    wait_for_lock(&inode, || inode.flock(id, kind))?;
    Ok(0)
}

/// Linux's `flock_to_posix_lock`: the byte range `fl` means for `f`.
fn range_of(f: &OpenFile, fl: &Flock) -> KResult<LockRange> {
    let base: i64 = match fl.l_whence as u32 {
        SEEK_SET => 0,
        SEEK_CUR => f.position() as i64,
        SEEK_END => f.stat().size as i64,
        _ => return Err(Errno::EINVAL),
    };
    let mut start = base.checked_add(fl.l_start).ok_or(Errno::EOVERFLOW)?;
    if start < 0 {
        return Err(Errno::EINVAL);
    }
    let end = if fl.l_len > 0 {
        start.checked_add(fl.l_len - 1).ok_or(Errno::EOVERFLOW)?
    } else if fl.l_len < 0 {
        let end = start - 1;
        start += fl.l_len;
        if start < 0 {
            return Err(Errno::EINVAL);
        }
        end
    } else {
        i64::MAX
    };
    Ok(LockRange {
        start: start as u64,
        end: end as u64,
    })
}

/// The record-lock commands of `fcntl(2)`.
pub fn fcntl_lock(c: &Caller, fd: i32, cmd: u32, arg: u64) -> KResult<usize> {
    let p = c.process();
    let f = p.fds().get(fd)?;
    if f.is_path() {
        return Err(Errno::EBADF);
    }
    let ptr = UserPtr::<Flock>::new(arg);
    let mut fl = ptr.read()?;
    let ofd = matches!(cmd, F_OFD_GETLK | F_OFD_SETLK | F_OFD_SETLKW);
    let owner = if ofd {
        LockOwner::Ofd(f.id())
    } else {
        LockOwner::Posix(p.fds().id())
    };
    let Some(inode) = f.inode().cloned() else {
        return Err(Errno::EINVAL);
    };
    if matches!(cmd, F_GETLK | F_OFD_GETLK) {
        let write = match fl.l_type as u16 {
            F_RDLCK => false,
            F_WRLCK => true,
            _ => return Err(Errno::EINVAL),
        };
        let range = range_of(&f, &fl)?;
        if ofd && fl.l_pid != 0 {
            return Err(Errno::EINVAL);
        }
        match inode.test_lock(owner, write, range) {
            None => fl.l_type = F_UNLCK as i16,
            Some(l) => {
                fl.l_type = if l.write { F_WRLCK } else { F_RDLCK } as i16;
                fl.l_whence = SEEK_SET as i16;
                fl.l_start = l.range.start as i64;
                fl.l_len = if l.range.end == LockRange::EOF {
                    0
                } else {
                    (l.range.end - l.range.start + 1) as i64
                };
                fl.l_pid = match l.owner {
                    LockOwner::Ofd(_) => -1,
                    LockOwner::Posix(_) => l.pid,
                };
            }
        }
        ptr.write(fl)?;
        return Ok(0);
    }
    let range = range_of(&f, &fl)?;
    let kind = match fl.l_type as u16 {
        F_RDLCK => Some(false),
        F_WRLCK => Some(true),
        F_UNLCK => None,
        _ => return Err(Errno::EINVAL),
    };
    match kind {
        Some(false) if !f.readable() => return Err(Errno::EBADF),
        Some(true) if !f.writable() => return Err(Errno::EBADF),
        _ => {}
    }
    if ofd && fl.l_pid != 0 {
        return Err(Errno::EINVAL);
    }
    let pid = p.pid as i32;
    if matches!(cmd, F_SETLKW | F_OFD_SETLKW) && kind.is_some() {
        wait_for_lock(&inode, || inode.set_lock(owner, pid, kind, range))?;
    } else {
        inode.set_lock(owner, pid, kind, range)?;
    }
    Ok(0)
}

/// Whether `cmd` is a record-lock command of `fcntl`.
pub fn is_lock_cmd(cmd: u32) -> bool {
    matches!(
        cmd,
        F_GETLK | F_SETLK | F_SETLKW | F_OFD_GETLK | F_OFD_SETLK | F_OFD_SETLKW
    )
}

//! Advisory locks: flock(2) per open file description, POSIX record locks per fd table and
//! per open file description, and their release on close.

mod common;

use common::*;
use keel_abi::Errno;
use keel_vfs::consts::*;
use keel_vfs::*;

fn range(start: u64, end: u64) -> LockRange {
    LockRange { start, end }
}

#[test]
fn flock_shares_excludes_converts_and_releases_on_last_close() {
    let v = vfs();
    file(&v, "/f", b"");
    let a = open(&v, "/f", O_RDONLY).unwrap();
    let b = open(&v, "/f", O_RDONLY).unwrap();
    let i = a.inode().unwrap().clone();
    i.flock(a.id(), FlockOp::Shared).unwrap();
    i.flock(b.id(), FlockOp::Shared).unwrap();
    assert_eq!(
        i.flock(b.id(), FlockOp::Exclusive).err(),
        Some(Errno::EAGAIN),
        "a shared holder blocks an exclusive lock"
    );
    i.flock(a.id(), FlockOp::Exclusive)
        .expect("b lost its shared lock in the failed conversion, as on Linux");
    assert_eq!(i.flock(b.id(), FlockOp::Shared).err(), Some(Errno::EAGAIN));
    i.flock(a.id(), FlockOp::Unlock).unwrap();
    i.flock(b.id(), FlockOp::Exclusive).unwrap();
    let gen = i.lock_generation();
    drop(b);
    assert_ne!(
        i.lock_generation(),
        gen,
        "the last close released and told waiters"
    );
    i.flock(a.id(), FlockOp::Exclusive).unwrap();
}

#[test]
fn record_locks_conflict_only_between_owners() {
    let v = vfs();
    let i = file(&v, "/f", b"0123456789");
    let p1 = LockOwner::Posix(1);
    let p2 = LockOwner::Posix(2);
    i.set_lock(p1, 10, Some(false), range(0, 9)).unwrap();
    i.set_lock(p1, 10, Some(true), range(5, 5)).unwrap();
    i.set_lock(p2, 20, Some(false), range(0, 4)).unwrap();
    assert_eq!(
        i.set_lock(p2, 20, Some(false), range(5, 5)).err(),
        Some(Errno::EAGAIN),
        "p1 write-locks byte 5"
    );
    let c = i.test_lock(p2, true, range(0, LockRange::EOF)).unwrap();
    assert_eq!((c.owner, c.pid, c.write), (p1, 10, false));
    assert_eq!(
        c.range,
        range(0, 4),
        "p1's read lock was split around byte 5"
    );
    assert!(
        i.test_lock(p1, true, range(0, 100)).is_some(),
        "p2's read lock blocks p1 writing"
    );
    assert!(i.test_lock(p1, false, range(0, 100)).is_none());
    i.set_lock(p1, 10, Some(false), range(5, 5)).unwrap();
    let c = i.test_lock(p2, true, range(0, LockRange::EOF)).unwrap();
    assert_eq!(c.range, range(0, 9), "merged back into one read lock");
    i.set_lock(p1, 10, None, range(3, 6)).unwrap();
    let c = i.test_lock(p2, true, range(3, 9)).unwrap();
    assert_eq!(c.range, range(7, 9), "unlocking the middle split it");
    i.release_locks(p1);
    assert!(
        i.test_lock(p2, true, range(5, 9)).is_none(),
        "all of p1's gone"
    );
}

#[test]
fn posix_locks_go_with_any_close_and_ofd_locks_with_the_description() {
    let v = vfs();
    file(&v, "/f", b"");
    let t = FdTable::new();
    let a = open(&v, "/f", O_RDWR).unwrap();
    let i = a.inode().unwrap().clone();
    let fd1 = t.alloc(a.clone(), false).unwrap();
    let fd2 = t.alloc(open(&v, "/f", O_RDONLY).unwrap(), false).unwrap();
    i.set_lock(LockOwner::Posix(t.id()), 1, Some(true), range(0, 9))
        .unwrap();
    i.set_lock(LockOwner::Ofd(a.id()), 1, Some(false), range(20, 29))
        .unwrap();
    t.close(fd2).unwrap();
    assert!(
        i.test_lock(LockOwner::Posix(99), true, range(0, 9))
            .is_none(),
        "closing another fd of the file dropped the process's POSIX locks"
    );
    assert!(
        i.test_lock(LockOwner::Posix(99), true, range(20, 29))
            .is_some(),
        "the OFD lock stays"
    );
    t.close(fd1).unwrap();
    drop(a);
    assert!(
        i.test_lock(LockOwner::Posix(99), true, range(20, 29))
            .is_none(),
        "gone with its description"
    );
    assert_ne!(
        FdTable::new().id(),
        t.fork().id(),
        "every table owns its locks"
    );
}

//! File descriptor tables: allocation, dup, fcntl, close-on-exec, fork.
mod common;

use std::sync::Arc;

use common::*;
use keel_abi::Errno;
use keel_vfs::consts::*;
use keel_vfs::*;

fn setup() -> (Vfs, FdTable) {
    let v = vfs();
    file(&v, "/f", b"0123456789");
    (v, FdTable::new())
}

#[test]
fn new_fds_take_the_lowest_free_number() {
    let (v, t) = setup();
    for want in 0..3 {
        assert_eq!(t.alloc(open(&v, "/f", O_RDONLY).unwrap(), false), Ok(want));
    }
    t.close(1).unwrap();
    assert_eq!(
        t.alloc(open(&v, "/f", O_RDONLY).unwrap(), false),
        Ok(1),
        "the hole at 1 is reused"
    );
    assert_eq!(t.open_fds(), [0, 1, 2]);
}

#[test]
fn bad_fds_are_ebadf() {
    let (v, t) = setup();
    assert_eq!(t.get(0).err(), Some(Errno::EBADF), "empty table");
    assert_eq!(t.get(-1).err(), Some(Errno::EBADF), "negative fd");
    assert_eq!(t.get(i32::MAX).err(), Some(Errno::EBADF));
    let fd = t.alloc(open(&v, "/f", O_RDONLY).unwrap(), false).unwrap();
    t.close(fd).unwrap();
    assert_eq!(t.close(fd).err(), Some(Errno::EBADF), "double close");
    assert_eq!(t.dup(fd).err(), Some(Errno::EBADF));
}

#[test]
fn dup_shares_the_offset_and_status_flags() {
    let (v, t) = setup();
    let fd = t.alloc(open(&v, "/f", O_RDONLY).unwrap(), false).unwrap();
    let fd2 = t.dup(fd).unwrap();
    assert_ne!(fd, fd2);
    let mut buf = [0u8; 4];
    t.get(fd).unwrap().read(&mut buf).unwrap();
    t.get(fd2).unwrap().read(&mut buf).unwrap();
    assert_eq!(
        &buf, b"4567",
        "the dup continues where the original stopped"
    );
    t.fcntl(fd, F_SETFL, u64::from(O_NONBLOCK)).unwrap();
    assert_ne!(
        t.fcntl(fd2, F_GETFL, 0).unwrap() as u32 & O_NONBLOCK,
        0,
        "status flags are shared"
    );
}

#[test]
fn separate_opens_have_separate_offsets() {
    let (v, t) = setup();
    let a = t.alloc(open(&v, "/f", O_RDONLY).unwrap(), false).unwrap();
    let b = t.alloc(open(&v, "/f", O_RDONLY).unwrap(), false).unwrap();
    let mut buf = [0u8; 3];
    t.get(a).unwrap().read(&mut buf).unwrap();
    t.get(b).unwrap().read(&mut buf).unwrap();
    assert_eq!(
        &buf, b"012",
        "each open file description has its own offset"
    );
}

#[test]
fn fork_copies_the_table_and_shares_offsets() {
    let (v, parent) = setup();
    let fd = parent
        .alloc(open(&v, "/f", O_RDONLY).unwrap(), true)
        .unwrap();
    let child = parent.fork();
    let mut buf = [0u8; 2];
    child.get(fd).unwrap().read(&mut buf).unwrap();
    parent.get(fd).unwrap().read(&mut buf).unwrap();
    assert_eq!(&buf, b"23", "parent and child share the description");
    assert_eq!(child.cloexec(fd), Ok(true), "fd flags are copied");
    child.close(fd).unwrap();
    assert!(
        parent.get(fd).is_ok(),
        "closing in the child leaves the parent's fd"
    );
}

#[test]
fn exec_closes_only_cloexec_fds() {
    let (v, t) = setup();
    let keep = t.alloc(open(&v, "/f", O_RDONLY).unwrap(), false).unwrap();
    let drop_me = t.alloc(open(&v, "/f", O_RDONLY).unwrap(), true).unwrap();
    let dup_ce = t.fcntl(keep, F_DUPFD_CLOEXEC, 0).unwrap() as i32;
    t.close_on_exec();
    assert!(t.get(keep).is_ok(), "a plain fd survives exec");
    assert_eq!(
        t.get(drop_me).err(),
        Some(Errno::EBADF),
        "O_CLOEXEC fd is closed"
    );
    assert_eq!(
        t.get(dup_ce).err(),
        Some(Errno::EBADF),
        "F_DUPFD_CLOEXEC fd is closed"
    );
}

#[test]
fn the_fd_limit_gives_emfile() {
    let (v, t) = setup();
    t.set_limit(4).unwrap();
    let f = open(&v, "/f", O_RDONLY).unwrap();
    for _ in 0..4 {
        t.alloc(f.clone(), false).unwrap();
    }
    assert_eq!(t.alloc(f.clone(), false).err(), Some(Errno::EMFILE));
    assert_eq!(t.dup(0).err(), Some(Errno::EMFILE));
    assert_eq!(
        t.fcntl(0, F_DUPFD, 4).err(),
        Some(Errno::EINVAL),
        "F_DUPFD minimum at the limit"
    );
    assert_eq!(
        t.dup2(0, 4).err(),
        Some(Errno::EBADF),
        "dup2 target at the limit"
    );
    assert_eq!(FdTable::new().limit(), DEFAULT_NOFILE);
    assert_eq!(t.set_limit(NR_OPEN + 1).err(), Some(Errno::EPERM));
}

#[test]
fn dup2_onto_itself_returns_the_fd() {
    let (v, t) = setup();
    let fd = t.alloc(open(&v, "/f", O_RDONLY).unwrap(), true).unwrap();
    assert_eq!(t.dup2(fd, fd), Ok(fd));
    assert_eq!(t.cloexec(fd), Ok(true), "dup2(fd, fd) changes nothing");
    assert_eq!(
        t.dup2(5, 5).err(),
        Some(Errno::EBADF),
        "dup2 of a closed fd onto itself"
    );
}

#[test]
fn dup2_replaces_an_open_target_and_clears_cloexec() {
    let (v, t) = setup();
    let a = t.alloc(open(&v, "/f", O_RDONLY).unwrap(), false).unwrap();
    let b_file = open(&v, "/f", O_RDONLY).unwrap();
    let b = t.alloc(b_file.clone(), true).unwrap();
    assert_eq!(t.dup2(a, b), Ok(b));
    assert!(
        Arc::ptr_eq(&t.get(b).unwrap(), &t.get(a).unwrap()),
        "b now refers to a's file"
    );
    assert_eq!(t.cloexec(b), Ok(false));
    assert_eq!(
        Arc::strong_count(&b_file),
        1,
        "the displaced file was released"
    );
    assert_eq!(t.dup2(a, 100), Ok(100), "dup2 to a high fd grows the table");
    assert_eq!(t.dup2(a, -1).err(), Some(Errno::EBADF));
    assert_eq!(t.dup2(50, 51).err(), Some(Errno::EBADF), "closed source");
}

#[test]
fn dup3_rules() {
    let (v, t) = setup();
    let a = t.alloc(open(&v, "/f", O_RDONLY).unwrap(), false).unwrap();
    assert_eq!(
        t.dup3(a, a, 0).err(),
        Some(Errno::EINVAL),
        "dup3 onto itself"
    );
    assert_eq!(
        t.dup3(a, 7, O_NONBLOCK).err(),
        Some(Errno::EINVAL),
        "only O_CLOEXEC is allowed"
    );
    assert_eq!(t.dup3(a, 7, O_CLOEXEC), Ok(7));
    assert_eq!(t.cloexec(7), Ok(true));
}

#[test]
fn fcntl_fd_flags_and_dupfd_minimum() {
    let (v, t) = setup();
    let a = t.alloc(open(&v, "/f", O_RDONLY).unwrap(), false).unwrap();
    assert_eq!(t.fcntl(a, F_GETFD, 0), Ok(0));
    t.fcntl(a, F_SETFD, u64::from(FD_CLOEXEC)).unwrap();
    assert_eq!(t.fcntl(a, F_GETFD, 0), Ok(FD_CLOEXEC as usize));
    assert_eq!(
        t.fcntl(a, F_DUPFD, 10),
        Ok(10),
        "lowest free at or above 10"
    );
    assert_eq!(t.fcntl(a, F_DUPFD, 10), Ok(11));
    assert_eq!(t.cloexec(10), Ok(false), "F_DUPFD clears close-on-exec");
    assert_eq!(
        t.fcntl(a, 9999, 0).err(),
        Some(Errno::EINVAL),
        "unknown command"
    );
    assert_eq!(t.fcntl(42, F_GETFD, 0).err(), Some(Errno::EBADF));
}

#[test]
fn f_setfl_changes_only_status_flags() {
    let (v, t) = setup();
    let a = t.alloc(open(&v, "/f", O_RDONLY).unwrap(), false).unwrap();
    t.fcntl(
        a,
        F_SETFL,
        u64::from(O_RDWR | O_APPEND | O_NONBLOCK | O_TRUNC),
    )
    .unwrap();
    let fl = t.fcntl(a, F_GETFL, 0).unwrap() as u32;
    assert_eq!(fl & O_ACCMODE, O_RDONLY, "access mode is fixed");
    assert_eq!(
        fl & (O_APPEND | O_NONBLOCK),
        O_APPEND | O_NONBLOCK,
        "status flags change"
    );
    assert_eq!(fl & O_TRUNC, 0, "creation flags are not status flags");
    t.fcntl(a, F_SETFL, 0).unwrap();
    assert_eq!(
        t.fcntl(a, F_GETFL, 0).unwrap() as u32 & (O_APPEND | O_NONBLOCK),
        0,
        "and can be cleared"
    );
}

#[test]
fn closing_the_last_fd_releases_the_file() {
    let (v, t) = setup();
    let f = open(&v, "/f", O_RDONLY).unwrap();
    let fd = t.alloc(f.clone(), false).unwrap();
    t.dup(fd).unwrap();
    assert_eq!(Arc::strong_count(&f), 3);
    t.close_all();
    assert_eq!(Arc::strong_count(&f), 1, "exit closes every fd");
    assert!(t.open_fds().is_empty());
}

#[test]
fn f_setfl_on_an_o_path_fd_is_ebadf_but_f_getfl_works() {
    let (v, t) = setup();
    let p = t
        .alloc(open(&v, "/f", O_PATH | O_CLOEXEC).unwrap(), true)
        .unwrap();
    assert_eq!(
        t.fcntl(p, F_SETFL, u64::from(O_APPEND)).err(),
        Some(Errno::EBADF)
    );
    let fl = t.fcntl(p, F_GETFL, 0).unwrap() as u32;
    assert_eq!(
        fl & (O_PATH | O_CLOEXEC),
        O_PATH | O_CLOEXEC,
        "Linux keeps O_CLOEXEC in f_flags"
    );
}

//! Namespace operations, file data, attributes and readdir cookies on the tmpfs.
mod common;

use common::*;
use keel_abi::Errno;
use keel_vfs::consts::*;
use keel_vfs::*;
use std::sync::Arc;

#[test]
fn mkdir_and_rmdir_keep_the_parent_link_count() {
    let v = vfs();
    let c = root();
    let ctx = v.ctx(&c);
    assert_eq!(v.root().metadata().nlink, 2, "empty root has . and ..");
    let d = v.mkdir(&ctx, b"/d", 0o777, 0o022).unwrap();
    assert_eq!(
        d.metadata().mode,
        S_IFDIR | 0o755,
        "mode is masked by umask"
    );
    assert_eq!(
        v.root().metadata().nlink,
        3,
        "a subdirectory's .. links the parent"
    );
    v.rmdir(&ctx, b"/d").unwrap();
    assert_eq!(v.root().metadata().nlink, 2, "rmdir drops the link");
    assert_eq!(d.metadata().nlink, 0, "a removed dir has no links");
}

#[test]
fn mkdir_over_anything_existing_is_eexist() {
    let v = vfs();
    let c = root();
    let ctx = v.ctx(&c);
    file(&v, "/f", b"");
    symlink(&v, "/dangling", "/nowhere");
    for p in ["/f", "/dangling", "/", "/.", "/.."] {
        assert_eq!(
            v.mkdir(&ctx, p.as_bytes(), 0o755, 0).err(),
            Some(Errno::EEXIST),
            "mkdir {p}"
        );
    }
    assert!(
        v.mkdir(&ctx, b"/new/", 0o755, 0).is_ok(),
        "mkdir accepts a trailing slash"
    );
}

#[test]
fn rmdir_errors_follow_linux() {
    let v = vfs();
    let c = root();
    let ctx = v.ctx(&c);
    file(&v, "/d/f", b"");
    assert_eq!(v.rmdir(&ctx, b"/d").err(), Some(Errno::ENOTEMPTY));
    assert_eq!(v.rmdir(&ctx, b"/d/f").err(), Some(Errno::ENOTDIR));
    assert_eq!(v.rmdir(&ctx, b"/d/.").err(), Some(Errno::EINVAL), "rmdir .");
    assert_eq!(
        v.rmdir(&ctx, b"/d/..").err(),
        Some(Errno::ENOTEMPTY),
        "rmdir .."
    );
    assert_eq!(v.rmdir(&ctx, b"/").err(), Some(Errno::EBUSY), "rmdir /");
    assert_eq!(v.rmdir(&ctx, b"/nope").err(), Some(Errno::ENOENT));
}

#[test]
fn unlink_errors_follow_linux() {
    let v = vfs();
    let c = root();
    let ctx = v.ctx(&c);
    file(&v, "/d/f", b"");
    assert_eq!(
        v.unlink(&ctx, b"/d").err(),
        Some(Errno::EISDIR),
        "unlink a dir"
    );
    assert_eq!(
        v.unlink(&ctx, b"/d/f/").err(),
        Some(Errno::ENOTDIR),
        "unlink file/"
    );
    assert_eq!(
        v.unlink(&ctx, b"/d/.").err(),
        Some(Errno::EISDIR),
        "unlink ."
    );
    assert_eq!(v.unlink(&ctx, b"/d/nope").err(), Some(Errno::ENOENT));
    v.unlink(&ctx, b"/d/f").unwrap();
    assert_eq!(
        look(&v, "/d/f").err(),
        Some(Errno::ENOENT),
        "gone after unlink"
    );
}

#[test]
fn unlink_removes_a_symlink_not_its_target() {
    let v = vfs();
    let c = root();
    file(&v, "/t", b"x");
    symlink(&v, "/l", "/t");
    v.unlink(&v.ctx(&c), b"/l").unwrap();
    assert!(look(&v, "/t").is_ok(), "target survives");
}

#[test]
fn hard_links_share_the_inode_and_count_links() {
    let v = vfs();
    let c = root();
    let ctx = v.ctx(&c);
    let f = file(&v, "/f", b"data");
    v.link(&ctx, b"/f", &ctx, b"/g", false).unwrap();
    assert!(same(&look(&v, "/g").unwrap(), &f), "both names, one inode");
    assert_eq!(f.metadata().nlink, 2);
    v.unlink(&ctx, b"/f").unwrap();
    assert_eq!(f.metadata().nlink, 1, "one name left");
    assert_eq!(
        v.link(&ctx, b"/g", &ctx, b"/g", false).err(),
        Some(Errno::EEXIST)
    );
    dir(&v, "/d");
    assert_eq!(
        v.link(&ctx, b"/d", &ctx, b"/d2", false).err(),
        Some(Errno::EPERM),
        "no hard links to dirs"
    );
    assert_eq!(
        v.link(&ctx, b"/g", &ctx, b"/new/", false).err(),
        Some(Errno::ENOENT),
        "trailing slash on a new name"
    );
}

#[test]
fn link_to_symlink_does_not_follow_unless_asked() {
    let v = vfs();
    let c = root();
    let ctx = v.ctx(&c);
    let t = file(&v, "/t", b"");
    symlink(&v, "/l", "/t");
    v.link(&ctx, b"/l", &ctx, b"/l2", false).unwrap();
    assert_eq!(
        lookn(&v, "/l2").unwrap().file_type(),
        FileType::Symlink,
        "linkat without AT_SYMLINK_FOLLOW links the symlink"
    );
    v.link(&ctx, b"/l", &ctx, b"/t2", true).unwrap();
    assert!(
        same(&look(&v, "/t2").unwrap(), &t),
        "AT_SYMLINK_FOLLOW links the target"
    );
}

#[test]
fn symlink_targets_are_checked() {
    let v = vfs();
    let c = root();
    let ctx = v.ctx(&c);
    assert_eq!(
        v.symlink(&ctx, b"", b"/l").err(),
        Some(Errno::ENOENT),
        "empty target"
    );
    assert_eq!(
        v.symlink(&ctx, &[b'a'; 4096], b"/l").err(),
        Some(Errno::ENAMETOOLONG)
    );
    let l = v.symlink(&ctx, b"anything", b"/l").unwrap();
    assert_eq!(
        l.metadata().size,
        8,
        "a symlink's size is its target's length"
    );
    assert_eq!(v.readlink(&ctx, b"/l").unwrap(), b"anything");
    assert_eq!(
        v.readlink(&ctx, b"/").err(),
        Some(Errno::EINVAL),
        "readlink of a dir"
    );
}

#[test]
fn mknod_rules() {
    let v = vfs();
    let r = root();
    let u = user();
    dir(&v, "/tmp");
    v.root().child(b"tmp").unwrap().chmod(&r, 0o1777).unwrap();
    let ctx = v.ctx(&r);
    let dev = v
        .mknod(&ctx, b"/null", S_IFCHR | 0o666, makedev(1, 3), 0)
        .unwrap();
    assert_eq!(dev.metadata().rdev, makedev(1, 3));
    assert_eq!(dev.metadata().mode, S_IFCHR | 0o666);
    assert_eq!(
        v.mknod(&v.ctx(&u), b"/tmp/dev", S_IFCHR | 0o666, 1, 0)
            .err(),
        Some(Errno::EPERM),
        "devices need root"
    );
    assert_eq!(
        v.mknod(&ctx, b"/dir", S_IFDIR | 0o755, 0, 0).err(),
        Some(Errno::EPERM),
        "mknod S_IFDIR"
    );
    let fifo = v
        .mknod(&v.ctx(&u), b"/tmp/fifo", S_IFIFO | 0o644, 99, 0)
        .unwrap();
    assert_eq!(
        (fifo.file_type(), fifo.metadata().rdev),
        (FileType::Fifo, 0),
        "FIFOs carry no rdev"
    );
    let reg = v.mknod(&ctx, b"/reg", 0o644, 0, 0).unwrap();
    assert_eq!(
        reg.file_type(),
        FileType::Regular,
        "type 0 is a regular file"
    );
}

#[test]
fn creating_needs_write_and_search_permission_on_the_directory() {
    let v = vfs();
    dir(&v, "/ro");
    let u = user();
    assert_eq!(
        v.mkdir(&v.ctx(&u), b"/ro/x", 0o755, 0).err(),
        Some(Errno::EACCES)
    );
    assert_eq!(
        open_as(&v, &u, "/ro/f", O_CREAT | O_WRONLY).err(),
        Some(Errno::EACCES)
    );
}

#[test]
fn sticky_directory_protects_other_users_files() {
    let v = vfs();
    let r = root();
    dir(&v, "/tmp");
    look(&v, "/tmp").unwrap().chmod(&r, 0o1777).unwrap();
    let alice = Cred::user(1000, 1000);
    let bob = Cred::user(1001, 1001);
    open_as(&v, &alice, "/tmp/a", O_CREAT | O_WRONLY).unwrap();
    assert_eq!(
        v.unlink(&v.ctx(&bob), b"/tmp/a").err(),
        Some(Errno::EPERM),
        "bob may not delete alice's file"
    );
    assert_eq!(
        v.rename(&v.ctx(&bob), b"/tmp/a", &v.ctx(&bob), b"/tmp/b", 0)
            .err(),
        Some(Errno::EPERM),
        "nor rename it"
    );
    v.unlink(&v.ctx(&alice), b"/tmp/a").expect("the owner may");
}

#[test]
fn setgid_directory_passes_its_group_on() {
    let v = vfs();
    let r = root();
    let d = dir(&v, "/shared");
    d.chown(&r, None, Some(50)).unwrap();
    d.chmod(&r, 0o2777).unwrap();
    let u = user();
    let f = open_as(&v, &u, "/shared/f", O_CREAT | O_WRONLY).unwrap();
    assert_eq!(f.stat().gid, 50, "file takes the dir's group");
    let sub = v.mkdir(&v.ctx(&u), b"/shared/sub", 0o755, 0).unwrap();
    let m = sub.metadata();
    assert_eq!(
        (m.gid, m.mode & S_ISGID),
        (50, S_ISGID),
        "subdir inherits group and setgid"
    );
}

#[test]
fn changes_stamp_times_from_the_supplied_clock() {
    let v = vfs();
    let c = root();
    set_clock(5_000);
    let d = v.mkdir(&v.ctx(&c), b"/d", 0o755, 0).unwrap();
    assert_eq!(
        d.metadata().mtime,
        Timespec::new(5_000, 5),
        "new inode stamped now"
    );
    set_clock(6_000);
    let f = open(&v, "/d/f", O_CREAT | O_WRONLY).unwrap();
    assert_eq!(
        d.metadata().mtime.sec,
        6_000,
        "creating an entry changes the dir's mtime"
    );
    set_clock(7_000);
    f.write(b"x").unwrap();
    let m = f.stat();
    assert_eq!(
        (m.mtime.sec, m.ctime.sec),
        (7_000, 7_000),
        "a write changes mtime and ctime"
    );
}

#[test]
fn file_data_grows_sparse_and_zero_filled() {
    let v = vfs();
    let f = file(&v, "/f", b"ab");
    assert_eq!(f.write_at(6, b"z", false).unwrap(), (1, 7));
    let mut buf = [0xffu8; 10];
    assert_eq!(f.read_at(0, &mut buf).unwrap(), 7);
    assert_eq!(&buf[..7], b"ab\0\0\0\0z", "the gap reads as zeros");
    assert_eq!(f.read_at(7, &mut buf).unwrap(), 0, "read at EOF is 0");
    assert_eq!(f.read_at(100, &mut buf).unwrap(), 0, "read past EOF is 0");
    let m = f.metadata();
    assert_eq!(
        (m.size, m.blocks, m.blksize),
        (7, 8, 4096),
        "size and 512-byte blocks"
    );
}

#[test]
fn truncate_shrinks_and_grows() {
    let v = vfs();
    let f = file(&v, "/f", b"hello");
    f.truncate(2).unwrap();
    f.truncate(4).unwrap();
    let mut buf = [9u8; 8];
    assert_eq!(f.read_at(0, &mut buf).unwrap(), 4);
    assert_eq!(
        &buf[..4],
        b"he\0\0",
        "regrown bytes are zero, not the old data"
    );
    assert_eq!(
        look(&v, "/").unwrap().truncate(0).err(),
        Some(Errno::EISDIR)
    );
}

#[test]
fn size_limits_give_efbig_and_enospc() {
    let v = vfs(); // max_file_size 64 KiB, max_bytes 1 MiB
    let f = file(&v, "/f", b"");
    assert_eq!(
        f.write_at(64 << 10, b"x", false).err(),
        Some(Errno::EFBIG),
        "write at the limit"
    );
    assert_eq!(
        f.write_at((64 << 10) - 1, b"xyz", false).unwrap(),
        (1, 64 << 10),
        "a write crossing the limit is shortened"
    );
    assert_eq!(f.truncate((64 << 10) + 1).err(), Some(Errno::EFBIG));
    let mut files = Vec::new();
    let mut err = None;
    for i in 0..20 {
        let g = file(&v, &format!("/g{i}"), b"");
        // Growing by truncate makes a hole and costs nothing; written bytes are charged.
        g.truncate(64 << 10).unwrap();
        match g.write_at(0, &[7u8; 64 << 10], false).map(|_| ()) {
            Ok(()) => files.push(g),
            Err(e) => {
                err = Some(e);
                break;
            }
        }
    }
    assert_eq!(err, Some(Errno::ENOSPC), "the 1 MiB budget runs out");
    let used = v.superblock().used_bytes();
    let c = root();
    for i in 0..files.len() {
        v.unlink(&v.ctx(&c), format!("/g{i}").as_bytes()).unwrap();
    }
    drop(files);
    assert!(
        v.superblock().used_bytes() < used,
        "unlinked and closed files give their bytes back"
    );
    assert!(
        file(&v, "/after", b"").truncate(4096).is_ok(),
        "space is usable again"
    );
}

#[test]
fn chmod_and_chown_permissions() {
    let v = vfs();
    let r = root();
    let u = user();
    let f = file(&v, "/f", b"");
    assert_eq!(
        f.chmod(&u, 0o777).err(),
        Some(Errno::EPERM),
        "non-owner chmod"
    );
    assert_eq!(
        f.chown(&u, Some(1000), None).err(),
        Some(Errno::EPERM),
        "giving away a file"
    );
    f.chown(&r, Some(1000), Some(1000)).unwrap();
    f.chmod(&u, 0o4755).unwrap();
    assert_eq!(
        f.metadata().mode,
        S_IFREG | 0o4755,
        "owner chmod keeps the type bits"
    );
    assert_eq!(
        f.chown(&u, None, Some(5)).err(),
        Some(Errno::EPERM),
        "owner cannot pick a foreign group"
    );
    f.chown(&u, None, Some(1000)).unwrap();
    assert_eq!(f.metadata().mode & S_ISUID, 0, "chown clears set-user-ID");
}

#[test]
fn utimensat_permissions() {
    let v = vfs();
    let r = root();
    let u = user();
    let f = file(&v, "/f", b"");
    let t = Timespec::new(42, 7);
    assert_eq!(
        f.set_times(&u, SetTime::At(t), SetTime::Omit).err(),
        Some(Errno::EPERM),
        "explicit times need ownership"
    );
    assert_eq!(
        f.set_times(&u, SetTime::Now, SetTime::Now).err(),
        Some(Errno::EACCES),
        "now needs write permission"
    );
    f.chmod(&r, 0o666).unwrap();
    f.set_times(&u, SetTime::Now, SetTime::Now)
        .expect("a writer may touch");
    f.set_times(&r, SetTime::Omit, SetTime::At(t)).unwrap();
    let m = f.metadata();
    assert_eq!(m.mtime, t, "mtime set");
    assert_ne!(m.atime, t, "atime omitted");
}

#[test]
fn readdir_cookies_survive_removals_during_a_scan() {
    let v = vfs();
    let c = root();
    for n in ["a", "b", "c", "d"] {
        file(&v, &format!("/d/{n}"), b"");
    }
    let d = look(&v, "/d").unwrap();
    let mut first = Vec::new();
    d.read_dir(0, |e| {
        first.push(e);
        first.len() < 4
    })
    .unwrap();
    let names: Vec<_> = first.iter().map(|e| e.name.clone()).collect();
    assert_eq!(
        names,
        [b".".to_vec(), b"..".to_vec(), b"a".to_vec(), b"b".to_vec()]
    );
    v.unlink(&v.ctx(&c), b"/d/a").unwrap();
    v.unlink(&v.ctx(&c), b"/d/c").unwrap();
    file(&v, "/d/e", b"");
    let mut rest = Vec::new();
    d.read_dir(first[3].next, |e| {
        rest.push(e.name);
        true
    })
    .unwrap();
    assert_eq!(
        rest,
        [b"d".to_vec(), b"e".to_vec()],
        "resuming after b sees d and the new e, nothing twice"
    );
    assert_eq!(first[1].ino, v.root().ino(), ".. of /d is the root");
}

#[test]
fn holes_read_as_zeros_and_cost_nothing_until_written() {
    let v = sparse_vfs();
    let f = file(&v, "/sparse", b"");
    let before = v.superblock().used_bytes();
    f.truncate(1 << 40).unwrap();
    assert_eq!(f.metadata().size, 1 << 40, "truncate sets the size");
    assert_eq!(f.metadata().blocks, 0, "a hole allocates no blocks");
    assert_eq!(v.superblock().used_bytes(), before, "a hole is not charged");
    let mut buf = [9u8; 16];
    assert_eq!(
        f.read_at((1 << 40) - 8, &mut buf).unwrap(),
        8,
        "reads stop at the size"
    );
    assert_eq!(&buf[..8], &[0; 8], "holes read as zeros");
    f.write_at(5000, b"abc", false).unwrap();
    assert_eq!(
        f.metadata().blocks,
        8,
        "one written page is one 4 KiB block"
    );
    f.truncate(5001).unwrap();
    f.truncate(6000).unwrap();
    let mut back = [9u8; 4];
    f.read_at(5000, &mut back).unwrap();
    assert_eq!(
        &back, b"a\0\0\0",
        "bytes cut by a shrink read back as zeros after regrowth"
    );
}

#[test]
fn seek_data_and_hole_follow_the_holes() {
    let v = sparse_vfs();
    let f = file(&v, "/holes", b"");
    f.write_at(3 * 4096 + 10, b"data", false).unwrap();
    f.truncate(10 * 4096).unwrap();
    let o = v.open(&v.ctx(&root()), b"/holes", O_RDONLY, 0, 0).unwrap();
    assert_eq!(
        o.seek(0, SEEK_DATA),
        Ok(3 * 4096),
        "data starts at the written page"
    );
    assert_eq!(
        o.seek(3 * 4096 + 100, SEEK_HOLE),
        Ok(4 * 4096),
        "the hole after it"
    );
    assert_eq!(o.seek(0, SEEK_HOLE), Ok(0), "the file starts with a hole");
    assert_eq!(
        o.seek(5 * 4096, SEEK_DATA),
        Err(Errno::ENXIO),
        "no data after the page"
    );
    assert_eq!(
        o.seek(10 * 4096, SEEK_HOLE),
        Err(Errno::ENXIO),
        "at the end"
    );
}

/// A file system without a file-size limit below Linux's MAX_LFS_FILESIZE, for sparse files.
fn sparse_vfs() -> Vfs {
    Vfs::new(
        TmpfsConfig {
            max_file_size: i64::MAX as u64,
            ..config()
        },
        Arc::new(|| (0, 0)),
        Arc::new(NoDevices),
    )
}

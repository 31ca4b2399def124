//! The mount table: tmpfs instances mounted on directories, crossing rules, Linux's errors for
//! mount(2) and umount2(2), read-only mounts, size limits and statfs.

mod common;

use std::sync::Arc;

use common::*;
use keel_abi::Errno;
use keel_vfs::consts::*;
use keel_vfs::*;

fn mount(v: &Vfs, target: &str, data: &str) -> keel_abi::KResult<()> {
    let c = root();
    v.mount(
        &v.ctx(&c),
        b"none",
        target.as_bytes(),
        Some(b"tmpfs"),
        0,
        data.as_bytes(),
        true,
    )
}

fn umount(v: &Vfs, target: &str, flags: u32) -> keel_abi::KResult<()> {
    let c = root();
    v.umount(&v.ctx(&c), target.as_bytes(), flags, true, &|_| false)
}

#[test]
fn a_mount_hides_the_directory_and_umount_shows_it_again() {
    let v = vfs();
    dir(&v, "/mnt");
    file(&v, "/mnt/under", b"");
    mount(&v, "/mnt", "").unwrap();
    assert_eq!(look(&v, "/mnt/under").err(), Some(Errno::ENOENT));
    let top = look(&v, "/mnt").unwrap();
    assert_ne!(top.metadata().dev, v.root().metadata().dev, "a new st_dev");
    assert_eq!(top.metadata().mode & 0o7777, 0o1777, "tmpfs root mode");
    file(&v, "/mnt/over", b"x");
    assert!(
        same(&look(&v, "/mnt/..").unwrap(), v.root()),
        ".. crosses up"
    );
    assert!(
        same(&look(&v, "/mnt/../mnt").unwrap(), &top),
        "and down again"
    );
    let c = root();
    let ctx = v.ctx(&c);
    assert_eq!(
        v.rename(&ctx, b"/mnt/over", &ctx, b"/over", 0).err(),
        Some(Errno::EXDEV)
    );
    assert_eq!(
        v.link(&ctx, b"/mnt/over", &ctx, b"/over", false).err(),
        Some(Errno::EXDEV)
    );
    assert_eq!(v.rmdir(&ctx, b"/mnt").err(), Some(Errno::EBUSY));
    assert_eq!(
        v.rename(&ctx, b"/mnt", &ctx, b"/mnt2", 0).err(),
        Some(Errno::EBUSY)
    );
    umount(&v, "/mnt", 0).unwrap();
    assert!(
        look(&v, "/mnt/under").is_ok(),
        "the directory's own content"
    );
    assert_eq!(look(&v, "/mnt/over").err(), Some(Errno::ENOENT));
}

#[test]
fn mount_and_umount_errors_are_linuxs() {
    let v = vfs();
    dir(&v, "/mnt");
    file(&v, "/file", b"");
    let c = root();
    let ctx = v.ctx(&c);
    let m = |target: &[u8], fstype: Option<&[u8]>, flags: u64, admin: bool| {
        v.mount(&ctx, b"none", target, fstype, flags, b"", admin)
            .err()
    };
    assert_eq!(m(b"/nope", Some(b"tmpfs"), 0, false), Some(Errno::ENOENT));
    assert_eq!(m(b"/mnt", Some(b"tmpfs"), 0, false), Some(Errno::EPERM));
    assert_eq!(m(b"/mnt", Some(b"nofs"), 0, true), Some(Errno::ENODEV));
    assert_eq!(m(b"/mnt", None, 0, true), Some(Errno::EINVAL));
    assert_eq!(m(b"/file", Some(b"tmpfs"), 0, true), Some(Errno::ENOTDIR));
    assert_eq!(m(b"/file/x", Some(b"tmpfs"), 0, true), Some(Errno::ENOTDIR));
    assert_eq!(
        v.mount(&ctx, b"none", b"/mnt", Some(b"tmpfs"), 0, b"bogus=1", true)
            .err(),
        Some(Errno::EINVAL),
        "unknown tmpfs option"
    );
    assert_eq!(
        m(b"/mnt", None, MS_REMOUNT, true),
        Some(Errno::EINVAL),
        "remount of a directory that is not a mount"
    );
    assert_eq!(
        m(b"/mnt", None, MS_PRIVATE, true),
        Some(Errno::EINVAL),
        "propagation change on a non-mount"
    );
    assert_eq!(
        m(b"/", None, MS_PRIVATE | MS_REC, true),
        None,
        "propagation change on the root: accepted"
    );
    let um = |t: &[u8], flags: u32, admin: bool| v.umount(&ctx, t, flags, admin, &|_| false).err();
    assert_eq!(um(b"/mnt", 0x100, true), Some(Errno::EINVAL), "bad flag");
    assert_eq!(um(b"/nope", 0, false), Some(Errno::ENOENT));
    assert_eq!(um(b"/mnt", 0, false), Some(Errno::EPERM));
    assert_eq!(um(b"/mnt", 0, true), Some(Errno::EINVAL), "not mounted");
    assert_eq!(um(b"/", 0, true), Some(Errno::EINVAL), "the root mount");
    mount(&v, "/mnt", "").unwrap();
    assert_eq!(
        um(b"/mnt", MNT_EXPIRE | MNT_DETACH, true),
        Some(Errno::EINVAL)
    );
    assert_eq!(um(b"/mnt", MNT_EXPIRE, true), Some(Errno::EAGAIN), "marked");
    assert_eq!(um(b"/mnt", MNT_EXPIRE, true), None, "expired");
}

#[test]
fn busy_mounts_need_detach() {
    let v = vfs();
    dir(&v, "/mnt");
    mount(&v, "/mnt", "").unwrap();
    dir(&v, "/mnt/sub");
    mount(&v, "/mnt/sub", "").unwrap();
    file(&v, "/mnt/sub/f", b"");
    assert_eq!(
        umount(&v, "/mnt", 0).err(),
        Some(Errno::EBUSY),
        "a submount"
    );
    let f = open(&v, "/mnt/sub/f", O_RDONLY).unwrap();
    assert_eq!(
        umount(&v, "/mnt/sub", 0).err(),
        Some(Errno::EBUSY),
        "an open file"
    );
    let c = root();
    assert_eq!(
        v.umount(&v.ctx(&c), b"/mnt/sub", 0, true, &|_| true).err(),
        Some(Errno::EBUSY),
        "the kernel says a process uses it"
    );
    umount(&v, "/mnt", MNT_DETACH).unwrap();
    assert_eq!(look(&v, "/mnt/sub").err(), Some(Errno::ENOENT), "all gone");
    assert_eq!(read_all(&f), b"", "the open file still works");
    assert_eq!(v.mounts(v.root()).len(), 1, "only the root is left");
}

#[test]
fn stacked_mounts_and_moves() {
    let v = vfs();
    dir(&v, "/a");
    dir(&v, "/b");
    mount(&v, "/a", "").unwrap();
    file(&v, "/a/first", b"");
    mount(&v, "/a", "").unwrap();
    assert_eq!(look(&v, "/a/first").err(), Some(Errno::ENOENT), "covered");
    assert!(
        same(&look(&v, "/a/..").unwrap(), v.root()),
        ".. through both"
    );
    umount(&v, "/a", 0).unwrap();
    assert!(look(&v, "/a/first").is_ok(), "the first mount again");
    let c = root();
    let ctx = v.ctx(&c);
    v.mount(&ctx, b"/a", b"/b", None, MS_MOVE, b"", true)
        .unwrap();
    assert!(look(&v, "/b/first").is_ok(), "moved");
    assert_eq!(look(&v, "/a/first").err(), Some(Errno::ENOENT));
    dir(&v, "/b/inside");
    assert_eq!(
        v.mount(&ctx, b"/b", b"/b/inside", None, MS_MOVE, b"", true)
            .err(),
        Some(Errno::ELOOP),
        "not into itself"
    );
    let list = v.mounts(v.root());
    assert_eq!(list[1].path, b"/b");
}

#[test]
fn size_limit_read_only_remount_and_statfs() {
    let v = vfs();
    dir(&v, "/small");
    mount(&v, "/small", "size=8k,mode=755,uid=5").unwrap();
    let r = look(&v, "/small").unwrap();
    let m = r.metadata();
    assert_eq!((m.mode & 0o7777, m.uid), (0o755, 5));
    let s = r.superblock().statfs();
    assert_eq!((s.f_type, s.f_bsize, s.f_blocks), (0x0102_1994, 4096, 2));
    let f = open(&v, "/small/f", O_RDWR | O_CREAT).unwrap();
    assert_eq!(f.write(&[1u8; 8192]).unwrap(), 8192);
    assert_eq!(f.write(b"x").err(), Some(Errno::ENOSPC), "budget spent");
    assert_eq!(r.superblock().statfs().f_bfree, 0);
    let info = v.mounts(v.root());
    assert_eq!(
        info[1].options(),
        "rw,relatime,size=8k,nr_inodes=2,mode=755,uid=5"
    );

    let c = root();
    let ctx = v.ctx(&c);
    v.mount(
        &ctx,
        b"none",
        b"/small",
        None,
        MS_REMOUNT | MS_RDONLY,
        b"",
        true,
    )
    .unwrap();
    assert_eq!(r.superblock().statfs().f_flags & 1, 1, "ST_RDONLY");
    assert_eq!(
        open(&v, "/small/g", O_RDWR | O_CREAT).err(),
        Some(Errno::EROFS)
    );
    assert_eq!(open(&v, "/small/f", O_WRONLY).err(), Some(Errno::EROFS));
    assert_eq!(
        open(&v, "/small/f", O_WRONLY | O_CREAT | O_EXCL).err(),
        Some(Errno::EEXIST),
        "EEXIST comes before EROFS"
    );
    assert_eq!(v.unlink(&ctx, b"/small/f").err(), Some(Errno::EROFS));
    assert_eq!(
        look(&v, "/small/f").unwrap().chmod(&c, 0o600).err(),
        Some(Errno::EROFS)
    );
    assert!(open(&v, "/small/f", O_RDONLY).is_ok(), "reading is fine");
    v.mount(
        &ctx,
        b"none",
        b"/small",
        None,
        MS_REMOUNT,
        b"size=16k",
        true,
    )
    .unwrap();
    assert_eq!(f.write(b"x").unwrap(), 1, "writable and bigger again");
}

#[test]
fn getcwd_paths_cross_mounts() {
    let v = vfs();
    dir(&v, "/mnt");
    mount(&v, "/mnt", "").unwrap();
    let d = dir(&v, "/mnt/x/y");
    assert_eq!(v.path_of(v.root(), &d).unwrap(), b"/mnt/x/y");
    let m = look(&v, "/mnt").unwrap();
    assert_eq!(v.path_of(&m, &d).unwrap(), b"/x/y", "from another root");
    let c = root();
    v.rmdir(&v.ctx(&c), b"/mnt/x/y").unwrap();
    assert_eq!(v.path_of(v.root(), &d).err(), Some(Errno::ENOENT));
    let none: Arc<Inode> = dir(&v, "/other");
    assert_eq!(v.path_of(&m, &none).err(), Some(Errno::ENOENT), "outside");
}

#[test]
fn the_memory_guard_and_the_inode_limit_answer_enospc() {
    use std::sync::atomic::{AtomicBool, Ordering};
    let v = vfs();
    let allow = Arc::new(AtomicBool::new(true));
    let a = allow.clone();
    v.set_memory_guard(Arc::new(move || a.load(Ordering::SeqCst)));
    let f = open(&v, "/f", O_RDWR | O_CREAT).unwrap();
    assert_eq!(f.write(&[1u8; 4096]).unwrap(), 4096);
    allow.store(false, Ordering::SeqCst);
    assert_eq!(
        f.write(b"more").err(),
        Some(Errno::ENOSPC),
        "a new page is refused when memory is low"
    );
    assert_eq!(
        f.pwrite(0, b"in place").unwrap(),
        8,
        "existing pages are fine"
    );
    allow.store(true, Ordering::SeqCst);

    dir(&v, "/few");
    mount(&v, "/few", "nr_inodes=2").unwrap();
    let c = root();
    let ctx = v.ctx(&c);
    v.symlink(&ctx, b"x", b"/few/a").unwrap();
    assert_eq!(
        v.mkdir(&ctx, b"/few/d", 0o755, 0).err(),
        Some(Errno::ENOSPC),
        "the root and one symlink use both inodes"
    );
    assert_eq!(
        v.link(&ctx, b"/few/a", &ctx, b"/few/b", false).err(),
        Some(Errno::ENOSPC),
        "a hard link counts as an inode on tmpfs"
    );
    v.unlink(&ctx, b"/few/a").unwrap();
    v.mkdir(&ctx, b"/few/d", 0o755, 0).unwrap();
}

#[test]
fn the_root_mount_is_listed_like_linuxs_rootfs() {
    let v = vfs();
    let info = v.mounts(v.root());
    assert_eq!(info.len(), 1);
    assert_eq!(
        (
            info[0].source.as_slice(),
            info[0].path.as_slice(),
            info[0].fstype.as_str()
        ),
        (&b"rootfs"[..], &b"/"[..], "rootfs")
    );
    assert_eq!(info[0].options(), "rw,size=1024k,nr_inodes=256");
    assert_eq!(
        v.superblock().statfs().f_flags,
        0x20,
        "ST_VALID only: the root is not relatime"
    );
}

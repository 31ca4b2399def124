//! Unpacking the initrd with `Vfs::install`.
mod common;

use common::*;
use keel_abi::Errno;
use keel_vfs::consts::*;
use keel_vfs::*;

#[test]
fn install_creates_missing_parents_and_sets_attributes() {
    let v = vfs();
    let t = Timespec::new(1_700_000_000, 0);
    v.install(
        b"./usr/share/doc/readme",
        0o640,
        1000,
        100,
        t,
        InstallContent::Regular(b"hi"),
    )
    .unwrap();
    let m = look(&v, "/usr/share/doc/readme").unwrap().metadata();
    assert_eq!(
        (m.mode, m.uid, m.gid, m.size),
        (S_IFREG | 0o640, 1000, 100, 2),
        "mode, owner, size from the archive"
    );
    assert_eq!((m.mtime, m.atime), (t, t), "mtime from the archive");
    let p = look(&v, "/usr/share").unwrap().metadata();
    assert_eq!(
        (p.mode, p.uid),
        (S_IFDIR | 0o755, 0),
        "parents are 0755 root"
    );
}

#[test]
fn install_makes_symlinks_and_device_nodes() {
    let v = vfs();
    let t = Timespec::new(0, 0);
    v.install(
        b"bin/sh",
        0o777,
        0,
        0,
        t,
        InstallContent::Symlink(b"busybox"),
    )
    .unwrap();
    v.install(
        b"dev/console",
        S_IFCHR | 0o600,
        0,
        0,
        t,
        InstallContent::Device(makedev(5, 1)),
    )
    .unwrap();
    v.install(
        b"dev/loop0",
        S_IFBLK | 0o660,
        0,
        6,
        t,
        InstallContent::Device(makedev(7, 0)),
    )
    .unwrap();
    v.install(
        b"run/fifo",
        S_IFIFO | 0o600,
        0,
        0,
        t,
        InstallContent::Device(0),
    )
    .unwrap();
    assert_eq!(
        lookn(&v, "/bin/sh").unwrap().read_link().unwrap(),
        b"busybox"
    );
    let con = look(&v, "/dev/console").unwrap().metadata();
    assert_eq!((con.mode, con.rdev), (S_IFCHR | 0o600, makedev(5, 1)));
    assert_eq!((major(con.rdev), minor(con.rdev)), (5, 1));
    assert_eq!(
        look(&v, "/dev/loop0").unwrap().file_type(),
        FileType::BlockDevice
    );
    assert_eq!(look(&v, "/run/fifo").unwrap().file_type(), FileType::Fifo);
}

#[test]
fn install_replaces_an_existing_member() {
    let v = vfs();
    let t = Timespec::new(0, 0);
    v.install(
        b"etc/motd",
        0o644,
        0,
        0,
        t,
        InstallContent::Regular(b"old and long"),
    )
    .unwrap();
    v.install(b"etc/motd", 0o600, 0, 0, t, InstallContent::Regular(b"new"))
        .unwrap();
    let f = open(&v, "/etc/motd", O_RDONLY).unwrap();
    assert_eq!(read_all(&f), b"new", "content replaced, not overlaid");
    v.install(
        b"etc/motd",
        0o777,
        0,
        0,
        t,
        InstallContent::Symlink(b"issue"),
    )
    .unwrap();
    assert_eq!(
        lookn(&v, "/etc/motd").unwrap().file_type(),
        FileType::Symlink,
        "type replaced"
    );
    v.install(b"etc", 0o700, 0, 0, t, InstallContent::Dir)
        .unwrap();
    assert!(
        look(&v, "/etc/issue").is_err() && lookn(&v, "/etc/motd").is_ok(),
        "re-listing a dir keeps its contents"
    );
    assert_eq!(look(&v, "/etc").unwrap().metadata().mode, S_IFDIR | 0o700);
}

#[test]
fn install_of_the_root_sets_its_attributes() {
    let v = vfs();
    v.install(b".", 0o700, 0, 0, Timespec::new(3, 0), InstallContent::Dir)
        .unwrap();
    assert_eq!(v.root().metadata().mode, S_IFDIR | 0o700);
}

#[test]
fn install_follows_symlinked_parents() {
    let v = vfs();
    let t = Timespec::new(0, 0);
    v.install(b"usr/lib", 0o755, 0, 0, t, InstallContent::Dir)
        .unwrap();
    v.install(b"lib", 0o777, 0, 0, t, InstallContent::Symlink(b"usr/lib"))
        .unwrap();
    v.install(
        b"lib/libc.so",
        0o755,
        0,
        0,
        t,
        InstallContent::Regular(b"elf"),
    )
    .unwrap();
    assert!(
        look(&v, "/usr/lib/libc.so").is_ok(),
        "lib/ led into usr/lib"
    );
}

#[test]
fn install_refuses_hostile_names() {
    let v = vfs();
    let t = Timespec::new(0, 0);
    assert_eq!(
        v.install(b"../escape", 0o644, 0, 0, t, InstallContent::Regular(b""))
            .err(),
        Some(Errno::EINVAL)
    );
    assert_eq!(
        v.install(b"a/../../b", 0o644, 0, 0, t, InstallContent::Regular(b""))
            .err(),
        Some(Errno::EINVAL)
    );
    let long = vec![b'x'; 256];
    assert_eq!(
        v.install(&long, 0o644, 0, 0, t, InstallContent::Regular(b""))
            .err(),
        Some(Errno::ENAMETOOLONG)
    );
    v.install(b"file", 0o644, 0, 0, t, InstallContent::Regular(b""))
        .unwrap();
    assert_eq!(
        v.install(b"file/x", 0o644, 0, 0, t, InstallContent::Regular(b""))
            .err(),
        Some(Errno::ENOTDIR)
    );
    assert_eq!(
        v.install(
            b"big",
            0o644,
            0,
            0,
            t,
            InstallContent::Regular(&vec![0; 65 << 10])
        )
        .err(),
        Some(Errno::EFBIG),
        "larger than max_file_size"
    );
    assert_eq!(
        look(&v, "/big").err(),
        Some(Errno::ENOENT),
        "no partial member is left"
    );
}

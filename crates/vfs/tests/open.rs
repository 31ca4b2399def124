//! `open(2)` flags, open file descriptions, and I/O on tmpfs files and devices.
mod common;

use common::*;
use keel_abi::Errno;
use keel_vfs::consts::*;
use keel_vfs::*;

#[test]
fn o_creat_makes_a_file_with_mode_masked_by_umask() {
    let v = vfs();
    let f = open(&v, "/new", O_CREAT | O_WRONLY).unwrap();
    let m = f.stat();
    assert_eq!(m.mode, S_IFREG | 0o644, "0666 & ~022");
    assert_eq!((m.size, m.nlink, m.dev), (0, 1, 7));
}

#[test]
fn o_creat_on_an_existing_file_opens_it() {
    let v = vfs();
    let i = file(&v, "/f", b"keep");
    let f = open(&v, "/f", O_CREAT | O_RDONLY).unwrap();
    assert!(same(f.inode().unwrap(), &i));
    assert_eq!(read_all(&f), b"keep", "no truncation without O_TRUNC");
}

#[test]
fn o_excl_on_an_existing_name_is_eexist() {
    let v = vfs();
    file(&v, "/f", b"");
    assert_eq!(
        open(&v, "/f", O_CREAT | O_EXCL | O_WRONLY).err(),
        Some(Errno::EEXIST)
    );
}

#[test]
fn o_excl_on_a_dangling_symlink_is_eexist() {
    let v = vfs();
    symlink(&v, "/l", "/target");
    assert_eq!(
        open(&v, "/l", O_CREAT | O_EXCL | O_WRONLY).err(),
        Some(Errno::EEXIST),
        "O_EXCL never follows"
    );
    assert_eq!(
        look(&v, "/target").err(),
        Some(Errno::ENOENT),
        "and creates nothing"
    );
}

#[test]
fn o_creat_through_a_dangling_symlink_creates_the_target() {
    let v = vfs();
    symlink(&v, "/l", "/target");
    open(&v, "/l", O_CREAT | O_WRONLY).unwrap();
    assert_eq!(
        look(&v, "/target").unwrap().file_type(),
        FileType::Regular,
        "Linux creates the link's target"
    );
}

#[test]
fn o_trunc_empties_a_regular_file() {
    let v = vfs();
    file(&v, "/f", b"content");
    let f = open(&v, "/f", O_WRONLY | O_TRUNC).unwrap();
    assert_eq!(f.stat().size, 0);
}

#[test]
fn o_directory_on_a_file_is_enotdir() {
    let v = vfs();
    file(&v, "/f", b"");
    assert_eq!(
        open(&v, "/f", O_RDONLY | O_DIRECTORY).err(),
        Some(Errno::ENOTDIR)
    );
    assert!(open(&v, "/", O_RDONLY | O_DIRECTORY).is_ok());
    assert_eq!(
        open(&v, "/x", O_CREAT | O_DIRECTORY).err(),
        Some(Errno::EINVAL),
        "as Linux 6.4+"
    );
}

#[test]
fn o_nofollow_on_a_symlink_is_eloop_unless_o_path() {
    let v = vfs();
    file(&v, "/t", b"");
    symlink(&v, "/l", "/t");
    assert_eq!(
        open(&v, "/l", O_RDONLY | O_NOFOLLOW).err(),
        Some(Errno::ELOOP)
    );
    let p = open(&v, "/l", O_PATH | O_NOFOLLOW).expect("O_PATH|O_NOFOLLOW opens the link itself");
    assert_eq!(p.stat().mode & S_IFMT, S_IFLNK, "fstat sees the symlink");
    assert!(
        open(&v, "/t", O_RDONLY | O_NOFOLLOW).is_ok(),
        "only a final symlink matters"
    );
}

#[test]
fn o_path_files_do_no_io() {
    let v = vfs();
    file(&v, "/f", b"data");
    let p = open(&v, "/f", O_PATH | O_RDWR | O_CREAT | O_TRUNC).unwrap();
    assert_eq!(p.stat().size, 4, "O_PATH ignores O_TRUNC");
    let mut buf = [0u8; 4];
    assert_eq!(p.read(&mut buf).err(), Some(Errno::EBADF));
    assert_eq!(p.write(b"x").err(), Some(Errno::EBADF));
    assert_eq!(p.ioctl(0x5401, 0).err(), Some(Errno::EBADF));
    assert_eq!(p.seek(0, SEEK_SET).err(), Some(Errno::EBADF));
    assert_eq!(p.poll(), POLLNVAL);
}

#[test]
fn directories_refuse_write_access_and_read() {
    let v = vfs();
    dir(&v, "/d");
    assert_eq!(open(&v, "/d", O_WRONLY).err(), Some(Errno::EISDIR));
    assert_eq!(open(&v, "/d", O_RDWR).err(), Some(Errno::EISDIR));
    assert_eq!(
        open(&v, "/d", O_RDONLY | O_TRUNC).err(),
        Some(Errno::EISDIR),
        "O_TRUNC implies write"
    );
    assert_eq!(
        open(&v, "/d", O_CREAT | O_RDONLY).err(),
        Some(Errno::EISDIR),
        "O_CREAT on a dir"
    );
    assert_eq!(
        open(&v, "/new/", O_CREAT | O_WRONLY).err(),
        Some(Errno::EISDIR),
        "O_CREAT with a trailing slash"
    );
    let d = open(&v, "/d", O_RDONLY).unwrap();
    let mut buf = [0u8; 8];
    assert_eq!(
        d.read(&mut buf).err(),
        Some(Errno::EISDIR),
        "read() of a directory"
    );
    assert_eq!(
        d.seek(0, SEEK_END).err(),
        Some(Errno::EINVAL),
        "directories seek by cookie only"
    );
}

#[test]
fn missing_file_without_o_creat_is_enoent() {
    let v = vfs();
    assert_eq!(open(&v, "/nope", O_RDONLY).err(), Some(Errno::ENOENT));
    assert_eq!(
        open(&v, "/nope/x", O_CREAT | O_WRONLY).err(),
        Some(Errno::ENOENT),
        "missing parent"
    );
}

#[test]
fn permission_bits_are_checked_on_open() {
    let v = vfs();
    v.install(
        b"/secret",
        0o600,
        0,
        0,
        Timespec::new(0, 0),
        InstallContent::Regular(b"s"),
    )
    .unwrap();
    let u = user();
    assert_eq!(
        open_as(&v, &u, "/secret", O_RDONLY).err(),
        Some(Errno::EACCES)
    );
    let mine = v
        .install(
            b"/mine",
            0o400,
            1000,
            1000,
            Timespec::new(0, 0),
            InstallContent::Regular(b"m"),
        )
        .unwrap();
    assert!(open_as(&v, &u, "/mine", O_RDONLY).is_ok());
    assert_eq!(
        open_as(&v, &u, "/mine", O_WRONLY).err(),
        Some(Errno::EACCES)
    );
    assert!(
        open_as(&v, &root(), "/mine", O_RDWR).is_ok(),
        "root bypasses rw checks"
    );
    let _ = mine;
    let fresh = v.open(&v.ctx(&u), b"/tmpfile", O_CREAT | O_RDWR, 0o444, 0);
    assert_eq!(
        fresh.err(),
        Some(Errno::EACCES),
        "user cannot create in root's dir"
    );
}

#[test]
fn a_new_file_opens_even_if_its_mode_forbids_it() {
    let v = vfs();
    let u = user();
    look(&v, "/").unwrap().chmod(&root(), 0o777).unwrap();
    let f = v
        .open(&v.ctx(&u), b"/ro", O_CREAT | O_RDWR, 0o444, 0)
        .expect("creator may write its 0444 file");
    assert_eq!(f.write(b"x").unwrap(), 1);
    assert_eq!(
        open_as(&v, &u, "/ro", O_RDWR).err(),
        Some(Errno::EACCES),
        "but not reopen it for writing"
    );
}

#[test]
fn access_mode_gates_read_and_write() {
    let v = vfs();
    file(&v, "/f", b"abc");
    let r = open(&v, "/f", O_RDONLY).unwrap();
    assert_eq!(r.write(b"x").err(), Some(Errno::EBADF), "write on O_RDONLY");
    assert_eq!(
        r.truncate(0).err(),
        Some(Errno::EINVAL),
        "ftruncate on O_RDONLY"
    );
    let w = open(&v, "/f", O_WRONLY).unwrap();
    let mut buf = [0u8; 3];
    assert_eq!(
        w.read(&mut buf).err(),
        Some(Errno::EBADF),
        "read on O_WRONLY"
    );
    assert_eq!(w.truncate(-1).err(), Some(Errno::EINVAL), "negative length");
    assert_eq!(r.flags() & O_ACCMODE, O_RDONLY);
    assert_ne!(
        w.flags() & O_LARGEFILE,
        0,
        "F_GETFL shows O_LARGEFILE as on 64-bit Linux"
    );
}

#[test]
fn reads_and_writes_advance_the_offset() {
    let v = vfs();
    let f = open(&v, "/f", O_CREAT | O_RDWR).unwrap();
    assert_eq!(f.write(b"hello world").unwrap(), 11);
    assert_eq!(f.position(), 11);
    let mut buf = [0u8; 4];
    assert_eq!(f.read(&mut buf).unwrap(), 0, "read at EOF returns 0");
    f.seek(6, SEEK_SET).unwrap();
    assert_eq!(read_all(&f), b"world");
}

#[test]
fn o_append_writes_at_the_end_whatever_the_offset() {
    let v = vfs();
    file(&v, "/log", b"one\n");
    let f = open(&v, "/log", O_WRONLY | O_APPEND).unwrap();
    f.seek(0, SEEK_SET).unwrap();
    f.write(b"two\n").unwrap();
    assert_eq!(f.position(), 8, "offset moves to the new end");
    f.pwrite(0, b"3\n").unwrap();
    let r = open(&v, "/log", O_RDONLY).unwrap();
    assert_eq!(
        read_all(&r),
        b"one\ntwo\n3\n",
        "pwrite with O_APPEND appends, a documented Linux quirk"
    );
}

#[test]
fn lseek_follows_linux() {
    let v = vfs();
    file(&v, "/f", b"0123456789");
    let f = open(&v, "/f", O_RDONLY).unwrap();
    assert_eq!(f.seek(-3, SEEK_END).unwrap(), 7);
    assert_eq!(f.seek(2, SEEK_CUR).unwrap(), 9);
    assert_eq!(
        f.seek(100, SEEK_SET).unwrap(),
        100,
        "seeking past the end is allowed"
    );
    assert_eq!(
        f.seek(-1, SEEK_SET).err(),
        Some(Errno::EINVAL),
        "negative offset"
    );
    assert_eq!(f.position(), 100, "a failed seek leaves the offset");
    assert_eq!(f.seek(0, 99).err(), Some(Errno::EINVAL), "bad whence");
    assert_eq!(f.seek(3, SEEK_DATA).unwrap(), 3);
    assert_eq!(f.seek(3, SEEK_HOLE).unwrap(), 10, "the hole at EOF");
    assert_eq!(
        f.seek(10, SEEK_DATA).err(),
        Some(Errno::ENXIO),
        "no data at EOF"
    );
    assert_eq!(
        f.seek(i64::MAX, SEEK_CUR).err(),
        Some(Errno::EINVAL),
        "overflow"
    );
}

#[test]
fn pread_does_not_move_the_offset() {
    let v = vfs();
    file(&v, "/f", b"abcdef");
    let f = open(&v, "/f", O_RDONLY).unwrap();
    let mut buf = [0u8; 2];
    assert_eq!(f.pread(3, &mut buf).unwrap(), 2);
    assert_eq!(&buf, b"de");
    assert_eq!(f.position(), 0);
    assert_eq!(f.pread(-1, &mut buf).err(), Some(Errno::EINVAL));
}

#[test]
fn regular_files_answer_enotty_to_ioctl_and_are_always_ready() {
    let v = vfs();
    file(&v, "/f", b"");
    let f = open(&v, "/f", O_RDONLY).unwrap();
    assert_eq!(
        f.ioctl(0x5401, 0).err(),
        Some(Errno::ENOTTY),
        "TCGETS on a file"
    );
    assert_eq!(f.poll(), POLLIN | POLLOUT);
}

#[test]
fn device_nodes_open_through_the_registry() {
    let v = vfs();
    v.install(
        b"/dev/console",
        S_IFCHR | 0o600,
        0,
        5,
        Timespec::new(0, 0),
        InstallContent::Device(makedev(5, 1)),
    )
    .unwrap();
    v.install(
        b"/dev/sda",
        S_IFBLK | 0o600,
        0,
        0,
        Timespec::new(0, 0),
        InstallContent::Device(makedev(8, 0)),
    )
    .unwrap();
    let con = open(&v, "/dev/console", O_RDWR | O_NOCTTY).unwrap();
    assert_eq!(con.ioctl(0x5401, 0), Ok(0), "the device's ioctl answers");
    let mut buf = [0u8; 8];
    assert_eq!(con.read(&mut buf).unwrap(), 3);
    let m = con.stat();
    assert_eq!(
        (m.mode & S_IFMT, m.rdev, m.gid),
        (S_IFCHR, makedev(5, 1), 5),
        "fstat reports the node, not the driver"
    );
    assert_eq!(
        con.seek(0, SEEK_SET).err(),
        Some(Errno::ESPIPE),
        "a tty has no offset"
    );
    assert_eq!(con.pread(0, &mut buf).err(), Some(Errno::ESPIPE));
    assert_eq!(
        open(&v, "/dev/sda", O_RDONLY).err(),
        Some(Errno::ENXIO),
        "no driver for 8:0"
    );
}

#[test]
fn fifos_and_sockets_without_support_are_enxio() {
    let v = vfs();
    let c = root();
    v.mknod(&v.ctx(&c), b"/fifo", S_IFIFO | 0o644, 0, 0)
        .unwrap();
    v.mknod(&v.ctx(&c), b"/sock", S_IFSOCK | 0o644, 0, 0)
        .unwrap();
    assert_eq!(
        open(&v, "/fifo", O_RDONLY | O_NONBLOCK).err(),
        Some(Errno::ENXIO),
        "the kernel's registry opens FIFOs"
    );
    assert_eq!(
        open(&v, "/sock", O_RDONLY).err(),
        Some(Errno::ENXIO),
        "sockets cannot be opened"
    );
}

#[test]
fn o_tmpfile_makes_an_unnamed_file_that_linkat_can_name() {
    let v = vfs();
    assert_eq!(
        open(&v, "/", O_TMPFILE | O_RDONLY).err(),
        Some(Errno::EINVAL),
        "O_TMPFILE needs write access"
    );
    assert_eq!(
        open(&v, "/", O_TMPFILE | O_CREAT | O_RDWR).err(),
        Some(Errno::EINVAL),
        "O_TMPFILE with O_CREAT"
    );
    file(&v, "/f", b"");
    assert_eq!(
        open(&v, "/f", O_TMPFILE | O_RDWR).err(),
        Some(Errno::ENOTDIR),
        "O_TMPFILE needs a directory"
    );
    let before = v.root().metadata().nlink;
    let f = open(&v, "/", O_TMPFILE | O_RDWR).unwrap();
    assert_eq!(f.write(b"tmp").unwrap(), 3);
    let m = f.stat();
    assert_eq!(
        (m.nlink, m.size, m.mode & S_IFMT),
        (0, 3, S_IFREG),
        "unnamed"
    );
    assert_eq!(m.mode & 0o777, 0o644, "mode 0666 minus umask 022");
    assert_eq!(
        v.root().metadata().nlink,
        before,
        "no entry in the directory"
    );
    let c = root();
    let inode = f.inode().unwrap().clone();
    v.link_inode(&inode, &v.ctx(&c), b"/named").unwrap();
    assert_eq!(inode.metadata().nlink, 1, "linkat gave it a name");
    assert_eq!(read_all(&open(&v, "/named", O_RDONLY).unwrap()), b"tmp");

    let ex = open(&v, "/", O_TMPFILE | O_RDWR | O_EXCL).unwrap();
    let inode = ex.inode().unwrap().clone();
    assert_eq!(
        v.link_inode(&inode, &v.ctx(&c), b"/never").err(),
        Some(Errno::ENOENT),
        "O_EXCL makes it unlinkable"
    );
}

fn parse_dirents(buf: &[u8]) -> Vec<(u64, i64, u8, Vec<u8>)> {
    let mut out = Vec::new();
    let mut at = 0;
    while at < buf.len() {
        let ino = u64::from_ne_bytes(buf[at..at + 8].try_into().unwrap());
        let off = i64::from_ne_bytes(buf[at + 8..at + 16].try_into().unwrap());
        let reclen = u16::from_ne_bytes(buf[at + 16..at + 18].try_into().unwrap()) as usize;
        assert_eq!(reclen % 8, 0, "records are 8-byte aligned");
        let name: Vec<u8> = buf[at + 19..at + reclen]
            .iter()
            .copied()
            .take_while(|&b| b != 0)
            .collect();
        out.push((ino, off, buf[at + 18], name));
        at += reclen;
    }
    out
}

#[test]
fn getdents64_lists_entries_and_resumes_from_the_offset() {
    let v = vfs();
    let a = file(&v, "/d/a", b"");
    dir(&v, "/d/sub");
    let d = open(&v, "/d", O_RDONLY | O_DIRECTORY).unwrap();
    let mut small = [0u8; 10];
    assert_eq!(
        d.getdents(&mut small).err(),
        Some(Errno::EINVAL),
        "buffer too small for one record"
    );
    let mut buf = [0u8; 56];
    let n = d.getdents(&mut buf).unwrap();
    let first = parse_dirents(&buf[..n]);
    assert_eq!(
        first.iter().map(|e| e.3.clone()).collect::<Vec<_>>(),
        [b".".to_vec(), b"..".to_vec()],
        "two 24-byte records fit"
    );
    let mut buf = [0u8; 4096];
    let n = d.getdents(&mut buf).unwrap();
    let rest = parse_dirents(&buf[..n]);
    assert_eq!(rest.len(), 2, "a and sub");
    assert_eq!(
        (rest[0].0, rest[0].2, rest[0].3.as_slice()),
        (a.ino(), 8, &b"a"[..]),
        "DT_REG"
    );
    assert_eq!(
        (rest[1].2, rest[1].3.as_slice()),
        (4, &b"sub"[..]),
        "DT_DIR"
    );
    assert_eq!(d.getdents(&mut buf).unwrap(), 0, "end of directory");
    d.seek(rest[0].1, SEEK_SET).unwrap();
    let n = d.getdents(&mut buf).unwrap();
    assert_eq!(
        parse_dirents(&buf[..n])[0].3,
        b"sub",
        "seeking to a d_off resumes after that entry"
    );
    let f = open(&v, "/d/a", O_RDONLY).unwrap();
    assert_eq!(f.getdents(&mut buf).err(), Some(Errno::ENOTDIR));
}

#[test]
fn open_file_keeps_an_unlinked_file_alive() {
    let v = vfs();
    let c = root();
    let f = open(&v, "/f", O_CREAT | O_RDWR).unwrap();
    f.write(b"still here").unwrap();
    v.unlink(&v.ctx(&c), b"/f").unwrap();
    f.seek(0, SEEK_SET).unwrap();
    assert_eq!(read_all(&f), b"still here");
    assert_eq!(f.stat().nlink, 0);
}

#[test]
fn an_open_file_remembers_the_directory_and_name_it_was_opened_by() {
    let v = vfs();
    dir(&v, "/d");
    file(&v, "/d/f", b"x");
    let f = open(&v, "/d//f", O_RDONLY).unwrap();
    let (d, name) = f.origin().expect("open records its origin");
    assert!(
        same(d, &look(&v, "/d").unwrap()),
        "the directory of the last step"
    );
    assert_eq!(name, b"f");
    let r = open(&v, "/", O_RDONLY | O_DIRECTORY).unwrap();
    assert_eq!(
        r.origin().map(|(_, n)| n.to_vec()),
        Some(Vec::new()),
        "/ has no name"
    );
}

//! Linux x86_64 numbers the VFS speaks: file-type and permission bits of `st_mode`, `open(2)`
//! flags, `lseek(2)` whences, `poll(2)` bits, `fcntl(2)` commands, `renameat2(2)` flags, and the
//! `dev_t` encoding of `st_rdev`. Kept here (not in `keel-abi`) so this crate depends only on
//! `Errno`; the values are those of `<linux/stat.h>`, `<asm-generic/fcntl.h>` and `<linux/kdev_t.h>`.

/// Mask of the file-type bits of a mode.
pub const S_IFMT: u32 = 0o170000;
/// Socket.
pub const S_IFSOCK: u32 = 0o140000;
/// Symbolic link.
pub const S_IFLNK: u32 = 0o120000;
/// Regular file.
pub const S_IFREG: u32 = 0o100000;
/// Block device.
pub const S_IFBLK: u32 = 0o060000;
/// Directory.
pub const S_IFDIR: u32 = 0o040000;
/// Character device.
pub const S_IFCHR: u32 = 0o020000;
/// FIFO (named pipe).
pub const S_IFIFO: u32 = 0o010000;
/// Set-user-ID bit.
pub const S_ISUID: u32 = 0o4000;
/// Set-group-ID bit.
pub const S_ISGID: u32 = 0o2000;
/// Sticky bit: in a directory, only owners may delete or rename entries.
pub const S_ISVTX: u32 = 0o1000;
/// Every bit `chmod(2)` may change.
pub const S_IALLUGO: u32 = 0o7777;

/// Open for reading only.
pub const O_RDONLY: u32 = 0;
/// Open for writing only.
pub const O_WRONLY: u32 = 1;
/// Open for reading and writing.
pub const O_RDWR: u32 = 2;
/// Mask of the access mode.
pub const O_ACCMODE: u32 = 3;
/// Create the file if missing.
pub const O_CREAT: u32 = 0o100;
/// With `O_CREAT`: fail with EEXIST if the name exists (even as a dangling symlink).
pub const O_EXCL: u32 = 0o200;
/// Do not make a terminal the controlling terminal (the kernel's tty layer reads it).
pub const O_NOCTTY: u32 = 0o400;
/// Truncate a regular file to length 0.
pub const O_TRUNC: u32 = 0o1000;
/// Every write goes to the end of the file.
pub const O_APPEND: u32 = 0o2000;
/// Never block (the kernel's wait loop reads it; operations here never block anyway).
pub const O_NONBLOCK: u32 = 0o4000;
/// Synchronised data writes (a no-op on tmpfs).
pub const O_DSYNC: u32 = 0o10000;
/// Signal-driven I/O.
pub const O_ASYNC: u32 = 0o20000;
/// Direct I/O hint (a no-op on tmpfs).
pub const O_DIRECT: u32 = 0o40000;
/// Large-file flag; Linux sets it on every 64-bit open and `F_GETFL` reports it.
pub const O_LARGEFILE: u32 = 0o100000;
/// Fail with ENOTDIR unless the path names a directory.
pub const O_DIRECTORY: u32 = 0o200000;
/// Fail with ELOOP if the final component is a symlink.
pub const O_NOFOLLOW: u32 = 0o400000;
/// Do not update the access time.
pub const O_NOATIME: u32 = 0o1000000;
/// Close-on-exec for the new descriptor (an fd-table flag, not a file flag).
pub const O_CLOEXEC: u32 = 0o2000000;
/// Synchronised writes (a no-op on tmpfs).
pub const O_SYNC: u32 = 0o4010000;
/// A location-only descriptor: no I/O, usable for `fstat`, `*at` and `fchdir`.
pub const O_PATH: u32 = 0o10000000;
/// Unnamed temporary file (not supported yet: EOPNOTSUPP).
pub const O_TMPFILE: u32 = 0o20200000;
/// Status flags `F_SETFL` may change (Linux's `SETFL_MASK`).
pub const SETFL_MASK: u32 = O_APPEND | O_NONBLOCK | O_ASYNC | O_DIRECT | O_NOATIME;

/// Seek to an absolute offset.
pub const SEEK_SET: u32 = 0;
/// Seek relative to the current offset.
pub const SEEK_CUR: u32 = 1;
/// Seek relative to the end.
pub const SEEK_END: u32 = 2;
/// Seek to the next data at or after the offset.
pub const SEEK_DATA: u32 = 3;
/// Seek to the next hole at or after the offset.
pub const SEEK_HOLE: u32 = 4;

/// Readable without blocking.
pub const POLLIN: u16 = 0x1;
/// Urgent data.
pub const POLLPRI: u16 = 0x2;
/// Writable without blocking.
pub const POLLOUT: u16 = 0x4;
/// Error condition.
pub const POLLERR: u16 = 0x8;
/// Hang-up (peer closed).
pub const POLLHUP: u16 = 0x10;
/// Invalid descriptor.
pub const POLLNVAL: u16 = 0x20;

/// Duplicate to the lowest free fd >= arg.
pub const F_DUPFD: u32 = 0;
/// Read the fd flags (`FD_CLOEXEC`).
pub const F_GETFD: u32 = 1;
/// Set the fd flags.
pub const F_SETFD: u32 = 2;
/// Read access mode and status flags.
pub const F_GETFL: u32 = 3;
/// Set status flags (only those in [`SETFL_MASK`]).
pub const F_SETFL: u32 = 4;
/// `F_DUPFD` setting close-on-exec.
pub const F_DUPFD_CLOEXEC: u32 = 1030;
/// The close-on-exec fd flag.
pub const FD_CLOEXEC: u32 = 1;

/// `renameat2`: fail with EEXIST if the new name exists.
pub const RENAME_NOREPLACE: u32 = 1;
/// `renameat2`: swap the two names (not supported yet: EINVAL).
pub const RENAME_EXCHANGE: u32 = 2;

/// `access(2)`/permission bit: read.
pub const MAY_READ: u32 = 4;
/// Permission bit: write.
pub const MAY_WRITE: u32 = 2;
/// Permission bit: execute, or search for a directory.
pub const MAY_EXEC: u32 = 1;

/// Longest path `open(2)` accepts, counting the terminating NUL (Linux `PATH_MAX`).
pub const PATH_MAX: usize = 4096;
/// Longest file-name component (Linux `NAME_MAX`).
pub const NAME_MAX: usize = 255;
/// Symlinks one walk may follow before ELOOP (Linux `MAXSYMLINKS`).
pub const MAX_SYMLINKS: u32 = 40;

/// `getdents64` `d_type` values (`DT_*`), derived from the mode's type bits.
pub const fn dtype_of_mode(mode: u32) -> u8 {
    ((mode & S_IFMT) >> 12) as u8
}

/// Major number of a `dev_t` as Linux's glibc-compatible `major()` decodes it.
pub const fn major(dev: u64) -> u32 {
    (((dev >> 32) & 0xffff_f000) | ((dev >> 8) & 0x0000_0fff)) as u32
}

/// Minor number of a `dev_t` as `minor()` decodes it.
pub const fn minor(dev: u64) -> u32 {
    (((dev >> 12) & 0xffff_ff00) | (dev & 0x0000_00ff)) as u32
}

/// `makedev(major, minor)`: the 64-bit `dev_t` user space sees in `st_rdev`. For majors below
/// 4096 and minors below 2^20 it equals Linux's `new_encode_dev`, which is what `stat` reports.
pub const fn makedev(major: u32, minor: u32) -> u64 {
    let (ma, mi) = (major as u64, minor as u64);
    ((ma & 0xffff_f000) << 32)
        | ((ma & 0x0000_0fff) << 8)
        | ((mi & 0xffff_ff00) << 12)
        | (mi & 0xff)
}

/// Linux's `new_encode_dev` (32-bit encoding used by `stat` on x86_64 and by cpio's
/// `rdevmajor`/`rdevminor` once combined).
pub const fn new_encode_dev(major: u32, minor: u32) -> u32 {
    (minor & 0xff) | ((major & 0xfff) << 8) | ((minor & !0xff) << 12)
}

/// The kind of an inode, from its mode's type bits.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum FileType {
    /// `S_IFREG`
    Regular,
    /// `S_IFDIR`
    Directory,
    /// `S_IFLNK`
    Symlink,
    /// `S_IFCHR`
    CharDevice,
    /// `S_IFBLK`
    BlockDevice,
    /// `S_IFIFO`
    Fifo,
    /// `S_IFSOCK`
    Socket,
}

impl FileType {
    /// The type of `mode`, or `None` if its type bits are not a valid type.
    pub const fn from_mode(mode: u32) -> Option<FileType> {
        Some(match mode & S_IFMT {
            S_IFREG => FileType::Regular,
            S_IFDIR => FileType::Directory,
            S_IFLNK => FileType::Symlink,
            S_IFCHR => FileType::CharDevice,
            S_IFBLK => FileType::BlockDevice,
            S_IFIFO => FileType::Fifo,
            S_IFSOCK => FileType::Socket,
            _ => return None,
        })
    }

    /// The `S_IF*` bits of this type.
    pub const fn mode_bits(self) -> u32 {
        match self {
            FileType::Regular => S_IFREG,
            FileType::Directory => S_IFDIR,
            FileType::Symlink => S_IFLNK,
            FileType::CharDevice => S_IFCHR,
            FileType::BlockDevice => S_IFBLK,
            FileType::Fifo => S_IFIFO,
            FileType::Socket => S_IFSOCK,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn makedev_round_trips_through_major_and_minor() {
        for &(ma, mi) in &[
            (0, 0),
            (1, 3),
            (5, 1),
            (136, 0),
            (4095, 0xfffff),
            (0x12345, 0x6789a),
        ] {
            let dev = makedev(ma, mi);
            assert_eq!(
                (major(dev), minor(dev)),
                (ma, mi),
                "makedev({ma}, {mi}) = {dev:#x}"
            );
        }
    }

    #[test]
    fn makedev_matches_new_encode_dev_for_small_numbers() {
        assert_eq!(makedev(5, 1), 0x501, "/dev/console is 5:1 = 0x501");
        assert_eq!(makedev(1, 3) as u32, new_encode_dev(1, 3), "/dev/null");
        assert_eq!(
            makedev(136, 300) as u32,
            new_encode_dev(136, 300),
            "a pty with a big minor"
        );
    }

    #[test]
    fn dtype_follows_mode_type_bits() {
        assert_eq!(dtype_of_mode(S_IFDIR | 0o755), 4, "DT_DIR");
        assert_eq!(dtype_of_mode(S_IFREG), 8, "DT_REG");
        assert_eq!(dtype_of_mode(S_IFLNK), 10, "DT_LNK");
        assert_eq!(dtype_of_mode(S_IFCHR), 2, "DT_CHR");
    }
}

//! Linux x86_64 numbers the VFS speaks: file-type and permission bits of `st_mode`, `open(2)`
//! flags, `lseek(2)` whences, `poll(2)` bits, `fcntl(2)` commands, `renameat2(2)` flags, and the
//! `dev_t` encoding of `st_rdev`. Numbers `keel-abi` has (checked there against the UAPI headers)
//! are re-exported from it; the rest are Linux's values from the same headers.

pub use keel_abi::stat::S_IALLUGO;
pub use keel_abi::stat::S_IFBLK;
pub use keel_abi::stat::S_IFCHR;
pub use keel_abi::stat::S_IFDIR;
pub use keel_abi::stat::S_IFIFO;
pub use keel_abi::stat::S_IFLNK;
pub use keel_abi::stat::S_IFMT;
pub use keel_abi::stat::S_IFREG;
pub use keel_abi::stat::S_IFSOCK;
pub use keel_abi::stat::S_ISGID;
pub use keel_abi::stat::S_ISUID;
pub use keel_abi::stat::S_ISVTX;

pub use keel_abi::fcntl::O_ACCMODE;
pub use keel_abi::fcntl::O_APPEND;
pub use keel_abi::fcntl::O_CREAT;
pub use keel_abi::fcntl::O_DSYNC;
pub use keel_abi::fcntl::O_EXCL;
pub use keel_abi::fcntl::O_NOCTTY;
pub use keel_abi::fcntl::O_NONBLOCK;
pub use keel_abi::fcntl::O_RDONLY;
pub use keel_abi::fcntl::O_RDWR;
pub use keel_abi::fcntl::O_TRUNC;
pub use keel_abi::fcntl::O_WRONLY;
/// Signal-driven I/O.
pub const O_ASYNC: u32 = 0o20000;
pub use keel_abi::fcntl::O_CLOEXEC;
pub use keel_abi::fcntl::O_DIRECT;
pub use keel_abi::fcntl::O_DIRECTORY;
pub use keel_abi::fcntl::O_LARGEFILE;
pub use keel_abi::fcntl::O_NOATIME;
pub use keel_abi::fcntl::O_NOFOLLOW;
pub use keel_abi::fcntl::O_PATH;
pub use keel_abi::fcntl::O_SYNC;
pub use keel_abi::fcntl::O_TMPFILE;
/// Status flags `F_SETFL` may change (Linux's `SETFL_MASK`).
pub const SETFL_MASK: u32 = O_APPEND | O_NONBLOCK | O_ASYNC | O_DIRECT | O_NOATIME;

pub use keel_abi::fcntl::SEEK_CUR;
pub use keel_abi::fcntl::SEEK_DATA;
pub use keel_abi::fcntl::SEEK_END;
pub use keel_abi::fcntl::SEEK_HOLE;
pub use keel_abi::fcntl::SEEK_SET;

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

pub use keel_abi::fcntl::FD_CLOEXEC;
pub use keel_abi::fcntl::F_DUPFD;
pub use keel_abi::fcntl::F_DUPFD_CLOEXEC;
pub use keel_abi::fcntl::F_GETFD;
pub use keel_abi::fcntl::F_GETFL;
pub use keel_abi::fcntl::F_SETFD;
pub use keel_abi::fcntl::F_SETFL;

pub use keel_abi::fcntl::RENAME_EXCHANGE;
pub use keel_abi::fcntl::RENAME_NOREPLACE;
pub use keel_abi::fcntl::RENAME_WHITEOUT;

pub use keel_abi::fcntl::{F_GETLK, F_OFD_GETLK, F_OFD_SETLK, F_OFD_SETLKW, F_SETLK, F_SETLKW};
pub use keel_abi::fcntl::{F_RDLCK, F_UNLCK, F_WRLCK};
pub use keel_abi::fcntl::{LOCK_EX, LOCK_NB, LOCK_SH, LOCK_UN};

pub use keel_abi::mount::{
    MNT_DETACH, MNT_EXPIRE, MNT_FORCE, MS_BIND, MS_DIRSYNC, MS_LAZYTIME, MS_MANDLOCK, MS_MGC_MSK,
    MS_MGC_VAL, MS_MOVE, MS_NOATIME, MS_NODEV, MS_NODIRATIME, MS_NOEXEC, MS_NOSUID, MS_NOSYMFOLLOW,
    MS_PRIVATE, MS_RDONLY, MS_REC, MS_RELATIME, MS_REMOUNT, MS_SHARED, MS_SILENT, MS_SLAVE,
    MS_STRICTATIME, MS_SYNCHRONOUS, MS_UNBINDABLE, UMOUNT_NOFOLLOW,
};
/// Mount flags that belong to a mount (kept per mount and reported by statfs and
/// `/proc/mounts`): Linux's `MS_RMT_MASK` plus the per-mount ones.
pub const MS_PER_MOUNT: u64 = MS_RDONLY
    | MS_NOSUID
    | MS_NODEV
    | MS_NOEXEC
    | MS_SYNCHRONOUS
    | MS_DIRSYNC
    | MS_NOATIME
    | MS_NODIRATIME
    | MS_RELATIME
    | MS_STRICTATIME
    | MS_LAZYTIME
    | MS_NOSYMFOLLOW;

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

//! File status: the x86_64 kernel `struct stat` (`asm/stat.h`, what `fstat`/`newfstatat` write),
//! `struct statx` (`linux/stat.h`, which Rust std asks for first), and the `S_IF*` type and
//! permission bits of a mode. See stat(2), statx(2), inode(7).

/// The kernel's `struct stat` on x86_64 (144 bytes). Note `st_nlink` precedes `st_mode` and is
/// 64-bit, unlike i386 and the generic layout.
#[repr(C)]
#[derive(Clone, Copy, Default, Debug, PartialEq, Eq)]
pub struct Stat {
    /// Device containing the file.
    pub st_dev: u64,
    /// Inode number.
    pub st_ino: u64,
    /// Hard-link count.
    pub st_nlink: u64,
    /// Type and permission bits.
    pub st_mode: u32,
    /// Owner.
    pub st_uid: u32,
    /// Group.
    pub st_gid: u32,
    /// Padding; written as zero.
    pub pad0: u32,
    /// Device number of a device node.
    pub st_rdev: u64,
    /// Size in bytes.
    pub st_size: i64,
    /// Preferred I/O block size.
    pub st_blksize: i64,
    /// Number of 512-byte blocks allocated.
    pub st_blocks: i64,
    /// Last access, seconds.
    pub st_atime: u64,
    /// Last access, nanoseconds.
    pub st_atime_nsec: u64,
    /// Last modification, seconds.
    pub st_mtime: u64,
    /// Last modification, nanoseconds.
    pub st_mtime_nsec: u64,
    /// Last status change, seconds.
    pub st_ctime: u64,
    /// Last status change, nanoseconds.
    pub st_ctime_nsec: u64,
    /// Reserved; written as zero.
    pub unused: [i64; 3],
}
const _: () = assert!(size_of::<Stat>() == 144);

/// A `statx` timestamp.
#[repr(C)]
#[derive(Clone, Copy, Default, Debug, PartialEq, Eq)]
pub struct StatxTimestamp {
    /// Seconds since the epoch.
    pub tv_sec: i64,
    /// Nanoseconds.
    pub tv_nsec: u32,
    /// Reserved; written as zero.
    pub reserved: i32,
}
const _: () = assert!(size_of::<StatxTimestamp>() == 16);

/// The kernel's `struct statx` (256 bytes).
#[repr(C)]
#[derive(Clone, Copy, Default, Debug, PartialEq, Eq)]
pub struct Statx {
    /// Which fields were filled (`STATX_*`).
    pub stx_mask: u32,
    /// Preferred I/O block size.
    pub stx_blksize: u32,
    /// `STATX_ATTR_*` flags.
    pub stx_attributes: u64,
    /// Hard-link count.
    pub stx_nlink: u32,
    /// Owner.
    pub stx_uid: u32,
    /// Group.
    pub stx_gid: u32,
    /// Type and permission bits.
    pub stx_mode: u16,
    /// Reserved.
    pub spare0: u16,
    /// Inode number.
    pub stx_ino: u64,
    /// Size in bytes.
    pub stx_size: u64,
    /// Number of 512-byte blocks allocated.
    pub stx_blocks: u64,
    /// Which `stx_attributes` bits are supported.
    pub stx_attributes_mask: u64,
    /// Last access.
    pub stx_atime: StatxTimestamp,
    /// Creation.
    pub stx_btime: StatxTimestamp,
    /// Last status change.
    pub stx_ctime: StatxTimestamp,
    /// Last modification.
    pub stx_mtime: StatxTimestamp,
    /// Device number of a device node, major.
    pub stx_rdev_major: u32,
    /// Device number of a device node, minor.
    pub stx_rdev_minor: u32,
    /// Containing device, major.
    pub stx_dev_major: u32,
    /// Containing device, minor.
    pub stx_dev_minor: u32,
    /// Mount id.
    pub stx_mnt_id: u64,
    /// Direct I/O memory alignment.
    pub stx_dio_mem_align: u32,
    /// Direct I/O offset alignment.
    pub stx_dio_offset_align: u32,
    /// Reserved.
    pub spare3: [u64; 12],
}
const _: () = assert!(size_of::<Statx>() == 256);

/// `statx` mask: file type.
pub const STATX_TYPE: u32 = 0x1;
/// `statx` mask: permission bits.
pub const STATX_MODE: u32 = 0x2;
/// `statx` mask: link count.
pub const STATX_NLINK: u32 = 0x4;
/// `statx` mask: owner.
pub const STATX_UID: u32 = 0x8;
/// `statx` mask: group.
pub const STATX_GID: u32 = 0x10;
/// `statx` mask: access time.
pub const STATX_ATIME: u32 = 0x20;
/// `statx` mask: modification time.
pub const STATX_MTIME: u32 = 0x40;
/// `statx` mask: change time.
pub const STATX_CTIME: u32 = 0x80;
/// `statx` mask: inode number.
pub const STATX_INO: u32 = 0x100;
/// `statx` mask: size.
pub const STATX_SIZE: u32 = 0x200;
/// `statx` mask: blocks.
pub const STATX_BLOCKS: u32 = 0x400;
/// `statx` mask: everything `struct stat` has.
pub const STATX_BASIC_STATS: u32 = 0x7ff;
/// `statx` mask: creation time.
pub const STATX_BTIME: u32 = 0x800;

/// Mask of the file-type bits.
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
/// FIFO.
pub const S_IFIFO: u32 = 0o010000;
/// Set-user-id on exec.
pub const S_ISUID: u32 = 0o4000;
/// Set-group-id on exec.
pub const S_ISGID: u32 = 0o2000;
/// Sticky bit.
pub const S_ISVTX: u32 = 0o1000;
/// Owner read/write/execute.
pub const S_IRWXU: u32 = 0o700;
/// Owner read.
pub const S_IRUSR: u32 = 0o400;
/// Owner write.
pub const S_IWUSR: u32 = 0o200;
/// Owner execute.
pub const S_IXUSR: u32 = 0o100;
/// Group read/write/execute.
pub const S_IRWXG: u32 = 0o070;
/// Group read.
pub const S_IRGRP: u32 = 0o040;
/// Group write.
pub const S_IWGRP: u32 = 0o020;
/// Group execute.
pub const S_IXGRP: u32 = 0o010;
/// Others read/write/execute.
pub const S_IRWXO: u32 = 0o007;
/// Others read.
pub const S_IROTH: u32 = 0o004;
/// Others write.
pub const S_IWOTH: u32 = 0o002;
/// Others execute.
pub const S_IXOTH: u32 = 0o001;
/// All permission bits, including set-id and sticky (07777).
pub const S_IALLUGO: u32 = 0o7777;

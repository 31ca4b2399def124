//! `mount(2)`, `umount2(2)` and `statfs(2)`: mount flags (`linux/mount.h`), unmount flags
//! (`sys/mount.h`), the x86_64 `struct statfs` (`asm-generic/statfs.h`), its `f_flags` bits and
//! the file-system magic numbers (`linux/magic.h`).

/// Read-only.
pub const MS_RDONLY: u64 = 1;
/// Ignore set-user-ID and set-group-ID bits.
pub const MS_NOSUID: u64 = 2;
/// No device files.
pub const MS_NODEV: u64 = 4;
/// No program execution.
pub const MS_NOEXEC: u64 = 8;
/// Synchronous writes.
pub const MS_SYNCHRONOUS: u64 = 16;
/// Change the flags of a mounted file system.
pub const MS_REMOUNT: u64 = 32;
/// Mandatory locks (gone from Linux; accepted and ignored).
pub const MS_MANDLOCK: u64 = 64;
/// Synchronous directory changes.
pub const MS_DIRSYNC: u64 = 128;
/// Do not follow symlinks.
pub const MS_NOSYMFOLLOW: u64 = 256;
/// No access-time updates.
pub const MS_NOATIME: u64 = 1024;
/// No access-time updates on directories.
pub const MS_NODIRATIME: u64 = 2048;
/// Bind mount.
pub const MS_BIND: u64 = 4096;
/// Move a mount.
pub const MS_MOVE: u64 = 8192;
/// Recursive (with bind or propagation changes).
pub const MS_REC: u64 = 16384;
/// Quieter kernel messages.
pub const MS_SILENT: u64 = 32768;
/// Make unbindable.
pub const MS_UNBINDABLE: u64 = 1 << 17;
/// Make private.
pub const MS_PRIVATE: u64 = 1 << 18;
/// Make a slave.
pub const MS_SLAVE: u64 = 1 << 19;
/// Make shared.
pub const MS_SHARED: u64 = 1 << 20;
/// Access times relative to modification times (the default).
pub const MS_RELATIME: u64 = 1 << 21;
/// Always update access times.
pub const MS_STRICTATIME: u64 = 1 << 24;
/// Lazy time updates.
pub const MS_LAZYTIME: u64 = 1 << 25;
/// The old magic in the top 16 bits of the flags (ignored when present).
pub const MS_MGC_VAL: u64 = 0xC0ED_0000;
/// Mask of the old magic.
pub const MS_MGC_MSK: u64 = 0xffff_0000;

/// `umount2`: force (for network file systems).
pub const MNT_FORCE: u32 = 1;
/// `umount2`: detach now, clean up when no longer busy.
pub const MNT_DETACH: u32 = 2;
/// `umount2`: mark for expiry.
pub const MNT_EXPIRE: u32 = 4;
/// `umount2`: do not follow a final symlink.
pub const UMOUNT_NOFOLLOW: u32 = 8;

/// The kernel's `struct statfs` on x86_64 (120 bytes).
#[repr(C)]
#[derive(Clone, Copy, Default, Debug, PartialEq, Eq)]
pub struct StatFs {
    /// File-system magic number.
    pub f_type: i64,
    /// Optimal transfer block size.
    pub f_bsize: i64,
    /// Blocks in the file system, in `f_frsize` units.
    pub f_blocks: u64,
    /// Free blocks.
    pub f_bfree: u64,
    /// Free blocks for unprivileged users.
    pub f_bavail: u64,
    /// Inodes.
    pub f_files: u64,
    /// Free inodes.
    pub f_ffree: u64,
    /// File-system id.
    pub f_fsid: [i32; 2],
    /// Longest file name.
    pub f_namelen: i64,
    /// Fragment size.
    pub f_frsize: i64,
    /// Mount flags (`ST_*`).
    pub f_flags: i64,
    /// Reserved; written as zero.
    pub f_spare: [i64; 4],
}
const _: () = assert!(core::mem::size_of::<StatFs>() == 120);

/// statfs `f_flags`: the flags are valid (always set by Linux).
pub const ST_VALID: u64 = 0x20;
/// statfs `f_flags`: read-only.
pub const ST_RDONLY: u64 = 1;
/// statfs `f_flags`: no set-ID.
pub const ST_NOSUID: u64 = 2;
/// statfs `f_flags`: no devices.
pub const ST_NODEV: u64 = 4;
/// statfs `f_flags`: no exec.
pub const ST_NOEXEC: u64 = 8;
/// statfs `f_flags`: synchronous.
pub const ST_SYNCHRONOUS: u64 = 16;
/// statfs `f_flags`: no access times.
pub const ST_NOATIME: u64 = 1024;
/// statfs `f_flags`: no directory access times.
pub const ST_NODIRATIME: u64 = 2048;
/// statfs `f_flags`: relative access times.
pub const ST_RELATIME: u64 = 4096;

/// tmpfs.
pub const TMPFS_MAGIC: i64 = 0x0102_1994;
/// ramfs (and Linux's `rootfs` when it is not a tmpfs).
pub const RAMFS_MAGIC: i64 = 0x8584_58f6;
/// procfs.
pub const PROC_SUPER_MAGIC: i64 = 0x9fa0;
/// devpts.
pub const DEVPTS_SUPER_MAGIC: i64 = 0x1cd1;
/// sysfs.
pub const SYSFS_MAGIC: i64 = 0x6265_6572;

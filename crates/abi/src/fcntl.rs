//! File-control numbers: `open` flags (`O_*`), `*at` flags (`AT_*`), `fcntl` commands (`F_*`)
//! and `FD_CLOEXEC`, from `asm-generic/fcntl.h` and `linux/fcntl.h` (x86_64 uses the generic
//! values). See open(2) and fcntl(2).

/// Mask of the access mode bits.
pub const O_ACCMODE: u32 = 0o3;
/// Open for reading only.
pub const O_RDONLY: u32 = 0o0;
/// Open for writing only.
pub const O_WRONLY: u32 = 0o1;
/// Open for reading and writing.
pub const O_RDWR: u32 = 0o2;
/// Create the file if it does not exist.
pub const O_CREAT: u32 = 0o100;
/// With `O_CREAT`: fail with EEXIST if the file exists.
pub const O_EXCL: u32 = 0o200;
/// Do not make a terminal the controlling terminal.
pub const O_NOCTTY: u32 = 0o400;
/// Truncate a regular file to length 0.
pub const O_TRUNC: u32 = 0o1000;
/// Every write appends.
pub const O_APPEND: u32 = 0o2000;
/// Non-blocking I/O.
pub const O_NONBLOCK: u32 = 0o4000;
/// Synchronised data writes.
pub const O_DSYNC: u32 = 0o10000;
/// Signal-driven I/O (`fcntl` only).
pub const FASYNC: u32 = 0o20000;
/// Direct I/O hint.
pub const O_DIRECT: u32 = 0o40000;
/// Large-file flag (always implied on 64-bit).
pub const O_LARGEFILE: u32 = 0o100000;
/// Fail with ENOTDIR unless the path is a directory.
pub const O_DIRECTORY: u32 = 0o200000;
/// Fail with ELOOP if the last component is a symlink.
pub const O_NOFOLLOW: u32 = 0o400000;
/// Do not update the access time.
pub const O_NOATIME: u32 = 0o1000000;
/// Close on exec.
pub const O_CLOEXEC: u32 = 0o2000000;
/// Synchronised file writes (`__O_SYNC | O_DSYNC`).
pub const O_SYNC: u32 = 0o4010000;
/// A path-only descriptor.
pub const O_PATH: u32 = 0o10000000;
/// Unnamed temporary file (`__O_TMPFILE | O_DIRECTORY`).
pub const O_TMPFILE: u32 = 0o20200000;
/// Old name of `O_NONBLOCK`.
pub const O_NDELAY: u32 = O_NONBLOCK;

/// The `dirfd` meaning "the current working directory".
pub const AT_FDCWD: i32 = -100;
/// Do not follow a final symlink.
pub const AT_SYMLINK_NOFOLLOW: u32 = 0x100;
/// `faccessat`: check with the effective ids.
pub const AT_EACCESS: u32 = 0x200;
/// `unlinkat`: remove a directory.
pub const AT_REMOVEDIR: u32 = 0x200;
/// `linkat`: follow a final symlink.
pub const AT_SYMLINK_FOLLOW: u32 = 0x400;
/// Do not automount the final component.
pub const AT_NO_AUTOMOUNT: u32 = 0x800;
/// An empty path names `dirfd` itself.
pub const AT_EMPTY_PATH: u32 = 0x1000;
/// `statx`: the synchronisation mask.
pub const AT_STATX_SYNC_TYPE: u32 = 0x6000;
/// Apply to a whole subtree (`open_tree`).
pub const AT_RECURSIVE: u32 = 0x8000;

/// Duplicate to the lowest free fd >= arg.
pub const F_DUPFD: u32 = 0;
/// Get the fd flags (`FD_CLOEXEC`).
pub const F_GETFD: u32 = 1;
/// Set the fd flags.
pub const F_SETFD: u32 = 2;
/// Get the file status flags.
pub const F_GETFL: u32 = 3;
/// Set the file status flags.
pub const F_SETFL: u32 = 4;
/// Test a record lock.
pub const F_GETLK: u32 = 5;
/// Set a record lock.
pub const F_SETLK: u32 = 6;
/// Set a record lock, waiting.
pub const F_SETLKW: u32 = 7;
/// Set the SIGIO owner.
pub const F_SETOWN: u32 = 8;
/// Get the SIGIO owner.
pub const F_GETOWN: u32 = 9;
/// Set the I/O-readiness signal.
pub const F_SETSIG: u32 = 10;
/// Get the I/O-readiness signal.
pub const F_GETSIG: u32 = 11;
/// Set the owner (`struct f_owner_ex`).
pub const F_SETOWN_EX: u32 = 15;
/// Get the owner (`struct f_owner_ex`).
pub const F_GETOWN_EX: u32 = 16;
/// Set a lease.
pub const F_SETLEASE: u32 = 1024;
/// Get the lease.
pub const F_GETLEASE: u32 = 1025;
/// Directory change notification.
pub const F_NOTIFY: u32 = 1026;
/// `F_DUPFD` with close-on-exec set on the new fd.
pub const F_DUPFD_CLOEXEC: u32 = 1030;
/// Set the pipe capacity.
pub const F_SETPIPE_SZ: u32 = 1031;
/// Get the pipe capacity.
pub const F_GETPIPE_SZ: u32 = 1032;
/// Add memfd seals.
pub const F_ADD_SEALS: u32 = 1033;
/// Get memfd seals.
pub const F_GET_SEALS: u32 = 1034;

/// Record lock types for `struct flock`.
pub const F_RDLCK: u16 = 0;
/// Write lock.
pub const F_WRLCK: u16 = 1;
/// Unlock.
pub const F_UNLCK: u16 = 2;

/// The close-on-exec bit of the fd flags.
pub const FD_CLOEXEC: u32 = 1;

/// `lseek` whence: set the offset.
pub const SEEK_SET: u32 = 0;
/// `lseek` whence: relative to the current offset.
pub const SEEK_CUR: u32 = 1;
/// `lseek` whence: relative to the end.
pub const SEEK_END: u32 = 2;
/// `lseek` whence: next data at or after the offset.
pub const SEEK_DATA: u32 = 3;
/// `lseek` whence: next hole at or after the offset.
pub const SEEK_HOLE: u32 = 4;

/// `access` mode: existence.
pub const F_OK: u32 = 0;
/// `access` mode: execute.
pub const X_OK: u32 = 1;
/// `access` mode: write.
pub const W_OK: u32 = 2;
/// `access` mode: read.
pub const R_OK: u32 = 4;

/// Open-file-description lock: test (`struct flock`, `l_pid` must be 0).
pub const F_OFD_GETLK: u32 = 36;
/// Open-file-description lock: set or clear without waiting.
pub const F_OFD_SETLK: u32 = 37;
/// Open-file-description lock: set, waiting for conflicting locks to go.
pub const F_OFD_SETLKW: u32 = 38;

/// `flock(2)`: shared lock.
pub const LOCK_SH: u32 = 1;
/// `flock(2)`: exclusive lock.
pub const LOCK_EX: u32 = 2;
/// `flock(2)`: do not wait (EWOULDBLOCK instead).
pub const LOCK_NB: u32 = 4;
/// `flock(2)`: unlock.
pub const LOCK_UN: u32 = 8;

/// The kernel's `struct flock` on x86_64 (32 bytes): a byte-range lock for `fcntl(2)`.
#[repr(C)]
#[derive(Clone, Copy, Default, Debug, PartialEq, Eq)]
pub struct Flock {
    /// `F_RDLCK`, `F_WRLCK` or `F_UNLCK`.
    pub l_type: i16,
    /// `SEEK_SET`, `SEEK_CUR` or `SEEK_END`: what `l_start` is relative to.
    pub l_whence: i16,
    /// Padding; written as zero.
    pub pad0: u32,
    /// First byte of the range.
    pub l_start: i64,
    /// Length; 0 means to the end of the file and beyond, negative means before `l_start`.
    pub l_len: i64,
    /// Owner of a conflicting lock (`F_GETLK`), -1 for an open-file-description lock.
    pub l_pid: i32,
    /// Padding; written as zero.
    pub pad1: u32,
}
const _: () = assert!(core::mem::size_of::<Flock>() == 32);

/// `renameat2(2)`: fail with EEXIST if the new name exists.
pub const RENAME_NOREPLACE: u32 = 1;
/// `renameat2(2)`: swap the two names atomically.
pub const RENAME_EXCHANGE: u32 = 2;
/// `renameat2(2)`: leave a whiteout (overlay file systems only).
pub const RENAME_WHITEOUT: u32 = 4;

/// `utimensat(2)`: set this time to now.
pub const UTIME_NOW: i64 = (1 << 30) - 1;
/// `utimensat(2)`: leave this time alone.
pub const UTIME_OMIT: i64 = (1 << 30) - 2;

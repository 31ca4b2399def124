//! Directory entries for getdents64(2): the fixed header of `struct linux_dirent64` and the
//! `DT_*` types. The kernel's definition (include/linux/dirent.h) is not in the UAPI headers;
//! glibc's `struct dirent64` has the same layout and is what the host test compares with.
//! Records are `D_NAME_OFFSET + name + NUL` rounded up to 8 bytes ([`reclen`]).

/// The fixed part of `struct linux_dirent64`; the NUL-terminated name follows at
/// [`D_NAME_OFFSET`]. `size_of` is 24 because of alignment: use `D_NAME_OFFSET`, not the size.
#[repr(C)]
#[derive(Clone, Copy, Default, Debug, PartialEq, Eq)]
pub struct LinuxDirent64 {
    /// Inode number.
    pub d_ino: u64,
    /// Offset to pass to `lseek` to continue after this entry.
    pub d_off: i64,
    /// Length of the whole record.
    pub d_reclen: u16,
    /// `DT_*` type.
    pub d_type: u8,
}
const _: () = assert!(size_of::<LinuxDirent64>() == 24);

/// Where the name starts within a record.
pub const D_NAME_OFFSET: usize = 19;

/// Length of a record for a name of `name_len` bytes: header, name, NUL, 8-byte aligned.
#[must_use]
pub const fn reclen(name_len: usize) -> usize {
    (D_NAME_OFFSET + name_len + 1 + 7) & !7
}

/// Unknown type.
pub const DT_UNKNOWN: u8 = 0;
/// FIFO.
pub const DT_FIFO: u8 = 1;
/// Character device.
pub const DT_CHR: u8 = 2;
/// Directory.
pub const DT_DIR: u8 = 4;
/// Block device.
pub const DT_BLK: u8 = 6;
/// Regular file.
pub const DT_REG: u8 = 8;
/// Symbolic link.
pub const DT_LNK: u8 = 10;
/// Socket.
pub const DT_SOCK: u8 = 12;

/// The `DT_*` type for a mode's `S_IFMT` bits (`mode >> 12`, as Linux's `fs_umode_to_dtype`).
#[must_use]
pub const fn dtype_of_mode(mode: u32) -> u8 {
    ((mode & crate::stat::S_IFMT) >> 12) as u8
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn records_hold_header_name_and_nul_rounded_to_8() {
        assert_eq!(reclen(1), 24, "\".\" fits in 24 bytes");
        assert_eq!(reclen(4), 24, "19 + 4 + 1 = 24 exactly");
        assert_eq!(reclen(5), 32, "19 + 5 + 1 = 25 rounds up to 32");
    }

    #[test]
    fn dtype_follows_the_mode_type_bits() {
        use crate::stat::{S_IFDIR, S_IFLNK, S_IFREG};
        assert_eq!(dtype_of_mode(S_IFREG | 0o644), DT_REG, "regular file");
        assert_eq!(dtype_of_mode(S_IFDIR | 0o755), DT_DIR, "directory");
        assert_eq!(dtype_of_mode(S_IFLNK | 0o777), DT_LNK, "symlink");
        assert_eq!(dtype_of_mode(0o644), DT_UNKNOWN, "no type bits");
    }
}

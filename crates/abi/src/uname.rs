//! `struct new_utsname` (`linux/utsname.h`), what uname(2) writes on x86_64: six
//! NUL-terminated fields of 65 bytes.

/// Length of each `Utsname` field, including the terminating NUL.
pub const UTS_LEN: usize = 65;

/// The kernel's `struct new_utsname` (390 bytes).
#[repr(C)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Utsname {
    /// Operating system name (`"Linux"` for programs that check it).
    pub sysname: [u8; UTS_LEN],
    /// Host name.
    pub nodename: [u8; UTS_LEN],
    /// Release.
    pub release: [u8; UTS_LEN],
    /// Version.
    pub version: [u8; UTS_LEN],
    /// Hardware (`"x86_64"`).
    pub machine: [u8; UTS_LEN],
    /// NIS domain name.
    pub domainname: [u8; UTS_LEN],
}
const _: () = assert!(size_of::<Utsname>() == 6 * UTS_LEN);

impl Default for Utsname {
    fn default() -> Self {
        let zero = [0; UTS_LEN];
        Self {
            sysname: zero,
            nodename: zero,
            release: zero,
            version: zero,
            machine: zero,
            domainname: zero,
        }
    }
}

/// Build one field from `s`, truncated to 64 bytes so that a NUL always ends it.
#[must_use]
pub fn field(s: &str) -> [u8; UTS_LEN] {
    let mut out = [0; UTS_LEN];
    let len = s.len().min(UTS_LEN - 1);
    out[..len].copy_from_slice(&s.as_bytes()[..len]);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn field_is_nul_terminated_even_when_truncated() {
        assert_eq!(
            &field("Linux")[..6],
            b"Linux\0",
            "short strings are copied with a NUL"
        );
        let long = "x".repeat(100);
        let f = field(&long);
        assert_eq!(f[UTS_LEN - 1], 0, "the last byte stays NUL");
        assert!(
            f[..UTS_LEN - 1].iter().all(|&b| b == b'x'),
            "64 bytes are kept"
        );
    }
}

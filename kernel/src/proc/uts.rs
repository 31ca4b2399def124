//! The system's names, Linux's `utsname`: the kernel's name, release and version are fixed;
//! the host name and the (NIS) domain name are set by `sethostname(2)`/`setdomainname(2)` or
//! by writing `/proc/sys/kernel/{hostname,domainname}`, and `uname(2)` reports them. Keel has
//! one UTS namespace.
//!
//! Locking: `NAMES` is a leaf spinlock; no user copy happens under it.

use alloc::vec::Vec;

use keel_abi::uname::{Utsname, UTS_LEN};
use keel_abi::{Errno, KResult};

use crate::sync::SpinLock;

/// `uname -s`.
pub const SYSNAME: &str = "Linux";
/// `uname -r`: programs compare kernel versions, so the Linux ABI level Keel implements,
/// tagged with its own version.
pub const RELEASE: &str = concat!("6.1.0-keel-", env!("CARGO_PKG_VERSION"));
/// `uname -v`.
pub const VERSION: &str = "#1 Keel";
/// `uname -m`.
pub const MACHINE: &str = "x86_64";
/// Longest host or domain name (`__NEW_UTS_LEN`).
pub const NAME_MAX: usize = UTS_LEN - 1;

/// A name of at most `NAME_MAX` bytes.
#[derive(Clone, Copy)]
struct Name {
    bytes: [u8; NAME_MAX],
    len: usize,
}

impl Name {
    const fn from(s: &[u8]) -> Name {
        let mut bytes = [0; NAME_MAX];
        let mut i = 0;
        while i < s.len() && i < NAME_MAX {
            bytes[i] = s[i];
            i += 1;
        }
        Name { bytes, len: i }
    }

    fn get(&self) -> &[u8] {
        &self.bytes[..self.len]
    }
}

/// Host name and domain name. Keel boots as "keel" (Linux boots as "(none)" until init names
/// the machine; the image's rcS sets /etc/hostname on both).
static NAMES: SpinLock<(Name, Name)> = SpinLock::new((Name::from(b"keel"), Name::from(b"(none)")));

/// The host name.
pub fn hostname() -> Vec<u8> {
    NAMES.lock().0.get().to_vec()
}

/// The domain name.
pub fn domainname() -> Vec<u8> {
    NAMES.lock().1.get().to_vec()
}

/// Sets the host name (the caller has checked the privilege): EINVAL beyond `NAME_MAX`.
pub fn set_hostname(name: &[u8]) -> KResult<()> {
    if name.len() > NAME_MAX {
        return Err(Errno::EINVAL);
    }
    NAMES.lock().0 = Name::from(name);
    Ok(())
}

/// Sets the domain name: EINVAL beyond `NAME_MAX`.
pub fn set_domainname(name: &[u8]) -> KResult<()> {
    if name.len() > NAME_MAX {
        return Err(Errno::EINVAL);
    }
    NAMES.lock().1 = Name::from(name);
    Ok(())
}

/// What `uname(2)` reports.
pub fn utsname() -> Utsname {
    let field = |s: &[u8]| {
        let mut f = [0u8; UTS_LEN];
        let n = s.len().min(NAME_MAX);
        f[..n].copy_from_slice(&s[..n]);
        f
    };
    let (host, domain) = *NAMES.lock();
    Utsname {
        sysname: field(SYSNAME.as_bytes()),
        nodename: field(host.get()),
        release: field(RELEASE.as_bytes()),
        version: field(VERSION.as_bytes()),
        machine: field(MACHINE.as_bytes()),
        domainname: field(domain.get()),
    }
}

//! `/proc/sys`: the sysctls programs read, as files: `kernel/hostname` and
//! `kernel/domainname` (root may write them, as `sethostname(2)`), `kernel/ostype`,
//! `kernel/osrelease` and `kernel/version` (read-only), in `proc_dostring`'s format.

use alloc::vec::Vec;

use keel_vfs::FileType;

use super::text::StringFile;
use super::Kind;
use crate::proc::uts;

/// The nodes below `/proc/sys`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Sys {
    Root,
    Kernel,
    Domainname,
    Hostname,
    Osrelease,
    Ostype,
    Version,
}

/// `/proc/sys/kernel`'s files, in Linux's (alphabetical) order.
const KERNEL: &[(&str, Sys)] = &[
    ("domainname", Sys::Domainname),
    ("hostname", Sys::Hostname),
    ("osrelease", Sys::Osrelease),
    ("ostype", Sys::Ostype),
    ("version", Sys::Version),
];

impl Sys {
    pub fn file_type(self) -> FileType {
        match self {
            Sys::Root | Sys::Kernel => FileType::Directory,
            _ => FileType::Regular,
        }
    }

    pub fn mode(self) -> u32 {
        match self {
            Sys::Root | Sys::Kernel => 0o555,
            Sys::Hostname | Sys::Domainname => 0o644,
            _ => 0o444,
        }
    }

    pub fn parent(self) -> Kind {
        match self {
            Sys::Root => Kind::Root,
            Sys::Kernel => Kind::Sys(Sys::Root),
            _ => Kind::Sys(Sys::Kernel),
        }
    }

    fn children(self) -> &'static [(&'static str, Sys)] {
        match self {
            Sys::Root => &[("kernel", Sys::Kernel)],
            Sys::Kernel => KERNEL,
            _ => &[],
        }
    }

    pub fn lookup(self, name: &[u8]) -> Option<Sys> {
        self.children()
            .iter()
            .find(|(n, _)| n.as_bytes() == name)
            .map(|(_, s)| *s)
    }

    pub fn entries(self) -> impl Iterator<Item = (u64, Vec<u8>, Kind)> {
        self.children()
            .iter()
            .enumerate()
            .map(|(i, (n, s))| (2 + i as u64, n.as_bytes().to_vec(), Kind::Sys(*s)))
    }

    /// The open file of a sysctl.
    pub fn file(self) -> StringFile {
        fn fixed(s: &'static str) -> Vec<u8> {
            s.as_bytes().to_vec()
        }
        let (get, set): (fn() -> Vec<u8>, _) = match self {
            Sys::Hostname => (uts::hostname, Some(uts::set_hostname as _)),
            Sys::Domainname => (uts::domainname, Some(uts::set_domainname as _)),
            Sys::Osrelease => (|| fixed(uts::RELEASE), None),
            Sys::Ostype => (|| fixed(uts::SYSNAME), None),
            _ => (|| fixed(uts::VERSION), None),
        };
        StringFile {
            get,
            set,
            max: uts::NAME_MAX,
        }
    }
}

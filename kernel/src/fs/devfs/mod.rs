//! devfs, the `devtmpfs` file system (`mount -t devtmpfs none /dev`): a tmpfs instance filled
//! with the nodes of the devices the kernel has, with Linux's numbers and modes (what
//! `devtmpfs` shows on Debian's Linux 6.1 for the same devices), plus an empty `pts` for
//! devpts.
//!
//! Linux mounts devtmpfs at /dev only for a real root file system (`CONFIG_DEVTMPFS_MOUNT`),
//! never for an initramfs, so Keel does not mount it at boot either: the initrd's own `/dev`
//! nodes serve, and both kinds of node open the same drivers through the device registry
//! (`super::devices`). Linux keeps one devtmpfs that every mount shows; each Keel mount is a
//! fresh instance, so a node made in one mount does not appear in another.
//!
//! Locking: none of its own (tmpfs's).

use alloc::sync::Arc;
use alloc::vec::Vec;

use keel_abi::KResult;
use keel_vfs::consts::S_IFCHR;
use keel_vfs::tmpfs::TmpfsType;
use keel_vfs::{makedev, Cred, FileSystemType, Inode, Vfs};

/// The nodes: name, major, minor, permission bits (Linux's `devnode` modes: the memory
/// devices, `tty` and `ptmx` 0666, the rest 0600).
const NODES: &[(&str, u32, u32, u32)] = &[
    ("null", 1, 3, 0o666),
    ("zero", 1, 5, 0o666),
    ("full", 1, 7, 0o666),
    ("random", 1, 8, 0o666),
    ("urandom", 1, 9, 0o666),
    ("tty", 5, 0, 0o666),
    ("console", 5, 1, 0o600),
    ("ptmx", 5, 2, 0o666),
    ("ttyS0", 4, 64, 0o600),
];

/// Registers the "devtmpfs" file-system type.
pub fn register(vfs: &Vfs) {
    vfs.register_fs(Arc::new(DevTmpfsType {
        tmpfs: vfs.tmpfs().clone(),
    }));
}

struct DevTmpfsType {
    tmpfs: Arc<TmpfsType>,
}

impl FileSystemType for DevTmpfsType {
    fn name(&self) -> &str {
        "devtmpfs"
    }

    /// A tmpfs with mode 755 (the options given come after, so they may change it) and the
    /// device nodes, owned by root.
    fn mount(&self, source: &[u8], flags: u64, data: &[u8]) -> KResult<Arc<Inode>> {
        let mut opts: Vec<u8> = b"mode=755".to_vec();
        if !data.is_empty() {
            opts.push(b',');
            opts.extend_from_slice(data);
        }
        let root = self.tmpfs.mount(source, flags, &opts)?;
        let cred = Cred::root();
        for &(name, major, minor, mode) in NODES {
            root.mknod(
                &cred,
                name.as_bytes(),
                S_IFCHR | mode,
                makedev(major, minor),
            )?;
        }
        root.mkdir(&cred, b"pts", 0o755)?;
        Ok(root)
    }
}

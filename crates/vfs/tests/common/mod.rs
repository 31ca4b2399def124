//! Shared fixtures: a VFS with a settable clock and a device registry with one console-like
//! character device (5:1) and one counting device.
#![allow(dead_code, reason = "each test binary uses a different subset")]

use std::sync::atomic::{AtomicI64, AtomicUsize, Ordering};
use std::sync::Arc;

use keel_abi::{Errno, KResult};
use keel_vfs::*;

pub static CLOCK: AtomicI64 = AtomicI64::new(1_000);

pub fn set_clock(sec: i64) {
    CLOCK.store(sec, Ordering::SeqCst);
}

/// A character device: reads return "tty", ioctl 0x5401 (TCGETS) answers 0, poll says readable.
pub struct FakeTty;

impl FileOps for FakeTty {
    fn read(&self, _pos: &mut u64, buf: &mut [u8], _flags: u32) -> KResult<usize> {
        let n = buf.len().min(3);
        buf[..n].copy_from_slice(&b"tty"[..n]);
        Ok(n)
    }
    fn write(&self, _pos: &mut u64, buf: &[u8], _flags: u32) -> KResult<usize> {
        Ok(buf.len())
    }
    fn ioctl(&self, cmd: u32, _arg: usize) -> KResult<usize> {
        if cmd == 0x5401 {
            Ok(0)
        } else {
            Err(Errno::ENOTTY)
        }
    }
}

pub struct Devices {
    pub opened: AtomicUsize,
}

impl DeviceRegistry for Devices {
    fn open_device(&self, kind: DeviceKind, rdev: u64, _flags: u32) -> KResult<Arc<dyn FileOps>> {
        if kind == DeviceKind::Char && rdev == makedev(5, 1) {
            self.opened.fetch_add(1, Ordering::SeqCst);
            Ok(Arc::new(FakeTty))
        } else {
            Err(Errno::ENXIO)
        }
    }
}

pub fn config() -> TmpfsConfig {
    TmpfsConfig {
        dev: 7,
        max_bytes: 1 << 20,
        max_file_size: 64 << 10,
    }
}

pub fn vfs() -> Vfs {
    Vfs::new(
        config(),
        Arc::new(|| (CLOCK.load(Ordering::SeqCst), 5u32)),
        Arc::new(Devices {
            opened: AtomicUsize::new(0),
        }),
    )
}

pub fn root() -> Cred {
    Cred::root()
}

pub fn user() -> Cred {
    Cred::user(1000, 1000)
}

/// Makes the file `path` with `content` as root, mode 0644.
pub fn file(v: &Vfs, path: &str, content: &[u8]) -> Arc<Inode> {
    v.install(
        path.as_bytes(),
        0o644,
        0,
        0,
        Timespec::new(1, 0),
        InstallContent::Regular(content),
    )
    .expect("install file")
}

pub fn dir(v: &Vfs, path: &str) -> Arc<Inode> {
    v.install(
        path.as_bytes(),
        0o755,
        0,
        0,
        Timespec::new(1, 0),
        InstallContent::Dir,
    )
    .expect("install dir")
}

pub fn symlink(v: &Vfs, path: &str, target: &str) -> Arc<Inode> {
    v.install(
        path.as_bytes(),
        0o777,
        0,
        0,
        Timespec::new(1, 0),
        InstallContent::Symlink(target.as_bytes()),
    )
    .expect("install symlink")
}

pub fn look(v: &Vfs, path: &str) -> KResult<Arc<Inode>> {
    let c = root();
    lookup(&v.ctx(&c), path.as_bytes(), true)
}

pub fn lookn(v: &Vfs, path: &str) -> KResult<Arc<Inode>> {
    let c = root();
    lookup(&v.ctx(&c), path.as_bytes(), false)
}

pub fn same(a: &Arc<Inode>, b: &Arc<Inode>) -> bool {
    Arc::ptr_eq(a, b)
}

pub fn open(v: &Vfs, path: &str, flags: u32) -> KResult<Arc<OpenFile>> {
    let c = root();
    v.open(&v.ctx(&c), path.as_bytes(), flags, 0o666, 0o022)
}

pub fn open_as(v: &Vfs, cred: &Cred, path: &str, flags: u32) -> KResult<Arc<OpenFile>> {
    v.open(&v.ctx(cred), path.as_bytes(), flags, 0o666, 0o022)
}

pub fn read_all(f: &OpenFile) -> Vec<u8> {
    let mut out = Vec::new();
    let mut buf = [0u8; 7];
    loop {
        let n = f.read(&mut buf).expect("read");
        if n == 0 {
            return out;
        }
        out.extend_from_slice(&buf[..n]);
    }
}

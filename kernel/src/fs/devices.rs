//! Character devices: the terminals (`/dev/tty` 5:0, `/dev/console` 5:1, `/dev/ptmx` 5:2,
//! `/dev/ttyS0` 4:64, in `crate::tty`), and `/dev/null`, `/dev/zero`, `/dev/full`,
//! `/dev/random`, `/dev/urandom` (1:3, 1:5, 1:7, 1:8, 1:9).

use alloc::sync::Arc;

use keel_abi::{Errno, KResult};
use keel_vfs::{major, minor, DeviceKind, DeviceRegistry, FileOps, Inode};

pub(super) struct Devices;

impl DeviceRegistry for Devices {
    fn open_device(&self, kind: DeviceKind, rdev: u64, _flags: u32) -> KResult<Arc<dyn FileOps>> {
        if kind != DeviceKind::Char {
            return Err(Errno::ENXIO);
        }
        Ok(match (major(rdev), minor(rdev)) {
            // /dev/tty is the caller's controlling terminal; without one, ENXIO.
            (5, 0) => crate::tty::open_ctty()?,
            (5, 1) | (4, 64) => Arc::new(crate::tty::console::Console),
            (5, 2) => crate::tty::pty::open_master()?,
            (crate::tty::pty::PTS_MAJOR, n) => crate::tty::pty::open_slave(n)?,
            (1, 3) => Arc::new(MemDev::Null),
            (1, 5) => Arc::new(MemDev::Zero),
            (1, 7) => Arc::new(MemDev::Full),
            (1, 8) | (1, 9) => Arc::new(MemDev::Random),
            _ => return Err(Errno::ENXIO),
        })
    }

    fn open_fifo(&self, inode: &Arc<Inode>, flags: u32) -> KResult<Arc<dyn FileOps>> {
        super::fifo::open_fifo(inode, flags)
    }
}

/// Memory devices.
enum MemDev {
    Null,
    Zero,
    Full,
    Random,
}

impl FileOps for MemDev {
    fn read(&self, _pos: &mut u64, buf: &mut [u8], _flags: u32) -> KResult<usize> {
        match self {
            MemDev::Null => Ok(0),
            MemDev::Zero | MemDev::Full => {
                buf.fill(0);
                Ok(buf.len())
            }
            MemDev::Random => {
                crate::random::fill(buf);
                Ok(buf.len())
            }
        }
    }

    fn write(&self, _pos: &mut u64, buf: &[u8], _flags: u32) -> KResult<usize> {
        match self {
            MemDev::Full => Err(Errno::ENOSPC),
            _ => Ok(buf.len()),
        }
    }

    fn reads_zeroes(&self) -> bool {
        matches!(self, MemDev::Zero | MemDev::Full)
    }

    fn discards_writes(&self) -> bool {
        matches!(self, MemDev::Null | MemDev::Zero)
    }

    fn seek(&self, _pos: u64, _offset: i64, _whence: u32) -> KResult<u64> {
        Ok(0) // Linux: lseek on these devices succeeds and reports 0
    }

    fn seekable(&self) -> bool {
        true
    }
}

//! eventfd(2): a 64-bit counter as a file, for one thread to wake another (what async
//! runtimes pair with epoll). A write adds to the counter, a read takes it (or one unit with
//! EFD_SEMAPHORE); reads of a zero counter and writes that would overflow it wait (or EAGAIN).
//!
//! Lock order: `EventFd::count` is a leaf; readiness is notified after it is released.
#![forbid(unsafe_code)]

use keel_abi::{Errno, KResult};
use keel_vfs::consts::{POLLERR, POLLIN, POLLOUT};
use keel_vfs::{FileOps, Metadata, Pollee};

use super::readiness::Readiness;
use crate::sync::SpinLock;

/// `EFD_SEMAPHORE`.
pub const EFD_SEMAPHORE: u32 = 1;
/// The largest value the counter may hold.
const MAX: u64 = u64::MAX - 1;

/// An eventfd.
pub struct EventFd {
    count: SpinLock<u64>,
    semaphore: bool,
    ready: Readiness,
}

impl EventFd {
    /// A counter starting at `initval`.
    pub fn new(initval: u32, flags: u32) -> EventFd {
        EventFd {
            count: SpinLock::new(initval as u64),
            semaphore: flags & EFD_SEMAPHORE != 0,
            ready: Readiness::new(),
        }
    }
}

impl FileOps for EventFd {
    fn read(&self, _pos: &mut u64, buf: &mut [u8], _flags: u32) -> KResult<usize> {
        if buf.len() < 8 {
            return Err(Errno::EINVAL);
        }
        let v = {
            let mut c = self.count.lock();
            if *c == 0 {
                return Err(Errno::EAGAIN);
            }
            let v = if self.semaphore { 1 } else { *c };
            *c -= v;
            v
        };
        buf[..8].copy_from_slice(&v.to_ne_bytes());
        self.ready.notify(POLLOUT);
        Ok(8)
    }

    fn write(&self, _pos: &mut u64, buf: &[u8], _flags: u32) -> KResult<usize> {
        let bytes: [u8; 8] = buf
            .get(..8)
            .and_then(|b| b.try_into().ok())
            .ok_or(Errno::EINVAL)?;
        let v = u64::from_ne_bytes(bytes);
        if v == u64::MAX {
            return Err(Errno::EINVAL);
        }
        {
            let mut c = self.count.lock();
            if MAX - *c < v {
                return Err(Errno::EAGAIN);
            }
            *c += v;
        }
        if v != 0 {
            self.ready.notify(POLLIN);
        }
        Ok(8)
    }

    fn poll(&self) -> u16 {
        let c = *self.count.lock();
        let mut r = 0;
        if c > 0 {
            r |= POLLIN;
        }
        if c < MAX {
            r |= POLLOUT;
        }
        if c == u64::MAX {
            r |= POLLERR;
        }
        r
    }

    fn pollee(&self) -> Option<&dyn Pollee> {
        Some(&self.ready)
    }

    fn stat(&self) -> Metadata {
        super::anon_inode_metadata()
    }
}

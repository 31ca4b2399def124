//! Kernel bounce buffers for read and write: user data passes through one of these on its way
//! to and from files (whose operations take kernel buffers, so that no user copy happens under
//! a file's lock). Allocating and zeroing 64 KiB for every call costs more than a small pipe
//! transfer itself, so buffers are kept in a small pool and handed out dirty: callers only
//! ever expose bytes they wrote into the buffer first.
//!
//! Lock order: `POOL` is a leaf.
#![forbid(unsafe_code)]

use alloc::vec::Vec;

use crate::sync::SpinLock;

/// Size of every pooled buffer.
pub const SIZE: usize = 64 * 1024;
/// Buffers kept for reuse (more may be out at once: blocked writers hold theirs).
const KEEP: usize = 8;

static POOL: SpinLock<Vec<Vec<u8>>> = SpinLock::new(Vec::new());

/// A bounce buffer of [`SIZE`] bytes, returned to the pool when dropped.
pub struct Scratch(Vec<u8>);

impl Scratch {
    /// A buffer from the pool, or a new one (ENOMEM if there is no memory for it).
    pub fn get() -> keel_abi::KResult<Scratch> {
        let reused = POOL.lock().pop();
        match reused {
            Some(v) => Ok(Scratch(v)),
            None => crate::mm::try_zeroed_buffer(SIZE).map(Scratch),
        }
    }

    /// The first `len` bytes (at most [`SIZE`]); their contents are whatever was there.
    pub fn slice(&mut self, len: usize) -> &mut [u8] {
        &mut self.0[..len.min(SIZE)]
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let v = core::mem::take(&mut self.0);
        let mut pool = POOL.lock();
        if pool.len() < KEEP {
            pool.push(v);
        } else {
            drop(pool);
            drop(v);
        }
    }
}

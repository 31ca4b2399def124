//! Pipes: a ring buffer between a read end and a write end, pipe(7) semantics.
//!
//! 64 KiB by default (`F_SETPIPE_SZ` changes it, rounded up to a power-of-two number of pages,
//! between one page and 1 MiB for unprivileged callers). A write of at most PIPE_BUF bytes is
//! atomic: it waits until all of it fits. Reading an empty pipe gives EOF once every writer is
//! gone; writing with no reader left gives EPIPE and SIGPIPE. Both ends share one
//! [`Readiness`], notified on every change, so poll, select, epoll and blocked readers and
//! writers wake only for this pipe.
//!
//! Lock order: `Pipe::state` is a leaf; readiness is notified after it is released.
#![forbid(unsafe_code)]

use alloc::collections::VecDeque;
use alloc::sync::Arc;
use core::sync::atomic::{AtomicU64, Ordering};

use keel_abi::{Errno, KResult};
use keel_vfs::consts::{POLLERR, POLLHUP, POLLIN, POLLOUT, S_IFIFO};
use keel_vfs::{FileOps, Metadata, Pollee};

use super::readiness::Readiness;
use crate::sync::SpinLock;

/// Linux's PIPE_BUF: writes up to this size are atomic.
pub const PIPE_BUF: usize = 4096;
const DEFAULT_SIZE: usize = 65536;
/// /proc/sys/fs/pipe-max-size.
const MAX_SIZE: usize = 1 << 20;
const F_SETPIPE_SZ: u32 = 1031;
const F_GETPIPE_SZ: u32 = 1032;
const FIONREAD: u32 = 0x541b;

struct State {
    buf: VecDeque<u8>,
    capacity: usize,
    readers: usize,
    writers: usize,
}

/// The shared part of a pipe.
pub struct Pipe {
    state: SpinLock<State>,
    ready: Readiness,
    ino: u64,
}

static NEXT_INO: AtomicU64 = AtomicU64::new(1);

impl Pipe {
    fn poll_read(&self) -> u16 {
        let s = self.state.lock();
        let mut r = 0;
        if !s.buf.is_empty() {
            r |= POLLIN;
        }
        if s.writers == 0 {
            r |= POLLHUP;
        }
        r
    }

    fn poll_write(&self) -> u16 {
        let s = self.state.lock();
        if s.readers == 0 {
            return POLLOUT | POLLERR;
        }
        if s.capacity - s.buf.len() >= PIPE_BUF.min(s.capacity) {
            POLLOUT
        } else {
            0
        }
    }

    fn stat(&self) -> Metadata {
        Metadata {
            mode: S_IFIFO | 0o600,
            ino: self.ino,
            nlink: 1,
            blksize: 4096,
            dev: 12, // pipefs
            ..Metadata::default()
        }
    }

    fn fcntl(&self, cmd: u32, arg: u64) -> KResult<usize> {
        match cmd {
            F_GETPIPE_SZ => Ok(self.state.lock().capacity),
            F_SETPIPE_SZ => {
                let want = usize::try_from(arg).map_err(|_| Errno::EINVAL)?;
                if want > MAX_SIZE {
                    return Err(Errno::EPERM);
                }
                let size = want.max(4096).next_power_of_two();
                let mut s = self.state.lock();
                if size < s.buf.len() {
                    return Err(Errno::EBUSY);
                }
                s.capacity = size;
                drop(s);
                self.ready.notify(POLLOUT);
                Ok(size)
            }
            _ => Err(Errno::EINVAL),
        }
    }

    fn ioctl(&self, cmd: u32, arg: usize) -> KResult<usize> {
        match cmd {
            FIONREAD => {
                let n = self.state.lock().buf.len() as i32;
                crate::mm::usercopy::UserPtr::<i32>::new(arg as u64).write(n)?;
                Ok(0)
            }
            _ => Err(Errno::ENOTTY),
        }
    }
}

/// Creates a pipe: (read end, write end).
pub fn new_pipe() -> (Arc<dyn FileOps>, Arc<dyn FileOps>) {
    let p = Arc::new(Pipe {
        state: SpinLock::new(State {
            buf: VecDeque::new(),
            capacity: DEFAULT_SIZE,
            readers: 1,
            writers: 1,
        }),
        ready: Readiness::new(),
        ino: NEXT_INO.fetch_add(1, Ordering::Relaxed),
    });
    (
        Arc::new(End {
            pipe: p.clone(),
            side: Side::Read,
        }),
        Arc::new(End {
            pipe: p,
            side: Side::Write,
        }),
    )
}

/// A pipe with no ends yet, for a FIFO inode (see `fifo.rs`): ends are added with
/// [`open_fifo_end`].
pub fn new_fifo() -> Arc<Pipe> {
    Arc::new(Pipe {
        state: SpinLock::new(State {
            buf: VecDeque::new(),
            capacity: DEFAULT_SIZE,
            readers: 0,
            writers: 0,
        }),
        ready: Readiness::new(),
        ino: NEXT_INO.fetch_add(1, Ordering::Relaxed),
    })
}

/// A new read (`write` false) or write end of a FIFO's pipe; the other side is told.
pub fn open_fifo_end(p: &Arc<Pipe>, write: bool) -> Arc<dyn FileOps> {
    {
        let mut s = p.state.lock();
        if write {
            s.writers += 1;
        } else {
            s.readers += 1;
        }
    }
    p.ready.notify(POLLIN | POLLOUT);
    Arc::new(End {
        pipe: p.clone(),
        side: if write { Side::Write } else { Side::Read },
    })
}

/// The number of (readers, writers) of a pipe.
pub fn fifo_peers(p: &Pipe) -> (usize, usize) {
    let s = p.state.lock();
    (s.readers, s.writers)
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Side {
    Read,
    Write,
}

/// One end of a pipe (the open file's access mode keeps reads off the write end and back).
struct End {
    pipe: Arc<Pipe>,
    side: Side,
}

impl Pipe {
    fn read(&self, buf: &mut [u8]) -> KResult<usize> {
        if buf.is_empty() {
            return Ok(0);
        }
        let n = {
            let mut s = self.state.lock();
            if s.buf.is_empty() {
                return if s.writers == 0 {
                    Ok(0)
                } else {
                    Err(Errno::EAGAIN)
                };
            }
            let n = buf.len().min(s.buf.len());
            let (a, b) = s.buf.as_slices();
            let from_a = n.min(a.len());
            buf[..from_a].copy_from_slice(&a[..from_a]);
            buf[from_a..n].copy_from_slice(&b[..n - from_a]);
            s.buf.drain(..n);
            n
        };
        self.ready.notify(POLLOUT);
        Ok(n)
    }

    fn write(&self, buf: &[u8]) -> KResult<usize> {
        if buf.is_empty() {
            return Ok(0);
        }
        let n = {
            let mut s = self.state.lock();
            if s.readers == 0 {
                drop(s);
                crate::proc::signal::send_sigpipe();
                return Err(Errno::EPIPE);
            }
            let room = s.capacity - s.buf.len();
            // Up to PIPE_BUF bytes go in whole or not at all.
            if room == 0 || (buf.len() <= PIPE_BUF && room < buf.len()) {
                return Err(Errno::EAGAIN);
            }
            let n = buf.len().min(room);
            s.buf.extend(&buf[..n]);
            n
        };
        self.ready.notify(POLLIN);
        Ok(n)
    }
}

impl FileOps for End {
    fn read(&self, _pos: &mut u64, buf: &mut [u8], _flags: u32) -> KResult<usize> {
        self.pipe.read(buf)
    }

    fn write(&self, _pos: &mut u64, buf: &[u8], _flags: u32) -> KResult<usize> {
        self.pipe.write(buf)
    }

    fn poll(&self) -> u16 {
        match self.side {
            Side::Read => self.pipe.poll_read(),
            Side::Write => self.pipe.poll_write(),
        }
    }

    fn pollee(&self) -> Option<&dyn Pollee> {
        Some(&self.pipe.ready)
    }

    fn stat(&self) -> Metadata {
        self.pipe.stat()
    }

    fn fcntl(&self, cmd: u32, arg: u64) -> KResult<usize> {
        self.pipe.fcntl(cmd, arg)
    }

    fn ioctl(&self, cmd: u32, arg: usize) -> KResult<usize> {
        self.pipe.ioctl(cmd, arg)
    }
}

impl Drop for End {
    fn drop(&mut self) {
        let events = {
            let mut s = self.pipe.state.lock();
            match self.side {
                Side::Read => {
                    s.readers -= 1;
                    POLLOUT | POLLERR
                }
                Side::Write => {
                    s.writers -= 1;
                    POLLIN | POLLHUP
                }
            }
        };
        self.pipe.ready.notify(events);
    }
}

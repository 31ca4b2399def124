//! FIFOs (named pipes, fifo(7)): every open of one FIFO inode shares one kernel pipe, which
//! lives while any end is open (its content goes with the last close, as on Linux).
//!
//! Opening follows Linux's `fifo_open`: `O_RDONLY` waits until a writer has opened (unless
//! `O_NONBLOCK`); `O_WRONLY` waits until a reader has opened, and with `O_NONBLOCK` and no
//! reader fails with ENXIO; `O_RDWR` never waits. A wait ends when the partner *has opened*
//! (a counter moves), even if it closed again since; a signal ends it with ERESTARTSYS.
//!
//! Lock order: `FIFOS` is a leaf, released before any wait.

use alloc::collections::BTreeMap;
use alloc::sync::{Arc, Weak};
use core::sync::atomic::{AtomicU64, Ordering};

use keel_abi::{Errno, KResult};
use keel_vfs::consts::{O_ACCMODE, O_NONBLOCK, O_RDONLY, O_RDWR, O_WRONLY};
use keel_vfs::{FileOps, Inode, Metadata, Pollee};

use super::pipe::{fifo_peers, new_fifo, open_fifo_end, Pipe};
use super::readiness::{interrupted_restarts, Subscription, ThreadWaker};
use crate::sync::SpinLock;

/// One FIFO's pipe and how many readers and writers have ever opened it.
struct Fifo {
    pipe: Arc<Pipe>,
    readers_opened: AtomicU64,
    writers_opened: AtomicU64,
}

/// Open FIFOs by (device, inode number).
static FIFOS: SpinLock<BTreeMap<(u64, u64), Weak<Fifo>>> = SpinLock::new(BTreeMap::new());

/// The ends of one open FIFO description keep the `Fifo` alive with them.
struct End {
    ops: Arc<dyn FileOps>,
    _fifo: Arc<Fifo>,
}

/// An `O_RDWR` description: a read end and a write end in one.
struct Both {
    read: Arc<dyn FileOps>,
    write: Arc<dyn FileOps>,
    _fifo: Arc<Fifo>,
}

fn fifo_of(inode: &Inode) -> Arc<Fifo> {
    let key = (inode.superblock().dev(), inode.ino());
    let mut map = FIFOS.lock();
    if let Some(f) = map.get(&key).and_then(Weak::upgrade) {
        return f;
    }
    map.retain(|_, w| w.strong_count() > 0);
    let f = Arc::new(Fifo {
        pipe: new_fifo(),
        readers_opened: AtomicU64::new(0),
        writers_opened: AtomicU64::new(0),
    });
    map.insert(key, Arc::downgrade(&f));
    f
}

/// Sleeps until `counter` moves past `seen` (a partner opened), watching the pipe's
/// readiness, which every open notifies.
fn wait_for_partner(end: &dyn FileOps, counter: &AtomicU64, seen: u64) -> KResult<()> {
    let Some(p) = end.pollee() else {
        return Ok(());
    };
    let _sub = Subscription::new(p, Arc::new(ThreadWaker(crate::sched::current())));
    crate::sched::waitqueue::block_until(|| counter.load(Ordering::Acquire) != seen, None, true)
        .map_err(interrupted_restarts)
}

/// Opens the FIFO `inode` with `open`'s `flags` (see the module docs).
pub fn open_fifo(inode: &Arc<Inode>, flags: u32) -> KResult<Arc<dyn FileOps>> {
    let fifo = fifo_of(inode);
    let nonblock = flags & O_NONBLOCK != 0;
    match flags & O_ACCMODE {
        O_RDONLY => {
            let seen = fifo.writers_opened.load(Ordering::Acquire);
            fifo.readers_opened.fetch_add(1, Ordering::AcqRel);
            let ops = open_fifo_end(&fifo.pipe, false);
            if !nonblock && fifo_peers(&fifo.pipe).1 == 0 {
                wait_for_partner(&*ops, &fifo.writers_opened, seen)?;
            }
            Ok(Arc::new(End { ops, _fifo: fifo }))
        }
        O_WRONLY => {
            if nonblock && fifo_peers(&fifo.pipe).0 == 0 {
                return Err(Errno::ENXIO);
            }
            let seen = fifo.readers_opened.load(Ordering::Acquire);
            fifo.writers_opened.fetch_add(1, Ordering::AcqRel);
            let ops = open_fifo_end(&fifo.pipe, true);
            if !nonblock && fifo_peers(&fifo.pipe).0 == 0 {
                wait_for_partner(&*ops, &fifo.readers_opened, seen)?;
            }
            Ok(Arc::new(End { ops, _fifo: fifo }))
        }
        O_RDWR => {
            fifo.readers_opened.fetch_add(1, Ordering::AcqRel);
            fifo.writers_opened.fetch_add(1, Ordering::AcqRel);
            let read = open_fifo_end(&fifo.pipe, false);
            let write = open_fifo_end(&fifo.pipe, true);
            Ok(Arc::new(Both {
                read,
                write,
                _fifo: fifo,
            }))
        }
        _ => Err(Errno::EINVAL),
    }
}

impl FileOps for End {
    fn read(&self, pos: &mut u64, buf: &mut [u8], flags: u32) -> KResult<usize> {
        self.ops.read(pos, buf, flags)
    }
    fn write(&self, pos: &mut u64, buf: &[u8], flags: u32) -> KResult<usize> {
        self.ops.write(pos, buf, flags)
    }
    fn ioctl(&self, cmd: u32, arg: usize) -> KResult<usize> {
        self.ops.ioctl(cmd, arg)
    }
    fn poll(&self) -> u16 {
        self.ops.poll()
    }
    fn pollee(&self) -> Option<&dyn Pollee> {
        self.ops.pollee()
    }
    fn fcntl(&self, cmd: u32, arg: u64) -> KResult<usize> {
        self.ops.fcntl(cmd, arg)
    }
    fn stat(&self) -> Metadata {
        self.ops.stat()
    }
}

impl FileOps for Both {
    fn read(&self, pos: &mut u64, buf: &mut [u8], flags: u32) -> KResult<usize> {
        self.read.read(pos, buf, flags)
    }
    fn write(&self, pos: &mut u64, buf: &[u8], flags: u32) -> KResult<usize> {
        self.write.write(pos, buf, flags)
    }
    fn ioctl(&self, cmd: u32, arg: usize) -> KResult<usize> {
        self.read.ioctl(cmd, arg)
    }
    fn poll(&self) -> u16 {
        self.read.poll() | self.write.poll()
    }
    fn pollee(&self) -> Option<&dyn Pollee> {
        self.read.pollee()
    }
    fn fcntl(&self, cmd: u32, arg: u64) -> KResult<usize> {
        self.read.fcntl(cmd, arg)
    }
    fn stat(&self) -> Metadata {
        self.read.stat()
    }
}

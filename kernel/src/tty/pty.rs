//! Pseudo-terminals: `/dev/ptmx` opens a new master; its slave is a terminal (`/dev/pts/N`,
//! or TIOCGPTPEER on the master) whose wire is the master.
//!
//! What the master writes is the slave's input (line discipline, echo, signal characters for
//! the slave's foreground group); what the slave writes, after output processing, and the echo
//! wait in a buffer the master reads. The master reads EIO once every slave has closed (after
//! one was opened), which dropbear takes as the end of the session; closing the master hangs
//! the slave up (its session gets SIGHUP, reads give EOF, writes EIO). A new pty is locked
//! until TIOCSPTLCK unlocks it (musl's `unlockpt`); TIOCGPTN gives its number.
//!
//! Lock order: `Pair::to_master` and `PTYS` are leaves; the slave terminal's state lock is
//! never held while taking them. Each side's readiness is notified after the change.
#![forbid(unsafe_code)]

use alloc::collections::VecDeque;
use alloc::sync::{Arc, Weak};
use alloc::vec::Vec;
use core::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

use keel_abi::termios::*;
use keel_abi::{Errno, KResult};
use keel_vfs::consts::{POLLERR, POLLHUP, POLLIN, POLLOUT, S_IFCHR};
use keel_vfs::{FileOps, Metadata, Pollee, SetAttr, Timespec};

use super::terminal::Tty;
use crate::fs::readiness::Readiness;
use crate::mm::usercopy::UserPtr;
use crate::sync::SpinLock;

/// Most bytes waiting for the master to read; a slave write beyond it blocks.
const TO_MASTER_MAX: usize = 64 * 1024;
/// Major number of pty slaves (`/dev/pts/N` is 136:N).
pub const PTS_MAJOR: u32 = 136;
/// Most ptys at once (Linux's default /proc/sys/kernel/pty/max is 4096).
const MAX_PTYS: usize = 4096;

/// One master/slave pair.
pub struct Pair {
    index: u32,
    slave: Tty,
    to_master: SpinLock<VecDeque<u8>>,
    master_ready: Readiness,
    slaves_open: AtomicUsize,
    slave_ever_opened: AtomicBool,
    locked: AtomicBool,
    /// The slave node's attributes (devpts's `/dev/pts/N`).
    node: SpinLock<SlaveNode>,
}

/// The attributes of a slave node: its owner is whoever opened the master (Linux's
/// `devpts_pty_new` takes the caller's fsuid and fsgid); the mode and, with a `gid=` option,
/// the group come from the devpts instance until chmod or chown set them.
#[derive(Clone, Copy, Debug)]
pub struct SlaveNode {
    pub uid: u32,
    pub gid: u32,
    /// Set by chmod (permission bits).
    pub mode: Option<u32>,
    /// Whether chown set the group (the instance's `gid=` no longer applies).
    pub gid_set: bool,
    pub atime: Timespec,
    pub mtime: Timespec,
    pub ctime: Timespec,
}

static PTYS: SpinLock<Vec<Weak<Pair>>> = SpinLock::new(Vec::new());
/// Device number of the devpts instance mounted last (what `fstat` on a slave opened with
/// TIOCGPTPEER reports); Linux's first devpts instance is 0:0x19 on a typical boot.
static DEVPTS_DEV: core::sync::atomic::AtomicU64 = core::sync::atomic::AtomicU64::new(0x19);

fn caller_ids() -> (u32, u32) {
    crate::sched::current_if_user()
        .and_then(|t| {
            t.user().map(|u| {
                let c = u.process.cred.lock();
                (c.fsuid, c.fsgid)
            })
        })
        .unwrap_or((0, 0))
}

fn now() -> Timespec {
    let ns = crate::time::realtime_ns();
    Timespec::new(
        ns.div_euclid(1_000_000_000),
        ns.rem_euclid(1_000_000_000) as u32,
    )
}

/// Opens `/dev/ptmx`: a new pair, its master side.
pub fn open_master() -> KResult<Arc<dyn FileOps>> {
    let mut all = PTYS.lock();
    let index = match all.iter().position(|w| w.strong_count() == 0) {
        Some(i) => i,
        None if all.len() < MAX_PTYS => {
            all.push(Weak::new());
            all.len() - 1
        }
        None => return Err(Errno::ENOSPC),
    };
    let (uid, gid) = caller_ids();
    let t = now();
    let pair = Arc::new_cyclic(|me: &Weak<Pair>| Pair {
        index: index as u32,
        // Linux's pty driver: tty_std_termios with B38400|CS8|CREAD (no HUPCL).
        slave: Tty::new(
            Termios {
                c_cflag: B38400 | CS8 | CREAD,
                ..keel_tty::default_termios()
            },
            super::Ctty::Pty(me.clone()),
        ),
        to_master: SpinLock::new(VecDeque::new()),
        master_ready: Readiness::new(),
        slaves_open: AtomicUsize::new(0),
        slave_ever_opened: AtomicBool::new(false),
        locked: AtomicBool::new(true),
        node: SpinLock::new(SlaveNode {
            uid,
            gid,
            mode: None,
            gid_set: false,
            atime: t,
            mtime: t,
            ctime: t,
        }),
    });
    all[index] = Arc::downgrade(&pair);
    Ok(Arc::new(Master(pair)))
}

/// Opens slave `index` (`/dev/pts/N`): ENXIO if there is no such pty, EIO while it is locked.
pub fn open_slave(index: u32, flags: u32) -> KResult<Arc<dyn FileOps>> {
    let pair = pair(index).ok_or(Errno::ENXIO)?;
    if pair.locked.load(Ordering::Acquire) {
        return Err(Errno::EIO);
    }
    let handle = pair.slave.handle();
    let slave = Slave::new(pair);
    super::acquire_on_open(flags, handle, false);
    Ok(slave)
}

/// The indices of the ptys that exist now, ascending (what devpts lists).
pub fn indices() -> Vec<u32> {
    PTYS.lock()
        .iter()
        .enumerate()
        .filter(|(_, w)| w.strong_count() > 0)
        .map(|(i, _)| i as u32)
        .collect()
}

fn pair(index: u32) -> Option<Arc<Pair>> {
    PTYS.lock().get(index as usize).and_then(Weak::upgrade)
}

/// The attributes of slave node `index`, if that pty exists.
pub fn slave_node(index: u32) -> Option<SlaveNode> {
    pair(index).map(|p| *p.node.lock())
}

/// Applies a chmod, chown or utimes the VFS has permitted to slave node `index`.
pub fn set_slave_node(index: u32, change: &SetAttr) -> KResult<()> {
    let p = pair(index).ok_or(keel_abi::Errno::ENOENT)?;
    if change.size.is_some() {
        return Err(keel_abi::Errno::EINVAL);
    }
    let mut n = p.node.lock();
    if let Some(m) = change.mode {
        n.mode = Some(m & 0o7777);
    }
    if let Some(u) = change.uid {
        n.uid = u;
    }
    if let Some(g) = change.gid {
        n.gid = g;
        n.gid_set = true;
    }
    n.atime = change.atime.unwrap_or(n.atime);
    n.mtime = change.mtime.unwrap_or(n.mtime);
    n.ctime = change.ctime.unwrap_or(n.ctime);
    Ok(())
}

/// Records the device number of the devpts instance mounted last (for TIOCGPTPEER's fstat).
pub fn set_devpts_dev(dev: u64) {
    DEVPTS_DEV.store(dev, Ordering::Relaxed);
}

/// The index and foreground process group of the pty controlling session `sid`.
pub fn controlling_index(sid: u32) -> Option<(u32, u32)> {
    let pairs: Vec<Arc<Pair>> = PTYS.lock().iter().filter_map(Weak::upgrade).collect();
    pairs.into_iter().find_map(|p| {
        let st = p.slave.state.lock();
        (st.session == Some(sid)).then_some((p.index, st.fg_pgrp))
    })
}

/// A new open of the slave of `pair` (`/dev/tty` naming a pty).
pub fn open_existing(pair: Arc<Pair>) -> Arc<dyn FileOps> {
    Slave::new(pair)
}

impl Pair {
    /// The slave's terminal.
    pub fn slave(&self) -> &Tty {
        &self.slave
    }

    /// What `fstat` says of a slave opened without a path (TIOCGPTPEER): devpts's node with
    /// Linux's default mode 0600.
    fn slave_stat(&self) -> Metadata {
        let n = *self.node.lock();
        Metadata {
            mode: S_IFCHR | n.mode.unwrap_or(0o600),
            uid: n.uid,
            gid: n.gid,
            rdev: keel_vfs::makedev(PTS_MAJOR, self.index),
            nlink: 1,
            blksize: 1024,
            ino: self.index as u64 + 3,
            dev: DEVPTS_DEV.load(Ordering::Relaxed),
            atime: n.atime,
            mtime: n.mtime,
            ctime: n.ctime,
            ..Metadata::default()
        }
    }

    /// Appends bytes for the master to read; returns how many fit.
    fn push_to_master(&self, bytes: &[u8]) -> usize {
        let n = {
            let mut q = self.to_master.lock();
            let n = bytes.len().min(TO_MASTER_MAX.saturating_sub(q.len()));
            q.extend(&bytes[..n]);
            n
        };
        if n > 0 {
            self.master_ready.notify(POLLIN);
        }
        n
    }
}

/// The master side.
pub struct Master(Arc<Pair>);

impl FileOps for Master {
    fn read(&self, _pos: &mut u64, buf: &mut [u8], _flags: u32) -> KResult<usize> {
        if buf.is_empty() {
            return Ok(0);
        }
        let p = &self.0;
        let n = {
            let mut q = p.to_master.lock();
            if q.is_empty() {
                let gone = p.slave_ever_opened.load(Ordering::Acquire)
                    && p.slaves_open.load(Ordering::Acquire) == 0;
                return Err(if gone { Errno::EIO } else { Errno::EAGAIN });
            }
            let n = buf.len().min(q.len());
            let (a, b) = q.as_slices();
            let from_a = n.min(a.len());
            buf[..from_a].copy_from_slice(&a[..from_a]);
            buf[from_a..n].copy_from_slice(&b[..n - from_a]);
            q.drain(..n);
            n
        };
        p.slave.ready.notify(POLLOUT);
        Ok(n)
    }

    fn write(&self, _pos: &mut u64, buf: &[u8], _flags: u32) -> KResult<usize> {
        let p = &self.0;
        let mut echo = Vec::new();
        let raised = p.slave.input(buf, &mut echo);
        if !echo.is_empty() {
            p.push_to_master(&echo);
        }
        if let Some((sig, pgrp)) = raised {
            crate::proc::signal::send_to_group(pgrp, sig);
        }
        Ok(buf.len())
    }

    fn ioctl(&self, cmd: u32, arg: usize) -> KResult<usize> {
        let p = &self.0;
        let arg = arg as u64;
        match cmd {
            TIOCGPTN => {
                UserPtr::<u32>::new(arg).write(p.index)?;
                Ok(0)
            }
            TIOCSPTLCK => {
                let lock = UserPtr::<i32>::new(arg).read()?;
                p.locked.store(lock != 0, Ordering::Release);
                Ok(0)
            }
            TIOCGPTLCK => {
                UserPtr::<i32>::new(arg).write(p.locked.load(Ordering::Acquire) as i32)?;
                Ok(0)
            }
            TIOCGPTPEER => {
                // An fd for the slave, opened with `arg` as flags, without a path lookup;
                // EIO while the pty is locked, as opening /dev/pts/N is.
                if p.locked.load(Ordering::Acquire) {
                    return Err(Errno::EIO);
                }
                let flags = (arg as u32) & !keel_vfs::consts::O_CREAT;
                let file = keel_vfs::OpenFile::new(Slave::new(p.clone()), None, flags);
                let t = crate::sched::current_if_user().ok_or(Errno::ENOTTY)?;
                let u = t.user().ok_or(Errno::ENOTTY)?;
                let cloexec = flags & keel_vfs::consts::O_CLOEXEC != 0;
                Ok(u.process.fds().alloc(file, cloexec)? as usize)
            }
            FIONREAD => {
                let n = p.to_master.lock().len() as i32;
                UserPtr::<i32>::new(arg).write(n)?;
                Ok(0)
            }
            TIOCSWINSZ => {
                let w = UserPtr::<Winsize>::new(arg).read()?;
                p.slave.set_winsize(w);
                Ok(0)
            }
            TIOCGWINSZ => {
                UserPtr::<Winsize>::new(arg).write(p.slave.winsize())?;
                Ok(0)
            }
            TCFLSH => {
                // The master's input is what the slave wrote; its output the slave's input.
                match arg as u32 {
                    TCIFLUSH => p.to_master.lock().clear(),
                    TCOFLUSH => p.slave.state.lock().ld.flush_input(),
                    TCIOFLUSH => {
                        p.to_master.lock().clear();
                        p.slave.state.lock().ld.flush_input();
                    }
                    _ => return Err(Errno::EINVAL),
                }
                p.slave.ready.notify(POLLOUT);
                Ok(0)
            }
            TCGETS | TCSETS | TCSETSW | TCSETSF | TCSBRK | TCXONC => p.slave.ioctl(cmd, arg, 0),
            TIOCGPGRP | TIOCGSID => p.slave.master_query(cmd, arg),
            TIOCSCTTY | TIOCSPGRP | TIOCNOTTY => Err(Errno::ENOTTY),
            _ => Err(Errno::ENOTTY),
        }
    }

    fn poll(&self) -> u16 {
        let p = &self.0;
        let mut r = POLLOUT;
        if !p.to_master.lock().is_empty() {
            r |= POLLIN;
        }
        if p.slave_ever_opened.load(Ordering::Acquire) && p.slaves_open.load(Ordering::Acquire) == 0
        {
            r |= POLLHUP;
        }
        r
    }

    fn pollee(&self) -> Option<&dyn Pollee> {
        Some(&self.0.master_ready)
    }
}

impl Drop for Master {
    fn drop(&mut self) {
        self.0.slave.hang_up();
    }
}

/// A slave side (one per open).
pub struct Slave(Arc<Pair>);

impl Slave {
    fn new(pair: Arc<Pair>) -> Arc<Slave> {
        pair.slaves_open.fetch_add(1, Ordering::AcqRel);
        pair.slave_ever_opened.store(true, Ordering::Release);
        Arc::new(Slave(pair))
    }
}

impl FileOps for Slave {
    fn read(&self, _pos: &mut u64, buf: &mut [u8], _flags: u32) -> KResult<usize> {
        if buf.is_empty() {
            return Ok(0);
        }
        self.0.slave.read(buf)
    }

    fn write(&self, _pos: &mut u64, buf: &[u8], _flags: u32) -> KResult<usize> {
        let p = &self.0;
        if buf.is_empty() {
            return Ok(0);
        }
        if p.to_master.lock().len() >= TO_MASTER_MAX {
            return Err(Errno::EAGAIN);
        }
        // Process a chunk that fits once expanded (ONLCR at most doubles it).
        let room = TO_MASTER_MAX.saturating_sub(p.to_master.lock().len());
        let take = buf.len().min((room / 2).max(1));
        let mut out = Vec::with_capacity(take * 2);
        let n = p.slave.output(&buf[..take], &mut out)?;
        p.push_to_master(&out);
        Ok(n)
    }

    fn ioctl(&self, cmd: u32, arg: usize) -> KResult<usize> {
        let outq = self.0.to_master.lock().len();
        self.0.slave.ioctl(cmd, arg as u64, outq)
    }

    fn poll(&self) -> u16 {
        let p = &self.0;
        let mut r = 0;
        if p.slave.readable() {
            r |= POLLIN;
        }
        if p.to_master.lock().len() < TO_MASTER_MAX {
            r |= POLLOUT;
        }
        if p.slave.state.lock().hung_up {
            r |= POLLHUP | POLLERR;
        }
        r
    }

    fn pollee(&self) -> Option<&dyn Pollee> {
        Some(&self.0.slave.ready)
    }

    fn read_rule(&self) -> Option<keel_vfs::ReadRule> {
        Some(self.0.slave.read_rule())
    }

    fn stat(&self) -> Metadata {
        self.0.slave_stat()
    }
}

impl Drop for Slave {
    fn drop(&mut self) {
        if self.0.slaves_open.fetch_sub(1, Ordering::AcqRel) == 1 {
            self.0.master_ready.notify(POLLHUP | POLLIN);
        }
    }
}

//! poll, select and epoll: waiting for readiness on many files at once.
//!
//! All three read a file's events from `FileOps::poll` and learn of changes through its
//! [`Readiness`](super::readiness::Readiness) (`FileOps::pollee`); a file without one is always
//! ready. poll and select subscribe the calling thread to every file for the length of the call
//! and re-scan when woken. An epoll instance subscribes one observer per watched file for as
//! long as the file is watched; a notification puts the item on the instance's ready list and
//! wakes the instance's own waiters, so `epoll_wait` looks only at items that may be ready
//! (level-triggered items stay listed while ready, edge-triggered ones leave when reported,
//! one-shot ones are disarmed until `EPOLL_CTL_MOD`). Watching ends with `EPOLL_CTL_DEL` or
//! when the file is closed for the last time (its readiness, holding the observer, is gone).
//!
//! relibc runs every `poll()` and `select()` as epoll_create1 + epoll_ctl per fd +
//! epoll_pwait + close, so creating, filling, waiting on and dropping an instance is cheap:
//! a map, a list and one subscription per fd.
//!
//! Lock order: a file's readiness lock -> `Epoll::inner` -> the epoll's own readiness lock.
//! `Epoll::inner` is an `IrqSpinLock` (console input notifies from its interrupt) and is never
//! held while subscribing to a file.
#![forbid(unsafe_code)]

use alloc::collections::{BTreeMap, VecDeque};
use alloc::sync::{Arc, Weak};
use alloc::vec::Vec;

use keel_abi::poll::PollFd;
use keel_abi::{Errno, KResult};
use keel_vfs::consts::{POLLERR, POLLHUP, POLLIN, POLLNVAL, POLLOUT};
use keel_vfs::{FileOps, Metadata, Observer, OpenFile, Pollee};

use super::readiness::{Readiness, Subscription, ThreadWaker};
use crate::mm::usercopy::{copy_from_user, copy_to_user, UserPtr};
use crate::proc::Process;
use crate::sync::IrqSpinLock;

const POLLPRI: u16 = 0x2;
const POLLRDNORM: u16 = 0x40;
const POLLRDBAND: u16 = 0x80;
const POLLWRNORM: u16 = 0x100;
const POLLWRBAND: u16 = 0x200;

/// A file's poll bits with the "normal data" aliases Linux reports alongside POLLIN and
/// POLLOUT.
pub fn readiness_of(f: &OpenFile) -> u16 {
    let r = f.poll();
    let mut out = r;
    if r & POLLIN != 0 {
        out |= POLLRDNORM;
    }
    if r & POLLOUT != 0 {
        out |= POLLWRNORM;
    }
    out
}

/// Subscribes the current thread to every distinct pollee among `files` and sleeps until
/// `scan()` finds something, the deadline passes or a signal arrives (ERESTARTNOHAND: poll and
/// select return EINTR even under SA_RESTART, as on Linux).
fn wait_many(
    files: &[Arc<OpenFile>],
    deadline: Option<u64>,
    mut scan: impl FnMut() -> bool,
) -> KResult<()> {
    let waker: Arc<dyn Observer> = Arc::new(ThreadWaker(crate::sched::current()));
    let mut seen: Vec<*const ()> = Vec::new();
    let mut subs = Vec::new();
    for f in files {
        if let Some(p) = f.ops().pollee() {
            let id = p as *const dyn Pollee as *const ();
            if !seen.contains(&id) {
                seen.push(id);
                subs.push(Subscription::new(p, waker.clone()));
            }
        }
    }
    let r = crate::sched::waitqueue::block_until(&mut scan, deadline, true);
    drop(subs);
    match r {
        Err(Errno::EINTR) => Err(Errno::ERESTARTNOHAND),
        r => r,
    }
}

fn deadline_after_ns(ns: Option<u64>) -> Option<u64> {
    ns.map(|n| crate::time::monotonic_ns().saturating_add(n))
}

/// poll(2) and ppoll(2): `timeout_ns` None waits forever.
pub fn do_poll(p: &Process, fds: u64, nfds: u64, timeout_ns: Option<u64>) -> KResult<usize> {
    let limit = p.fds().limit() as u64;
    if nfds > limit.max(1024) && nfds > limit {
        return Err(Errno::EINVAL);
    }
    let mut v: Vec<PollFd> = Vec::with_capacity(nfds as usize);
    for k in 0..nfds as usize {
        v.push(UserPtr::<PollFd>::new(fds).add(k)?.read()?);
    }
    let table = p.fds();
    let files: Vec<Option<Arc<OpenFile>>> = v
        .iter()
        .map(|e| if e.fd < 0 { None } else { table.get(e.fd).ok() })
        .collect();
    let scan = |v: &mut [PollFd]| -> usize {
        let mut ready = 0;
        for (e, f) in v.iter_mut().zip(&files) {
            e.revents = match f {
                _ if e.fd < 0 => 0,
                None => POLLNVAL as i16,
                Some(f) => (readiness_of(f) & (e.events as u16 | POLLERR | POLLHUP)) as i16,
            };
            if e.revents != 0 {
                ready += 1;
            }
        }
        ready
    };
    let mut ready = scan(&mut v);
    if ready == 0 && timeout_ns != Some(0) {
        let live: Vec<Arc<OpenFile>> = files.iter().flatten().cloned().collect();
        let r = wait_many(&live, deadline_after_ns(timeout_ns), || scan(&mut v) > 0);
        match r {
            Ok(()) | Err(Errno::ETIMEDOUT) => ready = scan(&mut v),
            Err(e) => return Err(e),
        }
    }
    for (k, e) in v.iter().enumerate() {
        UserPtr::<PollFd>::new(fds).add(k)?.write(*e)?;
    }
    Ok(ready)
}

/// The three fd_sets of select(2), as bit words.
struct FdSets {
    n: usize,
    sets: [Option<Vec<u64>>; 3],
}

fn read_set(addr: u64, n: usize) -> KResult<Option<Vec<u64>>> {
    if addr == 0 {
        return Ok(None);
    }
    let words = n.div_ceil(64);
    let mut bytes = alloc::vec![0u8; words * 8];
    copy_from_user(&mut bytes[..n.div_ceil(8)], addr)?;
    Ok(Some(
        bytes
            .chunks(8)
            .map(|c| u64::from_le_bytes(c.try_into().unwrap_or([0; 8])))
            .collect(),
    ))
}

fn write_set(addr: u64, n: usize, set: &[u64]) -> KResult<()> {
    if addr == 0 {
        return Ok(());
    }
    let bytes: Vec<u8> = set.iter().flat_map(|w| w.to_le_bytes()).collect();
    copy_to_user(addr, &bytes[..n.div_ceil(8)])
}

/// select(2) and pselect6(2) over `[readfds, writefds, exceptfds]`; returns the ready count.
pub fn do_select(
    p: &Process,
    nfds: i32,
    addrs: [u64; 3],
    timeout_ns: Option<u64>,
) -> KResult<usize> {
    if nfds < 0 {
        return Err(Errno::EINVAL);
    }
    let table = p.fds();
    let n = (nfds as usize).min(table.limit().max(1024));
    let mut s = FdSets {
        n,
        sets: [
            read_set(addrs[0], n)?,
            read_set(addrs[1], n)?,
            read_set(addrs[2], n)?,
        ],
    };
    // Every fd named in any set must be open.
    let mut files: BTreeMap<i32, Arc<OpenFile>> = BTreeMap::new();
    for fd in 0..s.n {
        let named = s
            .sets
            .iter()
            .flatten()
            .any(|set| set[fd / 64] & (1 << (fd % 64)) != 0);
        if named {
            files.insert(fd as i32, table.get(fd as i32)?);
        }
    }
    const IN_SET: u16 = POLLRDNORM | POLLRDBAND | POLLIN | POLLHUP | POLLERR;
    const OUT_SET: u16 = POLLWRBAND | POLLWRNORM | POLLOUT | POLLERR;
    const EX_SET: u16 = POLLPRI;
    let input = s.sets.clone();
    let scan = |out: &mut [Option<Vec<u64>>; 3]| -> usize {
        let mut count = 0;
        for (k, masks) in [IN_SET, OUT_SET, EX_SET].into_iter().enumerate() {
            let (Some(want), Some(got)) = (&input[k], &mut out[k]) else {
                continue;
            };
            for w in got.iter_mut() {
                *w = 0;
            }
            for (&fd, f) in &files {
                let (i, b) = (fd as usize / 64, 1u64 << (fd % 64));
                if want[i] & b != 0 && readiness_of(f) & masks != 0 {
                    got[i] |= b;
                    count += 1;
                }
            }
        }
        count
    };
    let mut ready = scan(&mut s.sets);
    if ready == 0 && timeout_ns != Some(0) {
        let live: Vec<Arc<OpenFile>> = files.values().cloned().collect();
        let r = wait_many(&live, deadline_after_ns(timeout_ns), || {
            scan(&mut s.sets) > 0
        });
        match r {
            Ok(()) | Err(Errno::ETIMEDOUT) => ready = scan(&mut s.sets),
            Err(e) => return Err(e),
        }
    }
    for (k, addr) in addrs.iter().enumerate() {
        if let Some(set) = &s.sets[k] {
            write_set(*addr, s.n, set)?;
        }
    }
    Ok(ready)
}

// ---- epoll ------------------------------------------------------------------------------

/// Event bits of epoll beyond poll's.
pub const EPOLLEXCLUSIVE: u32 = 1 << 28;
pub const EPOLLONESHOT: u32 = 1 << 30;
pub const EPOLLET: u32 = 1 << 31;
const EPOLL_CTL_ADD: i32 = 1;
const EPOLL_CTL_DEL: i32 = 2;
const EPOLL_CTL_MOD: i32 = 3;

type ItemKey = (i32, usize);

struct Item {
    file: Weak<OpenFile>,
    events: u32,
    data: u64,
    sub: Option<u64>,
    listed: bool,
}

#[derive(Default)]
struct Inner {
    items: BTreeMap<ItemKey, Item>,
    ready: VecDeque<ItemKey>,
}

/// An epoll instance.
pub struct Epoll {
    inner: IrqSpinLock<Inner>,
    /// The instance's own readiness: epoll_wait sleepers, and pollers of the epoll fd.
    ready: Readiness,
    me: Weak<Epoll>,
}

struct Watch {
    ep: Weak<Epoll>,
    key: ItemKey,
}

impl Observer for Watch {
    fn notify(&self, events: u16) {
        let Some(ep) = self.ep.upgrade() else { return };
        let woke = {
            let mut g = ep.inner.lock();
            let g = &mut *g;
            match g.items.get_mut(&self.key) {
                Some(it) if it.events & !(EPOLLET | EPOLLONESHOT) != 0 => {
                    let interesting = (events as u32) & (it.events | 0x18) != 0 || events == 0;
                    if interesting && !it.listed {
                        it.listed = true;
                        g.ready.push_back(self.key);
                    }
                    interesting
                }
                _ => false,
            }
        };
        if woke {
            ep.ready.notify(POLLIN);
        }
    }
}

impl Epoll {
    fn new() -> Arc<Epoll> {
        Arc::new_cyclic(|me| Epoll {
            inner: IrqSpinLock::new(Inner::default()),
            ready: Readiness::new(),
            me: me.clone(),
        })
    }

    fn watches_epoll(&self) -> bool {
        let g = self.inner.lock();
        g.items
            .values()
            .any(|it| it.file.upgrade().is_some_and(|f| as_epoll(&f).is_some()))
    }

    fn ctl(
        &self,
        op: i32,
        fd: i32,
        file: Option<Arc<OpenFile>>,
        events: u32,
        data: u64,
    ) -> KResult<()> {
        let key_of = |f: &Arc<OpenFile>| (fd, Arc::as_ptr(f) as usize);
        match op {
            EPOLL_CTL_ADD => {
                let f = file.ok_or(Errno::EBADF)?;
                let key = key_of(&f);
                let pollee = f.ops().pollee().ok_or(Errno::EPERM)?;
                {
                    let mut g = self.inner.lock();
                    if g.items.contains_key(&key) {
                        return Err(Errno::EEXIST);
                    }
                    g.items.insert(
                        key,
                        Item {
                            file: Arc::downgrade(&f),
                            events,
                            data,
                            sub: None,
                            listed: false,
                        },
                    );
                }
                let sub = pollee.subscribe(Arc::new(Watch {
                    ep: self.me.clone(),
                    key,
                }));
                let mut g = self.inner.lock();
                match g.items.get_mut(&key) {
                    Some(it) => it.sub = Some(sub),
                    None => {
                        drop(g);
                        pollee.unsubscribe(sub);
                        return Ok(());
                    }
                }
                drop(g);
                self.requeue_if_ready(key, &f);
                Ok(())
            }
            EPOLL_CTL_MOD => {
                let f = file.ok_or(Errno::EBADF)?;
                let key = key_of(&f);
                {
                    let mut g = self.inner.lock();
                    let it = g.items.get_mut(&key).ok_or(Errno::ENOENT)?;
                    it.events = events;
                    it.data = data;
                }
                self.requeue_if_ready(key, &f);
                Ok(())
            }
            EPOLL_CTL_DEL => {
                let f = file.ok_or(Errno::EBADF)?;
                let key = key_of(&f);
                let it = {
                    let mut g = self.inner.lock();
                    let it = g.items.remove(&key).ok_or(Errno::ENOENT)?;
                    g.ready.retain(|k| *k != key);
                    it
                };
                if let (Some(sub), Some(p)) = (it.sub, f.ops().pollee()) {
                    p.unsubscribe(sub);
                }
                Ok(())
            }
            _ => Err(Errno::EINVAL),
        }
    }

    /// Puts an item on the ready list if its file is ready now (ADD, MOD).
    fn requeue_if_ready(&self, key: ItemKey, f: &OpenFile) {
        let now = readiness_of(f) as u32;
        let woke = {
            let mut g = self.inner.lock();
            let g = &mut *g;
            match g.items.get_mut(&key) {
                Some(it)
                    if now & (it.events | 0x18) != 0
                        && it.events & !(EPOLLET | EPOLLONESHOT) != 0 =>
                {
                    if !it.listed {
                        it.listed = true;
                        g.ready.push_back(key);
                    }
                    true
                }
                _ => false,
            }
        };
        if woke {
            self.ready.notify(POLLIN);
        }
    }

    /// Takes up to `max` events off the ready list.
    fn collect(&self, max: usize) -> Vec<(u32, u64)> {
        let mut out = Vec::new();
        let mut g = self.inner.lock();
        let g = &mut *g;
        let n = g.ready.len();
        for _ in 0..n {
            if out.len() >= max {
                break;
            }
            let Some(key) = g.ready.pop_front() else {
                break;
            };
            let Some(it) = g.items.get_mut(&key) else {
                continue;
            };
            it.listed = false;
            let Some(f) = it.file.upgrade() else {
                g.items.remove(&key);
                continue;
            };
            let mask = readiness_of(&f) as u32 & (it.events | 0x18);
            if mask == 0 {
                continue;
            }
            out.push((mask, it.data));
            if it.events & EPOLLONESHOT != 0 {
                it.events &= EPOLLET | EPOLLONESHOT; // disarmed until EPOLL_CTL_MOD
            } else if it.events & EPOLLET == 0 {
                it.listed = true;
                g.ready.push_back(key);
            }
        }
        out
    }

    fn has_ready(&self) -> bool {
        !self.inner.lock().ready.is_empty()
    }

    /// Whether a listed item is ready now (what polling the epoll fd reports).
    fn any_ready(&self) -> bool {
        let g = self.inner.lock();
        g.ready.iter().any(|k| {
            g.items.get(k).is_some_and(|it| {
                it.file
                    .upgrade()
                    .is_some_and(|f| readiness_of(&f) as u32 & (it.events | 0x18) != 0)
            })
        })
    }
}

impl Drop for Epoll {
    fn drop(&mut self) {
        let items = {
            let mut g = self.inner.lock();
            g.ready.clear();
            core::mem::take(&mut g.items)
        };
        for it in items.into_values() {
            if let (Some(f), Some(sub)) = (it.file.upgrade(), it.sub) {
                if let Some(p) = f.ops().pollee() {
                    p.unsubscribe(sub);
                }
            }
        }
    }
}

/// The open-file side of an epoll instance.
pub struct EpollFile(pub Arc<Epoll>);

impl FileOps for EpollFile {
    fn poll(&self) -> u16 {
        if self.0.any_ready() {
            POLLIN
        } else {
            0
        }
    }

    fn pollee(&self) -> Option<&dyn Pollee> {
        Some(&self.0.ready)
    }

    fn stat(&self) -> Metadata {
        super::anon_inode_metadata()
    }
}

/// The epoll instance behind an open file, if it is one.
fn as_epoll(f: &OpenFile) -> Option<Arc<Epoll>> {
    let ops: &dyn FileOps = &**f.ops();
    // Identify by the pollee's address: an epoll file's pollee is its instance's readiness.
    let p = ops.pollee()? as *const dyn Pollee as *const ();
    EPOLLS
        .lock()
        .iter()
        .filter_map(Weak::upgrade)
        .find(|e| core::ptr::eq(&e.ready as *const Readiness as *const (), p))
}

/// Whether `f` is an epoll instance (`/proc/PID/fd` names it `anon_inode:[eventpoll]`).
pub fn is_epoll(f: &OpenFile) -> bool {
    as_epoll(f).is_some()
}

/// Live epoll instances, to recognise epoll files (for the nesting rules).
static EPOLLS: crate::sync::SpinLock<Vec<Weak<Epoll>>> = crate::sync::SpinLock::new(Vec::new());

/// epoll_create1(2).
pub fn epoll_create(p: &Process, flags: u32) -> KResult<usize> {
    const EPOLL_CLOEXEC: u32 = 0o2000000;
    if flags & !EPOLL_CLOEXEC != 0 {
        return Err(Errno::EINVAL);
    }
    let ep = Epoll::new();
    {
        let mut all = EPOLLS.lock();
        all.retain(|w| w.strong_count() > 0);
        all.push(Arc::downgrade(&ep));
    }
    let file = OpenFile::new(Arc::new(EpollFile(ep)), None, keel_vfs::consts::O_RDWR);
    Ok(p.fds().alloc(file, flags & EPOLL_CLOEXEC != 0)? as usize)
}

/// epoll_ctl(2).
pub fn epoll_ctl(p: &Process, epfd: i32, op: i32, fd: i32, event: u64) -> KResult<usize> {
    let table = p.fds();
    let epf = table.get(epfd)?;
    let target = table.get(fd)?;
    let ep = as_epoll(&epf).ok_or(Errno::EINVAL)?;
    if epfd == fd || Arc::ptr_eq(&epf, &target) {
        return Err(Errno::EINVAL);
    }
    let (events, data) = if op != EPOLL_CTL_DEL {
        let mut b = [0u8; 12];
        copy_from_user(&mut b, event)?;
        (
            u32::from_le_bytes([b[0], b[1], b[2], b[3]]),
            u64::from_le_bytes(b[4..12].try_into().unwrap_or([0; 8])),
        )
    } else {
        (0, 0)
    };
    if op == EPOLL_CTL_MOD && events & EPOLLEXCLUSIVE != 0 {
        return Err(Errno::EINVAL);
    }
    if let Some(inner) = as_epoll(&target) {
        // One level of nesting, never a loop.
        if inner.watches_epoll() || Arc::ptr_eq(&inner, &ep) {
            return Err(Errno::ELOOP);
        }
    }
    ep.ctl(op, fd, Some(target), events, data)?;
    Ok(0)
}

/// epoll_wait(2) and epoll_pwait(2): `timeout_ms` < 0 waits forever.
pub fn epoll_wait(
    p: &Process,
    epfd: i32,
    events: u64,
    max: i32,
    timeout_ms: i32,
) -> KResult<usize> {
    if max <= 0 || max as usize > (i32::MAX as usize) / 12 {
        return Err(Errno::EINVAL);
    }
    let epf = p.fds().get(epfd)?;
    let ep = as_epoll(&epf).ok_or(Errno::EINVAL)?;
    crate::mm::usercopy::check_range(events, max as usize * 12)?;
    let deadline = (timeout_ms > 0)
        .then(|| crate::time::monotonic_ns().saturating_add(timeout_ms as u64 * 1_000_000));
    let mut got = ep.collect(max as usize);
    if got.is_empty() && timeout_ms != 0 {
        let _sub = Subscription::new(&ep.ready, Arc::new(ThreadWaker(crate::sched::current())));
        loop {
            let r = crate::sched::waitqueue::block_until(|| ep.has_ready(), deadline, true);
            got = ep.collect(max as usize);
            match r {
                _ if !got.is_empty() => break,
                Ok(()) => continue,
                Err(Errno::ETIMEDOUT) => break,
                Err(Errno::EINTR) => return Err(Errno::EINTR),
                Err(e) => return Err(e),
            }
        }
    }
    let mut bytes = Vec::with_capacity(got.len() * 12);
    for (ev, data) in &got {
        bytes.extend_from_slice(&ev.to_le_bytes());
        bytes.extend_from_slice(&data.to_le_bytes());
    }
    copy_to_user(events, &bytes)?;
    Ok(got.len())
}

//! futex(2): sleeping on a user-space word.
//!
//! A futex is found by its key. As on Linux, a word in private memory has the key (address
//! space, address) whether the call says `FUTEX_PRIVATE_FLAG` or not, so private and shared
//! operations meet (musl's `pthread_join` waits without the flag on a word the exiting thread's
//! kernel-side clear-and-wake reaches); a word in a `MAP_SHARED` mapping has the key (memory
//! object, offset), so processes sharing the object meet whatever their addresses.
//!
//! A waiter enters the table first and then reads the word, so a wake between the caller's
//! check and its sleep is never lost: the waker finds it registered and marks it woken. A wake
//! with nobody waiting costs a key computation and one lookup (relibc wakes on every unlock).
//!
//! Lock order: `FUTEXES` is a leaf; user memory is read with it released.
#![forbid(unsafe_code)]

use alloc::collections::{BTreeMap, VecDeque};
use alloc::sync::Arc;
use core::sync::atomic::{AtomicBool, Ordering};

use keel_abi::futex::*;
use keel_abi::{Errno, KResult};

use super::Process;
use crate::mm::aspace::Backing;
use crate::mm::usercopy::UserPtr;
use crate::sched::Thread;
use crate::sync::SpinLock;

/// Where a futex lives.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Key {
    /// (address space, user address)
    Private(usize, u64),
    /// (shared memory object, byte offset)
    Shared(usize, u64),
}

struct Waiter {
    thread: Arc<Thread>,
    bitset: u32,
    woken: AtomicBool,
    key: SpinLock<Key>,
}

static FUTEXES: SpinLock<BTreeMap<Key, VecDeque<Arc<Waiter>>>> = SpinLock::new(BTreeMap::new());

fn key_for(p: &Process, uaddr: u64, private: bool) -> KResult<Key> {
    if !uaddr.is_multiple_of(4) {
        return Err(Errno::EINVAL);
    }
    crate::mm::usercopy::check_range(uaddr, 4)?;
    let mm = p.mm();
    let id = Arc::as_ptr(&mm) as usize;
    if private {
        return Ok(Key::Private(id, uaddr));
    }
    let g = mm.lock();
    let v = g.vmas.find(uaddr).ok_or(Errno::EFAULT)?;
    Ok(match &v.backing {
        Backing::Shared(obj) => {
            let page = uaddr & !4095;
            Key::Shared(
                Arc::as_ptr(obj) as usize,
                v.pgoff_of(page) * 4096 + (uaddr & 4095),
            )
        }
        Backing::Anon => Key::Private(id, uaddr),
    })
}

fn remove(w: &Arc<Waiter>) {
    let mut t = FUTEXES.lock();
    let key = *w.key.lock();
    if let Some(q) = t.get_mut(&key) {
        q.retain(|x| !Arc::ptr_eq(x, w));
        if q.is_empty() {
            t.remove(&key);
        }
    }
}

/// FUTEX_WAIT / FUTEX_WAIT_BITSET: sleeps while `*uaddr == val`.
fn wait(
    p: &Process,
    uaddr: u64,
    val: u32,
    deadline: Option<u64>,
    bitset: u32,
    private: bool,
) -> KResult<usize> {
    if bitset == 0 {
        return Err(Errno::EINVAL);
    }
    let key = key_for(p, uaddr, private)?;
    let w = Arc::new(Waiter {
        thread: crate::sched::current(),
        bitset,
        woken: AtomicBool::new(false),
        key: SpinLock::new(key),
    });
    FUTEXES.lock().entry(key).or_default().push_back(w.clone());
    let cur = match UserPtr::<u32>::new(uaddr).read() {
        Ok(v) => v,
        Err(e) => {
            remove(&w);
            return Err(e);
        }
    };
    if cur != val {
        remove(&w);
        return if w.woken.load(Ordering::Acquire) {
            Ok(0)
        } else {
            Err(Errno::EAGAIN)
        };
    }
    let r =
        crate::sched::waitqueue::block_until(|| w.woken.load(Ordering::Acquire), deadline, true);
    remove(&w);
    if w.woken.load(Ordering::Acquire) {
        return Ok(0);
    }
    match r {
        Err(Errno::EINTR) if deadline.is_none() => Err(Errno::ERESTARTSYS),
        Err(e) => Err(e),
        Ok(()) => Ok(0),
    }
}

fn wake_key(key: Key, n: u32, bitset: u32) -> usize {
    let mut t = FUTEXES.lock();
    let Some(q) = t.get_mut(&key) else {
        return 0;
    };
    let mut woken = 0usize;
    q.retain(|w| {
        if woken as u32 >= n || w.bitset & bitset == 0 {
            return true;
        }
        w.woken.store(true, Ordering::Release);
        crate::sched::wake(&w.thread);
        woken += 1;
        false
    });
    if q.is_empty() {
        t.remove(&key);
    }
    woken
}

/// Wakes up to `n` waiters on `uaddr` in `p` (a shared-style key: the exiting thread's
/// clear_child_tid wake).
pub fn wake_address(p: &Process, uaddr: u64, n: u32) -> KResult<usize> {
    let key = key_for(p, uaddr, false)?;
    Ok(wake_key(key, n, FUTEX_BITSET_MATCH_ANY))
}

fn requeue(
    p: &Process,
    uaddr: u64,
    uaddr2: u64,
    nwake: u32,
    nmove: u32,
    cmp: Option<u32>,
    private: bool,
) -> KResult<usize> {
    let k1 = key_for(p, uaddr, private)?;
    let k2 = key_for(p, uaddr2, private)?;
    if let Some(expected) = cmp {
        if UserPtr::<u32>::new(uaddr).read()? != expected {
            return Err(Errno::EAGAIN);
        }
    }
    let woken = wake_key(k1, nwake, FUTEX_BITSET_MATCH_ANY);
    let mut t = FUTEXES.lock();
    let mut moved = VecDeque::new();
    if let Some(q) = t.get_mut(&k1) {
        while moved.len() < nmove as usize {
            match q.pop_front() {
                Some(w) => moved.push_back(w),
                None => break,
            }
        }
        if q.is_empty() {
            t.remove(&k1);
        }
    }
    let n = moved.len();
    if n > 0 {
        for w in &moved {
            *w.key.lock() = k2;
        }
        t.entry(k2).or_default().extend(moved);
    }
    Ok(woken + n)
}

/// Converts the timeout argument into a monotonic deadline: relative for FUTEX_WAIT, absolute
/// (on CLOCK_MONOTONIC, or CLOCK_REALTIME with FUTEX_CLOCK_REALTIME) for FUTEX_WAIT_BITSET.
fn deadline(timeout: u64, absolute: bool, realtime: bool) -> KResult<Option<u64>> {
    if timeout == 0 {
        return Ok(None);
    }
    let ns = UserPtr::<keel_abi::time::Timespec>::new(timeout)
        .read()?
        .as_ns()
        .ok_or(Errno::EINVAL)?
        .min(i64::MAX as u64) as i64;
    let now = crate::time::monotonic_ns() as i64;
    let d = if !absolute {
        now.saturating_add(ns)
    } else if realtime {
        now.saturating_add(ns.saturating_sub(crate::time::realtime_ns()))
    } else {
        ns
    };
    Ok(Some(d.max(0) as u64))
}

/// futex(2).
pub fn sys_futex(
    p: &Process,
    uaddr: u64,
    op: u32,
    val: u32,
    timeout: u64,
    uaddr2: u64,
    val3: u32,
) -> KResult<usize> {
    let private = op & FUTEX_PRIVATE_FLAG != 0;
    let realtime = op & FUTEX_CLOCK_REALTIME != 0;
    let cmd = op & FUTEX_CMD_MASK;
    if realtime && cmd != FUTEX_WAIT_BITSET && cmd != FUTEX_WAIT {
        return Err(Errno::ENOSYS);
    }
    match cmd {
        FUTEX_WAIT => {
            let d = deadline(timeout, realtime, realtime)?;
            wait(p, uaddr, val, d, FUTEX_BITSET_MATCH_ANY, private)
        }
        FUTEX_WAIT_BITSET => {
            let d = deadline(timeout, true, realtime)?;
            wait(p, uaddr, val, d, val3, private)
        }
        FUTEX_WAKE => Ok(wake_key(
            key_for(p, uaddr, private)?,
            val,
            FUTEX_BITSET_MATCH_ANY,
        )),
        FUTEX_WAKE_BITSET => {
            if val3 == 0 {
                return Err(Errno::EINVAL);
            }
            Ok(wake_key(key_for(p, uaddr, private)?, val, val3))
        }
        FUTEX_REQUEUE => requeue(p, uaddr, uaddr2, val, timeout as u32, None, private),
        FUTEX_CMP_REQUEUE => requeue(p, uaddr, uaddr2, val, timeout as u32, Some(val3), private),
        _ => Err(Errno::ENOSYS),
    }
}

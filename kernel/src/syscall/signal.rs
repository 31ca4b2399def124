//! Signal bookkeeping: dispositions, the mask and the alternate stack are stored and reported
//! exactly as Linux does; delivery comes with the process-model layer.

use core::sync::atomic::Ordering;

use keel_abi::signal::{SigAction, SigSet, StackT};
use keel_abi::{Errno, KResult};

use super::Caller;
use crate::mm::usercopy::UserPtr;

const SIGKILL: i32 = 9;
const SIGSTOP: i32 = 19;
const SIG_BLOCK: i32 = 0;
const SIG_UNBLOCK: i32 = 1;
const SIG_SETMASK: i32 = 2;
const SS_ONSTACK: i32 = 1;
const SS_DISABLE: i32 = 2;
const SS_AUTODISARM: i32 = 1 << 31;
const MINSIGSTKSZ: u64 = 2048;

pub fn sys_rt_sigaction(c: &Caller, sig: i32, act: u64, old: u64, size: usize) -> KResult<usize> {
    if size != 8 || !(1..=crate::proc::NSIG as i32).contains(&sig) {
        return Err(Errno::EINVAL);
    }
    let new = if act != 0 {
        Some(UserPtr::<SigAction>::new(act).read()?)
    } else {
        None
    };
    if new.is_some() && (sig == SIGKILL || sig == SIGSTOP) {
        return Err(Errno::EINVAL);
    }
    let prev = {
        let mut actions = c.process().sigactions.lock();
        let slot = &mut actions[sig as usize - 1];
        let prev = *slot;
        if let Some(mut a) = new {
            a.sa_mask = a.sa_mask.blockable();
            *slot = a;
        }
        prev
    };
    if old != 0 {
        UserPtr::<SigAction>::new(old).write(prev)?;
    }
    Ok(0)
}

pub fn sys_rt_sigprocmask(c: &Caller, how: i32, set: u64, old: u64, size: usize) -> KResult<usize> {
    if size != 8 {
        return Err(Errno::EINVAL);
    }
    let u = c.thread.user().ok_or(Errno::EINVAL)?;
    let cur = SigSet(u.sigmask.load(Ordering::Relaxed));
    if set != 0 {
        let s = UserPtr::<u64>::new(set).read()?;
        let next = match how {
            SIG_BLOCK => SigSet(cur.0 | s),
            SIG_UNBLOCK => SigSet(cur.0 & !s),
            SIG_SETMASK => SigSet(s),
            _ => return Err(Errno::EINVAL),
        };
        if old != 0 {
            UserPtr::<u64>::new(old).write(cur.0)?;
        }
        u.sigmask.store(next.blockable().0, Ordering::Relaxed);
    } else if old != 0 {
        UserPtr::<u64>::new(old).write(cur.0)?;
    }
    Ok(0)
}

pub fn sys_sigaltstack(c: &Caller, ss: u64, old: u64) -> KResult<usize> {
    let u = c.thread.user().ok_or(Errno::EINVAL)?;
    let cur = *u.altstack.lock();
    let new = if ss != 0 {
        Some(UserPtr::<StackT>::new(ss).read()?)
    } else {
        None
    };
    if let Some(n) = new {
        let mode = n.ss_flags & !SS_AUTODISARM;
        if mode != 0 && mode != SS_DISABLE && mode != SS_ONSTACK {
            return Err(Errno::EINVAL);
        }
        let st = if mode == SS_DISABLE {
            StackT {
                ss_sp: 0,
                ss_flags: SS_DISABLE,
                pad: 0,
                ss_size: 0,
            }
        } else {
            if n.ss_size < MINSIGSTKSZ {
                return Err(Errno::ENOMEM);
            }
            StackT {
                ss_flags: n.ss_flags & SS_AUTODISARM,
                ..n
            }
        };
        if old != 0 {
            UserPtr::<StackT>::new(old).write(cur)?;
        }
        *u.altstack.lock() = st;
    } else if old != 0 {
        UserPtr::<StackT>::new(old).write(cur)?;
    }
    Ok(0)
}

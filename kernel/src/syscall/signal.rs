//! Signal calls: dispositions, masks, the alternate stack, waiting for signals, the signal
//! return, and the interval timer. Sending and delivery live in `proc::signal`.

use core::sync::atomic::Ordering;

use keel_abi::signal::{SigAction, SigSet, StackT};
use keel_abi::{Errno, KResult};

use super::Caller;
use crate::arch::x86_64::trap::TrapFrame;
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
    if new.is_some_and(|a| a.sa_handler == keel_abi::signal::SIG_IGN) {
        crate::proc::signal::discard_pending(c.process(), sig as u32);
    }
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
        crate::proc::signal::set_mask(&c.thread, next.0);
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
        if on_altstack(c, &cur) {
            return Err(Errno::EPERM);
        }
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
        UserPtr::<StackT>::new(old).write(reported(c, cur))?;
    }
    Ok(0)
}

/// Whether the caller runs on its alternate stack now (its user RSP is inside it).
fn on_altstack(c: &Caller, ss: &StackT) -> bool {
    let sp = c.user_rsp;
    ss.ss_flags & SS_DISABLE == 0 && ss.ss_size != 0 && sp > ss.ss_sp && sp - ss.ss_sp <= ss.ss_size
}

/// The `stack_t` sigaltstack reports: SS_ONSTACK while running on it.
fn reported(c: &Caller, cur: StackT) -> StackT {
    if on_altstack(c, &cur) {
        StackT {
            ss_flags: cur.ss_flags | SS_ONSTACK,
            ..cur
        }
    } else {
        cur
    }
}

pub fn sys_rt_sigreturn(c: &Caller, frame: &mut TrapFrame) -> KResult<usize> {
    match crate::proc::signal::frame::sigreturn(&c.thread, frame) {
        Ok(()) => Ok(frame.rax as usize),
        Err(_) => {
            // A corrupt frame: SIGSEGV, as Linux's force_sig.
            crate::proc::signal::force_fault(&c.thread, crate::proc::SigInfo::kernel(11));
            frame.error_code = u64::MAX;
            Ok(frame.rax as usize)
        }
    }
}

pub fn sys_rt_sigpending(c: &Caller, set: u64, size: usize) -> KResult<usize> {
    if size > 8 {
        return Err(Errno::EINVAL);
    }
    let u = c.thread.user().ok_or(Errno::EINVAL)?;
    let pending = crate::proc::signal::pending_set(u) & u.sigmask.load(Ordering::Acquire);
    crate::mm::usercopy::copy_to_user(set, &pending.to_le_bytes()[..size])?;
    Ok(0)
}

/// Installs `mask` until the next return to user mode (rt_sigsuspend, ppoll, pselect6,
/// epoll_pwait): the old mask is what a signal frame saves, and comes back afterwards.
pub fn set_temporary_mask(c: &Caller, mask: u64) {
    let Some(u) = c.thread.user() else { return };
    let old = u.sigmask.load(Ordering::Acquire);
    u.sig.lock().saved_mask = Some(old);
    crate::proc::signal::set_mask(&c.thread, mask);
}

pub fn sys_rt_sigsuspend(c: &Caller, set: u64, size: usize) -> KResult<usize> {
    if size != 8 {
        return Err(Errno::EINVAL);
    }
    let mask = UserPtr::<u64>::new(set).read()?;
    set_temporary_mask(c, mask);
    // Sleep until a signal is deliverable, then let the return path run its handler.
    let _ = crate::sched::waitqueue::block_until(|| false, None, true);
    Err(Errno::ERESTARTNOHAND)
}

pub fn sys_pause(_c: &Caller) -> KResult<usize> {
    let _ = crate::sched::waitqueue::block_until(|| false, None, true);
    Err(Errno::ERESTARTNOHAND)
}

pub fn sys_rt_sigtimedwait(
    c: &Caller,
    set: u64,
    info: u64,
    timeout: u64,
    size: usize,
) -> KResult<usize> {
    if size != 8 {
        return Err(Errno::EINVAL);
    }
    let want = SigSet(UserPtr::<u64>::new(set).read()?).blockable().0;
    let deadline = if timeout != 0 {
        let ts = UserPtr::<keel_abi::time::Timespec>::new(timeout).read()?;
        let ns = ts.as_ns().ok_or(Errno::EINVAL)?;
        Some(crate::time::monotonic_ns().saturating_add(ns))
    } else {
        None
    };
    let u = c.thread.user().ok_or(Errno::EINVAL)?;
    // The waited-for signals are unblocked for the wait only (so they wake us), as Linux does.
    let old = u.sigmask.load(Ordering::Acquire);
    let got = loop {
        if let Some(i) = crate::proc::signal::dequeue_from(u, want) {
            break Ok(i);
        }
        crate::proc::signal::set_mask(&c.thread, old & !want);
        let r = crate::sched::waitqueue::block_until(
            || crate::proc::signal::pending_set(u) & want != 0,
            deadline,
            true,
        );
        crate::proc::signal::set_mask(&c.thread, old);
        match r {
            Ok(()) => continue,
            Err(Errno::ETIMEDOUT) => break Err(Errno::EAGAIN),
            Err(_) => {
                // Another signal: let it be handled; then EINTR.
                if let Some(i) = crate::proc::signal::dequeue_from(u, want) {
                    break Ok(i);
                }
                break Err(Errno::EINTR);
            }
        }
    };
    let i = got?;
    if info != 0 {
        crate::mm::usercopy::copy_to_user(info, &i.to_bytes())?;
    }
    Ok(i.signo as usize)
}

//! Signals: sending, pending sets, and delivery on the way back to user mode.
//!
//! Sending ([`send_to_process`], [`send_to_thread`]) follows Linux's `__send_signal` and
//! `complete_signal`: SIGKILL ends the whole process at once; SIGCONT resumes a stopped
//! process and discards pending stop signals (and a stop signal discards a pending SIGCONT);
//! a signal that is ignored and not blocked is dropped; a standard signal already pending is
//! not queued twice, real-time signals queue. Then one thread that does not block it is told
//! (its `signal_pending` flag set and, if asleep, woken), so an interruptible sleep ends.
//!
//! Delivery ([`on_return_to_user`]) runs on every return to user mode: group exit and stop
//! first, then the lowest pending unblocked signal (synchronous faults before the rest): ignored,
//! default action (terminate, terminate with core, stop, continue, ignore), or a handler, for
//! which `frame.rs` builds Linux's `rt_sigframe`. Interrupted system calls return the kernel's
//! restart codes, turned here into EINTR or a restart as Linux does.
//!
//! Lock order: `Process::sig` and a thread's `UserCtx::sig` are leaves, taken one at a time,
//! with `sigactions` before them when both are needed.
#![forbid(unsafe_code)]

pub mod frame;
mod timer;

use alloc::collections::VecDeque;
use alloc::sync::Arc;
use core::sync::atomic::Ordering;

use keel_abi::signal::*;
use keel_abi::Errno;

pub use timer::{disarm as disarm_timer, sys_alarm, sys_getitimer, sys_setitimer, RealTimer};

use super::{Process, UserCtx};
use crate::arch::x86_64::syscall::SYSCALL_VECTOR;
use crate::arch::x86_64::trap::TrapFrame;
use crate::sched::Thread;

/// `si_code` values.
pub mod code {
    pub const SI_USER: i32 = 0;
    pub const SI_KERNEL: i32 = 0x80;
    pub const SI_TKILL: i32 = -6;
    pub const CLD_EXITED: i32 = 1;
    pub const CLD_KILLED: i32 = 2;
    pub const CLD_DUMPED: i32 = 3;
    pub const CLD_STOPPED: i32 = 5;
    pub const CLD_CONTINUED: i32 = 6;
    pub const SEGV_MAPERR: i32 = 1;
    pub const SEGV_ACCERR: i32 = 2;
    pub const ILL_ILLOPN: i32 = 2;
    pub const FPE_INTDIV: i32 = 1;
    pub const FPE_FLTINV: i32 = 7;
    pub const BUS_ADRERR: i32 = 2;
}

/// Which union member of `siginfo_t` a [`SigInfo`] fills.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Fields {
    /// `si_pid`, `si_uid` (kill, tkill, and kernel-sent signals).
    #[default]
    Kill,
    /// `si_pid`, `si_uid`, `si_status`, `si_utime`, `si_stime` (SIGCHLD).
    Child,
    /// `si_addr` (faults).
    Fault,
    /// `si_pid`, `si_uid`, `si_value` (sigqueue).
    Value,
}

/// A signal with its `siginfo_t` contents.
#[derive(Clone, Copy, Debug, Default)]
pub struct SigInfo {
    pub signo: u32,
    pub code: i32,
    pub errno: i32,
    pub pid: u32,
    pub uid: u32,
    pub status: i32,
    pub utime: i64,
    pub stime: i64,
    pub addr: u64,
    pub value: u64,
    pub fields: Fields,
    /// For page faults: the error code and trap number the signal frame reports.
    pub trapno: u64,
    pub err: u64,
}

impl SigInfo {
    /// A signal sent by a process (`kill`: SI_USER; `tkill`/`tgkill`: SI_TKILL).
    pub fn user(signo: u32, code: i32, pid: u32, uid: u32) -> SigInfo {
        SigInfo {
            signo,
            code,
            pid,
            uid,
            ..Default::default()
        }
    }

    /// A signal the kernel sends (SI_KERNEL).
    pub fn kernel(signo: u32) -> SigInfo {
        SigInfo {
            signo,
            code: code::SI_KERNEL,
            ..Default::default()
        }
    }

    /// A fault signal at `addr`.
    pub fn fault(signo: u32, code: i32, addr: u64) -> SigInfo {
        SigInfo {
            signo,
            code,
            addr,
            fields: Fields::Fault,
            ..Default::default()
        }
    }

    /// The 128-byte `siginfo_t` of x86_64.
    pub fn to_bytes(self) -> [u8; 128] {
        let mut b = [0u8; 128];
        let put32 =
            |b: &mut [u8; 128], at: usize, v: u32| b[at..at + 4].copy_from_slice(&v.to_le_bytes());
        let put64 =
            |b: &mut [u8; 128], at: usize, v: u64| b[at..at + 8].copy_from_slice(&v.to_le_bytes());
        put32(&mut b, 0, self.signo);
        put32(&mut b, 4, self.errno as u32);
        put32(&mut b, 8, self.code as u32);
        match self.fields {
            Fields::Kill => {
                put32(&mut b, 16, self.pid);
                put32(&mut b, 20, self.uid);
            }
            Fields::Child => {
                put32(&mut b, 16, self.pid);
                put32(&mut b, 20, self.uid);
                put32(&mut b, 24, self.status as u32);
                put64(&mut b, 32, self.utime as u64);
                put64(&mut b, 40, self.stime as u64);
            }
            Fields::Fault => put64(&mut b, 16, self.addr),
            Fields::Value => {
                put32(&mut b, 16, self.pid);
                put32(&mut b, 20, self.uid);
                put64(&mut b, 24, self.value);
            }
        }
        b
    }
}

const fn bit(sig: u32) -> u64 {
    1u64 << (sig - 1)
}

/// Signals whose default action stops the process.
const STOP_SIGNALS: u64 = bit(SIGSTOP) | bit(SIGTSTP) | bit(SIGTTIN) | bit(SIGTTOU);
/// Signals ignored by default.
const IGNORED_BY_DEFAULT: u64 = bit(SIGCHLD) | bit(SIGURG) | bit(SIGWINCH) | bit(SIGCONT);
/// Signals that terminate with a core dump by default.
const CORE_SIGNALS: u64 = bit(SIGQUIT)
    | bit(SIGILL)
    | bit(SIGTRAP)
    | bit(SIGABRT)
    | bit(SIGBUS)
    | bit(SIGFPE)
    | bit(SIGSEGV)
    | bit(SIGXCPU)
    | bit(SIGXFSZ)
    | bit(SIGSYS);
/// Synchronous signals, dequeued before the others (Linux's SYNCHRONOUS_MASK).
const SYNCHRONOUS: u64 =
    bit(SIGSEGV) | bit(SIGBUS) | bit(SIGILL) | bit(SIGTRAP) | bit(SIGFPE) | bit(SIGSYS);

/// Most queued signals per pending set (user space picks how many real-time signals to send).
const MAX_QUEUED: usize = 4096;

/// A pending set with the `siginfo` of each pending signal.
#[derive(Default)]
pub struct Pending {
    pub set: u64,
    queue: VecDeque<SigInfo>,
}

impl Pending {
    fn add(&mut self, info: SigInfo) {
        let b = bit(info.signo);
        if info.signo < SIGRTMIN && self.set & b != 0 {
            return; // a standard signal is pending at most once
        }
        if self.queue.len() >= MAX_QUEUED {
            return; // real-time signals beyond the bound are dropped, never kernel memory
        }
        self.set |= b;
        self.queue.push_back(info);
    }

    fn take(&mut self, sig: u32) -> Option<SigInfo> {
        let i = self.queue.iter().position(|s| s.signo == sig)?;
        let info = self.queue.remove(i);
        if !self.queue.iter().any(|s| s.signo == sig) {
            self.set &= !bit(sig);
        }
        info
    }

    fn discard(&mut self, mask: u64) {
        self.set &= !mask;
        self.queue.retain(|s| mask & bit(s.signo) == 0);
    }
}

/// Process-wide signal state.
#[derive(Default)]
pub struct Shared {
    pub pending: Pending,
    /// Set once the process is going away (exit_group or a fatal signal): the status.
    pub group_exit: Option<i32>,
    /// Group stop in effect (SIGSTOP and friends until SIGCONT).
    pub stopped: bool,
}

/// Per-thread signal state.
#[derive(Default)]
pub struct PerThread {
    pub pending: Pending,
    /// Mask to restore at the next return to user mode (or to save in the signal frame).
    pub saved_mask: Option<u64>,
    /// Signals the thread waits for in rt_sigtimedwait (Linux's `real_blocked` trick): they
    /// stay blocked, are never dropped as ignored, and wake it.
    pub waiting_for: u64,
}

/// Linux's `recalc_sigpending` for one thread: whether something is deliverable.
pub fn recalc(t: &Thread) {
    let Some(u) = t.user() else { return };
    let p = &u.process;
    let mask = u.sigmask.load(Ordering::Acquire);
    let mine = u.sig.lock().pending.set;
    let (shared, exiting) = {
        let s = p.sig.lock();
        (s.pending.set, s.group_exit.is_some() || s.stopped)
    };
    let pending = (mine | shared) & !mask != 0 || exiting || u.kill_pending.load(Ordering::Acquire);
    t.set_signal_pending(pending);
}

/// Tells `t` that something is pending for it and wakes it if it sleeps.
fn kick(t: &Arc<Thread>) {
    t.set_signal_pending(true);
    crate::sched::wake(t);
}

/// The disposition of `sig` in `p`.
fn action(p: &Process, sig: u32) -> SigAction {
    p.sigactions.lock()[sig as usize - 1]
}

fn is_ignored(act: &SigAction, sig: u32) -> bool {
    act.sa_handler == SIG_IGN || (act.sa_handler == SIG_DFL && IGNORED_BY_DEFAULT & bit(sig) != 0)
}

/// Ends every thread of `p` with `status` (a wait status): SIGKILL and fatal signals.
pub fn kill_process(p: &Process, status: i32) {
    // A parent in vfork sleeps on its child's queue: wake it through every child's.
    for c in p.children.lock().iter() {
        c.events.wake_all();
    }
    {
        let mut s = p.sig.lock();
        if s.group_exit.is_none() {
            s.group_exit = Some(status);
        }
        s.stopped = false;
    }
    for t in p.threads.lock().iter() {
        kick(t);
    }
    p.events.wake_all();
}

/// What every send does first: nothing for signal 0, a zombie or a bad number; SIGKILL ends
/// the process at once; SIGCONT and stop signals cancel each other (`prepare`). True if the
/// signal is still to be queued.
fn start_send(p: &Arc<Process>, sig: u32) -> bool {
    if sig == 0 || sig as usize > super::NSIG || p.is_zombie() {
        return false;
    }
    if sig == SIGKILL {
        kill_process(p, SIGKILL as i32);
        return false;
    }
    prepare(p, sig);
    true
}

/// Sends a process-directed signal. Safe from interrupt handlers.
pub fn send_to_process(p: &Arc<Process>, info: SigInfo) {
    let sig = info.signo;
    if !start_send(p, sig) {
        return;
    }
    let act = action(p, sig);
    let threads = p.threads.lock().clone();
    let blocked_everywhere = threads.iter().all(|t| {
        t.user()
            .is_some_and(|u| u.sigmask.load(Ordering::Acquire) & bit(sig) != 0)
    });
    let awaited = |t: &Arc<Thread>| {
        t.user()
            .is_some_and(|u| u.sig.lock().waiting_for & bit(sig) != 0)
    };
    if is_ignored(&act, sig) && !blocked_everywhere && !threads.iter().any(awaited) {
        return;
    }
    p.sig.lock().pending.add(info);
    // Wake a thread that can take it: one waiting for it in sigtimedwait, else the first
    // that does not block it.
    let target = threads.iter().find(|t| awaited(t)).or_else(|| {
        threads.iter().find(|t| {
            t.user()
                .is_some_and(|u| u.sigmask.load(Ordering::Acquire) & bit(sig) == 0)
        })
    });
    if let Some(t) = target {
        kick(t);
    }
}

/// Sends a thread-directed signal (tkill, tgkill, faults, SIGPIPE). Safe from interrupt
/// handlers.
pub fn send_to_thread(t: &Arc<Thread>, info: SigInfo) {
    let Some(u) = t.user() else { return };
    let p = &u.process;
    let sig = info.signo;
    if !start_send(p, sig) {
        return;
    }
    let blocked = u.sigmask.load(Ordering::Acquire) & bit(sig) != 0;
    let awaited = u.sig.lock().waiting_for & bit(sig) != 0;
    if is_ignored(&action(p, sig), sig) && !blocked && !awaited {
        return;
    }
    u.sig.lock().pending.add(info);
    if !blocked || awaited {
        kick(t);
    }
}

/// Linux's `prepare_signal`: SIGCONT resumes a stopped process and drops pending stop
/// signals; a stop signal drops a pending SIGCONT.
fn prepare(p: &Arc<Process>, sig: u32) {
    if sig == SIGCONT {
        let was_stopped = {
            let mut s = p.sig.lock();
            s.pending.discard(STOP_SIGNALS);
            core::mem::replace(&mut s.stopped, false)
        };
        for t in p.threads.lock().iter() {
            if let Some(u) = t.user() {
                u.sig.lock().pending.discard(STOP_SIGNALS);
            }
        }
        if was_stopped {
            {
                let mut r = p.report.lock();
                r.stopped = None;
                r.continued = true;
            }
            notify_parent(p, code::CLD_CONTINUED, SIGCONT as i32);
            p.events.wake_all();
        }
    } else if STOP_SIGNALS & bit(sig) != 0 {
        p.sig.lock().pending.discard(bit(SIGCONT));
        for t in p.threads.lock().iter() {
            if let Some(u) = t.user() {
                u.sig.lock().pending.discard(bit(SIGCONT));
            }
        }
    }
}

/// The SIGCHLD (or exit signal) `siginfo` for a change of child `p`.
fn child_info(p: &Process, why: i32, status: i32) -> SigInfo {
    let (u, s) = p.usage.cpu_ns();
    let exited = why == code::CLD_EXITED || why == code::CLD_KILLED || why == code::CLD_DUMPED;
    SigInfo {
        signo: if exited { p.exit_signal } else { SIGCHLD },
        code: why,
        pid: p.pid,
        uid: p.cred.lock().uid,
        status,
        // clock_t in USER_HZ (100) ticks.
        utime: (u / 10_000_000) as i64,
        stime: (s / 10_000_000) as i64,
        fields: Fields::Child,
        ..Default::default()
    }
}

/// Tells the parent that `p` stopped, continued or exited: SIGCHLD (or the exit signal) unless
/// the parent asked not to hear of stops, and a wake-up of its `wait`.
pub fn notify_parent(p: &Process, why: i32, status: i32) {
    let Some(parent) = p.parent.lock().upgrade() else {
        return;
    };
    let info = child_info(p, why, status);
    let act = action(&parent, SIGCHLD);
    let quiet_stops = act.sa_flags & SA_NOCLDSTOP != 0
        && (why == code::CLD_STOPPED || why == code::CLD_CONTINUED);
    if info.signo != 0 && !quiet_stops {
        send_to_process(&parent, info);
    }
    parent.child_wait.wake_all();
}

/// Whether the parent's SIGCHLD disposition is SIG_IGN.
pub fn parent_ignores_sigchld(parent: &Process) -> bool {
    action(parent, SIGCHLD).sa_handler == SIG_IGN
}

/// SIGCHLD for a child that already reaped itself (SA_NOCLDWAIT): the signal only.
pub fn notify_parent_exit_only(parent: &Arc<Process>, p: &Process, why: i32, status: i32) {
    let info = child_info(p, why, status);
    if info.signo != 0 {
        send_to_process(parent, info);
    }
}

/// Whether a parent's SIGCHLD disposition makes its children reap themselves (SIG_IGN or
/// SA_NOCLDWAIT).
pub fn parent_autoreaps(parent: &Process) -> bool {
    let act = action(parent, SIGCHLD);
    act.sa_handler == SIG_IGN || act.sa_flags & SA_NOCLDWAIT != 0
}

/// Takes the next deliverable signal of the current thread: synchronous ones first, then the
/// lowest number; the thread's own pending set before the process's.
fn dequeue(u: &UserCtx, mask: u64) -> Option<SigInfo> {
    let pick = |set: u64| -> Option<u32> {
        let avail = set & !mask;
        if avail == 0 {
            return None;
        }
        let sync = avail & SYNCHRONOUS;
        let from = if sync != 0 { sync } else { avail };
        Some(from.trailing_zeros() + 1)
    };
    {
        let mut mine = u.sig.lock();
        if let Some(sig) = pick(mine.pending.set) {
            return mine.pending.take(sig);
        }
    }
    let mut shared = u.process.sig.lock();
    let sig = pick(shared.pending.set)?;
    shared.pending.take(sig)
}

/// Takes a pending signal from `set` (rt_sigtimedwait), or None.
pub fn dequeue_from(u: &UserCtx, set: u64) -> Option<SigInfo> {
    let info = dequeue(u, !set);
    if let Some(t) = crate::sched::current_if_user() {
        recalc(&t);
    }
    info
}

/// The pending signals of the calling thread (its own and its process's).
pub fn pending_set(u: &UserCtx) -> u64 {
    u.sig.lock().pending.set | u.process.sig.lock().pending.set
}

/// Sets the calling thread's mask (SIGKILL and SIGSTOP never blocked) and re-evaluates what
/// is deliverable.
pub fn set_mask(t: &Thread, mask: u64) {
    if let Some(u) = t.user() {
        u.sigmask
            .store(SigSet(mask).blockable().0, Ordering::Release);
        recalc(t);
    }
}

/// A stopped thread sleeps until SIGCONT or SIGKILL (both wake `events`). The sleep is
/// uninterruptible: the thread's pending flag stays set while the group is stopped.
fn stop_current_until_continued(p: &Process) {
    p.events.wait_uninterruptible(|| {
        let s = p.sig.lock();
        !s.stopped || s.group_exit.is_some()
    });
}

/// The restart decision for a system call that was interrupted, Linux's
/// `handle_signal`/`do_signal` tail. `handler` is the action of the signal being delivered,
/// or None if none is.
fn fix_syscall_return(frame: &mut TrapFrame, handler: Option<&SigAction>) {
    if frame.vector != SYSCALL_VECTOR || frame.error_code == u64::MAX {
        return;
    }
    let ret = frame.rax as i64;
    let restart = |frame: &mut TrapFrame| {
        frame.rax = frame.error_code;
        frame.rip -= 2; // back onto the `syscall` instruction
    };
    let err = [
        Errno::ERESTARTSYS,
        Errno::ERESTARTNOINTR,
        Errno::ERESTARTNOHAND,
    ]
    .into_iter()
    .find(|e| e.as_ret() as i64 == ret);
    match (err, handler) {
        (Some(Errno::ERESTARTNOHAND), Some(_)) => frame.rax = Errno::EINTR.as_ret() as u64,
        (Some(Errno::ERESTARTSYS), Some(a)) if a.sa_flags & SA_RESTART == 0 => {
            frame.rax = Errno::EINTR.as_ret() as u64
        }
        (Some(e), _) if e.is_restart() => restart(frame),
        _ => {}
    }
    // Handled once: a second pass (another signal) must not restart again.
    frame.error_code = u64::MAX;
}

/// Signal work on every return to user mode: group exit, group stop, then delivery.
pub fn on_return_to_user(frame: &mut TrapFrame) {
    let Some(t) = crate::sched::current_if_user() else {
        return;
    };
    if !t.signal_pending() {
        restore_saved_mask(&t);
        return;
    }
    let u = t.user().expect("current_if_user gives user threads");
    let p = u.process.clone();
    let mut delivered = false;
    loop {
        let group_exit = p.sig.lock().group_exit;
        if let Some(status) = group_exit {
            drop(t);
            super::exit::exit_thread_in_group_exit(status);
        }
        if u.kill_pending.load(Ordering::Acquire) {
            drop(t);
            super::exit::exit_thread(SIGKILL as i32);
        }
        if p.sig.lock().stopped {
            stop_current_until_continued(&p);
            continue;
        }
        let saved = u.sig.lock().saved_mask;
        let mask = u.sigmask.load(Ordering::Acquire);
        let Some(info) = dequeue(u, mask) else { break };
        let sig = info.signo;
        let act = action(&p, sig);
        if act.sa_handler == SIG_IGN {
            continue;
        }
        if act.sa_handler == SIG_DFL {
            let b = bit(sig);
            if IGNORED_BY_DEFAULT & b != 0 {
                continue;
            }
            if STOP_SIGNALS & b != 0 {
                group_stop(&p, sig);
                continue;
            }
            let mut status = sig as i32;
            if CORE_SIGNALS & b != 0 && p.rlimit(keel_abi::resource::RLIMIT_CORE) >= 4096 {
                // Linux sets the core bit when it writes a dump; Keel writes none (no file
                // system to keep it on yet) but reports as Linux would with the limit set.
                status |= 0x80;
            }
            drop(t);
            super::exit::exit_group_status(status);
        }
        // A handler.
        fix_syscall_return(frame, Some(&act));
        let old_mask = saved.unwrap_or(mask);
        u.sig.lock().saved_mask = None;
        if act.sa_flags & SA_RESETHAND != 0 {
            p.sigactions.lock()[sig as usize - 1] = SigAction::default();
        }
        match frame::setup(&t, frame, &info, &act, old_mask) {
            Ok(()) => {
                let mut new_mask = mask | act.sa_mask.0;
                if act.sa_flags & SA_NODEFER == 0 {
                    new_mask |= bit(sig);
                }
                set_mask(&t, new_mask);
            }
            Err(_) => {
                // No room for the frame: Linux's force_sigsegv.
                force_fault(&t, SigInfo::kernel(SIGSEGV));
                continue;
            }
        }
        // Like Linux, go on: another deliverable signal gets its frame on top of this one, so
        // its handler runs first.
        recalc(&t);
        delivered = true;
        if !t.signal_pending() {
            break;
        }
    }
    if !delivered {
        fix_syscall_return(frame, None);
        restore_saved_mask(&t);
    }
    recalc(&t);
}

fn restore_saved_mask(t: &Thread) {
    if let Some(u) = t.user() {
        let saved = u.sig.lock().saved_mask.take();
        if let Some(m) = saved {
            set_mask(t, m);
        }
    }
}

/// Stops the process for `sig` (the last thread to notice reports it to the parent).
fn group_stop(p: &Arc<Process>, sig: u32) {
    let first = {
        let mut s = p.sig.lock();
        !core::mem::replace(&mut s.stopped, true)
    };
    if first {
        p.report.lock().stopped = Some(sig);
        p.report.lock().continued = false;
        for t in p.threads.lock().iter() {
            kick(t);
        }
        notify_parent(p, code::CLD_STOPPED, sig as i32);
    }
}

/// Forces a synchronous signal on the current thread: if it is blocked or ignored, the
/// disposition goes back to the default and the mask lets it through (Linux's
/// `force_sig_info`), so a fault can never loop.
pub fn force_fault(t: &Arc<Thread>, info: SigInfo) {
    let Some(u) = t.user() else { return };
    let sig = info.signo;
    let b = bit(sig);
    {
        let mut acts = u.process.sigactions.lock();
        let a = &mut acts[sig as usize - 1];
        let blocked = u.sigmask.load(Ordering::Acquire) & b != 0;
        if a.sa_handler == SIG_IGN || blocked {
            *a = SigAction::default();
        }
    }
    u.sigmask.fetch_and(!b, Ordering::AcqRel);
    u.sig.lock().pending.add(info);
    t.set_signal_pending(true);
}

/// A user-mode exception: the signal Linux sends for it, delivered on the way out.
pub fn user_exception(frame: &mut TrapFrame, fault: Option<crate::mm::aspace::FaultError>) {
    use crate::mm::aspace::FaultError;
    let Some(t) = crate::sched::current_if_user() else {
        return;
    };
    let cr2 = crate::arch::x86_64::cpu::cr2();
    let mut info = match frame.vector {
        0 => SigInfo::fault(SIGFPE, code::FPE_INTDIV, frame.rip),
        16 | 19 => SigInfo::fault(SIGFPE, code::FPE_FLTINV, frame.rip),
        1 | 3 => SigInfo {
            code: code::SI_KERNEL,
            ..SigInfo::kernel(SIGTRAP)
        },
        6 => SigInfo::fault(SIGILL, code::ILL_ILLOPN, frame.rip),
        17 => SigInfo::fault(SIGBUS, code::BUS_ADRERR, frame.rip),
        14 if fault == Some(FaultError::PastEof) => SigInfo::fault(SIGBUS, code::BUS_ADRERR, cr2),
        14 => {
            let c = match fault {
                Some(FaultError::Protection) => code::SEGV_ACCERR,
                _ => code::SEGV_MAPERR,
            };
            SigInfo::fault(SIGSEGV, c, cr2)
        }
        _ => SigInfo::kernel(SIGSEGV), // #GP and friends: SI_KERNEL, no address
    };
    info.trapno = frame.vector;
    info.err = frame.error_code;
    if frame.vector == 14 {
        info.addr = cr2;
    }
    let act = action(&t.user().expect("user thread").process, info.signo);
    if act.sa_handler == SIG_DFL {
        // Linux's show_unhandled_signals line, for a fault that will kill.
        crate::println!(
            "keel: {}[{}]: {} at {:#x} ip {:#x} sp {:#x} error {:#x}",
            t.name(),
            t.tid(),
            crate::arch::x86_64::trap::exception_name(frame.vector),
            if frame.vector == 14 { cr2 } else { frame.rip },
            frame.rip,
            frame.rsp,
            frame.error_code
        );
    }
    force_fault(&t, info);
}

/// Sends SIGPIPE to the calling thread (a write to a pipe or socket without readers).
pub fn send_sigpipe() {
    if let Some(t) = crate::sched::current_if_user() {
        let (pid, uid) = t
            .user()
            .map(|u| (u.process.pid, u.process.cred.lock().uid))
            .unwrap_or((0, 0));
        send_to_thread(&t, SigInfo::user(SIGPIPE, code::SI_USER, pid, uid));
    }
}

/// Discards pending instances of `sig` in `p` and its threads (rt_sigaction to SIG_IGN).
pub fn discard_pending(p: &Process, sig: u32) {
    p.sig.lock().pending.discard(bit(sig));
    for t in p.threads.lock().iter() {
        if let Some(u) = t.user() {
            u.sig.lock().pending.discard(bit(sig));
        }
    }
}

/// Sends `sig` to every process of group `pgrp` (SI_KERNEL: a terminal's ^C, ^\, ^Z).
pub fn send_to_group(pgrp: u32, sig: u32) {
    for p in super::all_processes() {
        if p.pgid.load(Ordering::Acquire) == pgrp {
            send_to_process(&p, SigInfo::kernel(sig));
        }
    }
}

/// Signals raised in interrupt context wait here for the signal worker thread, which sends
/// them from thread context (sending takes locks interrupt handlers must not).
static DEFERRED: crate::sync::IrqSpinLock<VecDeque<(u32, u32)>> =
    crate::sync::IrqSpinLock::new(VecDeque::new());
static DEFERRED_WQ: crate::sched::WaitQueue = crate::sched::WaitQueue::new();

/// From an interrupt handler: `sig` for process group `pgrp`, sent soon by the worker.
pub fn send_to_group_deferred(pgrp: u32, sig: u32) {
    DEFERRED.lock().push_back((pgrp, sig));
    DEFERRED_WQ.wake_all();
}

/// Starts the signal worker (at boot, once the scheduler runs).
pub fn start_worker() {
    let _ = crate::sched::spawn("ksignald", || loop {
        DEFERRED_WQ.wait_uninterruptible(|| !DEFERRED.lock().is_empty());
        loop {
            let next = DEFERRED.lock().pop_front();
            let Some((pgrp, sig)) = next else { break };
            send_to_group(pgrp, sig);
        }
    });
}

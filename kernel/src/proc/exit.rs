//! Ending threads and processes, zombies, orphans, and `wait`.
//!
//! `exit` ends one thread; the last thread out ends the process. `exit_group` (and a fatal
//! signal) marks the whole group as exiting with one status and kicks every other thread, each
//! of which leaves at its next return to user mode (or as soon as its interruptible sleep
//! ends). A thread's exit clears and wakes its `clear_child_tid` word (how `pthread_join`
//! learns of it). A process's exit closes its files (unless shared), lets go of its address
//! space, hands its children to PID 1, and leaves a zombie holding the wait status until the
//! parent reaps it, or reaps itself if the parent ignores SIGCHLD.
#![forbid(unsafe_code)]

use alloc::sync::Arc;
use alloc::vec::Vec;
use core::sync::atomic::Ordering;

use keel_abi::{Errno, KResult};

use super::signal::{self, code};
use super::Process;

/// exit(2) of the calling thread with wait status `status`.
pub fn exit_thread(status: i32) -> ! {
    let t = crate::sched::current();
    if let Some(u) = t.user() {
        let p = u.process.clone();
        // CLONE_CHILD_CLEARTID / set_tid_address: zero the word and wake one waiter.
        let ctid = u.clear_child_tid.swap(0, Ordering::AcqRel);
        if ctid != 0
            && p.live_threads.load(Ordering::Acquire) > 0
            && crate::mm::usercopy::UserPtr::<u32>::new(ctid)
                .write(0)
                .is_ok()
        {
            let _ = crate::proc::futex::wake_address(&p, ctid, 1);
        }
        if t.tid() == p.pid || p.live_threads.load(Ordering::Acquire) == 1 {
            p.keep_comm(t.name_bytes());
        }
        p.threads.lock().retain(|x| !Arc::ptr_eq(x, &t));
        p.events.wake_all();
        if p.live_threads.fetch_sub(1, Ordering::AcqRel) == 1 {
            let status = p.sig.lock().group_exit.unwrap_or(status);
            p.exit_code.store(status, Ordering::Release);
            process_exit(&p, status);
        }
    }
    drop(t);
    crate::sched::exit_current()
}

/// exit_group(2), or a fatal signal: every thread ends, the process with `status`.
pub fn exit_group_status(status: i32) -> ! {
    if let Some(t) = crate::sched::current_if_user() {
        let p = t.user().expect("user thread").process.clone();
        drop(t);
        signal::kill_process(&p, status);
    }
    exit_thread(status)
}

/// exit_group(2) with an exit code (the low 8 bits).
pub fn exit_group(code: i32) -> ! {
    exit_group_status(code)
}

/// A thread that finds its group exiting leaves with the group's status.
pub fn exit_thread_in_group_exit(status: i32) -> ! {
    exit_thread(status)
}

/// Tears a finished process down and leaves its zombie for the parent.
fn process_exit(p: &Arc<Process>, status: i32) {
    signal::disarm_timer(p);
    // Files: drop our reference to the table; the last reference closes them.
    let fds = p.fds_take();
    drop(fds);
    // The address space: we still run on its tables, so switch to the kernel's first.
    crate::arch::x86_64::paging::activate_kernel_tables();
    let mm = p.release_mm();
    drop(mm);
    release_vfork_parent(p);
    if p.pid == 1 {
        super::init::init_exited(status);
    }
    reparent_children(p);
    let why = if status & 0x7f == 0 {
        code::CLD_EXITED
    } else if status & 0x80 != 0 {
        code::CLD_DUMPED
    } else {
        code::CLD_KILLED
    };
    let si_status = if why == code::CLD_EXITED {
        (status >> 8) & 0xff
    } else {
        status & 0x7f
    };
    let parent = p.parent.lock().upgrade();
    if parent.is_none() {
        // Nobody can wait for it (a kernel-made process).
        p.report.lock().zombie = Some(status);
        super::forget(p.pid);
        return;
    }
    let autoreap = parent
        .as_ref()
        .is_some_and(|par| par.pid != 0 && signal::parent_autoreaps(par) && p.exit_signal == 17);
    p.report.lock().zombie = Some(status);
    if autoreap {
        if let Some(par) = &parent {
            reap(par, p);
            // SA_NOCLDWAIT with a handler still hears of the exit; SIG_IGN does not.
            if !signal::parent_ignores_sigchld(par) {
                signal::notify_parent_exit_only(par, p, why, si_status);
            }
            par.child_wait.wake_all();
        }
        return;
    }
    signal::notify_parent(p, why, si_status);
}

/// A vfork child is done with its parent's memory (exec or exit).
pub fn release_vfork_parent(p: &Process) {
    if !p.vfork_done.swap(true, Ordering::AcqRel) {
        p.events.wake_all();
    }
}

/// Hands `p`'s children to PID 1 (Linux's `forget_original_parent`).
fn reparent_children(p: &Arc<Process>) {
    let kids: Vec<Arc<Process>> = core::mem::take(&mut *p.children.lock());
    if kids.is_empty() {
        return;
    }
    let Some(init) = super::by_pid(1) else {
        for k in &kids {
            super::forget(k.pid);
        }
        return;
    };
    let mut any_zombie = false;
    for k in &kids {
        *k.parent.lock() = Arc::downgrade(&init);
        k.ppid.store(1, Ordering::Release);
        any_zombie |= k.is_zombie();
        // PR_SET_PDEATHSIG: the child asked to hear of its parent's death.
        let threads = k.threads.lock().clone();
        for t in &threads {
            let sig = t.user().map(|u| u.prctl.lock().pdeathsig).unwrap_or(0);
            if sig != 0 {
                signal::send_to_thread(t, super::SigInfo::kernel(sig));
            }
        }
    }
    init.children.lock().extend(kids);
    if any_zombie {
        init.child_wait.wake_all();
    }
}

/// Removes a zombie child for good, adding its CPU time to the parent's children's time.
fn reap(parent: &Process, child: &Arc<Process>) {
    parent.children.lock().retain(|c| !Arc::ptr_eq(c, child));
    let (pu, cu) = (&parent.child_usage, &child.usage);
    let gu = &child.child_usage;
    for (mine, a, b) in [
        (&pu.user_ticks, &cu.user_ticks, &gu.user_ticks),
        (&pu.system_ticks, &cu.system_ticks, &gu.system_ticks),
        (&pu.minor_faults, &cu.minor_faults, &gu.minor_faults),
        (
            &pu.voluntary_switches,
            &cu.voluntary_switches,
            &gu.voluntary_switches,
        ),
        (
            &pu.involuntary_switches,
            &cu.involuntary_switches,
            &gu.involuntary_switches,
        ),
    ] {
        mine.fetch_add(
            a.load(Ordering::Relaxed) + b.load(Ordering::Relaxed),
            Ordering::Relaxed,
        );
    }
    super::forget(child.pid);
}

/// Which children a wait is for.
#[derive(Clone, Copy, Debug)]
pub enum Which {
    Any,
    Pid(u32),
    Pgid(u32),
}

/// `wait` options (Linux's bits).
pub const WNOHANG: u32 = 1;
pub const WUNTRACED: u32 = 2;
pub const WSTOPPED: u32 = 2;
pub const WEXITED: u32 = 4;
pub const WCONTINUED: u32 = 8;
pub const WNOWAIT: u32 = 0x0100_0000;
pub const WNOTHREAD: u32 = 0x2000_0000;
pub const WALL: u32 = 0x4000_0000;
pub const WCLONE: u32 = 0x8000_0000;

/// What a wait found.
#[derive(Clone, Copy, Debug)]
pub struct Found {
    pub pid: u32,
    pub uid: u32,
    /// The wait(2) status word.
    pub status: i32,
    /// CLD_* for waitid.
    pub code: i32,
    /// si_status for waitid: exit code or signal.
    pub si_status: i32,
    pub utime: u64,
    pub stime: u64,
}

fn matches(which: Which, c: &Process) -> bool {
    match which {
        Which::Any => true,
        Which::Pid(pid) => c.pid == pid,
        Which::Pgid(g) => c.pgid.load(Ordering::Acquire) == g,
    }
}

/// Looks once for a child in a reportable state; `Err(ECHILD)` if no child matches at all.
fn try_wait(p: &Process, which: Which, options: u32) -> KResult<Option<Found>> {
    let kids: Vec<Arc<Process>> = p
        .children
        .lock()
        .iter()
        .filter(|c| matches(which, c))
        .cloned()
        .collect();
    if kids.is_empty() {
        return Err(Errno::ECHILD);
    }
    for c in &kids {
        let uid = c.cred.lock().uid;
        let (ut, st) = c.usage.cpu_ns();
        let found = |status: i32, code: i32, si_status: i32| Found {
            pid: c.pid,
            uid,
            status,
            code,
            si_status,
            utime: ut,
            stime: st,
        };
        let mut r = c.report.lock();
        if let Some(status) = r.zombie {
            if options & WEXITED == 0 {
                continue;
            }
            drop(r);
            let f = if status & 0x7f == 0 {
                found(status, code::CLD_EXITED, (status >> 8) & 0xff)
            } else if status & 0x80 != 0 {
                found(status, code::CLD_DUMPED, status & 0x7f)
            } else {
                found(status, code::CLD_KILLED, status & 0x7f)
            };
            if options & WNOWAIT == 0 {
                reap(p, c);
            }
            return Ok(Some(f));
        }
        if options & WSTOPPED != 0 {
            if let Some(sig) = r.stopped {
                if options & WNOWAIT == 0 {
                    r.stopped = None;
                }
                return Ok(Some(found(
                    ((sig as i32) << 8) | 0x7f,
                    code::CLD_STOPPED,
                    sig as i32,
                )));
            }
        }
        if options & WCONTINUED != 0 && r.continued {
            if options & WNOWAIT == 0 {
                r.continued = false;
            }
            return Ok(Some(found(
                0xffff,
                code::CLD_CONTINUED,
                keel_abi::signal::SIGCONT as i32,
            )));
        }
    }
    Ok(None)
}

/// The common part of wait4 and waitid: `Ok(None)` for WNOHANG with nothing to report.
pub fn wait(p: &Arc<Process>, which: Which, options: u32) -> KResult<Option<Found>> {
    loop {
        if let Some(f) = try_wait(p, which, options)? {
            return Ok(Some(f));
        }
        if options & WNOHANG != 0 {
            return Ok(None);
        }
        let mut ready = false;
        p.child_wait
            .wait_until(
                || {
                    ready = matches!(try_peek(p, which, options), Ok(true) | Err(_));
                    ready
                },
                None,
            )
            .map_err(crate::fs::readiness::interrupted_restarts)?;
    }
}

/// Whether [`try_wait`] would find something (without reaping).
fn try_peek(p: &Process, which: Which, options: u32) -> KResult<bool> {
    let kids = p.children.lock();
    let mut any = false;
    for c in kids.iter().filter(|c| matches(which, c)) {
        any = true;
        let r = c.report.lock();
        if (r.zombie.is_some() && options & WEXITED != 0)
            || (r.stopped.is_some() && options & WSTOPPED != 0)
            || (r.continued && options & WCONTINUED != 0)
        {
            return Ok(true);
        }
    }
    if any {
        Ok(false)
    } else {
        Err(Errno::ECHILD)
    }
}

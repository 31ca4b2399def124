//! fork, vfork and clone: new processes and new threads.
//!
//! One function, [`clone`], serves them all with Linux's flags: `CLONE_VM` shares the address
//! space (else it is copied, copy-on-write), `CLONE_FILES` the fd table (else copied, the
//! copies sharing open file descriptions), `CLONE_FS` root/cwd/umask, `CLONE_SIGHAND` the
//! signal dispositions, `CLONE_THREAD` makes a thread of the same process, `CLONE_VFORK`
//! suspends the parent until the child execs or exits. `CLONE_SYSVSEM` and musl's obsolete
//! `CLONE_DETACHED` are accepted and ignored (no System V semaphores; detaching is the default). The TID flags write the new id where
//! asked; `CLONE_SETTLS` gives the new thread its FS base.
//!
//! The child starts by returning 0 from the same system call: it enters user mode with a copy
//! of the parent's trap frame (with `rax = 0`, and the new stack if one was given).
#![forbid(unsafe_code)]

use alloc::sync::Arc;
use core::sync::atomic::Ordering;

use keel_abi::{Errno, KResult};

use super::{make_process, Parts, Process, UserCtx};
use crate::arch::x86_64::trap::TrapFrame;
use crate::sched::Thread;
use crate::sync::{IrqSpinLock, SpinLock};

pub const CLONE_VM: u64 = 0x100;
pub const CLONE_FS: u64 = 0x200;
pub const CLONE_FILES: u64 = 0x400;
pub const CLONE_SIGHAND: u64 = 0x800;
pub const CLONE_PIDFD: u64 = 0x1000;
pub const CLONE_VFORK: u64 = 0x4000;
pub const CLONE_PARENT: u64 = 0x8000;
pub const CLONE_THREAD: u64 = 0x10000;
pub const CLONE_SETTLS: u64 = 0x80000;
pub const CLONE_PARENT_SETTID: u64 = 0x100000;
pub const CLONE_CHILD_CLEARTID: u64 = 0x200000;
pub const CLONE_CHILD_SETTID: u64 = 0x1000000;
/// Namespace and cgroup flags: refused (EINVAL), as a kernel without them would.
const CLONE_UNSUPPORTED: u64 = 0x7e02_0000 | CLONE_PIDFD | 0x2_0000_0000;

/// The arguments of clone(2).
pub struct CloneArgs {
    pub flags: u64,
    pub stack: u64,
    pub parent_tid: u64,
    pub child_tid: u64,
    pub tls: u64,
}

/// Frames that must stay free for a fork to go ahead (4 MiB).
const MIN_FREE_FRAMES: usize = 1024;

/// Linux's `max_threads`: one task per 128 KiB of memory, at least 20.
fn max_tasks() -> usize {
    (crate::mm::frames::total_frames() * 4096 / (128 << 10)).max(20)
}

/// Counts the tasks (threads) the real user `uid` has, for RLIMIT_NPROC.
fn tasks_of_user(uid: u32) -> u64 {
    super::all_processes()
        .iter()
        .filter(|p| !p.is_zombie() && p.cred.lock().uid == uid)
        .map(|p| p.live_threads.load(Ordering::Relaxed) as u64)
        .sum()
}

/// clone(2) and its special cases fork(2) and vfork(2). Returns the child's id.
pub fn clone(parent_thread: &Arc<Thread>, args: CloneArgs, frame: &TrapFrame) -> KResult<usize> {
    let flags = args.flags;
    let pu = parent_thread.user().ok_or(Errno::EINVAL)?;
    let parent = pu.process.clone();
    if flags & CLONE_UNSUPPORTED != 0 {
        return Err(Errno::EINVAL);
    }
    if flags & CLONE_THREAD != 0 && flags & CLONE_SIGHAND == 0
        || flags & CLONE_SIGHAND != 0 && flags & CLONE_VM == 0
    {
        return Err(Errno::EINVAL);
    }
    let cred = parent.cred.lock().clone();
    if cred.uid != 0 && tasks_of_user(cred.uid) >= parent.rlimit(keel_abi::resource::RLIMIT_NPROC) {
        return Err(Errno::EAGAIN);
    }
    // Linux's threads-max (one task per 128 KiB of RAM) binds root too; and a new task needs
    // a kernel stack and page tables, so it is refused while memory is nearly gone rather than
    // leaving the kernel without any (a fork bomb then gets EAGAIN and the shell lives on).
    if super::thread_count() >= max_tasks() || crate::mm::frames::free_frames() < MIN_FREE_FRAMES {
        return Err(Errno::EAGAIN);
    }

    let tid = crate::sched::thread::alloc_tid();
    let process = if flags & CLONE_THREAD != 0 {
        parent.clone()
    } else {
        let mm = if flags & CLONE_VM != 0 {
            parent.mm()
        } else {
            Arc::new(parent.mm().fork().ok_or(Errno::ENOMEM)?)
        };
        let fds = if flags & CLONE_FILES != 0 {
            parent.fds()
        } else {
            Arc::new(parent.fds().fork())
        };
        let fs = if flags & CLONE_FS != 0 {
            parent.fs.clone()
        } else {
            Arc::new(SpinLock::new(parent.fs.lock().clone()))
        };
        let sigactions = if flags & CLONE_SIGHAND != 0 {
            parent.sigactions.clone()
        } else {
            Arc::new(IrqSpinLock::new(*parent.sigactions.lock()))
        };
        let real_parent = if flags & CLONE_PARENT != 0 {
            parent
                .parent
                .lock()
                .upgrade()
                .unwrap_or_else(|| parent.clone())
        } else {
            parent.clone()
        };
        let limits = *parent.limits.lock();
        make_process(Parts {
            pid: tid,
            parent: Some(real_parent),
            pgid: parent.pgid.load(Ordering::Acquire),
            sid: parent.sid.load(Ordering::Acquire),
            mm,
            fds,
            fs,
            cred,
            sigactions,
            limits,
            exit_signal: (flags & 0xff) as u32,
            ctty: parent.ctty.lock().clone(),
        })
    };

    let ctx = UserCtx::new(process.clone()).ok_or(Errno::ENOMEM)?;
    ctx.fs_base.store(
        if flags & CLONE_SETTLS != 0 {
            args.tls
        } else {
            pu.fs_base.load(Ordering::Relaxed)
        },
        Ordering::Relaxed,
    );
    ctx.gs_base
        .store(pu.gs_base.load(Ordering::Relaxed), Ordering::Relaxed);
    ctx.sigmask
        .store(pu.sigmask.load(Ordering::Relaxed), Ordering::Relaxed);
    if flags & CLONE_THREAD == 0 {
        *ctx.altstack.lock() = *pu.altstack.lock();
    }
    *ctx.prctl.lock() = super::PrctlState {
        pdeathsig: 0,
        ..*pu.prctl.lock()
    };
    // The parent's FPU registers are live: save them, then give the child a copy.
    pu.fpu.save();
    ctx.fpu.copy_from(&pu.fpu);
    if flags & CLONE_CHILD_CLEARTID != 0 {
        ctx.clear_child_tid.store(args.child_tid, Ordering::Relaxed);
    }

    let mut child_frame = *frame;
    child_frame.rax = 0;
    if args.stack != 0 {
        child_frame.rsp = args.stack;
    }
    let set_child_tid = (flags & CLONE_CHILD_SETTID != 0).then_some(args.child_tid);
    let thread = Thread::new_user(&parent_thread.name(), ctx, Some(tid), move || {
        child_start(child_frame, set_child_tid, tid)
    });
    let Some(thread) = thread else {
        undo(&parent, &process, flags);
        return Err(Errno::ENOMEM);
    };
    if flags & CLONE_PARENT_SETTID != 0 {
        // Written in the parent's memory (which a thread or CLONE_VM child shares).
        let _ = crate::mm::usercopy::UserPtr::<u32>::new(args.parent_tid).write(tid);
    }
    process.live_threads.fetch_add(1, Ordering::AcqRel);
    process.threads.lock().push(thread.clone());
    crate::sched::spawn_thread(thread);

    if flags & CLONE_VFORK != 0 && flags & CLONE_THREAD == 0 {
        // The parent sleeps until the child has exec'd or exited; like Linux's killable
        // wait, only its own death (SIGKILL, a fatal signal) ends the sleep early.
        let me = parent.clone();
        let _ = process.events.wait_uninterruptible_or(
            || process.vfork_done.load(Ordering::Acquire),
            || me.sig.lock().group_exit.is_some(),
        );
    }
    Ok(tid as usize)
}

/// Drops a process that never got its first thread.
fn undo(parent: &Arc<Process>, child: &Arc<Process>, flags: u64) {
    if flags & CLONE_THREAD == 0 {
        parent.children.lock().retain(|c| !Arc::ptr_eq(c, child));
        super::forget(child.pid);
    }
}

/// The child's first code: write its tid if asked; the copied frame it returns is what the
/// thread enters user mode with.
fn child_start(frame: TrapFrame, set_child_tid: Option<u64>, tid: u32) -> TrapFrame {
    if let Some(addr) = set_child_tid {
        // In the child's own (now active) address space.
        let _ = crate::mm::usercopy::UserPtr::<u32>::new(addr).write(tid);
    }
    frame
}

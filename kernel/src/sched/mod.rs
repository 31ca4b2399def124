//! The scheduler: threads, one run queue, wait queues and timers.
//!
//! The kernel is uniprocessor for now, and not preemptible in kernel mode: a thread runs until
//! it blocks, yields, exits, or (later, for user threads) its time slice ends on a return to
//! user mode. The locks are spinlocks that stay correct on SMP; what would change for SMP is a
//! run queue and a current thread per CPU.
//!
//! Lock order: `SCHED` is a leaf below the wait-queue locks; no lock is held across a switch
//! except by the switching code itself (interrupts stay off across it).

pub mod thread;
pub mod timer;
pub mod waitqueue;

use alloc::collections::VecDeque;
use alloc::sync::Arc;
use core::sync::atomic::{AtomicBool, Ordering};

pub use thread::{State, Thread};
pub use waitqueue::WaitQueue;

use crate::arch::x86_64::trap::TrapFrame;
use crate::arch::x86_64::{context, cpu, gdt, percpu};
use crate::sync::IrqSpinLock;

/// Ticks in a time slice.
const SLICE_TICKS: u64 = 10;

struct Sched {
    run_queue: VecDeque<Arc<Thread>>,
    current: Option<Arc<Thread>>,
    idle: Option<Arc<Thread>>,
    /// A thread that exited; freed by whoever runs next (it cannot free its own stack).
    reap: Option<Arc<Thread>>,
}

static SCHED: IrqSpinLock<Sched> = IrqSpinLock::new(Sched {
    run_queue: VecDeque::new(),
    current: None,
    idle: None,
    reap: None,
});
static NEED_RESCHED: AtomicBool = AtomicBool::new(false);

/// Turns the boot flow into thread 0 and creates the idle thread.
pub fn init() {
    let boot = Thread::bootstrap();
    let idle = Thread::new_kernel("idle", idle_loop).expect("no memory for the idle thread");
    let mut s = SCHED.lock();
    s.current = Some(boot);
    s.idle = Some(idle);
}

fn idle_loop() {
    loop {
        schedule();
        cpu::disable_interrupts();
        if SCHED.lock().run_queue.is_empty() {
            cpu::enable_and_halt();
        }
    }
}

/// The running thread.
pub fn current() -> Arc<Thread> {
    SCHED
        .lock()
        .current
        .clone()
        .expect("scheduler not initialised")
}

/// The running thread, if it is a user thread.
pub fn current_if_user() -> Option<Arc<Thread>> {
    let t = current();
    t.user().is_some().then_some(t)
}

/// Creates a kernel thread running `f` and makes it runnable.
pub fn spawn(name: &str, f: impl FnOnce() + Send + 'static) -> Option<Arc<Thread>> {
    let t = Thread::new_kernel(name, f)?;
    make_runnable(t.clone());
    Some(t)
}

/// Makes a newly created thread runnable.
pub fn spawn_thread(t: Arc<Thread>) {
    make_runnable(t);
}

/// Queues `t`. The running thread keeps the CPU until it blocks or its slice ends (no
/// wake-up preemption): a forked child runs after its parent returns from fork, and a woken
/// thread after the waker blocks or its slice ends, the order Linux gives a fork's parent by
/// default (sched_child_runs_first is 0) and the cheaper one (one switch per hand-off).
fn make_runnable(t: Arc<Thread>) {
    SCHED.lock().run_queue.push_back(t);
}

/// Makes a blocked thread runnable again; no effect on threads that are not blocked. Safe to
/// call from interrupt handlers.
pub fn wake(t: &Arc<Thread>) -> bool {
    if t.transition(State::Blocked, State::Runnable) {
        make_runnable(t.clone());
        true
    } else {
        false
    }
}

/// Gives up the CPU to the next runnable thread, if any.
pub fn yield_now() {
    schedule();
}

/// A voluntary preemption point for long loops in system calls (Linux's `cond_resched`): the
/// kernel is not preemptible, so a syscall that copies gigabytes lets others run between
/// chunks when their turn has come.
pub fn cond_resched() {
    if NEED_RESCHED.load(Ordering::Relaxed) {
        schedule();
    }
}

/// Ends the current thread.
pub fn exit_current() -> ! {
    current().set_state(State::Dead);
    schedule();
    unreachable!("a dead thread was scheduled again");
}

/// Picks the next thread and switches to it. The current thread goes back on the run queue if
/// it is still running; a blocked one stays wherever its waker will find it.
pub fn schedule() {
    let irq = cpu::irq_save();
    let switch = {
        let mut s = SCHED.lock();
        NEED_RESCHED.store(false, Ordering::Relaxed);
        let prev = s.current.take().expect("scheduler not initialised");
        let prev_state = prev.state();
        if let Some(u) = prev.user() {
            let (mine, theirs) = if prev_state == State::Running {
                (
                    &u.usage.involuntary_switches,
                    &u.process.usage.involuntary_switches,
                )
            } else {
                (
                    &u.usage.voluntary_switches,
                    &u.process.usage.voluntary_switches,
                )
            };
            mine.fetch_add(1, Ordering::Relaxed);
            theirs.fetch_add(1, Ordering::Relaxed);
        }
        if prev_state == State::Running && !prev.is_idle() {
            prev.set_state(State::Runnable);
            s.run_queue.push_back(prev.clone());
        }
        let next = match s.run_queue.pop_front() {
            Some(t) => t,
            None => s.idle.clone().expect("no idle thread"),
        };
        next.set_state(State::Running);
        if Arc::ptr_eq(&next, &prev) {
            s.current = Some(next);
            None
        } else {
            gdt::set_kernel_stack(next.kstack_top());
            percpu::set_kernel_rsp(next.kstack_top());
            switch_user_state(&prev, &next);
            CONTEXT_SWITCHES.fetch_add(1, Ordering::Relaxed);
            let save = prev.saved_rsp_ptr();
            let next_rsp = next.saved_rsp();
            s.current = Some(next);
            // The Arc keeping `prev` alive travels with it: on its own stack while it sleeps,
            // or in `reap` if it will never run again.
            let keep = if prev_state == State::Dead {
                s.reap = Some(prev);
                None
            } else {
                Some(prev)
            };
            Some((save, next_rsp, keep))
        }
    };
    if let Some((save, next_rsp, keep)) = switch {
        // SAFETY: interrupts are off; `save` points into `prev`, kept alive by `keep` or
        // `reap`; `next_rsp` was saved by `next`'s last switch or built by `init_stack`.
        unsafe { context::switch(save, next_rsp) };
        drop(keep);
        finish_switch();
    }
    cpu::irq_restore(irq);
}

/// Saves the outgoing thread's user registers the kernel does not touch (FPU, FS base) and
/// loads the incoming one's, with its address space. Kernel threads run on the kernel's page
/// tables, so an exiting process's tables are never live while they are freed.
fn switch_user_state(prev: &Thread, next: &Thread) {
    if let Some(u) = prev.user() {
        u.fpu.save();
    }
    match next.user() {
        Some(u) => {
            u.fpu.restore();
            crate::arch::x86_64::msr::set_user_fs_base(u.fs_base.load(Ordering::Relaxed));
            crate::arch::x86_64::msr::set_user_gs_base(u.gs_base.load(Ordering::Relaxed));
            let root = u.process.cr3();
            if cpu::cr3() != root {
                // SAFETY: the process's tables share the kernel half.
                unsafe { cpu::set_cr3(root) };
            }
        }
        None => {
            let root = crate::arch::x86_64::paging::kernel_root_cached();
            if cpu::cr3() != root {
                // SAFETY: the kernel's own tables.
                unsafe { cpu::set_cr3(root) };
            }
        }
    }
}

/// Runs on the new thread after every switch: frees a thread that exited.
pub(crate) fn finish_switch() {
    let dead = SCHED.lock().reap.take();
    drop(dead);
}

/// Linux's load averages (1, 5, 15 minutes) in 11-bit fixed point, updated every 5 s from the
/// number of runnable and running threads.
static LOADAVG: [core::sync::atomic::AtomicU64; 3] =
    [const { core::sync::atomic::AtomicU64::new(0) }; 3];

/// The load averages, fixed point with 11 fractional bits (what sysinfo(2) reports as
/// `loads << 5`).
pub fn load_averages() -> [u64; 3] {
    [0, 1, 2].map(|i| LOADAVG[i].load(Ordering::Relaxed))
}

fn update_load(s: &Sched) {
    const FIXED_1: u64 = 1 << 11;
    const EXP: [u64; 3] = [1884, 2014, 2037]; // 1/exp(5s/1min), /5min, /15min
    let running = s.current.as_ref().is_some_and(|t| !t.is_idle()) as u64;
    let active = (s.run_queue.len() as u64 + running) * FIXED_1;
    for (avg, e) in LOADAVG.iter().zip(EXP) {
        let old = avg.load(Ordering::Relaxed);
        let new = (old * e + active * (FIXED_1 - e)) / FIXED_1;
        avg.store(new, Ordering::Relaxed);
    }
}

/// Context switches since boot (`/proc/stat`'s `ctxt`).
static CONTEXT_SWITCHES: core::sync::atomic::AtomicU64 = core::sync::atomic::AtomicU64::new(0);
/// Timer ticks the CPU spent in user mode, in the kernel and idle (`/proc/stat`, uptime).
static CPU_TICKS: [core::sync::atomic::AtomicU64; 3] =
    [const { core::sync::atomic::AtomicU64::new(0) }; 3];

/// Charges one timer tick that interrupted `t` (in user mode if `from_user`): to user time,
/// system time, or idle time when `t` is the idle thread.
pub fn charge_cpu_tick(t: &Thread, from_user: bool) {
    let i = if from_user {
        0
    } else if t.is_idle() {
        2
    } else {
        1
    };
    CPU_TICKS[i].fetch_add(1, Ordering::Relaxed);
}

/// Ticks of user, system and idle time since boot.
pub fn cpu_ticks() -> [u64; 3] {
    [0, 1, 2].map(|i| CPU_TICKS[i].load(Ordering::Relaxed))
}

/// Context switches since boot.
pub fn context_switches() -> u64 {
    CONTEXT_SWITCHES.load(Ordering::Relaxed)
}

/// Threads running or waiting to run (`procs_running`, the load average's count).
pub fn runnable_threads() -> usize {
    let s = SCHED.lock();
    s.run_queue.len() + s.current.as_ref().is_some_and(|t| !t.is_idle()) as usize
}

/// Called by the timer interrupt.
pub fn timer_tick() {
    if crate::time::ticks().is_multiple_of(5 * crate::arch::x86_64::apic::TICK_HZ) {
        update_load(&SCHED.lock());
    }
    if crate::time::ticks().is_multiple_of(SLICE_TICKS) && !SCHED.lock().run_queue.is_empty() {
        NEED_RESCHED.store(true, Ordering::Relaxed);
    }
}

/// The checks on every return to user mode: rescheduling, then signals (delivery, group
/// stop and exit, syscall restarts) in `proc::signal`.
pub fn return_to_user_checks(frame: &mut TrapFrame) {
    if NEED_RESCHED.load(Ordering::Relaxed) {
        schedule();
    }
    crate::proc::signal::on_return_to_user(frame);
}

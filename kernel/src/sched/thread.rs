//! Threads: a kernel stack, a saved stack pointer, a state, and what to run first.

use alloc::boxed::Box;
use alloc::sync::Arc;
use core::cell::UnsafeCell;
use core::sync::atomic::{AtomicBool, AtomicU32, AtomicU8, Ordering};

use crate::arch::x86_64::context;
use crate::arch::x86_64::trap::TrapFrame;
use crate::mm::kstack::KernelStack;
use crate::sync::SpinLock;

/// A thread's scheduling state.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(u8)]
pub enum State {
    /// On the run queue.
    Runnable = 0,
    /// On the CPU.
    Running = 1,
    /// Waiting for a wake-up (on a wait queue, a timer or both).
    Blocked = 2,
    /// Exited; never runs again.
    Dead = 3,
}

/// What a new thread runs first. A user thread's entry returns the frame to enter user mode
/// with, and `thread_start` enters it only after the box is gone: a box whose closure never
/// returned would never be freed (one per fork, before this was split).
type Entry = Box<dyn FnOnce() -> Option<TrapFrame> + Send>;

/// A kernel thread (user threads will add their process and user context).
pub struct Thread {
    tid: u32,
    name: SpinLock<[u8; 16]>,
    state: AtomicU8,
    /// Linux's TIF_SIGPENDING: a signal (or a kill) waits for this thread, so interruptible
    /// sleeps end and the return to user mode looks at signals. Set by the signal code.
    signal_pending: AtomicBool,
    saved_rsp: UnsafeCell<u64>,
    /// Owns the stack (freed with the thread); the scheduler only needs its top.
    _kstack: Option<KernelStack>,
    kstack_top: u64,
    entry: SpinLock<Option<Entry>>,
    idle: bool,
    user: Option<alloc::boxed::Box<crate::proc::UserCtx>>,
}

// SAFETY: `saved_rsp` is only touched by the scheduler with interrupts off, while the thread is
// not running (or by the thread itself inside the switch).
unsafe impl Sync for Thread {}
// SAFETY: as above; everything else is atomics, locks or immutable.
unsafe impl Send for Thread {}

/// Thread ids and process ids come from one counter, as on Linux (a process's pid is its first
/// thread's tid). 1 is reserved for init.
static NEXT_TID: AtomicU32 = AtomicU32::new(2);

/// A fresh thread id.
pub fn alloc_tid() -> u32 {
    NEXT_TID.fetch_add(1, Ordering::Relaxed)
}

/// The last thread id handed out (`/proc/loadavg`'s last pid).
pub fn last_tid() -> u32 {
    NEXT_TID.load(Ordering::Relaxed) - 1
}

impl Thread {
    fn make(
        name: &str,
        kstack: Option<KernelStack>,
        top: u64,
        entry: Option<Entry>,
        idle: bool,
        tid: Option<u32>,
    ) -> Thread {
        let mut n = [0u8; 16];
        let len = name.len().min(15);
        n[..len].copy_from_slice(&name.as_bytes()[..len]);
        Thread {
            tid: if idle {
                0
            } else {
                tid.unwrap_or_else(alloc_tid)
            },
            name: SpinLock::new(n),
            state: AtomicU8::new(State::Runnable as u8),
            signal_pending: AtomicBool::new(false),
            saved_rsp: UnsafeCell::new(0),
            _kstack: kstack,
            kstack_top: top,
            entry: SpinLock::new(entry),
            idle,
            user: None,
        }
    }

    /// The thread that booted the kernel, on the boot stack.
    pub(super) fn bootstrap() -> Arc<Thread> {
        extern "C" {
            static boot_stack_top: u8;
        }
        let top = core::ptr::addr_of!(boot_stack_top) as u64;
        let t = Thread::make("kmain", None, top, None, false, None);
        t.set_state(State::Running);
        Arc::new(t)
    }

    /// A new thread that will run `f` on its own kernel stack once scheduled.
    pub fn new_kernel(name: &str, f: impl FnOnce() + Send + 'static) -> Option<Arc<Thread>> {
        let stack = KernelStack::new()?;
        let top = stack.top();
        let t = Arc::new(Thread::make(
            name,
            Some(stack),
            top,
            Some(Box::new(move || {
                f();
                None
            })),
            name == "idle",
            None,
        ));
        // SAFETY: `top` is the aligned top of the freshly mapped stack.
        let rsp = unsafe { context::init_stack(top, 0) };
        // SAFETY: the thread has never run, so nothing else reads its saved RSP yet.
        unsafe { *t.saved_rsp.get() = rsp };
        Some(t)
    }

    /// A new user thread of `ctx.process`; it starts by running `f` in the kernel, whose
    /// frame it then enters user mode with (`f` may also end the thread itself).
    pub fn new_user(
        name: &str,
        ctx: crate::proc::UserCtx,
        tid: Option<u32>,
        f: impl FnOnce() -> TrapFrame + Send + 'static,
    ) -> Option<Arc<Thread>> {
        let stack = KernelStack::new()?;
        let top = stack.top();
        let entry: Entry = Box::new(move || Some(f()));
        let mut t = Thread::make(name, Some(stack), top, Some(entry), false, tid);
        t.user = Some(alloc::boxed::Box::new(ctx));
        let t = Arc::new(t);
        // SAFETY: `top` is the aligned top of the freshly mapped stack.
        let rsp = unsafe { context::init_stack(top, 0) };
        // SAFETY: the thread has never run, so nothing else reads its saved RSP yet.
        unsafe { *t.saved_rsp.get() = rsp };
        Some(t)
    }

    /// The user-mode state, for user threads.
    pub fn user(&self) -> Option<&crate::proc::UserCtx> {
        self.user.as_deref()
    }

    /// Renames the thread (`prctl(PR_SET_NAME)`, exec); at most 15 bytes are kept.
    pub fn set_name(&self, name: &[u8]) {
        let mut n = [0u8; 16];
        let len = name
            .iter()
            .position(|&b| b == 0)
            .unwrap_or(name.len())
            .min(15);
        n[..len].copy_from_slice(&name[..len]);
        *self.name.lock() = n;
    }

    /// The raw 16-byte name (`prctl(PR_GET_NAME)`).
    pub fn name_bytes(&self) -> [u8; 16] {
        *self.name.lock()
    }

    /// Thread id (0 for idle).
    pub fn tid(&self) -> u32 {
        self.tid
    }

    /// The name (as `prctl(PR_SET_NAME)` will set it).
    pub fn name(&self) -> alloc::string::String {
        let n = self.name.lock();
        let len = n.iter().position(|&b| b == 0).unwrap_or(16);
        alloc::string::String::from_utf8_lossy(&n[..len]).into_owned()
    }

    /// Whether a signal or kill is pending for this thread (interruptible sleeps end).
    pub fn signal_pending(&self) -> bool {
        self.signal_pending.load(Ordering::Acquire)
    }

    /// Sets or clears the pending-signal flag (the signal code's bookkeeping).
    pub fn set_signal_pending(&self, on: bool) {
        self.signal_pending.store(on, Ordering::Release);
    }

    /// Current state.
    pub fn state(&self) -> State {
        match self.state.load(Ordering::Acquire) {
            0 => State::Runnable,
            1 => State::Running,
            2 => State::Blocked,
            _ => State::Dead,
        }
    }

    /// Sets the state.
    pub fn set_state(&self, s: State) {
        self.state.store(s as u8, Ordering::Release);
    }

    /// Atomically moves from `from` to `to`; false if the state was not `from`.
    pub fn transition(&self, from: State, to: State) -> bool {
        self.state
            .compare_exchange(from as u8, to as u8, Ordering::AcqRel, Ordering::Acquire)
            .is_ok()
    }

    pub(super) fn is_idle(&self) -> bool {
        self.idle
    }

    /// Top of the kernel stack (loaded into TSS.rsp0 while this thread runs).
    pub fn kstack_top(&self) -> u64 {
        self.kstack_top
    }

    pub(super) fn saved_rsp_ptr(&self) -> *mut u64 {
        self.saved_rsp.get()
    }

    pub(super) fn saved_rsp(&self) -> u64 {
        // SAFETY: called by the scheduler with interrupts off while the thread is not running.
        unsafe { *self.saved_rsp.get() }
    }
}

/// First code of every new thread (called by `thread_trampoline`).
#[no_mangle]
extern "C" fn thread_start(_arg: u64) -> ! {
    super::finish_switch();
    crate::arch::x86_64::cpu::enable_interrupts();
    let me = super::current();
    let entry = me.entry.lock().take();
    drop(me);
    if let Some(frame) = entry.and_then(|f| f()) {
        crate::arch::x86_64::syscall::enter_user(&frame);
    }
    super::exit_current()
}

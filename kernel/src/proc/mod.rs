//! Processes and threads.
//!
//! A [`Process`] is what Linux calls a thread group: a pid, its parent and children, its
//! threads, its address space, and the objects `clone` may share with other processes: the fd
//! table (`CLONE_FILES`), root/cwd/umask (`CLONE_FS`) and signal dispositions
//! (`CLONE_SIGHAND`), each an `Arc`. A thread's own user state (FS base, FPU, signal mask and
//! pending set, alternate stack, TID addresses) is its [`UserCtx`]; the scheduler's
//! [`crate::sched::Thread`] carries it without knowing what is inside.
//!
//! Life cycle: `fork.rs` creates processes and threads; `exit.rs` ends threads and processes,
//! keeps zombies until `wait4`/`waitid` reaps them and hands orphans to PID 1; `signal.rs`
//! sends, queues and delivers signals on the way back to user mode.
//!
//! Lock order: `TABLE` -> a process's `children` -> its `sig`/`wait`/`threads` (leaves);
//! `sigactions` is a leaf. The locks signal senders take are `IrqSpinLock`s, because timers
//! (SIGALRM) and the console (^C) send from interrupt handlers. The address space lock and the
//! fd table's lock are taken on their own.

pub mod exec;
pub mod exit;
pub mod fork;
pub mod futex;
pub mod init;
pub mod signal;
pub mod uts;

use alloc::collections::BTreeMap;
use alloc::sync::{Arc, Weak};
use alloc::vec::Vec;
use core::sync::atomic::{AtomicBool, AtomicI32, AtomicU32, AtomicU64, AtomicUsize, Ordering};

use keel_abi::resource::Rlimit;
use keel_abi::signal::{SigAction, StackT};
use keel_vfs::{Cred, FdTable, Inode};

use crate::arch::x86_64::fpu::FpuState;
use crate::mm::aspace::{AddressSpace, FaultError};
use crate::sched::{Thread, WaitQueue};
use crate::sync::{IrqSpinLock, SpinLock};

pub use signal::SigInfo;

/// Number of signals (1..=64).
pub const NSIG: usize = 64;
/// Number of resource limits.
pub const RLIM_NLIMITS: usize = 16;

/// User and group ids, Linux style (real, effective, saved, filesystem).
#[derive(Clone, Debug, Default)]
pub struct Creds {
    pub uid: u32,
    pub euid: u32,
    pub suid: u32,
    pub fsuid: u32,
    pub gid: u32,
    pub egid: u32,
    pub sgid: u32,
    pub fsgid: u32,
    pub groups: alloc::vec::Vec<u32>,
}

impl Creds {
    /// The credentials file-system checks use.
    pub fn fs_cred(&self) -> Cred {
        Cred {
            uid: self.fsuid,
            gid: self.fsgid,
            groups: self.groups.clone(),
        }
    }
}

/// Root, working directory and umask (shared under `CLONE_FS`).
#[derive(Clone)]
pub struct FsContext {
    pub root: Arc<Inode>,
    pub cwd: Arc<Inode>,
    pub umask: u32,
}

/// Signal dispositions, shared under `CLONE_SIGHAND`.
pub type SigActions = IrqSpinLock<[SigAction; NSIG]>;

/// What a parent's `wait` can learn about a child.
#[derive(Default)]
pub struct ChildReport {
    /// Exit status (wait encoding) once the process is a zombie.
    pub zombie: Option<i32>,
    /// Stopped by this signal and not yet reported to a WUNTRACED wait.
    pub stopped: Option<u32>,
    /// Continued and not yet reported to a WCONTINUED wait.
    pub continued: bool,
}

/// A process (a thread group).
pub struct Process {
    pub pid: u32,
    pub ppid: AtomicU32,
    pub pgid: AtomicU32,
    pub sid: AtomicU32,
    mm: SpinLock<Option<Arc<AddressSpace>>>,
    /// The page-table root of `mm`, readable by the scheduler without a lock.
    cr3: AtomicU64,
    fds: SpinLock<Option<Arc<FdTable>>>,
    pub fs: Arc<SpinLock<FsContext>>,
    pub cred: SpinLock<Creds>,
    pub sigactions: Arc<SigActions>,
    pub limits: SpinLock<[Rlimit; RLIM_NLIMITS]>,
    /// Process-directed pending signals, group exit and group stop.
    pub sig: IrqSpinLock<signal::Shared>,
    /// The threads; a thread removes itself when it exits.
    pub threads: IrqSpinLock<Vec<Arc<Thread>>>,
    /// Live threads; the process ends when the last one exits.
    pub live_threads: AtomicUsize,
    /// Exit status as wait(2) encodes it, once exiting.
    pub exit_code: AtomicI32,
    /// The parent (PID 1 after the parent exits).
    pub parent: SpinLock<Weak<Process>>,
    /// Live and zombie children.
    pub children: SpinLock<Vec<Arc<Process>>>,
    /// Woken when a child exits, stops or continues.
    pub child_wait: WaitQueue,
    /// What this process's parent may learn through wait.
    pub report: IrqSpinLock<ChildReport>,
    /// Signal sent to the parent at exit (SIGCHLD, or clone's choice).
    pub exit_signal: u32,
    /// Set when a vfork child execs or exits: its parent may go on.
    pub vfork_done: AtomicBool,
    /// Set by a successful execve (setpgid on such a child is EACCES).
    pub did_exec: AtomicBool,
    /// Woken on `vfork_done`, on group stop/continue and when threads exit.
    pub events: WaitQueue,
    /// CPU time and counts of all its threads.
    pub usage: Usage,
    /// CPU time and counts of its reaped children (RUSAGE_CHILDREN, times(2)).
    pub child_usage: Usage,
    /// ITIMER_REAL / alarm state.
    pub itimer: IrqSpinLock<signal::RealTimer>,
    /// Monotonic time of the fork that made it (for /proc/PID/stat's start time).
    pub start_ns: u64,
    /// The main thread's name when it exited, for a zombie's /proc/PID/comm.
    exit_comm: SpinLock<[u8; 16]>,
}

impl Process {
    /// The address space, unless the process has exited (for observers such as /proc).
    pub fn try_mm(&self) -> Option<Arc<AddressSpace>> {
        self.mm.lock().clone()
    }

    /// The current address space. Only for a live process (the caller's own, or one known to
    /// run): an exited process has none.
    pub fn mm(&self) -> Arc<AddressSpace> {
        self.mm
            .lock()
            .clone()
            .expect("address space of a process that has released it")
    }

    /// Replaces the address space (execve) and returns the old one; the caller activates the
    /// new one before dropping the old.
    pub fn set_mm(&self, mm: Arc<AddressSpace>) -> Option<Arc<AddressSpace>> {
        self.cr3.store(mm.root(), Ordering::Release);
        self.mm.lock().replace(mm)
    }

    /// Lets go of the address space at exit (after switching to the kernel's tables).
    fn release_mm(&self) -> Option<Arc<AddressSpace>> {
        self.cr3.store(
            crate::arch::x86_64::paging::kernel_root_cached(),
            Ordering::Release,
        );
        self.mm.lock().take()
    }

    /// The page-table root of the current address space.
    pub fn cr3(&self) -> u64 {
        self.cr3.load(Ordering::Acquire)
    }

    /// The fd table. (Only an exiting process has none; its threads make no more calls.)
    pub fn fds(&self) -> Arc<FdTable> {
        self.fds
            .lock()
            .clone()
            .unwrap_or_else(|| Arc::new(FdTable::new()))
    }

    /// Takes the fd table away at exit.
    fn fds_take(&self) -> Option<Arc<FdTable>> {
        self.fds.lock().take()
    }

    /// A soft resource limit.
    pub fn rlimit(&self, resource: u32) -> u64 {
        self.limits.lock()[resource as usize].rlim_cur
    }

    /// Whether the process has exited (a zombie or on its way).
    pub fn is_zombie(&self) -> bool {
        self.report.lock().zombie.is_some()
    }

    /// The main thread: the one whose tid is the pid, else the first left.
    pub fn main_thread(&self) -> Option<Arc<Thread>> {
        let threads = self.threads.lock();
        threads
            .iter()
            .find(|t| t.tid() == self.pid)
            .or(threads.first())
            .cloned()
    }

    /// The process's name (Linux's `comm` of the main thread), also after it exited.
    pub fn comm(&self) -> [u8; 16] {
        match self.main_thread() {
            Some(t) => t.name_bytes(),
            None => *self.exit_comm.lock(),
        }
    }

    /// Keeps the name of an exiting main thread for the zombie (exit.rs).
    fn keep_comm(&self, name: [u8; 16]) {
        *self.exit_comm.lock() = name;
    }
}

/// Per-thread user-mode state.
pub struct UserCtx {
    pub process: Arc<Process>,
    pub fs_base: AtomicU64,
    pub gs_base: AtomicU64,
    pub fpu: FpuState,
    pub sigmask: AtomicU64,
    /// Thread-directed pending signals, and the mask to restore after `rt_sigsuspend` or
    /// `ppoll`/`pselect6` (Linux's `saved_sigmask`).
    pub sig: IrqSpinLock<signal::PerThread>,
    pub altstack: SpinLock<StackT>,
    pub clear_child_tid: AtomicU64,
    pub robust_list: AtomicU64,
    pub robust_len: AtomicU64,
    /// This thread's CPU time and counts.
    pub usage: Usage,
    /// What prctl(2) sets and reports.
    pub prctl: SpinLock<PrctlState>,
    /// Set to end this thread alone at its next return to user mode (another thread's execve).
    pub kill_pending: AtomicBool,
}

impl UserCtx {
    /// The user state of a new thread of `process`: no FS/GS base, initial FPU state, no
    /// blocked signals, no alternate stack.
    pub fn new(process: Arc<Process>) -> Option<UserCtx> {
        Some(UserCtx {
            process,
            fs_base: AtomicU64::new(0),
            gs_base: AtomicU64::new(0),
            fpu: FpuState::new()?,
            sigmask: AtomicU64::new(0),
            sig: IrqSpinLock::new(signal::PerThread::default()),
            altstack: SpinLock::new(exec::disabled_altstack()),
            clear_child_tid: AtomicU64::new(0),
            robust_list: AtomicU64::new(0),
            robust_len: AtomicU64::new(0),
            kill_pending: AtomicBool::new(false),
            usage: Usage::default(),
            prctl: SpinLock::new(PrctlState {
                dumpable: true,
                ..Default::default()
            }),
        })
    }
}

/// CPU time and event counts, charged per thread and per process: CPU time a timer tick at a
/// time to whoever the tick interrupted (as Linux without precise accounting does).
#[derive(Default)]
pub struct Usage {
    pub user_ticks: AtomicU64,
    pub system_ticks: AtomicU64,
    pub minor_faults: AtomicU64,
    pub voluntary_switches: AtomicU64,
    pub involuntary_switches: AtomicU64,
}

impl Usage {
    /// Nanoseconds of CPU time (user, system).
    pub fn cpu_ns(&self) -> (u64, u64) {
        let tick = 1_000_000_000 / crate::arch::x86_64::apic::TICK_HZ;
        (
            self.user_ticks.load(Ordering::Relaxed) * tick,
            self.system_ticks.load(Ordering::Relaxed) * tick,
        )
    }
}

/// prctl(2) state. The THP flag is recorded and reported; there is no transparent huge page to
/// disable.
#[derive(Clone, Copy, Debug, Default)]
pub struct PrctlState {
    pub dumpable: bool,
    pub no_new_privs: bool,
    pub pdeathsig: u32,
    pub thp_disable: bool,
}

/// Every process by pid. Lock order: taken alone.
/// Every process by pid (zombies included, until reaped).
static TABLE: IrqSpinLock<BTreeMap<u32, Arc<Process>>> = IrqSpinLock::new(BTreeMap::new());

/// Linux's default limits: RLIMIT_STACK 8 MiB, RLIMIT_NOFILE 1024/4096, RLIMIT_CORE 0,
/// RLIMIT_MEMLOCK 8 MiB, RLIMIT_NICE and RLIMIT_RTPRIO 0, RLIMIT_NPROC and RLIMIT_SIGPENDING
/// from the amount of RAM, the rest unlimited.
fn default_limits() -> [Rlimit; RLIM_NLIMITS] {
    const INF: u64 = u64::MAX;
    let mut l = [Rlimit {
        rlim_cur: INF,
        rlim_max: INF,
    }; RLIM_NLIMITS];
    l[keel_abi::resource::RLIMIT_STACK as usize] = Rlimit {
        rlim_cur: 8 << 20,
        rlim_max: INF,
    };
    l[keel_abi::resource::RLIMIT_CORE as usize] = Rlimit {
        rlim_cur: 0,
        rlim_max: INF,
    };
    l[keel_abi::resource::RLIMIT_NOFILE as usize] = Rlimit {
        rlim_cur: 1024,
        rlim_max: 4096,
    };
    l[keel_abi::resource::RLIMIT_MEMLOCK as usize] = Rlimit {
        rlim_cur: 8 << 20,
        rlim_max: 8 << 20,
    };
    // Linux's fork_init: one thread per 128 KiB of RAM at most, and half of that per user.
    let max_threads = (crate::mm::frames::total_frames() as u64 * 4096 / (128 << 10)).max(20);
    let per_user = Rlimit {
        rlim_cur: max_threads / 2,
        rlim_max: max_threads / 2,
    };
    l[keel_abi::resource::RLIMIT_NPROC as usize] = per_user;
    l[keel_abi::resource::RLIMIT_SIGPENDING as usize] = per_user;
    l[keel_abi::resource::RLIMIT_NICE as usize] = Rlimit {
        rlim_cur: 0,
        rlim_max: 0,
    };
    l[keel_abi::resource::RLIMIT_RTPRIO as usize] = Rlimit {
        rlim_cur: 0,
        rlim_max: 0,
    };
    l[keel_abi::resource::RLIMIT_MSGQUEUE as usize] = Rlimit {
        rlim_cur: 819_200,
        rlim_max: 819_200,
    };
    l
}

/// What a new process is made of (fork.rs decides what is shared and what copied).
pub struct Parts {
    pub pid: u32,
    pub parent: Option<Arc<Process>>,
    pub pgid: u32,
    pub sid: u32,
    pub mm: Arc<AddressSpace>,
    pub fds: Arc<FdTable>,
    pub fs: Arc<SpinLock<FsContext>>,
    pub cred: Creds,
    pub sigactions: Arc<SigActions>,
    pub limits: [Rlimit; RLIM_NLIMITS],
    pub exit_signal: u32,
}

/// Creates a process from its parts, enters it in the pid table and in its parent's children.
/// It has no thread yet.
pub fn make_process(parts: Parts) -> Arc<Process> {
    let ppid = parts.parent.as_ref().map(|p| p.pid).unwrap_or(0);
    let p = Arc::new(Process {
        pid: parts.pid,
        cr3: AtomicU64::new(parts.mm.root()),
        ppid: AtomicU32::new(ppid),
        pgid: AtomicU32::new(parts.pgid),
        sid: AtomicU32::new(parts.sid),
        mm: SpinLock::new(Some(parts.mm)),
        fds: SpinLock::new(Some(parts.fds)),
        fs: parts.fs,
        cred: SpinLock::new(parts.cred),
        sigactions: parts.sigactions,
        limits: SpinLock::new(parts.limits),
        sig: IrqSpinLock::new(signal::Shared::default()),
        threads: IrqSpinLock::new(Vec::new()),
        live_threads: AtomicUsize::new(0),
        exit_code: AtomicI32::new(0),
        parent: SpinLock::new(
            parts
                .parent
                .as_ref()
                .map(Arc::downgrade)
                .unwrap_or_default(),
        ),
        children: SpinLock::new(Vec::new()),
        child_wait: WaitQueue::new(),
        report: IrqSpinLock::new(ChildReport::default()),
        exit_signal: parts.exit_signal,
        vfork_done: AtomicBool::new(false),
        did_exec: AtomicBool::new(false),
        events: WaitQueue::new(),
        usage: Usage::default(),
        child_usage: Usage::default(),
        itimer: IrqSpinLock::new(signal::RealTimer::default()),
        start_ns: crate::time::monotonic_ns(),
        exit_comm: SpinLock::new([0; 16]),
    });
    TABLE.lock().insert(p.pid, p.clone());
    if let Some(parent) = &parts.parent {
        parent.children.lock().push(p.clone());
    }
    p
}

/// Creates PID 1: a fresh empty address space, root credentials, the namespace root. Linux's
/// PID 1 inherits session and group 0 from the idle task until it calls setsid().
pub fn new_init_process() -> Option<Arc<Process>> {
    Some(make_process(new_init_process_parts(1)?))
}

/// A parentless process the kernel makes for itself (self-tests): a fresh address space, root,
/// leading its own session and group. It is forgotten as soon as it exits.
pub fn new_kernel_made_process() -> Option<Arc<Process>> {
    let init = new_init_process_parts(crate::sched::thread::alloc_tid())?;
    Some(make_process(init))
}

fn new_init_process_parts(pid: u32) -> Option<Parts> {
    let root = crate::fs::vfs().root().clone();
    let mm = Arc::new(AddressSpace::new()?);
    let lead = if pid == 1 { 0 } else { pid };
    Some(Parts {
        pid,
        parent: None,
        pgid: lead,
        sid: lead,
        mm,
        fds: Arc::new(FdTable::new()),
        fs: Arc::new(SpinLock::new(FsContext {
            root: root.clone(),
            cwd: root,
            umask: 0o022,
        })),
        cred: Creds::default(),
        sigactions: Arc::new(IrqSpinLock::new([SigAction::default(); NSIG])),
        limits: default_limits(),
        exit_signal: keel_abi::signal::SIGCHLD,
    })
}

/// Looks a process up by pid.
pub fn by_pid(pid: u32) -> Option<Arc<Process>> {
    TABLE.lock().get(&pid).cloned()
}

/// Every process (a snapshot), for kill(-1), process groups and /proc.
pub fn all_processes() -> Vec<Arc<Process>> {
    TABLE.lock().values().cloned().collect()
}

/// Drops a reaped process from the pid table.
fn forget(pid: u32) {
    let gone = TABLE.lock().remove(&pid);
    drop(gone);
}

/// The thread with id `tid`, in any process.
pub fn thread_by_tid(tid: u32) -> Option<Arc<Thread>> {
    let procs = all_processes();
    procs
        .iter()
        .find_map(|p| p.threads.lock().iter().find(|t| t.tid() == tid).cloned())
}

/// Ends the calling thread (exit(2)); see [`exit::exit_thread`].
pub fn exit_thread(code: i32) -> ! {
    exit::exit_thread(code)
}

/// Resolves a page fault on a user address of the current process. An error means the access
/// is not allowed (the caller takes the exception-table fixup or signals the thread) or that
/// memory ran out.
pub fn resolve_user_fault(addr: u64, write: bool, exec: bool) -> Result<(), FaultError> {
    let t = crate::sched::current();
    let Some(u) = t.user() else {
        return Err(FaultError::Unmapped);
    };
    // A fault while the process is tearing down (a user copy at exit) finds no mappings.
    let mm = u.process.try_mm().ok_or(FaultError::Unmapped)?;
    mm.handle_fault(addr, write, exec)?;
    u.usage.minor_faults.fetch_add(1, Ordering::Relaxed);
    u.process.usage.minor_faults.fetch_add(1, Ordering::Relaxed);
    Ok(())
}

/// Charges one timer tick to the current thread and its process (from the timer interrupt).
pub fn account_tick(from_user: bool) {
    let t = crate::sched::current();
    crate::sched::charge_cpu_tick(&t, from_user);
    if let Some(u) = t.user() {
        let (mine, theirs) = if from_user {
            (&u.usage.user_ticks, &u.process.usage.user_ticks)
        } else {
            (&u.usage.system_ticks, &u.process.usage.system_ticks)
        };
        mine.fetch_add(1, Ordering::Relaxed);
        theirs.fetch_add(1, Ordering::Relaxed);
    }
}

/// Number of live threads in all processes (sysinfo's `procs`).
pub fn thread_count() -> usize {
    TABLE
        .lock()
        .values()
        .map(|p| p.live_threads.load(Ordering::Relaxed))
        .sum()
}

/// Ends the current process because memory ran out while it faulted (Linux's OOM killer
/// would pick a victim; Keel kills the process that asked).
pub fn out_of_memory_kill() -> ! {
    let t = crate::sched::current();
    crate::println!(
        "keel: out of memory: killed process {} ({})",
        t.user().map(|u| u.process.pid).unwrap_or(0),
        t.name()
    );
    drop(t);
    exit::exit_group(keel_abi::signal::SIGKILL as i32)
}

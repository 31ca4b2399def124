//! Processes: identity, credentials, the address space, files, signal dispositions and limits
//! shared by a process's threads; per-thread user state (FS base, FPU, signal mask, alternate
//! stack, TID addresses).
//!
//! Lock order: a process's small locks (`fs`, `cred`, `sig`, `limits`) are leaves; the address
//! space lock is taken on its own; `TABLE` is taken before none of them.

pub mod exec;
pub mod init;

use alloc::collections::BTreeMap;
use alloc::sync::Arc;
use core::sync::atomic::{AtomicI32, AtomicU32, AtomicU64, AtomicUsize, Ordering};

use keel_abi::resource::Rlimit;
use keel_abi::signal::{SigAction, StackT};
use keel_vfs::{Cred, FdTable, Inode};
use spin::Mutex;

use crate::arch::x86_64::fpu::FpuState;
use crate::mm::aspace::{AddressSpace, FaultError};

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

/// Root, working directory and umask.
pub struct FsContext {
    pub root: Arc<Inode>,
    pub cwd: Arc<Inode>,
    pub umask: u32,
}

/// A process.
pub struct Process {
    pub pid: u32,
    pub ppid: AtomicU32,
    pub pgid: AtomicU32,
    pub sid: AtomicU32,
    mm: Mutex<Arc<AddressSpace>>,
    /// The page-table root of `mm`, readable by the scheduler without a lock.
    cr3: AtomicU64,
    pub fds: Arc<FdTable>,
    pub fs: Mutex<FsContext>,
    pub cred: Mutex<Creds>,
    pub sigactions: Mutex<[SigAction; NSIG]>,
    pub limits: Mutex<[Rlimit; RLIM_NLIMITS]>,
    /// Live threads; the process ends when the last one exits.
    pub live_threads: AtomicUsize,
    /// Exit status as wait(2) encodes it, once exiting.
    pub exit_code: AtomicI32,
    /// CPU time and counts of all its threads.
    pub usage: Usage,
}

impl Process {
    /// The current address space.
    pub fn mm(&self) -> Arc<AddressSpace> {
        self.mm.lock().clone()
    }

    /// Replaces the address space (execve) and returns the old one; the caller activates the
    /// new one before dropping the old.
    pub fn set_mm(&self, mm: Arc<AddressSpace>) -> Arc<AddressSpace> {
        self.cr3.store(mm.root(), Ordering::Release);
        core::mem::replace(&mut *self.mm.lock(), mm)
    }

    /// The page-table root of the current address space.
    pub fn cr3(&self) -> u64 {
        self.cr3.load(Ordering::Acquire)
    }
}

/// Per-thread user-mode state.
pub struct UserCtx {
    pub process: Arc<Process>,
    pub fs_base: AtomicU64,
    pub gs_base: AtomicU64,
    pub fpu: FpuState,
    pub sigmask: AtomicU64,
    pub altstack: Mutex<StackT>,
    pub clear_child_tid: AtomicU64,
    pub robust_list: AtomicU64,
    pub robust_len: AtomicU64,
    /// This thread's CPU time and counts.
    pub usage: Usage,
    /// What prctl(2) sets and reports.
    pub prctl: Mutex<PrctlState>,
    /// Set to end the thread at its next return to user mode (SIGKILL's effect; the first
    /// piece of signal delivery).
    pub kill_pending: core::sync::atomic::AtomicBool,
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
            altstack: Mutex::new(exec::disabled_altstack()),
            clear_child_tid: AtomicU64::new(0),
            robust_list: AtomicU64::new(0),
            robust_len: AtomicU64::new(0),
            kill_pending: core::sync::atomic::AtomicBool::new(false),
            usage: Usage::default(),
            prctl: Mutex::new(PrctlState {
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

/// prctl(2) state. The parent-death signal and the THP flag are recorded and reported; there
/// is no parent death to signal (no fork yet) and no transparent huge page to disable.
#[derive(Clone, Copy, Debug, Default)]
pub struct PrctlState {
    pub dumpable: bool,
    pub no_new_privs: bool,
    pub pdeathsig: u32,
    pub thp_disable: bool,
}

/// Every process by pid. Lock order: taken alone.
static TABLE: Mutex<BTreeMap<u32, Arc<Process>>> = Mutex::new(BTreeMap::new());
static NEXT_PID: AtomicU32 = AtomicU32::new(2);

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

/// Creates a process with a fresh empty address space, as root, at the namespace root. PID 1
/// is reserved for init, which asks for it; everything else gets the next free number.
pub fn new_process(ppid: u32, pid: Option<u32>) -> Option<Arc<Process>> {
    let pid = pid.unwrap_or_else(|| NEXT_PID.fetch_add(1, Ordering::Relaxed));
    let root = crate::fs::vfs().root().clone();
    let mm = Arc::new(AddressSpace::new()?);
    let p = Arc::new(Process {
        pid,
        cr3: AtomicU64::new(mm.root()),
        ppid: AtomicU32::new(ppid),
        // Linux's PID 1 inherits session and group 0 from the idle task until it calls
        // setsid(); other kernel-made processes lead their own.
        pgid: AtomicU32::new(if pid == 1 { 0 } else { pid }),
        sid: AtomicU32::new(if pid == 1 { 0 } else { pid }),
        mm: Mutex::new(mm),
        fds: Arc::new(FdTable::new()),
        fs: Mutex::new(FsContext {
            root: root.clone(),
            cwd: root,
            umask: 0o022,
        }),
        cred: Mutex::new(Creds::default()),
        sigactions: Mutex::new([SigAction::default(); NSIG]),
        limits: Mutex::new(default_limits()),
        live_threads: AtomicUsize::new(0),
        exit_code: AtomicI32::new(0),
        usage: Usage::default(),
    });
    TABLE.lock().insert(pid, p.clone());
    Some(p)
}

/// Looks a process up by pid.
pub fn by_pid(pid: u32) -> Option<Arc<Process>> {
    TABLE.lock().get(&pid).cloned()
}

/// Ends the calling thread; the last thread out ends the process with `code` (wait status).
pub fn exit_thread(code: i32) -> ! {
    let t = crate::sched::current();
    if let Some(u) = t.user() {
        let p = u.process.clone();
        if p.live_threads.fetch_sub(1, Ordering::AcqRel) == 1 {
            p.exit_code.store(code, Ordering::Release);
            process_exited(&p);
        }
    }
    drop(t);
    crate::sched::exit_current()
}

/// Tears a finished process down. Only PID 1 exists for now: its end powers the machine off
/// (Linux would panic; Keel says what happened and stops cleanly).
fn process_exited(p: &Arc<Process>) {
    p.fds.close_all();
    let status = p.exit_code.load(Ordering::Acquire);
    TABLE.lock().remove(&p.pid);
    if p.pid == 1 {
        init::init_exited(status);
    }
}

/// Resolves a page fault on a user address of the current process. An error means the access
/// is not allowed (the caller takes the exception-table fixup or signals the thread) or that
/// memory ran out.
pub fn resolve_user_fault(addr: u64, write: bool, exec: bool) -> Result<(), FaultError> {
    let t = crate::sched::current();
    let Some(u) = t.user() else {
        return Err(FaultError::Unmapped);
    };
    let mm = u.process.mm();
    mm.handle_fault(addr, write, exec)?;
    u.usage.minor_faults.fetch_add(1, Ordering::Relaxed);
    u.process.usage.minor_faults.fetch_add(1, Ordering::Relaxed);
    Ok(())
}

/// Charges one timer tick to the current thread and its process (from the timer interrupt).
pub fn account_tick(from_user: bool) {
    let t = crate::sched::current();
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
    exit_thread(9)
}

//! `/proc/PID/stat`, `status` and `statm` in Linux 6.1's formats (`do_task_stat`,
//! `proc_pid_status`, `proc_pid_statm`): what `ps` and `top` parse.
//!
//! Times are in clock ticks of `USER_HZ` (100); sizes in pages (stat, statm) or kB (status).
//! Fields Keel has no notion of are Linux's values for an ordinary process: priority 20,
//! nice 0, no major faults, one CPU.

use alloc::string::String;
use alloc::sync::Arc;
use alloc::vec::Vec;
use core::fmt::Write;
use core::sync::atomic::Ordering;

use keel_abi::resource::{RLIMIT_RSS, RLIMIT_SIGPENDING};
use keel_abi::signal::SIG_IGN;
use keel_vfs::{major, minor, new_encode_dev};
use keel_vm::VmaFlags;

use super::pid::{comm_of, may_read, Task};
use crate::mm::exeinfo::ImageInfo;
use crate::mm::PAGE_SIZE;
use crate::proc::{Process, Usage};
use crate::sched::{State, Thread};

/// Nanoseconds per clock tick (`USER_HZ` = 100).
const NS_PER_CLOCK_TICK: u64 = 10_000_000;

/// The state letter and its name, as `task_state_array`.
fn state(p: &Process, thread: Option<&Arc<Thread>>) -> (char, &'static str) {
    if p.is_zombie() {
        return ('Z', "zombie");
    }
    if p.sig.lock().stopped {
        return ('T', "stopped");
    }
    match thread.map(|t| t.state()) {
        Some(State::Running | State::Runnable) => ('R', "running"),
        Some(State::Blocked) => ('S', "sleeping"),
        Some(State::Dead) => ('X', "dead"),
        None => ('Z', "zombie"),
    }
}

/// An address space's sizes, for stat, status and statm.
#[derive(Default)]
struct Mem {
    /// Every mapping, in pages.
    total: u64,
    /// Resident pages.
    rss: u64,
    /// Private writable pages that are not stack (Linux's `data_vm`).
    data: u64,
    /// Stack pages.
    stack: u64,
    image: ImageInfo,
    brk_start: u64,
}

fn mem(p: &Process) -> Option<Mem> {
    let mm = p.try_mm()?;
    let mut m = Mem::default();
    {
        let g = mm.lock();
        for v in g.vmas.iter() {
            let pages = v.len() / PAGE_SIZE;
            m.total += pages;
            if v.flags.contains(VmaFlags::STACK) || v.flags.contains(VmaFlags::GROWSDOWN) {
                m.stack += pages;
            } else if v.prot & crate::mm::aspace::PROT_WRITE != 0
                && !v.flags.contains(VmaFlags::SHARED)
            {
                m.data += pages;
            }
        }
        m.image = g.image.clone();
        m.brk_start = g.brk_start;
    }
    m.rss = mm.resident_pages();
    Some(m)
}

impl Mem {
    /// Linux's `VmExe` in kB: the code's pages.
    fn exe_kb(&self) -> u64 {
        let i = &self.image;
        let start = i.start_code & !(PAGE_SIZE - 1);
        (i.end_code.next_multiple_of(PAGE_SIZE).saturating_sub(start)) >> 10
    }
}

fn ticks(ns: u64) -> u64 {
    ns / NS_PER_CLOCK_TICK
}

/// Pending, blocked, ignored and caught signals of a task (bit `n - 1` for signal `n`).
fn signal_sets(p: &Process, thread: Option<&Arc<Thread>>) -> [u64; 5] {
    let (pending, blocked) = thread
        .and_then(|t| t.user())
        .map(|u| (u.sig.lock().pending.set, u.sigmask.load(Ordering::Acquire)))
        .unwrap_or((0, 0));
    let shared = p.sig.lock().pending.set;
    let (mut ignored, mut caught) = (0u64, 0u64);
    for (i, a) in p.sigactions.lock().iter().enumerate() {
        if a.sa_handler == SIG_IGN {
            ignored |= 1 << i;
        } else if a.sa_handler > SIG_IGN {
            caught |= 1 << i;
        }
    }
    [pending, shared, blocked, ignored, caught]
}

fn usage_of<'a>(p: &'a Process, thread: Option<&'a Arc<Thread>>, task: Task) -> &'a Usage {
    match (task.tid, thread.and_then(|t| t.user())) {
        (Some(_), Some(u)) => &u.usage,
        _ => &p.usage,
    }
}

/// `/proc/PID/stat`: one line of 52 fields.
pub fn stat(p: &Process, task: Task, thread: Option<&Arc<Thread>>) -> Vec<u8> {
    let (st, _) = state(p, thread);
    let permitted = may_read(p);
    let sid = p.sid.load(Ordering::Relaxed);
    let (tty_nr, tpgid) = match crate::tty::controlling_terminal(sid) {
        Some((dev, fg)) => (new_encode_dev(major(dev), minor(dev)), fg as i64),
        None => (0, -1),
    };
    let usage = usage_of(p, thread, task);
    let (utime, stime) = usage.cpu_ns();
    let (cutime, cstime) = p.child_usage.cpu_ns();
    let zombie = p.is_zombie();
    let m = mem(p);
    let mm = m.as_ref().filter(|_| permitted);
    let img = |f: fn(&Mem) -> u64| mm.map(f).unwrap_or(0);
    let [pending, _, blocked, ignored, caught] = signal_sets(p, thread);
    let low = |s: u64| s & 0x7fff_ffff;
    let exit_code = if permitted {
        p.report.lock().zombie.unwrap_or(0)
    } else {
        0
    };
    let mut s = String::new();
    let comm = comm_of(p, thread);
    let _ = write!(
        s,
        "{} ({}) {} {} {} {} {} {} {} {} {} 0 0 {} {} {} {} 20 0 {} 0 {} {} {} {} ",
        task.tid.unwrap_or(p.pid),
        String::from_utf8_lossy(&comm),
        st,
        p.ppid.load(Ordering::Relaxed),
        p.pgid.load(Ordering::Relaxed),
        sid,
        tty_nr,
        tpgid,
        0x0040_0000u32 | if zombie { 0x4 } else { 0 }, // PF_RANDOMIZE, PF_EXITING
        usage.minor_faults.load(Ordering::Relaxed),
        p.child_usage.minor_faults.load(Ordering::Relaxed),
        ticks(utime),
        ticks(stime),
        ticks(cutime),
        ticks(cstime),
        p.live_threads.load(Ordering::Relaxed).max(1),
        ticks(p.start_ns),
        m.as_ref().map(|m| m.total * PAGE_SIZE).unwrap_or(0),
        m.as_ref().map(|m| m.rss).unwrap_or(0),
        p.rlimit(RLIMIT_RSS),
    );
    // Code bounds read 1 for a process the caller may not inspect, as Linux.
    let code = |f: fn(&ImageInfo) -> u64| match (&m, permitted) {
        (Some(m), true) => f(&m.image),
        (Some(_), false) => 1,
        (None, _) => 0,
    };
    let _ = writeln!(
        s,
        "{} {} {} 0 0 {} {} {} {} {} 0 0 {} 0 0 0 0 0 0 {} {} {} {} {} {} {} {}",
        code(|i| i.start_code),
        code(|i| i.end_code),
        img(|m| m.image.start_stack),
        low(pending),
        low(blocked),
        low(ignored),
        low(caught),
        (st != 'R') as u32,
        p.exit_signal,
        img(|m| m.image.start_data),
        img(|m| m.image.end_data),
        img(|m| m.brk_start),
        img(|m| m.image.arg_start),
        img(|m| m.image.arg_end),
        img(|m| m.image.env_start),
        img(|m| m.image.env_end),
        exit_code,
    );
    s.into_bytes()
}

/// `/proc/PID/status`: the `Name:\tvalue` lines of Linux 6.1, the memory ones only while the
/// process has an address space and `Umask` only while it has its files.
pub fn status(p: &Process, task: Task, thread: Option<&Arc<Thread>>) -> Vec<u8> {
    let (st, st_name) = state(p, thread);
    let zombie = p.is_zombie();
    let c = p.cred.lock().clone();
    let mut s = String::new();
    s.push_str("Name:\t");
    for &b in comm_of(p, thread).iter() {
        match b {
            b'\\' => s.push_str("\\\\"),
            b'\n' => s.push_str("\\n"),
            _ => s.push(b as char),
        }
    }
    s.push('\n');
    if !zombie {
        let _ = writeln!(s, "Umask:\t{:04o}", p.fs.lock().umask);
    }
    let fd_size = if zombie {
        0
    } else {
        let top = p.fds().open_fds().last().map_or(0, |&f| f as usize + 1);
        top.next_power_of_two().max(64)
    };
    let _ = write!(
        s,
        "State:\t{st} ({st_name})\nTgid:\t{}\nNgid:\t0\nPid:\t{}\nPPid:\t{}\nTracerPid:\t0\n\
         Uid:\t{}\t{}\t{}\t{}\nGid:\t{}\t{}\t{}\t{}\nFDSize:\t{fd_size}\nGroups:\t",
        p.pid,
        task.tid.unwrap_or(p.pid),
        p.ppid.load(Ordering::Relaxed),
        c.uid,
        c.euid,
        c.suid,
        c.fsuid,
        c.gid,
        c.egid,
        c.sgid,
        c.fsgid,
    );
    for (i, g) in c.groups.iter().enumerate() {
        let _ = write!(s, "{}{g}", if i > 0 { " " } else { "" });
    }
    let _ = write!(
        s,
        " \nNStgid:\t{}\nNSpid:\t{}\nNSpgid:\t{}\nNSsid:\t{}\n",
        p.pid,
        task.tid.unwrap_or(p.pid),
        p.pgid.load(Ordering::Relaxed),
        p.sid.load(Ordering::Relaxed),
    );
    let u = thread.and_then(|t| t.user());
    if let Some(m) = mem(p) {
        let kb = |pages: u64| pages * (PAGE_SIZE >> 10);
        let tables = 4 * (3 + m.total.div_ceil(512));
        for (name, v) in [
            ("VmPeak", kb(m.total)),
            ("VmSize", kb(m.total)),
            ("VmLck", 0),
            ("VmPin", 0),
            ("VmHWM", kb(m.rss)),
            ("VmRSS", kb(m.rss)),
            ("RssAnon", kb(m.rss)),
            ("RssFile", 0),
            ("RssShmem", 0),
            ("VmData", kb(m.data)),
            ("VmStk", kb(m.stack)),
            ("VmExe", m.exe_kb()),
            ("VmLib", 0),
            ("VmPTE", tables),
            ("VmSwap", 0),
        ] {
            let _ = writeln!(s, "{name}:\t{v:8} kB");
        }
        let thp = u.is_none_or(|u| !u.prctl.lock().thp_disable);
        let _ = write!(
            s,
            "HugetlbPages:\t{:8} kB\nCoreDumping:\t0\nTHP_enabled:\t{}\n",
            0, thp as u32
        );
    }
    let [pending, shared, blocked, ignored, caught] = signal_sets(p, thread);
    let caps = if c.euid == 0 { 0x1ff_ffff_ffffu64 } else { 0 };
    let no_new_privs = u.is_some_and(|u| u.prctl.lock().no_new_privs);
    let _ = write!(
        s,
        "Threads:\t{}\nSigQ:\t{}/{}\nSigPnd:\t{pending:016x}\nShdPnd:\t{shared:016x}\n\
         SigBlk:\t{blocked:016x}\nSigIgn:\t{ignored:016x}\nSigCgt:\t{caught:016x}\n\
         CapInh:\t0000000000000000\nCapPrm:\t{caps:016x}\nCapEff:\t{caps:016x}\n\
         CapBnd:\t000001ffffffffff\nCapAmb:\t0000000000000000\nNoNewPrivs:\t{}\n\
         Seccomp:\t0\nSeccomp_filters:\t0\nSpeculation_Store_Bypass:\tnot vulnerable\n\
         SpeculationIndirectBranch:\talways enabled\nCpus_allowed:\t1\nCpus_allowed_list:\t0\n\
         Mems_allowed:\t",
        p.live_threads.load(Ordering::Relaxed).max(1),
        (pending | shared).count_ones(),
        p.rlimit(RLIMIT_SIGPENDING),
        no_new_privs as u32,
    );
    for _ in 0..31 {
        s.push_str("00000000,");
    }
    let usage = usage_of(p, thread, task);
    let _ = write!(
        s,
        "00000001\nMems_allowed_list:\t0\nvoluntary_ctxt_switches:\t{}\n\
         nonvoluntary_ctxt_switches:\t{}\n",
        usage.voluntary_switches.load(Ordering::Relaxed),
        usage.involuntary_switches.load(Ordering::Relaxed),
    );
    s.into_bytes()
}

/// `/proc/PID/statm`: size, resident, shared, text, lib, data (with stack) and dirty pages.
pub fn statm(p: &Process) -> Vec<u8> {
    let line = match mem(p) {
        Some(m) => alloc::format!(
            "{} {} 0 {} 0 {} 0\n",
            m.total,
            m.rss,
            m.exe_kb() >> 2,
            m.data + m.stack
        ),
        None => "0 0 0 0 0 0 0\n".into(),
    };
    line.into_bytes()
}

//! The system's files at the root of procfs, in Linux 6.1's formats: `meminfo`, `stat`,
//! `uptime`, `loadavg`, `version`, `filesystems`, `cmdline` (`cpuinfo` is in `cpuinfo.rs`),
//! the mount table (`/proc/PID/mounts`, which `/proc/mounts` leads to), and the `self`,
//! `thread-self` and `mounts` links.

use alloc::string::String;
use alloc::sync::Arc;
use alloc::vec::Vec;
use core::fmt::Write;

use keel_abi::{Errno, KResult};
use keel_vfs::Inode;

use super::pid::caller;
use super::Top;
use crate::arch::x86_64::apic::TICK_HZ;
use crate::proc::uts;

/// The root's text files.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Info {
    Cmdline,
    Cpuinfo,
    Filesystems,
    Loadavg,
    Meminfo,
    Stat,
    Uptime,
    Version,
}

/// The text of a root file, made now.
pub fn generate(i: Info) -> KResult<Vec<u8>> {
    let s = match i {
        Info::Cmdline => alloc::format!("{}\n", crate::cmdline().raw()),
        Info::Cpuinfo => super::cpuinfo::cpuinfo(),
        Info::Filesystems => filesystems(),
        Info::Loadavg => loadavg(),
        Info::Meminfo => meminfo(),
        Info::Stat => stat(),
        Info::Uptime => uptime(),
        Info::Version => alloc::format!(
            "{} version {} (keel@keel) (rustc, rust-lld) {}\n",
            uts::SYSNAME,
            uts::RELEASE,
            uts::VERSION
        ),
    };
    Ok(s.into_bytes())
}

/// The text of `self` (the caller's pid), `thread-self` (`PID/task/TID`) and `mounts`.
pub fn top_link(t: Top) -> KResult<Vec<u8>> {
    let pid = || caller().map(|p| p.pid).ok_or(Errno::ENOENT);
    let s = match t {
        Top::SelfLink => alloc::format!("{}", pid()?),
        Top::ThreadSelf => alloc::format!("{}/task/{}", pid()?, crate::sched::current().tid()),
        Top::Mounts => "self/mounts".into(),
        Top::Info(_) => return Err(Errno::EINVAL),
    };
    Ok(s.into_bytes())
}

/// `/proc/filesystems`: every type `mount -t` knows, "nodev" for those without a device.
fn filesystems() -> String {
    let mut s = String::new();
    for (name, dev) in crate::fs::vfs().filesystems() {
        let _ = writeln!(s, "{}\t{name}", if dev { "" } else { "nodev" });
    }
    s
}

/// Linux's `seq_escape` of a mount's source or path: space, tab, newline and backslash in
/// octal.
fn mangle(s: &mut String, text: &[u8]) {
    for &b in text {
        match b {
            b' ' | b'\t' | b'\n' | b'\\' => {
                let _ = write!(s, "\\{b:03o}");
            }
            _ => s.push(b as char),
        }
    }
}

/// The mount table seen from `root`: `source path type options 0 0` per mount.
pub fn mounts(root: &Arc<Inode>) -> Vec<u8> {
    let mut s = String::new();
    for m in crate::fs::vfs().mounts(root) {
        mangle(
            &mut s,
            if m.source.is_empty() {
                b"none"
            } else {
                &m.source
            },
        );
        s.push(' ');
        mangle(&mut s, &m.path);
        let _ = writeln!(s, " {} {} 0 0", m.fstype, m.options());
    }
    s.into_bytes()
}

/// Seconds and hundredths of `ns`.
fn centis(ns: u64) -> (u64, u64) {
    (ns / 1_000_000_000, ns / 10_000_000 % 100)
}

/// `/proc/uptime`: seconds since boot and seconds spent idle.
fn uptime() -> String {
    let (up, up_c) = centis(crate::time::monotonic_ns());
    let idle_ns = crate::sched::cpu_ticks()[2] * (1_000_000_000 / TICK_HZ);
    let (idle, idle_c) = centis(idle_ns);
    alloc::format!("{up}.{up_c:02} {idle}.{idle_c:02}\n")
}

/// `/proc/loadavg`: the three averages with two decimals (rounded as Linux does), runnable
/// and all threads, and the last pid handed out.
fn loadavg() -> String {
    const FSHIFT: u32 = 11;
    const FIXED_1: u64 = 1 << FSHIFT;
    let mut s = String::new();
    for avg in crate::sched::load_averages() {
        let a = avg + FIXED_1 / 200;
        let _ = write!(
            s,
            "{}.{:02} ",
            a >> FSHIFT,
            ((a & (FIXED_1 - 1)) * 100) >> FSHIFT
        );
    }
    let _ = writeln!(
        s,
        "{}/{} {}",
        crate::sched::runnable_threads(),
        crate::proc::thread_count(),
        crate::sched::thread::last_tid()
    );
    s
}

/// `/proc/stat`: CPU time in clock ticks (100 a second) as user, nice, system, idle, iowait,
/// irq, softirq, steal, guest, guest_nice, for all CPUs and for the one; then interrupts,
/// context switches, boot time, forks and running threads.
fn stat() -> String {
    let per_clock = TICK_HZ / 100;
    let [user, system, idle] = crate::sched::cpu_ticks().map(|t| t / per_clock);
    let cpu = alloc::format!("{user} 0 {system} {idle} 0 0 0 0 0 0");
    let btime = (crate::time::realtime_ns() as u64 - crate::time::monotonic_ns()) / 1_000_000_000;
    alloc::format!(
        "cpu  {cpu}\ncpu0 {cpu}\nintr {}\nctxt {}\nbtime {btime}\nprocesses {}\n\
         procs_running {}\nprocs_blocked 0\nsoftirq 0 0 0 0 0 0 0 0 0 0 0\n",
        crate::time::ticks(),
        crate::sched::context_switches(),
        crate::sched::thread::last_tid().saturating_sub(1),
        crate::sched::runnable_threads(),
    )
}

/// `/proc/meminfo`: Linux 6.1's lines, in kB. Keel has no page cache, swap or huge pages:
/// `Cached` and `Shmem` are what tmpfs holds, `Slab` the kernel heap, and the rest of the
/// used memory is anonymous. The heap never gives frames back: `SUnreclaim` is what its live
/// objects take, `SReclaimable` the free room inside it that its next allocations reuse.
fn meminfo() -> String {
    let kb = |frames: usize| frames as u64 * 4;
    let total = kb(crate::mm::frames::total_frames());
    let free = kb(crate::mm::frames::free_frames());
    let shmem = crate::fs::tmpfs_bytes() >> 10;
    let slab = crate::mm::heap::mapped_bytes() >> 10;
    let live = (crate::mm::heap::in_use_bytes() >> 10).min(slab);
    let stacks = crate::proc::thread_count() as u64 * 16;
    let anon = total
        .saturating_sub(free)
        .saturating_sub(shmem)
        .saturating_sub(slab);
    let mut s = String::new();
    for (name, v) in [
        ("MemTotal", total),
        ("MemFree", free),
        ("MemAvailable", free),
        ("Buffers", 0),
        ("Cached", shmem),
        ("SwapCached", 0),
        ("Active", anon),
        ("Inactive", shmem),
        ("Active(anon)", anon),
        ("Inactive(anon)", shmem),
        ("Active(file)", 0),
        ("Inactive(file)", 0),
        ("Unevictable", 0),
        ("Mlocked", 0),
        ("SwapTotal", 0),
        ("SwapFree", 0),
        ("Zswap", 0),
        ("Zswapped", 0),
        ("Dirty", 0),
        ("Writeback", 0),
        ("AnonPages", anon),
        ("Mapped", 0),
        ("Shmem", shmem),
        ("KReclaimable", 0),
        ("Slab", slab),
        ("SReclaimable", slab - live),
        ("SUnreclaim", live),
        ("KernelStack", stacks),
        ("PageTables", 0),
        ("SecPageTables", 0),
        ("NFS_Unstable", 0),
        ("Bounce", 0),
        ("WritebackTmp", 0),
        ("CommitLimit", total / 2),
        ("Committed_AS", anon),
        ("VmallocTotal", 34_359_738_367),
        ("VmallocUsed", 0),
        ("VmallocChunk", 0),
        ("Percpu", 0),
        ("HardwareCorrupted", 0),
        ("AnonHugePages", 0),
        ("ShmemHugePages", 0),
        ("ShmemPmdMapped", 0),
        ("FileHugePages", 0),
        ("FilePmdMapped", 0),
    ] {
        if name.len() >= 16 {
            // Linux's one longer name: "HardwareCorrupted: %5lu kB".
            let _ = writeln!(s, "{name}: {v:>5} kB");
        } else {
            let _ = writeln!(s, "{:<16}{v:>8} kB", alloc::format!("{name}:"));
        }
    }
    for name in [
        "HugePages_Total",
        "HugePages_Free",
        "HugePages_Rsvd",
        "HugePages_Surp",
    ] {
        let _ = writeln!(s, "{:<16}{:>8}", alloc::format!("{name}:"), 0);
    }
    for (name, v) in [
        ("Hugepagesize", 2048),
        ("Hugetlb", 0),
        ("DirectMap4k", 0),
        ("DirectMap2M", total.next_multiple_of(2048)),
        ("DirectMap1G", 0),
    ] {
        let _ = writeln!(s, "{:<16}{v:>8} kB", alloc::format!("{name}:"));
    }
    s
}

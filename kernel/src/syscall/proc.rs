//! Process calls: identity, exit, execve, limits, names, FS base, uname, reboot, randomness.

use core::sync::atomic::Ordering;

use keel_abi::prctl::*;
use keel_abi::resource::{Rlimit, RLIMIT_NOFILE, RLIM_NLIMITS};
use keel_abi::uname::{field, Utsname};
use keel_abi::{Errno, KResult};

use super::Caller;
use crate::arch::x86_64::gdt::{USER_CS, USER_DS};
use crate::arch::x86_64::trap::TrapFrame;
use crate::mm::usercopy::{copy_to_user, read_cstr, read_cstr_array, UserPtr};

/// Linux's limit on argv + envp.
const ARG_MAX: usize = 2 << 20;

pub fn sys_exit(_c: &Caller, code: i32) -> KResult<usize> {
    crate::proc::exit_thread((code & 0xff) << 8)
}

pub fn sys_sched_yield() -> KResult<usize> {
    crate::sched::yield_now();
    Ok(0)
}

pub fn sys_execve(
    c: &Caller,
    path: u64,
    argv: u64,
    envp: u64,
    frame: &mut TrapFrame,
) -> KResult<usize> {
    let path = read_cstr(path, 4095)?;
    let mut argv = read_cstr_array(argv, ARG_MAX)?;
    if argv.is_empty() {
        // Linux (since 5.18) gives a program started with no arguments an empty argv[0].
        argv.push(alloc::vec::Vec::new());
    }
    let envp = read_cstr_array(envp, ARG_MAX)?;
    let p = c.process();
    let loaded = crate::proc::exec::load(p, &path, argv, envp)?;
    // Point of no return: install the new image.
    crate::proc::exec::install(&c.thread, loaded, frame);
    Ok(0)
}

pub fn sys_uname(buf: u64) -> KResult<usize> {
    let u = Utsname {
        sysname: field("Linux"),
        nodename: field("keel"),
        // Programs compare kernel versions (glibc refuses old ones): report the Linux ABI level
        // Keel implements, tagged with its own version.
        release: field(concat!("6.1.0-keel-", env!("CARGO_PKG_VERSION"))),
        version: field("#1 Keel"),
        machine: field("x86_64"),
        domainname: field("(none)"),
    };
    UserPtr::<Utsname>::new(buf).write(u)?;
    Ok(0)
}

pub fn sys_getgroups(c: &Caller, size: i32, list: u64) -> KResult<usize> {
    let groups = c.process().cred.lock().groups.clone();
    if size < 0 {
        return Err(Errno::EINVAL);
    }
    if size == 0 {
        return Ok(groups.len());
    }
    if (size as usize) < groups.len() {
        return Err(Errno::EINVAL);
    }
    for (k, g) in groups.iter().enumerate() {
        UserPtr::<u32>::new(list).add(k)?.write(*g)?;
    }
    Ok(groups.len())
}

pub fn sys_getresid(c: &Caller, r: u64, e: u64, s: u64, uid: bool) -> KResult<usize> {
    let cr = c.process().cred.lock().clone();
    let ids = if uid {
        [cr.uid, cr.euid, cr.suid]
    } else {
        [cr.gid, cr.egid, cr.sgid]
    };
    for (addr, id) in [r, e, s].into_iter().zip(ids) {
        UserPtr::<u32>::new(addr).write(id)?;
    }
    Ok(0)
}

fn pid_target(c: &Caller, pid: i32) -> KResult<alloc::sync::Arc<crate::proc::Process>> {
    match pid {
        0 => Ok(c.process().clone()),
        p if p > 0 => crate::proc::by_pid(p as u32).ok_or(Errno::ESRCH),
        _ => Err(Errno::ESRCH),
    }
}

pub fn sys_getpgid(c: &Caller, pid: i32) -> KResult<usize> {
    Ok(pid_target(c, pid)?.pgid.load(Ordering::Relaxed) as usize)
}

pub fn sys_getsid(c: &Caller, pid: i32) -> KResult<usize> {
    Ok(pid_target(c, pid)?.sid.load(Ordering::Relaxed) as usize)
}

pub fn sys_set_tid_address(c: &Caller, addr: u64) -> KResult<usize> {
    if let Some(u) = c.thread.user() {
        u.clear_child_tid.store(addr, Ordering::Relaxed);
    }
    Ok(c.thread.tid() as usize)
}

pub fn sys_set_robust_list(c: &Caller, head: u64, len: usize) -> KResult<usize> {
    if len != 24 {
        return Err(Errno::EINVAL);
    }
    if let Some(u) = c.thread.user() {
        u.robust_list.store(head, Ordering::Relaxed);
        u.robust_len.store(len as u64, Ordering::Relaxed);
    }
    Ok(0)
}

pub fn sys_arch_prctl(c: &Caller, code: i32, addr: u64) -> KResult<usize> {
    let u = c.thread.user().ok_or(Errno::EINVAL)?;
    match code as u32 {
        ARCH_SET_FS => {
            if addr >= crate::mm::USER_END {
                return Err(Errno::EPERM);
            }
            u.fs_base.store(addr, Ordering::Relaxed);
            // SAFETY: FS_BASE exists; the value is a canonical user address.
            unsafe { crate::arch::x86_64::cpu::wrmsr(0xc000_0100, addr) };
            Ok(0)
        }
        ARCH_GET_FS => {
            UserPtr::<u64>::new(addr).write(u.fs_base.load(Ordering::Relaxed))?;
            Ok(0)
        }
        ARCH_SET_GS => {
            if addr >= crate::mm::USER_END {
                return Err(Errno::EPERM);
            }
            u.gs_base.store(addr, Ordering::Relaxed);
            // SAFETY: in kernel mode the user's GS base lives in KERNEL_GS_BASE until swapgs.
            unsafe { crate::arch::x86_64::cpu::wrmsr(0xc000_0102, addr) };
            Ok(0)
        }
        ARCH_GET_GS => {
            UserPtr::<u64>::new(addr).write(u.gs_base.load(Ordering::Relaxed))?;
            Ok(0)
        }
        // CPUID is always allowed; turning it off needs CPUID faulting, which Keel does not use.
        ARCH_GET_CPUID => Ok(1),
        ARCH_SET_CPUID if addr != 0 => Ok(0),
        ARCH_SET_CPUID => Err(Errno::ENODEV),
        _ => Err(Errno::EINVAL),
    }
}

pub fn sys_prctl(c: &Caller, option: i32, arg2: u64, _arg3: u64) -> KResult<usize> {
    match option as u32 {
        PR_SET_NAME => {
            let mut name = [0u8; 16];
            // The name is up to 16 bytes; an unterminated one is cut to 15.
            let s = read_cstr_prefix(arg2, 16)?;
            let n = s.len().min(15);
            name[..n].copy_from_slice(&s[..n]);
            c.thread.set_name(&name);
            Ok(0)
        }
        PR_GET_NAME => {
            copy_to_user(arg2, &c.thread.name_bytes())?;
            Ok(0)
        }
        _ => {
            let u = c.thread.user().ok_or(Errno::EINVAL)?;
            let mut st = u.prctl.lock();
            match option as u32 {
                PR_GET_DUMPABLE => Ok(st.dumpable as usize),
                PR_SET_DUMPABLE if arg2 <= 1 => {
                    st.dumpable = arg2 == 1;
                    Ok(0)
                }
                PR_GET_NO_NEW_PRIVS => Ok(st.no_new_privs as usize),
                // Sticky: it can be set, never cleared.
                PR_SET_NO_NEW_PRIVS if arg2 == 1 => {
                    st.no_new_privs = true;
                    Ok(0)
                }
                PR_SET_PDEATHSIG if arg2 <= 64 => {
                    st.pdeathsig = arg2 as u32;
                    Ok(0)
                }
                PR_GET_PDEATHSIG => {
                    let sig = st.pdeathsig as i32;
                    drop(st);
                    UserPtr::<i32>::new(arg2).write(sig)?;
                    Ok(0)
                }
                PR_GET_THP_DISABLE => Ok(st.thp_disable as usize),
                PR_SET_THP_DISABLE => {
                    st.thp_disable = arg2 != 0;
                    Ok(0)
                }
                _ => Err(Errno::EINVAL),
            }
        }
    }
}

/// Reads up to `max` bytes of a string, stopping at a NUL or at `max` (no error for a missing
/// NUL, as PR_SET_NAME does).
fn read_cstr_prefix(addr: u64, max: usize) -> KResult<alloc::vec::Vec<u8>> {
    let mut out = alloc::vec::Vec::new();
    for k in 0..max {
        let b = UserPtr::<u8>::new(addr).add(k)?.read()?;
        if b == 0 {
            break;
        }
        out.push(b);
    }
    Ok(out)
}

pub fn sys_prlimit64(c: &Caller, pid: i32, resource: i32, new: u64, old: u64) -> KResult<usize> {
    if resource < 0 || resource as u32 >= RLIM_NLIMITS {
        return Err(Errno::EINVAL);
    }
    let p = pid_target(c, pid)?;
    let r = resource as usize;
    let new_limit = if new != 0 {
        Some(UserPtr::<Rlimit>::new(new).read()?)
    } else {
        None
    };
    if let Some(l) = new_limit {
        if l.rlim_cur > l.rlim_max {
            return Err(Errno::EINVAL);
        }
        let cur = p.limits.lock()[r];
        if l.rlim_max > cur.rlim_max && p.cred.lock().euid != 0 {
            return Err(Errno::EPERM);
        }
        if r == RLIMIT_NOFILE as usize {
            if l.rlim_max > keel_vfs::NR_OPEN as u64 {
                return Err(Errno::EPERM);
            }
            p.fds.set_limit(l.rlim_cur as usize)?;
        }
    }
    let previous = {
        let mut limits = p.limits.lock();
        let prev = limits[r];
        if let Some(l) = new_limit {
            limits[r] = l;
        }
        prev
    };
    if old != 0 {
        UserPtr::<Rlimit>::new(old).write(previous)?;
    }
    Ok(0)
}

pub fn sys_sched_getaffinity(c: &Caller, pid: i32, len: usize, mask: u64) -> KResult<usize> {
    pid_target(c, pid)?;
    // Linux: the length must cover the kernel's cpumask (8 bytes here) and be a multiple of
    // sizeof(long).
    if len < 8 || !len.is_multiple_of(8) {
        return Err(Errno::EINVAL);
    }
    UserPtr::<u64>::new(mask).write(1)?;
    Ok(8)
}

pub fn sys_reboot(c: &Caller, magic1: u32, magic2: u32, cmd: u32) -> KResult<usize> {
    use keel_abi::reboot::*;
    if magic1 != LINUX_REBOOT_MAGIC1
        || ![
            LINUX_REBOOT_MAGIC2,
            LINUX_REBOOT_MAGIC2A,
            LINUX_REBOOT_MAGIC2B,
            LINUX_REBOOT_MAGIC2C,
        ]
        .contains(&magic2)
    {
        return Err(Errno::EINVAL);
    }
    if c.process().cred.lock().euid != 0 {
        return Err(Errno::EPERM);
    }
    match cmd {
        LINUX_REBOOT_CMD_POWER_OFF | LINUX_REBOOT_CMD_HALT => {
            crate::println!("keel: reboot(2): power off");
            if crate::debug::test_mode() {
                crate::debug::stop(true);
            }
            crate::arch::x86_64::exit::power_off()
        }
        LINUX_REBOOT_CMD_RESTART | LINUX_REBOOT_CMD_RESTART2 => {
            crate::println!("keel: reboot(2): restart");
            crate::arch::x86_64::exit::reboot()
        }
        LINUX_REBOOT_CMD_CAD_ON | LINUX_REBOOT_CMD_CAD_OFF => Ok(0),
        _ => Err(Errno::EINVAL),
    }
}

pub fn sys_getrandom(buf: u64, len: usize, flags: u32) -> KResult<usize> {
    use keel_abi::random::*;
    if flags & !GRND_ALL != 0
        || flags & (GRND_RANDOM | GRND_INSECURE) == (GRND_RANDOM | GRND_INSECURE)
    {
        return Err(Errno::EINVAL);
    }
    let len = len.min(super::fs::MAX_RW_COUNT as usize);
    let mut done = 0;
    let mut chunk = [0u8; 256];
    while done < len {
        crate::sched::cond_resched();
        let n = (len - done).min(chunk.len());
        crate::random::fill(&mut chunk[..n]);
        if let Err(e) = copy_to_user(buf + done as u64, &chunk[..n]) {
            return if done == 0 { Err(e) } else { Ok(done) };
        }
        done += n;
    }
    Ok(done)
}

/// The frame that starts a fresh program at `entry` with stack `sp`: user selectors, interrupts
/// on, every general register zero.
pub fn initial_frame(entry: u64, sp: u64) -> TrapFrame {
    TrapFrame {
        rip: entry,
        cs: USER_CS as u64,
        rflags: 0x202,
        rsp: sp,
        ss: USER_DS as u64,
        ..Default::default()
    }
}

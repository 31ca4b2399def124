//! Process calls: identity, exit, execve, limits, names, FS base, uname, reboot, randomness.

use core::sync::atomic::Ordering;

use keel_abi::prctl::*;
use keel_abi::resource::{Rlimit, RLIMIT_NOFILE, RLIM_NLIMITS};
use keel_abi::uname::Utsname;
use keel_abi::{Errno, KResult};

use super::Caller;
use crate::arch::x86_64::gdt::{USER_CS, USER_DS};
use crate::arch::x86_64::trap::TrapFrame;
use crate::mm::usercopy::{copy_from_user, copy_to_user, read_cstr, read_cstr_array, UserPtr};

/// Linux's limit on argv + envp.
const ARG_MAX: usize = 2 << 20;

pub fn sys_exit(code: i32) -> ! {
    crate::proc::exit::exit_thread((code & 0xff) << 8)
}

pub fn sys_exit_group(code: i32) -> ! {
    crate::proc::exit::exit_group((code & 0xff) << 8)
}

pub fn sys_clone(
    c: &Caller,
    flags: u64,
    stack: u64,
    parent_tid: u64,
    child_tid: u64,
    tls: u64,
    frame: &TrapFrame,
) -> KResult<usize> {
    let args = crate::proc::fork::CloneArgs {
        flags,
        stack,
        parent_tid,
        child_tid,
        tls,
    };
    crate::proc::fork::clone(&c.thread, args, frame)
}

pub fn sys_fork(c: &Caller, frame: &TrapFrame) -> KResult<usize> {
    sys_clone(c, keel_abi::signal::SIGCHLD as u64, 0, 0, 0, 0, frame)
}

pub fn sys_vfork(c: &Caller, frame: &TrapFrame) -> KResult<usize> {
    use crate::proc::fork::{CLONE_VFORK, CLONE_VM};
    let flags = CLONE_VM | CLONE_VFORK | keel_abi::signal::SIGCHLD as u64;
    sys_clone(c, flags, 0, 0, 0, 0, frame)
}

fn rusage_of(found: &crate::proc::exit::Found) -> keel_abi::resource::Rusage {
    let tv = |ns: u64| keel_abi::time::Timeval {
        tv_sec: (ns / 1_000_000_000) as i64,
        tv_usec: (ns % 1_000_000_000 / 1000) as i64,
    };
    keel_abi::resource::Rusage {
        ru_utime: tv(found.utime),
        ru_stime: tv(found.stime),
        ..Default::default()
    }
}

pub fn sys_wait4(c: &Caller, pid: i32, status: u64, options: u32, rusage: u64) -> KResult<usize> {
    use crate::proc::exit::*;
    if options & !(WNOHANG | WUNTRACED | WCONTINUED | WNOTHREAD | WALL | WCLONE) != 0 {
        return Err(Errno::EINVAL);
    }
    let p = c.process();
    let which = match pid {
        -1 => Which::Any,
        0 => Which::Pgid(p.pgid.load(Ordering::Acquire)),
        i32::MIN => return Err(Errno::ESRCH),
        n if n < 0 => Which::Pgid((-n) as u32),
        n => Which::Pid(n as u32),
    };
    let Some(found) = wait(p, which, options | WEXITED)? else {
        return Ok(0);
    };
    if status != 0 {
        UserPtr::<i32>::new(status).write(found.status)?;
    }
    if rusage != 0 {
        UserPtr::<keel_abi::resource::Rusage>::new(rusage).write(rusage_of(&found))?;
    }
    Ok(found.pid as usize)
}

pub fn sys_waitid(
    c: &Caller,
    idtype: i32,
    id: i32,
    infop: u64,
    options: u32,
    rusage: u64,
) -> KResult<usize> {
    use crate::proc::exit::*;
    const P_ALL: i32 = 0;
    const P_PID: i32 = 1;
    const P_PGID: i32 = 2;
    const P_PIDFD: i32 = 3;
    if options & !(WNOHANG | WNOWAIT | WEXITED | WSTOPPED | WCONTINUED | WNOTHREAD | WALL | WCLONE)
        != 0
        || options & (WEXITED | WSTOPPED | WCONTINUED) == 0
    {
        return Err(Errno::EINVAL);
    }
    let p = c.process();
    let which = match idtype {
        P_ALL => Which::Any,
        P_PID if id > 0 => Which::Pid(id as u32),
        P_PGID if id > 0 => Which::Pgid(id as u32),
        P_PGID if id == 0 => Which::Pgid(p.pgid.load(Ordering::Acquire)),
        P_PIDFD => return Err(Errno::EBADF),
        _ => return Err(Errno::EINVAL),
    };
    let found = wait(p, which, options)?;
    if infop != 0 {
        let info = match &found {
            Some(f) => crate::proc::SigInfo {
                signo: keel_abi::signal::SIGCHLD,
                code: f.code,
                pid: f.pid,
                uid: f.uid,
                status: f.si_status,
                utime: (f.utime / 10_000_000) as i64,
                stime: (f.stime / 10_000_000) as i64,
                fields: crate::proc::signal::Fields::Child,
                ..Default::default()
            }
            .to_bytes(),
            None => [0u8; 128],
        };
        copy_to_user(infop, &info)?;
    }
    if rusage != 0 {
        let r = found.as_ref().map(rusage_of).unwrap_or_default();
        UserPtr::<keel_abi::resource::Rusage>::new(rusage).write(r)?;
    }
    Ok(0)
}

pub fn sys_setsid(c: &Caller) -> KResult<usize> {
    let p = c.process();
    let pid = p.pid;
    // EPERM for a process-group leader (or if a group with its pid exists).
    let leader = crate::proc::all_processes()
        .iter()
        .any(|q| q.pgid.load(Ordering::Acquire) == pid);
    if leader {
        return Err(Errno::EPERM);
    }
    p.sid.store(pid, Ordering::Release);
    p.pgid.store(pid, Ordering::Release);
    Ok(pid as usize)
}

pub fn sys_setpgid(c: &Caller, pid: i32, pgid: i32) -> KResult<usize> {
    if pgid < 0 {
        return Err(Errno::EINVAL);
    }
    let me = c.process();
    let target = if pid == 0 {
        me.clone()
    } else {
        let t = crate::proc::by_pid(pid as u32).ok_or(Errno::ESRCH)?;
        let is_child = t
            .parent
            .lock()
            .upgrade()
            .is_some_and(|par| alloc::sync::Arc::ptr_eq(&par, me));
        if !alloc::sync::Arc::ptr_eq(&t, me) && !is_child {
            return Err(Errno::ESRCH);
        }
        if is_child && t.did_exec.load(Ordering::Acquire) {
            return Err(Errno::EACCES);
        }
        t
    };
    let pgid = if pgid == 0 { target.pid } else { pgid as u32 };
    let sid = target.sid.load(Ordering::Acquire);
    // A session leader cannot move; a child in another session cannot be moved (EPERM).
    if sid == target.pid || sid != me.sid.load(Ordering::Acquire) {
        return Err(Errno::EPERM);
    }
    if pgid != target.pid {
        // The group must exist in the same session.
        let ok = crate::proc::all_processes().iter().any(|q| {
            q.pgid.load(Ordering::Acquire) == pgid && q.sid.load(Ordering::Acquire) == sid
        });
        if !ok {
            return Err(Errno::EPERM);
        }
    }
    target.pgid.store(pgid, Ordering::Release);
    Ok(0)
}

/// Whether the caller may signal `target` (Linux's kill_ok_by_cred, without capabilities
/// beyond root's).
fn may_signal(c: &Caller, target: &crate::proc::Process, sig: i32) -> bool {
    let me = c.process().cred.lock().clone();
    if me.euid == 0 {
        return true;
    }
    let them = target.cred.lock().clone();
    let same_session = sig == keel_abi::signal::SIGCONT as i32
        && c.process().sid.load(Ordering::Acquire) == target.sid.load(Ordering::Acquire);
    same_session
        || me.euid == them.suid
        || me.euid == them.uid
        || me.uid == them.suid
        || me.uid == them.uid
}

fn signal_info(c: &Caller, sig: i32, code: i32) -> crate::proc::SigInfo {
    crate::proc::SigInfo::user(
        sig as u32,
        code,
        c.process().pid,
        c.process().cred.lock().uid,
    )
}

pub fn sys_kill(c: &Caller, pid: i32, sig: i32) -> KResult<usize> {
    use crate::proc::signal::{code, send_to_process};
    if !(0..=crate::proc::NSIG as i32).contains(&sig) {
        return Err(Errno::EINVAL);
    }
    let me = c.process();
    let targets: alloc::vec::Vec<_> = match pid {
        p if p > 0 => alloc::vec![crate::proc::by_pid(p as u32).ok_or(Errno::ESRCH)?],
        _ => {
            let group = match pid {
                0 => Some(me.pgid.load(Ordering::Acquire)),
                -1 => None,
                n => Some(n.unsigned_abs()),
            };
            crate::proc::all_processes()
                .into_iter()
                .filter(|q| match group {
                    Some(g) => q.pgid.load(Ordering::Acquire) == g,
                    // kill(-1): everyone but init and the caller.
                    None => q.pid != 1 && !alloc::sync::Arc::ptr_eq(q, me),
                })
                .collect()
        }
    };
    if targets.is_empty() {
        return Err(Errno::ESRCH);
    }
    let mut sent = 0;
    for t in &targets {
        if !may_signal(c, t, sig) {
            continue;
        }
        sent += 1;
        if sig != 0 {
            send_to_process(t, signal_info(c, sig, code::SI_USER));
        }
    }
    if sent == 0 {
        return Err(Errno::EPERM);
    }
    Ok(0)
}

pub fn sys_tgkill(c: &Caller, tgid: i32, tid: i32, sig: i32) -> KResult<usize> {
    use crate::proc::signal::{code, send_to_thread};
    if !(0..=crate::proc::NSIG as i32).contains(&sig) || tid <= 0 || tgid == 0 || tgid < -1 {
        return Err(Errno::EINVAL);
    }
    let t = crate::proc::thread_by_tid(tid as u32).ok_or(Errno::ESRCH)?;
    let u = t.user().ok_or(Errno::ESRCH)?;
    if tgid > 0 && u.process.pid != tgid as u32 {
        return Err(Errno::ESRCH);
    }
    if !may_signal(c, &u.process, sig) {
        return Err(Errno::EPERM);
    }
    if sig != 0 {
        send_to_thread(&t, signal_info(c, sig, code::SI_TKILL));
    }
    Ok(0)
}

/// rt_sigqueueinfo(2) and rt_tgsigqueueinfo(2): a signal with the caller's siginfo. Only
/// negative si_code values (as sigqueue's SI_QUEUE) may be claimed for another process.
pub fn sys_rt_sigqueueinfo(
    c: &Caller,
    tgid: i32,
    tid: Option<i32>,
    sig: i32,
    info: u64,
) -> KResult<usize> {
    let mut raw = [0u8; 128];
    copy_from_user(&mut raw, info)?;
    if !(0..=crate::proc::NSIG as i32).contains(&sig) {
        return Err(Errno::EINVAL);
    }
    let word = |at: usize| u32::from_le_bytes([raw[at], raw[at + 1], raw[at + 2], raw[at + 3]]);
    let code = word(8) as i32;
    let me = c.process();
    if (code >= 0 || code == crate::proc::signal::code::SI_TKILL) && tgid as u32 != me.pid {
        return Err(Errno::EPERM);
    }
    let si = crate::proc::SigInfo {
        signo: sig as u32,
        code,
        errno: word(4) as i32,
        pid: word(16),
        uid: word(20),
        value: u64::from_le_bytes(raw[24..32].try_into().unwrap_or([0; 8])),
        fields: crate::proc::signal::Fields::Value,
        ..Default::default()
    };
    match tid {
        None => {
            let p = crate::proc::by_pid(tgid as u32).ok_or(Errno::ESRCH)?;
            if !may_signal(c, &p, sig) {
                return Err(Errno::EPERM);
            }
            if sig != 0 {
                crate::proc::signal::send_to_process(&p, si);
            }
        }
        Some(tid) => {
            let t = crate::proc::thread_by_tid(tid as u32).ok_or(Errno::ESRCH)?;
            let u = t.user().ok_or(Errno::ESRCH)?;
            if u.process.pid != tgid as u32 {
                return Err(Errno::ESRCH);
            }
            if !may_signal(c, &u.process, sig) {
                return Err(Errno::EPERM);
            }
            if sig != 0 {
                crate::proc::signal::send_to_thread(&t, si);
            }
        }
    }
    Ok(0)
}

pub fn sys_execveat(
    c: &Caller,
    dirfd: i32,
    path: u64,
    argv: u64,
    envp: u64,
    flags: u32,
    frame: &mut TrapFrame,
) -> KResult<usize> {
    use keel_abi::fcntl::{AT_EMPTY_PATH, AT_SYMLINK_NOFOLLOW};
    if flags & !(AT_EMPTY_PATH | AT_SYMLINK_NOFOLLOW) != 0 {
        return Err(Errno::EINVAL);
    }
    let path = read_cstr(path, 4095)?;
    let args = read_args(argv, envp)?;
    let p = c.process();
    let loaded = if path.is_empty() {
        if flags & AT_EMPTY_PATH == 0 {
            return Err(Errno::ENOENT);
        }
        let f = p.fds().get(dirfd)?;
        let inode = f.inode().cloned().ok_or(Errno::EACCES)?;
        let origin = f.origin().map(|(d, n)| (d.clone(), n.to_vec()));
        let name = alloc::format!("/dev/fd/{dirfd}").into_bytes();
        crate::proc::exec::load_inode(p, inode, origin, &name, args.0, args.1)?
    } else if path.first() == Some(&b'/') || dirfd == keel_abi::fcntl::AT_FDCWD {
        crate::proc::exec::load(p, &path, args.0, args.1)?
    } else {
        let dir = p.fds().get(dirfd)?.inode().cloned().ok_or(Errno::ENOTDIR)?;
        crate::proc::exec::load_at(p, &dir, &path, args.0, args.1)?
    };
    crate::proc::exec::install(&c.thread, loaded, frame);
    Ok(0)
}

type Args = (
    alloc::vec::Vec<alloc::vec::Vec<u8>>,
    alloc::vec::Vec<alloc::vec::Vec<u8>>,
);

fn read_args(argv: u64, envp: u64) -> KResult<Args> {
    let mut a = read_cstr_array(argv, ARG_MAX)?;
    if a.is_empty() {
        // Linux (since 5.18) gives a program started with no arguments an empty argv[0].
        a.push(alloc::vec::Vec::new());
    }
    let e = read_cstr_array(envp, ARG_MAX)?;
    Ok((a, e))
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
    let (argv, envp) = read_args(argv, envp)?;
    let p = c.process();
    let loaded = crate::proc::exec::load(p, &path, argv, envp)?;
    // Point of no return: install the new image.
    crate::proc::exec::install(&c.thread, loaded, frame);
    Ok(0)
}

pub fn sys_uname(buf: u64) -> KResult<usize> {
    UserPtr::<Utsname>::new(buf).write(crate::proc::uts::utsname())?;
    Ok(0)
}

/// `sethostname(2)` and `setdomainname(2)`: CAP_SYS_ADMIN (effective uid 0) or EPERM, a
/// length over 64 (or negative) EINVAL, then the bytes (EFAULT).
pub fn sys_sethostname(c: &Caller, name: u64, len: usize, domain: bool) -> KResult<usize> {
    if c.process().cred.lock().euid != 0 {
        return Err(Errno::EPERM);
    }
    if len > crate::proc::uts::NAME_MAX {
        return Err(Errno::EINVAL);
    }
    let mut buf = alloc::vec![0u8; len];
    crate::mm::usercopy::copy_from_user(&mut buf, name)?;
    if domain {
        crate::proc::uts::set_domainname(&buf)?;
    } else {
        crate::proc::uts::set_hostname(&buf)?;
    }
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
            crate::arch::x86_64::msr::set_user_fs_base(addr);
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
            crate::arch::x86_64::msr::set_user_gs_base(addr);
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
            p.fds().set_limit(l.rlim_cur as usize)?;
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

//! Waiting on many files, and the files made for waiting: poll, ppoll, select, pselect6, the
//! epoll calls, pipe and pipe2, eventfd and timerfd. The work is in `fs::poll`, `fs::pipe`,
//! `fs::eventfd` and `fs::timerfd`; this is the decoding.
#![forbid(unsafe_code)]

use keel_abi::time::{Timespec, Timeval};
use keel_abi::{Errno, KResult};
use keel_vfs::consts::{O_CLOEXEC, O_NONBLOCK, O_RDONLY, O_WRONLY};
use keel_vfs::OpenFile;

use super::signal::set_temporary_mask;
use super::Caller;
use crate::fs::poll;
use crate::mm::usercopy::UserPtr;

fn ts_ns(t: &Timespec) -> KResult<u64> {
    t.as_ns().ok_or(Errno::EINVAL)
}

/// Reads the optional signal mask of ppoll/pselect6/epoll_pwait and installs it for the call.
fn temporary_mask(c: &Caller, set: u64, size: usize) -> KResult<()> {
    if set == 0 {
        return Ok(());
    }
    if size != 8 {
        return Err(Errno::EINVAL);
    }
    let m = UserPtr::<u64>::new(set).read()?;
    set_temporary_mask(c, m);
    Ok(())
}

pub fn sys_poll(c: &Caller, fds: u64, nfds: u64, timeout_ms: i32) -> KResult<usize> {
    let t = (timeout_ms >= 0).then(|| timeout_ms as u64 * 1_000_000);
    poll::do_poll(c.process(), fds, nfds, t)
}

pub fn sys_ppoll(
    c: &Caller,
    fds: u64,
    nfds: u64,
    tsp: u64,
    set: u64,
    size: usize,
) -> KResult<usize> {
    let t = if tsp != 0 {
        Some(ts_ns(&UserPtr::<Timespec>::new(tsp).read()?)?)
    } else {
        None
    };
    temporary_mask(c, set, size)?;
    let start = crate::time::monotonic_ns();
    let r = poll::do_poll(c.process(), fds, nfds, t);
    write_remaining_ts(tsp, t, start)?;
    r
}

fn write_remaining_ts(tsp: u64, t: Option<u64>, start: u64) -> KResult<()> {
    if let (true, Some(total)) = (tsp != 0, t) {
        let elapsed = (crate::time::monotonic_ns() - start).max(1);
        let left = total.saturating_sub(elapsed);
        UserPtr::<Timespec>::new(tsp).write(Timespec {
            tv_sec: (left / 1_000_000_000) as i64,
            tv_nsec: (left % 1_000_000_000) as i64,
        })?;
    }
    Ok(())
}

pub fn sys_select(c: &Caller, n: i32, r: u64, w: u64, e: u64, tvp: u64) -> KResult<usize> {
    let t = if tvp != 0 {
        let tv = UserPtr::<Timeval>::new(tvp).read()?;
        if tv.tv_sec < 0 || tv.tv_usec < 0 {
            return Err(Errno::EINVAL);
        }
        Some(
            (tv.tv_sec as u64)
                .saturating_mul(1_000_000_000)
                .saturating_add((tv.tv_usec as u64).saturating_mul(1000)),
        )
    } else {
        None
    };
    let start = crate::time::monotonic_ns();
    let res = poll::do_select(c.process(), n, [r, w, e], t);
    if let (true, Some(total)) = (tvp != 0, t) {
        // Linux writes the time left back (even on error, unless it faults).
        let elapsed = (crate::time::monotonic_ns() - start).max(1);
        let left = total.saturating_sub(elapsed);
        UserPtr::<Timeval>::new(tvp).write(Timeval {
            tv_sec: (left / 1_000_000_000) as i64,
            tv_usec: (left % 1_000_000_000 / 1000) as i64,
        })?;
    }
    res
}

pub fn sys_pselect6(
    c: &Caller,
    n: i32,
    r: u64,
    w: u64,
    e: u64,
    tsp: u64,
    sig: u64,
) -> KResult<usize> {
    let t = if tsp != 0 {
        Some(ts_ns(&UserPtr::<Timespec>::new(tsp).read()?)?)
    } else {
        None
    };
    if sig != 0 {
        // struct { const sigset_t *ss; size_t ss_len; }
        let [set, size] = UserPtr::<[u64; 2]>::new(sig).read()?;
        temporary_mask(c, set, size as usize)?;
    }
    let start = crate::time::monotonic_ns();
    let res = poll::do_select(c.process(), n, [r, w, e], t);
    write_remaining_ts(tsp, t, start)?;
    res
}

pub fn sys_epoll_create(c: &Caller, size: i32) -> KResult<usize> {
    if size <= 0 {
        return Err(Errno::EINVAL);
    }
    poll::epoll_create(c.process(), 0)
}

pub fn sys_epoll_create1(c: &Caller, flags: u32) -> KResult<usize> {
    poll::epoll_create(c.process(), flags)
}

pub fn sys_epoll_ctl(c: &Caller, epfd: i32, op: i32, fd: i32, event: u64) -> KResult<usize> {
    poll::epoll_ctl(c.process(), epfd, op, fd, event)
}

pub fn sys_epoll_pwait(
    c: &Caller,
    epfd: i32,
    events: u64,
    max: i32,
    timeout: i32,
    set: u64,
    size: usize,
) -> KResult<usize> {
    temporary_mask(c, set, size)?;
    poll::epoll_wait(c.process(), epfd, events, max, timeout)
}

pub fn sys_pipe2(c: &Caller, fds: u64, flags: u32) -> KResult<usize> {
    const O_DIRECT: u32 = 0o40000;
    if flags & !(O_CLOEXEC | O_NONBLOCK | O_DIRECT) != 0 {
        return Err(Errno::EINVAL);
    }
    let (r, w) = crate::fs::pipe::new_pipe();
    let status = flags & O_NONBLOCK;
    let rf = OpenFile::new(r, None, O_RDONLY | status);
    let wf = OpenFile::new(w, None, O_WRONLY | status);
    let table = c.process().fds();
    let cloexec = flags & O_CLOEXEC != 0;
    let a = table.alloc(rf, cloexec)?;
    let b = match table.alloc(wf, cloexec) {
        Ok(b) => b,
        Err(e) => {
            let _ = table.close(a);
            return Err(e);
        }
    };
    if let Err(e) = UserPtr::<[i32; 2]>::new(fds).write([a, b]) {
        let _ = table.close(a);
        let _ = table.close(b);
        return Err(e);
    }
    Ok(0)
}

/// Installs a new anonymous file (eventfd, timerfd) with `O_NONBLOCK`/`O_CLOEXEC` from `flags`.
fn install_anon(
    c: &Caller,
    ops: alloc::sync::Arc<dyn keel_vfs::FileOps>,
    flags: u32,
) -> KResult<usize> {
    let file = OpenFile::new(ops, None, keel_vfs::consts::O_RDWR | (flags & O_NONBLOCK));
    Ok(c.process().fds().alloc(file, flags & O_CLOEXEC != 0)? as usize)
}

pub fn sys_eventfd2(c: &Caller, initval: u32, flags: u32) -> KResult<usize> {
    use crate::fs::eventfd::{EventFd, EFD_SEMAPHORE};
    if flags & !(O_CLOEXEC | O_NONBLOCK | EFD_SEMAPHORE) != 0 {
        return Err(Errno::EINVAL);
    }
    install_anon(
        c,
        alloc::sync::Arc::new(EventFd::new(initval, flags)),
        flags,
    )
}

pub fn sys_timerfd_create(c: &Caller, clock: i32, flags: u32) -> KResult<usize> {
    let clock = u32::try_from(clock).map_err(|_| Errno::EINVAL)?;
    use keel_abi::time::{
        CLOCK_BOOTTIME, CLOCK_BOOTTIME_ALARM, CLOCK_MONOTONIC, CLOCK_REALTIME, CLOCK_REALTIME_ALARM,
    };
    if flags & !(O_CLOEXEC | O_NONBLOCK) != 0 {
        return Err(Errno::EINVAL);
    }
    let realtime = match clock {
        CLOCK_REALTIME => true,
        CLOCK_MONOTONIC | CLOCK_BOOTTIME => false,
        // Linux: the alarm clocks need CAP_WAKE_ALARM.
        CLOCK_REALTIME_ALARM | CLOCK_BOOTTIME_ALARM => return Err(Errno::EPERM),
        _ => return Err(Errno::EINVAL),
    };
    install_anon(c, crate::fs::timerfd::TimerFd::new(realtime), flags)
}

fn timerfd_of(c: &Caller, fd: i32) -> KResult<alloc::sync::Arc<OpenFile>> {
    let f = c.process().fds().get(fd)?;
    if crate::fs::timerfd::as_timerfd(&f).is_none() {
        return Err(Errno::EINVAL);
    }
    Ok(f)
}

pub fn sys_timerfd_settime(c: &Caller, fd: i32, flags: u32, new: u64, old: u64) -> KResult<usize> {
    use crate::fs::timerfd::{as_timerfd, TFD_TIMER_ABSTIME, TFD_TIMER_CANCEL_ON_SET};
    use keel_abi::time::Itimerspec;
    if flags & !(TFD_TIMER_ABSTIME | TFD_TIMER_CANCEL_ON_SET) != 0 {
        return Err(Errno::EINVAL);
    }
    let f = timerfd_of(c, fd)?;
    let n = UserPtr::<Itimerspec>::new(new).read()?;
    let t = as_timerfd(&f).ok_or(Errno::EINVAL)?;
    let prev = t.set(flags, &n)?;
    if old != 0 {
        UserPtr::<Itimerspec>::new(old).write(prev)?;
    }
    Ok(0)
}

pub fn sys_timerfd_gettime(c: &Caller, fd: i32, cur: u64) -> KResult<usize> {
    let f = timerfd_of(c, fd)?;
    let t = crate::fs::timerfd::as_timerfd(&f).ok_or(Errno::EINVAL)?;
    UserPtr::<keel_abi::time::Itimerspec>::new(cur).write(t.get())?;
    Ok(0)
}

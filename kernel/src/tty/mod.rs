//! Terminals: the serial console and pseudo-terminals, both a [`terminal::Tty`] around the
//! shared line discipline (`keel_tty`), and the controlling-terminal bookkeeping `/dev/tty`
//! needs.
//!
//! - `terminal.rs`: a terminal's state, its ioctls and the job-control rules;
//! - `console.rs`: `/dev/console` and `/dev/ttyS0` on COM1, input from the UART interrupt;
//! - `pty.rs`: `/dev/ptmx` masters and their slaves (`/dev/pts/N` once devpts exists; the
//!   slave is also reachable from the master with TIOCGPTPEER).
//!
//! Lock order: `PTYS` is a leaf; a terminal's state lock is never held while taking it.
#![forbid(unsafe_code)]

pub mod console;
pub mod pty;
pub mod terminal;

use alloc::sync::{Arc, Weak};
use core::sync::atomic::Ordering;

use keel_abi::{Errno, KResult};
use keel_vfs::FileOps;

/// A process's controlling terminal (Linux's `signal->tty`), inherited by fork and cleared by
/// setsid, TIOCNOTTY and the session's end.
#[derive(Clone)]
pub enum Ctty {
    /// The serial console.
    Console,
    /// A pseudo-terminal's slave.
    Pty(Weak<pty::Pair>),
}

impl Ctty {
    /// The terminal, if it still exists.
    pub fn with<R>(&self, f: impl FnOnce(&terminal::Tty) -> R) -> Option<R> {
        match self {
            Ctty::Console => Some(f(console::tty())),
            Ctty::Pty(w) => w.upgrade().map(|p| f(p.slave())),
        }
    }

    /// Whether both name the same terminal.
    pub fn same(&self, other: &Ctty) -> bool {
        match (self, other) {
            (Ctty::Console, Ctty::Console) => true,
            (Ctty::Pty(a), Ctty::Pty(b)) => Weak::ptr_eq(a, b),
            _ => false,
        }
    }

    fn open(&self) -> KResult<Arc<dyn FileOps>> {
        match self {
            Ctty::Console => Ok(Arc::new(console::Console)),
            Ctty::Pty(w) => w.upgrade().map(pty::open_existing).ok_or(Errno::ENXIO),
        }
    }
}

fn caller() -> Option<Arc<crate::proc::Process>> {
    crate::sched::current_if_user().and_then(|t| t.user().map(|u| u.process.clone()))
}

/// The calling process's controlling terminal.
pub fn caller_ctty() -> Option<Ctty> {
    caller().and_then(|p| p.ctty.lock().clone())
}

/// Takes `tty` away from every process of session `sid` (the session lost its terminal).
pub fn clear_session_ctty(sid: u32, tty: &Ctty) {
    for p in crate::proc::all_processes() {
        if p.sid.load(Ordering::Acquire) == sid {
            let mut c = p.ctty.lock();
            if c.as_ref().is_some_and(|c| c.same(tty)) {
                *c = None;
            }
        }
    }
}

/// Linux's `tty_open_proc_set_tty`: opening a terminal without O_NOCTTY makes it the
/// controlling terminal of a session leader that has none, if no session has it (never for
/// /dev/console, which the caller marks with `noctty`).
pub fn acquire_on_open(flags: u32, handle: Ctty, noctty: bool) {
    if noctty || flags & keel_vfs::consts::O_NOCTTY != 0 {
        return;
    }
    let Some(p) = caller() else { return };
    let sid = p.sid.load(Ordering::Acquire);
    if sid != p.pid || p.ctty.lock().is_some() {
        return;
    }
    let taken = handle.with(|t| {
        let mut s = t.state.lock();
        if s.session.is_some() {
            return false;
        }
        s.session = Some(sid);
        s.fg_pgrp = p.pgid.load(Ordering::Acquire);
        true
    });
    if taken == Some(true) {
        *p.ctty.lock() = Some(handle);
    }
}

/// The session leader `p` exits (Linux's `disassociate_ctty(1)`): its terminal's foreground
/// group gets SIGHUP and the session loses the terminal.
pub fn leader_exited(p: &crate::proc::Process) {
    let Some(ctty) = p.ctty.lock().take() else {
        return;
    };
    let fg = ctty.with(|t| {
        let mut s = t.state.lock();
        if s.session != Some(p.pid) {
            return 0;
        }
        s.session = None;
        core::mem::replace(&mut s.fg_pgrp, 0)
    });
    if let Some(fg) = fg.filter(|&g| g != 0) {
        crate::proc::signal::send_to_group(fg, keel_abi::signal::SIGHUP);
    }
    clear_session_ctty(p.pid, &ctty);
}

/// The controlling terminal of session `sid`, as `/proc/PID/stat` shows it: its device number
/// (the console is ttyS0, 4:64, as on a Linux serial console; a pty slave 136:N) and its
/// foreground process group.
pub fn controlling_terminal(sid: u32) -> Option<(u64, u32)> {
    let console = console::tty();
    if console.controls(sid) {
        return Some((keel_vfs::makedev(4, 64), console.state.lock().fg_pgrp));
    }
    pty::controlling_index(sid).map(|(i, fg)| (keel_vfs::makedev(pty::PTS_MAJOR, i), fg))
}

/// `/dev/tty`: the caller's controlling terminal, or ENXIO without one (as on Linux).
pub fn open_ctty() -> KResult<Arc<dyn FileOps>> {
    caller_ctty().ok_or(Errno::ENXIO)?.open()
}

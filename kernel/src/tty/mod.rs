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

use alloc::sync::Arc;

use keel_abi::{Errno, KResult};
use keel_vfs::FileOps;

/// Whether some terminal controls session `sid` (a session has at most one).
pub fn session_has_ctty(sid: u32) -> bool {
    console::tty().controls(sid) || pty::controlling(sid).is_some()
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
    let sid = crate::sched::current_if_user()
        .and_then(|t| {
            t.user()
                .map(|u| u.process.sid.load(core::sync::atomic::Ordering::Acquire))
        })
        .ok_or(Errno::ENXIO)?;
    if console::tty().controls(sid) {
        return Ok(Arc::new(console::Console));
    }
    pty::controlling(sid).ok_or(Errno::ENXIO)
}

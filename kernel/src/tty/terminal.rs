//! A terminal: the line discipline plus what makes it a controlling terminal (session,
//! foreground process group, window size, hangup), and the ioctls and job-control rules every
//! terminal shares. The console and each pseudo-terminal's slave side are one `Tty` each; what
//! differs is where output goes (the UART, or the pty master's buffer), which the caller
//! handles.
//!
//! Job control (Linux's `tty_check_change` and `job_control`): a process of the terminal's
//! session outside its foreground group that reads gets SIGTTIN for its group (EIO if it
//! ignores or blocks SIGTTIN); with TOSTOP a write gets SIGTTOU; changing the settings or the
//! foreground group from the background gets SIGTTOU unless it is ignored or blocked.
//!
//! Lock order: `Tty::state` is an `IrqSpinLock` (the console's input arrives in an interrupt
//! handler); nothing is taken under it but the frame and heap locks. Signals are sent and
//! readiness notified after it is released.
#![forbid(unsafe_code)]

use alloc::sync::Arc;
use alloc::vec::Vec;
use core::sync::atomic::Ordering;

use keel_abi::signal::{SIGTTIN, SIGTTOU, SIGWINCH, SIG_IGN};
use keel_abi::termios::*;
use keel_abi::{Errno, KResult};
use keel_tty::{LineDiscipline, Read, Signal};
use keel_vfs::consts::POLLIN;

use crate::fs::readiness::Readiness;
use crate::mm::usercopy::UserPtr;
use crate::proc::Process;
use crate::sync::IrqSpinLock;

/// `TCSBRKP` (tcsendbreak with a duration; not in keel_abi's list).
const TCSBRKP: u32 = 0x5425;

/// The mutable part of a terminal.
pub struct State {
    pub ld: LineDiscipline,
    pub winsize: Winsize,
    /// The session this terminal controls, if any, and its foreground process group.
    pub session: Option<u32>,
    pub fg_pgrp: u32,
    /// The other side went away (pty master closed): reads give EOF, writes EIO.
    pub hung_up: bool,
}

/// One terminal.
pub struct Tty {
    pub state: IrqSpinLock<State>,
    /// Readers and pollers of this terminal wait here.
    pub ready: Readiness,
}

/// The calling process (none for kernel threads).
fn caller() -> Option<Arc<Process>> {
    crate::sched::current_if_user().and_then(|t| t.user().map(|u| u.process.clone()))
}

/// Whether the calling thread ignores or blocks `sig`.
fn ignores_or_blocks(sig: u32) -> bool {
    let Some(t) = crate::sched::current_if_user() else {
        return true;
    };
    let Some(u) = t.user() else { return true };
    let blocked = u.sigmask.load(Ordering::Acquire) & (1 << (sig - 1)) != 0;
    let ignored = u.process.sigactions.lock()[sig as usize - 1].sa_handler == SIG_IGN;
    blocked || ignored
}

impl Tty {
    /// A terminal with these settings, controlling nothing yet.
    pub fn new(termios: Termios) -> Tty {
        Tty {
            state: IrqSpinLock::new(State {
                ld: LineDiscipline::new(termios),
                winsize: Winsize::default(),
                session: None,
                fg_pgrp: 0,
                hung_up: false,
            }),
            ready: Readiness::new(),
        }
    }

    /// Whether this terminal controls session `sid` (for `/dev/tty`).
    pub fn controls(&self, sid: u32) -> bool {
        self.state.lock().session == Some(sid)
    }

    /// Feeds input from the wire (or the pty master). Echo goes to `echo`; returns the signal
    /// for the foreground group, if a signal character came, with that group.
    pub fn input(&self, bytes: &[u8], echo: &mut Vec<u8>) -> Option<(u32, u32)> {
        let mut raised = None;
        {
            let mut s = self.state.lock();
            for &b in bytes {
                if let Some(sig) = s.ld.receive(b, echo) {
                    if s.session.is_some() && s.fg_pgrp != 0 {
                        raised = Some((sig_number(sig), s.fg_pgrp));
                    }
                }
            }
        }
        self.ready.notify(POLLIN);
        raised
    }

    /// Job control for a read (`check_read`) or a write/ioctl (`check_write`): Ok if the
    /// caller may go on, else the error after signalling its group.
    fn job_control(&self, sig: u32) -> KResult<()> {
        let Some(p) = caller() else { return Ok(()) };
        let (session, fg) = {
            let s = self.state.lock();
            (s.session, s.fg_pgrp)
        };
        let sid = p.sid.load(Ordering::Acquire);
        let pgid = p.pgid.load(Ordering::Acquire);
        if session != Some(sid) || pgid == fg {
            return Ok(());
        }
        if ignores_or_blocks(sig) {
            return if sig == SIGTTIN {
                Err(Errno::EIO)
            } else {
                Ok(())
            };
        }
        crate::proc::signal::send_to_group(pgid, sig);
        Err(Errno::ERESTARTSYS)
    }

    /// A read from this terminal: EAGAIN when there is nothing yet (the caller blocks).
    pub fn read(&self, buf: &mut [u8]) -> KResult<usize> {
        self.job_control(SIGTTIN)?;
        let mut s = self.state.lock();
        match s.ld.read(buf) {
            Read::Data(n) => Ok(n),
            Read::Zero => Ok(0),
            Read::WouldBlock if s.hung_up => Ok(0),
            Read::WouldBlock => Err(Errno::EAGAIN),
        }
    }

    /// Output processing for a write: `out` gets the bytes for the wire.
    pub fn output(&self, buf: &[u8], out: &mut Vec<u8>) -> KResult<usize> {
        let tostop = self.state.lock().ld.termios().c_lflag & TOSTOP != 0;
        if tostop {
            self.job_control(SIGTTOU)?;
        }
        let mut s = self.state.lock();
        if s.hung_up {
            return Err(Errno::EIO);
        }
        s.ld.output(buf, out);
        Ok(buf.len())
    }

    /// Whether a read would not block.
    pub fn readable(&self) -> bool {
        let s = self.state.lock();
        s.ld.readable() || s.hung_up
    }

    /// VMIN 0 / VTIME: how long a read that finds nothing waits before returning 0.
    pub fn read_timeout_ns(&self) -> Option<u64> {
        self.state
            .lock()
            .ld
            .read_timeout_ds()
            .map(|ds| ds as u64 * 100_000_000)
    }

    /// The other side hung up: readers see EOF, the session's foreground group gets SIGHUP
    /// and SIGCONT, and the terminal stops controlling it.
    pub fn hang_up(&self) {
        let (session, fg) = {
            let mut s = self.state.lock();
            s.hung_up = true;
            (s.session.take(), core::mem::replace(&mut s.fg_pgrp, 0))
        };
        if let Some(sid) = session {
            // Linux: the session leader and the foreground group get SIGHUP, then SIGCONT.
            for p in crate::proc::all_processes() {
                let in_fg = fg != 0 && p.pgid.load(Ordering::Acquire) == fg;
                if p.pid == sid || in_fg {
                    let hup = crate::proc::SigInfo::kernel(keel_abi::signal::SIGHUP);
                    crate::proc::signal::send_to_process(&p, hup);
                    let cont = crate::proc::SigInfo::kernel(keel_abi::signal::SIGCONT);
                    crate::proc::signal::send_to_process(&p, cont);
                }
            }
        }
        self.ready.notify(POLLIN | keel_vfs::consts::POLLHUP);
    }

    /// The terminal ioctls (termios, window size, controlling terminal, queue sizes).
    /// `outq` is the bytes written but not yet taken by the other side (TIOCOUTQ).
    pub fn ioctl(&self, cmd: u32, arg: u64, outq: usize) -> KResult<usize> {
        match cmd {
            TCGETS => {
                let t = self.state.lock().ld.termios();
                UserPtr::<Termios>::new(arg).write(t)?
            }
            TCSETS | TCSETSW | TCSETSF => {
                let t = UserPtr::<Termios>::new(arg).read()?;
                self.job_control(SIGTTOU)?;
                self.state.lock().ld.set_termios(t, cmd == TCSETSF);
                self.ready.notify(POLLIN);
            }
            TIOCGWINSZ => {
                let w = self.state.lock().winsize;
                UserPtr::<Winsize>::new(arg).write(w)?
            }
            TIOCSWINSZ => {
                let w = UserPtr::<Winsize>::new(arg).read()?;
                self.set_winsize(w);
            }
            // Output is delivered synchronously, so draining (and a break) waits for nothing.
            TCSBRK | TCSBRKP => {}
            TCXONC if arg <= 3 => {}
            TCFLSH if arg <= 2 => {
                if arg != TCOFLUSH as u64 {
                    self.state.lock().ld.flush_input();
                }
            }
            TCXONC | TCFLSH => return Err(Errno::EINVAL),
            TIOCOUTQ => UserPtr::<i32>::new(arg).write(outq as i32)?,
            FIONREAD => {
                let n = self.state.lock().ld.available() as i32;
                UserPtr::<i32>::new(arg).write(n)?;
            }
            TIOCSCTTY | TIOCGPGRP | TIOCSPGRP | TIOCGSID | TIOCNOTTY => {
                return self.ctty_ioctl(cmd, arg)
            }
            _ => return Err(Errno::ENOTTY),
        }
        Ok(0)
    }

    /// Sets the window size; a change sends SIGWINCH to the foreground group.
    pub fn set_winsize(&self, w: Winsize) {
        let (changed, pgrp) = {
            let mut s = self.state.lock();
            let changed = s.winsize != w;
            s.winsize = w;
            (changed, s.fg_pgrp)
        };
        if changed && pgrp != 0 {
            crate::proc::signal::send_to_group(pgrp, SIGWINCH);
        }
    }

    /// The window size.
    pub fn winsize(&self) -> Winsize {
        self.state.lock().winsize
    }

    /// The job-control ioctls of a controlling terminal.
    fn ctty_ioctl(&self, cmd: u32, arg: u64) -> KResult<usize> {
        let p = caller().ok_or(Errno::ENOTTY)?;
        let sid = p.sid.load(Ordering::Acquire);
        match cmd {
            TIOCSCTTY => {
                let leader = sid == p.pid;
                if self.state.lock().session == Some(sid) {
                    return Ok(0);
                }
                if !leader || super::session_has_ctty(sid) {
                    return Err(Errno::EPERM);
                }
                let mut s = self.state.lock();
                if s.session.is_some() && (arg != 1 || p.cred.lock().euid != 0) {
                    return Err(Errno::EPERM);
                }
                s.session = Some(sid);
                s.fg_pgrp = p.pgid.load(Ordering::Acquire);
                s.hung_up = false;
                Ok(0)
            }
            TIOCGPGRP => {
                let s = self.state.lock();
                if s.session != Some(sid) {
                    return Err(Errno::ENOTTY);
                }
                let g = s.fg_pgrp;
                drop(s);
                UserPtr::<i32>::new(arg).write(g as i32)?;
                Ok(0)
            }
            TIOCSPGRP => {
                let g = UserPtr::<i32>::new(arg).read()?;
                if self.state.lock().session != Some(sid) {
                    return Err(Errno::ENOTTY);
                }
                self.job_control(SIGTTOU)?;
                if g < 0 {
                    return Err(Errno::EINVAL);
                }
                let exists = crate::proc::all_processes().iter().any(|q| {
                    q.pgid.load(Ordering::Acquire) == g as u32
                        && q.sid.load(Ordering::Acquire) == sid
                });
                if !exists {
                    return Err(Errno::EPERM);
                }
                self.state.lock().fg_pgrp = g as u32;
                Ok(0)
            }
            TIOCGSID => {
                let s = self.state.lock().session.ok_or(Errno::ENOTTY)?;
                if s != sid {
                    return Err(Errno::ENOTTY);
                }
                UserPtr::<i32>::new(arg).write(s as i32)?;
                Ok(0)
            }
            TIOCNOTTY => {
                let mut s = self.state.lock();
                if s.session != Some(sid) {
                    return Err(Errno::ENOTTY);
                }
                if sid == p.pid {
                    s.session = None;
                    s.fg_pgrp = 0;
                }
                Ok(0)
            }
            _ => Err(Errno::ENOTTY),
        }
    }
}

fn sig_number(s: Signal) -> u32 {
    s.number()
}

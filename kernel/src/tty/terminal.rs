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
    /// Threads whose read found nothing; one still waiting when the terminal hangs up gets
    /// EIO, later reads EOF (as Linux's hung-up file operations give).
    waiting: alloc::vec::Vec<u32>,
    eio_for: alloc::vec::Vec<u32>,
}

/// One terminal.
pub struct Tty {
    pub state: IrqSpinLock<State>,
    /// Readers and pollers of this terminal wait here.
    pub ready: Readiness,
    /// How processes name this terminal as their controlling terminal.
    handle: super::Ctty,
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
    pub fn new(termios: Termios, handle: super::Ctty) -> Tty {
        Tty {
            state: IrqSpinLock::new(State {
                ld: LineDiscipline::new(termios),
                winsize: Winsize::default(),
                session: None,
                fg_pgrp: 0,
                hung_up: false,
                waiting: alloc::vec::Vec::new(),
                eio_for: alloc::vec::Vec::new(),
            }),
            ready: Readiness::new(),
            handle,
        }
    }

    /// This terminal as a controlling-terminal handle.
    pub fn handle(&self) -> super::Ctty {
        self.handle.clone()
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
        if pgrp_orphaned(pgid) {
            // Nobody could continue a stopped orphan: Linux answers EIO instead.
            return Err(Errno::EIO);
        }
        crate::proc::signal::send_to_group(pgid, sig);
        Err(Errno::ERESTARTSYS)
    }

    /// A read from this terminal of what there is: EAGAIN when there is nothing yet (the
    /// caller blocks, and goes on reading until the read rule is met).
    pub fn read(&self, buf: &mut [u8]) -> KResult<usize> {
        self.job_control(SIGTTIN)?;
        let tid = crate::sched::current().tid();
        let mut s = self.state.lock();
        if let Some(i) = s.eio_for.iter().position(|&t| t == tid) {
            s.eio_for.swap_remove(i);
            return Err(Errno::EIO);
        }
        s.waiting.retain(|&t| t != tid);
        match s.ld.read(buf) {
            Read::Data(n) => Ok(n),
            Read::Zero => Ok(0),
            Read::WouldBlock if s.hung_up => Ok(0),
            Read::WouldBlock => {
                s.waiting.push(tid);
                Err(Errno::EAGAIN)
            }
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

    /// N_TTY's VMIN/VTIME rule for a read starting now (`fs::read_blocking` applies it).
    pub fn read_rule(&self) -> keel_vfs::ReadRule {
        self.state.lock().ld.read_rule()
    }

    /// The other side hung up: readers see EOF, the session's foreground group gets SIGHUP
    /// and SIGCONT, and the terminal stops controlling it.
    pub fn hang_up(&self) {
        let session = {
            let mut s = self.state.lock();
            s.hung_up = true;
            let waiting = core::mem::take(&mut s.waiting);
            s.eio_for.extend(waiting);
            s.fg_pgrp = 0;
            s.session.take()
        };
        if let Some(sid) = session {
            // Linux's tty_signal_session_leader: the session loses the terminal and its
            // leader gets SIGHUP, then SIGCONT (the rest hear of it when the leader exits).
            super::clear_session_ctty(sid, &self.handle);
            if let Some(p) = crate::proc::by_pid(sid) {
                let hup = crate::proc::SigInfo::kernel(keel_abi::signal::SIGHUP);
                crate::proc::signal::send_to_process(&p, hup);
                let cont = crate::proc::SigInfo::kernel(keel_abi::signal::SIGCONT);
                crate::proc::signal::send_to_process(&p, cont);
            }
        }
        self.ready.notify(POLLIN | keel_vfs::consts::POLLHUP);
    }

    /// The terminal ioctls (termios, window size, controlling terminal, queue sizes).
    /// `outq` is the bytes written but not yet taken by the other side (TIOCOUTQ).
    pub fn ioctl(&self, cmd: u32, arg: u64, outq: usize) -> KResult<usize> {
        if self.state.lock().hung_up {
            // Linux's hung_up_tty_ioctl.
            return Err(if cmd == TIOCSPGRP {
                Errno::ENOTTY
            } else {
                Errno::EIO
            });
        }
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

    /// Whether this terminal is the caller's controlling terminal.
    fn is_ctty_of(&self, p: &Process) -> bool {
        p.ctty.lock().as_ref().is_some_and(|c| c.same(&self.handle))
    }

    /// The job-control ioctls of a controlling terminal.
    fn ctty_ioctl(&self, cmd: u32, arg: u64) -> KResult<usize> {
        let p = caller().ok_or(Errno::ENOTTY)?;
        let sid = p.sid.load(Ordering::Acquire);
        match cmd {
            TIOCSCTTY => {
                let leader = sid == p.pid;
                if leader && self.state.lock().session == Some(sid) {
                    return Ok(0);
                }
                if !leader || p.ctty.lock().is_some() {
                    return Err(Errno::EPERM);
                }
                let stolen = {
                    let mut s = self.state.lock();
                    let old = s.session;
                    if old.is_some() && (arg != 1 || p.cred.lock().euid != 0) {
                        return Err(Errno::EPERM);
                    }
                    s.session = Some(sid);
                    s.fg_pgrp = p.pgid.load(Ordering::Acquire);
                    s.hung_up = false;
                    old
                };
                if let Some(old) = stolen {
                    super::clear_session_ctty(old, &self.handle);
                }
                *p.ctty.lock() = Some(self.handle.clone());
                Ok(0)
            }
            TIOCGPGRP => {
                let g = self.pgrp_for(&p)?;
                UserPtr::<i32>::new(arg).write(g as i32)?;
                Ok(0)
            }
            TIOCSPGRP => {
                let g = UserPtr::<i32>::new(arg).read()?;
                if !self.is_ctty_of(&p) || self.state.lock().session != Some(sid) {
                    return Err(Errno::ENOTTY);
                }
                // Linux's tiocspgrp turns tty_check_change's EIO into ENOTTY.
                self.job_control(SIGTTOU).map_err(|e| {
                    if e == Errno::EIO {
                        Errno::ENOTTY
                    } else {
                        e
                    }
                })?;
                if g < 0 {
                    return Err(Errno::EINVAL);
                }
                let procs = crate::proc::all_processes();
                let group: alloc::vec::Vec<_> = procs
                    .iter()
                    .filter(|q| q.pgid.load(Ordering::Acquire) == g as u32 && !q.is_zombie())
                    .collect();
                if group.is_empty() {
                    return Err(Errno::ESRCH);
                }
                if group.iter().any(|q| q.sid.load(Ordering::Acquire) != sid) {
                    return Err(Errno::EPERM);
                }
                self.state.lock().fg_pgrp = g as u32;
                Ok(0)
            }
            TIOCGSID => {
                let s = self.session_for(&p)?;
                UserPtr::<i32>::new(arg).write(s as i32)?;
                Ok(0)
            }
            TIOCNOTTY => {
                if !self.is_ctty_of(&p) {
                    return Err(Errno::ENOTTY);
                }
                if sid == p.pid {
                    // Linux's disassociate_ctty(0): the foreground group gets SIGHUP and
                    // SIGCONT, and the whole session loses the terminal.
                    let fg = {
                        let mut s = self.state.lock();
                        s.session = None;
                        core::mem::replace(&mut s.fg_pgrp, 0)
                    };
                    if fg != 0 {
                        crate::proc::signal::send_to_group(fg, keel_abi::signal::SIGHUP);
                        crate::proc::signal::send_to_group(fg, keel_abi::signal::SIGCONT);
                    }
                    super::clear_session_ctty(sid, &self.handle);
                } else {
                    *p.ctty.lock() = None;
                }
                Ok(0)
            }
            _ => Err(Errno::ENOTTY),
        }
    }

    /// TIOCGPGRP on the terminal itself: the caller must have it as controlling terminal.
    fn pgrp_for(&self, p: &Process) -> KResult<u32> {
        if !self.is_ctty_of(p) {
            return Err(Errno::ENOTTY);
        }
        Ok(self.state.lock().fg_pgrp)
    }

    /// TIOCGSID on the terminal itself.
    fn session_for(&self, p: &Process) -> KResult<u32> {
        if !self.is_ctty_of(p) {
            return Err(Errno::ENOTTY);
        }
        self.state.lock().session.ok_or(Errno::ENOTTY)
    }

    /// TIOCGPGRP and TIOCGSID through the pty master: no controlling-terminal check.
    pub fn master_query(&self, cmd: u32, arg: u64) -> KResult<usize> {
        let (session, fg) = {
            let s = self.state.lock();
            (s.session, s.fg_pgrp)
        };
        let v = if cmd == TIOCGSID {
            session.ok_or(Errno::ENOTTY)?
        } else {
            fg
        };
        UserPtr::<i32>::new(arg).write(v as i32)?;
        Ok(0)
    }
}

/// Linux's `is_current_pgrp_orphaned`: no member has a parent in another group of the same
/// session (so no shell could continue the group if it stopped).
fn pgrp_orphaned(pgid: u32) -> bool {
    let procs = crate::proc::all_processes();
    !procs.iter().any(|q| {
        q.pgid.load(Ordering::Acquire) == pgid
            && !q.is_zombie()
            && q.parent.lock().upgrade().is_some_and(|par| {
                par.pgid.load(Ordering::Acquire) != pgid
                    && par.sid.load(Ordering::Acquire) == q.sid.load(Ordering::Acquire)
            })
    })
}

fn sig_number(s: Signal) -> u32 {
    s.number()
}

//! The console (`/dev/console`, `/dev/ttyS0`: COM1), a terminal with the shared line
//! discipline (`keel_tty`, Linux's N_TTY) between the UART and its readers.
//!
//! Input arrives from the UART interrupt and goes through the line discipline (canonical
//! editing, echo, translation; with ISIG, ^C, ^\ and ^Z become SIGINT, SIGQUIT and SIGTSTP for
//! the foreground process group, sent by the signal worker since this is interrupt context).
//! Output from programs goes through its output processing (OPOST, ONLCR) to the UART.
//!
//! The console is a controlling terminal: a session leader acquires it with TIOCSCTTY, and
//! TIOCGPGRP/TIOCSPGRP name its foreground group; `/dev/tty` opens it for that session.
//!
//! Lock order: `CONSOLE` is taken from the interrupt handler and from threads; the serial lock
//! (for echo) nests inside it. Readers and pollers wait on [`READY`], notified after it.

use alloc::vec::Vec;

use core::sync::atomic::Ordering;

use keel_abi::termios::*;
use keel_abi::{Errno, KResult};
use keel_tty::{LineDiscipline, Read};
use keel_vfs::consts::{POLLIN, POLLOUT};
use keel_vfs::{FileOps, Metadata, Pollee};

use super::readiness::Readiness;
use crate::drivers::serial;
use crate::mm::usercopy::UserPtr;
use crate::sync::IrqSpinLock;

/// `TCSBRKP` (POSIX tcsendbreak with a duration); not in keel_abi's list.
const TCSBRKP: u32 = 0x5425;

struct State {
    ld: LineDiscipline,
    winsize: Winsize,
    /// The session this console controls, if any, and its foreground process group.
    session: Option<u32>,
    fg_pgrp: u32,
}

/// The console's readiness: readers and pollers of the console wait here.
static READY: Readiness = Readiness::new();

static CONSOLE: IrqSpinLock<Option<State>> = IrqSpinLock::new(None);

/// Linux's `tty_std_termios` with the serial console's c_cflag (B9600|CS8|CREAD|HUPCL|CLOCAL).
fn console_termios() -> Termios {
    Termios {
        c_cflag: 0o6275,
        ..keel_tty::default_termios()
    }
}

fn with<R>(f: impl FnOnce(&mut State) -> R) -> R {
    let mut g = CONSOLE.lock();
    let st = g.get_or_insert_with(|| State {
        ld: LineDiscipline::new(console_termios()),
        winsize: Winsize::default(),
        session: None,
        fg_pgrp: 0,
    });
    f(st)
}

/// Takes a byte from the UART (interrupt context) and wakes readers; a signal character
/// signals the foreground group (through the signal worker: never from the interrupt).
pub fn console_input(b: u8) {
    let mut echo = Vec::new();
    let raise = with(|c| {
        let sig = c.ld.receive(b, &mut echo);
        sig.map(|s| (s.number(), c.fg_pgrp, c.session))
    });
    if !echo.is_empty() {
        serial::write_raw(&echo);
    }
    if let Some((sig, pgrp, Some(_))) = raise {
        if pgrp != 0 {
            crate::proc::signal::send_to_group_deferred(pgrp, sig);
        }
    }
    READY.notify(POLLIN);
}

/// Whether the console is the controlling terminal of `sid` (for `/dev/tty`).
pub fn controls_session(sid: u32) -> bool {
    with(|c| c.session == Some(sid))
}

/// The calling process's session and group, and whether it leads its session.
fn caller() -> Option<(alloc::sync::Arc<crate::proc::Process>, u32)> {
    let t = crate::sched::current_if_user()?;
    let p = t.user()?.process.clone();
    let sid = p.sid.load(Ordering::Acquire);
    Some((p, sid))
}

/// The job-control ioctls of a controlling terminal.
fn ctty_ioctl(cmd: u32, arg: u64) -> KResult<usize> {
    let (p, sid) = caller().ok_or(Errno::ENOTTY)?;
    match cmd {
        TIOCSCTTY => {
            let leader = sid == p.pid;
            with(|c| {
                if c.session == Some(sid) {
                    return Ok(0);
                }
                if !leader {
                    return Err(Errno::EPERM);
                }
                if c.session.is_some() && (arg != 1 || p.cred.lock().euid != 0) {
                    return Err(Errno::EPERM);
                }
                c.session = Some(sid);
                c.fg_pgrp = p.pgid.load(Ordering::Acquire);
                Ok(0)
            })
        }
        TIOCGPGRP => {
            let g = with(|c| (c.session == Some(sid)).then_some(c.fg_pgrp)).ok_or(Errno::ENOTTY)?;
            UserPtr::<i32>::new(arg).write(g as i32)?;
            Ok(0)
        }
        TIOCSPGRP => {
            let g = UserPtr::<i32>::new(arg).read()?;
            if with(|c| c.session != Some(sid)) {
                return Err(Errno::ENOTTY);
            }
            if g < 0 {
                return Err(Errno::EINVAL);
            }
            let exists = crate::proc::all_processes().iter().any(|q| {
                q.pgid.load(Ordering::Acquire) == g as u32 && q.sid.load(Ordering::Acquire) == sid
            });
            if !exists {
                return Err(Errno::EPERM);
            }
            with(|c| c.fg_pgrp = g as u32);
            Ok(0)
        }
        TIOCGSID => {
            let s = with(|c| (c.session == Some(sid)).then_some(sid)).ok_or(Errno::ENOTTY)?;
            UserPtr::<i32>::new(arg).write(s as i32)?;
            Ok(0)
        }
        TIOCNOTTY => with(|c| {
            if c.session != Some(sid) {
                return Err(Errno::ENOTTY);
            }
            if sid == p.pid {
                c.session = None;
                c.fg_pgrp = 0;
            }
            Ok(0)
        }),
        _ => Err(Errno::ENOTTY),
    }
}

/// For a read of the console that found nothing: how long to wait before returning 0, when
/// VMIN is 0 and VTIME is not (non-canonical mode); `None` means wait for input.
pub fn read_timeout_ns(f: &keel_vfs::OpenFile) -> Option<u64> {
    let m = f.stat();
    if m.mode & keel_vfs::consts::S_IFMT != keel_vfs::consts::S_IFCHR
        || keel_vfs::major(m.rdev) != 5 && keel_vfs::major(m.rdev) != 4
    {
        return None;
    }
    with(|c| c.ld.read_timeout_ds()).map(|ds| ds as u64 * 100_000_000)
}

/// The console device.
pub struct Console;

impl FileOps for Console {
    fn read(&self, _pos: &mut u64, buf: &mut [u8], _flags: u32) -> KResult<usize> {
        match with(|c| c.ld.read(buf)) {
            Read::Data(n) => Ok(n),
            Read::Zero => Ok(0),
            Read::WouldBlock => Err(Errno::EAGAIN),
        }
    }

    fn write(&self, _pos: &mut u64, buf: &[u8], _flags: u32) -> KResult<usize> {
        let mut out = Vec::with_capacity(buf.len() + buf.len() / 8);
        with(|c| c.ld.output(buf, &mut out));
        serial::write_raw(&out);
        Ok(buf.len())
    }

    fn ioctl(&self, cmd: u32, arg: usize) -> KResult<usize> {
        let arg = arg as u64;
        match cmd {
            TCGETS => UserPtr::<Termios>::new(arg).write(with(|c| c.ld.termios()))?,
            TCSETS | TCSETSW | TCSETSF => {
                let t = UserPtr::<Termios>::new(arg).read()?;
                with(|c| c.ld.set_termios(t, cmd == TCSETSF));
                READY.notify(POLLIN);
            }
            TIOCGWINSZ => UserPtr::<Winsize>::new(arg).write(with(|c| c.winsize))?,
            TIOCSWINSZ => {
                let w = UserPtr::<Winsize>::new(arg).read()?;
                let (changed, pgrp) = with(|c| {
                    let changed = c.winsize != w;
                    c.winsize = w;
                    (changed, c.fg_pgrp)
                });
                if changed && pgrp != 0 {
                    crate::proc::signal::send_to_group(pgrp, keel_abi::signal::SIGWINCH);
                }
            }
            // Output is written synchronously, so draining (and a break) has nothing to wait for.
            TCSBRK | TCSBRKP => {}
            TCXONC if arg <= 3 => {}
            TCFLSH if arg <= 2 => {
                if arg != TCOFLUSH as u64 {
                    with(|c| c.ld.flush_input());
                }
            }
            TCXONC | TCFLSH => return Err(Errno::EINVAL),
            TIOCOUTQ => UserPtr::<i32>::new(arg).write(0)?,
            TIOCSCTTY | TIOCGPGRP | TIOCSPGRP | TIOCGSID | TIOCNOTTY => {
                return ctty_ioctl(cmd, arg)
            }
            FIONREAD => {
                let n = with(|c| c.ld.available()) as i32;
                UserPtr::<i32>::new(arg).write(n)?;
            }
            _ => return Err(Errno::ENOTTY),
        }
        Ok(0)
    }

    fn poll(&self) -> u16 {
        POLLOUT | if with(|c| c.ld.readable()) { POLLIN } else { 0 }
    }

    fn pollee(&self) -> Option<&dyn Pollee> {
        Some(&READY)
    }

    fn stat(&self) -> Metadata {
        Metadata::default()
    }
}

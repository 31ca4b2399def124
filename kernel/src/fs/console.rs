//! The console (`/dev/console`, COM1) with a line discipline: what Linux's N_TTY does for the
//! settings programs use on a console.
//!
//! Input arrives from the UART interrupt. With ICANON it is edited a line at a time (ERASE,
//! KILL, EOF, EOL; with ISIG, INTR/QUIT/SUSP discard the line and send SIGINT/SIGQUIT/SIGTSTP
//! to the foreground process group of the session the console controls) and
//! a read returns at most one line; without ICANON bytes are readable at once, and VMIN/VTIME
//! decide when a read with nothing to return gives 0. ECHO (with ECHOE, ECHOK, ECHONL and
//! ECHOCTL) echoes as N_TTY does; ICRNL, INLCR and IGNCR translate input; output gets NL ->
//! CR NL (OPOST|ONLCR is the only output processing Keel does). The terminal ioctls report
//! and change the real settings.
//!
//! The console is a controlling terminal: a session leader acquires it with TIOCSCTTY, and
//! TIOCGPGRP/TIOCSPGRP name its foreground group; `/dev/tty` opens it for that session.
//!
//! Lock order: `CONSOLE` is taken from the interrupt handler and from threads; the serial lock
//! (for echo) nests inside it. Readers and pollers wait on [`READY`], notified after it.

use alloc::collections::VecDeque;
use alloc::vec::Vec;

use core::sync::atomic::Ordering;

use keel_abi::termios::{Termios, Winsize};
use keel_abi::{Errno, KResult};
use keel_vfs::consts::{POLLIN, POLLOUT};
use keel_vfs::{FileOps, Metadata, Pollee};

use super::readiness::Readiness;

use crate::drivers::serial;
use crate::mm::usercopy::UserPtr;
use crate::sync::IrqSpinLock;

// termios bits and control-character indices (asm-generic/termbits.h).
const IGNCR: u32 = 0o200;
const ICRNL: u32 = 0o400;
const INLCR: u32 = 0o100;
const ISIG: u32 = 0o1;
const ICANON: u32 = 0o2;
const ECHO: u32 = 0o10;
const ECHOE: u32 = 0o20;
const ECHOK: u32 = 0o40;
const ECHONL: u32 = 0o100;
const ECHOCTL: u32 = 0o1000;
const VINTR: usize = 0;
const VQUIT: usize = 1;
const VERASE: usize = 2;
const VKILL: usize = 3;
const VEOF: usize = 4;
const VTIME: usize = 5;
const VMIN: usize = 6;
const VSUSP: usize = 10;
const VEOL: usize = 11;
const VEOL2: usize = 16;

/// Most bytes kept (as N_TTY's 4 KiB buffer): more input is dropped.
const INPUT_MAX: usize = 4096;

struct State {
    termios: Termios,
    winsize: Winsize,
    /// Canonical mode: the line being edited.
    line: Vec<u8>,
    /// Readable bytes: whole lines in canonical mode, everything otherwise.
    ready: VecDeque<u8>,
    /// Canonical mode: end-of-file marks (a VEOF on an empty line) at these `ready` offsets.
    eof_at: VecDeque<usize>,
    /// The session this console controls, if any, and its foreground process group.
    session: Option<u32>,
    fg_pgrp: u32,
    /// A signal for the foreground group, raised by input and sent after the lock is dropped.
    raise: Option<u32>,
}

/// The console's readiness: readers and pollers of the console wait here.
static READY: Readiness = Readiness::new();

static CONSOLE: IrqSpinLock<Option<State>> = IrqSpinLock::new(None);

/// Linux's `tty_std_termios` with the serial console's c_cflag (B9600|CS8|CREAD|HUPCL|CLOCAL).
fn default_termios() -> Termios {
    let mut t = Termios {
        c_iflag: 0o2400, // ICRNL|IXON
        c_oflag: 0o5,    // OPOST|ONLCR
        c_cflag: 0o6275,
        c_lflag: 0o105073, // ISIG|ICANON|ECHO|ECHOE|ECHOK|ECHOCTL|ECHOKE|IEXTEN
        ..Default::default()
    };
    let cc = [
        3u8, 28, 127, 21, 4, 0, 1, 0, 17, 19, 26, 0, 18, 15, 23, 22, 0,
    ];
    t.c_cc[..cc.len()].copy_from_slice(&cc);
    t
}

fn with<R>(f: impl FnOnce(&mut State) -> R) -> R {
    let mut g = CONSOLE.lock();
    let st = g.get_or_insert_with(|| State {
        termios: default_termios(),
        winsize: Winsize::default(),
        line: Vec::new(),
        ready: VecDeque::new(),
        eof_at: VecDeque::new(),
        session: None,
        fg_pgrp: 0,
        raise: None,
    });
    f(st)
}

impl State {
    fn lflag(&self, bit: u32) -> bool {
        self.termios.c_lflag & bit != 0
    }

    fn canonical(&self) -> bool {
        self.lflag(ICANON)
    }

    /// Echoes a byte as N_TTY does: control characters as `^X` with ECHOCTL.
    fn echo(&self, b: u8) {
        if !self.lflag(ECHO) {
            return;
        }
        if self.lflag(ECHOCTL) && (b < 0x20 && b != b'\n' && b != b'\t' || b == 0x7f) {
            serial::write_bytes(&[b'^', b ^ 0x40]);
        } else {
            serial::write_bytes(&[b]);
        }
    }

    /// Erases the last character of the line (and its echo).
    fn erase_one(&mut self) {
        if let Some(b) = self.line.pop() {
            if self.lflag(ECHO) && self.lflag(ECHOE) {
                let wide = self.lflag(ECHOCTL) && (b < 0x20 || b == 0x7f);
                let n = if wide { 2 } else { 1 };
                for _ in 0..n {
                    serial::write_bytes(b"\x08 \x08");
                }
            }
        }
    }

    fn finish_line(&mut self) {
        self.ready.extend(self.line.drain(..));
    }

    fn input(&mut self, mut b: u8) {
        let iflag = self.termios.c_iflag;
        if b == b'\r' {
            if iflag & IGNCR != 0 {
                return;
            }
            if iflag & ICRNL != 0 {
                b = b'\n';
            }
        } else if b == b'\n' && iflag & INLCR != 0 {
            b = b'\r';
        }
        if self.ready.len() + self.line.len() >= INPUT_MAX {
            return;
        }
        let cc = self.termios.c_cc;
        if self.lflag(ISIG) && [cc[VINTR], cc[VQUIT], cc[VSUSP]].contains(&b) && b != 0 {
            // The line is discarded, as Linux does when it sends one of these.
            self.raise = Some(if b == cc[VINTR] {
                keel_abi::signal::SIGINT
            } else if b == cc[VQUIT] {
                keel_abi::signal::SIGQUIT
            } else {
                keel_abi::signal::SIGTSTP
            });
            self.echo(b);
            self.line.clear();
            if self.lflag(ECHO) {
                serial::write_bytes(b"\n");
            }
            return;
        }
        if !self.canonical() {
            self.echo(b);
            self.ready.push_back(b);
            return;
        }
        if b == cc[VERASE] && b != 0 {
            self.erase_one();
        } else if b == cc[VKILL] && b != 0 {
            if self.lflag(ECHO) && self.lflag(ECHOK) {
                while !self.line.is_empty() {
                    self.erase_one();
                }
            }
            self.line.clear();
        } else if b == cc[VEOF] && b != 0 {
            if self.line.is_empty() {
                self.eof_at.push_back(self.ready.len());
            }
            self.finish_line();
        } else if b == b'\n' || (b != 0 && (b == cc[VEOL] || b == cc[VEOL2])) {
            if self.lflag(ECHO) || (b == b'\n' && self.lflag(ECHONL)) {
                serial::write_bytes(&[b]);
            }
            self.line.push(b);
            self.finish_line();
        } else {
            self.echo(b);
            self.line.push(b);
        }
    }

    /// Bytes a read could return now.
    fn available(&self) -> usize {
        self.ready.len()
    }

    fn readable(&self) -> bool {
        !self.ready.is_empty() || !self.eof_at.is_empty()
    }
}

/// Takes a byte from the UART (interrupt context) and wakes readers; a signal character
/// signals the foreground group (through the signal worker: never from the interrupt).
pub fn console_input(b: u8) {
    let raise = with(|c| {
        c.input(b);
        c.raise.take().map(|sig| (sig, c.fg_pgrp, c.session))
    });
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

const TIOCGPGRP: u32 = 0x540f;
const TIOCSPGRP: u32 = 0x5410;
const TIOCNOTTY: u32 = 0x5422;
const TIOCGSID: u32 = 0x5429;

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
        || m.rdev != keel_vfs::makedev(5, 1)
    {
        return None;
    }
    with(|c| {
        let t = c.termios;
        (!c.canonical() && t.c_cc[VMIN] == 0 && t.c_cc[VTIME] != 0)
            .then(|| t.c_cc[VTIME] as u64 * 100_000_000)
    })
}

/// The console device.
pub struct Console;

const TCGETS: u32 = 0x5401;
const TCSETS: u32 = 0x5402;
const TCSETSW: u32 = 0x5403;
const TCSETSF: u32 = 0x5404;
const TCSBRK: u32 = 0x5409;
const TCXONC: u32 = 0x540a;
const TCFLSH: u32 = 0x540b;
const TIOCSCTTY: u32 = 0x540e;
const TIOCGWINSZ: u32 = 0x5413;
const TIOCSWINSZ: u32 = 0x5414;
const FIONREAD: u32 = 0x541b;
const TCSBRKP: u32 = 0x5425;

impl FileOps for Console {
    fn read(&self, _pos: &mut u64, buf: &mut [u8], _flags: u32) -> KResult<usize> {
        if buf.is_empty() {
            return Ok(0);
        }
        with(|c| {
            if c.canonical() {
                // An end-of-file mark at the front: this read returns 0 and consumes it.
                if c.eof_at.front() == Some(&0) {
                    c.eof_at.pop_front();
                    return Ok(0);
                }
                if c.ready.is_empty() {
                    return Err(Errno::EAGAIN);
                }
                // One line at most, and never past the next end-of-file mark.
                let limit = c.eof_at.front().copied().unwrap_or(usize::MAX);
                let mut n = 0;
                while n < buf.len() && n < limit {
                    let Some(b) = c.ready.pop_front() else { break };
                    buf[n] = b;
                    n += 1;
                    if b == b'\n' || b == c.termios.c_cc[VEOL] && b != 0 {
                        break;
                    }
                }
                for at in c.eof_at.iter_mut() {
                    *at -= n;
                }
                return Ok(n);
            }
            if c.ready.is_empty() {
                let t = c.termios;
                return if t.c_cc[VMIN] == 0 && t.c_cc[VTIME] == 0 {
                    Ok(0)
                } else {
                    Err(Errno::EAGAIN)
                };
            }
            let n = buf.len().min(c.ready.len());
            for (dst, src) in buf.iter_mut().zip(c.ready.drain(..n)) {
                *dst = src;
            }
            Ok(n)
        })
    }

    fn write(&self, _pos: &mut u64, buf: &[u8], _flags: u32) -> KResult<usize> {
        serial::write_bytes(buf);
        Ok(buf.len())
    }

    fn ioctl(&self, cmd: u32, arg: usize) -> KResult<usize> {
        let arg = arg as u64;
        match cmd {
            TCGETS => UserPtr::<Termios>::new(arg).write(with(|c| c.termios))?,
            TCSETS | TCSETSW | TCSETSF => {
                let t = UserPtr::<Termios>::new(arg).read()?;
                with(|c| {
                    let was_canonical = c.canonical();
                    c.termios = t;
                    if cmd == TCSETSF {
                        c.line.clear();
                        c.ready.clear();
                        c.eof_at.clear();
                    } else if was_canonical && !c.canonical() {
                        // Leaving canonical mode makes the partial line readable.
                        c.finish_line();
                        c.eof_at.clear();
                    }
                });
            }
            TIOCGWINSZ => UserPtr::<Winsize>::new(arg).write(with(|c| c.winsize))?,
            TIOCSWINSZ => {
                let w = UserPtr::<Winsize>::new(arg).read()?;
                with(|c| c.winsize = w);
            }
            // Output is written synchronously, so draining (and a break) has nothing to wait for.
            TCSBRK | TCSBRKP => {}
            TCXONC if arg <= 3 => {}
            TCFLSH if arg <= 2 => {
                if arg != 1 {
                    // TCIFLUSH or TCIOFLUSH
                    with(|c| {
                        c.line.clear();
                        c.ready.clear();
                        c.eof_at.clear();
                    });
                }
            }
            TCXONC | TCFLSH => return Err(Errno::EINVAL),
            TIOCSCTTY | TIOCGPGRP | TIOCSPGRP | TIOCGSID | TIOCNOTTY => {
                return ctty_ioctl(cmd, arg)
            }
            FIONREAD => {
                let n = with(|c| c.available()) as i32;
                UserPtr::<i32>::new(arg).write(n)?;
            }
            _ => return Err(Errno::ENOTTY),
        }
        Ok(0)
    }

    fn poll(&self) -> u16 {
        POLLOUT | if with(|c| c.readable()) { POLLIN } else { 0 }
    }

    fn pollee(&self) -> Option<&dyn Pollee> {
        Some(&READY)
    }

    fn stat(&self) -> Metadata {
        Metadata::default()
    }
}

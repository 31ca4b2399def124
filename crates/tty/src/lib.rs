//! The line discipline: what Linux's N_TTY does between a terminal's wire and its readers, for
//! the serial console and every pseudo-terminal alike.
//!
//! Input arrives a byte at a time ([`LineDiscipline::receive`]): it is translated (`ICRNL`,
//! `INLCR`, `IGNCR`, `ISTRIP`), checked for the signal characters (`ISIG`: `VINTR`, `VQUIT`,
//! `VSUSP`, reported to the caller as a [`Signal`] for the foreground process group), edited
//! a line at a time in canonical mode (`VERASE`, `VKILL`, `VWERASE`, `VEOF`, `VEOL`, `VEOL2`,
//! `VLNEXT`) or made readable at once otherwise, and echoed (`ECHO`, `ECHOE`, `ECHOK`,
//! `ECHONL`, `ECHOCTL`, `ECHOKE`). Echo and output go through output processing (`OPOST`,
//! `ONLCR`, `OCRNL`, `ONOCR`, `ONLRET`) into a byte vector the caller sends to the wire.
//!
//! Reading ([`LineDiscipline::read`]) returns at most one line in canonical mode, and otherwise
//! whatever input there is. How long a non-canonical read goes on taking bytes is N_TTY's
//! `VMIN`/`VTIME` rule ([`ReadRule`], from [`LineDiscipline::read_rule`]): the caller copies
//! bytes into its buffer as they come, blocks while the answer is [`Read::WouldBlock`] and
//! the rule says the read is not done, and arms the rule's timers.
//!
//! Pure logic over `keel_abi`'s termios types: no locks, no blocking, no `unsafe`; the kernel
//! wraps one in each terminal's lock.
#![no_std]
#![forbid(unsafe_code)]

extern crate alloc;

mod input;
mod output;

use alloc::collections::VecDeque;
use alloc::vec::Vec;

use keel_abi::termios::*;
pub use keel_vfs::ReadRule;

pub use output::process_output;

/// Most bytes kept (N_TTY's 4 KiB buffer); input beyond it is dropped.
pub const INPUT_MAX: usize = 4096;

/// A signal the input asks for, for the terminal's foreground process group.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Signal {
    /// `VINTR` (^C): SIGINT.
    Interrupt,
    /// `VQUIT` (^\): SIGQUIT.
    Quit,
    /// `VSUSP` (^Z): SIGTSTP.
    Suspend,
}

impl Signal {
    /// The Linux signal number.
    pub fn number(self) -> u32 {
        match self {
            Signal::Interrupt => keel_abi::signal::SIGINT,
            Signal::Quit => keel_abi::signal::SIGQUIT,
            Signal::Suspend => keel_abi::signal::SIGTSTP,
        }
    }
}

/// What a read found.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Read {
    /// This many bytes were copied.
    Data(usize),
    /// End of file (a `VEOF` on an empty line), or a non-canonical read with VMIN 0 and
    /// VTIME 0 that found nothing.
    Zero,
    /// Nothing to return yet: the caller blocks (or answers EAGAIN).
    WouldBlock,
}

/// Linux's `tty_std_termios`: what a new terminal starts with (B38400 CS8 CREAD HUPCL).
pub fn default_termios() -> Termios {
    let mut t = Termios {
        c_iflag: ICRNL | IXON,
        c_oflag: OPOST | ONLCR,
        c_cflag: B38400 | CS8 | CREAD | HUPCL,
        c_lflag: ISIG | ICANON | ECHO | ECHOE | ECHOK | ECHOCTL | ECHOKE | IEXTEN,
        ..Default::default()
    };
    let cc = [
        3u8, 28, 127, 21, 4, 0, 1, 0, 17, 19, 26, 0, 18, 15, 23, 22, 0,
    ];
    t.c_cc[..cc.len()].copy_from_slice(&cc);
    t
}

/// One terminal's line discipline state.
#[derive(Clone, Debug)]
pub struct LineDiscipline {
    termios: Termios,
    /// Canonical mode: the line being edited.
    line: Vec<u8>,
    /// Readable bytes: whole lines in canonical mode, everything otherwise.
    ready: VecDeque<u8>,
    /// Canonical mode: end-of-file marks (a VEOF on an empty line) at these `ready` offsets.
    eof_at: VecDeque<usize>,
    /// The next byte is taken literally (after `VLNEXT`).
    literal: bool,
    /// Output column, for tab-aware erasing of echoed characters.
    column: usize,
    /// Output stopped by VSTOP (IXON) until VSTART (or any character with IXANY).
    stopped: bool,
    /// The output column where the line being edited started (to back up over tabs).
    canon_column: usize,
    /// ECHOPRT: erased characters are being shown (after a `\`, until a `/`).
    erasing: bool,
}

impl Default for LineDiscipline {
    fn default() -> Self {
        Self::new(default_termios())
    }
}

impl LineDiscipline {
    /// A line discipline with these settings and no input.
    pub fn new(termios: Termios) -> Self {
        LineDiscipline {
            termios,
            line: Vec::new(),
            ready: VecDeque::new(),
            eof_at: VecDeque::new(),
            literal: false,
            column: 0,
            stopped: false,
            canon_column: 0,
            erasing: false,
        }
    }

    /// The settings (`TCGETS`).
    pub fn termios(&self) -> Termios {
        self.termios
    }

    /// Changes the settings (`TCSETS*`); `flush` discards pending input (`TCSETSF`). Leaving
    /// canonical mode makes the partial line readable, as N_TTY does.
    pub fn set_termios(&mut self, t: Termios, flush: bool) {
        let was_canonical = self.canonical();
        self.termios = t;
        if flush {
            self.flush_input();
        } else if was_canonical && !self.canonical() {
            let line = core::mem::take(&mut self.line);
            self.ready.extend(line);
            self.eof_at.clear();
        }
    }

    /// Discards all input (`TCFLSH` with TCIFLUSH, TCSETSF, a signal character without NOFLSH).
    pub fn flush_input(&mut self) {
        self.line.clear();
        self.ready.clear();
        self.eof_at.clear();
        self.literal = false;
    }

    fn lflag(&self, bit: u32) -> bool {
        self.termios.c_lflag & bit != 0
    }

    /// Whether input is edited a line at a time.
    pub fn canonical(&self) -> bool {
        self.lflag(ICANON)
    }

    /// Bytes a read could return now (`FIONREAD`).
    pub fn available(&self) -> usize {
        if self.canonical() {
            self.ready.len()
        } else {
            self.ready.len() + self.line.len()
        }
    }

    /// Whether a read would not block (POLLIN).
    pub fn readable(&self) -> bool {
        if self.canonical() {
            return !self.ready.is_empty() || !self.eof_at.is_empty();
        }
        // N_TTY's `input_available_p` for poll: VMIN bytes when VTIME is 0, else one. A read
        // that would block is never reported readable.
        let t = &self.termios;
        let need = if t.c_cc[VTIME] == 0 {
            (t.c_cc[VMIN] as usize).max(1)
        } else {
            1
        };
        self.ready.len() >= need
    }

    /// Whether output is stopped by flow control (IXON: VSTOP until VSTART).
    pub fn output_stopped(&self) -> bool {
        self.stopped
    }

    /// The rule that ends a read started now (canonical mode: one line, no timer): N_TTY's
    /// `VMIN`/`VTIME`, with VTIME's deciseconds in nanoseconds.
    pub fn read_rule(&self) -> ReadRule {
        let t = &self.termios;
        let (min, time) = (t.c_cc[VMIN] as usize, t.c_cc[VTIME]);
        let ns = Some(time as u64 * 100_000_000);
        let rule = |minimum, total_ns, interbyte_ns| ReadRule {
            minimum,
            total_ns,
            interbyte_ns,
        };
        match (self.canonical(), min, time) {
            (true, _, _) => rule(1, None, None),
            (false, 0, 0) => rule(0, None, None),
            (false, 0, _) => rule(1, ns, None),
            (false, m, 0) => rule(m, None, None),
            (false, m, _) => rule(m, None, ns),
        }
    }

    /// Whether a read would find something now: a line (or an end-of-file mark) in canonical
    /// mode, a byte otherwise. Unlike [`readable`](Self::readable), VMIN does not count: a
    /// reader takes bytes as they come.
    pub fn input_available(&self) -> bool {
        if self.canonical() {
            self.readable()
        } else {
            !self.ready.is_empty()
        }
    }

    /// Reads into `buf`.
    pub fn read(&mut self, buf: &mut [u8]) -> Read {
        if buf.is_empty() {
            return Read::Data(0);
        }
        if self.canonical() {
            // An end-of-file mark at the front: this read returns 0 and consumes it.
            if self.eof_at.front() == Some(&0) {
                self.eof_at.pop_front();
                return Read::Zero;
            }
            if self.ready.is_empty() {
                return Read::WouldBlock;
            }
            // One line at most, and never past the next end-of-file mark.
            let limit = self.eof_at.front().copied().unwrap_or(usize::MAX);
            let cc = self.termios.c_cc;
            let mut n = 0;
            while n < buf.len() && n < limit {
                let Some(b) = self.ready.pop_front() else {
                    break;
                };
                buf[n] = b;
                n += 1;
                let eol2 = self.termios.c_lflag & IEXTEN != 0 && b == cc[VEOL2];
                if b == b'\n' || (b != 0 && (b == cc[VEOL] || eol2)) {
                    break;
                }
            }
            for at in self.eof_at.iter_mut() {
                *at -= n;
            }
            return Read::Data(n);
        }
        // Whatever there is: the caller applies the read rule (VMIN, VTIME) across calls.
        if self.ready.is_empty() {
            return if self.read_rule().minimum == 0 {
                Read::Zero
            } else {
                Read::WouldBlock
            };
        }
        let n = buf.len().min(self.ready.len());
        for (dst, src) in buf.iter_mut().zip(self.ready.drain(..n)) {
            *dst = src;
        }
        Read::Data(n)
    }

    /// Output processing of `buf` for the wire (appended to `out`), keeping the column.
    pub fn output(&mut self, buf: &[u8], out: &mut Vec<u8>) {
        self.column = process_output(&self.termios, self.column, buf, out);
    }
}

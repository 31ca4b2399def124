//! Input processing: translation, signal characters, canonical editing and echo.

use alloc::vec::Vec;

use keel_abi::termios::*;

use crate::{LineDiscipline, Signal, INPUT_MAX};

impl LineDiscipline {
    /// Takes one byte from the wire. Echo (already output-processed) is appended to `echo`;
    /// a signal character returns the signal for the foreground group.
    pub fn receive(&mut self, byte: u8, echo: &mut Vec<u8>) -> Option<Signal> {
        let iflag = self.termios.c_iflag;
        let mut b = byte;
        if iflag & ISTRIP != 0 {
            b &= 0x7f;
        }
        if iflag & IUCLC != 0 && self.lflag(IEXTEN) {
            b = b.to_ascii_lowercase();
        }
        if self.literal {
            self.literal = false;
            self.take_char(b, echo);
            return None;
        }
        if b == b'\r' {
            if iflag & IGNCR != 0 {
                return None;
            }
            if iflag & ICRNL != 0 {
                b = b'\n';
            }
        } else if b == b'\n' && iflag & INLCR != 0 {
            b = b'\r';
        }
        let cc = self.termios.c_cc;
        let is = |idx: usize| cc[idx] != 0 && cc[idx] == b;
        if iflag & IXON != 0 {
            // Flow control characters are not data.
            if is(VSTOP) {
                self.stopped = true;
                return None;
            }
            if is(VSTART) {
                self.stopped = false;
                return None;
            }
            if iflag & IXANY != 0 {
                self.stopped = false;
            }
        }
        if self.lflag(ISIG) {
            let sig = if is(VINTR) {
                Some(Signal::Interrupt)
            } else if is(VQUIT) {
                Some(Signal::Quit)
            } else if is(VSUSP) {
                Some(Signal::Suspend)
            } else {
                None
            };
            if let Some(s) = sig {
                if !self.lflag(NOFLSH) {
                    self.flush_input();
                }
                self.echo_char(b, echo);
                return Some(s);
            }
        }
        if self.lflag(IEXTEN) && is(VLNEXT) && self.canonical() {
            self.literal = true;
            if self.lflag(ECHO) && self.lflag(ECHOCTL) {
                self.echo_raw(b"^\x08", echo);
            }
            return None;
        }
        if !self.canonical() {
            if self.ready.len() < INPUT_MAX {
                // PARMRK without ISTRIP: a real 0xff byte is doubled so it cannot be taken
                // for the start of a parity mark.
                if b == 0xff && iflag & PARMRK != 0 && iflag & ISTRIP == 0 {
                    self.ready.push_back(0xff);
                }
                self.ready.push_back(b);
                if b == b'\n' && byte == b'\r' {
                    // ICRNL makes CR special even here: N_TTY echoes its newline raw.
                    if self.lflag(ECHO) || self.lflag(ECHONL) {
                        self.echo_raw(b"\n", echo);
                    }
                } else {
                    self.echo_char(b, echo);
                }
            }
            return None;
        }
        let erasing_char = is(VERASE) || is(VKILL) || (self.lflag(IEXTEN) && is(VWERASE));
        if self.erasing && !erasing_char {
            // ECHOPRT: the run of erased characters ends.
            self.erasing = false;
            self.echo_raw(b"/", echo);
        }
        if is(VERASE) {
            self.erase(Erase::Char, echo);
        } else if is(VKILL) {
            self.erase(Erase::Line, echo);
        } else if self.lflag(IEXTEN) && is(VWERASE) {
            self.erase(Erase::Word, echo);
        } else if is(VEOF) {
            if self.line.is_empty() {
                self.eof_at.push_back(self.ready.len());
            }
            self.finish_line();
        } else if self.lflag(IEXTEN) && is(VREPRINT) {
            // ^R: the line so far, again, on a line of its own.
            if self.lflag(ECHO) {
                self.echo_char(b, echo);
                self.echo_raw(b"\n", echo);
                let line = self.line.clone();
                for c in line {
                    self.echo_char(c, echo);
                }
            }
        } else if b == b'\n' || is(VEOL) || (self.lflag(IEXTEN) && is(VEOL2)) {
            if b == b'\n' {
                if self.lflag(ECHO) || self.lflag(ECHONL) {
                    self.echo_raw(&[b], echo);
                }
            } else {
                // VEOL and VEOL2 end the line but echo like any character (^E with ECHOCTL).
                self.echo_char(b, echo);
            }
            self.line.push(b);
            self.finish_line();
        } else {
            self.take_char(b, echo);
        }
        None
    }

    /// An ordinary character: into the line (canonical) and echoed.
    fn take_char(&mut self, b: u8, echo: &mut Vec<u8>) {
        if !self.canonical() {
            if self.ready.len() < INPUT_MAX {
                // PARMRK without ISTRIP: a real 0xff byte is doubled so it cannot be taken
                // for the start of a parity mark.
                if b == 0xff && self.termios.c_iflag & (PARMRK | ISTRIP) == PARMRK {
                    self.ready.push_back(0xff);
                }
                self.ready.push_back(b);
                self.echo_char(b, echo);
            }
            return;
        }
        // Keep room for the newline that ends the line.
        if self.ready.len() + self.line.len() + 1 >= INPUT_MAX {
            return;
        }
        if self.line.is_empty() {
            self.canon_column = self.column;
        }
        self.line.push(b);
        self.echo_char(b, echo);
    }

    fn finish_line(&mut self) {
        let line = core::mem::take(&mut self.line);
        self.ready.extend(line);
    }

    /// Echoes a byte as N_TTY does: control characters as `^X` with ECHOCTL (not TAB or NL).
    fn echo_char(&mut self, b: u8, echo: &mut Vec<u8>) {
        if !self.lflag(ECHO) {
            return;
        }
        // A newline ends a canonical line and echoes as itself; in non-canonical mode it is
        // one more control character (`^J` with ECHOCTL), as N_TTY echoes it.
        let newline = b == b'\n' && self.canonical();
        if self.lflag(ECHOCTL) && ((b < 0x20 && !newline && b != b'\t') || b == 0x7f) {
            self.echo_raw(&[b'^', b ^ 0x40], echo);
        } else {
            self.echo_raw(&[b], echo);
        }
    }

    fn echo_raw(&mut self, bytes: &[u8], echo: &mut Vec<u8>) {
        self.output(bytes, echo);
    }

    /// N_TTY's `eraser`: ERASE takes one character, WERASE a word (and the blanks after
    /// it), KILL the whole line; echoed as backspace-space-backspace with ECHOE (two for a
    /// control character shown as `^X`), or as the ERASE/KILL character otherwise.
    fn erase(&mut self, what: Erase, echo: &mut Vec<u8>) {
        if self.line.is_empty() {
            return;
        }
        if what == Erase::Line {
            if !self.lflag(ECHO) {
                self.line.clear();
                return;
            }
            if !self.lflag(ECHOK) || !self.lflag(ECHOKE) || !self.lflag(ECHOE) {
                self.line.clear();
                let k = self.termios.c_cc[VKILL];
                self.echo_char(k, echo);
                if self.lflag(ECHOK) {
                    self.echo_raw(b"\n", echo);
                }
                return;
            }
        }
        let utf8 = self.termios.c_iflag & IUTF8 != 0;
        let mut seen_alnum = false;
        while let Some(&c) = self.line.last() {
            if what == Erase::Word {
                // Linux's WERASE is BSD's ALTWERASE: a word is letters, digits and '_'.
                if c.is_ascii_alphanumeric() || c == b'_' {
                    seen_alnum = true;
                } else if seen_alnum {
                    break;
                }
            }
            self.line.pop();
            // With IUTF8 a character's continuation bytes go with it.
            let mut continuation = false;
            if utf8 && c & 0xc0 == 0x80 {
                continuation = true;
                while let Some(&p) = self.line.last() {
                    self.line.pop();
                    if p & 0xc0 != 0x80 {
                        break;
                    }
                }
            }
            if self.lflag(ECHO) && self.lflag(ECHOPRT) {
                if !self.erasing {
                    self.echo_raw(b"\\", echo);
                    self.erasing = true;
                }
                self.echo_char(c, echo);
            } else if self.lflag(ECHO) {
                if what == Erase::Char && !self.lflag(ECHOE) {
                    let e = self.termios.c_cc[VERASE];
                    self.echo_char(e, echo);
                } else if c == b'\t' {
                    // Back up to where the tab started, without blanking (N_TTY).
                    let start = self.line_width();
                    for _ in 0..self.column.saturating_sub(start) {
                        self.echo_raw(b"\x08", echo);
                    }
                } else {
                    let wide = !continuation && self.lflag(ECHOCTL) && (c < 0x20 || c == 0x7f);
                    for _ in 0..if wide { 2 } else { 1 } {
                        self.echo_raw(b"\x08 \x08", echo);
                    }
                }
            }
            if what == Erase::Char {
                break;
            }
        }
    }
}

impl LineDiscipline {
    /// The output column after echoing the line being edited (from where it started).
    fn line_width(&self) -> usize {
        let ctl = self.lflag(ECHOCTL);
        let utf8 = self.termios.c_iflag & IUTF8 != 0;
        self.line.iter().fold(self.canon_column, |col, &c| match c {
            b'\t' => (col | 7) + 1,
            c if c < 0x20 || c == 0x7f => col + if ctl { 2 } else { 0 },
            c if utf8 && c & 0xc0 == 0x80 => col,
            _ => col + 1,
        })
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Erase {
    Char,
    Word,
    Line,
}

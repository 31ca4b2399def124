//! The console (`/dev/console` 5:1 and `/dev/ttyS0` 4:64: COM1), a terminal whose wire is the
//! UART.
//!
//! Input arrives from the UART interrupt and goes through the line discipline (canonical
//! editing, echo, translation; ^C, ^\ and ^Z become SIGINT, SIGQUIT and SIGTSTP for the
//! foreground process group, sent by the signal worker since this is interrupt context).
//! Output from programs goes through its output processing (OPOST, ONLCR) to the UART, written
//! synchronously.
//!
//! Lock order: the terminal's state lock is taken from the interrupt handler and from
//! threads; the serial lock is taken after it is released.
#![forbid(unsafe_code)]

use alloc::vec::Vec;

use keel_abi::termios::Termios;
use keel_abi::KResult;
use keel_vfs::consts::POLLOUT;
use keel_vfs::{FileOps, Metadata, Pollee};
use spin::Once;

use super::terminal::Tty;
use crate::drivers::serial;

static CONSOLE: Once<Tty> = Once::new();

/// Linux's `tty_std_termios` with the serial console's c_cflag (B9600|CS8|CREAD|HUPCL|CLOCAL).
fn console_termios() -> Termios {
    Termios {
        c_cflag: 0o6275,
        ..keel_tty::default_termios()
    }
}

/// The console's terminal.
pub fn tty() -> &'static Tty {
    CONSOLE.call_once(|| Tty::new(console_termios(), super::Ctty::Console))
}

/// Takes a byte from the UART (interrupt context); a signal character signals the
/// foreground group through the signal worker (never from the interrupt).
pub fn console_input(b: u8) {
    let mut echo = Vec::new();
    let raised = tty().input(&[b], &mut echo);
    if !echo.is_empty() {
        serial::write_raw(&echo);
    }
    if let Some((sig, pgrp)) = raised {
        crate::proc::signal::send_to_group_deferred(pgrp, sig);
    }
}

/// The console device.
pub struct Console;

impl FileOps for Console {
    fn read(&self, _pos: &mut u64, buf: &mut [u8], _flags: u32) -> KResult<usize> {
        if buf.is_empty() {
            return Ok(0);
        }
        tty().read(buf)
    }

    fn write(&self, _pos: &mut u64, buf: &[u8], _flags: u32) -> KResult<usize> {
        let mut out = Vec::with_capacity(buf.len() + buf.len() / 8);
        let n = tty().output(buf, &mut out)?;
        serial::write_raw(&out);
        Ok(n)
    }

    fn ioctl(&self, cmd: u32, arg: usize) -> KResult<usize> {
        tty().ioctl(cmd, arg as u64, 0)
    }

    fn poll(&self) -> u16 {
        POLLOUT
            | if tty().readable() {
                keel_vfs::consts::POLLIN
            } else {
                0
            }
    }

    fn pollee(&self) -> Option<&dyn Pollee> {
        Some(&tty().ready)
    }

    fn read_rule(&self) -> Option<keel_vfs::ReadRule> {
        Some(tty().read_rule())
    }

    fn stat(&self) -> Metadata {
        Metadata::default()
    }
}

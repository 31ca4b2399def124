//! The 16550 UART on COM1: the kernel console.
//!
//! Output is polled (the UART's transmit FIFO is drained byte by byte); input will come with the
//! tty layer. Lock order: `SERIAL` is a leaf lock.

use core::fmt;

use crate::arch::x86_64::port::{inb, outb};
use crate::sync::IrqSpinLock;

const COM1: u16 = 0x3f8;

struct Serial;

static SERIAL: IrqSpinLock<Serial> = IrqSpinLock::new(Serial);

/// Programs COM1 for 115200 baud, 8N1, FIFOs on.
pub fn init() {
    outb(COM1 + 1, 0x00); // no interrupts yet
    outb(COM1 + 3, 0x80); // DLAB
    outb(COM1, 0x01); // divisor 1: 115200 baud
    outb(COM1 + 1, 0x00);
    outb(COM1 + 3, 0x03); // 8N1
    outb(COM1 + 2, 0xc7); // FIFO on, cleared, 14-byte threshold
    outb(COM1 + 4, 0x0b); // DTR, RTS, OUT2
}

impl Serial {
    fn put(&mut self, b: u8) {
        // Bounded wait: a missing UART must not hang the kernel.
        for _ in 0..100_000 {
            if inb(COM1 + 5) & 0x20 != 0 {
                break;
            }
            core::hint::spin_loop();
        }
        outb(COM1, b);
    }
}

impl fmt::Write for Serial {
    fn write_str(&mut self, s: &str) -> fmt::Result {
        for b in s.bytes() {
            if b == b'\n' {
                self.put(b'\r');
            }
            self.put(b);
        }
        Ok(())
    }
}

/// Writes formatted text to the console.
pub fn write_fmt(args: fmt::Arguments) {
    use fmt::Write;
    let _ = SERIAL.lock().write_fmt(args);
}

/// Writes bytes exactly as given (a terminal's output, already processed by its line
/// discipline).
pub fn write_raw(bytes: &[u8]) {
    let mut s = SERIAL.lock();
    for &b in bytes {
        s.put(b);
    }
}

/// Lets the UART interrupt when a byte arrives (IRQ 4, routed by the caller).
pub fn enable_rx_interrupt() {
    outb(COM1 + 1, 0x01);
}

/// Reads one byte if the UART has one.
pub fn try_read() -> Option<u8> {
    (inb(COM1 + 5) & 1 != 0).then(|| inb(COM1))
}

/// Makes the console usable from the panic path even if the panic hit while it was locked.
pub fn force_unlock() {
    // SAFETY: only called on the panic path, which halts afterwards; interleaved output is the
    // worst outcome.
    unsafe { SERIAL.force_unlock() };
}

/// Prints to the console.
#[macro_export]
macro_rules! print {
    ($($arg:tt)*) => ($crate::drivers::serial::write_fmt(format_args!($($arg)*)));
}

/// Prints a line to the console.
#[macro_export]
macro_rules! println {
    () => ($crate::print!("\n"));
    ($($arg:tt)*) => ($crate::drivers::serial::write_fmt(format_args!("{}\n", format_args!($($arg)*))));
}

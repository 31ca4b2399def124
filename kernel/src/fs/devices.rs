//! Character devices: the console (`/dev/console` 5:1 and `/dev/tty` 5:0), and `/dev/null`,
//! `/dev/zero`, `/dev/full`, `/dev/random`, `/dev/urandom` (1:3, 1:5, 1:7, 1:8, 1:9).
//!
//! The console is COM1. Until the tty layer arrives it is a raw line: input bytes (CR turned
//! into NL, as ICRNL does) are queued by the UART interrupt, output goes straight to the UART
//! with NL -> CR NL. It answers the terminal ioctls programs ask at startup (`TCGETS`,
//! `TCSETS*`, `TIOCGWINSZ`, `TIOCSWINSZ`), so musl line-buffers stdout on it.

use alloc::collections::VecDeque;
use alloc::sync::Arc;

use keel_abi::termios::{Termios, Winsize};
use keel_abi::{Errno, KResult};
use keel_vfs::consts::{POLLIN, POLLOUT};
use keel_vfs::{major, minor, DeviceKind, DeviceRegistry, FileOps, Metadata};

use crate::mm::usercopy::UserPtr;
use crate::sync::IrqSpinLock;

pub(super) struct Devices;

impl DeviceRegistry for Devices {
    fn open_device(&self, kind: DeviceKind, rdev: u64, _flags: u32) -> KResult<Arc<dyn FileOps>> {
        if kind != DeviceKind::Char {
            return Err(Errno::ENXIO);
        }
        Ok(match (major(rdev), minor(rdev)) {
            // /dev/tty is the caller's controlling terminal; without a tty layer nobody has
            // one, and Linux answers ENXIO then.
            (5, 0) => return Err(Errno::ENXIO),
            (5, 1) => Arc::new(Console),
            (1, 3) => Arc::new(MemDev::Null),
            (1, 5) => Arc::new(MemDev::Zero),
            (1, 7) => Arc::new(MemDev::Full),
            (1, 8) | (1, 9) => Arc::new(MemDev::Random),
            _ => return Err(Errno::ENXIO),
        })
    }
}

/// Memory devices.
enum MemDev {
    Null,
    Zero,
    Full,
    Random,
}

impl FileOps for MemDev {
    fn read(&self, _pos: &mut u64, buf: &mut [u8], _flags: u32) -> KResult<usize> {
        match self {
            MemDev::Null => Ok(0),
            MemDev::Zero | MemDev::Full => {
                buf.fill(0);
                Ok(buf.len())
            }
            MemDev::Random => {
                crate::random::fill(buf);
                Ok(buf.len())
            }
        }
    }

    fn write(&self, _pos: &mut u64, buf: &[u8], _flags: u32) -> KResult<usize> {
        match self {
            MemDev::Full => Err(Errno::ENOSPC),
            _ => Ok(buf.len()),
        }
    }

    fn seek(&self, _pos: u64, _offset: i64, _whence: u32) -> KResult<u64> {
        Ok(0) // Linux: lseek on these devices succeeds and reports 0
    }

    fn seekable(&self) -> bool {
        true
    }
}

struct ConsoleState {
    input: VecDeque<u8>,
    termios: Termios,
    winsize: Winsize,
}

/// Lock order: a leaf, taken from the UART interrupt too.
static CONSOLE: IrqSpinLock<Option<ConsoleState>> = IrqSpinLock::new(None);

const INPUT_MAX: usize = 4096;

fn default_termios() -> Termios {
    // Linux's tty_std_termios: ICRNL|IXON, OPOST|ONLCR, B38400|CS8|CREAD|HUPCL,
    // ISIG|ICANON|ECHO|ECHOE|ECHOK|ECHOCTL|ECHOKE|IEXTEN, and INIT_C_CC.
    let mut t = Termios {
        c_iflag: 0o2400,
        c_oflag: 0o5,
        c_cflag: 0o6275, // what Linux reports for its serial console: B9600|CS8|CREAD|HUPCL|CLOCAL
        c_lflag: 0o105073,
        ..Default::default()
    };
    let cc = [
        3u8, 28, 127, 21, 4, 0, 1, 0, 17, 19, 26, 0, 18, 15, 23, 22, 0,
    ];
    t.c_cc[..cc.len()].copy_from_slice(&cc);
    t
}

fn with_console<R>(f: impl FnOnce(&mut ConsoleState) -> R) -> R {
    let mut g = CONSOLE.lock();
    let st = g.get_or_insert_with(|| ConsoleState {
        input: VecDeque::new(),
        termios: default_termios(),
        winsize: Winsize::default(),
    });
    f(st)
}

/// Queues bytes received by the UART (from its interrupt handler) and wakes readers.
pub fn console_input(b: u8) {
    with_console(|c| {
        let icrnl = c.termios.c_iflag & 0o400 != 0;
        if c.input.len() < INPUT_MAX {
            c.input
                .push_back(if b == b'\r' && icrnl { b'\n' } else { b });
        }
    });
    super::READY.wake_all();
}

/// The console device.
struct Console;

const TCGETS: u32 = 0x5401;
const TCSETS: u32 = 0x5402;
const TCSETSW: u32 = 0x5403;
const TCSETSF: u32 = 0x5404;
const TIOCGWINSZ: u32 = 0x5413;
const TIOCSWINSZ: u32 = 0x5414;
const FIONREAD: u32 = 0x541b;
const TCSBRK: u32 = 0x5409;
const TCXONC: u32 = 0x540a;
const TCFLSH: u32 = 0x540b;
const TIOCSCTTY: u32 = 0x540e;
const TCSBRKP: u32 = 0x5425;
const VTIME: usize = 5;
const VMIN: usize = 6;

impl FileOps for Console {
    fn read(&self, _pos: &mut u64, buf: &mut [u8], _flags: u32) -> KResult<usize> {
        if buf.is_empty() {
            return Ok(0);
        }
        with_console(|c| {
            if c.input.is_empty() {
                // Non-canonical with VMIN = VTIME = 0: a poll that returns at once.
                let raw = c.termios.c_lflag & 0o2 == 0;
                if raw && c.termios.c_cc[VMIN] == 0 && c.termios.c_cc[VTIME] == 0 {
                    return Ok(0);
                }
                return Err(Errno::EAGAIN);
            }
            let mut n = 0;
            while n < buf.len() {
                let Some(b) = c.input.pop_front() else { break };
                buf[n] = b;
                n += 1;
                if b == b'\n' {
                    break; // canonical-ish: one line per read
                }
            }
            Ok(n)
        })
    }

    fn write(&self, _pos: &mut u64, buf: &[u8], _flags: u32) -> KResult<usize> {
        crate::drivers::serial::write_bytes(buf);
        Ok(buf.len())
    }

    fn ioctl(&self, cmd: u32, arg: usize) -> KResult<usize> {
        let arg = arg as u64;
        match cmd {
            TCGETS => UserPtr::<Termios>::new(arg).write(with_console(|c| c.termios))?,
            TCSETS | TCSETSW | TCSETSF => {
                let t = UserPtr::<Termios>::new(arg).read()?;
                with_console(|c| {
                    c.termios = t;
                    if cmd == TCSETSF {
                        c.input.clear();
                    }
                });
            }
            TIOCGWINSZ => UserPtr::<Winsize>::new(arg).write(with_console(|c| c.winsize))?,
            TIOCSWINSZ => {
                let w = UserPtr::<Winsize>::new(arg).read()?;
                with_console(|c| c.winsize = w);
            }
            // Output is written synchronously, so draining (and a break) has nothing to wait for.
            TCSBRK | TCSBRKP => {}
            TCXONC if arg <= 3 => {}
            TCFLSH if arg <= 2 => {
                if arg != 1 {
                    with_console(|c| c.input.clear()); // TCIFLUSH or TCIOFLUSH
                }
            }
            TCXONC | TCFLSH => return Err(Errno::EINVAL),
            // Only a session leader without a terminal may acquire one; sessions come with
            // the process layer, and PID 1 (session 0) is not a leader, as on Linux.
            TIOCSCTTY => return Err(Errno::EPERM),
            FIONREAD => {
                let n = with_console(|c| c.input.len()) as i32;
                UserPtr::<i32>::new(arg).write(n)?;
            }
            _ => return Err(Errno::ENOTTY),
        }
        Ok(0)
    }

    fn poll(&self) -> u16 {
        POLLOUT
            | if with_console(|c| c.input.is_empty()) {
                0
            } else {
                POLLIN
            }
    }

    fn stat(&self) -> Metadata {
        Metadata::default()
    }
}

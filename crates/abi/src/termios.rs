//! Terminal interface as the kernel sees it: the KERNEL's `struct termios` from
//! `asm-generic/termbits.h` (19 control characters, 36 bytes, no speed fields; glibc's
//! `struct termios` is a different, larger layout that its `tcgetattr` converts), `struct
//! winsize`, the flag bits and the tty ioctl numbers from `asm-generic/ioctls.h`. See
//! termios(3), ioctl_tty(2).

/// Number of control characters in the kernel's `struct termios`.
pub const NCCS: usize = 19;

/// The kernel's `struct termios` (what `TCGETS`/`TCSETS*` copy).
#[repr(C)]
#[derive(Clone, Copy, Default, Debug, PartialEq, Eq)]
pub struct Termios {
    /// Input modes (`IGNBRK`, `ICRNL`, ...).
    pub c_iflag: u32,
    /// Output modes (`OPOST`, `ONLCR`, ...).
    pub c_oflag: u32,
    /// Control modes (`CS8`, `CREAD`, baud rate, ...).
    pub c_cflag: u32,
    /// Local modes (`ISIG`, `ICANON`, `ECHO`, ...).
    pub c_lflag: u32,
    /// Line discipline (0, N_TTY).
    pub c_line: u8,
    /// Control characters, indexed by `VINTR`, `VMIN`, ...
    pub c_cc: [u8; NCCS],
}
const _: () = assert!(size_of::<Termios>() == 36);

/// `struct winsize` for `TIOCGWINSZ`/`TIOCSWINSZ`.
#[repr(C)]
#[derive(Clone, Copy, Default, Debug, PartialEq, Eq)]
pub struct Winsize {
    /// Rows in characters.
    pub ws_row: u16,
    /// Columns in characters.
    pub ws_col: u16,
    /// Width in pixels (unused).
    pub ws_xpixel: u16,
    /// Height in pixels (unused).
    pub ws_ypixel: u16,
}
const _: () = assert!(size_of::<Winsize>() == 8);

// c_cc indexes.
/// Interrupt character (^C): SIGINT.
pub const VINTR: usize = 0;
/// Quit character (^\): SIGQUIT.
pub const VQUIT: usize = 1;
/// Erase character (DEL).
pub const VERASE: usize = 2;
/// Kill-line character (^U).
pub const VKILL: usize = 3;
/// End-of-file character (^D).
pub const VEOF: usize = 4;
/// Non-canonical read timeout, deciseconds.
pub const VTIME: usize = 5;
/// Non-canonical read minimum byte count.
pub const VMIN: usize = 6;
/// Switch character (unused on Linux).
pub const VSWTC: usize = 7;
/// Start-output character (^Q).
pub const VSTART: usize = 8;
/// Stop-output character (^S).
pub const VSTOP: usize = 9;
/// Suspend character (^Z): SIGTSTP.
pub const VSUSP: usize = 10;
/// Additional end-of-line character.
pub const VEOL: usize = 11;
/// Reprint character (^R).
pub const VREPRINT: usize = 12;
/// Discard character (^O).
pub const VDISCARD: usize = 13;
/// Word-erase character (^W).
pub const VWERASE: usize = 14;
/// Literal-next character (^V).
pub const VLNEXT: usize = 15;
/// Second additional end-of-line character.
pub const VEOL2: usize = 16;

// c_iflag bits.
/// Ignore break.
pub const IGNBRK: u32 = 0x001;
/// Break sends SIGINT.
pub const BRKINT: u32 = 0x002;
/// Ignore parity errors.
pub const IGNPAR: u32 = 0x004;
/// Mark parity errors.
pub const PARMRK: u32 = 0x008;
/// Check input parity.
pub const INPCK: u32 = 0x010;
/// Strip the eighth bit.
pub const ISTRIP: u32 = 0x020;
/// Map NL to CR on input.
pub const INLCR: u32 = 0x040;
/// Ignore CR on input.
pub const IGNCR: u32 = 0x080;
/// Map CR to NL on input.
pub const ICRNL: u32 = 0x100;
/// Map upper case to lower case on input.
pub const IUCLC: u32 = 0x0200;
/// XON/XOFF output flow control.
pub const IXON: u32 = 0x0400;
/// Any character restarts output.
pub const IXANY: u32 = 0x800;
/// XON/XOFF input flow control.
pub const IXOFF: u32 = 0x1000;
/// Ring the bell when the input queue is full.
pub const IMAXBEL: u32 = 0x2000;
/// Input is UTF-8 (for character erase).
pub const IUTF8: u32 = 0x4000;

// c_oflag bits.
/// Post-process output.
pub const OPOST: u32 = 0x01;
/// Map lower case to upper case on output.
pub const OLCUC: u32 = 0x02;
/// Map NL to CR-NL on output.
pub const ONLCR: u32 = 0x04;
/// Map CR to NL on output.
pub const OCRNL: u32 = 0x08;
/// No CR output at column 0.
pub const ONOCR: u32 = 0x10;
/// NL performs CR.
pub const ONLRET: u32 = 0x20;
/// Tab expansion to spaces.
pub const XTABS: u32 = 0x01800;

// c_cflag bits.
/// Baud-rate mask.
pub const CBAUD: u32 = 0x0000_100f;
/// 38400 baud.
pub const B38400: u32 = 0x0000_000f;
/// 115200 baud.
pub const B115200: u32 = 0x0000_1002;
/// Character-size mask.
pub const CSIZE: u32 = 0x30;
/// 8-bit characters.
pub const CS8: u32 = 0x30;
/// Two stop bits.
pub const CSTOPB: u32 = 0x40;
/// Enable the receiver.
pub const CREAD: u32 = 0x80;
/// Parity enable.
pub const PARENB: u32 = 0x100;
/// Odd parity.
pub const PARODD: u32 = 0x200;
/// Hang up on last close.
pub const HUPCL: u32 = 0x400;
/// Ignore modem control lines.
pub const CLOCAL: u32 = 0x800;

// c_lflag bits.
/// INTR, QUIT and SUSP generate signals.
pub const ISIG: u32 = 0x00001;
/// Canonical (line) mode.
pub const ICANON: u32 = 0x00002;
/// Echo input.
pub const ECHO: u32 = 0x00008;
/// ERASE erases the previous character visually.
pub const ECHOE: u32 = 0x00010;
/// KILL erases the line visually (with a newline).
pub const ECHOK: u32 = 0x00020;
/// Echo NL even without ECHO.
pub const ECHONL: u32 = 0x00040;
/// Do not flush queues on signals.
pub const NOFLSH: u32 = 0x00080;
/// Background writes send SIGTTOU.
pub const TOSTOP: u32 = 0x00100;
/// Echo control characters as `^X`.
pub const ECHOCTL: u32 = 0x00200;
/// Echo erased characters between `\` and `/`.
pub const ECHOPRT: u32 = 0x00400;
/// KILL erases the line character by character.
pub const ECHOKE: u32 = 0x00800;
/// Output is being flushed.
pub const FLUSHO: u32 = 0x01000;
/// Retype pending input.
pub const PENDIN: u32 = 0x04000;
/// Implementation-defined input processing (LNEXT, WERASE, ...).
pub const IEXTEN: u32 = 0x08000;
/// External processing.
pub const EXTPROC: u32 = 0x10000;

/// `tcsetattr` action: now.
pub const TCSANOW: u32 = 0;
/// `tcsetattr` action: after output drains.
pub const TCSADRAIN: u32 = 1;
/// `tcsetattr` action: after output drains, discarding input.
pub const TCSAFLUSH: u32 = 2;
/// `TCFLSH` argument: flush input.
pub const TCIFLUSH: u32 = 0;
/// `TCFLSH` argument: flush output.
pub const TCOFLUSH: u32 = 1;
/// `TCFLSH` argument: flush both.
pub const TCIOFLUSH: u32 = 2;

// ioctl numbers.
/// Get `Termios`.
pub const TCGETS: u32 = 0x5401;
/// Set `Termios` now.
pub const TCSETS: u32 = 0x5402;
/// Set `Termios` after output drains.
pub const TCSETSW: u32 = 0x5403;
/// Set `Termios` after output drains, flushing input.
pub const TCSETSF: u32 = 0x5404;
/// Send a break (`tcsendbreak`) or drain (`tcdrain`, arg 1).
pub const TCSBRK: u32 = 0x5409;
/// Flow control (`tcflow`).
pub const TCXONC: u32 = 0x540A;
/// Flush queues (`tcflush`).
pub const TCFLSH: u32 = 0x540B;
/// Make this the controlling terminal.
pub const TIOCSCTTY: u32 = 0x540E;
/// Get the foreground process group.
pub const TIOCGPGRP: u32 = 0x540F;
/// Set the foreground process group.
pub const TIOCSPGRP: u32 = 0x5410;
/// Bytes in the output queue.
pub const TIOCOUTQ: u32 = 0x5411;
/// Insert a byte into the input queue.
pub const TIOCSTI: u32 = 0x5412;
/// Get the window size.
pub const TIOCGWINSZ: u32 = 0x5413;
/// Set the window size (sends SIGWINCH).
pub const TIOCSWINSZ: u32 = 0x5414;
/// Bytes in the input queue.
pub const FIONREAD: u32 = 0x541B;
/// Packet mode on a pty master.
pub const TIOCPKT: u32 = 0x5420;
/// Set or clear non-blocking I/O.
pub const FIONBIO: u32 = 0x5421;
/// Give up the controlling terminal.
pub const TIOCNOTTY: u32 = 0x5422;
/// Set the line discipline.
pub const TIOCSETD: u32 = 0x5423;
/// Get the line discipline.
pub const TIOCGETD: u32 = 0x5424;
/// Get the session id of the terminal.
pub const TIOCGSID: u32 = 0x5429;
/// Get the pty number (`_IOR('T', 0x30, unsigned int)`).
pub const TIOCGPTN: u32 = 0x8004_5430;
/// Lock or unlock a pty slave (`_IOW('T', 0x31, int)`).
pub const TIOCSPTLCK: u32 = 0x4004_5431;
/// Send a signal to the pty's foreground group (`_IOW('T', 0x36, int)`).
pub const TIOCSIG: u32 = 0x4004_5436;
/// Hang up the terminal.
pub const TIOCVHANGUP: u32 = 0x5437;
/// Get packet mode (`_IOR('T', 0x38, int)`).
pub const TIOCGPKT: u32 = 0x8004_5438;
/// Get the pty lock state (`_IOR('T', 0x39, int)`).
pub const TIOCGPTLCK: u32 = 0x8004_5439;
/// Open the pty peer (`_IO('T', 0x41)`).
pub const TIOCGPTPEER: u32 = 0x5441;
/// Clear close-on-exec.
pub const FIONCLEX: u32 = 0x5450;
/// Set close-on-exec.
pub const FIOCLEX: u32 = 0x5451;
/// Set or clear async I/O.
pub const FIOASYNC: u32 = 0x5452;

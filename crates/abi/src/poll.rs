//! poll(2) and ppoll(2): `struct pollfd` and the `POLL*` event bits (`asm-generic/poll.h`).

/// `struct pollfd` (8 bytes).
#[repr(C)]
#[derive(Clone, Copy, Default, Debug, PartialEq, Eq)]
pub struct PollFd {
    /// File descriptor; negative entries are skipped and get `revents` 0.
    pub fd: i32,
    /// Requested events.
    pub events: i16,
    /// Returned events (`POLLERR`, `POLLHUP`, `POLLNVAL` are reported even unrequested).
    pub revents: i16,
}
const _: () = assert!(size_of::<PollFd>() == 8);

/// Data to read.
pub const POLLIN: i16 = 0x0001;
/// Urgent data to read.
pub const POLLPRI: i16 = 0x0002;
/// Writing will not block.
pub const POLLOUT: i16 = 0x0004;
/// Error condition.
pub const POLLERR: i16 = 0x0008;
/// Hang up.
pub const POLLHUP: i16 = 0x0010;
/// The fd is not open.
pub const POLLNVAL: i16 = 0x0020;
/// Normal data to read.
pub const POLLRDNORM: i16 = 0x0040;
/// Priority band data to read.
pub const POLLRDBAND: i16 = 0x0080;
/// Normal data may be written.
pub const POLLWRNORM: i16 = 0x0100;
/// Priority data may be written.
pub const POLLWRBAND: i16 = 0x0200;
/// Stream socket peer closed its writing half.
pub const POLLRDHUP: i16 = 0x2000;

//! Socket options: which `(level, name)` pairs Keel knows, and Linux's answers for the rest.
//!
//! Honoured (they change behaviour): `SO_REUSEADDR`, `SO_KEEPALIVE`, `SO_RCVBUF`,
//! `SO_SNDBUF` (buffer sizes of later connections, at least 64 KiB), `SO_LINGER` (a zero
//! linger time resets on close), `SO_RCVTIMEO`, `SO_SNDTIMEO`, `TCP_NODELAY` (Nagle off),
//! `IP_TTL` (smoltcp's hop limit). Stored and reported, with no further effect: `IP_TOS`
//! (smoltcp sets no per-socket TOS byte), `SO_BROADCAST`,
//! `SO_OOBINLINE`, `SO_REUSEPORT`, `TCP_CORK`, `TCP_KEEPIDLE`/`KEEPINTVL`/`KEEPCNT`,
//! `TCP_MAXSEG`, `TCP_FASTOPEN`, `SO_DEBUG`, `SO_DONTROUTE`. Read-only: `SO_TYPE`, `SO_ERROR`,
//! `SO_ACCEPTCONN`, `SO_DOMAIN`, `SO_PROTOCOL`. Everything else is ENOPROTOOPT, as Linux
//! answers an option its protocol does not know (an `IPPROTO_IPV6` option on an IPv4 socket,
//! which dropbear tries and tolerates, included); a TCP option on a UDP socket too.
//! See socket(7), ip(7), tcp(7).

use keel_abi::{Errno, KResult};

use crate::consts::*;

/// A known option.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Opt {
    /// `SO_REUSEADDR`
    ReuseAddr,
    /// `SO_KEEPALIVE`
    KeepAlive,
    /// `SO_RCVBUF`
    RcvBuf,
    /// `SO_SNDBUF`
    SndBuf,
    /// `SO_LINGER`
    Linger,
    /// `SO_RCVTIMEO`
    RcvTimeo,
    /// `SO_SNDTIMEO`
    SndTimeo,
    /// `TCP_NODELAY`
    NoDelay,
    /// `IP_TOS`
    Tos,
    /// `IP_TTL`
    Ttl,
    /// `SO_TYPE` (read-only)
    Type,
    /// `SO_ERROR` (read-only, clears the error)
    Error,
    /// `SO_ACCEPTCONN` (read-only)
    AcceptConn,
    /// `SO_DOMAIN` (read-only)
    Domain,
    /// `SO_PROTOCOL` (read-only)
    Protocol,
    /// An integer option that is stored and reported back but changes nothing; the index
    /// names its slot (see [`stored_slot`]).
    Stored(usize),
}

/// Integer options kept only to be reported back, by slot.
pub const STORED: &[(i32, i32)] = &[
    (SOL_SOCKET, SO_BROADCAST),
    (SOL_SOCKET, SO_OOBINLINE),
    (SOL_SOCKET, SO_REUSEPORT),
    (SOL_SOCKET, SO_DEBUG),
    (SOL_SOCKET, SO_DONTROUTE),
    (SOL_TCP, TCP_CORK),
    (SOL_TCP, TCP_KEEPIDLE),
    (SOL_TCP, TCP_KEEPINTVL),
    (SOL_TCP, TCP_KEEPCNT),
    (SOL_TCP, TCP_MAXSEG),
    (SOL_TCP, TCP_FASTOPEN),
];

/// The slot of a stored option in [`STORED`].
pub fn stored_slot(level: i32, name: i32) -> Option<usize> {
    STORED.iter().position(|&(l, n)| l == level && n == name)
}

/// Linux's defaults for the stored options (`TCP_KEEPIDLE` 7200 s, `TCP_KEEPINTVL` 75 s,
/// `TCP_KEEPCNT` 9, `TCP_MAXSEG` 536 before a connection; the rest 0).
pub fn stored_default(slot: usize) -> i32 {
    match STORED.get(slot) {
        Some(&(SOL_TCP, TCP_KEEPIDLE)) => 7200,
        Some(&(SOL_TCP, TCP_KEEPINTVL)) => 75,
        Some(&(SOL_TCP, TCP_KEEPCNT)) => 9,
        Some(&(SOL_TCP, TCP_MAXSEG)) => 536,
        _ => 0,
    }
}

/// Names `(level, name)` for a socket of type `stream` (TCP) or datagram (UDP).
/// ENOPROTOOPT for what Linux does not know at that level.
pub fn classify(level: i32, name: i32, stream: bool) -> KResult<Opt> {
    let opt = match (level, name) {
        (SOL_SOCKET, SO_REUSEADDR) => Opt::ReuseAddr,
        (SOL_SOCKET, SO_KEEPALIVE) => Opt::KeepAlive,
        (SOL_SOCKET, SO_RCVBUF) => Opt::RcvBuf,
        (SOL_SOCKET, SO_SNDBUF) => Opt::SndBuf,
        (SOL_SOCKET, SO_LINGER) => Opt::Linger,
        (SOL_SOCKET, SO_RCVTIMEO) => Opt::RcvTimeo,
        (SOL_SOCKET, SO_SNDTIMEO) => Opt::SndTimeo,
        (SOL_SOCKET, SO_TYPE) => Opt::Type,
        (SOL_SOCKET, SO_ERROR) => Opt::Error,
        (SOL_SOCKET, SO_ACCEPTCONN) => Opt::AcceptConn,
        (SOL_SOCKET, SO_DOMAIN) => Opt::Domain,
        (SOL_SOCKET, SO_PROTOCOL) => Opt::Protocol,
        (SOL_TCP, TCP_NODELAY) if stream => Opt::NoDelay,
        (SOL_IP, IP_TOS) => Opt::Tos,
        (SOL_IP, IP_TTL) => Opt::Ttl,
        (SOL_TCP, _) if !stream => return Err(Errno::ENOPROTOOPT),
        _ => match stored_slot(level, name) {
            Some(i) => Opt::Stored(i),
            None => return Err(Errno::ENOPROTOOPT),
        },
    };
    Ok(opt)
}

/// Whether `setsockopt` refuses `opt` (read-only options: ENOPROTOOPT, as Linux).
pub fn read_only(opt: Opt) -> bool {
    matches!(
        opt,
        Opt::Type | Opt::Error | Opt::AcceptConn | Opt::Domain | Opt::Protocol
    )
}

/// An integer option value: EINVAL when `optlen` is shorter than an `int`.
pub fn int_value(bytes: &[u8]) -> KResult<i32> {
    match bytes.get(..4) {
        Some(b) => Ok(i32::from_ne_bytes([b[0], b[1], b[2], b[3]])),
        None => Err(Errno::EINVAL),
    }
}

/// Linux's `net.core.rmem_max` / `wmem_max`: the most `SO_RCVBUF`/`SO_SNDBUF` may ask for.
pub const BUF_MAX: i32 = 212_992;
/// `SOCK_MIN_RCVBUF` on x86_64 Linux 6.1.
pub const MIN_RCVBUF: i32 = 2304;
/// `SOCK_MIN_SNDBUF` on x86_64 Linux 6.1.
pub const MIN_SNDBUF: i32 = 4608;

/// What `getsockopt` reports after `setsockopt(SO_RCVBUF or SO_SNDBUF, v)`: Linux clamps to
/// the maximum, doubles (for its bookkeeping overhead) and applies a floor.
pub fn buffer_reported(v: i32, rcv: bool) -> i32 {
    let v = v.clamp(0, BUF_MAX) * 2;
    v.max(if rcv { MIN_RCVBUF } else { MIN_SNDBUF })
}

/// `SO_RCVTIMEO`/`SO_SNDTIMEO` from a `struct timeval`: EINVAL if short, EDOM for
/// microseconds outside 0..1000000; zero (and, as Linux, a negative time) means no timeout.
/// Returns nanoseconds.
pub fn timeout_value(bytes: &[u8]) -> KResult<Option<u64>> {
    if bytes.len() < 16 {
        return Err(Errno::EINVAL);
    }
    let mut s = [0u8; 8];
    s.copy_from_slice(&bytes[0..8]);
    let sec = i64::from_ne_bytes(s);
    s.copy_from_slice(&bytes[8..16]);
    let usec = i64::from_ne_bytes(s);
    if !(0..1_000_000).contains(&usec) {
        return Err(Errno::EDOM);
    }
    if sec < 0 || (sec == 0 && usec == 0) {
        return Ok(None);
    }
    let ns = (sec as u64)
        .saturating_mul(1_000_000_000)
        .saturating_add(usec as u64 * 1000);
    Ok(Some(ns))
}

/// The `struct timeval` `getsockopt` reports for a timeout in nanoseconds (0 for none).
pub fn timeout_bytes(ns: Option<u64>) -> [u8; 16] {
    let ns = ns.unwrap_or(0);
    let mut b = [0u8; 16];
    b[0..8].copy_from_slice(&((ns / 1_000_000_000) as i64).to_ne_bytes());
    b[8..16].copy_from_slice(&(((ns % 1_000_000_000) / 1000) as i64).to_ne_bytes());
    b
}

/// `SO_LINGER` from a `struct linger`: EINVAL if short. Returns `Some(seconds)` when on.
pub fn linger_value(bytes: &[u8]) -> KResult<Option<u32>> {
    if bytes.len() < 8 {
        return Err(Errno::EINVAL);
    }
    let on = i32::from_ne_bytes([bytes[0], bytes[1], bytes[2], bytes[3]]);
    let secs = i32::from_ne_bytes([bytes[4], bytes[5], bytes[6], bytes[7]]);
    Ok((on != 0).then_some(secs.max(0) as u32))
}

//! `struct sockaddr_in`: decoding the bytes user space passes (with Linux's errors for each
//! call) and encoding the ones it gets back.
//!
//! Linux checks the length before the family for `bind`, `sendto` and datagram `connect`
//! (EINVAL, then EAFNOSUPPORT); a stream `connect` first treats `AF_UNSPEC` as "disconnect".
//! See ip(7) and the functions named in each call's doc.

use keel_abi::{Errno, KResult};

use crate::consts::{AF_INET, AF_UNSPEC};

/// An IPv4 address and port, in host order.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct SockAddrIn {
    /// The address bytes as written (`10.0.2.15` is `[10, 0, 2, 15]`).
    pub addr: [u8; 4],
    /// The port.
    pub port: u16,
}

/// `sizeof(struct sockaddr_in)`.
pub const SOCKADDR_IN_LEN: usize = 16;

/// What a `connect` address asks for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ConnectTarget {
    /// `AF_UNSPEC`: dissolve the association (datagram sockets; a stream socket disconnects).
    Disconnect,
    /// An IPv4 peer.
    Peer(SockAddrIn),
}

impl SockAddrIn {
    /// An address and port.
    pub const fn new(addr: [u8; 4], port: u16) -> Self {
        SockAddrIn { addr, port }
    }

    /// `INADDR_ANY`, port 0.
    pub const ANY: SockAddrIn = SockAddrIn::new([0; 4], 0);

    /// Whether the address is `INADDR_ANY` (0.0.0.0).
    pub fn is_any(&self) -> bool {
        self.addr == [0; 4]
    }

    /// Whether the address is in 127.0.0.0/8.
    pub fn is_loopback(&self) -> bool {
        self.addr[0] == 127
    }

    /// Whether the address is a multicast or limited-broadcast address.
    pub fn is_multicast_or_broadcast(&self) -> bool {
        (224..240).contains(&self.addr[0]) || self.addr == [255; 4]
    }

    /// The family and address in `bytes`: EINVAL if shorter than a `sockaddr_in`.
    fn decode(bytes: &[u8]) -> KResult<(u16, SockAddrIn)> {
        if bytes.len() < SOCKADDR_IN_LEN {
            return Err(Errno::EINVAL);
        }
        let family = u16::from_ne_bytes([bytes[0], bytes[1]]);
        let port = u16::from_be_bytes([bytes[2], bytes[3]]);
        let addr = [bytes[4], bytes[5], bytes[6], bytes[7]];
        Ok((family, SockAddrIn { addr, port }))
    }

    /// `bind(2)` (Linux's `inet_bind`): EINVAL if short; `AF_UNSPEC` is accepted only with
    /// `INADDR_ANY` (an old BSD habit Linux keeps); any other family is EAFNOSUPPORT.
    pub fn for_bind(bytes: &[u8]) -> KResult<SockAddrIn> {
        let (family, a) = Self::decode(bytes)?;
        match family {
            AF_INET => Ok(a),
            AF_UNSPEC if a.is_any() => Ok(a),
            _ => Err(Errno::EAFNOSUPPORT),
        }
    }

    /// `connect(2)` (`__inet_stream_connect`, `ip4_datagram_connect`): EINVAL if shorter than
    /// the family field; `AF_UNSPEC` disconnects; then EINVAL if short, EAFNOSUPPORT for a
    /// foreign family.
    pub fn for_connect(bytes: &[u8]) -> KResult<ConnectTarget> {
        if bytes.len() < 2 {
            return Err(Errno::EINVAL);
        }
        if u16::from_ne_bytes([bytes[0], bytes[1]]) == AF_UNSPEC {
            return Ok(ConnectTarget::Disconnect);
        }
        let (family, a) = Self::decode(bytes)?;
        if family != AF_INET {
            return Err(Errno::EAFNOSUPPORT);
        }
        Ok(ConnectTarget::Peer(a))
    }

    /// A datagram `sendto(2)` destination (`udp_sendmsg`): EINVAL if short; `AF_UNSPEC` is
    /// taken as `AF_INET`; other families are EAFNOSUPPORT.
    pub fn for_sendto(bytes: &[u8]) -> KResult<SockAddrIn> {
        let (family, a) = Self::decode(bytes)?;
        match family {
            AF_INET | AF_UNSPEC => Ok(a),
            _ => Err(Errno::EAFNOSUPPORT),
        }
    }

    /// The 16 bytes of a `sockaddr_in` for this address.
    pub fn encode(&self) -> [u8; SOCKADDR_IN_LEN] {
        let mut b = [0u8; SOCKADDR_IN_LEN];
        b[0..2].copy_from_slice(&AF_INET.to_ne_bytes());
        b[2..4].copy_from_slice(&self.port.to_be_bytes());
        b[4..8].copy_from_slice(&self.addr);
        b
    }
}

/// How many bytes of an encoded address of `full` bytes to copy for a user buffer of
/// `user_len` bytes, and the length to report back: Linux copies `min(user_len, full)` and
/// always reports `full` (the caller detects truncation from the reported length). EINVAL for
/// a negative length.
pub fn copy_len(user_len: i32, full: usize) -> KResult<(usize, u32)> {
    if user_len < 0 {
        return Err(Errno::EINVAL);
    }
    Ok(((user_len as usize).min(full), full as u32))
}

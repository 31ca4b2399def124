//! Socket options as one socket keeps them, and `getsockopt`/`setsockopt` on them. Which
//! options exist and what Linux answers for the others is `keel_net::sockopt` (host-tested);
//! this file stores values and encodes replies. Options that change a connection (buffer
//! sizes, `TCP_NODELAY`, keepalive, TTL) are applied by `tcp.rs` when it builds or updates a
//! smoltcp socket.

use alloc::vec::Vec;

use keel_abi::{Errno, KResult};
use keel_net::sockopt::{self, Opt, STORED};

/// TCP buffers are at least this big (DESIGN.md section 6, lesson 7: small buffers and Nagle
/// cost another Rust kernel ~10x in bandwidth).
pub const MIN_TCP_BUF: usize = 64 * 1024;
/// And at most this big.
pub const MAX_TCP_BUF: usize = 1024 * 1024;

/// One socket's options.
#[derive(Clone, Debug)]
pub struct Options {
    pub reuse_addr: bool,
    pub keepalive: bool,
    pub nodelay: bool,
    /// Values as set (reported doubled, as Linux does); `None` is the default.
    pub rcvbuf: Option<i32>,
    pub sndbuf: Option<i32>,
    /// `SO_LINGER`: `Some(seconds)` when on.
    pub linger: Option<u32>,
    pub rcvtimeo_ns: Option<u64>,
    pub sndtimeo_ns: Option<u64>,
    pub tos: u8,
    pub ttl: Option<u8>,
    pub stored: [i32; STORED.len()],
}

impl Default for Options {
    fn default() -> Self {
        let mut stored = [0; STORED.len()];
        for (i, v) in stored.iter_mut().enumerate() {
            *v = sockopt::stored_default(i);
        }
        Options {
            reuse_addr: false,
            keepalive: false,
            nodelay: false,
            rcvbuf: None,
            sndbuf: None,
            linger: None,
            rcvtimeo_ns: None,
            sndtimeo_ns: None,
            tos: 0,
            ttl: None,
            stored,
        }
    }
}

/// What getsockopt reports for a socket's buffer sizes by default (Linux 6.1: tcp_rmem[1]
/// 131072 and tcp_wmem[1] 16384; UDP gets net.core.rmem_default/wmem_default 212992).
fn default_buf(stream: bool, rcv: bool) -> i32 {
    match (stream, rcv) {
        (true, true) => 131_072,
        (true, false) => 16_384,
        (false, _) => 212_992,
    }
}

impl Options {
    /// The TCP receive and send buffer sizes for a new connection.
    pub fn tcp_buffers(&self) -> (usize, usize) {
        let size = |v: Option<i32>| {
            v.map_or(MIN_TCP_BUF, |v| {
                (sockopt::buffer_reported(v, true) as usize).clamp(MIN_TCP_BUF, MAX_TCP_BUF)
            })
        };
        (size(self.rcvbuf), size(self.sndbuf))
    }

    /// `setsockopt` of an option `classify` accepted. Returns true when a connection's
    /// smoltcp settings must be refreshed.
    pub fn set(&mut self, opt: Opt, val: &[u8]) -> KResult<bool> {
        if sockopt::read_only(opt) {
            return Err(Errno::ENOPROTOOPT);
        }
        match opt {
            Opt::Linger => {
                self.linger = sockopt::linger_value(val)?;
                return Ok(false);
            }
            Opt::RcvTimeo => {
                self.rcvtimeo_ns = sockopt::timeout_value(val)?;
                return Ok(false);
            }
            Opt::SndTimeo => {
                self.sndtimeo_ns = sockopt::timeout_value(val)?;
                return Ok(false);
            }
            _ => {}
        }
        let v = sockopt::int_value(val)?;
        match opt {
            Opt::ReuseAddr => self.reuse_addr = v != 0,
            Opt::KeepAlive => self.keepalive = v != 0,
            Opt::NoDelay => self.nodelay = v != 0,
            Opt::RcvBuf => self.rcvbuf = Some(v),
            Opt::SndBuf => self.sndbuf = Some(v),
            // ip(7): the low two (ECN) bits of a TCP socket's TOS are not the user's.
            Opt::Tos => self.tos = (v & 0xff) as u8,
            Opt::Ttl => {
                // ip(7): 1..=255, or -1 for the default.
                self.ttl = match v {
                    -1 => None,
                    1..=255 => Some(v as u8),
                    _ => return Err(Errno::EINVAL),
                }
            }
            Opt::Stored(i) => {
                if let Some(s) = self.stored.get_mut(i) {
                    *s = v;
                }
            }
            _ => {}
        }
        Ok(matches!(
            opt,
            Opt::NoDelay | Opt::KeepAlive | Opt::Ttl | Opt::Stored(_)
        ))
    }

    /// `getsockopt` for the options the socket itself stores (not `SO_ERROR`, `SO_TYPE`...).
    pub fn get(&self, opt: Opt, stream: bool) -> Option<Vec<u8>> {
        let int = |v: i32| Some(v.to_ne_bytes().to_vec());
        match opt {
            Opt::ReuseAddr => int(self.reuse_addr as i32),
            Opt::KeepAlive => int(self.keepalive as i32),
            Opt::NoDelay => int(self.nodelay as i32),
            Opt::RcvBuf => int(self.rcvbuf.map_or(default_buf(stream, true), |v| {
                sockopt::buffer_reported(v, true)
            })),
            Opt::SndBuf => int(self.sndbuf.map_or(default_buf(stream, false), |v| {
                sockopt::buffer_reported(v, false)
            })),
            Opt::Linger => {
                let mut b = Vec::with_capacity(8);
                b.extend_from_slice(&(self.linger.is_some() as i32).to_ne_bytes());
                b.extend_from_slice(&(self.linger.unwrap_or(0) as i32).to_ne_bytes());
                Some(b)
            }
            Opt::RcvTimeo => Some(sockopt::timeout_bytes(self.rcvtimeo_ns).to_vec()),
            Opt::SndTimeo => Some(sockopt::timeout_bytes(self.sndtimeo_ns).to_vec()),
            Opt::Tos => int(self.tos as i32),
            Opt::Ttl => int(self.ttl.map_or(64, i32::from)),
            Opt::Stored(i) => int(self.stored.get(i).copied().unwrap_or(0)),
            _ => None,
        }
    }
}

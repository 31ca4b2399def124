//! The pure half of `AF_UNIX` (unix(7)): `struct sockaddr_un` decoding and encoding, and the
//! `SOL_SOCKET` control messages (`SCM_RIGHTS`, `SCM_CREDENTIALS`) that `sendmsg` carries and
//! `recvmsg` returns, with Linux's errors (`unix_validate_addr`, `unix_mkname_bsd`,
//! `__scm_send`, `scm_detach_fds`).

use alloc::vec::Vec;

use keel_abi::{Errno, KResult};

use crate::consts::{AF_UNIX, SOL_SOCKET};

/// `offsetof(struct sockaddr_un, sun_path)`.
pub const SUN_PATH_OFFSET: usize = 2;
/// `sizeof(struct sockaddr_un)`.
pub const SOCKADDR_UN_LEN: usize = 110;
/// `SCM_RIGHTS`
pub const SCM_RIGHTS: i32 = 1;
/// `SCM_CREDENTIALS`
pub const SCM_CREDENTIALS: i32 = 2;
/// Linux's `SCM_MAX_FD`: the most descriptors one message may carry.
pub const SCM_MAX_FD: usize = 253;
/// `sizeof(struct cmsghdr)` (len as `size_t`, level, type).
pub const CMSG_HDR: usize = 16;
/// `sizeof(struct ucred)`.
pub const UCRED_LEN: usize = 12;

/// A unix socket's name.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum UnixAddr {
    /// Not bound: reported as the family alone.
    Unnamed,
    /// A file-system path (without the terminating NUL).
    Path(Vec<u8>),
    /// An abstract name: the bytes after the leading NUL, all of them significant.
    Abstract(Vec<u8>),
}

/// What the address of a `bind` asks for.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum BindTarget {
    /// Only the family: pick an unused abstract name (`unix_autobind`).
    Auto,
    /// A name.
    Name(UnixAddr),
}

impl UnixAddr {
    /// Decodes a `connect`/`sendto` address: EINVAL for a length outside
    /// `(sun_path offset, sizeof(sockaddr_un)]` or another family.
    pub fn decode(bytes: &[u8]) -> KResult<UnixAddr> {
        if bytes.len() <= SUN_PATH_OFFSET || bytes.len() > SOCKADDR_UN_LEN {
            return Err(Errno::EINVAL);
        }
        if u16::from_ne_bytes([bytes[0], bytes[1]]) != AF_UNIX {
            return Err(Errno::EINVAL);
        }
        let path = &bytes[SUN_PATH_OFFSET..];
        if path[0] == 0 {
            return Ok(UnixAddr::Abstract(path[1..].to_vec()));
        }
        // A path ends at its first NUL or at the given length (Linux accepts a full
        // sun_path without a terminator).
        let end = path.iter().position(|&b| b == 0).unwrap_or(path.len());
        Ok(UnixAddr::Path(path[..end].to_vec()))
    }

    /// Decodes a `bind` address: the family alone autobinds (checked before the length
    /// rules, as `unix_bind` does).
    pub fn decode_bind(bytes: &[u8]) -> KResult<BindTarget> {
        if bytes.len() == SUN_PATH_OFFSET && u16::from_ne_bytes([bytes[0], bytes[1]]) == AF_UNIX {
            return Ok(BindTarget::Auto);
        }
        UnixAddr::decode(bytes).map(BindTarget::Name)
    }

    /// The bytes `getsockname`, `getpeername`, `accept` and `recvfrom` report: the family,
    /// then a path with its NUL, or a NUL and the abstract name.
    pub fn encode(&self) -> Vec<u8> {
        let mut v = Vec::with_capacity(SOCKADDR_UN_LEN);
        v.extend_from_slice(&AF_UNIX.to_ne_bytes());
        match self {
            UnixAddr::Unnamed => {}
            UnixAddr::Path(p) => {
                v.extend_from_slice(p);
                v.push(0);
            }
            UnixAddr::Abstract(n) => {
                v.push(0);
                v.extend_from_slice(n);
            }
        }
        v
    }

    /// The name `unix_autobind` picks for attempt `n`: five hex digits.
    pub fn autobind(n: u32) -> UnixAddr {
        let digits = alloc::format!("{:05x}", n & 0xfffff);
        UnixAddr::Abstract(digits.into_bytes())
    }
}

/// One control message a `sendmsg` carries.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Cmsg {
    /// `SCM_RIGHTS`: descriptors to pass.
    Rights(Vec<i32>),
    /// `SCM_CREDENTIALS`: pid, uid, gid the sender claims.
    Credentials([u32; 3]),
}

fn u32_at(b: &[u8], o: usize) -> u32 {
    u32::from_ne_bytes([b[o], b[o + 1], b[o + 2], b[o + 3]])
}

/// `CMSG_ALIGN`.
pub const fn cmsg_align(n: usize) -> usize {
    (n + 7) & !7
}

/// Parses a `sendmsg` control buffer (`__scm_send`): EINVAL for a header whose length does
/// not fit, a non-`SOL_SOCKET` level skipped, EINVAL for an unknown type, a credentials
/// message of the wrong size or more than [`SCM_MAX_FD`] descriptors in all.
pub fn parse_cmsgs(buf: &[u8]) -> KResult<Vec<Cmsg>> {
    let mut out = Vec::new();
    let mut off = 0;
    let mut fds = 0;
    while off + CMSG_HDR <= buf.len() {
        let len = u64::from_ne_bytes(buf[off..off + 8].try_into().map_err(|_| Errno::EINVAL)?);
        if len < CMSG_HDR as u64 || len > (buf.len() - off) as u64 {
            return Err(Errno::EINVAL);
        }
        let len = len as usize;
        let level = u32_at(buf, off + 8) as i32;
        let ty = u32_at(buf, off + 12) as i32;
        let data = &buf[off + CMSG_HDR..off + len];
        if level == SOL_SOCKET {
            match ty {
                SCM_RIGHTS => {
                    let v: Vec<i32> = data.chunks_exact(4).map(|c| u32_at(c, 0) as i32).collect();
                    fds += v.len();
                    if fds > SCM_MAX_FD {
                        return Err(Errno::EINVAL);
                    }
                    if !v.is_empty() {
                        out.push(Cmsg::Rights(v));
                    }
                }
                SCM_CREDENTIALS if data.len() == UCRED_LEN => out.push(Cmsg::Credentials([
                    u32_at(data, 0),
                    u32_at(data, 4),
                    u32_at(data, 8),
                ])),
                _ => return Err(Errno::EINVAL),
            }
        }
        off += cmsg_align(len);
    }
    Ok(out)
}

/// How many descriptors an `SCM_RIGHTS` message can return in `space` bytes of control
/// buffer (`scm_detach_fds`).
pub fn rights_that_fit(space: usize) -> usize {
    space.saturating_sub(CMSG_HDR) / 4
}

/// Appends an `SOL_SOCKET` message of type `ty` with `data` to `out`, within `space` bytes
/// of control buffer: the header's length is the unpadded one; the padding is added only
/// where it fits (`put_cmsg`). Returns false (and appends nothing) when the header does not
/// fit, which the caller reports as `MSG_CTRUNC`; a message cut short also sets it.
pub fn put_cmsg(out: &mut Vec<u8>, space: usize, ty: i32, data: &[u8]) -> (bool, bool) {
    if space < CMSG_HDR {
        return (false, true);
    }
    let full = CMSG_HDR + data.len();
    let len = full.min(space);
    out.extend_from_slice(&(len as u64).to_ne_bytes());
    out.extend_from_slice(&SOL_SOCKET.to_ne_bytes());
    out.extend_from_slice(&ty.to_ne_bytes());
    out.extend_from_slice(&data[..len - CMSG_HDR]);
    let padded = cmsg_align(len).min(space);
    out.resize(out.len() + (padded - len), 0);
    (true, len < full)
}

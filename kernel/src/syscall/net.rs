//! Socket system calls: decode user arguments, copy user memory into and out of kernel
//! buffers, and call the socket file (`net::socket::SocketFile`), which never sees user
//! memory. See socket(2), ip(7), tcp(7), udp(7).
//!
//! `AF_UNIX` sockets are `syscall/unix.rs` (each call here hands a unix socket over first).
//!
//! What Keel answers where Linux would do more: `AF_INET6`, `AF_NETLINK` and `AF_PACKET`
//! sockets are EAFNOSUPPORT (programs fall back to IPv4, busybox `ip` fails and `ifconfig`
//! works), `SOCK_RAW` is ESOCKTNOSUPPORT (Linux allows it for root), `socketpair` of
//! `AF_INET` is EOPNOTSUPP (as Linux); an `AF_INET` socket never sends or receives ancillary
//! data (`msg_control`).

use alloc::sync::Arc;
use alloc::vec::Vec;

use keel_abi::uio::IoVec;
use keel_abi::{Errno, KResult};
use keel_net::addr::copy_len;
use keel_net::consts::*;
use keel_net::SockAddrIn;
use keel_vfs::consts::{O_NONBLOCK, O_RDWR};
use keel_vfs::OpenFile;

use super::{unix, Caller};
use crate::fs::scratch::Scratch;
use crate::mm::usercopy::{check_range, copy_from_user, copy_to_user, UserPtr};
use crate::net::socket::SocketFile;
use crate::net::unix::UnixFile;

/// Bytes moved per step.
const CHUNK: usize = crate::fs::scratch::SIZE;
/// Linux's `sizeof(struct sockaddr_storage)`: the longest address a call may pass.
const SOCKADDR_STORAGE: u32 = 128;
/// Linux's UIO_MAXIOV.
const IOV_MAX: u64 = 1024;
/// Linux's AF_MAX on 6.1.
const AF_MAX: i32 = 46;

fn file(c: &Caller, fd: i32) -> KResult<Arc<OpenFile>> {
    c.process().fds().get(fd)
}

/// The unix socket behind `fd`, if it is one (its calls go to `syscall/unix.rs`).
fn unix_sock(c: &Caller, fd: i32) -> KResult<Option<unix::Sock>> {
    let of = file(c, fd)?;
    let u = UnixFile::of(&of).cloned();
    Ok(u.map(|u| (of, u)))
}

/// Runs `f` with the socket behind `fd`: EBADF for a bad fd, ENOTSOCK for another file.
fn with_sock<R>(
    c: &Caller,
    fd: i32,
    f: impl FnOnce(&OpenFile, &SocketFile) -> KResult<R>,
) -> KResult<R> {
    let of = file(c, fd)?;
    let s = SocketFile::of(&of).ok_or(Errno::ENOTSOCK)?;
    f(&of, s)
}

/// Copies an address argument in (Linux's move_addr_to_kernel): EINVAL for a length above
/// `sockaddr_storage`, EFAULT for a bad pointer.
pub(super) fn addr_in(addr: u64, len: u32) -> KResult<Vec<u8>> {
    if len > SOCKADDR_STORAGE {
        return Err(Errno::EINVAL);
    }
    let mut b = alloc::vec![0u8; len as usize];
    if len > 0 {
        copy_from_user(&mut b, addr)?;
    }
    Ok(b)
}

/// Copies an encoded address out (move_addr_to_user) unless `addr` is NULL: reads the
/// user's length (negative is EINVAL), copies at most that much, and stores the full length.
/// `None` is no address to report (a TCP recvfrom, an unnamed unix sender): length 0.
pub(super) fn addr_out(a: Option<&[u8]>, addr: u64, lenp: u64) -> KResult<()> {
    if addr == 0 {
        return Ok(());
    }
    write_name(a.unwrap_or(&[]), addr, lenp).map(|_| ())
}

/// getsockname/getpeername always write (EFAULT for a NULL address, unlike recvfrom).
pub(super) fn write_name(a: &[u8], addr: u64, lenp: u64) -> KResult<usize> {
    let ulen = UserPtr::<i32>::new(lenp).read()?;
    let (n, full) = copy_len(ulen, a.len())?;
    if n > 0 {
        copy_to_user(addr, &a[..n])?;
    }
    UserPtr::<i32>::new(lenp).write(full as i32)?;
    Ok(0)
}

/// A received message's source into a `msghdr` (unless `msg_name` is NULL): at most
/// `msg_namelen` bytes, and the full length into `msg_namelen` (0 for no address).
pub(super) fn msg_name_out(m: &MsgHdr, msg: u64, a: Option<&[u8]>) -> KResult<()> {
    if m.name == 0 {
        return Ok(());
    }
    let a = a.unwrap_or(&[]);
    let k = (m.namelen as usize).min(a.len());
    if k > 0 {
        copy_to_user(m.name, &a[..k])?;
    }
    UserPtr::<u32>::new(msg + 8).write(a.len() as u32)
}

pub fn sys_socket(c: &Caller, domain: i32, ty: u32, proto: i32) -> KResult<usize> {
    let kind = ty & SOCK_TYPE_MASK;
    if ty & !(SOCK_TYPE_MASK | SOCK_NONBLOCK | SOCK_CLOEXEC) != 0 || kind > 10 || kind == 0 {
        return Err(Errno::EINVAL);
    }
    if domain == AF_UNIX as i32 {
        return unix::socket(c, ty, proto);
    }
    if !(0..AF_MAX).contains(&domain) || domain != AF_INET as i32 {
        return Err(Errno::EAFNOSUPPORT);
    }
    let stream = match (kind, proto) {
        (SOCK_STREAM, IPPROTO_IP | IPPROTO_TCP) => true,
        (SOCK_DGRAM, IPPROTO_IP | IPPROTO_UDP) => false,
        (SOCK_STREAM | SOCK_DGRAM, _) => return Err(Errno::EPROTONOSUPPORT),
        _ => return Err(Errno::ESOCKTNOSUPPORT),
    };
    let s = SocketFile::create(stream)?;
    let nonblock = if ty & SOCK_NONBLOCK != 0 {
        O_NONBLOCK
    } else {
        0
    };
    let f = OpenFile::new(s, None, O_RDWR | nonblock);
    let fd = c.process().fds().alloc(f, ty & SOCK_CLOEXEC != 0)?;
    Ok(fd as usize)
}

pub fn sys_socketpair(c: &Caller, domain: i32, ty: u32, proto: i32, sv: u64) -> KResult<usize> {
    let kind = ty & SOCK_TYPE_MASK;
    if ty & !(SOCK_TYPE_MASK | SOCK_NONBLOCK | SOCK_CLOEXEC) != 0 || kind > 10 {
        return Err(Errno::EINVAL);
    }
    match domain {
        d if d == AF_UNIX as i32 => unix::socketpair(c, ty, proto, sv),
        d if d == AF_INET as i32 => Err(Errno::EOPNOTSUPP),
        _ => Err(Errno::EAFNOSUPPORT),
    }
}

pub fn sys_bind(c: &Caller, fd: i32, addr: u64, len: u32) -> KResult<usize> {
    if let Some((_, u)) = unix_sock(c, fd)? {
        return unix::bind(c, &u, addr, len);
    }
    with_sock(c, fd, |_, s| {
        let a = SockAddrIn::for_bind(&addr_in(addr, len)?)?;
        s.bind(a)?;
        Ok(0)
    })
}

pub fn sys_listen(c: &Caller, fd: i32, backlog: i32) -> KResult<usize> {
    if let Some((_, u)) = unix_sock(c, fd)? {
        return u.listen(backlog).map(|_| 0);
    }
    with_sock(c, fd, |_, s| s.listen(backlog).map(|_| 0))
}

pub fn sys_accept4(c: &Caller, fd: i32, addr: u64, lenp: u64, flags: u32) -> KResult<usize> {
    if flags & !(SOCK_NONBLOCK | SOCK_CLOEXEC) != 0 {
        return Err(Errno::EINVAL);
    }
    if let Some((f, u)) = unix_sock(c, fd)? {
        return unix::accept(c, &f, &u, addr, lenp, flags);
    }
    let (new, peer) = with_sock(c, fd, |f, s| s.accept(f))?;
    let nonblock = if flags & SOCK_NONBLOCK != 0 {
        O_NONBLOCK
    } else {
        0
    };
    // Linux installs the fd only after the address is copied out; a bad address pointer
    // loses the connection with EFAULT.
    addr_out(Some(&peer.encode()), addr, lenp)?;
    let f = OpenFile::new(new, None, O_RDWR | nonblock);
    let fd = c.process().fds().alloc(f, flags & SOCK_CLOEXEC != 0)?;
    Ok(fd as usize)
}

pub fn sys_connect(c: &Caller, fd: i32, addr: u64, len: u32) -> KResult<usize> {
    if let Some((f, u)) = unix_sock(c, fd)? {
        return unix::connect(c, &f, &u, addr, len);
    }
    with_sock(c, fd, |f, s| {
        let target = SockAddrIn::for_connect(&addr_in(addr, len)?)?;
        s.connect(f, target)?;
        Ok(0)
    })
}

pub fn sys_getsockname(c: &Caller, fd: i32, addr: u64, lenp: u64) -> KResult<usize> {
    if let Some((_, u)) = unix_sock(c, fd)? {
        return write_name(&u.name().encode(), addr, lenp);
    }
    with_sock(c, fd, |_, s| {
        write_name(&s.local_addr()?.encode(), addr, lenp)
    })
}

pub fn sys_getpeername(c: &Caller, fd: i32, addr: u64, lenp: u64) -> KResult<usize> {
    if let Some((_, u)) = unix_sock(c, fd)? {
        return write_name(&u.peer_name()?.encode(), addr, lenp);
    }
    with_sock(c, fd, |_, s| {
        write_name(&s.peer_addr()?.encode(), addr, lenp)
    })
}

pub fn sys_setsockopt(
    c: &Caller,
    fd: i32,
    level: i32,
    name: i32,
    val: u64,
    len: i32,
) -> KResult<usize> {
    let bytes = || {
        if len < 0 {
            return Err(Errno::EINVAL);
        }
        let mut b = alloc::vec![0u8; (len as usize).min(256)];
        if !b.is_empty() {
            copy_from_user(&mut b, val)?;
        }
        Ok(b)
    };
    if let Some((_, u)) = unix_sock(c, fd)? {
        return u.setsockopt(level, name, &bytes()?).map(|_| 0);
    }
    with_sock(c, fd, |_, s| {
        s.setsockopt(level, name, &bytes()?)?;
        Ok(0)
    })
}

pub fn sys_getsockopt(
    c: &Caller,
    fd: i32,
    level: i32,
    name: i32,
    val: u64,
    lenp: u64,
) -> KResult<usize> {
    let ulen = || {
        let ulen = UserPtr::<i32>::new(lenp).read()?;
        if ulen < 0 {
            return Err(Errno::EINVAL);
        }
        Ok(ulen as usize)
    };
    let out = |v: Vec<u8>, ulen: usize| {
        let n = ulen.min(v.len());
        copy_to_user(val, &v[..n])?;
        UserPtr::<i32>::new(lenp).write(n as i32)?;
        Ok(0)
    };
    if let Some((_, u)) = unix_sock(c, fd)? {
        let l = ulen()?;
        return out(u.getsockopt(level, name)?, l);
    }
    with_sock(c, fd, |_, s| {
        let l = ulen()?;
        out(s.getsockopt(level, name)?, l)
    })
}

pub fn sys_shutdown(c: &Caller, fd: i32, how: i32) -> KResult<usize> {
    if let Some((_, u)) = unix_sock(c, fd)? {
        return u.shutdown(how).map(|_| 0);
    }
    with_sock(c, fd, |_, s| s.shutdown(how).map(|_| 0))
}

/// Sends `len` bytes at user address `buf` (a stream in chunks; a datagram whole).
fn send_user(
    f: &OpenFile,
    s: &SocketFile,
    buf: u64,
    len: usize,
    flags: u32,
    to: Option<SockAddrIn>,
) -> KResult<usize> {
    if len > 0 {
        check_range(buf, len)?;
    }
    let mut scratch = Scratch::get()?;
    if !s.is_stream() {
        if len > CHUNK {
            return Err(Errno::EMSGSIZE);
        }
        let k = scratch.slice(len);
        copy_from_user(k, buf)?;
        return s.send(f, k, flags, to);
    }
    if len == 0 {
        return s.send(f, &[], flags, to);
    }
    let mut done = 0;
    while done < len {
        crate::sched::cond_resched();
        let want = (len - done).min(CHUNK);
        let k = scratch.slice(want);
        if let Err(e) = copy_from_user(k, buf + done as u64) {
            return if done > 0 { Ok(done) } else { Err(e) };
        }
        match s.send(f, k, flags, to) {
            Ok(n) => {
                done += n;
                if n < want {
                    break;
                }
            }
            Err(e) if done == 0 => return Err(e),
            Err(_) => break,
        }
    }
    Ok(done)
}

pub fn sys_sendto(
    c: &Caller,
    fd: i32,
    buf: u64,
    len: usize,
    flags: u32,
    addr: u64,
    alen: u32,
) -> KResult<usize> {
    if let Some(us) = unix_sock(c, fd)? {
        let len = len.min(super::fs::MAX_RW_COUNT as usize);
        return unix::sendto(c, &us, buf, len, flags, addr, alen);
    }
    with_sock(c, fd, |f, s| {
        let to = if addr != 0 && !s.is_stream() {
            Some(SockAddrIn::for_sendto(&addr_in(addr, alen)?)?)
        } else {
            None
        };
        send_user(
            f,
            s,
            buf,
            len.min(super::fs::MAX_RW_COUNT as usize),
            flags,
            to,
        )
    })
}

/// Receives into user memory; returns (bytes, full datagram length, source).
fn recv_user(
    f: &OpenFile,
    s: &SocketFile,
    buf: u64,
    len: usize,
    flags: u32,
) -> KResult<(usize, usize, Option<SockAddrIn>)> {
    if len > 0 {
        check_range(buf, len)?;
    }
    let mut scratch = Scratch::get()?;
    let want = len.min(CHUNK);
    let (n, full, from) = s.recv(f, scratch.slice(want), flags)?;
    copy_to_user(buf, &scratch.slice(want)[..n])?;
    let mut done = n;
    // MSG_WAITALL on a stream larger than one chunk: keep filling.
    while s.is_stream() && flags & MSG_WAITALL != 0 && n > 0 && done < len && done % CHUNK == 0 {
        let want = (len - done).min(CHUNK);
        let (k, _, _) = match s.recv(f, scratch.slice(want), flags) {
            Ok(r) => r,
            Err(_) => break,
        };
        if k == 0 {
            break;
        }
        copy_to_user(buf + done as u64, &scratch.slice(want)[..k])?;
        done += k;
    }
    Ok((done, full.max(done), from))
}

pub fn sys_recvfrom(
    c: &Caller,
    fd: i32,
    buf: u64,
    len: usize,
    flags: u32,
    addr: u64,
    lenp: u64,
) -> KResult<usize> {
    if let Some(us) = unix_sock(c, fd)? {
        let len = len.min(super::fs::MAX_RW_COUNT as usize);
        return unix::recvfrom(c, &us, buf, len, flags, addr, lenp);
    }
    with_sock(c, fd, |f, s| {
        let (n, full, from) =
            recv_user(f, s, buf, len.min(super::fs::MAX_RW_COUNT as usize), flags)?;
        addr_out(
            from.map(|a| a.encode()).as_ref().map(|b| b.as_slice()),
            addr,
            lenp,
        )?;
        Ok(if flags & MSG_TRUNC != 0 && !s.is_stream() {
            full
        } else {
            n
        })
    })
}

pub(super) fn read_msghdr(msg: u64) -> KResult<MsgHdr> {
    let mut b = [0u8; core::mem::size_of::<MsgHdr>()];
    copy_from_user(&mut b, msg)?;
    let u64_at = |o: usize| u64::from_ne_bytes(b[o..o + 8].try_into().unwrap_or([0; 8]));
    let u32_at = |o: usize| u32::from_ne_bytes(b[o..o + 4].try_into().unwrap_or([0; 4]));
    Ok(MsgHdr {
        name: u64_at(0),
        namelen: u32_at(8),
        iov: u64_at(16),
        iovlen: u64_at(24),
        control: u64_at(32),
        controllen: u64_at(40),
        flags: u32_at(48),
        ..MsgHdr::default()
    })
}

pub(super) fn read_iov(m: &MsgHdr) -> KResult<Vec<IoVec>> {
    if m.iovlen > IOV_MAX {
        return Err(Errno::EMSGSIZE);
    }
    let mut v = Vec::with_capacity(m.iovlen as usize);
    let mut total = 0u64;
    for i in 0..m.iovlen {
        let mut b = [0u8; 16];
        copy_from_user(&mut b, m.iov + i * 16)?;
        let base = u64::from_ne_bytes(b[0..8].try_into().unwrap_or([0; 8]));
        let len = u64::from_ne_bytes(b[8..16].try_into().unwrap_or([0; 8]));
        if len > isize::MAX as u64 {
            return Err(Errno::EINVAL);
        }
        // As Linux's import_iovec: each piece must lie in user space as given (EFAULT), then
        // the pieces are cut so that together they hold at most MAX_RW_COUNT bytes (so no
        // sum of them can overflow).
        check_range(base, len as usize)?;
        let len = len.min(super::fs::MAX_RW_COUNT - total);
        total += len;
        v.push(IoVec {
            iov_base: base,
            iov_len: len,
        });
    }
    Ok(v)
}

pub fn sys_sendmsg(c: &Caller, fd: i32, msg: u64, flags: u32) -> KResult<usize> {
    if let Some((f, u)) = unix_sock(c, fd)? {
        return unix::sendmsg(c, &f, &u, msg, flags);
    }
    with_sock(c, fd, |f, s| {
        let m = read_msghdr(msg)?;
        let iov = read_iov(&m)?;
        let to = if m.name != 0 && !s.is_stream() {
            Some(SockAddrIn::for_sendto(&addr_in(m.name, m.namelen)?)?)
        } else {
            None
        };
        if !s.is_stream() {
            // One datagram: gather the pieces.
            let total: u64 = iov.iter().map(|v| v.iov_len).sum();
            if total > CHUNK as u64 {
                return Err(Errno::EMSGSIZE);
            }
            let mut data = Vec::with_capacity(total as usize);
            for v in &iov {
                let start = data.len();
                data.resize(start + v.iov_len as usize, 0);
                copy_from_user(&mut data[start..], v.iov_base)?;
            }
            return s.send(f, &data, flags, to);
        }
        let mut done = 0;
        for v in iov.iter().filter(|v| v.iov_len > 0) {
            match send_user(f, s, v.iov_base, v.iov_len as usize, flags, to) {
                Ok(n) => {
                    done += n;
                    if n < v.iov_len as usize {
                        break;
                    }
                }
                Err(e) if done == 0 => return Err(e),
                Err(_) => break,
            }
        }
        Ok(done)
    })
}

pub fn sys_recvmsg(c: &Caller, fd: i32, msg: u64, flags: u32) -> KResult<usize> {
    if let Some((f, u)) = unix_sock(c, fd)? {
        return unix::recvmsg(c, &f, &u, msg, flags);
    }
    with_sock(c, fd, |f, s| {
        let m = read_msghdr(msg)?;
        let iov = read_iov(&m)?;
        let total: u64 = iov.iter().map(|v| v.iov_len).sum();
        let (done, full, from) = if s.is_stream() {
            let mut done = 0usize;
            let mut from = None;
            for (i, v) in iov.iter().filter(|v| v.iov_len > 0).enumerate() {
                // Only the first piece may block; later ones take what is there.
                let fl = if i == 0 { flags } else { flags | MSG_DONTWAIT };
                match recv_user(f, s, v.iov_base, v.iov_len as usize, fl) {
                    Ok((n, _, a)) => {
                        from = from.or(a);
                        done += n;
                        if n < v.iov_len as usize {
                            break;
                        }
                    }
                    Err(e) if done == 0 => return Err(e),
                    Err(_) => break,
                }
            }
            if total == 0 {
                recv_user(f, s, 0, 0, flags)?;
            }
            (done, done, from)
        } else {
            let cap = (total as usize).min(CHUNK);
            let mut kbuf = alloc::vec![0u8; cap];
            let (n, full, from) = s.recv(f, &mut kbuf, flags)?;
            let mut off = 0;
            for v in &iov {
                if off == n {
                    break;
                }
                let k = (v.iov_len as usize).min(n - off);
                copy_to_user(v.iov_base, &kbuf[off..off + k])?;
                off += k;
            }
            (n, full, from)
        };
        // msg_namelen, msg_controllen (no ancillary data) and msg_flags back to the user.
        let name = from.map(|a| a.encode());
        msg_name_out(&m, msg, name.as_ref().map(|b| b.as_slice()))?;
        UserPtr::<u64>::new(msg + 40).write(0)?;
        let mut out_flags = 0;
        if full > done {
            out_flags |= MSG_TRUNC;
        }
        UserPtr::<u32>::new(msg + 48).write(out_flags)?;
        Ok(if flags & MSG_TRUNC != 0 && !s.is_stream() {
            full
        } else {
            done
        })
    })
}

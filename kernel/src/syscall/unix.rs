//! The `AF_UNIX` half of the socket system calls: `syscall/net.rs` hands over when the fd
//! is a unix socket (or the call makes one). This file decodes `sockaddr_un`, copies user
//! memory in and out, turns `SCM_RIGHTS` into open files and back into descriptors, and
//! calls `net::unix`, which works on kernel buffers.

use alloc::sync::Arc;
use alloc::vec::Vec;

use keel_abi::fcntl::AT_FDCWD;
use keel_abi::uio::IoVec;
use keel_abi::{Errno, KResult};
use keel_net::consts::*;
use keel_net::unix::{self as un, Cmsg, UnixAddr, SCM_CREDENTIALS, SCM_RIGHTS};
use keel_vfs::consts::{O_NONBLOCK, O_RDWR};
use keel_vfs::OpenFile;

use super::fs::{with_ctx, MAX_RW_COUNT};
use super::net::{addr_in, addr_out, msg_name_out, read_iov, read_msghdr};
use super::Caller;
use crate::mm::usercopy::{check_range, copy_from_user, copy_to_user, UserPtr};
use crate::net::unix::{names, Kind, Ucred, UnixFile, UnixSocket};

/// The most one receive copies in a step (a stream's MSG_WAITALL goes on in further steps).
const RECV_STEP: usize = 256 * 1024;
/// Larger than any send buffer: a datagram this long is EMSGSIZE without being gathered.
const DGRAM_MAX: u64 = 1 << 20;
/// Linux's `net.core.optmem_max`: the most control data a `sendmsg` may pass.
const OPTMEM_MAX: u64 = 20480;

fn new_file(s: Arc<UnixSocket>, nonblock: bool) -> Arc<OpenFile> {
    let flags = if nonblock {
        O_RDWR | O_NONBLOCK
    } else {
        O_RDWR
    };
    OpenFile::new(UnixFile::new(s), None, flags)
}

/// `socket(AF_UNIX, ...)`: `proto` is 0 or `PF_UNIX`.
pub fn socket(c: &Caller, ty: u32, proto: i32) -> KResult<usize> {
    let kind = kind_of(ty, proto)?;
    let f = new_file(UnixSocket::new(kind), ty & SOCK_NONBLOCK != 0);
    Ok(c.process().fds().alloc(f, ty & SOCK_CLOEXEC != 0)? as usize)
}

fn kind_of(ty: u32, proto: i32) -> KResult<Kind> {
    if proto != 0 && proto != AF_UNIX as i32 {
        return Err(Errno::EPROTONOSUPPORT);
    }
    Kind::from_type(ty & SOCK_TYPE_MASK).ok_or(Errno::ESOCKTNOSUPPORT)
}

/// `socketpair(AF_UNIX, ...)`: the two descriptors are stored at `sv`.
pub fn socketpair(c: &Caller, ty: u32, proto: i32, sv: u64) -> KResult<usize> {
    let kind = kind_of(ty, proto)?;
    check_range(sv, 8)?;
    let (a, b) = UnixSocket::pair(kind);
    let nonblock = ty & SOCK_NONBLOCK != 0;
    let cloexec = ty & SOCK_CLOEXEC != 0;
    let fds = c.process().fds();
    let fa = fds.alloc(new_file(a, nonblock), cloexec)?;
    let fb = match fds.alloc(new_file(b, nonblock), cloexec) {
        Ok(fd) => fd,
        Err(e) => {
            let _ = fds.close(fa);
            return Err(e);
        }
    };
    let mut out = [0u8; 8];
    out[..4].copy_from_slice(&fa.to_ne_bytes());
    out[4..].copy_from_slice(&fb.to_ne_bytes());
    if let Err(e) = copy_to_user(sv, &out) {
        let _ = fds.close(fa);
        let _ = fds.close(fb);
        return Err(e);
    }
    Ok(0)
}

/// Runs `f` with the caller's lookup context (paths in socket addresses are relative to
/// the working directory).
fn in_ctx<R>(c: &Caller, f: impl FnOnce(&keel_vfs::LookupCtx<'_>) -> KResult<R>) -> KResult<R> {
    with_ctx(c, AT_FDCWD, b".", f)
}

pub fn bind(c: &Caller, s: &Arc<UnixSocket>, addr: u64, len: u32) -> KResult<usize> {
    let target = UnixAddr::decode_bind(&addr_in(addr, len)?)?;
    let umask = c.process().fs.lock().umask;
    in_ctx(c, |ctx| names::bind(s, target, ctx, umask))?;
    Ok(0)
}

/// The socket an address names, for `connect` and `sendto`.
fn find(c: &Caller, a: &UnixAddr, kind: Kind) -> KResult<Arc<UnixSocket>> {
    in_ctx(c, |ctx| names::find(a, kind, ctx))
}

pub fn connect(
    c: &Caller,
    f: &OpenFile,
    s: &Arc<UnixSocket>,
    addr: u64,
    len: u32,
) -> KResult<usize> {
    let bytes = addr_in(addr, len)?;
    if s.passcred() {
        names::autobind(s)?;
    }
    if s.kind() == Kind::Dgram {
        // AF_UNSPEC dissolves a datagram socket's association.
        if bytes.len() >= 2 && u16::from_ne_bytes([bytes[0], bytes[1]]) == AF_UNSPEC {
            s.connect_dgram(None)?;
            return Ok(0);
        }
        let other = find(c, &UnixAddr::decode(&bytes)?, Kind::Dgram)?;
        s.connect_dgram(Some(other))?;
        return Ok(0);
    }
    let other = find(c, &UnixAddr::decode(&bytes)?, s.kind())?;
    s.connect_stream(other, f.flags() & O_NONBLOCK != 0)?;
    Ok(0)
}

pub fn accept(
    c: &Caller,
    f: &OpenFile,
    s: &Arc<UnixSocket>,
    addr: u64,
    lenp: u64,
    flags: u32,
) -> KResult<usize> {
    let new = s.accept(f.flags() & O_NONBLOCK != 0)?;
    let peer = new.peer_name().unwrap_or(UnixAddr::Unnamed);
    let file = new_file(new, flags & SOCK_NONBLOCK != 0);
    // Linux installs the descriptor only after the address is out; a bad pointer loses the
    // connection.
    addr_out(Some(&peer.encode()), addr, lenp)?;
    Ok(c.process().fds().alloc(file, flags & SOCK_CLOEXEC != 0)? as usize)
}

/// A received message's source as recvfrom/recvmsg report it: an unnamed sender is no
/// address at all, a zero length (`unix_copy_addr`), unlike getpeername's bare family.
fn source(a: &UnixAddr) -> Option<Vec<u8>> {
    (*a != UnixAddr::Unnamed).then(|| a.encode())
}

/// What a `sendmsg` control buffer carries: the open files `SCM_RIGHTS` names (EBADF for
/// a descriptor that is not open) and the credentials to send: the caller's, or those an
/// `SCM_CREDENTIALS` message claims, which must be the caller's own unless it is root
/// (EPERM, Linux's `scm_check_creds`). EINVAL for a malformed buffer.
fn control_in(c: &Caller, control: u64, len: u64) -> KResult<(Vec<Arc<OpenFile>>, Ucred)> {
    let mut cred = Ucred::current();
    if len == 0 {
        return Ok((Vec::new(), cred));
    }
    if len > OPTMEM_MAX {
        return Err(Errno::ENOBUFS);
    }
    if control == 0 {
        return Err(Errno::EFAULT);
    }
    let mut buf = alloc::vec![0u8; len as usize];
    copy_from_user(&mut buf, control)?;
    let mut files = Vec::new();
    for m in un::parse_cmsgs(&buf)? {
        match m {
            Cmsg::Rights(fds) => {
                for fd in fds {
                    files.push(c.process().fds().get(fd)?);
                }
            }
            Cmsg::Credentials([pid, uid, gid]) => {
                let p = c.process();
                let cr = p.cred.lock();
                let root = cr.euid == 0;
                // Root stands for CAP_SYS_ADMIN, CAP_SETUID and CAP_SETGID.
                let ok = root
                    || (pid == p.pid
                        && [cr.uid, cr.euid, cr.suid].contains(&uid)
                        && [cr.gid, cr.egid, cr.sgid].contains(&gid));
                if !ok {
                    return Err(Errno::EPERM);
                }
                cred = Ucred { pid, uid, gid };
            }
        }
    }
    Ok((files, cred))
}

/// Sends the bytes of `iov` (one datagram, or a stream in steps) with `rights`.
fn send(
    c: &Caller,
    f: &OpenFile,
    s: &Arc<UnixSocket>,
    iov: &[IoVec],
    to: Option<Vec<u8>>,
    (rights, cred): (Vec<Arc<OpenFile>>, Ucred),
    flags: u32,
) -> KResult<usize> {
    if flags & MSG_OOB != 0 {
        return Err(Errno::EOPNOTSUPP);
    }
    if s.passcred() {
        // A receiver must be able to tell who sent (Linux autobinds the sender).
        names::autobind(s)?;
    }
    let nonblock = f.flags() & O_NONBLOCK != 0 || flags & MSG_DONTWAIT != 0;
    // read_iov keeps the sum within MAX_RW_COUNT; sendto's one piece is already cut.
    let total: u64 = iov.iter().map(|v| v.iov_len).sum::<u64>().min(MAX_RW_COUNT);
    if s.kind() != Kind::Stream {
        let target = match to.filter(|_| s.kind() == Kind::Dgram) {
            Some(b) => Some(find(c, &UnixAddr::decode(&b)?, Kind::Dgram)?),
            None => None,
        };
        if total > DGRAM_MAX {
            return Err(Errno::EMSGSIZE);
        }
        let mut data = Vec::with_capacity(total as usize);
        for v in iov {
            let start = data.len();
            data.resize(start + v.iov_len as usize, 0);
            copy_from_user(&mut data[start..], v.iov_base)?;
        }
        return s.send_datagram(data, rights, cred, target, nonblock);
    }
    if to.is_some() {
        return Err(if s.peer_name().is_ok() {
            Errno::EISCONN
        } else {
            Errno::EOPNOTSUPP
        });
    }
    let mut rights = Some(rights);
    let mut scratch = crate::fs::scratch::Scratch::get()?;
    let step = crate::fs::scratch::SIZE;
    let mut sent = 0usize;
    let mut result = Ok(());
    'pieces: for v in iov.iter().filter(|v| v.iov_len > 0) {
        let mut off = 0usize;
        while off < v.iov_len as usize && (sent as u64) < total {
            crate::sched::cond_resched();
            let want = (v.iov_len as usize - off).min(step);
            let k = scratch.slice(want);
            if let Err(e) = copy_from_user(k, v.iov_base + off as u64) {
                result = Err(e);
                break 'pieces;
            }
            match s.send_stream(k, rights.take().unwrap_or_default(), cred, nonblock) {
                Ok(n) => {
                    sent += n;
                    off += n;
                }
                Err(e) => {
                    result = Err(e);
                    break 'pieces;
                }
            }
        }
    }
    if total == 0 {
        // Nothing to send still reports ENOTCONN and EPIPE.
        result = s.send_stream(&[], Vec::new(), cred, true).map(|_| ());
    }
    match result {
        Err(e) if sent == 0 => {
            if e == Errno::EPIPE && flags & MSG_NOSIGNAL == 0 {
                crate::proc::signal::send_sigpipe();
            }
            Err(e)
        }
        _ => Ok(sent),
    }
}

/// `write(2)`/`writev(2)`: a send without an address or control data.
pub fn write(c: &Caller, f: &OpenFile, s: &Arc<UnixSocket>, iov: &[IoVec]) -> KResult<usize> {
    send(c, f, s, iov, None, (Vec::new(), Ucred::current()), 0)
}

/// `read(2)`/`readv(2)`: a receive without a name or control buffer (descriptors that came
/// with the bytes are closed, as Linux does).
pub fn read(c: &Caller, f: &OpenFile, s: &Arc<UnixSocket>, iov: &[IoVec]) -> KResult<usize> {
    recv(c, f, s, iov, 0, 0).map(|g| g.ret)
}

/// A unix socket's open file and the socket.
pub type Sock = (Arc<OpenFile>, Arc<UnixSocket>);

pub fn sendto(
    c: &Caller,
    (f, s): &Sock,
    buf: u64,
    len: usize,
    flags: u32,
    addr: u64,
    alen: u32,
) -> KResult<usize> {
    let to = if addr != 0 && alen != 0 {
        Some(addr_in(addr, alen)?)
    } else {
        None
    };
    if len > 0 {
        check_range(buf, len)?;
    }
    let iov = [IoVec {
        iov_base: buf,
        iov_len: len as u64,
    }];
    send(c, f, s, &iov, to, (Vec::new(), Ucred::current()), flags)
}

pub fn sendmsg(
    c: &Caller,
    f: &OpenFile,
    s: &Arc<UnixSocket>,
    msg: u64,
    flags: u32,
) -> KResult<usize> {
    let m = read_msghdr(msg)?;
    let iov = read_iov(&m)?;
    let to = if m.name != 0 && m.namelen != 0 {
        Some(addr_in(m.name, m.namelen)?)
    } else {
        None
    };
    let control = control_in(c, m.control, m.controllen)?;
    send(c, f, s, &iov, to, control, flags)
}

/// What a receive returns to the system call: the value, the sender, the control bytes
/// and the `msg_flags`.
struct Got {
    ret: usize,
    from: UnixAddr,
    control: Vec<u8>,
    flags: u32,
}

/// Receives into `iov`, installing passed descriptors that fit in `controllen` bytes.
fn recv(
    c: &Caller,
    f: &OpenFile,
    s: &Arc<UnixSocket>,
    iov: &[IoVec],
    flags: u32,
    controllen: usize,
) -> KResult<Got> {
    for v in iov.iter().filter(|v| v.iov_len > 0) {
        check_range(v.iov_base, v.iov_len as usize)?;
    }
    let mut flags = flags;
    if f.flags() & O_NONBLOCK != 0 {
        flags |= MSG_DONTWAIT;
    }
    let total = iov.iter().map(|v| v.iov_len).sum::<u64>().min(MAX_RW_COUNT) as usize;
    let mut kbuf = alloc::vec![0u8; total.min(RECV_STEP)];
    let first = s.recv(&mut kbuf, flags)?;
    let mut done = scatter(iov, 0, &kbuf[..first.n])?;
    let stream = s.kind() == Kind::Stream;
    let mut rights = first.rights;
    // A stream's MSG_WAITALL beyond one step: more steps, stopping at a message with
    // descriptors, EOF or an error.
    while stream
        && flags & MSG_WAITALL != 0
        && flags & MSG_PEEK == 0
        && rights.is_empty()
        && first.n == kbuf.len()
        && done < total
    {
        let want = (total - done).min(RECV_STEP);
        let r = match s.recv(&mut kbuf[..want], flags) {
            Ok(r) if r.n > 0 => r,
            _ => break,
        };
        done += scatter(iov, done, &kbuf[..r.n])?;
        rights = r.rights;
        if r.n < want {
            break;
        }
    }
    let mut out_flags = 0;
    if first.full > first.n && !stream {
        out_flags |= MSG_TRUNC;
    }
    let mut control = Vec::new();
    if let Some(cr) = first.cred {
        let mut b = Vec::with_capacity(un::UCRED_LEN);
        for v in [cr.pid, cr.uid, cr.gid] {
            b.extend_from_slice(&v.to_ne_bytes());
        }
        let (put, cut) = un::put_cmsg(&mut control, controllen, SCM_CREDENTIALS, &b);
        if !put || cut {
            out_flags |= MSG_CTRUNC;
        }
    }
    let room = controllen - control.len();
    rights_out(c, rights, room, flags, &mut out_flags, &mut control);
    let ret = if flags & MSG_TRUNC != 0 && !stream {
        first.full
    } else {
        done
    };
    Ok(Got {
        ret,
        from: first.from,
        control,
        flags: out_flags,
    })
}

/// Copies `data` into the iovec starting `skip` bytes in; returns the bytes copied.
fn scatter(iov: &[IoVec], skip: usize, data: &[u8]) -> KResult<usize> {
    let mut pos = 0usize; // offset of this piece within the whole iovec
    let mut copied = 0usize;
    for v in iov {
        let len = v.iov_len as usize;
        let start = skip + copied;
        if start < pos + len && copied < data.len() {
            let at = start - pos;
            let k = (len - at).min(data.len() - copied);
            copy_to_user(v.iov_base + at as u64, &data[copied..copied + k])?;
            copied += k;
        }
        pos += len;
        if copied == data.len() {
            break;
        }
    }
    Ok(copied)
}

/// Installs received descriptors that fit in `controllen` bytes of control buffer and
/// appends the `SCM_RIGHTS` message to `control`; the rest are closed and `MSG_CTRUNC` is
/// set.
fn rights_out(
    c: &Caller,
    rights: Vec<Arc<OpenFile>>,
    controllen: usize,
    flags: u32,
    out_flags: &mut u32,
    control: &mut Vec<u8>,
) {
    if rights.is_empty() {
        return;
    }
    let count = rights.len();
    let fit = un::rights_that_fit(controllen).min(count);
    let cloexec = flags & MSG_CMSG_CLOEXEC != 0;
    let mut fds = Vec::with_capacity(fit * 4);
    for file in rights.into_iter().take(fit) {
        match c.process().fds().alloc(file, cloexec) {
            Ok(fd) => fds.extend_from_slice(&fd.to_ne_bytes()),
            Err(_) => break,
        }
    }
    if fds.len() / 4 < count {
        *out_flags |= MSG_CTRUNC;
    }
    if !fds.is_empty() {
        let (_, cut) = un::put_cmsg(control, controllen, SCM_RIGHTS, &fds);
        if cut {
            *out_flags |= MSG_CTRUNC;
        }
    }
}

pub fn recvfrom(
    c: &Caller,
    (f, s): &Sock,
    buf: u64,
    len: usize,
    flags: u32,
    addr: u64,
    lenp: u64,
) -> KResult<usize> {
    let iov = [IoVec {
        iov_base: buf,
        iov_len: len as u64,
    }];
    let got = recv(c, f, s, &iov, flags, 0)?;
    addr_out(source(&got.from).as_deref(), addr, lenp)?;
    Ok(got.ret)
}

pub fn recvmsg(
    c: &Caller,
    f: &OpenFile,
    s: &Arc<UnixSocket>,
    msg: u64,
    flags: u32,
) -> KResult<usize> {
    let m = read_msghdr(msg)?;
    let iov = read_iov(&m)?;
    let controllen = if m.control == 0 {
        0
    } else {
        m.controllen.min(i32::MAX as u64) as usize
    };
    let got = recv(c, f, s, &iov, flags, controllen)?;
    msg_name_out(&m, msg, source(&got.from).as_deref())?;
    if !got.control.is_empty() {
        copy_to_user(m.control, &got.control)?;
    }
    UserPtr::<u64>::new(msg + 40).write(got.control.len() as u64)?;
    UserPtr::<u32>::new(msg + 48).write(got.flags)?;
    Ok(got.ret)
}

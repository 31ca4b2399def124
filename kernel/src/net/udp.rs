//! UDP sockets over smoltcp's UDP sockets.
//!
//! A socket gets its smoltcp socket at creation (unbound: port 0 matches nothing), a port at
//! `bind` or, implicitly, at the first `sendto`/`connect` (ephemeral: smoltcp refuses local
//! port 0, DESIGN.md section 6, lesson 3). `connect` sets the default destination and filters
//! what `recv` returns to that peer; `AF_UNSPEC` dissolves it. The source address of each
//! datagram is chosen explicitly (127.0.0.1 for 127/8), since smoltcp would use the first
//! interface address. There is no IP fragmentation (smoltcp's `proto-ipv4-fragmentation` is
//! off), so a datagram larger than one frame (1472 bytes of payload) is EMSGSIZE where Linux
//! would fragment it.
//! Locking: under `NET`.

use alloc::vec;
use core::task::Waker;

use keel_abi::{Errno, KResult};
use keel_net::addr::ConnectTarget;
use keel_net::{Proto, SockAddrIn};
use keel_vfs::consts::{POLLERR, POLLHUP, POLLIN, POLLOUT};
use smoltcp::iface::SocketHandle;
use smoltcp::phy::PacketMeta;
use smoltcp::socket::udp::{self, PacketBuffer, PacketMetadata, UdpMetadata};
use smoltcp::wire::IpAddress;

use super::options::Options;
use super::socket::{Sock, POLLRDHUP};
use super::tcp::{bindable, ipv4, listen_endpoint, sockaddr, source_for, LOOPBACK};
use super::Net;

/// Largest datagram payload in one Ethernet frame.
pub const MAX_PAYLOAD: usize = 1472;
/// Datagrams queued per direction.
const SLOTS: usize = 64;
/// Payload bytes queued per direction.
const BYTES: usize = 64 * 1024;

/// One UDP socket file's state.
pub struct Udp {
    pub handle: SocketHandle,
    pub local: Option<SockAddrIn>,
    pub remote: Option<SockAddrIn>,
    /// The source address a connect chose for an INADDR_ANY socket (getsockname shows it).
    pub conn_src: Option<[u8; 4]>,
    pub shut_rd: bool,
    pub shut_wr: bool,
    pub opts: Options,
    pub waker: Waker,
}

/// A new socket in `n`.
pub fn create(n: &mut Net, id: u64, waker: Waker) -> KResult<()> {
    let buf = || -> KResult<PacketBuffer<'static>> {
        let mut meta = vec::Vec::new();
        meta.try_reserve_exact(SLOTS).map_err(|_| Errno::ENOMEM)?;
        meta.resize(SLOTS, PacketMetadata::EMPTY);
        Ok(PacketBuffer::new(
            meta,
            crate::mm::try_zeroed_buffer(BYTES)?,
        ))
    };
    let mut s = udp::Socket::new(buf()?, buf()?);
    s.register_recv_waker(&waker);
    s.register_send_waker(&waker);
    let handle = n.sockets.add(s);
    n.socks.insert(
        id,
        Sock::Udp(Udp {
            handle,
            local: None,
            remote: None,
            conn_src: None,
            shut_rd: false,
            shut_wr: false,
            opts: Options::default(),
            waker,
        }),
    );
    Ok(())
}

macro_rules! udp_of {
    ($n:expr, $id:expr) => {
        match $n.socks.get_mut(&$id) {
            Some(Sock::Udp(u)) => u,
            _ => return Err(Errno::EBADF),
        }
    };
}

fn sock(n: &mut Net, h: SocketHandle) -> &mut udp::Socket<'static> {
    n.sockets.get_mut::<udp::Socket>(h)
}

pub fn bind(n: &mut Net, id: u64, a: SockAddrIn) -> KResult<()> {
    let ok = bindable(n, a.addr);
    let u = udp_of!(n, id);
    if u.local.is_some() {
        return Err(Errno::EINVAL);
    }
    if !ok {
        return Err(Errno::EADDRNOTAVAIL);
    }
    let port = n
        .ports
        .bind(Proto::Udp, a.addr, a.port, u.opts.reuse_addr, id)?;
    let local = SockAddrIn::new(a.addr, port);
    if n.sockets
        .get_mut::<udp::Socket>(u.handle)
        .bind(listen_endpoint(local))
        .is_err()
    {
        n.ports.release(Proto::Udp, port, id);
        return Err(Errno::EINVAL);
    }
    u.local = Some(local);
    Ok(())
}

fn autobind(n: &mut Net, id: u64) -> KResult<()> {
    let u = udp_of!(n, id);
    if u.local.is_none() {
        bind(n, id, SockAddrIn::ANY)?;
    }
    Ok(())
}

pub fn connect(n: &mut Net, id: u64, target: ConnectTarget) -> KResult<()> {
    match target {
        ConnectTarget::Disconnect => {
            let u = udp_of!(n, id);
            u.remote = None;
            u.conn_src = None;
            Ok(())
        }
        ConnectTarget::Peer(a) => {
            autobind(n, id)?;
            let a = if a.is_any() {
                SockAddrIn::new(LOOPBACK, a.port)
            } else {
                a
            };
            let src = source_for(n, a.addr);
            let u = udp_of!(n, id);
            u.remote = Some(a);
            if u.local.is_some_and(|l| l.is_any()) {
                u.conn_src = Some(src);
            }
            Ok(())
        }
    }
}

pub fn send(n: &mut Net, id: u64, data: &[u8], to: Option<SockAddrIn>) -> KResult<usize> {
    let u = udp_of!(n, id);
    if u.shut_wr {
        return Err(Errno::EPIPE);
    }
    let dst = match to.or(u.remote) {
        Some(d) => d,
        None => return Err(Errno::EDESTADDRREQ),
    };
    if data.len() > MAX_PAYLOAD {
        return Err(Errno::EMSGSIZE);
    }
    if dst.port == 0 {
        return Err(Errno::EINVAL);
    }
    let dst = if dst.is_any() {
        SockAddrIn::new(LOOPBACK, dst.port)
    } else {
        dst
    };
    autobind(n, id)?;
    let fallback = source_for(n, dst.addr);
    let u = udp_of!(n, id);
    let src = match u.local {
        Some(l) if !l.is_any() => l.addr,
        _ => fallback,
    };
    let (h, w) = (u.handle, u.waker.clone());
    let s = sock(n, h);
    s.register_send_waker(&w);
    let mut meta = UdpMetadata::from((IpAddress::Ipv4(ipv4(dst.addr)), dst.port));
    meta.local_address = Some(IpAddress::Ipv4(ipv4(src)));
    meta.meta = PacketMeta::default();
    match s.send_slice(data, meta) {
        Ok(()) => Ok(data.len()),
        Err(udp::SendError::BufferFull) => Err(Errno::EAGAIN),
        Err(udp::SendError::Unaddressable) => Err(Errno::EINVAL),
    }
}

/// One datagram into `buf`: (bytes copied, its full length, its source). EAGAIN when none.
pub fn recv(
    n: &mut Net,
    id: u64,
    buf: &mut [u8],
    peek: bool,
) -> KResult<(usize, usize, SockAddrIn)> {
    let u = udp_of!(n, id);
    if u.shut_rd {
        return Ok((0, 0, SockAddrIn::ANY));
    }
    let (h, peer, w) = (u.handle, u.remote, u.waker.clone());
    let s = sock(n, h);
    s.register_recv_waker(&w);
    loop {
        let (from, len) = match s.peek() {
            Ok((data, meta)) => (sockaddr(meta.endpoint), data.len()),
            Err(_) => return Err(Errno::EAGAIN),
        };
        if peer.is_some_and(|p| p != from) {
            let _ = s.recv(); // not from the connected peer: dropped, as Linux filters it
            continue;
        }
        let copied = if peek {
            match s.peek() {
                Ok((data, _)) => copy(buf, data),
                Err(_) => 0,
            }
        } else {
            match s.recv() {
                Ok((data, _)) => copy(buf, data),
                Err(_) => 0,
            }
        };
        return Ok((copied, len, from));
    }
}

fn copy(dst: &mut [u8], src: &[u8]) -> usize {
    let k = dst.len().min(src.len());
    dst[..k].copy_from_slice(&src[..k]);
    k
}

/// The size of the next datagram (FIONREAD on a UDP socket).
pub fn pending(n: &mut Net, id: u64) -> KResult<usize> {
    let u = udp_of!(n, id);
    let h = u.handle;
    Ok(sock(n, h).peek().map(|(d, _)| d.len()).unwrap_or(0))
}

/// Readiness as Linux's datagram_poll computes it.
pub fn poll(n: &mut Net, id: u64) -> KResult<u16> {
    let u = udp_of!(n, id);
    let (h, w, rd, wr) = (u.handle, u.waker.clone(), u.shut_rd, u.shut_wr);
    let s = sock(n, h);
    s.register_recv_waker(&w);
    s.register_send_waker(&w);
    let mut m = 0;
    if s.can_recv() || rd {
        m |= POLLIN;
    }
    if rd {
        m |= POLLRDHUP;
    }
    if rd && wr {
        m |= POLLHUP;
    }
    if s.can_send() || wr {
        m |= POLLOUT;
    }
    let _ = POLLERR;
    Ok(m)
}

pub fn shutdown(n: &mut Net, id: u64, rd: bool, wr: bool) -> KResult<()> {
    let u = udp_of!(n, id);
    u.shut_rd |= rd;
    u.shut_wr |= wr;
    if u.remote.is_none() {
        return Err(Errno::ENOTCONN);
    }
    Ok(())
}

pub fn close(n: &mut Net, id: u64) {
    let Some(Sock::Udp(u)) = n.socks.remove(&id) else {
        return;
    };
    n.sockets.remove(u.handle);
    if let Some(l) = u.local {
        n.ports.release(Proto::Udp, l.port, id);
    }
}

pub fn local(n: &mut Net, id: u64) -> KResult<SockAddrIn> {
    let u = udp_of!(n, id);
    let mut a = u.local.unwrap_or(SockAddrIn::ANY);
    if let Some(src) = u.conn_src {
        a.addr = src;
    }
    Ok(a)
}

pub fn peer(n: &mut Net, id: u64) -> KResult<SockAddrIn> {
    let u = udp_of!(n, id);
    u.remote.ok_or(Errno::ENOTCONN)
}

pub fn refresh_opts(n: &mut Net, id: u64) -> KResult<()> {
    let u = udp_of!(n, id);
    let (h, ttl) = (u.handle, u.opts.ttl);
    sock(n, h).set_hop_limit(ttl);
    Ok(())
}

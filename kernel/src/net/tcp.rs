//! TCP sockets: the state machine of one socket file, over smoltcp's TCP sockets.
//!
//! [`State`] holds the transitions in one place:
//! `Unbound -> Bound` (bind) `-> Listening` (listen, `listen.rs`), or
//! `Unbound/Bound -> Connecting` (connect) `-> Connected` (smoltcp reaches ESTABLISHED);
//! a refused connect stays `Connecting` with its error until `connect` or `SO_ERROR` takes it,
//! then returns to `Unbound`/`Bound`. Accepted sockets start `Connected`.
//!
//! Errors are Linux's `sk_err`: a reset while connecting is ECONNREFUSED, a reset of an
//! established connection ECONNRESET, a reset after the peer's FIN EPIPE (tcp_reset). They are
//! reported once (by recv, send, connect or `SO_ERROR`); afterwards reads give 0 and writes
//! EPIPE, as on Linux. smoltcp tells a reset from a graceful end by `RecvError::Finished`.
//!
//! Ports: a bound, listening or connected socket holds its port in the port table under the
//! socket's id (ephemeral when bound to port 0 or when connect finds it unbound: smoltcp
//! rejects local port 0, DESIGN.md section 6, lesson 3). A closed connection keeps it until
//! its FIN handshake ends (`Net::orphan`).
//!
//! Every smoltcp socket gets the owning file's waker for both directions (re-registered on
//! every look at it, since each waker fires once), so wakeups reach that file's readiness only.
//! Locking: everything here runs under `NET`.

use alloc::vec::Vec;
use core::task::Waker;

use keel_abi::{Errno, KResult};
use keel_net::consts::*;
use keel_net::{Proto, SockAddrIn};
use keel_vfs::consts::{POLLERR, POLLHUP, POLLIN, POLLOUT};
use smoltcp::iface::{SocketHandle, SocketSet};
use smoltcp::socket::tcp::{self, RecvError, State as S};
use smoltcp::time::Duration;
use smoltcp::wire::{IpAddress, IpEndpoint, IpListenEndpoint, Ipv4Address};

use super::listen::Listener;
use super::options::Options;
use super::socket::{Sock, POLLRDHUP};
use super::Net;

/// Where a TCP socket is in its life.
pub enum State {
    /// Fresh: no port.
    Unbound,
    /// Holds a port (bind), not listening or connected.
    Bound,
    /// Accepting connections.
    Listening(Listener),
    /// connect() sent a SYN; also a refused connect whose error was not taken yet.
    Connecting(SocketHandle),
    /// Established (or past it, closing): `reported` is false until a `connect` call or the
    /// initial non-blocking one learnt the outcome (Linux returns 0 once more, then EISCONN).
    Connected {
        handle: SocketHandle,
        reported: bool,
    },
}

/// One TCP socket file's state.
pub struct Tcp {
    pub state: State,
    /// The local address: bound, or chosen by connect/listen/accept.
    pub local: Option<SockAddrIn>,
    /// Whether bind() chose the port (kept across a failed connect).
    pub user_bound: bool,
    pub remote: Option<SockAddrIn>,
    /// Linux's `sk_err`, reported once.
    pub err: Option<Errno>,
    /// The connection failed (reset or refused); `err` may have been taken already.
    pub failed: bool,
    pub shut_rd: bool,
    pub shut_wr: bool,
    pub opts: Options,
    pub waker: Waker,
    /// When the SYN went out (a connect that hears nothing times out, ETIMEDOUT).
    pub connect_started_ns: u64,
}

/// How long a connect waits for an answer: Linux's tcp_syn_retries = 6 gives about 127 s.
const CONNECT_TIMEOUT_S: u64 = 127;

impl Tcp {
    /// A fresh socket.
    pub fn new(waker: Waker) -> Self {
        Tcp {
            state: State::Unbound,
            local: None,
            user_bound: false,
            remote: None,
            err: None,
            failed: false,
            shut_rd: false,
            shut_wr: false,
            opts: Options::default(),
            waker,
            connect_started_ns: 0,
        }
    }
}

/// The 127.0.0.1 address.
pub const LOOPBACK: [u8; 4] = [127, 0, 0, 1];

pub fn ipv4(a: [u8; 4]) -> Ipv4Address {
    Ipv4Address::new(a[0], a[1], a[2], a[3])
}

pub fn sockaddr(e: IpEndpoint) -> SockAddrIn {
    let IpAddress::Ipv4(a) = e.addr;
    SockAddrIn::new(a.octets(), e.port)
}

/// The listen endpoint for a bound address (`None` address: every local address).
pub fn listen_endpoint(a: SockAddrIn) -> IpListenEndpoint {
    IpListenEndpoint {
        addr: (!a.is_any()).then(|| IpAddress::Ipv4(ipv4(a.addr))),
        port: a.port,
    }
}

/// Whether `a` may be bound: INADDR_ANY, 127.0.0.1 or the primary address (smoltcp holds
/// exactly these; Linux would also take the rest of 127/8).
pub fn bindable(n: &Net, a: [u8; 4]) -> bool {
    a == [0; 4] || a == LOOPBACK || a == n.dhcp.current().addr
}

/// The source address for a destination: 127.0.0.1 for 127/8 (smoltcp would otherwise pick
/// the first address), else the primary address.
pub fn source_for(n: &Net, dst: [u8; 4]) -> [u8; 4] {
    if dst[0] == 127 {
        LOOPBACK
    } else {
        n.dhcp.current().addr
    }
}

/// A smoltcp socket with buffers and settings from `o`; ENOMEM if the buffers do not fit.
pub fn new_smol(o: &Options, waker: &Waker) -> KResult<tcp::Socket<'static>> {
    let (r, t) = o.tcp_buffers();
    let rx = crate::mm::try_zeroed_buffer(r)?;
    let tx = crate::mm::try_zeroed_buffer(t)?;
    let mut s = tcp::Socket::new(tcp::SocketBuffer::new(rx), tcp::SocketBuffer::new(tx));
    apply_opts(&mut s, o);
    s.register_recv_waker(waker);
    s.register_send_waker(waker);
    Ok(s)
}

/// Applies the options a live connection honours.
pub fn apply_opts(s: &mut tcp::Socket<'static>, o: &Options) {
    s.set_nagle_enabled(!o.nodelay);
    // No delayed ACKs: smoltcp's 10 ms ACK delay, with Nagle on the other side, stalls
    // request/response traffic (DESIGN.md section 6, lesson 7).
    s.set_ack_delay(None);
    let idle = o.stored[keel_net::sockopt::stored_slot(SOL_TCP, TCP_KEEPIDLE).unwrap_or(0)];
    s.set_keep_alive(o.keepalive.then(|| Duration::from_secs(idle.max(1) as u64)));
    s.set_hop_limit(o.ttl);
}

fn register(s: &mut tcp::Socket<'static>, w: &Waker) {
    s.register_recv_waker(w);
    s.register_send_waker(w);
}

macro_rules! tcp_of {
    ($n:expr, $id:expr) => {
        match $n.socks.get_mut(&$id) {
            Some(Sock::Tcp(t)) => t,
            _ => return Err(Errno::EBADF),
        }
    };
}

/// Brings `Connecting`/`Connected` up to date with smoltcp and records errors.
fn sample(t: &mut Tcp, sockets: &mut SocketSet<'static>) {
    match t.state {
        State::Connecting(h) => match sockets.get::<tcp::Socket>(h).state() {
            S::SynSent | S::SynReceived => {}
            S::Closed | S::Listen | S::TimeWait => {
                if !t.failed {
                    t.failed = true;
                    // smoltcp's timeout (set at connect) closes without a reset: that is
                    // Linux's ETIMEDOUT, a reset its ECONNREFUSED.
                    let waited = crate::time::monotonic_ns().saturating_sub(t.connect_started_ns);
                    t.err = Some(if waited >= (CONNECT_TIMEOUT_S - 1) * 1_000_000_000 {
                        Errno::ETIMEDOUT
                    } else {
                        Errno::ECONNREFUSED
                    });
                }
            }
            _ => {
                // Established: no more connect timeout (an idle connection stays up).
                sockets.get_mut::<tcp::Socket>(h).set_timeout(None);
                t.state = State::Connected {
                    handle: h,
                    reported: false,
                }
            }
        },
        State::Connected { handle, .. } if !t.failed => {
            let s = sockets.get_mut::<tcp::Socket>(handle);
            if s.state() == S::Closed && !s.may_recv() {
                let fin = matches!(s.peek(0), Err(RecvError::Finished));
                if !fin {
                    t.failed = true;
                    t.err = Some(Errno::ECONNRESET);
                } else if !t.shut_wr {
                    // A reset after the peer's FIN (tcp_reset in CLOSE-WAIT).
                    t.failed = true;
                    t.err = Some(Errno::EPIPE);
                }
            }
        }
        _ => {}
    }
}

pub fn bind(n: &mut Net, id: u64, a: SockAddrIn) -> KResult<()> {
    let ok = bindable(n, a.addr);
    let t = tcp_of!(n, id);
    if !matches!(t.state, State::Unbound) || t.local.is_some() {
        return Err(Errno::EINVAL);
    }
    if !ok {
        return Err(Errno::EADDRNOTAVAIL);
    }
    let port = n
        .ports
        .bind(Proto::Tcp, a.addr, a.port, t.opts.reuse_addr, id)?;
    t.local = Some(SockAddrIn::new(a.addr, port));
    t.user_bound = true;
    t.state = State::Bound;
    Ok(())
}

pub fn listen(n: &mut Net, id: u64, backlog: i32) -> KResult<()> {
    let t = tcp_of!(n, id);
    match &mut t.state {
        State::Listening(l) => {
            l.backlog.set(backlog);
            return Ok(());
        }
        State::Connecting(_) | State::Connected { .. } => return Err(Errno::EINVAL),
        State::Unbound => {
            let port = n.ports.bind(Proto::Tcp, [0; 4], 0, t.opts.reuse_addr, id)?;
            t.local = Some(SockAddrIn::new([0; 4], port));
            t.state = State::Bound;
        }
        State::Bound => {}
    }
    let local = t.local.ok_or(Errno::EINVAL)?;
    n.ports.listen(Proto::Tcp, local.port, id)?;
    let mut l = Listener::new(backlog, listen_endpoint(local));
    l.add_socket(&mut n.sockets, &t.opts, &t.waker)?;
    t.state = State::Listening(l);
    Ok(())
}

/// What a `connect` call found.
pub enum Connect {
    /// A SYN went out: wait (or EINPROGRESS).
    Started,
    /// Already established: the call succeeds.
    Connected,
    /// Still connecting: wait (blocking) or EALREADY.
    Pending,
}

/// Back to `Bound`/`Unbound` after a failed connect: the smoltcp socket goes, and so does an
/// ephemeral port.
fn disconnect(n: &mut Net, id: u64) -> KResult<()> {
    let t = tcp_of!(n, id);
    let h = match t.state {
        State::Connecting(h) | State::Connected { handle: h, .. } => h,
        _ => return Ok(()),
    };
    n.sockets.remove(h);
    t.remote = None;
    t.failed = false;
    t.shut_rd = false;
    t.shut_wr = false;
    if t.user_bound {
        t.state = State::Bound;
    } else {
        if let Some(l) = t.local.take() {
            n.ports.release(Proto::Tcp, l.port, id);
        }
        t.state = State::Unbound;
    }
    Ok(())
}

pub fn connect(n: &mut Net, id: u64, remote: SockAddrIn) -> KResult<Connect> {
    let t = tcp_of!(n, id);
    sample(t, &mut n.sockets);
    match &mut t.state {
        State::Listening(_) => return Err(Errno::EISCONN),
        State::Connected { reported, .. } => {
            if core::mem::replace(reported, true) {
                return Err(Errno::EISCONN);
            }
            return Ok(Connect::Connected);
        }
        State::Connecting(_) if t.failed => {
            let e = t.err.take().unwrap_or(Errno::ECONNABORTED);
            disconnect(n, id)?;
            return Err(e);
        }
        State::Connecting(_) => return Ok(Connect::Pending),
        State::Unbound | State::Bound => {}
    }
    if remote.is_multicast_or_broadcast() {
        return Err(Errno::ENETUNREACH);
    }
    // connect(2) to INADDR_ANY means this host.
    let remote = if remote.is_any() {
        SockAddrIn::new(LOOPBACK, remote.port)
    } else {
        remote
    };
    let src = match t.local {
        Some(l) if !l.is_any() => l.addr,
        _ => {
            let dst = remote.addr;
            if dst[0] == 127 {
                LOOPBACK
            } else {
                n.dhcp.current().addr
            }
        }
    };
    let t = tcp_of!(n, id);
    let port = match t.local {
        Some(l) => l.port,
        None => n.ports.bind(Proto::Tcp, src, 0, t.opts.reuse_addr, id)?,
    };
    t.local = Some(SockAddrIn::new(src, port));
    if remote.port == 0 {
        // Linux sends the SYN and gets a reset; smoltcp refuses port 0 outright.
        t.failed = true;
        t.err = None;
        let e = Errno::ECONNREFUSED;
        if !t.user_bound {
            n.ports.release(Proto::Tcp, port, id);
            t.local = None;
        }
        return Err(e);
    }
    let s = match new_smol(&t.opts, &t.waker) {
        Ok(s) => s,
        Err(e) => {
            if !t.user_bound {
                n.ports.release(Proto::Tcp, port, id);
                t.local = None;
            }
            return Err(e);
        }
    };
    let h = n.sockets.add(s);
    n.sockets
        .get_mut::<tcp::Socket>(h)
        .set_timeout(Some(Duration::from_secs(CONNECT_TIMEOUT_S)));
    let r = n.sockets.get_mut::<tcp::Socket>(h).connect(
        n.iface.context(),
        (IpAddress::Ipv4(ipv4(remote.addr)), remote.port),
        (IpAddress::Ipv4(ipv4(src)), port),
    );
    let t = tcp_of!(n, id);
    if r.is_err() {
        n.sockets.remove(h);
        if !t.user_bound {
            n.ports.release(Proto::Tcp, port, id);
            t.local = None;
        }
        return Err(Errno::EINVAL);
    }
    t.failed = false;
    t.err = None;
    t.remote = Some(remote);
    t.connect_started_ns = crate::time::monotonic_ns();
    t.state = State::Connecting(h);
    Ok(Connect::Started)
}

/// The outcome of a connect being waited for: Ok when established, EAGAIN while pending,
/// the error (and the socket back to unconnected) when it failed.
pub fn connect_result(n: &mut Net, id: u64) -> KResult<()> {
    let t = tcp_of!(n, id);
    sample(t, &mut n.sockets);
    match &mut t.state {
        State::Connected { reported, .. } => {
            *reported = true;
            Ok(())
        }
        State::Connecting(_) if t.failed => {
            let e = t.err.take().unwrap_or(Errno::ECONNABORTED);
            disconnect(n, id)?;
            Err(e)
        }
        State::Connecting(_) => Err(Errno::EAGAIN),
        _ => Err(Errno::ECONNABORTED),
    }
}

pub fn accept(n: &mut Net, id: u64, new_id: u64, waker: Waker) -> KResult<SockAddrIn> {
    let t = tcp_of!(n, id);
    let State::Listening(l) = &mut t.state else {
        return Err(Errno::EINVAL);
    };
    let h = l.take_ready(&mut n.sockets).ok_or(Errno::EAGAIN)?;
    let s = n.sockets.get_mut::<tcp::Socket>(h);
    register(s, &waker);
    let (Some(local), Some(remote)) = (s.local_endpoint(), s.remote_endpoint()) else {
        s.abort();
        n.orphan(h, None);
        return Err(Errno::ECONNABORTED);
    };
    let (local, remote) = (sockaddr(local), sockaddr(remote));
    let opts = t.opts.clone();
    n.ports
        .attach(Proto::Tcp, local.addr, local.port, opts.reuse_addr, new_id);
    let mut c = Tcp::new(waker);
    c.state = State::Connected {
        handle: h,
        reported: true,
    };
    c.local = Some(local);
    c.user_bound = true;
    c.remote = Some(remote);
    c.opts = opts;
    n.socks.insert(new_id, Sock::Tcp(c));
    Ok(remote)
}

pub fn send(n: &mut Net, id: u64, data: &[u8]) -> KResult<usize> {
    let t = tcp_of!(n, id);
    sample(t, &mut n.sockets);
    if let Some(e) = t.err.take() {
        return Err(e);
    }
    if t.shut_wr || t.failed {
        return Err(Errno::EPIPE);
    }
    let h = match t.state {
        State::Connected { handle, .. } => handle,
        State::Connecting(_) => return Err(Errno::EAGAIN),
        // tcp_sendmsg on a socket that never connected: sk_stream_wait_connect's EPIPE.
        _ => return Err(Errno::EPIPE),
    };
    let s = n.sockets.get_mut::<tcp::Socket>(h);
    register(s, &t.waker);
    if !s.may_send() {
        return Err(Errno::EPIPE);
    }
    if data.is_empty() {
        return Ok(0);
    }
    match s.send_slice(data) {
        Ok(0) => Err(Errno::EAGAIN),
        Ok(k) => Ok(k),
        Err(_) => Err(Errno::EPIPE),
    }
}

/// Reads (or peeks) into `buf`: 0 at end of stream, EAGAIN when nothing is there yet.
pub fn recv(n: &mut Net, id: u64, buf: &mut [u8], peek: bool) -> KResult<usize> {
    let t = tcp_of!(n, id);
    sample(t, &mut n.sockets);
    let h = match t.state {
        State::Connected { handle, .. } => handle,
        State::Connecting(_) if t.failed => return Err(t.err.take().unwrap_or(Errno::ENOTCONN)),
        State::Connecting(_) => return Err(Errno::EAGAIN),
        _ => return Err(Errno::ENOTCONN),
    };
    if t.shut_rd {
        return Ok(0);
    }
    let s = n.sockets.get_mut::<tcp::Socket>(h);
    register(s, &t.waker);
    let r = if peek {
        // `peek` (unlike `peek_slice`) reports the end of the stream and resets.
        s.peek(buf.len()).map(|d| {
            buf[..d.len()].copy_from_slice(d);
            d.len()
        })
    } else {
        s.recv_slice(buf)
    };
    match r {
        Ok(0) if !buf.is_empty() && s.may_recv() => Err(Errno::EAGAIN),
        Ok(k) => Ok(k),
        Err(RecvError::Finished) => Ok(0),
        Err(RecvError::InvalidState) => match t.err.take() {
            Some(e) => Err(e),
            None => Ok(0),
        },
    }
}

/// Bytes waiting to be read (FIONREAD); EINVAL on a listening socket.
pub fn pending(n: &mut Net, id: u64) -> KResult<usize> {
    let t = tcp_of!(n, id);
    match t.state {
        State::Listening(_) => Err(Errno::EINVAL),
        State::Connected { handle, .. } => Ok(n.sockets.get::<tcp::Socket>(handle).recv_queue()),
        _ => Ok(0),
    }
}

/// Readiness as Linux's tcp_poll computes it; registers the wakers again.
pub fn poll(n: &mut Net, id: u64) -> KResult<u16> {
    let t = tcp_of!(n, id);
    sample(t, &mut n.sockets);
    let err = if t.err.is_some() { POLLERR } else { 0 };
    let closed_all = POLLIN | POLLOUT | POLLHUP | POLLRDHUP;
    Ok(match &t.state {
        // A socket in TCP_CLOSE: writable (nothing queued) and hung up.
        State::Unbound | State::Bound => POLLOUT | POLLHUP | err,
        State::Listening(l) => {
            l.register(&mut n.sockets, &t.waker);
            if l.has_ready(&n.sockets) {
                POLLIN
            } else {
                0
            }
        }
        State::Connecting(h) => {
            register(n.sockets.get_mut::<tcp::Socket>(*h), &t.waker);
            if t.failed {
                closed_all | err
            } else {
                0
            }
        }
        State::Connected { handle, .. } => {
            let s = n.sockets.get_mut::<tcp::Socket>(*handle);
            register(s, &t.waker);
            let state = s.state();
            let fin = match state {
                S::CloseWait | S::LastAck | S::Closing | S::TimeWait => true,
                S::Closed => !t.failed,
                _ => false,
            };
            let rd_shut = t.shut_rd || fin || t.failed;
            let wr_shut = t.shut_wr || t.failed || state == S::Closed;
            let mut m = err;
            if s.can_recv() || rd_shut {
                m |= POLLIN;
            }
            if rd_shut {
                m |= POLLRDHUP;
            }
            if (rd_shut && wr_shut) || state == S::Closed {
                m |= POLLHUP;
            }
            if wr_shut || s.can_send() {
                m |= POLLOUT;
            }
            m
        }
    })
}

pub fn shutdown(n: &mut Net, id: u64, rd: bool, wr: bool) -> KResult<()> {
    let t = tcp_of!(n, id);
    sample(t, &mut n.sockets);
    match &mut t.state {
        State::Unbound | State::Bound => {
            t.shut_rd |= rd;
            t.shut_wr |= wr;
            Err(Errno::ENOTCONN)
        }
        State::Listening(_) => {
            if rd {
                let State::Listening(l) = core::mem::replace(&mut t.state, State::Bound) else {
                    return Ok(());
                };
                l.close(n);
            }
            Ok(())
        }
        State::Connecting(_) => {
            disconnect(n, id)?;
            Ok(())
        }
        State::Connected { handle, .. } => {
            let h = *handle;
            t.shut_rd |= rd;
            if wr && !t.shut_wr {
                t.shut_wr = true;
                n.sockets.get_mut::<tcp::Socket>(h).close();
            }
            Ok(())
        }
    }
}

/// The file is gone: graceful FIN (or a reset when unread data is left, or with
/// `SO_LINGER` 0, as Linux does); the connection finishes as an orphan.
pub fn close(n: &mut Net, id: u64) {
    let Some(Sock::Tcp(t)) = n.socks.remove(&id) else {
        return;
    };
    let port = t.local.map(|l| l.port);
    match t.state {
        State::Unbound => {}
        State::Bound => {
            if let Some(p) = port {
                n.ports.release(Proto::Tcp, p, id);
            }
        }
        State::Listening(l) => {
            l.close(n);
            if let Some(p) = port {
                n.ports.release(Proto::Tcp, p, id);
            }
        }
        State::Connecting(h) | State::Connected { handle: h, .. } => {
            let s = n.sockets.get_mut::<tcp::Socket>(h);
            if s.recv_queue() > 0 || t.opts.linger == Some(0) {
                s.abort();
            } else {
                s.close();
            }
            n.orphan(h, port.map(|p| (id, p)));
        }
    }
}

/// `getsockname`: the bound or chosen local address (0.0.0.0:0 when unbound).
pub fn local(n: &mut Net, id: u64) -> KResult<SockAddrIn> {
    let t = tcp_of!(n, id);
    Ok(t.local.unwrap_or(SockAddrIn::ANY))
}

/// `getpeername`: ENOTCONN unless connected.
pub fn peer(n: &mut Net, id: u64) -> KResult<SockAddrIn> {
    let t = tcp_of!(n, id);
    sample(t, &mut n.sockets);
    match t.state {
        State::Connected { handle, .. }
            if n.sockets.get::<tcp::Socket>(handle).state() != S::Closed =>
        {
            t.remote.ok_or(Errno::ENOTCONN)
        }
        _ => Err(Errno::ENOTCONN),
    }
}

/// Takes `SO_ERROR`.
pub fn take_error(n: &mut Net, id: u64) -> KResult<Option<Errno>> {
    let t = tcp_of!(n, id);
    sample(t, &mut n.sockets);
    Ok(t.err.take())
}

/// Whether the socket listens (`SO_ACCEPTCONN`).
pub fn listening(n: &mut Net, id: u64) -> KResult<bool> {
    let t = tcp_of!(n, id);
    Ok(matches!(t.state, State::Listening(_)))
}

/// Re-applies options to a live connection after `setsockopt`.
pub fn refresh_opts(n: &mut Net, id: u64) -> KResult<()> {
    let t = tcp_of!(n, id);
    let handles: Vec<SocketHandle> = match &t.state {
        State::Connecting(h) | State::Connected { handle: h, .. } => alloc::vec![*h],
        State::Listening(l) => l.handles().collect(),
        _ => Vec::new(),
    };
    for h in handles {
        apply_opts(n.sockets.get_mut::<tcp::Socket>(h), &t.opts);
    }
    Ok(())
}

//! `AF_UNIX` sockets (unix(7)): stream, datagram and sequenced-packet sockets between
//! processes on this machine, named in the file system, in the abstract namespace or not at
//! all, carrying descriptors (`SCM_RIGHTS`).
//!
//! Model (Linux's `af_unix.c`): every socket has a receive queue of messages; a sender puts
//! its message straight into the receiver's queue. A stream connection is a pair of sockets
//! pointing at each other; `connect` on a listener makes the server's socket at once (an
//! "embryo" in the listener's backlog) so data may arrive before `accept`. The bytes a sender
//! has queued anywhere are charged to it (`Shared::wmem`) until they are read, which is what
//! bounds a stream and what its `POLLOUT` reports. Datagram receivers also bound their queue
//! length (`net.unix.max_dgram_qlen`, 10) unless they are connected back to the sender.
//!
//! Lifetime: the socket object is an `Arc<UnixSocket>`; peers, backlogs and the name tables
//! hold references too. What ends a socket is its file: [`UnixFile`]'s `Drop` (the last close)
//! runs [`UnixSocket::release`], which empties the queues, leaves the names and tells the peer,
//! which breaks every reference cycle except one: a socket whose own descriptor sits in its
//! own queue (Linux collects those with a garbage collector; Keel does not yet).
//!
//! Lock order: one `UnixSocket::inner` at a time, never two: a call that touches its peer
//! clones the peer's `Arc` under its own lock, drops it, then locks the peer. Name tables
//! (`names.rs`) are taken with no socket lock held. Readiness is notified with no lock held,
//! and messages (whose descriptors may be unix sockets whose release takes locks) are dropped
//! with no lock held.

mod io;
pub mod names;

use alloc::collections::VecDeque;
use alloc::sync::{Arc, Weak};
use alloc::vec::Vec;
use core::sync::atomic::{AtomicUsize, Ordering};

use keel_abi::{Errno, KResult};
use keel_net::consts::*;
use keel_net::sockopt::{self, Opt};
use keel_net::unix::UnixAddr;
use keel_vfs::consts::{POLLERR, POLLHUP, POLLIN, POLLOUT};
use keel_vfs::{FileOps, Inode, Metadata, OpenFile, Pollee};

use super::options::Options;
use super::socket::POLLRDHUP;
use crate::fs::readiness::Readiness;
use crate::sync::SpinLock;

/// Linux's `net.unix.max_dgram_qlen`.
const MAX_DGRAM_QLEN: usize = 10;
/// `net.core.wmem_default`: the send buffer a unix socket starts with.
const DEFAULT_SNDBUF: usize = 212_992;
/// `SOMAXCONN`: the largest listen backlog.
const SOMAXCONN: i32 = 4096;
/// `sk_shutdown` bits.
const RCV_SHUTDOWN: u8 = 1;
const SEND_SHUTDOWN: u8 = 2;
const SHUTDOWN_MASK: u8 = 3;

/// The socket type.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    Stream,
    Dgram,
    SeqPacket,
}

impl Kind {
    /// The type from `socket(2)`'s argument (without flags).
    pub fn from_type(ty: u32) -> Option<Kind> {
        match ty {
            SOCK_STREAM => Some(Kind::Stream),
            SOCK_DGRAM => Some(Kind::Dgram),
            SOCK_SEQPACKET => Some(Kind::SeqPacket),
            _ => None,
        }
    }

    fn sock_type(self) -> u32 {
        match self {
            Kind::Stream => SOCK_STREAM,
            Kind::Dgram => SOCK_DGRAM,
            Kind::SeqPacket => SOCK_SEQPACKET,
        }
    }

    /// Stream and seqpacket sockets connect and listen; datagram sockets only address.
    fn connection_oriented(self) -> bool {
        self != Kind::Dgram
    }
}

/// `struct ucred`: who is at the other end.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Ucred {
    pub pid: u32,
    pub uid: u32,
    pub gid: u32,
}

impl Ucred {
    /// The calling process's (tgid, euid, egid), as Linux's `init_peercred` and `scm_send`.
    pub fn current() -> Ucred {
        let t = crate::sched::current();
        match t.user() {
            Some(u) => {
                let cr = u.process.cred.lock();
                Ucred {
                    pid: u.process.pid,
                    uid: cr.euid,
                    gid: cr.egid,
                }
            }
            None => Ucred {
                pid: 0,
                uid: 0,
                gid: 0,
            },
        }
    }

    /// The bytes `SO_PEERCRED` returns; nobody connected is `{0, -1, -1}`.
    pub fn encode(c: Option<Ucred>) -> Vec<u8> {
        let c = c.unwrap_or(Ucred {
            pid: 0,
            uid: u32::MAX,
            gid: u32::MAX,
        });
        let mut v = Vec::with_capacity(12);
        v.extend_from_slice(&c.pid.to_ne_bytes());
        v.extend_from_slice(&c.uid.to_ne_bytes());
        v.extend_from_slice(&c.gid.to_ne_bytes());
        v
    }
}

/// The part of a socket its queued messages reach after it is gone from view: the readiness
/// its writers wait on and the bytes it has in flight.
pub struct Shared {
    ready: Readiness,
    wmem: AtomicUsize,
}

impl Shared {
    fn uncharge(&self, n: usize) {
        self.wmem.fetch_sub(n, Ordering::AcqRel);
    }
}

/// One queued message: a datagram, or a piece of a stream.
struct Msg {
    data: Vec<u8>,
    /// Bytes of a stream message already read.
    off: usize,
    /// The sender's name when it sent.
    from: UnixAddr,
    /// Descriptors carried (`SCM_RIGHTS`).
    rights: Vec<Arc<OpenFile>>,
    /// Who sent it (`SCM_CREDENTIALS`, for a receiver with `SO_PASSCRED`).
    cred: Ucred,
    /// The sender, charged `charged` bytes (the data's, then the overhead's, see `io.rs`)
    /// until they are read or the message is dropped.
    charge: Arc<Shared>,
    charged: usize,
}

impl Drop for Msg {
    fn drop(&mut self) {
        if self.charged > 0 {
            self.charge.uncharge(self.charged);
            self.charge.ready.notify(POLLOUT);
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum State {
    /// Linux's TCP_CLOSE: never connected, or a datagram socket without a peer.
    Unconnected,
    Listening,
    /// Connected (a stream or seqpacket socket stays so after its peer is gone).
    Connected,
}

struct Inner {
    state: State,
    /// The other end (a connection's peer, a datagram socket's default destination).
    peer: Option<Arc<UnixSocket>>,
    /// A listener's not yet accepted connections.
    backlog: VecDeque<Arc<UnixSocket>>,
    max_backlog: usize,
    name: UnixAddr,
    /// The file-system node of a path name, and its key in the name table.
    node: Option<(Arc<Inode>, names::NodeKey)>,
    rx: VecDeque<Msg>,
    /// Datagram senders that found the queue full and wait for room (Linux's peer_wait).
    waiting_senders: Vec<Weak<Shared>>,
    shutdown: u8,
    /// A pending error (ECONNRESET), reported once.
    err: Option<Errno>,
    peercred: Option<Ucred>,
    opts: Options,
    passcred: bool,
    /// Released: its file is closed (or it was an embryo dropped with its listener).
    dead: bool,
    /// A `connect` is under way (it runs without this lock held).
    connecting: bool,
}

/// An `AF_UNIX` socket.
pub struct UnixSocket {
    kind: Kind,
    ino: u64,
    shared: Arc<Shared>,
    inner: SpinLock<Inner>,
}

impl UnixSocket {
    /// A new unconnected socket.
    pub fn new(kind: Kind) -> Arc<UnixSocket> {
        Arc::new(UnixSocket {
            kind,
            ino: super::socket::next_ino(),
            shared: Arc::new(Shared {
                ready: Readiness::new(),
                wmem: AtomicUsize::new(0),
            }),
            inner: SpinLock::new(Inner {
                state: State::Unconnected,
                peer: None,
                backlog: VecDeque::new(),
                max_backlog: 0,
                name: UnixAddr::Unnamed,
                node: None,
                rx: VecDeque::new(),
                waiting_senders: Vec::new(),
                shutdown: 0,
                err: None,
                peercred: None,
                opts: Options::default(),
                passcred: false,
                dead: false,
                connecting: false,
            }),
        })
    }

    /// Two sockets connected to each other (`socketpair(2)`), both with this process's
    /// credentials.
    pub fn pair(kind: Kind) -> (Arc<UnixSocket>, Arc<UnixSocket>) {
        let (a, b) = (UnixSocket::new(kind), UnixSocket::new(kind));
        let cred = Ucred::current();
        for (s, p) in [(&a, &b), (&b, &a)] {
            let mut i = s.inner.lock();
            i.state = State::Connected;
            i.peer = Some(p.clone());
            i.peercred = Some(cred);
        }
        (a, b)
    }

    pub fn kind(&self) -> Kind {
        self.kind
    }

    /// Whether `SO_PASSCRED` is on: every message received reports its sender.
    pub fn passcred(&self) -> bool {
        self.inner.lock().passcred
    }

    fn notify(&self, events: u16) {
        self.shared.ready.notify(events);
    }

    fn notify_all(&self) {
        self.notify(POLLIN | POLLOUT | POLLERR | POLLHUP | POLLRDHUP);
    }

    fn sndbuf(i: &Inner) -> usize {
        i.opts.sndbuf.map_or(DEFAULT_SNDBUF, |v| {
            sockopt::buffer_reported(v, false) as usize
        })
    }

    /// Linux's `unix_writable`: not listening and at most a quarter of the send buffer in
    /// flight.
    fn writable(&self, i: &Inner) -> bool {
        i.state != State::Listening
            && self.shared.wmem.load(Ordering::Acquire) * 4 <= Self::sndbuf(i)
    }

    /// `(receive timeout, send timeout)` in nanoseconds.
    fn timeouts(&self) -> (Option<u64>, Option<u64>) {
        let i = self.inner.lock();
        (i.opts.rcvtimeo_ns, i.opts.sndtimeo_ns)
    }

    /// Whether a datagram receiver's queue is full for `sender` (Linux's `unix_recvq_full`,
    /// skipped when the receiver is connected back to the sender).
    fn dgram_full_for(i: &Inner, sender: &UnixSocket) -> bool {
        let back = i
            .peer
            .as_ref()
            .is_some_and(|p| core::ptr::eq(Arc::as_ptr(p), sender));
        !back && i.rx.len() > MAX_DGRAM_QLEN
    }

    /// The events `poll` reports (Linux's `unix_poll` and `unix_dgram_poll`).
    pub fn poll(&self) -> u16 {
        let i = self.inner.lock();
        let mut m = 0;
        if i.err.is_some() {
            m |= POLLERR;
        }
        if i.shutdown == SHUTDOWN_MASK {
            m |= POLLHUP;
        }
        if i.shutdown & RCV_SHUTDOWN != 0 {
            m |= POLLRDHUP | POLLIN;
        }
        if !i.rx.is_empty() || !i.backlog.is_empty() {
            m |= POLLIN;
        }
        if self.kind.connection_oriented() && i.state == State::Unconnected {
            m |= POLLHUP;
        }
        let mut writable = self.writable(&i);
        let peer = i.peer.clone();
        drop(i);
        if writable && self.kind == Kind::Dgram {
            if let Some(p) = peer {
                let mut pi = p.inner.lock();
                if Self::dgram_full_for(&pi, self) {
                    writable = false;
                    // Woken when the receiver makes room.
                    self.wait_for_room_at(&mut pi);
                }
            }
        }
        if writable {
            m |= POLLOUT;
        }
        m
    }

    /// `FIONREAD`: a stream's or seqpacket's queued bytes, a datagram socket's first
    /// datagram; EINVAL on a listener.
    pub fn inq(&self) -> KResult<usize> {
        let i = self.inner.lock();
        if i.state == State::Listening {
            return Err(Errno::EINVAL);
        }
        Ok(match self.kind {
            Kind::Dgram => i.rx.front().map_or(0, |m| m.data.len()),
            _ => i.rx.iter().map(|m| m.data.len() - m.off).sum(),
        })
    }

    /// `TIOCOUTQ`/`SIOCOUTQ`: bytes sent and not yet read.
    pub fn outq(&self) -> usize {
        self.shared.wmem.load(Ordering::Acquire)
    }

    /// `getsockname(2)`.
    pub fn name(&self) -> UnixAddr {
        self.inner.lock().name.clone()
    }

    /// `getpeername(2)`: ENOTCONN without a peer.
    pub fn peer_name(&self) -> KResult<UnixAddr> {
        let peer = self.inner.lock().peer.clone().ok_or(Errno::ENOTCONN)?;
        let name = peer.inner.lock().name.clone();
        Ok(name)
    }

    /// `listen(2)`: EOPNOTSUPP for datagrams, EINVAL unbound or connected.
    pub fn listen(&self, backlog: i32) -> KResult<()> {
        if !self.kind.connection_oriented() {
            return Err(Errno::EOPNOTSUPP);
        }
        let cred = Ucred::current();
        {
            let mut i = self.inner.lock();
            if i.name == UnixAddr::Unnamed || i.state == State::Connected {
                return Err(Errno::EINVAL);
            }
            i.max_backlog = backlog.clamp(0, SOMAXCONN) as usize;
            i.state = State::Listening;
            i.peercred = Some(cred);
        }
        // Connectors waiting for room may find it now.
        self.notify(POLLOUT);
        Ok(())
    }

    /// `shutdown(2)`: `how` is SHUT_RD, SHUT_WR or SHUT_RDWR, else EINVAL. A connection's
    /// peer gets the mirror image (our SHUT_WR is its end of input).
    pub fn shutdown(&self, how: i32) -> KResult<()> {
        if !(SHUT_RD..=SHUT_RDWR).contains(&how) {
            return Err(Errno::EINVAL);
        }
        let mode = ((how + 1) as u8) & SHUTDOWN_MASK;
        let peer = {
            let mut i = self.inner.lock();
            i.shutdown |= mode;
            i.peer.clone()
        };
        if let Some(p) = peer.filter(|_| self.kind.connection_oriented()) {
            let mut peer_mode = 0;
            if mode & RCV_SHUTDOWN != 0 {
                peer_mode |= SEND_SHUTDOWN;
            }
            if mode & SEND_SHUTDOWN != 0 {
                peer_mode |= RCV_SHUTDOWN;
            }
            p.inner.lock().shutdown |= peer_mode;
            p.notify_all();
        }
        self.notify_all();
        Ok(())
    }

    /// `setsockopt(2)`: `SOL_SOCKET` options only (another level is EOPNOTSUPP, as for any
    /// protocol without options of its own).
    pub fn setsockopt(&self, level: i32, name: i32, val: &[u8]) -> KResult<()> {
        if level != SOL_SOCKET {
            return Err(Errno::EOPNOTSUPP);
        }
        let mut i = self.inner.lock();
        match name {
            SO_PASSCRED => {
                i.passcred = sockopt::int_value(val)? != 0;
                Ok(())
            }
            SO_PEERCRED => Err(Errno::ENOPROTOOPT),
            _ => i
                .opts
                .set(sockopt::classify(level, name, false)?, val)
                .map(|_| ()),
        }
    }

    /// `getsockopt(2)`: the option's bytes.
    pub fn getsockopt(&self, level: i32, name: i32) -> KResult<Vec<u8>> {
        if level != SOL_SOCKET {
            return Err(Errno::EOPNOTSUPP);
        }
        let int = |v: i32| Ok(v.to_ne_bytes().to_vec());
        let mut i = self.inner.lock();
        match name {
            SO_PASSCRED => return int(i.passcred as i32),
            SO_PEERCRED => return Ok(Ucred::encode(i.peercred)),
            _ => {}
        }
        match sockopt::classify(level, name, false)? {
            Opt::Type => int(self.kind.sock_type() as i32),
            Opt::Domain => int(AF_UNIX as i32),
            Opt::Protocol => int(0),
            Opt::Error => int(i.err.take().map_or(0, |e| e as i32)),
            Opt::AcceptConn => int((i.state == State::Listening) as i32),
            opt => i.opts.get(opt, false).ok_or(Errno::ENOPROTOOPT),
        }
    }

    /// Linux's `unix_release_sock`: the socket's file is closed (or, `embryo`, its listener
    /// went away before accepting it). The peer of a connection sees end of input and output,
    /// and ECONNRESET if data was left unread here.
    fn release(self: &Arc<Self>, embryo: bool) {
        let (peer, rx, backlog, name, node) = {
            let mut i = self.inner.lock();
            i.dead = true;
            i.shutdown = SHUTDOWN_MASK;
            i.state = State::Unconnected;
            (
                i.peer.take(),
                core::mem::take(&mut i.rx),
                core::mem::take(&mut i.backlog),
                i.name.clone(),
                i.node.take(),
            )
        };
        names::forget(self, &name, node.as_ref().map(|n| n.1));
        if let Some(p) = peer.as_ref().filter(|_| self.kind.connection_oriented()) {
            {
                let mut pi = p.inner.lock();
                pi.shutdown = SHUTDOWN_MASK;
                if !rx.is_empty() || embryo {
                    pi.err = Some(Errno::ECONNRESET);
                }
            }
            p.notify_all();
        }
        // Everything below may take other sockets' locks (descriptors in flight, embryos).
        drop(rx);
        drop(peer);
        for e in backlog {
            e.release(true);
        }
        drop(node);
        self.notify_all();
    }
}

/// What a unix socket's descriptor holds; its drop is the socket's last close.
pub struct UnixFile(Arc<UnixSocket>);

impl UnixFile {
    pub fn new(s: Arc<UnixSocket>) -> Arc<UnixFile> {
        Arc::new(UnixFile(s))
    }

    /// The unix socket behind an open file, if it is one.
    pub fn of(f: &OpenFile) -> Option<&Arc<UnixSocket>> {
        f.ops().as_any()?.downcast_ref::<UnixFile>().map(|u| &u.0)
    }
}

impl Drop for UnixFile {
    fn drop(&mut self) {
        self.0.release(false);
    }
}

impl FileOps for UnixFile {
    fn read(&self, _pos: &mut u64, buf: &mut [u8], _flags: u32) -> KResult<usize> {
        // One try: the kernel's read loop waits for POLLIN on EAGAIN. Descriptors that came
        // with the bytes are closed, as Linux does for a read without a control buffer.
        let r = self.0.recv(buf, MSG_DONTWAIT)?;
        Ok(r.n)
    }

    fn write(&self, _pos: &mut u64, buf: &[u8], _flags: u32) -> KResult<usize> {
        let r = match self.0.kind {
            Kind::Stream => self.0.send_stream(buf, Vec::new(), Ucred::current(), true),
            _ => self
                .0
                .send_datagram(buf.to_vec(), Vec::new(), Ucred::current(), None, true),
        };
        if r == Err(Errno::EPIPE) && self.0.kind == Kind::Stream {
            crate::proc::signal::send_sigpipe();
        }
        r
    }

    fn ioctl(&self, cmd: u32, arg: usize) -> KResult<usize> {
        const FIONREAD: u32 = 0x541b;
        const TIOCOUTQ: u32 = 0x5411;
        let v = match cmd {
            FIONREAD => self.0.inq()?,
            TIOCOUTQ => self.0.outq(),
            _ => return Err(Errno::ENOTTY),
        };
        crate::mm::usercopy::UserPtr::<i32>::new(arg as u64)
            .write(v.min(i32::MAX as usize) as i32)?;
        Ok(0)
    }

    fn poll(&self) -> u16 {
        self.0.poll()
    }

    fn pollee(&self) -> Option<&dyn Pollee> {
        Some(&self.0.shared.ready)
    }

    fn stat(&self) -> Metadata {
        super::socket::metadata(self.0.ino)
    }

    fn as_any(&self) -> Option<&dyn core::any::Any> {
        Some(self)
    }
}

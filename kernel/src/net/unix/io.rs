//! Connecting, accepting, sending and receiving on unix sockets, on kernel buffers (the
//! system calls in `syscall/unix.rs` copy user memory). The errors and their order follow
//! Linux's `unix_stream_connect`, `unix_accept`, `unix_stream_sendmsg`,
//! `unix_stream_read_generic`, `unix_dgram_sendmsg` and `__unix_dgram_recvmsg`.

use alloc::sync::Arc;
use alloc::vec::Vec;
use core::sync::atomic::Ordering;

use keel_abi::{Errno, KResult};
use keel_net::consts::*;
use keel_net::unix::UnixAddr;
use keel_vfs::consts::{POLLIN, POLLOUT};
use keel_vfs::{OpenFile, Pollee};

use super::{Inner, Kind, Msg, Shared, State, Ucred, UnixSocket, RCV_SHUTDOWN, SEND_SHUTDOWN};

/// What a queued message costs its sender beyond its bytes, as Linux charges an skb's
/// truesize: the queue entry and its bookkeeping.
const MSG_OVERHEAD: usize = 512;
use crate::fs::readiness::{self, Nudge, Subscription};

/// What one receive brought.
pub struct Received {
    /// Bytes copied.
    pub n: usize,
    /// The datagram's whole length (a stream: `n`).
    pub full: usize,
    /// The sender's name (unnamed for an unbound sender).
    pub from: UnixAddr,
    /// Descriptors that came with the bytes.
    pub rights: Vec<Arc<OpenFile>>,
    /// The sender's credentials, when the socket has `SO_PASSCRED` on.
    pub cred: Option<Ucred>,
}

impl Received {
    fn nothing() -> Received {
        Received {
            n: 0,
            full: 0,
            from: UnixAddr::Unnamed,
            rights: Vec::new(),
            cred: None,
        }
    }
}

/// Retries `op` until it stops saying EAGAIN, sleeping between tries until one of `watch`
/// is notified. The first try subscribes to nothing (the common case does not wait); every
/// try after it is made subscribed, so a change between the try and the sleep is not lost.
/// A timeout gives EAGAIN; a signal ERESTARTSYS, or EINTR when a timeout was set (Linux's
/// `sock_intr_errno`).
fn block_on<R>(
    watch: &[&dyn Pollee],
    nonblock: bool,
    timeout_ns: Option<u64>,
    mut op: impl FnMut() -> KResult<R>,
) -> KResult<R> {
    match op() {
        Err(Errno::EAGAIN) if !nonblock => {}
        r => return r,
    }
    let deadline = timeout_ns.map(|t| crate::time::monotonic_ns().saturating_add(t));
    loop {
        let nudge = Nudge::new();
        let _subs: Vec<Subscription<'_>> = watch
            .iter()
            .map(|p| Subscription::new(*p, nudge.clone()))
            .collect();
        match op() {
            Err(Errno::EAGAIN) => {}
            r => return r,
        }
        wait(&nudge, deadline)?;
    }
}

/// Sleeps until `nudge` is hit: ETIMEDOUT becomes EAGAIN, a signal as in [`block_on`].
fn wait(nudge: &Nudge, deadline: Option<u64>) -> KResult<()> {
    match crate::sched::waitqueue::block_until(|| nudge.hit(), deadline, true) {
        Ok(()) => Ok(()),
        Err(Errno::ETIMEDOUT) => Err(Errno::EAGAIN),
        Err(Errno::EINTR) if deadline.is_some() => Err(Errno::EINTR),
        Err(e) => Err(readiness::interrupted_restarts(e)),
    }
}

fn same(a: &UnixSocket, b: &Arc<UnixSocket>) -> bool {
    core::ptr::eq(a, Arc::as_ptr(b))
}

/// Adds `s` to the senders a full receiver wakes when it has room again.
fn wait_for_room(receiver: &mut Inner, s: &Arc<Shared>) {
    if !receiver
        .waiting_senders
        .iter()
        .any(|w| core::ptr::eq(w.as_ptr(), Arc::as_ptr(s)))
    {
        receiver.waiting_senders.push(Arc::downgrade(s));
    }
}

impl UnixSocket {
    /// Registers a poller that found this datagram socket's peer full.
    pub(super) fn wait_for_room_at(&self, receiver: &mut Inner) {
        wait_for_room(receiver, &self.shared);
    }

    /// `connect(2)` of a stream or seqpacket socket to the listener `other`: the server's
    /// socket is made now and queued in the listener's backlog. A full backlog waits (or
    /// EAGAIN when non-blocking).
    pub fn connect_stream(self: &Arc<Self>, other: Arc<UnixSocket>, nonblock: bool) -> KResult<()> {
        {
            let mut i = self.inner.lock();
            match i.state {
                State::Connected => return Err(Errno::EISCONN),
                State::Listening => return Err(Errno::EINVAL),
                State::Unconnected if i.connecting => return Err(Errno::EALREADY),
                State::Unconnected => i.connecting = true,
            }
        }
        let r = self.connect_to(&other, nonblock);
        self.inner.lock().connecting = false;
        if r.is_ok() {
            other.notify(POLLIN);
            self.notify(POLLOUT);
        }
        r
    }

    fn connect_to(self: &Arc<Self>, other: &Arc<UnixSocket>, nonblock: bool) -> KResult<()> {
        let (_, sndtimeo) = self.timeouts();
        let listener_name = other.name();
        let me = Ucred::current();
        let embryo = block_on(&[&other.shared.ready], nonblock, sndtimeo, || {
            let listener_cred = {
                let o = other.inner.lock();
                if o.state != State::Listening || o.dead || o.shutdown & RCV_SHUTDOWN != 0 {
                    return Err(Errno::ECONNREFUSED);
                }
                if o.backlog.len() > o.max_backlog {
                    return Err(Errno::EAGAIN);
                }
                o.peercred
            };
            let e = UnixSocket::new(self.kind);
            {
                let mut ei = e.inner.lock();
                ei.state = State::Connected;
                ei.peer = Some(self.clone());
                ei.peercred = Some(me);
                ei.name = listener_name.clone();
            }
            let mut o = other.inner.lock();
            if o.state != State::Listening || o.dead {
                return Err(Errno::ECONNREFUSED);
            }
            o.backlog.push_back(e.clone());
            Ok((e, listener_cred))
        });
        let (embryo, listener_cred) = embryo?;
        let mut i = self.inner.lock();
        i.state = State::Connected;
        i.peer = Some(embryo);
        i.peercred = listener_cred;
        Ok(())
    }

    /// `connect(2)` of a datagram socket: `Some` sets the default destination (EPERM if
    /// that socket is connected elsewhere), `None` (AF_UNSPEC) clears it.
    pub fn connect_dgram(self: &Arc<Self>, other: Option<Arc<UnixSocket>>) -> KResult<()> {
        if let Some(o) = &other {
            let oi = o.inner.lock();
            if oi.peer.as_ref().is_some_and(|p| !same(self, p)) {
                return Err(Errno::EPERM);
            }
        }
        let old = {
            let mut i = self.inner.lock();
            i.state = if other.is_some() {
                State::Connected
            } else {
                State::Unconnected
            };
            core::mem::replace(&mut i.peer, other)
        };
        drop(old);
        self.notify(POLLOUT);
        Ok(())
    }

    /// `accept(2)`: the next connection, waiting for one unless `nonblock`. EOPNOTSUPP for a
    /// datagram socket, EINVAL when not listening.
    pub fn accept(&self, nonblock: bool) -> KResult<Arc<UnixSocket>> {
        if !self.kind.connection_oriented() {
            return Err(Errno::EOPNOTSUPP);
        }
        let (rcvtimeo, _) = self.timeouts();
        let s = block_on(&[&self.shared.ready], nonblock, rcvtimeo, || {
            let mut i = self.inner.lock();
            if i.state != State::Listening {
                return Err(Errno::EINVAL);
            }
            match i.backlog.pop_front() {
                Some(s) => Ok(s),
                // shutdown(SHUT_RD) on a listener ends its accepts (Linux's
                // skb_recv_datagram returns nothing without an error).
                None if i.shutdown & RCV_SHUTDOWN != 0 => Err(Errno::EINVAL),
                None => Err(Errno::EAGAIN),
            }
        })?;
        // A connect waiting for room in the backlog may go on.
        self.notify(POLLOUT);
        Ok(s)
    }

    /// Sends one piece of a stream (at most `data.len()` bytes, all of them unless the
    /// peer is gone), waiting while this socket has a send buffer's worth in flight.
    /// `rights` go with the piece. EPIPE once either side shut the direction down (the
    /// caller raises SIGPIPE).
    pub fn send_stream(
        self: &Arc<Self>,
        data: &[u8],
        rights: Vec<Arc<OpenFile>>,
        cred: Ucred,
        nonblock: bool,
    ) -> KResult<usize> {
        let (_, sndtimeo) = self.timeouts();
        let mut rights = Some(rights);
        block_on(&[&self.shared.ready], nonblock, sndtimeo, || {
            let (peer, name) = {
                let mut i = self.inner.lock();
                let Some(peer) = i.peer.clone().filter(|_| i.state == State::Connected) else {
                    return Err(Errno::ENOTCONN);
                };
                if i.shutdown & SEND_SHUTDOWN != 0 {
                    return Err(Errno::EPIPE);
                }
                if let Some(e) = i.err.take() {
                    return Err(e);
                }
                if self.shared.wmem.load(Ordering::Acquire) >= Self::sndbuf(&i) {
                    return Err(Errno::EAGAIN);
                }
                (peer, i.name.clone())
            };
            if data.is_empty() {
                return Ok(0);
            }
            let msg = self.charge(data.to_vec(), name, rights.take().unwrap_or_default(), cred);
            let refused = {
                let mut pi = peer.inner.lock();
                if pi.dead || pi.shutdown & RCV_SHUTDOWN != 0 {
                    Some(msg)
                } else {
                    pi.rx.push_back(msg);
                    None
                }
            };
            if refused.is_some() {
                drop(refused);
                return Err(Errno::EPIPE);
            }
            peer.notify(POLLIN);
            Ok(data.len())
        })
    }

    /// A message from this socket, charged to it until read: its bytes, the descriptors it
    /// carries and [`MSG_OVERHEAD`], so that empty datagrams and descriptor-laden messages are
    /// bounded by the send buffer as well.
    fn charge(
        &self,
        data: Vec<u8>,
        from: UnixAddr,
        rights: Vec<Arc<OpenFile>>,
        cred: Ucred,
    ) -> Msg {
        let n = data.len() + MSG_OVERHEAD + rights.len() * core::mem::size_of::<usize>();
        self.shared.wmem.fetch_add(n, Ordering::AcqRel);
        Msg {
            data,
            off: 0,
            from,
            rights,
            cred,
            charge: self.shared.clone(),
            charged: n,
        }
    }

    /// Sends one datagram (or seqpacket record) to `to`, or to the peer. EMSGSIZE over the
    /// send buffer; ENOTCONN without a destination; EPERM to a socket connected elsewhere;
    /// ECONNREFUSED once when the connected peer is gone (the socket is then unconnected);
    /// a full receiver waits (EAGAIN non-blocking).
    pub fn send_datagram(
        self: &Arc<Self>,
        data: Vec<u8>,
        rights: Vec<Arc<OpenFile>>,
        cred: Ucred,
        to: Option<Arc<UnixSocket>>,
        nonblock: bool,
    ) -> KResult<usize> {
        let len = data.len();
        let (other, name) = {
            let i = self.inner.lock();
            if self.kind == Kind::SeqPacket && i.state != State::Connected {
                return Err(Errno::ENOTCONN);
            }
            let other = match to.filter(|_| self.kind == Kind::Dgram) {
                Some(t) => t,
                None => i.peer.clone().ok_or(Errno::ENOTCONN)?,
            };
            if len + 32 > Self::sndbuf(&i) {
                return Err(Errno::EMSGSIZE);
            }
            (other, i.name.clone())
        };
        let (_, sndtimeo) = self.timeouts();
        let mut payload = Some((data, rights));
        let watch: [&dyn Pollee; 2] = [&self.shared.ready, &other.shared.ready];
        block_on(&watch, nonblock, sndtimeo, || {
            {
                let i = self.inner.lock();
                if self.shared.wmem.load(Ordering::Acquire) >= Self::sndbuf(&i) {
                    return Err(Errno::EAGAIN);
                }
            }
            let mut oi = other.inner.lock();
            if self.kind == Kind::Dgram && oi.peer.as_ref().is_some_and(|p| !same(self, p)) {
                return Err(Errno::EPERM);
            }
            if oi.dead {
                drop(oi);
                if self.kind == Kind::SeqPacket {
                    return Err(Errno::EPIPE);
                }
                let old = {
                    let mut i = self.inner.lock();
                    if i.peer.as_ref().is_some_and(|p| Arc::ptr_eq(p, &other)) {
                        i.state = State::Unconnected;
                        i.peer.take()
                    } else {
                        None
                    }
                };
                drop(old);
                return Err(Errno::ECONNREFUSED);
            }
            if oi.shutdown & RCV_SHUTDOWN != 0 {
                return Err(Errno::EPIPE);
            }
            if self.kind == Kind::Dgram && Self::dgram_full_for(&oi, self) {
                wait_for_room(&mut oi, &self.shared);
                return Err(Errno::EAGAIN);
            }
            let (data, rights) = payload.take().unwrap_or_default();
            oi.rx
                .push_back(self.charge(data, name.clone(), rights, cred));
            drop(oi);
            other.notify(POLLIN);
            Ok(len)
        })
    }

    /// Receives into `buf`: a stream takes bytes across messages (up to one carrying
    /// descriptors); a datagram socket one message. `MSG_PEEK`, `MSG_WAITALL` (streams),
    /// `MSG_DONTWAIT` (the caller adds it for a non-blocking file).
    pub fn recv(&self, buf: &mut [u8], flags: u32) -> KResult<Received> {
        if flags & MSG_OOB != 0 {
            return Err(Errno::EOPNOTSUPP);
        }
        if self.kind == Kind::Stream {
            self.recv_stream(buf, flags)
        } else {
            let (rcvtimeo, _) = self.timeouts();
            block_on(
                &[&self.shared.ready],
                flags & MSG_DONTWAIT != 0,
                rcvtimeo,
                || self.recv_datagram(buf, flags),
            )
        }
    }

    fn recv_datagram(&self, buf: &mut [u8], flags: u32) -> KResult<Received> {
        let peek = flags & MSG_PEEK != 0;
        let (got, taken, senders) = {
            let mut i = self.inner.lock();
            if self.kind == Kind::SeqPacket && i.state != State::Connected {
                return Err(Errno::ENOTCONN);
            }
            let Some(m) = i.rx.front() else {
                if let Some(e) = i.err.take() {
                    return Err(e);
                }
                let eof = i.shutdown & RCV_SHUTDOWN != 0
                    && (self.kind == Kind::SeqPacket || flags & MSG_DONTWAIT == 0);
                return if eof {
                    Ok(Received::nothing())
                } else {
                    Err(Errno::EAGAIN)
                };
            };
            let n = buf.len().min(m.data.len());
            buf[..n].copy_from_slice(&m.data[..n]);
            let mut got = Received {
                n,
                full: m.data.len(),
                from: m.from.clone(),
                rights: Vec::new(),
                cred: i.passcred.then_some(m.cred),
            };
            if peek {
                got.rights = m.rights.clone();
                (got, None, Vec::new())
            } else {
                let mut m = i.rx.pop_front();
                if let Some(m) = m.as_mut() {
                    got.rights = core::mem::take(&mut m.rights);
                }
                (got, m, core::mem::take(&mut i.waiting_senders))
            }
        };
        if taken.is_some() {
            drop(taken);
            self.notify(POLLOUT);
            for s in senders.iter().filter_map(|w| w.upgrade()) {
                s.ready.notify(POLLOUT);
            }
        }
        Ok(got)
    }

    fn recv_stream(&self, buf: &mut [u8], flags: u32) -> KResult<Received> {
        let peek = flags & MSG_PEEK != 0;
        let nonblock = flags & MSG_DONTWAIT != 0;
        let target = if flags & MSG_WAITALL != 0 && !peek {
            buf.len()
        } else {
            buf.len().min(1)
        };
        let (rcvtimeo, _) = self.timeouts();
        let deadline = rcvtimeo.map(|t| crate::time::monotonic_ns().saturating_add(t));
        let mut out = Received::nothing();
        // Subscribed only for the tries after one found nothing (see `block_on`).
        let mut watch: Option<(Arc<Nudge>, Subscription<'_>)> = None;
        loop {
            let mut consumed = Vec::new();
            let mut charged = Vec::new();
            let outcome = {
                let mut i = self.inner.lock();
                if i.state != State::Connected {
                    return Err(Errno::EINVAL);
                }
                let passcred = i.passcred;
                let stop = if peek {
                    Self::peek_bytes(&i, buf, &mut out, passcred)
                } else {
                    Self::take_bytes(&mut i, buf, &mut out, passcred, &mut consumed, &mut charged)
                };
                if stop || out.n >= target {
                    Ok(true)
                } else if let Some(e) = i.err.take() {
                    if out.n > 0 {
                        Ok(true)
                    } else {
                        Err(e)
                    }
                } else if i.shutdown & RCV_SHUTDOWN != 0 {
                    Ok(true)
                } else if nonblock {
                    if out.n > 0 {
                        Ok(true)
                    } else {
                        Err(Errno::EAGAIN)
                    }
                } else {
                    Ok(false)
                }
            };
            drop(consumed);
            for s in charged {
                s.ready.notify(POLLOUT);
            }
            if outcome? {
                out.full = out.n;
                return Ok(out);
            }
            match watch.take() {
                None => {
                    let nudge = Nudge::new();
                    let sub = Subscription::new(&self.shared.ready, nudge.clone());
                    watch = Some((nudge, sub));
                }
                Some((nudge, _sub)) => {
                    if let Err(e) = wait(&nudge, deadline) {
                        return if out.n > 0 { Ok(out) } else { Err(e) };
                    }
                }
            }
        }
    }

    /// Whether `m` may join what `out` holds: with `SO_PASSCRED`, bytes from different
    /// senders are not glued together (Linux's `unix_skb_scm_eq`). Records the sender of the
    /// first message.
    fn joins(out: &mut Received, m: &Msg, passcred: bool) -> bool {
        if !passcred {
            return true;
        }
        match out.cred {
            Some(c) => c == m.cred,
            None => {
                out.cred = Some(m.cred);
                true
            }
        }
    }

    /// Copies queued stream bytes into `buf[out.n..]` without taking them. Returns true
    /// when a message with descriptors or from another sender ended the copy.
    fn peek_bytes(i: &Inner, buf: &mut [u8], out: &mut Received, passcred: bool) -> bool {
        for m in i.rx.iter() {
            if out.n == buf.len() {
                break;
            }
            if !Self::joins(out, m, passcred) {
                return true;
            }
            let avail = &m.data[m.off..];
            let k = avail.len().min(buf.len() - out.n);
            buf[out.n..out.n + k].copy_from_slice(&avail[..k]);
            if out.n == 0 {
                out.from = m.from.clone();
            }
            out.n += k;
            if !m.rights.is_empty() {
                out.rights = m.rights.clone();
                return true;
            }
        }
        false
    }

    /// Takes queued stream bytes into `buf[out.n..]`: read messages move to `consumed`
    /// and the senders to tell to `charged` (both handled after the lock). Returns true when
    /// a message with descriptors ended the copy.
    fn take_bytes(
        i: &mut Inner,
        buf: &mut [u8],
        out: &mut Received,
        passcred: bool,
        consumed: &mut Vec<Msg>,
        charged: &mut Vec<Arc<Shared>>,
    ) -> bool {
        while out.n < buf.len() {
            let Some(m) = i.rx.front_mut() else {
                break;
            };
            if !Self::joins(out, m, passcred) {
                return true;
            }
            let k = (m.data.len() - m.off).min(buf.len() - out.n);
            buf[out.n..out.n + k].copy_from_slice(&m.data[m.off..m.off + k]);
            if out.n == 0 {
                out.from = m.from.clone();
            }
            out.n += k;
            m.off += k;
            let u = k.min(m.charged);
            if u > 0 {
                m.charged -= u;
                m.charge.uncharge(u);
                charged.push(m.charge.clone());
            }
            let had_rights = !m.rights.is_empty();
            if had_rights {
                out.rights = core::mem::take(&mut m.rights);
            }
            if m.off == m.data.len() {
                if let Some(m) = i.rx.pop_front() {
                    consumed.push(m);
                }
            }
            if had_rights {
                return true;
            }
        }
        false
    }
}

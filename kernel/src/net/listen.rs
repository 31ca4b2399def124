//! Listening sockets and the listen backlog.
//!
//! One listening smoltcp socket takes exactly one connection and the next SYN gets a reset
//! (DESIGN.md section 6, lesson 6, verified); several smoltcp sockets may listen on one port.
//! So a listening file owns a pool of them ([`Listener`]), and every incoming SYN passes
//! [`admit`] before smoltcp sees it: while the listener's queue (connections past LISTEN, not
//! yet accepted) has room, the SYN is admitted and, if no idle listening socket is left for
//! it, one more is added; when the queue is full the SYN is dropped without an answer, as
//! Linux drops it (the client retransmits), instead of smoltcp's reset. The verdicts are
//! `keel_net::Backlog`'s (host-tested). `listen` again changes the backlog; backlog 0 takes
//! one connection.
//!
//! Wakeups belong to the listening file: every pooled socket carries that file's waker, so
//! an arriving connection wakes accept, poll and epoll on the listening fd.
//! Locking: under `NET`.

use alloc::vec::Vec;
use core::task::Waker;

use keel_abi::{Errno, KResult};
use keel_net::{Backlog, SynVerdict};
use smoltcp::iface::{SocketHandle, SocketSet};
use smoltcp::socket::tcp::{self, State as S};
use smoltcp::wire::{
    EthernetFrame, EthernetProtocol, IpAddress, IpListenEndpoint, IpProtocol, Ipv4Packet, TcpPacket,
};

use super::options::Options;
use super::socket::Sock;
use super::tcp::{new_smol, State};
use super::Net;

/// A listening file's pool of smoltcp sockets.
pub struct Listener {
    pub backlog: Backlog,
    pool: Vec<SocketHandle>,
    endpoint: IpListenEndpoint,
}

enum Slot {
    Idle,
    Queued,
    Ready,
    Dead,
}

fn slot(s: &tcp::Socket<'static>) -> Slot {
    match s.state() {
        S::Listen => Slot::Idle,
        S::SynReceived | S::SynSent => Slot::Queued,
        S::Closed | S::TimeWait => Slot::Dead,
        _ => Slot::Ready,
    }
}

impl Listener {
    /// A listener on `endpoint` with no socket yet.
    pub fn new(backlog: i32, endpoint: IpListenEndpoint) -> Self {
        Listener {
            backlog: Backlog::new(backlog),
            pool: Vec::new(),
            endpoint,
        }
    }

    /// Adds one listening smoltcp socket.
    pub fn add_socket(
        &mut self,
        sockets: &mut SocketSet<'static>,
        opts: &Options,
        waker: &Waker,
    ) -> KResult<()> {
        let mut s = new_smol(opts, waker)?;
        s.listen(self.endpoint).map_err(|_| Errno::EINVAL)?;
        self.pool.push(sockets.add(s));
        Ok(())
    }

    /// The pooled sockets.
    pub fn handles(&self) -> impl Iterator<Item = SocketHandle> + '_ {
        self.pool.iter().copied()
    }

    /// Whether a SYN to `addr:port` is for this listener.
    fn matches(&self, addr: IpAddress, port: u16) -> bool {
        self.endpoint.port == port && self.endpoint.addr.is_none_or(|a| a == addr)
    }

    /// (connections queued for accept, idle listening sockets).
    fn counts(&self, sockets: &SocketSet<'static>) -> (usize, usize) {
        let (mut queued, mut idle) = (0, 0);
        for &h in &self.pool {
            match slot(sockets.get::<tcp::Socket>(h)) {
                Slot::Idle => idle += 1,
                Slot::Queued | Slot::Ready => queued += 1,
                Slot::Dead => {}
            }
        }
        (queued, idle)
    }

    /// Whether a connection is ready to accept.
    pub fn has_ready(&self, sockets: &SocketSet<'static>) -> bool {
        self.pool
            .iter()
            .any(|&h| matches!(slot(sockets.get::<tcp::Socket>(h)), Slot::Ready))
    }

    /// Re-registers the listening file's waker on every pooled socket.
    pub fn register(&self, sockets: &mut SocketSet<'static>, waker: &Waker) {
        for &h in &self.pool {
            let s = sockets.get_mut::<tcp::Socket>(h);
            s.register_recv_waker(waker);
            s.register_send_waker(waker);
        }
    }

    /// Takes the oldest established connection out of the pool (dropping dead ones).
    pub fn take_ready(&mut self, sockets: &mut SocketSet<'static>) -> Option<SocketHandle> {
        let mut i = 0;
        while i < self.pool.len() {
            let h = self.pool[i];
            match slot(sockets.get::<tcp::Socket>(h)) {
                Slot::Ready => return Some(self.pool.remove(i)),
                Slot::Dead => {
                    sockets.remove(self.pool.remove(i));
                }
                _ => i += 1,
            }
        }
        None
    }

    /// The listening file is gone (or shut down): idle sockets go, queued connections are
    /// reset (Linux resets connections nobody accepted).
    pub fn close(self, n: &mut Net) {
        for h in self.pool {
            let s = n.sockets.get_mut::<tcp::Socket>(h);
            if s.state() == S::Listen {
                n.sockets.remove(h);
            } else {
                s.abort();
                n.orphan(h, None);
            }
        }
    }
}

/// The destination of a SYN (without ACK) in `frame`, if it is one.
fn syn_destination(frame: &[u8]) -> Option<(IpAddress, u16)> {
    let eth = EthernetFrame::new_checked(frame).ok()?;
    if eth.ethertype() != EthernetProtocol::Ipv4 {
        return None;
    }
    let ip = Ipv4Packet::new_checked(eth.payload()).ok()?;
    if ip.next_header() != IpProtocol::Tcp || ip.more_frags() || ip.frag_offset() != 0 {
        return None;
    }
    let tcp = TcpPacket::new_checked(ip.payload()).ok()?;
    (tcp.syn() && !tcp.ack()).then(|| (IpAddress::Ipv4(ip.dst_addr()), tcp.dst_port()))
}

/// Decides whether smoltcp may see `frame`: false only for a SYN to a listener whose queue
/// is full. May add a listening socket for an admitted SYN.
pub fn admit(n: &mut Net, frame: &[u8]) -> bool {
    let Some((addr, port)) = syn_destination(frame) else {
        return true;
    };
    for sock in n.socks.values_mut() {
        let Sock::Tcp(t) = sock else { continue };
        let State::Listening(l) = &mut t.state else {
            continue;
        };
        if !l.matches(addr, port) {
            continue;
        }
        let (queued, idle) = l.counts(&n.sockets);
        return match l.backlog.on_syn(queued, idle) {
            SynVerdict::Drop => false,
            SynVerdict::Admit { add_listener } => {
                !add_listener || l.add_socket(&mut n.sockets, &t.opts, &t.waker).is_ok()
            }
        };
    }
    true
}

/// The interface processed the admitted SYNs.
pub fn polled(n: &mut Net) {
    for sock in n.socks.values_mut() {
        if let Sock::Tcp(t) = sock {
            if let State::Listening(l) = &mut t.state {
                l.backlog.polled();
            }
        }
    }
}

//! The socket file: what a socket fd holds, and the socket calls on it.
//!
//! A [`SocketFile`] is a `FileOps` (read, write, poll, FIONREAD, fstat) plus the socket
//! calls `syscall/net.rs` makes (bind, listen, accept, connect, send, recv, shutdown, names,
//! options). Its state lives in [`super::Net`] under the file's id, as [`Sock`] (`tcp.rs`,
//! `udp.rs`), so the interface poll, the listen-backlog filter and the calls see one state
//! under one lock.
//!
//! Readiness: each file owns one [`Readiness`] (inside [`Shared`]); smoltcp's wakers for
//! the file's smoltcp sockets are [`Waker`]s that queue `Shared` for notification after the
//! network lock is released (DESIGN.md section 6, lesson 4: each waker fires once and a socket
//! has one slot per direction, so the waker wakes the file's readiness, which any number of
//! blocked threads, pollers and epoll instances observe). `poll()` re-registers the wakers and
//! never polls the interface (epoll calls it under its own lock).
//!
//! Blocking: a call that would block returns EAGAIN from the state machine; [`block_on`]
//! then waits on the file's readiness (`fs::readiness::wait_for`) with the socket's timeout
//! and retries; a signal gives ERESTARTSYS (restarted under SA_RESTART, as Linux does for
//! accept, connect, send and recv), a timeout EAGAIN (EINPROGRESS for connect).

use alloc::sync::Arc;
use alloc::task::Wake;
use alloc::vec::Vec;
use core::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use core::task::Waker;

use keel_abi::{Errno, KResult};
use keel_net::addr::ConnectTarget;
use keel_net::consts::*;
use keel_net::sockopt::{self, Opt};
use keel_net::SockAddrIn;
use keel_vfs::consts::{O_NONBLOCK, POLLERR, POLLHUP, POLLIN, POLLOUT, S_IFSOCK};
use keel_vfs::{FileOps, Metadata, OpenFile, Pollee};

use super::{tcp, udp, Net, PENDING};
use crate::fs::readiness::{self, Readiness};

/// `POLLRDHUP`: the peer closed its writing half.
pub const POLLRDHUP: u16 = 0x2000;

/// The state of one socket file, kept in [`Net`].
pub enum Sock {
    Tcp(tcp::Tcp),
    Udp(udp::Udp),
}

/// The part of a socket file its wakers reach.
pub struct Shared {
    ready: Readiness,
    queued: AtomicBool,
}

impl Shared {
    /// Notifies the file's observers (after the network lock was released).
    pub fn deliver(&self) {
        self.queued.store(false, Ordering::Release);
        self.ready
            .notify(POLLIN | POLLOUT | POLLERR | POLLHUP | POLLRDHUP);
    }
}

struct WakeTo(Arc<Shared>);

impl Wake for WakeTo {
    fn wake(self: Arc<Self>) {
        self.wake_by_ref();
    }

    fn wake_by_ref(self: &Arc<Self>) {
        if !self.0.queued.swap(true, Ordering::AcqRel) {
            PENDING.lock().push(self.0.clone());
        }
    }
}

/// An open socket.
pub struct SocketFile {
    id: u64,
    stream: bool,
    shared: Arc<Shared>,
    ino: u64,
}

static NEXT_INO: AtomicU64 = AtomicU64::new(1);

/// What `fstat` shows for a socket of any family: Linux's sockfs inode.
pub fn metadata(ino: u64) -> Metadata {
    Metadata {
        mode: S_IFSOCK | 0o777,
        ino,
        nlink: 1,
        blksize: 4096,
        dev: 8, // sockfs
        ..Metadata::default()
    }
}

/// A new inode number on sockfs, shared by every socket family so `fstat` tells sockets
/// apart.
pub fn next_ino() -> u64 {
    NEXT_INO.fetch_add(1, Ordering::Relaxed)
}

fn new_shared() -> (Arc<Shared>, Waker) {
    let shared = Arc::new(Shared {
        ready: Readiness::new(),
        queued: AtomicBool::new(false),
    });
    let waker = Waker::from(Arc::new(WakeTo(shared.clone())));
    (shared, waker)
}

/// Whether a call may block: neither the file nor the call said non-blocking.
fn nonblocking(f: &OpenFile, msg_flags: u32) -> bool {
    f.flags() & O_NONBLOCK != 0 || msg_flags & MSG_DONTWAIT != 0
}

/// Retries `op` until it stops saying EAGAIN, waiting for `events` on the file between tries
/// (unless non-blocking). A timeout gives EAGAIN, a signal ERESTARTSYS.
fn block_on<R>(
    f: &OpenFile,
    nonblock: bool,
    events: u16,
    timeout_ns: Option<u64>,
    mut op: impl FnMut(&mut Net) -> KResult<R>,
) -> KResult<R> {
    let deadline = timeout_ns.map(|t| crate::time::monotonic_ns().saturating_add(t));
    loop {
        match super::with(&mut op) {
            Err(Errno::EAGAIN) if !nonblock => match readiness::wait_for(f, events, deadline) {
                Err(Errno::ETIMEDOUT) => return Err(Errno::EAGAIN),
                Err(e) => return Err(e),
                Ok(()) => {}
            },
            r => return r,
        }
    }
}

impl SocketFile {
    /// A new socket: TCP when `stream`, else UDP.
    pub fn create(stream: bool) -> KResult<Arc<SocketFile>> {
        let (shared, waker) = new_shared();
        let id = super::next_id();
        if stream {
            super::with(|n| {
                n.socks.insert(id, Sock::Tcp(tcp::Tcp::new(waker)));
            });
        } else {
            super::with(|n| udp::create(n, id, waker))?;
        }
        Ok(Arc::new(SocketFile {
            id,
            stream,
            shared,
            ino: next_ino(),
        }))
    }

    /// The socket file behind an open file, if it is one.
    pub fn of(f: &OpenFile) -> Option<&SocketFile> {
        f.ops().as_any()?.downcast_ref::<SocketFile>()
    }

    /// The socket's id (its key in the network state and the port table).
    pub fn id(&self) -> u64 {
        self.id
    }

    /// Whether this is a TCP socket.
    pub fn is_stream(&self) -> bool {
        self.stream
    }

    fn timeouts(&self) -> (Option<u64>, Option<u64>) {
        super::peek(|n| match n.socks.get(&self.id) {
            Some(Sock::Tcp(t)) => (t.opts.rcvtimeo_ns, t.opts.sndtimeo_ns),
            Some(Sock::Udp(u)) => (u.opts.rcvtimeo_ns, u.opts.sndtimeo_ns),
            None => (None, None),
        })
    }

    /// `bind(2)`.
    pub fn bind(&self, a: SockAddrIn) -> KResult<()> {
        super::with(|n| {
            if self.stream {
                tcp::bind(n, self.id, a)
            } else {
                udp::bind(n, self.id, a)
            }
        })
    }

    /// `listen(2)`: EOPNOTSUPP on a datagram socket.
    pub fn listen(&self, backlog: i32) -> KResult<()> {
        if !self.stream {
            return Err(Errno::EOPNOTSUPP);
        }
        super::with(|n| tcp::listen(n, self.id, backlog))
    }

    /// `accept4(2)`: the new socket and its peer. EOPNOTSUPP on a datagram socket, EINVAL if
    /// not listening.
    pub fn accept(&self, f: &OpenFile) -> KResult<(Arc<SocketFile>, SockAddrIn)> {
        if !self.stream {
            return Err(Errno::EOPNOTSUPP);
        }
        let (shared, waker) = new_shared();
        let new_id = super::next_id();
        let (rcvtimeo, _) = self.timeouts();
        let peer = block_on(f, nonblocking(f, 0), POLLIN, rcvtimeo, |n| {
            tcp::accept(n, self.id, new_id, waker.clone())
        })?;
        let file = Arc::new(SocketFile {
            id: new_id,
            stream: true,
            shared,
            ino: next_ino(),
        });
        Ok((file, peer))
    }

    /// `connect(2)`.
    pub fn connect(&self, f: &OpenFile, target: ConnectTarget) -> KResult<()> {
        if !self.stream {
            return super::with(|n| udp::connect(n, self.id, target));
        }
        let remote = match target {
            ConnectTarget::Peer(a) => a,
            // A stream socket's AF_UNSPEC connect disconnects; on an unconnected socket
            // Linux's tcp_disconnect has nothing to do.
            ConnectTarget::Disconnect => return Ok(()),
        };
        let nonblock = nonblocking(f, 0);
        let start = super::with(|n| tcp::connect(n, self.id, remote))?;
        match start {
            tcp::Connect::Connected => return Ok(()),
            tcp::Connect::Started if nonblock => return Err(Errno::EINPROGRESS),
            tcp::Connect::Pending if nonblock => return Err(Errno::EALREADY),
            _ => {}
        }
        let (_, sndtimeo) = self.timeouts();
        match block_on(f, false, POLLOUT, sndtimeo, |n| {
            tcp::connect_result(n, self.id)
        }) {
            Err(Errno::EAGAIN) => Err(Errno::EINPROGRESS), // SO_SNDTIMEO ran out
            r => r,
        }
    }

    /// `sendto(2)`/`sendmsg(2)` of one kernel buffer. EPIPE raises SIGPIPE unless
    /// `MSG_NOSIGNAL`.
    pub fn send(
        &self,
        f: &OpenFile,
        data: &[u8],
        flags: u32,
        to: Option<SockAddrIn>,
    ) -> KResult<usize> {
        let (_, sndtimeo) = self.timeouts();
        let nonblock = nonblocking(f, flags);
        let r = if self.stream {
            // A destination address on a connected stream socket is ignored (Linux too,
            // unless the socket is not connected, where it is EPIPE all the same).
            let mut done = 0;
            loop {
                let r = block_on(f, nonblock, POLLOUT, sndtimeo, |n| {
                    tcp::send(n, self.id, &data[done..])
                });
                match r {
                    Ok(k) => {
                        done += k;
                        if done == data.len() || nonblock {
                            break Ok(done);
                        }
                    }
                    Err(_) if done > 0 => break Ok(done),
                    Err(e) => break Err(e),
                }
            }
        } else {
            block_on(f, nonblock, POLLOUT, sndtimeo, |n| {
                udp::send(n, self.id, data, to)
            })
        };
        if r == Err(Errno::EPIPE) && flags & MSG_NOSIGNAL == 0 {
            crate::proc::signal::send_sigpipe();
        }
        r
    }

    /// `recvfrom(2)`/`recvmsg(2)` into one kernel buffer: (bytes, full datagram length,
    /// source). `MSG_PEEK`, `MSG_DONTWAIT`, `MSG_WAITALL` (stream sockets) honoured.
    pub fn recv(
        &self,
        f: &OpenFile,
        buf: &mut [u8],
        flags: u32,
    ) -> KResult<(usize, usize, Option<SockAddrIn>)> {
        let (rcvtimeo, _) = self.timeouts();
        let nonblock = nonblocking(f, flags);
        let peek = flags & MSG_PEEK != 0;
        if !self.stream {
            let (k, len, from) = block_on(f, nonblock, POLLIN, rcvtimeo, |n| {
                udp::recv(n, self.id, buf, peek)
            })?;
            return Ok((k, len, Some(from)));
        }
        if buf.is_empty() {
            // recv with a zero length still reports errors and ENOTCONN.
            return super::with(|n| tcp::recv(n, self.id, &mut [], peek)).map(|_| (0, 0, None));
        }
        let waitall = flags & MSG_WAITALL != 0 && !peek;
        let mut done = 0;
        loop {
            let r = block_on(f, nonblock, POLLIN, rcvtimeo, |n| {
                tcp::recv(n, self.id, &mut buf[done..], peek)
            });
            match r {
                Ok(0) => break,
                Ok(k) => {
                    done += k;
                    if !waitall || done == buf.len() || nonblock {
                        break;
                    }
                }
                Err(_) if done > 0 => break,
                Err(e) => return Err(e),
            }
        }
        Ok((done, done, None))
    }

    /// `shutdown(2)`: `how` is SHUT_RD, SHUT_WR or SHUT_RDWR, else EINVAL.
    pub fn shutdown(&self, how: i32) -> KResult<()> {
        let (rd, wr) = match how {
            SHUT_RD => (true, false),
            SHUT_WR => (false, true),
            SHUT_RDWR => (true, true),
            _ => return Err(Errno::EINVAL),
        };
        let r = super::with(|n| {
            if self.stream {
                tcp::shutdown(n, self.id, rd, wr)
            } else {
                udp::shutdown(n, self.id, rd, wr)
            }
        });
        // Blocked readers and pollers see the new state.
        self.shared.deliver();
        r
    }

    /// `getsockname(2)`.
    pub fn local_addr(&self) -> KResult<SockAddrIn> {
        super::peek(|n| {
            if self.stream {
                tcp::local(n, self.id)
            } else {
                udp::local(n, self.id)
            }
        })
    }

    /// `getpeername(2)`: ENOTCONN unless connected.
    pub fn peer_addr(&self) -> KResult<SockAddrIn> {
        super::peek(|n| {
            if self.stream {
                tcp::peer(n, self.id)
            } else {
                udp::peer(n, self.id)
            }
        })
    }

    /// `setsockopt(2)`.
    pub fn setsockopt(&self, level: i32, name: i32, val: &[u8]) -> KResult<()> {
        let opt = sockopt::classify(level, name, self.stream)?;
        super::with(|n| {
            let refresh = match n.socks.get_mut(&self.id) {
                Some(Sock::Tcp(t)) => t.opts.set(opt, val)?,
                Some(Sock::Udp(u)) => u.opts.set(opt, val)?,
                None => return Err(Errno::EBADF),
            };
            if refresh {
                if self.stream {
                    tcp::refresh_opts(n, self.id)?;
                } else {
                    udp::refresh_opts(n, self.id)?;
                }
            }
            Ok(())
        })
    }

    /// `getsockopt(2)`: the option's bytes (the caller truncates to the user's length).
    pub fn getsockopt(&self, level: i32, name: i32) -> KResult<Vec<u8>> {
        let opt = sockopt::classify(level, name, self.stream)?;
        let int = |v: i32| Ok(v.to_ne_bytes().to_vec());
        match opt {
            Opt::Type => return int(if self.stream { SOCK_STREAM } else { SOCK_DGRAM } as i32),
            Opt::Domain => return int(AF_INET as i32),
            Opt::Protocol => {
                return int(if self.stream {
                    IPPROTO_TCP
                } else {
                    IPPROTO_UDP
                })
            }
            Opt::Error => {
                let e = if self.stream {
                    super::peek(|n| tcp::take_error(n, self.id))?
                } else {
                    None
                };
                return int(e.map_or(0, |e| e as i32));
            }
            Opt::AcceptConn => {
                let l = self.stream && super::peek(|n| tcp::listening(n, self.id))?;
                return int(l as i32);
            }
            _ => {}
        }
        super::peek(|n| match n.socks.get(&self.id) {
            Some(Sock::Tcp(t)) => t.opts.get(opt, true),
            Some(Sock::Udp(u)) => u.opts.get(opt, false),
            None => None,
        })
        .ok_or(Errno::ENOPROTOOPT)
    }
}

impl FileOps for SocketFile {
    fn read(&self, _pos: &mut u64, buf: &mut [u8], _flags: u32) -> KResult<usize> {
        // One try: the kernel's read loop waits on EAGAIN (or returns it for O_NONBLOCK).
        super::with(|n| {
            if self.stream {
                tcp::recv(n, self.id, buf, false)
            } else {
                udp::recv(n, self.id, buf, false).map(|(k, _, _)| k)
            }
        })
    }

    fn write(&self, _pos: &mut u64, buf: &[u8], _flags: u32) -> KResult<usize> {
        let r = super::with(|n| {
            if self.stream {
                tcp::send(n, self.id, buf)
            } else {
                udp::send(n, self.id, buf, None)
            }
        });
        if r == Err(Errno::EPIPE) {
            crate::proc::signal::send_sigpipe();
        }
        r
    }

    fn ioctl(&self, cmd: u32, arg: usize) -> KResult<usize> {
        const FIONREAD: u32 = 0x541b;
        match cmd {
            FIONREAD => {
                let k = super::peek(|n| {
                    if self.stream {
                        tcp::pending(n, self.id)
                    } else {
                        udp::pending(n, self.id)
                    }
                })?;
                crate::mm::usercopy::UserPtr::<i32>::new(arg as u64)
                    .write(k.min(i32::MAX as usize) as i32)?;
                Ok(0)
            }
            _ => Err(Errno::ENOTTY),
        }
    }

    fn poll(&self) -> u16 {
        super::peek(|n| {
            if self.stream {
                tcp::poll(n, self.id)
            } else {
                udp::poll(n, self.id)
            }
        })
        .unwrap_or(POLLERR)
    }

    fn pollee(&self) -> Option<&dyn Pollee> {
        Some(&self.shared.ready)
    }

    fn stat(&self) -> Metadata {
        metadata(self.ino)
    }

    fn as_any(&self) -> Option<&dyn core::any::Any> {
        Some(self)
    }
}

impl Drop for SocketFile {
    fn drop(&mut self) {
        let id = self.id;
        let stream = self.stream;
        super::with(|n| {
            if stream {
                tcp::close(n, id)
            } else {
                udp::close(n, id)
            }
        });
    }
}

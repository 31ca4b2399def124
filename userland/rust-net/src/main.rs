//! rust-net: what Rust std's networking asks of the kernel (socket with SOCK_CLOEXEC,
//! accept4, setsockopt SO_REUSEADDR/TCP_NODELAY/SO_RCVTIMEO, sendto with MSG_NOSIGNAL,
//! recvfrom, shutdown, getsockname/getpeername, poll for connect_timeout), checked in-guest
//! on Keel and on Linux over 127.0.0.1.
//!
//! A TcpListener echo server on a thread per connection, several client threads at once, a
//! read timeout, nodelay, peer/local addresses, shutdown(Write) seen as end of stream,
//! connect_timeout to a closed port (refused), a write to a closed peer (BrokenPipe, no
//! SIGPIPE: std sets MSG_NOSIGNAL), non-blocking accept (WouldBlock), UDP send_to/recv_from,
//! and the same for `AF_UNIX` streams and datagrams (`unix.rs`).
//! Prints `PASS name` / `FAIL name: ...` and `N passed, N failed`; as PID 1 it powers off with
//! `reboot(2)` unless `keel_pid1_exit=1`. On Linux, start it through
//! `netserve exec /usr/lib/keel-tests/rust-net`, which brings `lo` up first.

use std::io::{ErrorKind, Read, Write};
use std::net::{Shutdown, SocketAddr, TcpListener, TcpStream, UdpSocket};
use std::thread;
use std::time::{Duration, Instant};

mod unix;

#[derive(Default)]
struct Report {
    passed: u32,
    failed: u32,
}

impl Report {
    fn check(&mut self, name: &str, ok: bool, what: impl std::fmt::Display) {
        if ok {
            self.passed += 1;
            println!("PASS {name}");
        } else {
            self.failed += 1;
            println!("FAIL {name}: expected {what}");
        }
    }
}

fn echo_server() -> std::io::Result<(SocketAddr, thread::JoinHandle<usize>)> {
    let l = TcpListener::bind("127.0.0.1:0")?;
    let addr = l.local_addr()?;
    let h = thread::spawn(move || {
        let mut served = 0;
        let mut workers = Vec::new();
        for s in l.incoming().take(9) {
            let Ok(mut s) = s else { continue };
            served += 1;
            workers.push(thread::spawn(move || {
                let mut buf = [0u8; 4096];
                loop {
                    match s.read(&mut buf) {
                        Ok(0) | Err(_) => break,
                        Ok(n) => {
                            if s.write_all(&buf[..n]).is_err() {
                                break;
                            }
                        }
                    }
                }
            }));
        }
        for w in workers {
            let _ = w.join();
        }
        served
    });
    Ok((addr, h))
}

fn main() {
    let mut r = Report::default();
    let (addr, server) = match echo_server() {
        Ok(x) => x,
        Err(e) => {
            r.check("tcp_listener_bind", false, format!("a listener, got {e}"));
            finish(r);
        }
    };
    r.check("tcp_listener_bind", true, "");
    // Eight clients at once, each with its own thread.
    let clients: Vec<_> = (0..8)
        .map(|i| {
            thread::spawn(move || -> Result<bool, String> {
                let mut s = TcpStream::connect(addr).map_err(|e| e.to_string())?;
                s.set_nodelay(true).map_err(|e| e.to_string())?;
                let msg = format!("hello from client {i}");
                let mut back = vec![0u8; msg.len()];
                for _ in 0..20 {
                    s.write_all(msg.as_bytes()).map_err(|e| e.to_string())?;
                    s.read_exact(&mut back).map_err(|e| e.to_string())?;
                    if back != msg.as_bytes() {
                        return Ok(false);
                    }
                }
                Ok(true)
            })
        })
        .collect();
    let ok = clients
        .into_iter()
        .map(|h| h.join().map(|x| x == Ok(true)).unwrap_or(false))
        .filter(|&x| x)
        .count();
    r.check("tcp_echo_8_threads_20_round_trips", ok == 8, format!("8 clients, {ok} ok"));
    // One more client: timeouts, names, shutdown.
    match TcpStream::connect(addr) {
        Ok(mut s) => {
            r.check("tcp_nodelay_roundtrip", s.set_nodelay(true).is_ok() && s.nodelay().unwrap_or(false), "nodelay on");
            let _ = s.set_read_timeout(Some(Duration::from_millis(100)));
            let t0 = Instant::now();
            let mut b = [0u8; 1];
            let e = s.read(&mut b);
            let waited = t0.elapsed();
            r.check(
                "read_timeout_would_block",
                matches!(&e, Err(e) if e.kind() == ErrorKind::WouldBlock || e.kind() == ErrorKind::TimedOut),
                format!("WouldBlock, got {e:?}"),
            );
            r.check("read_timeout_waited", waited >= Duration::from_millis(90), format!("~100 ms, waited {waited:?}"));
            r.check("peer_addr_is_server", s.peer_addr().ok() == Some(addr), "the server address");
            r.check("local_addr_is_loopback", s.local_addr().map(|a| a.ip().is_loopback()).unwrap_or(false), "127.0.0.1");
            let _ = s.set_read_timeout(None);
            let _ = s.write_all(b"last");
            let _ = s.shutdown(Shutdown::Write);
            let mut rest = Vec::new();
            let got = s.read_to_end(&mut rest);
            r.check("shutdown_write_echo_then_eof", got.is_ok() && rest == b"last", format!("\"last\" then EOF, got {got:?} {rest:?}"));
        }
        Err(e) => r.check("tcp_connect_9th", false, format!("a connection, got {e}")),
    }
    let served = server.join().unwrap_or(0);
    r.check("server_accepted_9", served == 9, format!("9 accepted, got {served}"));

    // Refused, with a timeout (non-blocking connect + poll underneath).
    let closed = TcpListener::bind("127.0.0.1:0").and_then(|l| l.local_addr());
    if let Ok(closed) = closed {
        let e = TcpStream::connect_timeout(&closed, Duration::from_secs(5));
        r.check(
            "connect_timeout_closed_port_refused",
            matches!(&e, Err(e) if e.kind() == ErrorKind::ConnectionRefused),
            format!("ConnectionRefused, got {e:?}"),
        );
    }
    // A write to a peer that closed: BrokenPipe (std sends with MSG_NOSIGNAL: no SIGPIPE).
    if let Ok(l) = TcpListener::bind("127.0.0.1:0") {
        let a = l.local_addr().ok();
        let c = a.and_then(|a| TcpStream::connect(a).ok());
        let srv = l.accept().ok();
        if let (Some(mut c), Some((s, _))) = (c, srv) {
            drop(s);
            let mut err = None;
            for _ in 0..100 {
                if let Err(e) = c.write_all(b"x") {
                    err = Some(e.kind());
                    break;
                }
                thread::sleep(Duration::from_millis(10));
            }
            r.check(
                "write_to_closed_peer_broken_pipe_or_reset",
                matches!(err, Some(ErrorKind::BrokenPipe) | Some(ErrorKind::ConnectionReset)),
                format!("BrokenPipe, got {err:?}"),
            );
        }
        let _ = l.set_nonblocking(true);
        let e = l.accept();
        r.check(
            "nonblocking_accept_would_block",
            matches!(&e, Err(e) if e.kind() == ErrorKind::WouldBlock),
            format!("WouldBlock, got {:?}", e.map(|x| x.1)),
        );
    }
    // UDP.
    match (UdpSocket::bind("127.0.0.1:0"), UdpSocket::bind("127.0.0.1:0")) {
        (Ok(a), Ok(b)) => {
            let ba = b.local_addr().ok();
            let sent = ba.map(|ba| a.send_to(b"datagram", ba));
            let mut buf = [0u8; 64];
            let _ = b.set_read_timeout(Some(Duration::from_secs(5)));
            let got = b.recv_from(&mut buf);
            r.check(
                "udp_send_to_recv_from",
                matches!(sent, Some(Ok(8))) && matches!(&got, Ok((8, from)) if Some(*from) == a.local_addr().ok()) && &buf[..8] == b"datagram",
                format!("8 bytes from the sender, got {got:?}"),
            );
        }
        _ => r.check("udp_bind", false, "two sockets"),
    }
    unix::run(&mut r);
    finish(r);
}

fn finish(r: Report) -> ! {
    println!("{} passed, {} failed", r.passed, r.failed);
    let status = if r.failed == 0 { 0 } else { 1 };
    let _ = std::io::stdout().flush();
    if std::process::id() == 1 && std::env::var("keel_pid1_exit").as_deref() != Ok("1") {
        println!("keel-test: PID 1 done (status {status}), powering off");
        let _ = std::io::stdout().flush();
        // SAFETY: sync and reboot take no pointers; as PID 1 powering off is the way to end.
        unsafe {
            libc::sync();
            libc::reboot(libc::RB_POWER_OFF);
        }
    }
    std::process::exit(status)
}

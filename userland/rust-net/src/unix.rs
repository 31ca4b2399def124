//! Rust std's `AF_UNIX` sockets: `UnixListener`/`UnixStream` with a thread per connection,
//! `UnixStream::pair`, read timeouts, non-blocking mode, shutdown, `try_clone`, names
//! (paths and abstract names through `SocketAddrExt`), and `UnixDatagram` bound, paired and
//! connected.

use std::io::{ErrorKind, Read, Write};
use std::net::Shutdown;
use std::os::linux::net::SocketAddrExt;
use std::os::unix::net::{SocketAddr, UnixDatagram, UnixListener, UnixStream};
use std::path::Path;
use std::thread;
use std::time::{Duration, Instant};

use crate::Report;

const LISTEN_PATH: &str = "/tmp/rust-net-unix.sock";
const DGRAM_PATH: &str = "/tmp/rust-net-unix.dgram";

pub fn run(r: &mut Report) {
    streams(r);
    pair(r);
    abstract_names(r);
    datagrams(r);
}

fn streams(r: &mut Report) {
    let _ = std::fs::remove_file(LISTEN_PATH);
    let l = match UnixListener::bind(LISTEN_PATH) {
        Ok(l) => l,
        Err(e) => return r.check("unix_listener_bind", false, format!("a listener, got {e}")),
    };
    r.check("unix_listener_bind", true, "");
    let name = l.local_addr().ok();
    r.check(
        "unix_listener_local_addr_is_path",
        name.as_ref().and_then(|a| a.as_pathname()) == Some(Path::new(LISTEN_PATH)),
        format!("{LISTEN_PATH}, got {name:?}"),
    );
    // An echo server, a thread per connection; six clients at once.
    let server = thread::spawn(move || {
        let mut workers = Vec::new();
        for s in l.incoming().take(6) {
            let Ok(mut s) = s else { continue };
            workers.push(thread::spawn(move || {
                let mut buf = [0u8; 8192];
                while let Ok(n @ 1..) = s.read(&mut buf) {
                    if s.write_all(&buf[..n]).is_err() {
                        break;
                    }
                }
            }));
        }
        let n = workers.len();
        for w in workers {
            let _ = w.join();
        }
        n
    });
    let clients: Vec<_> = (0..6)
        .map(|i| {
            thread::spawn(move || -> Result<bool, String> {
                let mut s = UnixStream::connect(LISTEN_PATH).map_err(|e| e.to_string())?;
                let msg: Vec<u8> = (0..3000u32).map(|k| (k * 7 + i) as u8).collect();
                let mut back = vec![0u8; msg.len()];
                for _ in 0..10 {
                    s.write_all(&msg).map_err(|e| e.to_string())?;
                    s.read_exact(&mut back).map_err(|e| e.to_string())?;
                    if back != msg {
                        return Ok(false);
                    }
                }
                let peer = s.peer_addr().map_err(|e| e.to_string())?;
                Ok(peer.as_pathname() == Some(Path::new(LISTEN_PATH)))
            })
        })
        .collect();
    let ok = clients
        .into_iter()
        .map(|h| h.join().map(|x| x == Ok(true)).unwrap_or(false))
        .filter(|&x| x)
        .count();
    r.check("unix_echo_6_threads_10_round_trips", ok == 6, format!("6 clients, {ok} ok"));
    let served = server.join().unwrap_or(0);
    r.check("unix_listener_accepted_6", served == 6, format!("6, got {served}"));
    let _ = std::fs::remove_file(LISTEN_PATH);
    let e = UnixStream::connect(LISTEN_PATH);
    r.check(
        "unix_connect_removed_path_not_found",
        matches!(&e, Err(e) if e.kind() == ErrorKind::NotFound),
        format!("NotFound, got {e:?}"),
    );
}

fn pair(r: &mut Report) {
    let Ok((mut a, mut b)) = UnixStream::pair() else {
        return r.check("unix_stream_pair", false, "a pair");
    };
    let _ = b.set_read_timeout(Some(Duration::from_millis(100)));
    let t0 = Instant::now();
    let mut one = [0u8; 1];
    let e = b.read(&mut one);
    let waited = t0.elapsed();
    r.check(
        "unix_read_timeout_would_block",
        matches!(&e, Err(e) if e.kind() == ErrorKind::WouldBlock),
        format!("WouldBlock, got {e:?}"),
    );
    r.check(
        "unix_read_timeout_waited",
        waited >= Duration::from_millis(90),
        format!("~100 ms, waited {waited:?}"),
    );
    let _ = b.set_read_timeout(None);
    // A clone shares the socket: written through one, read through the other's peer.
    let c = a.try_clone();
    let cloned = c.and_then(|mut c| c.write_all(b"via clone"));
    let mut buf = [0u8; 9];
    let got = b.read_exact(&mut buf);
    r.check(
        "unix_try_clone_writes_same_socket",
        cloned.is_ok() && got.is_ok() && &buf == b"via clone",
        format!("\"via clone\", got {cloned:?} {got:?}"),
    );
    let _ = b.set_nonblocking(true);
    let e = b.read(&mut one);
    r.check(
        "unix_nonblocking_read_would_block",
        matches!(&e, Err(e) if e.kind() == ErrorKind::WouldBlock),
        format!("WouldBlock, got {e:?}"),
    );
    let _ = b.set_nonblocking(false);
    let _ = a.write_all(b"bye");
    let _ = a.shutdown(Shutdown::Write);
    let mut rest = Vec::new();
    let got = b.read_to_end(&mut rest);
    r.check(
        "unix_shutdown_write_then_eof",
        got.is_ok() && rest == b"bye",
        format!("\"bye\" then EOF, got {got:?} {rest:?}"),
    );
    drop(b);
    let e = a.write_all(b"x");
    r.check(
        "unix_write_to_closed_peer_broken_pipe",
        matches!(&e, Err(e) if e.kind() == ErrorKind::BrokenPipe),
        format!("BrokenPipe, got {e:?}"),
    );
}

fn abstract_names(r: &mut Report) {
    let addr = match SocketAddr::from_abstract_name(b"rust-net-abstract") {
        Ok(a) => a,
        Err(e) => return r.check("unix_abstract_addr", false, format!("an address, got {e}")),
    };
    let l = UnixListener::bind_addr(&addr);
    let c = UnixStream::connect_addr(&addr);
    let s = l.as_ref().ok().map(|l| l.accept());
    let ok = match (&c, s) {
        (Ok(c), Some(Ok((mut s, _)))) => {
            let mut c = c;
            let _ = s.write_all(b"abs");
            let mut b = [0u8; 3];
            c.read_exact(&mut b).is_ok()
                && &b == b"abs"
                && c.peer_addr().ok().and_then(|a| a.as_abstract_name().map(<[u8]>::to_vec))
                    == Some(b"rust-net-abstract".to_vec())
        }
        _ => false,
    };
    r.check("unix_abstract_listener_connect_accept", ok, format!("a connection, got {c:?}"));
    drop(l);
    let e = UnixStream::connect_addr(&addr);
    r.check(
        "unix_abstract_closed_refused",
        matches!(&e, Err(e) if e.kind() == ErrorKind::ConnectionRefused),
        format!("ConnectionRefused, got {e:?}"),
    );
}

fn datagrams(r: &mut Report) {
    let _ = std::fs::remove_file(DGRAM_PATH);
    let (srv, cli) = match (UnixDatagram::bind(DGRAM_PATH), UnixDatagram::unbound()) {
        (Ok(s), Ok(c)) => (s, c),
        _ => return r.check("unix_datagram_bind", false, "two sockets"),
    };
    let sent = cli.send_to(b"first", DGRAM_PATH);
    let mut buf = [0u8; 64];
    let got = srv.recv_from(&mut buf);
    r.check(
        "unix_datagram_send_to_recv_from_unnamed",
        matches!(sent, Ok(5)) && matches!(&got, Ok((5, from)) if from.is_unnamed()) && &buf[..5] == b"first",
        format!("5 bytes from an unnamed sender, got {got:?}"),
    );
    let connected = cli.connect(DGRAM_PATH).and_then(|_| cli.send(b"second"));
    let got = srv.recv(&mut buf);
    r.check(
        "unix_datagram_connected_send",
        matches!(connected, Ok(6)) && matches!(got, Ok(6)),
        format!("6 bytes, got {connected:?} {got:?}"),
    );
    let _ = srv.set_read_timeout(Some(Duration::from_millis(50)));
    let e = srv.recv(&mut buf);
    r.check(
        "unix_datagram_read_timeout_would_block",
        matches!(&e, Err(e) if e.kind() == ErrorKind::WouldBlock),
        format!("WouldBlock, got {e:?}"),
    );
    drop(srv);
    let _ = std::fs::remove_file(DGRAM_PATH);
    let e = cli.send(b"gone");
    r.check(
        "unix_datagram_send_to_closed_refused",
        matches!(&e, Err(e) if e.kind() == ErrorKind::ConnectionRefused),
        format!("ConnectionRefused, got {e:?}"),
    );
    match UnixDatagram::pair() {
        Ok((a, b)) => {
            let big = vec![0x5au8; 60000];
            let s = a.send(&big);
            let mut back = vec![0u8; 70000];
            let g = b.recv(&mut back);
            r.check(
                "unix_datagram_pair_60000_byte_message",
                matches!(s, Ok(60000)) && matches!(g, Ok(60000)) && back[..60000] == big[..],
                format!("60000 bytes whole, got {s:?} {g:?}"),
            );
        }
        Err(e) => r.check("unix_datagram_pair", false, format!("a pair, got {e}")),
    }
}

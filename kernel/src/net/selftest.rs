//! Boot self-tests of the network stack, one per lesson of DESIGN.md section 6 that can be
//! checked inside the kernel: the port allocator, loopback that never reaches the NIC (over
//! 127.0.0.1 and over the primary address), connects that complete at once (neighbour cache
//! pre-filled), a full backlog that drops a SYN instead of refusing it, and the first
//! `Deconfigured` of a new DHCP socket. Registered in `selftest::TESTS`.

use alloc::string::String;
use alloc::sync::Arc;
use alloc::vec::Vec;

use keel_abi::Errno;
use keel_net::addr::ConnectTarget;
use keel_net::ports::{EPHEMERAL_FIRST, EPHEMERAL_LAST};
use keel_net::SockAddrIn;
use keel_vfs::consts::{O_NONBLOCK, O_RDWR};
use keel_vfs::OpenFile;

use super::socket::SocketFile;
use crate::ensure;
use crate::selftest::Test;

pub const TESTS: &[Test] = &[
    Test {
        name: "net_port_zero_binds_distinct_ephemeral_ports_returned_on_close",
        run: ports,
    },
    Test {
        name: "net_loopback_127_connects_at_once_without_touching_the_nic",
        run: loopback_127,
    },
    Test {
        name: "net_loopback_primary_address_connects_without_touching_the_nic",
        run: loopback_primary,
    },
    Test {
        name: "net_full_backlog_drops_syn_silently",
        run: backlog_drops,
    },
    Test {
        name: "net_first_deconfigured_of_new_dhcp_socket_removes_nothing",
        run: first_deconfigured,
    },
    Test {
        name: "net_malformed_and_truncated_frames_leave_the_stack_serving",
        run: malformed_frames,
    },
    Test {
        name: "net_idle_interface_is_polled_by_deadline_not_in_a_loop",
        run: idle_not_busy,
    },
    Test {
        name: "net_tcp_buffers_are_64k_acks_undelayed_and_nodelay_turns_nagle_off",
        run: buffers_and_nodelay,
    },
];

fn open(stream: bool) -> Result<(Arc<SocketFile>, Arc<OpenFile>), String> {
    let s = SocketFile::create(stream).map_err(|e| alloc::format!("socket: {e:?}"))?;
    let f = OpenFile::new(s.clone(), None, O_RDWR | O_NONBLOCK);
    Ok((s, f))
}

fn ports() -> Result<(), String> {
    let mut seen = Vec::new();
    let mut keep = Vec::new();
    for _ in 0..20 {
        let (s, f) = open(true)?;
        s.bind(SockAddrIn::new([127, 0, 0, 1], 0))
            .map_err(|e| alloc::format!("bind port 0: {e:?}"))?;
        let p = s.local_addr().map_err(|e| alloc::format!("{e:?}"))?.port;
        ensure!(
            (EPHEMERAL_FIRST..=EPHEMERAL_LAST).contains(&p),
            "ephemeral port {p} outside 49152-65535"
        );
        ensure!(!seen.contains(&p), "port {p} handed out twice");
        seen.push(p);
        keep.push((s, f));
    }
    let (s2, _f2) = open(true)?;
    let taken = seen[0];
    ensure!(
        s2.bind(SockAddrIn::new([127, 0, 0, 1], taken)) == Err(Errno::EADDRINUSE),
        "binding port {taken} in use is not EADDRINUSE"
    );
    drop(keep);
    let (s3, _f3) = open(true)?;
    ensure!(
        s3.bind(SockAddrIn::new([127, 0, 0, 1], taken)).is_ok(),
        "port {taken} did not return to the pool on close"
    );
    Ok(())
}

/// Connects a client to a listener on `addr` inside the kernel and moves a few bytes both
/// ways; the NIC's transmit counter must not move, and the connect must be done when the
/// connect call returns (everything loops back within one poll).
fn loopback(addr: [u8; 4]) -> Result<(), String> {
    let (nic_before, _, looped_before) = super::counters();
    let (ls, lf) = open(true)?;
    ls.bind(SockAddrIn::new(addr, 0))
        .map_err(|e| alloc::format!("bind: {e:?}"))?;
    ls.listen(4).map_err(|e| alloc::format!("listen: {e:?}"))?;
    let port = ls.local_addr().map_err(|e| alloc::format!("{e:?}"))?.port;
    let (cs, cf) = open(true)?;
    let r = cs.connect(&cf, ConnectTarget::Peer(SockAddrIn::new(addr, port)));
    ensure!(
        r == Err(Errno::EINPROGRESS),
        "non-blocking connect returned {r:?}"
    );
    // The handshake ran inside that call's poll: connecting again reports success.
    let r = cs.connect(&cf, ConnectTarget::Peer(SockAddrIn::new(addr, port)));
    ensure!(
        r.is_ok(),
        "connect did not complete at once: {r:?} (neighbour cache not pre-filled?)"
    );
    let (ss, peer) = ls
        .accept(&lf)
        .map_err(|e| alloc::format!("accept: {e:?}"))?;
    let me = cs.local_addr().map_err(|e| alloc::format!("{e:?}"))?;
    ensure!(
        peer == me,
        "accept's peer {peer:?} is not the client {me:?}"
    );
    let sf = OpenFile::new(ss.clone(), None, O_RDWR | O_NONBLOCK);
    let n = cs
        .send(&cf, b"ping", 0, None)
        .map_err(|e| alloc::format!("send: {e:?}"))?;
    ensure!(n == 4, "sent {n} of 4 bytes");
    let mut buf = [0u8; 16];
    let (k, _, _) = ss
        .recv(&sf, &mut buf, 0)
        .map_err(|e| alloc::format!("recv: {e:?}"))?;
    ensure!(&buf[..k] == b"ping", "server got {:?}", &buf[..k]);
    drop((cs, cf));
    let (k, _, _) = ss
        .recv(&sf, &mut buf, 0)
        .map_err(|e| alloc::format!("recv after close: {e:?}"))?;
    ensure!(
        k == 0,
        "no end of stream after the client's close (got {k} bytes)"
    );
    let (nic_after, _, looped_after) = super::counters();
    ensure!(
        nic_after == nic_before,
        "loopback traffic reached the NIC: {} frames",
        nic_after - nic_before
    );
    ensure!(
        looped_after > looped_before,
        "nothing went through the loopback queue"
    );
    Ok(())
}

fn loopback_127() -> Result<(), String> {
    loopback([127, 0, 0, 1])
}

fn loopback_primary() -> Result<(), String> {
    let primary = super::peek(|n| n.dhcp.current().addr);
    loopback(primary)
}

fn backlog_drops() -> Result<(), String> {
    let (ls, _lf) = open(true)?;
    ls.bind(SockAddrIn::new([127, 0, 0, 1], 0))
        .map_err(|e| alloc::format!("bind: {e:?}"))?;
    ls.listen(0).map_err(|e| alloc::format!("listen: {e:?}"))?;
    let port = ls.local_addr().map_err(|e| alloc::format!("{e:?}"))?.port;
    let to = ConnectTarget::Peer(SockAddrIn::new([127, 0, 0, 1], port));
    // Backlog 0 takes one connection, as on Linux.
    let (c1, f1) = open(true)?;
    let _ = c1.connect(&f1, to);
    ensure!(
        c1.connect(&f1, to).is_ok(),
        "the first connection was not taken"
    );
    // The second SYN finds the queue full: no answer, so the client keeps connecting.
    let (c2, f2) = open(true)?;
    let _ = c2.connect(&f2, to);
    let r = c2.connect(&f2, to);
    ensure!(
        r == Err(Errno::EALREADY),
        "a SYN to a full backlog got {r:?}, not silence (a reset would be ECONNREFUSED)"
    );
    Ok(())
}

fn first_deconfigured() -> Result<(), String> {
    use smoltcp::socket::dhcpv4;
    super::with(|n| {
        let before: Vec<_> = n.iface.ip_addrs().to_vec();
        let h = n.sockets.add(dhcpv4::Socket::new());
        // smoltcp's fact (DESIGN.md section 6, lesson 5): a new socket's first event.
        let ev = matches!(
            n.sockets.get_mut::<dhcpv4::Socket>(h).poll(),
            Some(dhcpv4::Event::Deconfigured)
        );
        n.sockets.remove(h);
        ensure!(ev, "a new DHCP socket's first event is not Deconfigured");
        // What the plan makes of it: nothing.
        let mut plan = keel_net::dhcp::AddrPlan::new();
        ensure!(
            plan.on_event(keel_net::dhcp::DhcpEvent::Deconfigured)
                .is_none(),
            "the first Deconfigured would change the addresses"
        );
        ensure!(
            n.iface.ip_addrs() == &before[..],
            "addresses changed: {before:?} -> {:?}",
            n.iface.ip_addrs()
        );
        Ok(())
    })
}

/// Feeds hostile frames through the receive path (the listen filter, then smoltcp): empty,
/// truncated at every layer, lying length fields, SYNs with impossible header lengths to a
/// listening port, and random bytes addressed to us. Nothing may panic, and a loopback
/// connection must still work afterwards.
fn malformed_frames() -> Result<(), String> {
    let (ls, lf) = open(true)?;
    ls.bind(SockAddrIn::new([127, 0, 0, 1], 0))
        .map_err(|e| alloc::format!("bind: {e:?}"))?;
    ls.listen(4).map_err(|e| alloc::format!("listen: {e:?}"))?;
    let port = ls.local_addr().map_err(|e| alloc::format!("{e:?}"))?.port;
    let (mac, local) = super::peek(|n| (n.dev.mac(), n.dhcp.current().addr));
    // A well-formed SYN to the listener, to be cut and corrupted.
    let mut syn = Vec::new();
    syn.extend_from_slice(&mac);
    syn.extend_from_slice(&[0x02, 0, 0, 0, 0, 9]);
    syn.extend_from_slice(&[0x08, 0x00]);
    let ip_start = syn.len();
    syn.extend_from_slice(&[0x45, 0, 0, 40, 0, 1, 0x40, 0, 64, 6, 0, 0]);
    syn.extend_from_slice(&[10, 0, 2, 2]);
    syn.extend_from_slice(&local);
    syn.extend_from_slice(&4321u16.to_be_bytes());
    syn.extend_from_slice(&port.to_be_bytes());
    syn.extend_from_slice(&[0, 0, 0, 1, 0, 0, 0, 0, 0x50, 0x02, 0xff, 0xff, 0, 0, 0, 0]);
    let mut frames: Vec<Vec<u8>> = Vec::new();
    for cut in 0..syn.len() {
        frames.push(syn[..cut].to_vec());
    }
    for (off, val) in [
        (ip_start, 0x4f),      // IHL 60 bytes in a 40-byte packet
        (ip_start, 0x40),      // IHL 0
        (ip_start + 3, 0xff),  // total length past the frame
        (ip_start + 3, 0x00),  // total length 0
        (ip_start + 6, 0x3f),  // a fragment
        (ip_start + 32, 0xf0), // TCP data offset 60 bytes
        (ip_start + 32, 0x10), // TCP data offset 4 bytes
        (12, 0x86),            // an EtherType we do not speak
    ] {
        let mut f = syn.clone();
        f[off] = val;
        frames.push(f);
    }
    let mut seed = 0x9e37_79b9_7f4a_7c15u64;
    for i in 0..300 {
        let len = (i * 37) % 1600;
        let mut f = alloc::vec![0u8; len];
        for b in f.iter_mut() {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            *b = seed as u8;
        }
        if len >= 14 {
            f[..6].copy_from_slice(&mac);
            f[12] = 0x08;
            f[13] = if i % 3 == 0 { 0x06 } else { 0x00 };
        }
        frames.push(f);
    }
    let count = frames.len();
    super::with(|n| {
        for f in frames {
            n.dev.inject(f);
        }
    });
    // Still serving: a loopback connection and its data.
    let (cs, cf) = open(true)?;
    let to = ConnectTarget::Peer(SockAddrIn::new([127, 0, 0, 1], port));
    let _ = cs.connect(&cf, to);
    ensure!(
        cs.connect(&cf, to).is_ok(),
        "no connection after {count} hostile frames"
    );
    let (ss, _) = ls
        .accept(&lf)
        .map_err(|e| alloc::format!("accept after hostile frames: {e:?}"))?;
    drop(ss);
    Ok(())
}

/// With sockets open but nothing happening, the interface is polled only at smoltcp's
/// deadlines (and by interrupts), not in a loop: over 100 ms far fewer than the 100 polls a
/// per-tick poll would make.
fn idle_not_busy() -> Result<(), String> {
    let (ls, _lf) = open(true)?;
    ls.bind(SockAddrIn::new([127, 0, 0, 1], 0))
        .map_err(|e| alloc::format!("bind: {e:?}"))?;
    ls.listen(4).map_err(|e| alloc::format!("listen: {e:?}"))?;
    let before = super::peek(|n| n.polls);
    let _ = crate::sched::waitqueue::sleep_until(crate::time::monotonic_ns() + 100_000_000);
    let polls = super::peek(|n| n.polls) - before;
    ensure!(polls < 20, "{polls} interface polls in 100 ms of idleness");
    Ok(())
}

/// DESIGN.md section 6, lesson 7: 64 KiB buffers at least, no delayed ACKs, and
/// `TCP_NODELAY` really turns Nagle off on the live connection.
fn buffers_and_nodelay() -> Result<(), String> {
    use smoltcp::socket::tcp;
    let (ls, _lf) = open(true)?;
    ls.bind(SockAddrIn::new([127, 0, 0, 1], 0))
        .map_err(|e| alloc::format!("bind: {e:?}"))?;
    ls.listen(1).map_err(|e| alloc::format!("listen: {e:?}"))?;
    let port = ls.local_addr().map_err(|e| alloc::format!("{e:?}"))?.port;
    let (cs, cf) = open(true)?;
    let _ = cs.connect(
        &cf,
        ConnectTarget::Peer(SockAddrIn::new([127, 0, 0, 1], port)),
    );
    let one = 1i32.to_ne_bytes();
    cs.setsockopt(
        keel_net::consts::SOL_TCP,
        keel_net::consts::TCP_NODELAY,
        &one,
    )
    .map_err(|e| alloc::format!("TCP_NODELAY: {e:?}"))?;
    let id = cs.id();
    super::peek(|n| {
        let Some(super::socket::Sock::Tcp(t)) = n.socks.get(&id) else {
            return Err(alloc::format!("socket {id} has no TCP state"));
        };
        let h = match t.state {
            super::tcp::State::Connecting(h) | super::tcp::State::Connected { handle: h, .. } => h,
            _ => return Err(String::from("the client is not connecting or connected")),
        };
        let s = n.sockets.get::<tcp::Socket>(h);
        ensure!(
            s.recv_capacity() >= 65536 && s.send_capacity() >= 65536,
            "buffers {} / {} bytes, below 64 KiB",
            s.recv_capacity(),
            s.send_capacity()
        );
        ensure!(
            s.ack_delay().is_none(),
            "ACKs are delayed by {:?}",
            s.ack_delay()
        );
        ensure!(!s.nagle_enabled(), "Nagle is still on after TCP_NODELAY");
        Ok(())
    })
}

//! The port table: ephemeral ports, EADDRINUSE and SO_REUSEADDR as Linux decides them.
use std::collections::HashSet;

use keel_abi::Errno;
use keel_net::ports::{EPHEMERAL_FIRST, EPHEMERAL_LAST};
use keel_net::{PortTable, Proto};

const ANY: [u8; 4] = [0, 0, 0, 0];
const LO: [u8; 4] = [127, 0, 0, 1];
const ETH: [u8; 4] = [10, 0, 2, 15];

#[test]
fn bind_with_port_zero_gets_ephemeral_port() {
    let mut t = PortTable::new();
    let p = t.bind(Proto::Tcp, ANY, 0, false, 1).unwrap();
    assert!(
        (EPHEMERAL_FIRST..=EPHEMERAL_LAST).contains(&p),
        "port {p} is outside 49152-65535"
    );
    assert!(t.in_use(Proto::Tcp, p), "the ephemeral port is recorded");
}

#[test]
fn connect_with_port_zero_gets_ephemeral_port() {
    // connect on an unbound socket binds like bind(INADDR_ANY:0) with the route's source.
    let mut t = PortTable::new();
    let p = t.bind(Proto::Tcp, LO, 0, false, 7).unwrap();
    assert!(p >= EPHEMERAL_FIRST, "connect got a non-ephemeral port {p}");
}

#[test]
fn a_thousand_sequential_ephemeral_ports_are_distinct_even_when_released() {
    let mut t = PortTable::new();
    let mut seen = HashSet::new();
    for id in 0..1000u64 {
        let p = t.bind(Proto::Tcp, LO, 0, false, id).unwrap();
        assert!(seen.insert(p), "port {p} handed out twice");
        t.release(Proto::Tcp, p, id);
    }
}

#[test]
fn ephemeral_port_never_one_in_use() {
    let mut t = PortTable::new();
    // Hold the first ten ephemeral ports explicitly.
    for i in 0..10u16 {
        t.bind(Proto::Tcp, ANY, EPHEMERAL_FIRST + i, false, 100 + i as u64)
            .unwrap();
    }
    let p = t.bind(Proto::Tcp, ANY, 0, false, 1).unwrap();
    assert_eq!(p, EPHEMERAL_FIRST + 10, "skips the ports in use");
}

#[test]
fn ephemeral_search_wraps_around() {
    let mut t = PortTable::new();
    let mut last = 0;
    for id in 0..=(EPHEMERAL_LAST - EPHEMERAL_FIRST) as u64 {
        last = t.bind(Proto::Udp, ANY, 0, false, id).unwrap();
        t.release(Proto::Udp, last, id);
    }
    assert_eq!(last, EPHEMERAL_LAST);
    let p = t.bind(Proto::Udp, ANY, 0, false, 99_999).unwrap();
    assert_eq!(
        p, EPHEMERAL_FIRST,
        "after the last port the search starts over"
    );
}

#[test]
fn exhausted_ephemeral_range_is_eaddrinuse() {
    let mut t = PortTable::new();
    for id in 0..=(EPHEMERAL_LAST - EPHEMERAL_FIRST) as u64 {
        t.bind(Proto::Udp, ANY, 0, false, id).unwrap();
    }
    assert_eq!(
        t.bind(Proto::Udp, ANY, 0, false, 1 << 40),
        Err(Errno::EADDRINUSE)
    );
}

#[test]
fn binding_a_port_in_use_is_eaddrinuse() {
    let mut t = PortTable::new();
    t.bind(Proto::Tcp, ANY, 8080, false, 1).unwrap();
    assert_eq!(
        t.bind(Proto::Tcp, LO, 8080, false, 2),
        Err(Errno::EADDRINUSE)
    );
    assert_eq!(
        t.bind(Proto::Tcp, ANY, 8080, false, 3),
        Err(Errno::EADDRINUSE)
    );
}

#[test]
fn distinct_addresses_share_a_port() {
    let mut t = PortTable::new();
    t.bind(Proto::Tcp, LO, 8080, false, 1).unwrap();
    assert_eq!(t.bind(Proto::Tcp, ETH, 8080, false, 2), Ok(8080));
    assert_eq!(
        t.bind(Proto::Tcp, ANY, 8080, false, 3),
        Err(Errno::EADDRINUSE),
        "INADDR_ANY overlaps both"
    );
}

#[test]
fn tcp_and_udp_ports_are_separate() {
    let mut t = PortTable::new();
    t.bind(Proto::Tcp, ANY, 53, false, 1).unwrap();
    assert_eq!(t.bind(Proto::Udp, ANY, 53, false, 2), Ok(53));
}

#[test]
fn reuseaddr_on_both_allows_binding_but_only_one_listener() {
    let mut t = PortTable::new();
    t.bind(Proto::Tcp, ANY, 9000, true, 1).unwrap();
    assert_eq!(t.bind(Proto::Tcp, ANY, 9000, true, 2), Ok(9000));
    t.listen(Proto::Tcp, 9000, 1).unwrap();
    assert_eq!(t.listen(Proto::Tcp, 9000, 2), Err(Errno::EADDRINUSE));
    assert_eq!(
        t.bind(Proto::Tcp, ANY, 9000, true, 3),
        Err(Errno::EADDRINUSE),
        "a listening socket holds its port even against SO_REUSEADDR"
    );
}

#[test]
fn reuseaddr_on_one_side_only_is_eaddrinuse() {
    let mut t = PortTable::new();
    t.bind(Proto::Tcp, ANY, 9001, false, 1).unwrap();
    assert_eq!(
        t.bind(Proto::Tcp, ANY, 9001, true, 2),
        Err(Errno::EADDRINUSE)
    );
}

#[test]
fn closed_connection_in_time_wait_yields_to_reuseaddr_only() {
    let mut t = PortTable::new();
    t.bind(Proto::Tcp, ANY, 8081, false, 1).unwrap();
    t.listen(Proto::Tcp, 8081, 1).unwrap();
    t.linger(Proto::Tcp, 8081, 1);
    assert_eq!(
        t.bind(Proto::Tcp, ANY, 8081, false, 2),
        Err(Errno::EADDRINUSE)
    );
    assert_eq!(t.bind(Proto::Tcp, ANY, 8081, true, 3), Ok(8081));
}

#[test]
fn ports_return_to_the_pool_on_release() {
    let mut t = PortTable::new();
    t.bind(Proto::Tcp, ANY, 7000, false, 1).unwrap();
    t.release(Proto::Tcp, 7000, 1);
    assert!(!t.in_use(Proto::Tcp, 7000));
    assert!(t.is_empty());
    assert_eq!(t.bind(Proto::Tcp, ANY, 7000, false, 2), Ok(7000));
}

#[test]
fn udp_reuseaddr_lets_two_sockets_share() {
    let mut t = PortTable::new();
    t.bind(Proto::Udp, ANY, 5353, true, 1).unwrap();
    assert_eq!(t.bind(Proto::Udp, ANY, 5353, true, 2), Ok(5353));
    assert_eq!(t.len(), 2);
}

#[test]
fn accepted_connection_keeps_the_port_busy_after_its_listener_closes() {
    let mut t = PortTable::new();
    t.bind(Proto::Tcp, ANY, 8082, false, 1).unwrap();
    t.listen(Proto::Tcp, 8082, 1).unwrap();
    t.attach(Proto::Tcp, LO, 8082, false, 2);
    t.release(Proto::Tcp, 8082, 1);
    assert_eq!(
        t.bind(Proto::Tcp, ANY, 8082, false, 3),
        Err(Errno::EADDRINUSE)
    );
    t.release(Proto::Tcp, 8082, 2);
    assert_eq!(t.bind(Proto::Tcp, ANY, 8082, false, 3), Ok(8082));
}

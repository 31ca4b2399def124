//! sockaddr_in decoding with Linux's errno for each call, and option values.
use keel_abi::Errno;
use keel_net::addr::{copy_len, ConnectTarget, SOCKADDR_IN_LEN};
use keel_net::consts::*;
use keel_net::sockopt::{self, Opt};
use keel_net::SockAddrIn;

fn sin(family: u16, addr: [u8; 4], port: u16) -> [u8; 16] {
    let mut b = [0u8; 16];
    b[0..2].copy_from_slice(&family.to_ne_bytes());
    b[2..4].copy_from_slice(&port.to_be_bytes());
    b[4..8].copy_from_slice(&addr);
    b
}

#[test]
fn sockaddr_in_round_trips() {
    let a = SockAddrIn::new([127, 0, 0, 1], 8080);
    assert_eq!(SockAddrIn::for_bind(&a.encode()), Ok(a));
}

#[test]
fn short_address_is_einval() {
    assert_eq!(SockAddrIn::for_bind(&[2, 0, 0, 80]), Err(Errno::EINVAL));
    assert_eq!(SockAddrIn::for_connect(&[2]), Err(Errno::EINVAL));
    assert_eq!(SockAddrIn::for_connect(&[2, 0, 0, 80]), Err(Errno::EINVAL));
}

#[test]
fn foreign_family_is_eafnosupport() {
    assert_eq!(
        SockAddrIn::for_bind(&sin(AF_INET6, [0; 4], 80)),
        Err(Errno::EAFNOSUPPORT)
    );
    assert_eq!(
        SockAddrIn::for_connect(&sin(AF_UNIX, [127, 0, 0, 1], 80)),
        Err(Errno::EAFNOSUPPORT)
    );
}

#[test]
fn bind_accepts_af_unspec_only_with_inaddr_any() {
    assert!(SockAddrIn::for_bind(&sin(AF_UNSPEC, [0; 4], 80)).is_ok());
    assert_eq!(
        SockAddrIn::for_bind(&sin(AF_UNSPEC, [127, 0, 0, 1], 80)),
        Err(Errno::EAFNOSUPPORT)
    );
}

#[test]
fn connect_with_af_unspec_disconnects() {
    assert_eq!(
        SockAddrIn::for_connect(&AF_UNSPEC.to_ne_bytes()),
        Ok(ConnectTarget::Disconnect)
    );
}

#[test]
fn reported_address_length_is_always_sixteen() {
    assert_eq!(copy_len(4, SOCKADDR_IN_LEN), Ok((4, 16)));
    assert_eq!(copy_len(100, SOCKADDR_IN_LEN), Ok((16, 16)));
    assert_eq!(copy_len(-1, SOCKADDR_IN_LEN), Err(Errno::EINVAL));
}

#[test]
fn ipv6_options_on_an_ipv4_socket_are_enoprotoopt() {
    assert_eq!(
        sockopt::classify(IPPROTO_IPV6, 67, true),
        Err(Errno::ENOPROTOOPT)
    );
}

#[test]
fn tcp_options_on_a_udp_socket_are_enoprotoopt() {
    assert_eq!(
        sockopt::classify(SOL_TCP, TCP_NODELAY, false),
        Err(Errno::ENOPROTOOPT)
    );
    assert_eq!(
        sockopt::classify(SOL_TCP, TCP_NODELAY, true),
        Ok(Opt::NoDelay)
    );
}

#[test]
fn unknown_socket_option_is_enoprotoopt() {
    assert_eq!(
        sockopt::classify(SOL_SOCKET, 9999, true),
        Err(Errno::ENOPROTOOPT)
    );
}

#[test]
fn buffer_sizes_are_reported_doubled_as_linux_does() {
    assert_eq!(sockopt::buffer_reported(32768, true), 65536);
    assert_eq!(sockopt::buffer_reported(1, true), sockopt::MIN_RCVBUF);
    assert_eq!(
        sockopt::buffer_reported(i32::MAX, false),
        2 * sockopt::BUF_MAX
    );
}

#[test]
fn timeval_with_bad_microseconds_is_edom() {
    let mut b = [0u8; 16];
    b[8..16].copy_from_slice(&1_000_000i64.to_ne_bytes());
    assert_eq!(sockopt::timeout_value(&b), Err(Errno::EDOM));
    assert_eq!(sockopt::timeout_value(&b[..8]), Err(Errno::EINVAL));
}

#[test]
fn zero_timeval_means_no_timeout_and_round_trips() {
    assert_eq!(sockopt::timeout_value(&[0u8; 16]), Ok(None));
    let t = sockopt::timeout_bytes(Some(1_500_000_000));
    assert_eq!(sockopt::timeout_value(&t), Ok(Some(1_500_000_000)));
}

#[test]
fn short_int_option_is_einval() {
    assert_eq!(sockopt::int_value(&[1, 0]), Err(Errno::EINVAL));
    assert_eq!(sockopt::int_value(&1i32.to_ne_bytes()), Ok(1));
}

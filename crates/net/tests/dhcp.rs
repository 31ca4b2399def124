//! The address plan: static fallback, DHCP lease, lease lost, and the first Deconfigured.
use keel_net::dhcp::{changes_interface, AddrPlan, DhcpEvent, Source, FALLBACK};

const LEASE: DhcpEvent = DhcpEvent::Configured {
    addr: [10, 0, 2, 16],
    prefix: 24,
    router: Some([10, 0, 2, 2]),
};

#[test]
fn boot_holds_the_static_fallback() {
    let p = AddrPlan::new();
    assert_eq!(p.current(), FALLBACK);
    assert_eq!(p.current().addr, [10, 0, 2, 15]);
}

#[test]
fn first_deconfigured_of_a_new_dhcp_socket_removes_nothing() {
    let mut p = AddrPlan::new();
    assert_eq!(
        p.on_event(DhcpEvent::Deconfigured),
        None,
        "fallback must stay"
    );
    assert_eq!(p.current(), FALLBACK);
}

#[test]
fn a_lease_replaces_the_fallback() {
    let mut p = AddrPlan::new();
    p.on_event(DhcpEvent::Deconfigured);
    let c = p.on_event(LEASE).expect("the lease is applied");
    assert_eq!(c.addr, [10, 0, 2, 16]);
    assert_eq!(c.source, Source::Lease);
}

#[test]
fn losing_the_lease_restores_the_fallback() {
    let mut p = AddrPlan::new();
    p.on_event(DhcpEvent::Deconfigured);
    p.on_event(LEASE);
    assert_eq!(p.on_event(DhcpEvent::Deconfigured), Some(FALLBACK));
}

#[test]
fn a_new_socket_gets_its_first_deconfigured_forgiven_again() {
    let mut p = AddrPlan::new();
    p.on_event(DhcpEvent::Deconfigured);
    p.on_event(LEASE);
    p.new_socket();
    assert_eq!(p.on_event(DhcpEvent::Deconfigured), None);
    assert_eq!(p.current().addr, [10, 0, 2, 16], "the lease stays");
}

#[test]
fn the_same_lease_twice_changes_nothing() {
    let mut p = AddrPlan::new();
    p.on_event(LEASE);
    assert_eq!(p.on_event(LEASE), None);
}

#[test]
fn a_lease_of_the_fallback_address_keeps_the_interface() {
    let mut p = AddrPlan::new();
    let same = DhcpEvent::Configured {
        addr: [10, 0, 2, 15],
        prefix: 24,
        router: Some([10, 0, 2, 2]),
    };
    let c = p.on_event(same).expect("the source changes");
    assert_eq!(c.source, Source::Lease);
    assert!(
        !changes_interface(&FALLBACK, &c),
        "no address change, no socket loss"
    );
}

//! Addresses of the one interface: the static fallback, DHCP, and 127.0.0.1/8.
//!
//! The decisions are `keel_net::dhcp::AddrPlan`'s (host-tested): 10.0.2.15/24 via 10.0.2.2
//! from boot, a lease replaces it, a lost lease restores it, and the first `Deconfigured` of
//! a new DHCPv4 socket removes nothing (DESIGN.md section 6, lesson 5). This file applies
//! them: the interface's address list is always [primary, 127.0.0.1/8] (primary first, so
//! smoltcp's source choice for foreign destinations is the primary), the default route
//! follows the router, the device adapter's local list follows the addresses and the
//! neighbour cache is pre-filled again (changing addresses flushes it). Every change is
//! logged on the console.

use keel_net::dhcp::{changes_interface, AddrPlan, DhcpEvent, Ipv4Config, Source};
use smoltcp::iface::{Interface, SocketHandle, SocketSet};
use smoltcp::socket::dhcpv4;
use smoltcp::wire::{IpCidr, Ipv4Address, Ipv4Cidr};

use super::device::Adapter;

/// 127.0.0.1/8.
pub const LOOPBACK: Ipv4Cidr = Ipv4Cidr::new(Ipv4Address::new(127, 0, 0, 1), 8);
/// How often the pre-filled neighbour entries are renewed (smoltcp keeps them 60 s).
const PREFILL_EVERY_NS: u64 = 50_000_000_000;

/// The address plan and the DHCP socket.
pub struct Plan {
    plan: AddrPlan,
    socket: Option<SocketHandle>,
    prefill_due_ns: u64,
}

fn ip(a: [u8; 4]) -> Ipv4Address {
    Ipv4Address::new(a[0], a[1], a[2], a[3])
}

impl Plan {
    /// Nothing applied yet.
    pub fn new() -> Self {
        Plan {
            plan: AddrPlan::new(),
            socket: None,
            prefill_due_ns: 0,
        }
    }

    /// Applies the fallback and, if `dhcp`, adds a DHCPv4 socket.
    pub fn start(
        &mut self,
        iface: &mut Interface,
        sockets: &mut SocketSet<'static>,
        dev: &mut Adapter,
        dhcp: bool,
    ) {
        let c = self.plan.current();
        apply(iface, dev, &c);
        crate::println!("{}", describe(&c));
        self.prefill_due_ns = crate::time::monotonic_ns() + PREFILL_EVERY_NS;
        if dhcp {
            self.socket = Some(sockets.add(dhcpv4::Socket::new()));
            self.plan.new_socket();
        }
    }

    /// The configuration in force.
    pub fn current(&self) -> Ipv4Config {
        self.plan.current()
    }

    /// Renews the pre-filled neighbour entries when due (before a poll).
    pub fn before_poll(&mut self, dev: &mut Adapter) {
        let now = crate::time::monotonic_ns();
        if now >= self.prefill_due_ns {
            dev.prefill_neighbors();
            self.prefill_due_ns = now + PREFILL_EVERY_NS;
        }
    }

    /// When the pre-filled entries must be renewed.
    pub fn deadline_ns(&self) -> Option<u64> {
        Some(self.prefill_due_ns)
    }

    /// Takes the DHCP socket's event, if any, and applies what the plan decides.
    pub fn after_poll(
        &mut self,
        iface: &mut Interface,
        sockets: &mut SocketSet<'static>,
        dev: &mut Adapter,
    ) {
        let Some(h) = self.socket else { return };
        let ev = match sockets.get_mut::<dhcpv4::Socket>(h).poll() {
            None => return,
            Some(dhcpv4::Event::Configured(c)) => DhcpEvent::Configured {
                addr: c.address.address().octets(),
                prefix: c.address.prefix_len(),
                router: c.router.map(|r| r.octets()),
            },
            Some(dhcpv4::Event::Deconfigured) => DhcpEvent::Deconfigured,
        };
        let prev = self.plan.current();
        match self.plan.on_event(ev) {
            Some(next) => {
                if changes_interface(&prev, &next) {
                    apply(iface, dev, &next);
                }
                crate::println!("{}", describe(&next));
            }
            None if ev == DhcpEvent::Deconfigured => {
                log::info!("net: DHCP starting (its first Deconfigured changes nothing)");
            }
            None => {}
        }
    }
}

fn describe(c: &Ipv4Config) -> alloc::string::String {
    let how = match c.source {
        Source::Fallback => "static fallback",
        Source::Lease => "DHCP lease",
    };
    let via = c
        .router
        .map(|r| alloc::format!(" via {}", ip(r)))
        .unwrap_or_default();
    alloc::format!("net: address {}/{}{via} ({how})", ip(c.addr), c.prefix)
}

/// Puts `c` on the interface: [primary, loopback], the default route, the adapter's local
/// list and fresh neighbour entries.
pub fn apply(iface: &mut Interface, dev: &mut Adapter, c: &Ipv4Config) {
    let primary = Ipv4Cidr::new(ip(c.addr), c.prefix);
    iface.update_ip_addrs(|addrs| {
        addrs.clear();
        // The capacity is four (iface-max-addr-count-4): two always fit.
        let _ = addrs.push(IpCidr::Ipv4(primary));
        let _ = addrs.push(IpCidr::Ipv4(LOOPBACK));
    });
    iface.routes_mut().remove_default_ipv4_route();
    if let Some(r) = c.router {
        if iface.routes_mut().add_default_ipv4_route(ip(r)).is_err() {
            log::warn!("net: no room for the default route");
        }
    }
    dev.set_local(&[primary.address(), LOOPBACK.address()]);
    dev.prefill_neighbors();
}

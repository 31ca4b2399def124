//! The address plan: which IPv4 address the interface holds, decided from DHCP events.
//!
//! At boot the interface gets the static 10.0.2.15/24 via 10.0.2.2 (QEMU's user network),
//! so it is never without an address (smoltcp 0.13+ closes TCP sockets whose local address
//! disappears). A DHCP lease replaces it when one arrives; losing the lease restores the
//! fallback. A fresh DHCPv4 socket reports `Deconfigured` on its very first poll (DESIGN.md
//! section 6, lesson 5, verified by running smoltcp): that event means "nothing configured
//! yet", so it must not remove the fallback.

/// An IPv4 configuration: address, prefix length, default router.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Ipv4Config {
    /// The address.
    pub addr: [u8; 4],
    /// The prefix length.
    pub prefix: u8,
    /// The default gateway.
    pub router: Option<[u8; 4]>,
    /// Where it came from.
    pub source: Source,
}

/// Where a configuration came from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Source {
    /// The static fallback.
    Fallback,
    /// A DHCP lease.
    Lease,
}

/// The static configuration: 10.0.2.15/24 via 10.0.2.2.
pub const FALLBACK: Ipv4Config = Ipv4Config {
    addr: [10, 0, 2, 15],
    prefix: 24,
    router: Some([10, 0, 2, 2]),
    source: Source::Fallback,
};

/// What the DHCP client reported.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DhcpEvent {
    /// A lease was acquired or changed.
    Configured {
        /// The leased address.
        addr: [u8; 4],
        /// Its prefix length.
        prefix: u8,
        /// The router the server named.
        router: Option<[u8; 4]>,
    },
    /// The lease is gone (or, on a new socket's first poll, there never was one).
    Deconfigured,
}

/// The plan: the configuration in force and whether the DHCP socket is new.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct AddrPlan {
    current: Ipv4Config,
    fresh_socket: bool,
}

impl Default for AddrPlan {
    fn default() -> Self {
        Self::new()
    }
}

impl AddrPlan {
    /// The fallback in force; a DHCP socket (if any) not polled yet.
    pub const fn new() -> Self {
        AddrPlan {
            current: FALLBACK,
            fresh_socket: true,
        }
    }

    /// The configuration in force.
    pub fn current(&self) -> Ipv4Config {
        self.current
    }

    /// A new DHCP socket replaced the old one: its first `Deconfigured` means nothing again.
    pub fn new_socket(&mut self) {
        self.fresh_socket = true;
    }

    /// Takes one event; returns the configuration to apply when the interface must change.
    pub fn on_event(&mut self, ev: DhcpEvent) -> Option<Ipv4Config> {
        let was_fresh = core::mem::replace(&mut self.fresh_socket, false);
        let next = match ev {
            DhcpEvent::Configured {
                addr,
                prefix,
                router,
            } => Ipv4Config {
                addr,
                prefix,
                router,
                source: Source::Lease,
            },
            // The first poll of a new socket: no lease was ever there, so nothing is lost.
            DhcpEvent::Deconfigured if was_fresh => return None,
            DhcpEvent::Deconfigured => FALLBACK,
        };
        if next == self.current {
            return None;
        }
        self.current = next;
        // A lease for the very address we hold (slirp hands out 10.0.2.15) changes only the
        // source: it is reported (and logged), and `changes_interface` tells the caller that
        // the interface itself stays as it is.
        Some(next)
    }
}

/// Whether applying `next` over `prev` changes the interface (address, prefix or router),
/// as opposed to only where the same configuration came from.
pub fn changes_interface(prev: &Ipv4Config, next: &Ipv4Config) -> bool {
    (prev.addr, prev.prefix, prev.router) != (next.addr, next.prefix, next.router)
}

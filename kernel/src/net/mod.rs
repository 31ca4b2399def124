//! Networking: one smoltcp interface over the virtio-net NIC with loopback of our own, DHCP
//! with a static fallback, the port table, and the socket files that system calls use.
//!
//! Layers, bottom up:
//! - `device.rs`: the `phy::Device` adapter. Frames for one of our own addresses go onto a
//!   software queue instead of the NIC (smoltcp has no local delivery: DESIGN.md section 6,
//!   lesson 2); everything else goes to the NIC. Every received frame passes the listen-backlog
//!   filter (`listen.rs`) before smoltcp sees it.
//! - this file: [`Net`], the one `Interface` owning 10.0.2.15/24 (first) and 127.0.0.1/8 with
//!   the one `SocketSet` (lesson 1), polled on NIC interrupts, after socket operations and at
//!   smoltcp's `poll_at` deadline from a kernel timer (never in a loop: an idle system halts).
//! - `dhcp.rs`: the address plan (static 10.0.2.15/24 via 10.0.2.2 at boot, a DHCP lease
//!   replaces it, losing it restores the fallback; lesson 5).
//! - `socket.rs` (the file every socket fd holds), `tcp.rs`, `listen.rs`, `udp.rs`: socket
//!   state machines; `options.rs` socket options.
//!
//! Locking: the whole state is behind `NET`, an `IrqSpinLock` (the NIC interrupt and the poll
//! timer poll the interface). No user memory is touched under it: the system calls copy into
//! kernel buffers first. smoltcp's wakers fire inside `Interface::poll` with `NET` held; they
//! only queue the socket on `PENDING` (a leaf lock), and the queued sockets' readiness
//! objects are notified after `NET` is released, so observers (threads, epoll instances that
//! call back into `poll()` of a socket) never run under it.
//! Lock order: `NET` -> `PENDING`; `NET` -> `sched::timer` and the frame allocator;
//! a socket's `Readiness` is only ever notified with neither held.

mod device;
mod dhcp;
mod listen;
mod options;
pub mod selftest;
pub mod socket;
mod tcp;
mod udp;
pub mod unix;

use alloc::collections::BTreeMap;
use alloc::sync::Arc;
use alloc::vec::Vec;
use core::sync::atomic::{AtomicU64, Ordering};

use keel_net::PortTable;
use smoltcp::iface::{Config, Interface, SocketHandle, SocketSet};
use smoltcp::time::Instant;
use smoltcp::wire::{EthernetAddress, HardwareAddress};

use crate::sched::timer::{self, TimerId};
use crate::sync::IrqSpinLock;
use device::Adapter;

/// The interrupt vector of the NIC's line.
const NIC_VECTOR: u8 = 40;
/// Rounds of one poll: the loopback queue refills while smoltcp answers itself.
const MAX_ROUNDS: usize = 256;
/// How long a closed connection may stay in FIN-WAIT-2 or LAST-ACK (Linux's tcp_fin_timeout).
const ORPHAN_TIMEOUT_NS: u64 = 60_000_000_000;

/// A closed socket's connection finishing its handshake after its file is gone.
struct Orphan {
    handle: SocketHandle,
    /// The port-table binding to release when done (holder, port).
    binding: Option<(u64, u16)>,
    deadline_ns: u64,
    /// Reset because data arrived after the close; removed once the reset is out.
    aborted: bool,
}

/// The network state: interface, sockets, NIC, ports.
pub struct Net {
    iface: Interface,
    sockets: SocketSet<'static>,
    dev: Adapter,
    ports: PortTable,
    socks: BTreeMap<u64, socket::Sock>,
    orphans: Vec<Orphan>,
    dhcp: dhcp::Plan,
    timer: Option<(u64, TimerId)>,
    /// Interface polls so far (the idle self-test checks nothing polls in a loop).
    polls: u64,
}

static NET: IrqSpinLock<Option<Net>> = IrqSpinLock::new(None);
/// Sockets whose wakers fired while `NET` was held, to be notified after it is released.
static PENDING: IrqSpinLock<Vec<Arc<socket::Shared>>> = IrqSpinLock::new(Vec::new());

/// smoltcp's clock: the monotonic clock.
fn now() -> Instant {
    Instant::from_micros((crate::time::monotonic_ns() / 1000) as i64)
}

/// Brings the network up: probes the NIC, builds the interface with the static addresses,
/// starts DHCP unless `net.dhcp=off`, and routes the NIC's interrupt.
pub fn init(platform: &crate::drivers::acpi::Platform, dhcp_on: bool) {
    let nic = crate::drivers::virtio::probe_net();
    let mac = match &nic {
        Some(n) => EthernetAddress(n.mac_address()),
        // No NIC: loopback still works, with a locally administered address.
        None => EthernetAddress([0x02, 0, 0, 0, 0, 1]),
    };
    let irq_line = nic.as_ref().map(|n| n.irq_line);
    let has_nic = nic.is_some();
    let mut dev = Adapter::new(nic, mac);
    let mut config = Config::new(HardwareAddress::Ethernet(mac));
    let mut seed = [0u8; 8];
    crate::random::fill(&mut seed);
    config.random_seed = u64::from_ne_bytes(seed);
    let iface = Interface::new(config, &mut dev, now());
    let mut net = Net {
        iface,
        sockets: SocketSet::new(Vec::new()),
        dev,
        ports: PortTable::new(),
        socks: BTreeMap::new(),
        orphans: Vec::new(),
        dhcp: dhcp::Plan::new(),
        timer: None,
        polls: 0,
    };
    net.dhcp.start(
        &mut net.iface,
        &mut net.sockets,
        &mut net.dev,
        has_nic && dhcp_on,
    );
    match (has_nic, irq_line) {
        (true, Some(line)) => crate::println!(
            "net: virtio-net {mac}, IRQ {line}; DHCP {}",
            if dhcp_on { "on" } else { "off (net.dhcp=off)" }
        ),
        _ => crate::println!("net: no virtio-net NIC; loopback only"),
    }
    *NET.lock() = Some(net);
    if let Some(line) = irq_line {
        crate::irq::register(NIC_VECTOR, nic_interrupt);
        route_pci_irq(platform, line, NIC_VECTOR);
    }
    with(|n| n.poll());
}

/// Routes a PCI INTx line. PCI interrupts are level-triggered; QEMU's PIIX and its ACPI
/// tables make them active high, and the MADT's overrides for the line, when there are any,
/// say so too (they win).
fn route_pci_irq(platform: &crate::drivers::acpi::Platform, line: u8, vector: u8) {
    use crate::arch::x86_64::apic;
    if platform.overrides.iter().any(|o| o.irq == line) {
        apic::route_isa_irq(platform, line, vector);
    } else {
        apic::route_gsi(u32::from(line), vector, false, true);
    }
}

fn nic_interrupt() {
    with(|n| {
        n.dev.ack_interrupt();
        n.poll();
    });
}

/// Runs `f` on the network state, polls the interface afterwards (socket operations may
/// have queued work), then notifies the sockets whose wakers fired.
pub fn with<R>(f: impl FnOnce(&mut Net) -> R) -> R {
    let r = {
        let mut g = NET.lock();
        let net = g.as_mut().expect("net::init has not run");
        let r = f(net);
        net.poll();
        r
    };
    flush_pending();
    r
}

/// Like [`with`] without the poll: for looking at state (`poll()` of a socket file must not
/// make anything happen, since epoll calls it under its own lock).
pub fn peek<R>(f: impl FnOnce(&mut Net) -> R) -> R {
    let mut g = NET.lock();
    f(g.as_mut().expect("net::init has not run"))
}

fn flush_pending() {
    loop {
        let list = core::mem::take(&mut *PENDING.lock());
        if list.is_empty() {
            return;
        }
        for s in list {
            s.deliver();
        }
    }
}

/// Counters for tests and the console: (frames to the NIC, frames from the NIC, frames
/// delivered locally).
pub fn counters() -> (u64, u64, u64) {
    peek(|n| n.dev.counters())
}

static NEXT_ID: AtomicU64 = AtomicU64::new(1);

/// A new socket id (also the port-table holder id).
fn next_id() -> u64 {
    NEXT_ID.fetch_add(1, Ordering::Relaxed)
}

impl Net {
    /// Polls the interface until no frame is left for it: frames from the NIC and from the
    /// loopback queue are filtered (listen backlog) and handed to smoltcp, whose answers to
    /// local addresses land on the loopback queue again, so this repeats until it is empty
    /// (no interrupt would announce it). Then DHCP, orphans and the next deadline.
    fn poll(&mut self) {
        self.polls += 1;
        self.dhcp.before_poll(&mut self.dev);
        for round in 0..MAX_ROUNDS {
            let incoming = self.dev.take_incoming();
            let mut any = false;
            for frame in incoming {
                if listen::admit(self, &frame) {
                    self.dev.push_rx(frame);
                    any = true;
                } else {
                    self.dev.recycle(frame);
                }
            }
            if !any && round > 0 {
                break;
            }
            self.iface.poll(now(), &mut self.dev, &mut self.sockets);
            listen::polled(self);
            if !self.dev.has_incoming() {
                break;
            }
        }
        self.dhcp
            .after_poll(&mut self.iface, &mut self.sockets, &mut self.dev);
        self.reap_orphans();
        self.schedule();
    }

    fn reap_orphans(&mut self) {
        use smoltcp::socket::tcp::{Socket, State};
        let now_ns = crate::time::monotonic_ns();
        let mut i = 0;
        while i < self.orphans.len() {
            let o = &mut self.orphans[i];
            let s = self.sockets.get_mut::<Socket>(o.handle);
            if !o.aborted && s.recv_queue() > 0 {
                // Nobody will read it: Linux answers data for a closed socket with a reset
                // (which is how the peer's next write learns EPIPE).
                s.abort();
                o.aborted = true;
                i += 1;
                continue;
            }
            let done = matches!(s.state(), State::Closed | State::TimeWait | State::Listen);
            if done || now_ns >= o.deadline_ns {
                let o = self.orphans.swap_remove(i);
                self.sockets.remove(o.handle);
                if let Some((holder, port)) = o.binding {
                    self.ports.release(keel_net::Proto::Tcp, port, holder);
                }
            } else {
                i += 1;
            }
        }
    }

    /// Arms the poll timer for smoltcp's next deadline (or the first orphan's).
    fn schedule(&mut self) {
        let now_ns = crate::time::monotonic_ns();
        let mut want = self
            .iface
            .poll_at(now(), &self.sockets)
            .map(|t| (t.total_micros().max(0) as u64).saturating_mul(1000));
        if self.dev.has_incoming() {
            want = Some(now_ns);
        }
        if let Some(d) = self.orphans.iter().map(|o| o.deadline_ns).min() {
            want = Some(want.map_or(d, |w| w.min(d)));
        }
        if let Some(d) = self.dhcp.deadline_ns() {
            want = Some(want.map_or(d, |w| w.min(d)));
        }
        let Some(deadline) = want else {
            return; // nothing to wait for: the next interrupt or operation polls
        };
        // At least one tick ahead: a deadline that is already due must not become a loop.
        let deadline = deadline.max(now_ns + 1_000_000);
        if let Some((at, _)) = self.timer {
            if at <= deadline {
                return; // an earlier timer is armed; it reschedules when it fires
            }
        }
        if let Some((_, id)) = self.timer.take() {
            timer::cancel(id);
        }
        let id = timer::add(deadline, || {
            with(|n| {
                n.timer = None;
            })
        });
        self.timer = Some((deadline, id));
    }

    /// Adds a connection that outlives its file.
    fn orphan(&mut self, handle: SocketHandle, binding: Option<(u64, u16)>) {
        self.orphans.push(Orphan {
            handle,
            binding,
            deadline_ns: crate::time::monotonic_ns() + ORPHAN_TIMEOUT_NS,
            aborted: false,
        });
    }
}

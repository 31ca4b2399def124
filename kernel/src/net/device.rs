//! The `phy::Device` adapter: the NIC plus a loopback queue, because smoltcp has no local
//! delivery (DESIGN.md section 6, lesson 2, verified on 0.12 to 0.14: a packet to one of the
//! interface's own addresses is ARPed for and handed to the device, so 127.0.0.1 and
//! 10.0.2.15-to-itself would never connect).
//!
//! Transmit: a frame whose destination MAC is our own, an ARP packet whose target is one of
//! our addresses, or an IPv4 packet to one of our addresses goes onto `loopback` and never
//! reaches the NIC; the rest goes to the NIC (dropped when there is none). Receive: frames
//! from the NIC and from `loopback` are taken out by [`Adapter::take_incoming`], filtered by
//! the listen backlog (`listen::admit`) and queued on `rx`, which smoltcp reads. The poll loop
//! in `mod.rs` repeats while `loopback` is not empty, since no interrupt announces it.
//!
//! The local address list is refreshed whenever the interface's addresses change
//! ([`Adapter::set_local`]), and [`Adapter::prefill_neighbors`] queues one ARP reply per own
//! address to ourselves, so the neighbour cache knows "own IP is-at own MAC" before the first
//! packet: without it, smoltcp's 1 s ARP throttle stalled loopback connects for 4-10 s.
//!
//! Frames are `Vec<u8>` from a small free list, so steady traffic allocates nothing.
//! Locking: owned by [`super::Net`], under `NET`.

use alloc::collections::VecDeque;
use alloc::vec;
use alloc::vec::Vec;

use smoltcp::phy::{self, Device, DeviceCapabilities, Medium};
use smoltcp::time::Instant;
use smoltcp::wire::{
    ArpOperation, ArpPacket, ArpRepr, EthernetAddress, EthernetFrame, EthernetProtocol,
    EthernetRepr, Ipv4Address, Ipv4Packet,
};

use crate::drivers::virtio::Nic;

/// An Ethernet frame without FCS: 1500 bytes of payload and the 14-byte header.
const MTU: usize = 1514;
/// Frames taken from the NIC per poll round.
const NIC_BATCH: usize = 64;
/// Free frame buffers kept for reuse.
const POOL: usize = 128;

/// The device smoltcp polls.
pub struct Adapter {
    nic: Option<Nic>,
    mac: EthernetAddress,
    local: Vec<Ipv4Address>,
    /// Frames addressed to ourselves, waiting to be received.
    loopback: VecDeque<Vec<u8>>,
    /// Frames admitted for smoltcp to receive.
    rx: VecDeque<Vec<u8>>,
    pool: Vec<Vec<u8>>,
    nic_tx: u64,
    nic_rx: u64,
    looped: u64,
}

impl Adapter {
    /// An adapter over `nic` (or loopback only) with hardware address `mac`.
    pub fn new(nic: Option<Nic>, mac: EthernetAddress) -> Self {
        Adapter {
            nic,
            mac,
            local: Vec::new(),
            loopback: VecDeque::new(),
            rx: VecDeque::new(),
            pool: Vec::new(),
            nic_tx: 0,
            nic_rx: 0,
            looped: 0,
        }
    }

    /// Our hardware address.
    pub fn mac(&self) -> [u8; 6] {
        self.mac.0
    }

    /// Puts a frame on the receive path as if it had arrived (the self-tests' hostile
    /// frames): it passes the listen filter and smoltcp like any other.
    pub fn inject(&mut self, frame: Vec<u8>) {
        self.loopback.push_back(frame);
    }

    /// (frames sent to the NIC, frames received from it, frames delivered locally).
    pub fn counters(&self) -> (u64, u64, u64) {
        (self.nic_tx, self.nic_rx, self.looped)
    }

    /// Acknowledges the NIC's interrupt (its ISR read also lowers the level-triggered line).
    pub fn ack_interrupt(&mut self) {
        if let Some(n) = self.nic.as_mut() {
            n.ack_interrupt();
        }
    }

    /// The addresses that count as local (the interface's, refreshed on every change).
    pub fn set_local(&mut self, addrs: &[Ipv4Address]) {
        self.local.clear();
        self.local.extend_from_slice(addrs);
    }

    /// Queues an ARP reply "addr is-at our MAC" to ourselves for every local address: smoltcp
    /// fills its neighbour cache from it on the next poll.
    pub fn prefill_neighbors(&mut self) {
        for i in 0..self.local.len() {
            let addr = self.local[i];
            let arp = ArpRepr::EthernetIpv4 {
                operation: ArpOperation::Reply,
                source_hardware_addr: self.mac,
                source_protocol_addr: addr,
                target_hardware_addr: self.mac,
                target_protocol_addr: addr,
            };
            let eth = EthernetRepr {
                src_addr: self.mac,
                dst_addr: self.mac,
                ethertype: EthernetProtocol::Arp,
            };
            let mut buf = self.buffer(eth.buffer_len() + arp.buffer_len());
            let mut frame = EthernetFrame::new_unchecked(&mut buf[..]);
            eth.emit(&mut frame);
            arp.emit(&mut ArpPacket::new_unchecked(frame.payload_mut()));
            self.loopback.push_back(buf);
        }
    }

    fn buffer(&mut self, len: usize) -> Vec<u8> {
        match self.pool.pop() {
            Some(mut b) => {
                b.clear();
                b.resize(len, 0);
                b
            }
            None => vec![0; len],
        }
    }

    /// Returns a frame buffer to the free list.
    pub fn recycle(&mut self, frame: Vec<u8>) {
        if self.pool.len() < POOL {
            self.pool.push(frame);
        }
    }

    /// Whether frames wait in the loopback queue or the NIC.
    pub fn has_incoming(&self) -> bool {
        !self.loopback.is_empty() || self.nic.as_ref().is_some_and(|n| n.can_recv())
    }

    /// Takes every looped-back frame and a batch from the NIC, for filtering.
    pub fn take_incoming(&mut self) -> Vec<Vec<u8>> {
        let mut out: Vec<Vec<u8>> = self.loopback.drain(..).collect();
        for _ in 0..NIC_BATCH {
            let Some(nic) = self.nic.as_mut() else { break };
            let mut buf = self.pool.pop().unwrap_or_else(|| Vec::with_capacity(MTU));
            buf.clear();
            if !nic.receive(&mut buf) {
                self.pool.push(buf);
                break;
            }
            self.nic_rx += 1;
            out.push(buf);
        }
        out
    }

    /// Queues an admitted frame for smoltcp.
    pub fn push_rx(&mut self, frame: Vec<u8>) {
        self.rx.push_back(frame);
    }

    /// Whether a frame smoltcp sends stays on this machine.
    fn is_local(&self, frame: &[u8]) -> bool {
        let Ok(eth) = EthernetFrame::new_checked(frame) else {
            return false;
        };
        if eth.dst_addr() == self.mac {
            return true;
        }
        match eth.ethertype() {
            EthernetProtocol::Arp => ArpPacket::new_checked(eth.payload())
                .ok()
                .and_then(|p| ArpRepr::parse(&p).ok())
                .is_some_and(|r| match r {
                    ArpRepr::EthernetIpv4 {
                        target_protocol_addr,
                        ..
                    } => self.local.contains(&target_protocol_addr),
                    _ => false,
                }),
            EthernetProtocol::Ipv4 => Ipv4Packet::new_checked(eth.payload())
                .is_ok_and(|p| self.local.contains(&p.dst_addr())),
            _ => false,
        }
    }

    fn send(&mut self, frame: Vec<u8>) {
        if self.is_local(&frame) {
            self.looped += 1;
            self.loopback.push_back(frame);
            return;
        }
        if let Some(nic) = self.nic.as_mut() {
            if nic.send(&frame) {
                self.nic_tx += 1;
            }
        }
        self.recycle(frame);
    }
}

/// A received frame.
pub struct RxToken(Vec<u8>);

/// Room for one frame to send.
pub struct TxToken<'a>(&'a mut Adapter);

impl phy::RxToken for RxToken {
    fn consume<R, F>(self, f: F) -> R
    where
        F: FnOnce(&[u8]) -> R,
    {
        f(&self.0)
    }
}

impl phy::TxToken for TxToken<'_> {
    fn consume<R, F>(self, len: usize, f: F) -> R
    where
        F: FnOnce(&mut [u8]) -> R,
    {
        let mut buf = self.0.buffer(len);
        let r = f(&mut buf);
        self.0.send(buf);
        r
    }
}

impl Device for Adapter {
    type RxToken<'a> = RxToken;
    type TxToken<'a> = TxToken<'a>;

    fn receive(&mut self, _ts: Instant) -> Option<(RxToken, TxToken<'_>)> {
        let frame = self.rx.pop_front()?;
        Some((RxToken(frame), TxToken(self)))
    }

    fn transmit(&mut self, _ts: Instant) -> Option<TxToken<'_>> {
        Some(TxToken(self))
    }

    fn capabilities(&self) -> DeviceCapabilities {
        let mut caps = DeviceCapabilities::default();
        caps.medium = Medium::Ethernet;
        caps.max_transmission_unit = MTU;
        caps
    }
}

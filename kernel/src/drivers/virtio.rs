//! The virtio HAL (DMA memory, BAR mappings, buffer sharing for `virtio-drivers`) and the
//! virtio-net NIC. Besides `arch`, `mm` and `sync`, this is the one place with `unsafe`: the
//! HAL trait is unsafe by nature (it hands raw memory to a device).
//!
//! DMA memory comes from the frame allocator as physically contiguous, zeroed frames; since
//! all RAM is direct-mapped at `PHYS_OFFSET`, a frame's DMA address is its physical address.
//! A shared buffer inside the direct map within one page (the NIC's packet buffers, one frame
//! each) is handed to the device as it is; any other buffer (the kernel heap's pages are not
//! physically contiguous) is bounced through frames of its own: copied in for the device to
//! read, copied back when the device wrote.
//!
//! [`Nic`] drives `VirtIONetRaw` with packet buffers of its own: receive buffers stay posted
//! and are re-posted as frames are taken; a transmit is queued and its buffer reclaimed when
//! the device reports it used (on the next send or interrupt), so nothing waits for the
//! device. The network stack owns the NIC under its lock (`net`), so nothing here locks.

use core::ptr::NonNull;

use alloc::vec::Vec;

use virtio_drivers::device::net::VirtIONetRaw;
use virtio_drivers::transport::pci::PciTransport;
use virtio_drivers::transport::DeviceType;
use virtio_drivers::{BufferDirection, Hal, PhysAddr, PAGE_SIZE};

use crate::mm::frames::{self, PhysFrame};

/// Frames of DMA memory, physically contiguous.
pub struct KeelHal;

fn free_frames(paddr: PhysAddr, pages: usize) {
    for i in 0..pages {
        let _ = frames::dec_ref(PhysFrame::containing(paddr + (i * PAGE_SIZE) as u64));
    }
}

/// The physical address of a buffer that lies in the direct map within one page (so it is
/// physically contiguous), or `None`.
fn direct(buffer: NonNull<[u8]>) -> Option<PhysAddr> {
    let va = buffer.as_ptr() as *const u8 as u64;
    let len = buffer.len() as u64;
    let pa = va.checked_sub(crate::mm::PHYS_OFFSET)?;
    let same_page = len > 0 && pa / PAGE_SIZE as u64 == (pa + len - 1) / PAGE_SIZE as u64;
    (va < crate::mm::HEAP_BASE && same_page).then_some(pa)
}

// SAFETY: `dma_alloc` returns zeroed, page-aligned frames nobody else owns, mapped at their
// direct-map address; `share` returns the physical address of a bounce copy that stays
// allocated until `unshare`; MMIO BARs are mapped uncached in the MMIO area.
unsafe impl Hal for KeelHal {
    fn dma_alloc(pages: usize, _dir: BufferDirection) -> (PhysAddr, NonNull<u8>) {
        match frames::alloc_contiguous(pages, 1) {
            Some(f) => match NonNull::new(f.virt() as *mut u8) {
                Some(v) => (f.addr(), v),
                None => (0, NonNull::dangling()),
            },
            // virtio-drivers turns a zero address into Error::DmaError.
            None => (0, NonNull::dangling()),
        }
    }

    unsafe fn dma_dealloc(paddr: PhysAddr, _vaddr: NonNull<u8>, pages: usize) -> i32 {
        free_frames(paddr, pages);
        0
    }

    unsafe fn mmio_phys_to_virt(paddr: PhysAddr, size: usize) -> NonNull<u8> {
        let va = crate::mm::mmio::map(paddr, size as u64);
        NonNull::new(va as *mut u8).unwrap_or(NonNull::dangling())
    }

    unsafe fn share(buffer: NonNull<[u8]>, direction: BufferDirection) -> PhysAddr {
        let len = buffer.len();
        if let Some(pa) = direct(buffer) {
            return pa;
        }
        let pages = len.div_ceil(PAGE_SIZE).max(1);
        let Some(f) = frames::alloc_contiguous(pages, 1) else {
            // No memory for a bounce buffer: the device would write to a wrong address, so
            // stopping is the only safe answer (the kernel keeps a reserve for itself).
            panic!("virtio: no memory for a {len}-byte DMA bounce buffer");
        };
        if direction != BufferDirection::DeviceToDriver {
            // SAFETY: the caller guarantees `buffer` is valid for `len` bytes and not accessed
            // concurrently; the frames are fresh, direct-mapped and `pages * 4096 >= len`.
            unsafe {
                core::ptr::copy_nonoverlapping(
                    buffer.as_ptr() as *const u8,
                    f.virt() as *mut u8,
                    len,
                )
            };
        }
        f.addr()
    }

    unsafe fn unshare(paddr: PhysAddr, buffer: NonNull<[u8]>, direction: BufferDirection) {
        let len = buffer.len();
        if direct(buffer) == Some(paddr) {
            return; // the device used the buffer itself
        }
        if direction != BufferDirection::DriverToDevice {
            // SAFETY: `paddr` is the bounce copy `share` made for this buffer (the caller
            // passes back what `share` returned), still allocated and direct-mapped.
            unsafe {
                core::ptr::copy_nonoverlapping(
                    crate::mm::phys_to_virt(paddr) as *const u8,
                    buffer.as_ptr() as *mut u8,
                    len,
                )
            };
        }
        free_frames(paddr, len.div_ceil(PAGE_SIZE).max(1));
    }
}

/// Descriptors per virtqueue.
const QUEUE: usize = 64;

/// One frame of DMA memory holding one packet (with its virtio-net header).
struct PacketBuf(PhysFrame);

impl PacketBuf {
    fn new() -> Option<Self> {
        frames::alloc_zeroed().map(PacketBuf)
    }

    fn bytes(&mut self) -> &mut [u8] {
        // SAFETY: the frame is ours alone (allocated for this buffer, freed on drop) and
        // direct-mapped; `&mut self` makes this the only reference to it.
        unsafe { core::slice::from_raw_parts_mut(self.0.virt() as *mut u8, PAGE_SIZE) }
    }
}

impl Drop for PacketBuf {
    fn drop(&mut self) {
        let _ = frames::dec_ref(self.0);
    }
}

/// The virtio-net device and its packet buffers.
pub struct Nic {
    dev: VirtIONetRaw<KeelHal, PciTransport, QUEUE>,
    /// Posted receive buffers, by the token the device returns.
    rx: Vec<Option<PacketBuf>>,
    /// Queued transmissions (buffer, length given to the device), by token.
    tx: Vec<Option<(PacketBuf, usize)>>,
    free_tx: Vec<PacketBuf>,
    /// Its legacy interrupt line.
    pub irq_line: u8,
}

impl Nic {
    fn new(dev: VirtIONetRaw<KeelHal, PciTransport, QUEUE>, irq_line: u8) -> Option<Nic> {
        let mut nic = Nic {
            dev,
            rx: (0..QUEUE).map(|_| None).collect(),
            tx: (0..QUEUE).map(|_| None).collect(),
            free_tx: Vec::new(),
            irq_line,
        };
        for _ in 0..QUEUE {
            let buf = PacketBuf::new()?;
            nic.post_rx(buf);
        }
        Some(nic)
    }

    fn post_rx(&mut self, mut buf: PacketBuf) {
        // SAFETY: the buffer is kept in `rx` under its token and not touched until the
        // device returns that token, when `receive_complete` gets the same buffer back.
        match unsafe { self.dev.receive_begin(buf.bytes()) } {
            Ok(t) => match self.rx.get_mut(t as usize) {
                Some(slot) => *slot = Some(buf),
                None => log::warn!("virtio-net: receive token {t} out of range"),
            },
            Err(e) => log::warn!("virtio-net: posting a receive buffer: {e}"),
        }
    }

    /// The MAC address.
    pub fn mac_address(&self) -> [u8; 6] {
        self.dev.mac_address()
    }

    /// Acknowledges the interrupt (the ISR read lowers the level-triggered line) and takes
    /// back finished transmissions.
    pub fn ack_interrupt(&mut self) {
        self.dev.ack_interrupt();
        self.reclaim_tx();
    }

    /// Whether a received frame is waiting.
    pub fn can_recv(&self) -> bool {
        self.dev.poll_receive().is_some()
    }

    /// Appends the next received frame to `out` and re-posts its buffer; false if none.
    pub fn receive(&mut self, out: &mut Vec<u8>) -> bool {
        let Some(t) = self.dev.poll_receive() else {
            return false;
        };
        let Some(mut buf) = self.rx.get_mut(t as usize).and_then(Option::take) else {
            log::warn!("virtio-net: the device returned an unknown receive token {t}");
            return false;
        };
        // SAFETY: `buf` is the buffer posted under token `t`.
        match unsafe { self.dev.receive_complete(t, buf.bytes()) } {
            Ok((h, n)) => {
                if let Some(frame) = buf.bytes().get(h..h + n) {
                    out.extend_from_slice(frame);
                }
            }
            Err(e) => log::debug!("virtio-net: receive: {e}"),
        }
        self.post_rx(buf);
        true
    }

    /// Takes back the buffers of transmissions the device finished.
    fn reclaim_tx(&mut self) {
        while let Some(t) = self.dev.poll_transmit() {
            let Some((mut buf, len)) = self.tx.get_mut(t as usize).and_then(Option::take) else {
                log::warn!("virtio-net: the device returned an unknown transmit token {t}");
                return;
            };
            // SAFETY: `buf[..len]` is the slice queued under token `t`.
            let _ = unsafe { self.dev.transmit_complete(t, &buf.bytes()[..len]) };
            self.free_tx.push(buf);
        }
    }

    /// Queues `frame` for transmission; false (dropped) when the queue is full or the frame
    /// does not fit, as a NIC drops on overrun (TCP retransmits).
    pub fn send(&mut self, frame: &[u8]) -> bool {
        self.reclaim_tx();
        let Some(mut buf) = self.free_tx.pop().or_else(PacketBuf::new) else {
            return false;
        };
        let Ok(h) = self.dev.fill_buffer_header(buf.bytes()) else {
            return false;
        };
        let len = h + frame.len();
        let Some(dst) = buf.bytes().get_mut(h..len) else {
            return false;
        };
        dst.copy_from_slice(frame);
        // SAFETY: the buffer is kept in `tx` under its token, untouched until the device
        // returns it and `transmit_complete` gets the same slice.
        match unsafe { self.dev.transmit_begin(&buf.bytes()[..len]) } {
            Ok(t) => match self.tx.get_mut(t as usize) {
                Some(slot) => {
                    *slot = Some((buf, len));
                    true
                }
                None => false,
            },
            Err(_) => {
                self.free_tx.push(buf);
                false
            }
        }
    }
}

/// Finds and starts the first virtio-net device, if there is one.
pub fn probe_net() -> Option<Nic> {
    let mut found = crate::drivers::pci::find_virtio(DeviceType::Network)?;
    let transport = match PciTransport::new::<KeelHal, _>(&mut found.root, found.df) {
        Ok(t) => t,
        Err(e) => {
            log::warn!("virtio-net at {}: transport: {e}", found.df);
            return None;
        }
    };
    match VirtIONetRaw::<KeelHal, PciTransport, QUEUE>::new(transport) {
        Ok(dev) => Nic::new(dev, found.irq_line),
        Err(e) => {
            log::warn!("virtio-net at {}: {e}", found.df);
            None
        }
    }
}

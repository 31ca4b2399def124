//! The virtio HAL (DMA memory, BAR mappings, buffer sharing for `virtio-drivers`) and the
//! virtio-net NIC. Besides `arch`, `mm` and `sync`, this is the one place with `unsafe`: the
//! HAL trait is unsafe by nature (it hands raw memory to a device).
//!
//! DMA memory comes from the frame allocator as physically contiguous, zeroed frames; since
//! all RAM is direct-mapped at `PHYS_OFFSET`, a frame's DMA address is its physical address.
//! Buffers the driver shares (packet buffers from the kernel heap, whose pages are not
//! physically contiguous) are bounced through frames of their own: copied in for the device to
//! read, copied back when the device wrote.
//!
//! [`Nic`] wraps `VirtIONet` with the interrupt line firmware routed; the network stack owns
//! it under its lock (`net`), so nothing here locks.

use core::ptr::NonNull;

use virtio_drivers::device::net::VirtIONet;
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
/// Receive buffer size: a full Ethernet frame plus the virtio-net header.
const RX_BUF: usize = 2048;

/// The virtio-net device.
pub struct Nic {
    /// The driver.
    pub dev: VirtIONet<KeelHal, PciTransport, QUEUE>,
    /// Its legacy interrupt line.
    pub irq_line: u8,
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
    match VirtIONet::<KeelHal, PciTransport, QUEUE>::new(transport, RX_BUF) {
        Ok(dev) => Some(Nic {
            dev,
            irq_line: found.irq_line,
        }),
        Err(e) => {
            log::warn!("virtio-net at {}: {e}", found.df);
            None
        }
    }
}

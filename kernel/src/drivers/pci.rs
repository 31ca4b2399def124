//! PCI configuration space through the legacy I/O ports 0xCF8/0xCFC (configuration mechanism
//! #1), which every PC chipset QEMU emulates has; firmware has already assigned the BARs, so
//! enumeration only reads. [`PortCam`] is the `ConfigurationAccess` the virtio transport
//! takes; [`find_virtio`] walks bus 0 (QEMU's `pc` machine puts every device there).
//!
//! Lock order: `CONFIG` (the address/data port pair) is a leaf.

use virtio_drivers::transport::pci::bus::{
    Command, ConfigurationAccess, DeviceFunction, DeviceFunctionInfo, PciRoot,
};
use virtio_drivers::transport::DeviceType;

use crate::arch::x86_64::port::{inl, outl};
use crate::sync::IrqSpinLock;

const CONFIG_ADDRESS: u16 = 0xcf8;
const CONFIG_DATA: u16 = 0xcfc;

/// Serialises the two-step address/data access.
static CONFIG: IrqSpinLock<()> = IrqSpinLock::new(());

fn address(df: DeviceFunction, offset: u8) -> u32 {
    (1 << 31)
        | (u32::from(df.bus) << 16)
        | (u32::from(df.device & 0x1f) << 11)
        | (u32::from(df.function & 0x7) << 8)
        | u32::from(offset & 0xfc)
}

/// Configuration access through ports 0xCF8/0xCFC.
pub struct PortCam;

impl ConfigurationAccess for PortCam {
    fn read_word(&self, df: DeviceFunction, offset: u8) -> u32 {
        let _g = CONFIG.lock();
        outl(CONFIG_ADDRESS, address(df, offset));
        inl(CONFIG_DATA)
    }

    fn write_word(&mut self, df: DeviceFunction, offset: u8, data: u32) {
        let _g = CONFIG.lock();
        outl(CONFIG_ADDRESS, address(df, offset));
        outl(CONFIG_DATA, data);
    }

    unsafe fn unsafe_clone(&self) -> Self {
        PortCam
    }
}

/// A virtio device found on the bus.
pub struct Found {
    /// The configuration root, for the transport.
    pub root: PciRoot<PortCam>,
    /// Where the device is.
    pub df: DeviceFunction,
    /// Its legacy interrupt line (configuration offset 0x3C, as firmware routed it).
    pub irq_line: u8,
}

/// The first virtio device of type `want` on bus 0, with memory decoding and bus mastering
/// switched on.
pub fn find_virtio(want: DeviceType) -> Option<Found> {
    let mut root = PciRoot::new(PortCam);
    let mut hit = None;
    for (df, info) in root.enumerate_bus(0) {
        log::debug!("pci {df}: {info}");
        if virtio_type(&info) == Some(want) && hit.is_none() {
            hit = Some(df);
        }
    }
    let df = hit?;
    let (_, cmd) = root.get_status_command(df);
    root.set_command(
        df,
        cmd | Command::MEMORY_SPACE | Command::IO_SPACE | Command::BUS_MASTER,
    );
    let irq_line = (PortCam.read_word(df, 0x3c) & 0xff) as u8;
    Some(Found { root, df, irq_line })
}

fn virtio_type(info: &DeviceFunctionInfo) -> Option<DeviceType> {
    virtio_drivers::transport::pci::virtio_device_type(info)
}

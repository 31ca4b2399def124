//! Device drivers: the serial console, the CMOS clock, ACPI table access, PCI enumeration and
//! the virtio HAL with the virtio-net NIC.

pub mod acpi;
pub mod pci;
pub mod rtc;
pub mod serial;
pub mod virtio;

//! Device drivers: the serial console, the CMOS clock and ACPI table access.

pub mod acpi;
pub mod rtc;
pub mod serial;

//! ACPI tables, read once at boot with the `acpi` crate (without its nightly-only `alloc`
//! feature): the MADT for the interrupt controllers, the FADT and DSDT for power-off.
//! Tables are reached through the direct map.

use alloc::vec::Vec;
use core::ptr::NonNull;

use acpi::fadt::Fadt;
use acpi::madt::{Madt, MadtEntry};
use acpi::{AcpiHandler, AcpiTables, PhysicalMapping};
use spin::Once;

use crate::boot::AcpiRoot;
use crate::mm::phys_to_virt;

#[derive(Clone, Copy, Debug)]
struct DirectMap;

impl AcpiHandler for DirectMap {
    unsafe fn map_physical_region<T>(&self, pa: usize, size: usize) -> PhysicalMapping<Self, T> {
        let va = phys_to_virt(pa as u64) as *mut T;
        // SAFETY: firmware tables lie in memory ranges of the memory map, all of which the
        // kernel direct-maps; `va` is therefore valid and non-null.
        unsafe { PhysicalMapping::new(pa, NonNull::new_unchecked(va), size, size, *self) }
    }

    fn unmap_physical_region<T>(_region: &PhysicalMapping<Self, T>) {}
}

/// An I/O APIC.
#[derive(Clone, Copy, Debug)]
pub struct IoApic {
    pub id: u8,
    pub address: u64,
    pub gsi_base: u32,
}

/// An ISA interrupt source override: ISA `irq` arrives on `gsi` with MPS `flags`.
#[derive(Clone, Copy, Debug)]
pub struct Override {
    pub irq: u8,
    pub gsi: u32,
    pub flags: u16,
}

/// What the kernel needs from the ACPI tables.
#[derive(Debug, Default)]
pub struct Platform {
    pub lapic_address: u64,
    pub cpus: usize,
    pub ioapics: Vec<IoApic>,
    pub overrides: Vec<Override>,
    pub has_8259: bool,
    /// PM1a control port and SLP_TYPa for S5.
    pub s5: Option<(u16, u16)>,
}

static PLATFORM: Once<Platform> = Once::new();

/// Reads the tables. Without ACPI the kernel uses the architectural defaults (LAPIC at
/// 0xFEE00000, one I/O APIC at 0xFEC00000).
pub fn init(root: AcpiRoot) -> &'static Platform {
    PLATFORM.call_once(|| match load(root) {
        Ok(p) => p,
        Err(e) => {
            log::warn!("no usable ACPI tables ({e:?}); assuming a PC's default APIC addresses");
            Platform {
                lapic_address: 0xfee0_0000,
                cpus: 1,
                ioapics: alloc::vec![IoApic {
                    id: 0,
                    address: 0xfec0_0000,
                    gsi_base: 0
                }],
                has_8259: true,
                ..Default::default()
            }
        }
    })
}

/// PM1a control port and SLP_TYPa for S5, if known.
pub fn s5_sleep() -> Option<(u16, u16)> {
    PLATFORM.get()?.s5
}

fn load(root: AcpiRoot) -> Result<Platform, acpi::AcpiError> {
    // SAFETY: the addresses come from the boot loader (or the BIOS search), and DirectMap maps
    // physical memory faithfully.
    let tables = unsafe {
        match root {
            AcpiRoot::Rsdp(a) => AcpiTables::from_rsdp(DirectMap, a as usize)?,
            AcpiRoot::Sdt { revision, address } => {
                AcpiTables::from_rsdt(DirectMap, revision, address as usize)?
            }
            AcpiRoot::Search => AcpiTables::search_for_rsdp_bios(DirectMap)?,
        }
    };
    let madt = tables.find_table::<Madt>()?;
    let mut p = Platform {
        lapic_address: madt.get().local_apic_address as u64,
        has_8259: madt.get().supports_8259(),
        ..Default::default()
    };
    for e in madt.get().entries() {
        match e {
            MadtEntry::LocalApic(l) if l.flags & 1 != 0 => p.cpus += 1,
            MadtEntry::IoApic(io) => p.ioapics.push(IoApic {
                id: io.io_apic_id,
                address: io.io_apic_address as u64,
                gsi_base: io.global_system_interrupt_base,
            }),
            MadtEntry::InterruptSourceOverride(o) => p.overrides.push(Override {
                irq: o.irq,
                gsi: o.global_system_interrupt,
                flags: o.flags,
            }),
            MadtEntry::LocalApicAddressOverride(o) => p.lapic_address = o.local_apic_address,
            _ => {}
        }
    }
    if let Ok(fadt) = tables.find_table::<Fadt>() {
        let port = fadt.pm1a_control_block().ok().map(|g| g.address as u16);
        let dsdt = fadt.dsdt_address().ok();
        if let (Some(port), Some(dsdt)) = (port, dsdt) {
            p.s5 = s5_from_dsdt(dsdt as u64).map(|typ| (port, typ));
        }
    }
    Ok(p)
}

/// Finds `Name(_S5_, Package() { SLP_TYPa, ... })` in the DSDT's AML by its byte pattern: the
/// usual shortcut that avoids an AML interpreter for the one value power-off needs.
fn s5_from_dsdt(dsdt: u64) -> Option<u16> {
    let hdr = phys_to_virt(dsdt) as *const u8;
    // SAFETY: the DSDT starts with a 36-byte SDT header whose bytes 4..8 hold the length; it
    // is in direct-mapped firmware memory.
    let len = unsafe { u32::from_le_bytes(*(hdr.add(4) as *const [u8; 4])) } as usize;
    if !(36..=(1 << 20)).contains(&len) {
        return None;
    }
    // SAFETY: as above, for the whole table.
    let aml = unsafe { core::slice::from_raw_parts(hdr, len) };
    let at = aml.windows(4).position(|w| w == b"_S5_")?;
    // NameOp before the name (optionally with a root prefix), PackageOp after it.
    let mut i = at + 4;
    if *aml.get(i)? != 0x12 {
        return None;
    }
    i += 1;
    let pkg_len_bytes = (*aml.get(i)? >> 6) as usize + 1;
    i += pkg_len_bytes + 1; // PkgLength, NumElements
    match *aml.get(i)? {
        0x0a => aml.get(i + 1).map(|&b| b as u16), // BytePrefix
        0x00 => Some(0),                           // ZeroOp
        0x01 => Some(1),                           // OneOp
        b => Some(b as u16),
    }
}

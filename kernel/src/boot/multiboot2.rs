//! The multiboot2 protocol (GRUB), through the `multiboot2` crate.

use multiboot2::{BootInformation, BootInformationHeader, MemoryAreaType};

use super::{AcpiRoot, BootInfo, MemKind};

pub(super) fn parse(info: u64) -> BootInfo {
    let mut bi = BootInfo::empty("multiboot2");
    // SAFETY: GRUB passed the address of a multiboot2 information structure in EBX; it is in
    // low memory, inside the boot direct map.
    let mbi = match unsafe { BootInformation::load(info as *const BootInformationHeader) } {
        Ok(m) => m,
        Err(e) => {
            crate::println!("keel: unreadable multiboot2 information: {e:?}");
            return bi;
        }
    };
    if let Some(cmd) = mbi.command_line_tag().and_then(|t| t.cmdline().ok()) {
        bi.set_cmdline(cmd.as_bytes());
    }
    if let Some(m) = mbi.module_tags().next() {
        bi.initrd = Some((m.start_address() as u64, m.module_size() as u64));
    }
    if let Some(r) = mbi.rsdp_v2_tag() {
        bi.acpi = AcpiRoot::Sdt {
            revision: r.revision(),
            address: r.xsdt_address() as u64,
        };
    } else if let Some(r) = mbi.rsdp_v1_tag() {
        bi.acpi = AcpiRoot::Sdt {
            revision: 0,
            address: r.rsdt_address() as u64,
        };
    }
    if let Some(mm) = mbi.memory_map_tag() {
        for a in mm.memory_areas() {
            let kind = match a.typ() {
                MemoryAreaType::Available => MemKind::Usable,
                MemoryAreaType::AcpiAvailable | MemoryAreaType::ReservedHibernate => MemKind::Acpi,
                _ => MemKind::Reserved,
            };
            bi.push_region(a.start_address(), a.size(), kind);
        }
    }
    bi
}

//! The PVH boot protocol (`struct hvm_start_info`, Xen's `arch-x86/hvm/start_info.h`), which
//! QEMU's `-kernel` uses for ELF kernels that carry `XEN_ELFNOTE_PHYS32_ENTRY`.

use super::{phys_cstr, AcpiRoot, BootInfo, MemKind};
use crate::mm::phys_to_virt;

#[repr(C)]
struct StartInfo {
    magic: u32,
    version: u32,
    flags: u32,
    nr_modules: u32,
    modlist_paddr: u64,
    cmdline_paddr: u64,
    rsdp_paddr: u64,
    memmap_paddr: u64,
    memmap_entries: u32,
    reserved: u32,
}

#[repr(C)]
struct ModEntry {
    paddr: u64,
    size: u64,
    cmdline_paddr: u64,
    reserved: u64,
}

#[repr(C)]
struct MemmapEntry {
    addr: u64,
    size: u64,
    kind: u32,
    reserved: u32,
}

pub(super) fn parse(info: u64) -> BootInfo {
    let mut bi = BootInfo::empty("pvh");
    // SAFETY: the PVH entry passed the physical address of a start_info in EBX; it lies in
    // low memory, inside the boot direct map.
    let si = unsafe { &*(info as *const StartInfo) };
    if si.magic != super::PVH_MAGIC {
        crate::println!("keel: bad PVH start_info magic {:#x}", si.magic);
        return bi;
    }
    bi.set_cmdline(phys_cstr(si.cmdline_paddr, 4096));
    if si.nr_modules > 0 && si.modlist_paddr != 0 {
        // SAFETY: nr_modules > 0 entries start at modlist_paddr (start_info version 0+).
        let m = unsafe { &*(phys_to_virt(si.modlist_paddr) as *const ModEntry) };
        bi.initrd = Some((m.paddr, m.size));
    }
    if si.rsdp_paddr != 0 {
        bi.acpi = AcpiRoot::Rsdp(si.rsdp_paddr);
    }
    if si.version >= 1 && si.memmap_paddr != 0 {
        let n = si.memmap_entries.min(128) as usize;
        // SAFETY: version 1 start_info carries `memmap_entries` E820-style entries here.
        let map = unsafe {
            core::slice::from_raw_parts(phys_to_virt(si.memmap_paddr) as *const MemmapEntry, n)
        };
        for e in map {
            let kind = match e.kind {
                1 => MemKind::Usable,
                3 | 4 => MemKind::Acpi,
                _ => MemKind::Reserved,
            };
            bi.push_region(e.addr, e.size, kind);
        }
    }
    bi
}

//! What the boot loader tells us, normalised: the command line, the physical memory map, the
//! initrd and where the ACPI tables are. Both entry paths (multiboot2 from GRUB, PVH from
//! `qemu -kernel`) fill the same [`BootInfo`], copied out of loader memory before the frame
//! allocator may reuse it.

pub mod cmdline;
mod multiboot2;
mod pvh;

use crate::mm::phys_to_virt;

/// `kmain`'s first argument after a multiboot2 boot (the loader's EAX).
pub const MULTIBOOT2_MAGIC: u32 = 0x36d7_6289;
/// `kmain`'s first argument after a PVH boot (set by the boot stub).
pub const PVH_MAGIC: u32 = 0x336e_c578;

const MAX_REGIONS: usize = 64;
const MAX_CMDLINE: usize = 2048;

/// The kind of a physical memory range.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MemKind {
    /// RAM the kernel may use.
    Usable,
    /// ACPI tables (reclaimable once parsed; kept for now).
    Acpi,
    /// Anything else: firmware, MMIO holes, bad memory.
    Reserved,
}

/// One physical memory range `[start, end)`.
#[derive(Clone, Copy, Debug)]
pub struct MemRegion {
    pub start: u64,
    pub end: u64,
    pub kind: MemKind,
}

/// Where the ACPI tables are.
#[derive(Clone, Copy, Debug)]
pub enum AcpiRoot {
    /// Physical address of the RSDP.
    Rsdp(u64),
    /// The RSDT (revision 0) or XSDT (revision 2+) address, from a multiboot2 RSDP copy.
    Sdt { revision: u8, address: u64 },
    /// Nothing from the loader: search the BIOS areas.
    Search,
}

/// Normalised boot information.
pub struct BootInfo {
    pub loader: &'static str,
    cmdline: [u8; MAX_CMDLINE],
    cmdline_len: usize,
    regions: [MemRegion; MAX_REGIONS],
    nregions: usize,
    /// Physical range of the initrd, if the loader passed one.
    pub initrd: Option<(u64, u64)>,
    pub acpi: AcpiRoot,
}

impl BootInfo {
    const fn empty(loader: &'static str) -> Self {
        BootInfo {
            loader,
            cmdline: [0; MAX_CMDLINE],
            cmdline_len: 0,
            regions: [MemRegion {
                start: 0,
                end: 0,
                kind: MemKind::Reserved,
            }; MAX_REGIONS],
            nregions: 0,
            initrd: None,
            acpi: AcpiRoot::Search,
        }
    }

    /// The kernel command line (lossy: invalid UTF-8 is cut at the first bad byte).
    pub fn cmdline(&self) -> &str {
        let b = &self.cmdline[..self.cmdline_len];
        match core::str::from_utf8(b) {
            Ok(s) => s,
            Err(e) => core::str::from_utf8(&b[..e.valid_up_to()]).unwrap_or(""),
        }
    }

    /// The memory map.
    pub fn regions(&self) -> &[MemRegion] {
        &self.regions[..self.nregions]
    }

    fn set_cmdline(&mut self, s: &[u8]) {
        let n = s.len().min(MAX_CMDLINE);
        self.cmdline[..n].copy_from_slice(&s[..n]);
        self.cmdline_len = n;
    }

    fn push_region(&mut self, start: u64, len: u64, kind: MemKind) {
        if self.nregions < MAX_REGIONS && len > 0 {
            let end = start.saturating_add(len);
            self.regions[self.nregions] = MemRegion { start, end, kind };
            self.nregions += 1;
        }
    }
}

/// Reads the loader's information. Called once, on the boot stack, before any allocation.
pub fn parse(magic: u32, info_phys: u32) -> BootInfo {
    let info = phys_to_virt(info_phys as u64);
    match magic {
        MULTIBOOT2_MAGIC => multiboot2::parse(info),
        PVH_MAGIC => pvh::parse(info),
        _ => {
            crate::println!("keel: unknown boot protocol (magic {magic:#x}); no memory map");
            BootInfo::empty("unknown")
        }
    }
}

/// Reads a NUL-terminated string at a physical address (at most `max` bytes).
fn phys_cstr(phys: u64, max: usize) -> &'static [u8] {
    if phys == 0 {
        return &[];
    }
    let p = phys_to_virt(phys) as *const u8;
    let mut n = 0;
    // SAFETY: the loader placed a NUL-terminated string there, inside the boot direct map; the
    // scan stops at `max` bytes in any case.
    unsafe {
        while n < max && *p.add(n) != 0 {
            n += 1;
        }
        core::slice::from_raw_parts(p, n)
    }
}

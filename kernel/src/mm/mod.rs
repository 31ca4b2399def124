//! Memory management: the kernel's virtual layout, physical frames, page tables, the heap and
//! kernel stacks.
//!
//! Virtual layout (48-bit, 4-level paging):
//!
//! | range                                   | what                                     |
//! |-----------------------------------------|------------------------------------------|
//! | `0000_0000_0000_0000..0000_8000_0000_0000` | user space (per process)              |
//! | `ffff_8000_0000_0000..`                 | direct map of all physical memory (NX)   |
//! | `ffff_c000_0000_0000..`                 | kernel heap, grows on demand (NX)        |
//! | `ffff_c800_0000_0000..`                 | kernel stacks, each below a guard page   |
//! | `ffff_d000_0000_0000..`                 | MMIO (uncached)                          |
//! | `ffff_ffff_8000_0000..`                 | kernel image (text RX, rodata R, data RW)|
//!
//! Every kernel PML4 slot (256..512) has its page-directory-pointer table from boot on, so each
//! address space copies the kernel half once and later kernel mappings appear everywhere.
//!
//! Lock order: heap -> frames -> kernel page tables (`paging::KERNEL_PT`).

pub mod aspace;
pub mod exeinfo;
pub mod frames;
pub mod heap;
pub mod kstack;
pub mod mmio;
pub mod usercopy;

/// Start of the direct map of physical memory.
pub const PHYS_OFFSET: u64 = 0xffff_8000_0000_0000;
/// Start of the kernel heap.
pub const HEAP_BASE: u64 = 0xffff_c000_0000_0000;
/// Largest the heap may grow.
pub const HEAP_MAX: u64 = 64 << 30;
/// Start of the kernel stack area.
pub const KSTACK_BASE: u64 = 0xffff_c800_0000_0000;
/// Start of the MMIO area.
pub const MMIO_BASE: u64 = 0xffff_d000_0000_0000;
/// Where the kernel image is linked.
pub const KERNEL_VMA: u64 = 0xffff_ffff_8000_0000;
/// Page size.
pub const PAGE_SIZE: u64 = 4096;
/// First address above user space.
pub const USER_END: u64 = 0x0000_8000_0000_0000;

/// The direct-map address of a physical address.
pub const fn phys_to_virt(pa: u64) -> u64 {
    pa + PHYS_OFFSET
}

/// A zeroed buffer of `len` bytes, or ENOMEM: user space chooses these sizes, so running out
/// of memory must be an error, not an allocation failure that stops the kernel.
pub fn try_zeroed_buffer(len: usize) -> keel_abi::KResult<alloc::vec::Vec<u8>> {
    let mut v = alloc::vec::Vec::new();
    v.try_reserve_exact(len)
        .map_err(|_| keel_abi::Errno::ENOMEM)?;
    v.resize(len, 0);
    Ok(v)
}

/// Rounds down to a page boundary.
pub const fn page_floor(a: u64) -> u64 {
    a & !(PAGE_SIZE - 1)
}

/// Rounds up to a page boundary (saturating at the last page).
pub const fn page_ceil(a: u64) -> u64 {
    match a.checked_add(PAGE_SIZE - 1) {
        Some(v) => v & !(PAGE_SIZE - 1),
        None => !(PAGE_SIZE - 1),
    }
}

/// Rounds up to a page boundary, or `None` on overflow.
pub const fn page_ceil_checked(a: u64) -> Option<u64> {
    match a.checked_add(PAGE_SIZE - 1) {
        Some(v) => Some(v & !(PAGE_SIZE - 1)),
        None => None,
    }
}

/// True for addresses in the kernel half.
pub const fn is_kernel_addr(a: u64) -> bool {
    a >= 0xffff_8000_0000_0000
}

extern "C" {
    static __kernel_phys_start: u8;
    static __kernel_phys_end: u8;
    static __text_start: u8;
    static __text_end: u8;
    static __rodata_start: u8;
    static __rodata_end: u8;
    static __data_start: u8;
    static __data_end: u8;
    static boot_stack_guard: u8;
}

/// Addresses of linker-script symbols.
pub mod image {
    macro_rules! sym {
        ($name:ident) => {
            /// Address of the linker symbol of the same name.
            pub fn $name() -> u64 {
                core::ptr::addr_of!(super::$name) as u64
            }
        };
    }
    sym!(__kernel_phys_start);
    sym!(__kernel_phys_end);
    sym!(__text_start);
    sym!(__text_end);
    sym!(__rodata_start);
    sym!(__rodata_end);
    sym!(__data_start);
    sym!(__data_end);
    sym!(boot_stack_guard);
}

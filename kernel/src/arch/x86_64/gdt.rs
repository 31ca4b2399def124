//! The GDT and the TSS.
//!
//! Layout fixed by `syscall`/`sysret`: kernel code 0x08, kernel data 0x10, user data 0x18,
//! user code 0x20 (STAR's SYSRET base is 0x10, so SYSRET loads SS = 0x18|3, CS = 0x20|3), then
//! the 16-byte TSS descriptor at 0x28. The TSS holds `rsp0` (the current thread's kernel stack
//! top, loaded on every switch) and the IST stacks for double fault, NMI and machine check.

use core::cell::UnsafeCell;

use crate::mm::kstack::KernelStack;

pub const KERNEL_CS: u16 = 0x08;
pub const KERNEL_DS: u16 = 0x10;
pub const USER_DS: u16 = 0x18 | 3;
pub const USER_CS: u16 = 0x20 | 3;
const TSS_SEL: u16 = 0x28;

/// IST slots (1-based, as the IDT names them).
pub const IST_DOUBLE_FAULT: u8 = 1;
pub const IST_NMI: u8 = 2;
pub const IST_MACHINE_CHECK: u8 = 3;

#[repr(C, packed(4))]
struct Tss {
    reserved0: u32,
    rsp: [u64; 3],
    reserved1: u64,
    ist: [u64; 7],
    reserved2: u64,
    reserved3: u16,
    iomap_base: u16,
}

struct Cell<T>(UnsafeCell<T>);
// SAFETY: the GDT and TSS are written during single-threaded boot and afterwards only
// `rsp0` is written, by the scheduler with interrupts off (uniprocessor; one TSS per CPU on SMP).
unsafe impl<T> Sync for Cell<T> {}

static TSS: Cell<Tss> = Cell(UnsafeCell::new(Tss {
    reserved0: 0,
    rsp: [0; 3],
    reserved1: 0,
    ist: [0; 7],
    reserved2: 0,
    reserved3: 0,
    iomap_base: 104,
}));

static GDT: Cell<[u64; 7]> = Cell(UnsafeCell::new([
    0,
    0x00af_9a00_0000_ffff, // kernel code, 64-bit
    0x00cf_9200_0000_ffff, // kernel data
    0x00cf_f200_0000_ffff, // user data
    0x00af_fa00_0000_ffff, // user code, 64-bit
    0,
    0,
]));

/// Loads the GDT and TSS, with IST stacks for the faults that must not use the current stack.
pub fn init() {
    let tss_addr = TSS.0.get() as u64;
    // SAFETY: single-threaded boot; nothing else references the GDT or TSS yet.
    unsafe {
        let tss = &mut *TSS.0.get();
        for slot in [IST_DOUBLE_FAULT, IST_NMI, IST_MACHINE_CHECK] {
            let stack = KernelStack::new().expect("no memory for IST stacks");
            tss.ist[slot as usize - 1] = stack.top();
            core::mem::forget(stack); // IST stacks live forever
        }
        let gdt = &mut *GDT.0.get();
        let limit = (core::mem::size_of::<Tss>() - 1) as u64;
        gdt[5] = (limit & 0xffff)
            | ((tss_addr & 0xff_ffff) << 16)
            | (0x89 << 40) // present, 64-bit available TSS
            | (((limit >> 16) & 0xf) << 48)
            | (((tss_addr >> 24) & 0xff) << 56);
        gdt[6] = tss_addr >> 32;
        let ptr = DescriptorPtr {
            limit: (core::mem::size_of::<[u64; 7]>() - 1) as u16,
            base: gdt.as_ptr() as u64,
        };
        core::arch::asm!(
            "lgdt [{ptr}]",
            "push {cs}",
            "lea {tmp}, [rip + 2f]",
            "push {tmp}",
            "retfq",
            "2:",
            "mov ds, {ds:x}",
            "mov es, {ds:x}",
            "mov ss, {ds:x}",
            "ltr {tss:x}",
            ptr = in(reg) &ptr,
            cs = const KERNEL_CS as u64,
            ds = in(reg) KERNEL_DS as u64,
            tss = in(reg) TSS_SEL as u64,
            tmp = out(reg) _,
        );
    }
}

/// Sets the stack the CPU switches to on a trap from user mode.
pub fn set_kernel_stack(top: u64) {
    // SAFETY: see `Cell`; called with interrupts off by the scheduler.
    unsafe { core::ptr::addr_of_mut!((*TSS.0.get()).rsp[0]).write_unaligned(top) };
}

/// Pointer operand of `lgdt`/`lidt`.
#[repr(C, packed)]
pub struct DescriptorPtr {
    pub limit: u16,
    pub base: u64,
}

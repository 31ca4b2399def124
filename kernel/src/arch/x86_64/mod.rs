//! x86_64 architecture support: boot stub, descriptor tables, traps, paging, interrupt
//! controllers, context switching and the few instructions the rest of the kernel needs.
//! Everything that touches CPU state directly lives under this module.

pub mod apic;
pub mod context;
pub mod cpu;
pub mod exit;
pub mod extable;
pub mod fpu;
pub mod gdt;
pub mod idt;
pub mod msr;
pub mod paging;
pub mod percpu;
pub mod pit;
pub mod port;
pub mod syscall;
pub mod trap;

core::arch::global_asm!(include_str!("boot.S"));

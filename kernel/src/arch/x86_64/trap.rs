//! Trap dispatch: exceptions, device interrupts and the diagnostics of a kernel fault.
//!
//! One [`TrapFrame`] type describes every entry into the kernel (exceptions, interrupts and,
//! later, system calls). Kernel-mode faults are either expected (the RIP is in the exception
//! table: resume at the fixup) or fatal: the report names the vector, error code, RIP, CR2 for
//! page faults, all registers and a symbolized backtrace, then the kernel stops (in test mode
//! QEMU exits with a failure status).

use core::fmt;

use super::{apic, cpu, extable};
use crate::debug::backtrace;

/// Registers saved on entry, in the order `trap.S` pushes them (lowest address first).
#[derive(Clone, Copy, Debug, Default)]
#[repr(C)]
pub struct TrapFrame {
    pub r15: u64,
    pub r14: u64,
    pub r13: u64,
    pub r12: u64,
    pub r11: u64,
    pub r10: u64,
    pub r9: u64,
    pub r8: u64,
    pub rbp: u64,
    pub rdi: u64,
    pub rsi: u64,
    pub rdx: u64,
    pub rcx: u64,
    pub rbx: u64,
    pub rax: u64,
    pub vector: u64,
    pub error_code: u64,
    pub rip: u64,
    pub cs: u64,
    pub rflags: u64,
    pub rsp: u64,
    pub ss: u64,
}

const _: () = assert!(core::mem::size_of::<TrapFrame>() == 22 * 8);

impl TrapFrame {
    /// True if the trap came from user mode.
    #[allow(
        clippy::wrong_self_convention,
        reason = "reads as 'came from user', not a conversion"
    )]
    pub fn from_user(&self) -> bool {
        self.cs & 3 == 3
    }
}

impl fmt::Display for TrapFrame {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "  RAX={:016x} RBX={:016x} RCX={:016x} RDX={:016x}",
            self.rax, self.rbx, self.rcx, self.rdx
        )?;
        writeln!(
            f,
            "  RSI={:016x} RDI={:016x} RBP={:016x} RSP={:016x}",
            self.rsi, self.rdi, self.rbp, self.rsp
        )?;
        writeln!(
            f,
            "  R8 ={:016x} R9 ={:016x} R10={:016x} R11={:016x}",
            self.r8, self.r9, self.r10, self.r11
        )?;
        writeln!(
            f,
            "  R12={:016x} R13={:016x} R14={:016x} R15={:016x}",
            self.r12, self.r13, self.r14, self.r15
        )?;
        write!(
            f,
            "  RIP={:016x} CS={:04x} SS={:04x} RFLAGS={:016x}",
            self.rip, self.cs, self.ss, self.rflags
        )
    }
}

/// Vector numbers.
pub mod vector {
    pub const PAGE_FAULT: u64 = 14;
    pub const DOUBLE_FAULT: u64 = 8;
    pub const FIRST_IRQ: u64 = 32;
    pub const TIMER: u64 = 32;
    pub const SPURIOUS: u64 = 0xff;
}

/// Linux-style names of the CPU exceptions.
pub fn exception_name(v: u64) -> &'static str {
    const NAMES: [&str; 32] = [
        "divide error",
        "debug",
        "NMI",
        "breakpoint",
        "overflow",
        "bound range exceeded",
        "invalid opcode",
        "device not available",
        "double fault",
        "coprocessor segment overrun",
        "invalid TSS",
        "segment not present",
        "stack segment fault",
        "general protection fault",
        "page fault",
        "reserved",
        "x87 floating point",
        "alignment check",
        "machine check",
        "SIMD floating point",
        "virtualization",
        "control protection",
        "reserved",
        "reserved",
        "reserved",
        "reserved",
        "reserved",
        "reserved",
        "hypervisor injection",
        "VMM communication",
        "security",
        "reserved",
    ];
    NAMES.get(v as usize).copied().unwrap_or("interrupt")
}

/// Entry from `trap.S`.
#[no_mangle]
extern "C" fn trap_dispatch(frame: &mut TrapFrame) {
    match frame.vector {
        v if v < vector::FIRST_IRQ => exception(frame),
        vector::SPURIOUS => {}
        v => {
            if v == vector::TIMER {
                crate::proc::account_tick(frame.from_user());
            }
            crate::irq::dispatch(v as u8);
            apic::eoi();
        }
    }
    if frame.from_user() {
        crate::sched::return_to_user_checks(frame);
    }
}

fn exception(frame: &mut TrapFrame) {
    let mut fault = None;
    if frame.vector == vector::PAGE_FAULT {
        let addr = cpu::cr2();
        let code = frame.error_code;
        // A user address, from user mode or from a user copy: demand paging first.
        if addr < crate::mm::USER_END {
            match crate::proc::resolve_user_fault(addr, code & 2 != 0, code & 16 != 0) {
                Ok(()) => return,
                Err(crate::mm::aspace::FaultError::NoMemory) if frame.from_user() => {
                    crate::proc::out_of_memory_kill()
                }
                Err(e) => fault = Some(e),
            }
        }
        if !frame.from_user() {
            if let Some(fixup) = extable::fixup_for(frame.rip) {
                frame.rip = fixup;
                return;
            }
        }
    }
    if frame.from_user() {
        crate::proc::signal::user_exception(frame, fault);
        return;
    }
    kernel_fault(frame);
}

/// Reports a fatal kernel-mode exception and stops.
pub fn kernel_fault(frame: &TrapFrame) -> ! {
    crate::drivers::serial::force_unlock();
    let v = frame.vector;
    crate::println!(
        "\n!!! KERNEL FAULT: {} (vector {v}) error code {:#x}",
        exception_name(v),
        frame.error_code
    );
    crate::println!(
        "  RIP={:#018x} {}",
        frame.rip,
        crate::debug::ksyms::Symbolized(frame.rip)
    );
    if v == vector::PAGE_FAULT || v == vector::DOUBLE_FAULT {
        let cr2 = cpu::cr2();
        let what = if crate::mm::kstack::is_guard_page(cr2)
            || crate::mm::kstack::is_guard_page(frame.rsp)
        {
            " (kernel stack overflow: guard page)"
        } else {
            ""
        };
        crate::println!(
            "  CR2={cr2:#018x}{what} [{}]",
            PageFaultCode(frame.error_code)
        );
    }
    crate::println!("{frame}");
    crate::println!("  CR3={:#x} CR4={:#x}", cpu::cr3(), cpu::cr4());
    backtrace::print_from(frame.rip, frame.rbp);
    crate::debug::stop(false)
}

/// Decodes a page-fault error code.
pub struct PageFaultCode(pub u64);

impl fmt::Display for PageFaultCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let c = self.0;
        write!(
            f,
            "{} {} in {} mode{}",
            if c & 1 != 0 {
                "protection violation"
            } else {
                "not present"
            },
            if c & 16 != 0 {
                "on fetch"
            } else if c & 2 != 0 {
                "on write"
            } else {
                "on read"
            },
            if c & 4 != 0 { "user" } else { "kernel" },
            if c & 8 != 0 { ", reserved bit" } else { "" }
        )
    }
}

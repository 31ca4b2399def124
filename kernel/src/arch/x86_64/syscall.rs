//! The `syscall` instruction's entry and exit.
//!
//! Entry switches to the thread's kernel stack (from `gs:[8]`, with the user RSP parked in
//! `gs:[16]`), builds the same [`TrapFrame`] as an interrupt (vector [`SYSCALL_VECTOR`]),
//! enables interrupts and calls `syscall_entry_rust`. The return takes `sysretq` when the
//! frame allows it (user CS, canonical RIP) and `iretq` through `trap_return` otherwise, so
//! exec and, later, signal delivery may rewrite any register.

use super::cpu;
use super::gdt::{KERNEL_CS, USER_CS, USER_DS};
use super::trap::TrapFrame;

/// The pseudo-vector recorded in the frame of a system call.
pub const SYSCALL_VECTOR: u64 = 0x100;

// The entry itself is in trap.S, next to the interrupt entry it shares the frame layout with;
// these are the numbers it hard-codes.
const _: () = assert!(USER_DS == 0x1b && USER_CS == 0x23 && SYSCALL_VECTOR == 0x100);

extern "C" {
    fn syscall_entry();
    fn enter_user_frame(frame: *const TrapFrame) -> !;
}

use super::msr::{MSR_EFER, MSR_FMASK, MSR_LSTAR, MSR_STAR};

/// Enables `syscall`: entry point, segments, and the RFLAGS bits cleared on entry (IF, DF, TF,
/// AC, so the kernel starts with interrupts off, string ops forward and SMAP closed).
pub fn init() {
    // SAFETY: these MSRs exist on x86_64; STAR's selectors match the GDT layout in `gdt`.
    unsafe {
        cpu::wrmsr(MSR_EFER, cpu::rdmsr(MSR_EFER) | 1);
        cpu::wrmsr(MSR_STAR, ((0x10u64 | 3) << 48) | ((KERNEL_CS as u64) << 32));
        cpu::wrmsr(MSR_LSTAR, syscall_entry as *const () as u64);
        cpu::wrmsr(MSR_FMASK, (1 << 9) | (1 << 10) | (1 << 8) | (1 << 18));
    }
}

#[no_mangle]
extern "C" fn syscall_entry_rust(frame: &mut TrapFrame) -> u64 {
    crate::syscall::dispatch(frame);
    crate::sched::return_to_user_checks(frame);
    // sysretq needs a canonical user RIP (else it faults in ring 0) and the user selectors,
    // and it loads RIP from RCX and RFLAGS from R11: only a frame whose RCX and R11 hold
    // exactly those may leave through it (a signal return restores every register).
    let ok = frame.cs == USER_CS as u64
        && frame.ss == USER_DS as u64
        && frame.rip < crate::mm::USER_END
        && frame.rflags & (1 << 8) == 0
        && frame.rcx == frame.rip
        && frame.r11 == frame.rflags;
    ok as u64
}

/// Enters user mode with `frame`, which must lie at the top of the current kernel stack.
pub fn enter_user(frame: *const TrapFrame) -> ! {
    // SAFETY: the frame holds user selectors and a user RIP/RSP; the stack below it is ours.
    unsafe { enter_user_frame(frame) }
}

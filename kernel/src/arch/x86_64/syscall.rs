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

core::arch::global_asm!(
    r#"
.section .text.syscall, "ax"
.global syscall_entry
syscall_entry:
    swapgs
    mov gs:[16], rsp
    mov rsp, gs:[8]
    push {user_ds}
    push qword ptr gs:[16]
    push r11
    push {user_cs}
    push rcx
    push 0
    push {vector}
    push rax
    push rbx
    push rcx
    push rdx
    push rsi
    push rdi
    push rbp
    push r8
    push r9
    push r10
    push r11
    push r12
    push r13
    push r14
    push r15
    mov rdi, rsp
    cld
    sti
    call syscall_entry_rust
    cli
    test rax, rax
    jz trap_return
    pop r15
    pop r14
    pop r13
    pop r12
    pop r11
    pop r10
    pop r9
    pop r8
    pop rbp
    pop rdi
    pop rsi
    pop rdx
    pop rcx
    pop rbx
    pop rax
    add rsp, 16
    pop rcx
    add rsp, 8
    pop r11
    pop rsp
    swapgs
    sysretq

// Enters user mode for the first time: `rdi` points at a TrapFrame on this thread's kernel
// stack.
.global enter_user_frame
enter_user_frame:
    cli
    mov rsp, rdi
    jmp trap_return
"#,
    user_ds = const USER_DS as u64,
    user_cs = const USER_CS as u64,
    vector = const SYSCALL_VECTOR,
);

extern "C" {
    fn syscall_entry();
    fn enter_user_frame(frame: *const TrapFrame) -> !;
}

const MSR_EFER: u32 = 0xc000_0080;
const MSR_STAR: u32 = 0xc000_0081;
const MSR_LSTAR: u32 = 0xc000_0082;
const MSR_FMASK: u32 = 0xc000_0084;

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
    // sysretq needs a canonical user RIP (else it faults in ring 0) and the user selectors.
    let ok = frame.cs == USER_CS as u64
        && frame.ss == USER_DS as u64
        && frame.rip < crate::mm::USER_END
        && frame.rflags & (1 << 8) == 0;
    ok as u64
}

/// Enters user mode with `frame`, which must lie at the top of the current kernel stack.
pub fn enter_user(frame: *const TrapFrame) -> ! {
    // SAFETY: the frame holds user selectors and a user RIP/RSP; the stack below it is ours.
    unsafe { enter_user_frame(frame) }
}

//! Kernel context switch: callee-saved registers on the old stack, stack pointer swapped.
//! A new thread's stack is prepared so that the first switch "returns" into
//! `thread_trampoline`, which calls `sched::thread::thread_start(arg)`.

core::arch::global_asm!(
    r#"
.section .text.context, "ax"
// void context_switch(u64 *save_rsp, u64 next_rsp)
.global context_switch
context_switch:
    push rbp
    push rbx
    push r12
    push r13
    push r14
    push r15
    mov [rdi], rsp
    mov rsp, rsi
    pop r15
    pop r14
    pop r13
    pop r12
    pop rbx
    pop rbp
    ret

.global thread_trampoline
thread_trampoline:
    mov rdi, r12
    call thread_start
    ud2
"#
);

extern "C" {
    fn context_switch(save_rsp: *mut u64, next_rsp: u64);
    fn thread_trampoline();
}

/// Switches to the context whose stack pointer is `next_rsp`, saving ours in `*save_rsp`.
///
/// # Safety
/// Interrupts must be off; `next_rsp` must come from [`init_stack`] or an earlier save, and the
/// stack behind it must stay alive until that context runs.
pub unsafe fn switch(save_rsp: *mut u64, next_rsp: u64) {
    // SAFETY: upheld by the caller.
    unsafe { context_switch(save_rsp, next_rsp) }
}

/// Prepares a fresh kernel stack whose first switch runs `thread_start(arg)`; returns the
/// initial saved stack pointer.
///
/// # Safety
/// `top` must be the 16-byte-aligned top of a mapped stack of at least 64 bytes.
pub unsafe fn init_stack(top: u64, arg: u64) -> u64 {
    let frame: [u64; 7] = [0, 0, 0, arg, 0, 0, thread_trampoline as *const () as u64];
    // r15, r14, r13, r12 = arg, rbx, rbp, return address
    let rsp = top - 8 * frame.len() as u64;
    // SAFETY: upheld by the caller: [rsp, top) lies in the stack.
    unsafe { core::ptr::copy_nonoverlapping(frame.as_ptr(), rsp as *mut u64, frame.len()) };
    rsp
}

// The common interrupt/exception entry and the one return path.
//
// Every stub (generated into trap_stubs.S by build.rs) has pushed an error code (real or 0) and
// the vector; the CPU pushed SS, RSP, RFLAGS, CS and RIP. This saves the general registers to
// complete a `TrapFrame`, switches GS when the trap came from user mode, and calls
// `trap_dispatch(&mut TrapFrame)`. `trap_return` is also where new user threads and (later)
// system calls leave the kernel, so every return to user mode passes through it.

.section .text.trap, "ax"
.global trap_common
trap_common:
    test qword ptr [rsp + 24], 3              // CS of the interrupted context
    jz 1f
    swapgs
1:
    // A clean RFLAGS: user space may have set AC, which would switch SMAP off for the kernel.
    // (IF is already clear: every gate is an interrupt gate.)
    push 2
    popfq
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
    call trap_dispatch

.global trap_return
trap_return:
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
    add rsp, 16                               // vector and error code
    test qword ptr [rsp + 8], 3
    jz 2f
    swapgs
2:
    iretq

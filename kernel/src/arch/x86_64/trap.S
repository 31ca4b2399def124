// The common interrupt/exception entry, the syscall entry, and the one return path.
//
// Every stub (generated into trap_stubs.S by build.rs) has pushed an error code (real or 0) and
// the vector; the CPU pushed SS, RSP, RFLAGS, CS and RIP. This saves the general registers to
// complete a `TrapFrame`, switches GS when the trap came from user mode, and calls
// `trap_dispatch(&mut TrapFrame)`. `trap_return` is also where new user threads and (later)
// system calls leave the kernel, so every return to user mode passes through it.

.macro SAVE_GPRS
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
.endm

.macro RESTORE_GPRS
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
.endm

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
    SAVE_GPRS
    mov rdi, rsp
    cld
    call trap_dispatch

.global trap_return
trap_return:
    RESTORE_GPRS
    add rsp, 16                               // vector and error code
    test qword ptr [rsp + 8], 3
    jz 2f
    swapgs
2:
    iretq

// The `syscall` instruction lands here (LSTAR): switch to the thread's kernel stack (gs:[8]),
// park the user RSP in gs:[16], build the same TrapFrame as an interrupt with vector 0x100,
// and call syscall_entry_rust(frame). Its result chooses the exit: sysretq when the frame
// allows it, the common iretq path otherwise. 0x1b and 0x23 are USER_DS and USER_CS (checked
// in syscall.rs).
.global syscall_entry
syscall_entry:
    swapgs
    mov gs:[16], rsp
    mov rsp, gs:[8]
    push 0x1b
    push qword ptr gs:[16]
    push r11
    push 0x23
    push rcx
    push 0
    push 0x100
    SAVE_GPRS
    mov rdi, rsp
    cld
    sti
    call syscall_entry_rust
    cli
    test rax, rax
    jz trap_return
    RESTORE_GPRS
    add rsp, 16
    pop rcx
    add rsp, 8
    pop r11
    pop rsp
    swapgs
    sysretq

// Enters user mode for the first time: rdi points at a TrapFrame on this thread's kernel stack.
.global enter_user_frame
enter_user_frame:
    cli
    mov rsp, rdi
    jmp trap_return

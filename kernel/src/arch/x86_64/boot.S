// Keel's boot stub: the two 32-bit entry points, the switch to long mode and the jump into the
// higher half. Intel syntax (Rust's global_asm! default).
//
//   multiboot2 (GRUB):  EAX = 0x36d76289, EBX = physical address of the boot information.
//   PVH (qemu -kernel): EBX = physical address of struct hvm_start_info; EAX undefined.
//
// Both reach `kmain(magic, info)` on the boot stack, with the first GiB of physical memory
// identity mapped, mapped at 0xFFFF800000000000 and at 0xFFFFFFFF80000000. Rust then builds the
// real page tables.

.set MB2_MAGIC, 0xe85250d6
.set PVH_MAGIC, 0x336ec578

.section .multiboot2_header, "a"
.align 8
mb2_header:
    .long MB2_MAGIC
    .long 0                                   // architecture: i386 protected mode
    .long mb2_header_end - mb2_header
    .long 0x100000000 - (MB2_MAGIC + (mb2_header_end - mb2_header))
    .align 8                                  // entry address tag
    .short 3, 0
    .long 12
    .long start32
    .align 8                                  // module alignment tag: page-aligned modules
    .short 6, 0
    .long 8
    .align 8                                  // end tag
    .short 0, 0
    .long 8
mb2_header_end:

// XEN_ELFNOTE_PHYS32_ENTRY (18): the PVH entry point, as Linux emits it.
.section .note.Xen, "a", @note
.align 4
    .long 4
    .long 8
    .long 18
    .asciz "Xen"
    .align 4
    .quad pvh_start32
    .align 4

.section .boot.text, "ax"
.code32
.global start32
start32:
    cli
    cld
    mov edi, eax
    mov esi, ebx
    jmp common32

.global pvh_start32
pvh_start32:
    cli
    cld
    mov edi, PVH_MAGIC
    mov esi, ebx

common32:
    mov esp, offset boot_stack32_top
    push edi
    push esi

    // Zero the four boot page tables (PML4, two PDPTs, one PD).
    mov edi, offset boot_pml4
    xor eax, eax
    mov ecx, 4096
    rep stosd

    // PD: 512 x 2 MiB pages covering the first GiB (present, writable, huge).
    mov edi, offset boot_pd
    mov eax, 0x83
    mov ecx, 512
1:  mov [edi], eax
    add eax, 0x200000
    add edi, 8
    loop 1b

    mov eax, offset boot_pd
    or eax, 3
    mov [boot_pdpt_low], eax
    mov [boot_pdpt_high + 510 * 8], eax
    mov eax, offset boot_pdpt_low
    or eax, 3
    mov [boot_pml4], eax                      // identity
    mov [boot_pml4 + 256 * 8], eax            // direct map at 0xFFFF800000000000
    mov eax, offset boot_pdpt_high
    or eax, 3
    mov [boot_pml4 + 511 * 8], eax            // kernel image at 0xFFFFFFFF80000000

    mov eax, cr4
    or eax, 1 << 5                            // PAE
    mov cr4, eax
    mov eax, offset boot_pml4
    mov cr3, eax
    mov ecx, 0xC0000080                       // EFER
    rdmsr
    or eax, (1 << 8) | (1 << 11)              // LME, NXE
    wrmsr
    mov eax, cr0
    or eax, (1 << 31) | (1 << 16) | 1         // PG, WP, PE
    mov cr0, eax

    lgdt [boot_gdt_ptr]
    pop esi
    pop edi
    mov eax, 0x08
    push eax
    mov eax, offset long_mode_low
    push eax
    retf

.code64
long_mode_low:
    mov ax, 0x10
    mov ds, ax
    mov es, ax
    mov ss, ax
    xor eax, eax
    mov fs, ax
    mov gs, ax
    movabs rax, offset long_mode_high
    jmp rax

.section .boot.data, "aw"
.align 16
boot_gdt:
    .quad 0
    .quad 0x00af9a000000ffff                  // 0x08: 64-bit code
    .quad 0x00cf92000000ffff                  // 0x10: data
boot_gdt_ptr:
    .short boot_gdt_ptr - boot_gdt - 1
    .long boot_gdt

.section .boot.bss, "aw", @nobits
.align 4096
boot_pml4:      .skip 4096
boot_pdpt_low:  .skip 4096
boot_pdpt_high: .skip 4096
boot_pd:        .skip 4096
boot_stack32:   .skip 256
boot_stack32_top:

.section .text.boot64, "ax"
long_mode_high:
    lea rsp, [rip + boot_stack_top]
    xor ebp, ebp
    call kmain
2:  hlt
    jmp 2b

// The bootstrap thread's stack, with a guard page below it that paging leaves unmapped.
.section .bss.boot_stack, "aw", @nobits
.align 4096
.global boot_stack_guard
boot_stack_guard:
    .skip 4096
.global boot_stack_bottom
boot_stack_bottom:
    .skip 65536
.global boot_stack_top
boot_stack_top:

//! The exception table: instructions allowed to fault, each paired with the address to resume
//! at. A kernel-mode fault whose RIP is in the table is not a bug: the handler redirects RIP to
//! the fixup, and the routine reports failure (EFAULT for user copies). The primitives below
//! are the only places that may touch unchecked memory.

core::arch::global_asm!(
    r#"
.section .text.extable_fns, "ax"

// usize keel_copy_fixup(void *dst, const void *src, usize len)
// Returns the number of bytes NOT copied (0 on success).
.global keel_copy_fixup
keel_copy_fixup:
    mov rcx, rdx
.Lcopy_ip:
    rep movsb
    xor eax, eax
    ret
.Lcopy_fix:
    mov rax, rcx
    ret

// usize keel_clear_fixup(void *dst, usize len)
// Returns the number of bytes NOT zeroed (0 on success).
.global keel_clear_fixup
keel_clear_fixup:
    mov rcx, rsi
    xor eax, eax
.Lclear_ip:
    rep stosb
    ret
.Lclear_fix:
    mov rax, rcx
    ret

// usize keel_probe_read(const u64 *addr, u64 *out): 0 on success, 1 on a fault.
.global keel_probe_read
keel_probe_read:
.Lprobe_ip:
    mov rax, [rdi]
    mov [rsi], rax
    xor eax, eax
    ret
.Lprobe_fix:
    mov eax, 1
    ret

.section .ex_table, "a"
.balign 8
    .quad .Lcopy_ip, .Lcopy_fix
    .quad .Lprobe_ip, .Lprobe_fix
    .quad .Lclear_ip, .Lclear_fix
"#
);

extern "C" {
    fn keel_copy_fixup(dst: *mut u8, src: *const u8, len: usize) -> usize;
    fn keel_probe_read(addr: *const u64, out: *mut u64) -> usize;
    fn keel_clear_fixup(dst: *mut u8, len: usize) -> usize;
    static __ex_table_start: [u64; 0];
    static __ex_table_end: [u64; 0];
}

/// The fixup address for a faulting RIP, if the instruction is allowed to fault.
pub fn fixup_for(rip: u64) -> Option<u64> {
    // SAFETY: the linker script places the (fault, fixup) pairs between the two symbols.
    let table = unsafe {
        let start = __ex_table_start.as_ptr();
        let len = (__ex_table_end.as_ptr() as usize - start as usize) / 8;
        core::slice::from_raw_parts(start, len)
    };
    table.chunks_exact(2).find(|p| p[0] == rip).map(|p| p[1])
}

/// Copies `len` bytes, surviving page faults on either side; returns the bytes not copied.
///
/// # Safety
/// `dst` must not overlap kernel data that a partial write could corrupt: it is either user
/// memory or a kernel buffer owned by the caller. Faults are only survivable for addresses the
/// page-fault handler is willing to fix up (unmapped or protected pages).
pub unsafe fn copy_with_fixup(dst: *mut u8, src: *const u8, len: usize) -> usize {
    // SAFETY: upheld by the caller; the routine's only faulting instruction is in the table.
    unsafe { keel_copy_fixup(dst, src, len) }
}

/// Zeroes `len` bytes, surviving page faults; returns the bytes not zeroed.
///
/// # Safety
/// As [`copy_with_fixup`] for `dst`.
pub unsafe fn clear_with_fixup(dst: *mut u8, len: usize) -> usize {
    // SAFETY: upheld by the caller; the routine's only faulting instruction is in the table.
    unsafe { keel_clear_fixup(dst, len) }
}

/// Reads a u64 at any address, returning `None` instead of faulting (for guard-page tests and
/// for walking frame pointers that may be corrupt).
pub fn probe_read(addr: u64) -> Option<u64> {
    if !addr.is_multiple_of(8) {
        return None;
    }
    let mut out = 0u64;
    // SAFETY: the only faulting instruction reads `addr`; a fault resumes at the fixup.
    let r = unsafe { keel_probe_read(addr as *const u64, &mut out) };
    (r == 0).then_some(out)
}

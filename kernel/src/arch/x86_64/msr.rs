//! Model-specific register numbers the kernel uses, and the user-visible segment bases.

use super::cpu;

/// Extended features (SCE for syscall, NXE).
pub const MSR_EFER: u32 = 0xc000_0080;
/// syscall/sysret segment selectors.
pub const MSR_STAR: u32 = 0xc000_0081;
/// syscall entry point.
pub const MSR_LSTAR: u32 = 0xc000_0082;
/// RFLAGS bits cleared on syscall entry.
pub const MSR_FMASK: u32 = 0xc000_0084;
/// FS base (user TLS).
pub const MSR_FS_BASE: u32 = 0xc000_0100;
/// GS base (the per-CPU block while in the kernel).
pub const MSR_GS_BASE: u32 = 0xc000_0101;
/// The GS base `swapgs` exchanges with: the user's GS base while in the kernel.
pub const MSR_KERNEL_GS_BASE: u32 = 0xc000_0102;
/// Local APIC base.
pub const MSR_APIC_BASE: u32 = 0x1b;

/// Loads the user's FS base.
pub fn set_user_fs_base(v: u64) {
    // SAFETY: FS_BASE exists on x86_64; the kernel does not use FS, and callers pass
    // canonical user addresses (arch_prctl checks, the rest are saved values).
    unsafe { cpu::wrmsr(MSR_FS_BASE, v) };
}

/// Loads the user's GS base (kept in KERNEL_GS_BASE until `swapgs` on the way out).
pub fn set_user_gs_base(v: u64) {
    // SAFETY: as above; in kernel mode the user's GS base waits in KERNEL_GS_BASE.
    unsafe { cpu::wrmsr(MSR_KERNEL_GS_BASE, v) };
}

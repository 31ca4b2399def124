//! CPU identification, control registers and interrupt flag helpers.

use core::arch::asm;
use core::arch::x86_64::{__cpuid_count, CpuidResult};

/// CPUID leaf `leaf`, sub-leaf `sub`.
pub fn cpuid(leaf: u32, sub: u32) -> CpuidResult {
    // CPUID is available on every x86_64 CPU.
    __cpuid_count(leaf, sub)
}

/// Features the kernel checks for.
#[derive(Clone, Copy, Debug, Default)]
pub struct Features {
    pub smep: bool,
    pub smap: bool,
    pub rdrand: bool,
    pub rdseed: bool,
    pub xsave: bool,
}

/// Reads the features this kernel cares about.
pub fn features() -> Features {
    let l1 = cpuid(1, 0);
    let l7 = cpuid(7, 0);
    Features {
        smep: l7.ebx & (1 << 7) != 0,
        smap: l7.ebx & (1 << 20) != 0,
        rdseed: l7.ebx & (1 << 18) != 0,
        rdrand: l1.ecx & (1 << 30) != 0,
        xsave: l1.ecx & (1 << 26) != 0,
    }
}

/// Reads CR2, the faulting address of the last page fault.
pub fn cr2() -> u64 {
    let v: u64;
    // SAFETY: reading CR2 has no side effects.
    unsafe { asm!("mov {}, cr2", out(reg) v, options(nomem, nostack, preserves_flags)) };
    v
}

/// Reads CR3.
pub fn cr3() -> u64 {
    let v: u64;
    // SAFETY: reading CR3 has no side effects.
    unsafe { asm!("mov {}, cr3", out(reg) v, options(nomem, nostack, preserves_flags)) };
    v
}

/// Loads CR3, switching address spaces and flushing non-global TLB entries.
///
/// # Safety
/// `root` must be the physical address of a valid PML4 that maps the running kernel.
pub unsafe fn set_cr3(root: u64) {
    // SAFETY: the caller guarantees the new tables map the kernel.
    unsafe { asm!("mov cr3, {}", in(reg) root, options(nostack, preserves_flags)) };
}

/// Reads CR4.
pub fn cr4() -> u64 {
    let v: u64;
    // SAFETY: reading CR4 has no side effects.
    unsafe { asm!("mov {}, cr4", out(reg) v, options(nomem, nostack, preserves_flags)) };
    v
}

/// Writes CR4.
///
/// # Safety
/// Only bits the CPU supports may be set; changing paging bits must keep the kernel mapped.
pub unsafe fn set_cr4(v: u64) {
    // SAFETY: upheld by the caller.
    unsafe { asm!("mov cr4, {}", in(reg) v, options(nostack, preserves_flags)) };
}

/// Reads a model-specific register.
pub fn rdmsr(msr: u32) -> u64 {
    let (lo, hi): (u32, u32);
    // SAFETY: callers only name MSRs that exist on x86_64 (EFER, STAR, GS base...).
    unsafe {
        asm!("rdmsr", in("ecx") msr, out("eax") lo, out("edx") hi, options(nomem, nostack, preserves_flags))
    };
    ((hi as u64) << 32) | lo as u64
}

/// Writes a model-specific register.
///
/// # Safety
/// The MSR must exist and the value must keep the kernel running (e.g. EFER.LME stays set).
pub unsafe fn wrmsr(msr: u32, v: u64) {
    // SAFETY: upheld by the caller.
    unsafe {
        asm!("wrmsr", in("ecx") msr, in("eax") v as u32, in("edx") (v >> 32) as u32, options(nostack, preserves_flags))
    };
}

/// Flushes the TLB entry for one virtual address.
pub fn invlpg(va: u64) {
    // SAFETY: invlpg only drops a cached translation.
    unsafe { asm!("invlpg [{}]", in(reg) va, options(nostack, preserves_flags)) };
}

/// True if interrupts are enabled (RFLAGS.IF).
#[inline]
pub fn interrupts_enabled() -> bool {
    let flags: u64;
    // SAFETY: reading RFLAGS has no side effects.
    unsafe { asm!("pushfq; pop {}", out(reg) flags, options(nomem, preserves_flags)) };
    flags & (1 << 9) != 0
}

/// Disables interrupts.
#[inline]
pub fn disable_interrupts() {
    // SAFETY: masking interrupts cannot break memory safety.
    unsafe { asm!("cli", options(nomem, nostack)) };
}

/// Enables interrupts.
#[inline]
pub fn enable_interrupts() {
    // SAFETY: the IDT is loaded before anything enables interrupts.
    unsafe { asm!("sti", options(nomem, nostack)) };
}

/// Disables interrupts and returns whether they were enabled.
#[inline]
pub fn irq_save() -> bool {
    let was = interrupts_enabled();
    disable_interrupts();
    was
}

/// Re-enables interrupts if `was_enabled`.
#[inline]
pub fn irq_restore(was_enabled: bool) {
    if was_enabled {
        enable_interrupts();
    }
}

/// Enables interrupts and halts until the next one, atomically (`sti; hlt`).
#[inline]
pub fn enable_and_halt() {
    // SAFETY: `sti` takes effect after the next instruction, so no interrupt is lost between
    // the two.
    unsafe { asm!("sti; hlt", options(nomem, nostack)) };
}

/// Halts forever with interrupts off.
pub fn halt_forever() -> ! {
    loop {
        disable_interrupts();
        // SAFETY: halting with interrupts off only stops this CPU.
        unsafe { asm!("hlt", options(nomem, nostack)) };
    }
}

/// Reads the time-stamp counter.
pub fn rdtsc() -> u64 {
    // SAFETY: rdtsc has no side effects.
    unsafe { core::arch::x86_64::_rdtsc() }
}

/// A hardware random number from RDSEED (preferred) or RDRAND, if the CPU has one.
pub fn hw_random(f: &Features) -> Option<u64> {
    for _ in 0..16 {
        let (v, ok): (u64, u8);
        if f.rdseed {
            // SAFETY: CPUID says RDSEED exists.
            unsafe {
                asm!("rdseed {}; setc {}", out(reg) v, out(reg_byte) ok, options(nomem, nostack))
            };
        } else if f.rdrand {
            // SAFETY: CPUID says RDRAND exists.
            unsafe {
                asm!("rdrand {}; setc {}", out(reg) v, out(reg_byte) ok, options(nomem, nostack))
            };
        } else {
            return None;
        }
        if ok != 0 {
            return Some(v);
        }
    }
    None
}

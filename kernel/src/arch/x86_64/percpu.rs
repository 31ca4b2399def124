//! Per-CPU data, reached through GS in kernel mode. `swapgs` on every entry from and exit to
//! user mode keeps the user's GS base out of the way. The first fields are read by assembly
//! (`gs:[8]`, `gs:[16]`) and must stay in place.

use core::cell::UnsafeCell;

use super::cpu;

const MSR_GS_BASE: u32 = 0xc000_0101;
const MSR_KERNEL_GS_BASE: u32 = 0xc000_0102;

/// The per-CPU block.
#[repr(C)]
pub struct PerCpu {
    /// Address of this block (`gs:[0]`).
    pub self_addr: u64,
    /// Kernel stack top of the current thread (`gs:[8]`), loaded by syscall entry.
    pub kernel_rsp: u64,
    /// User RSP saved by syscall entry (`gs:[16]`).
    pub user_rsp: u64,
}

struct Block(UnsafeCell<PerCpu>);
// SAFETY: each CPU touches only its own block, with interrupts off or from its own traps.
unsafe impl Sync for Block {}

static BSP: Block = Block(UnsafeCell::new(PerCpu {
    self_addr: 0,
    kernel_rsp: 0,
    user_rsp: 0,
}));

/// Points GS at this CPU's block.
pub fn init() {
    let p = BSP.0.get();
    // SAFETY: single-threaded boot; the block lives forever; GS base MSRs exist on x86_64.
    unsafe {
        (*p).self_addr = p as u64;
        cpu::wrmsr(MSR_GS_BASE, p as u64);
        cpu::wrmsr(MSR_KERNEL_GS_BASE, 0);
    }
}

/// Sets the kernel stack used by syscall entry.
pub fn set_kernel_rsp(top: u64) {
    // SAFETY: this CPU's block; callers run with interrupts off (context switch).
    unsafe { (*BSP.0.get()).kernel_rsp = top };
}

//! Per-CPU data, reached through GS in kernel mode. `swapgs` on every entry from and exit to
//! user mode keeps the user's GS base out of the way. The first fields are read by assembly
//! (`gs:[8]`, `gs:[16]`) and must stay in place.

use core::cell::UnsafeCell;
use core::sync::atomic::{AtomicIsize, Ordering};

use super::cpu;
use super::msr::{MSR_GS_BASE, MSR_KERNEL_GS_BASE};

/// The per-CPU block.
#[repr(C)]
pub struct PerCpu {
    /// Address of this block (`gs:[0]`).
    pub self_addr: u64,
    /// Kernel stack top of the current thread (`gs:[8]`), loaded by syscall entry.
    pub kernel_rsp: u64,
    /// User RSP saved by syscall entry (`gs:[16]`).
    pub user_rsp: u64,
    /// Spinlocks (either flavour) this CPU holds; `sync::might_sleep` wants 0.
    pub spin_held: AtomicIsize,
}

struct Block(UnsafeCell<PerCpu>);
// SAFETY: each CPU touches only its own block, with interrupts off or from its own traps.
unsafe impl Sync for Block {}

static BSP: Block = Block(UnsafeCell::new(PerCpu {
    self_addr: 0,
    kernel_rsp: 0,
    user_rsp: 0,
    spin_held: AtomicIsize::new(0),
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

fn this_cpu() -> &'static PerCpu {
    // SAFETY: the block lives forever; the only field touched through a shared reference
    // from Rust is atomic. (Uniprocessor: the boot CPU's block is this CPU's.)
    unsafe { &*BSP.0.get() }
}

/// Adds `n` to this CPU's count of held spinlocks.
pub fn spin_held_add(n: isize) {
    this_cpu().spin_held.fetch_add(n, Ordering::Relaxed);
}

/// This CPU's count of held spinlocks.
pub fn spin_held() -> isize {
    this_cpu().spin_held.load(Ordering::Relaxed)
}

//! Frame-pointer backtraces. The kernel is built with frame pointers, so each frame starts with
//! the caller's RBP followed by the return address. Every read goes through the exception
//! table's probe, so a corrupt chain ends the trace instead of faulting again.

use super::ksyms::Symbolized;
use crate::arch::x86_64::extable::probe_read;

const MAX_FRAMES: usize = 32;

/// Prints the trace starting at `rip` with frame pointer `rbp`.
pub fn print_from(rip: u64, rbp: u64) {
    crate::println!("  backtrace:");
    crate::println!("    #0  {rip:#018x} {}", Symbolized(rip));
    let mut fp = rbp;
    for i in 1..MAX_FRAMES {
        if fp == 0 || !crate::mm::is_kernel_addr(fp) {
            break;
        }
        let (Some(next), Some(ret)) = (probe_read(fp), probe_read(fp + 8)) else {
            break;
        };
        if ret == 0 {
            break;
        }
        // Return addresses point after the call; symbolize the call itself.
        crate::println!("    #{i:<2} {ret:#018x} {}", Symbolized(ret - 1));
        if next <= fp {
            break;
        }
        fp = next;
    }
}

/// Prints the trace of the caller.
#[inline(never)]
pub fn print_here() {
    let (rip, rbp): (u64, u64);
    // SAFETY: reads RBP and the current RIP only.
    unsafe {
        core::arch::asm!("lea {}, [rip]", "mov {}, rbp", out(reg) rip, out(reg) rbp, options(nomem, nostack))
    };
    print_from(rip, rbp);
}

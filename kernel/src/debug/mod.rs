//! Diagnostics: the logger, kernel symbols, backtraces, and how the kernel stops.

pub mod backtrace;
pub mod ksyms;
pub mod logger;

use core::sync::atomic::{AtomicBool, Ordering};

use crate::arch::x86_64::{cpu, exit};

static TEST_MODE: AtomicBool = AtomicBool::new(false);

/// In test mode (`selftest` on the command line) a fatal error makes QEMU exit with the failure
/// status instead of halting, so no failure is ever silent or hangs the harness.
pub fn set_test_mode(on: bool) {
    TEST_MODE.store(on, Ordering::Relaxed);
}

/// True in test mode.
pub fn test_mode() -> bool {
    TEST_MODE.load(Ordering::Relaxed)
}

/// Stops the kernel after a fatal error or at the end of a test run.
pub fn stop(success: bool) -> ! {
    if test_mode() {
        exit::qemu_debug_exit(if success {
            exit::QEMU_EXIT_SUCCESS
        } else {
            exit::QEMU_EXIT_FAILURE
        });
    }
    crate::println!("keel: halted");
    cpu::halt_forever()
}

#[panic_handler]
fn panic(info: &core::panic::PanicInfo) -> ! {
    cpu::disable_interrupts();
    crate::drivers::serial::force_unlock();
    crate::println!("\n!!! KERNEL PANIC: {}", info.message());
    if let Some(loc) = info.location() {
        crate::println!("  at {}:{}:{}", loc.file(), loc.line(), loc.column());
    }
    backtrace::print_here();
    stop(false)
}

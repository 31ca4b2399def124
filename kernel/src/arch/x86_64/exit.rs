//! Leaving QEMU: the isa-debug-exit device in test runs, ACPI power-off and reset otherwise.
//!
//! The test harness starts QEMU with `-device isa-debug-exit,iobase=0xf4,iosize=4`; writing `v`
//! there makes QEMU exit with status `(v << 1) | 1`. Success is 0x10 (status 33) and failure
//! 0x11 (status 35), so neither can be confused with QEMU's own 0 (which a triple fault with
//! `-no-reboot` also gives) or 1.

use super::port::{outb, outw};

const DEBUG_EXIT_PORT: u16 = 0xf4;
/// QEMU exit status for a passing test run.
pub const QEMU_EXIT_SUCCESS: u8 = 0x10;
/// QEMU exit status for a failing test run.
pub const QEMU_EXIT_FAILURE: u8 = 0x11;

/// Asks QEMU to exit with `(code << 1) | 1`. Without the device this is a no-op.
pub fn qemu_debug_exit(code: u8) {
    super::port::outl(DEBUG_EXIT_PORT, code as u32);
}

/// Powers the machine off through ACPI (PM1a control block from the FADT, with `SLP_TYPa` for
/// S5 from the DSDT), then halts if that did not work.
pub fn power_off() -> ! {
    if let Some((port, slp_typ)) = crate::drivers::acpi::s5_sleep() {
        outw(port, (slp_typ << 10) | (1 << 13));
        settle();
    }
    // QEMU's PIIX4 and ICH9 PM blocks live at 0x600; S5 is SLP_TYP 0 there.
    outw(0x604, 1 << 13);
    settle();
    crate::println!("power off failed; halting");
    super::cpu::halt_forever()
}

/// Gives the machine half a second to act on a power-off or reset request: the CPU goes on
/// executing for a while after the write (under QEMU, until its main loop sees the request).
fn settle() {
    let start = crate::time::monotonic_ns();
    for _ in 0..50_000_000u64 {
        if crate::time::monotonic_ns().saturating_sub(start) > 500_000_000 {
            break;
        }
        core::hint::spin_loop();
    }
}

/// Resets the machine through the keyboard controller, then by a triple fault.
pub fn reboot() -> ! {
    outb(0x64, 0xfe);
    settle();
    // Fallback: the 0xCF9 reset control register of the PIIX/ICH chipsets.
    outb(0xcf9, 0x06);
    super::cpu::halt_forever()
}

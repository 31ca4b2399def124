//! The 8254 PIT, used once: as the reference clock that calibrates the local APIC timer (the
//! TSC is not invariant under TCG, so it cannot be the reference).

use super::port::{inb, outb};

/// PIT input clock in Hz.
pub const PIT_HZ: u64 = 1_193_182;

/// Runs `during` while PIT channel 2 counts `ms` milliseconds (at most 54), returning once it
/// has. Channel 2's gate is the speaker port's bit 0; its output shows in bit 5.
pub fn wait_ms(ms: u64, start: impl FnOnce()) {
    let count = (PIT_HZ * ms / 1000).min(0xffff) as u16;
    let p61 = inb(0x61);
    outb(0x61, p61 & !0x03); // gate low, speaker off
    outb(0x43, 0b1011_0000); // channel 2, lobyte/hibyte, mode 0, binary
    outb(0x42, count as u8);
    outb(0x42, (count >> 8) as u8);
    start();
    outb(0x61, (p61 & !0x02) | 0x01); // gate high: counting starts
    let mut spins: u64 = 0;
    while inb(0x61) & 0x20 == 0 && spins < 100_000_000 {
        spins += 1;
        core::hint::spin_loop();
    }
    outb(0x61, p61);
}

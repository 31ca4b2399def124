//! The local APIC (timer, EOI) and the I/O APICs (device interrupt routing). The legacy 8259
//! PICs are remapped out of the exception range and masked.
//!
//! The APIC timer is calibrated against the PIT and then runs periodically at [`TICK_HZ`]; the
//! monotonic clock (`time`) counts its ticks and interpolates within a tick from the current
//! count register.

use core::sync::atomic::{AtomicU32, AtomicU64, Ordering};

use super::cpu;
use super::port::outb;
use super::trap::vector;
use crate::drivers::acpi::Platform;
use crate::sync::IrqSpinLock;

/// Timer interrupts per second.
pub const TICK_HZ: u64 = 1000;

const REG_ID: u64 = 0x20;
const REG_EOI: u64 = 0xb0;
const REG_SVR: u64 = 0xf0;
const REG_LVT_TIMER: u64 = 0x320;
const REG_LVT_LINT0: u64 = 0x350;
const REG_LVT_LINT1: u64 = 0x360;
const REG_LVT_ERROR: u64 = 0x370;
const REG_TIMER_INIT: u64 = 0x380;
const REG_TIMER_CURRENT: u64 = 0x390;
const REG_TIMER_DIVIDE: u64 = 0x3e0;

static LAPIC: AtomicU64 = AtomicU64::new(0);
/// APIC timer counts per tick.
static COUNTS_PER_TICK: AtomicU32 = AtomicU32::new(0);

fn lapic_read(reg: u64) -> u32 {
    // SAFETY: LAPIC points at the mapped local APIC page once `init` ran; registers are
    // 32-bit aligned.
    unsafe { core::ptr::read_volatile((LAPIC.load(Ordering::Relaxed) + reg) as *const u32) }
}

fn lapic_write(reg: u64, v: u32) {
    // SAFETY: as in `lapic_read`.
    unsafe { core::ptr::write_volatile((LAPIC.load(Ordering::Relaxed) + reg) as *mut u32, v) }
}

/// Signals end of interrupt.
pub fn eoi() {
    if LAPIC.load(Ordering::Relaxed) != 0 {
        lapic_write(REG_EOI, 0);
    }
}

fn disable_8259() {
    // Remap to 0x20/0x28 first so a spurious legacy interrupt cannot look like an exception,
    // then mask every line.
    for (cmd, data, offset, cascade) in [(0x20u16, 0x21u16, 0x20u8, 4u8), (0xa0, 0xa1, 0x28, 2)] {
        outb(cmd, 0x11);
        outb(data, offset);
        outb(data, cascade);
        outb(data, 0x01);
        outb(data, 0xff);
    }
}

/// Brings up the local APIC, calibrates and starts its timer, and masks the 8259s.
pub fn init(platform: &Platform) {
    if platform.has_8259 {
        disable_8259();
    }
    let base_msr = cpu::rdmsr(super::msr::MSR_APIC_BASE);
    // SAFETY: IA32_APIC_BASE exists on every x86_64 CPU; setting the global enable bit keeps
    // the base address.
    unsafe { cpu::wrmsr(super::msr::MSR_APIC_BASE, base_msr | (1 << 11)) };
    LAPIC.store(
        crate::mm::mmio::map(platform.lapic_address, 4096),
        Ordering::Relaxed,
    );
    lapic_write(REG_SVR, 0x100 | vector::SPURIOUS as u32);
    lapic_write(REG_LVT_LINT0, 1 << 16);
    lapic_write(REG_LVT_LINT1, 1 << 16);
    lapic_write(REG_LVT_ERROR, 1 << 16);

    // Calibrate: count down from the maximum while the PIT measures 25 ms.
    lapic_write(REG_TIMER_DIVIDE, 0x3); // divide by 16
    lapic_write(REG_LVT_TIMER, 1 << 16); // masked, one-shot
    super::pit::wait_ms(25, || lapic_write(REG_TIMER_INIT, u32::MAX));
    let elapsed = u32::MAX - lapic_read(REG_TIMER_CURRENT);
    lapic_write(REG_TIMER_INIT, 0);
    let per_tick = ((elapsed as u64 * 1000 / 25) / TICK_HZ).max(1) as u32;
    COUNTS_PER_TICK.store(per_tick, Ordering::Relaxed);
    log::info!(
        "local APIC {:#x} id {}: timer {} kHz bus/16, {} Hz tick",
        platform.lapic_address,
        lapic_read(REG_ID) >> 24,
        per_tick as u64 * TICK_HZ / 1000,
        TICK_HZ
    );
    lapic_write(REG_LVT_TIMER, vector::TIMER as u32 | (1 << 17)); // periodic
    lapic_write(REG_TIMER_INIT, per_tick);
}

/// APIC timer counts per tick and the current count (for interpolation within a tick).
pub fn timer_position() -> (u32, u32) {
    match COUNTS_PER_TICK.load(Ordering::Relaxed) {
        0 => (0, 0), // not calibrated (or not mapped) yet
        per_tick => (per_tick, lapic_read(REG_TIMER_CURRENT)),
    }
}

struct IoApics {
    list: alloc::vec::Vec<(u64, u32, u32)>, // (mapped address, gsi base, redirection entries)
}

/// Lock order: leaf.
static IOAPICS: IrqSpinLock<IoApics> = IrqSpinLock::new(IoApics {
    list: alloc::vec::Vec::new(),
});

fn ioapic_write(base: u64, reg: u32, v: u32) {
    // SAFETY: `base` is a mapped I/O APIC; IOREGSEL at +0, IOWIN at +0x10.
    unsafe {
        core::ptr::write_volatile(base as *mut u32, reg);
        core::ptr::write_volatile((base + 0x10) as *mut u32, v);
    }
}

fn ioapic_read(base: u64, reg: u32) -> u32 {
    // SAFETY: as in `ioapic_write`.
    unsafe {
        core::ptr::write_volatile(base as *mut u32, reg);
        core::ptr::read_volatile((base + 0x10) as *const u32)
    }
}

/// Maps the I/O APICs and masks all their inputs.
pub fn init_ioapics(platform: &Platform) {
    let mut io = IOAPICS.lock();
    for a in &platform.ioapics {
        let base = crate::mm::mmio::map(a.address, 4096);
        let entries = ((ioapic_read(base, 1) >> 16) & 0xff) + 1;
        for i in 0..entries {
            ioapic_write(base, 0x10 + 2 * i, 1 << 16);
        }
        io.list.push((base, a.gsi_base, entries));
        log::info!(
            "I/O APIC {} at {:#x}: GSIs {}..{}",
            a.id,
            a.address,
            a.gsi_base,
            a.gsi_base + entries
        );
    }
}

/// Routes ISA IRQ `irq` to `vector` on this CPU, honouring the MADT's source overrides
/// (ISA interrupts are edge-triggered, active high, unless overridden).
pub fn route_isa_irq(platform: &Platform, irq: u8, vector: u8) {
    let (gsi, flags) = platform
        .overrides
        .iter()
        .find(|o| o.irq == irq)
        .map(|o| (o.gsi, o.flags))
        .unwrap_or((irq as u32, 0));
    let active_low = flags & 0b11 == 0b11;
    let level = (flags >> 2) & 0b11 == 0b11;
    route_gsi(gsi, vector, active_low, level);
}

/// Routes a global system interrupt to `vector` on this CPU.
pub fn route_gsi(gsi: u32, vector: u8, active_low: bool, level: bool) {
    let io = IOAPICS.lock();
    let Some(&(base, gsi_base, _)) = io
        .list
        .iter()
        .find(|(_, b, n)| (*b..*b + *n).contains(&gsi))
    else {
        log::warn!("no I/O APIC handles GSI {gsi}");
        return;
    };
    let dest = lapic_read(REG_ID) >> 24;
    let low = vector as u32 | ((active_low as u32) << 13) | ((level as u32) << 15);
    let reg = 0x10 + 2 * (gsi - gsi_base);
    ioapic_write(base, reg + 1, dest << 24);
    ioapic_write(base, reg, low);
}

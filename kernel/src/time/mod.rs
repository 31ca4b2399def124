//! Time: the monotonic clock (APIC timer ticks, interpolated within a tick) and the wall clock
//! (the RTC read at boot plus monotonic time since).

use core::sync::atomic::{AtomicI64, AtomicU64, Ordering};

use crate::arch::x86_64::apic;

const NS_PER_TICK: u64 = 1_000_000_000 / apic::TICK_HZ;

static TICKS: AtomicU64 = AtomicU64::new(0);
/// Highest value handed out, so that readers never see time go backwards.
static LAST: AtomicU64 = AtomicU64::new(0);
/// Wall-clock nanoseconds since the epoch at monotonic 0.
static BOOT_REALTIME_NS: AtomicI64 = AtomicI64::new(0);

/// Called by the timer interrupt.
pub fn tick() {
    TICKS.fetch_add(1, Ordering::Relaxed);
}

/// Nanoseconds since the timer started.
pub fn monotonic_ns() -> u64 {
    let (per_tick, mut current) = apic::timer_position();
    if per_tick == 0 {
        return 0;
    }
    let mut ticks = TICKS.load(Ordering::Acquire);
    // Re-read until the tick count is stable around the counter read.
    for _ in 0..4 {
        current = apic::timer_position().1;
        let again = TICKS.load(Ordering::Acquire);
        if again == ticks {
            break;
        }
        ticks = again;
    }
    let into = (per_tick.saturating_sub(current)) as u64 * NS_PER_TICK / per_tick as u64;
    let now = ticks * NS_PER_TICK + into.min(NS_PER_TICK - 1);
    // With interrupts off, a counter that wrapped before its tick was counted reads as an
    // early position in an old tick; never let that move time backwards.
    LAST.fetch_max(now, Ordering::AcqRel).max(now)
}

/// Ticks since the timer started.
pub fn ticks() -> u64 {
    TICKS.load(Ordering::Relaxed)
}

/// Wall-clock time in nanoseconds since the Unix epoch.
pub fn realtime_ns() -> i64 {
    BOOT_REALTIME_NS.load(Ordering::Relaxed) + monotonic_ns() as i64
}

/// Sets the wall clock (settimeofday, or the RTC at boot).
pub fn set_realtime_ns(ns: i64) {
    BOOT_REALTIME_NS.store(ns - monotonic_ns() as i64, Ordering::Relaxed);
}

/// Reads the RTC.
pub fn init_wall_clock() {
    let secs = crate::drivers::rtc::read_unix_time();
    set_realtime_ns(secs * 1_000_000_000);
    log::info!("wall clock from RTC: {secs} s since the epoch");
}

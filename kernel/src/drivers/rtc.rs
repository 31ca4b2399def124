//! The CMOS real-time clock: read once at boot for the wall-clock time.

use crate::arch::x86_64::port::{inb, outb};

fn read(reg: u8) -> u8 {
    outb(0x70, reg | 0x80); // keep NMIs disabled while selecting
    inb(0x71)
}

fn updating() -> bool {
    read(0x0a) & 0x80 != 0
}

/// Seconds since the Unix epoch according to the RTC (assumed to run in UTC, as QEMU's does).
pub fn read_unix_time() -> i64 {
    // Read twice until two reads agree, avoiding a torn read during an update.
    let snapshot = || {
        let mut spins = 0;
        while updating() && spins < 1_000_000 {
            spins += 1;
        }
        [
            read(0x00),
            read(0x02),
            read(0x04),
            read(0x07),
            read(0x08),
            read(0x09),
            read(0x32),
        ]
    };
    let mut a = snapshot();
    for _ in 0..5 {
        let b = snapshot();
        if a == b {
            break;
        }
        a = b;
    }
    let status_b = read(0x0b);
    let bcd = status_b & 0x04 == 0;
    let conv = |v: u8| if bcd { (v & 0x0f) + (v >> 4) * 10 } else { v };
    let [s, m, h, d, mo, y, c] = a;
    let (sec, min, day, mon, yr) = (conv(s), conv(m), conv(d), conv(mo), conv(y));
    let mut hour = conv(h & 0x7f);
    if status_b & 0x02 == 0 && h & 0x80 != 0 {
        hour = (hour % 12) + 12; // 12-hour clock, PM
    }
    let century = if c != 0 { conv(c) as i64 } else { 20 };
    let year = century * 100 + yr as i64;
    days_from_civil(year, mon as i64, day as i64) * 86400
        + hour as i64 * 3600
        + min as i64 * 60
        + sec as i64
}

/// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's algorithm).
pub fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

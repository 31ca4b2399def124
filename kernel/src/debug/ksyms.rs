//! The kernel's symbol table, carried in the image for symbolized backtraces.
//!
//! The linker reserves the `.ksyms` section (a zeroed array); after linking, `tools/ksyms.py`
//! writes the sorted function symbols into it in place, so addresses do not move. Format
//! (little endian): `b"KSYM"`, count `u32`, then `count` entries of (address `u64`, name offset
//! `u32`, name length `u32`), then the names, demangled.

use core::fmt;

/// Capacity of the table.
const KSYMS_SIZE: usize = 1 << 20;

#[used]
#[link_section = ".ksyms"]
static KSYMS: [u8; KSYMS_SIZE] = [0; KSYMS_SIZE];

fn table() -> &'static [u8] {
    // The section is patched after linking, which the compiler cannot know: read it through a
    // volatile-derived pointer so the zero initialiser is not constant-folded.
    let p = core::hint::black_box(KSYMS.as_ptr());
    // SAFETY: `p` points at the KSYMS_SIZE-byte static.
    unsafe { core::slice::from_raw_parts(p, KSYMS_SIZE) }
}

fn u32_at(t: &[u8], off: usize) -> Option<u32> {
    Some(u32::from_le_bytes(t.get(off..off + 4)?.try_into().ok()?))
}

fn u64_at(t: &[u8], off: usize) -> Option<u64> {
    Some(u64::from_le_bytes(t.get(off..off + 8)?.try_into().ok()?))
}

/// The symbol containing `addr` and the offset into it.
pub fn lookup(addr: u64) -> Option<(&'static str, u64)> {
    let t = table();
    if t.get(0..4)? != b"KSYM" {
        return None;
    }
    let count = u32_at(t, 4)? as usize;
    let entry = |i: usize| -> Option<(u64, u32, u32)> {
        let off = 8 + i * 16;
        Some((u64_at(t, off)?, u32_at(t, off + 8)?, u32_at(t, off + 12)?))
    };
    // Binary search for the last symbol at or below `addr`.
    let (mut lo, mut hi) = (0usize, count);
    while lo < hi {
        let mid = (lo + hi) / 2;
        if entry(mid)?.0 <= addr {
            lo = mid + 1;
        } else {
            hi = mid;
        }
    }
    let (start, name_off, name_len) = entry(lo.checked_sub(1)?)?;
    let name = t.get(name_off as usize..(name_off + name_len) as usize)?;
    Some((core::str::from_utf8(name).ok()?, addr - start))
}

/// Formats an address as `name+0xoff`, or `?` when unknown.
pub struct Symbolized(pub u64);

impl fmt::Display for Symbolized {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match lookup(self.0) {
            Some((name, off)) => write!(f, "{name}+{off:#x}"),
            None => write!(f, "?"),
        }
    }
}

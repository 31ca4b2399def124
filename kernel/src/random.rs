//! The kernel's random numbers: a ChaCha20 generator seeded from RDSEED/RDRAND (where CPUID
//! has them) mixed with timing jitter from boot. Serves `getrandom`, `/dev/urandom` and the
//! `AT_RANDOM` bytes of every new program.

use rand_chacha::rand_core::{Rng, SeedableRng};
use rand_chacha::ChaCha20Rng;

use crate::arch::x86_64::cpu;
use crate::sync::IrqSpinLock;

/// Lock order: a leaf.
static RNG: IrqSpinLock<Option<ChaCha20Rng>> = IrqSpinLock::new(None);

/// Seeds the generator.
pub fn init() {
    let f = cpu::features();
    let mut seed = [0u8; 32];
    let mut hw = 0;
    for chunk in seed.chunks_mut(8) {
        let mut v = cpu::rdtsc() ^ crate::time::monotonic_ns().rotate_left(32);
        if let Some(r) = cpu::hw_random(&f) {
            v ^= r;
            hw += 1;
        }
        // Jitter: how long a few port reads take varies from boot to boot.
        for _ in 0..64 {
            v = v.rotate_left(7) ^ cpu::rdtsc();
            let _ = crate::arch::x86_64::port::inb(0x80);
        }
        chunk.copy_from_slice(&v.to_le_bytes());
    }
    *RNG.lock() = Some(ChaCha20Rng::from_seed(seed));
    log::info!(
        "ChaCha20 seeded from {} ({hw} hardware words) and timing jitter",
        if f.rdseed {
            "RDSEED"
        } else if f.rdrand {
            "RDRAND"
        } else {
            "no hardware source"
        }
    );
}

/// Fills `buf` with random bytes.
pub fn fill(buf: &mut [u8]) {
    let mut g = RNG.lock();
    let rng = g.get_or_insert_with(|| ChaCha20Rng::from_seed([0x5a; 32]));
    rng.fill_bytes(buf);
}

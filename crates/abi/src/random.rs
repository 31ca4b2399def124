//! getrandom(2) flags (`linux/random.h`).

/// Return EAGAIN instead of blocking before the pool is initialised.
pub const GRND_NONBLOCK: u32 = 0x0001;
/// Draw from the (historical) blocking pool.
pub const GRND_RANDOM: u32 = 0x0002;
/// Never block, even before initialisation.
pub const GRND_INSECURE: u32 = 0x0004;
/// Every valid flag bit (EINVAL for others).
pub const GRND_ALL: u32 = GRND_NONBLOCK | GRND_RANDOM | GRND_INSECURE;

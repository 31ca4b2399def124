//! futex(2) operations (`linux/futex.h`) and `struct robust_list_head` for
//! set_robust_list(2).

/// Sleep if `*uaddr == val`.
pub const FUTEX_WAIT: u32 = 0;
/// Wake up to `val` waiters.
pub const FUTEX_WAKE: u32 = 1;
/// Obsolete.
pub const FUTEX_FD: u32 = 2;
/// Wake some, move the rest to another futex.
pub const FUTEX_REQUEUE: u32 = 3;
/// `FUTEX_REQUEUE` if `*uaddr == val3`.
pub const FUTEX_CMP_REQUEUE: u32 = 4;
/// Modify a second futex and wake on both.
pub const FUTEX_WAKE_OP: u32 = 5;
/// Priority-inheritance lock.
pub const FUTEX_LOCK_PI: u32 = 6;
/// Priority-inheritance unlock.
pub const FUTEX_UNLOCK_PI: u32 = 7;
/// Priority-inheritance try-lock.
pub const FUTEX_TRYLOCK_PI: u32 = 8;
/// `FUTEX_WAIT` with a bitset and an absolute timeout.
pub const FUTEX_WAIT_BITSET: u32 = 9;
/// `FUTEX_WAKE` of waiters whose bitset intersects.
pub const FUTEX_WAKE_BITSET: u32 = 10;
/// Wait, to be requeued to a PI futex.
pub const FUTEX_WAIT_REQUEUE_PI: u32 = 11;
/// Requeue to a PI futex.
pub const FUTEX_CMP_REQUEUE_PI: u32 = 12;
/// PI lock with a selectable clock.
pub const FUTEX_LOCK_PI2: u32 = 13;
/// The futex is private to the process (no shared key needed).
pub const FUTEX_PRIVATE_FLAG: u32 = 128;
/// The timeout is measured on `CLOCK_REALTIME`.
pub const FUTEX_CLOCK_REALTIME: u32 = 256;
/// Mask that leaves the command.
pub const FUTEX_CMD_MASK: u32 = !(FUTEX_PRIVATE_FLAG | FUTEX_CLOCK_REALTIME);
/// `FUTEX_WAIT | FUTEX_PRIVATE_FLAG`.
pub const FUTEX_WAIT_PRIVATE: u32 = FUTEX_WAIT | FUTEX_PRIVATE_FLAG;
/// `FUTEX_WAKE | FUTEX_PRIVATE_FLAG`.
pub const FUTEX_WAKE_PRIVATE: u32 = FUTEX_WAKE | FUTEX_PRIVATE_FLAG;
/// Bitset matching every waiter.
pub const FUTEX_BITSET_MATCH_ANY: u32 = 0xffff_ffff;
/// Robust futex word: there are waiters.
pub const FUTEX_WAITERS: u32 = 0x8000_0000;
/// Robust futex word: the owner died.
pub const FUTEX_OWNER_DIED: u32 = 0x4000_0000;
/// Robust futex word: the owner's tid.
pub const FUTEX_TID_MASK: u32 = 0x3fff_ffff;

/// `struct robust_list_head` (24 bytes): what set_robust_list(2) registers; its `len` argument
/// must equal this size (EINVAL otherwise).
#[repr(C)]
#[derive(Clone, Copy, Default, Debug, PartialEq, Eq)]
pub struct RobustListHead {
    /// User address of the first `struct robust_list` (points to itself when empty).
    pub list: u64,
    /// Offset from a list entry to its futex word.
    pub futex_offset: i64,
    /// Entry being acquired or released.
    pub list_op_pending: u64,
}
const _: () = assert!(size_of::<RobustListHead>() == 24);

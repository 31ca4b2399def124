//! Copies between kernel and user memory: the only way the kernel touches user pointers.
//!
//! Every copy checks that the range lies in the user half (so a kernel address passed by user
//! space is EFAULT, never a kernel access), then runs the exception-table copy routine with
//! SMAP opened (`stac`) for the copy alone. A fault on a user page first goes to the page-fault
//! handler, which resolves demand-zero (and later copy-on-write) pages and resumes the copy; only
//! a fault it cannot resolve takes the fixup and becomes EFAULT. Never call these with a
//! spinlock held: resolving a fault may allocate and, later, sleep.

use alloc::vec::Vec;
use core::marker::PhantomData;
use core::mem::{size_of, MaybeUninit};
use core::sync::atomic::{AtomicBool, Ordering};

use keel_abi::{Errno, KResult};

use super::USER_END;
use crate::arch::x86_64::extable::copy_with_fixup;

static SMAP: AtomicBool = AtomicBool::new(false);

/// Records whether SMAP is on, so copies know to open it.
pub fn set_smap(on: bool) {
    SMAP.store(on, Ordering::Relaxed);
}

/// Types that may be copied from user memory as raw bytes: every bit pattern is a valid value.
///
/// # Safety
/// Implement only for `#[repr(C)]` or primitive types without padding-sensitive invariants,
/// references, `bool`s or enums.
pub unsafe trait Pod: Copy {}

macro_rules! pod {
    ($($t:ty),*) => { $(
        // SAFETY: integers and `#[repr(C)]` structs of integers accept every bit pattern.
        unsafe impl Pod for $t {}
    )* };
}
pod!(u8, u16, u32, u64, i8, i16, i32, i64, usize, isize);
pod!(
    keel_abi::time::Timespec,
    keel_abi::time::Timeval,
    keel_abi::time::Timezone,
    keel_abi::time::Itimerspec
);
pod!(
    keel_abi::stat::Stat,
    keel_abi::stat::Statx,
    keel_abi::uname::Utsname,
    keel_abi::termios::Termios,
    keel_abi::termios::Winsize
);
pod!(
    keel_abi::signal::SigAction,
    keel_abi::signal::StackT,
    keel_abi::resource::Rlimit
);
pod!(
    keel_abi::poll::PollFd,
    keel_abi::uio::IoVec,
    keel_abi::resource::Rusage
);
pod!(keel_abi::mount::StatFs, keel_abi::fcntl::Flock);
// SAFETY: arrays of Pod values are Pod.
unsafe impl<T: Pod, const N: usize> Pod for [T; N] {}

/// Checks that `[addr, addr + len)` is a user range.
pub fn check_range(addr: u64, len: usize) -> KResult<()> {
    let end = addr.checked_add(len as u64).ok_or(Errno::EFAULT)?;
    if end > USER_END {
        return Err(Errno::EFAULT);
    }
    Ok(())
}

fn raw_copy(dst: *mut u8, src: *const u8, len: usize) -> usize {
    let smap = SMAP.load(Ordering::Relaxed);
    if smap {
        // SAFETY: `stac` only sets EFLAGS.AC; it exists because SMAP is on.
        unsafe { core::arch::asm!("stac", options(nomem, nostack)) };
    }
    // SAFETY: the user side was range-checked by the caller and may fault (recovered by the
    // exception table); the kernel side is a buffer the caller owns.
    let left = unsafe { copy_with_fixup(dst, src, len) };
    if smap {
        // SAFETY: `clac` only clears EFLAGS.AC; it exists because SMAP is on.
        unsafe { core::arch::asm!("clac", options(nomem, nostack)) };
    }
    left
}

/// Zeroes `len` bytes of user memory; returns how many were zeroed before a fault (EFAULT if
/// none were), as `copy_to_user_partial` does.
pub fn clear_user_partial(dst: u64, len: usize) -> KResult<usize> {
    if len == 0 {
        return Ok(0);
    }
    check_range(dst, len)?;
    crate::sync::might_sleep();
    let smap = SMAP.load(Ordering::Relaxed);
    if smap {
        // SAFETY: `stac` only sets EFLAGS.AC; it exists because SMAP is on.
        unsafe { core::arch::asm!("stac", options(nomem, nostack)) };
    }
    // SAFETY: a range-checked user range; faults are recovered by the exception table.
    let left = unsafe { crate::arch::x86_64::extable::clear_with_fixup(dst as *mut u8, len) };
    if smap {
        // SAFETY: `clac` only clears EFLAGS.AC; it exists because SMAP is on.
        unsafe { core::arch::asm!("clac", options(nomem, nostack)) };
    }
    match len - left {
        0 => Err(Errno::EFAULT),
        n => Ok(n),
    }
}

/// Copies `dst.len()` bytes from user address `src`.
pub fn copy_from_user(dst: &mut [u8], src: u64) -> KResult<()> {
    if dst.is_empty() {
        return Ok(());
    }
    check_range(src, dst.len())?;
    crate::sync::might_sleep();
    match raw_copy(dst.as_mut_ptr(), src as *const u8, dst.len()) {
        0 => Ok(()),
        _ => Err(Errno::EFAULT),
    }
}

/// Copies `src` to user address `dst`.
pub fn copy_to_user(dst: u64, src: &[u8]) -> KResult<()> {
    if src.is_empty() {
        return Ok(());
    }
    check_range(dst, src.len())?;
    crate::sync::might_sleep();
    match raw_copy(dst as *mut u8, src.as_ptr(), src.len()) {
        0 => Ok(()),
        _ => Err(Errno::EFAULT),
    }
}

/// Copies to user memory and returns how many bytes made it before a fault (for `read` into a
/// buffer whose tail is unmapped: Linux returns the partial count).
pub fn copy_to_user_partial(dst: u64, src: &[u8]) -> KResult<usize> {
    if src.is_empty() {
        return Ok(0);
    }
    check_range(dst, src.len())?;
    let done = src.len() - raw_copy(dst as *mut u8, src.as_ptr(), src.len());
    if done == 0 {
        return Err(Errno::EFAULT);
    }
    Ok(done)
}

/// A typed user pointer.
#[derive(Clone, Copy, Debug)]
pub struct UserPtr<T: Pod> {
    addr: u64,
    _t: PhantomData<T>,
}

impl<T: Pod> UserPtr<T> {
    /// Wraps a raw user address.
    pub const fn new(addr: u64) -> Self {
        UserPtr {
            addr,
            _t: PhantomData,
        }
    }
    /// The pointer `n` elements further.
    pub fn add(self, n: usize) -> KResult<Self> {
        let off = (n as u64)
            .checked_mul(size_of::<T>() as u64)
            .ok_or(Errno::EFAULT)?;
        Ok(UserPtr::new(
            self.addr.checked_add(off).ok_or(Errno::EFAULT)?,
        ))
    }
    /// Reads the value.
    pub fn read(self) -> KResult<T> {
        let mut v = MaybeUninit::<T>::uninit();
        // SAFETY: the slice covers exactly the MaybeUninit's bytes.
        let bytes =
            unsafe { core::slice::from_raw_parts_mut(v.as_mut_ptr() as *mut u8, size_of::<T>()) };
        copy_from_user(bytes, self.addr)?;
        // SAFETY: every byte was written and T is Pod, so any bit pattern is valid.
        Ok(unsafe { v.assume_init() })
    }
    /// Writes the value.
    pub fn write(self, v: T) -> KResult<()> {
        // SAFETY: T is Pod and `v` lives for the call; viewing it as bytes is sound (padding
        // bytes of the abi structs are explicit fields).
        let bytes =
            unsafe { core::slice::from_raw_parts(&v as *const T as *const u8, size_of::<T>()) };
        copy_to_user(self.addr, bytes)
    }
}

/// Reads a NUL-terminated string of at most `max` bytes (without the NUL). ENAMETOOLONG if no
/// NUL is found within `max` bytes, EFAULT on a bad pointer.
pub fn read_cstr(addr: u64, max: usize) -> KResult<Vec<u8>> {
    let mut out = Vec::new();
    let mut chunk = [0u8; 256];
    let mut at = addr;
    loop {
        // Read up to the end of the page so a string ending just before an unmapped page works.
        let to_page_end = (4096 - (at % 4096)) as usize;
        let n = chunk.len().min(to_page_end);
        copy_from_user(&mut chunk[..n], at)?;
        if let Some(z) = chunk[..n].iter().position(|&b| b == 0) {
            out.extend_from_slice(&chunk[..z]);
            if out.len() > max {
                return Err(Errno::ENAMETOOLONG);
            }
            return Ok(out);
        }
        out.extend_from_slice(&chunk[..n]);
        if out.len() > max {
            return Err(Errno::ENAMETOOLONG);
        }
        at = at.checked_add(n as u64).ok_or(Errno::EFAULT)?;
    }
}

/// Reads a NULL-terminated array of string pointers (argv, envp) with Linux's limits.
pub fn read_cstr_array(addr: u64, max_total: usize) -> KResult<Vec<Vec<u8>>> {
    let mut out = Vec::new();
    if addr == 0 {
        return Ok(out);
    }
    let mut total = 0usize;
    for i in 0.. {
        let p = UserPtr::<u64>::new(addr).add(i)?.read()?;
        if p == 0 {
            break;
        }
        // Linux's MAX_ARG_STRLEN: 32 pages per string, NUL included; longer is E2BIG.
        let s = match read_cstr(p, 32 * 4096 - 1) {
            Err(Errno::ENAMETOOLONG) => return Err(Errno::E2BIG),
            r => r?,
        };
        total += s.len() + 1 + 8;
        if total > max_total {
            return Err(Errno::E2BIG);
        }
        out.push(s);
    }
    Ok(out)
}

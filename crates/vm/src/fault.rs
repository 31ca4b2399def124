//! Page-fault classification and stack growth, after Linux's `access_error` and
//! `expand_downwards` (arch/x86/mm/fault.c, mm/mmap.c).
//!
//! The kernel's fault handler calls [`check_access`] with the faulting address and the access
//! kind. `Ok(vma)` means the access is allowed: resolve it (demand-zero, copy-on-write, or the
//! object's page at `vma.pgoff_of(addr)`). [`FaultError::NoMapping`] is `SIGSEGV` with
//! `SEGV_MAPERR` (first try [`VmaSet::expand_stack`] for grows-down stacks), and
//! [`FaultError::AccessDenied`] is `SIGSEGV` with `SEGV_ACCERR`. A fault during a user copy
//! that ends in either becomes EFAULT through the exception table instead.

use keel_abi::mman::{PROT_EXEC, PROT_WRITE};

use crate::vma::{Backing, Vma, VmaFlags, PROT_RWX};
use crate::{VmaSet, PAGE_SIZE, STACK_GUARD_GAP};

/// Why a user access faults for good.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FaultError {
    /// No mapping there: `SEGV_MAPERR`.
    NoMapping,
    /// A mapping forbids this access: `SEGV_ACCERR`.
    AccessDenied,
}

/// Classifies a user access to `addr`. A read is allowed by any of read, write or execute
/// permission (x86 pages cannot be write-only or execute-only); a write needs `PROT_WRITE`; an
/// instruction fetch needs `PROT_EXEC`.
pub fn check_access<B: Backing>(
    set: &VmaSet<B>,
    addr: u64,
    write: bool,
    exec: bool,
) -> Result<&Vma<B>, FaultError> {
    let vma = set.find(addr).ok_or(FaultError::NoMapping)?;
    let allowed = if write {
        vma.prot & PROT_WRITE != 0
    } else if exec {
        vma.prot & PROT_EXEC != 0
    } else {
        vma.prot & PROT_RWX != 0
    };
    if allowed {
        Ok(vma)
    } else {
        Err(FaultError::AccessDenied)
    }
}

impl<B: Backing> VmaSet<B> {
    /// Grows the grows-down VMA just above `addr` down to cover it, as Linux does for a fault
    /// below the stack. Fails (the fault stays `SEGV_MAPERR`) if the VMA above is not
    /// grows-down, if the stack would exceed `max_stack` bytes (`RLIMIT_STACK`), reach below
    /// `min_addr`, or come within the guard gap of an accessible mapping below it.
    pub fn expand_stack(
        &mut self,
        addr: u64,
        max_stack: u64,
        min_addr: u64,
    ) -> Result<(), FaultError> {
        let new_start = addr & !(PAGE_SIZE - 1);
        let Some(stack) = self.find_from(addr).filter(|v| v.start > addr) else {
            return Err(FaultError::NoMapping);
        };
        if !stack.flags.contains(VmaFlags::GROWSDOWN) || new_start < min_addr {
            return Err(FaultError::NoMapping);
        }
        if stack.end - new_start > max_stack {
            return Err(FaultError::NoMapping);
        }
        let grow_pages = (stack.start - new_start) / PAGE_SIZE;
        let Some(pgoff) = stack.pgoff.checked_sub(grow_pages) else {
            return Err(FaultError::NoMapping);
        };
        if let Some(prev) = self.find_below(stack.start) {
            let accessible = prev.prot & PROT_RWX != 0;
            if prev.end > new_start
                || (!prev.flags.contains(VmaFlags::GROWSDOWN)
                    && accessible
                    && new_start - prev.end < STACK_GUARD_GAP)
            {
                return Err(FaultError::NoMapping);
            }
        }
        let old_start = stack.start;
        self.move_start(old_start, new_start, pgoff);
        Ok(())
    }
}

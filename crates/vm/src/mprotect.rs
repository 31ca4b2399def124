//! mprotect(2), in the order of Linux's `do_mprotect_pkey`.
//! See <https://man7.org/linux/man-pages/man2/mprotect.2.html>.
//!
//! Linux is not atomic here: over `[mapped][hole][mapped]` it changes the first part and then
//! fails with ENOMEM (checked on a Linux 6.18 host: the leading VMA was left `r--`). The outcome
//! therefore carries both the changed ranges and the result.

use alloc::vec::Vec;

use keel_abi::mman::{PROT_EXEC, PROT_GROWSDOWN, PROT_GROWSUP, PROT_READ, PROT_SEM, PROT_WRITE};
use keel_abi::{Errno, KResult};

use crate::vma::{Backing, VmaFlags, PROT_RWX};
use crate::{is_page_aligned, page_align_wrapping, VmaSet};

/// What an mprotect(2) call did.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MprotectOutcome {
    /// Ranges whose protection changed: the kernel rewrites (or drops) their PTEs.
    pub changed: Vec<(u64, u64)>,
    /// The syscall's result, returned after the PTE work.
    pub result: KResult<()>,
}

impl MprotectOutcome {
    fn err(e: Errno) -> Self {
        Self {
            changed: Vec::new(),
            result: Err(e),
        }
    }
}

/// Validates and applies mprotect(2) to `set`.
pub fn mprotect<B: Backing>(
    set: &mut VmaSet<B>,
    addr: u64,
    len: u64,
    prot: u32,
) -> MprotectOutcome {
    let grows = prot & (PROT_GROWSDOWN | PROT_GROWSUP);
    let prot = prot & !(PROT_GROWSDOWN | PROT_GROWSUP);
    if grows == PROT_GROWSDOWN | PROT_GROWSUP {
        return MprotectOutcome::err(Errno::EINVAL);
    }
    if !is_page_aligned(addr) {
        return MprotectOutcome::err(Errno::EINVAL);
    }
    if len == 0 {
        return MprotectOutcome {
            changed: Vec::new(),
            result: Ok(()),
        };
    }
    let len = page_align_wrapping(len);
    let end = addr.wrapping_add(len);
    if end <= addr {
        return MprotectOutcome::err(Errno::ENOMEM);
    }
    // arch_validate_prot (the generic one, which x86 uses).
    if prot & !(PROT_READ | PROT_WRITE | PROT_EXEC | PROT_SEM) != 0 {
        return MprotectOutcome::err(Errno::EINVAL);
    }
    let Some(first) = set.intersecting(addr, end).next() else {
        return MprotectOutcome::err(Errno::ENOMEM);
    };
    let mut start = addr;
    if grows & PROT_GROWSDOWN != 0 {
        start = first.start;
        if !first.flags.contains(VmaFlags::GROWSDOWN) {
            return MprotectOutcome::err(Errno::EINVAL);
        }
    } else {
        if first.start > start {
            return MprotectOutcome::err(Errno::ENOMEM);
        }
        if grows & PROT_GROWSUP != 0 {
            // Linux extends `end` to the VMA's end, then fails: no x86 VMA grows up.
            return MprotectOutcome::err(Errno::EINVAL);
        }
    }
    let prot = prot & PROT_RWX;
    // Walk as Linux does: stop at the first hole (ENOMEM) or forbidden VMA (EACCES), keeping
    // what was changed before it.
    let mut reach = start;
    let mut error = None;
    for v in set.intersecting(start, end) {
        if v.start > reach {
            error = Some(Errno::ENOMEM);
            break;
        }
        if prot & !v.max_prot != 0 {
            error = Some(Errno::EACCES);
            break;
        }
        reach = v.end;
    }
    let done_to = reach.min(end);
    if error.is_none() && reach < end {
        error = Some(Errno::ENOMEM);
    }
    let changed = if done_to > start {
        set.update_range(start, done_to, |v| {
            let old = v.prot;
            v.prot = prot;
            old != prot
        })
    } else {
        Vec::new()
    };
    MprotectOutcome {
        changed,
        result: error.map_or(Ok(()), Err),
    }
}

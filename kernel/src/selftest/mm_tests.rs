//! Self-tests of user memory: the user-copy checks and address-space mechanics (demand-zero
//! pages, PROT_NONE keeping contents, unmapping freeing frames).

use alloc::string::String;

use keel_abi::Errno;
use keel_vm::Vma;

use super::Test;
use crate::ensure;
use crate::mm::aspace::{AddressSpace, Backing, FaultError, PROT_NONE, PROT_READ, PROT_WRITE};
use crate::mm::frames;
use crate::mm::usercopy::{copy_from_user, copy_to_user};

pub(super) const TESTS: &[Test] = &[
    Test {
        name: "usercopy_rejects_kernel_null_and_wrapping_ranges",
        run: usercopy_rejects,
    },
    Test {
        name: "aspace_demand_zero_protnone_and_unmap",
        run: aspace_mechanics,
    },
];

fn usercopy_rejects() -> Result<(), String> {
    let mut buf = [0u8; 16];
    for addr in [
        0u64,
        0xffff_8000_0000_0000,
        0xffff_ffff_8000_0000,
        0x0000_7fff_ffff_fff8,
        u64::MAX - 4,
    ] {
        ensure!(
            copy_from_user(&mut buf, addr) == Err(Errno::EFAULT),
            "copy_from_user({addr:#x}) did not fail with EFAULT"
        );
        ensure!(
            copy_to_user(addr, &buf) == Err(Errno::EFAULT),
            "copy_to_user({addr:#x}) did not fail with EFAULT"
        );
    }
    ensure!(
        copy_from_user(&mut [], 0) == Ok(()),
        "an empty copy from NULL must succeed, as read(fd, NULL, 0) does"
    );
    Ok(())
}

fn aspace_mechanics() -> Result<(), String> {
    let before = frames::free_frames();
    {
        let mm = AddressSpace::new().ok_or("no memory for an address space")?;
        let base = 0x4000_0000u64;
        mm.lock()
            .vmas
            .insert(Vma::anonymous(
                base,
                base + 4 * 4096,
                PROT_READ | PROT_WRITE,
                Backing::Anon,
            ))
            .map_err(|e| alloc::format!("insert: {e:?}"))?;
        ensure!(
            mm.lock().pt.translate(base).is_none(),
            "page present before its first touch"
        );
        ensure!(
            mm.handle_fault(base + 8, false, false).is_ok(),
            "read fault on an anonymous page not resolved"
        );
        ensure!(
            mm.lock().pt.translate(base).is_some(),
            "demand-zero fault mapped nothing"
        );
        ensure!(
            mm.handle_fault(base + 4 * 4096, false, false) == Err(FaultError::Unmapped),
            "fault past the VMA resolved"
        );
        ensure!(
            mm.handle_fault(base, false, true) == Err(FaultError::Protection),
            "exec of a non-exec VMA allowed"
        );
        mm.write_bytes(base + 4096, b"keel")
            .map_err(|e| alloc::format!("write_bytes: {e:?}"))?;
        {
            let mut g = mm.lock();
            let changed = keel_vm::mprotect(&mut g.vmas, base, 4 * 4096, PROT_NONE);
            ensure!(changed.result.is_ok(), "mprotect(PROT_NONE) failed");
            g.reprotect(base, base + 4 * 4096, PROT_NONE);
        }
        ensure!(
            mm.handle_fault(base + 4096, false, false) == Err(FaultError::Protection),
            "PROT_NONE page readable"
        );
        {
            let mut g = mm.lock();
            let _ = keel_vm::mprotect(&mut g.vmas, base, 4 * 4096, PROT_READ);
            g.reprotect(base, base + 4 * 4096, PROT_READ);
        }
        ensure!(
            mm.handle_fault(base + 4096, false, false).is_ok(),
            "page unreadable after PROT_READ"
        );
        let (pa, _) = mm
            .lock()
            .pt
            .translate(base + 4096)
            .ok_or("page lost across PROT_NONE")?;
        // SAFETY: `pa` is a frame of this address space, direct-mapped.
        let word = unsafe { core::ptr::read(crate::mm::phys_to_virt(pa) as *const [u8; 4]) };
        ensure!(&word == b"keel", "contents lost across PROT_NONE: {word:?}");
        ensure!(
            mm.handle_fault(base + 4096, true, false) == Err(FaultError::Protection),
            "write to a read-only page allowed"
        );
    }
    ensure!(
        frames::free_frames() == before,
        "dropping the address space leaked {} frames",
        before as i64 - frames::free_frames() as i64
    );
    Ok(())
}

//! Memory calls. `keel_vm` validates the arguments with Linux's rules and updates the VMAs;
//! this module applies the result to the page tables.

use keel_abi::mman::{MAP_ANONYMOUS, MAP_SHARED, MAP_SHARED_VALIDATE, MAP_TYPE};
use keel_abi::{Errno, KResult};
use keel_vm::{MmapLimits, PROT_RWX};

use super::Caller;
use crate::mm::aspace::{Backing, MemObject};

pub fn sys_mmap(
    c: &Caller,
    addr: u64,
    len: u64,
    prot: u32,
    flags: u32,
    fd: i32,
    off: u64,
) -> KResult<usize> {
    let p = c.process();
    let has_file = flags & MAP_ANONYMOUS == 0;
    let file = if has_file { Some(p.fds.get(fd)?) } else { None };
    let shared = matches!(flags & MAP_TYPE, MAP_SHARED | MAP_SHARED_VALIDATE);
    if let Some(f) = &file {
        if shared {
            return Err(Errno::ENODEV); // shared file mappings come with the page cache
        }
        if !f.readable() {
            return Err(Errno::EACCES);
        }
        if f.inode().map(|i| i.is_dir()).unwrap_or(true) {
            return Err(Errno::ENODEV);
        }
    }
    let mm = p.mm();
    let plan = {
        let mut g = mm.lock();
        let plan = keel_vm::plan_mmap(
            &g.vmas,
            addr,
            len,
            prot,
            flags,
            has_file,
            off,
            &MmapLimits::default(),
        )?;
        let backing = if shared && !has_file {
            Backing::Shared(MemObject::new_anonymous())
        } else {
            Backing::Anon
        };
        let removed = keel_vm::apply_mmap(&mut g.vmas, &plan, backing, PROT_RWX)?;
        for v in removed {
            g.zap(v.start, v.end);
        }
        plan
    };
    if let Some(inode) = file.as_ref().and_then(|f| f.inode()) {
        // A private file mapping gets a copy of the file's bytes now (no page cache yet).
        let mut buf = crate::mm::try_zeroed_buffer(
            plan.len.min(inode.metadata().size.saturating_sub(off)) as usize,
        )?;
        let n = inode.read_at(off, &mut buf)?;
        mm.write_bytes(plan.addr, &buf[..n])?;
    }
    if plan.populate {
        let mut g = mm.lock();
        let mut va = plan.addr;
        while va < plan.end() {
            let _ = g.fault_in(va, false, false);
            va += 4096;
        }
    }
    Ok(plan.addr as usize)
}

pub fn sys_munmap(c: &Caller, addr: u64, len: u64) -> KResult<usize> {
    let (start, end) = keel_vm::plan_munmap(addr, len)?;
    let mm = c.process().mm();
    let mut g = mm.lock();
    for v in g.vmas.unmap(start, end) {
        g.zap(v.start, v.end);
    }
    Ok(0)
}

pub fn sys_mprotect(c: &Caller, addr: u64, len: u64, prot: u32) -> KResult<usize> {
    let mm = c.process().mm();
    let mut g = mm.lock();
    let out = keel_vm::mprotect(&mut g.vmas, addr, len, prot);
    for &(s, e) in &out.changed {
        let p = g.vmas.find(s).map(|v| v.prot).unwrap_or(0);
        g.reprotect(s, e, p);
    }
    out.result.map(|()| 0)
}

pub fn sys_brk(c: &Caller, addr: u64) -> KResult<usize> {
    let p = c.process();
    let data_limit = p.limits.lock()[keel_abi::resource::RLIMIT_DATA as usize].rlim_cur;
    let mm = p.mm();
    let mut g = mm.lock();
    let plan = keel_vm::plan_brk(&g.vmas, g.brk_start, g.brk, addr, data_limit);
    for v in keel_vm::apply_brk(&mut g.vmas, &plan, || Backing::Anon) {
        g.zap(v.start, v.end);
    }
    g.brk = plan.new_brk;
    Ok(plan.new_brk as usize)
}

pub fn sys_mremap(
    c: &Caller,
    old: u64,
    old_size: u64,
    new_size: u64,
    flags: u32,
    new_addr: u64,
) -> KResult<usize> {
    let mm = c.process().mm();
    let mut g = mm.lock();
    let plan = keel_vm::plan_mremap(
        &g.vmas,
        old,
        old_size,
        new_size,
        flags,
        new_addr,
        &MmapLimits::default(),
    )?;
    if let keel_vm::MremapPlan::Move {
        from,
        to,
        old_len,
        new_len,
        unmap_target_first,
        unmap_tail,
        ..
    } = plan
    {
        if unmap_target_first {
            for v in g.vmas.unmap(to, to + new_len) {
                g.zap(v.start, v.end);
            }
        }
        if let Some((s, e)) = unmap_tail {
            g.zap(s, e);
        }
        g.move_entries(from, to, old_len)?;
    }
    for v in keel_vm::apply_mremap(&mut g.vmas, &plan) {
        g.zap(v.start, v.end);
    }
    Ok(plan.result() as usize)
}

pub fn sys_madvise(c: &Caller, addr: u64, len: u64, advice: i32) -> KResult<usize> {
    use keel_vm::MadviseAction::*;
    let mm = c.process().mm();
    let mut g = mm.lock();
    let out = keel_vm::madvise(&mut g.vmas, addr, len, advice as u32);
    for a in out.actions {
        match a {
            Zap { start, end } | Free { start, end } => g.zap(start, end),
            Remove { start, end } => g.punch_hole(start, end),
            Populate { start, end, write } => {
                let mut va = start;
                while va < end {
                    if g.fault_in(va, write, false).is_err() {
                        return Err(Errno::EFAULT);
                    }
                    va += 4096;
                }
            }
        }
    }
    out.result.map(|()| 0)
}

//! Memory calls. `keel_vm` validates the arguments with Linux's rules and updates the VMAs;
//! this module applies the result to the page tables.

use keel_abi::mman::{MAP_ANONYMOUS, MAP_SHARED, MAP_SHARED_VALIDATE, MAP_TYPE};
use keel_abi::{Errno, KResult};
use keel_vm::{MmapLimits, PROT_RWX};

use super::Caller;
use crate::mm::aspace::{Backing, MemObject};

/// What an mmap(2) maps.
enum Source {
    Anonymous,
    /// A regular file's bytes, copied in at mmap time (no page cache yet).
    File(alloc::sync::Arc<keel_vfs::Inode>),
}

/// Linux's file checks for mmap (do_mmap): EACCES for a file not open for reading, or shared
/// and writable without write access; ENODEV for what cannot be mapped. `/dev/zero` maps as
/// anonymous memory, as on Linux.
fn mmap_source(f: &keel_vfs::OpenFile, shared: bool, prot: u32) -> KResult<Source> {
    use keel_abi::mman::PROT_WRITE;
    if shared && prot & PROT_WRITE != 0 && !f.writable() {
        return Err(Errno::EACCES);
    }
    if !f.readable() {
        return Err(Errno::EACCES);
    }
    let meta = f.stat();
    match meta.mode & keel_vfs::consts::S_IFMT {
        keel_vfs::consts::S_IFREG => {
            if shared && prot & PROT_WRITE != 0 {
                return Err(Errno::ENODEV); // writable shared file mappings need a page cache
            }
            f.inode().cloned().map(Source::File).ok_or(Errno::ENODEV)
        }
        keel_vfs::consts::S_IFCHR if meta.rdev == keel_vfs::makedev(1, 5) => Ok(Source::Anonymous),
        _ => Err(Errno::ENODEV),
    }
}

pub fn sys_mmap(
    c: &Caller,
    addr: u64,
    len: u64,
    prot: u32,
    flags: u32,
    fd: i32,
    off: u64,
) -> KResult<usize> {
    use keel_abi::mman::{MAP_NORESERVE, PROT_WRITE};
    let p = c.process();
    let has_file = flags & MAP_ANONYMOUS == 0;
    let file = if has_file {
        Some(p.fds().get(fd)?)
    } else {
        None
    };
    let shared = matches!(flags & MAP_TYPE, MAP_SHARED | MAP_SHARED_VALIDATE);
    let mm = p.mm();
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
    let source = match &file {
        Some(f) => mmap_source(f, shared, prot)?,
        None => Source::Anonymous,
    };
    // Linux: the file range may not wrap past the largest offset.
    if matches!(source, Source::File(_))
        && (off > i64::MAX as u64 || off.checked_add(plan.len).is_none())
    {
        return Err(Errno::EOVERFLOW);
    }
    // Linux's default overcommit heuristic: one private writable (or shared anonymous)
    // mapping larger than all of RAM cannot be committed.
    let accountable = match source {
        Source::Anonymous => shared || prot & PROT_WRITE != 0,
        Source::File(_) => !shared && prot & PROT_WRITE != 0,
    };
    if accountable
        && flags & MAP_NORESERVE == 0
        && plan.len / 4096 > crate::mm::frames::total_frames() as u64
    {
        return Err(Errno::ENOMEM);
    }
    let (backing, max_prot) = match (&source, shared) {
        (Source::Anonymous, true) => (Backing::Shared(MemObject::new_anonymous()), PROT_RWX),
        // A read-only shared file mapping is a snapshot: it may never become writable.
        (Source::File(_), true) => (Backing::Anon, PROT_RWX & !PROT_WRITE),
        _ => (Backing::Anon, PROT_RWX),
    };
    for v in keel_vm::apply_mmap(&mut g.vmas, &plan, backing, max_prot)? {
        g.zap(v.start, v.end);
    }
    drop(g);
    if let Source::File(inode) = &source {
        let mut buf = crate::mm::try_zeroed_buffer(
            plan.len.min(inode.metadata().size.saturating_sub(off)) as usize,
        )?;
        let n = inode.read_at(off, &mut buf)?;
        mm.write_bytes(plan.addr, &buf[..n])?;
        // Whole pages past the end of the file: SIGBUS when touched.
        let eof_page = crate::mm::page_ceil(plan.addr + n as u64);
        if eof_page < plan.end() {
            mm.lock().mark_past_eof(eof_page, plan.end());
        }
    }
    if plan.populate {
        populate(&mm, plan.addr, plan.end());
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
        // The target's VMAs go here, before the pages move in: apply_mremap then finds the
        // range empty and returns only what really left (the old range), whose pages are gone.
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

/// Checks that `[addr, addr+len)` rounded to pages is fully mapped: ENOMEM otherwise, as the
/// calls that act on existing mappings (mlock, msync, mincore) answer.
fn mapped_range(c: &Caller, addr: u64, len: u64) -> KResult<(u64, u64)> {
    let start = addr & !4095;
    let end = addr
        .checked_add(len)
        .and_then(crate::mm::page_ceil_checked)
        .ok_or(Errno::ENOMEM)?;
    if end > keel_vm::TASK_SIZE {
        return Err(Errno::ENOMEM);
    }
    let mm = c.process().mm();
    if !mm.lock().vmas.is_fully_mapped(start, end) {
        return Err(Errno::ENOMEM);
    }
    Ok((start, end))
}

/// mlock/munlock: Keel never pages memory out, so every mapped page is already locked in
/// RAM; what remains is Linux's validation (ENOMEM for an unmapped range).
pub fn sys_mlock(c: &Caller, addr: u64, len: u64) -> KResult<usize> {
    mapped_range(c, addr, len)?;
    Ok(0)
}

pub fn sys_mlock2(c: &Caller, addr: u64, len: u64, flags: u32) -> KResult<usize> {
    if flags & !1 != 0 {
        return Err(Errno::EINVAL); // only MLOCK_ONFAULT exists
    }
    sys_mlock(c, addr, len)
}

pub fn sys_mlockall(flags: u32) -> KResult<usize> {
    const MCL_CURRENT: u32 = 1;
    const MCL_FUTURE: u32 = 2;
    const MCL_ONFAULT: u32 = 4;
    if flags == 0 || flags & !(MCL_CURRENT | MCL_FUTURE | MCL_ONFAULT) != 0 || flags == MCL_ONFAULT
    {
        return Err(Errno::EINVAL);
    }
    Ok(0)
}

/// msync: there are no shared file mappings to write back yet, so after Linux's argument
/// checks there is nothing to do.
pub fn sys_msync(c: &Caller, addr: u64, len: u64, flags: u32) -> KResult<usize> {
    const MS_ASYNC: u32 = 1;
    const MS_INVALIDATE: u32 = 2;
    const MS_SYNC: u32 = 4;
    if addr & 4095 != 0
        || flags & !(MS_ASYNC | MS_INVALIDATE | MS_SYNC) != 0
        || flags & (MS_ASYNC | MS_SYNC) == (MS_ASYNC | MS_SYNC)
    {
        return Err(Errno::EINVAL);
    }
    mapped_range(c, addr, len)?;
    Ok(0)
}

/// mincore: one byte per page, 1 where the page is resident (present in the page tables).
pub fn sys_mincore(c: &Caller, addr: u64, len: u64, vec: u64) -> KResult<usize> {
    if addr & 4095 != 0 {
        return Err(Errno::EINVAL);
    }
    let (start, end) = mapped_range(c, addr, len)?;
    let pages = (end - start) / 4096;
    crate::mm::usercopy::check_range(vec, pages as usize)?;
    let present = c.process().mm().lock().present_pages(start, end);
    let mut present = present.into_iter().peekable();
    // A chunk at a time, as Linux does, so a huge range needs no huge buffer.
    let mut chunk = [0u8; 4096];
    let mut done = 0u64;
    while done < pages {
        let n = (pages - done).min(chunk.len() as u64);
        chunk.fill(0);
        while let Some(&k) = present.peek().filter(|&&k| k < done + n) {
            chunk[(k - done) as usize] = 1;
            present.next();
        }
        crate::mm::usercopy::copy_to_user(vec + done, &chunk[..n as usize])?;
        done += n;
    }
    Ok(0)
}

/// MAP_POPULATE: faults the range in, best effort as on Linux, and stops while an eighth of
/// memory is still free, so prefaulting a huge mapping cannot starve the process (or others)
/// of the memory they touch next.
fn populate(mm: &crate::mm::aspace::AddressSpace, start: u64, end: u64) {
    let floor = crate::mm::frames::total_frames() / 8;
    let mut va = start;
    while va < end && crate::mm::frames::free_frames() > floor {
        if mm.lock().fault_in(va, false, false).is_err() {
            break;
        }
        va += 4096;
        if va.is_multiple_of(1 << 20) {
            crate::sched::cond_resched();
        }
    }
}

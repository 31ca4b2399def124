//! Self-tests of user mode: a user program that never makes a system call is still preempted
//! by the timer, so the kernel gets the CPU back, and it can be killed at its next return to
//! user mode, freeing its memory.

use alloc::string::String;
use core::sync::atomic::Ordering;

use keel_vm::Vma;

use super::Test;
use crate::ensure;
use crate::mm::aspace::{Backing, PROT_EXEC, PROT_READ, PROT_WRITE};
use crate::proc::{new_process, UserCtx};
use crate::sched::{self, waitqueue, State};
use crate::time::monotonic_ns;

pub(super) const TESTS: &[Test] = &[Test {
    name: "user_busy_loop_is_preempted_and_killed",
    run: busy_loop_preempted,
}];

const CODE: u64 = 0x40_0000;
const DATA: u64 = 0x40_1000;

fn counter(mm: &crate::mm::aspace::AddressSpace) -> Option<u64> {
    let (pa, _) = mm.lock().pt.translate(DATA)?;
    // SAFETY: the frame belongs to the test process's address space and is direct-mapped;
    // a torn read of a counter another CPU context increments is harmless.
    Some(unsafe { core::ptr::read_volatile(crate::mm::phys_to_virt(pa) as *const u64) })
}

fn busy_loop_preempted() -> Result<(), String> {
    let before = crate::mm::frames::free_frames();
    let p = new_process(0, None).ok_or("no memory for a process")?;
    let mm = p.mm();
    {
        let mut g = mm.lock();
        let code = Vma::anonymous(CODE, CODE + 4096, PROT_READ | PROT_EXEC, Backing::Anon);
        let data = Vma::anonymous(DATA, DATA + 4096, PROT_READ | PROT_WRITE, Backing::Anon);
        g.vmas.insert(code).map_err(|e| alloc::format!("{e:?}"))?;
        g.vmas.insert(data).map_err(|e| alloc::format!("{e:?}"))?;
    }
    // 1: inc qword ptr [rip + 0xff9]   (the first word of DATA)
    //    jmp 1b
    mm.write_bytes(
        CODE,
        &[0x48, 0xff, 0x05, 0xf9, 0x0f, 0x00, 0x00, 0xeb, 0xf7],
    )
    .map_err(|e| alloc::format!("{e:?}"))?;
    let ctx = UserCtx::new(p.clone()).ok_or("no memory for user state")?;
    p.live_threads.fetch_add(1, Ordering::AcqRel);
    let t = crate::sched::Thread::new_user("busyloop", ctx, None, || {
        let frame = crate::syscall::initial_frame(CODE, DATA + 4096);
        crate::arch::x86_64::syscall::enter_user(&frame);
    })
    .ok_or("no memory for a thread")?;
    sched::spawn_thread(t.clone());
    // This thread can only run again if the timer preempts the user loop.
    let start = monotonic_ns();
    waitqueue::sleep_until(start + 30_000_000);
    let n1 = counter(&mm).unwrap_or(0);
    waitqueue::sleep_until(monotonic_ns() + 10_000_000);
    let n2 = counter(&mm).unwrap_or(0);
    ensure!(n1 > 0, "the user program never ran");
    ensure!(
        n2 > n1,
        "the user program did not run again after being preempted ({n1} -> {n2})"
    );
    t.user()
        .ok_or("no user state")?
        .kill_pending
        .store(true, Ordering::Release);
    let deadline = monotonic_ns() + 2_000_000_000;
    while t.state() != State::Dead && monotonic_ns() < deadline {
        waitqueue::sleep_until(monotonic_ns() + 1_000_000);
    }
    ensure!(
        t.state() == State::Dead,
        "the killed thread is still {:?}",
        t.state()
    );
    ensure!(
        p.exit_code.load(Ordering::Acquire) == 9,
        "exit status {} instead of SIGKILL",
        p.exit_code.load(Ordering::Acquire)
    );
    drop((t, mm, p));
    // Let the dead thread be reaped, then its address space is gone.
    for _ in 0..4 {
        waitqueue::sleep_until(monotonic_ns() + 1_000_000);
    }
    let after = crate::mm::frames::free_frames();
    ensure!(
        after + 8 >= before,
        "the killed process leaked frames: {before} free before, {after} after"
    );
    Ok(())
}

//! Self-tests of the foundation: frames, heap, paging, stacks, time, timers, wait queues and
//! threads.

use alloc::string::String;
use alloc::sync::Arc;
use alloc::vec::Vec;
use core::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

use super::Test;
use crate::arch::x86_64::extable::probe_read;
use crate::arch::x86_64::paging::{Pte, KERNEL_PT};
use crate::ensure;
use crate::mm::frames;
use crate::mm::kstack::KernelStack;
use crate::sched::{self, timer, waitqueue, WaitQueue};
use crate::time::monotonic_ns;

pub(super) const TESTS: &[Test] = &[
    Test {
        name: "frames_alloc_free_restores_free_count",
        run: frames_alloc_free,
    },
    Test {
        name: "frames_shared_frame_freed_by_last_owner",
        run: frames_refcount,
    },
    Test {
        name: "frames_contiguous_run_is_aligned",
        run: frames_contiguous,
    },
    Test {
        name: "heap_grows_on_demand_and_frees",
        run: heap_grows,
    },
    Test {
        name: "paging_map_write_protect_unmap",
        run: paging_map_protect_unmap,
    },
    Test {
        name: "kstack_guard_page_faults",
        run: guard_page_faults,
    },
    Test {
        name: "extable_recovers_null_read",
        run: extable_null,
    },
    Test {
        name: "ksyms_names_kernel_functions",
        run: ksyms_lookup,
    },
    Test {
        name: "time_monotonic_advances",
        run: time_advances,
    },
    Test {
        name: "time_wall_clock_plausible",
        run: wall_clock,
    },
    Test {
        name: "timer_callback_fires",
        run: timer_fires,
    },
    Test {
        name: "timer_cancel_prevents_callback",
        run: timer_cancel,
    },
    Test {
        name: "waitqueue_woken_from_interrupt",
        run: waitqueue_from_irq,
    },
    Test {
        name: "waitqueue_wakes_all_waiters",
        run: waitqueue_many,
    },
    Test {
        name: "waitqueue_timeout_expires",
        run: waitqueue_timeout,
    },
    Test {
        name: "sleep_lasts_at_least_requested",
        run: sleep_lower_bound,
    },
    Test {
        name: "threads_run_and_exit_and_free_stacks",
        run: threads_exit,
    },
    Test {
        name: "syscall_partial_list_names_real_calls",
        run: partial_list,
    },
];

fn frames_alloc_free() -> Result<(), String> {
    let before = frames::free_frames();
    let fs: Vec<_> = (0..64).filter_map(|_| frames::alloc_zeroed()).collect();
    ensure!(fs.len() == 64, "allocated {} of 64 frames", fs.len());
    ensure!(
        frames::free_frames() == before - 64,
        "free count did not drop by 64"
    );
    for f in &fs {
        // SAFETY: each frame was just allocated and zeroed; reading its first word is fine.
        let v = unsafe { *(f.virt() as *const u64) };
        ensure!(v == 0, "frame {:#x} not zeroed", f.addr());
    }
    for f in fs {
        frames::dec_ref(f).map_err(|e| alloc::format!("dec_ref: {e:?}"))?;
    }
    ensure!(
        frames::free_frames() == before,
        "free count {} != {before} after freeing",
        frames::free_frames()
    );
    Ok(())
}

fn frames_refcount() -> Result<(), String> {
    let f = frames::alloc_zeroed().ok_or("no frame")?;
    ensure!(frames::inc_ref(f) == Ok(2), "inc_ref to 2");
    ensure!(frames::dec_ref(f) == Ok(1), "dec_ref to 1");
    ensure!(frames::refcount(f) == Some(1), "still owned once");
    ensure!(frames::dec_ref(f) == Ok(0), "dec_ref to 0");
    ensure!(frames::refcount(f) == Some(0), "free after last owner");
    ensure!(frames::dec_ref(f).is_err(), "double free must be refused");
    Ok(())
}

fn frames_contiguous() -> Result<(), String> {
    let f = frames::alloc_contiguous(16, 16).ok_or("no 16-frame run")?;
    ensure!(
        f.addr() % (16 * 4096) == 0,
        "run at {:#x} not 64 KiB aligned",
        f.addr()
    );
    for i in 0..16 {
        frames::dec_ref(frames::PhysFrame::containing(f.addr() + i * 4096))
            .map_err(|e| alloc::format!("{e:?}"))?;
    }
    Ok(())
}

fn heap_grows() -> Result<(), String> {
    let before = crate::mm::heap::mapped_bytes();
    let mut v: Vec<u64> = Vec::new();
    v.try_reserve_exact(2 << 20)
        .map_err(|_| "16 MiB allocation failed")?;
    v.extend((0..(2u64 << 20)).map(|i| i ^ 0x5a5a));
    ensure!(
        crate::mm::heap::mapped_bytes() >= before + (16 << 20) || before >= 16 << 20,
        "heap did not grow"
    );
    ensure!(
        v.iter().enumerate().all(|(i, &x)| x == i as u64 ^ 0x5a5a),
        "heap data corrupted"
    );
    drop(v);
    let small: Vec<alloc::boxed::Box<[u8; 100]>> = (0..1000)
        .map(|_| alloc::boxed::Box::new([7; 100]))
        .collect();
    ensure!(
        small.iter().all(|b| b[99] == 7),
        "small allocations corrupted"
    );
    Ok(())
}

/// A scratch page in the MMIO area's far end, used only by this test.
const SCRATCH_VA: u64 = crate::mm::MMIO_BASE + (1 << 39) - 4096;

fn paging_map_protect_unmap() -> Result<(), String> {
    let f = frames::alloc_zeroed().ok_or("no frame")?;
    KERNEL_PT
        .lock()
        .map(SCRATCH_VA, f.addr(), Pte::WRITABLE | Pte::NO_EXECUTE)
        .map_err(|e| alloc::format!("map: {e:?}"))?;
    // SAFETY: SCRATCH_VA was just mapped writable to a frame this test owns.
    unsafe { core::ptr::write_volatile(SCRATCH_VA as *mut u64, 0x1234_5678) };
    // SAFETY: the same frame through the direct map.
    let through_direct = unsafe { core::ptr::read_volatile(f.virt() as *const u64) };
    ensure!(
        through_direct == 0x1234_5678,
        "write not visible through the direct map"
    );
    let t = KERNEL_PT.lock().translate(SCRATCH_VA);
    ensure!(
        t.map(|(pa, _)| pa) == Some(f.addr()),
        "translate gave {t:?}"
    );
    ensure!(
        KERNEL_PT.lock().protect(SCRATCH_VA, Pte::NO_EXECUTE),
        "protect failed"
    );
    let flags = KERNEL_PT.lock().translate(SCRATCH_VA).map(|(_, fl)| fl);
    ensure!(
        flags.is_some_and(|fl| !fl.contains(Pte::WRITABLE)),
        "page still writable: {flags:?}"
    );
    let mut probe = 0u64;
    // SAFETY: copy_with_fixup survives the fault the read-only page must raise.
    let left = unsafe {
        crate::arch::x86_64::extable::copy_with_fixup(
            SCRATCH_VA as *mut u8,
            &mut probe as *mut u64 as *const u8,
            8,
        )
    };
    ensure!(
        left == 8,
        "write to a read-only page did not fault ({left} bytes left)"
    );
    ensure!(
        probe_read(SCRATCH_VA) == Some(0x1234_5678),
        "read-only page unreadable"
    );
    let old = KERNEL_PT.lock().unmap(SCRATCH_VA);
    ensure!(
        old.map(|(pa, _)| pa) == Some(f.addr()),
        "unmap returned {old:?}"
    );
    ensure!(
        probe_read(SCRATCH_VA).is_none(),
        "unmapped page still readable"
    );
    frames::dec_ref(f).map_err(|e| alloc::format!("{e:?}"))?;
    Ok(())
}

fn guard_page_faults() -> Result<(), String> {
    let s = KernelStack::new().ok_or("no stack")?;
    ensure!(probe_read(s.bottom()).is_some(), "stack bottom unreadable");
    ensure!(probe_read(s.top() - 8).is_some(), "stack top unreadable");
    ensure!(
        probe_read(s.guard()).is_none(),
        "guard page {:#x} is mapped",
        s.guard()
    );
    ensure!(
        crate::mm::kstack::is_guard_page(s.guard() + 100),
        "guard page not recognised"
    );
    let boot_guard = crate::mm::image::boot_stack_guard();
    ensure!(
        probe_read(boot_guard).is_none(),
        "boot stack guard page is mapped"
    );
    Ok(())
}

fn extable_null() -> Result<(), String> {
    ensure!(probe_read(0).is_none(), "reading NULL did not fault");
    ensure!(
        probe_read(0x0000_7fff_ffff_f000).is_none(),
        "reading unmapped user page did not fault"
    );
    Ok(())
}

fn ksyms_lookup() -> Result<(), String> {
    let addr = ksyms_lookup as *const () as u64;
    let (name, off) =
        crate::debug::ksyms::lookup(addr + 1).ok_or("no symbol table in the image")?;
    ensure!(
        name.contains("ksyms_lookup") && off == 1,
        "looked up {name}+{off:#x}"
    );
    Ok(())
}

fn time_advances() -> Result<(), String> {
    let t0 = monotonic_ns();
    let tick0 = crate::time::ticks();
    while crate::time::ticks() < tick0 + 3 {
        crate::arch::x86_64::cpu::enable_and_halt();
    }
    let t1 = monotonic_ns();
    ensure!(t1 > t0, "clock did not advance: {t0} -> {t1}");
    let mut last = monotonic_ns();
    for _ in 0..10_000 {
        let now = monotonic_ns();
        ensure!(now >= last, "clock went backwards: {last} -> {now}");
        last = now;
    }
    Ok(())
}

fn wall_clock() -> Result<(), String> {
    let secs = crate::time::realtime_ns() / 1_000_000_000;
    ensure!(secs > 1_577_836_800, "wall clock {secs} is before 2020");
    Ok(())
}

fn timer_fires() -> Result<(), String> {
    static WQ: WaitQueue = WaitQueue::new();
    let fired = Arc::new(AtomicBool::new(false));
    let f = fired.clone();
    let deadline = monotonic_ns() + 5_000_000;
    timer::add(deadline, move || {
        f.store(true, Ordering::SeqCst);
        WQ.wake_all();
    });
    let ok = WQ.wait_uninterruptible_deadline(
        || fired.load(Ordering::SeqCst),
        monotonic_ns() + 2_000_000_000,
    );
    ensure!(ok, "timer callback did not fire within 2 s");
    ensure!(
        monotonic_ns() >= deadline,
        "callback fired before its deadline"
    );
    Ok(())
}

fn timer_cancel() -> Result<(), String> {
    let fired = Arc::new(AtomicBool::new(false));
    let f = fired.clone();
    let id = timer::add(monotonic_ns() + 2_000_000, move || {
        f.store(true, Ordering::SeqCst)
    });
    ensure!(timer::cancel(id), "cancel of a pending timer failed");
    let _ = waitqueue::sleep_until(monotonic_ns() + 5_000_000);
    ensure!(!fired.load(Ordering::SeqCst), "cancelled timer fired");
    ensure!(!timer::cancel(id), "second cancel succeeded");
    Ok(())
}

fn waitqueue_from_irq() -> Result<(), String> {
    static WQ: WaitQueue = WaitQueue::new();
    static FLAG: AtomicBool = AtomicBool::new(false);
    static WOKEN_IN_IRQ: AtomicUsize = AtomicUsize::new(0);
    FLAG.store(false, Ordering::SeqCst);
    WOKEN_IN_IRQ.store(0, Ordering::SeqCst);
    timer::add(monotonic_ns() + 3_000_000, || {
        // Runs in the timer interrupt handler.
        FLAG.store(true, Ordering::SeqCst);
        let n = WQ.wake_all();
        WOKEN_IN_IRQ.store(n + 1, Ordering::SeqCst);
    });
    WQ.wait_uninterruptible(|| FLAG.load(Ordering::SeqCst));
    ensure!(
        WOKEN_IN_IRQ.load(Ordering::SeqCst) == 2,
        "interrupt woke {} waiters, expected 1",
        WOKEN_IN_IRQ.load(Ordering::SeqCst).wrapping_sub(1)
    );
    Ok(())
}

fn waitqueue_many() -> Result<(), String> {
    let wq = Arc::new(WaitQueue::new());
    let go = Arc::new(AtomicBool::new(false));
    let done = Arc::new(AtomicUsize::new(0));
    let done_wq = Arc::new(WaitQueue::new());
    for i in 0..4 {
        let (wq, go, done, done_wq) = (wq.clone(), go.clone(), done.clone(), done_wq.clone());
        sched::spawn(&alloc::format!("waiter{i}"), move || {
            wq.wait_uninterruptible(|| go.load(Ordering::SeqCst));
            done.fetch_add(1, Ordering::SeqCst);
            done_wq.wake_all();
        })
        .ok_or("spawn failed")?;
    }
    // Let all four block.
    let deadline = monotonic_ns() + 2_000_000_000;
    while wq.len() < 4 && monotonic_ns() < deadline {
        sched::yield_now();
    }
    ensure!(wq.len() == 4, "only {} of 4 threads are waiting", wq.len());
    ensure!(
        done.load(Ordering::SeqCst) == 0,
        "a waiter ran past its condition"
    );
    go.store(true, Ordering::SeqCst);
    let woken = wq.wake_all();
    ensure!(woken == 4, "wake_all woke {woken}");
    let all = done_wq.wait_uninterruptible_deadline(
        || done.load(Ordering::SeqCst) == 4,
        monotonic_ns() + 2_000_000_000,
    );
    ensure!(
        all,
        "only {} of 4 waiters finished",
        done.load(Ordering::SeqCst)
    );
    Ok(())
}

fn waitqueue_timeout() -> Result<(), String> {
    let wq = WaitQueue::new();
    let start = monotonic_ns();
    let r = wq.wait_until(|| false, Some(start + 10_000_000));
    ensure!(
        r == Err(keel_abi::Errno::ETIMEDOUT),
        "a condition that never holds gave {r:?}, not ETIMEDOUT"
    );
    ensure!(monotonic_ns() >= start + 10_000_000, "timed out early");
    ensure!(wq.is_empty(), "timed-out waiter left on the queue");
    Ok(())
}

fn sleep_lower_bound() -> Result<(), String> {
    let start = monotonic_ns();
    let _ = waitqueue::sleep_until(start + 20_000_000);
    let slept = monotonic_ns() - start;
    ensure!(slept >= 20_000_000, "slept {slept} ns of 20 ms");
    Ok(())
}

fn threads_exit() -> Result<(), String> {
    let before = frames::free_frames();
    let counter = Arc::new(AtomicUsize::new(0));
    let wq = Arc::new(WaitQueue::new());
    for _ in 0..8 {
        let (c, wq) = (counter.clone(), wq.clone());
        sched::spawn("worker", move || {
            c.fetch_add(1, Ordering::SeqCst);
            wq.wake_all();
        })
        .ok_or("spawn failed")?;
    }
    let ok = wq.wait_uninterruptible_deadline(
        || counter.load(Ordering::SeqCst) == 8,
        monotonic_ns() + 2_000_000_000,
    );
    ensure!(ok, "{} of 8 threads ran", counter.load(Ordering::SeqCst));
    // Let the last exiting thread be reaped.
    for _ in 0..4 {
        sched::yield_now();
    }
    let after = frames::free_frames();
    ensure!(
        after + 16 >= before,
        "threads leaked frames: {before} free before, {after} after"
    );
    Ok(())
}

fn partial_list() -> Result<(), String> {
    for (name, what) in crate::syscall::PARTIAL {
        let known = (0..keel_abi::syscall::COUNT).any(|n| keel_abi::syscall::name(n) == Some(name));
        ensure!(
            known,
            "PARTIAL names {name:?}, which is no x86_64 system call"
        );
        ensure!(
            !what.is_empty(),
            "PARTIAL entry {name} says nothing about what it ignores"
        );
    }
    Ok(())
}

//! Self-tests of user mode: a user program that never makes a system call is still preempted
//! by the timer, so the kernel gets the CPU back; two such programs keep their own SSE
//! registers across switches; and a thread can be killed at its next return to user mode,
//! freeing its memory.

use alloc::string::String;
use alloc::sync::Arc;
use core::sync::atomic::Ordering;

use keel_vm::Vma;

use super::Test;
use crate::ensure;
use crate::mm::aspace::{AddressSpace, Backing, PROT_EXEC, PROT_READ, PROT_WRITE};
use crate::proc::{new_kernel_made_process, Process, UserCtx};
use crate::sched::{self, waitqueue, State, Thread};
use crate::time::monotonic_ns;

pub(super) const TESTS: &[Test] = &[
    Test {
        name: "user_busy_loop_is_preempted_and_killed",
        run: busy_loop_preempted,
    },
    Test {
        name: "user_sse_registers_survive_preemption",
        run: sse_isolated,
    },
];

const CODE: u64 = 0x40_0000;
const DATA: u64 = 0x40_1000;

/// `1: inc qword ptr [DATA]; jmp 1b`
const BUSY_LOOP: &[u8] = &[0x48, 0xff, 0x05, 0xf9, 0x0f, 0x00, 0x00, 0xeb, 0xf7];

/// Loads the word at DATA+8 into xmm0 and xmm15, then forever: compares both with it and
/// increments the word at DATA while they match; on a mismatch sets the word at DATA+16 and
/// spins. (Assembled from a 14-line `.s` file; the disassembly is in the test's history.)
const SSE_CHECK: &[u8] = &[
    0xf3, 0x0f, 0x7e, 0x05, 0x00, 0x10, 0x00, 0x00, 0xf3, 0x44, 0x0f, 0x7e, 0x3d, 0xf7, 0x0f, 0x00,
    0x00, 0x66, 0x48, 0x0f, 0x7e, 0xc0, 0x48, 0x3b, 0x05, 0xeb, 0x0f, 0x00, 0x00, 0x75, 0x17, 0x66,
    0x4c, 0x0f, 0x7e, 0xf8, 0x48, 0x3b, 0x05, 0xdd, 0x0f, 0x00, 0x00, 0x75, 0x09, 0x48, 0xff, 0x05,
    0xcc, 0x0f, 0x00, 0x00, 0xeb, 0xdb, 0x48, 0xc7, 0x05, 0xcf, 0x0f, 0x00, 0x00, 0x01, 0x00, 0x00,
    0x00, 0xeb, 0xf3,
];

struct UserProgram {
    process: Arc<Process>,
    thread: Arc<Thread>,
    mm: Arc<AddressSpace>,
}

impl UserProgram {
    /// A process whose only thread runs `code` at CODE with `data` at DATA.
    fn start(code: &[u8], data: &[u8]) -> Result<UserProgram, String> {
        let p = new_kernel_made_process().ok_or("no memory for a process")?;
        let mm = p.mm();
        {
            let mut g = mm.lock();
            let c = Vma::anonymous(CODE, CODE + 4096, PROT_READ | PROT_EXEC, Backing::Anon);
            let d = Vma::anonymous(DATA, DATA + 4096, PROT_READ | PROT_WRITE, Backing::Anon);
            g.vmas.insert(c).map_err(|e| alloc::format!("{e:?}"))?;
            g.vmas.insert(d).map_err(|e| alloc::format!("{e:?}"))?;
        }
        mm.write_bytes(CODE, code)
            .map_err(|e| alloc::format!("{e:?}"))?;
        mm.write_bytes(DATA, data)
            .map_err(|e| alloc::format!("{e:?}"))?;
        let ctx = UserCtx::new(p.clone()).ok_or("no memory for user state")?;
        let thread = Thread::new_user("selftest", ctx, Some(p.pid), || {
            crate::syscall::initial_frame(CODE, DATA + 4096)
        })
        .ok_or("no memory for a thread")?;
        p.live_threads.fetch_add(1, Ordering::AcqRel);
        p.threads.lock().push(thread.clone());
        sched::spawn_thread(thread.clone());
        Ok(UserProgram {
            process: p,
            thread,
            mm,
        })
    }

    /// The word at DATA + `off`.
    fn word(&self, off: u64) -> u64 {
        let Some((pa, _)) = self.mm.lock().pt.translate(DATA + off) else {
            return 0;
        };
        // SAFETY: the frame belongs to the program's address space and is direct-mapped; the
        // program may be writing it concurrently, and a stale value is fine here.
        unsafe { core::ptr::read_volatile(crate::mm::phys_to_virt(pa) as *const u64) }
    }

    /// Kills the thread and waits until it is gone; returns the process's exit status.
    fn kill(self) -> Result<i32, String> {
        crate::proc::signal::kill_process(&self.process, keel_abi::signal::SIGKILL as i32);
        let deadline = monotonic_ns() + 2_000_000_000;
        while self.thread.state() != State::Dead && monotonic_ns() < deadline {
            let _ = waitqueue::sleep_until(monotonic_ns() + 1_000_000);
        }
        ensure!(
            self.thread.state() == State::Dead,
            "killed thread is still {:?}",
            self.thread.state()
        );
        Ok(self.process.exit_code.load(Ordering::Acquire))
    }
}

/// Sleeps long enough for the reaper to free what dead threads left.
fn settle() {
    for _ in 0..4 {
        let _ = waitqueue::sleep_until(monotonic_ns() + 1_000_000);
    }
}

fn busy_loop_preempted() -> Result<(), String> {
    let before = crate::mm::frames::free_frames();
    let prog = UserProgram::start(BUSY_LOOP, &[])?;
    // This thread can only run again if the timer preempts the user loop.
    let _ = waitqueue::sleep_until(monotonic_ns() + 30_000_000);
    let n1 = prog.word(0);
    let _ = waitqueue::sleep_until(monotonic_ns() + 10_000_000);
    let n2 = prog.word(0);
    ensure!(n1 > 0, "the user program never ran");
    ensure!(
        n2 > n1,
        "the user program did not run again after being preempted ({n1} -> {n2})"
    );
    let status = prog.kill()?;
    ensure!(status == 9, "exit status {status} instead of SIGKILL");
    settle();
    let after = crate::mm::frames::free_frames();
    ensure!(
        after + 8 >= before,
        "the killed process leaked frames: {before} free before, {after} after"
    );
    Ok(())
}

fn sse_isolated() -> Result<(), String> {
    let data = |v: u64| {
        let mut d = [0u8; 24];
        d[8..16].copy_from_slice(&v.to_le_bytes());
        d
    };
    let a = UserProgram::start(SSE_CHECK, &data(0x1111_2222_3333_4444))?;
    let b = UserProgram::start(SSE_CHECK, &data(0x5555_6666_7777_8888))?;
    let _ = waitqueue::sleep_until(monotonic_ns() + 60_000_000);
    let (ca, cb, fa, fb) = (a.word(0), b.word(0), a.word(16), b.word(16));
    a.kill()?;
    b.kill()?;
    settle();
    ensure!(
        ca > 0 && cb > 0,
        "both programs must have run (counters {ca}, {cb})"
    );
    ensure!(
        fa == 0 && fb == 0,
        "an xmm register changed under a program (flags {fa}, {fb})"
    );
    Ok(())
}

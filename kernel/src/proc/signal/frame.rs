//! Linux's x86_64 signal frame (`struct rt_sigframe`) and `rt_sigreturn`.
//!
//! Below the interrupted stack pointer (minus the 128-byte red zone, or at the top of the
//! alternate stack with `SA_ONSTACK`) the kernel puts the FPU state (xsave layout, 64-byte
//! aligned, with Linux's `FP_XSTATE_MAGIC` words so user space can parse it), then
//!
//! ```text
//!   0  pretcode         the handler's return address: sa_restorer
//!   8  ucontext         uc_flags, uc_link, uc_stack, sigcontext (256 bytes), uc_sigmask
//! 312  siginfo          128 bytes
//! ```
//!
//! aligned so that the handler starts as if called (`(rsp + 8) % 16 == 0`). `rt_sigreturn`
//! reads it back: registers (with RFLAGS and segments sanitised), the mask, the alternate stack
//! settings and the FPU state, exactly as saved or as the handler changed them.
#![forbid(unsafe_code)]

use alloc::sync::Arc;

use keel_abi::signal::{SigAction, StackT, SA_ONSTACK, SA_RESTORER, SS_AUTODISARM};
use keel_abi::{Errno, KResult};

use super::SigInfo;
use crate::arch::x86_64::fpu;
use crate::arch::x86_64::gdt::{USER_CS, USER_DS};
use crate::arch::x86_64::trap::TrapFrame;
use crate::mm::usercopy::{copy_from_user, copy_to_user};
use crate::sched::Thread;

const UC_FP_XSTATE: u64 = 1;
const UC_SIGCONTEXT_SS: u64 = 2;
const UC_STRICT_RESTORE_SS: u64 = 4;
const FP_XSTATE_MAGIC1: u32 = 0x4650_5853;
const FP_XSTATE_MAGIC2: u32 = 0x4650_5845;
const SS_ONSTACK: i32 = 1;
const SS_DISABLE: i32 = 2;

/// Offsets in the frame.
const UC: u64 = 8;
const UC_STACK: u64 = UC + 16;
const MCONTEXT: u64 = UC + 40;
const UC_SIGMASK: u64 = UC + 296;
const INFO: u64 = 312;
const FRAME_SIZE: u64 = 440;

/// RFLAGS bits a handler may change through the frame (Linux's FIX_EFLAGS).
const FIX_EFLAGS: u64 = 0x50dd5;

/// `sas_ss_flags`: whether `sp` is on the alternate stack.
fn altstack_flags(ss: &StackT, sp: u64) -> i32 {
    if ss.ss_flags & SS_DISABLE != 0 || ss.ss_size == 0 {
        SS_DISABLE
    } else if sp > ss.ss_sp && sp - ss.ss_sp <= ss.ss_size {
        SS_ONSTACK
    } else {
        0
    }
}

fn put(buf: &mut [u8], at: u64, v: u64) {
    buf[at as usize..at as usize + 8].copy_from_slice(&v.to_le_bytes());
}

fn get(buf: &[u8], at: u64) -> u64 {
    let mut b = [0u8; 8];
    b.copy_from_slice(&buf[at as usize..at as usize + 8]);
    u64::from_le_bytes(b)
}

/// The general registers in `struct sigcontext` order.
fn regs(f: &TrapFrame) -> [u64; 18] {
    [
        f.r8, f.r9, f.r10, f.r11, f.r12, f.r13, f.r14, f.r15, f.rdi, f.rsi, f.rbp, f.rbx, f.rdx,
        f.rax, f.rcx, f.rsp, f.rip, f.rflags,
    ]
}

/// Builds the frame for `info` on the user stack and points `frame` at the handler.
pub fn setup(
    t: &Arc<Thread>,
    frame: &mut TrapFrame,
    info: &SigInfo,
    act: &SigAction,
    old_mask: u64,
) -> KResult<()> {
    let u = t.user().ok_or(Errno::EFAULT)?;
    if act.sa_flags & SA_RESTORER == 0 {
        return Err(Errno::EFAULT); // x86_64 has no kernel-provided trampoline
    }
    let ss = *u.altstack.lock();
    let mut sp = frame.rsp.wrapping_sub(128);
    let on_alt = altstack_flags(&ss, frame.rsp);
    if act.sa_flags & SA_ONSTACK != 0 && on_alt == 0 {
        sp = ss.ss_sp + ss.ss_size;
    }
    let xsize = fpu::area_size() as u64;
    let xsave = fpu::uses_xsave();
    let math = if xsave { xsize + 4 } else { xsize };
    let fpstate = (sp.wrapping_sub(math)) & !63;
    let base = ((fpstate.wrapping_sub(FRAME_SIZE) + 8) & !15).wrapping_sub(8);
    if !(4096..crate::mm::USER_END).contains(&base) {
        return Err(Errno::EFAULT);
    }

    // FPU state: the live registers are the user's.
    u.fpu.save();
    let mut area = alloc::vec![0u8; math as usize];
    u.fpu.copy_to(&mut area[..xsize as usize]);
    if xsave {
        // struct _fpx_sw_bytes at 464: magic1, extended_size, xfeatures, xstate_size.
        area[464..468].copy_from_slice(&FP_XSTATE_MAGIC1.to_le_bytes());
        area[468..472].copy_from_slice(&(math as u32).to_le_bytes());
        area[472..480].copy_from_slice(&fpu::xcr0().to_le_bytes());
        area[480..484].copy_from_slice(&(xsize as u32).to_le_bytes());
        area[xsize as usize..].copy_from_slice(&FP_XSTATE_MAGIC2.to_le_bytes());
    }
    copy_to_user(fpstate, &area)?;

    let mut f = [0u8; FRAME_SIZE as usize];
    put(&mut f, 0, act.sa_restorer);
    let uc_flags = UC_SIGCONTEXT_SS | UC_STRICT_RESTORE_SS | if xsave { UC_FP_XSTATE } else { 0 };
    put(&mut f, UC, uc_flags);
    put(&mut f, UC_STACK, ss.ss_sp);
    put(
        &mut f,
        UC_STACK + 8,
        (on_alt | (ss.ss_flags & SS_AUTODISARM as i32)) as u32 as u64,
    );
    put(&mut f, UC_STACK + 16, ss.ss_size);
    for (i, r) in regs(frame).iter().enumerate() {
        put(&mut f, MCONTEXT + 8 * i as u64, *r);
    }
    // cs, gs, fs, ss (u16 each), then err, trapno, oldmask, cr2, fpstate.
    let segs = (USER_CS as u64) | ((USER_DS as u64) << 48);
    put(&mut f, MCONTEXT + 144, segs);
    put(&mut f, MCONTEXT + 152, info.err);
    put(&mut f, MCONTEXT + 160, info.trapno);
    put(&mut f, MCONTEXT + 168, old_mask);
    put(
        &mut f,
        MCONTEXT + 176,
        if info.trapno == 14 { info.addr } else { 0 },
    );
    put(&mut f, MCONTEXT + 184, fpstate);
    put(&mut f, UC_SIGMASK, old_mask);
    f[INFO as usize..].copy_from_slice(&info.to_bytes());
    copy_to_user(base, &f)?;

    if act.sa_flags & SA_ONSTACK != 0 && on_alt == 0 && ss.ss_flags & SS_AUTODISARM as i32 != 0 {
        *u.altstack.lock() = crate::proc::exec::disabled_altstack();
    }
    // The handler starts with a clean FPU.
    u.fpu.reset();
    u.fpu.restore();

    frame.rip = act.sa_handler;
    frame.rsp = base;
    frame.rdi = info.signo as u64;
    frame.rsi = base + INFO;
    frame.rdx = base + UC;
    frame.rax = 0;
    frame.cs = USER_CS as u64;
    frame.ss = USER_DS as u64;
    // DF, TF and RF cleared, as Linux does.
    frame.rflags &= !((1 << 10) | (1 << 8) | (1 << 16));
    Ok(())
}

/// `rt_sigreturn`: restores what [`setup`] saved (as the handler may have changed it). An
/// unreadable frame kills with SIGSEGV, as on Linux.
pub fn sigreturn(t: &Arc<Thread>, frame: &mut TrapFrame) -> KResult<()> {
    let u = t.user().ok_or(Errno::EFAULT)?;
    let base = frame.rsp.wrapping_sub(8);
    let mut f = [0u8; FRAME_SIZE as usize];
    copy_from_user(&mut f, base)?;
    let g = |i: u64| get(&f, MCONTEXT + 8 * i);
    let rip = g(16);
    let rsp = g(15);
    if rip >= crate::mm::USER_END || rsp >= crate::mm::USER_END {
        return Err(Errno::EFAULT);
    }
    let fpstate = get(&f, MCONTEXT + 184);
    if fpstate != 0 {
        let size = fpu::area_size();
        let mut area = alloc::vec![0u8; size];
        copy_from_user(&mut area, fpstate)?;
        u.fpu.load_user_image(&area);
    } else {
        u.fpu.reset();
    }
    u.fpu.restore();
    frame.r8 = g(0);
    frame.r9 = g(1);
    frame.r10 = g(2);
    frame.r11 = g(3);
    frame.r12 = g(4);
    frame.r13 = g(5);
    frame.r14 = g(6);
    frame.r15 = g(7);
    frame.rdi = g(8);
    frame.rsi = g(9);
    frame.rbp = g(10);
    frame.rbx = g(11);
    frame.rdx = g(12);
    frame.rax = g(13);
    frame.rcx = g(14);
    frame.rsp = rsp;
    frame.rip = rip;
    frame.rflags = (frame.rflags & !FIX_EFLAGS) | (g(17) & FIX_EFLAGS) | (1 << 9);
    frame.cs = USER_CS as u64;
    frame.ss = USER_DS as u64;
    // No syscall restart for the restored context.
    frame.error_code = u64::MAX;
    let mask = get(&f, UC_SIGMASK);
    super::set_mask(t, mask);
    // uc_stack: the alternate stack as the handler left it (restore_altstack).
    let ss = StackT {
        ss_sp: get(&f, UC_STACK),
        ss_flags: get(&f, UC_STACK + 8) as i32,
        pad: 0,
        ss_size: get(&f, UC_STACK + 16),
    };
    let mode = ss.ss_flags & !(SS_AUTODISARM as i32) & !SS_ONSTACK;
    if mode == SS_DISABLE {
        *u.altstack.lock() = crate::proc::exec::disabled_altstack();
    } else if mode == 0 && ss.ss_size >= keel_abi::signal::MINSIGSTKSZ as u64 {
        *u.altstack.lock() = StackT {
            ss_flags: ss.ss_flags & SS_AUTODISARM as i32,
            ..ss
        };
    }
    Ok(())
}

//! Signals as the x86_64 kernel sees them: numbers (`asm/signal.h`), the kernel `struct
//! sigaction` that rt_sigaction(2) copies (handler, flags, restorer, mask: NOT glibc's or
//! musl's user-level `struct sigaction`, whose mask comes second and is 128 bytes), the 8-byte
//! kernel signal set, `stack_t` for sigaltstack(2), and the `SA_*`, `SIG_*` and `SS_*`
//! constants. See signal(7), rt_sigaction(2).

/// Number of signals (1..=64); the kernel `sigset_t` holds one bit per signal.
pub const NSIG: usize = 64;

/// Hangup.
pub const SIGHUP: u32 = 1;
/// Interrupt (^C).
pub const SIGINT: u32 = 2;
/// Quit (^\).
pub const SIGQUIT: u32 = 3;
/// Illegal instruction.
pub const SIGILL: u32 = 4;
/// Trace or breakpoint trap.
pub const SIGTRAP: u32 = 5;
/// Abort.
pub const SIGABRT: u32 = 6;
/// Bus error.
pub const SIGBUS: u32 = 7;
/// Arithmetic exception.
pub const SIGFPE: u32 = 8;
/// Kill (cannot be caught or blocked).
pub const SIGKILL: u32 = 9;
/// User signal 1.
pub const SIGUSR1: u32 = 10;
/// Invalid memory reference.
pub const SIGSEGV: u32 = 11;
/// User signal 2.
pub const SIGUSR2: u32 = 12;
/// Write to a pipe with no readers.
pub const SIGPIPE: u32 = 13;
/// Timer (alarm, `ITIMER_REAL`).
pub const SIGALRM: u32 = 14;
/// Termination request.
pub const SIGTERM: u32 = 15;
/// Coprocessor stack fault (unused).
pub const SIGSTKFLT: u32 = 16;
/// Child stopped or exited.
pub const SIGCHLD: u32 = 17;
/// Continue if stopped.
pub const SIGCONT: u32 = 18;
/// Stop (cannot be caught or blocked).
pub const SIGSTOP: u32 = 19;
/// Stop from the terminal (^Z).
pub const SIGTSTP: u32 = 20;
/// Background read from the terminal.
pub const SIGTTIN: u32 = 21;
/// Background write to the terminal.
pub const SIGTTOU: u32 = 22;
/// Urgent socket data.
pub const SIGURG: u32 = 23;
/// CPU time limit exceeded.
pub const SIGXCPU: u32 = 24;
/// File size limit exceeded.
pub const SIGXFSZ: u32 = 25;
/// Virtual timer.
pub const SIGVTALRM: u32 = 26;
/// Profiling timer.
pub const SIGPROF: u32 = 27;
/// Window size change.
pub const SIGWINCH: u32 = 28;
/// I/O possible.
pub const SIGIO: u32 = 29;
/// Power failure.
pub const SIGPWR: u32 = 30;
/// Bad system call.
pub const SIGSYS: u32 = 31;
/// First real-time signal.
pub const SIGRTMIN: u32 = 32;
/// Last real-time signal.
pub const SIGRTMAX: u32 = 64;

/// `SIGCHLD`: no notification when children stop.
pub const SA_NOCLDSTOP: u64 = 0x0000_0001;
/// `SIGCHLD`: children do not become zombies.
pub const SA_NOCLDWAIT: u64 = 0x0000_0002;
/// The handler takes `(sig, siginfo, ucontext)`.
pub const SA_SIGINFO: u64 = 0x0000_0004;
/// Bit the kernel never supports, for flag probing.
pub const SA_UNSUPPORTED: u64 = 0x0000_0400;
/// Deliver tag bits in `si_addr`.
pub const SA_EXPOSE_TAGBITS: u64 = 0x0000_0800;
/// `sa_restorer` is valid: the signal frame returns through it (`rt_sigreturn`).
pub const SA_RESTORER: u64 = 0x0400_0000;
/// Run the handler on the alternate signal stack.
pub const SA_ONSTACK: u64 = 0x0800_0000;
/// Restart interrupted syscalls.
pub const SA_RESTART: u64 = 0x1000_0000;
/// Do not block the signal while its handler runs.
pub const SA_NODEFER: u64 = 0x4000_0000;
/// Reset to `SIG_DFL` on delivery.
pub const SA_RESETHAND: u64 = 0x8000_0000;

/// Default action (`sa_handler` value).
pub const SIG_DFL: u64 = 0;
/// Ignore (`sa_handler` value).
pub const SIG_IGN: u64 = 1;

/// `rt_sigprocmask`: add to the mask.
pub const SIG_BLOCK: u32 = 0;
/// `rt_sigprocmask`: remove from the mask.
pub const SIG_UNBLOCK: u32 = 1;
/// `rt_sigprocmask`: replace the mask.
pub const SIG_SETMASK: u32 = 2;

/// `sigaltstack`: currently running on the alternate stack (reported only).
pub const SS_ONSTACK: u32 = 1;
/// `sigaltstack`: the alternate stack is disabled.
pub const SS_DISABLE: u32 = 2;
/// `sigaltstack`: disable the stack while a handler runs on it.
pub const SS_AUTODISARM: u32 = 1 << 31;
/// Smallest alternate stack `sigaltstack` accepts (ENOMEM below it).
pub const MINSIGSTKSZ: usize = 2048;
/// Suggested alternate stack size.
pub const SIGSTKSZ: usize = 8192;

/// The kernel's signal set: bit `n - 1` stands for signal `n`.
#[repr(transparent)]
#[derive(Clone, Copy, Default, Debug, PartialEq, Eq, Hash)]
pub struct SigSet(pub u64);
const _: () = assert!(size_of::<SigSet>() == 8);

impl SigSet {
    /// The empty set.
    pub const EMPTY: Self = Self(0);
    /// `SIGKILL` and `SIGSTOP`, which no mask can block.
    pub const UNBLOCKABLE: Self = Self(Self::bit(SIGKILL) | Self::bit(SIGSTOP));

    /// The bit for `sig`, or 0 outside `1..=64`.
    const fn bit(sig: u32) -> u64 {
        if sig >= 1 && sig <= NSIG as u32 {
            1 << (sig - 1)
        } else {
            0
        }
    }

    /// Whether `sig` is in the set (false outside `1..=64`).
    #[must_use]
    pub const fn contains(self, sig: u32) -> bool {
        self.0 & Self::bit(sig) != 0
    }

    /// The set with `sig` added (unchanged outside `1..=64`).
    #[must_use]
    pub const fn with(self, sig: u32) -> Self {
        Self(self.0 | Self::bit(sig))
    }

    /// The set with `sig` removed.
    #[must_use]
    pub const fn without(self, sig: u32) -> Self {
        Self(self.0 & !Self::bit(sig))
    }

    /// The set as a mask may hold it: `SIGKILL` and `SIGSTOP` removed.
    #[must_use]
    pub const fn blockable(self) -> Self {
        Self(self.0 & !Self::UNBLOCKABLE.0)
    }
}

/// The kernel's `struct sigaction` for x86_64 (32 bytes), as copied by `rt_sigaction`
/// (whose `sigsetsize` argument must be 8).
#[repr(C)]
#[derive(Clone, Copy, Default, Debug, PartialEq, Eq)]
pub struct SigAction {
    /// Handler address, `SIG_DFL` or `SIG_IGN`.
    pub sa_handler: u64,
    /// `SA_*` flags.
    pub sa_flags: u64,
    /// Return trampoline (with `SA_RESTORER`).
    pub sa_restorer: u64,
    /// Signals blocked while the handler runs.
    pub sa_mask: SigSet,
}
const _: () = assert!(size_of::<SigAction>() == 32);

/// `stack_t` for sigaltstack(2) (24 bytes).
#[repr(C)]
#[derive(Clone, Copy, Default, Debug, PartialEq, Eq)]
pub struct StackT {
    /// Base of the alternate stack.
    pub ss_sp: u64,
    /// `SS_*` flags.
    pub ss_flags: i32,
    /// Padding to the 8-byte alignment of `ss_size`.
    pub pad: u32,
    /// Size in bytes.
    pub ss_size: u64,
}
const _: () = assert!(size_of::<StackT>() == 24);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sigset_bit_n_minus_one_stands_for_signal_n() {
        let set = SigSet::EMPTY.with(SIGHUP).with(SIGRTMAX);
        assert_eq!(
            set.0,
            1 | 1 << 63,
            "SIGHUP is bit 0 and signal 64 is bit 63"
        );
        assert!(
            set.contains(SIGHUP) && set.contains(SIGRTMAX),
            "added signals are members"
        );
        assert!(!set.contains(SIGINT), "other signals are not");
        assert_eq!(
            set.without(SIGHUP).0,
            1 << 63,
            "removing clears only that bit"
        );
    }

    #[test]
    fn sigset_ignores_signal_numbers_out_of_range() {
        assert_eq!(
            SigSet::EMPTY.with(0).with(65).with(u32::MAX),
            SigSet::EMPTY,
            "0 and >64 add nothing"
        );
        assert!(!SigSet(!0).contains(0), "signal 0 is never a member");
    }

    #[test]
    fn blockable_drops_sigkill_and_sigstop() {
        let all = SigSet(!0).blockable();
        assert!(
            !all.contains(SIGKILL) && !all.contains(SIGSTOP),
            "KILL and STOP cannot be blocked"
        );
        assert!(all.contains(SIGINT), "other signals stay");
    }
}

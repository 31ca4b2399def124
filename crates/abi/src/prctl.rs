//! Process and architecture control: prctl(2) options (`linux/prctl.h`) and arch_prctl(2)
//! codes (`asm/prctl.h`).

/// Set the parent-death signal.
pub const PR_SET_PDEATHSIG: u32 = 1;
/// Get the parent-death signal.
pub const PR_GET_PDEATHSIG: u32 = 2;
/// Get the dumpable flag.
pub const PR_GET_DUMPABLE: u32 = 3;
/// Set the dumpable flag.
pub const PR_SET_DUMPABLE: u32 = 4;
/// Get the keep-capabilities flag.
pub const PR_GET_KEEPCAPS: u32 = 7;
/// Set the keep-capabilities flag.
pub const PR_SET_KEEPCAPS: u32 = 8;
/// Set the thread name (16 bytes with the NUL, truncated).
pub const PR_SET_NAME: u32 = 15;
/// Get the thread name into a 16-byte buffer.
pub const PR_GET_NAME: u32 = 16;
/// Get the seccomp mode.
pub const PR_GET_SECCOMP: u32 = 21;
/// Set the seccomp mode.
pub const PR_SET_SECCOMP: u32 = 22;
/// Whether a capability is in the bounding set.
pub const PR_CAPBSET_READ: u32 = 23;
/// Set the timer slack.
pub const PR_SET_TIMERSLACK: u32 = 29;
/// Get the timer slack.
pub const PR_GET_TIMERSLACK: u32 = 30;
/// Become a subreaper for orphaned descendants.
pub const PR_SET_CHILD_SUBREAPER: u32 = 36;
/// Whether this is a subreaper.
pub const PR_GET_CHILD_SUBREAPER: u32 = 37;
/// Set no-new-privileges.
pub const PR_SET_NO_NEW_PRIVS: u32 = 38;
/// Get no-new-privileges.
pub const PR_GET_NO_NEW_PRIVS: u32 = 39;
/// Get the `clear_child_tid` address.
pub const PR_GET_TID_ADDRESS: u32 = 40;
/// Set the transparent huge page disable flag.
pub const PR_SET_THP_DISABLE: u32 = 41;
/// Get the transparent huge page disable flag.
pub const PR_GET_THP_DISABLE: u32 = 42;
/// Name an anonymous mapping.
pub const PR_SET_VMA: u32 = 0x5356_4d41;
/// Length of a thread name buffer, including the NUL.
pub const TASK_COMM_LEN: usize = 16;

/// arch_prctl: set the GS base.
pub const ARCH_SET_GS: u32 = 0x1001;
/// arch_prctl: set the FS base (thread pointer).
pub const ARCH_SET_FS: u32 = 0x1002;
/// arch_prctl: store the FS base at the user address given.
pub const ARCH_GET_FS: u32 = 0x1003;
/// arch_prctl: store the GS base at the user address given.
pub const ARCH_GET_GS: u32 = 0x1004;
/// arch_prctl: whether CPUID is enabled.
pub const ARCH_GET_CPUID: u32 = 0x1011;
/// arch_prctl: enable or disable CPUID.
pub const ARCH_SET_CPUID: u32 = 0x1012;
/// arch_prctl: supported XSAVE components.
pub const ARCH_GET_XCOMP_SUPP: u32 = 0x1021;
/// arch_prctl: permitted XSAVE components.
pub const ARCH_GET_XCOMP_PERM: u32 = 0x1022;
/// arch_prctl: request permission for an XSAVE component (AMX).
pub const ARCH_REQ_XCOMP_PERM: u32 = 0x1023;

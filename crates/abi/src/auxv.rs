//! Auxiliary vector keys (`linux/auxvec.h`, `asm/auxvec.h`): the `(key, value)` pairs after
//! `envp` on a new program's stack, through which the kernel tells the C library where the
//! program headers are, the page size, the random bytes for stack protectors and so on.
//! See getauxval(3).

/// End of the vector.
pub const AT_NULL: u64 = 0;
/// Entry to ignore.
pub const AT_IGNORE: u64 = 1;
/// File descriptor of the program.
pub const AT_EXECFD: u64 = 2;
/// Address of the program headers in memory.
pub const AT_PHDR: u64 = 3;
/// Size of one program header.
pub const AT_PHENT: u64 = 4;
/// Number of program headers.
pub const AT_PHNUM: u64 = 5;
/// Page size.
pub const AT_PAGESZ: u64 = 6;
/// Load address of the interpreter (0 without one).
pub const AT_BASE: u64 = 7;
/// Flags (0).
pub const AT_FLAGS: u64 = 8;
/// Entry point of the program.
pub const AT_ENTRY: u64 = 9;
/// The program is not ELF.
pub const AT_NOTELF: u64 = 10;
/// Real user id.
pub const AT_UID: u64 = 11;
/// Effective user id.
pub const AT_EUID: u64 = 12;
/// Real group id.
pub const AT_GID: u64 = 13;
/// Effective group id.
pub const AT_EGID: u64 = 14;
/// Address of the platform string (`"x86_64"`).
pub const AT_PLATFORM: u64 = 15;
/// CPU capability bits (CPUID leaf 1 EDX on x86).
pub const AT_HWCAP: u64 = 16;
/// Frequency of `times()` (100).
pub const AT_CLKTCK: u64 = 17;
/// Secure mode (set-id exec).
pub const AT_SECURE: u64 = 23;
/// Address of the real platform string.
pub const AT_BASE_PLATFORM: u64 = 24;
/// Address of 16 random bytes.
pub const AT_RANDOM: u64 = 25;
/// More CPU capability bits.
pub const AT_HWCAP2: u64 = 26;
/// Address of the executed file name.
pub const AT_EXECFN: u64 = 31;
/// Address of the vDSO ELF header.
pub const AT_SYSINFO_EHDR: u64 = 33;
/// Minimal stack size for signal delivery.
pub const AT_MINSIGSTKSZ: u64 = 51;

//! Memory-mapping numbers for `mmap`, `mprotect`, `madvise`, `mremap` and `msync`, from
//! `asm-generic/mman-common.h`, `asm/mman.h` and `linux/mman.h`. See mmap(2), madvise(2),
//! mremap(2).

/// No access.
pub const PROT_NONE: u32 = 0x0;
/// Readable.
pub const PROT_READ: u32 = 0x1;
/// Writable.
pub const PROT_WRITE: u32 = 0x2;
/// Executable.
pub const PROT_EXEC: u32 = 0x4;
/// Usable for atomic operations (ignored on x86).
pub const PROT_SEM: u32 = 0x8;
/// `mprotect`: extend to the start of a grows-down mapping.
pub const PROT_GROWSDOWN: u32 = 0x0100_0000;
/// `mprotect`: extend to the end of a grows-up mapping.
pub const PROT_GROWSUP: u32 = 0x0200_0000;

/// Changes are shared.
pub const MAP_SHARED: u32 = 0x01;
/// Changes are private (copy-on-write).
pub const MAP_PRIVATE: u32 = 0x02;
/// `MAP_SHARED` that rejects unknown flags.
pub const MAP_SHARED_VALIDATE: u32 = 0x03;
/// Mask of the mapping type.
pub const MAP_TYPE: u32 = 0x0f;
/// Place the mapping exactly at `addr`, replacing what is there.
pub const MAP_FIXED: u32 = 0x10;
/// Not backed by a file.
pub const MAP_ANONYMOUS: u32 = 0x20;
/// Place the mapping in the low 2 GiB.
pub const MAP_32BIT: u32 = 0x40;
/// Stack-like mapping that grows down.
pub const MAP_GROWSDOWN: u32 = 0x0100;
/// Ignored (historical ETXTBSY).
pub const MAP_DENYWRITE: u32 = 0x0800;
/// Ignored (historical).
pub const MAP_EXECUTABLE: u32 = 0x1000;
/// Lock the pages.
pub const MAP_LOCKED: u32 = 0x2000;
/// Do not reserve swap.
pub const MAP_NORESERVE: u32 = 0x4000;
/// Prefault the page tables.
pub const MAP_POPULATE: u32 = 0x8000;
/// With `MAP_POPULATE`: do not block on I/O.
pub const MAP_NONBLOCK: u32 = 0x1_0000;
/// A thread stack.
pub const MAP_STACK: u32 = 0x2_0000;
/// Huge pages.
pub const MAP_HUGETLB: u32 = 0x4_0000;
/// Synchronous page faults (DAX).
pub const MAP_SYNC: u32 = 0x8_0000;
/// `MAP_FIXED` that fails with EEXIST instead of replacing a mapping.
pub const MAP_FIXED_NOREPLACE: u32 = 0x10_0000;

/// No special treatment.
pub const MADV_NORMAL: u32 = 0;
/// Random access expected.
pub const MADV_RANDOM: u32 = 1;
/// Sequential access expected.
pub const MADV_SEQUENTIAL: u32 = 2;
/// Pages will be needed.
pub const MADV_WILLNEED: u32 = 3;
/// Drop the pages: private anonymous memory reads back as zeroes.
pub const MADV_DONTNEED: u32 = 4;
/// Pages may be freed lazily.
pub const MADV_FREE: u32 = 8;
/// Free the pages and their backing store.
pub const MADV_REMOVE: u32 = 9;
/// Do not inherit across fork.
pub const MADV_DONTFORK: u32 = 10;
/// Inherit across fork.
pub const MADV_DOFORK: u32 = 11;
/// KSM may merge.
pub const MADV_MERGEABLE: u32 = 12;
/// KSM may not merge.
pub const MADV_UNMERGEABLE: u32 = 13;
/// Back with huge pages.
pub const MADV_HUGEPAGE: u32 = 14;
/// Do not back with huge pages.
pub const MADV_NOHUGEPAGE: u32 = 15;
/// Exclude from core dumps.
pub const MADV_DONTDUMP: u32 = 16;
/// Include in core dumps.
pub const MADV_DODUMP: u32 = 17;
/// Zero in the child after fork.
pub const MADV_WIPEONFORK: u32 = 18;
/// Undo `MADV_WIPEONFORK`.
pub const MADV_KEEPONFORK: u32 = 19;
/// Deactivate the pages.
pub const MADV_COLD: u32 = 20;
/// Reclaim the pages.
pub const MADV_PAGEOUT: u32 = 21;
/// Prefault readable.
pub const MADV_POPULATE_READ: u32 = 22;
/// Prefault writable.
pub const MADV_POPULATE_WRITE: u32 = 23;

/// `mremap`: the mapping may move.
pub const MREMAP_MAYMOVE: u32 = 1;
/// `mremap`: move to `new_address` (requires `MREMAP_MAYMOVE`).
pub const MREMAP_FIXED: u32 = 2;
/// `mremap`: keep the old mapping in place.
pub const MREMAP_DONTUNMAP: u32 = 4;

/// `msync`: schedule the write-back.
pub const MS_ASYNC: u32 = 1;
/// `msync`: invalidate other mappings.
pub const MS_INVALIDATE: u32 = 2;
/// `msync`: write back and wait.
pub const MS_SYNC: u32 = 4;

/// `mlockall`: lock current mappings.
pub const MCL_CURRENT: u32 = 1;
/// `mlockall`: lock future mappings.
pub const MCL_FUTURE: u32 = 2;
/// `mlockall`: lock pages as they fault in.
pub const MCL_ONFAULT: u32 = 4;

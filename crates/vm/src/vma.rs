//! One region of an address space ([`Vma`]), its attribute bits ([`VmaFlags`]) and the
//! [`Backing`] trait that lets the set decide whether two neighbours may merge.

use keel_abi::mman::{PROT_EXEC, PROT_READ, PROT_WRITE};

use crate::PAGE_SIZE;

/// The protection bits a VMA keeps: `PROT_READ | PROT_WRITE | PROT_EXEC`.
pub const PROT_RWX: u32 = PROT_READ | PROT_WRITE | PROT_EXEC;

/// Attribute bits of a VMA other than its protection.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
pub struct VmaFlags(u32);

impl VmaFlags {
    /// No flags: a private, object-backed mapping.
    pub const NONE: Self = Self(0);
    /// `MAP_SHARED`: writes reach the backing object and every other mapping of it.
    pub const SHARED: Self = Self(1 << 0);
    /// Not backed by a file (demand-zero memory).
    pub const ANONYMOUS: Self = Self(1 << 1);
    /// Grows down on faults below it (`MAP_GROWSDOWN`, the main stack): Linux's `VM_GROWSDOWN`.
    pub const GROWSDOWN: Self = Self(1 << 2);
    /// The `brk` heap.
    pub const HEAP: Self = Self(1 << 3);
    /// `MADV_DONTFORK`: not copied into a child on fork.
    pub const DONTFORK: Self = Self(1 << 4);
    /// `MADV_WIPEONFORK`: the child gets zero-filled memory here.
    pub const WIPEONFORK: Self = Self(1 << 5);
    /// `MAP_STACK` (a thread stack; informational).
    pub const STACK: Self = Self(1 << 6);
    /// `MAP_LOCKED` (informational; the kernel does not page out anyway).
    pub const LOCKED: Self = Self(1 << 7);

    /// The raw bits.
    pub const fn bits(self) -> u32 {
        self.0
    }
    /// Whether every bit of `other` is set.
    pub const fn contains(self, other: Self) -> bool {
        self.0 & other.0 == other.0
    }
    /// Both sets of bits.
    #[must_use]
    pub const fn union(self, other: Self) -> Self {
        Self(self.0 | other.0)
    }
    /// These bits without those of `other`.
    #[must_use]
    pub const fn difference(self, other: Self) -> Self {
        Self(self.0 & !other.0)
    }
}

impl core::ops::BitOr for VmaFlags {
    type Output = Self;
    fn bitor(self, rhs: Self) -> Self {
        self.union(rhs)
    }
}

/// What a VMA maps. The kernel uses `Arc<MemObject>` (or `()` in tests).
pub trait Backing: Clone {
    /// Whether `self` and `other` are the same object, so that two neighbouring VMAs with
    /// contiguous page offsets may become one.
    fn same_object(&self, other: &Self) -> bool;
}

impl Backing for () {
    fn same_object(&self, _: &Self) -> bool {
        true
    }
}

impl<T: ?Sized> Backing for alloc::sync::Arc<T> {
    fn same_object(&self, other: &Self) -> bool {
        alloc::sync::Arc::ptr_eq(self, other)
    }
}

/// A virtual memory area: `[start, end)`, page aligned, never empty.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Vma<B> {
    /// First byte (page aligned).
    pub start: u64,
    /// One past the last byte (page aligned, greater than `start`).
    pub end: u64,
    /// Current protection: a subset of [`PROT_RWX`].
    pub prot: u32,
    /// The most `mprotect` may grant (Linux's `VM_MAY*`): a read-only file mapped shared has no
    /// `PROT_WRITE` here. Anonymous memory has [`PROT_RWX`].
    pub max_prot: u32,
    /// Sharing, kind and advice bits.
    pub flags: VmaFlags,
    /// The memory object mapped here.
    pub backing: B,
    /// Page offset of `start` into `backing`. Anonymous private mappings use `start / PAGE_SIZE`
    /// as Linux does, so that the value stays consistent when a stack grows down.
    pub pgoff: u64,
}

impl<B> Vma<B> {
    /// An anonymous private read-write-exec-capable VMA with the given protection, as `mmap`
    /// would create it.
    pub fn anonymous(start: u64, end: u64, prot: u32, backing: B) -> Self {
        Self {
            start,
            end,
            prot: prot & PROT_RWX,
            max_prot: PROT_RWX,
            flags: VmaFlags::ANONYMOUS,
            backing,
            pgoff: start / PAGE_SIZE,
        }
    }

    /// Length in bytes.
    pub fn len(&self) -> u64 {
        self.end - self.start
    }

    /// Always false: a VMA is never empty. Present for clippy's `len_without_is_empty`.
    pub fn is_empty(&self) -> bool {
        self.end <= self.start
    }

    /// Whether `addr` lies inside.
    pub fn contains(&self, addr: u64) -> bool {
        self.start <= addr && addr < self.end
    }

    /// Whether the mapping is `MAP_SHARED`.
    pub fn is_shared(&self) -> bool {
        self.flags.contains(VmaFlags::SHARED)
    }

    /// Whether the mapping is anonymous and private (demand-zero, copy-on-write on fork).
    pub fn is_private_anonymous(&self) -> bool {
        self.flags.contains(VmaFlags::ANONYMOUS) && !self.is_shared()
    }

    /// Page offset into the backing object of `addr`, which must lie inside.
    pub fn pgoff_of(&self, addr: u64) -> u64 {
        self.pgoff + (addr - self.start) / PAGE_SIZE
    }

    /// Lowest address this VMA keeps free below itself: a grows-down VMA keeps Linux's
    /// `stack_guard_gap` (256 pages) clear so that it can grow (`vm_start_gap`).
    pub fn start_gap(&self) -> u64 {
        if self.flags.contains(VmaFlags::GROWSDOWN) {
            self.start.saturating_sub(crate::STACK_GUARD_GAP)
        } else {
            self.start
        }
    }
}

impl<B: Backing> Vma<B> {
    /// Whether `next` starts where `self` ends and has the same attributes, object and a
    /// contiguous page offset, so that the two may be one VMA.
    pub fn can_merge_with(&self, next: &Vma<B>) -> bool {
        self.end == next.start
            && self.prot == next.prot
            && self.max_prot == next.max_prot
            && self.flags == next.flags
            && self.backing.same_object(&next.backing)
            && self.pgoff.checked_add(self.len() / PAGE_SIZE) == Some(next.pgoff)
    }
}

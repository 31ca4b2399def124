//! Physical frame allocator with a reference count per frame.
//!
//! Every frame of physical memory has one `u32` counter: `FREE` (0) when the frame can be
//! handed out, `RESERVED` for memory that is not ours to allocate (firmware, the kernel image,
//! the initrd, this array itself), and otherwise the number of owners. Copy-on-write fork maps
//! one frame into several address spaces and counts each mapping, so a frame is freed only when
//! its last owner drops it.
//!
//! Allocation is next-fit over the counter array: O(1) amortised while memory is plentiful and
//! never worse than one pass. The array lives in memory the kernel carves out at boot (4 bytes
//! per 4 KiB frame, 0.1% of RAM). The allocator itself is not synchronised: the kernel keeps it
//! behind one IRQ-safe lock.
#![no_std]
#![forbid(unsafe_code)]

/// Size of a frame in bytes.
pub const FRAME_SIZE: u64 = 4096;

const FREE: u32 = 0;
const RESERVED: u32 = u32::MAX;
/// The largest owner count; one more owner is refused rather than wrapping.
const MAX_REFS: u32 = u32::MAX - 1;

/// A physical frame number (physical address / 4096).
pub type Frame = usize;

/// Why a reference-count operation was refused.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RefError {
    /// The frame number is past the end of physical memory.
    OutOfRange,
    /// The frame is free: nobody owns it, so nobody may share or drop it.
    NotAllocated,
    /// The frame is reserved and never counted.
    Reserved,
    /// The counter would overflow.
    Overflow,
}

/// The allocator over one array of counters, one per frame from frame 0.
pub struct FrameAllocator<'a> {
    refs: &'a mut [u32],
    hint: usize,
    free: usize,
}

impl<'a> FrameAllocator<'a> {
    /// An allocator in which every frame starts reserved; callers then free the usable ranges
    /// with [`FrameAllocator::add_free_range`] and re-reserve holes with
    /// [`FrameAllocator::reserve_range`].
    pub fn new(refs: &'a mut [u32]) -> Self {
        refs.fill(RESERVED);
        FrameAllocator {
            refs,
            hint: 0,
            free: 0,
        }
    }

    /// Number of frames the allocator knows (free, used and reserved).
    pub fn len(&self) -> usize {
        self.refs.len()
    }

    /// True if the allocator covers no frames at all.
    pub fn is_empty(&self) -> bool {
        self.refs.is_empty()
    }

    /// Frames currently free.
    pub fn free_frames(&self) -> usize {
        self.free
    }

    /// Marks frames `[start, end)` usable. Frames past the array are ignored.
    pub fn add_free_range(&mut self, start: Frame, end: Frame) {
        let end = end.min(self.refs.len());
        for r in self.refs.get_mut(start..end).into_iter().flatten() {
            if *r == RESERVED {
                *r = FREE;
                self.free += 1;
            }
        }
    }

    /// Marks frames `[start, end)` reserved (only frames that are free; owned frames keep their
    /// owners).
    pub fn reserve_range(&mut self, start: Frame, end: Frame) {
        let end = end.min(self.refs.len());
        for r in self.refs.get_mut(start..end).into_iter().flatten() {
            if *r == FREE {
                *r = RESERVED;
                self.free -= 1;
            }
        }
    }

    /// One free frame with a count of 1, or `None` when memory is exhausted.
    pub fn alloc(&mut self) -> Option<Frame> {
        self.alloc_contiguous(1, 1)
    }

    /// `count` physically contiguous frames whose first frame number is a multiple of `align`
    /// (in frames; 0 is treated as 1), each with a count of 1. For DMA buffers.
    pub fn alloc_contiguous(&mut self, count: usize, align: usize) -> Option<Frame> {
        if count == 0 || count > self.free {
            return None;
        }
        let align = align.max(1);
        let n = self.refs.len();
        // Two passes: from the hint to the end, then from the start.
        for (from, to) in [(self.hint, n), (0, self.hint.saturating_add(count).min(n))] {
            let mut f = from.next_multiple_of(align);
            while f.checked_add(count).is_some_and(|e| e <= to) {
                match self.refs[f..f + count].iter().rposition(|&r| r != FREE) {
                    None => {
                        self.refs[f..f + count].fill(1);
                        self.free -= count;
                        self.hint = f + count;
                        return Some(f);
                    }
                    Some(busy) => f = (f + busy + 1).next_multiple_of(align),
                }
            }
        }
        None
    }

    /// The owner count of `frame`: 0 when free, `None` when reserved or out of range.
    pub fn refcount(&self, frame: Frame) -> Option<u32> {
        match self.refs.get(frame) {
            Some(&RESERVED) | None => None,
            Some(&r) => Some(r),
        }
    }

    /// Adds an owner to an allocated frame and returns the new count.
    pub fn inc_ref(&mut self, frame: Frame) -> Result<u32, RefError> {
        let r = self.owned(frame)?;
        if *r >= MAX_REFS {
            return Err(RefError::Overflow);
        }
        *r += 1;
        Ok(*r)
    }

    /// Drops an owner and returns the remaining count; at 0 the frame is free again.
    pub fn dec_ref(&mut self, frame: Frame) -> Result<u32, RefError> {
        let r = self.owned(frame)?;
        *r -= 1;
        let left = *r;
        if left == FREE {
            self.free += 1;
        }
        Ok(left)
    }

    fn owned(&mut self, frame: Frame) -> Result<&mut u32, RefError> {
        match self.refs.get_mut(frame) {
            None => Err(RefError::OutOfRange),
            Some(r) if *r == RESERVED => Err(RefError::Reserved),
            Some(r) if *r == FREE => Err(RefError::NotAllocated),
            Some(r) => Ok(r),
        }
    }
}

#[cfg(test)]
mod tests {
    extern crate std;
    use super::*;
    use std::vec;

    #[test]
    fn new_allocator_has_nothing_free_until_ranges_are_added() {
        let mut refs = vec![7u32; 16];
        let mut a = FrameAllocator::new(&mut refs);
        assert_eq!(a.free_frames(), 0);
        assert_eq!(
            a.alloc(),
            None,
            "a fully reserved allocator must not hand out frames"
        );
        a.add_free_range(4, 8);
        assert_eq!(a.free_frames(), 4);
    }

    #[test]
    fn alloc_hands_out_each_free_frame_once_then_reports_exhaustion() {
        let mut refs = vec![0u32; 32];
        let mut a = FrameAllocator::new(&mut refs);
        a.add_free_range(10, 20);
        let mut got: std::vec::Vec<_> = (0..10).map(|_| a.alloc().expect("frame")).collect();
        got.sort();
        assert_eq!(got, (10..20).collect::<std::vec::Vec<_>>());
        assert_eq!(a.alloc(), None, "exhausted allocator must return None");
        assert_eq!(a.free_frames(), 0);
    }

    #[test]
    fn reserved_holes_are_never_allocated() {
        let mut refs = vec![0u32; 64];
        let mut a = FrameAllocator::new(&mut refs);
        a.add_free_range(0, 64);
        a.reserve_range(0, 16);
        a.reserve_range(30, 40);
        while let Some(f) = a.alloc() {
            assert!(
                !(0..16).contains(&f) && !(30..40).contains(&f),
                "reserved frame {f} allocated"
            );
        }
        assert_eq!(a.refcount(35), None, "reserved frames have no count");
    }

    #[test]
    fn shared_frame_is_freed_only_by_its_last_owner() {
        let mut refs = vec![0u32; 8];
        let mut a = FrameAllocator::new(&mut refs);
        a.add_free_range(0, 8);
        let f = a.alloc().unwrap();
        assert_eq!(a.inc_ref(f), Ok(2));
        assert_eq!(a.inc_ref(f), Ok(3));
        assert_eq!(a.dec_ref(f), Ok(2));
        assert_eq!(a.dec_ref(f), Ok(1));
        assert_eq!(a.free_frames(), 7);
        assert_eq!(a.dec_ref(f), Ok(0));
        assert_eq!(a.free_frames(), 8, "last dec_ref must free the frame");
        assert_eq!(
            a.dec_ref(f),
            Err(RefError::NotAllocated),
            "double free must be refused"
        );
        assert_eq!(a.inc_ref(f), Err(RefError::NotAllocated));
    }

    #[test]
    fn refcount_operations_reject_reserved_and_out_of_range_frames() {
        let mut refs = vec![0u32; 8];
        let mut a = FrameAllocator::new(&mut refs);
        a.add_free_range(4, 8);
        assert_eq!(a.inc_ref(0), Err(RefError::Reserved));
        assert_eq!(a.dec_ref(100), Err(RefError::OutOfRange));
    }

    #[test]
    fn contiguous_allocation_respects_alignment_and_skips_busy_frames() {
        let mut refs = vec![0u32; 64];
        let mut a = FrameAllocator::new(&mut refs);
        a.add_free_range(1, 64);
        let one = a.alloc_contiguous(3, 1).unwrap();
        let run = a.alloc_contiguous(8, 8).unwrap();
        assert_eq!(run % 8, 0, "run must be aligned");
        assert!(run >= one + 3 || run + 8 <= one, "runs must not overlap");
        for f in run..run + 8 {
            assert_eq!(a.refcount(f), Some(1));
        }
        assert_eq!(
            a.alloc_contiguous(100, 1),
            None,
            "a run larger than memory must fail"
        );
        assert_eq!(a.alloc_contiguous(0, 1), None);
    }

    #[test]
    fn next_fit_wraps_around_to_reuse_freed_frames() {
        let mut refs = vec![0u32; 4];
        let mut a = FrameAllocator::new(&mut refs);
        a.add_free_range(0, 4);
        let fs: std::vec::Vec<_> = (0..4).map(|_| a.alloc().unwrap()).collect();
        a.dec_ref(fs[1]).unwrap();
        assert_eq!(
            a.alloc(),
            Some(fs[1]),
            "allocator must wrap around to the freed frame"
        );
    }

    #[test]
    fn contiguous_search_finds_a_run_split_by_the_hint() {
        let mut refs = vec![0u32; 16];
        let mut a = FrameAllocator::new(&mut refs);
        a.add_free_range(0, 16);
        let all: std::vec::Vec<_> = (0..16).map(|_| a.alloc().unwrap()).collect();
        for f in &all[2..6] {
            a.dec_ref(*f).unwrap();
        }
        assert_eq!(a.alloc_contiguous(4, 1), Some(2));
    }
}

//! VmaSet: lookup, insert, unmap with splitting, protect, merging and the free-range search.
mod common;

use std::sync::Arc;

use common::*;
use keel_abi::mman::{PROT_EXEC, PROT_READ};
use keel_abi::Errno;
use keel_vm::{Vma, VmaFlags, VmaSet, PROT_RWX, STACK_GUARD_GAP};

const A: u64 = 0x10_0000;

#[test]
fn find_returns_the_vma_containing_the_address_and_nothing_at_its_end() {
    let set = set_of(&[(A, A + 2 * P)]);
    assert_eq!(
        set.find(A).map(|v| v.start),
        Some(A),
        "first byte is inside"
    );
    assert_eq!(
        set.find(A + 2 * P - 1).map(|v| v.start),
        Some(A),
        "last byte is inside"
    );
    assert!(set.find(A + 2 * P).is_none(), "end is exclusive");
    assert!(set.find(A - 1).is_none(), "byte before start is outside");
}

#[test]
fn insert_refuses_overlap_with_eexist_and_malformed_vmas_with_einval() {
    let mut set = set_of(&[(A, A + 2 * P)]);
    assert_eq!(
        set.insert(anon(A + P, A + 3 * P, RW)),
        Err(Errno::EEXIST),
        "overlap must be refused"
    );
    assert_eq!(
        set.insert(anon(A + 3 * P, A + 3 * P, RW)),
        Err(Errno::EINVAL),
        "empty VMA"
    );
    assert_eq!(
        set.insert(anon(A + 3 * P + 1, A + 4 * P, RW)),
        Err(Errno::EINVAL),
        "unaligned VMA"
    );
    assert_eq!(
        set.insert(anon(A + 2 * P, A + 3 * P, RW)),
        Ok(()),
        "adjacent VMA is fine"
    );
    assert_eq!(set.len(), 2, "insert does not merge");
}

#[test]
fn munmap_splits_a_vma_in_three() {
    let mut set = set_of(&[(A, A + 3 * P)]);
    let removed = set.unmap(A + P, A + 2 * P);
    assert_eq!(removed.len(), 1, "one piece removed");
    assert_eq!(
        (removed[0].start, removed[0].end),
        (A + P, A + 2 * P),
        "the middle page"
    );
    assert_eq!(
        ranges(&set),
        vec![(A, A + P), (A + 2 * P, A + 3 * P)],
        "head and tail remain"
    );
}

#[test]
fn split_moves_the_page_offset_of_the_upper_piece() {
    let mut set = VmaSet::new();
    let mut v = anon(A, A + 4 * P, RW);
    v.pgoff = 100;
    set.insert(v).unwrap();
    let removed = set.unmap(A + P, A + 2 * P);
    assert_eq!(
        removed[0].pgoff, 101,
        "removed middle page keeps its object offset"
    );
    assert_eq!(
        set.find(A).unwrap().pgoff,
        100,
        "head keeps the original offset"
    );
    assert_eq!(
        set.find(A + 2 * P).unwrap().pgoff,
        102,
        "tail's offset moved by two pages"
    );
}

#[test]
fn unmapping_a_hole_removes_nothing() {
    let mut set = set_of(&[(A, A + P)]);
    assert!(
        set.unmap(A + 4 * P, A + 8 * P).is_empty(),
        "nothing mapped there"
    );
    assert_eq!(ranges(&set), vec![(A, A + P)], "the set is unchanged");
}

#[test]
fn unmap_across_several_vmas_and_holes_returns_every_piece_in_order() {
    let mut set = set_of(&[
        (A, A + 2 * P),
        (A + 3 * P, A + 4 * P),
        (A + 5 * P, A + 7 * P),
    ]);
    let removed = set.unmap(A + P, A + 6 * P);
    let got: Vec<_> = removed.iter().map(|v| (v.start, v.end)).collect();
    assert_eq!(
        got,
        vec![
            (A + P, A + 2 * P),
            (A + 3 * P, A + 4 * P),
            (A + 5 * P, A + 6 * P)
        ],
        "pieces"
    );
    assert_eq!(
        ranges(&set),
        vec![(A, A + P), (A + 6 * P, A + 7 * P)],
        "what remains"
    );
}

#[test]
fn overlaps_and_is_fully_mapped_see_holes() {
    let set = set_of(&[(A, A + P), (A + P, A + 2 * P), (A + 3 * P, A + 4 * P)]);
    assert!(
        set.is_fully_mapped(A, A + 2 * P),
        "two adjacent VMAs cover the range"
    );
    assert!(!set.is_fully_mapped(A, A + 4 * P), "the hole at A+2P");
    assert!(!set.is_fully_mapped(A - P, A + P), "the page before A");
    assert!(set.overlaps(A + P + 1, A + 3 * P), "touches the second VMA");
    assert!(!set.overlaps(A + 2 * P, A + 3 * P), "exactly the hole");
    assert!(
        set.is_fully_mapped(A + 2 * P, A + 2 * P),
        "an empty range is mapped"
    );
}

#[test]
fn protect_over_a_hole_is_enomem_and_changes_nothing() {
    let mut set = set_of(&[(A, A + P), (A + 2 * P, A + 3 * P)]);
    assert_eq!(
        set.protect(A, A + 3 * P, PROT_READ),
        Err(Errno::ENOMEM),
        "hole in range"
    );
    assert!(set.iter().all(|v| v.prot == RW), "nothing changed");
    assert_eq!(set.len(), 2, "nothing split");
}

#[test]
fn protect_splits_and_reports_changed_ranges() {
    let mut set = set_of(&[(A, A + 4 * P)]);
    let changed = set.protect(A + P, A + 3 * P, PROT_READ).unwrap();
    assert_eq!(changed, vec![(A + P, A + 3 * P)], "the middle changed");
    let prots: Vec<_> = set.iter().map(|v| (v.start, v.prot)).collect();
    assert_eq!(
        prots,
        vec![(A, RW), (A + P, PROT_READ), (A + 3 * P, RW)],
        "split in three"
    );
}

#[test]
fn protect_back_merges_the_pieces_again() {
    let mut set = set_of(&[(A, A + 4 * P)]);
    set.protect(A + P, A + 2 * P, PROT_READ).unwrap();
    assert_eq!(set.len(), 3, "split");
    set.protect(A + P, A + 2 * P, RW).unwrap();
    assert_eq!(
        ranges(&set),
        vec![(A, A + 4 * P)],
        "identical neighbours merge back"
    );
}

#[test]
fn protect_beyond_max_prot_is_eacces() {
    let mut set = VmaSet::new();
    let mut v = anon(A, A + P, PROT_READ);
    v.max_prot = PROT_READ | PROT_EXEC;
    set.insert(v).unwrap();
    assert_eq!(
        set.protect(A, A + P, RW),
        Err(Errno::EACCES),
        "no write permission on this object"
    );
}

#[test]
fn merging_needs_the_same_object_and_contiguous_offsets() {
    let obj = Arc::new(1u32);
    let other = Arc::new(2u32);
    let mk = |s: u64, b: &Arc<u32>, pgoff: u64| Vma {
        start: s,
        end: s + P,
        prot: RW,
        max_prot: PROT_RWX,
        flags: VmaFlags::SHARED,
        backing: b.clone(),
        pgoff,
    };
    let mut set = VmaSet::new();
    set.insert(mk(A, &obj, 0)).unwrap();
    set.insert(mk(A + P, &obj, 1)).unwrap();
    set.insert(mk(A + 2 * P, &other, 2)).unwrap();
    set.insert(mk(A + 3 * P, &other, 7)).unwrap();
    set.merge_range(A, A + 4 * P);
    assert_eq!(
        ranges(&set),
        vec![
            (A, A + 2 * P),
            (A + 2 * P, A + 3 * P),
            (A + 3 * P, A + 4 * P)
        ],
        "only the same object with contiguous pgoff merges"
    );
}

#[test]
fn find_free_is_top_down_below_high() {
    let high = 0x7000_0000;
    let set = set_of(&[(high - 2 * P, high)]);
    assert_eq!(
        set.find_free(P, 0, 0x1_0000, high),
        Some(high - 3 * P),
        "just below the topmost VMA"
    );
    let empty = VmaSet::<()>::new();
    assert_eq!(
        empty.find_free(2 * P, 0, 0x1_0000, high),
        Some(high - 2 * P),
        "empty: right under high"
    );
}

#[test]
fn find_free_skips_gaps_that_are_too_small() {
    let high = 0x7000_0000;
    let set = set_of(&[(high - P, high), (high - 3 * P, high - 2 * P)]);
    assert_eq!(
        set.find_free(2 * P, 0, 0x1_0000, high),
        Some(high - 5 * P),
        "one-page gap skipped"
    );
    assert_eq!(
        set.find_free(P, 0, 0x1_0000, high),
        Some(high - 2 * P),
        "one-page gap used"
    );
}

#[test]
fn find_free_uses_a_free_hint_and_ignores_a_busy_one() {
    let high = 0x7000_0000;
    let set = set_of(&[(0x2000_0000, 0x2000_0000 + P)]);
    assert_eq!(
        set.find_free(P, 0x3000_0000, 0x1_0000, high),
        Some(0x3000_0000),
        "free hint used"
    );
    assert_eq!(
        set.find_free(P, 0x3000_0123, 0x1_0000, high),
        Some(0x3000_0000),
        "hint rounded down"
    );
    assert_eq!(
        set.find_free(2 * P, 0x2000_0000 - P, 0x1_0000, high),
        Some(high - 2 * P),
        "busy hint"
    );
    assert_eq!(
        set.find_free(P, 0x7100_0000, 0x1_0000, high),
        Some(0x7100_0000),
        "hint above high is fine"
    );
}

#[test]
fn find_free_returns_none_when_nothing_fits() {
    let set = set_of(&[(0x2_0000, 0x10_0000)]);
    assert_eq!(
        set.find_free(P, 0, 0x2_0000, 0x10_0000),
        None,
        "window is full"
    );
    assert_eq!(
        set.find_free(0x10_0000, 0, 0x1_0000, 0x10_0000),
        None,
        "larger than the window"
    );
    assert_eq!(
        set.find_free(0, 0, 0x1_0000, 0x10_0000),
        None,
        "zero length"
    );
}

#[test]
fn find_free_keeps_the_guard_gap_below_a_grows_down_vma() {
    let high = 0x7000_0000;
    let mut set = VmaSet::new();
    let mut stack = anon(high - 4 * P, high, RW);
    stack.flags = stack.flags | VmaFlags::GROWSDOWN;
    set.insert(stack).unwrap();
    assert_eq!(
        set.find_free(P, 0, 0x1_0000, high),
        Some(high - 4 * P - STACK_GUARD_GAP - P),
        "the stack's guard gap stays free"
    );
}

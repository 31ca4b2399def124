//! brk(2): the new break on success, the old one on any failure.
mod common;

use common::*;
use keel_vm::{apply_brk, plan_brk, BrkAction, BrkPlan, VmaFlags, VmaSet};

const START: u64 = 0x60_0000;

#[test]
fn brk_zero_returns_the_current_break() {
    let set = VmaSet::<()>::new();
    assert_eq!(
        plan_brk(&set, START, START, 0, u64::MAX).new_brk,
        START,
        "brk(0) reads the break"
    );
}

#[test]
fn brk_below_start_returns_old_break() {
    let set = VmaSet::<()>::new();
    let p = plan_brk(&set, START, START + 10, START - 1, u64::MAX);
    assert_eq!(
        p,
        BrkPlan {
            new_brk: START + 10,
            action: BrkAction::None
        },
        "below start fails"
    );
}

#[test]
fn growing_within_the_same_page_stores_the_exact_unaligned_value() {
    let set = set_of(&[(START, START + P)]);
    let p = plan_brk(&set, START, START + 10, START + 20, u64::MAX);
    assert_eq!(
        p,
        BrkPlan {
            new_brk: START + 20,
            action: BrkAction::None
        },
        "host: brk(b+10) == b+10"
    );
    let first = plan_brk(&VmaSet::<()>::new(), START, START, START + 10, u64::MAX);
    assert_eq!(
        first.action,
        BrkAction::Grow {
            from: START,
            to: START + P
        },
        "first byte maps a page"
    );
}

#[test]
fn growing_maps_whole_pages_and_creates_a_heap_vma() {
    let mut set = VmaSet::<()>::new();
    let p = plan_brk(&set, START, START, START + 2 * P + 5, u64::MAX);
    assert_eq!(p.new_brk, START + 2 * P + 5, "exact value returned");
    assert_eq!(
        p.action,
        BrkAction::Grow {
            from: START,
            to: START + 3 * P
        },
        "page-rounded growth"
    );
    apply_brk(&mut set, &p, || ());
    let heap = set.find(START).expect("heap VMA");
    assert_eq!(heap.end, START + 3 * P, "covers the rounded break");
    assert!(
        heap.flags.contains(VmaFlags::HEAP | VmaFlags::ANONYMOUS),
        "anonymous heap"
    );
    assert!(!heap.is_shared(), "private");
    let p2 = plan_brk(&set, START, p.new_brk, START + 5 * P, u64::MAX);
    apply_brk(&mut set, &p2, || ());
    assert_eq!(
        ranges(&set),
        vec![(START, START + 5 * P)],
        "the same VMA grows"
    );
}

#[test]
fn shrinking_unmaps_the_released_pages() {
    let mut set = VmaSet::<()>::new();
    let grow = plan_brk(&set, START, START, START + 4 * P, u64::MAX);
    apply_brk(&mut set, &grow, || ());
    let p = plan_brk(&set, START, START + 4 * P, START + P, u64::MAX);
    assert_eq!(
        p,
        BrkPlan {
            new_brk: START + P,
            action: BrkAction::Shrink {
                from: START + P,
                to: START + 4 * P
            }
        }
    );
    let removed = apply_brk(&mut set, &p, || ());
    assert_eq!(removed.len(), 1, "one piece released");
    assert_eq!(ranges(&set), vec![(START, START + P)], "heap shrunk");
}

#[test]
fn shrinking_a_heap_that_was_unmapped_fails() {
    let set = VmaSet::<()>::new();
    let p = plan_brk(&set, START, START + 4 * P, START + P, u64::MAX);
    assert_eq!(
        p.new_brk,
        START + 4 * P,
        "no heap VMA in the released range: old break"
    );
}

#[test]
fn growing_into_another_mapping_returns_old_break() {
    let g = START + 16 * P;
    let set = set_of(&[(g, g + P)]);
    assert_eq!(
        plan_brk(&set, START, START, g, u64::MAX).new_brk,
        START,
        "up to the mapping: fails"
    );
    assert_eq!(
        plan_brk(&set, START, START, g - P - 1, u64::MAX).new_brk,
        g - P - 1,
        "one page short: ok"
    );
    assert_eq!(
        plan_brk(&set, START, START, g - P, u64::MAX).new_brk,
        g - P,
        "host: exactly one free page ok"
    );
    assert_eq!(
        plan_brk(&set, START, START, g + 8 * P, u64::MAX).new_brk,
        START,
        "beyond the mapping"
    );
}

#[test]
fn growing_above_the_limit_returns_old_break() {
    let set = VmaSet::<()>::new();
    assert_eq!(
        plan_brk(&set, START, START, START + 8 * P, 4 * P).new_brk,
        START,
        "over RLIMIT_DATA"
    );
    assert_eq!(
        plan_brk(&set, START, START, START + 4 * P, 4 * P).new_brk,
        START + 4 * P,
        "at the limit"
    );
}

#[test]
fn absurd_requests_return_old_break() {
    let set = VmaSet::<()>::new();
    assert_eq!(
        plan_brk(&set, START, START, u64::MAX, u64::MAX).new_brk,
        START,
        "u64::MAX"
    );
    assert_eq!(
        plan_brk(&set, START, START, 0xffff_8000_0000_0000, u64::MAX).new_brk,
        START,
        "kernel half"
    );
}

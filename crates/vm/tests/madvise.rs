//! madvise(2): validation, zap ranges, fork advice, and ENOMEM after acting on mapped parts.
mod common;

use common::*;
use keel_abi::mman::*;
use keel_abi::Errno;
use keel_vm::{madvise, MadviseAction, Vma, VmaFlags, VmaSet};

const A: u64 = 0x10_0000;

fn shared(start: u64, end: u64) -> Vma<()> {
    let mut v = anon(start, end, RW);
    v.flags = VmaFlags::SHARED | VmaFlags::ANONYMOUS;
    v.pgoff = 0;
    v
}

#[test]
fn unknown_advice_is_einval_before_alignment() {
    let mut set = set_of(&[(A, A + P)]);
    assert_eq!(
        madvise(&mut set, A + 1, P, 999).result,
        Err(Errno::EINVAL),
        "unknown advice"
    );
    assert_eq!(
        madvise(&mut set, A, P, 5).result,
        Err(Errno::EINVAL),
        "5 is a gap in the numbering"
    );
}

#[test]
fn unaligned_address_is_einval() {
    let mut set = set_of(&[(A, A + P)]);
    assert_eq!(
        madvise(&mut set, A + 1, P, MADV_DONTNEED).result,
        Err(Errno::EINVAL),
        "unaligned"
    );
}

#[test]
fn length_that_rounds_to_zero_or_wraps_is_einval() {
    let mut set = set_of(&[(A, A + P)]);
    assert_eq!(
        madvise(&mut set, A, u64::MAX, MADV_DONTNEED).result,
        Err(Errno::EINVAL),
        "len -1"
    );
    let wraps = 0u64.wrapping_sub(P);
    assert_eq!(
        madvise(&mut set, A, wraps, MADV_DONTNEED).result,
        Err(Errno::EINVAL),
        "end wraps"
    );
}

#[test]
fn zero_length_succeeds_anywhere() {
    let mut set = VmaSet::<()>::new();
    assert_eq!(
        madvise(&mut set, A, 0, MADV_DONTNEED).result,
        Ok(()),
        "len 0"
    );
}

#[test]
fn dontneed_returns_the_mapped_ranges_to_zap() {
    let mut set = set_of(&[(A, A + 4 * P)]);
    let out = madvise(&mut set, A + P, 2 * P, MADV_DONTNEED);
    assert_eq!(out.result, Ok(()), "all mapped");
    assert_eq!(
        out.actions,
        vec![MadviseAction::Zap {
            start: A + P,
            end: A + 3 * P
        }],
        "zap range"
    );
    assert_eq!(set.len(), 1, "DONTNEED does not split VMAs");
}

#[test]
fn unmapped_part_is_enomem_after_acting_on_the_mapped_parts() {
    let mut set = set_of(&[(A, A + P), (A + 2 * P, A + 3 * P)]);
    let out = madvise(&mut set, A, 4 * P, MADV_DONTNEED);
    assert_eq!(out.result, Err(Errno::ENOMEM), "holes at A+P and A+3P");
    assert_eq!(
        out.actions,
        vec![
            MadviseAction::Zap {
                start: A,
                end: A + P
            },
            MadviseAction::Zap {
                start: A + 2 * P,
                end: A + 3 * P
            }
        ],
        "both mapped parts are still zapped"
    );
}

#[test]
fn advice_on_a_fully_unmapped_range_is_enomem() {
    let mut set = VmaSet::<()>::new();
    assert_eq!(
        madvise(&mut set, A, P, MADV_NORMAL).result,
        Err(Errno::ENOMEM),
        "even a no-op advice"
    );
    let kernel = madvise(&mut set, 0xffff_8000_0000_0000, P, MADV_DONTNEED).result;
    assert_eq!(kernel, Err(Errno::ENOMEM), "kernel address (host-checked)");
}

#[test]
fn madv_free_on_shared_memory_is_einval() {
    let mut set = VmaSet::new();
    set.insert(shared(A, A + P)).unwrap();
    assert_eq!(
        madvise(&mut set, A, P, MADV_FREE).result,
        Err(Errno::EINVAL),
        "host-checked"
    );
    assert_eq!(
        madvise(&mut set, A, P, MADV_WIPEONFORK).result,
        Err(Errno::EINVAL),
        "host-checked"
    );
}

#[test]
fn madv_free_on_private_anonymous_memory_frees() {
    let mut set = set_of(&[(A, A + P)]);
    let out = madvise(&mut set, A, P, MADV_FREE);
    assert_eq!(
        out.actions,
        vec![MadviseAction::Free {
            start: A,
            end: A + P
        }],
        "free range"
    );
}

#[test]
fn madv_remove_needs_a_shared_mapping() {
    let mut set = set_of(&[(A, A + P)]);
    assert_eq!(
        madvise(&mut set, A, P, MADV_REMOVE).result,
        Err(Errno::EINVAL),
        "private"
    );
    set.insert(shared(A + P, A + 2 * P)).unwrap();
    let out = madvise(&mut set, A + P, P, MADV_REMOVE);
    assert_eq!(
        out.actions,
        vec![MadviseAction::Remove {
            start: A + P,
            end: A + 2 * P
        }],
        "shared"
    );
}

#[test]
fn dontfork_splits_and_flags_the_range_and_dofork_merges_back() {
    let mut set = set_of(&[(A, A + 3 * P)]);
    assert_eq!(
        madvise(&mut set, A + P, P, MADV_DONTFORK).result,
        Ok(()),
        "dontfork"
    );
    let flagged: Vec<_> = set
        .iter()
        .map(|v| v.flags.contains(VmaFlags::DONTFORK))
        .collect();
    assert_eq!(flagged, vec![false, true, false], "only the middle page");
    madvise(&mut set, A, 3 * P, MADV_DOFORK);
    assert_eq!(ranges(&set), vec![(A, A + 3 * P)], "merged back");
}

#[test]
fn hints_are_accepted_without_actions() {
    let mut set = set_of(&[(A, A + P)]);
    for advice in [
        MADV_NORMAL,
        MADV_RANDOM,
        MADV_SEQUENTIAL,
        MADV_WILLNEED,
        MADV_HUGEPAGE,
        MADV_NOHUGEPAGE,
        24,
    ] {
        let out = madvise(&mut set, A, P, advice);
        assert_eq!(out.result, Ok(()), "advice {advice} accepted");
        assert!(
            advice == 24 || out.actions.is_empty(),
            "advice {advice} needs no page work"
        );
    }
}

#[test]
fn populate_write_asks_for_write_faults() {
    let mut set = set_of(&[(A, A + P)]);
    let out = madvise(&mut set, A, P, MADV_POPULATE_WRITE);
    assert_eq!(
        out.actions,
        vec![MadviseAction::Populate {
            start: A,
            end: A + P,
            write: true
        }],
        "populate"
    );
}

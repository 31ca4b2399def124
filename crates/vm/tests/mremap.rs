//! mremap(2): Linux's errors (EFAULT for an unmapped old range) and the four plan kinds.
mod common;

use std::sync::Arc;

use common::*;
use keel_abi::mman::*;
use keel_abi::Errno;
use keel_vm::{apply_mremap, plan_mremap, MremapPlan, Vma, VmaFlags, VmaSet, PROT_RWX, TASK_SIZE};

const A: u64 = 0x30_0000;
const MAY: u32 = MREMAP_MAYMOVE;
const FIX: u32 = MREMAP_MAYMOVE | MREMAP_FIXED;

fn plan(
    set: &VmaSet<()>,
    old: u64,
    old_len: u64,
    new_len: u64,
    flags: u32,
    new: u64,
) -> Result<MremapPlan, Errno> {
    plan_mremap(set, old, old_len, new_len, flags, new, &limits())
}

#[test]
fn mremap_of_unmapped_old_range_is_efault() {
    let set = set_of(&[(A, A + P)]);
    assert_eq!(
        plan(&set, A + 8 * P, P, 2 * P, 0, 0),
        Err(Errno::EFAULT),
        "musl's stack probe needs EFAULT"
    );
    assert_eq!(
        plan(&set, A + 8 * P, P, 2 * P, MAY, 0),
        Err(Errno::EFAULT),
        "with MAYMOVE too"
    );
    assert_eq!(
        plan(&set, 0xffff_8000_0000_0000, P, P, 0, 0),
        Err(Errno::EFAULT),
        "kernel address"
    );
}

#[test]
fn growing_an_old_range_that_crosses_the_vma_end_is_efault() {
    let set = set_of(&[(A, A + 4 * P)]);
    assert_eq!(
        plan(&set, A + 2 * P, 3 * P, 4 * P, MAY, 0),
        Err(Errno::EFAULT),
        "crosses the end"
    );
}

#[test]
fn argument_errors_are_einval() {
    let set = set_of(&[(A, A + 4 * P)]);
    assert_eq!(
        plan(&set, A, P, P, 8, 0),
        Err(Errno::EINVAL),
        "unknown flag"
    );
    assert_eq!(
        plan(&set, A + 1, P, P, 0, 0),
        Err(Errno::EINVAL),
        "unaligned old address"
    );
    assert_eq!(
        plan(&set, A, P, P, MREMAP_FIXED, A + 16 * P),
        Err(Errno::EINVAL),
        "FIXED without MAYMOVE"
    );
    assert_eq!(
        plan(&set, A, P, P, FIX, A + 16 * P + 1),
        Err(Errno::EINVAL),
        "unaligned new address"
    );
    assert_eq!(plan(&set, A, P, 0, 0, 0), Err(Errno::EINVAL), "new size 0");
    assert_eq!(
        plan(&set, A, P, u64::MAX, 0, 0),
        Err(Errno::EINVAL),
        "new size rounds to 0"
    );
}

#[test]
fn argument_errors_come_before_the_efault_check() {
    let set = VmaSet::new();
    assert_eq!(
        plan(&set, A + 1, P, P, 0, 0),
        Err(Errno::EINVAL),
        "unaligned beats unmapped"
    );
    assert_eq!(
        plan(&set, A, P, 0, 0, 0),
        Err(Errno::EINVAL),
        "zero size beats unmapped"
    );
}

#[test]
fn dontunmap_needs_maymove_and_equal_sizes() {
    let set = set_of(&[(A, A + 4 * P)]);
    assert_eq!(
        plan(&set, A, P, 2 * P, MREMAP_DONTUNMAP | MAY, 0),
        Err(Errno::EINVAL),
        "resize"
    );
    assert_eq!(
        plan(&set, A, P, P, MREMAP_DONTUNMAP, 0),
        Err(Errno::EINVAL),
        "no MAYMOVE"
    );
    assert_eq!(
        plan(&set, A, P, P, MREMAP_DONTUNMAP | MAY, A + 64 * P + 5),
        Err(Errno::EINVAL),
        "bad hint"
    );
}

#[test]
fn same_size_returns_the_old_address_without_checking_the_range() {
    // Host-checked: mremap(a, 3P, 3P, 0) with only the first page mapped returns a.
    let set = set_of(&[(A, A + P)]);
    assert_eq!(
        plan(&set, A, 3 * P, 3 * P, 0, 0),
        Ok(MremapPlan::Unchanged { addr: A }),
        "no-op"
    );
}

#[test]
fn shrink_unmaps_the_tail_even_across_vmas() {
    let set = set_of(&[(A, A + 2 * P), (A + 2 * P, A + 3 * P)]);
    let p = plan(&set, A, 3 * P, P, 0, 0).unwrap();
    assert_eq!(
        p,
        MremapPlan::Shrink {
            addr: A,
            unmap_from: A + P,
            unmap_to: A + 3 * P
        },
        "tail"
    );
    let mut set = set;
    let removed = apply_mremap(&mut set, &p);
    assert_eq!(removed.len(), 2, "pieces of both VMAs removed");
    assert_eq!(ranges(&set), vec![(A, A + P)], "head remains");
}

#[test]
fn shrink_whose_tail_leaves_user_space_is_einval() {
    let set = set_of(&[(A, A + P)]);
    assert_eq!(
        plan(&set, A, 0x8000_0000_0000, P, 0, 0),
        Err(Errno::EINVAL),
        "host-checked"
    );
}

#[test]
fn grow_in_place_when_the_following_range_is_free() {
    let mut set = set_of(&[(A, A + 4 * P), (A + 5 * P, A + 6 * P)]);
    assert_eq!(
        plan(&set, A, 4 * P, 6 * P, 0, 0),
        Err(Errno::ENOMEM),
        "two pages do not fit"
    );
    let p = plan(&set, A, 4 * P, 5 * P, 0, 0).unwrap();
    assert_eq!(
        p,
        MremapPlan::GrowInPlace {
            addr: A,
            old_end: A + 4 * P,
            new_end: A + 5 * P
        },
        "one page fits"
    );
    apply_mremap(&mut set, &p);
    assert_eq!(
        set.find(A).map(|v| v.end),
        Some(A + 6 * P),
        "grown and merged with the next VMA"
    );
}

#[test]
fn grow_without_room_or_maymove_is_enomem() {
    let set = set_of(&[(A, A + 4 * P), (A + 4 * P, A + 5 * P)]);
    assert_eq!(
        plan(&set, A, 4 * P, 5 * P, 0, 0),
        Err(Errno::ENOMEM),
        "next page taken"
    );
    assert_eq!(
        plan(&set, A + P, P, 2 * P, 0, 0),
        Err(Errno::ENOMEM),
        "old range ends inside the VMA"
    );
}

#[test]
fn grow_with_maymove_moves_top_down() {
    let set = set_of(&[(A, A + 4 * P), (A + 4 * P, A + 5 * P)]);
    let p = plan(&set, A, 4 * P, 8 * P, MAY, 0).unwrap();
    let to = limits().mmap_base - 8 * P;
    let want = MremapPlan::Move {
        from: A,
        to,
        old_len: 4 * P,
        new_len: 8 * P,
        unmap_target_first: false,
        unmap_tail: None,
        keep_old: false,
    };
    assert_eq!(p, want, "moved below mmap_base");
    assert_eq!(p.result(), to, "mremap returns the new address");
}

#[test]
fn move_applies_and_carries_the_page_offset() {
    let obj = Arc::new(0u8);
    let mut set = VmaSet::new();
    set.insert(Vma {
        start: A,
        end: A + 4 * P,
        prot: RW,
        max_prot: PROT_RWX,
        flags: VmaFlags::SHARED,
        backing: obj.clone(),
        pgoff: 10,
    })
    .unwrap();
    let p = plan_mremap(&set, A + P, 2 * P, 2 * P, FIX, A + 64 * P, &limits()).unwrap();
    let removed = apply_mremap(&mut set, &p);
    assert!(
        removed.is_empty(),
        "target was free, moved pages are not dropped"
    );
    let moved = set.find(A + 64 * P).expect("new VMA at the target");
    assert_eq!(
        (moved.end, moved.pgoff),
        (A + 66 * P, 11),
        "object offset of the moved part"
    );
    assert!(Arc::ptr_eq(&moved.backing, &obj), "same object");
    assert_eq!(
        ranges(&set),
        vec![(A, A + P), (A + 3 * P, A + 4 * P), (A + 64 * P, A + 66 * P)],
        "hole left"
    );
}

#[test]
fn fixed_target_overlapping_the_old_range_is_einval() {
    let set = set_of(&[(A, A + 4 * P)]);
    assert_eq!(
        plan(&set, A, 2 * P, 2 * P, FIX, A + P),
        Err(Errno::EINVAL),
        "overlap"
    );
    assert_eq!(
        plan(&set, A, P, P, FIX, TASK_SIZE),
        Err(Errno::EINVAL),
        "target beyond TASK_SIZE"
    );
}

#[test]
fn fixed_onto_a_mapping_replaces_it() {
    let mut set = set_of(&[(A, A + P), (A + 8 * P, A + 9 * P)]);
    let p = plan(&set, A, P, P, FIX, A + 8 * P).unwrap();
    assert!(
        matches!(
            p,
            MremapPlan::Move {
                unmap_target_first: true,
                ..
            }
        ),
        "target unmapped first: {p:?}"
    );
    let removed = apply_mremap(&mut set, &p);
    assert_eq!(removed.len(), 1, "old target VMA dropped");
    assert_eq!(ranges(&set), vec![(A + 8 * P, A + 9 * P)], "moved onto it");
}

#[test]
fn fixed_shrinking_move_checks_only_the_kept_part() {
    // Host-checked: mremap(a+2P, 3P, P, FIXED) where only [a+2P, a+3P) is in the VMA succeeds.
    let set = set_of(&[(A, A + 3 * P)]);
    let p = plan(&set, A + 2 * P, 3 * P, P, FIX, A + 40 * P).unwrap();
    match p {
        MremapPlan::Move {
            old_len,
            unmap_tail,
            ..
        } => {
            assert_eq!(old_len, P, "only the kept page moves");
            assert_eq!(
                unmap_tail,
                Some((A + 3 * P, A + 5 * P)),
                "the rest is unmapped"
            );
        }
        other => panic!("expected a move, got {other:?}"),
    }
    assert_eq!(
        plan(&set, A + 2 * P, 3 * P, 4 * P, FIX, A + 40 * P),
        Err(Errno::EFAULT),
        "growing: EFAULT"
    );
}

#[test]
fn dontunmap_moves_to_a_hint_and_keeps_the_old_vma() {
    let mut set = set_of(&[(A, A + 4 * P)]);
    let p = plan(&set, A + P, P, P, MREMAP_DONTUNMAP | MAY, A + 30 * P).unwrap();
    assert_eq!(p.result(), A + 30 * P, "free hint used (host-checked)");
    apply_mremap(&mut set, &p);
    assert!(set.is_fully_mapped(A, A + 4 * P), "old range stays mapped");
    assert!(set.find(A + 30 * P).is_some(), "new range mapped");
}

#[test]
fn zero_old_size_duplicates_shared_mappings_only() {
    let mut set = VmaSet::new();
    let mut v = anon(A, A + P, RW);
    v.flags = VmaFlags::SHARED | VmaFlags::ANONYMOUS;
    set.insert(v).unwrap();
    set.insert(anon(A + 8 * P, A + 9 * P, RW)).unwrap();
    let p = plan(&set, A, 0, P, MAY, 0).unwrap();
    assert!(
        matches!(
            p,
            MremapPlan::Move {
                old_len: 0,
                keep_old: true,
                ..
            }
        ),
        "duplicate: {p:?}"
    );
    assert_eq!(
        plan(&set, A + 8 * P, 0, P, MAY, 0),
        Err(Errno::EINVAL),
        "private: host-checked EINVAL"
    );
}

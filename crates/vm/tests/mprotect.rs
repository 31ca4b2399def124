//! mprotect(2): Linux's validation order and its partial application over holes.
mod common;

use common::*;
use keel_abi::mman::*;
use keel_abi::Errno;
use keel_vm::{mprotect, VmaFlags, VmaSet};

const A: u64 = 0x10_0000;

#[test]
fn unaligned_address_is_einval() {
    let mut set = set_of(&[(A, A + P)]);
    assert_eq!(
        mprotect(&mut set, A + 1, P, PROT_READ).result,
        Err(Errno::EINVAL),
        "unaligned"
    );
    assert_eq!(
        mprotect(&mut set, A + 1, 0, PROT_READ).result,
        Err(Errno::EINVAL),
        "checked before len 0"
    );
}

#[test]
fn zero_length_succeeds_even_where_nothing_is_mapped() {
    let mut set = VmaSet::<()>::new();
    let out = mprotect(&mut set, A, 0, PROT_READ);
    assert_eq!(out.result, Ok(()), "len 0 is a no-op");
}

#[test]
fn unknown_prot_bits_are_einval_before_the_mapping_check() {
    let mut set = VmaSet::<()>::new();
    assert_eq!(
        mprotect(&mut set, A, P, 0x80).result,
        Err(Errno::EINVAL),
        "bad prot on unmapped range"
    );
}

#[test]
fn prot_sem_is_accepted() {
    let mut set = set_of(&[(A, A + P)]);
    assert_eq!(
        mprotect(&mut set, A, P, PROT_READ | PROT_SEM).result,
        Ok(()),
        "x86 accepts PROT_SEM"
    );
    assert_eq!(
        set.find(A).unwrap().prot,
        PROT_READ,
        "PROT_SEM is not stored"
    );
}

#[test]
fn length_that_wraps_is_enomem() {
    let mut set = set_of(&[(A, A + P)]);
    assert_eq!(
        mprotect(&mut set, A, 0u64.wrapping_sub(P), PROT_READ).result,
        Err(Errno::ENOMEM),
        "wraps"
    );
}

#[test]
fn unmapped_range_is_enomem() {
    let mut set = VmaSet::<()>::new();
    assert_eq!(
        mprotect(&mut set, A, P, PROT_READ).result,
        Err(Errno::ENOMEM),
        "nothing mapped"
    );
    let kernel = mprotect(&mut set, 0xffff_8000_0000_0000, P, PROT_READ).result;
    assert_eq!(
        kernel,
        Err(Errno::ENOMEM),
        "a kernel address is just unmapped to mprotect"
    );
}

#[test]
fn mprotect_over_a_hole_changes_the_part_before_it_then_fails_enomem() {
    // Host-checked: Linux changed [A, A+2P) to r-- and returned ENOMEM.
    let mut set = set_of(&[(A, A + 2 * P), (A + 3 * P, A + 4 * P)]);
    let out = mprotect(&mut set, A, 4 * P, PROT_READ);
    assert_eq!(out.result, Err(Errno::ENOMEM), "the hole");
    assert_eq!(
        out.changed,
        vec![(A, A + 2 * P)],
        "the part before the hole changed"
    );
    assert_eq!(
        set.find(A + 3 * P).unwrap().prot,
        RW,
        "the part after the hole did not"
    );
}

#[test]
fn range_starting_in_a_hole_changes_nothing() {
    let mut set = set_of(&[(A + P, A + 2 * P)]);
    let out = mprotect(&mut set, A, 2 * P, PROT_READ);
    assert_eq!(out.result, Err(Errno::ENOMEM), "start unmapped");
    assert!(out.changed.is_empty(), "nothing changed");
    assert_eq!(set.find(A + P).unwrap().prot, RW, "VMA untouched");
}

#[test]
fn mprotect_splits_and_merges() {
    let mut set = set_of(&[(A, A + 4 * P)]);
    let out = mprotect(&mut set, A + P, P, PROT_NONE);
    assert_eq!(
        (out.result, out.changed),
        (Ok(()), vec![(A + P, A + 2 * P)]),
        "one page"
    );
    assert_eq!(set.len(), 3, "split in three");
    assert_eq!(mprotect(&mut set, A, 4 * P, RW).result, Ok(()), "restore");
    assert_eq!(ranges(&set), vec![(A, A + 4 * P)], "merged back");
}

#[test]
fn unchanged_protection_reports_no_ranges() {
    let mut set = set_of(&[(A, A + P)]);
    let out = mprotect(&mut set, A, P, RW);
    assert!(
        out.changed.is_empty(),
        "nothing to rewrite: {:?}",
        out.changed
    );
}

#[test]
fn growsdown_on_a_normal_mapping_is_einval_and_both_grows_flags_too() {
    let mut set = set_of(&[(A, A + P)]);
    assert_eq!(
        mprotect(&mut set, A, P, PROT_READ | PROT_GROWSDOWN).result,
        Err(Errno::EINVAL),
        "down"
    );
    assert_eq!(
        mprotect(&mut set, A, P, PROT_READ | PROT_GROWSUP).result,
        Err(Errno::EINVAL),
        "up"
    );
    let both = PROT_READ | PROT_GROWSDOWN | PROT_GROWSUP;
    assert_eq!(
        mprotect(&mut set, A, P, both).result,
        Err(Errno::EINVAL),
        "both"
    );
}

#[test]
fn growsdown_extends_the_range_to_the_start_of_the_stack() {
    let mut set = VmaSet::new();
    let mut v = anon(A, A + 4 * P, RW);
    v.flags = v.flags | VmaFlags::GROWSDOWN;
    set.insert(v).unwrap();
    let out = mprotect(&mut set, A + 2 * P, P, PROT_READ | PROT_GROWSDOWN);
    assert_eq!(out.result, Ok(()), "allowed on a grows-down VMA");
    assert_eq!(
        out.changed,
        vec![(A, A + 3 * P)],
        "from the VMA's start to the end of the range"
    );
}

#[test]
fn exceeding_max_prot_is_eacces_after_earlier_vmas_changed() {
    let mut set = set_of(&[(A, A + P)]);
    let mut ro = anon(A + P, A + 2 * P, PROT_READ);
    ro.max_prot = PROT_READ;
    set.insert(ro).unwrap();
    let out = mprotect(&mut set, A, 2 * P, RW | PROT_EXEC);
    assert_eq!(
        out.result,
        Err(Errno::EACCES),
        "second VMA may not become writable"
    );
    assert_eq!(
        out.changed,
        vec![(A, A + P)],
        "first VMA changed, as in Linux's loop"
    );
}

//! Fault classification (SEGV_MAPERR vs SEGV_ACCERR) and grows-down stack expansion.
mod common;

use common::*;
use keel_abi::mman::*;
use keel_vm::{check_access, FaultError, VmaFlags, VmaSet, STACK_GUARD_GAP};

const A: u64 = 0x40_0000;

#[test]
fn access_outside_any_mapping_is_maperr() {
    let set = set_of(&[(A, A + P)]);
    assert_eq!(
        check_access(&set, A + P, false, false).err(),
        Some(FaultError::NoMapping),
        "past end"
    );
    assert_eq!(
        check_access(&set, 0, false, false).err(),
        Some(FaultError::NoMapping),
        "NULL"
    );
}

#[test]
fn write_to_read_only_mapping_is_accerr() {
    let mut set = VmaSet::new();
    set.insert(anon(A, A + P, PROT_READ)).unwrap();
    assert_eq!(
        check_access(&set, A, true, false).err(),
        Some(FaultError::AccessDenied),
        "write"
    );
    assert!(
        check_access(&set, A + 8, false, false).is_ok(),
        "read is fine"
    );
}

#[test]
fn prot_none_forbids_reads_and_exec_needs_prot_exec() {
    let mut set = VmaSet::new();
    set.insert(anon(A, A + P, PROT_NONE)).unwrap();
    set.insert(anon(A + P, A + 2 * P, PROT_WRITE)).unwrap();
    assert_eq!(
        check_access(&set, A, false, false).err(),
        Some(FaultError::AccessDenied),
        "PROT_NONE"
    );
    assert!(
        check_access(&set, A + P, false, false).is_ok(),
        "write implies read on x86"
    );
    assert_eq!(
        check_access(&set, A + P, false, true).err(),
        Some(FaultError::AccessDenied),
        "no exec"
    );
}

#[test]
fn allowed_access_returns_the_vma_for_the_resolver() {
    let set = set_of(&[(A, A + 2 * P)]);
    let vma = check_access(&set, A + P + 3, true, false).expect("writable");
    assert_eq!(
        vma.pgoff_of(A + P + 3),
        A / P + 1,
        "object page for the fault"
    );
}

fn stack_set(start: u64, end: u64) -> VmaSet<()> {
    let mut set = VmaSet::new();
    let mut v = anon(start, end, RW);
    v.flags = v.flags | VmaFlags::GROWSDOWN;
    set.insert(v).unwrap();
    set
}

#[test]
fn fault_below_a_grows_down_stack_expands_it() {
    let top = 0x7fff_0000_0000;
    let mut set = stack_set(top - 4 * P, top);
    assert_eq!(
        set.expand_stack(top - 6 * P + 8, 8 << 20, 0x1_0000),
        Ok(()),
        "two pages below"
    );
    let v = set.find(top - 6 * P).expect("now mapped");
    assert_eq!(
        (v.start, v.end),
        (top - 6 * P, top),
        "one VMA, start moved down"
    );
    assert_eq!(v.pgoff, (top - 6 * P) / P, "pgoff follows the start");
}

#[test]
fn stack_growth_respects_the_limit_and_the_guard_gap() {
    let top = 0x7fff_0000_0000;
    let mut set = stack_set(top - 4 * P, top);
    assert_eq!(
        set.expand_stack(top - 9 * P, 8 * P, 0),
        Err(FaultError::NoMapping),
        "over RLIMIT_STACK"
    );
    let below = top - 4 * P - STACK_GUARD_GAP;
    set.insert(anon(below - P, below + P, RW)).unwrap();
    assert_eq!(
        set.expand_stack(top - 5 * P, 8 << 20, 0),
        Err(FaultError::NoMapping),
        "guard gap"
    );
}

#[test]
fn fault_below_an_ordinary_mapping_does_not_grow_it() {
    let mut set = set_of(&[(A, A + P)]);
    assert_eq!(
        set.expand_stack(A - 8, 8 << 20, 0),
        Err(FaultError::NoMapping),
        "not grows-down"
    );
}

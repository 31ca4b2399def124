//! mmap(2) and munmap(2) planning: Linux's checks in Linux's order (probed on a 6.18 host).
mod common;

use common::*;
use keel_abi::mman::*;
use keel_abi::Errno;
use keel_vm::{
    apply_mmap, plan_mmap, plan_munmap, MmapLimits, VmaFlags, VmaSet, PROT_RWX, TASK_SIZE,
};

const ANON: u32 = MAP_PRIVATE | MAP_ANONYMOUS;

fn plan(set: &VmaSet<()>, addr: u64, len: u64, flags: u32) -> Result<keel_vm::MmapPlan, Errno> {
    plan_mmap(set, addr, len, RW, flags, false, 0, &limits())
}

#[test]
fn zero_length_is_einval() {
    assert_eq!(
        plan(&VmaSet::new(), 0, 0, ANON),
        Err(Errno::EINVAL),
        "len 0"
    );
}

#[test]
fn length_that_overflows_when_rounded_is_enomem() {
    assert_eq!(
        plan(&VmaSet::new(), 0, u64::MAX, ANON),
        Err(Errno::ENOMEM),
        "len -1 rounds to 0"
    );
    assert_eq!(
        plan(&VmaSet::new(), 0, 1 << 47, ANON),
        Err(Errno::ENOMEM),
        "len above TASK_SIZE"
    );
}

#[test]
fn unaligned_offset_is_einval_even_for_anonymous_memory() {
    let got = plan_mmap(&VmaSet::<()>::new(), 0, P, RW, ANON, false, 1, &limits());
    assert_eq!(
        got,
        Err(Errno::EINVAL),
        "x86 sys_mmap checks the offset first"
    );
}

#[test]
fn missing_mapping_type_is_einval() {
    assert_eq!(
        plan(&VmaSet::new(), 0, P, MAP_ANONYMOUS),
        Err(Errno::EINVAL),
        "neither shared nor private"
    );
    let file = plan_mmap(&VmaSet::<()>::new(), 0, P, RW, 0, true, 0, &limits());
    assert_eq!(file, Err(Errno::EINVAL), "file mapping without a type");
}

#[test]
fn shared_validate_of_anonymous_memory_is_einval() {
    // Linux 6.18: do_mmap's anonymous switch has no MAP_SHARED_VALIDATE case.
    let got = plan(&VmaSet::new(), 0, P, MAP_SHARED_VALIDATE | MAP_ANONYMOUS);
    assert_eq!(got, Err(Errno::EINVAL), "anonymous MAP_SHARED_VALIDATE");
}

#[test]
fn shared_validate_with_unknown_flags_on_a_file_is_eopnotsupp() {
    // MAP_SYNC is the documented case: only DAX files support it.
    let got = plan_mmap(
        &VmaSet::<()>::new(),
        0,
        P,
        RW,
        MAP_SHARED_VALIDATE | MAP_SYNC,
        true,
        0,
        &limits(),
    );
    assert_eq!(
        got,
        Err(Errno::EOPNOTSUPP),
        "MAP_SYNC with MAP_SHARED_VALIDATE"
    );
    let noreplace = MAP_SHARED_VALIDATE | MAP_FIXED_NOREPLACE;
    let got = plan_mmap(
        &VmaSet::<()>::new(),
        0x10_0000,
        P,
        RW,
        noreplace,
        true,
        0,
        &limits(),
    );
    assert_eq!(
        got,
        Err(Errno::EOPNOTSUPP),
        "LEGACY_MAP_MASK lacks MAP_FIXED_NOREPLACE, as Linux's does"
    );
    let ok = plan_mmap(
        &VmaSet::<()>::new(),
        0,
        P,
        RW,
        MAP_SHARED_VALIDATE | MAP_POPULATE,
        true,
        0,
        &limits(),
    );
    assert!(ok.is_ok(), "known flags pass MAP_SHARED_VALIDATE: {ok:?}");
}

#[test]
fn unknown_flags_are_ignored_without_shared_validate() {
    assert!(
        plan(&VmaSet::new(), 0, P, ANON | 0x4000_0000).is_ok(),
        "MAP_PRIVATE ignores unknown flags"
    );
}

#[test]
fn map_fixed_with_unaligned_address_is_einval() {
    assert_eq!(
        plan(&VmaSet::new(), 0x10_0001, P, ANON | MAP_FIXED),
        Err(Errno::EINVAL),
        "unaligned"
    );
}

#[test]
fn map_fixed_above_task_size_is_enomem_even_when_unaligned() {
    let s = VmaSet::new();
    assert_eq!(
        plan(&s, TASK_SIZE, P, ANON | MAP_FIXED),
        Err(Errno::ENOMEM),
        "at TASK_SIZE"
    );
    assert_eq!(
        plan(&s, TASK_SIZE - P + 1, P, ANON | MAP_FIXED),
        Err(Errno::ENOMEM),
        "range check first"
    );
    assert_eq!(
        plan(&s, TASK_SIZE - P, P, ANON | MAP_FIXED).map(|p| p.addr),
        Ok(TASK_SIZE - P),
        "last page"
    );
}

#[test]
fn range_error_comes_before_missing_type() {
    let got = plan(
        &VmaSet::new(),
        0x8000_0000_0000,
        P,
        MAP_ANONYMOUS | MAP_FIXED,
    );
    assert_eq!(
        got,
        Err(Errno::ENOMEM),
        "Linux checks the address before the type"
    );
}

#[test]
fn map_fixed_replaces_and_says_so() {
    let set = set_of(&[(0x10_0000, 0x10_0000 + 4 * P)]);
    let p = plan(&set, 0x10_0000 + P, P, ANON | MAP_FIXED).unwrap();
    assert!(p.replace, "MAP_FIXED over a mapping must unmap it first");
    let mut set = set;
    let removed = apply_mmap(&mut set, &p, (), PROT_RWX).unwrap();
    assert_eq!(removed.len(), 1, "one page replaced");
    assert!(
        set.is_fully_mapped(0x10_0000, 0x10_0000 + 4 * P),
        "range still fully mapped"
    );
}

#[test]
fn map_fixed_noreplace_over_mapping_is_eexist() {
    let set = set_of(&[(0x10_0000, 0x10_0000 + 4 * P)]);
    let got = plan(&set, 0x10_0000 + P, P, ANON | MAP_FIXED_NOREPLACE);
    assert_eq!(got, Err(Errno::EEXIST), "NOREPLACE over a mapping");
    let typeless = plan(&set, 0x10_0000 + P, P, MAP_ANONYMOUS | MAP_FIXED_NOREPLACE);
    assert_eq!(
        typeless,
        Err(Errno::EEXIST),
        "EEXIST comes before the type check"
    );
    let unaligned = plan(&set, 0x10_0000 + P + 1, P, ANON | MAP_FIXED_NOREPLACE);
    assert_eq!(
        unaligned,
        Err(Errno::EINVAL),
        "NOREPLACE still needs alignment"
    );
}

#[test]
fn map_fixed_noreplace_on_free_range_maps_there_without_replacing() {
    let p = plan(&VmaSet::new(), 0x20_0000, P, ANON | MAP_FIXED_NOREPLACE).unwrap();
    assert_eq!(
        (p.addr, p.replace),
        (0x20_0000, false),
        "placed exactly, nothing to unmap"
    );
}

#[test]
fn free_hint_is_used_and_busy_hint_falls_back_to_top_down() {
    let set = set_of(&[(0x20_0000, 0x20_0000 + P)]);
    assert_eq!(
        plan(&set, 0x30_0000, P, ANON).map(|p| p.addr),
        Ok(0x30_0000),
        "free hint"
    );
    assert_eq!(
        plan(&set, 0x30_0123, P, ANON).map(|p| p.addr),
        Ok(0x30_0000),
        "x86 rounds the hint down"
    );
    let busy = plan(&set, 0x20_0000, P, ANON).unwrap();
    assert_eq!(
        busy.addr,
        limits().mmap_base - P,
        "busy hint: top-down from mmap_base"
    );
    assert!(!busy.replace, "a hint never replaces");
}

#[test]
fn hint_below_min_addr_is_raised_to_it() {
    // Host: mmap(0x1000, ...) returned 0x10000 with the default 64 KiB minimum.
    assert_eq!(
        plan(&VmaSet::new(), 0x1000, P, ANON).map(|p| p.addr),
        Ok(0x1_0000),
        "raised hint"
    );
}

#[test]
fn map_fixed_below_min_addr_needs_privilege() {
    let l = MmapLimits {
        may_map_below_min: false,
        ..limits()
    };
    let got = plan_mmap(
        &VmaSet::<()>::new(),
        0,
        P,
        RW,
        ANON | MAP_FIXED,
        false,
        0,
        &l,
    );
    assert_eq!(got, Err(Errno::EPERM), "unprivileged MAP_FIXED at 0");
    assert_eq!(
        plan(&VmaSet::new(), 0, P, ANON | MAP_FIXED).map(|p| p.addr),
        Ok(0),
        "root may map page 0"
    );
}

#[test]
fn no_room_is_enomem() {
    let l = MmapLimits {
        mmap_base: 0x3_0000,
        ..limits()
    };
    let set = set_of(&[(0x1_0000, 0x3_0000)]);
    let got = plan_mmap(&set, 0, P, RW, ANON, false, 0, &l);
    assert_eq!(
        got,
        Err(Errno::ENOMEM),
        "everything below mmap_base is taken"
    );
}

#[test]
fn anonymous_ignores_fd_and_offset_and_private_pgoff_is_the_start_page() {
    let p = plan_mmap(
        &VmaSet::<()>::new(),
        0x40_0000,
        P,
        RW,
        ANON,
        true,
        0x5000,
        &limits(),
    )
    .unwrap();
    assert!(
        p.flags.contains(VmaFlags::ANONYMOUS),
        "MAP_ANONYMOUS wins over the fd"
    );
    assert_eq!(
        p.pgoff,
        0x40_0000 / P,
        "Linux's anonymous private pgoff is addr >> PAGE_SHIFT"
    );
    let shared = plan(&VmaSet::new(), 0, P, MAP_SHARED | MAP_ANONYMOUS).unwrap();
    assert_eq!(
        shared.pgoff, 0,
        "shared anonymous memory starts at object page 0"
    );
    assert!(shared.flags.contains(VmaFlags::SHARED), "shared flag");
}

#[test]
fn file_mapping_pgoff_comes_from_the_offset() {
    let p = plan_mmap(
        &VmaSet::<()>::new(),
        0,
        P,
        RW,
        MAP_SHARED,
        true,
        3 * P,
        &limits(),
    )
    .unwrap();
    assert_eq!(p.pgoff, 3, "offset / PAGE_SIZE");
    assert!(!p.flags.contains(VmaFlags::ANONYMOUS), "file-backed");
}

#[test]
fn stack_noreserve_populate_and_growsdown_are_accepted() {
    let p = plan(
        &VmaSet::new(),
        0,
        P,
        ANON | MAP_STACK | MAP_NORESERVE | MAP_POPULATE | MAP_GROWSDOWN,
    )
    .unwrap();
    assert!(p.populate, "MAP_POPULATE asks for prefaulting");
    assert!(
        p.flags.contains(VmaFlags::GROWSDOWN | VmaFlags::STACK),
        "flags recorded"
    );
    let nb = plan(&VmaSet::new(), 0, P, ANON | MAP_POPULATE | MAP_NONBLOCK).unwrap();
    assert!(!nb.populate, "MAP_NONBLOCK cancels MAP_POPULATE");
}

#[test]
fn shared_anonymous_growsdown_is_einval() {
    let got = plan(
        &VmaSet::new(),
        0,
        P,
        MAP_SHARED | MAP_ANONYMOUS | MAP_GROWSDOWN,
    );
    assert_eq!(got, Err(Errno::EINVAL), "host-checked");
}

#[test]
fn mmap_ignores_unknown_prot_bits() {
    let p = plan_mmap(
        &VmaSet::<()>::new(),
        0,
        P,
        0x80 | PROT_READ,
        ANON,
        false,
        0,
        &limits(),
    )
    .unwrap();
    assert_eq!(
        p.prot, PROT_READ,
        "unknown bits dropped, no error (host-checked)"
    );
}

#[test]
fn hugetlb_is_enomem_for_anonymous_memory() {
    assert_eq!(
        plan(&VmaSet::new(), 0, P, ANON | MAP_HUGETLB),
        Err(Errno::ENOMEM),
        "no huge pages"
    );
}

#[test]
fn too_many_maps_is_enomem() {
    let l = MmapLimits {
        max_map_count: 1,
        ..limits()
    };
    let set = set_of(&[(0x10_0000, 0x10_0000 + P), (0x20_0000, 0x20_0000 + P)]);
    assert_eq!(
        plan_mmap(&set, 0, P, RW, ANON, false, 0, &l),
        Err(Errno::ENOMEM),
        "map_count above max"
    );
}

#[test]
fn adjacent_anonymous_mappings_merge_on_apply() {
    let mut set = VmaSet::new();
    for addr in [0x10_0000, 0x10_0000 + P] {
        let p = plan(&set, addr, P, ANON | MAP_FIXED).unwrap();
        apply_mmap(&mut set, &p, (), PROT_RWX).unwrap();
    }
    assert_eq!(
        ranges(&set),
        vec![(0x10_0000, 0x10_0000 + 2 * P)],
        "one VMA"
    );
}

#[test]
fn munmap_validation_matches_linux() {
    assert_eq!(
        plan_munmap(0xffff_8000_0000_0000, P),
        Err(Errno::EINVAL),
        "kernel address"
    );
    assert_eq!(plan_munmap(0x10_0000, 0), Err(Errno::EINVAL), "len 0");
    assert_eq!(plan_munmap(0x10_0001, P), Err(Errno::EINVAL), "unaligned");
    assert_eq!(
        plan_munmap(0x10_0000, u64::MAX - P + 1),
        Err(Errno::EINVAL),
        "huge len"
    );
    assert_eq!(
        plan_munmap(TASK_SIZE, 0),
        Err(Errno::EINVAL),
        "at TASK_SIZE, len 0"
    );
    assert_eq!(
        plan_munmap(TASK_SIZE, 1),
        Err(Errno::EINVAL),
        "at TASK_SIZE"
    );
    assert_eq!(
        plan_munmap(TASK_SIZE - P, P),
        Ok((TASK_SIZE - P, TASK_SIZE)),
        "last user page"
    );
    assert_eq!(
        plan_munmap(0x10_0000, 1),
        Ok((0x10_0000, 0x10_0000 + P)),
        "len rounds up"
    );
}

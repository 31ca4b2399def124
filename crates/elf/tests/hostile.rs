//! Hand-made files, each broken in one way, get the documented error and errno.

mod common;

use common::*;
use keel_abi::Errno;
use keel_elf::{parse, ElfError, ElfKind, PAGE_SIZE, USER_END};

fn err(data: &[u8]) -> ElfError {
    match parse(data) {
        Ok(image) => panic!("accepted a broken file: {image:?}"),
        Err(e) => e,
    }
}

fn with_phs(phs: &[Ph], entry: u64) -> Vec<u8> {
    build(2, entry, phs, 0x1100)
}

#[test]
fn minimal_static_executable_is_accepted() {
    let (file, _) = minimal_exec();
    let plan = parse_and_check(&file, 0, "minimal").expect("minimal executable accepted");
    assert_eq!(plan.entry, 0x40_0100, "entry unchanged for ET_EXEC");
    assert_eq!(plan.phdr, 0x40_0040, "phdrs mapped by the first PT_LOAD");
    assert_eq!((plan.phent, plan.phnum), (56, 2), "AT_PHENT, AT_PHNUM");
    assert_eq!(plan.brk_start, 0x40_4000, "brk after the bss, page aligned");
}

#[test]
fn header_identity_fields_are_checked() {
    let (file, _) = minimal_exec();
    let patch = |at: usize, v: u8| {
        let mut f = file.clone();
        f[at] = v;
        f
    };
    assert_eq!(err(&patch(0, 0x7e)), ElfError::BadMagic, "magic");
    assert_eq!(err(&patch(4, 1)), ElfError::NotElf64, "ELFCLASS32");
    assert_eq!(err(&patch(5, 2)), ElfError::NotLittleEndian, "big endian");
    assert_eq!(err(&patch(6, 0)), ElfError::BadVersion, "EI_VERSION");
    assert_eq!(err(&patch(16, 1)), ElfError::NotExecutable, "ET_REL");
    assert_eq!(err(&patch(16, 4)), ElfError::NotExecutable, "ET_CORE");
    assert_eq!(err(&patch(18, 3)), ElfError::NotX86_64, "EM_386");
    assert_eq!(err(&patch(20, 2)), ElfError::BadVersion, "e_version");
    assert_eq!(err(&patch(54, 57)), ElfError::BadPhentsize, "e_phentsize");
    assert_eq!(err(&patch(56, 0)), ElfError::BadPhnum, "no program headers");
}

#[test]
fn program_header_table_must_be_in_the_file_and_small() {
    let (file, _) = minimal_exec();
    let mut f = file.clone();
    f[32..40].copy_from_slice(&(u64::MAX - 8).to_le_bytes());
    assert_eq!(
        err(&f),
        ElfError::PhdrsOutOfFile,
        "e_phoff + size overflows"
    );
    let mut f = file.clone();
    f[32..40].copy_from_slice(&0x1100u64.to_le_bytes());
    assert_eq!(err(&f), ElfError::PhdrsOutOfFile, "e_phoff at end of file");
    let mut f = file.clone();
    f[56..58].copy_from_slice(&0xffffu16.to_le_bytes());
    assert_eq!(
        err(&f),
        ElfError::BadPhnum,
        "PN_XNUM / more than 64 KiB of headers"
    );
}

#[test]
fn short_files_are_truncated_or_not_elf() {
    assert_eq!(err(b""), ElfError::Truncated, "empty");
    assert_eq!(err(b"\x7fEL"), ElfError::Truncated, "partial magic");
    assert_eq!(err(b"#!/bin/sh\n"), ElfError::BadMagic, "script");
    let (file, _) = minimal_exec();
    assert_eq!(err(&file[..63]), ElfError::Truncated, "header cut short");
    assert_eq!(
        err(&file[..64 + 56]),
        ElfError::PhdrsOutOfFile,
        "second phdr missing"
    );
}

#[test]
fn segment_fields_are_checked() {
    let (_, phs) = minimal_exec();
    let bad = |i: usize, f: fn(&mut Ph)| {
        let mut phs = phs.clone();
        f(&mut phs[i]);
        err(&with_phs(&phs, 0x40_0100))
    };
    assert_eq!(
        bad(1, |p| p.filesz = 0x2000),
        ElfError::SegmentOutOfFile(1),
        "file bytes past EOF"
    );
    assert_eq!(
        bad(1, |p| p.offset = u64::MAX - 0x10),
        ElfError::SegmentOutOfFile(1),
        "offset + filesz overflows"
    );
    assert_eq!(
        bad(1, |p| p.memsz = 0x10),
        ElfError::FileszExceedsMemsz(1),
        "filesz > memsz"
    );
    assert_eq!(
        bad(1, |p| p.align = 0x3000),
        ElfError::BadAlign(1),
        "alignment not a power of two"
    );
    assert_eq!(
        bad(1, |p| p.vaddr = 0x40_1800),
        ElfError::MisalignedSegment(1),
        "vaddr != offset mod page"
    );
    assert_eq!(
        bad(1, |p| p.vaddr = USER_END - PAGE_SIZE),
        ElfError::SegmentOutOfUserSpace(1),
        "bss crosses the top of user space"
    );
    assert_eq!(
        bad(1, |p| {
            p.vaddr = !0xfff;
            p.offset = 0x1000;
        }),
        ElfError::SegmentOutOfUserSpace(1),
        "vaddr + memsz overflows"
    );
    assert_eq!(
        bad(1, |p| p.vaddr = 0x40_0000),
        ElfError::SegmentsOverlap(1),
        "same page"
    );
    assert_eq!(
        bad(1, |p| p.vaddr = 0x3f_f000),
        ElfError::SegmentsOverlap(1),
        "descending order"
    );
}

#[test]
fn empty_load_segments_are_ignored() {
    let (_, mut phs) = minimal_exec();
    phs.push(load(R, 0, 0x10_0000, 0, 0));
    let plan = parse_and_check(&with_phs(&phs, 0x40_0100), 0, "empty PT_LOAD").expect("accepted");
    assert_eq!(
        plan.segments.len(),
        2,
        "the empty segment is not in the plan"
    );
}

#[test]
fn no_load_segment_is_refused() {
    let phs = [Ph {
        p_type: PT_GNU_STACK,
        flags: R | W,
        offset: 0,
        vaddr: 0,
        filesz: 0,
        memsz: 0,
        align: 16,
    }];
    assert_eq!(
        err(&with_phs(&phs, 0)),
        ElfError::NoLoadSegments,
        "only PT_GNU_STACK"
    );
}

#[test]
fn entry_must_be_in_an_executable_segment() {
    let (_, phs) = minimal_exec();
    assert_eq!(
        err(&with_phs(&phs, 0x40_1010)),
        ElfError::EntryNotExecutable,
        "entry in the data segment"
    );
    assert_eq!(
        err(&with_phs(&phs, 0x40_1000)),
        ElfError::EntryNotExecutable,
        "entry one past the code"
    );
    assert_eq!(
        err(&with_phs(&phs, 0)),
        ElfError::EntryNotExecutable,
        "entry 0"
    );
}

#[test]
fn program_headers_must_be_loaded() {
    let phs = [load(R | X, 0x1000, 0x40_1000, 0x100, 0x100)];
    assert_eq!(
        err(&build(2, 0x40_1000, &phs, 0x1100)),
        ElfError::PhdrsNotLoaded,
        "no segment maps offset 64"
    );
    let mut phs = vec![load(R | X, 0, 0x40_0000, 0x1000, 0x1000)];
    phs.insert(
        0,
        Ph {
            p_type: PT_PHDR,
            flags: R,
            offset: 64,
            vaddr: 0x50_0000,
            filesz: 112,
            memsz: 112,
            align: 8,
        },
    );
    assert_eq!(
        err(&build(2, 0x40_0100, &phs, 0x1000)),
        ElfError::PhdrsNotLoaded,
        "PT_PHDR outside all segments"
    );
}

#[test]
fn pt_phdr_gives_the_phdr_address() {
    let phs = [
        Ph {
            p_type: PT_PHDR,
            flags: R,
            offset: 64,
            vaddr: 0x40_0040,
            filesz: 112,
            memsz: 112,
            align: 8,
        },
        load(R | X, 0, 0x40_0000, 0x1000, 0x1000),
    ];
    let plan = parse_and_check(&build(2, 0x40_0100, &phs, 0x1000), 0, "PT_PHDR").expect("accepted");
    assert_eq!(plan.phdr, 0x40_0040, "AT_PHDR from PT_PHDR");
}

#[test]
fn interp_is_reported_and_validated() {
    let interp = |filesz: u64| {
        let phs = [
            Ph {
                p_type: PT_INTERP,
                flags: R,
                offset: 0x200,
                vaddr: 0x40_0200,
                filesz,
                memsz: filesz,
                align: 1,
            },
            load(R | X, 0, 0x40_0000, 0x1000, 0x1000),
        ];
        let mut f = build(2, 0x40_0100, &phs, 0x1000);
        f[0x200..0x20a].copy_from_slice(b"/lib/ld.so");
        f
    };
    let f = interp(11);
    let image = parse(&f).expect("PT_INTERP is reported, not refused, by the parser");
    assert_eq!(image.interp(), Some(&b"/lib/ld.so"[..]), "path without NUL");
    assert_eq!(
        parse(&interp(10)).unwrap_err(),
        ElfError::BadInterp,
        "not NUL-terminated"
    );
    assert_eq!(
        parse(&interp(1)).unwrap_err(),
        ElfError::BadInterp,
        "too short"
    );
    assert_eq!(
        parse(&interp(0x1000)).unwrap_err(),
        ElfError::BadInterp,
        "past end of file"
    );
}

#[test]
fn tls_and_gnu_stack_are_noted() {
    let phs = [
        load(R | X, 0, 0x40_0000, 0x1000, 0x1000),
        Ph {
            p_type: PT_TLS,
            flags: R,
            offset: 0x800,
            vaddr: 0x40_0800,
            filesz: 0x10,
            memsz: 0x40,
            align: 64,
        },
        Ph {
            p_type: PT_GNU_STACK,
            flags: R | W,
            offset: 0,
            vaddr: 0,
            filesz: 0,
            memsz: 0,
            align: 16,
        },
    ];
    let f = build(2, 0x40_0100, &phs, 0x1000);
    let image = parse(&f).expect("accepted");
    let tls = image.tls().expect("PT_TLS noted");
    assert_eq!(
        (tls.vaddr, tls.filesz, tls.memsz, tls.align),
        (0x40_0800, 0x10, 0x40, 64),
        "TLS template"
    );
    let stack = image.stack_prot().expect("PT_GNU_STACK noted");
    assert!(
        stack.read && stack.write && !stack.exec,
        "non-executable stack"
    );

    let mut bad = phs;
    bad[1].memsz = 0x8;
    assert_eq!(
        err(&build(2, 0x40_0100, &bad, 0x1000)),
        ElfError::BadTls,
        "TLS filesz > memsz"
    );
    bad[1].memsz = 0x40;
    bad[1].align = 48;
    assert_eq!(
        err(&build(2, 0x40_0100, &bad, 0x1000)),
        ElfError::BadTls,
        "TLS alignment"
    );
}

#[test]
fn dyn_images_need_a_page_aligned_bias_inside_user_space() {
    let phs = [
        load(R | X, 0, 0, 0x1000, 0x1000),
        load(R | W, 0x1000, 0x1000, 0x10, 0x2000),
    ];
    let f = build(3, 0x100, &phs, 0x1100);
    let image = parse(&f).expect("ET_DYN accepted");
    assert_eq!(image.kind(), ElfKind::Dyn, "kind");
    assert_eq!(image.span(), (0, 0x3000), "span");
    let bias = image.load_bias(0x5555_5555_4aaa);
    assert_eq!(
        bias, 0x5555_5555_4000,
        "bias rounds the base down to the alignment"
    );
    let plan = image.plan(bias).expect("plan at the usual base");
    assert_eq!(plan.entry, bias + 0x100, "entry biased");
    assert_eq!(plan.phdr, bias + 0x40, "phdr biased");
    assert_eq!(plan.brk_start, bias + 0x3000, "brk biased");
    assert_eq!(
        image.plan(bias + 1).unwrap_err(),
        ElfError::BadLoadBias,
        "unaligned bias"
    );
    assert_eq!(
        image.plan(0).unwrap_err(),
        ElfError::BelowMinAddress,
        "bias 0 maps page 0"
    );
    assert_eq!(
        image.plan(USER_END - 0x2000).unwrap_err(),
        ElfError::OutOfAddressSpace,
        "past the top"
    );
    assert_eq!(
        image.plan(!0xfff).unwrap_err(),
        ElfError::OutOfAddressSpace,
        "overflow"
    );
}

#[test]
fn exec_images_refuse_a_bias() {
    let (file, _) = minimal_exec();
    let image = parse(&file).expect("accepted");
    assert_eq!(
        image.load_bias(0x5555_5555_4000),
        0,
        "ET_EXEC is never moved"
    );
    assert_eq!(
        image.plan(0x1000).unwrap_err(),
        ElfError::BadLoadBias,
        "non-zero bias"
    );
}

#[test]
fn errors_map_to_linux_errno() {
    assert_eq!(ElfError::BadMagic.errno(), Errno::ENOEXEC, "malformed file");
    assert_eq!(
        ElfError::SegmentOutOfFile(3).errno(),
        Errno::ENOEXEC,
        "malformed segment"
    );
    assert_eq!(
        ElfError::BadLoadBias.errno(),
        Errno::EINVAL,
        "kernel passed a bad bias"
    );
    assert_eq!(
        ElfError::OutOfAddressSpace.errno(),
        Errno::ENOMEM,
        "does not fit"
    );
    assert_eq!(
        ElfError::BelowMinAddress.errno(),
        Errno::EPERM,
        "below mmap_min_addr"
    );
}

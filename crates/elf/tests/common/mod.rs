//! Shared by the integration tests: the invariants every accepted file must satisfy, and a
//! builder for small hand-made executables.
#![allow(dead_code, reason = "each test binary uses a different subset")]

use keel_elf::{parse, ElfKind, LoadPlan, MIN_USER_ADDR, PAGE_SIZE, USER_END};

/// Parse `data` and, if accepted, plan it at `bias` (ignored for ET_EXEC) and check the plan
/// against the guarantees the kernel relies on. Panics (with `what`) on a broken guarantee.
pub fn parse_and_check(data: &[u8], bias: u64, what: &str) -> Option<LoadPlan> {
    let image = parse(data).ok()?;
    let bias = if image.kind() == ElfKind::Exec {
        0
    } else {
        bias
    };
    let plan = image.plan(bias).ok()?;
    let mut prev_end = 0;
    for (i, s) in plan.segments.iter().enumerate() {
        assert!(
            s.memsz > 0 && s.filesz <= s.memsz,
            "{what}: segment {i} sizes {s:?}"
        );
        assert!(
            s.vaddr >= prev_end,
            "{what}: segment {i} overlaps the previous one"
        );
        assert!(
            s.vaddr >= MIN_USER_ADDR && s.end() <= USER_END,
            "{what}: segment {i} outside user space: {s:?}"
        );
        assert!(
            s.pages().end <= USER_END,
            "{what}: segment {i} pages outside user space"
        );
        assert!(
            s.file_range().end <= data.len(),
            "{what}: segment {i} file range outside the input"
        );
        assert_eq!(
            s.vaddr % PAGE_SIZE,
            s.offset % PAGE_SIZE,
            "{what}: segment {i} not mappable"
        );
        prev_end = s.end();
    }
    assert!(
        plan.segments
            .iter()
            .any(|s| s.prot.exec && s.vaddr <= plan.entry && plan.entry < s.end()),
        "{what}: entry {:#x} not in an executable segment",
        plan.entry
    );
    let table = u64::from(plan.phnum) * u64::from(plan.phent);
    assert!(
        plan.segments
            .iter()
            .any(|s| s.vaddr <= plan.phdr && plan.phdr + table <= s.vaddr + s.filesz),
        "{what}: program headers at {:#x} not file-backed",
        plan.phdr
    );
    assert_eq!(
        plan.brk_start % PAGE_SIZE,
        0,
        "{what}: brk start not page aligned"
    );
    assert!(
        plan.segments.iter().all(|s| s.end() <= plan.brk_start),
        "{what}: brk starts inside a segment"
    );
    Some(plan)
}

/// One program header for [`build`].
#[derive(Clone, Copy, Debug)]
pub struct Ph {
    pub p_type: u32,
    pub flags: u32,
    pub offset: u64,
    pub vaddr: u64,
    pub filesz: u64,
    pub memsz: u64,
    pub align: u64,
}

pub const PT_LOAD: u32 = 1;
pub const PT_INTERP: u32 = 3;
pub const PT_PHDR: u32 = 6;
pub const PT_TLS: u32 = 7;
pub const PT_GNU_STACK: u32 = 0x6474_e551;
pub const R: u32 = 4;
pub const W: u32 = 2;
pub const X: u32 = 1;

/// A PT_LOAD header.
pub fn load(flags: u32, offset: u64, vaddr: u64, filesz: u64, memsz: u64) -> Ph {
    Ph {
        p_type: PT_LOAD,
        flags,
        offset,
        vaddr,
        filesz,
        memsz,
        align: PAGE_SIZE,
    }
}

/// An ELF file: header (type `e_type`, entry), the program headers right after it, padded
/// with zeroes to `len` bytes.
pub fn build(e_type: u16, entry: u64, phs: &[Ph], len: usize) -> Vec<u8> {
    let mut f = Vec::new();
    f.extend_from_slice(b"\x7fELF\x02\x01\x01\x00");
    f.extend_from_slice(&[0; 8]);
    f.extend_from_slice(&e_type.to_le_bytes());
    f.extend_from_slice(&62u16.to_le_bytes()); // EM_X86_64
    f.extend_from_slice(&1u32.to_le_bytes()); // e_version
    f.extend_from_slice(&entry.to_le_bytes());
    f.extend_from_slice(&64u64.to_le_bytes()); // e_phoff
    f.extend_from_slice(&0u64.to_le_bytes()); // e_shoff
    f.extend_from_slice(&0u32.to_le_bytes()); // e_flags
    f.extend_from_slice(&64u16.to_le_bytes()); // e_ehsize
    f.extend_from_slice(&56u16.to_le_bytes()); // e_phentsize
    f.extend_from_slice(&(phs.len() as u16).to_le_bytes());
    f.extend_from_slice(&[0; 6]); // e_shentsize, e_shnum, e_shstrndx
    assert_eq!(f.len(), 64);
    for p in phs {
        f.extend_from_slice(&p.p_type.to_le_bytes());
        f.extend_from_slice(&p.flags.to_le_bytes());
        f.extend_from_slice(&p.offset.to_le_bytes());
        f.extend_from_slice(&p.vaddr.to_le_bytes());
        f.extend_from_slice(&p.vaddr.to_le_bytes());
        f.extend_from_slice(&p.filesz.to_le_bytes());
        f.extend_from_slice(&p.memsz.to_le_bytes());
        f.extend_from_slice(&p.align.to_le_bytes());
    }
    assert!(f.len() <= len, "headers do not fit in {len} bytes");
    f.resize(len, 0);
    f
}

/// A minimal valid static executable: headers + code in one R+X page at 0x400000, data in
/// a RW page with bss.
pub fn minimal_exec() -> (Vec<u8>, Vec<Ph>) {
    let phs = vec![
        load(R | X, 0, 0x40_0000, 0x1000, 0x1000),
        load(R | W, 0x1000, 0x40_1000, 0x100, 0x3000),
    ];
    (build(2, 0x40_0100, &phs, 0x1100), phs)
}

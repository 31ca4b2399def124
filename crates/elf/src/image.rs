//! Parsing and validation: [`parse`] turns bytes into an [`ElfImage`] whose every field has
//! been checked, following Linux's `load_elf_binary` where it checks and stricter where a
//! lax check would let a hostile file confuse the loader (overlapping segments, an entry
//! outside code, program headers that are not mapped).

use alloc::vec::Vec;

use crate::plan::{page_down, page_up, LoadPlan, Prot, Segment};
use crate::raw::{self, Phdr, EHDR_SIZE, PHDR_SIZE};
use crate::{ElfError, MIN_USER_ADDR, PAGE_SIZE, USER_END};

const ET_EXEC: u16 = 2;
const ET_DYN: u16 = 3;
const EM_X86_64: u16 = 62;
const PT_LOAD: u32 = 1;
const PT_INTERP: u32 = 3;
const PT_PHDR: u32 = 6;
const PT_TLS: u32 = 7;
const PT_GNU_STACK: u32 = 0x6474_e551;
/// Linux refuses program-header tables larger than this.
const MAX_PHDRS_BYTES: usize = 65536;
/// Longest `PT_INTERP` Linux accepts, including the NUL.
const PATH_MAX: u64 = 4096;

/// Whether the file is position dependent or a (static) PIE.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ElfKind {
    /// `ET_EXEC`: loaded at its link addresses, bias 0.
    Exec,
    /// `ET_DYN`: loaded at a bias the kernel chooses.
    Dyn,
}

/// The `PT_TLS` template (unbiased addresses): musl and Rust std read it through `AT_PHDR`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Tls {
    /// Address of the initialisation image.
    pub vaddr: u64,
    /// Size of the initialisation image.
    pub filesz: u64,
    /// Size of a thread's block.
    pub memsz: u64,
    /// Required alignment (0 or a power of two).
    pub align: u64,
}

/// A validated executable. Addresses are as in the file (unbiased); [`ElfImage::plan`] adds
/// the load bias.
#[derive(Clone, Debug)]
pub struct ElfImage<'a> {
    kind: ElfKind,
    entry: u64,
    phnum: u16,
    phdr_vaddr: u64,
    segments: Vec<Segment>,
    interp: Option<&'a [u8]>,
    tls: Option<Tls>,
    stack_prot: Option<Prot>,
    max_align: u64,
}

/// Validate `data` as an ELF64 x86_64 executable. See [`ElfError`] for what is checked.
pub fn parse(data: &[u8]) -> Result<ElfImage<'_>, ElfError> {
    let ident = raw::bytes(data, 0, 16).map_err(|_| {
        if data.len() >= 4 && data[..4] != *b"\x7fELF" {
            ElfError::BadMagic
        } else {
            ElfError::Truncated
        }
    })?;
    if ident[..4] != *b"\x7fELF" {
        return Err(ElfError::BadMagic);
    }
    if ident[4] != 2 {
        return Err(ElfError::NotElf64);
    }
    if ident[5] != 1 {
        return Err(ElfError::NotLittleEndian);
    }
    if ident[6] != 1 {
        return Err(ElfError::BadVersion);
    }
    if data.len() < EHDR_SIZE {
        return Err(ElfError::Truncated);
    }
    let e_type = raw::u16_at(data, 16)?;
    let e_machine = raw::u16_at(data, 18)?;
    let e_version = raw::u32_at(data, 20)?;
    let e_entry = raw::u64_at(data, 24)?;
    let e_phoff = raw::u64_at(data, 32)?;
    let e_phentsize = raw::u16_at(data, 54)?;
    let e_phnum = raw::u16_at(data, 56)?;

    let kind = match e_type {
        ET_EXEC => ElfKind::Exec,
        ET_DYN => ElfKind::Dyn,
        _ => return Err(ElfError::NotExecutable),
    };
    if e_machine != EM_X86_64 {
        return Err(ElfError::NotX86_64);
    }
    if e_version != 1 {
        return Err(ElfError::BadVersion);
    }
    if usize::from(e_phentsize) != PHDR_SIZE {
        return Err(ElfError::BadPhentsize);
    }
    let table_len = usize::from(e_phnum) * PHDR_SIZE;
    if e_phnum == 0 || table_len > MAX_PHDRS_BYTES {
        return Err(ElfError::BadPhnum);
    }
    let phoff = usize::try_from(e_phoff).map_err(|_| ElfError::PhdrsOutOfFile)?;
    let table_end = phoff
        .checked_add(table_len)
        .ok_or(ElfError::PhdrsOutOfFile)?;
    if table_end > data.len() {
        return Err(ElfError::PhdrsOutOfFile);
    }

    let mut segments: Vec<Segment> = Vec::new();
    let mut interp = None;
    let mut tls = None;
    let mut stack_prot = None;
    let mut pt_phdr = None;
    let mut max_align = PAGE_SIZE;
    for index in 0..usize::from(e_phnum) {
        let ph = Phdr::read(data, phoff + index * PHDR_SIZE)?;
        match ph.p_type {
            PT_LOAD => {
                if let Some(seg) = load_segment(data, index, &ph, segments.last())? {
                    max_align = max_align.max(ph.p_align);
                    segments.push(seg);
                }
            }
            PT_INTERP if interp.is_none() => interp = Some(interp_path(data, &ph)?),
            PT_TLS if tls.is_none() => tls = Some(tls_template(data, &ph)?),
            PT_GNU_STACK if stack_prot.is_none() => {
                stack_prot = Some(Prot::from_p_flags(ph.p_flags))
            }
            PT_PHDR if pt_phdr.is_none() => pt_phdr = Some(ph.p_vaddr),
            _ => {}
        }
    }
    if segments.is_empty() {
        return Err(ElfError::NoLoadSegments);
    }
    let in_code = |s: &Segment| s.prot.exec && s.vaddr <= e_entry && e_entry < s.end();
    if !segments.iter().any(in_code) {
        return Err(ElfError::EntryNotExecutable);
    }
    let phdr_vaddr = phdr_address(&segments, pt_phdr, e_phoff, table_len as u64)?;
    Ok(ElfImage {
        kind,
        entry: e_entry,
        phnum: e_phnum,
        phdr_vaddr,
        segments,
        interp,
        tls,
        stack_prot,
        max_align,
    })
}

/// Validate one `PT_LOAD`; `None` for an empty one (Linux maps nothing for it either).
fn load_segment(
    data: &[u8],
    index: usize,
    ph: &Phdr,
    prev: Option<&Segment>,
) -> Result<Option<Segment>, ElfError> {
    if ph.p_filesz > ph.p_memsz {
        return Err(ElfError::FileszExceedsMemsz(index));
    }
    let file_end = ph
        .p_offset
        .checked_add(ph.p_filesz)
        .ok_or(ElfError::SegmentOutOfFile(index))?;
    if file_end > data.len() as u64 {
        return Err(ElfError::SegmentOutOfFile(index));
    }
    if ph.p_align > 1 && !ph.p_align.is_power_of_two() {
        return Err(ElfError::BadAlign(index));
    }
    if ph.p_vaddr % PAGE_SIZE != ph.p_offset % PAGE_SIZE {
        return Err(ElfError::MisalignedSegment(index));
    }
    if ph.p_memsz == 0 {
        return Ok(None);
    }
    let end = ph
        .p_vaddr
        .checked_add(ph.p_memsz)
        .ok_or(ElfError::SegmentOutOfUserSpace(index))?;
    if end > USER_END {
        return Err(ElfError::SegmentOutOfUserSpace(index));
    }
    if prev.is_some_and(|p| ph.p_vaddr < p.end()) {
        return Err(ElfError::SegmentsOverlap(index));
    }
    Ok(Some(Segment {
        vaddr: ph.p_vaddr,
        memsz: ph.p_memsz,
        offset: ph.p_offset,
        filesz: ph.p_filesz,
        prot: Prot::from_p_flags(ph.p_flags),
    }))
}

/// The interpreter path of `PT_INTERP`, without its NUL.
fn interp_path<'a>(data: &'a [u8], ph: &Phdr) -> Result<&'a [u8], ElfError> {
    if !(2..=PATH_MAX).contains(&ph.p_filesz) {
        return Err(ElfError::BadInterp);
    }
    let off = usize::try_from(ph.p_offset).map_err(|_| ElfError::BadInterp)?;
    // p_filesz <= PATH_MAX, so the cast is lossless.
    let bytes = raw::bytes(data, off, ph.p_filesz as usize).map_err(|_| ElfError::BadInterp)?;
    match bytes.split_last() {
        Some((0, path)) => Ok(path),
        _ => Err(ElfError::BadInterp),
    }
}

fn tls_template(data: &[u8], ph: &Phdr) -> Result<Tls, ElfError> {
    let file_end = ph
        .p_offset
        .checked_add(ph.p_filesz)
        .ok_or(ElfError::BadTls)?;
    let mem_end = ph.p_vaddr.checked_add(ph.p_memsz).ok_or(ElfError::BadTls)?;
    let align_ok = ph.p_align <= 1 || ph.p_align.is_power_of_two();
    if ph.p_filesz > ph.p_memsz || file_end > data.len() as u64 || mem_end > USER_END || !align_ok {
        return Err(ElfError::BadTls);
    }
    Ok(Tls {
        vaddr: ph.p_vaddr,
        filesz: ph.p_filesz,
        memsz: ph.p_memsz,
        align: ph.p_align,
    })
}

/// Where the program headers are in memory: at `PT_PHDR`'s address if there is one, else
/// where the `PT_LOAD` holding file offset `e_phoff` maps them. Either way the whole table
/// must be file-backed inside one segment.
fn phdr_address(
    segments: &[Segment],
    pt_phdr: Option<u64>,
    e_phoff: u64,
    len: u64,
) -> Result<u64, ElfError> {
    let found = match pt_phdr {
        Some(vaddr) => segments
            .iter()
            .any(|s| {
                s.vaddr <= vaddr
                    && vaddr
                        .checked_add(len)
                        .is_some_and(|end| end <= s.vaddr + s.filesz)
            })
            .then_some(vaddr),
        None => segments
            .iter()
            .find(|s| s.offset <= e_phoff && e_phoff + len <= s.offset + s.filesz)
            .map(|s| s.vaddr + (e_phoff - s.offset)),
    };
    found.ok_or(ElfError::PhdrsNotLoaded)
}

impl ElfImage<'_> {
    /// `ET_EXEC` or `ET_DYN`.
    #[must_use]
    pub fn kind(&self) -> ElfKind {
        self.kind
    }

    /// The entry point as in the file (unbiased).
    #[must_use]
    pub fn entry(&self) -> u64 {
        self.entry
    }

    /// The `PT_INTERP` path without its NUL, if the program asks for a dynamic linker.
    #[must_use]
    pub fn interp(&self) -> Option<&[u8]> {
        self.interp
    }

    /// The `PT_TLS` template, if any.
    #[must_use]
    pub fn tls(&self) -> Option<Tls> {
        self.tls
    }

    /// The stack protections `PT_GNU_STACK` asks for; `None` without one (Linux then makes
    /// the stack executable on x86_64).
    #[must_use]
    pub fn stack_prot(&self) -> Option<Prot> {
        self.stack_prot
    }

    /// The non-empty `PT_LOAD` segments, ascending, unbiased.
    #[must_use]
    pub fn segments(&self) -> &[Segment] {
        &self.segments
    }

    /// The page-aligned address range the segments cover, unbiased.
    #[must_use]
    pub fn span(&self) -> (u64, u64) {
        // parse guarantees at least one segment.
        let lo = self.segments.first().map_or(0, |s| page_down(s.vaddr));
        let hi = self.segments.last().map_or(0, |s| page_up(s.end()));
        (lo, hi)
    }

    /// The largest `PT_LOAD` alignment, at least [`PAGE_SIZE`]: an `ET_DYN` bias should be a
    /// multiple of it.
    #[must_use]
    pub fn max_align(&self) -> u64 {
        self.max_align
    }

    /// A load bias that puts the lowest segment at `base` rounded down to [`max_align`]
    /// (Linux uses `ELF_ET_DYN_BASE`, 0x5555_5555_4000 with 47-bit user space): 0 for
    /// `ET_EXEC`. [`plan`](Self::plan) validates the result.
    ///
    /// [`max_align`]: Self::max_align
    #[must_use]
    pub fn load_bias(&self, base: u64) -> u64 {
        match self.kind {
            ElfKind::Exec => 0,
            ElfKind::Dyn => (base & !(self.max_align - 1)).wrapping_sub(self.span().0),
        }
    }

    /// The segments and auxv values with `bias` applied. `bias` must be 0 for `ET_EXEC` and
    /// page aligned for `ET_DYN` ([`ElfError::BadLoadBias`]); every biased segment must lie in
    /// `[MIN_USER_ADDR, USER_END)`.
    pub fn plan(&self, bias: u64) -> Result<LoadPlan, ElfError> {
        let bias_ok = match self.kind {
            ElfKind::Exec => bias == 0,
            ElfKind::Dyn => bias.is_multiple_of(PAGE_SIZE),
        };
        if !bias_ok {
            return Err(ElfError::BadLoadBias);
        }
        let mut segments = Vec::with_capacity(self.segments.len());
        for seg in &self.segments {
            let vaddr = seg
                .vaddr
                .checked_add(bias)
                .ok_or(ElfError::OutOfAddressSpace)?;
            let end = vaddr
                .checked_add(seg.memsz)
                .ok_or(ElfError::OutOfAddressSpace)?;
            if end > USER_END {
                return Err(ElfError::OutOfAddressSpace);
            }
            if page_down(vaddr) < MIN_USER_ADDR {
                return Err(ElfError::BelowMinAddress);
            }
            segments.push(Segment { vaddr, ..*seg });
        }
        let brk_start = segments.last().map_or(0, |s| page_up(s.end()));
        // entry and phdr lie inside segments that were just checked, so these cannot overflow.
        Ok(LoadPlan {
            bias,
            segments,
            entry: self.entry + bias,
            phdr: self.phdr_vaddr + bias,
            phent: PHDR_SIZE as u16,
            phnum: self.phnum,
            brk_start,
        })
    }
}

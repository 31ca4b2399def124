//! Checked little-endian field reads from the file: the only place that indexes the input.
//! Every read is bounds-checked and returns `ElfError::Truncated` past the end.

use crate::ElfError;

/// Size of the ELF64 file header.
pub(crate) const EHDR_SIZE: usize = 64;
/// Size of one ELF64 program header.
pub(crate) const PHDR_SIZE: usize = 56;

pub(crate) fn bytes(data: &[u8], off: usize, len: usize) -> Result<&[u8], ElfError> {
    let end = off.checked_add(len).ok_or(ElfError::Truncated)?;
    data.get(off..end).ok_or(ElfError::Truncated)
}

pub(crate) fn u16_at(data: &[u8], off: usize) -> Result<u16, ElfError> {
    let b = bytes(data, off, 2)?;
    Ok(u16::from_le_bytes([b[0], b[1]]))
}

pub(crate) fn u32_at(data: &[u8], off: usize) -> Result<u32, ElfError> {
    let b = bytes(data, off, 4)?;
    Ok(u32::from_le_bytes([b[0], b[1], b[2], b[3]]))
}

pub(crate) fn u64_at(data: &[u8], off: usize) -> Result<u64, ElfError> {
    let b = bytes(data, off, 8)?;
    let mut a = [0; 8];
    a.copy_from_slice(b);
    Ok(u64::from_le_bytes(a))
}

/// One program header, fields as stored (not yet validated).
#[derive(Clone, Copy, Debug)]
pub(crate) struct Phdr {
    pub(crate) p_type: u32,
    pub(crate) p_flags: u32,
    pub(crate) p_offset: u64,
    pub(crate) p_vaddr: u64,
    pub(crate) p_filesz: u64,
    pub(crate) p_memsz: u64,
    pub(crate) p_align: u64,
}

impl Phdr {
    /// Read the program header at byte offset `off` (the caller has bounds-checked the table).
    pub(crate) fn read(data: &[u8], off: usize) -> Result<Self, ElfError> {
        Ok(Self {
            p_type: u32_at(data, off)?,
            p_flags: u32_at(data, off + 4)?,
            p_offset: u64_at(data, off + 8)?,
            p_vaddr: u64_at(data, off + 16)?,
            // p_paddr (off + 24) is unused on x86_64.
            p_filesz: u64_at(data, off + 32)?,
            p_memsz: u64_at(data, off + 40)?,
            p_align: u64_at(data, off + 48)?,
        })
    }
}

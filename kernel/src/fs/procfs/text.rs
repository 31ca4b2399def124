//! The open files of procfs: [`Text`], a file whose content is made when it is opened and then
//! read (Linux's `seq_file`), and [`StringFile`], a sysctl holding a string that root may
//! write (Linux's `proc_dostring`).
//!
//! Locking: none of their own beyond the `OpenFile` offset; a string sysctl's value lives
//! behind its owner's lock (`proc::uts`).

use alloc::vec::Vec;

use keel_abi::{Errno, KResult};
use keel_vfs::consts::{SEEK_CUR, SEEK_SET};
use keel_vfs::{seek_in, FileOps};

/// Content made at open, read from there on.
pub struct Text(pub Vec<u8>);

/// `read` from `pos` in `data`.
fn read_from(data: &[u8], pos: &mut u64, buf: &mut [u8]) -> usize {
    let start = usize::try_from(*pos).unwrap_or(usize::MAX).min(data.len());
    let n = buf.len().min(data.len() - start);
    buf[..n].copy_from_slice(&data[start..start + n]);
    *pos += n as u64;
    n
}

/// `seq_lseek`: `SEEK_SET` and `SEEK_CUR` only (EINVAL otherwise, as Linux).
fn seek(pos: u64, offset: i64, whence: u32) -> KResult<u64> {
    match whence {
        SEEK_SET | SEEK_CUR => seek_in(pos, offset, whence, 0),
        _ => Err(Errno::EINVAL),
    }
}

impl FileOps for Text {
    fn read(&self, pos: &mut u64, buf: &mut [u8], _flags: u32) -> KResult<usize> {
        Ok(read_from(&self.0, pos, buf))
    }

    fn seek(&self, pos: u64, offset: i64, whence: u32) -> KResult<u64> {
        seek(pos, offset, whence)
    }

    fn seekable(&self) -> bool {
        true
    }
}

/// A string sysctl (`/proc/sys/kernel/hostname`...): reads give the value and a newline;
/// a write replaces the value from the write's offset on, up to a newline or NUL, at most
/// `max` bytes, as Linux's `proc_dostring` in strict mode (a write beyond the value's end is
/// accepted and ignored).
pub struct StringFile {
    pub get: fn() -> Vec<u8>,
    pub set: Option<Setter>,
    pub max: usize,
}

/// What stores a new value of a string sysctl.
pub type Setter = fn(&[u8]) -> KResult<()>;

impl FileOps for StringFile {
    fn read(&self, pos: &mut u64, buf: &mut [u8], _flags: u32) -> KResult<usize> {
        let mut v = (self.get)();
        v.push(b'\n');
        Ok(read_from(&v, pos, buf))
    }

    fn write(&self, pos: &mut u64, buf: &[u8], _flags: u32) -> KResult<usize> {
        let set = self.set.ok_or(Errno::EPERM)?;
        let mut value = (self.get)();
        value.truncate(self.max);
        let at = usize::try_from(*pos).unwrap_or(usize::MAX);
        *pos += buf.len() as u64;
        if at > value.len() {
            return Ok(buf.len());
        }
        value.truncate(at);
        let end = buf
            .iter()
            .position(|&b| b == 0 || b == b'\n')
            .unwrap_or(buf.len());
        let room = self.max.saturating_sub(value.len());
        value.extend_from_slice(&buf[..end.min(room)]);
        set(&value)?;
        Ok(buf.len())
    }

    fn seek(&self, pos: u64, offset: i64, whence: u32) -> KResult<u64> {
        seek(pos, offset, whence)
    }

    fn seekable(&self) -> bool {
        true
    }
}

//! The `newc` format: a 110-byte ASCII header (magic and 13 eight-digit hex fields), the
//! NUL-terminated name, padding to 4 bytes, the data, padding to 4 bytes. An archive ends
//! with an entry named `TRAILER!!!`; zero bytes may follow before the next archive.
//! See cpio(5) and the kernel's Documentation/driver-api/early-userspace/buffer-format.rst.

use crate::{CpioError, CpioErrorKind};

/// Name of the entry that ends an archive.
pub const TRAILER: &[u8] = b"TRAILER!!!";
const HEADER_LEN: usize = 110;
/// Longest name accepted, including the NUL (Linux's PATH_MAX).
const NAME_MAX: u32 = 4096;

/// One archive member. `name` has no trailing NUL and no leading `/` is added or removed
/// (GNU cpio writes names relative, like `bin/sh` or `.`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Entry<'a> {
    /// Path within the archive.
    pub name: &'a [u8],
    /// Inode number (identifies hard links together with the device).
    pub ino: u32,
    /// Type (`S_IF*`) and permission bits.
    pub mode: u32,
    /// Owner.
    pub uid: u32,
    /// Group.
    pub gid: u32,
    /// Link count.
    pub nlink: u32,
    /// Modification time, seconds since the epoch.
    pub mtime: u32,
    /// Device holding the file, major.
    pub dev_major: u32,
    /// Device holding the file, minor.
    pub dev_minor: u32,
    /// Device number of a device node, major.
    pub rdev_major: u32,
    /// Device number of a device node, minor.
    pub rdev_minor: u32,
    /// Contents: file data, or the target of a symlink.
    pub data: &'a [u8],
}

impl Entry<'_> {
    /// The type bits (`mode & S_IFMT`).
    #[must_use]
    pub fn file_type(&self) -> u32 {
        self.mode & 0o170000
    }
}

/// Iterator over the entries of one chunk of uncompressed cpio data; see [`entries`].
#[derive(Clone, Debug)]
pub struct Entries<'a> {
    data: &'a [u8],
    pos: usize,
    in_archive: bool,
    done: bool,
    /// Stop quietly (instead of failing) at non-cpio bytes between archives.
    stop_at_foreign: bool,
}

/// The entries of `data`: one or more concatenated archives, each ending in `TRAILER!!!`
/// (not yielded), with zero padding allowed before, between and after them. Yields an error
/// at most once, then ends.
#[must_use]
pub fn entries(data: &[u8]) -> Entries<'_> {
    Entries {
        data,
        pos: 0,
        in_archive: false,
        done: false,
        stop_at_foreign: false,
    }
}

impl<'a> Entries<'a> {
    /// Like [`entries`], but ends (without error) at the first byte between archives that is
    /// not zero and not `0`: [`Entries::offset`] then says where the foreign data starts.
    pub(crate) fn until_foreign(data: &'a [u8]) -> Self {
        Self {
            stop_at_foreign: true,
            ..entries(data)
        }
    }

    /// How far the iterator has read.
    #[must_use]
    pub fn offset(&self) -> usize {
        self.pos
    }

    fn fail(&mut self, kind: CpioErrorKind, offset: usize) -> Option<Result<Entry<'a>, CpioError>> {
        self.done = true;
        Some(Err(CpioError::new(kind, offset)))
    }
}

impl<'a> Iterator for Entries<'a> {
    type Item = Result<Entry<'a>, CpioError>;

    fn next(&mut self) -> Option<Self::Item> {
        loop {
            if self.done {
                return None;
            }
            if !self.in_archive {
                while self.data.get(self.pos) == Some(&0) {
                    self.pos += 1;
                }
                let Some(&first) = self.data.get(self.pos) else {
                    self.done = true;
                    return None;
                };
                if first != b'0' && self.stop_at_foreign {
                    self.done = true;
                    return None;
                }
                if first != b'0' || !self.pos.is_multiple_of(4) {
                    return self.fail(CpioErrorKind::Garbage, self.pos);
                }
            } else if self.pos >= self.data.len() {
                return self.fail(CpioErrorKind::MissingTrailer, self.pos);
            }
            let start = self.pos;
            match parse_entry(self.data, start) {
                Err(e) => {
                    self.done = true;
                    return Some(Err(e));
                }
                Ok((entry, next)) => {
                    self.pos = next;
                    self.in_archive = entry.name != TRAILER;
                    if self.in_archive {
                        return Some(Ok(entry));
                    }
                }
            }
        }
    }
}

/// Parse the entry whose header starts at `start` (4-byte aligned); returns it and the
/// offset of whatever follows its padded data.
fn parse_entry(data: &[u8], start: usize) -> Result<(Entry<'_>, usize), CpioError> {
    let truncated = |at| CpioError::new(CpioErrorKind::Truncated, at);
    let header = data
        .get(start..start + HEADER_LEN)
        .ok_or(truncated(start))?;
    let checked = match &header[..6] {
        b"070701" => false,
        b"070702" => true,
        _ => return Err(CpioError::new(CpioErrorKind::BadMagic, start)),
    };
    let mut fields = [0u32; 13];
    for (i, field) in fields.iter_mut().enumerate() {
        let at = 6 + 8 * i;
        *field =
            hex8(&header[at..at + 8]).ok_or(CpioError::new(CpioErrorKind::BadHex, start + at))?;
    }
    let [ino, mode, uid, gid, nlink, mtime, filesize, dev_major, dev_minor, rdev_major, rdev_minor, namesize, check] =
        fields;

    let name_start = start + HEADER_LEN;
    if namesize == 0 || namesize > NAME_MAX {
        return Err(CpioError::new(CpioErrorKind::BadName, name_start));
    }
    // namesize <= 4096 and filesize < 2^32, so these additions cannot overflow a 64-bit usize
    // unless `start` is near usize::MAX, which a slice index cannot be.
    let name_end = name_start + namesize as usize;
    let raw_name = data
        .get(name_start..name_end)
        .ok_or(truncated(name_start))?;
    let name = match raw_name.split_last() {
        Some((0, name)) if !name.contains(&0) => name,
        _ => return Err(CpioError::new(CpioErrorKind::BadName, name_start)),
    };
    let data_start = align4(name_end);
    let data_end = data_start
        .checked_add(filesize as usize)
        .ok_or(truncated(data_start))?;
    let contents = data
        .get(data_start..data_end)
        .ok_or(truncated(data_start))?;
    let next = align4(data_end);
    if next > data.len() {
        return Err(truncated(data_end));
    }
    if !data[name_end..data_start]
        .iter()
        .chain(&data[data_end..next])
        .all(|&b| b == 0)
    {
        return Err(CpioError::new(CpioErrorKind::Garbage, name_end));
    }
    // Like Linux (and GNU cpio, which writes 0 for them), only regular files carry a checksum.
    let regular = mode & 0o170000 == 0o100000;
    if checked
        && regular
        && contents
            .iter()
            .fold(0u32, |sum, &b| sum.wrapping_add(u32::from(b)))
            != check
    {
        return Err(CpioError::new(CpioErrorKind::BadChecksum, start));
    }
    let entry = Entry {
        name,
        ino,
        mode,
        uid,
        gid,
        nlink,
        mtime,
        dev_major,
        dev_minor,
        rdev_major,
        rdev_minor,
        data: contents,
    };
    Ok((entry, next))
}

fn align4(n: usize) -> usize {
    n.next_multiple_of(4)
}

/// Eight ASCII hex digits (either case) as a number; `None` for anything else.
fn hex8(digits: &[u8]) -> Option<u32> {
    digits
        .iter()
        .try_fold(0u32, |acc, &c| Some(acc << 4 | char::from(c).to_digit(16)?))
}

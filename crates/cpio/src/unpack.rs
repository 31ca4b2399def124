//! An initrd image as Linux reads one: uncompressed cpio archives, gzip members holding cpio
//! archives, and zero padding, in any order and number.

use alloc::borrow::Cow;
use alloc::vec::Vec;

use crate::gzip::{gunzip, is_gzip};
use crate::newc::Entries;
use crate::{CpioError, CpioErrorKind};

/// Uncompressed cpio data: borrowed from the input, or inflated from a gzip member. Read it
/// with [`entries`](crate::entries).
pub type Chunk<'a> = Cow<'a, [u8]>;

/// Split `input` into chunks of uncompressed cpio data, inflating gzip members; `limit` caps
/// the total inflated size (`TooLarge` beyond it). Uncompressed archives are checked here
/// entry by entry (to find where they end); inflated ones when their entries are read.
/// Only zero bytes may separate the pieces, and an input of only zeroes gives no chunks.
pub fn unpack(input: &[u8], limit: usize) -> Result<Vec<Chunk<'_>>, CpioError> {
    let mut chunks = Vec::new();
    let mut pos = 0;
    let mut inflated = 0usize;
    loop {
        while input.get(pos) == Some(&0) {
            pos += 1;
        }
        let Some(rest) = input.get(pos..).filter(|r| !r.is_empty()) else {
            return Ok(chunks);
        };
        if is_gzip(rest) {
            let (data, used) = gunzip(rest, limit - inflated).map_err(|e| e.shifted(pos))?;
            inflated += data.len();
            chunks.push(Cow::Owned(data));
            pos += used;
        } else if rest[0] == b'0' {
            let mut it = Entries::until_foreign(rest);
            for entry in it.by_ref() {
                entry.map_err(|e| e.shifted(pos))?;
            }
            let used = it.offset();
            chunks.push(Cow::Borrowed(&rest[..used]));
            pos += used;
        } else {
            return Err(CpioError::new(CpioErrorKind::Garbage, pos));
        }
    }
}

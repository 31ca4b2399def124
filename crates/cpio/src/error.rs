//! What went wrong, and where.

use core::fmt;

/// The kind of a [`CpioError`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum CpioErrorKind {
    /// The input ends inside a header, name, data or gzip member.
    Truncated,
    /// A header does not start with `070701` or `070702` (`070707` is the old binary-ish
    /// "odc" format, which Linux refuses too: archive with `cpio -H newc`).
    BadMagic,
    /// A header field has a character that is not a hex digit.
    BadHex,
    /// The name size is 0 or too large, the name is not NUL-terminated, or has a NUL inside.
    BadName,
    /// A `070702` entry's data does not add up to its header checksum.
    BadChecksum,
    /// Bytes that are neither cpio, zero padding, nor gzip, or an archive start that is not
    /// 4-byte aligned.
    Garbage,
    /// The input ends before a `TRAILER!!!` entry.
    MissingTrailer,
    /// A malformed gzip header (bad magic, method other than deflate, reserved flags).
    GzipHeader,
    /// The deflate stream is corrupt.
    GzipData,
    /// The gzip trailer's CRC-32 or length does not match the inflated data.
    GzipChecksum,
    /// Inflating would exceed the size limit.
    TooLarge,
}

/// A malformed archive: the kind and the byte offset (within the [`unpack`](crate::unpack)
/// input, or within the chunk given to [`entries`](crate::entries)).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CpioError {
    /// What went wrong.
    pub kind: CpioErrorKind,
    /// Where: the start of the header, field or member concerned.
    pub offset: usize,
}

impl CpioError {
    pub(crate) fn new(kind: CpioErrorKind, offset: usize) -> Self {
        Self { kind, offset }
    }

    pub(crate) fn shifted(self, by: usize) -> Self {
        Self {
            offset: self.offset.saturating_add(by),
            ..self
        }
    }
}

impl fmt::Display for CpioError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let what = match self.kind {
            CpioErrorKind::Truncated => "truncated",
            CpioErrorKind::BadMagic => "no newc magic (070701/070702)",
            CpioErrorKind::BadHex => "header field is not hex",
            CpioErrorKind::BadName => "bad file name",
            CpioErrorKind::BadChecksum => "data checksum mismatch",
            CpioErrorKind::Garbage => "junk between archives",
            CpioErrorKind::MissingTrailer => "archive ends without TRAILER!!!",
            CpioErrorKind::GzipHeader => "bad gzip header",
            CpioErrorKind::GzipData => "corrupt gzip data",
            CpioErrorKind::GzipChecksum => "gzip CRC or length mismatch",
            CpioErrorKind::TooLarge => "decompressed size over the limit",
        };
        write!(f, "cpio: {what} at byte {}", self.offset)
    }
}

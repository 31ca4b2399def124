//! gzip members (RFC 1952): the header and trailer are parsed here, the raw DEFLATE data is
//! inflated by `miniz_oxide`, and the CRC-32 and length in the trailer are checked.

use alloc::vec::Vec;

use miniz_oxide::inflate::stream::{inflate, InflateState};
use miniz_oxide::{DataFormat, MZError, MZFlush, MZStatus};

use crate::{CpioError, CpioErrorKind};

const FHCRC: u8 = 0x02;
const FEXTRA: u8 = 0x04;
const FNAME: u8 = 0x08;
const FCOMMENT: u8 = 0x10;
const FRESERVED: u8 = 0xe0;
/// First output allocation; it doubles from there up to the limit.
const FIRST_CHUNK: usize = 64 * 1024;

/// Whether `data` starts with the gzip magic.
pub(crate) fn is_gzip(data: &[u8]) -> bool {
    data.starts_with(&[0x1f, 0x8b])
}

/// Inflate the gzip member at the start of `input` into a new vector of at most `limit`
/// bytes. Returns the data and how many input bytes the member took (header, deflate stream
/// and trailer), so that whatever follows can be read next. Error offsets are within `input`.
pub fn gunzip(input: &[u8], limit: usize) -> Result<(Vec<u8>, usize), CpioError> {
    let header_len = header_len(input)?;
    let mut state = InflateState::new_boxed(DataFormat::Raw);
    let mut out = Vec::new();
    let mut in_pos = header_len;
    loop {
        let filled = out.len();
        // One byte over the limit tells "exactly at the limit" from "over it".
        let want = filled
            .saturating_mul(2)
            .max(FIRST_CHUNK)
            .min(limit.saturating_add(1));
        if want <= filled {
            return Err(CpioError::new(CpioErrorKind::TooLarge, 0));
        }
        out.resize(want, 0);
        let res = inflate(
            &mut state,
            &input[in_pos..],
            &mut out[filled..],
            MZFlush::None,
        );
        in_pos += res.bytes_consumed;
        out.truncate(filled + res.bytes_written);
        if out.len() > limit {
            return Err(CpioError::new(CpioErrorKind::TooLarge, 0));
        }
        match res.status {
            Ok(MZStatus::StreamEnd) => break,
            Ok(_) if res.bytes_consumed > 0 || res.bytes_written > 0 => {}
            Err(MZError::Buf) | Ok(_) if in_pos >= input.len() => {
                return Err(CpioError::new(CpioErrorKind::Truncated, in_pos));
            }
            _ => return Err(CpioError::new(CpioErrorKind::GzipData, in_pos)),
        }
    }
    let trailer = input
        .get(in_pos..in_pos + 8)
        .ok_or(CpioError::new(CpioErrorKind::Truncated, in_pos))?;
    let crc = u32::from_le_bytes([trailer[0], trailer[1], trailer[2], trailer[3]]);
    let isize = u32::from_le_bytes([trailer[4], trailer[5], trailer[6], trailer[7]]);
    // ISIZE is the length modulo 2^32.
    if crc != crc32(&out) || isize != out.len() as u32 {
        return Err(CpioError::new(CpioErrorKind::GzipChecksum, in_pos));
    }
    Ok((out, in_pos + 8))
}

/// Length of the member header, after checking it.
fn header_len(input: &[u8]) -> Result<usize, CpioError> {
    let bad = CpioError::new(CpioErrorKind::GzipHeader, 0);
    let truncated = |at| CpioError::new(CpioErrorKind::Truncated, at);
    let fixed = input.get(..10).ok_or(truncated(0))?;
    if !is_gzip(fixed) || fixed[2] != 8 || fixed[3] & FRESERVED != 0 {
        return Err(bad);
    }
    let flags = fixed[3];
    let mut pos = 10;
    if flags & FEXTRA != 0 {
        let len = input.get(pos..pos + 2).ok_or(truncated(pos))?;
        pos += 2 + usize::from(u16::from_le_bytes([len[0], len[1]]));
    }
    for flag in [FNAME, FCOMMENT] {
        if flags & flag != 0 {
            let rest = input.get(pos..).ok_or(truncated(pos))?;
            let nul = rest.iter().position(|&b| b == 0).ok_or(truncated(pos))?;
            pos += nul + 1;
        }
    }
    if flags & FHCRC != 0 {
        pos += 2;
    }
    if pos > input.len() {
        return Err(truncated(pos));
    }
    Ok(pos)
}

/// CRC-32 (IEEE 802.3, reflected, as gzip uses).
fn crc32(data: &[u8]) -> u32 {
    const TABLE: [u32; 256] = {
        let mut table = [0u32; 256];
        let mut i = 0;
        while i < 256 {
            let mut c = i as u32;
            let mut k = 0;
            while k < 8 {
                c = if c & 1 != 0 {
                    0xedb8_8320 ^ (c >> 1)
                } else {
                    c >> 1
                };
                k += 1;
            }
            table[i] = c;
            i += 1;
        }
        table
    };
    !data.iter().fold(!0u32, |c, &b| {
        TABLE[((c ^ u32::from(b)) & 0xff) as usize] ^ (c >> 8)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn crc32_matches_the_standard_check_value() {
        assert_eq!(
            crc32(b"123456789"),
            0xcbf4_3926,
            "CRC-32/ISO-HDLC check value"
        );
        assert_eq!(crc32(b""), 0, "empty input");
    }

    #[test]
    fn header_with_every_optional_field_is_skipped() {
        let mut h = alloc::vec![
            0x1f,
            0x8b,
            8,
            FEXTRA | FNAME | FCOMMENT | FHCRC,
            0,
            0,
            0,
            0,
            0,
            3
        ];
        h.extend_from_slice(&[3, 0, b'a', b'b', b'c']);
        h.extend_from_slice(b"name\0comment\0");
        h.extend_from_slice(&[0xaa, 0xbb]);
        assert_eq!(
            header_len(&h),
            Ok(h.len()),
            "FEXTRA, FNAME, FCOMMENT and FHCRC all skipped"
        );
        assert_eq!(
            header_len(&h[..h.len() - 1]).map_err(|e| e.kind),
            Err(CpioErrorKind::Truncated),
            "cut in FHCRC"
        );
    }

    #[test]
    fn header_with_reserved_flags_or_other_method_is_refused() {
        let h = [0x1f, 0x8b, 8, 0x20, 0, 0, 0, 0, 0, 3];
        assert_eq!(
            header_len(&h).map_err(|e| e.kind),
            Err(CpioErrorKind::GzipHeader),
            "reserved flag"
        );
        let h = [0x1f, 0x8b, 7, 0, 0, 0, 0, 0, 0, 3];
        assert_eq!(
            header_len(&h).map_err(|e| e.kind),
            Err(CpioErrorKind::GzipHeader),
            "method 7"
        );
    }
}

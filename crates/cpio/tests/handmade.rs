//! Hand-made archives, each broken in one way, get the documented error kind and offset.

use keel_cpio::{entries, unpack, CpioErrorKind, Entry};

/// One newc entry with the given header fields (namesize computed unless `namesize` is set).
fn entry(
    magic: &str,
    name: &[u8],
    mode: u32,
    data: &[u8],
    check: u32,
    namesize: Option<u32>,
) -> Vec<u8> {
    let namesize = namesize.unwrap_or(name.len() as u32 + 1);
    let fields = [
        7,
        mode,
        1000,
        100,
        1,
        1_700_000_000,
        data.len() as u32,
        8,
        1,
        4,
        64,
        namesize,
        check,
    ];
    let mut e = magic.as_bytes().to_vec();
    for f in fields {
        e.extend_from_slice(format!("{f:08x}").as_bytes());
    }
    e.extend_from_slice(name);
    e.push(0);
    while !e.len().is_multiple_of(4) {
        e.push(0);
    }
    e.extend_from_slice(data);
    while !e.len().is_multiple_of(4) {
        e.push(0);
    }
    e
}

fn file(name: &str, data: &[u8]) -> Vec<u8> {
    entry("070701", name.as_bytes(), 0o100644, data, 0, None)
}

fn trailer() -> Vec<u8> {
    entry("070701", b"TRAILER!!!", 0, b"", 0, None)
}

fn archive(parts: &[Vec<u8>]) -> Vec<u8> {
    let mut a: Vec<u8> = parts.concat();
    a.extend(trailer());
    a
}

fn first_error(data: &[u8]) -> (CpioErrorKind, usize) {
    let err = entries(data).find_map(Result::err).expect("an error");
    (err.kind, err.offset)
}

#[test]
fn all_header_fields_are_decoded() {
    let dev = entry("070701", b"dev/console", 0o020600, b"", 0, None);
    let a = archive(&[dev]);
    let list: Vec<Entry<'_>> = entries(&a).collect::<Result<_, _>>().expect("valid");
    assert_eq!(list.len(), 1, "trailer not yielded");
    let e = list[0];
    assert_eq!(e.name, b"dev/console", "name without NUL");
    assert_eq!(
        (e.ino, e.mode, e.uid, e.gid, e.nlink, e.mtime),
        (7, 0o020600, 1000, 100, 1, 1_700_000_000),
        "fields"
    );
    assert_eq!(
        (e.dev_major, e.dev_minor, e.rdev_major, e.rdev_minor),
        (8, 1, 4, 64),
        "device numbers"
    );
    assert_eq!(e.file_type(), 0o020000, "character device");
}

#[test]
fn names_and_data_of_every_length_are_padded_correctly() {
    let parts: Vec<Vec<u8>> = (0..9)
        .map(|n| file(&"n".repeat(n + 1), &b"abcdefgh"[..n]))
        .collect();
    let a = archive(&parts);
    let list: Vec<Entry<'_>> = entries(&a).collect::<Result<_, _>>().expect("valid");
    for (n, e) in list.iter().enumerate() {
        assert_eq!(
            (e.name.len(), e.data),
            (n + 1, &b"abcdefgh"[..n]),
            "entry {n}"
        );
    }
}

#[test]
fn upper_and_lower_case_hex_are_accepted_and_anything_else_is_not() {
    let mut a = archive(&[file("x", b"12345678901")]);
    a[6 + 6 * 8..6 + 7 * 8].copy_from_slice(b"0000000B"); // filesize 11 in upper case
    assert!(entries(&a).all(|e| e.is_ok()), "upper-case hex");
    a[6 + 6 * 8 + 3] = b'g';
    assert_eq!(
        first_error(&a),
        (CpioErrorKind::BadHex, 6 + 6 * 8),
        "non-hex digit, offset of the field"
    );
    let mut a = archive(&[file("x", b"")]);
    a[10] = b' ';
    assert_eq!(
        first_error(&a).0,
        CpioErrorKind::BadHex,
        "space inside a field"
    );
}

#[test]
fn wrong_magic_is_refused() {
    let a = archive(&[entry("070707", b"x", 0o100644, b"", 0, None)]);
    assert_eq!(first_error(&a), (CpioErrorKind::BadMagic, 0), "odc format");
    let mut a = archive(&[file("a", b""), file("b", b"")]);
    a[112] = b'1';
    assert_eq!(
        first_error(&a),
        (CpioErrorKind::BadMagic, 112),
        "second header damaged"
    );
}

#[test]
fn name_size_and_termination_are_checked() {
    let a = archive(&[entry("070701", b"abc", 0o100644, b"", 0, Some(0))]);
    assert_eq!(first_error(&a).0, CpioErrorKind::BadName, "namesize 0");
    let a = archive(&[entry("070701", b"abc", 0o100644, b"", 0, Some(3))]);
    assert_eq!(
        first_error(&a).0,
        CpioErrorKind::BadName,
        "namesize leaves out the NUL"
    );
    let a = archive(&[entry("070701", b"a\0c", 0o100644, b"", 0, None)]);
    assert_eq!(
        first_error(&a).0,
        CpioErrorKind::BadName,
        "NUL inside the name"
    );
    let a = archive(&[entry("070701", b"abc", 0o100644, b"", 0, Some(0x10000))]);
    assert_eq!(
        first_error(&a).0,
        CpioErrorKind::BadName,
        "name longer than PATH_MAX"
    );
}

#[test]
fn lengths_past_the_end_are_truncation() {
    let mut a = archive(&[file("x", b"data")]);
    a[6 + 6 * 8..6 + 7 * 8].copy_from_slice(b"ffffffff");
    assert_eq!(
        first_error(&a).0,
        CpioErrorKind::Truncated,
        "filesize 4 GiB"
    );
    let a = archive(&[file("x", b"data")]);
    assert_eq!(
        first_error(&a[..50]),
        (CpioErrorKind::Truncated, 0),
        "header cut"
    );
    assert_eq!(
        first_error(&a[..a.len() - 4]).0,
        CpioErrorKind::Truncated,
        "trailer cut"
    );
}

#[test]
fn archive_without_trailer_is_refused() {
    let a = file("x", b"data");
    assert_eq!(
        first_error(&a),
        (CpioErrorKind::MissingTrailer, a.len()),
        "ends after an entry"
    );
}

#[test]
fn padding_must_be_zero() {
    let mut a = archive(&[file("x", b"d")]);
    a[113] = b'!'; // after 110 + "x\0" the data "d" is at 112, padding at 113..116
    assert_eq!(
        first_error(&a).0,
        CpioErrorKind::Garbage,
        "non-zero padding"
    );
}

#[test]
fn checksums_are_verified_for_070702_regular_files() {
    let sum = b"abc".iter().map(|&b| u32::from(b)).sum::<u32>();
    let good = archive(&[entry("070702", b"f", 0o100644, b"abc", sum, None)]);
    assert!(entries(&good).all(|e| e.is_ok()), "right checksum");
    let bad = archive(&[entry("070702", b"f", 0o100644, b"abc", sum + 1, None)]);
    assert_eq!(
        first_error(&bad),
        (CpioErrorKind::BadChecksum, 0),
        "wrong checksum"
    );
    let link = archive(&[entry("070702", b"l", 0o120777, b"target", 0, None)]);
    assert!(
        entries(&link).all(|e| e.is_ok()),
        "symlinks carry no checksum"
    );
    let plain = archive(&[entry("070701", b"f", 0o100644, b"abc", 12345, None)]);
    assert!(
        entries(&plain).all(|e| e.is_ok()),
        "070701 ignores the check field"
    );
}

#[test]
fn zero_padding_between_archives_is_skipped_but_junk_is_not() {
    let mut a = vec![0; 4];
    a.extend(archive(&[file("a", b"1")]));
    a.extend([0; 512]);
    a.extend(archive(&[file("b", b"2")]));
    a.extend([0; 7]);
    let names: Vec<&[u8]> = entries(&a).map(|e| e.expect("valid").name).collect();
    assert_eq!(names, [&b"a"[..], b"b"], "both archives");
    let mut junk = archive(&[file("a", b"1")]);
    let at = junk.len();
    junk.extend(b"JUNK");
    assert_eq!(
        first_error(&junk),
        (CpioErrorKind::Garbage, at),
        "junk after the trailer"
    );
    let mut misaligned = archive(&[file("a", b"1")]);
    misaligned.push(0);
    let at = misaligned.len();
    misaligned.extend(archive(&[file("b", b"2")]));
    assert_eq!(
        first_error(&misaligned),
        (CpioErrorKind::Garbage, at),
        "archive start not 4-byte aligned"
    );
}

#[test]
fn errors_end_the_iteration() {
    let mut a = archive(&[file("a", b"1"), file("b", b"2")]);
    a[0] = b'x';
    let mut it = entries(&a);
    assert!(
        it.next().is_some_and(|e| e.is_err()),
        "first item is the error"
    );
    assert!(it.next().is_none(), "nothing after an error");
}

#[test]
fn unpack_reports_offsets_in_the_whole_input() {
    let mut image = archive(&[file("a", b"1")]);
    let at = image.len();
    image.extend(b"\x07junk");
    let err = unpack(&image, 1 << 20).expect_err("junk");
    assert_eq!(
        (err.kind, err.offset),
        (CpioErrorKind::Garbage, at),
        "offset in the input"
    );
    assert_eq!(
        unpack(&[0; 64], 1 << 20).map(|c| c.len()),
        Ok(0),
        "only zeroes: nothing to unpack"
    );
    assert_eq!(unpack(&[], 1 << 20).map(|c| c.len()), Ok(0), "empty initrd");
    let err = unpack(&[0x1f, 0x8b, 8, 0, 0, 0], 1 << 20).expect_err("cut gzip header");
    assert_eq!(err.kind, CpioErrorKind::Truncated, "gzip header truncated");
}

#[test]
fn random_garbage_never_panics() {
    let mut x = 0x2545_f491_4f6c_dd1du64;
    for round in 0..2000 {
        let len = round % 300;
        let mut data: Vec<u8> = (0..len)
            .map(|_| {
                x ^= x << 13;
                x ^= x >> 7;
                x ^= x << 17;
                b"0123456789abcdef\0\x1f\x8b7"[(x % 20) as usize]
            })
            .collect();
        if round % 2 == 0 {
            let mut a = archive(&[file("seed", b"0")]);
            a.truncate(len.min(a.len()));
            a.extend(&data);
            data = a;
        }
        let _ = entries(&data).count();
        let _ = unpack(&data, 4096);
    }
}

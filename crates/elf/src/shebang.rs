//! `#!` scripts, with the rules of Linux's `fs/binfmt_script.c` (5.1 and later): only the
//! first [`SHEBANG_MAX`] bytes count; the line ends at the first `\n`; spaces and tabs around
//! the interpreter are trimmed; everything after the interpreter and its separating blanks,
//! minus trailing blanks, is ONE optional argument (spaces inside it are kept); `\r` is not
//! whitespace. A line with no newline within the limit is accepted only if the interpreter
//! name visibly ends before the limit (otherwise it may be truncated). See execve(2).

/// How much of a file `execve` looks at (`BINPRM_BUF_SIZE`).
pub const SHEBANG_MAX: usize = 256;

/// The interpreter and optional argument of a `#!` script, as slices of `bytes`; `None` if
/// `bytes` is not a script or its `#!` line is unusable (both end in ENOEXEC on Linux). An
/// empty interpreter (`#!` followed by a NUL or the end of the file) is also `None`, where
/// Linux would fail looking up the empty path with ENOENT.
#[must_use]
pub fn parse_shebang(bytes: &[u8]) -> Option<(&[u8], Option<&[u8]>)> {
    // Linux reads the file into a zeroed 256-byte buffer: bytes past the end read as NUL.
    let at = |i: usize| bytes.get(i).copied().unwrap_or(0);
    let spacetab = |i: usize| matches!(at(i), b' ' | b'\t');
    let terminator = |i: usize| matches!(at(i), b' ' | b'\t' | 0);
    // First index in [first, last] that is not a blank / is a terminator.
    let non_blank = |first: usize, last: usize| (first..=last).find(|&i| !spacetab(i));
    let next_term = |first: usize, last: usize| (first..=last).find(|&i| terminator(i));

    if at(0) != b'#' || at(1) != b'!' {
        return None;
    }
    let buf_end = SHEBANG_MAX - 1;
    let mut i_end = match (0..SHEBANG_MAX).find(|&i| at(i) == b'\n') {
        Some(nl) => nl,
        None => {
            let start = non_blank(2, buf_end)?;
            next_term(start, buf_end)?;
            buf_end
        }
    };
    while i_end > 2 && spacetab(i_end - 1) {
        i_end -= 1;
    }
    let i_name = non_blank(2, i_end).filter(|&n| n != i_end)?;
    let i_sep = next_term(i_name, i_end);
    let i_arg = i_sep
        .filter(|&s| at(s) != 0)
        .and_then(|s| non_blank(s, i_end));

    // The strings are NUL-terminated in Linux's buffer: at i_sep, at i_end, and at any NUL.
    let cstr = |from: usize, to: usize| {
        let to = (from..to).find(|&i| at(i) == 0).unwrap_or(to);
        // Past the end everything reads as NUL, so both already are <= len; clamp anyway.
        let from = from.min(bytes.len());
        &bytes[from..to.clamp(from, bytes.len())]
    };
    let interp = cstr(i_name, i_sep.unwrap_or(i_end));
    if interp.is_empty() {
        return None;
    }
    let arg = i_arg.map(|a| cstr(a, i_end)).filter(|a| !a.is_empty());
    Some((interp, arg))
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::vec;

    type Parsed<'a> = Option<(&'a [u8], Option<&'a [u8]>)>;

    fn p(s: &[u8]) -> Parsed<'_> {
        parse_shebang(s)
    }

    #[test]
    fn interpreter_without_argument() {
        assert_eq!(
            p(b"#!/bin/sh\necho hi\n"),
            Some((&b"/bin/sh"[..], None)),
            "plain #! line"
        );
    }

    #[test]
    fn blanks_around_the_interpreter_are_trimmed() {
        assert_eq!(
            p(b"#! \t/bin/sh \t\n"),
            Some((&b"/bin/sh"[..], None)),
            "leading and trailing blanks"
        );
    }

    #[test]
    fn everything_after_the_interpreter_is_one_argument() {
        assert_eq!(
            p(b"#!/usr/bin/env  python3 -u  \nx"),
            Some((&b"/usr/bin/env"[..], Some(&b"python3 -u"[..]))),
            "inner spaces stay, trailing blanks go"
        );
    }

    #[test]
    fn carriage_return_is_part_of_the_name() {
        assert_eq!(
            p(b"#!/bin/sh\r\n"),
            Some((&b"/bin/sh\r"[..], None)),
            "a DOS line ending is kept, as on Linux"
        );
    }

    #[test]
    fn not_a_script_or_no_interpreter_is_none() {
        assert_eq!(p(b""), None, "empty file");
        assert_eq!(p(b"#"), None, "one byte");
        assert_eq!(p(b"\x7fELF"), None, "ELF");
        assert_eq!(p(b"#!\n"), None, "empty #! line");
        assert_eq!(p(b"#!   \t \n"), None, "blank #! line");
        assert_eq!(p(b"#!"), None, "just #!");
    }

    #[test]
    fn file_without_newline_ends_at_end_of_file() {
        assert_eq!(
            p(b"#!/bin/sh"),
            Some((&b"/bin/sh"[..], None)),
            "EOF ends the line (NUL padding)"
        );
        assert_eq!(
            p(b"#!/bin/sh -e"),
            Some((&b"/bin/sh"[..], Some(&b"-e"[..]))),
            "argument up to EOF"
        );
    }

    #[test]
    fn overlong_interpreter_without_newline_is_refused() {
        let mut long = vec![b'#', b'!'];
        long.resize(400, b'a');
        assert_eq!(
            p(&long),
            None,
            "the name may be truncated at 256 bytes: ENOEXEC"
        );
    }

    #[test]
    fn long_argument_is_cut_at_the_buffer_limit() {
        let mut s = b"#!/bin/sh ".to_vec();
        s.resize(400, b'x');
        let (interp, arg) = p(&s).expect("interpreter ends before the limit");
        assert_eq!(interp, b"/bin/sh", "interpreter");
        assert_eq!(
            arg.map(<[u8]>::len),
            Some(SHEBANG_MAX - 1 - 10),
            "argument cut at byte 255"
        );
    }

    #[test]
    fn newline_after_the_limit_does_not_count() {
        let mut s = b"#!/bin/sh ".to_vec();
        s.resize(300, b'y');
        s.push(b'\n');
        let (_, arg) = p(&s).expect("script");
        assert_eq!(
            arg.map(<[u8]>::len),
            Some(SHEBANG_MAX - 1 - 10),
            "the line stops at the limit"
        );
    }

    #[test]
    fn nul_ends_the_interpreter() {
        assert_eq!(
            p(b"#!/bin/sh\0junk\n"),
            Some((&b"/bin/sh"[..], None)),
            "NUL is a terminator and drops the rest"
        );
    }
}

//! What `ldisc.rs` does not cover yet: details of Linux's N_TTY, each seen on a Linux pty (a
//! program writing to the master and reading the echo back, on 6.1 under the referee and on
//! 6.18): ALTWERASE, IUTF8 erase, IXON, VEOL echo and VEOL2 without IEXTEN, ECHOPRT, VREPRINT,
//! erasing a tab, the NL echo in non-canonical mode, IUCLC, OLCUC, XTABS, PARMRK, poll with
//! VMIN, FIONREAD with EOF marks.

use keel_abi::termios::*;
use keel_tty::{default_termios, LineDiscipline, Read, ReadRule};

fn feed(ld: &mut LineDiscipline, input: &[u8]) -> Vec<u8> {
    let mut echo = Vec::new();
    for &b in input {
        ld.receive(b, &mut echo);
    }
    echo
}

fn read_str(ld: &mut LineDiscipline) -> Option<Vec<u8>> {
    let mut buf = [0u8; 256];
    match ld.read(&mut buf) {
        Read::Data(n) => Some(buf[..n].to_vec()),
        _ => None,
    }
}

fn with(edit: impl FnOnce(&mut Termios)) -> LineDiscipline {
    let mut t = default_termios();
    edit(&mut t);
    LineDiscipline::new(t)
}

fn noncanonical(t: &mut Termios) {
    t.c_lflag &= !ICANON;
    t.c_cc[VMIN] = 1;
    t.c_cc[VTIME] = 0;
}

/// Shows bytes with escapes, for assertion messages.
fn show(b: &[u8]) -> String {
    b.escape_ascii().to_string()
}

#[test]
fn werase_is_altwerase_a_word_is_letters_digits_and_underscore() {
    let mut ld = LineDiscipline::default();
    let echo = feed(&mut ld, b"cd /usr/lib\x17");
    feed(&mut ld, b"\n");
    assert_eq!(
        show(&read_str(&mut ld).unwrap()),
        show(b"cd /usr/\n"),
        "WERASE stops at the '/' before the word"
    );
    assert_eq!(
        show(&echo),
        show(b"cd /usr/lib\x08 \x08\x08 \x08\x08 \x08"),
        "three characters erased"
    );
    // The punctuation before the cursor goes with the word before it (blanks and
    // punctuation first, then the word).
    let mut ld = LineDiscipline::default();
    feed(&mut ld, b"a.b\x17");
    let echo = feed(&mut ld, b"\x17");
    feed(&mut ld, b"\n");
    assert_eq!(read_str(&mut ld).as_deref(), Some(&b"\n"[..]));
    assert_eq!(show(&echo), show(b"\x08 \x08\x08 \x08"), "'.' then 'a'");
    let mut ld = LineDiscipline::default();
    feed(&mut ld, b"x a_b1\x17\n");
    assert_eq!(read_str(&mut ld).as_deref(), Some(&b"x \n"[..]));
}

#[test]
fn iutf8_erase_takes_a_whole_character() {
    let mut ld = with(|t| t.c_iflag |= IUTF8);
    let echo = feed(&mut ld, "a€\x7f\n".as_bytes());
    assert_eq!(read_str(&mut ld).as_deref(), Some(&b"a\n"[..]));
    assert_eq!(
        show(&echo),
        show("a€\x08 \x08\r\n".as_bytes()),
        "one column erased for the three bytes"
    );
    let mut ld = LineDiscipline::default();
    feed(&mut ld, "aé\x7f\n".as_bytes());
    assert_eq!(
        show(&read_str(&mut ld).unwrap()),
        show(b"a\xc3\n"),
        "without IUTF8 ERASE takes one byte"
    );
}

#[test]
fn ixon_start_and_stop_characters_are_neither_data_nor_echoed() {
    let mut ld = LineDiscipline::default(); // IXON is in the defaults
    let echo = feed(&mut ld, b"s\x13t\x11u\n");
    assert_eq!(read_str(&mut ld).as_deref(), Some(&b"stu\n"[..]));
    assert_eq!(show(&echo), show(b"stu\r\n"));
    let mut ld = with(|t| t.c_iflag &= !IXON);
    let echo = feed(&mut ld, b"s\x13t\x11u\n");
    assert_eq!(
        read_str(&mut ld).as_deref(),
        Some(&b"s\x13t\x11u\n"[..]),
        "without IXON they are data"
    );
    assert_eq!(show(&echo), show(b"s^St^Qu\r\n"));
}

#[test]
fn veol_is_echoed_like_any_character_with_echoctl() {
    let mut ld = with(|t| t.c_cc[VEOL] = 0x05);
    let echo = feed(&mut ld, b"a\x05b\n");
    assert_eq!(show(&echo), show(b"a^Eb\r\n"), "VEOL ^E echoes as ^E");
    assert_eq!(read_str(&mut ld).as_deref(), Some(&b"a\x05"[..]));
    assert_eq!(read_str(&mut ld).as_deref(), Some(&b"b\n"[..]));
}

#[test]
fn veol2_needs_iexten() {
    let mut ld = with(|t| {
        t.c_cc[VEOL2] = b'#';
        t.c_lflag &= !IEXTEN;
    });
    feed(&mut ld, b"a#b\n");
    assert_eq!(
        read_str(&mut ld).as_deref(),
        Some(&b"a#b\n"[..]),
        "without IEXTEN VEOL2 is data"
    );
    let mut ld = with(|t| t.c_cc[VEOL2] = b'#');
    feed(&mut ld, b"a#b\n");
    assert_eq!(read_str(&mut ld).as_deref(), Some(&b"a#"[..]));
}

#[test]
fn echoprt_shows_erased_characters_between_backslash_and_slash() {
    let mut ld = with(|t| t.c_lflag |= ECHOPRT);
    let echo = feed(&mut ld, b"abc\x7f\x7fd\n");
    assert_eq!(show(&echo), show(b"abc\\cb/d\r\n"));
    assert_eq!(read_str(&mut ld).as_deref(), Some(&b"ad\n"[..]));
    let mut ld = with(|t| t.c_lflag |= ECHOPRT);
    let echo = feed(&mut ld, b"abc\x15d\n");
    assert_eq!(
        show(&echo),
        show(b"abc\\cba/d\r\n"),
        "KILL with ECHOK|ECHOKE|ECHOE erases one by one"
    );
    assert_eq!(read_str(&mut ld).as_deref(), Some(&b"d\n"[..]));
}

#[test]
fn vreprint_echoes_the_line_again() {
    let mut ld = LineDiscipline::default();
    let echo = feed(&mut ld, b"ab\x12c\n");
    assert_eq!(show(&echo), show(b"ab^R\r\nabc\r\n"));
    assert_eq!(
        read_str(&mut ld).as_deref(),
        Some(&b"abc\n"[..]),
        "^R is not data"
    );
    let mut ld = with(|t| t.c_lflag &= !IEXTEN);
    let echo = feed(&mut ld, b"ab\x12c\n");
    assert_eq!(show(&echo), show(b"ab^Rc\r\n"));
    assert_eq!(
        read_str(&mut ld).as_deref(),
        Some(&b"ab\x12c\n"[..]),
        "without IEXTEN ^R is data"
    );
}

#[test]
fn vdiscard_is_data() {
    let mut ld = LineDiscipline::default();
    let echo = feed(&mut ld, b"a\x0fb\n");
    assert_eq!(show(&echo), show(b"a^Ob\r\n"));
    assert_eq!(read_str(&mut ld).as_deref(), Some(&b"a\x0fb\n"[..]));
}

#[test]
fn erasing_a_tab_backs_up_to_where_it_began() {
    // Linux echoes only backspaces for a tab: as many as the tab took.
    let cases: [(&[u8], &[u8]); 4] = [
        (b"\t\x7f", b"\t\x08\x08\x08\x08\x08\x08\x08\x08"),
        (b"ab\t\x7f", b"ab\t\x08\x08\x08\x08\x08\x08"),
        (b"\x01\t\x7f", b"^A\t\x08\x08\x08\x08\x08\x08"),
        (
            b"a\tb\t\x7f\x7f",
            b"a\tb\t\x08\x08\x08\x08\x08\x08\x08\x08 \x08",
        ),
    ];
    for (input, want) in cases {
        let mut ld = LineDiscipline::default();
        let echo = feed(&mut ld, input);
        assert_eq!(show(&echo), show(want), "typing {}", show(input));
    }
}

#[test]
fn noncanonical_echo_of_a_typed_newline_is_caret_j_with_echoctl() {
    let mut ld = with(noncanonical);
    let echo = feed(&mut ld, b"x\n");
    assert_eq!(
        show(&echo),
        show(b"x^J"),
        "NL takes the ordinary character path"
    );
    let mut ld = with(noncanonical);
    let echo = feed(&mut ld, b"x\r");
    assert_eq!(
        show(&echo),
        show(b"x\r\n"),
        "a CR made NL by ICRNL echoes as a newline"
    );
    assert_eq!(read_str(&mut ld).as_deref(), Some(&b"x\n"[..]));
}

#[test]
fn iuclc_lowers_input_with_iexten() {
    let mut ld = with(|t| t.c_iflag |= IUCLC);
    let echo = feed(&mut ld, b"AbC\n");
    assert_eq!(read_str(&mut ld).as_deref(), Some(&b"abc\n"[..]));
    assert_eq!(show(&echo), show(b"abc\r\n"));
}

#[test]
fn olcuc_raises_output() {
    let mut ld = with(|t| t.c_oflag |= OLCUC);
    let mut out = Vec::new();
    ld.output(b"abC\n", &mut out);
    assert_eq!(show(&out), show(b"ABC\r\n"));
}

#[test]
fn xtabs_expands_tabs_to_spaces() {
    let mut ld = with(|t| t.c_oflag |= XTABS);
    let mut out = Vec::new();
    ld.output(b"ab\tc\n", &mut out);
    assert_eq!(show(&out), show(b"ab      c\r\n"));
}

#[test]
fn parmrk_doubles_a_0xff_byte() {
    let mut ld = with(|t| {
        noncanonical(t);
        t.c_iflag |= PARMRK;
        t.c_lflag &= !ECHO;
    });
    feed(&mut ld, b"a\xffb");
    assert_eq!(read_str(&mut ld).as_deref(), Some(&b"a\xff\xffb"[..]));
}

#[test]
fn poll_with_vmin_and_no_vtime_waits_for_vmin_bytes() {
    // N_TTY's input_available_p(tty, poll): with VTIME 0 a poll needs VMIN bytes. Saying
    // "readable" with fewer makes a blocking read that waits for readiness spin.
    let mut ld = with(|t| {
        noncanonical(t);
        t.c_cc[VMIN] = 3;
        t.c_lflag &= !ECHO;
    });
    feed(&mut ld, b"ab");
    assert!(!ld.readable(), "2 bytes of VMIN 3: not readable");
    feed(&mut ld, b"c");
    assert!(ld.readable(), "3 bytes of VMIN 3: readable");
    // With VTIME set, one byte is enough (the inter-byte timer runs from it).
    let mut ld = with(|t| {
        noncanonical(t);
        t.c_cc[VMIN] = 3;
        t.c_cc[VTIME] = 1;
        t.c_lflag &= !ECHO;
    });
    feed(&mut ld, b"a");
    assert!(ld.readable(), "VMIN 3 VTIME 1: one byte is readable");
}

#[test]
fn vmin_with_vtime_takes_bytes_until_vmin_or_the_interbyte_timer() {
    let mut ld = with(|t| {
        noncanonical(t);
        t.c_cc[VMIN] = 2;
        t.c_cc[VTIME] = 3;
        t.c_lflag &= !ECHO;
    });
    let rule = ld.read_rule();
    assert_eq!(
        rule,
        ReadRule {
            minimum: 2,
            total_ns: None,
            interbyte_ns: Some(300_000_000)
        },
        "VMIN 2 VTIME 3: no timer before the first byte, then 0.3 s between bytes"
    );
    let mut buf = [0u8; 16];
    assert_eq!(
        ld.read(&mut buf),
        Read::WouldBlock,
        "nothing yet: wait, untimed"
    );
    feed(&mut ld, b"a");
    assert_eq!(ld.read(&mut buf), Read::Data(1));
    assert!(
        !rule.done(1, buf.len()),
        "1 of VMIN 2: wait, with the inter-byte timer"
    );
    feed(&mut ld, b"b");
    assert_eq!(ld.read(&mut buf[1..]), Read::Data(1));
    assert!(rule.done(2, buf.len()));
    assert_eq!(&buf[..2], b"ab");
}

#[test]
fn fionread_in_canonical_mode_counts_no_eof_marks() {
    let mut ld = LineDiscipline::default();
    feed(&mut ld, b"\x04");
    assert_eq!(ld.available(), 0, "an EOF alone");
    assert!(ld.readable(), "but it is readable (the read returns 0)");
    feed(&mut ld, b"ab\x04cd");
    assert_eq!(
        ld.available(),
        2,
        "'ab' ended by EOF; 'cd' is not a line yet"
    );
}

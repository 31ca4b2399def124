//! The line discipline's behaviour, as Linux's N_TTY shows it on a terminal.

use keel_abi::termios::*;
use keel_tty::{default_termios, LineDiscipline, Read, ReadRule, Signal};

fn feed(ld: &mut LineDiscipline, input: &[u8]) -> (Vec<u8>, Vec<Signal>) {
    let mut echo = Vec::new();
    let mut sigs = Vec::new();
    for &b in input {
        if let Some(s) = ld.receive(b, &mut echo) {
            sigs.push(s);
        }
    }
    (echo, sigs)
}

fn read_all(ld: &mut LineDiscipline) -> Read {
    let mut buf = [0u8; 256];
    ld.read(&mut buf)
}

fn read_str(ld: &mut LineDiscipline) -> Option<Vec<u8>> {
    let mut buf = [0u8; 256];
    match ld.read(&mut buf) {
        Read::Data(n) => Some(buf[..n].to_vec()),
        _ => None,
    }
}

fn raw() -> Termios {
    let mut t = default_termios();
    t.c_lflag &= !(ICANON | ECHO | ISIG | IEXTEN);
    t.c_iflag &= !ICRNL;
    t.c_oflag &= !OPOST;
    t.c_cc[VMIN] = 1;
    t.c_cc[VTIME] = 0;
    t
}

#[test]
fn canonical_read_waits_for_the_whole_line() {
    let mut ld = LineDiscipline::default();
    feed(&mut ld, b"hel");
    assert_eq!(read_all(&mut ld), Read::WouldBlock, "no line yet");
    assert!(!ld.readable(), "a partial line is not readable");
    feed(&mut ld, b"lo\r");
    assert_eq!(
        read_str(&mut ld).as_deref(),
        Some(&b"hello\n"[..]),
        "CR became NL (ICRNL)"
    );
}

#[test]
fn canonical_read_returns_one_line_at_a_time() {
    let mut ld = LineDiscipline::default();
    feed(&mut ld, b"one\ntwo\n");
    assert_eq!(read_str(&mut ld).as_deref(), Some(&b"one\n"[..]));
    assert_eq!(read_str(&mut ld).as_deref(), Some(&b"two\n"[..]));
}

#[test]
fn erase_kill_and_werase_edit_the_line() {
    let mut ld = LineDiscipline::default();
    feed(&mut ld, b"abx\x7fc\n");
    assert_eq!(
        read_str(&mut ld).as_deref(),
        Some(&b"abc\n"[..]),
        "ERASE took the x"
    );
    feed(&mut ld, b"garbage\x15ok\n");
    assert_eq!(
        read_str(&mut ld).as_deref(),
        Some(&b"ok\n"[..]),
        "KILL dropped the line"
    );
    feed(&mut ld, b"one two  \x17three\n");
    assert_eq!(
        read_str(&mut ld).as_deref(),
        Some(&b"one three\n"[..]),
        "WERASE took 'two  '"
    );
}

#[test]
fn echo_shows_erase_as_backspace_space_backspace() {
    let mut ld = LineDiscipline::default();
    let (echo, _) = feed(&mut ld, b"ab\x7f");
    assert_eq!(echo, b"ab\x08 \x08", "ECHOE erases visually");
    let (echo, _) = feed(&mut ld, b"\x01\x7f");
    assert_eq!(
        echo, b"^A\x08 \x08\x08 \x08",
        "a ^A takes two columns to erase"
    );
}

#[test]
fn erase_without_echoe_echoes_the_erase_character() {
    let mut t = default_termios();
    t.c_lflag &= !ECHOE;
    let mut ld = LineDiscipline::new(t);
    let (echo, _) = feed(&mut ld, b"a\x7f");
    assert_eq!(echo, b"a^?", "the erase character, shown with ECHOCTL");
}

#[test]
fn kill_without_echok_echoes_the_kill_character() {
    let mut t = default_termios();
    t.c_lflag &= !(ECHOK | ECHOKE);
    let mut ld = LineDiscipline::new(t);
    let (echo, _) = feed(&mut ld, b"ab\x15");
    assert_eq!(echo, b"ab^U");
    t.c_lflag |= ECHOK;
    let mut ld = LineDiscipline::new(t);
    let (echo, _) = feed(&mut ld, b"ab\x15");
    assert_eq!(echo, b"ab^U\r\n", "ECHOK without ECHOKE adds a newline");
}

#[test]
fn echo_off_echoes_nothing_but_echonl_echoes_newline() {
    let mut t = default_termios();
    t.c_lflag &= !ECHO;
    let mut ld = LineDiscipline::new(t);
    let (echo, _) = feed(&mut ld, b"secret\n");
    assert!(echo.is_empty(), "nothing echoed: {echo:?}");
    t.c_lflag |= ECHONL;
    let mut ld = LineDiscipline::new(t);
    let (echo, _) = feed(&mut ld, b"secret\n");
    assert_eq!(echo, b"\r\n", "only the newline, output-processed");
}

#[test]
fn control_characters_echo_as_caret_with_echoctl() {
    let mut ld = LineDiscipline::default();
    let (echo, _) = feed(&mut ld, b"\x1b[A\t");
    assert_eq!(echo, b"^[[A\t", "ESC as ^[, TAB as itself");
}

#[test]
fn eof_on_an_empty_line_reads_as_zero_and_ends_a_partial_line() {
    let mut ld = LineDiscipline::default();
    feed(&mut ld, b"\x04");
    assert!(ld.readable(), "EOF is readable");
    assert_eq!(read_all(&mut ld), Read::Zero, "EOF on an empty line");
    feed(&mut ld, b"abc\x04");
    assert_eq!(
        read_str(&mut ld).as_deref(),
        Some(&b"abc"[..]),
        "EOF sends the line without a newline"
    );
}

#[test]
fn isig_characters_raise_signals_and_discard_input() {
    let mut ld = LineDiscipline::default();
    let (echo, sigs) = feed(&mut ld, b"partial\x03");
    assert_eq!(sigs, vec![Signal::Interrupt]);
    assert!(echo.ends_with(b"^C"), "^C echoed: {echo:?}");
    feed(&mut ld, b"x\n");
    assert_eq!(
        read_str(&mut ld).as_deref(),
        Some(&b"x\n"[..]),
        "the partial line was flushed"
    );
    let (_, sigs) = feed(&mut ld, b"\x1c\x1a");
    assert_eq!(sigs, vec![Signal::Quit, Signal::Suspend]);
}

#[test]
fn noflsh_keeps_input_across_a_signal() {
    let mut t = default_termios();
    t.c_lflag |= NOFLSH;
    let mut ld = LineDiscipline::new(t);
    feed(&mut ld, b"keep\x03\n");
    assert_eq!(read_str(&mut ld).as_deref(), Some(&b"keep\n"[..]));
}

#[test]
fn without_isig_control_characters_are_data() {
    let mut t = raw();
    t.c_lflag &= !ISIG;
    let mut ld = LineDiscipline::new(t);
    let (_, sigs) = feed(&mut ld, b"\x03");
    assert!(sigs.is_empty(), "no signal without ISIG");
    assert_eq!(read_str(&mut ld).as_deref(), Some(&b"\x03"[..]));
}

#[test]
fn raw_mode_bytes_are_readable_at_once() {
    let mut ld = LineDiscipline::new(raw());
    feed(&mut ld, b"a");
    assert!(ld.readable());
    assert_eq!(read_str(&mut ld).as_deref(), Some(&b"a"[..]));
    assert_eq!(read_all(&mut ld), Read::WouldBlock, "VMIN 1 waits");
}

#[test]
fn vmin_reads_take_bytes_as_they_come_until_the_rule_is_met() {
    let mut t = raw();
    t.c_cc[VMIN] = 3;
    let mut ld = LineDiscipline::new(t);
    let rule = ld.read_rule();
    assert_eq!(
        rule,
        ReadRule {
            minimum: 3,
            total_ns: None,
            interbyte_ns: None
        }
    );
    assert!(!ld.input_available());
    feed(&mut ld, b"ab");
    assert!(!ld.readable(), "poll: 2 of VMIN 3 is not readable");
    assert!(ld.input_available(), "but a reader takes them");
    let mut buf = [0u8; 16];
    assert_eq!(ld.read(&mut buf), Read::Data(2));
    assert!(!rule.done(2, buf.len()), "2 of VMIN 3: the read goes on");
    assert!(rule.done(2, 2), "a full buffer ends it");
    assert_eq!(ld.read(&mut buf[2..]), Read::WouldBlock);
    feed(&mut ld, b"c");
    assert_eq!(ld.read(&mut buf[2..]), Read::Data(1));
    assert!(rule.done(3, buf.len()));
    assert_eq!(&buf[..3], b"abc");
}

#[test]
fn vmin_zero_reads_return_at_once_or_after_vtime() {
    let mut t = raw();
    t.c_cc[VMIN] = 0;
    let mut ld = LineDiscipline::new(t);
    assert_eq!(
        read_all(&mut ld),
        Read::Zero,
        "VMIN 0 VTIME 0 returns at once"
    );
    assert_eq!(ld.read_rule().minimum, 0);
    t.c_cc[VTIME] = 5;
    let mut ld = LineDiscipline::new(t);
    assert_eq!(
        ld.read_rule(),
        ReadRule {
            minimum: 1,
            total_ns: Some(500_000_000),
            interbyte_ns: None
        },
        "VMIN 0 VTIME 5: one byte, or 0 after 0.5 s from the start"
    );
    assert_eq!(read_all(&mut ld), Read::WouldBlock, "the caller waits");
    assert_eq!(
        LineDiscipline::default().read_rule(),
        ReadRule {
            minimum: 1,
            total_ns: None,
            interbyte_ns: None
        },
        "canonical: a line, no timer"
    );
}

#[test]
fn icrnl_inlcr_and_igncr_translate_input() {
    let mut t = raw();
    t.c_iflag |= INLCR;
    let mut ld = LineDiscipline::new(t);
    feed(&mut ld, b"\n");
    assert_eq!(read_str(&mut ld).as_deref(), Some(&b"\r"[..]), "INLCR");
    t.c_iflag = IGNCR;
    let mut ld = LineDiscipline::new(t);
    feed(&mut ld, b"\rx");
    assert_eq!(
        read_str(&mut ld).as_deref(),
        Some(&b"x"[..]),
        "IGNCR drops CR"
    );
}

#[test]
fn onlcr_turns_newlines_into_crlf_and_opost_off_leaves_bytes() {
    let mut ld = LineDiscipline::default();
    let mut out = Vec::new();
    ld.output(b"a\nb", &mut out);
    assert_eq!(out, b"a\r\nb");
    let mut t = default_termios();
    t.c_oflag &= !OPOST;
    let mut ld = LineDiscipline::new(t);
    let mut out = Vec::new();
    ld.output(b"a\nb", &mut out);
    assert_eq!(out, b"a\nb");
}

#[test]
fn leaving_canonical_mode_makes_the_partial_line_readable() {
    let mut ld = LineDiscipline::default();
    feed(&mut ld, b"typed");
    ld.set_termios(raw(), false);
    assert_eq!(read_str(&mut ld).as_deref(), Some(&b"typed"[..]));
}

#[test]
fn tcsetsf_flushes_pending_input() {
    let mut ld = LineDiscipline::default();
    feed(&mut ld, b"old\n");
    ld.set_termios(default_termios(), true);
    assert_eq!(read_all(&mut ld), Read::WouldBlock, "input flushed");
}

#[test]
fn lnext_takes_the_next_character_literally() {
    let mut ld = LineDiscipline::default();
    let (_, sigs) = feed(&mut ld, b"\x16\x03\n");
    assert!(sigs.is_empty(), "the ^C after ^V is data");
    assert_eq!(read_str(&mut ld).as_deref(), Some(&b"\x03\n"[..]));
}

#[test]
fn input_beyond_the_buffer_is_dropped_but_a_newline_still_ends_the_line() {
    let mut ld = LineDiscipline::default();
    let big = vec![b'x'; 5000];
    feed(&mut ld, &big);
    feed(&mut ld, b"\n");
    let mut buf = vec![0u8; 8192];
    match ld.read(&mut buf) {
        Read::Data(n) => {
            assert!(n <= keel_tty::INPUT_MAX, "at most the buffer: {n}");
            assert_eq!(buf[n - 1], b'\n', "the line still ends");
        }
        r => panic!("expected a line, got {r:?}"),
    }
}

#[test]
fn werase_takes_letters_digits_and_underscores_only() {
    let mut ld = LineDiscipline::default();
    feed(&mut ld, b"cd /usr/lib\x17bin\n");
    assert_eq!(
        read_str(&mut ld).as_deref(),
        Some(&b"cd /usr/bin\n"[..]),
        "stops at '/'"
    );
    feed(&mut ld, b"a_b1-- \x17x\n");
    assert_eq!(
        read_str(&mut ld).as_deref(),
        Some(&b"x\n"[..]),
        "'a_b1' is one word"
    );
}

#[test]
fn iutf8_erase_takes_a_whole_character() {
    let mut t = default_termios();
    t.c_iflag |= IUTF8;
    let mut ld = LineDiscipline::new(t);
    feed(&mut ld, "aé\x7f€\x7fb\n".as_bytes());
    assert_eq!(read_str(&mut ld).as_deref(), Some(&b"ab\n"[..]));
    t.c_iflag &= !IUTF8;
    let mut ld = LineDiscipline::new(t);
    feed(&mut ld, "aé\x7f\n".as_bytes());
    assert_eq!(
        read_str(&mut ld).as_deref(),
        Some(&b"a\xc3\n"[..]),
        "one byte without IUTF8"
    );
}

#[test]
fn ixon_start_and_stop_are_flow_control_not_data() {
    let mut t = default_termios();
    t.c_iflag = IXON;
    let mut ld = LineDiscipline::new(t);
    feed(&mut ld, b"s\x13");
    assert!(ld.output_stopped(), "^S stops output");
    feed(&mut ld, b"t\x11u\n");
    assert!(!ld.output_stopped(), "^Q starts it again");
    assert_eq!(read_str(&mut ld).as_deref(), Some(&b"stu\n"[..]));
    t.c_iflag = 0;
    let mut ld = LineDiscipline::new(t);
    feed(&mut ld, b"s\x13\n");
    assert_eq!(
        read_str(&mut ld).as_deref(),
        Some(&b"s\x13\n"[..]),
        "data without IXON"
    );
}

#[test]
fn poll_wants_vmin_bytes_when_vtime_is_zero() {
    let mut t = raw();
    t.c_cc[VMIN] = 3;
    let mut ld = LineDiscipline::new(t);
    feed(&mut ld, b"ab");
    assert!(
        !ld.readable(),
        "2 of VMIN 3: a read would block, so poll says so"
    );
    feed(&mut ld, b"c");
    assert!(ld.readable());
    t.c_cc[VTIME] = 1;
    let mut ld = LineDiscipline::new(t);
    feed(&mut ld, b"a");
    assert!(ld.readable(), "with VTIME one byte is enough");
}

#[test]
fn erasing_a_tab_backs_up_to_where_it_started() {
    let mut ld = LineDiscipline::default();
    let (echo, _) = feed(&mut ld, b"ab\t\x7f");
    assert_eq!(
        echo, b"ab\t\x08\x08\x08\x08\x08\x08",
        "six columns back, no blanks"
    );
}

#[test]
fn a_noncanonical_newline_echoes_as_caret_j_with_echoctl() {
    let mut t = default_termios();
    t.c_lflag &= !ICANON;
    let mut ld = LineDiscipline::new(t);
    let (echo, _) = feed(&mut ld, b"\n");
    assert_eq!(echo, b"^J");
}

#[test]
fn a_noncanonical_cr_turned_newline_echoes_as_a_newline() {
    let mut t = default_termios();
    t.c_lflag &= !ICANON;
    let mut ld = LineDiscipline::new(t);
    let (echo, _) = feed(&mut ld, b"\r");
    assert_eq!(echo, b"\r\n", "ICRNL's newline is echoed raw, then ONLCR");
}

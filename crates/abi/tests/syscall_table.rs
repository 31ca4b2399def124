//! The generated syscall table (`src/syscall.rs`) against linux-libc-dev's
//! `asm/unistd_64.h`. Regenerate with `python3 crates/abi/gen-syscalls.py > ...` when this fails.

use keel_abi::syscall;

const HEADER: &str = "/usr/include/x86_64-linux-gnu/asm/unistd_64.h";

fn header_entries() -> Vec<(usize, String)> {
    let text = std::fs::read_to_string(HEADER).unwrap_or_else(|e| {
        panic!("cannot read {HEADER} ({e}): install the kernel UAPI headers with `apt-get install linux-libc-dev`")
    });
    let entries: Vec<(usize, String)> = text
        .lines()
        .filter_map(|line| {
            let mut words = line.split_whitespace();
            if words.next() != Some("#define") {
                return None;
            }
            let name = words.next()?.strip_prefix("__NR_")?;
            let nr = words.next()?.parse().ok()?;
            Some((nr, name.to_owned()))
        })
        .collect();
    assert!(
        entries.len() > 300,
        "{HEADER} lists only {} syscalls; is it the x86_64 header?",
        entries.len()
    );
    entries
}

#[test]
fn every_syscall_in_the_uapi_header_has_its_linux_name() {
    for (nr, name) in header_entries() {
        assert_eq!(
            syscall::name(nr),
            Some(name.as_str()),
            "syscall::name({nr}) disagrees with {HEADER}"
        );
    }
}

#[test]
fn table_covers_0_to_334_and_424_to_453_and_nothing_else() {
    for nr in (0..=334).chain(424..=453) {
        assert!(syscall::name(nr).is_some(), "syscall {nr} has no name");
    }
    for nr in (335..424).chain(454..1024) {
        assert_eq!(
            syscall::name(nr),
            None,
            "number {nr} is unassigned on x86_64 but has a name"
        );
    }
    assert_eq!(syscall::COUNT, 454, "COUNT is one past the highest number");
}

#[test]
fn well_known_numbers_match_linux() {
    assert_eq!(syscall::READ, 0, "read");
    assert_eq!(syscall::WRITE, 1, "write");
    assert_eq!(syscall::ARCH_PRCTL, 158, "arch_prctl");
    assert_eq!(syscall::EXIT_GROUP, 231, "exit_group");
    assert_eq!(syscall::NEWFSTATAT, 262, "newfstatat");
    assert_eq!(syscall::GETRANDOM, 318, "getrandom");
    assert_eq!(syscall::RSEQ, 334, "rseq");
    assert_eq!(syscall::CLONE3, 435, "clone3");
    assert_eq!(syscall::FCHMODAT2, 452, "fchmodat2");
    assert_eq!(syscall::MAP_SHADOW_STACK, 453, "map_shadow_stack");
}

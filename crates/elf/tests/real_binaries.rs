//! Real executables built on the spot (musl-gcc static and static-pie, musl-gcc dynamic, a
//! Rust static-pie for x86_64-unknown-linux-musl) are planned exactly as `readelf` describes
//! them, and every truncation and single-byte corruption of their headers is either refused
//! or yields a plan that keeps every loader guarantee, never a panic.

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

use common::parse_and_check;
use keel_elf::{parse, ElfKind, Prot};

const BIAS: u64 = 0x5555_5555_4000;

const C_SOURCE: &str = r#"#include <stdio.h>
__thread int counter = 3;
int main(int argc, char **argv) { printf("hello %d %s\n", argc + counter, argv[0]); return 0; }
"#;

const RUST_SOURCE: &str =
    r#"fn main() { let v: Vec<String> = std::env::args().collect(); println!("{v:?}"); }"#;

struct Binaries {
    c_static: Vec<u8>,
    c_static_pie: Vec<u8>,
    c_dynamic: Vec<u8>,
    rust_static_pie: Vec<u8>,
    dir: PathBuf,
}

fn run(cmd: &mut Command, what: &str, hint: &str) {
    let out = cmd
        .output()
        .unwrap_or_else(|e| panic!("cannot run {what} ({e}): {hint}"));
    assert!(
        out.status.success(),
        "{what} failed: {}\n{}",
        String::from_utf8_lossy(&out.stderr),
        hint
    );
}

fn binaries() -> &'static Binaries {
    static BINS: OnceLock<Binaries> = OnceLock::new();
    BINS.get_or_init(|| {
        let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("elf-real");
        std::fs::create_dir_all(&dir).expect("scratch directory");
        let c = dir.join("hello.c");
        std::fs::write(&c, C_SOURCE).expect("write C source");
        let musl_hint = "install musl-gcc with `apt-get install musl-tools`";
        run(Command::new("musl-gcc").args(["-static", "-O2", "-o"]).arg(dir.join("c-static")).arg(&c), "musl-gcc -static", musl_hint);
        run(Command::new("musl-gcc").args(["-O2", "-o"]).arg(dir.join("c-dynamic")).arg(&c), "musl-gcc (dynamic)", musl_hint);
        // Debian's musl-gcc specs ignore -static-pie (they link libc.so and keep PT_INTERP), so
        // name the self-relocating start file and the static libc explicitly.
        let m = Path::new("/usr/lib/x86_64-linux-musl");
        let gcc_file = |name: &str| {
            let out = Command::new("gcc").arg(format!("-print-file-name={name}")).output().expect("gcc");
            String::from_utf8_lossy(&out.stdout).trim().to_owned()
        };
        run(
            Command::new("musl-gcc")
                .args(["-static-pie", "-O2", "-nostartfiles", "-Wl,--no-dynamic-linker", "-Wl,-Bstatic"])
                .arg(m.join("rcrt1.o"))
                .arg(m.join("crti.o"))
                .arg(gcc_file("crtbeginS.o"))
                .arg(&c)
                .arg(gcc_file("crtendS.o"))
                .arg(m.join("crtn.o"))
                .arg("-o")
                .arg(dir.join("c-static-pie")),
            "musl-gcc -static-pie",
            musl_hint,
        );
        let rs = dir.join("hello.rs");
        std::fs::write(&rs, RUST_SOURCE).expect("write Rust source");
        run(
            Command::new(std::env::var("RUSTC").unwrap_or_else(|_| "rustc".into()))
                .args(["--target", "x86_64-unknown-linux-musl", "-O", "-o"])
                .arg(dir.join("rust-static-pie"))
                .arg(&rs),
            "rustc --target x86_64-unknown-linux-musl",
            "add the target with `rustup target add x86_64-unknown-linux-musl` (rust-toolchain.toml lists it)",
        );
        let read = |n: &str| std::fs::read(dir.join(n)).expect("read built binary");
        Binaries {
            c_static: read("c-static"),
            c_static_pie: read("c-static-pie"),
            c_dynamic: read("c-dynamic"),
            rust_static_pie: read("rust-static-pie"),
            dir: dir.clone(),
        }
    })
}

/// One LOAD line of `readelf -lW`: (offset, vaddr, filesz, memsz, flags).
type ReadelfLoad = (u64, u64, u64, u64, String);

fn readelf(name: &str) -> (Vec<ReadelfLoad>, Vec<String>) {
    let path = binaries().dir.join(name);
    let out = Command::new("readelf")
        .arg("-lW")
        .arg(&path)
        .output()
        .expect("run readelf (binutils)");
    assert!(out.status.success(), "readelf failed on {}", path.display());
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    let hex = |s: &str| u64::from_str_radix(s.trim_start_matches("0x"), 16).expect("readelf hex");
    let mut loads = Vec::new();
    let mut types = Vec::new();
    for line in text.lines().map(str::trim) {
        let w: Vec<&str> = line.split_whitespace().collect();
        if w.len() >= 8 && w[1].starts_with("0x") && w[2].starts_with("0x") {
            types.push(w[0].to_owned());
            if w[0] == "LOAD" {
                let flags = w[6..w.len() - 1].concat();
                loads.push((hex(w[1]), hex(w[2]), hex(w[4]), hex(w[5]), flags));
            }
        }
    }
    (loads, types)
}

fn prot_string(p: Prot) -> String {
    let mut s = String::new();
    if p.read {
        s.push('R');
    }
    if p.write {
        s.push('W');
    }
    if p.exec {
        s.push('E');
    }
    s
}

fn assert_matches_readelf(name: &str, data: &[u8], bias: u64) {
    let image = parse(data).unwrap_or_else(|e| panic!("{name}: refused: {e}"));
    let plan =
        parse_and_check(data, bias, name).unwrap_or_else(|| panic!("{name}: no plan at {bias:#x}"));
    let (loads, _) = readelf(name);
    let ours: Vec<ReadelfLoad> = plan
        .segments
        .iter()
        .map(|s| {
            (
                s.offset,
                s.vaddr - plan.bias,
                s.filesz,
                s.memsz,
                prot_string(s.prot),
            )
        })
        .collect();
    assert_eq!(ours, loads, "{name}: segments differ from readelf -lW");
    assert_eq!(plan.entry - plan.bias, image.entry(), "{name}: entry");
    let e_entry = u64::from_le_bytes(data[24..32].try_into().expect("8 bytes"));
    assert_eq!(image.entry(), e_entry, "{name}: e_entry");
    assert_eq!(plan.phent, 56, "{name}: AT_PHENT");
    assert_eq!(
        usize::from(plan.phnum),
        readelf(name).1.len(),
        "{name}: AT_PHNUM counts every program header"
    );
}

#[test]
fn static_musl_executable_plans_at_its_link_addresses() {
    let b = &binaries().c_static;
    assert_matches_readelf("c-static", b, 0);
    let image = parse(b).expect("accepted");
    assert_eq!(image.kind(), ElfKind::Exec, "ET_EXEC");
    assert!(image.interp().is_none(), "no interpreter");
    let plan = image.plan(0).expect("plan");
    assert_eq!(
        plan.phdr, 0x40_0040,
        "AT_PHDR: headers right after the ELF header in the first page"
    );
    assert!(image.tls().is_some(), "__thread variable gives PT_TLS");
}

#[test]
fn static_pie_musl_executable_plans_at_the_bias() {
    let b = &binaries().c_static_pie;
    assert_matches_readelf("c-static-pie", b, BIAS);
    let image = parse(b).expect("accepted");
    assert_eq!(image.kind(), ElfKind::Dyn, "ET_DYN");
    assert!(
        image.interp().is_none(),
        "a real static-pie has no PT_INTERP"
    );
    assert_eq!(
        image.plan(BIAS).expect("plan").phdr,
        BIAS + 0x40,
        "AT_PHDR biased"
    );
}

#[test]
fn rust_static_pie_plans_at_the_bias() {
    let b = &binaries().rust_static_pie;
    assert_matches_readelf("rust-static-pie", b, BIAS);
    let image = parse(b).expect("accepted");
    assert_eq!(
        image.kind(),
        ElfKind::Dyn,
        "Rust's musl target is static-pie"
    );
    assert!(image.interp().is_none(), "no interpreter");
    assert!(image.tls().is_some(), "std uses thread locals");
    assert!(
        image.stack_prot().is_some_and(|p| !p.exec),
        "PT_GNU_STACK asks for a non-executable stack"
    );
}

#[test]
fn dynamic_musl_executable_reports_its_interpreter() {
    let image =
        parse(&binaries().c_dynamic).expect("parses; the kernel decides what to do with PT_INTERP");
    assert_eq!(
        image.interp(),
        Some(&b"/lib/ld-musl-x86_64.so.1"[..]),
        "PT_INTERP path"
    );
}

fn all() -> [(&'static str, &'static [u8]); 4] {
    let b = binaries();
    [
        ("c-static", &b.c_static),
        ("c-static-pie", &b.c_static_pie),
        ("c-dynamic", &b.c_dynamic),
        ("rust-static-pie", &b.rust_static_pie),
    ]
}

/// End of the ELF header and program headers.
fn header_region(data: &[u8]) -> usize {
    let phoff = u64::from_le_bytes(data[32..40].try_into().expect("8 bytes")) as usize;
    let phnum = u16::from_le_bytes([data[56], data[57]]) as usize;
    phoff + phnum * 56
}

#[test]
fn every_truncation_is_refused_without_panic() {
    for (name, data) in all() {
        let image = parse(data).expect("whole file accepted");
        let file_end = image
            .segments()
            .iter()
            .map(|s| s.file_range().end)
            .max()
            .expect("segments");
        let mut lens: Vec<usize> = (0..=header_region(data) + 64).collect();
        lens.extend((0..file_end).step_by(997));
        lens.extend(file_end.saturating_sub(64)..file_end);
        for len in lens {
            let what = format!("{name} truncated to {len} bytes");
            assert!(
                parse_and_check(&data[..len], BIAS, &what).is_none(),
                "{what}: accepted although segments need {file_end} bytes"
            );
        }
    }
}

#[test]
fn every_corrupted_header_byte_is_refused_or_still_safe() {
    let mut accepted = 0;
    let mut refused = 0;
    for (name, data) in all() {
        for at in 0..header_region(data) {
            for value in [
                data[at] ^ 0xff,
                data[at] ^ 0x01,
                data[at] ^ 0x80,
                data[at] ^ 0x10,
                0x00,
                0xff,
                0x7f,
            ] {
                if value == data[at] {
                    continue;
                }
                let mut f = data.to_vec();
                f[at] = value;
                let what = format!("{name} with byte {at} = {value:#04x}");
                match parse_and_check(&f, BIAS, &what) {
                    Some(_) => accepted += 1,
                    None => refused += 1,
                }
            }
        }
    }
    assert!(refused > 1000, "only {refused} corruptions refused ({accepted} accepted): is the corruption reaching the parser?");
}

#[test]
fn corrupted_multibyte_fields_are_refused_or_still_safe() {
    // Whole 8-byte fields set to boundary values, which single-byte flips do not reach.
    let values = [
        0,
        1,
        0xfff,
        0x1000,
        0x7fff_ffff_ffff,
        0x8000_0000_0000,
        u64::MAX,
        u64::MAX - 0xfff,
        1 << 63,
    ];
    for (name, data) in all() {
        let region = header_region(data);
        let phoff = u64::from_le_bytes(data[32..40].try_into().expect("8 bytes")) as usize;
        let mut fields = vec![24, 32];
        for ph in (phoff..region).step_by(56) {
            fields.extend([ph + 8, ph + 16, ph + 32, ph + 40, ph + 48]);
        }
        for at in fields {
            for v in values {
                let mut f = data.to_vec();
                f[at..at + 8].copy_from_slice(&v.to_le_bytes());
                parse_and_check(&f, BIAS, &format!("{name} with u64 at {at} = {v:#x}"));
            }
        }
    }
}

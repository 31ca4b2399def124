//! rust-probe: what Rust std on `x86_64-unknown-linux-musl` (a static-pie binary) needs from
//! the kernel, checked in-guest on Keel and on Linux.
//!
//! Checks args, environment, `std::time` (`Instant`, `SystemTime`), a 64 MiB `Vec` written
//! and summed, `thread_local!`, `catch_unwind` of a panic, a file read from the initrd, and
//! `std::fs` with `std::env::set_current_dir` (`fs_checks.rs`).
//! Prints `PASS name` / `FAIL name: expected X got Y` per check and `N passed, N failed`.
//! Exits 0 only if everything passed; as PID 1 it powers off with `reboot(2)` instead of
//! exiting (Linux panics when PID 1 exits), unless `keel_pid1_exit=1` is in the environment.

mod fs_checks;

use std::cell::Cell;
use std::io::Write;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

const HELLO_PATH: &str = "/usr/share/keel-tests/hello.txt";
const HELLO_CONTENT: &str = "Hello from the Keel initrd.\n";

#[derive(Default)]
pub struct Report {
    passed: u32,
    failed: u32,
}

impl Report {
    pub fn check(&mut self, name: &str, ok: bool, expected: impl std::fmt::Display, got: impl std::fmt::Debug) {
        if ok {
            self.passed += 1;
            println!("PASS {name}");
        } else {
            self.failed += 1;
            println!("FAIL {name}: expected {expected} got {got:?}");
        }
    }
}

thread_local! {
    static COUNTER: Cell<u64> = const { Cell::new(7) };
}

fn main() {
    let mut r = Report::default();
    println!("rust-probe: pid {}", std::process::id());

    let args: Vec<String> = std::env::args().collect();
    println!("info: args {args:?}");
    r.check("rust.args-nonempty", !args.is_empty(), "at least argv[0]", args.len());
    r.check(
        "rust.args0-path",
        args.first().is_some_and(|a| a.ends_with("rust-probe")),
        "argv[0] ending in rust-probe",
        args.first(),
    );
    let vars: Vec<(String, String)> = std::env::vars().collect();
    println!("info: {} environment variables", vars.len());
    std::env::set_var("KEEL_PROBE_VAR", "set-by-probe");
    r.check(
        "rust.env-set-get",
        std::env::var("KEEL_PROBE_VAR").as_deref() == Ok("set-by-probe"),
        "set-by-probe",
        std::env::var("KEEL_PROBE_VAR"),
    );

    let t0 = Instant::now();
    std::thread::sleep(Duration::from_millis(20));
    let el = t0.elapsed();
    r.check("rust.instant-sleep-20ms", el >= Duration::from_millis(20), ">= 20ms", el);
    let now = SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_secs()).unwrap_or(0);
    r.check("rust.systemtime-after-2020", now > 1_577_836_800, "a time after 2020", now);

    let n = 64 << 20;
    let mut v: Vec<u8> = vec![0; n];
    for (i, b) in v.iter_mut().enumerate() {
        *b = (i % 251) as u8;
    }
    let sum: u64 = v.iter().map(|&b| b as u64).sum();
    let want: u64 = (0..n as u64).map(|i| i % 251).sum();
    r.check("rust.vec-64MiB-sum", sum == want, want, sum);
    drop(v);

    COUNTER.with(|c| c.set(c.get() + 35));
    let tl = COUNTER.with(|c| c.get());
    r.check("rust.thread-local", tl == 42, 42, tl);

    std::panic::set_hook(Box::new(|info| println!("info: caught panic: {info}")));
    let res = std::panic::catch_unwind(|| {
        if COUNTER.with(|c| c.get()) == 42 {
            panic!("deliberate panic");
        }
        1
    });
    let _ = std::panic::take_hook();
    r.check("rust.catch-unwind", res.is_err(), "Err from the panic", res.is_ok());

    let content = std::fs::read_to_string(HELLO_PATH);
    r.check(
        "rust.read-initrd-file",
        content.as_deref().ok() == Some(HELLO_CONTENT),
        format!("{HELLO_CONTENT:?}"),
        &content,
    );
    let missing = std::fs::metadata("/usr/share/keel-tests/no-such-file");
    r.check(
        "rust.missing-file-not-found",
        matches!(&missing, Err(e) if e.kind() == std::io::ErrorKind::NotFound),
        "NotFound",
        missing.map(|_| ()),
    );

    fs_checks::run(&mut r);

    println!("{} passed, {} failed", r.passed, r.failed);
    finish(r.failed == 0)
}

fn finish(ok: bool) -> ! {
    let status = if ok { 0 } else { 1 };
    let _ = std::io::stdout().flush();
    if std::process::id() == 1 && std::env::var("keel_pid1_exit").as_deref() != Ok("1") {
        println!("keel-test: PID 1 done (status {status}), powering off");
        let _ = std::io::stdout().flush();
        // SAFETY: sync and reboot take no pointers; as PID 1 powering off is the way to end.
        unsafe {
            libc::sync();
            libc::reboot(libc::RB_POWER_OFF);
        }
        println!("keel-test: reboot(POWER_OFF) returned: {}", std::io::Error::last_os_error());
    }
    std::process::exit(status)
}

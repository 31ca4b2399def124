//! Boot self-tests. Every boot runs them quietly and prints `selftest: N passed, N failed`
//! (`keel.noselftest` skips them); with `selftest` on the command line each test prints a line
//! and QEMU then exits with a status that says whether all passed.
//!
//! Every subsystem registers its tests in [`TESTS`]. A test returns `Err(reason)` to fail; a
//! test that faults or panics stops the kernel, which the harness also reports as a failure.
//!
//! `selftest=CASE` runs a deliberate failure instead, so the harness can prove it notices:
//! `fault` (a page fault three calls deep), `overflow` (a kernel stack overflow), `panic`,
//! `triple` (a triple fault) and `hang`.

mod cases;
mod core_tests;
mod mm_tests;
mod user_tests;

use alloc::string::String;

/// A self-test: a name and a function.
pub struct Test {
    pub name: &'static str,
    pub run: fn() -> Result<(), String>,
}

/// Every registered self-test, in order.
pub const TESTS: &[&[Test]] = &[
    core_tests::TESTS,
    mm_tests::TESTS,
    user_tests::TESTS,
    crate::net::selftest::TESTS,
];

/// Runs the deliberate-failure case `name`, if it names one.
pub fn run_case(name: &str) {
    cases::run(name);
}

/// Runs all tests and returns (passed, failed). `verbose` prints a line per test; otherwise
/// only failures and the summary are printed (the quick check of every boot).
pub fn run_all(verbose: bool) -> (usize, usize) {
    let (mut passed, mut failed) = (0, 0);
    for t in TESTS.iter().flat_map(|group| group.iter()) {
        let start = crate::time::monotonic_ns();
        let result = (t.run)();
        let ms = (crate::time::monotonic_ns() - start) / 1_000_000;
        match result {
            Ok(()) => {
                passed += 1;
                if verbose {
                    crate::println!("selftest {} ... ok ({ms} ms)", t.name);
                }
            }
            Err(why) => {
                failed += 1;
                crate::println!("selftest {} ... FAILED: {why}", t.name);
            }
        }
    }
    crate::println!("selftest: {passed} passed, {failed} failed");
    (passed, failed)
}

/// Fails a test with a formatted reason unless `cond` holds.
#[macro_export]
macro_rules! ensure {
    ($cond:expr, $($arg:tt)*) => {
        if !$cond {
            return Err(alloc::format!($($arg)*));
        }
    };
}

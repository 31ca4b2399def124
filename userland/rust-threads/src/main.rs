//! rust-threads: what Rust std's threads, synchronisation and processes need from the kernel
//! (clone with CLONE_SETTLS/CHILD_CLEARTID, futex, pipes, poll, fork/exec or posix_spawn,
//! wait4), checked in-guest on Keel and on Linux.
//!
//! Threads: spawn/join with values, scoped threads, a Mutex counter under contention, a
//! Condvar (handoff and wait_timeout), RwLock, Barrier, mpsc channels (unbounded with several
//! senders, and a rendezvous sync_channel), park/unpark, sleep, distinct tids. Processes
//! (std::process::Command, running this program in a child mode or the C helper
//! /usr/lib/keel-tests/proctests --helper): exit status, stdout and stderr through pipes,
//! stdin piped, environment and arguments, current_dir, a child killed by a signal, kill(),
//! try_wait, a missing program.
//! Prints `PASS name` / `FAIL name: expected X got Y` per check and `N passed, N failed`.
//! As PID 1 it powers off with `reboot(2)` unless `keel_pid1_exit=1` (like rust-probe).
//!
//! Child modes (`rust-threads --child MODE ...`): `exit N`, `echo TEXT` (stdout), `stderr
//! TEXT`, `upper` (stdin to stdout in upper case, exit status = byte count), `env` (exit 0 if
//! KEEL_RT_VAR=yes and the arguments are "a" and "b c"), `cwd` (print the working directory),
//! `raise SIG`, `sleep MS`.

mod procs;
mod threads;

use std::io::{Read, Write};
use std::thread;
use std::time::Duration;

const SELF_PATH: &str = "/usr/lib/keel-tests/rust-threads";

#[derive(Default)]
pub struct Report {
    passed: u32,
    failed: u32,
}

impl Report {
    pub fn check(
        &mut self,
        name: &str,
        ok: bool,
        expected: impl std::fmt::Display,
        got: impl std::fmt::Debug,
    ) {
        if ok {
            self.passed += 1;
            println!("PASS {name}");
        } else {
            self.failed += 1;
            println!("FAIL {name}: expected {expected} got {got:?}");
        }
    }
}

fn child_main(args: &[String]) -> ! {
    let arg = |i: usize| args.get(i).map(String::as_str).unwrap_or("");
    let code = match arg(0) {
        "exit" => arg(1).parse().unwrap_or(100),
        "echo" => {
            println!("{}", arg(1));
            0
        }
        "stderr" => {
            eprintln!("{}", arg(1));
            0
        }
        "upper" => {
            let mut s = String::new();
            let _ = std::io::stdin().read_to_string(&mut s);
            print!("{}", s.to_uppercase());
            (s.len() % 256) as i32
        }
        "env" => {
            let ok = std::env::var("KEEL_RT_VAR").as_deref() == Ok("yes")
                && arg(1) == "a"
                && arg(2) == "b c";
            if ok {
                0
            } else {
                1
            }
        }
        "cwd" => {
            println!(
                "{}",
                std::env::current_dir()
                    .map(|p| p.display().to_string())
                    .unwrap_or_default()
            );
            0
        }
        "raise" => {
            let sig: i32 = arg(1).parse().unwrap_or(libc::SIGTERM);
            // SAFETY: restoring the default action and raising a signal in this process.
            unsafe {
                libc::signal(sig, libc::SIG_DFL);
                libc::raise(sig);
            }
            99
        }
        "sleep" => {
            thread::sleep(Duration::from_millis(arg(1).parse().unwrap_or(0)));
            0
        }
        _ => 100,
    };
    let _ = std::io::stdout().flush();
    std::process::exit(code)
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if args.get(1).map(String::as_str) == Some("--child") {
        child_main(&args[2..]);
    }
    let me = match args.first() {
        Some(a) if a.starts_with('/') => a.clone(),
        _ => SELF_PATH.to_string(),
    };
    let mut r = Report::default();
    println!("rust-threads: pid {}", std::process::id());
    // A section that panics (thread::spawn panics when clone fails) is one FAIL, and the
    // others still run: the summary line is always printed.
    std::panic::set_hook(Box::new(|info| println!("info: panic: {info}")));
    let sections: [(&str, &dyn Fn(&mut Report)); 7] = [
        ("spawn-join", &threads::spawn_join),
        ("mutex-condvar", &threads::mutex_condvar),
        ("barrier-channels", &threads::barrier_channels),
        ("park-sleep-ids", &threads::park_sleep_ids),
        ("processes", &|r| procs::processes(r, &me)),
        ("processes-more", &|r| procs::processes_more(r, &me)),
        ("processes-concurrent", &|r| {
            procs::processes_concurrent(r, &me)
        }),
    ];
    for (name, f) in sections {
        let res = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| f(&mut r)));
        if res.is_err() {
            r.check(
                &format!("rust-threads.{name}-no-panic"),
                false,
                "no panic",
                "a panic",
            );
        }
    }
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
        println!(
            "keel-test: reboot(POWER_OFF) returned: {}",
            std::io::Error::last_os_error()
        );
    }
    std::process::exit(status)
}

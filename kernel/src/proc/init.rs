//! PID 1: choosing, starting and outliving the first program.
//!
//! `rdinit=` (Linux's name for an initramfs's init) or `init=` names it; otherwise `/init`,
//! `/sbin/init`, `/etc/init`, `/bin/init` and `/bin/sh` are tried, as Linux does. Its argv is the
//! path plus the command line's plain words that the kernel does not use, and its environment
//! `HOME=/`, `TERM=linux` plus the unused `key=value` words, Linux's rules for passing boot
//! arguments on; `keel.*` words are the kernel's own and not passed on.
//!
//! When PID 1 exits the kernel says so with its status and powers off (in test mode QEMU exits
//! with success only if that status is 0).

use alloc::sync::Arc;
use alloc::vec;
use alloc::vec::Vec;
use core::sync::atomic::Ordering;

use keel_vfs::consts::O_RDWR;

use super::{exec, new_init_process, UserCtx};
use crate::boot::cmdline::Cmdline;

/// Arguments the kernel consumes itself.
const KERNEL_PARAMS: &[&str] = &[
    "loglevel",
    "selftest",
    "init",
    "rdinit",
    "console",
    "quiet",
    "panic",
    "earlyprintk",
    "noapic",
];

fn is_kernel_param(key: &str) -> bool {
    KERNEL_PARAMS.contains(&key) || key.starts_with("keel.") || key.contains('.')
}

/// Starts PID 1 in its own thread. Returns false if there is nothing to run.
pub fn start(cmd: Cmdline<'static>) -> bool {
    let explicit = cmd.get("rdinit").or(cmd.get("init"));
    let candidates: Vec<&str> = match explicit {
        Some(p) => vec![p],
        None => vec!["/init", "/sbin/init", "/etc/init", "/bin/init", "/bin/sh"],
    };
    let mut extra_argv: Vec<Vec<u8>> = Vec::new();
    let mut envp: Vec<Vec<u8>> = vec![b"HOME=/".to_vec(), b"TERM=linux".to_vec()];
    let mut after_dashes = false;
    for (k, v) in cmd.words() {
        // Everything after "--" goes to init's argv untouched, as on Linux.
        if after_dashes {
            extra_argv.push(match v {
                Some(v) => alloc::format!("{k}={v}").into_bytes(),
                None => k.as_bytes().to_vec(),
            });
            continue;
        }
        if k == "--" && v.is_none() {
            after_dashes = true;
            continue;
        }
        if is_kernel_param(k) {
            continue;
        }
        match v {
            Some(v) => envp.push(alloc::format!("{k}={v}").into_bytes()),
            None => extra_argv.push(k.as_bytes().to_vec()),
        }
    }
    let Some(p) = new_init_process() else {
        crate::println!("keel: no memory for init");
        return false;
    };
    // fds 0, 1, 2: the console.
    let console = {
        let root = keel_vfs::Cred::root();
        let vfs = crate::fs::vfs();
        vfs.open(&vfs.ctx(&root), b"/dev/console", O_RDWR, 0, 0)
    };
    match console {
        Ok(f) => {
            for _ in 0..3 {
                let _ = p.fds().alloc(f.clone(), false);
            }
        }
        Err(e) => crate::println!(
            "keel: warning: unable to open an initial console ({})",
            e.name()
        ),
    }
    let Some(ctx) = UserCtx::new(p.clone()) else {
        return false;
    };
    let proc2 = p.clone();
    let thread = crate::sched::Thread::new_user("init", ctx, Some(p.pid), move || {
        run_init(proc2, candidates, extra_argv, envp)
    });
    match thread {
        Some(t) => {
            p.live_threads.fetch_add(1, Ordering::AcqRel);
            p.threads.lock().push(t.clone());
            crate::sched::spawn_thread(t);
            true
        }
        None => false,
    }
}

fn run_init(
    p: Arc<super::Process>,
    candidates: Vec<&'static str>,
    extra_argv: Vec<Vec<u8>>,
    envp: Vec<Vec<u8>>,
) -> crate::arch::x86_64::trap::TrapFrame {
    let me = crate::sched::current();
    for path in &candidates {
        let mut argv = vec![path.as_bytes().to_vec()];
        argv.extend(extra_argv.iter().cloned());
        match exec::load(&p, path.as_bytes(), argv, envp.clone()) {
            Ok(loaded) => {
                log::info!("starting {path} as PID 1");
                let mut frame = Default::default();
                exec::install(&me, loaded, &mut frame);
                return frame;
            }
            Err(e) if candidates.len() == 1 => {
                crate::println!("keel: cannot run init {path}: {}", e.name());
            }
            Err(_) => {}
        }
    }
    crate::println!(
        "keel: no working init found (tried {}); pass init=PATH on the kernel command line",
        candidates.join(", ")
    );
    drop(me);
    super::exit_thread(127 << 8);
}

/// PID 1 is gone: report and stop.
pub fn init_exited(status: i32) {
    let (what, code) = if status & 0x7f == 0 {
        ("exited with status", (status >> 8) & 0xff)
    } else {
        ("was killed by signal", status & 0x7f)
    };
    crate::println!("keel: init (pid 1) {what} {code}; powering off");
    if crate::debug::test_mode() {
        crate::debug::stop(status == 0);
    }
    crate::arch::x86_64::exit::power_off();
}

//! Processes through std::process::Command: this program's child modes and the C helper.

use std::io::Write;
use std::os::unix::process::ExitStatusExt;
use std::process::{Command, Stdio};
use std::thread;

use crate::Report;

const C_HELPER: &str = "/usr/lib/keel-tests/proctests";

pub fn processes(r: &mut Report, me: &str) {
    let st = Command::new(me).args(["--child", "exit", "7"]).status();
    r.check(
        "rust-threads.command-exit-status",
        matches!(&st, Ok(s) if s.code() == Some(7)),
        "exit 7",
        &st,
    );

    let out = Command::new(me)
        .args(["--child", "echo", "hello from the child"])
        .output();
    r.check(
        "rust-threads.command-stdout-pipe",
        matches!(&out, Ok(o) if o.status.success() && o.stdout == b"hello from the child\n"),
        "\"hello from the child\\n\" and exit 0",
        out.as_ref()
            .map(|o| (o.status, String::from_utf8_lossy(&o.stdout).into_owned())),
    );
    let out = Command::new(me)
        .args(["--child", "stderr", "to stderr"])
        .output();
    r.check(
        "rust-threads.command-stderr-pipe",
        matches!(&out, Ok(o) if o.stderr == b"to stderr\n" && o.stdout.is_empty()),
        "\"to stderr\\n\" on stderr only",
        out.as_ref()
            .map(|o| String::from_utf8_lossy(&o.stderr).into_owned()),
    );

    let child = Command::new(me)
        .args(["--child", "upper"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn();
    let res = child.and_then(|mut c| {
        if let Some(mut stdin) = c.stdin.take() {
            stdin.write_all(b"keel rust pipes")?;
        }
        c.wait_with_output()
    });
    r.check(
        "rust-threads.command-stdin-piped",
        matches!(&res, Ok(o) if o.stdout == b"KEEL RUST PIPES" && o.status.code() == Some(15)),
        "\"KEEL RUST PIPES\" and exit 15",
        res.as_ref()
            .map(|o| (o.status, String::from_utf8_lossy(&o.stdout).into_owned())),
    );

    let st = Command::new(me)
        .args(["--child", "env", "a", "b c"])
        .env("KEEL_RT_VAR", "yes")
        .status();
    r.check(
        "rust-threads.command-env-and-args",
        matches!(&st, Ok(s) if s.success()),
        "exit 0",
        &st,
    );

    let out = Command::new(me)
        .args(["--child", "cwd"])
        .current_dir("/usr/share/keel-tests")
        .output();
    r.check(
        "rust-threads.command-current-dir",
        matches!(&out, Ok(o) if o.stdout == b"/usr/share/keel-tests\n"),
        "/usr/share/keel-tests",
        out.as_ref()
            .map(|o| String::from_utf8_lossy(&o.stdout).into_owned()),
    );
}

pub fn processes_more(r: &mut Report, me: &str) {
    let st = Command::new(me).args(["--child", "raise", "15"]).status();
    r.check(
        "rust-threads.command-killed-by-signal",
        matches!(&st, Ok(s) if s.signal() == Some(15) && s.code().is_none()),
        "signal 15, no exit code",
        &st,
    );

    let st = Command::new(C_HELPER)
        .args(["--helper", "exit", "3"])
        .status();
    r.check(
        "rust-threads.command-c-helper-exit-status",
        matches!(&st, Ok(s) if s.code() == Some(3)),
        "exit 3",
        &st,
    );

    let missing = Command::new("/no/such/program").status();
    r.check(
        "rust-threads.command-missing-program-not-found",
        matches!(&missing, Err(e) if e.kind() == std::io::ErrorKind::NotFound),
        "NotFound",
        missing.map(|_| ()),
    );

    match Command::new(me).args(["--child", "sleep", "20000"]).spawn() {
        Ok(mut c) => {
            let running = c.try_wait();
            r.check(
                "rust-threads.try-wait-running",
                matches!(running, Ok(None)),
                "Ok(None)",
                &running,
            );
            let k = c.kill();
            let st = c.wait();
            r.check(
                "rust-threads.child-kill",
                k.is_ok() && matches!(&st, Ok(s) if s.signal() == Some(libc::SIGKILL)),
                "killed by SIGKILL",
                (&k, &st),
            );
        }
        Err(e) => r.check("rust-threads.spawn-sleeper", false, "a child", e),
    }
}

pub fn processes_concurrent(r: &mut Report, me: &str) {
    // Several children at once, each with its own pipes, reaped in any order.
    let kids: Vec<_> = (0..4)
        .map(|i| {
            Command::new(me)
                .args(["--child", "echo", &format!("kid {i}")])
                .stdout(Stdio::piped())
                .spawn()
        })
        .collect();
    let mut ok = 0;
    for (i, k) in kids.into_iter().enumerate() {
        if let Ok(o) = k.and_then(|c| c.wait_with_output()) {
            ok += (o.status.success() && o.stdout == format!("kid {i}\n").as_bytes()) as u32;
        }
    }
    r.check("rust-threads.four-children-concurrently", ok == 4, 4, ok);

    // Spawning from threads.
    let me2 = me.to_string();
    let hs: Vec<_> = (0..3)
        .map(|i| {
            let me = me2.clone();
            thread::spawn(move || {
                Command::new(&me)
                    .args(["--child", "exit", &i.to_string()])
                    .status()
                    .ok()
                    .and_then(|s| s.code())
            })
        })
        .collect();
    let codes: Vec<Option<i32>> = hs.into_iter().map(|h| h.join().unwrap_or(None)).collect();
    r.check(
        "rust-threads.spawn-from-threads",
        codes == [Some(0), Some(1), Some(2)],
        "[0, 1, 2]",
        &codes,
    );
}

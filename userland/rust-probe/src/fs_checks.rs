//! `std::fs` and `std::env::set_current_dir` on the kernel's file calls: directories made and
//! removed recursively, files written, appended, copied, renamed, hard- and soft-linked,
//! permissions, metadata, directory listings and the error kinds of the usual mistakes. Works
//! in `/tmp/rust-probe`, which it makes and removes.

use std::fs::{self, OpenOptions};
use std::io::{ErrorKind, Read, Write};
use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::path::Path;

use crate::Report;

const BASE: &str = "/tmp/rust-probe";

fn kind<T>(r: &std::io::Result<T>) -> Option<ErrorKind> {
    r.as_ref().err().map(|e| e.kind())
}

pub fn run(r: &mut Report) {
    let _ = fs::remove_dir_all(BASE);
    let deep = format!("{BASE}/a/b/c");
    let made = fs::create_dir_all(&deep);
    r.check("rust.fs-create-dir-all", made.is_ok(), "Ok", &made);
    r.check(
        "rust.fs-create-dir-all-is-dir",
        Path::new(&deep).is_dir(),
        "a directory",
        (),
    );
    let again = fs::create_dir_all(&deep);
    r.check(
        "rust.fs-create-dir-all-again",
        again.is_ok(),
        "Ok (already there)",
        &again,
    );
    let dup = fs::create_dir(&deep);
    r.check(
        "rust.fs-create-dir-exists",
        kind(&dup) == Some(ErrorKind::AlreadyExists),
        "AlreadyExists",
        kind(&dup),
    );

    let file = format!("{BASE}/a/file.txt");
    let w = fs::write(&file, "hello std::fs");
    r.check("rust.fs-write", w.is_ok(), "Ok", &w);
    let text = fs::read_to_string(&file);
    r.check(
        "rust.fs-read-back",
        text.as_deref().ok() == Some("hello std::fs"),
        "\"hello std::fs\"",
        &text,
    );
    let appended = OpenOptions::new()
        .append(true)
        .open(&file)
        .and_then(|mut f| f.write_all(b", appended"));
    r.check("rust.fs-open-append", appended.is_ok(), "Ok", &appended);
    let text = fs::read_to_string(&file).unwrap_or_default();
    r.check(
        "rust.fs-append",
        text == "hello std::fs, appended",
        "appended text",
        &text,
    );
    match fs::metadata(&file) {
        Ok(m) => {
            r.check(
                "rust.fs-metadata-is-file",
                m.is_file(),
                "a file",
                m.file_type(),
            );
            r.check("rust.fs-metadata-len", m.len() == 23, 23, m.len());
            let mode = m.permissions().mode() & 0o7777;
            r.check("rust.fs-metadata-mode-0644", mode == 0o644, "0o644", mode);
            r.check("rust.fs-metadata-nlink", m.nlink() == 1, 1, m.nlink());
            let modified = m.modified().is_ok();
            r.check(
                "rust.fs-metadata-modified",
                modified,
                "a modification time",
                modified,
            );
        }
        Err(e) => r.check("rust.fs-metadata", false, "Ok", e),
    }
    let new = OpenOptions::new().write(true).create_new(true).open(&file);
    r.check(
        "rust.fs-create-new-exists",
        kind(&new) == Some(ErrorKind::AlreadyExists),
        "AlreadyExists",
        kind(&new),
    );
    let on_dir = fs::File::create(format!("{BASE}/a"));
    r.check(
        "rust.fs-create-on-dir",
        kind(&on_dir) == Some(ErrorKind::IsADirectory),
        "IsADirectory",
        kind(&on_dir),
    );

    let renamed = format!("{BASE}/a/renamed.txt");
    let mv = fs::rename(&file, &renamed);
    r.check("rust.fs-rename", mv.is_ok(), "Ok", &mv);
    r.check(
        "rust.fs-rename-old-gone",
        !Path::new(&file).exists(),
        "no old name",
        (),
    );
    let link = format!("{BASE}/a/link");
    let sl = std::os::unix::fs::symlink("renamed.txt", &link);
    r.check("rust.fs-symlink", sl.is_ok(), "Ok", &sl);
    let target = fs::read_link(&link);
    r.check(
        "rust.fs-read-link",
        target.as_ref().ok().map(|p| p.as_os_str() == "renamed.txt") == Some(true),
        "renamed.txt",
        &target,
    );
    let lm = fs::symlink_metadata(&link).map(|m| m.file_type().is_symlink());
    r.check(
        "rust.fs-symlink-metadata",
        lm.as_ref().ok() == Some(&true),
        "a symlink",
        &lm,
    );
    let through = fs::read_to_string(&link).unwrap_or_default();
    r.check(
        "rust.fs-read-through-symlink",
        through == text,
        "the file's text",
        &through,
    );
    let hard = format!("{BASE}/a/b/hard");
    let hl = fs::hard_link(&renamed, &hard);
    r.check("rust.fs-hard-link", hl.is_ok(), "Ok", &hl);
    let nlink = fs::metadata(&renamed).map(|m| m.nlink()).unwrap_or(0);
    r.check("rust.fs-hard-link-nlink", nlink == 2, 2, nlink);
    let perm = fs::set_permissions(&renamed, fs::Permissions::from_mode(0o600));
    let mode = fs::metadata(&hard)
        .map(|m| m.permissions().mode() & 0o7777)
        .unwrap_or(0);
    r.check(
        "rust.fs-set-permissions",
        perm.is_ok() && mode == 0o600,
        "0o600",
        mode,
    );
    let copy = fs::copy(&renamed, format!("{BASE}/a/b/c/copy"));
    r.check("rust.fs-copy", copy.as_ref().ok() == Some(&23), 23, &copy);
    let canon = fs::canonicalize(format!("{BASE}/a/b/../link"));
    r.check(
        "rust.fs-canonicalize",
        canon
            .as_ref()
            .ok()
            .map(|p| p.as_os_str() == renamed.as_str())
            == Some(true),
        &renamed,
        &canon,
    );

    let mut names: Vec<String> = fs::read_dir(format!("{BASE}/a"))
        .map(|d| {
            d.filter_map(|e| e.ok())
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .collect()
        })
        .unwrap_or_default();
    names.sort();
    r.check(
        "rust.fs-read-dir",
        names == ["b", "link", "renamed.txt"],
        "[b, link, renamed.txt]",
        &names,
    );
    let not_dir = fs::read_dir(&renamed).map(|_| ());
    r.check(
        "rust.fs-read-dir-on-file",
        kind(&not_dir) == Some(ErrorKind::NotADirectory),
        "NotADirectory",
        kind(&not_dir),
    );
    let full = fs::remove_dir(format!("{BASE}/a"));
    r.check(
        "rust.fs-remove-dir-not-empty",
        kind(&full) == Some(ErrorKind::DirectoryNotEmpty),
        "DirectoryNotEmpty",
        kind(&full),
    );

    let cd = std::env::set_current_dir(format!("{BASE}/a/b"));
    r.check("rust.env-set-current-dir", cd.is_ok(), "Ok", &cd);
    let cwd = std::env::current_dir();
    r.check(
        "rust.env-current-dir",
        cwd.as_ref()
            .ok()
            .map(|p| p.as_os_str() == format!("{BASE}/a/b").as_str())
            == Some(true),
        format!("{BASE}/a/b"),
        &cwd,
    );
    let mut s = String::new();
    let rel = fs::File::open("../renamed.txt").and_then(|mut f| f.read_to_string(&mut s));
    r.check(
        "rust.fs-relative-after-chdir",
        rel.is_ok() && s == text,
        "the file's text",
        &rel,
    );
    let bad_cd = std::env::set_current_dir(&renamed);
    r.check(
        "rust.env-set-current-dir-file",
        kind(&bad_cd) == Some(ErrorKind::NotADirectory),
        "NotADirectory",
        kind(&bad_cd),
    );
    let _ = std::env::set_current_dir("/");

    let rm = fs::remove_dir_all(BASE);
    r.check("rust.fs-remove-dir-all", rm.is_ok(), "Ok", &rm);
    r.check(
        "rust.fs-remove-dir-all-gone",
        !Path::new(BASE).exists(),
        "gone",
        (),
    );
    let rm_file = fs::remove_file(&renamed);
    r.check(
        "rust.fs-remove-missing",
        kind(&rm_file) == Some(ErrorKind::NotFound),
        "NotFound",
        kind(&rm_file),
    );
}

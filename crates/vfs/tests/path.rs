//! The path walk: `.`/`..`, slashes, symlinks, and Linux's errors.
mod common;

use common::*;
use keel_abi::Errno;
use keel_vfs::*;

fn tree() -> Vfs {
    let v = vfs();
    file(&v, "/a/b/file", b"x");
    dir(&v, "/a/c");
    v
}

#[test]
fn absolute_and_relative_paths_reach_the_same_inode() {
    let v = tree();
    let a = look(&v, "/a").unwrap();
    let c = root();
    let ctx = LookupCtx {
        root: v.root(),
        cwd: &a,
        cred: &c,
    };
    let rel = lookup(&ctx, b"b/file", true).expect("relative lookup from /a");
    assert!(
        same(&rel, &look(&v, "/a/b/file").unwrap()),
        "b/file from /a is /a/b/file"
    );
}

#[test]
fn repeated_slashes_collapse() {
    let v = tree();
    let i = look(&v, "//a///b//file").expect("repeated slashes are one separator");
    assert!(same(&i, &look(&v, "/a/b/file").unwrap()));
    assert!(same(&look(&v, "///").unwrap(), v.root()), "/// is the root");
}

#[test]
fn dot_stays_and_dotdot_goes_up() {
    let v = tree();
    let i = look(&v, "/a/./b/../c/.").expect("./.. walk");
    assert!(
        same(&i, &look(&v, "/a/c").unwrap()),
        "/a/./b/../c/. is /a/c"
    );
}

#[test]
fn dotdot_of_root_is_root() {
    let v = tree();
    assert!(same(&look(&v, "/../..").unwrap(), v.root()), "/.. is /");
    assert!(same(&look(&v, "/../a/..").unwrap(), v.root()));
}

#[test]
fn dotdot_stops_at_the_process_root() {
    let v = tree();
    let a = look(&v, "/a").unwrap();
    let c = root();
    let ctx = LookupCtx {
        root: &a,
        cwd: &a,
        cred: &c,
    };
    let i = lookup(&ctx, b"../../b", true).expect("chrooted .. stays at /a");
    assert!(
        same(&i, &look(&v, "/a/b").unwrap()),
        "../../b inside chroot /a is /a/b"
    );
    let abs = lookup(&ctx, b"/c", true).expect("absolute path starts at process root");
    assert!(same(&abs, &look(&v, "/a/c").unwrap()));
}

#[test]
fn trailing_slash_requires_a_directory() {
    let v = tree();
    assert_eq!(
        look(&v, "/a/b/file/").err(),
        Some(Errno::ENOTDIR),
        "file/ is ENOTDIR"
    );
    assert!(look(&v, "/a/b/").is_ok(), "dir/ is fine");
}

#[test]
fn file_in_the_middle_is_enotdir() {
    let v = tree();
    assert_eq!(look(&v, "/a/b/file/x").err(), Some(Errno::ENOTDIR));
    assert_eq!(
        look(&v, "/a/b/file/.").err(),
        Some(Errno::ENOTDIR),
        "file/. is ENOTDIR"
    );
}

#[test]
fn missing_component_is_enoent() {
    let v = tree();
    assert_eq!(
        look(&v, "/a/nope/file").err(),
        Some(Errno::ENOENT),
        "missing middle"
    );
    assert_eq!(
        look(&v, "/a/nope").err(),
        Some(Errno::ENOENT),
        "missing final"
    );
}

#[test]
fn empty_path_is_enoent() {
    let v = tree();
    assert_eq!(
        look(&v, "").err(),
        Some(Errno::ENOENT),
        "callers handle AT_EMPTY_PATH"
    );
}

#[test]
fn component_longer_than_255_bytes_is_enametoolong() {
    let v = tree();
    let long = "x".repeat(256);
    assert_eq!(
        look(&v, &format!("/a/{long}")).err(),
        Some(Errno::ENAMETOOLONG)
    );
    assert_eq!(
        look(&v, &format!("/a/{}", "x".repeat(255))).err(),
        Some(Errno::ENOENT),
        "255 is allowed"
    );
}

#[test]
fn path_of_4096_bytes_is_enametoolong() {
    let v = tree();
    let p4095 = format!("/{}", "/".repeat(4094));
    assert!(look(&v, &p4095).is_ok(), "4095 bytes plus NUL fit PATH_MAX");
    let p4096 = format!("/{}", "/".repeat(4095));
    assert_eq!(look(&v, &p4096).err(), Some(Errno::ENAMETOOLONG));
}

#[test]
fn symlinks_are_followed_in_the_middle_and_at_the_end() {
    let v = tree();
    symlink(&v, "/l", "a/b");
    symlink(&v, "/f", "/a/b/file");
    assert!(
        same(
            &look(&v, "/l/file").unwrap(),
            &look(&v, "/a/b/file").unwrap()
        ),
        "relative symlink in the middle"
    );
    assert!(
        same(&look(&v, "/f").unwrap(), &look(&v, "/a/b/file").unwrap()),
        "absolute final symlink"
    );
}

#[test]
fn nofollow_returns_the_symlink_itself() {
    let v = tree();
    symlink(&v, "/f", "/a/b/file");
    let l = lookn(&v, "/f").unwrap();
    assert_eq!(l.file_type(), FileType::Symlink, "lstat sees the link");
    assert_eq!(l.read_link().unwrap(), b"/a/b/file");
}

#[test]
fn trailing_slash_follows_a_final_symlink_even_without_follow() {
    let v = tree();
    symlink(&v, "/l", "/a/b");
    assert!(
        same(&lookn(&v, "/l/").unwrap(), &look(&v, "/a/b").unwrap()),
        "l/ is the directory"
    );
}

#[test]
fn symlink_cycle_is_eloop() {
    let v = tree();
    symlink(&v, "/x", "y");
    symlink(&v, "/y", "x");
    assert_eq!(look(&v, "/x").err(), Some(Errno::ELOOP));
    assert_eq!(
        look(&v, "/x/z").err(),
        Some(Errno::ELOOP),
        "cycle in the middle"
    );
    assert_eq!(
        lookn(&v, "/x").map(|i| i.file_type()),
        Ok(FileType::Symlink),
        "nofollow does not loop"
    );
}

#[test]
fn forty_symlinks_resolve_and_forty_one_are_eloop() {
    let v = tree();
    for i in 0..41 {
        symlink(&v, &format!("/s{i}"), &format!("s{}", i + 1));
    }
    file(&v, "/s41", b"end");
    assert!(look(&v, "/s1").is_ok(), "a chain of 40 links resolves");
    assert_eq!(
        look(&v, "/s0").err(),
        Some(Errno::ELOOP),
        "41 links exceed MAXSYMLINKS"
    );
}

#[test]
fn dotdot_after_a_symlinked_dir_is_physical() {
    let v = tree();
    symlink(&v, "/a/c/tob", "/a/b");
    dir(&v, "/a/b/sub");
    // /a/c/tob/.. is the parent of /a/b, i.e. /a, not /a/c.
    assert!(
        same(&look(&v, "/a/c/tob/..").unwrap(), &look(&v, "/a").unwrap()),
        "`..` after a symlink is the target's parent"
    );
    assert!(look(&v, "/a/c/tob/../c").is_ok());
}

#[test]
fn absolute_symlink_restarts_at_the_process_root() {
    let v = tree();
    let a = look(&v, "/a").unwrap();
    symlink(&v, "/a/abs", "/c");
    let c = root();
    let ctx = LookupCtx {
        root: &a,
        cwd: &a,
        cred: &c,
    };
    assert!(
        same(
            &lookup(&ctx, b"abs", true).unwrap(),
            &look(&v, "/a/c").unwrap()
        ),
        "/c inside chroot /a"
    );
}

#[test]
fn dangling_symlink_is_enoent_when_followed() {
    let v = tree();
    symlink(&v, "/d", "/nowhere");
    assert_eq!(look(&v, "/d").err(), Some(Errno::ENOENT));
    assert!(lookn(&v, "/d").is_ok());
}

#[test]
fn search_permission_is_checked_on_every_directory() {
    let v = tree();
    v.install(
        b"/locked",
        0o700,
        0,
        0,
        Timespec::new(0, 0),
        InstallContent::Dir,
    )
    .unwrap();
    file(&v, "/locked/f", b"");
    let u = user();
    let ctx = v.ctx(&u);
    assert_eq!(
        lookup(&ctx, b"/locked/f", true).err(),
        Some(Errno::EACCES),
        "no x on /locked"
    );
    assert!(
        lookup(&ctx, b"/locked", true).is_ok(),
        "the dir itself can be named"
    );
    let r = root();
    assert!(
        lookup(&v.ctx(&r), b"/locked/f", true).is_ok(),
        "root bypasses search permission"
    );
}

#[test]
fn lookup_parent_gives_the_directory_and_a_missing_name() {
    let v = tree();
    let c = root();
    let r = lookup_parent(&v.ctx(&c), b"/a/b/new").unwrap();
    assert!(same(&r.parent, &look(&v, "/a/b").unwrap()));
    assert_eq!(r.name, b"new");
    assert!(r.inode.is_none(), "missing final component is not an error");
    let r = lookup_parent(&v.ctx(&c), b"/a/b/..").unwrap();
    assert_eq!(r.name, b"..", "the caller sees `..` as the name");
    assert_eq!(
        lookup_parent(&v.ctx(&c), b"/nope/new").err(),
        Some(Errno::ENOENT),
        "missing parent"
    );
}

#[test]
fn lookup_in_a_removed_directory_is_enoent() {
    let v = tree();
    let c = root();
    let d = look(&v, "/a/c").unwrap();
    v.rmdir(&v.ctx(&c), b"/a/c").unwrap();
    let ctx = LookupCtx {
        root: v.root(),
        cwd: &d,
        cred: &c,
    };
    assert_eq!(lookup(&ctx, b"x", true).err(), Some(Errno::ENOENT));
    assert_eq!(
        v.mkdir(&ctx, b"x", 0o755, 0).err(),
        Some(Errno::ENOENT),
        "nothing is created in a dead dir"
    );
}

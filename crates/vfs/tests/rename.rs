//! `rename(2)` with Linux's rules.
mod common;

use common::*;
use keel_abi::Errno;
use keel_vfs::consts::*;
use keel_vfs::*;

fn mv(v: &Vfs, from: &str, to: &str) -> Result<(), Errno> {
    let c = root();
    v.rename(&v.ctx(&c), from.as_bytes(), &v.ctx(&c), to.as_bytes(), 0)
}

#[test]
fn rename_moves_a_file_within_a_directory() {
    let v = vfs();
    let f = file(&v, "/a", b"x");
    mv(&v, "/a", "/b").unwrap();
    assert_eq!(look(&v, "/a").err(), Some(Errno::ENOENT), "old name gone");
    assert!(
        same(&look(&v, "/b").unwrap(), &f),
        "new name is the same inode"
    );
}

#[test]
fn rename_of_a_dir_across_parents_fixes_dotdot_and_link_counts() {
    let v = vfs();
    dir(&v, "/p1/d/inner");
    dir(&v, "/p2");
    let (p1, p2) = (look(&v, "/p1").unwrap(), look(&v, "/p2").unwrap());
    assert_eq!((p1.metadata().nlink, p2.metadata().nlink), (3, 2));
    mv(&v, "/p1/d", "/p2/d").unwrap();
    assert_eq!(
        (p1.metadata().nlink, p2.metadata().nlink),
        (2, 3),
        "the subdir's link moved"
    );
    assert!(
        same(&look(&v, "/p2/d/inner/../..").unwrap(), &p2),
        "`..` of the moved dir is the new parent"
    );
}

#[test]
fn rename_over_a_file_replaces_it() {
    let v = vfs();
    let a = file(&v, "/a", b"new");
    let b = file(&v, "/b", b"old");
    mv(&v, "/a", "/b").unwrap();
    assert!(same(&look(&v, "/b").unwrap(), &a));
    assert_eq!(b.metadata().nlink, 0, "the replaced file lost its name");
}

#[test]
fn rename_dir_over_dir_needs_it_empty() {
    let v = vfs();
    dir(&v, "/a");
    file(&v, "/full/f", b"");
    dir(&v, "/empty");
    assert_eq!(mv(&v, "/a", "/full").err(), Some(Errno::ENOTEMPTY));
    let root_links = v.root().metadata().nlink;
    mv(&v, "/a", "/empty").unwrap();
    assert_eq!(
        v.root().metadata().nlink,
        root_links - 1,
        "replacing a dir removes one subdir link"
    );
}

#[test]
fn rename_between_file_and_dir_is_refused() {
    let v = vfs();
    dir(&v, "/d");
    file(&v, "/f", b"");
    assert_eq!(
        mv(&v, "/d", "/f").err(),
        Some(Errno::ENOTDIR),
        "dir over file"
    );
    assert_eq!(
        mv(&v, "/f", "/d").err(),
        Some(Errno::EISDIR),
        "file over dir"
    );
}

#[test]
fn rename_of_a_dir_into_itself_is_einval() {
    let v = vfs();
    dir(&v, "/a/b/c");
    assert_eq!(
        mv(&v, "/a", "/a/b/c/a").err(),
        Some(Errno::EINVAL),
        "into a descendant"
    );
    assert_eq!(
        mv(&v, "/a", "/a/x").err(),
        Some(Errno::EINVAL),
        "into itself"
    );
    assert_eq!(
        mv(&v, "/a/b", "/a").err(),
        Some(Errno::ENOTEMPTY),
        "over its own ancestor"
    );
}

#[test]
fn rename_between_links_of_one_inode_does_nothing() {
    let v = vfs();
    let c = root();
    let f = file(&v, "/a", b"");
    v.link(&v.ctx(&c), b"/a", &v.ctx(&c), b"/b", false).unwrap();
    mv(&v, "/a", "/b").unwrap();
    assert!(
        look(&v, "/a").is_ok() && look(&v, "/b").is_ok(),
        "both names stay, as POSIX says"
    );
    assert_eq!(f.metadata().nlink, 2);
    mv(&v, "/a", "/a").unwrap();
}

#[test]
fn rename_flags() {
    let v = vfs();
    let c = root();
    file(&v, "/a", b"");
    file(&v, "/b", b"");
    let ctx = v.ctx(&c);
    assert_eq!(
        v.rename(&ctx, b"/a", &ctx, b"/b", RENAME_NOREPLACE).err(),
        Some(Errno::EEXIST)
    );
    assert_eq!(
        v.rename(&ctx, b"/a", &ctx, b"/b", RENAME_EXCHANGE | RENAME_NOREPLACE)
            .err(),
        Some(Errno::EINVAL),
        "exchange with noreplace"
    );
    assert_eq!(
        v.rename(&ctx, b"/a", &ctx, b"/b", 0x100).err(),
        Some(Errno::EINVAL),
        "unknown flag"
    );
    v.rename(&ctx, b"/a", &ctx, b"/c", RENAME_NOREPLACE)
        .unwrap();
}

#[test]
fn rename_exchange_swaps_two_names_across_directories() {
    let v = vfs();
    let c = root();
    let ctx = v.ctx(&c);
    let d1 = dir(&v, "/d1");
    let d2 = dir(&v, "/d2");
    let f = file(&v, "/d1/f", b"file");
    let sub = dir(&v, "/d2/sub");
    file(&v, "/d2/sub/inner", b"");
    assert_eq!(
        v.rename(&ctx, b"/d1/f", &ctx, b"/d2/none", RENAME_EXCHANGE)
            .err(),
        Some(Errno::ENOENT),
        "both names must exist"
    );
    v.rename(&ctx, b"/d1/f", &ctx, b"/d2/sub", RENAME_EXCHANGE)
        .unwrap();
    assert!(
        same(&look(&v, "/d1/f").unwrap(), &sub),
        "the directory moved"
    );
    assert!(same(&look(&v, "/d2/sub").unwrap(), &f), "the file moved");
    assert!(look(&v, "/d1/f/inner").is_ok(), "with its content");
    assert_eq!(d1.metadata().nlink, 3, "d1 gained a subdirectory");
    assert_eq!(d2.metadata().nlink, 2, "d2 lost one");
    assert!(
        same(&look(&v, "/d1/f/..").unwrap(), &d1),
        "the moved directory's .. follows it"
    );
    assert_eq!(
        v.rename(&ctx, b"/d1/f", &ctx, b"/d1/f/inner", RENAME_EXCHANGE)
            .err(),
        Some(Errno::EINVAL),
        "not with its own descendant"
    );
}

#[test]
fn rename_errors_for_special_and_missing_names() {
    let v = vfs();
    dir(&v, "/d");
    file(&v, "/f", b"");
    assert_eq!(mv(&v, "/d/.", "/x").err(), Some(Errno::EBUSY), "rename .");
    assert_eq!(
        mv(&v, "/f", "/d/..").err(),
        Some(Errno::EBUSY),
        "rename onto .."
    );
    assert_eq!(mv(&v, "/", "/x").err(), Some(Errno::EBUSY), "rename /");
    assert_eq!(mv(&v, "/nope", "/x").err(), Some(Errno::ENOENT));
    assert_eq!(
        mv(&v, "/f", "/nope/x").err(),
        Some(Errno::ENOENT),
        "missing target parent"
    );
    assert_eq!(
        mv(&v, "/f/", "/g").err(),
        Some(Errno::ENOTDIR),
        "trailing slash on a file"
    );
    assert_eq!(
        mv(&v, "/f", "/g/").err(),
        Some(Errno::ENOTDIR),
        "trailing slash on the new name of a file"
    );
    mv(&v, "/d/", "/e/").expect("trailing slashes are fine for dirs");
}

#[test]
fn rename_of_a_symlink_moves_the_link() {
    let v = vfs();
    file(&v, "/t", b"");
    symlink(&v, "/l", "/t");
    mv(&v, "/l", "/m").unwrap();
    assert_eq!(lookn(&v, "/m").unwrap().file_type(), FileType::Symlink);
    assert!(look(&v, "/t").is_ok(), "target untouched");
}

#[test]
fn rename_needs_write_permission_on_both_directories() {
    let v = vfs();
    let r = root();
    let u = user();
    let mine = dir(&v, "/mine");
    mine.chown(&r, Some(1000), Some(1000)).unwrap();
    dir(&v, "/theirs");
    open_as(&v, &u, "/mine/f", O_CREAT | O_WRONLY).unwrap();
    assert_eq!(
        v.rename(&v.ctx(&u), b"/mine/f", &v.ctx(&u), b"/theirs/f", 0)
            .err(),
        Some(Errno::EACCES)
    );
    v.rename(&v.ctx(&u), b"/mine/f", &v.ctx(&u), b"/mine/g", 0)
        .unwrap();
}

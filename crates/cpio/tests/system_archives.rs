//! Archives made by the system `cpio -o -H newc` / `-H crc` and `gzip` read back exactly as
//! the file tree they were made from; truncated and corrupted ones are refused, never panic.

use std::collections::BTreeMap;
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::OnceLock;

use keel_cpio::{entries, gunzip, unpack, CpioErrorKind, Entry};

const LIMIT: usize = 64 << 20;

struct Fixture {
    tree: PathBuf,
    newc: Vec<u8>,
    crc: Vec<u8>,
    gz: Vec<u8>,
    gz_named: Vec<u8>,
    /// The tree without `dir/big.bin`, for byte-by-byte sweeps.
    small: Vec<u8>,
    small_gz: Vec<u8>,
}

fn tool(cmd: &mut Command, what: &str, hint: &str) -> Vec<u8> {
    let out = cmd
        .output()
        .unwrap_or_else(|e| panic!("cannot run {what} ({e}): {hint}"));
    assert!(
        out.status.success(),
        "{what} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    out.stdout
}

/// `find . | cpio -o -H <format>` in `dir`, leaving out files named `skip`.
fn cpio_archive(dir: &Path, format: &str, skip: &str) -> Vec<u8> {
    let list = tool(
        Command::new("find")
            .args([".", "-not", "-name", skip])
            .current_dir(dir),
        "find",
        "findutils is part of every Debian",
    );
    let mut child = Command::new("cpio")
        .args(["-o", "--quiet", "-H", format])
        .current_dir(dir)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| {
            panic!("cannot run cpio ({e}): install it with `apt-get install cpio`")
        });
    std::io::Write::write_all(&mut child.stdin.take().expect("stdin"), &list)
        .expect("feed file list to cpio");
    let out = child.wait_with_output().expect("cpio runs");
    assert!(
        out.status.success(),
        "cpio -o -H {format} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    out.stdout
}

fn gzip(file: &Path, keep_name: bool) -> Vec<u8> {
    let flag = if keep_name { "-cN" } else { "-cn" };
    tool(
        Command::new("gzip").arg(flag).arg(file),
        "gzip",
        "install it with `apt-get install gzip`",
    )
}

fn fixture() -> &'static Fixture {
    static FIXTURE: OnceLock<Fixture> = OnceLock::new();
    FIXTURE.get_or_init(|| {
        let root = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("cpio-system");
        let _ = std::fs::remove_dir_all(&root);
        let tree = root.join("tree");
        std::fs::create_dir_all(tree.join("dir/sub")).expect("make tree");
        for len in 0..9 {
            std::fs::write(tree.join(format!("pad{len}")), vec![b'a' + len as u8; len])
                .expect("write file");
        }
        // Half noise, half text: big enough for several deflate blocks, small enough to sweep.
        let mut big: Vec<u8> = (0..12_000u32)
            .map(|i| (i.wrapping_mul(2_654_435_761) >> 24) as u8)
            .collect();
        big.extend((0..12_000u32).map(|i| b"keel initrd "[i as usize % 12]));
        std::fs::write(tree.join("dir/big.bin"), &big).expect("write big file");
        std::fs::write(tree.join("dir/sub/hello.txt"), b"hello, keel\n").expect("write file");
        std::os::unix::fs::symlink("sub/hello.txt", tree.join("dir/link")).expect("symlink");
        std::fs::hard_link(tree.join("dir/sub/hello.txt"), tree.join("hardlink"))
            .expect("hard link");
        let mut perms = std::fs::metadata(tree.join("pad3"))
            .expect("stat")
            .permissions();
        std::os::unix::fs::PermissionsExt::set_mode(&mut perms, 0o4751);
        std::fs::set_permissions(tree.join("pad3"), perms).expect("chmod");
        let newc = cpio_archive(&tree, "newc", "");
        let crc = cpio_archive(&tree, "crc", "");
        let small = cpio_archive(&tree, "newc", "big.bin");
        let archive = root.join("initrd.cpio");
        std::fs::write(&archive, &newc).expect("write archive");
        let small_archive = root.join("small.cpio");
        std::fs::write(&small_archive, &small).expect("write archive");
        Fixture {
            gz: gzip(&archive, false),
            gz_named: gzip(&archive, true),
            small_gz: gzip(&small_archive, false),
            small,
            tree,
            newc,
            crc,
        }
    })
}

fn collect(chunk: &[u8]) -> Vec<Entry<'_>> {
    entries(chunk)
        .collect::<Result<_, _>>()
        .unwrap_or_else(|e| panic!("valid archive refused: {e}"))
}

/// Every entry matches the file it was made from, and every file has an entry.
fn assert_matches_tree(list: &[Entry<'_>], tree: &Path) {
    let mut seen = BTreeMap::new();
    for e in list {
        let name = std::str::from_utf8(e.name).expect("UTF-8 name");
        let path = tree.join(name);
        let md = std::fs::symlink_metadata(&path)
            .unwrap_or_else(|err| panic!("{name}: not in the tree: {err}"));
        assert_eq!(e.mode, md.mode(), "{name}: mode");
        assert_eq!((e.uid, e.gid), (md.uid(), md.gid()), "{name}: owner");
        assert_eq!(e.nlink as u64, md.nlink(), "{name}: nlink");
        assert_eq!(i64::from(e.mtime), md.mtime(), "{name}: mtime");
        assert_eq!(u64::from(e.ino), md.ino() & 0xffff_ffff, "{name}: ino");
        if md.file_type().is_symlink() {
            let target = std::fs::read_link(&path).expect("readlink");
            assert_eq!(
                e.data,
                target.as_os_str().as_encoded_bytes(),
                "{name}: symlink target"
            );
        } else if md.is_file() && !e.data.is_empty() {
            assert_eq!(
                e.data,
                std::fs::read(&path).expect("read file"),
                "{name}: contents"
            );
        } else if md.is_file() {
            assert!(
                md.len() == 0 || md.nlink() > 1,
                "{name}: empty entry for a non-empty file that is no hard link"
            );
        }
        seen.insert(name.to_owned(), e.data.len());
    }
    let count = tool(Command::new("find").arg(".").current_dir(tree), "find", "")
        .split(|&b| b == b'\n')
        .filter(|l| !l.is_empty())
        .count();
    assert_eq!(
        seen.len(),
        count,
        "one entry per file in the tree: {seen:?}"
    );
}

#[test]
fn newc_archive_from_system_cpio_matches_the_tree() {
    let f = fixture();
    assert_matches_tree(&collect(&f.newc), &f.tree);
}

#[test]
fn crc_archive_from_system_cpio_matches_the_tree_and_checksums_are_verified() {
    let f = fixture();
    assert!(
        f.crc.starts_with(b"070702"),
        "cpio -H crc writes the 070702 magic"
    );
    assert_matches_tree(&collect(&f.crc), &f.tree);
}

#[test]
fn hard_links_share_an_inode_and_carry_the_data_once() {
    let f = fixture();
    let list = collect(&f.newc);
    let links: Vec<_> = list
        .iter()
        .filter(|e| e.name == b"hardlink" || e.name == b"dir/sub/hello.txt")
        .collect();
    assert_eq!(links.len(), 2, "both names present");
    assert_eq!(links[0].ino, links[1].ino, "same inode");
    assert!(links.iter().all(|e| e.nlink == 2), "nlink 2 on both");
    assert_eq!(
        links.iter().filter(|e| !e.data.is_empty()).count(),
        1,
        "data stored with one of them only"
    );
}

#[test]
fn gzip_archives_inflate_to_the_same_bytes() {
    let f = fixture();
    for (what, gz) in [("gzip -n", &f.gz), ("gzip -N (with FNAME)", &f.gz_named)] {
        let chunks = unpack(gz, LIMIT).unwrap_or_else(|e| panic!("{what}: {e}"));
        assert_eq!(chunks.len(), 1, "{what}: one member");
        assert_eq!(
            &*chunks[0],
            &f.newc[..],
            "{what}: inflated bytes equal the archive"
        );
        let (data, used) = gunzip(gz, LIMIT).expect("gunzip");
        assert_eq!(
            (data.len(), used),
            (f.newc.len(), gz.len()),
            "{what}: whole member consumed"
        );
    }
}

#[test]
fn concatenated_plain_and_gzip_archives_with_zero_padding_are_all_read() {
    let f = fixture();
    let mut image = vec![0u8; 8];
    image.extend_from_slice(&f.newc);
    image.extend_from_slice(&[0; 1024]);
    image.extend_from_slice(&f.gz);
    image.extend_from_slice(&f.crc);
    image.extend_from_slice(&f.gz_named);
    image.extend_from_slice(&[0; 3]);
    let chunks = unpack(&image, LIMIT).unwrap_or_else(|e| panic!("concatenation refused: {e}"));
    assert_eq!(chunks.len(), 4, "plain, gzip, plain (crc), gzip");
    let total: usize = chunks.iter().map(|c| collect(c).len()).sum();
    assert_eq!(total, 4 * collect(&f.newc).len(), "every archive's entries");
    // Two archives back to back in one chunk, as `entries` also accepts.
    let mut two = f.newc.clone();
    two.extend_from_slice(&f.crc);
    assert_eq!(
        collect(&two).len(),
        2 * collect(&f.newc).len(),
        "entries reads on after a TRAILER!!!"
    );
}

#[test]
fn inflating_past_the_limit_is_refused() {
    let f = fixture();
    let err = unpack(&f.gz, f.newc.len() - 1).expect_err("one byte too many");
    assert_eq!(err.kind, CpioErrorKind::TooLarge, "limit enforced: {err}");
    assert!(
        unpack(&f.gz, f.newc.len()).is_ok(),
        "exactly at the limit is fine"
    );
    let mut two = f.gz.clone();
    two.extend_from_slice(&f.gz);
    let err = unpack(&two, f.newc.len() + 10).expect_err("limit covers all members together");
    assert_eq!(err.kind, CpioErrorKind::TooLarge, "total limit: {err}");
}

/// Read everything `unpack` gives; `Err` if anything is refused.
fn read_all(image: &[u8]) -> Result<usize, keel_cpio::CpioError> {
    let mut n = 0;
    for chunk in unpack(image, LIMIT)? {
        for e in entries(&chunk) {
            e?;
            n += 1;
        }
    }
    Ok(n)
}

#[test]
fn every_truncation_of_a_plain_archive_is_refused() {
    let f = fixture();
    let trailer_end = f
        .newc
        .windows(10)
        .rposition(|w| w == b"TRAILER!!!")
        .expect("trailer")
        + 11;
    let lens = (1..f.newc.len()).filter(|l| *l < 4096 || l % 251 == 0 || l + 4096 > f.newc.len());
    for len in lens {
        let r = read_all(&f.newc[..len]);
        if len < trailer_end {
            assert!(r.is_err(), "archive cut to {len} bytes was accepted");
        }
    }
}

#[test]
fn every_truncation_of_a_gzip_archive_is_refused() {
    let f = fixture();
    for gz in [&f.small_gz, &f.gz] {
        let lens = (1..gz.len()).filter(|l| gz.len() < 2000 || l % 7 == 0 || l + 64 > gz.len());
        for len in lens {
            assert!(
                read_all(&gz[..len]).is_err(),
                "gzip cut to {len} of {} bytes was accepted",
                gz.len()
            );
        }
    }
}

#[test]
fn corrupted_bytes_are_refused_or_read_without_panic() {
    let f = fixture();
    let mut refused = 0;
    for at in 0..f.small.len() {
        for v in [f.small[at] ^ 0x01, f.small[at] ^ 0x80, b'z', b'0', 0, b'F'] {
            let mut bad = f.small.clone();
            bad[at] = v;
            refused += usize::from(read_all(&bad).is_err());
        }
    }
    assert!(refused > 1000, "only {refused} corruptions refused");
    let good = unpack(&f.small_gz, LIMIT).expect("the intact gzip unpacks");
    for at in 0..f.small_gz.len() {
        let mut bad = f.small_gz.clone();
        bad[at] ^= 0x41;
        let _ = read_all(&bad);
        // The MTIME, XFL and OS bytes of the header are informational; the rest is checked.
        // A few deflate bits change nothing that is decoded (the code length of a symbol the
        // data never uses, in a dynamic block's header): such a stream is the same archive.
        if at >= 10 {
            if let Ok(chunks) = unpack(&bad, LIMIT) {
                assert!(
                    chunks == good,
                    "gzip with byte {at} corrupted was accepted with different contents"
                );
            }
        }
    }
}

#[test]
fn crc_archive_with_modified_data_fails_its_checksum() {
    let f = fixture();
    let at = f
        .crc
        .windows(12)
        .position(|w| w == b"hello, keel\n")
        .expect("file data in archive");
    let mut bad = f.crc.clone();
    bad[at] = b'j';
    let err = entries(&bad)
        .find_map(Result::err)
        .expect("checksum mismatch detected");
    assert_eq!(err.kind, CpioErrorKind::BadChecksum, "kind: {err}");
}

#!/usr/bin/env python3
"""Deterministic cpio `newc` archive writer for Keel initrds.

Usage:
    initrd/mkcpio.py ROOTDIR OUT [--gzip] [--keep-owner] [--mtime N]
                     [--dev PATH:c|b:MAJOR:MINOR:MODE ...] [--dir PATH:MODE ...]
                     [--default-devs] [--owner PATH:UID:GID ...]

Writes every entry under ROOTDIR (not ROOTDIR itself) as a `newc` (070701) archive:
directories, regular files, symlinks, and any FIFOs/device nodes the tree already holds.
Device nodes can't be created with mknod by an unprivileged build user, so they come from
`--dev` specs instead, e.g. `--dev /dev/console:c:5:1:0600`; MODE is octal permission bits.
`--default-devs` adds the usual set: console (5,1), tty (5,0), null (1,3), zero (1,5),
full (1,7), random (1,8), urandom (1,9), ptmx (5,2), ttyS0 (4,64).
`--owner PATH:UID:GID` gives PATH and everything under it that owner (a user's home, whose
files sshd insists belong to the user), whatever owns them on the build machine. A missing parent
directory of a `--dev`/`--dir` path is added with mode 0755.

Reproducible: entries sorted by path components (a directory always precedes its contents),
inode numbers assigned in that order, nlink 1 for files (2 for directories), uid/gid 0 unless
--keep-owner, every mtime = --mtime or $SOURCE_DATE_EPOCH or 0, gzip header without name or
time. Names are stored without a leading "./" or "/" (as Linux's gen_init_cpio does); the
archive ends with the `TRAILER!!!` entry and is padded to a 512-byte multiple.
"""

import argparse
import gzip
import io
import os
import stat
import sys

DEFAULT_DEVS = [
    "/dev/console:c:5:1:0600",
    "/dev/tty:c:5:0:0666",
    "/dev/null:c:1:3:0666",
    "/dev/zero:c:1:5:0666",
    "/dev/full:c:1:7:0666",
    "/dev/random:c:1:8:0666",
    "/dev/urandom:c:1:9:0666",
    "/dev/ptmx:c:5:2:0666",
    "/dev/ttyS0:c:4:64:0620",
]


class Entry:
    """One archive member: name (relative, no leading slash), mode, data and ids."""

    def __init__(self, name, mode, data=b"", uid=0, gid=0, rdev=(0, 0)):
        self.name, self.mode, self.data = name, mode, data
        self.uid, self.gid, self.rdev = uid, gid, rdev


def norm(path):
    """'/dev//console/' -> 'dev/console'; rejects '..' so nothing escapes the root."""
    parts = [p for p in path.split("/") if p not in ("", ".")]
    if not parts or ".." in parts:
        raise SystemExit(f"mkcpio: bad archive path {path!r}: use an absolute path like /dev/null")
    return "/".join(parts)


def sort_key(name):
    return name.split("/")


def header(ino, e, mtime):
    nlink = 2 if stat.S_ISDIR(e.mode) else 1
    name = e.name.encode() + b"\0"
    fields = [ino, e.mode, e.uid, e.gid, nlink, mtime, len(e.data),
              0, 0, e.rdev[0], e.rdev[1], len(name), 0]
    h = b"070701" + b"".join(b"%08X" % f for f in fields) + name
    return h + b"\0" * (-len(h) % 4)


def scan(root, keep_owner):
    out = {}
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames.sort()
        for n in sorted(dirnames) + sorted(filenames):
            full = os.path.join(dirpath, n)
            rel = os.path.relpath(full, root).replace(os.sep, "/")
            st = os.lstat(full)
            m = st.st_mode
            data, rdev = b"", (0, 0)
            if stat.S_ISREG(m):
                with open(full, "rb") as f:
                    data = f.read()
            elif stat.S_ISLNK(m):
                data = os.fsencode(os.readlink(full))
            elif stat.S_ISCHR(m) or stat.S_ISBLK(m):
                rdev = (os.major(st.st_rdev), os.minor(st.st_rdev))
            elif stat.S_ISDIR(m) or stat.S_ISFIFO(m):
                pass
            else:
                print(f"mkcpio: skipping socket {full}", file=sys.stderr)
                continue
            uid, gid = (st.st_uid, st.st_gid) if keep_owner else (0, 0)
            out[rel] = Entry(rel, m, data, uid, gid, rdev)
    return out


def add_parents(entries, name):
    parts = name.split("/")
    for i in range(1, len(parts)):
        p = "/".join(parts[:i])
        if p not in entries:
            entries[p] = Entry(p, stat.S_IFDIR | 0o755)
        elif not stat.S_ISDIR(entries[p].mode):
            raise SystemExit(f"mkcpio: {p} is not a directory but {name} needs it to be")


def parse_dev(spec):
    try:
        path, kind, major, minor, mode = spec.rsplit(":", 4)
        if kind not in ("c", "b"):
            raise ValueError
        t = stat.S_IFCHR if kind == "c" else stat.S_IFBLK
        return Entry(norm(path), t | int(mode, 8), rdev=(int(major), int(minor)))
    except ValueError:
        raise SystemExit(f"mkcpio: bad --dev {spec!r}: expected PATH:c|b:MAJOR:MINOR:MODE, "
                         "e.g. /dev/null:c:1:3:0666")


def parse_dir(spec):
    try:
        path, mode = spec.rsplit(":", 1)
        return Entry(norm(path), stat.S_IFDIR | int(mode, 8))
    except ValueError:
        raise SystemExit(f"mkcpio: bad --dir {spec!r}: expected PATH:MODE, e.g. /proc:0555")


def parse_owner(spec):
    try:
        path, uid, gid = spec.rsplit(":", 2)
        return norm(path), int(uid), int(gid)
    except ValueError:
        raise SystemExit(f"mkcpio: bad --owner {spec!r}: expected PATH:UID:GID, e.g. /home/ann:1000:1000")


def apply_owner(entries, spec):
    path, uid, gid = parse_owner(spec)
    if path not in entries:
        raise SystemExit(f"mkcpio: --owner {spec!r}: {path} is not in the archive")
    for name, e in entries.items():
        if name == path or name.startswith(path + "/"):
            e.uid, e.gid = uid, gid


def build(entries, mtime):
    buf = io.BytesIO()
    for ino, name in enumerate(sorted(entries, key=sort_key), start=1):
        e = entries[name]
        buf.write(header(ino, e, mtime))
        buf.write(e.data)
        buf.write(b"\0" * (-len(e.data) % 4))
    buf.write(header(0, Entry("TRAILER!!!", 0), 0))
    data = buf.getvalue()
    return data + b"\0" * (-len(data) % 512)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0],
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("root", help="directory whose contents become the archive's root")
    ap.add_argument("out", help="output file ('-' for stdout)")
    ap.add_argument("--gzip", action="store_true", help="gzip the archive (deterministic header)")
    ap.add_argument("--keep-owner", action="store_true", help="keep uid/gid instead of root:root")
    ap.add_argument("--mtime", type=int, default=None, help="mtime of every entry")
    ap.add_argument("--dev", action="append", default=[], metavar="PATH:c|b:MAJ:MIN:MODE")
    ap.add_argument("--dir", action="append", default=[], metavar="PATH:MODE")
    ap.add_argument("--default-devs", action="store_true", help="add console/tty/null/zero/...")
    ap.add_argument("--owner", action="append", default=[], metavar="PATH:UID:GID",
                    help="owner of PATH and everything under it")
    a = ap.parse_args()

    if not os.path.isdir(a.root):
        raise SystemExit(f"mkcpio: {a.root} is not a directory: pass the staged root tree")
    mtime = a.mtime if a.mtime is not None else int(os.environ.get("SOURCE_DATE_EPOCH", "0"))
    entries = scan(a.root, a.keep_owner)
    specs = [parse_dir(s) for s in a.dir]
    specs += [parse_dev(s) for s in (DEFAULT_DEVS if a.default_devs else []) + a.dev]
    for e in specs:
        add_parents(entries, e.name)
        entries[e.name] = e
    for spec in a.owner:
        apply_owner(entries, spec)
    data = build(entries, mtime)
    if a.gzip:
        z = io.BytesIO()
        with gzip.GzipFile(filename="", mode="wb", fileobj=z, mtime=0, compresslevel=9) as g:
            g.write(data)
        data = z.getvalue()
    if a.out == "-":
        sys.stdout.buffer.write(data)
    else:
        tmp = a.out + ".tmp"
        with open(tmp, "wb") as f:
            f.write(data)
        os.replace(tmp, a.out)
        print(f"mkcpio: wrote {a.out}: {len(entries)} entries, {len(data)} bytes"
              f"{' (gzip)' if a.gzip else ''}", file=sys.stderr)


if __name__ == "__main__":
    main()

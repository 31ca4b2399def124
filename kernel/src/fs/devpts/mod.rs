//! devpts, the `devpts` file system (`mount -t devpts devpts /dev/pts`): the slave side of
//! every pseudo-terminal as `/dev/pts/N` (char 136:N), and `ptmx` (5:2), which opens a new
//! master as `/dev/ptmx` does.
//!
//! The nodes are made on each lookup from `crate::tty::pty`, which owns the ptys: a slave
//! node exists from the master's open to its last close, belongs to whoever opened the master
//! (their fsuid and fsgid) with the instance's `mode=` (default 0600) and, with `gid=`, that
//! group, as Linux's `devpts_pty_new`; chmod, chown and utimes on it are kept with the pty.
//! `ptmx` has `ptmxmode=` (default 000). Opening a node goes through the kernel's device
//! registry like any device node: the slave is EIO while the pty is locked.
//!
//! Keel has one set of ptys: every devpts instance shows all of them (Linux gives each mount
//! its own unless it is the one `/dev/ptmx` finds at `/dev/pts`); the options are per
//! instance.
//!
//! Locking: `DevPts::opts` is a leaf; the pty table's lock is taken (in `tty::pty`) without it.

use alloc::boxed::Box;
use alloc::string::String;
use alloc::sync::{Arc, Weak};
use alloc::vec::Vec;

use keel_abi::mount::StatFs;
use keel_abi::{Errno, KResult};
use keel_vfs::consts::dtype_of_mode;
use keel_vfs::{
    anon_dev, makedev, DirEntry, FileSystem, FileSystemType, FileType, Inode, InodeOps, Metadata,
    SetAttr, Superblock, Timespec, Vfs,
};
use spin::{Mutex, Once};

use crate::tty::pty;

/// `statfs`'s `f_type` for devpts.
const DEVPTS_SUPER_MAGIC: i64 = 0x1cd1;

/// Registers the "devpts" file-system type.
pub fn register(vfs: &Vfs) {
    vfs.register_fs(Arc::new(DevPtsType));
}

/// Mount options (Linux's `pts_mount_opts`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Options {
    uid: Option<u32>,
    gid: Option<u32>,
    mode: u32,
    ptmx_mode: u32,
}

impl Default for Options {
    fn default() -> Options {
        Options {
            uid: None,
            gid: None,
            mode: 0o600,
            ptmx_mode: 0,
        }
    }
}

fn number(v: &[u8], radix: u32) -> KResult<u32> {
    core::str::from_utf8(v)
        .ok()
        .and_then(|s| u32::from_str_radix(s, radix).ok())
        .ok_or(Errno::EINVAL)
}

/// Parses `uid=`, `gid=`, `mode=`, `ptmxmode=` (octal), and accepts `newinstance` and `max=`;
/// anything else is EINVAL.
fn parse(data: &[u8]) -> KResult<Options> {
    let mut o = Options::default();
    for opt in data.split(|&b| b == b',').filter(|o| !o.is_empty()) {
        let mut kv = opt.splitn(2, |&b| b == b'=');
        let key = kv.next().unwrap_or_default();
        let val = kv.next();
        match (key, val) {
            (b"uid", Some(v)) => o.uid = Some(number(v, 10)?),
            (b"gid", Some(v)) => o.gid = Some(number(v, 10)?),
            (b"mode", Some(v)) => o.mode = number(v, 8)? & 0o777,
            (b"ptmxmode", Some(v)) => o.ptmx_mode = number(v, 8)? & 0o777,
            (b"max", Some(v)) => {
                number(v, 10)?;
            }
            (b"newinstance", None) => {}
            _ => return Err(Errno::EINVAL),
        }
    }
    Ok(o)
}

/// One instance.
pub struct DevPts {
    opts: Mutex<Options>,
    born: Timespec,
    sb: Once<Weak<Superblock>>,
}

impl FileSystem for DevPts {
    fn type_name(&self) -> &str {
        "devpts"
    }

    fn statfs(&self) -> StatFs {
        StatFs {
            f_type: DEVPTS_SUPER_MAGIC,
            f_bsize: 4096,
            f_namelen: 255,
            f_frsize: 4096,
            ..StatFs::default()
        }
    }

    /// As Linux's `devpts_show_options`.
    fn options(&self) -> String {
        let o = *self.opts.lock();
        let mut s = String::new();
        if let Some(u) = o.uid {
            s.push_str(&alloc::format!("uid={u},"));
        }
        if let Some(g) = o.gid {
            s.push_str(&alloc::format!("gid={g},"));
        }
        s.push_str(&alloc::format!(
            "mode={:03o},ptmxmode={:03o}",
            o.mode,
            o.ptmx_mode
        ));
        s
    }

    fn remount(&self, data: &[u8]) -> KResult<()> {
        *self.opts.lock() = parse(data)?;
        Ok(())
    }
}

struct DevPtsType;

impl FileSystemType for DevPtsType {
    fn name(&self) -> &str {
        "devpts"
    }

    fn mount(&self, _source: &[u8], _flags: u64, data: &[u8]) -> KResult<Arc<Inode>> {
        let (sec, nsec) = crate::fs::wall_clock();
        let fs = Arc::new(DevPts {
            opts: Mutex::new(parse(data)?),
            born: Timespec::new(sec, nsec),
            sb: Once::new(),
        });
        let sb = Superblock::new(anon_dev(), fs.clone(), Arc::new(crate::fs::wall_clock), 1);
        pty::set_devpts_dev(sb.dev());
        fs.sb.call_once(|| Arc::downgrade(&sb));
        let node = Node {
            fs: fs.clone(),
            kind: Kind::Root,
        };
        Ok(Inode::new(&sb, 1, FileType::Directory, Box::new(node)))
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Kind {
    Root,
    Ptmx,
    /// The slave of pty N.
    Pty(u32),
}

impl Kind {
    fn ino(self) -> u64 {
        match self {
            Kind::Root => 1,
            Kind::Ptmx => 2,
            Kind::Pty(n) => n as u64 + 3,
        }
    }

    fn file_type(self) -> FileType {
        match self {
            Kind::Root => FileType::Directory,
            _ => FileType::CharDevice,
        }
    }
}

struct Node {
    fs: Arc<DevPts>,
    kind: Kind,
}

impl Node {
    fn make(&self, kind: Kind) -> KResult<Arc<Inode>> {
        let sb = self
            .fs
            .sb
            .get()
            .and_then(Weak::upgrade)
            .ok_or(Errno::ENOENT)?;
        let node = Node {
            fs: self.fs.clone(),
            kind,
        };
        Ok(Inode::new(
            &sb,
            kind.ino(),
            kind.file_type(),
            Box::new(node),
        ))
    }
}

impl InodeOps for Node {
    fn getattr(&self) -> Metadata {
        let o = *self.fs.opts.lock();
        let t = self.fs.born;
        let base = Metadata {
            nlink: 1,
            blksize: 1024,
            atime: t,
            mtime: t,
            ctime: t,
            ..Metadata::default()
        };
        match self.kind {
            Kind::Root => Metadata {
                mode: 0o755,
                nlink: 2,
                ..base
            },
            Kind::Ptmx => Metadata {
                mode: o.ptmx_mode,
                rdev: makedev(5, 2),
                ..base
            },
            Kind::Pty(n) => match pty::slave_node(n) {
                Some(s) => Metadata {
                    mode: s.mode.unwrap_or(o.mode),
                    uid: o.uid.unwrap_or(s.uid),
                    gid: if s.gid_set {
                        s.gid
                    } else {
                        o.gid.unwrap_or(s.gid)
                    },
                    rdev: makedev(pty::PTS_MAJOR, n),
                    atime: s.atime,
                    mtime: s.mtime,
                    ctime: s.ctime,
                    ..base
                },
                None => Metadata {
                    rdev: makedev(pty::PTS_MAJOR, n),
                    ..base
                },
            },
        }
    }

    fn setattr(&self, change: &SetAttr) -> KResult<()> {
        match self.kind {
            Kind::Pty(n) => pty::set_slave_node(n, change),
            _ => Err(Errno::EPERM),
        }
    }

    fn lookup(&self, _dir: &Arc<Inode>, name: &[u8]) -> KResult<Arc<Inode>> {
        if self.kind != Kind::Root {
            return Err(Errno::ENOTDIR);
        }
        if name == b"ptmx" {
            return self.make(Kind::Ptmx);
        }
        let n = crate::fs::procfs::parse_number(name).ok_or(Errno::ENOENT)?;
        pty::slave_node(n).ok_or(Errno::ENOENT)?;
        self.make(Kind::Pty(n))
    }

    fn readdir(
        &self,
        dir: &Inode,
        cookie: u64,
        emit: &mut dyn FnMut(DirEntry) -> bool,
    ) -> KResult<()> {
        if self.kind != Kind::Root {
            return Err(Errno::ENOTDIR);
        }
        let mut list: Vec<(u64, Vec<u8>, Kind)> = alloc::vec![
            (0, b".".to_vec(), Kind::Root),
            (1, b"..".to_vec(), Kind::Root),
            (2, b"ptmx".to_vec(), Kind::Ptmx),
        ];
        for n in pty::indices() {
            list.push((
                3 + n as u64,
                alloc::format!("{n}").into_bytes(),
                Kind::Pty(n),
            ));
        }
        for (c, name, k) in list.into_iter().filter(|e| e.0 >= cookie) {
            let ino = if k == Kind::Root { dir.ino() } else { k.ino() };
            let e = DirEntry {
                next: c + 1,
                ino,
                dtype: dtype_of_mode(k.file_type().mode_bits()),
                name,
            };
            if !emit(e) {
                break;
            }
        }
        Ok(())
    }

    fn parent(&self) -> Option<Arc<Inode>> {
        None
    }
}

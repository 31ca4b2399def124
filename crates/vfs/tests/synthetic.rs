//! A small procfs-like file system written against the VFS interface, as procfs, devfs and
//! devpts are: a directory whose entries are computed on each lookup and readdir, a file whose
//! text is generated when it is opened, a symlink whose target is computed, and a magic link
//! that leads to an inode directly. Mounted with `mount -t synth`, it must behave as a file
//! system to the walk, `..`, `getdents64`, `stat`, `statfs`, permissions and `umount`.

mod common;

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, Weak};

use common::*;
use keel_abi::{Errno, KResult};
use keel_vfs::consts::*;
use keel_vfs::*;

const SYNTH_MAGIC: i64 = 0x5359_4e54;

/// The instance: what its directory lists, and a counter its file reports.
struct Synth {
    pids: Mutex<Vec<u32>>,
    opens: AtomicU64,
    target: Mutex<Option<Arc<Inode>>>,
}

impl FileSystem for Synth {
    fn type_name(&self) -> &str {
        "synth"
    }
    fn statfs(&self) -> StatFs {
        StatFs {
            f_type: SYNTH_MAGIC,
            f_bsize: 4096,
            f_namelen: 255,
            ..StatFs::default()
        }
    }
}

fn attrs(mode: u32, nlink: u32) -> Metadata {
    Metadata {
        mode,
        nlink,
        ..Metadata::default()
    }
}

/// Every node of the file system, by kind.
enum Node {
    Root {
        sb: Weak<Superblock>,
        fs: Arc<Synth>,
    },
    Pid(u32),
    Counter {
        fs: Arc<Synth>,
    },
    SelfLink {
        fs: Arc<Synth>,
    },
    Magic {
        fs: Arc<Synth>,
    },
}

fn node(sb: &Arc<Superblock>, ino: u64, t: FileType, n: Node) -> Arc<Inode> {
    Inode::new(sb, ino, t, Box::new(n))
}

/// The text of `counter`, made when it is opened (as `seq_file` does).
struct Text(Vec<u8>);

impl FileOps for Text {
    fn read(&self, pos: &mut u64, buf: &mut [u8], _flags: u32) -> KResult<usize> {
        let start = (*pos as usize).min(self.0.len());
        let n = buf.len().min(self.0.len() - start);
        buf[..n].copy_from_slice(&self.0[start..start + n]);
        *pos += n as u64;
        Ok(n)
    }
    fn seek(&self, pos: u64, offset: i64, whence: u32) -> KResult<u64> {
        seek_in(pos, offset, whence, self.0.len() as u64)
    }
    fn seekable(&self) -> bool {
        true
    }
}

impl InodeOps for Node {
    fn getattr(&self) -> Metadata {
        match self {
            Node::Root { .. } => attrs(0o555, 3),
            Node::Pid(pid) => Metadata {
                uid: *pid,
                ..attrs(0o555, 2)
            },
            Node::Counter { .. } => attrs(0o444, 1),
            Node::SelfLink { .. } | Node::Magic { .. } => attrs(0o777, 1),
        }
    }

    fn lookup(&self, dir: &Arc<Inode>, name: &[u8]) -> KResult<Arc<Inode>> {
        let Node::Root { sb, fs } = self else {
            return Err(Errno::ENOENT);
        };
        let sb = sb.upgrade().ok_or(Errno::ENOENT)?;
        let _ = dir;
        match name {
            b"counter" => Ok(node(
                &sb,
                2,
                FileType::Regular,
                Node::Counter { fs: fs.clone() },
            )),
            b"self" => Ok(node(
                &sb,
                3,
                FileType::Symlink,
                Node::SelfLink { fs: fs.clone() },
            )),
            b"magic" => Ok(node(
                &sb,
                4,
                FileType::Symlink,
                Node::Magic { fs: fs.clone() },
            )),
            _ => {
                let pid: u32 = std::str::from_utf8(name)
                    .ok()
                    .and_then(|s| s.parse().ok())
                    .ok_or(Errno::ENOENT)?;
                if fs.pids.lock().unwrap().contains(&pid) {
                    Ok(node(
                        &sb,
                        100 + pid as u64,
                        FileType::Directory,
                        Node::Pid(pid),
                    ))
                } else {
                    Err(Errno::ENOENT)
                }
            }
        }
    }

    fn readdir(
        &self,
        dir: &Inode,
        cookie: u64,
        emit: &mut dyn FnMut(DirEntry) -> bool,
    ) -> KResult<()> {
        let mut entries = vec![
            (dir.ino(), b".".to_vec(), 4u8),
            (dir.ino(), b"..".to_vec(), 4),
        ];
        if let Node::Root { fs, .. } = self {
            entries.push((2, b"counter".to_vec(), 8));
            entries.push((3, b"self".to_vec(), 10));
            for p in fs.pids.lock().unwrap().iter() {
                entries.push((100 + *p as u64, p.to_string().into_bytes(), 4));
            }
        }
        for (i, (ino, name, dtype)) in entries.into_iter().enumerate().skip(cookie as usize) {
            let e = DirEntry {
                next: i as u64 + 1,
                ino,
                dtype,
                name,
            };
            if !emit(e) {
                break;
            }
        }
        Ok(())
    }

    fn readlink(&self) -> KResult<Vec<u8>> {
        match self {
            Node::SelfLink { fs } => Ok(fs.pids.lock().unwrap()[0].to_string().into_bytes()),
            Node::Magic { .. } => Ok(b"/somewhere/else (deleted)".to_vec()),
            _ => Err(Errno::EINVAL),
        }
    }

    fn follow_link(&self) -> KResult<LinkTarget> {
        match self {
            Node::Magic { fs } => fs
                .target
                .lock()
                .unwrap()
                .clone()
                .map(LinkTarget::Inode)
                .ok_or(Errno::ENOENT),
            _ => self.readlink().map(LinkTarget::Path),
        }
    }

    fn open(&self, inode: &Arc<Inode>, flags: u32) -> KResult<Arc<dyn FileOps>> {
        match self {
            Node::Counter { fs } => {
                let n = fs.opens.fetch_add(1, Ordering::SeqCst) + 1;
                Ok(Arc::new(Text(format!("opened {n} times\n").into_bytes())))
            }
            Node::Root { .. } | Node::Pid(_) => Ok(Arc::new(DirFile::new(inode.clone()))),
            _ => {
                let _ = flags;
                Err(Errno::ENXIO)
            }
        }
    }
}

struct SynthType {
    fs: Arc<Synth>,
}

impl FileSystemType for SynthType {
    fn name(&self) -> &str {
        "synth"
    }
    fn mount(&self, _source: &[u8], _flags: u64, data: &[u8]) -> KResult<Arc<Inode>> {
        if !data.is_empty() {
            return Err(Errno::EINVAL);
        }
        let sb = Superblock::new(
            anon_dev(),
            self.fs.clone(),
            Arc::new(|| (CLOCK.load(Ordering::SeqCst), 0u32)),
            1,
        );
        let root = Node::Root {
            sb: Arc::downgrade(&sb),
            fs: self.fs.clone(),
        };
        Ok(node(&sb, 1, FileType::Directory, root))
    }
}

fn setup() -> (Vfs, Arc<Synth>) {
    let v = vfs();
    let fs = Arc::new(Synth {
        pids: Mutex::new(vec![1, 42]),
        opens: AtomicU64::new(0),
        target: Mutex::new(None),
    });
    v.register_fs(Arc::new(SynthType { fs: fs.clone() }));
    dir(&v, "/proc");
    let c = root();
    v.mount(&v.ctx(&c), b"synth", b"/proc", Some(b"synth"), 0, b"", true)
        .unwrap();
    (v, fs)
}

fn names(v: &Vfs, path: &str) -> Vec<String> {
    let f = open(v, path, O_RDONLY | O_DIRECTORY).unwrap();
    let mut out = Vec::new();
    let mut buf = [0u8; 4096];
    loop {
        let n = f.getdents(&mut buf).unwrap();
        if n == 0 {
            return out;
        }
        let mut at = 0;
        while at < n {
            let reclen = u16::from_ne_bytes([buf[at + 16], buf[at + 17]]) as usize;
            let name = &buf[at + 19..at + reclen];
            let end = name.iter().position(|&b| b == 0).unwrap();
            out.push(String::from_utf8(name[..end].to_vec()).unwrap());
            at += reclen;
        }
    }
}

#[test]
fn a_mounted_synthetic_file_system_is_walked_listed_and_read() {
    let (v, fs) = setup();
    assert_eq!(
        names(&v, "/proc"),
        [".", "..", "counter", "self", "1", "42"],
        "readdir lists what the file system computes"
    );
    fs.pids.lock().unwrap().push(7);
    assert_eq!(
        look(&v, "/proc/7").unwrap().metadata().uid,
        7,
        "lookup is dynamic"
    );
    assert_eq!(look(&v, "/proc/8").err(), Some(Errno::ENOENT));
    let f = open(&v, "/proc/counter", O_RDONLY).unwrap();
    assert_eq!(read_all(&f), b"opened 1 times\n", "text made at open");
    let g = open(&v, "/proc/counter", O_RDONLY).unwrap();
    assert_eq!(read_all(&g), b"opened 2 times\n");
    assert_eq!(f.seek(7, SEEK_SET).unwrap(), 7);
    assert_eq!(read_all(&f), b"1 times\n", "the first open keeps its text");
}

#[test]
fn identity_statfs_and_dotdot_come_from_the_vfs() {
    let (v, _fs) = setup();
    let r = look(&v, "/proc").unwrap();
    let m = r.metadata();
    assert_eq!(m.mode, S_IFDIR | 0o555, "type bits added by the VFS");
    assert_eq!((m.ino, m.dev), (1, r.superblock().dev()));
    assert_ne!(m.dev, v.root().metadata().dev, "its own device number");
    assert_eq!(r.superblock().statfs().f_type, SYNTH_MAGIC);
    assert!(
        same(&look(&v, "/proc/..").unwrap(), v.root()),
        ".. from the mounted root crosses back to /"
    );
    assert!(same(&look(&v, "/proc/42/../..").unwrap(), v.root()));
    assert_eq!(v.path_of(v.root(), &r).unwrap(), b"/proc");
    let info = v.mounts(v.root());
    let last = info.last().unwrap();
    assert_eq!(
        (last.path.as_slice(), last.fstype.as_str(), last.options()),
        (&b"/proc"[..], "synth", "rw,relatime".to_string())
    );
}

#[test]
fn links_permissions_and_unmounting() {
    let (v, fs) = setup();
    assert_eq!(
        look(&v, "/proc/self").unwrap().ino(),
        look(&v, "/proc/1").unwrap().ino(),
        "a computed symlink is followed"
    );
    assert_eq!(
        lookn(&v, "/proc/self").unwrap().read_link().unwrap(),
        b"1",
        "readlink of a computed symlink"
    );
    let target = file(&v, "/target", b"t");
    *fs.target.lock().unwrap() = Some(target.clone());
    assert!(
        same(&look(&v, "/proc/magic").unwrap(), &target),
        "a magic link leads to its inode, not to its readlink text"
    );
    assert_eq!(
        open_as(&v, &user(), "/proc/counter", O_WRONLY).err(),
        Some(Errno::EACCES),
        "the VFS checks mode 0444"
    );
    let c = root();
    assert_eq!(
        v.mkdir(&v.ctx(&c), b"/proc/new", 0o755, 0).err(),
        Some(Errno::EPERM),
        "a file system without create"
    );
    let f = open(&v, "/proc/counter", O_RDONLY).unwrap();
    let none = |_: &Arc<Superblock>| false;
    assert_eq!(
        v.umount(&v.ctx(&c), b"/proc", 0, true, &none).err(),
        Some(Errno::EBUSY),
        "an open file keeps it busy"
    );
    drop(f);
    v.umount(&v.ctx(&c), b"/proc", 0, true, &none).unwrap();
    assert_eq!(look(&v, "/proc/counter").err(), Some(Errno::ENOENT));
    assert_eq!(names(&v, "/proc"), [".", ".."], "the empty directory again");
}

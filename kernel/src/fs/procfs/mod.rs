//! procfs, the `proc` file system (`mount -t proc proc /proc`): the processes and the kernel's
//! state as text files, in Linux's formats, so that busybox `ps`, `top`, `free`, `uptime`,
//! `mount` and `df`, and musl's `ttyname`, read what they read on Linux.
//!
//! Nothing is stored: every inode is a [`Node`], a [`Kind`] made afresh on each lookup, and
//! every file's text is made when it is opened (`text.rs`, Linux's `seq_file`). The tree:
//!
//! - the root (`mod.rs`): `self`, `thread-self`, `mounts` (links), the system's files
//!   (`system.rs`: meminfo, stat, uptime, loadavg, version, filesystems, cmdline; cpuinfo in
//!   `cpuinfo.rs`), `sys/kernel/*` (`sys.rs`: hostname, domainname, ostype, osrelease,
//!   version), and one directory per process, listed by pid;
//! - `/proc/PID` and `/proc/PID/task/TID` (`pid.rs`): stat, status, statm (`stat.rs`),
//!   cmdline, environ, maps (`maps.rs`), comm, mounts, the cwd, root and exe magic links, and
//!   `fd/`, `fdinfo/` (`fd.rs`, which also names open files: `/dev/pts/0`, `pipe:[INO]`...).
//!
//! Inode numbers are computed from the kind ([`Kind::ino`]), so `..`, getcwd and `find` see
//! stable identities. Permissions: the VFS checks the modes (owner: the process's effective
//! ids, as Linux's `task_dump_owner`); what Linux guards with `ptrace_may_access` (environ,
//! maps, the fd directory's links, cwd, root, exe) checks [`pid::may_read`].
//!
//! Neighbours: `crate::proc` (the processes), `crate::mm` (address spaces), `crate::tty` (the
//! controlling terminal), `crate::sched` (CPU time, load), `keel_vfs` (the interface).
//!
//! Locking: none of its own. Process locks are taken one at a time and released before the
//! next; an address space's sleeping mutex is taken to read its layout; nothing here copies
//! user memory (the VFS's callers do, from the kernel buffers made here).

mod cpuinfo;
mod fd;
mod maps;
mod pid;
mod stat;
mod sys;
mod system;
mod text;

use alloc::boxed::Box;
use alloc::sync::{Arc, Weak};
use alloc::vec::Vec;

use keel_abi::mount::StatFs;
use keel_abi::{Errno, KResult};
use keel_vfs::consts::dtype_of_mode;
use keel_vfs::{
    anon_dev, DirEntry, DirFile, FileOps, FileSystem, FileSystemType, FileType, Inode, InodeOps,
    LinkTarget, Metadata, Superblock, Timespec, Vfs,
};
use spin::Once;

use pid::{Entry, Task};

pub use pid::parse_number;

/// `statfs`'s `f_type` for procfs.
const PROC_SUPER_MAGIC: i64 = 0x9fa0;

/// Registers the "proc" file-system type.
pub fn register(vfs: &Vfs) {
    cpuinfo::sample_tsc();
    vfs.register_fs(Arc::new(ProcFsType));
}

/// One mounted instance: how its nodes reach their superblock and root.
pub struct ProcFs {
    sb: Once<Weak<Superblock>>,
    root: Once<Weak<Inode>>,
}

impl FileSystem for ProcFs {
    fn type_name(&self) -> &str {
        "proc"
    }

    fn statfs(&self) -> StatFs {
        StatFs {
            f_type: PROC_SUPER_MAGIC,
            f_bsize: 4096,
            f_namelen: 255,
            f_frsize: 4096,
            ..StatFs::default()
        }
    }
}

/// `mount -t proc`: each mount a new instance, as Linux since 5.8.
struct ProcFsType;

/// Linux's procfs options (`hidepid=`, `gid=`, `subset=`) are accepted and have no effect
/// yet; anything else is EINVAL.
fn check_options(data: &[u8]) -> KResult<()> {
    for opt in data.split(|&b| b == b',').filter(|o| !o.is_empty()) {
        let key = opt.split(|&b| b == b'=').next().unwrap_or(opt);
        if !matches!(key, b"hidepid" | b"gid" | b"subset") {
            return Err(Errno::EINVAL);
        }
    }
    Ok(())
}

impl FileSystemType for ProcFsType {
    fn name(&self) -> &str {
        "proc"
    }

    fn mount(&self, _source: &[u8], _flags: u64, data: &[u8]) -> KResult<Arc<Inode>> {
        check_options(data)?;
        let fs = Arc::new(ProcFs {
            sb: Once::new(),
            root: Once::new(),
        });
        let sb = Superblock::new(anon_dev(), fs.clone(), Arc::new(crate::fs::wall_clock), 2);
        fs.sb.call_once(|| Arc::downgrade(&sb));
        let root = Inode::new(
            &sb,
            Kind::Root.ino(),
            FileType::Directory,
            Box::new(Node {
                fs: fs.clone(),
                kind: Kind::Root,
            }),
        );
        fs.root.call_once(|| Arc::downgrade(&root));
        Ok(root)
    }
}

/// The files and links of the root besides the processes and `sys`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Top {
    SelfLink,
    ThreadSelf,
    Mounts,
    Info(system::Info),
}

/// What a node is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    Root,
    Top(Top),
    /// `/proc/sys` and below.
    Sys(sys::Sys),
    /// `/proc/PID`, or `/proc/PID/task/TID`.
    Task(Task),
    /// An entry of a task's directory.
    Entry(Task, Entry),
    /// `/proc/PID/fd/N`.
    Fd(Task, u32),
    /// `/proc/PID/fdinfo/N`.
    FdInfo(Task, u32),
}

/// The root's fixed entries, in listing order.
const TOP: &[(&str, Kind)] = &[
    ("cmdline", Kind::Top(Top::Info(system::Info::Cmdline))),
    ("cpuinfo", Kind::Top(Top::Info(system::Info::Cpuinfo))),
    (
        "filesystems",
        Kind::Top(Top::Info(system::Info::Filesystems)),
    ),
    ("loadavg", Kind::Top(Top::Info(system::Info::Loadavg))),
    ("meminfo", Kind::Top(Top::Info(system::Info::Meminfo))),
    ("mounts", Kind::Top(Top::Mounts)),
    ("stat", Kind::Top(Top::Info(system::Info::Stat))),
    ("sys", Kind::Sys(sys::Sys::Root)),
    ("uptime", Kind::Top(Top::Info(system::Info::Uptime))),
    ("version", Kind::Top(Top::Info(system::Info::Version))),
    ("self", Kind::Top(Top::SelfLink)),
    ("thread-self", Kind::Top(Top::ThreadSelf)),
];

/// Cookie of the first process in the root's listing (after `.`, `..` and [`TOP`]).
const FIRST_PID_COOKIE: u64 = 256;

impl Kind {
    /// The inode number: 1 for the root, small numbers for fixed nodes, and the task's ids
    /// with the entry (and fd) for a process's nodes.
    fn ino(self) -> u64 {
        match self {
            Kind::Root => 1,
            Kind::Top(t) => 2 + TOP.iter().position(|e| e.1 == Kind::Top(t)).unwrap_or(0) as u64,
            Kind::Sys(s) => 64 + s as u64,
            Kind::Task(t) => t.ino(0, 0),
            Kind::Entry(t, e) => t.ino(e as u64 + 1, 0),
            Kind::Fd(t, n) => t.ino(0x40, n),
            Kind::FdInfo(t, n) => t.ino(0x41, n),
        }
    }

    fn file_type(self) -> FileType {
        match self {
            Kind::Root | Kind::Task(_) => FileType::Directory,
            Kind::Top(Top::Info(_)) | Kind::FdInfo(..) => FileType::Regular,
            Kind::Top(_) | Kind::Fd(..) => FileType::Symlink,
            Kind::Sys(s) => s.file_type(),
            Kind::Entry(_, e) => e.file_type(),
        }
    }

    /// The directory this one is in (for directories; `None` for the root).
    fn parent(self) -> Option<Kind> {
        match self {
            Kind::Root | Kind::Top(_) => None,
            Kind::Sys(s) => Some(s.parent()),
            Kind::Task(Task { tid: None, .. }) => Some(Kind::Root),
            Kind::Task(Task { pid, tid: Some(_) }) => {
                Some(Kind::Entry(Task::process(pid), Entry::Task))
            }
            Kind::Entry(t, _) => Some(Kind::Task(t)),
            Kind::Fd(..) | Kind::FdInfo(..) => None,
        }
    }
}

/// A procfs inode's own part.
pub struct Node {
    fs: Arc<ProcFs>,
    kind: Kind,
}

/// The inode for `kind` in instance `fs` (the root is the mounted one).
fn make(fs: &Arc<ProcFs>, kind: Kind) -> KResult<Arc<Inode>> {
    if kind == Kind::Root {
        return fs.root.get().and_then(Weak::upgrade).ok_or(Errno::ENOENT);
    }
    let sb = fs.sb.get().and_then(Weak::upgrade).ok_or(Errno::ENOENT)?;
    let node = Node {
        fs: fs.clone(),
        kind,
    };
    Ok(Inode::new(
        &sb,
        kind.ino(),
        kind.file_type(),
        Box::new(node),
    ))
}

/// Emits `.`, `..` and then `entries` (cookie 2 onwards) from `cookie`, as `getdents` wants.
fn emit_list(
    dir: &Inode,
    cookie: u64,
    entries: impl Iterator<Item = (u64, Vec<u8>, Kind)>,
    emit: &mut dyn FnMut(DirEntry) -> bool,
) {
    let dot = [(0, b".".to_vec(), 4), (1, b"..".to_vec(), 4)];
    let all = dot
        .into_iter()
        .map(|(c, n, t)| (c, dir.ino(), n, t))
        .chain(entries.map(|(c, n, k)| {
            let t = dtype_of_mode(k.file_type().mode_bits());
            (c, k.ino(), n, t)
        }));
    for (c, ino, name, dtype) in all {
        if c < cookie {
            continue;
        }
        let e = DirEntry {
            next: c + 1,
            ino,
            dtype,
            name,
        };
        if !emit(e) {
            break;
        }
    }
}

/// The root's listing: fixed entries, then every process by pid.
fn root_entries() -> impl Iterator<Item = (u64, Vec<u8>, Kind)> {
    let fixed = TOP
        .iter()
        .enumerate()
        .map(|(i, (name, k))| (2 + i as u64, name.as_bytes().to_vec(), *k));
    let pids = crate::proc::all_processes().into_iter().map(|p| {
        let t = Task::process(p.pid);
        (
            FIRST_PID_COOKIE + p.pid as u64,
            alloc::format!("{}", p.pid).into_bytes(),
            Kind::Task(t),
        )
    });
    fixed.chain(pids)
}

fn root_lookup(name: &[u8]) -> KResult<Kind> {
    if let Some((_, k)) = TOP.iter().find(|(n, _)| n.as_bytes() == name) {
        return Ok(*k);
    }
    let pid = pid::parse_number(name).ok_or(Errno::ENOENT)?;
    if crate::proc::by_pid(pid).is_some() {
        return Ok(Kind::Task(Task::process(pid)));
    }
    // Another thread's id: not listed, but found, as on Linux (as its `task/TID`).
    let t = crate::proc::thread_by_tid(pid).ok_or(Errno::ENOENT)?;
    let owner = t.user().map(|u| u.process.pid).ok_or(Errno::ENOENT)?;
    Ok(Kind::Task(Task {
        pid: owner,
        tid: Some(pid),
    }))
}

impl InodeOps for Node {
    fn getattr(&self) -> Metadata {
        let (mode, uid, gid, nlink) = match self.kind {
            Kind::Root => (0o555, 0, 0, 3),
            Kind::Top(Top::Info(_)) => (0o444, 0, 0, 1),
            Kind::Top(_) => (0o777, 0, 0, 1),
            Kind::Sys(s) => (s.mode(), 0, 0, 1),
            Kind::Task(t) => t.attrs(None),
            Kind::Entry(t, e) => t.attrs(Some(e)),
            Kind::Fd(t, n) => fd::link_attrs(t, n),
            Kind::FdInfo(t, _) => {
                let (_, uid, gid, _) = t.attrs(None);
                (0o444, uid, gid, 1)
            }
        };
        let (sec, nsec) = crate::fs::wall_clock();
        let t = Timespec::new(sec, nsec);
        // Linux's sizes: 64 for an fd link, the target's length for a fixed link.
        let size = match self.kind {
            Kind::Fd(..) => 64,
            Kind::Top(Top::Mounts) => b"self/mounts".len() as u64,
            _ => 0,
        };
        Metadata {
            mode,
            uid,
            gid,
            nlink,
            size,
            blksize: 1024,
            atime: t,
            mtime: t,
            ctime: t,
            ..Metadata::default()
        }
    }

    fn lookup(&self, _dir: &Arc<Inode>, name: &[u8]) -> KResult<Arc<Inode>> {
        let kind = match self.kind {
            Kind::Root => root_lookup(name)?,
            Kind::Sys(s) => Kind::Sys(s.lookup(name).ok_or(Errno::ENOENT)?),
            Kind::Task(t) => t.lookup(name)?,
            Kind::Entry(t, e) => t.lookup_in(e, name)?,
            _ => return Err(Errno::ENOTDIR),
        };
        make(&self.fs, kind)
    }

    fn parent(&self) -> Option<Arc<Inode>> {
        if self.kind.file_type() != FileType::Directory {
            return None;
        }
        make(&self.fs, self.kind.parent()?).ok()
    }

    fn readdir(
        &self,
        dir: &Inode,
        cookie: u64,
        emit: &mut dyn FnMut(DirEntry) -> bool,
    ) -> KResult<()> {
        match self.kind {
            Kind::Root => emit_list(dir, cookie, root_entries(), emit),
            Kind::Sys(s) => emit_list(dir, cookie, s.entries(), emit),
            Kind::Task(t) => emit_list(dir, cookie, t.entries(), emit),
            Kind::Entry(t, e) => emit_list(dir, cookie, t.entries_in(e)?.into_iter(), emit),
            _ => return Err(Errno::ENOTDIR),
        }
        Ok(())
    }

    fn readlink(&self) -> KResult<Vec<u8>> {
        match self.kind {
            Kind::Top(t) => system::top_link(t),
            Kind::Entry(t, e) => t.readlink(e),
            Kind::Fd(t, n) => fd::readlink(t, n),
            _ => Err(Errno::EINVAL),
        }
    }

    fn follow_link(&self) -> KResult<LinkTarget> {
        match self.kind {
            Kind::Entry(t, e) => t.follow(e).map(LinkTarget::Inode),
            Kind::Fd(t, n) => fd::follow(t, n).map(LinkTarget::Inode),
            _ => self.readlink().map(LinkTarget::Path),
        }
    }

    fn open(&self, inode: &Arc<Inode>, flags: u32) -> KResult<Arc<dyn FileOps>> {
        let _ = flags;
        match self.kind {
            Kind::Top(Top::Info(i)) => Ok(Arc::new(text::Text(system::generate(i)?))),
            Kind::Sys(s) if s.file_type() == FileType::Regular => Ok(Arc::new(s.file())),
            Kind::Entry(t, e) if e.file_type() == FileType::Regular => t.open(e),
            Kind::FdInfo(t, n) => Ok(Arc::new(text::Text(fd::fdinfo(t, n)?))),
            _ if inode.is_dir() => Ok(Arc::new(DirFile::new(inode.clone()))),
            _ => Err(Errno::ENXIO),
        }
    }
}

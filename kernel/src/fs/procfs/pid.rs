//! `/proc/PID` and `/proc/PID/task/TID`: a process's (or one thread's) directory, its entries
//! in Linux's order, the `cwd`, `root` and `exe` magic links, `comm` (writable by the process
//! itself), and the checks Linux makes with `ptrace_may_access`.
//!
//! A [`Task`] names the process by pid and, inside `task/`, one thread by tid; it is looked up
//! in the process table on every use, so a node of a reaped process answers ENOENT (lookups)
//! or ESRCH (opens), as on Linux.

use alloc::sync::Arc;
use alloc::vec::Vec;

use keel_abi::{Errno, KResult};
use keel_vfs::{FileOps, FileType, Inode};

use super::text::Text;
use super::{fd, maps, stat, Kind};
use crate::proc::Process;
use crate::sched::Thread;

/// A process, or one of its threads.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Task {
    pub pid: u32,
    pub tid: Option<u32>,
}

/// The entries of a task directory.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Entry {
    Task,
    Fd,
    Fdinfo,
    Environ,
    Status,
    Comm,
    Cmdline,
    Stat,
    Statm,
    Maps,
    Cwd,
    Root,
    Exe,
    Mounts,
}

/// Names, in Linux's order (`tgid_base_stuff`); a thread's directory has all but `task`.
const ENTRIES: &[(&str, Entry)] = &[
    ("task", Entry::Task),
    ("fd", Entry::Fd),
    ("fdinfo", Entry::Fdinfo),
    ("environ", Entry::Environ),
    ("status", Entry::Status),
    ("comm", Entry::Comm),
    ("cmdline", Entry::Cmdline),
    ("stat", Entry::Stat),
    ("statm", Entry::Statm),
    ("maps", Entry::Maps),
    ("cwd", Entry::Cwd),
    ("root", Entry::Root),
    ("exe", Entry::Exe),
    ("mounts", Entry::Mounts),
];

impl Entry {
    pub fn file_type(self) -> FileType {
        match self {
            Entry::Task | Entry::Fd | Entry::Fdinfo => FileType::Directory,
            Entry::Cwd | Entry::Root | Entry::Exe => FileType::Symlink,
            _ => FileType::Regular,
        }
    }

    /// Linux's modes: `fd` is r-x------, `environ` r--------, `comm` rw-r--r--.
    fn mode(self) -> u32 {
        match self {
            Entry::Task | Entry::Fdinfo => 0o555,
            Entry::Fd => 0o500,
            Entry::Environ => 0o400,
            Entry::Comm => 0o644,
            Entry::Cwd | Entry::Root | Entry::Exe => 0o777,
            _ => 0o444,
        }
    }
}

/// A decimal number without sign or leading zeros (a pid, tid or fd in a name).
pub fn parse_number(name: &[u8]) -> Option<u32> {
    if name.is_empty() || (name[0] == b'0' && name.len() > 1) {
        return None;
    }
    core::str::from_utf8(name).ok()?.parse().ok()
}

/// The calling process (none for a kernel thread).
pub fn caller() -> Option<Arc<Process>> {
    crate::sched::current_if_user().and_then(|t| t.user().map(|u| u.process.clone()))
}

/// The caller's root directory (paths are shown from there, as Linux's `d_path`).
pub fn caller_root() -> Arc<Inode> {
    match caller() {
        Some(p) => p.fs.lock().root.clone(),
        None => crate::fs::vfs().root().clone(),
    }
}

/// Whether a process may be inspected by others (`PR_SET_DUMPABLE`).
fn dumpable(p: &Process) -> bool {
    p.main_thread()
        .and_then(|t| t.user().map(|u| u.prctl.lock().dumpable))
        .unwrap_or(true)
}

/// Linux's `ptrace_may_access(PTRACE_MODE_READ_FSCREDS)` without ptrace: the caller's own
/// process, root, or a caller whose fsuid and fsgid match all of the target's user and group
/// ids, when the target is dumpable.
pub fn may_read(target: &Process) -> bool {
    let Some(me) = caller() else { return true };
    if me.pid == target.pid {
        return true;
    }
    let mine = me.cred.lock().clone();
    if mine.fsuid == 0 {
        return true;
    }
    let theirs = target.cred.lock().clone();
    let uid_ok = [theirs.uid, theirs.euid, theirs.suid]
        .iter()
        .all(|&u| u == mine.fsuid);
    let gid_ok = [theirs.gid, theirs.egid, theirs.sgid]
        .iter()
        .all(|&g| g == mine.fsgid);
    uid_ok && gid_ok && dumpable(target)
}

impl Task {
    pub const fn process(pid: u32) -> Task {
        Task { pid, tid: None }
    }

    /// An inode number for entry `entry` (0 for the directory) and `n` (an fd) of this task.
    pub fn ino(self, entry: u64, n: u32) -> u64 {
        let (class, id) = match self.tid {
            None => (1u64, self.pid),
            Some(tid) => (2, tid),
        };
        (class << 60) | ((id as u64) << 28) | ((entry & 0xff) << 20) | (n as u64 & 0xf_ffff)
    }

    /// The process; ENOENT once it is reaped.
    pub fn get(self) -> KResult<Arc<Process>> {
        crate::proc::by_pid(self.pid).ok_or(Errno::ENOENT)
    }

    /// The thread this task names: its own for `task/TID`, else the main thread (`None` for a
    /// process without threads left, a zombie).
    pub fn thread(self, p: &Process) -> Option<Arc<Thread>> {
        match self.tid {
            None => p.main_thread(),
            Some(tid) => p.threads.lock().iter().find(|t| t.tid() == tid).cloned(),
        }
    }

    /// Mode, owner and link count of the directory (`entry` `None`) or of an entry: the owner
    /// is the process's effective ids, or root when it is not dumpable.
    pub fn attrs(self, entry: Option<Entry>) -> (u32, u32, u32, u32) {
        let (uid, gid) = match self.get() {
            Ok(p) if dumpable(&p) => {
                let c = p.cred.lock();
                (c.euid, c.egid)
            }
            _ => (0, 0),
        };
        match entry {
            None => (0o555, uid, gid, 2 + 2 + self.tid.is_none() as u32),
            Some(e) if e.file_type() == FileType::Directory => (e.mode(), uid, gid, 2),
            Some(e) => (e.mode(), uid, gid, 1),
        }
    }

    fn entry_list(self) -> impl Iterator<Item = &'static (&'static str, Entry)> {
        ENTRIES
            .iter()
            .filter(move |(_, e)| !(self.tid.is_some() && *e == Entry::Task))
    }

    pub fn lookup(self, name: &[u8]) -> KResult<Kind> {
        self.get()?;
        self.entry_list()
            .find(|(n, _)| n.as_bytes() == name)
            .map(|(_, e)| Kind::Entry(self, *e))
            .ok_or(Errno::ENOENT)
    }

    pub fn entries(self) -> impl Iterator<Item = (u64, Vec<u8>, Kind)> {
        self.entry_list()
            .enumerate()
            .map(move |(i, (n, e))| (2 + i as u64, n.as_bytes().to_vec(), Kind::Entry(self, *e)))
    }

    /// Looks `name` up in the `fd`, `fdinfo` or `task` directory.
    pub fn lookup_in(self, dir: Entry, name: &[u8]) -> KResult<Kind> {
        let p = self.get()?;
        let n = parse_number(name).ok_or(Errno::ENOENT)?;
        match dir {
            Entry::Fd | Entry::Fdinfo => {
                p.fds().get(n as i32).map_err(|_| Errno::ENOENT)?;
                Ok(if dir == Entry::Fd {
                    Kind::Fd(self, n)
                } else {
                    Kind::FdInfo(self, n)
                })
            }
            Entry::Task if task_ids(&p).contains(&n) => Ok(Kind::Task(Task {
                pid: self.pid,
                tid: Some(n),
            })),
            Entry::Task => Err(Errno::ENOENT),
            _ => Err(Errno::ENOTDIR),
        }
    }

    /// The listing of the `fd`, `fdinfo` or `task` directory (cookie 2 + the number).
    pub fn entries_in(self, dir: Entry) -> KResult<Vec<(u64, Vec<u8>, Kind)>> {
        let p = self.get()?;
        let numbers: Vec<u32> = match dir {
            Entry::Fd | Entry::Fdinfo => p.fds().open_fds().iter().map(|&f| f as u32).collect(),
            Entry::Task => task_ids(&p),
            _ => return Err(Errno::ENOTDIR),
        };
        Ok(numbers
            .into_iter()
            .map(|n| {
                let k = match dir {
                    Entry::Fd => Kind::Fd(self, n),
                    Entry::Fdinfo => Kind::FdInfo(self, n),
                    _ => Kind::Task(Task {
                        pid: self.pid,
                        tid: Some(n),
                    }),
                };
                (2 + n as u64, alloc::format!("{n}").into_bytes(), k)
            })
            .collect())
    }

    /// Where `cwd`, `root` or `exe` leads: EACCES for a process the caller may not inspect,
    /// ENOENT for a zombie (no files, no address space).
    pub fn follow(self, e: Entry) -> KResult<Arc<Inode>> {
        let p = self.get()?;
        if !may_read(&p) {
            return Err(Errno::EACCES);
        }
        if p.is_zombie() {
            return Err(Errno::ENOENT);
        }
        match e {
            Entry::Cwd => Ok(p.fs.lock().cwd.clone()),
            Entry::Root => Ok(p.fs.lock().root.clone()),
            Entry::Exe => exe(&p).map(|x| x.inode),
            _ => Err(Errno::EINVAL),
        }
    }

    pub fn readlink(self, e: Entry) -> KResult<Vec<u8>> {
        let target = self.follow(e)?;
        let root = caller_root();
        let vfs = crate::fs::vfs();
        match e {
            Entry::Exe => {
                let p = self.get()?;
                let x = exe(&p)?;
                Ok(match &x.origin {
                    Some((dir, name)) => fd::path_name(&root, dir, name, &x.inode),
                    None => vfs.path_of(&root, &target).unwrap_or_default(),
                })
            }
            _ => vfs.path_of(&root, &target).or_else(|_| Ok(b"/".to_vec())),
        }
    }

    /// A new open file for a regular entry: its text, made now.
    pub fn open(self, e: Entry) -> KResult<Arc<dyn FileOps>> {
        let p = self.get().map_err(|_| Errno::ESRCH)?;
        let guarded = matches!(e, Entry::Environ | Entry::Maps);
        if guarded && !may_read(&p) {
            return Err(Errno::EACCES);
        }
        let thread = self.thread(&p);
        let text = match e {
            Entry::Stat => stat::stat(&p, self, thread.as_ref()),
            Entry::Status => stat::status(&p, self, thread.as_ref()),
            Entry::Statm => stat::statm(&p),
            Entry::Cmdline => maps::cmdline(&p),
            Entry::Environ => maps::environ(&p),
            Entry::Maps => maps::maps(&p),
            Entry::Mounts => super::system::mounts(&p.fs.lock().root.clone()),
            Entry::Comm => return Ok(Arc::new(Comm { task: self })),
            _ => return Err(Errno::EINVAL),
        };
        Ok(Arc::new(Text(text)))
    }
}

/// The thread ids of a process, ascending (a zombie's directory still lists its pid).
fn task_ids(p: &Process) -> Vec<u32> {
    let mut ids: Vec<u32> = p.threads.lock().iter().map(|t| t.tid()).collect();
    if ids.is_empty() {
        ids.push(p.pid);
    }
    ids.sort_unstable();
    ids
}

/// The executable of a live process.
fn exe(p: &Process) -> KResult<crate::mm::exeinfo::ExeFile> {
    let mm = p.try_mm().ok_or(Errno::ENOENT)?;
    let exe = mm.lock().image.exe.clone();
    exe.ok_or(Errno::ENOENT)
}

/// The name of a task: its thread's, or the process's once it has exited.
pub fn comm_of(p: &Process, thread: Option<&Arc<Thread>>) -> Vec<u8> {
    let name = match thread {
        Some(t) => t.name_bytes(),
        None => p.comm(),
    };
    let len = name.iter().position(|&b| b == 0).unwrap_or(name.len());
    name[..len].to_vec()
}

/// `/proc/PID/comm`: the name and a newline; a thread of the same process may write a new
/// name (the bytes as written, cut to 15), others get EINVAL, as Linux's `comm_write`.
struct Comm {
    task: Task,
}

impl FileOps for Comm {
    fn read(&self, pos: &mut u64, buf: &mut [u8], _flags: u32) -> KResult<usize> {
        let p = self.task.get().map_err(|_| Errno::ESRCH)?;
        let mut text = comm_of(&p, self.task.thread(&p).as_ref());
        text.push(b'\n');
        Text(text).read(pos, buf, 0)
    }

    fn write(&self, _pos: &mut u64, buf: &[u8], _flags: u32) -> KResult<usize> {
        let p = self.task.get().map_err(|_| Errno::ESRCH)?;
        if caller().is_none_or(|me| me.pid != p.pid) {
            return Err(Errno::EINVAL);
        }
        // Linux keeps the bytes as written, a newline too, up to a NUL or 15 bytes.
        let t = self.task.thread(&p).ok_or(Errno::ESRCH)?;
        t.set_name(buf);
        Ok(buf.len())
    }

    fn seek(&self, pos: u64, offset: i64, whence: u32) -> KResult<u64> {
        Text(Vec::new()).seek(pos, offset, whence)
    }

    fn seekable(&self) -> bool {
        true
    }
}

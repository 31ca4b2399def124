//! `/proc/PID/fd/N` and `/proc/PID/fdinfo/N`, and how an open file is named (Linux's
//! `d_path` and `d_dname`): by the path it was opened by (`/dev/pts/0`, `/dev/console`,
//! `/tmp/x`, with ` (deleted)` once its last link is gone), or for files without one by their
//! kind: `pipe:[INO]`, `socket:[INO]`, `anon_inode:[eventpoll]`.
//!
//! An fd link is a magic link: following it leads to the open file's inode, so
//! `open("/proc/self/fd/N")` opens that file again (files without an inode, such as pipes,
//! cannot be reopened this way yet: ENOENT).

use alloc::sync::Arc;
use alloc::vec::Vec;

use keel_abi::{Errno, KResult};
use keel_vfs::consts::{FileType, O_CLOEXEC, S_IFCHR, S_IFIFO, S_IFMT, S_IFSOCK};
use keel_vfs::{Inode, LinkTarget, OpenFile};

use super::pid::{caller_root, may_read, Task};

/// `path` joined with `name` (no doubled slash at the root).
fn join(mut path: Vec<u8>, name: &[u8]) -> Vec<u8> {
    if path.last() != Some(&b'/') {
        path.push(b'/');
    }
    path.extend_from_slice(name);
    path
}

/// The path, seen from `root`, of `inode`, which was found as `name` in `dir`. A directory
/// is named by walking up from itself; anything else by its directory and name, unless that
/// name now leads elsewhere: a magic link to it gives its link's text (a file reopened
/// through `/proc/PID/fd`), and a file with no links left gets ` (deleted)`.
pub fn path_name(root: &Arc<Inode>, dir: &Arc<Inode>, name: &[u8], inode: &Arc<Inode>) -> Vec<u8> {
    let vfs = crate::fs::vfs();
    let special = name.is_empty() || name == b"." || name == b"..";
    if inode.is_dir() || special {
        if let Ok(p) = vfs.path_of(root, inode) {
            return p;
        }
    }
    if let Ok(c) = dir.child(name) {
        let c = c.cross_mounts();
        if c.file_type() == FileType::Symlink {
            if let Ok(LinkTarget::Inode(t)) = c.ops().follow_link() {
                if Arc::ptr_eq(&t.cross_mounts(), inode) {
                    if let Ok(text) = c.read_link() {
                        return text;
                    }
                }
            }
        }
    }
    let mut path = join(vfs.path_of(root, dir).unwrap_or_default(), name);
    if inode.metadata().nlink == 0 {
        path.extend_from_slice(b" (deleted)");
    }
    path
}

/// The name `/proc/PID/fd/N` gives the open file `f`, seen from `root`.
pub fn file_name(f: &OpenFile, root: &Arc<Inode>) -> Vec<u8> {
    if let (Some(inode), Some((dir, name))) = (f.inode(), f.origin()) {
        return path_name(root, dir, name, inode);
    }
    let m = f.stat();
    match m.mode & S_IFMT {
        S_IFIFO => alloc::format!("pipe:[{}]", m.ino).into_bytes(),
        S_IFSOCK => alloc::format!("socket:[{}]", m.ino).into_bytes(),
        S_IFCHR if keel_vfs::major(m.rdev) == crate::tty::pty::PTS_MAJOR => {
            alloc::format!("/dev/pts/{}", keel_vfs::minor(m.rdev)).into_bytes()
        }
        _ if crate::fs::poll::is_epoll(f) => b"anon_inode:[eventpoll]".to_vec(),
        _ => match f.inode() {
            Some(i) => crate::fs::vfs().path_of(root, i).unwrap_or_default(),
            None => b"anon_inode:[unknown]".to_vec(),
        },
    }
}

/// The open file behind fd `n` of `t`, if the caller may look: EACCES, or ENOENT when the fd
/// is closed or the process gone.
fn open_file(t: Task, n: u32) -> KResult<Arc<OpenFile>> {
    let p = t.get()?;
    if !may_read(&p) {
        return Err(Errno::EACCES);
    }
    p.fds().get(n as i32).map_err(|_| Errno::ENOENT)
}

/// Mode and owner of an fd link: `r-x` for reading, `-wx` for writing, both for both, as
/// Linux's `proc_fd_link` inode.
pub fn link_attrs(t: Task, n: u32) -> (u32, u32, u32, u32) {
    let (_, uid, gid, _) = t.attrs(None);
    let file = t.get().ok().and_then(|p| p.fds().get(n as i32).ok());
    let mode = file.map_or(0o700, |f| {
        let mut m = 0;
        if f.readable() || f.is_path() {
            m |= 0o500;
        }
        if f.writable() {
            m |= 0o300;
        }
        m
    });
    (mode, uid, gid, 1)
}

pub fn readlink(t: Task, n: u32) -> KResult<Vec<u8>> {
    let f = open_file(t, n)?;
    Ok(file_name(&f, &caller_root()))
}

pub fn follow(t: Task, n: u32) -> KResult<Arc<Inode>> {
    open_file(t, n)?.inode().cloned().ok_or(Errno::ENOENT)
}

/// `/proc/PID/fdinfo/N`: offset, flags in octal (with `O_CLOEXEC` for a close-on-exec fd),
/// mount id (the mount's place in the table, from 1) and inode number.
pub fn fdinfo(t: Task, n: u32) -> KResult<Vec<u8>> {
    let p = t.get().map_err(|_| Errno::ESRCH)?;
    if !may_read(&p) {
        return Err(Errno::EACCES);
    }
    let fds = p.fds();
    let f = fds.get(n as i32).map_err(|_| Errno::ENOENT)?;
    let mut flags = f.flags();
    if fds.cloexec(n as i32).unwrap_or(false) {
        flags |= O_CLOEXEC;
    }
    let mnt_id = f.inode().map_or(0, |i| {
        let vfs = crate::fs::vfs();
        vfs.mounts(vfs.root())
            .iter()
            .position(|m| Arc::ptr_eq(m.root.superblock(), i.superblock()))
            .map_or(0, |k| k + 1)
    });
    Ok(alloc::format!(
        "pos:\t{}\nflags:\t0{:o}\nmnt_id:\t{}\nino:\t{}\n",
        f.position(),
        flags,
        mnt_id,
        f.stat().ino
    )
    .into_bytes())
}

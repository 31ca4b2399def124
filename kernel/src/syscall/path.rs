//! Path system calls that change the tree or attributes: mkdir, mknod, unlink/rmdir, rename,
//! link, symlink, chown, utimensat and its older forms, chdir/fchdir/chroot, access with
//! `faccessat2`'s flags. Each decodes its arguments in Linux's order (flags, user strings,
//! then the walk) and calls the VFS, which applies the permission rules.

use alloc::sync::Arc;

use keel_abi::fcntl::{
    AT_EACCESS, AT_EMPTY_PATH, AT_FDCWD, AT_REMOVEDIR, AT_SYMLINK_FOLLOW, AT_SYMLINK_NOFOLLOW,
    UTIME_NOW, UTIME_OMIT,
};
use keel_abi::time::{Timespec, Timeval};
use keel_abi::{Errno, KResult};
use keel_vfs::consts::{MAY_EXEC, MAY_WRITE, S_IFMT};
use keel_vfs::{Cred, FileType, Inode, LookupCtx, SetTime};

use super::fs::{path_arg, with_ctx};
use super::Caller;
use crate::fs::vfs;
use crate::mm::usercopy::{read_cstr, UserPtr};

fn fs_cred(c: &Caller) -> Cred {
    c.process().cred.lock().fs_cred()
}

fn umask(c: &Caller) -> u32 {
    c.process().fs.lock().umask
}

/// The inode behind `fd` for the calls that accept `O_PATH` descriptors.
fn fd_inode(c: &Caller, fd: i32) -> KResult<Arc<Inode>> {
    let f = c.process().fds().get(fd)?;
    f.inode().cloned().ok_or(Errno::EINVAL)
}

/// The inode a `*at` call with `AT_EMPTY_PATH` and an empty path means: the fd's, or the cwd
/// for `AT_FDCWD`.
fn empty_path_inode(c: &Caller, dirfd: i32) -> KResult<Arc<Inode>> {
    if dirfd == AT_FDCWD {
        Ok(c.process().fs.lock().cwd.clone())
    } else {
        fd_inode(c, dirfd)
    }
}

/// What `(dirfd, path, flags)` names for the calls taking `AT_EMPTY_PATH` and
/// `AT_SYMLINK_NOFOLLOW`.
fn target(c: &Caller, dirfd: i32, path: u64, flags: u32) -> KResult<Arc<Inode>> {
    let p = path_arg(path)?;
    if p.is_empty() && flags & AT_EMPTY_PATH != 0 {
        return empty_path_inode(c, dirfd);
    }
    let follow = flags & AT_SYMLINK_NOFOLLOW == 0;
    with_ctx(c, dirfd, &p, |ctx| keel_vfs::lookup(ctx, &p, follow))
}

pub fn sys_mkdirat(c: &Caller, dirfd: i32, path: u64, mode: u32) -> KResult<usize> {
    let p = path_arg(path)?;
    let mask = umask(c);
    with_ctx(c, dirfd, &p, |ctx| vfs().mkdir(ctx, &p, mode, mask))?;
    Ok(0)
}

/// `mknodat(2)`: `dev` is the 32-bit `new_encode_dev` value the system call takes.
pub fn sys_mknodat(c: &Caller, dirfd: i32, path: u64, mode: u32, dev: u32) -> KResult<usize> {
    // Linux's may_mknod comes before the path is even looked at.
    keel_vfs::check_mknod_mode(mode)?;
    let p = path_arg(path)?;
    let major = (dev & 0xfff00) >> 8;
    let minor = (dev & 0xff) | ((dev >> 12) & 0xfff00);
    let rdev = keel_vfs::makedev(major, minor);
    let mask = umask(c);
    with_ctx(c, dirfd, &p, |ctx| vfs().mknod(ctx, &p, mode, rdev, mask))?;
    Ok(0)
}

pub fn sys_unlinkat(c: &Caller, dirfd: i32, path: u64, flags: u32) -> KResult<usize> {
    if flags & !AT_REMOVEDIR != 0 {
        return Err(Errno::EINVAL);
    }
    let p = path_arg(path)?;
    with_ctx(c, dirfd, &p, |ctx| {
        if flags & AT_REMOVEDIR != 0 {
            vfs().rmdir(ctx, &p)
        } else {
            vfs().unlink(ctx, &p)
        }
    })?;
    Ok(0)
}

pub fn sys_renameat2(
    c: &Caller,
    olddfd: i32,
    old: u64,
    newdfd: i32,
    new: u64,
    flags: u32,
) -> KResult<usize> {
    keel_vfs::check_rename_flags(flags, &fs_cred(c))?;
    let old = path_arg(old)?;
    let new = path_arg(new)?;
    with_ctx(c, olddfd, &old, |octx| {
        with_ctx(c, newdfd, &new, |nctx| {
            vfs().rename(octx, &old, nctx, &new, flags)
        })
    })?;
    Ok(0)
}

pub fn sys_linkat(
    c: &Caller,
    olddfd: i32,
    old: u64,
    newdfd: i32,
    new: u64,
    flags: u32,
) -> KResult<usize> {
    if flags & !(AT_SYMLINK_FOLLOW | AT_EMPTY_PATH) != 0 {
        return Err(Errno::EINVAL);
    }
    let old = path_arg(old)?;
    let new = path_arg(new)?;
    if old.is_empty() && flags & AT_EMPTY_PATH != 0 {
        // Naming an fd's inode needs CAP_DAC_READ_SEARCH; Linux answers ENOENT without it.
        if c.process().cred.lock().euid != 0 {
            return Err(Errno::ENOENT);
        }
        let inode = empty_path_inode(c, olddfd)?;
        with_ctx(c, newdfd, &new, |nctx| vfs().link_inode(&inode, nctx, &new))?;
        return Ok(0);
    }
    let follow = flags & AT_SYMLINK_FOLLOW != 0;
    with_ctx(c, olddfd, &old, |octx| {
        with_ctx(c, newdfd, &new, |nctx| {
            vfs().link(octx, &old, nctx, &new, follow)
        })
    })?;
    Ok(0)
}

pub fn sys_symlinkat(c: &Caller, target: u64, newdfd: i32, path: u64) -> KResult<usize> {
    let t = read_cstr(target, keel_vfs::consts::PATH_MAX - 1)?;
    if t.is_empty() {
        return Err(Errno::ENOENT); // Linux's getname refuses an empty target first
    }
    let p = path_arg(path)?;
    with_ctx(c, newdfd, &p, |ctx| vfs().symlink(ctx, &t, &p))?;
    Ok(0)
}

fn id_arg(id: u32) -> Option<u32> {
    (id != u32::MAX).then_some(id)
}

pub fn sys_fchownat(
    c: &Caller,
    dirfd: i32,
    path: u64,
    uid: u32,
    gid: u32,
    flags: u32,
) -> KResult<usize> {
    if flags & !(AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH) != 0 {
        return Err(Errno::EINVAL);
    }
    let inode = target(c, dirfd, path, flags)?;
    inode.chown(&fs_cred(c), id_arg(uid), id_arg(gid))?;
    Ok(0)
}

pub fn sys_fchown(c: &Caller, fd: i32, uid: u32, gid: u32) -> KResult<usize> {
    let f = c.process().fds().get(fd)?;
    if f.is_path() {
        return Err(Errno::EBADF);
    }
    let inode = f.inode().cloned().ok_or(Errno::EINVAL)?;
    inode.chown(&fs_cred(c), id_arg(uid), id_arg(gid))?;
    Ok(0)
}

/// One `timespec` of `utimensat`: EINVAL unless its nanoseconds are valid or a `UTIME_*`.
fn set_time(t: Timespec) -> KResult<SetTime> {
    match t.tv_nsec {
        UTIME_NOW => Ok(SetTime::Now),
        UTIME_OMIT => Ok(SetTime::Omit),
        0..=999_999_999 => Ok(SetTime::At(keel_vfs::Timespec::new(
            t.tv_sec,
            t.tv_nsec as u32,
        ))),
        _ => Err(Errno::EINVAL),
    }
}

/// The common part of the `utime*` calls (Linux's `do_utimes`): `path` 0 means the file of
/// `dirfd` itself.
fn do_utimes(
    c: &Caller,
    dirfd: i32,
    path: u64,
    times: Option<(SetTime, SetTime)>,
    flags: u32,
) -> KResult<usize> {
    if flags & !(AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH) != 0 {
        return Err(Errno::EINVAL);
    }
    let inode = if path == 0 && dirfd != AT_FDCWD {
        if flags != 0 {
            return Err(Errno::EINVAL);
        }
        fd_inode(c, dirfd)?
    } else {
        target(c, dirfd, path, flags)?
    };
    let (a, m) = times.unwrap_or((SetTime::Now, SetTime::Now));
    inode.set_times(&fs_cred(c), a, m)?;
    Ok(0)
}

pub fn sys_utimensat(c: &Caller, dirfd: i32, path: u64, times: u64, flags: u32) -> KResult<usize> {
    let times = if times == 0 {
        None
    } else {
        let t = UserPtr::<[Timespec; 2]>::new(times).read()?;
        if t[0].tv_nsec == UTIME_OMIT && t[1].tv_nsec == UTIME_OMIT {
            return Ok(0); // nothing to do: not even the path is checked
        }
        Some((set_time(t[0])?, set_time(t[1])?))
    };
    do_utimes(c, dirfd, path, times, flags)
}

/// `futimesat(2)` and `utimes(2)`: microsecond times, EINVAL outside `0..1_000_000`.
pub fn sys_futimesat(c: &Caller, dirfd: i32, path: u64, times: u64) -> KResult<usize> {
    let times = if times == 0 {
        None
    } else {
        let t = UserPtr::<[Timeval; 2]>::new(times).read()?;
        let conv = |tv: Timeval| {
            if !(0..1_000_000).contains(&tv.tv_usec) {
                return Err(Errno::EINVAL);
            }
            Ok(SetTime::At(keel_vfs::Timespec::new(
                tv.tv_sec,
                (tv.tv_usec * 1000) as u32,
            )))
        };
        Some((conv(t[0])?, conv(t[1])?))
    };
    do_utimes(c, dirfd, path, times, 0)
}

/// `utime(2)`: whole seconds (`struct utimbuf`).
pub fn sys_utime(c: &Caller, path: u64, times: u64) -> KResult<usize> {
    let times = if times == 0 {
        None
    } else {
        let t = UserPtr::<[i64; 2]>::new(times).read()?;
        let at = |s| SetTime::At(keel_vfs::Timespec::new(s, 0));
        Some((at(t[0]), at(t[1])))
    };
    do_utimes(c, AT_FDCWD, path, times, 0)
}

/// Sets the cwd to `dir` after Linux's checks: ENOTDIR, EACCES without search permission.
fn set_cwd(c: &Caller, dir: Arc<Inode>) -> KResult<usize> {
    if !dir.is_dir() {
        return Err(Errno::ENOTDIR);
    }
    dir.check_access(&fs_cred(c), MAY_EXEC)?;
    c.process().fs.lock().cwd = dir;
    Ok(0)
}

pub fn sys_chdir(c: &Caller, path: u64) -> KResult<usize> {
    let p = path_arg(path)?;
    let dir = with_ctx(c, AT_FDCWD, &p, |ctx| keel_vfs::lookup(ctx, &p, true))?;
    set_cwd(c, dir)
}

pub fn sys_fchdir(c: &Caller, fd: i32) -> KResult<usize> {
    let dir = fd_inode(c, fd).map_err(|e| {
        if e == Errno::EINVAL {
            Errno::ENOTDIR
        } else {
            e
        }
    })?;
    set_cwd(c, dir)
}

/// `chroot(2)`: the walk's errors, ENOTDIR, EACCES without search permission, then EPERM
/// without privilege.
pub fn sys_chroot(c: &Caller, path: u64) -> KResult<usize> {
    let p = path_arg(path)?;
    let dir = with_ctx(c, AT_FDCWD, &p, |ctx| keel_vfs::lookup(ctx, &p, true))?;
    if !dir.is_dir() {
        return Err(Errno::ENOTDIR);
    }
    dir.check_access(&fs_cred(c), MAY_EXEC)?;
    if c.process().cred.lock().euid != 0 {
        return Err(Errno::EPERM);
    }
    c.process().fs.lock().root = dir;
    Ok(0)
}

/// `faccessat2(2)` (and `faccessat`, `access` with `flags` 0): checks with the real ids unless
/// `AT_EACCESS`; EROFS for write access on a read-only mount; root may execute only what has
/// an execute bit.
pub fn sys_faccessat2(c: &Caller, dirfd: i32, path: u64, mode: u32, flags: u32) -> KResult<usize> {
    if mode & !7 != 0 || flags & !(AT_EACCESS | AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH) != 0 {
        return Err(Errno::EINVAL);
    }
    let p = path_arg(path)?;
    let cred = {
        let cr = c.process().cred.lock();
        if flags & AT_EACCESS != 0 {
            cr.fs_cred()
        } else {
            Cred {
                uid: cr.uid,
                gid: cr.gid,
                groups: cr.groups.clone(),
            }
        }
    };
    let inode = if p.is_empty() && flags & AT_EMPTY_PATH != 0 {
        empty_path_inode(c, dirfd)?
    } else {
        let follow = flags & AT_SYMLINK_NOFOLLOW == 0;
        with_ctx(c, dirfd, &p, |ctx| {
            let ctx = LookupCtx {
                cred: &cred,
                ..*ctx
            };
            keel_vfs::lookup(&ctx, &p, follow)
        })?
    };
    if mode & MAY_WRITE != 0
        && inode.superblock().read_only()
        && matches!(
            inode.file_type(),
            FileType::Regular | FileType::Directory | FileType::Symlink
        )
    {
        return Err(Errno::EROFS);
    }
    if mode != 0 {
        inode.check_access(&cred, mode)?;
    }
    Ok(0)
}

/// `truncate(2)`: needs write permission; EISDIR for a directory, EINVAL for other
/// non-regular files or a negative length.
pub fn sys_truncate(c: &Caller, path: u64, len: i64) -> KResult<usize> {
    let p = path_arg(path)?;
    if len < 0 {
        return Err(Errno::EINVAL);
    }
    let inode = with_ctx(c, AT_FDCWD, &p, |ctx| keel_vfs::lookup(ctx, &p, true))?;
    match inode.metadata().mode & S_IFMT {
        keel_vfs::consts::S_IFDIR => return Err(Errno::EISDIR),
        keel_vfs::consts::S_IFREG => {}
        _ => return Err(Errno::EINVAL),
    }
    inode.superblock().check_writable()?;
    inode.check_access(&fs_cred(c), MAY_WRITE)?;
    inode.truncate(len as u64)?;
    Ok(0)
}

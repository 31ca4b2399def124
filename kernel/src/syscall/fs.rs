//! File system calls: open/close/read/write and friends, stat, poll, ioctl, fd operations.

use alloc::sync::Arc;
use alloc::vec;
use alloc::vec::Vec;

use keel_abi::fcntl::{AT_EMPTY_PATH, AT_FDCWD, AT_SYMLINK_NOFOLLOW, O_CLOEXEC};
use keel_abi::stat::Stat;
use keel_abi::uio::IoVec;
use keel_abi::{Errno, KResult};
use keel_vfs::consts::S_IFMT;
use keel_vfs::{Inode, LookupCtx, Metadata, OpenFile};

use super::Caller;
use crate::fs::scratch::Scratch;
use crate::mm::usercopy::{
    check_range, copy_from_user, copy_to_user, copy_to_user_partial, read_cstr, UserPtr,
};

/// Bytes moved per step of a large read or write.
const CHUNK: usize = 64 * 1024;
/// Linux's PATH_MAX, including the NUL.
const PATH_MAX: usize = 4096;
/// Linux's MAX_RW_COUNT: the most one read or write transfers.
pub(super) const MAX_RW_COUNT: u64 = 0x7fff_f000;
/// Linux's UIO_MAXIOV.
const IOV_MAX: i32 = 1024;

fn file(c: &Caller, fd: i32) -> KResult<Arc<OpenFile>> {
    c.process().fds().get(fd)
}

/// Reads a path argument: EFAULT for a bad pointer, ENAMETOOLONG past PATH_MAX.
pub fn path_arg(addr: u64) -> KResult<Vec<u8>> {
    let p = read_cstr(addr, PATH_MAX - 1)?;
    Ok(p)
}

/// Runs `f` with a lookup context for `dirfd` (AT_FDCWD or a directory fd) as the start of
/// relative paths.
pub fn with_ctx<R>(
    c: &Caller,
    dirfd: i32,
    path: &[u8],
    f: impl FnOnce(&LookupCtx<'_>) -> KResult<R>,
) -> KResult<R> {
    if path.is_empty() {
        return Err(Errno::ENOENT);
    }
    let p = c.process();
    let cred = p.cred.lock().fs_cred();
    let (root, cwd) = {
        let fs = p.fs.lock();
        (fs.root.clone(), fs.cwd.clone())
    };
    let start = if dirfd == AT_FDCWD || path.first() == Some(&b'/') {
        cwd
    } else {
        let dir = file(c, dirfd)?.inode().cloned().ok_or(Errno::ENOTDIR)?;
        if !dir.is_dir() {
            return Err(Errno::ENOTDIR);
        }
        dir
    };
    f(&LookupCtx {
        root: &root,
        cwd: &start,
        cred: &cred,
    })
}

fn stat_of(m: &Metadata) -> Stat {
    Stat {
        st_dev: m.dev,
        st_ino: m.ino,
        st_nlink: m.nlink as u64,
        st_mode: m.mode,
        st_uid: m.uid,
        st_gid: m.gid,
        st_rdev: m.rdev,
        st_size: m.size as i64,
        st_blksize: m.blksize as i64,
        st_blocks: m.blocks as i64,
        st_atime: m.atime.sec as u64,
        st_atime_nsec: m.atime.nsec as u64,
        st_mtime: m.mtime.sec as u64,
        st_mtime_nsec: m.mtime.nsec as u64,
        st_ctime: m.ctime.sec as u64,
        st_ctime_nsec: m.ctime.nsec as u64,
        ..Default::default()
    }
}

pub fn sys_read(c: &Caller, fd: i32, buf: u64, count: usize) -> KResult<usize> {
    let f = file(c, fd)?;
    if let Some(r) = unix_rw(c, &f, &[one_iovec(buf, count)], false) {
        return r;
    }
    read_into(&f, buf, count, None)
}

fn one_iovec(buf: u64, count: usize) -> IoVec {
    IoVec {
        iov_base: buf,
        iov_len: count.min(MAX_RW_COUNT as usize) as u64,
    }
}

/// Reads and writes on a unix socket are its recvmsg and sendmsg without a name or control
/// data, so a datagram is one message whatever its size (the file loops here move 64 KiB
/// steps). `None` for another file, or when there is nothing to move (the file path answers).
fn unix_rw(c: &Caller, f: &OpenFile, iov: &[IoVec], write: bool) -> Option<KResult<usize>> {
    let s = crate::net::unix::UnixFile::of(f)?;
    if iov.iter().all(|v| v.iov_len == 0) {
        return None;
    }
    Some(if write {
        super::unix::write(c, f, s, iov)
    } else {
        super::unix::read(c, f, s, iov)
    })
}

/// Reads up to `count` bytes into user memory, at `at` (pread) or the file offset. A fault
/// after some bytes returns the partial count, as Linux does.
fn read_into(f: &OpenFile, buf: u64, count: usize, at: Option<i64>) -> KResult<usize> {
    if count == 0 {
        return if f.readable() {
            Ok(0)
        } else {
            Err(Errno::EBADF)
        };
    }
    crate::mm::usercopy::check_range(buf, count)?;
    if f.ops().reads_zeroes() && f.readable() {
        // /dev/zero: its offset stays 0, as on Linux.
        return zero_user(buf, count.min(MAX_RW_COUNT as usize));
    }
    // A seekable file advances only by what reached user memory (a fault must not consume
    // data), so it is read at an explicit offset and the offset moved afterwards, all under
    // the offset lock: two readers of one description never get the same bytes.
    if at.is_none() && f.ops().seekable() && f.readable() {
        let _g = crate::fs::OffsetGuard::lock(f);
        let pos = f.position();
        let r = read_into(f, buf, count, Some(pos as i64));
        if let Ok(n) = r {
            f.set_position(pos + n as u64);
        }
        return r;
    }
    let count = count.min(MAX_RW_COUNT as usize);
    let mut scratch = Scratch::get()?;
    let kbuf = scratch.slice(count.min(CHUNK));
    let mut done = 0;
    while done < count {
        crate::sched::cond_resched();
        let want = (count - done).min(kbuf.len());
        let n = match at {
            Some(off) => f.pread(off + done as i64, &mut kbuf[..want]),
            None if done == 0 => crate::fs::read_blocking(f, &mut kbuf[..want]),
            None => f.read(&mut kbuf[..want]),
        };
        let n = match n {
            Ok(n) => n,
            Err(e) if done == 0 => return Err(e),
            Err(_) => break,
        };
        if n == 0 {
            break;
        }
        match copy_to_user_partial(buf + done as u64, &kbuf[..n]) {
            Ok(m) if m == n => done += n,
            Ok(m) => return Ok(done + m),
            Err(e) if done == 0 => return Err(e),
            Err(_) => break,
        }
        if n < want {
            break;
        }
    }
    Ok(done)
}

/// Zeroes `count` bytes of user memory (reads of /dev/zero): a fault after some bytes gives
/// the partial count, as for any read.
fn zero_user(buf: u64, count: usize) -> KResult<usize> {
    const STEP: usize = 1 << 20;
    let mut done = 0;
    while done < count {
        crate::sched::cond_resched();
        let n = (count - done).min(STEP);
        match crate::mm::usercopy::clear_user_partial(buf + done as u64, n) {
            Ok(m) if m == n => done += n,
            Ok(m) => return Ok(done + m),
            Err(e) if done == 0 => return Err(e),
            Err(_) => break,
        }
    }
    Ok(done)
}

pub fn sys_write(c: &Caller, fd: i32, buf: u64, count: usize) -> KResult<usize> {
    let f = file(c, fd)?;
    if let Some(r) = unix_rw(c, &f, &[one_iovec(buf, count)], true) {
        return r;
    }
    write_from(&f, buf, count, None)
}

fn write_from(f: &OpenFile, buf: u64, count: usize, at: Option<i64>) -> KResult<usize> {
    if count == 0 {
        return if f.writable() {
            Ok(0)
        } else {
            Err(Errno::EBADF)
        };
    }
    crate::mm::usercopy::check_range(buf, count)?;
    // A seekable file's offset moves once per chunk; the lock keeps writers of one
    // description from interleaving inside one write.
    let _g = (at.is_none() && f.ops().seekable()).then(|| crate::fs::OffsetGuard::lock(f));
    let count = count.min(MAX_RW_COUNT as usize);
    if f.ops().discards_writes() {
        // /dev/null: the data is never looked at (Linux does not read it either).
        return Ok(count);
    }
    let mut scratch = Scratch::get()?;
    let kbuf = scratch.slice(count.min(CHUNK));
    let mut done = 0;
    while done < count {
        crate::sched::cond_resched();
        let want = (count - done).min(kbuf.len());
        if let Err(e) = copy_from_user(&mut kbuf[..want], buf + done as u64) {
            return if done == 0 { Err(e) } else { Ok(done) };
        }
        let n = match at {
            Some(off) => f.pwrite(off + done as i64, &kbuf[..want]),
            None => crate::fs::write_blocking(f, &kbuf[..want]),
        };
        match n {
            Ok(n) => {
                done += n;
                if n < want {
                    break;
                }
            }
            Err(e) if done == 0 => return Err(e),
            Err(_) => break,
        }
    }
    Ok(done)
}

pub fn sys_pread64(c: &Caller, fd: i32, buf: u64, count: usize, off: i64) -> KResult<usize> {
    let f = file(c, fd)?;
    if !f.ops().seekable() {
        return Err(Errno::ESPIPE);
    }
    // Linux's rw_verify_area: the range may not pass the largest file offset.
    if off < 0
        || off
            .checked_add(count.min(MAX_RW_COUNT as usize) as i64)
            .is_none()
    {
        return Err(Errno::EINVAL);
    }
    read_into(&f, buf, count, Some(off))
}

pub fn sys_pwrite64(c: &Caller, fd: i32, buf: u64, count: usize, off: i64) -> KResult<usize> {
    let f = file(c, fd)?;
    if !f.ops().seekable() {
        return Err(Errno::ESPIPE);
    }
    if off < 0
        || off
            .checked_add(count.min(MAX_RW_COUNT as usize) as i64)
            .is_none()
    {
        return Err(Errno::EINVAL);
    }
    write_from(&f, buf, count, Some(off))
}

fn read_iovecs(iov: u64, cnt: i32) -> KResult<Vec<IoVec>> {
    if !(0..=IOV_MAX).contains(&cnt) {
        return Err(Errno::EINVAL);
    }
    // Linux's iovec import: a negative length is EINVAL, a piece outside user space EFAULT
    // (before anything moves); the total is clamped to MAX_RW_COUNT by shortening the
    // buffers that go past it.
    let mut v = Vec::with_capacity(cnt as usize);
    let mut total: u64 = 0;
    for k in 0..cnt as usize {
        let mut e = UserPtr::<IoVec>::new(iov).add(k)?.read()?;
        if (e.iov_len as i64) < 0 {
            return Err(Errno::EINVAL);
        }
        check_range(e.iov_base, e.iov_len as usize)?;
        e.iov_len = e.iov_len.min(MAX_RW_COUNT - total);
        total += e.iov_len;
        v.push(e);
    }
    Ok(v)
}

/// Runs `op` over each buffer of an iovec array: stops at the first short transfer, and
/// returns what was moved, or the error if nothing was (readv/writev).
fn each_iovec(
    iov: u64,
    cnt: i32,
    mut op: impl FnMut(u64, usize) -> KResult<usize>,
) -> KResult<usize> {
    let mut done = 0;
    for e in read_iovecs(iov, cnt)? {
        let n = match op(e.iov_base, e.iov_len as usize) {
            Ok(n) => n,
            Err(err) if done == 0 => return Err(err),
            Err(_) => break,
        };
        done += n;
        if n < e.iov_len as usize {
            break;
        }
    }
    Ok(done)
}

pub fn sys_readv(c: &Caller, fd: i32, iov: u64, cnt: i32) -> KResult<usize> {
    let f = file(c, fd)?;
    if let Some(r) = unix_rw(c, &f, &read_iovecs(iov, cnt)?, false) {
        return r;
    }
    each_iovec(iov, cnt, |base, len| read_into(&f, base, len, None))
}

pub fn sys_writev(c: &Caller, fd: i32, iov: u64, cnt: i32) -> KResult<usize> {
    let f = file(c, fd)?;
    if let Some(r) = unix_rw(c, &f, &read_iovecs(iov, cnt)?, true) {
        return r;
    }
    each_iovec(iov, cnt, |base, len| write_from(&f, base, len, None))
}

pub fn sys_openat(c: &Caller, dirfd: i32, path: u64, flags: u32, mode: u32) -> KResult<usize> {
    let path = path_arg(path)?;
    let umask = c.process().fs.lock().umask;
    let f = with_ctx(c, dirfd, &path, |ctx| {
        crate::fs::vfs().open(ctx, &path, flags, mode & 0o7777, umask)
    })?;
    Ok(c.process().fds().alloc(f, flags & O_CLOEXEC != 0)? as usize)
}

pub fn sys_close(c: &Caller, fd: i32) -> KResult<usize> {
    c.process().fds().close(fd)?;
    Ok(0)
}

pub fn sys_fstat(c: &Caller, fd: i32, statbuf: u64) -> KResult<usize> {
    let m = file(c, fd)?.stat();
    UserPtr::<Stat>::new(statbuf).write(stat_of(&m))?;
    Ok(0)
}

/// The metadata `newfstatat`/`statx` report for (dirfd, path, flags), with Linux's
/// `AT_EMPTY_PATH` (the fd itself, or the cwd for AT_FDCWD) and `AT_SYMLINK_NOFOLLOW`.
fn stat_at(c: &Caller, dirfd: i32, path: u64, flags: u32) -> KResult<Metadata> {
    let path = path_arg(path)?;
    if path.is_empty() && flags & AT_EMPTY_PATH != 0 {
        return Ok(if dirfd == AT_FDCWD {
            c.process().fs.lock().cwd.metadata()
        } else {
            file(c, dirfd)?.stat()
        });
    }
    let follow = flags & AT_SYMLINK_NOFOLLOW == 0;
    with_ctx(c, dirfd, &path, |ctx| {
        crate::fs::vfs().stat(ctx, &path, follow)
    })
}

pub fn sys_newfstatat(
    c: &Caller,
    dirfd: i32,
    path: u64,
    statbuf: u64,
    flags: u32,
) -> KResult<usize> {
    if flags & !(AT_EMPTY_PATH | AT_SYMLINK_NOFOLLOW | keel_abi::fcntl::AT_NO_AUTOMOUNT) != 0 {
        return Err(Errno::EINVAL);
    }
    let m = stat_at(c, dirfd, path, flags)?;
    UserPtr::<Stat>::new(statbuf).write(stat_of(&m))?;
    Ok(0)
}

pub fn sys_statx(
    c: &Caller,
    dirfd: i32,
    path: u64,
    flags: u32,
    mask: u32,
    buf: u64,
) -> KResult<usize> {
    use keel_abi::fcntl::{AT_NO_AUTOMOUNT, AT_STATX_SYNC_TYPE};
    use keel_abi::stat::{StatxTimestamp, STATX_BASIC_STATS};
    const STATX_RESERVED: u32 = 0x8000_0000;
    let allowed = AT_EMPTY_PATH | AT_SYMLINK_NOFOLLOW | AT_NO_AUTOMOUNT | AT_STATX_SYNC_TYPE;
    if flags & !allowed != 0
        || flags & AT_STATX_SYNC_TYPE == AT_STATX_SYNC_TYPE
        || mask & STATX_RESERVED != 0
    {
        return Err(Errno::EINVAL);
    }
    let m = stat_at(c, dirfd, path, flags)?;
    let ts = |t: keel_vfs::Timespec| StatxTimestamp {
        tv_sec: t.sec,
        tv_nsec: t.nsec,
        reserved: 0,
    };
    let x = keel_abi::stat::Statx {
        stx_mask: STATX_BASIC_STATS,
        stx_blksize: m.blksize as u32,
        stx_nlink: m.nlink,
        stx_uid: m.uid,
        stx_gid: m.gid,
        stx_mode: m.mode as u16,
        stx_ino: m.ino,
        stx_size: m.size,
        stx_blocks: m.blocks,
        stx_atime: ts(m.atime),
        stx_ctime: ts(m.ctime),
        stx_mtime: ts(m.mtime),
        stx_rdev_major: keel_vfs::major(m.rdev),
        stx_rdev_minor: keel_vfs::minor(m.rdev),
        stx_dev_major: keel_vfs::major(m.dev),
        stx_dev_minor: keel_vfs::minor(m.dev),
        ..Default::default()
    };
    UserPtr::<keel_abi::stat::Statx>::new(buf).write(x)?;
    Ok(0)
}

pub fn sys_lseek(c: &Caller, fd: i32, off: i64, whence: u32) -> KResult<usize> {
    Ok(file(c, fd)?.seek(off, whence)? as usize)
}

pub fn sys_ioctl(c: &Caller, fd: i32, cmd: u32, arg: u64) -> KResult<usize> {
    const FIOCLEX: u32 = 0x5451;
    const FIONCLEX: u32 = 0x5450;
    const FIONBIO: u32 = 0x5421;
    const FIOASYNC: u32 = 0x5452;
    const FIONREAD: u32 = 0x541b;
    let f = file(c, fd)?;
    // The requests Linux's VFS answers for every file (do_vfs_ioctl), before the driver.
    match cmd {
        FIOCLEX | FIONCLEX => {
            c.process()
                .fds()
                .fcntl(fd, keel_abi::fcntl::F_SETFD, (cmd == FIOCLEX) as u64)?;
            Ok(0)
        }
        FIONBIO | FIOASYNC => {
            let on = UserPtr::<i32>::new(arg).read()? != 0;
            let bit = if cmd == FIONBIO {
                keel_abi::fcntl::O_NONBLOCK
            } else {
                keel_abi::fcntl::FASYNC
            };
            let flags = if on {
                f.flags() | bit
            } else {
                f.flags() & !bit
            };
            f.set_status_flags(flags);
            Ok(0)
        }
        FIONREAD if f.stat().mode & S_IFMT == keel_vfs::consts::S_IFREG => {
            let left = f
                .stat()
                .size
                .saturating_sub(f.position())
                .min(i32::MAX as u64);
            UserPtr::<i32>::new(arg).write(left as i32)?;
            Ok(0)
        }
        _ => f.ioctl(cmd, arg as usize),
    }
}

pub fn sys_dup(c: &Caller, fd: i32) -> KResult<usize> {
    Ok(c.process().fds().dup(fd)? as usize)
}

pub fn sys_dup2(c: &Caller, old: i32, new: i32) -> KResult<usize> {
    Ok(c.process().fds().dup2(old, new)? as usize)
}

pub fn sys_dup3(c: &Caller, old: i32, new: i32, flags: u32) -> KResult<usize> {
    Ok(c.process().fds().dup3(old, new, flags)? as usize)
}

pub fn sys_fcntl(c: &Caller, fd: i32, cmd: u32, arg: u64) -> KResult<usize> {
    if super::lock::is_lock_cmd(cmd) {
        return super::lock::fcntl_lock(c, fd, cmd, arg);
    }
    match c.process().fds().fcntl(fd, cmd, arg) {
        // Commands of a particular kind of file (pipe sizes, ...).
        Err(Errno::EINVAL) => file(c, fd)?.ops().fcntl(cmd, arg),
        r => r,
    }
}

pub fn sys_getdents64(c: &Caller, fd: i32, buf: u64, count: usize) -> KResult<usize> {
    let f = file(c, fd)?;
    let mut kbuf = vec![0u8; count.min(CHUNK)];
    let n = f.getdents(&mut kbuf)?;
    copy_to_user(buf, &kbuf[..n])?;
    Ok(n)
}

pub fn sys_getcwd(c: &Caller, buf: u64, size: usize) -> KResult<usize> {
    let (root, cwd) = {
        let fs = c.process().fs.lock();
        (fs.root.clone(), fs.cwd.clone())
    };
    let mut path = crate::fs::vfs().path_of(&root, &cwd)?;
    path.push(0);
    if size < path.len() {
        return Err(Errno::ERANGE);
    }
    copy_to_user(buf, &path)?;
    Ok(path.len())
}

pub fn sys_readlinkat(c: &Caller, dirfd: i32, path: u64, buf: u64, size: usize) -> KResult<usize> {
    if (size as isize) <= 0 {
        return Err(Errno::EINVAL);
    }
    let path = path_arg(path)?;
    let target = if path.is_empty() {
        // The symlink an `O_PATH | O_NOFOLLOW` fd refers to; ENOENT for anything else.
        let inode = if dirfd == AT_FDCWD {
            c.process().fs.lock().cwd.clone()
        } else {
            file(c, dirfd)?.inode().cloned().ok_or(Errno::ENOENT)?
        };
        inode.read_link().map_err(|_| Errno::ENOENT)?
    } else {
        with_ctx(c, dirfd, &path, |ctx| crate::fs::vfs().readlink(ctx, &path))?
    };
    let n = target.len().min(size);
    copy_to_user(buf, &target[..n])?;
    Ok(n)
}

pub fn sys_umask(c: &Caller, mask: u32) -> KResult<usize> {
    let mut fs = c.process().fs.lock();
    let old = fs.umask;
    fs.umask = mask & 0o777;
    Ok(old as usize)
}

pub fn sys_sendfile(
    c: &Caller,
    out_fd: i32,
    in_fd: i32,
    offset: u64,
    count: usize,
) -> KResult<usize> {
    let input = file(c, in_fd)?;
    let output = file(c, out_fd)?;
    if !input.readable() || !output.writable() {
        return Err(Errno::EBADF);
    }
    if !input.ops().seekable() {
        return Err(Errno::EINVAL); // Linux wants a page-cache-backed input
    }
    let _g = (offset == 0).then(|| crate::fs::OffsetGuard::lock(&input));
    let mut pos = if offset != 0 {
        let o = UserPtr::<i64>::new(offset).read()?;
        if o < 0 {
            return Err(Errno::EINVAL);
        }
        o as u64
    } else {
        input.position()
    };
    let count = count.min(MAX_RW_COUNT as usize);
    let mut buf = vec![0u8; count.min(CHUNK)];
    let mut done = 0;
    while done < count {
        crate::sched::cond_resched();
        let want = (count - done).min(buf.len());
        let n = input.pread(pos as i64, &mut buf[..want])?;
        if n == 0 {
            break;
        }
        let w = match crate::fs::write_blocking(&output, &buf[..n]) {
            Ok(w) => w,
            Err(e) if done == 0 => return Err(e),
            Err(_) => break,
        };
        pos += w as u64;
        done += w;
        if w < n || n < want {
            break;
        }
    }
    if offset != 0 {
        UserPtr::<i64>::new(offset).write(pos as i64)?;
    } else {
        input.set_position(pos);
    }
    Ok(done)
}

pub fn sys_ftruncate(c: &Caller, fd: i32, len: i64) -> KResult<usize> {
    file(c, fd)?.truncate(len)?;
    Ok(0)
}

pub fn sys_fsync(c: &Caller, fd: i32) -> KResult<usize> {
    file(c, fd)?.fsync()?;
    Ok(0)
}

/// The kernel's `struct statfs`, as the file system of `inode` answers it.
fn statfs_of(inode: &Inode) -> keel_abi::mount::StatFs {
    inode.superblock().statfs()
}

pub fn sys_statfs(c: &Caller, path: u64, buf: u64) -> KResult<usize> {
    let path = path_arg(path)?;
    let inode = with_ctx(c, AT_FDCWD, &path, |ctx| keel_vfs::lookup(ctx, &path, true))?;
    UserPtr::<keel_abi::mount::StatFs>::new(buf).write(statfs_of(&inode))?;
    Ok(0)
}

pub fn sys_fstatfs(c: &Caller, fd: i32, buf: u64) -> KResult<usize> {
    let f = file(c, fd)?;
    let s = match f.inode() {
        Some(i) => statfs_of(i),
        // Pipes and sockets: Linux reports their pseudo file systems.
        None => keel_abi::mount::StatFs {
            f_type: 0x5049_5045, // PIPEFS_MAGIC
            f_bsize: 4096,
            f_namelen: 255,
            f_frsize: 4096,
            f_flags: 0x20,
            ..Default::default()
        },
    };
    UserPtr::<keel_abi::mount::StatFs>::new(buf).write(s)?;
    Ok(0)
}

pub fn sys_fchmod(c: &Caller, fd: i32, mode: u32) -> KResult<usize> {
    let f = file(c, fd)?;
    if f.is_path() {
        return Err(Errno::EBADF);
    }
    let inode = f.inode().cloned().ok_or(Errno::EINVAL)?;
    let cred = c.process().cred.lock().fs_cred();
    inode.chmod(&cred, mode & 0o7777)?;
    Ok(0)
}

pub fn sys_fchmodat(c: &Caller, dirfd: i32, path: u64, mode: u32) -> KResult<usize> {
    let path = path_arg(path)?;
    let inode = with_ctx(c, dirfd, &path, |ctx| keel_vfs::lookup(ctx, &path, true))?;
    let cred = c.process().cred.lock().fs_cred();
    inode.chmod(&cred, mode & 0o7777)?;
    Ok(0)
}

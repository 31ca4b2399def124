//! `mount(2)` and `umount2(2)`: copies the arguments as Linux does (the type, source and data
//! strings first, each may be NULL), then hands them to the VFS mount table. Privilege is
//! CAP_SYS_ADMIN, which Keel reads as effective uid 0; a mount is busy while an open file, a
//! process's cwd or root, or another mount is inside it.

use alloc::sync::Arc;
use alloc::vec::Vec;

use keel_abi::fcntl::AT_FDCWD;
use keel_abi::{Errno, KResult};
use keel_vfs::Superblock;

use super::fs::{path_arg, with_ctx};
use super::Caller;
use crate::mm::usercopy::read_cstr;

/// A string argument of `mount` that may be NULL (Linux's `copy_mount_string`).
fn optional_string(addr: u64) -> KResult<Option<Vec<u8>>> {
    if addr == 0 {
        return Ok(None);
    }
    read_cstr(addr, keel_vfs::consts::PATH_MAX - 1).map(Some)
}

/// The data argument: at most a page, which Linux cuts short at a NUL or the page's end.
fn mount_data(addr: u64) -> KResult<Vec<u8>> {
    if addr == 0 {
        return Ok(Vec::new());
    }
    match read_cstr(addr, 4095) {
        Err(Errno::ENAMETOOLONG) => Err(Errno::EINVAL),
        r => r,
    }
}

pub fn sys_mount(
    c: &Caller,
    source: u64,
    target: u64,
    fstype: u64,
    flags: u64,
    data: u64,
) -> KResult<usize> {
    let fstype = optional_string(fstype)?;
    let source = optional_string(source)?.unwrap_or_default();
    let data = mount_data(data)?;
    let target = path_arg(target)?;
    let admin = c.process().cred.lock().euid == 0;
    with_ctx(c, AT_FDCWD, &target, |ctx| {
        crate::fs::vfs().mount(
            ctx,
            &source,
            &target,
            fstype.as_deref(),
            flags,
            &data,
            admin,
        )
    })?;
    Ok(0)
}

/// Whether a live process has its cwd or root in the file system of `sb`.
fn in_use(sb: &Arc<Superblock>) -> bool {
    crate::proc::all_processes().iter().any(|p| {
        if p.is_zombie() {
            return false;
        }
        let fs = p.fs.lock();
        Arc::ptr_eq(fs.cwd.superblock(), sb) || Arc::ptr_eq(fs.root.superblock(), sb)
    })
}

pub fn sys_umount2(c: &Caller, target: u64, flags: u32) -> KResult<usize> {
    use keel_vfs::consts::{MNT_DETACH, MNT_EXPIRE, MNT_FORCE, UMOUNT_NOFOLLOW};
    if flags & !(MNT_FORCE | MNT_DETACH | MNT_EXPIRE | UMOUNT_NOFOLLOW) != 0 {
        return Err(Errno::EINVAL);
    }
    let target = path_arg(target)?;
    let admin = c.process().cred.lock().euid == 0;
    with_ctx(c, AT_FDCWD, &target, |ctx| {
        crate::fs::vfs().umount(ctx, &target, flags, admin, &in_use)
    })?;
    Ok(0)
}

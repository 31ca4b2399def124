//! Unpacking the initrd: [`Vfs::install`] creates one archive member with the owner, mode
//! and mtime the archive gives, creating missing parent directories (mode 0755, root) and
//! following symlinked parents, so the kernel's cpio reader only loops over members.
//!
//! Linux's initramfs unpacker is the model: an existing member of another type is replaced,
//! an existing directory only gets its attributes updated, `..` in a name is refused (EINVAL),
//! and hard links (cpio members sharing an inode number) are the caller's, through
//! [`Vfs::link`]. Parent directories' mtimes move as members land in them; a caller that
//! cares re-applies directory times at the end (as Linux's `dir_utime`).

use alloc::sync::Arc;

use keel_abi::{Errno, KResult};

use crate::consts::{FileType, S_IALLUGO, S_IFREG};
use crate::cred::Cred;
use crate::dir::check_name;
use crate::inode::{Inode, SetAttr, Timespec};
use crate::path::{lookup, LookupCtx};
use crate::vfs::Vfs;

/// What an initrd member is.
#[derive(Clone, Copy, Debug)]
pub enum InstallContent<'a> {
    /// A regular file with this content.
    Regular(&'a [u8]),
    /// A directory.
    Dir,
    /// A symlink with this target.
    Symlink(&'a [u8]),
    /// A node with this `rdev`: the mode's type bits say character device (the default), block
    /// device, FIFO or socket.
    Device(u64),
}

impl Vfs {
    /// Creates (or replaces) the member `path` (relative to `/`; a leading `/` or `./` is
    /// fine) with `mode` permission bits (type bits ignored except for `Device`), owner
    /// `uid:gid`, and `mtime` as both access and modification time.
    pub fn install(
        &self,
        path: &[u8],
        mode: u32,
        uid: u32,
        gid: u32,
        mtime: Timespec,
        content: InstallContent<'_>,
    ) -> KResult<Arc<Inode>> {
        let root = Cred::root();
        let mut comps = path
            .split(|&b| b == b'/')
            .filter(|c| !c.is_empty() && *c != b".")
            .peekable();
        let mut dir = self.root.clone();
        let mut last = None;
        while let Some(c) = comps.next() {
            if c == b".." {
                return Err(Errno::EINVAL);
            }
            check_name(c)?;
            if comps.peek().is_none() {
                last = Some(c);
                break;
            }
            dir = match dir.child(c).map(|d| d.cross_mounts()) {
                Ok(d) if d.is_dir() => d,
                Ok(s) if s.file_type() == FileType::Symlink => {
                    let ctx = LookupCtx {
                        root: &self.root,
                        cwd: &dir,
                        cred: &root,
                    };
                    let d = lookup(&ctx, c, true)?;
                    if !d.is_dir() {
                        return Err(Errno::ENOTDIR);
                    }
                    d
                }
                Ok(_) => return Err(Errno::ENOTDIR),
                Err(Errno::ENOENT) => dir.mkdir(&root, c, 0o755)?,
                Err(e) => return Err(e),
            };
        }
        let Some(name) = last else {
            // The member is the root itself ("." or "/"): only its attributes change.
            set_attrs(&self.root, mode, uid, gid, mtime);
            return Ok(self.root.clone());
        };
        let (want_type, node_mode) = match content {
            InstallContent::Regular(_) => (FileType::Regular, S_IFREG),
            InstallContent::Dir => (FileType::Directory, 0),
            InstallContent::Symlink(_) => (FileType::Symlink, 0),
            InstallContent::Device(_) => {
                let t = match FileType::from_mode(mode) {
                    Some(t @ (FileType::BlockDevice | FileType::Fifo | FileType::Socket)) => t,
                    _ => FileType::CharDevice,
                };
                (t, t.mode_bits())
            }
        };
        if let Ok(existing) = dir.child(name) {
            if existing.file_type() == want_type && want_type == FileType::Directory {
                set_attrs(&existing, mode, uid, gid, mtime);
                return Ok(existing);
            }
            if existing.is_dir() {
                dir.rmdir(&root, name)?;
            } else {
                dir.unlink(&root, name)?;
            }
        }
        let node = match content {
            InstallContent::Regular(data) => {
                let f = dir.create_file(&root, name, 0o600)?;
                let written = f.write_at(0, data, false).map(|(n, _)| n);
                if written != Ok(data.len()) {
                    // Leave no half-unpacked member behind.
                    dir.unlink(&root, name)?;
                    return Err(written.err().unwrap_or(Errno::EFBIG));
                }
                f
            }
            InstallContent::Dir => dir.mkdir(&root, name, 0o700)?,
            InstallContent::Symlink(target) => dir.symlink(&root, name, target)?,
            InstallContent::Device(rdev) => dir.mknod(&root, name, node_mode | 0o600, rdev)?,
        };
        if want_type != FileType::Symlink {
            set_attrs(&node, mode, uid, gid, mtime);
        } else {
            set_attrs(&node, 0o777, uid, gid, mtime);
        }
        Ok(node)
    }
}

/// Sets permission bits, owner and times directly, bypassing permission rules (the archive is
/// trusted as root's).
fn set_attrs(inode: &Inode, mode: u32, uid: u32, gid: u32, mtime: Timespec) {
    let _ = inode.ops().setattr(&SetAttr {
        mode: Some(mode & S_IALLUGO),
        uid: Some(uid),
        gid: Some(gid),
        atime: Some(mtime),
        mtime: Some(mtime),
        ..SetAttr::default()
    });
}

//! Path walk (Linux's `path_lookupat` / `path_parentat`), see
//! <https://man7.org/linux/man-pages/man7/path_resolution.7.html>.
//!
//! A walk starts at the process root for an absolute path and at [`LookupCtx::cwd`] (the cwd or
//! a `*at` call's directory fd) otherwise. Repeated slashes collapse; `.` stays; `..` goes to the
//! parent *physically* (from the directory a symlink led to, not back along the symlink), and
//! `..` of the process root is the root. Every directory passed through needs search permission
//! (EACCES). Symlinks in the middle are always followed, the final one only when asked (or when
//! the path ends in `/`); 40 symlinks per walk at most (ELOOP). A non-directory in the middle is
//! ENOTDIR, a missing component ENOENT, a component over 255 bytes or a path of 4096 or more
//! ENAMETOOLONG, an empty path ENOENT (callers handle `AT_EMPTY_PATH` before walking).
//!
//! Mounts: a component that is a mount point leads to the root of the file system mounted
//! there (the topmost, for stacked mounts), and `..` from a mounted root leads through the
//! mount point (see [`dotdot`]). A symlink may lead to an inode directly instead of a path
//! (`LinkTarget::Inode`, procfs's magic links).
//!
//! The walker holds no lock across steps: each step takes one directory's lock briefly, so a
//! concurrent rename may be seen before or after, never half-done.

use alloc::sync::Arc;
use alloc::vec::Vec;

use keel_abi::{Errno, KResult};

use crate::consts::{FileType, MAX_SYMLINKS, MAY_EXEC, PATH_MAX};
use crate::cred::Cred;
use crate::inode::{Inode, LinkTarget};

/// Where and as whom a walk happens; the kernel builds one per call from the process's root,
/// its cwd or a directory fd, and its credentials.
#[derive(Clone, Copy)]
pub struct LookupCtx<'a> {
    /// The process root (`/`, and the limit of `..`).
    pub root: &'a Arc<Inode>,
    /// Start of a relative path: the cwd, or the directory of a `*at` call's fd.
    pub cwd: &'a Arc<Inode>,
    /// Who walks (search permission on every directory).
    pub cred: &'a Cred,
}

/// The outcome of a walk up to the final component.
#[derive(Clone)]
pub struct Resolved {
    /// Directory the final component was looked up in (for `/` itself: the root).
    pub parent: Arc<Inode>,
    /// Final component: a plain name, `.`, `..`, or empty for a path of only slashes.
    pub name: Vec<u8>,
    /// What the final component names, `None` if it does not exist.
    pub inode: Option<Arc<Inode>>,
    /// The path (or the final symlink's target) ended in `/`: the result must be a directory.
    pub must_be_dir: bool,
}

impl Resolved {
    /// The final inode, checked: ENOENT if missing, ENOTDIR if a trailing `/` named a
    /// non-directory.
    pub fn into_inode(self) -> KResult<Arc<Inode>> {
        let inode = self.inode.ok_or(Errno::ENOENT)?;
        if self.must_be_dir && !inode.is_dir() {
            return Err(Errno::ENOTDIR);
        }
        Ok(inode)
    }

    /// Whether the final component is `.`, `..` or empty (no name to create or remove).
    pub fn is_special_name(&self) -> bool {
        self.name.is_empty() || self.name == b"." || self.name == b".."
    }
}

fn push_components(stack: &mut Vec<Vec<u8>>, path: &[u8]) {
    let start = stack.len();
    stack.extend(
        path.split(|&b| b == b'/')
            .filter(|c| !c.is_empty())
            .map(<[u8]>::to_vec),
    );
    stack[start..].reverse();
}

/// Walks `path` to its final component; follows a final symlink when `follow_final` is set.
/// A missing final component is not an error here (`inode` is `None`).
pub fn resolve(ctx: &LookupCtx<'_>, path: &[u8], follow_final: bool) -> KResult<Resolved> {
    walk(ctx, path, follow_final, true)
}

/// The walk; `slash_follows` says whether a trailing slash makes the final symlink followed
/// (lookups: yes; Linux's `filename_parentat` for create and remove: no).
fn walk(
    ctx: &LookupCtx<'_>,
    path: &[u8],
    follow_final: bool,
    slash_follows: bool,
) -> KResult<Resolved> {
    if path.is_empty() {
        return Err(Errno::ENOENT);
    }
    if path.len() >= PATH_MAX {
        return Err(Errno::ENAMETOOLONG);
    }
    let mut cur = if path[0] == b'/' {
        ctx.root.clone()
    } else {
        ctx.cwd.clone()
    };
    let mut must_be_dir = path.last() == Some(&b'/');
    let mut stack = Vec::new();
    push_components(&mut stack, path);
    let mut budget = MAX_SYMLINKS;
    let dir_itself = |cur: Arc<Inode>| Resolved {
        parent: cur.clone(),
        name: Vec::new(),
        inode: Some(cur),
        must_be_dir: true,
    };
    loop {
        let Some(comp) = stack.pop() else {
            return Ok(dir_itself(cur));
        };
        let last = stack.is_empty();
        if !cur.is_dir() {
            return Err(Errno::ENOTDIR);
        }
        cur.check_access(ctx.cred, MAY_EXEC)?;
        if comp == b"." || comp == b".." {
            let next = if comp == b"." {
                cur.clone()
            } else {
                dotdot(&cur, ctx.root)
            };
            if last {
                return Ok(Resolved {
                    parent: cur,
                    name: comp,
                    inode: Some(next),
                    must_be_dir,
                });
            }
            cur = next;
            continue;
        }
        let child = match cur.child(&comp) {
            Ok(c) => c.cross_mounts(),
            Err(Errno::ENOENT) if last => {
                return Ok(Resolved {
                    parent: cur,
                    name: comp,
                    inode: None,
                    must_be_dir,
                });
            }
            Err(e) => return Err(e),
        };
        if child.file_type() == FileType::Symlink
            && (!last || follow_final || (must_be_dir && slash_follows))
        {
            if budget == 0 {
                return Err(Errno::ELOOP);
            }
            budget -= 1;
            let target = match child.ops().follow_link()? {
                LinkTarget::Path(t) => t,
                LinkTarget::Inode(i) => {
                    // A magic link (`/proc/self/fd/N`): the walk goes on from that inode.
                    let i = i.cross_mounts();
                    if last {
                        return Ok(Resolved {
                            parent: cur,
                            name: comp,
                            inode: Some(i),
                            must_be_dir,
                        });
                    }
                    cur = i;
                    continue;
                }
            };
            if target.is_empty() {
                return Err(Errno::ENOENT);
            }
            if last && target.last() == Some(&b'/') {
                must_be_dir = true;
            }
            if target[0] == b'/' {
                cur = ctx.root.clone();
            }
            push_components(&mut stack, &target);
            if stack.is_empty() {
                return Ok(dir_itself(cur));
            }
            continue;
        }
        if last {
            return Ok(Resolved {
                parent: cur,
                name: comp,
                inode: Some(child),
                must_be_dir,
            });
        }
        cur = child;
    }
}

/// Where `..` leads from `cur`: nowhere above the process root `root`; from the root of a
/// mounted file system, through its mount point (repeatedly, for stacked mounts) to that
/// directory's parent; then into whatever is mounted there (Linux's `follow_dotdot` and
/// `step_into`). The root of the root file system is its own parent.
pub(crate) fn dotdot(cur: &Arc<Inode>, root: &Arc<Inode>) -> Arc<Inode> {
    let mut at = cur.clone();
    loop {
        if Arc::ptr_eq(&at, root) {
            return at;
        }
        if let Some(p) = at.parent_dir() {
            return p.cross_mounts();
        }
        match at.superblock().mountpoint() {
            Some(mp) => at = mp,
            None => return at,
        }
    }
}

/// Looks `path` up to an existing inode (`stat`, `open` without `O_CREAT`, `chdir`, `execve`).
/// `follow` = false is `lstat` / `O_NOFOLLOW` / `AT_SYMLINK_NOFOLLOW`.
pub fn lookup(ctx: &LookupCtx<'_>, path: &[u8], follow: bool) -> KResult<Arc<Inode>> {
    resolve(ctx, path, follow)?.into_inode()
}

/// Walks to the directory holding the final component without following a final symlink,
/// even with a trailing slash (create, unlink, mkdir, rename, link, symlink: the `inode` of a
/// symlink named `link/` is the symlink, with `must_be_dir` set). The final component may be
/// missing; the caller decides what `.`, `..` and an empty name mean for its operation.
pub fn lookup_parent(ctx: &LookupCtx<'_>, path: &[u8]) -> KResult<Resolved> {
    walk(ctx, path, false, false)
}

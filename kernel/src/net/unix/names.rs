//! Where unix sockets are found: a path name is a socket node in the file system (made by
//! `bind`, found by ordinary path lookup) plus an entry in [`PATHS`] from that node to the
//! socket; an abstract name lives only in [`ABSTRACT`]. Both tables hold weak references:
//! a socket leaves them when released, and the node itself stays behind (as on Linux, until
//! someone unlinks it) answering ECONNREFUSED.
//!
//! Lock order: `PATHS` and `ABSTRACT` are leaves, never taken with a socket lock held and
//! never together.

use alloc::collections::BTreeMap;
use alloc::sync::{Arc, Weak};
use alloc::vec::Vec;
use core::sync::atomic::{AtomicU32, Ordering};

use keel_abi::{Errno, KResult};
use keel_net::unix::{BindTarget, UnixAddr};
use keel_vfs::consts::{FileType, MAY_WRITE, S_IFSOCK};
use keel_vfs::{Inode, LookupCtx};

use super::{Kind, UnixSocket};
use crate::fs::vfs;
use crate::sync::SpinLock;

/// A socket node's identity: its superblock and inode number.
pub type NodeKey = (usize, u64);

static PATHS: SpinLock<BTreeMap<NodeKey, Weak<UnixSocket>>> = SpinLock::new(BTreeMap::new());
static ABSTRACT: SpinLock<BTreeMap<Vec<u8>, Weak<UnixSocket>>> = SpinLock::new(BTreeMap::new());
/// The next name `unix_autobind` tries.
static AUTOBIND: AtomicU32 = AtomicU32::new(0);

fn key(inode: &Inode) -> NodeKey {
    (Arc::as_ptr(inode.superblock()) as usize, inode.ino())
}

/// Binds `s` to what `target` asks. A path is made first (EADDRINUSE if it exists) and
/// removed again if the socket turns out to be bound already (EINVAL), as Linux does;
/// `umask` applies to the node's 0777.
pub fn bind(
    s: &Arc<UnixSocket>,
    target: BindTarget,
    ctx: &LookupCtx<'_>,
    umask: u32,
) -> KResult<()> {
    match target {
        BindTarget::Auto => autobind(s),
        BindTarget::Name(UnixAddr::Abstract(n)) => {
            if s.inner.lock().name != UnixAddr::Unnamed {
                return Err(Errno::EINVAL);
            }
            {
                let mut t = ABSTRACT.lock();
                if t.get(&n).is_some_and(|w| w.strong_count() > 0) {
                    return Err(Errno::EADDRINUSE);
                }
                t.insert(n.clone(), Arc::downgrade(s));
            }
            set_name(s, UnixAddr::Abstract(n), None)
        }
        BindTarget::Name(UnixAddr::Path(p)) => {
            let inode = match vfs().mknod(ctx, &p, S_IFSOCK | 0o777, 0, umask) {
                Err(Errno::EEXIST) => return Err(Errno::EADDRINUSE),
                r => r?,
            };
            if s.inner.lock().name != UnixAddr::Unnamed {
                let _ = vfs().unlink(ctx, &p);
                return Err(Errno::EINVAL);
            }
            let k = key(&inode);
            PATHS.lock().insert(k, Arc::downgrade(s));
            set_name(s, UnixAddr::Path(p), Some((inode, k)))
        }
        BindTarget::Name(UnixAddr::Unnamed) => Err(Errno::EINVAL),
    }
}

/// Records the name; a racing bind of the same socket that got there first wins (EINVAL),
/// and this one's table entry is withdrawn.
fn set_name(
    s: &Arc<UnixSocket>,
    name: UnixAddr,
    node: Option<(Arc<Inode>, NodeKey)>,
) -> KResult<()> {
    let lost = {
        let mut i = s.inner.lock();
        if i.name == UnixAddr::Unnamed && !i.dead {
            i.name = name.clone();
            i.node = node.clone();
            false
        } else {
            true
        }
    };
    if lost {
        forget(s, &name, node.map(|n| n.1));
        return Err(Errno::EINVAL);
    }
    Ok(())
}

/// Linux's `unix_autobind`: an unused abstract name of five hex digits; nothing to do if
/// the socket has a name.
pub fn autobind(s: &Arc<UnixSocket>) -> KResult<()> {
    if s.inner.lock().name != UnixAddr::Unnamed {
        return Ok(());
    }
    for _ in 0..=0xfffff {
        let name = UnixAddr::autobind(AUTOBIND.fetch_add(1, Ordering::Relaxed));
        let UnixAddr::Abstract(n) = &name else {
            continue;
        };
        {
            let mut t = ABSTRACT.lock();
            if t.get(n).is_some_and(|w| w.strong_count() > 0) {
                continue;
            }
            t.insert(n.clone(), Arc::downgrade(s));
        }
        return set_name(s, name, None).or(Ok(()));
    }
    Err(Errno::ENOSPC)
}

/// Removes `s`'s entries from the tables (only if they are still its own).
pub fn forget(s: &Arc<UnixSocket>, name: &UnixAddr, node: Option<NodeKey>) {
    let mine = |w: &Weak<UnixSocket>| core::ptr::eq(w.as_ptr(), Arc::as_ptr(s));
    match name {
        UnixAddr::Abstract(n) => {
            let mut t = ABSTRACT.lock();
            if t.get(n).is_some_and(mine) {
                t.remove(n);
            }
        }
        UnixAddr::Path(_) => {
            if let Some(k) = node {
                let mut t = PATHS.lock();
                if t.get(&k).is_some_and(mine) {
                    t.remove(&k);
                }
            }
        }
        UnixAddr::Unnamed => {}
    }
}

/// Linux's `unix_find_other`: the live socket of type `kind` named `addr`. A path needs
/// write permission (EACCES) and must be a socket someone listens on (ECONNREFUSED); a
/// socket of another type is EPROTOTYPE.
pub fn find(addr: &UnixAddr, kind: Kind, ctx: &LookupCtx<'_>) -> KResult<Arc<UnixSocket>> {
    let s = match addr {
        UnixAddr::Path(p) => {
            let inode = keel_vfs::lookup(ctx, p, true)?;
            inode.check_access(ctx.cred, MAY_WRITE)?;
            if inode.file_type() != FileType::Socket {
                return Err(Errno::ECONNREFUSED);
            }
            let k = key(&inode);
            let t = PATHS.lock();
            t.get(&k).and_then(Weak::upgrade)
        }
        UnixAddr::Abstract(n) => ABSTRACT.lock().get(n).and_then(Weak::upgrade),
        UnixAddr::Unnamed => return Err(Errno::EINVAL),
    };
    let s = s.ok_or(Errno::ECONNREFUSED)?;
    if s.inner.lock().dead {
        return Err(Errno::ECONNREFUSED);
    }
    if s.kind != kind {
        return Err(Errno::EPROTOTYPE);
    }
    Ok(s)
}

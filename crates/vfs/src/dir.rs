//! Directories of the tmpfs: entries, `readdir` cookies, lookup, unlink and rmdir (creation
//! is in `create.rs`, rename in `rename.rs`).
//!
//! A directory keeps its entries in insertion order, keyed by a *cookie* that is never reused:
//! `getdents64` offsets are cookies, so an entry removed or added during a scan cannot make the
//! scan skip or repeat another entry. Cookies 0 and 1 are `.` and `..`; entries start at 2.
//! `.` and `..` are never stored: the walker resolves them, `..` through the parent link (a
//! `Weak`, since the parent owns the child). Every directory has exactly one parent (no hard
//! links to directories), and a removed directory is marked dead so nothing is created in it.
//!
//! Locking: every change takes `Superblock::namespace` first, then the inode locks it needs one
//! at a time. Lookups take only the directory's own lock.

use alloc::collections::BTreeMap;
use alloc::sync::{Arc, Weak};
use alloc::vec::Vec;

use keel_abi::{Errno, KResult};

use crate::consts::{dtype_of_mode, MAY_EXEC, MAY_WRITE, NAME_MAX, S_IFDIR, S_ISVTX};
use crate::cred::{access, Cred};
use crate::inode::{Body, Inode, InodeState};

struct Entry {
    name: Vec<u8>,
    inode: Arc<Inode>,
}

/// The content of a directory inode.
pub(crate) struct DirData {
    by_cookie: BTreeMap<u64, Entry>,
    by_name: BTreeMap<Vec<u8>, u64>,
    next_cookie: u64,
    pub(crate) parent: Weak<Inode>,
    pub(crate) dead: bool,
}

/// First cookie of a stored entry (0 is `.`, 1 is `..`).
pub const FIRST_COOKIE: u64 = 2;

/// One directory entry as `getdents64` reports it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DirEntry {
    /// Cookie to resume after this entry (`d_off`).
    pub next: u64,
    /// Inode number.
    pub ino: u64,
    /// `DT_*` type.
    pub dtype: u8,
    /// Name, without NUL.
    pub name: Vec<u8>,
}

impl DirData {
    pub(crate) fn new(parent: Weak<Inode>) -> DirData {
        DirData {
            by_cookie: BTreeMap::new(),
            by_name: BTreeMap::new(),
            next_cookie: FIRST_COOKIE,
            parent,
            dead: false,
        }
    }

    pub(crate) fn len(&self) -> usize {
        self.by_cookie.len()
    }

    pub(crate) fn get(&self, name: &[u8]) -> Option<&Arc<Inode>> {
        let cookie = self.by_name.get(name)?;
        self.by_cookie.get(cookie).map(|e| &e.inode)
    }

    /// Adds or replaces `name`; a replaced entry keeps its cookie and is returned.
    pub(crate) fn insert(&mut self, name: &[u8], inode: Arc<Inode>) -> Option<Arc<Inode>> {
        if let Some(&cookie) = self.by_name.get(name) {
            let e = self.by_cookie.get_mut(&cookie)?;
            return Some(core::mem::replace(&mut e.inode, inode));
        }
        let cookie = self.next_cookie;
        self.next_cookie += 1;
        self.by_name.insert(name.to_vec(), cookie);
        self.by_cookie.insert(
            cookie,
            Entry {
                name: name.to_vec(),
                inode,
            },
        );
        None
    }

    pub(crate) fn remove(&mut self, name: &[u8]) -> Option<Arc<Inode>> {
        let cookie = self.by_name.remove(name)?;
        self.by_cookie.remove(&cookie).map(|e| e.inode)
    }
}

/// Checks a final component that is to be created or removed: not empty, `.` or `..` (the
/// caller maps those to its own errno first), at most `NAME_MAX` bytes, no `/` or NUL.
pub(crate) fn check_name(name: &[u8]) -> KResult<()> {
    if name.is_empty() || name == b"." || name == b".." {
        return Err(Errno::EINVAL);
    }
    if name.len() > NAME_MAX {
        return Err(Errno::ENAMETOOLONG);
    }
    if name.iter().any(|&b| b == b'/' || b == 0) {
        return Err(Errno::EINVAL);
    }
    Ok(())
}

/// What a new inode holds.
pub(crate) enum NewContent<'a> {
    Empty,
    Symlink(&'a [u8]),
}

/// Linux's `may_delete` sticky rule: in a sticky directory only root, the directory's owner
/// or the victim's owner may remove or rename it away.
/// Takes the directory's lock, then the victim's, never both at once.
pub(crate) fn check_sticky(dir: &Inode, victim: &Inode, cred: &Cred) -> KResult<()> {
    let victim_uid = victim.lock().meta.uid;
    let st = dir.lock();
    if st.meta.mode & S_ISVTX != 0
        && !cred.is_root()
        && st.meta.uid != cred.uid
        && victim_uid != cred.uid
    {
        return Err(Errno::EPERM);
    }
    Ok(())
}

impl Inode {
    pub(crate) fn dir_check(&self) -> KResult<()> {
        if self.is_dir() {
            Ok(())
        } else {
            Err(Errno::ENOTDIR)
        }
    }

    /// Looks `name` up in this directory (no `.`/`..` handling: the walker does that).
    /// ENOTDIR if this is not a directory, ENAMETOOLONG beyond `NAME_MAX`, ENOENT if missing.
    pub fn child(&self, name: &[u8]) -> KResult<Arc<Inode>> {
        self.dir_check()?;
        if name.len() > NAME_MAX {
            return Err(Errno::ENAMETOOLONG);
        }
        match &self.lock().body {
            Body::Dir(d) if !d.dead => d.get(name).cloned().ok_or(Errno::ENOENT),
            _ => Err(Errno::ENOENT),
        }
    }

    /// The parent directory; `None` for a file system's root (whose `..` is itself).
    pub fn parent_dir(&self) -> Option<Arc<Inode>> {
        match &self.lock().body {
            Body::Dir(d) => d.parent.upgrade(),
            _ => None,
        }
    }

    /// Number of entries, without `.` and `..` (0 for non-directories).
    pub fn entry_count(&self) -> usize {
        match &self.lock().body {
            Body::Dir(d) => d.len(),
            _ => 0,
        }
    }

    /// Calls `f` for each entry whose cookie is `>= cookie`, in cookie order, `.` and `..`
    /// first, until `f` returns false. ENOTDIR for non-directories; a removed directory lists
    /// nothing (as on Linux).
    pub fn read_dir(&self, cookie: u64, mut f: impl FnMut(DirEntry) -> bool) -> KResult<()> {
        self.dir_check()?;
        let st = self.lock();
        let Body::Dir(d) = &st.body else {
            return Err(Errno::ENOTDIR);
        };
        if d.dead {
            return Ok(());
        }
        let dot = |next, ino, name: &[u8]| DirEntry {
            next,
            ino,
            dtype: dtype_of_mode(S_IFDIR),
            name: name.to_vec(),
        };
        if cookie == 0 && !f(dot(1, self.ino(), b".")) {
            return Ok(());
        }
        if cookie <= 1 {
            let pino = d.parent.upgrade().map_or(self.ino(), |p| p.ino());
            if !f(dot(FIRST_COOKIE, pino, b"..")) {
                return Ok(());
            }
        }
        for (&c, e) in d.by_cookie.range(cookie.max(FIRST_COOKIE)..) {
            let dtype = dtype_of_mode(e.inode.file_type().mode_bits());
            if !f(DirEntry {
                next: c + 1,
                ino: e.inode.ino(),
                dtype,
                name: e.name.clone(),
            }) {
                break;
            }
        }
        Ok(())
    }

    /// Checks that `cred` may add or remove entries here: a live directory with write and
    /// search permission.
    pub(crate) fn may_modify(&self, st: &InodeState, cred: &Cred) -> KResult<()> {
        match &st.body {
            Body::Dir(d) if d.dead => Err(Errno::ENOENT),
            Body::Dir(_) => access(&st.meta, cred, MAY_WRITE | MAY_EXEC),
            _ => Err(Errno::ENOTDIR),
        }
    }

    /// `unlink(2)`: removes a non-directory name. EISDIR for a directory (and for `.`/`..`),
    /// ENOENT if missing, EPERM by the sticky-bit rule.
    pub fn unlink(self: &Arc<Self>, cred: &Cred, name: &[u8]) -> KResult<()> {
        self.remove_entry(cred, name, false)
    }

    /// `rmdir(2)`: removes an empty directory. EINVAL for `.`, ENOTEMPTY for `..` or a
    /// non-empty directory, ENOTDIR for a non-directory.
    pub fn rmdir(self: &Arc<Self>, cred: &Cred, name: &[u8]) -> KResult<()> {
        self.remove_entry(cred, name, true)
    }

    fn remove_entry(self: &Arc<Self>, cred: &Cred, name: &[u8], want_dir: bool) -> KResult<()> {
        self.dir_check()?;
        match (name, want_dir) {
            (b".", true) => return Err(Errno::EINVAL),
            (b"..", true) => return Err(Errno::ENOTEMPTY),
            (b"." | b"..", false) => return Err(Errno::EISDIR),
            _ => {}
        }
        check_name(name)?;
        let _ns = self.sb.namespace.lock();
        let now = self.sb.now();
        let victim = {
            let st = self.lock();
            self.may_modify(&st, cred)?;
            let Body::Dir(d) = &st.body else {
                return Err(Errno::ENOTDIR);
            };
            let victim = d.get(name).cloned().ok_or(Errno::ENOENT)?;
            drop(st);
            victim
        };
        match (victim.is_dir(), want_dir) {
            (true, false) => return Err(Errno::EISDIR),
            (false, true) => return Err(Errno::ENOTDIR),
            _ => {}
        }
        check_sticky(self, &victim, cred)?;
        if want_dir && victim.entry_count() != 0 {
            return Err(Errno::ENOTEMPTY);
        }
        unlink_victim(&victim, now);
        let mut st = self.lock();
        if let Body::Dir(d) = &mut st.body {
            d.remove(name);
        }
        if want_dir {
            st.meta.nlink -= 1;
        }
        st.meta.mtime = now;
        st.meta.ctime = now;
        Ok(())
    }
}

/// Drops one link of `victim` (all of a directory's: it becomes dead). The caller removes the
/// entry and fixes the parent's link count.
pub(crate) fn unlink_victim(victim: &Inode, now: crate::inode::Timespec) {
    let mut v = victim.lock();
    if let Body::Dir(d) = &mut v.body {
        d.dead = true;
        v.meta.nlink = 0;
    } else {
        v.meta.nlink = v.meta.nlink.saturating_sub(1);
    }
    v.meta.ctime = now;
}

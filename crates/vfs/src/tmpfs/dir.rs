//! Directory content of a tmpfs inode: entries in insertion order keyed by a cookie that is
//! never reused (so `getdents64` offsets stay valid while entries come and go), a name index,
//! and the parent link (a `Weak`, since the parent owns the child). `.` and `..` are never
//! stored: cookies 0 and 1 stand for them.

use alloc::collections::BTreeMap;
use alloc::sync::{Arc, Weak};
use alloc::vec::Vec;

use crate::dir::FIRST_COOKIE;
use crate::inode::Inode;

pub(super) struct Entry {
    pub(super) name: Vec<u8>,
    pub(super) inode: Arc<Inode>,
}

/// The content of a directory inode.
pub(super) struct DirData {
    pub(super) by_cookie: BTreeMap<u64, Entry>,
    by_name: BTreeMap<Vec<u8>, u64>,
    next_cookie: u64,
    pub(super) parent: Weak<Inode>,
}

impl DirData {
    pub(super) fn new(parent: Weak<Inode>) -> DirData {
        DirData {
            by_cookie: BTreeMap::new(),
            by_name: BTreeMap::new(),
            next_cookie: FIRST_COOKIE,
            parent,
        }
    }

    pub(super) fn len(&self) -> usize {
        self.by_cookie.len()
    }

    pub(super) fn get(&self, name: &[u8]) -> Option<&Arc<Inode>> {
        let cookie = self.by_name.get(name)?;
        self.by_cookie.get(cookie).map(|e| &e.inode)
    }

    /// Adds or replaces `name`; a replaced entry keeps its cookie and is returned.
    pub(super) fn insert(&mut self, name: &[u8], inode: Arc<Inode>) -> Option<Arc<Inode>> {
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

    pub(super) fn remove(&mut self, name: &[u8]) -> Option<Arc<Inode>> {
        let cookie = self.by_name.remove(name)?;
        self.by_cookie.remove(&cookie).map(|e| e.inode)
    }
}

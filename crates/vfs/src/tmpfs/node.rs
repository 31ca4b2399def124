//! The tmpfs inode: attributes and content (file pages, directory entries, symlink target)
//! behind one lock, so that `size` always matches the data, and the [`InodeOps`] that create,
//! link, remove and rename entries once the VFS has checked the rules.
//!
//! Locking: `TmpfsNode::state` is a short spinlock; code here never holds two of them at
//! once. The node of a moved or removed inode is reached by downcasting its VFS inode.

use alloc::boxed::Box;
use alloc::sync::{Arc, Weak};
use alloc::vec::Vec;

use keel_abi::{Errno, KResult};
use spin::{Mutex, MutexGuard};

use super::data::{FileData, PAGE};
use super::dir::DirData;
use super::file::RegularFile;
use super::Tmpfs;
use crate::consts::{dtype_of_mode, FileType, RENAME_EXCHANGE, S_IALLUGO, S_IFDIR};
use crate::dir::{DirEntry, DirFile, FIRST_COOKIE};
use crate::file::FileOps;
use crate::fs::Superblock;
use crate::inode::{Inode, InodeOps, Metadata, NewNode, SetAttr, Timespec};

/// Content of an inode, by type.
pub(super) enum Body {
    Regular(FileData),
    Dir(DirData),
    Symlink(Vec<u8>),
    /// Device nodes, FIFOs and sockets: everything is in the metadata.
    Special,
}

pub(super) struct State {
    /// Permission bits, link count, owner, device number and times (`size`, `blocks` and the
    /// identity fields are computed).
    pub(super) meta: Metadata,
    pub(super) body: Body,
}

/// The file-system part of a tmpfs inode.
pub(crate) struct TmpfsNode {
    fs: Arc<Tmpfs>,
    state: Mutex<State>,
}

/// The tmpfs part of `inode` (every inode of a tmpfs has one; EXDEV otherwise).
fn node_of(inode: &Inode) -> KResult<&TmpfsNode> {
    inode.ops_as::<TmpfsNode>().ok_or(Errno::EXDEV)
}

impl TmpfsNode {
    fn new(fs: Arc<Tmpfs>, meta: Metadata, body: Body) -> TmpfsNode {
        TmpfsNode {
            fs,
            state: Mutex::new(State { meta, body }),
        }
    }

    pub(super) fn new_dir(fs: Arc<Tmpfs>, meta: Metadata, parent: Weak<Inode>) -> TmpfsNode {
        TmpfsNode::new(fs, meta, Body::Dir(DirData::new(parent)))
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock()
    }

    /// Makes a new node (counted against the inode limit) with `node`'s attributes.
    fn make(&self, dir: &Arc<Inode>, node: &NewNode<'_>, nlink: u32) -> KResult<Arc<Inode>> {
        let ftype = FileType::from_mode(node.mode).ok_or(Errno::EINVAL)?;
        self.fs.reserve_inode()?;
        let sb = dir.superblock();
        let now = sb.now();
        let body = match ftype {
            FileType::Directory => Body::Dir(DirData::new(Arc::downgrade(dir))),
            FileType::Regular => Body::Regular(FileData::default()),
            FileType::Symlink => Body::Symlink(node.target.to_vec()),
            _ => Body::Special,
        };
        let meta = Metadata {
            mode: node.mode & S_IALLUGO,
            nlink,
            uid: node.uid,
            gid: node.gid,
            rdev: node.rdev,
            atime: now,
            mtime: now,
            ctime: now,
            ..Metadata::default()
        };
        let ops = Box::new(TmpfsNode::new(self.fs.clone(), meta, body));
        Ok(Inode::new(sb, sb.alloc_ino(), ftype, ops))
    }

    /// Runs `f` on this directory's entries and stamps its mtime and ctime with `now`.
    fn change_dir<R>(
        &self,
        now: Timespec,
        f: impl FnOnce(&mut DirData, &mut Metadata) -> KResult<R>,
    ) -> KResult<R> {
        let mut st = self.lock();
        let st = &mut *st;
        let Body::Dir(d) = &mut st.body else {
            return Err(Errno::ENOTDIR);
        };
        let r = f(d, &mut st.meta)?;
        st.meta.mtime = now;
        st.meta.ctime = now;
        Ok(r)
    }

    fn entry(&self, name: &[u8]) -> Option<Arc<Inode>> {
        match &self.lock().body {
            Body::Dir(d) => d.get(name).cloned(),
            _ => None,
        }
    }

    /// Reads for an open file; `atime` is the superblock whose rule decides whether the
    /// access time is recorded (`None`: it is not, as for `O_NOATIME`).
    pub(super) fn read(
        &self,
        off: u64,
        buf: &mut [u8],
        atime: Option<&Superblock>,
    ) -> KResult<usize> {
        let mut st = self.lock();
        let n = match &st.body {
            Body::Regular(data) => data.read(off, buf),
            Body::Dir(_) => return Err(Errno::EISDIR),
            _ => return Err(Errno::EINVAL),
        };
        if let Some(sb) = atime {
            let now = self.fs.now();
            if sb.atime_due(&st.meta, now, false) {
                st.meta.atime = now;
            }
        }
        Ok(n)
    }

    /// Writes `buf` at `off` (or at the end if `append`), zero-filling any gap. Returns the
    /// bytes written and the offset after them. EFBIG at or past the size limit (a write that
    /// crosses it is shortened), ENOSPC when the file system's budget is spent.
    pub(super) fn write(&self, off: u64, buf: &[u8], append: bool) -> KResult<(usize, u64)> {
        let mut st = self.lock();
        let max = self.fs.max_file_size();
        let st = &mut *st;
        let Body::Regular(data) = &mut st.body else {
            return Err(Errno::EINVAL);
        };
        let off = if append { data.size() } else { off };
        if buf.is_empty() {
            return Ok((0, off));
        }
        if off >= max {
            return Err(Errno::EFBIG);
        }
        let count = (buf.len() as u64).min(max - off) as usize;
        let n = data.write(&self.fs, off, &buf[..count])?;
        let now = self.fs.now();
        st.meta.mtime = now;
        st.meta.ctime = now;
        Ok((n, off + n as u64))
    }

    /// `lseek`: SEEK_DATA and SEEK_HOLE follow the file's holes; the other whences are plain
    /// arithmetic ([`crate::seek_in`]).
    pub(super) fn seek(&self, pos: u64, offset: i64, whence: u32) -> KResult<u64> {
        use crate::consts::{SEEK_DATA, SEEK_HOLE};
        let st = self.lock();
        match (&st.body, whence) {
            (Body::Regular(data), SEEK_DATA | SEEK_HOLE) => {
                if offset < 0 || offset as u64 >= data.size() {
                    return Err(Errno::ENXIO);
                }
                data.seek_data_hole(offset as u64, whence == SEEK_DATA)
                    .ok_or(Errno::ENXIO)
            }
            (Body::Regular(data), _) => crate::file::seek_in(pos, offset, whence, data.size()),
            _ => Err(Errno::EINVAL),
        }
    }

    fn set_parent(&self, parent: &Arc<Inode>) {
        if let Body::Dir(d) = &mut self.lock().body {
            d.parent = Arc::downgrade(parent);
        }
    }

    fn add_nlink(&self, delta: i32, now: Option<Timespec>) {
        let mut st = self.lock();
        st.meta.nlink = st.meta.nlink.saturating_add_signed(delta);
        if let Some(t) = now {
            st.meta.ctime = t;
        }
    }
}

impl InodeOps for TmpfsNode {
    fn getattr(&self) -> Metadata {
        let st = self.lock();
        let mut m = st.meta;
        match &st.body {
            Body::Regular(data) => {
                m.size = data.size();
                m.blocks = data.allocated_pages() * (PAGE / 512);
            }
            Body::Symlink(t) => m.size = t.len() as u64,
            Body::Dir(d) => m.size = 40 + 20 * d.len() as u64,
            Body::Special => {}
        }
        m.blksize = PAGE as u32;
        m
    }

    fn setattr(&self, c: &SetAttr) -> KResult<()> {
        let mut st = self.lock();
        let st = &mut *st;
        if let Some(len) = c.size {
            let Body::Regular(data) = &mut st.body else {
                return Err(Errno::EINVAL);
            };
            if len > self.fs.max_file_size() {
                return Err(Errno::EFBIG);
            }
            data.set_size(&self.fs, len);
        }
        let m = &mut st.meta;
        if let Some(mode) = c.mode {
            m.mode = mode & S_IALLUGO;
        }
        if let Some(uid) = c.uid {
            m.uid = uid;
        }
        if let Some(gid) = c.gid {
            m.gid = gid;
        }
        if let Some(t) = c.atime {
            m.atime = t;
        }
        if let Some(t) = c.mtime {
            m.mtime = t;
        }
        if let Some(t) = c.ctime {
            m.ctime = t;
        }
        Ok(())
    }

    fn lookup(&self, dir: &Arc<Inode>, name: &[u8]) -> KResult<Arc<Inode>> {
        if dir.is_dead() {
            return Err(Errno::ENOENT);
        }
        match &self.lock().body {
            Body::Dir(d) => d.get(name).cloned().ok_or(Errno::ENOENT),
            _ => Err(Errno::ENOTDIR),
        }
    }

    fn parent(&self) -> Option<Arc<Inode>> {
        match &self.lock().body {
            Body::Dir(d) => d.parent.upgrade(),
            _ => None,
        }
    }

    fn readdir(
        &self,
        dir: &Inode,
        cookie: u64,
        emit: &mut dyn FnMut(DirEntry) -> bool,
    ) -> KResult<()> {
        let st = self.lock();
        let Body::Dir(d) = &st.body else {
            return Err(Errno::ENOTDIR);
        };
        if dir.is_dead() {
            return Ok(());
        }
        let dot = |next, ino, name: &[u8]| DirEntry {
            next,
            ino,
            dtype: dtype_of_mode(S_IFDIR),
            name: name.to_vec(),
        };
        if cookie == 0 && !emit(dot(1, dir.ino(), b".")) {
            return Ok(());
        }
        if cookie <= 1 {
            let pino = d.parent.upgrade().map_or(dir.ino(), |p| p.ino());
            if !emit(dot(FIRST_COOKIE, pino, b"..")) {
                return Ok(());
            }
        }
        for (&c, e) in d.by_cookie.range(cookie.max(FIRST_COOKIE)..) {
            let dtype = dtype_of_mode(e.inode.file_type().mode_bits());
            if !emit(DirEntry {
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

    fn is_empty_dir(&self) -> bool {
        match &self.lock().body {
            Body::Dir(d) => d.len() == 0,
            _ => true,
        }
    }

    fn create(&self, dir: &Arc<Inode>, name: &[u8], node: &NewNode<'_>) -> KResult<Arc<Inode>> {
        if dir.is_dead() {
            return Err(Errno::ENOENT);
        }
        let is_dir = node.mode & crate::consts::S_IFMT == S_IFDIR;
        let child = self.make(dir, node, if is_dir { 2 } else { 1 })?;
        let now = dir.superblock().now();
        self.change_dir(now, |d, meta| {
            if d.get(name).is_some() {
                return Err(Errno::EEXIST);
            }
            d.insert(name, child.clone());
            if is_dir {
                meta.nlink += 1;
            }
            Ok(())
        })?;
        Ok(child)
    }

    fn create_tmpfile(&self, dir: &Arc<Inode>, node: &NewNode<'_>) -> KResult<Arc<Inode>> {
        if dir.is_dead() {
            return Err(Errno::ENOENT);
        }
        self.make(dir, node, 0)
    }

    /// Every extra name counts against the inode limit, as in Linux's `shmem_link` (the
    /// first name of an `O_TMPFILE` file was counted when it was made).
    fn link(&self, dir: &Arc<Inode>, name: &[u8], target: &Arc<Inode>) -> KResult<()> {
        let t = node_of(target)?;
        let now = dir.superblock().now();
        let extra = t.lock().meta.nlink > 0;
        if extra {
            self.fs.reserve_inode()?;
        }
        let added = self.change_dir(now, |d, _| {
            if d.get(name).is_some() {
                return Err(Errno::EEXIST);
            }
            d.insert(name, target.clone());
            Ok(())
        });
        if let Err(e) = added {
            if extra {
                self.fs.release_inode();
            }
            return Err(e);
        }
        t.add_nlink(1, Some(now));
        Ok(())
    }

    fn unlink(&self, dir: &Arc<Inode>, name: &[u8], victim: &Arc<Inode>) -> KResult<()> {
        let v = node_of(victim)?;
        let now = dir.superblock().now();
        let is_dir = victim.is_dir();
        self.change_dir(now, |d, meta| {
            d.remove(name).ok_or(Errno::ENOENT)?;
            if is_dir {
                meta.nlink -= 1;
            }
            Ok(())
        })?;
        drop_links(v, is_dir, now);
        Ok(())
    }

    fn rename(
        &self,
        dir: &Arc<Inode>,
        old_name: &[u8],
        new_dir: &Arc<Inode>,
        new_name: &[u8],
        flags: u32,
    ) -> KResult<()> {
        let nd = node_of(new_dir)?;
        let now = dir.superblock().now();
        let old = self.entry(old_name).ok_or(Errno::ENOENT)?;
        let new = nd.entry(new_name);
        let cross = !Arc::ptr_eq(dir, new_dir);
        let on = node_of(&old)?;
        if flags & RENAME_EXCHANGE != 0 {
            let new = new.ok_or(Errno::ENOENT)?;
            let nn = node_of(&new)?;
            nd.change_dir(now, |d, _| Ok(d.insert(new_name, old.clone())))?;
            self.change_dir(now, |d, _| Ok(d.insert(old_name, new.clone())))?;
            if cross {
                // Each directory moved to the other side takes its `..` link along.
                let delta = i32::from(old.is_dir()) - i32::from(new.is_dir());
                self.add_nlink(-delta, None);
                nd.add_nlink(delta, None);
                if old.is_dir() {
                    on.set_parent(new_dir);
                }
                if new.is_dir() {
                    nn.set_parent(dir);
                }
            }
            on.add_nlink(0, Some(now));
            nn.add_nlink(0, Some(now));
            return Ok(());
        }
        let moving_dir = old.is_dir();
        if let Some(victim) = &new {
            drop_links(node_of(victim)?, victim.is_dir(), now);
        }
        let replaced_dir = new.as_ref().is_some_and(|n| n.is_dir());
        nd.change_dir(now, |d, meta| {
            d.insert(new_name, old.clone());
            if replaced_dir {
                meta.nlink -= 1;
            }
            if moving_dir && cross {
                meta.nlink += 1;
            }
            Ok(())
        })?;
        self.change_dir(now, |d, meta| {
            d.remove(old_name);
            if moving_dir && cross {
                meta.nlink -= 1;
            }
            Ok(())
        })?;
        if moving_dir && cross {
            on.set_parent(new_dir);
        }
        on.add_nlink(0, Some(now));
        Ok(())
    }

    fn readlink(&self) -> KResult<Vec<u8>> {
        match &self.lock().body {
            Body::Symlink(t) => Ok(t.clone()),
            _ => Err(Errno::EINVAL),
        }
    }

    fn open(&self, inode: &Arc<Inode>, _flags: u32) -> KResult<Arc<dyn FileOps>> {
        Ok(match inode.file_type() {
            FileType::Regular => Arc::new(RegularFile::new(inode.clone())),
            FileType::Directory => Arc::new(DirFile::new(inode.clone())),
            _ => return Err(Errno::ENXIO),
        })
    }

    fn read_at(&self, off: u64, buf: &mut [u8]) -> KResult<usize> {
        self.read(off, buf, None)
    }

    fn write_at(&self, off: u64, buf: &[u8], append: bool) -> KResult<(usize, u64)> {
        self.write(off, buf, append)
    }
}

/// Drops one link of a removed name (all of a directory's: `.` and its name); a name that
/// was an extra link gives its inode count back (Linux's `shmem_unlink`).
fn drop_links(v: &TmpfsNode, is_dir: bool, now: Timespec) {
    let mut st = v.lock();
    if !is_dir && st.meta.nlink > 1 {
        v.fs.release_inode();
    }
    st.meta.nlink = if is_dir {
        0
    } else {
        st.meta.nlink.saturating_sub(1)
    };
    st.meta.ctime = now;
}

impl Drop for TmpfsNode {
    fn drop(&mut self) {
        if let Body::Regular(data) = &mut self.state.get_mut().body {
            data.release_all(&self.fs);
        }
        self.fs.release_inode();
    }
}

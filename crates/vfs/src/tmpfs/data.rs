//! Content of a tmpfs regular file: a size and a sparse set of 4 KiB pages. Pages are
//! allocated when first written, holes (from a seek past the end or a growing truncate) read
//! back as zeros and cost nothing, and no operation needs a buffer larger than a page, so a
//! big file never asks for one huge contiguous allocation. The file system's byte budget is
//! charged a page at a time, as Linux's tmpfs does.

use alloc::boxed::Box;
use alloc::collections::BTreeMap;
use alloc::vec::Vec;

use keel_abi::{Errno, KResult};

use super::Tmpfs;

/// Bytes per page.
pub const PAGE: u64 = 4096;

/// A file's bytes.
#[derive(Default)]
pub struct FileData {
    size: u64,
    pages: BTreeMap<u64, Box<[u8]>>,
}

impl FileData {
    /// The file size.
    pub fn size(&self) -> u64 {
        self.size
    }

    /// Pages allocated (for `st_blocks`).
    pub fn allocated_pages(&self) -> u64 {
        self.pages.len() as u64
    }

    /// `lseek(SEEK_DATA)` / `lseek(SEEK_HOLE)` from `off` (below the size): the next offset
    /// in an allocated page, or in a hole (the end of the file counts as a hole), as tmpfs
    /// reports them at page granularity.
    pub fn seek_data_hole(&self, off: u64, data: bool) -> Option<u64> {
        let page = off / PAGE;
        if data {
            if self.pages.contains_key(&page) {
                return Some(off);
            }
            let next = self.pages.range(page..).next().map(|(&p, _)| p * PAGE)?;
            (next < self.size).then_some(next)
        } else {
            let mut p = page;
            while self.pages.contains_key(&p) {
                p += 1;
            }
            Some((p * PAGE).max(off).min(self.size))
        }
    }

    /// Copies the bytes at `off` into `buf`; returns how many (0 at or past the end).
    pub fn read(&self, off: u64, buf: &mut [u8]) -> usize {
        if off >= self.size {
            return 0;
        }
        // off < size, and the copy stops at size, so every index below fits.
        let n = (buf.len() as u64).min(self.size - off) as usize;
        let mut done = 0;
        while done < n {
            let at = off + done as u64;
            let (page, in_page) = (at / PAGE, (at % PAGE) as usize);
            let chunk = (n - done).min(PAGE as usize - in_page);
            match self.pages.get(&page) {
                Some(p) => buf[done..done + chunk].copy_from_slice(&p[in_page..in_page + chunk]),
                None => buf[done..done + chunk].fill(0),
            }
            done += chunk;
        }
        n
    }

    /// Writes `buf` at `off`, allocating pages (charged to `fs`) as needed and growing the
    /// size. If the budget or memory runs out part-way, what was written so far stays and its
    /// length is returned; nothing at all is ENOSPC.
    pub fn write(&mut self, fs: &Tmpfs, off: u64, buf: &[u8]) -> KResult<usize> {
        let mut done = 0;
        while done < buf.len() {
            let at = off + done as u64;
            let (page, in_page) = (at / PAGE, (at % PAGE) as usize);
            let chunk = (buf.len() - done).min(PAGE as usize - in_page);
            let p = match self.pages.get_mut(&page) {
                Some(p) => p,
                None => match new_page(fs) {
                    Ok(p) => self.pages.entry(page).or_insert(p),
                    Err(e) if done == 0 => return Err(e),
                    Err(_) => break,
                },
            };
            p[in_page..in_page + chunk].copy_from_slice(&buf[done..done + chunk]);
            done += chunk;
            self.size = self.size.max(at + chunk as u64);
        }
        Ok(done)
    }

    /// Sets the size: shrinking frees the pages past the end (and zeroes the tail of the last
    /// one, so growing again reads zeros); growing only moves the end (a hole).
    pub fn set_size(&mut self, fs: &Tmpfs, len: u64) {
        if len < self.size {
            let keep = len.div_ceil(PAGE);
            let gone: Vec<u64> = self.pages.range(keep..).map(|(&k, _)| k).collect();
            for k in gone {
                self.pages.remove(&k);
                fs.release(PAGE);
            }
            if !len.is_multiple_of(PAGE) {
                if let Some(p) = self.pages.get_mut(&(len / PAGE)) {
                    p[(len % PAGE) as usize..].fill(0);
                }
            }
        }
        self.size = len;
    }

    /// Returns every page's charge to `fs` (the file is going away).
    pub fn release_all(&mut self, fs: &Tmpfs) {
        fs.release(self.pages.len() as u64 * PAGE);
        self.pages.clear();
    }
}

fn new_page(fs: &Tmpfs) -> KResult<Box<[u8]>> {
    fs.reserve(PAGE)?;
    let mut v = Vec::new();
    if v.try_reserve_exact(PAGE as usize).is_err() {
        fs.release(PAGE);
        return Err(Errno::ENOSPC);
    }
    v.resize(PAGE as usize, 0);
    Ok(v.into_boxed_slice())
}

//! Unpacks the initrd (cpio `newc`, plain or gzip, possibly several concatenated) into the
//! root tmpfs: directories, files, symlinks, device nodes and hard links, with modes, owners
//! and times. A damaged archive is reported and unpacking stops there; the kernel goes on.

use alloc::collections::BTreeMap;
use alloc::vec::Vec;

use keel_vfs::{makedev, Cred, InstallContent, SetTime, Timespec};

use super::vfs;

/// Largest initrd the kernel inflates.
const MAX_UNPACKED: usize = 1 << 30;

/// Unpacks the archive at physical `[start, start + len)`; returns the number of entries.
pub fn unpack_initrd(start: u64, len: u64) -> usize {
    // SAFETY: the boot loader placed the initrd there; its frames are reserved from the
    // allocator until this function returns and the caller frees them.
    let data = unsafe {
        core::slice::from_raw_parts(crate::mm::phys_to_virt(start) as *const u8, len as usize)
    };
    let chunks = match keel_cpio::unpack(data, MAX_UNPACKED) {
        Ok(c) => c,
        Err(e) => {
            log::error!("initrd: {e}; root file system is empty");
            return 0;
        }
    };
    let fs = vfs();
    let root = Cred::root();
    let mut links: BTreeMap<u32, Vec<u8>> = BTreeMap::new();
    let mut count = 0;
    let mut dir_times = Vec::new();
    for chunk in &chunks {
        for entry in keel_cpio::entries(chunk) {
            let e = match entry {
                Ok(e) => e,
                Err(err) => {
                    log::error!("initrd: {err}; stopping");
                    break;
                }
            };
            let name = e.name.strip_prefix(b"./").unwrap_or(e.name);
            if name.is_empty() || name == b"." {
                // The archive's root entry: its mode, owner and time are the root's.
                let r = fs.root();
                let _ = r.chmod(&root, e.mode & 0o7777);
                let _ = r.chown(&root, Some(e.uid), Some(e.gid));
                dir_times.push((
                    r.clone(),
                    Timespec {
                        sec: e.mtime as i64,
                        nsec: 0,
                    },
                ));
                continue;
            }
            let mtime = Timespec {
                sec: e.mtime as i64,
                nsec: 0,
            };
            let content = match e.file_type() {
                keel_vfs::consts::S_IFDIR => InstallContent::Dir,
                keel_vfs::consts::S_IFLNK => InstallContent::Symlink(e.data),
                keel_vfs::consts::S_IFREG => InstallContent::Regular(e.data),
                _ => InstallContent::Device(makedev(e.rdev_major, e.rdev_minor)),
            };
            // Hard links share an inode number; newc stores the data with the last of them.
            if e.file_type() == keel_vfs::consts::S_IFREG && e.nlink > 1 {
                if let Some(first) = links.get(&e.ino) {
                    let ctx = fs.ctx(&root);
                    let r = fs.link(&ctx, first, &ctx, name, false);
                    if let Err(err) = r {
                        log::warn!("initrd: link {}: {}", show(name), err.name());
                    } else if !e.data.is_empty() {
                        if let Ok(f) = fs.open(&ctx, name, keel_vfs::consts::O_WRONLY, 0, 0) {
                            let _ = f.write(e.data);
                        }
                    }
                    count += 1;
                    continue;
                }
                links.insert(e.ino, name.to_vec());
            }
            match fs.install(name, e.mode, e.uid, e.gid, mtime, content) {
                Ok(inode) => {
                    count += 1;
                    if e.file_type() == keel_vfs::consts::S_IFDIR {
                        dir_times.push((inode, mtime));
                    }
                }
                Err(err) => log::warn!("initrd: {}: {}", show(name), err.name()),
            }
        }
    }
    // Unpacking members touched their directories' times; put the archive's back.
    for (inode, t) in dir_times {
        let _ = inode.set_times(&root, SetTime::At(t), SetTime::At(t));
    }
    count
}

fn show(name: &[u8]) -> &str {
    core::str::from_utf8(name).unwrap_or("<non-UTF-8 name>")
}

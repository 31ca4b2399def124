//! The file-system layer: one `keel_vfs::Vfs` (a tmpfs root, other file systems mounted on it)
//! unpacked from the initrd at boot, the device registry behind `/dev`, pipes, and the glue
//! that makes open files block.
//!
//! The VFS crate never blocks: an operation that would wait returns EAGAIN. The kernel waits
//! for the file's own readiness ([`readiness`]: each pollable file owns one), then retries;
//! poll, select and epoll ([`poll`]) watch the same readiness objects. Lock order:
//! VFS-internal locks are leaves below everything here; none is held across a user copy.

mod devfs;
mod devices;
pub mod devpts;
pub mod eventfd;
mod fifo;
mod initrd;
pub mod pipe;
pub mod poll;
pub mod procfs;
pub mod readiness;
pub mod scratch;
pub mod timerfd;

use alloc::sync::Arc;

use keel_abi::{Errno, KResult};
use keel_vfs::consts::{O_NONBLOCK, POLLIN, POLLOUT};
use keel_vfs::{OpenFile, TmpfsConfig, Vfs};
use spin::Once;

pub use initrd::unpack_initrd;

static VFS: Once<Vfs> = Once::new();

/// Free frames below which tmpfs takes no new page (8 MiB).
const TMPFS_FLOOR_FRAMES: usize = 2048;

/// The namespace.
pub fn vfs() -> &'static Vfs {
    VFS.get().expect("fs::init has not run")
}

/// Creates the root tmpfs, sized to half of free memory as Linux's tmpfs default.
pub fn init() {
    let budget = (crate::mm::frames::free_frames() as u64 * 4096) / 2;
    VFS.call_once(|| {
        let clock: Arc<dyn keel_vfs::Clock> = Arc::new(|| {
            let ns = crate::time::realtime_ns();
            (
                ns.div_euclid(1_000_000_000),
                ns.rem_euclid(1_000_000_000) as u32,
            )
        });
        // st_dev 0:2, as Linux's initramfs rootfs reports.
        let config = TmpfsConfig {
            dev: 2,
            max_bytes: budget,
            max_file_size: i64::MAX as u64, // MAX_LFS_FILESIZE: files may be sparse
        };
        let vfs = Vfs::new(config, clock, Arc::new(devices::Devices));
        // A tmpfs page comes from the kernel heap: stop at a floor above the kernel's own
        // reserve, so a full tmpfs answers ENOSPC instead of starving the kernel.
        vfs.set_memory_guard(Arc::new(|| {
            crate::mm::frames::free_frames() > TMPFS_FLOOR_FRAMES
        }));
        // A tmpfs root without a mode option is 1777, as Linux's rootfs is; an initrd entry
        // for "." overrides it.
        let _ = vfs.root().chmod(&keel_vfs::Cred::root(), 0o1777);
        procfs::register(&vfs);
        devfs::register(&vfs);
        devpts::register(&vfs);
        vfs
    });
}

/// The wall-clock time as `(seconds, nanoseconds)` since the epoch: the clock of the file
/// systems the kernel makes (procfs, devpts).
pub fn wall_clock() -> (i64, u32) {
    let ns = crate::time::realtime_ns();
    (
        ns.div_euclid(1_000_000_000),
        ns.rem_euclid(1_000_000_000) as u32,
    )
}

/// Bytes all tmpfs instances hold (what Linux counts as shared memory: meminfo's `Shmem`,
/// sysinfo's `sharedram`).
pub fn tmpfs_bytes() -> u64 {
    let vfs = vfs();
    vfs.mounts(vfs.root())
        .iter()
        .filter(|m| m.root.superblock().fs().type_name() == "tmpfs")
        .map(|m| m.root.superblock().used_bytes())
        .sum()
}

/// Reads from an open file, blocking while it has nothing (unless O_NONBLOCK). A signal ends
/// the wait with ERESTARTSYS. A terminal's read goes on by its VMIN/VTIME rule instead.
pub fn read_blocking(f: &OpenFile, buf: &mut [u8]) -> KResult<usize> {
    if let (Some(rule), Some(pollee)) = (f.ops().read_rule(), f.ops().pollee()) {
        return read_by_rule(f, pollee, rule, buf);
    }
    loop {
        match f.read(buf) {
            Err(Errno::EAGAIN) if f.flags() & O_NONBLOCK == 0 => {
                readiness::wait_for(f, POLLIN, None)?;
                // A file whose poll says ready while its read still finds nothing must not
                // keep a non-preemptible kernel spinning: let others run between tries.
                crate::sched::cond_resched();
            }
            r => return r,
        }
    }
}

/// N_TTY's read loop: bytes are taken as they come (each `f.read` returns what there is),
/// until the rule's minimum is met or the buffer is full; the whole-read timer (VMIN 0) or
/// the inter-byte timer (VMIN > 0, armed by every arrival) ends it with what it holds, and so
/// does a signal once it holds something (Linux returns the bytes rather than EINTR).
fn read_by_rule(
    f: &OpenFile,
    pollee: &dyn keel_vfs::Pollee,
    rule: keel_vfs::ReadRule,
    buf: &mut [u8],
) -> KResult<usize> {
    let now = crate::time::monotonic_ns;
    let mut deadline = rule.total_ns.map(|t| now() + t);
    let mut got = 0;
    loop {
        // Subscribed before the try: input arriving after it finds nothing still wakes us.
        let nudge = readiness::Nudge::new();
        let _sub = readiness::Subscription::new(pollee, nudge.clone());
        match f.read(&mut buf[got..]) {
            Ok(0) => return Ok(got),
            Ok(n) => {
                got += n;
                if rule.done(got, buf.len()) {
                    return Ok(got);
                }
                if let Some(t) = rule.interbyte_ns {
                    deadline = Some(now() + t);
                }
                continue;
            }
            Err(Errno::EAGAIN) if f.flags() & O_NONBLOCK == 0 => {}
            Err(e) => return if got > 0 { Ok(got) } else { Err(e) },
        }
        match crate::sched::waitqueue::block_until(|| nudge.hit(), deadline, true) {
            Ok(()) => crate::sched::cond_resched(),
            Err(Errno::ETIMEDOUT) => return Ok(got),
            Err(_) if got > 0 => return Ok(got),
            Err(e) => return Err(readiness::interrupted_restarts(e)),
        }
    }
}

/// Writes all of `buf` to an open file, blocking while it has no room (unless O_NONBLOCK, which
/// writes what fits). A signal ends the wait: the count written so far, or ERESTARTSYS.
pub fn write_blocking(f: &OpenFile, buf: &[u8]) -> KResult<usize> {
    let mut done = 0;
    loop {
        let r = f.write(&buf[done..]);
        match r {
            Ok(n) => {
                done += n;
                if done == buf.len() || n == 0 || f.flags() & O_NONBLOCK != 0 {
                    return Ok(done);
                }
            }
            Err(Errno::EAGAIN) if f.flags() & O_NONBLOCK == 0 => {
                if let Err(e) = readiness::wait_for(f, POLLOUT, None) {
                    return if done > 0 { Ok(done) } else { Err(e) };
                }
            }
            Err(e) => return if done > 0 { Ok(done) } else { Err(e) },
        }
    }
}

/// The offset lock of an open file description (see `keel_vfs::OpenFile`), held across a
/// read or write made of several steps; waiters sleep.
pub struct OffsetGuard<'a>(&'a OpenFile);

impl<'a> OffsetGuard<'a> {
    /// Takes the lock, sleeping while another thread holds it.
    pub fn lock(f: &'a OpenFile) -> OffsetGuard<'a> {
        crate::sync::might_sleep();
        let addr = f as *const OpenFile as usize;
        while !f.try_lock_offset() {
            crate::sync::wait_on_address(addr, || !f.offset_locked());
        }
        OffsetGuard(f)
    }
}

impl Drop for OffsetGuard<'_> {
    fn drop(&mut self) {
        self.0.unlock_offset();
        crate::sync::wake_address(self.0 as *const OpenFile as usize);
    }
}

/// What `fstat` shows for files made by `anon_inode_getfd` in Linux (eventfd, timerfd, epoll):
/// mode 0600 without a type, the anon_inodefs device.
pub fn anon_inode_metadata() -> keel_vfs::Metadata {
    keel_vfs::Metadata {
        mode: 0o600,
        nlink: 1,
        blksize: 4096,
        dev: 13,
        ..keel_vfs::Metadata::default()
    }
}

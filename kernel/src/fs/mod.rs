//! The file-system layer: one `keel_vfs::Vfs` (a tmpfs root) unpacked from the initrd at boot,
//! the device registry behind `/dev`, and the glue that makes open files block.
//!
//! The VFS crate never blocks: an operation that would wait returns EAGAIN. The kernel waits
//! on [`READY`], a wait queue that every readiness change wakes (console input now; pipes and
//! sockets later), then retries. Lock order: VFS-internal locks are leaves below everything
//! here; none is held across a user copy.

mod console;
mod devices;
mod initrd;

use alloc::sync::Arc;

use keel_abi::{Errno, KResult};
use keel_vfs::{OpenFile, TmpfsConfig, Vfs};
use spin::Once;

use crate::sched::WaitQueue;

pub use console::console_input;
pub use initrd::unpack_initrd;

static VFS: Once<Vfs> = Once::new();

/// Woken whenever some file may have become readable or writable.
pub static READY: WaitQueue = WaitQueue::new();

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
        // A tmpfs root without a mode option is 1777, as Linux's rootfs is; an initrd entry
        // for "." overrides it.
        let _ = vfs.root().chmod(&keel_vfs::Cred::root(), 0o1777);
        vfs
    });
}

/// Reads from an open file, blocking while it has nothing (unless O_NONBLOCK).
pub fn read_blocking(f: &OpenFile, buf: &mut [u8]) -> KResult<usize> {
    // A console in non-canonical mode with VMIN 0 and VTIME set gives up after VTIME.
    let deadline = console::read_timeout_ns(f).map(|t| crate::time::monotonic_ns() + t);
    loop {
        match f.read(buf) {
            Err(Errno::EAGAIN) if f.flags() & keel_vfs::consts::O_NONBLOCK == 0 => {
                let ready = READY.wait_until_deadline(
                    || f.poll() & (keel_vfs::consts::POLLIN | keel_vfs::consts::POLLHUP) != 0,
                    deadline,
                );
                if !ready {
                    return Ok(0);
                }
            }
            r => return r,
        }
    }
}

/// Writes to an open file, blocking while it has no room (unless O_NONBLOCK).
pub fn write_blocking(f: &OpenFile, buf: &[u8]) -> KResult<usize> {
    loop {
        match f.write(buf) {
            Err(Errno::EAGAIN) if f.flags() & keel_vfs::consts::O_NONBLOCK == 0 => {
                READY.wait_until(|| {
                    f.poll() & (keel_vfs::consts::POLLOUT | keel_vfs::consts::POLLERR) != 0
                });
            }
            r => return r,
        }
    }
}

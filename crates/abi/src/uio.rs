//! Scatter/gather I/O: `struct iovec` for readv(2) and writev(2) (`linux/uio.h`).

/// `struct iovec` (16 bytes): a user buffer.
#[repr(C)]
#[derive(Clone, Copy, Default, Debug, PartialEq, Eq)]
pub struct IoVec {
    /// User address of the buffer.
    pub iov_base: u64,
    /// Length in bytes.
    pub iov_len: u64,
}
const _: () = assert!(size_of::<IoVec>() == 16);

/// Most iovecs one call accepts (EINVAL above it).
pub const UIO_MAXIOV: usize = 1024;

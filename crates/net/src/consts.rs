//! Linux socket constants (`<sys/socket.h>`, `<netinet/in.h>`, `<netinet/tcp.h>`) and the
//! structures the socket calls read and write. Values are x86_64 Linux's.

/// `AF_UNSPEC`
pub const AF_UNSPEC: u16 = 0;
/// `AF_UNIX`
pub const AF_UNIX: u16 = 1;
/// `AF_INET`
pub const AF_INET: u16 = 2;
/// `AF_INET6`
pub const AF_INET6: u16 = 10;
/// `AF_NETLINK`
pub const AF_NETLINK: u16 = 16;
/// `AF_PACKET`
pub const AF_PACKET: u16 = 17;

/// `SOCK_STREAM`
pub const SOCK_STREAM: u32 = 1;
/// `SOCK_DGRAM`
pub const SOCK_DGRAM: u32 = 2;
/// `SOCK_RAW`
pub const SOCK_RAW: u32 = 3;
/// `SOCK_SEQPACKET`
pub const SOCK_SEQPACKET: u32 = 5;
/// `SOCK_NONBLOCK` (= `O_NONBLOCK`)
pub const SOCK_NONBLOCK: u32 = 0o4000;
/// `SOCK_CLOEXEC` (= `O_CLOEXEC`)
pub const SOCK_CLOEXEC: u32 = 0o2000000;
/// The type bits of `socket`'s type argument.
pub const SOCK_TYPE_MASK: u32 = 0xf;

/// `IPPROTO_IP`
pub const IPPROTO_IP: i32 = 0;
/// `IPPROTO_ICMP`
pub const IPPROTO_ICMP: i32 = 1;
/// `IPPROTO_TCP`
pub const IPPROTO_TCP: i32 = 6;
/// `IPPROTO_UDP`
pub const IPPROTO_UDP: i32 = 17;
/// `IPPROTO_IPV6`
pub const IPPROTO_IPV6: i32 = 41;

/// `SOL_SOCKET`
pub const SOL_SOCKET: i32 = 1;
/// `SOL_IP` (= `IPPROTO_IP`)
pub const SOL_IP: i32 = 0;
/// `SOL_TCP` (= `IPPROTO_TCP`)
pub const SOL_TCP: i32 = 6;
/// `SOL_UDP`
pub const SOL_UDP: i32 = 17;

/// `SO_DEBUG`
pub const SO_DEBUG: i32 = 1;
/// `SO_REUSEADDR`
pub const SO_REUSEADDR: i32 = 2;
/// `SO_TYPE`
pub const SO_TYPE: i32 = 3;
/// `SO_ERROR`
pub const SO_ERROR: i32 = 4;
/// `SO_DONTROUTE`
pub const SO_DONTROUTE: i32 = 5;
/// `SO_BROADCAST`
pub const SO_BROADCAST: i32 = 6;
/// `SO_SNDBUF`
pub const SO_SNDBUF: i32 = 7;
/// `SO_RCVBUF`
pub const SO_RCVBUF: i32 = 8;
/// `SO_KEEPALIVE`
pub const SO_KEEPALIVE: i32 = 9;
/// `SO_OOBINLINE`
pub const SO_OOBINLINE: i32 = 10;
/// `SO_LINGER`
pub const SO_LINGER: i32 = 13;
/// `SO_REUSEPORT`
pub const SO_REUSEPORT: i32 = 15;
/// `SO_RCVLOWAT`
pub const SO_RCVLOWAT: i32 = 18;
/// `SO_SNDLOWAT`
pub const SO_SNDLOWAT: i32 = 19;
/// `SO_RCVTIMEO` (`SO_RCVTIMEO_OLD`: a 16-byte `struct timeval` on x86_64)
pub const SO_RCVTIMEO: i32 = 20;
/// `SO_SNDTIMEO` (`SO_SNDTIMEO_OLD`)
pub const SO_SNDTIMEO: i32 = 21;
/// `SO_ACCEPTCONN`
pub const SO_ACCEPTCONN: i32 = 30;
/// `SO_PASSCRED`
pub const SO_PASSCRED: i32 = 16;
/// `SO_PEERCRED`
pub const SO_PEERCRED: i32 = 17;
/// `SO_PROTOCOL`
pub const SO_PROTOCOL: i32 = 38;
/// `SO_DOMAIN`
pub const SO_DOMAIN: i32 = 39;

/// `IP_TOS`
pub const IP_TOS: i32 = 1;
/// `IP_TTL`
pub const IP_TTL: i32 = 2;

/// `TCP_NODELAY`
pub const TCP_NODELAY: i32 = 1;
/// `TCP_MAXSEG`
pub const TCP_MAXSEG: i32 = 2;
/// `TCP_CORK`
pub const TCP_CORK: i32 = 3;
/// `TCP_KEEPIDLE`
pub const TCP_KEEPIDLE: i32 = 4;
/// `TCP_KEEPINTVL`
pub const TCP_KEEPINTVL: i32 = 5;
/// `TCP_KEEPCNT`
pub const TCP_KEEPCNT: i32 = 6;
/// `TCP_FASTOPEN`
pub const TCP_FASTOPEN: i32 = 23;

/// `MSG_OOB`
pub const MSG_OOB: u32 = 0x1;
/// `MSG_PEEK`
pub const MSG_PEEK: u32 = 0x2;
/// `MSG_DONTROUTE`
pub const MSG_DONTROUTE: u32 = 0x4;
/// `MSG_CTRUNC`
pub const MSG_CTRUNC: u32 = 0x8;
/// `MSG_TRUNC`
pub const MSG_TRUNC: u32 = 0x20;
/// `MSG_DONTWAIT`
pub const MSG_DONTWAIT: u32 = 0x40;
/// `MSG_EOR`
pub const MSG_EOR: u32 = 0x80;
/// `MSG_WAITALL`
pub const MSG_WAITALL: u32 = 0x100;
/// `MSG_NOSIGNAL`
pub const MSG_NOSIGNAL: u32 = 0x4000;
/// `MSG_MORE`
pub const MSG_MORE: u32 = 0x8000;
/// `MSG_CMSG_CLOEXEC`
pub const MSG_CMSG_CLOEXEC: u32 = 0x4000_0000;

/// `SHUT_RD`
pub const SHUT_RD: i32 = 0;
/// `SHUT_WR`
pub const SHUT_WR: i32 = 1;
/// `SHUT_RDWR`
pub const SHUT_RDWR: i32 = 2;

/// `SOMAXCONN` (`/proc/sys/net/core/somaxconn` on Linux 6.1): the largest listen backlog.
pub const SOMAXCONN: u32 = 4096;

/// `struct sockaddr_in`: family, port (network order), address (network order), padding.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct SockaddrInRaw {
    /// `sin_family`
    pub family: u16,
    /// `sin_port`, big-endian
    pub port_be: [u8; 2],
    /// `sin_addr`, big-endian
    pub addr: [u8; 4],
    /// `sin_zero`
    pub zero: [u8; 8],
}
const _: () = assert!(core::mem::size_of::<SockaddrInRaw>() == 16);

/// `struct msghdr` on x86_64.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct MsgHdr {
    /// `msg_name`
    pub name: u64,
    /// `msg_namelen`
    pub namelen: u32,
    /// padding
    pub _pad0: u32,
    /// `msg_iov`
    pub iov: u64,
    /// `msg_iovlen`
    pub iovlen: u64,
    /// `msg_control`
    pub control: u64,
    /// `msg_controllen`
    pub controllen: u64,
    /// `msg_flags`
    pub flags: u32,
    /// padding
    pub _pad1: u32,
}
const _: () = assert!(core::mem::size_of::<MsgHdr>() == 56);

/// `struct linger`.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Linger {
    /// `l_onoff`
    pub onoff: i32,
    /// `l_linger`, seconds
    pub linger: i32,
}
const _: () = assert!(core::mem::size_of::<Linger>() == 8);

//! The kernel's port table: who holds which local port, for TCP and UDP separately.
//!
//! smoltcp neither checks port conflicts nor accepts local port 0 (DESIGN.md section 6,
//! lesson 3: `Unaddressable` for connect, listen and UDP bind), so every binding goes through
//! here first. `bind` to port 0 and `connect`/`sendto` on an unbound socket take an ephemeral
//! port from 49152-65535, starting after the last one handed out so that consecutive
//! connections get distinct ports, and never one in use. A port returns to the pool when its
//! holder releases it (close, or the end of TIME-WAIT for a closed TCP connection).
//!
//! Conflicts follow Linux's `inet_csk_bind_conflict` and `udp_lib_lport_inuse`: two bindings
//! of one port conflict when their addresses overlap (equal, or either is `INADDR_ANY`),
//! unless both asked for `SO_REUSEADDR` and (for TCP) the existing one is not listening. A
//! connection in TIME-WAIT (its file closed) gives way to any binder with `SO_REUSEADDR`.
//! Lock order: the table has no lock of its own; the kernel keeps it under the network lock.

use alloc::collections::BTreeMap;
use alloc::vec::Vec;

use keel_abi::{Errno, KResult};

/// First ephemeral port (the range the issue and IANA give; Linux's default starts at 32768).
pub const EPHEMERAL_FIRST: u16 = 49152;
/// Last ephemeral port.
pub const EPHEMERAL_LAST: u16 = 65535;

/// The transport a port belongs to.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Proto {
    /// TCP
    Tcp,
    /// UDP
    Udp,
}

/// Who holds a port: a socket, by an id the kernel chooses.
pub type Holder = u64;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Binding {
    holder: Holder,
    addr: [u8; 4],
    reuse: bool,
    listening: bool,
    /// Closed by its owner, kept until TIME-WAIT ends.
    lingering: bool,
}

fn overlap(a: [u8; 4], b: [u8; 4]) -> bool {
    a == [0; 4] || b == [0; 4] || a == b
}

/// The table of bound ports.
#[derive(Debug)]
pub struct PortTable {
    bound: BTreeMap<(Proto, u16), Vec<Binding>>,
    /// Where the next ephemeral search starts, per protocol.
    cursor: [u16; 2],
}

impl Default for PortTable {
    fn default() -> Self {
        Self::new()
    }
}

impl PortTable {
    /// An empty table.
    pub const fn new() -> Self {
        PortTable {
            bound: BTreeMap::new(),
            cursor: [EPHEMERAL_FIRST; 2],
        }
    }

    fn conflicts(&self, proto: Proto, port: u16, addr: [u8; 4], reuse: bool) -> bool {
        let Some(list) = self.bound.get(&(proto, port)) else {
            return false;
        };
        list.iter().any(|b| {
            if !overlap(b.addr, addr) {
                return false;
            }
            if b.lingering {
                return !reuse;
            }
            let shared = reuse && b.reuse && (proto == Proto::Udp || !b.listening);
            !shared
        })
    }

    /// Binds `holder` to `addr:port`; port 0 picks an ephemeral port. Returns the port.
    /// EADDRINUSE when the port is taken (or, for port 0, when every ephemeral port is).
    pub fn bind(
        &mut self,
        proto: Proto,
        addr: [u8; 4],
        port: u16,
        reuse: bool,
        holder: Holder,
    ) -> KResult<u16> {
        let port = if port == 0 {
            self.pick_ephemeral(proto)?
        } else {
            if self.conflicts(proto, port, addr, reuse) {
                return Err(Errno::EADDRINUSE);
            }
            port
        };
        self.bound.entry((proto, port)).or_default().push(Binding {
            holder,
            addr,
            reuse,
            listening: false,
            lingering: false,
        });
        Ok(port)
    }

    /// Records an accepted connection on its listener's port without a conflict check (the
    /// listener holds the port): it keeps the port busy for later binds, as Linux's child
    /// sockets do, until released.
    pub fn attach(&mut self, proto: Proto, addr: [u8; 4], port: u16, reuse: bool, holder: Holder) {
        self.bound.entry((proto, port)).or_default().push(Binding {
            holder,
            addr,
            reuse,
            listening: false,
            lingering: false,
        });
    }

    /// The next ephemeral port nobody holds on any address, searching on from the cursor.
    fn pick_ephemeral(&mut self, proto: Proto) -> KResult<u16> {
        let slot = proto as usize;
        let span = (EPHEMERAL_LAST - EPHEMERAL_FIRST) as u32 + 1;
        let start = self.cursor[slot];
        for i in 0..span {
            let off = (start - EPHEMERAL_FIRST) as u32 + i;
            let port = EPHEMERAL_FIRST + (off % span) as u16;
            if !self.bound.contains_key(&(proto, port)) {
                self.cursor[slot] = if port == EPHEMERAL_LAST {
                    EPHEMERAL_FIRST
                } else {
                    port + 1
                };
                return Ok(port);
            }
        }
        Err(Errno::EADDRINUSE)
    }

    fn find(&mut self, proto: Proto, port: u16, holder: Holder) -> Option<&mut Binding> {
        self.bound
            .get_mut(&(proto, port))?
            .iter_mut()
            .find(|b| b.holder == holder)
    }

    /// `listen`: marks the binding listening. EADDRINUSE if another listener shares the port
    /// and an overlapping address (two `SO_REUSEADDR` sockets may bind, only one may listen).
    pub fn listen(&mut self, proto: Proto, port: u16, holder: Holder) -> KResult<()> {
        let list = self.bound.get(&(proto, port)).ok_or(Errno::EINVAL)?;
        let me = list
            .iter()
            .find(|b| b.holder == holder)
            .copied()
            .ok_or(Errno::EINVAL)?;
        if list
            .iter()
            .any(|b| b.holder != holder && b.listening && overlap(b.addr, me.addr))
        {
            return Err(Errno::EADDRINUSE);
        }
        if let Some(b) = self.find(proto, port, holder) {
            b.listening = true;
        }
        Ok(())
    }

    /// The owner closed a TCP connection still in its closing handshake or TIME-WAIT: the
    /// port stays held (a new bind needs `SO_REUSEADDR`) until [`PortTable::release`].
    pub fn linger(&mut self, proto: Proto, port: u16, holder: Holder) {
        if let Some(b) = self.find(proto, port, holder) {
            b.lingering = true;
            b.listening = false;
        }
    }

    /// Returns `holder`'s binding of `port` to the pool.
    pub fn release(&mut self, proto: Proto, port: u16, holder: Holder) {
        if let Some(list) = self.bound.get_mut(&(proto, port)) {
            list.retain(|b| b.holder != holder);
            if list.is_empty() {
                self.bound.remove(&(proto, port));
            }
        }
    }

    /// Whether anyone holds `port`.
    pub fn in_use(&self, proto: Proto, port: u16) -> bool {
        self.bound.contains_key(&(proto, port))
    }

    /// How many bindings the table holds (all protocols).
    pub fn len(&self) -> usize {
        self.bound.values().map(Vec::len).sum()
    }

    /// Whether the table is empty.
    pub fn is_empty(&self) -> bool {
        self.bound.is_empty()
    }
}

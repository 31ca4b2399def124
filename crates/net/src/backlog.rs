//! The listen backlog, decided per incoming SYN.
//!
//! One listening smoltcp socket takes exactly one connection, and a SYN for a port with no
//! listening socket gets a reset (DESIGN.md section 6, lesson 6). Keel therefore looks at every
//! incoming SYN before smoltcp does: while the listener's queue (connections being set up or
//! established and not yet accepted) has room, the SYN is admitted and, when no idle listening
//! socket is left for it, the kernel adds one; when the queue is full the SYN is dropped
//! silently, as Linux drops it (the client retries), instead of being reset.
//!
//! Linux accepts one connection more than the backlog (`sk_acceptq_is_full` compares with
//! `>`), so `listen(fd, 0)` still takes one connection; a negative or too large backlog is
//! `SOMAXCONN` (listen(2)).

use crate::consts::SOMAXCONN;

/// The backlog as `listen(2)` stores it: negative or larger than `SOMAXCONN` becomes
/// `SOMAXCONN`.
pub fn effective_backlog(requested: i32) -> u32 {
    if requested < 0 || requested as u32 > SOMAXCONN {
        SOMAXCONN
    } else {
        requested as u32
    }
}

/// What to do with one SYN for a listening socket.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SynVerdict {
    /// Let smoltcp see it; `add_listener` says the kernel must first add one more listening
    /// smoltcp socket on the port (every idle one is already spoken for).
    Admit {
        /// Add a listening socket before the SYN is processed.
        add_listener: bool,
    },
    /// The accept queue is full: drop the frame without an answer.
    Drop,
}

/// The bookkeeping of one listening file between two polls of the interface.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Backlog {
    /// The stored backlog (see [`effective_backlog`]).
    pub backlog: u32,
    /// SYNs admitted since the last poll: each will take an idle listening socket that still
    /// looks idle until smoltcp processes the SYN.
    admitted: usize,
}

impl Backlog {
    /// A listener with backlog `requested` (as passed to `listen`).
    pub fn new(requested: i32) -> Self {
        Backlog {
            backlog: effective_backlog(requested),
            admitted: 0,
        }
    }

    /// `listen` called again: a new backlog, the queue kept.
    pub fn set(&mut self, requested: i32) {
        self.backlog = effective_backlog(requested);
    }

    /// Decides one SYN. `queued` is the number of connections of this listener that are past
    /// `Listen` and not yet accepted; `idle` the number of its sockets still in `Listen`.
    pub fn on_syn(&mut self, queued: usize, idle: usize) -> SynVerdict {
        let queued = queued + self.admitted;
        if queued > self.backlog as usize {
            return SynVerdict::Drop;
        }
        self.admitted += 1;
        SynVerdict::Admit {
            add_listener: self.admitted > idle,
        }
    }

    /// The interface processed the admitted SYNs: start counting afresh.
    pub fn polled(&mut self) {
        self.admitted = 0;
    }
}

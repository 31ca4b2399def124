//! The listen backlog: SYNs admitted while the queue has room, dropped silently when full.
use keel_net::backlog::effective_backlog;
use keel_net::consts::SOMAXCONN;
use keel_net::{Backlog, SynVerdict};

#[test]
fn full_backlog_drops_syns_silently() {
    let mut b = Backlog::new(2);
    // Three queued (Linux accepts backlog + 1), none accepted yet.
    assert_eq!(
        b.on_syn(3, 1),
        SynVerdict::Drop,
        "a full queue drops the SYN"
    );
}

#[test]
fn backlog_zero_admits_one_connection() {
    let mut b = Backlog::new(0);
    assert_eq!(
        b.on_syn(0, 1),
        SynVerdict::Admit {
            add_listener: false
        }
    );
    assert_eq!(
        b.on_syn(0, 1),
        SynVerdict::Drop,
        "the second is one too many"
    );
}

#[test]
fn syns_in_one_batch_each_get_a_listening_socket() {
    let mut b = Backlog::new(16);
    let mut idle = 1;
    let mut added = 0;
    for _ in 0..5 {
        if let SynVerdict::Admit { add_listener: true } = b.on_syn(0, idle) {
            idle += 1;
            added += 1;
        }
    }
    assert_eq!(
        added, 4,
        "five SYNs before one poll need five listening sockets"
    );
}

#[test]
fn the_batch_count_resets_after_a_poll() {
    let mut b = Backlog::new(1);
    assert!(matches!(b.on_syn(0, 1), SynVerdict::Admit { .. }));
    assert!(matches!(
        b.on_syn(0, 1),
        SynVerdict::Admit { add_listener: true }
    ));
    assert_eq!(b.on_syn(0, 2), SynVerdict::Drop);
    b.polled();
    // The two SYNs became queued connections; one is accepted, one is left.
    assert!(matches!(
        b.on_syn(1, 1),
        SynVerdict::Admit {
            add_listener: false
        }
    ));
}

#[test]
fn listen_again_changes_the_backlog() {
    let mut b = Backlog::new(0);
    assert_eq!(b.on_syn(1, 1), SynVerdict::Drop);
    b.set(5);
    assert!(matches!(b.on_syn(1, 1), SynVerdict::Admit { .. }));
}

#[test]
fn negative_or_huge_backlog_is_somaxconn() {
    assert_eq!(effective_backlog(-1), SOMAXCONN);
    assert_eq!(effective_backlog(i32::MAX), SOMAXCONN);
    assert_eq!(effective_backlog(128), 128);
}

//! Threads and synchronisation: spawn/join, scoped threads, Mutex, Condvar, RwLock, Barrier,
//! mpsc channels, park/unpark, sleep, thread ids.

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::mpsc;
use std::sync::{Arc, Barrier, Condvar, Mutex, RwLock};
use std::thread;
use std::time::{Duration, Instant};

use crate::Report;

pub fn gettid() -> i64 {
    // SAFETY: gettid takes no arguments and cannot fail.
    unsafe { libc::syscall(libc::SYS_gettid) }
}

pub fn spawn_join(r: &mut Report) {
    let hs: Vec<_> = (0..4u64)
        .map(|i| thread::spawn(move || i * 10 + 1))
        .collect();
    let vals: Vec<u64> = hs.into_iter().map(|h| h.join().unwrap_or(0)).collect();
    r.check(
        "rust-threads.spawn-join-values",
        vals == [1, 11, 21, 31],
        "[1, 11, 21, 31]",
        &vals,
    );

    let mut data = [1u64, 2, 3, 4];
    thread::scope(|s| {
        for x in data.iter_mut() {
            s.spawn(move || *x *= 100);
        }
    });
    r.check(
        "rust-threads.scoped-threads",
        data == [100, 200, 300, 400],
        "[100, 200, 300, 400]",
        data,
    );
}

pub fn mutex_condvar(r: &mut Report) {
    let counter = Arc::new(Mutex::new(0u64));
    let hs: Vec<_> = (0..4)
        .map(|_| {
            let c = Arc::clone(&counter);
            thread::spawn(move || {
                for _ in 0..100_000 {
                    *c.lock().unwrap() += 1;
                }
            })
        })
        .collect();
    for h in hs {
        let _ = h.join();
    }
    let total = *counter.lock().unwrap();
    r.check(
        "rust-threads.mutex-counter-4x100000",
        total == 400_000,
        400_000,
        total,
    );

    // Condvar: hand 1000 values one at a time to a consumer.
    let pair = Arc::new((Mutex::new((0u64, false)), Condvar::new()));
    let p2 = Arc::clone(&pair);
    let consumer = thread::spawn(move || {
        let (m, cv) = &*p2;
        let mut sum = 0;
        for _ in 0..1000 {
            let mut g = cv.wait_while(m.lock().unwrap(), |s| !s.1).unwrap();
            sum += g.0;
            g.1 = false;
            cv.notify_all();
        }
        sum
    });
    {
        let (m, cv) = &*pair;
        for i in 1..=1000u64 {
            let mut g = cv.wait_while(m.lock().unwrap(), |s| s.1).unwrap();
            *g = (i, true);
            cv.notify_all();
        }
    }
    let sum = consumer.join().unwrap_or(0);
    r.check("rust-threads.condvar-handoff", sum == 500_500, 500_500, sum);

    let m = Mutex::new(());
    let cv = Condvar::new();
    let t0 = Instant::now();
    let (_g, res) = cv
        .wait_timeout(m.lock().unwrap(), Duration::from_millis(100))
        .unwrap();
    let el = t0.elapsed();
    r.check(
        "rust-threads.condvar-wait-timeout",
        res.timed_out() && el >= Duration::from_millis(100),
        "timed out after >= 100ms",
        (res.timed_out(), el),
    );

    let lock = Arc::new(RwLock::new(5u64));
    let readers: Vec<_> = (0..3)
        .map(|_| {
            let l = Arc::clone(&lock);
            thread::spawn(move || *l.read().unwrap())
        })
        .collect();
    *lock.write().unwrap() += 1;
    let seen: Vec<u64> = readers.into_iter().map(|h| h.join().unwrap_or(0)).collect();
    r.check(
        "rust-threads.rwlock",
        seen.iter().all(|&v| v == 5 || v == 6) && *lock.read().unwrap() == 6,
        "5 or 6, then 6",
        &seen,
    );
}

pub fn barrier_channels(r: &mut Report) {
    let barrier = Arc::new(Barrier::new(4));
    let arrived = Arc::new(AtomicU64::new(0));
    let hs: Vec<_> = (0..4)
        .map(|_| {
            let (b, a) = (Arc::clone(&barrier), Arc::clone(&arrived));
            thread::spawn(move || {
                a.fetch_add(1, Ordering::SeqCst);
                b.wait();
                a.load(Ordering::SeqCst)
            })
        })
        .collect();
    let after: Vec<u64> = hs.into_iter().map(|h| h.join().unwrap_or(0)).collect();
    r.check(
        "rust-threads.barrier",
        after.iter().all(|&v| v == 4),
        "all 4 arrived before any left",
        &after,
    );

    let (tx, rx) = mpsc::channel::<u64>();
    let hs: Vec<_> = (0..4u64)
        .map(|k| {
            let tx = tx.clone();
            thread::spawn(move || {
                for i in 0..1000 {
                    let _ = tx.send(k * 1000 + i);
                }
            })
        })
        .collect();
    drop(tx);
    let got: Vec<u64> = rx.iter().collect();
    for h in hs {
        let _ = h.join();
    }
    let s: u64 = got.iter().sum();
    r.check(
        "rust-threads.mpsc-4-senders",
        got.len() == 4000 && s == (0..4000).sum::<u64>(),
        "4000 values, each once",
        got.len(),
    );

    let (stx, srx) = mpsc::sync_channel::<u32>(0);
    let h = thread::spawn(move || (0..100).map(|i| stx.send(i).is_ok() as u32).sum::<u32>());
    let recv: u32 = srx.iter().take(100).sum();
    let sent = h.join().unwrap_or(0);
    r.check(
        "rust-threads.sync-channel-rendezvous",
        recv == 4950 && sent == 100,
        "4950 received, 100 sent",
        (recv, sent),
    );
}

pub fn park_sleep_ids(r: &mut Report) {
    let flag = Arc::new(AtomicBool::new(false));
    let f2 = Arc::clone(&flag);
    let parked = thread::spawn(move || {
        while !f2.load(Ordering::SeqCst) {
            thread::park();
        }
        true
    });
    thread::sleep(Duration::from_millis(20));
    flag.store(true, Ordering::SeqCst);
    parked.thread().unpark();
    r.check(
        "rust-threads.park-unpark",
        parked.join().unwrap_or(false),
        true,
        "not woken",
    );

    let t0 = Instant::now();
    thread::sleep(Duration::from_millis(50));
    let el = t0.elapsed();
    r.check(
        "rust-threads.sleep-50ms",
        el >= Duration::from_millis(50),
        ">= 50ms",
        el,
    );

    let main_tid = gettid();
    let tids: Vec<i64> = (0..3)
        .map(|_| thread::spawn(gettid))
        .map(|h| h.join().unwrap_or(0))
        .collect();
    let distinct = tids.iter().all(|&t| t > 0 && t != main_tid)
        && tids[0] != tids[1]
        && tids[1] != tids[2]
        && tids[0] != tids[2];
    r.check(
        "rust-threads.distinct-tids",
        distinct,
        "3 tids, none the main one",
        (&tids, main_tid),
    );
    r.check(
        "rust-threads.main-tid-is-pid",
        main_tid == std::process::id() as i64,
        std::process::id(),
        main_tid,
    );
}

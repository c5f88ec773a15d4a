//! Many threads appending at once, under each sync policy: after close and
//! reopen, every acknowledged record is present exactly once, LSNs are
//! consecutive, each thread's records are in its own append order, and each
//! record carries the LSN its `append` returned.

mod common;

use std::collections::HashMap;
use std::time::Duration;

use common::{open_collect, opts};
use srdb_wal::{SyncPolicy, Wal};

const THREADS: u64 = 8;

fn run(policy: SyncPolicy, per_thread: u64) {
    let dir = tempfile::tempdir().unwrap();
    let (wal, _) = Wal::open(dir.path(), opts(policy), 0, 1, |_| Ok(())).unwrap();
    let acknowledged: Vec<Vec<(u64, u64)>> = std::thread::scope(|s| {
        let handles: Vec<_> = (0..THREADS)
            .map(|t| {
                let wal = &wal;
                s.spawn(move || {
                    (0..per_thread)
                        .map(|i| {
                            // Varied sizes so that groups mix record lengths.
                            let mut p = Vec::with_capacity(16 + (i % 50) as usize);
                            p.extend_from_slice(&t.to_le_bytes());
                            p.extend_from_slice(&i.to_le_bytes());
                            p.resize(16 + (i % 50) as usize, t as u8);
                            (i, wal.append(&p).unwrap())
                        })
                        .collect()
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    let stats = wal.stats();
    assert_eq!(stats.appends, THREADS * per_thread);
    wal.close().unwrap();

    let (result, records) = open_collect(dir.path(), opts(SyncPolicy::Never), 0);
    let (wal, report) = result.unwrap();
    assert!(report.torn_tail.is_none() && report.skipped.is_empty());
    assert_eq!(records.len() as u64, THREADS * per_thread);
    let lsn_of: HashMap<(u64, u64), u64> = acknowledged
        .iter()
        .enumerate()
        .flat_map(|(t, acks)| acks.iter().map(move |(i, lsn)| ((t as u64, *i), *lsn)))
        .collect();
    let mut next_of_thread = vec![0u64; THREADS as usize];
    for (n, (lsn, p)) in records.iter().enumerate() {
        assert_eq!(*lsn, n as u64 + 1, "LSNs are consecutive from 1");
        let t = u64::from_le_bytes(p[0..8].try_into().unwrap());
        let i = u64::from_le_bytes(p[8..16].try_into().unwrap());
        assert_eq!(p.len() as u64, 16 + i % 50);
        assert!(p[16..].iter().all(|b| *b == t as u8));
        assert_eq!(i, next_of_thread[t as usize], "thread {t}'s records are in its append order");
        next_of_thread[t as usize] += 1;
        assert_eq!(lsn_of[&(t, i)], *lsn, "the replayed LSN is the one append returned");
    }
    assert!(
        next_of_thread.iter().all(|n| *n == per_thread),
        "every acknowledged record is present"
    );
    assert_eq!(wal.last_lsn(), THREADS * per_thread);
    wal.close().unwrap();
}

#[test]
fn concurrent_appends_survive_reopen_under_never() {
    run(SyncPolicy::Never, 2_000);
}

#[test]
fn concurrent_appends_survive_reopen_under_periodic() {
    run(SyncPolicy::Periodic(Duration::from_millis(5)), 2_000);
}

/// Fewer appends: each group costs an fdatasync, which takes milliseconds on a
/// busy machine.
#[test]
fn concurrent_appends_survive_reopen_under_always() {
    run(SyncPolicy::Always, 250);
}

#[test]
fn always_shares_one_fdatasync_among_concurrent_appenders() {
    let dir = tempfile::tempdir().unwrap();
    let (wal, _) = Wal::open(dir.path(), opts(SyncPolicy::Always), 0, 1, |_| Ok(())).unwrap();
    std::thread::scope(|s| {
        for _ in 0..16 {
            s.spawn(|| {
                for _ in 0..50 {
                    wal.append(&[7u8; 100]).unwrap();
                }
            });
        }
    });
    let stats = wal.stats();
    assert_eq!(stats.appends, 800);
    assert_eq!(stats.syncs, stats.commit_groups, "one fdatasync per group under Always");
    assert!(stats.commit_groups < 800, "groups formed: {stats:?}");
    wal.close().unwrap();
}

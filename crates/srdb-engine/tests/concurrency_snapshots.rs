//! Writers and readers race while flushes and compactions run: every
//! snapshot must show each batch entirely or not at all, and never go back in
//! time.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use srdb_engine::{Engine, KeyspaceOptions, Options, SyncPolicy, WriteBatch};

const WRITERS: usize = 3;
const KEYS_PER_BATCH: usize = 10;

fn key(writer: usize, j: usize) -> Vec<u8> {
    format!("acct-{writer}-{j:02}").into_bytes()
}

#[test]
fn snapshots_stay_consistent_under_writes_flushes_and_compactions() {
    let dir = tempfile::tempdir().unwrap();
    let mut opts =
        Options { memtable_bytes: 64 << 10, sync: SyncPolicy::Never, ..Options::default() };
    opts.compaction.l0_trigger_files = 2;
    opts.compaction.level1_target_bytes = 256 << 10;
    opts.compaction.target_file_bytes = 64 << 10;
    let engine = Arc::new(Engine::open(dir.path(), opts).unwrap());
    let ks = engine.create_keyspace("accounts", KeyspaceOptions::default()).unwrap();
    let stop = Arc::new(AtomicBool::new(false));
    let deadline = Instant::now() + Duration::from_secs(3);

    let mut handles = Vec::new();
    for w in 0..WRITERS {
        let (engine, ks, stop) = (engine.clone(), ks.clone(), stop.clone());
        handles.push(std::thread::spawn(move || {
            let mut round = 0u64;
            while !stop.load(Ordering::Relaxed) {
                round += 1;
                let mut batch = WriteBatch::new();
                // Padding makes memtables fill quickly, so flushes happen.
                let value = format!("{round:012}{}", "p".repeat(200));
                for j in 0..KEYS_PER_BATCH {
                    batch.put(&ks, key(w, j), &value);
                }
                engine.write(&batch).unwrap();
            }
            round
        }));
    }
    let reader = {
        let (engine, ks, stop) = (engine.clone(), ks.clone(), stop.clone());
        std::thread::spawn(move || {
            let mut last_seen = [0u64; WRITERS];
            let mut checks = 0u64;
            while !stop.load(Ordering::Relaxed) {
                let snap = engine.snapshot();
                for (w, last) in last_seen.iter_mut().enumerate() {
                    let rows: Vec<_> =
                        snap.prefix(&ks, format!("acct-{w}-")).map(|e| e.unwrap()).collect();
                    if rows.is_empty() {
                        continue;
                    }
                    assert_eq!(rows.len(), KEYS_PER_BATCH, "a batch is half visible");
                    let round: u64 =
                        std::str::from_utf8(&rows[0].1[..12]).unwrap().parse().unwrap();
                    assert!(rows.iter().all(|(_, v)| v[..12] == rows[0].1[..12]), "torn batch");
                    assert!(round >= *last, "snapshot went back in time: {round} < {last}");
                    // Point reads through the same snapshot agree with the scan.
                    assert_eq!(snap.get(&ks, key(w, 3)).unwrap().unwrap()[..12], rows[0].1[..12]);
                    *last = round;
                }
                checks += 1;
            }
            checks
        })
    };
    let maintenance = {
        let (engine, stop) = (engine.clone(), stop.clone());
        std::thread::spawn(move || {
            let mut n = 0;
            while !stop.load(Ordering::Relaxed) {
                std::thread::sleep(Duration::from_millis(200));
                if n % 2 == 0 {
                    engine.flush().unwrap();
                } else {
                    engine.compact().unwrap();
                }
                n += 1;
            }
        })
    };
    while Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(50));
    }
    stop.store(true, Ordering::Relaxed);
    let rounds: Vec<u64> = handles.into_iter().map(|h| h.join().unwrap()).collect();
    let checks = reader.join().unwrap();
    maintenance.join().unwrap();
    assert!(checks > 10, "reader made only {checks} checks");
    let stats = engine.stats();
    assert!(stats.flushes > 0, "no flush ran: {stats:?}");
    // The final state holds each writer's last round in every key.
    for (w, round) in rounds.iter().enumerate() {
        for j in 0..KEYS_PER_BATCH {
            let v = ks.get(key(w, j)).unwrap().unwrap();
            assert_eq!(std::str::from_utf8(&v[..12]).unwrap().parse::<u64>().unwrap(), *round);
        }
    }
}

/// A scan whose sources do not overlap walks them one after another; a key
/// written into the memtable while the scan runs, outside the range the
/// memtable held when the scan began, must neither show up nor cut the scan
/// short.
#[test]
fn a_write_during_a_scan_neither_shows_nor_ends_it() {
    let dir = tempfile::tempdir().unwrap();
    let engine = Engine::open(dir.path(), Options::default()).unwrap();
    let ks = engine.create_keyspace("k", KeyspaceOptions::default()).unwrap();
    ks.put("x", "file").unwrap();
    ks.put("y", "file").unwrap();
    engine.flush().unwrap();
    ks.put("a", "mem").unwrap();
    ks.put("b", "mem").unwrap();

    let mut scan = ks.range(b"a".to_vec()..b"z".to_vec());
    let first = scan.next().unwrap().unwrap();
    assert_eq!(first.0, b"a");
    // After `b` in the memtable and before the file's keys in the scan's
    // order of sources; past the scan's upper bound.
    ks.put("zz", "new").unwrap();
    // Inside the bound, below every key the scan has left to read.
    ks.put("c", "new").unwrap();
    let rest: Vec<Vec<u8>> = scan.map(|entry| entry.unwrap().0).collect();
    assert_eq!(rest, [b"b".to_vec(), b"x".to_vec(), b"y".to_vec()]);
}

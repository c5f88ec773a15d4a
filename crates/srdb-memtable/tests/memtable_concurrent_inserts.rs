//! Inserts from many threads at once lose nothing and keep internal order.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::thread;

use srdb_key::{compare_internal, parse, InternalIterator, InternalKey, Kind};
use srdb_memtable::Memtable;

const THREADS: u64 = 8;
const PER_THREAD: u64 = 5_000;

/// Thread `t` writes keys `key{i % 1000}` with seqno `i * THREADS + t + 1`, so
/// all threads write versions of the same 1000 user keys and seqnos interleave.
fn version(t: u64, i: u64) -> (Vec<u8>, u64, Kind, Vec<u8>) {
    let key = format!("key{:04}", i % 1000).into_bytes();
    let seqno = i * THREADS + t + 1;
    let kind = if seqno.is_multiple_of(7) { Kind::Delete } else { Kind::Put };
    let value = if kind == Kind::Put { format!("v{seqno}").into_bytes() } else { Vec::new() };
    (key, seqno, kind, value)
}

#[test]
fn eight_threads_insert_then_contents_are_exact() {
    eight_threads_insert_into(Memtable::new());
}

/// With a point index, threads race to record newer versions of the same
/// keys; with one too small for the 1,000 keys, lookups of the keys left out
/// fall back to the skiplist while the others stay indexed.
#[test]
fn eight_threads_insert_with_a_point_index_ample_or_full() {
    eight_threads_insert_into(Memtable::with_point_index(1 << 12));
    eight_threads_insert_into(Memtable::with_point_index(0));
}

fn eight_threads_insert_into(table: Memtable) {
    let table = Arc::new(table);
    let handles: Vec<_> = (0..THREADS)
        .map(|t| {
            let table = Arc::clone(&table);
            thread::spawn(move || {
                let mut bytes = 0;
                for i in 0..PER_THREAD {
                    let (key, seqno, kind, value) = version(t, i);
                    bytes += table.insert(&key, seqno, kind, &value);
                }
                bytes
            })
        })
        .collect();
    let bytes: usize = handles.into_iter().map(|h| h.join().unwrap()).sum();

    let mut model = BTreeMap::new();
    for t in 0..THREADS {
        for i in 0..PER_THREAD {
            let (key, seqno, kind, value) = version(t, i);
            model.insert(InternalKey::new(&key, seqno, kind), value);
        }
    }
    assert_eq!(table.len(), model.len());
    assert_eq!(table.approximate_bytes(), bytes);
    assert_eq!(table.min_seqno(), Some(1));
    assert_eq!(table.max_seqno(), Some(THREADS * PER_THREAD));

    let mut iter = table.iter();
    iter.seek_to_first().unwrap();
    let mut expected = model.iter();
    let mut previous: Option<Vec<u8>> = None;
    while iter.valid() {
        let (key, value) = expected.next().expect("memtable holds more entries than inserted");
        assert_eq!(iter.key(), key.as_bytes());
        assert_eq!(iter.value(), &value[..]);
        if let Some(previous) = &previous {
            assert!(compare_internal(previous, iter.key()).is_lt());
        }
        previous = Some(iter.key().to_vec());
        iter.next().unwrap();
    }
    assert!(expected.next().is_none(), "memtable lost entries");

    // Every key's newest version is visible at the latest snapshot.
    for k in 0..1000u64 {
        let key = format!("key{k:04}").into_bytes();
        let newest = model
            .range(InternalKey::new(&key, srdb_key::MAX_SEQNO, Kind::Put)..)
            .next()
            .filter(|(ik, _)| ik.user_key() == key)
            .map(|(ik, v)| (parse(ik.as_bytes()).unwrap().seqno, v.clone()));
        let got = table.get(&key, u64::MAX).map(|e| (e.seqno, e.value));
        assert_eq!(got, newest);
    }
}

#[test]
fn readers_run_while_writers_insert() {
    let table = Arc::new(Memtable::new());
    for i in 0..100u64 {
        table.insert(format!("stable{i:03}").as_bytes(), 1, Kind::Put, b"s");
    }
    let writer = {
        let table = Arc::clone(&table);
        thread::spawn(move || {
            for i in 0..20_000u64 {
                table.insert(format!("new{i:05}").as_bytes(), 2 + i, Kind::Put, b"n");
            }
        })
    };
    // Readers see the stable keys throughout, and iterators stay ordered
    // while the map grows under them.
    for round in 0..50u64 {
        let key = format!("stable{:03}", round % 100);
        assert_eq!(table.get(key.as_bytes(), 1).map(|e| e.value), Some(b"s".to_vec()));
        let mut iter = table.iter();
        iter.seek(InternalKey::new(b"stable", u64::from(u8::MAX), Kind::Put).as_bytes()).unwrap();
        let mut seen = 0;
        while iter.valid() {
            seen += 1;
            iter.next().unwrap();
        }
        assert_eq!(seen, 100);
    }
    writer.join().unwrap();
    assert_eq!(table.len(), 20_100);
}

/// The key of writer `w`'s `i`th entry. Writers 0 and 1 append ascending runs
/// at the end of the list, sharing one key range (so their runs interleave
/// and their inserts race for the same links); writers 2 and 3 insert
/// ascending runs that start at scattered places, between everyone's keys.
fn stress_key(w: u64, i: u64) -> Vec<u8> {
    match w {
        0 | 1 => {
            let mut key = vec![0x80];
            key.extend_from_slice(&(i * 2 + w).to_be_bytes());
            key
        }
        _ => {
            let run_start = (i / 64).wrapping_mul(0x9E37_79B9_7F4A_7C15) >> 8;
            let mut key = vec![0x80];
            key.extend_from_slice(&(run_start + i % 64).to_be_bytes());
            key.extend_from_slice(&w.to_be_bytes());
            key
        }
    }
}

/// Writers insert runs through inserters (one per run of 64, as the engine
/// does per batch) and publish how far they got; readers meanwhile iterate
/// forwards and backwards, check the order, and check that every entry a
/// writer had acknowledged before the reader started is there.
#[test]
fn stress_writers_with_ascending_runs_while_readers_check_order_and_visibility() {
    stress_writers_and_readers(Memtable::new());
}

/// The stress test with a point index that fills up halfway: point reads of
/// acknowledged entries go through the index, then past it.
#[test]
fn stress_with_a_point_index_that_fills_up() {
    stress_writers_and_readers(Memtable::with_point_index(STRESS_ENTRIES as usize * 2 / 3));
}

const WRITERS: u64 = 4;
const PER_WRITER: u64 = 64 * if cfg!(debug_assertions) { 300 } else { 1_500 };
const STRESS_ENTRIES: u64 = WRITERS * PER_WRITER;

fn stress_writers_and_readers(table: Memtable) {
    use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};

    let table = Arc::new(table);
    let acknowledged: Arc<Vec<AtomicU64>> =
        Arc::new((0..WRITERS).map(|_| AtomicU64::new(0)).collect());
    let done = Arc::new(AtomicBool::new(false));

    let writers: Vec<_> = (0..WRITERS)
        .map(|w| {
            let (table, acknowledged) = (Arc::clone(&table), Arc::clone(&acknowledged));
            thread::spawn(move || {
                for run in 0..PER_WRITER / 64 {
                    let mut inserter = table.inserter();
                    for i in run * 64..(run + 1) * 64 {
                        let seqno = i * WRITERS + w + 1;
                        inserter.insert(&stress_key(w, i), seqno, Kind::Put, &seqno.to_le_bytes());
                    }
                    drop(inserter);
                    acknowledged[w as usize].store((run + 1) * 64, Ordering::Release);
                }
            })
        })
        .collect();

    let readers: Vec<_> = (0..2)
        .map(|r| {
            let (table, acknowledged, done) =
                (Arc::clone(&table), Arc::clone(&acknowledged), Arc::clone(&done));
            thread::spawn(move || {
                let mut rounds = 0;
                while !done.load(Ordering::Acquire) || rounds < 2 {
                    rounds += 1;
                    let seen: Vec<u64> =
                        acknowledged.iter().map(|a| a.load(Ordering::Acquire)).collect();
                    // Every acknowledged entry is visible to a point read.
                    for (w, &count) in seen.iter().enumerate() {
                        for i in (0..count).step_by(97) {
                            let key = stress_key(w as u64, i);
                            let seqno = i * WRITERS + w as u64 + 1;
                            let got = table
                                .get(&key, u64::MAX)
                                .expect("an acknowledged entry is missing");
                            assert_eq!(
                                (got.seqno, got.value),
                                (seqno, seqno.to_le_bytes().to_vec())
                            );
                        }
                    }
                    // A scan is ordered and holds at least what was
                    // acknowledged before it started.
                    let mut iter = table.iter();
                    let mut previous: Option<Vec<u8>> = None;
                    let mut count = 0u64;
                    if r == 0 {
                        iter.seek_to_first().unwrap();
                    } else {
                        iter.seek_to_last().unwrap();
                    }
                    while iter.valid() {
                        if let Some(previous) = &previous {
                            let order = compare_internal(previous, iter.key());
                            assert!(if r == 0 { order.is_lt() } else { order.is_gt() });
                        }
                        previous = Some(iter.key().to_vec());
                        count += 1;
                        if r == 0 {
                            iter.next().unwrap();
                        } else if count.is_multiple_of(8) {
                            iter.prev().unwrap();
                        } else {
                            // Re-position on the current entry by seeking
                            // backwards to it, then step.
                            let key = previous.as_ref().unwrap();
                            iter.seek_for_prev(key).unwrap();
                            assert_eq!(iter.key(), &key[..]);
                            iter.prev().unwrap();
                        }
                    }
                    assert!(count >= seen.iter().sum::<u64>(), "a scan lost acknowledged entries");
                }
                rounds
            })
        })
        .collect();

    for writer in writers {
        writer.join().unwrap();
    }
    done.store(true, Ordering::Release);
    for reader in readers {
        assert!(reader.join().unwrap() >= 2);
    }
    assert_eq!(table.len() as u64, WRITERS * PER_WRITER);
    let mut iter = table.iter();
    iter.seek_to_first().unwrap();
    let mut all = Vec::new();
    while iter.valid() {
        all.push(iter.key().to_vec());
        iter.next().unwrap();
    }
    assert_eq!(all.len() as u64, WRITERS * PER_WRITER);
    assert!(all.windows(2).all(|pair| compare_internal(&pair[0], &pair[1]).is_lt()));
}

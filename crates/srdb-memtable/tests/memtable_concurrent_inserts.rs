//! Inserts from many threads at once lose nothing and keep internal order.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::thread;

use srdb_key::{compare_internal, parse, InternalIterator, InternalKey, Kind};
use srdb_memtable::{Memtable, ENTRY_OVERHEAD_BYTES};

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
    let table = Arc::new(Memtable::new());
    let handles: Vec<_> = (0..THREADS)
        .map(|t| {
            let table = Arc::clone(&table);
            thread::spawn(move || {
                for i in 0..PER_THREAD {
                    let (key, seqno, kind, value) = version(t, i);
                    table.insert(&key, seqno, kind, &value);
                }
            })
        })
        .collect();
    for handle in handles {
        handle.join().unwrap();
    }

    let mut model = BTreeMap::new();
    let mut bytes = 0;
    for t in 0..THREADS {
        for i in 0..PER_THREAD {
            let (key, seqno, kind, value) = version(t, i);
            bytes += key.len() + value.len() + ENTRY_OVERHEAD_BYTES;
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

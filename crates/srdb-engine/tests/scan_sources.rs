//! Scans read the right sources whatever shape they take: a deeper level
//! with one file in range (read without a level iterator), several, files
//! that overlap (merged) or not (concatenated), memtables empty or not,
//! forward and backward, against a `BTreeMap`.

use std::collections::BTreeMap;
use std::ops::Bound;

use srdb_engine::{Engine, Keyspace, KeyspaceOptions, Options, SyncPolicy};

type Model = BTreeMap<Vec<u8>, Vec<u8>>;

fn options() -> Options {
    let mut o = Options { sync: SyncPolicy::Never, ..Options::default() };
    o.compaction.target_file_bytes = 4 << 10;
    o
}

fn key(k: u32) -> Vec<u8> {
    format!("k{k:05}").into_bytes()
}

/// Ranges around file and memtable boundaries scanned both ways, checked against `model`.
fn check(engine: &Engine, ks: &Keyspace, model: &Model, what: &str) {
    let points = [0, 37, 250, 251, 1000, 1999, 5000];
    for &lo in &points {
        for &hi in &points {
            for (start, end) in [
                (Bound::Included(key(lo)), Bound::Included(key(hi))),
                (Bound::Excluded(key(lo)), Bound::Excluded(key(hi))),
                (Bound::Included(key(lo)), Bound::Unbounded),
                (Bound::Unbounded, Bound::Excluded(key(hi))),
            ] {
                let bounded =
                    !matches!((&start, &end), (_, Bound::Unbounded) | (Bound::Unbounded, _));
                // Ranges a `BTreeMap` refuses (the engine yields nothing).
                if bounded && (lo > hi || (lo == hi && matches!(start, Bound::Excluded(_)))) {
                    continue;
                }
                let range = (start.clone(), end.clone());
                let expected: Vec<(Vec<u8>, Vec<u8>)> =
                    model.range(range.clone()).map(|(k, v)| (k.clone(), v.clone())).collect();
                let forward: Vec<_> = ks.range(range.clone()).map(|e| e.unwrap()).collect();
                assert_eq!(forward, expected, "{what}: forward {range:?}");
                let mut backward: Vec<_> =
                    ks.range(range.clone()).rev().map(|e| e.unwrap()).collect();
                backward.reverse();
                assert_eq!(backward, expected, "{what}: backward {range:?}");
                let snapshot = engine.snapshot();
                let through: Vec<_> =
                    snapshot.range(ks, range.clone()).map(|e| e.unwrap()).collect();
                assert_eq!(through, expected, "{what}: snapshot {range:?}");
            }
        }
    }
}

#[test]
fn scans_read_every_shape_of_sources() {
    let dir = tempfile::tempdir().unwrap();
    let engine = Engine::open(dir.path(), options()).unwrap();
    let ks = engine.create_keyspace("a", KeyspaceOptions::default()).unwrap();
    let mut model = Model::new();
    let value = |k: u32, round: u32| format!("{round}:{k}:{}", "v".repeat(40)).into_bytes();

    // One deeper level of many files, each holding a short run of keys.
    for k in 0..2000 {
        ks.put(key(k), value(k, 0)).unwrap();
        model.insert(key(k), value(k, 0));
    }
    engine.flush().unwrap();
    engine.compact().unwrap();
    let stats = engine.stats();
    let levels = &stats.keyspaces.iter().find(|s| s.name == "a").unwrap().levels;
    assert!(levels.iter().skip(1).any(|l| l.files > 4), "{levels:?}");
    check(&engine, &ks, &model, "one level");

    // An L0 file overlapping it: the scan merges.
    for k in (0..2000).step_by(7) {
        ks.put(key(k), value(k, 1)).unwrap();
        model.insert(key(k), value(k, 1));
    }
    for k in (3..2000).step_by(11) {
        ks.delete(key(k)).unwrap();
        model.remove(&key(k));
    }
    engine.flush().unwrap();
    check(&engine, &ks, &model, "L0 over the level");

    // And a memtable over both.
    for k in (1..2000).step_by(13) {
        ks.put(key(k), value(k, 2)).unwrap();
        model.insert(key(k), value(k, 2));
    }
    ks.delete(key(251)).unwrap();
    model.remove(&key(251));
    check(&engine, &ks, &model, "memtable over L0 and the level");

    // Keys past every file, in a memtable alone (disjoint from the files
    // but for the overlap of the L0 file with the level).
    engine.compact().unwrap();
    check(&engine, &ks, &model, "after compaction, memtable empty");
    for k in 3000..3100 {
        ks.put(key(k), value(k, 3)).unwrap();
        model.insert(key(k), value(k, 3));
    }
    check(&engine, &ks, &model, "level and a disjoint memtable");
}

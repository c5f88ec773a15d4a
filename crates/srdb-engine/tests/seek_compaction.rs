//! Reads that keep searching several overlapping L0 files get those files
//! merged into L1 although L0 holds fewer files than the trigger, so later
//! reads search one file (LevelDB's seek compaction); reads that find their
//! answer in the first file they search trigger nothing.

use std::time::{Duration, Instant};

use srdb_engine::{Engine, Keyspace, KeyspaceOptions, Options};

/// L0 files of keyspace `name`, and files below L0.
fn files(engine: &Engine, name: &str) -> (usize, usize) {
    let stats = engine.stats();
    let ks = stats.keyspaces.iter().find(|k| k.name == name).expect("keyspace in stats");
    let l0 = ks.levels.first().map_or(0, |l| l.files);
    (l0, ks.levels.iter().skip(1).map(|l| l.files).sum())
}

fn wait_idle(engine: &Engine) {
    let deadline = Instant::now() + Duration::from_secs(20);
    while !engine.is_idle() {
        assert!(Instant::now() < deadline, "the engine stayed busy");
        std::thread::sleep(Duration::from_millis(10));
    }
}

fn key(i: u32) -> [u8; 4] {
    i.to_be_bytes()
}

/// A database whose L0 trigger is far away, with `flushes` L0 files in
/// keyspace "k" that each span every key (`overlapping`) or a range of
/// their own.
fn open(dir: &std::path::Path, flushes: u32, overlapping: bool) -> (Engine, Keyspace) {
    let mut options = Options::default();
    options.compaction.l0_trigger_files = 16;
    let engine = Engine::open(dir, options).unwrap();
    let ks = engine.create_keyspace("k", KeyspaceOptions::default()).unwrap();
    for flush in 0..flushes {
        for i in 0..200 {
            let i = if overlapping { i * flushes + flush } else { flush * 200 + i };
            ks.put(key(i), format!("value {i}")).unwrap();
        }
        engine.flush().unwrap();
    }
    wait_idle(&engine);
    assert_eq!(files(&engine, "k"), (flushes as usize, 0));
    (engine, ks)
}

#[test]
fn point_reads_through_overlapping_l0_files_merge_them() {
    let dir = tempfile::tempdir().unwrap();
    let (engine, ks) = open(dir.path(), 3, true);
    // Each get searches the three files: after a file's allowance (100
    // reads for a small file) the level is compacted.
    for round in 0..150u32 {
        let i = round % 600;
        assert_eq!(ks.get(key(i)).unwrap(), Some(format!("value {i}").into_bytes()));
    }
    wait_idle(&engine);
    let (l0, deeper) = files(&engine, "k");
    assert_eq!(l0, 0, "L0 was merged into L1");
    assert!(deeper >= 1);
    for i in 0..600 {
        assert_eq!(ks.get(key(i)).unwrap(), Some(format!("value {i}").into_bytes()));
    }
}

#[test]
fn scans_over_overlapping_l0_files_merge_them() {
    let dir = tempfile::tempdir().unwrap();
    let (engine, ks) = open(dir.path(), 2, true);
    for round in 0..150u32 {
        let from = key(round % 100 * 3);
        let found: Vec<_> = ks.range(from..).take(5).map(|e| e.unwrap().0).collect();
        assert_eq!(found.len(), 5);
    }
    wait_idle(&engine);
    assert_eq!(files(&engine, "k").0, 0, "L0 was merged into L1");
    assert_eq!(ks.iter().count(), 400);
}

#[test]
fn reads_answered_by_one_file_leave_l0_alone() {
    let dir = tempfile::tempdir().unwrap();
    let (engine, ks) = open(dir.path(), 3, false);
    for round in 0..1_000u32 {
        let i = round % 600;
        assert_eq!(ks.get(key(i)).unwrap(), Some(format!("value {i}").into_bytes()));
        let found: Vec<_> = ks.range(key(i)..key(i + 3)).map(|e| e.unwrap().0).collect();
        assert!(!found.is_empty());
    }
    wait_idle(&engine);
    assert_eq!(files(&engine, "k"), (3, 0), "disjoint files are each read alone");
}

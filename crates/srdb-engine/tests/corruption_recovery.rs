//! Fault injection: truncated and bit-flipped WAL, SST and MANIFEST files give
//! the documented outcome (the valid prefix is recovered, or a corruption
//! error names the file), never a panic and never a wrong answer.

use std::path::{Path, PathBuf};

use srdb_engine::{Engine, KeyspaceOptions, Options, SyncPolicy};

const KEYS: u32 = 300;

fn key(i: u32) -> Vec<u8> {
    format!("key-{i:06}").into_bytes()
}

fn value(i: u32) -> Vec<u8> {
    format!("value-{i}-{}", "z".repeat((i % 40) as usize)).into_bytes()
}

fn options() -> Options {
    Options { sync: SyncPolicy::Always, ..Options::default() }
}

fn options_skip() -> Options {
    Options { skip_corrupt_wal: true, ..options() }
}

/// Writes `KEYS` keys into keyspaces "a" and "b", flushing when asked.
fn populate(dir: &Path, flush: bool) {
    let engine = Engine::open(dir, options()).unwrap();
    let a = engine.create_keyspace("a", KeyspaceOptions::default()).unwrap();
    let b = engine.create_keyspace("b", KeyspaceOptions::default()).unwrap();
    for i in 0..KEYS {
        a.put(key(i), value(i)).unwrap();
        b.put(key(i), value(i)).unwrap();
    }
    if flush {
        engine.flush().unwrap();
    }
    engine.close().unwrap();
}

fn files(dir: &Path, pred: impl Fn(&str) -> bool) -> Vec<PathBuf> {
    let mut out: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_file() && pred(&p.file_name().unwrap().to_string_lossy()))
        .collect();
    out.sort();
    out
}

fn wal_segments(dir: &Path) -> Vec<PathBuf> {
    files(&dir.join(srdb_engine::WAL_DIR), |_| true)
        .into_iter()
        .filter(|p| std::fs::metadata(p).unwrap().len() > 64)
        .collect()
}

fn flip(path: &Path, offset: u64) {
    let mut bytes = std::fs::read(path).unwrap();
    bytes[offset as usize] ^= 0x40;
    std::fs::write(path, bytes).unwrap();
}

fn truncate(path: &Path, by: u64) {
    let len = std::fs::metadata(path).unwrap().len();
    let f = std::fs::OpenOptions::new().write(true).open(path).unwrap();
    f.set_len(len - by).unwrap();
    f.sync_all().unwrap();
}

/// Every key reads back as its value or as absent, never as something else;
/// returns how many are present.
fn check_no_wrong_answer(engine: &Engine, name: &str) -> u32 {
    let ks = engine.keyspace(name).unwrap();
    let mut present = 0;
    for i in 0..KEYS {
        match ks.get(key(i)) {
            Ok(Some(v)) => {
                assert_eq!(v, value(i), "wrong value for key {i}");
                present += 1;
            }
            Ok(None) => {}
            Err(e) => assert!(e.is_corruption(), "unexpected error {e}"),
        }
    }
    for entry in ks.iter() {
        match entry {
            Ok((k, v)) => {
                let i: u32 = std::str::from_utf8(&k[4..]).unwrap().parse().unwrap();
                assert_eq!(v, value(i));
            }
            Err(e) => {
                assert!(e.is_corruption(), "unexpected error {e}");
                break;
            }
        }
    }
    present
}

#[test]
fn torn_wal_tail_recovers_every_earlier_write() {
    let dir = tempfile::tempdir().unwrap();
    populate(dir.path(), false);
    let segment = wal_segments(dir.path()).pop().unwrap();
    truncate(&segment, 5);
    let engine = Engine::open(dir.path(), options()).unwrap();
    // The last record was keyspace b's last put; everything before it is here.
    let a = engine.keyspace("a").unwrap();
    let b = engine.keyspace("b").unwrap();
    for i in 0..KEYS {
        assert_eq!(a.get(key(i)).unwrap(), Some(value(i)));
    }
    for i in 0..KEYS - 1 {
        assert_eq!(b.get(key(i)).unwrap(), Some(value(i)));
    }
    assert_eq!(b.get(key(KEYS - 1)).unwrap(), None);
}

#[test]
fn corrupt_wal_record_before_the_tail_is_an_error_naming_the_segment() {
    let dir = tempfile::tempdir().unwrap();
    populate(dir.path(), false);
    let segment = wal_segments(dir.path()).pop().unwrap();
    let len = std::fs::metadata(&segment).unwrap().len();
    flip(&segment, len / 2);
    let err = Engine::open(dir.path(), options()).err().expect("open must fail");
    let name = segment.file_name().unwrap().to_string_lossy().to_string();
    assert!(err.to_string().contains(&name), "error does not name {name}: {err}");

    // Opt-in: skip the damaged record, keep the rest.
    let engine = Engine::open(dir.path(), options_skip()).unwrap();
    let present = check_no_wrong_answer(&engine, "a") + check_no_wrong_answer(&engine, "b");
    assert!((2 * KEYS - 3..2 * KEYS).contains(&present), "present: {present}");
}

#[test]
fn bit_flips_in_an_sst_never_give_a_wrong_answer() {
    let dir = tempfile::tempdir().unwrap();
    populate(dir.path(), true);
    let ssts = files(dir.path(), |n| n.ends_with(".sst"));
    assert_eq!(ssts.len(), 2, "one L0 file per keyspace");
    let original: Vec<Vec<u8>> = ssts.iter().map(|p| std::fs::read(p).unwrap()).collect();
    let len = original[0].len() as u64;
    // Flip bytes across the whole first file, one at a time.
    for offset in (0..len).step_by((len / 97).max(1) as usize) {
        std::fs::write(&ssts[0], &original[0]).unwrap();
        flip(&ssts[0], offset);
        let engine = Engine::open(dir.path(), options()).unwrap();
        let unavailable = engine.unavailable_keyspaces();
        for name in ["a", "b"] {
            if let Some((_, reason)) = unavailable.iter().find(|(n, _)| n == name) {
                let file = ssts[0].file_name().unwrap().to_string_lossy().to_string();
                assert!(reason.contains(&file), "reason does not name {file}: {reason}");
                continue;
            }
            check_no_wrong_answer(&engine, name);
        }
        // Only one keyspace's file was damaged.
        assert!(unavailable.len() <= 1);
        engine.close().unwrap();
    }
    std::fs::write(&ssts[0], &original[0]).unwrap();
    let engine = Engine::open(dir.path(), options()).unwrap();
    assert_eq!(check_no_wrong_answer(&engine, "a") + check_no_wrong_answer(&engine, "b"), 2 * KEYS);
}

#[test]
fn a_truncated_sst_makes_only_its_keyspace_unavailable() {
    let dir = tempfile::tempdir().unwrap();
    populate(dir.path(), true);
    let ssts = files(dir.path(), |n| n.ends_with(".sst"));
    truncate(&ssts[0], 10);
    let engine = Engine::open(dir.path(), options()).unwrap();
    let unavailable = engine.unavailable_keyspaces();
    assert_eq!(unavailable.len(), 1, "{unavailable:?}");
    let file = ssts[0].file_name().unwrap().to_string_lossy().to_string();
    assert!(unavailable[0].1.contains(&file), "{unavailable:?}");
    let other = if unavailable[0].0 == "a" { "b" } else { "a" };
    assert_eq!(check_no_wrong_answer(&engine, other), KEYS);
    assert!(engine.keyspace(&unavailable[0].0).is_err());
}

#[test]
fn damaged_manifest_is_recovered_to_its_valid_prefix_or_named() {
    let dir = tempfile::tempdir().unwrap();
    populate(dir.path(), true);
    let manifest = files(dir.path(), |n| n.starts_with("MANIFEST")).pop().unwrap();
    let original = std::fs::read(&manifest).unwrap();
    let len = original.len() as u64;
    // Every single-byte flip: a clear error naming the MANIFEST, or (in the
    // final record) a recovered prefix; never a panic or a wrong answer.
    for offset in 0..len {
        std::fs::write(&manifest, &original).unwrap();
        flip(&manifest, offset);
        match Engine::open(dir.path(), options()) {
            Ok(engine) => {
                for name in engine.keyspace_names() {
                    if engine.keyspace(&name).is_ok() {
                        check_no_wrong_answer(&engine, &name);
                    }
                }
            }
            Err(e) => {
                let name = manifest.file_name().unwrap().to_string_lossy().to_string();
                assert!(e.to_string().contains(&name), "error does not name {name}: {e}");
            }
        }
        // Recovery must not have deleted live files: restore and recheck.
        std::fs::write(&manifest, &original).unwrap();
    }
    let engine = Engine::open(dir.path(), options()).unwrap();
    assert_eq!(check_no_wrong_answer(&engine, "a") + check_no_wrong_answer(&engine, "b"), 2 * KEYS);
}

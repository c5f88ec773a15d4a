//! Model test of `Snapshot::get_many`: after random puts, deletes, flushes
//! and compactions, reading many keys at once (ascending, with repeats and
//! absent keys) gives what the model holds at that snapshot and what `get`
//! gives key by key, whether the versions sit in memtables, L0 or deeper
//! levels; an error from the visitor stops the reading and comes back.

use std::collections::BTreeMap;

use proptest::prelude::*;
use srdb_engine::{Engine, Error, KeyspaceOptions, Options, Snapshot, SyncPolicy};

#[derive(Debug, Clone)]
enum Op {
    Put(u8, u16),
    Delete(u8),
    TakeSnapshot,
    Flush,
    Compact,
}

fn key(k: u8) -> Vec<u8> {
    // Keys of several lengths sharing prefixes, as in the engine's model test.
    format!("key{:03}{}", k, "x".repeat((k % 4) as usize)).into_bytes()
}

fn value(v: u16, k: u8) -> Vec<u8> {
    // Some values are large so memtables fill and flush during a history.
    let len = if v.is_multiple_of(5) { 3000 } else { (v % 50) as usize };
    let mut out = format!("v{v}-{k}-").into_bytes();
    out.resize(out.len() + len, b'a' + (v % 26) as u8);
    out
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        10 => (0..80u8, any::<u16>()).prop_map(|(k, v)| Op::Put(k, v)),
        4 => (0..80u8).prop_map(Op::Delete),
        1 => Just(Op::TakeSnapshot),
        1 => Just(Op::Flush),
        1 => Just(Op::Compact),
    ]
}

fn options() -> Options {
    let mut o = Options { memtable_bytes: 64 << 10, sync: SyncPolicy::Never, ..Options::default() };
    o.compaction.l0_trigger_files = 3;
    o.compaction.level1_target_bytes = 128 << 10;
    o.compaction.target_file_bytes = 32 << 10;
    o
}

/// Reads every key of the model's key space (and a few twice) through
/// `get_many` and checks each answer against `model` and against `get`.
fn check(
    snapshot: &Snapshot,
    ks: &srdb_engine::Keyspace,
    model: &BTreeMap<Vec<u8>, Vec<u8>>,
) -> Result<(), TestCaseError> {
    let mut keys: Vec<Vec<u8>> = (0..90u8).map(key).collect();
    keys.extend([key(5), key(5), key(70)]);
    keys.sort();
    let mut seen = Vec::new();
    snapshot
        .get_many(ks, &keys, |k: &&Vec<u8>, value| {
            seen.push(((*k).clone(), value.map(<[u8]>::to_vec)));
            Ok::<(), Error>(())
        })
        .unwrap();
    prop_assert_eq!(seen.len(), keys.len());
    for (k, got) in seen {
        prop_assert_eq!(got.as_ref(), model.get(&k), "key {:?}", String::from_utf8_lossy(&k));
        prop_assert_eq!(got, snapshot.get(ks, &k).unwrap());
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(16))]

    #[test]
    fn get_many_reads_what_the_model_holds(ops in proptest::collection::vec(op(), 1..400)) {
        let dir = tempfile::tempdir().unwrap();
        let engine = Engine::open(dir.path(), options()).unwrap();
        let ks = engine.open_keyspace("data", KeyspaceOptions::default()).unwrap();
        let mut model = BTreeMap::new();
        let mut snapshots = Vec::new();
        for op in ops {
            match op {
                Op::Put(k, v) => {
                    ks.put(key(k), value(v, k)).unwrap();
                    model.insert(key(k), value(v, k));
                }
                Op::Delete(k) => {
                    ks.delete(key(k)).unwrap();
                    model.remove(&key(k));
                }
                Op::TakeSnapshot => snapshots.push((engine.snapshot(), model.clone())),
                Op::Flush => engine.flush().unwrap(),
                Op::Compact => engine.compact().unwrap(),
            }
        }
        check(&engine.snapshot(), &ks, &model)?;
        // The same read at the newest data, without a snapshot.
        let mut latest = BTreeMap::new();
        ks.get_many((0..90u8).map(key), |k, value| {
            if let Some(value) = value {
                latest.insert(k.clone(), value.to_vec());
            }
            Ok::<(), Error>(())
        })
        .unwrap();
        prop_assert_eq!(&latest, &model);
        for (snapshot, model) in &snapshots {
            check(snapshot, &ks, model)?;
        }
    }
}

/// The error type of a visitor that stops on its own, as a query's would.
#[derive(Debug)]
enum VisitError {
    Stopped,
    Engine(Error),
}

impl From<Error> for VisitError {
    fn from(e: Error) -> Self {
        VisitError::Engine(e)
    }
}

#[test]
fn an_error_from_the_visitor_stops_the_reading() {
    let dir = tempfile::tempdir().unwrap();
    let engine = Engine::open(dir.path(), options()).unwrap();
    let ks = engine.open_keyspace("data", KeyspaceOptions::default()).unwrap();
    for k in 0..20u8 {
        ks.put(key(k), value(u16::from(k), k)).unwrap();
    }
    engine.flush().unwrap();
    let mut visited = Vec::new();
    let result = engine.snapshot().get_many(&ks, (0..20u8).map(key), |k, value| {
        visited.push(k.clone());
        assert!(value.is_some());
        if visited.len() == 3 {
            return Err(VisitError::Stopped);
        }
        Ok(())
    });
    assert!(matches!(result, Err(VisitError::Stopped)), "{result:?}");
    assert_eq!(visited, (0..3u8).map(key).collect::<Vec<_>>());
}

#[test]
fn a_dropped_keyspace_is_an_error() {
    let dir = tempfile::tempdir().unwrap();
    let engine = Engine::open(dir.path(), options()).unwrap();
    let ks = engine.open_keyspace("data", KeyspaceOptions::default()).unwrap();
    ks.put(key(1), value(1, 1)).unwrap();
    engine.flush().unwrap();
    engine.drop_keyspace("data").unwrap();
    let result = engine.snapshot().get_many(&ks, [key(1)], |_, _| Ok::<(), VisitError>(()));
    assert!(matches!(result, Err(VisitError::Engine(Error::KeyspaceDropped { .. }))), "{result:?}");
}

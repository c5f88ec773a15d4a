//! Model test: the engine against a `BTreeMap`, interleaving puts, deletes,
//! batches across keyspaces, point reads, range scans both ways, snapshot
//! reads, flushes, compactions and reopens.
//!
//! `SRDB_MODEL_CASES` sets how many random histories run (default 24, what CI
//! runs; `cargo xtask model` runs many more).

use std::collections::BTreeMap;
use std::ops::Bound;

use proptest::prelude::*;
use srdb_engine::{Engine, KeyspaceOptions, Options, Snapshot, SyncPolicy, WriteBatch};

type Model = [BTreeMap<Vec<u8>, Vec<u8>>; 2];

#[derive(Debug, Clone)]
enum Op {
    Put(usize, u8, u16),
    Delete(usize, u8),
    Batch(Vec<(usize, u8, Option<u16>)>),
    Get(usize, u8),
    Range(usize, u8, u8, bool),
    TakeSnapshot,
    SnapshotGet(usize, usize, u8),
    SnapshotRange(usize, usize, bool),
    Flush,
    Compact,
    Reopen,
}

fn key(k: u8) -> Vec<u8> {
    // Keys share prefixes and vary in length, so blocks prefix-compress and
    // ordering by length matters.
    format!("key{:03}{}", k, "x".repeat((k % 4) as usize)).into_bytes()
}

fn value(v: u16, k: u8) -> Vec<u8> {
    // Some values are large so memtables fill and flush during a history.
    let len = if v.is_multiple_of(7) { 3000 } else { (v % 50) as usize };
    let mut out = format!("v{v}-{k}-").into_bytes();
    out.resize(out.len() + len, b'a' + (v % 26) as u8);
    out
}

fn op() -> impl Strategy<Value = Op> {
    let ks = 0..2usize;
    let k = 0..60u8;
    prop_oneof![
        10 => (ks.clone(), k.clone(), any::<u16>()).prop_map(|(s, k, v)| Op::Put(s, k, v)),
        4 => (ks.clone(), k.clone()).prop_map(|(s, k)| Op::Delete(s, k)),
        3 => proptest::collection::vec((ks.clone(), k.clone(), proptest::option::of(any::<u16>())), 1..8)
            .prop_map(Op::Batch),
        6 => (ks.clone(), k.clone()).prop_map(|(s, k)| Op::Get(s, k)),
        3 => (ks.clone(), k.clone(), k.clone(), any::<bool>()).prop_map(|(s, a, b, r)| Op::Range(s, a, b, r)),
        2 => Just(Op::TakeSnapshot),
        3 => (any::<usize>(), ks.clone(), k.clone()).prop_map(|(i, s, k)| Op::SnapshotGet(i, s, k)),
        2 => (any::<usize>(), ks, any::<bool>()).prop_map(|(i, s, r)| Op::SnapshotRange(i, s, r)),
        1 => Just(Op::Flush),
        1 => Just(Op::Compact),
        1 => Just(Op::Reopen),
    ]
}

fn model_cases() -> u32 {
    std::env::var("SRDB_MODEL_CASES").ok().and_then(|v| v.parse().ok()).unwrap_or(24)
}

fn options() -> Options {
    let mut o = Options { memtable_bytes: 64 << 10, sync: SyncPolicy::Never, ..Options::default() };
    o.compaction.l0_trigger_files = 2;
    o.compaction.level1_target_bytes = 128 << 10;
    o.compaction.target_file_bytes = 32 << 10;
    o
}

struct Harness {
    dir: tempfile::TempDir,
    engine: Option<Engine>,
    model: Model,
    snapshots: Vec<(Snapshot, Model)>,
}

impl Harness {
    fn new() -> Self {
        let dir = tempfile::tempdir().unwrap();
        let engine = Engine::open(dir.path(), options()).unwrap();
        // Keyspace "b" reads through its memtables' point index.
        engine.create_keyspace("a", KeyspaceOptions::default()).unwrap();
        let indexed = KeyspaceOptions { memtable_point_index: true, ..KeyspaceOptions::default() };
        engine.create_keyspace("b", indexed).unwrap();
        Harness { dir, engine: Some(engine), model: Default::default(), snapshots: Vec::new() }
    }

    fn engine(&self) -> &Engine {
        self.engine.as_ref().unwrap()
    }

    fn ks(&self, i: usize) -> srdb_engine::Keyspace {
        self.engine().keyspace(["a", "b"][i]).unwrap()
    }

    fn apply(&mut self, op: &Op) {
        match op {
            Op::Put(s, k, v) => {
                self.ks(*s).put(key(*k), value(*v, *k)).unwrap();
                self.model[*s].insert(key(*k), value(*v, *k));
            }
            Op::Delete(s, k) => {
                self.ks(*s).delete(key(*k)).unwrap();
                self.model[*s].remove(&key(*k));
            }
            Op::Batch(entries) => {
                let mut batch = WriteBatch::new();
                for (s, k, v) in entries {
                    match v {
                        Some(v) => {
                            batch.put(&self.ks(*s), key(*k), value(*v, *k));
                            self.model[*s].insert(key(*k), value(*v, *k));
                        }
                        None => {
                            batch.delete(&self.ks(*s), key(*k));
                            self.model[*s].remove(&key(*k));
                        }
                    }
                }
                self.engine().write(&batch).unwrap();
            }
            Op::Get(s, k) => {
                assert_eq!(
                    self.ks(*s).get(key(*k)).unwrap(),
                    self.model[*s].get(&key(*k)).cloned()
                );
            }
            Op::Range(s, a, b, rev) => {
                let (lo, hi) = (key(*a.min(b)), key(*a.max(b)));
                let ks = self.ks(*s);
                let got: Vec<_> = if *rev {
                    ks.range(lo.clone()..hi.clone()).rev().map(|e| e.unwrap()).collect()
                } else {
                    ks.range(lo.clone()..hi.clone()).map(|e| e.unwrap()).collect()
                };
                let mut want: Vec<_> = self.model[*s]
                    .range::<Vec<u8>, _>((Bound::Included(&lo), Bound::Excluded(&hi)))
                    .map(|(k, v)| (k.clone(), v.clone()))
                    .collect();
                if *rev {
                    want.reverse();
                }
                assert_eq!(got, want);
            }
            Op::TakeSnapshot => {
                if self.snapshots.len() < 4 {
                    self.snapshots.push((self.engine().snapshot(), self.model.clone()));
                }
            }
            Op::SnapshotGet(i, s, k) => {
                if self.snapshots.is_empty() {
                    return;
                }
                let ks = self.ks(*s);
                let (snap, model) = &self.snapshots[i % self.snapshots.len()];
                assert_eq!(snap.get(&ks, key(*k)).unwrap(), model[*s].get(&key(*k)).cloned());
            }
            Op::SnapshotRange(i, s, rev) => {
                if self.snapshots.is_empty() {
                    return;
                }
                let ks = self.ks(*s);
                let (snap, model) = &self.snapshots[i % self.snapshots.len()];
                let mut got: Vec<_> = snap.range::<&[u8], _>(&ks, ..).map(|e| e.unwrap()).collect();
                if *rev {
                    got = snap.range::<&[u8], _>(&ks, ..).rev().map(|e| e.unwrap()).collect();
                    got.reverse();
                }
                let want: Vec<_> = model[*s].iter().map(|(k, v)| (k.clone(), v.clone())).collect();
                assert_eq!(got, want);
            }
            Op::Flush => self.engine().flush().unwrap(),
            Op::Compact => self.engine().compact().unwrap(),
            Op::Reopen => {
                self.snapshots.clear();
                self.engine.take().unwrap().close().unwrap();
                self.engine = Some(Engine::open(self.dir.path(), options()).unwrap());
                assert!(self.ks(1).options().memtable_point_index, "the option is kept");
            }
        }
    }

    fn check_all(&self) {
        for s in 0..2 {
            let got: Vec<_> = self.ks(s).iter().map(|e| e.unwrap()).collect();
            let want: Vec<_> = self.model[s].iter().map(|(k, v)| (k.clone(), v.clone())).collect();
            assert_eq!(got, want, "full scan of keyspace {s}");
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: model_cases(), ..ProptestConfig::default() })]

    #[test]
    fn engine_matches_btreemap_model(ops in proptest::collection::vec(op(), 1..250)) {
        let mut h = Harness::new();
        for op in &ops {
            h.apply(op);
        }
        h.check_all();
        h.apply(&Op::Reopen);
        h.check_all();
    }
}

#[test]
fn many_flushes_and_compactions_keep_every_key() {
    let mut h = Harness::new();
    for round in 0..6u16 {
        for k in 0..60u8 {
            h.apply(&Op::Put((k % 2) as usize, k, round * 100 + k as u16 * 7));
        }
        for k in (round as u8..60).step_by(5) {
            h.apply(&Op::Delete(0, k));
        }
        h.apply(&Op::TakeSnapshot);
        h.apply(&Op::Flush);
    }
    h.apply(&Op::Compact);
    for i in 0..4 {
        h.apply(&Op::SnapshotRange(i, 0, false));
        h.apply(&Op::SnapshotRange(i, 1, true));
    }
    h.check_all();
    let stats = h.engine().stats();
    assert!(stats.flushes >= 6, "{stats:?}");
    h.apply(&Op::Reopen);
    h.check_all();
}

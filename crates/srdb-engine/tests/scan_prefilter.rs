//! Scans with a prefilter (`Iter::prefilter`) yield exactly the unfiltered
//! scan's entries that the test keeps, in order, both ways, with the test's
//! `None` answers yielded and not vouched for: against a model through
//! overwrites, deletes, flushes and compactions, so that scans walk blocks of
//! several files and memtables, over keys whose older versions the test must
//! never see.
//!
//! `SRDB_MODEL_CASES` sets how many random histories run (default 24).

use std::collections::BTreeMap;

use proptest::prelude::*;
use srdb_engine::{Engine, Keyspace, KeyspaceOptions, Options, SyncPolicy};

type Model = BTreeMap<u64, Vec<u8>>;

fn options() -> Options {
    let mut opts = Options { sync: SyncPolicy::Never, ..Options::default() };
    opts.compaction.l0_trigger_files = 6;
    opts
}

/// The test: keeps values whose first byte is 0 mod 3, drops those at 1,
/// cannot tell for those at 2.
fn keep(value: &[u8]) -> Option<bool> {
    match value.first().map(|b| b % 3) {
        Some(0) => Some(true),
        Some(1) => Some(false),
        _ => None,
    }
}

/// The entries of `ks` in `[first, last]` that `keep` does not drop, as
/// `(key, value, vouched)` in ascending key order.
fn scan(ks: &Keyspace, first: u64, last: u64, reverse: bool) -> Vec<(u64, Vec<u8>, bool)> {
    let mut iter = ks.range(first.to_be_bytes()..=last.to_be_bytes()).prefilter(|key, value| {
        assert_eq!(key.len(), 8, "the test is given user keys");
        keep(value)
    });
    let mut out = Vec::new();
    if reverse {
        while let Some(entry) = iter.next_back() {
            let (key, value) = entry.unwrap();
            out.push((u64::from_be_bytes(key[..].try_into().unwrap()), value, iter.vouched()));
        }
        out.reverse();
    } else {
        while let Some((key, value)) = iter.next_ref().unwrap() {
            let entry = (u64::from_be_bytes(key.try_into().unwrap()), value.to_vec());
            out.push((entry.0, entry.1, iter.vouched()));
        }
    }
    out
}

fn expected(model: &Model, first: u64, last: u64) -> Vec<(u64, Vec<u8>, bool)> {
    model
        .range(first..=last)
        .filter(|(_, v)| keep(v) != Some(false))
        .map(|(k, v)| (*k, v.clone(), keep(v) == Some(true)))
        .collect()
}

#[derive(Debug, Clone)]
enum Op {
    /// Writes `n` keys from `k` on, with values starting at byte `b`.
    Put(u8, u8, u8),
    Delete(u8),
    Query(u8, u8, bool),
    Flush,
    Compact,
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        6 => (any::<u8>(), 1..60u8, any::<u8>()).prop_map(|(k, n, b)| Op::Put(k, n, b)),
        2 => any::<u8>().prop_map(Op::Delete),
        4 => (any::<u8>(), any::<u8>(), any::<bool>()).prop_map(|(a, b, r)| Op::Query(a, b, r)),
        2 => Just(Op::Flush),
        1 => Just(Op::Compact),
    ]
}

fn cases() -> u32 {
    std::env::var("SRDB_MODEL_CASES").ok().and_then(|v| v.parse().ok()).unwrap_or(24)
}

fn run(ops: Vec<Op>) {
    let dir = tempfile::tempdir().unwrap();
    let engine = Engine::open(dir.path(), options()).unwrap();
    let ks = engine.open_keyspace("rows", KeyspaceOptions::default()).unwrap();
    let mut model = Model::new();
    for op in ops {
        match op {
            Op::Put(k, n, b) => {
                for (i, key) in (u64::from(k)..u64::from(k) + u64::from(n)).enumerate() {
                    // Values of many sizes, so that entries cross blocks.
                    let value = vec![b.wrapping_add(i as u8); 1 + (key % 7) as usize * 90];
                    ks.put(key.to_be_bytes(), &value).unwrap();
                    model.insert(key, value);
                }
            }
            Op::Delete(k) => {
                ks.delete(u64::from(k).to_be_bytes()).unwrap();
                model.remove(&u64::from(k));
            }
            Op::Query(a, b, reverse) => {
                let (first, last) = (u64::from(a.min(b)), u64::from(a.max(b)) + 60);
                assert_eq!(
                    scan(&ks, first, last, reverse),
                    expected(&model, first, last),
                    "keys {first}..={last}, reverse {reverse}"
                );
                assert_eq!(scan(&ks, 0, u64::MAX, reverse), expected(&model, 0, u64::MAX));
            }
            Op::Flush => engine.flush().unwrap(),
            Op::Compact => engine.compact().unwrap(),
        }
    }
    for reverse in [false, true] {
        assert_eq!(scan(&ks, 0, u64::MAX, reverse), expected(&model, 0, u64::MAX));
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(cases()))]

    #[test]
    fn prefiltered_scans_equal_the_filtered_model(ops in proptest::collection::vec(op(), 1..60)) {
        run(ops);
    }
}

/// A scan of many files that keeps one entry in a hundred yields exactly
/// those, and a newer version the test drops (in the memtable) is not passed
/// over for an older one it would keep.
#[test]
fn a_selective_prefilter_over_many_files_yields_only_what_it_keeps() {
    let dir = tempfile::tempdir().unwrap();
    let engine = Engine::open(dir.path(), options()).unwrap();
    let ks = engine.open_keyspace("rows", KeyspaceOptions::default()).unwrap();
    let mut model = Model::new();
    for round in 0..4u64 {
        for key in round * 5_000..(round + 1) * 5_000 {
            let value = vec![if key % 100 == 7 { 0 } else { 1 }; 40];
            ks.put(key.to_be_bytes(), &value).unwrap();
            model.insert(key, value);
        }
        engine.flush().unwrap();
    }
    // Newer versions in the memtable: some kept entries now dropped.
    for key in (7..20_000u64).step_by(300) {
        ks.put(key.to_be_bytes(), [1u8; 8]).unwrap();
        model.insert(key, vec![1; 8]);
    }
    let got = scan(&ks, 0, u64::MAX, false);
    assert_eq!(got, expected(&model, 0, u64::MAX));
    assert!(got.len() > 100 && got.iter().all(|(k, _, vouched)| k % 100 == 7 && *vouched));
}

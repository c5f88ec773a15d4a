//! Time-bounded scans (`Iter::time_range`) give exactly the unbounded scan
//! filtered by time, whatever files they narrow to or skip: against a model
//! through puts (in time order and not), overwrites with other times,
//! deletes, flushes, compactions and reopens; and files of SST format 1,
//! which do not record their tombstones, are never skipped.
//!
//! `SRDB_MODEL_CASES` sets how many random histories run (default 24).

use std::collections::BTreeMap;
use std::path::Path;

use proptest::prelude::*;
use srdb_engine::{Engine, Keyspace, KeyspaceOptions, Options, SyncPolicy, TimeSource};

const NAME: &str = "rows";

fn timed() -> KeyspaceOptions {
    KeyspaceOptions { time_source: TimeSource::ValuePrefixI64, ..KeyspaceOptions::default() }
}

fn options() -> Options {
    let mut opts = Options { sync: SyncPolicy::Never, ..Options::default() };
    // Many small files and few compactions, so scans meet many sources.
    opts.compaction.l0_trigger_files = 6;
    opts
}

fn row(time: i64, pad: usize) -> Vec<u8> {
    let mut value = time.to_le_bytes().to_vec();
    value.resize(8 + pad, b'r');
    value
}

fn time_of(value: &[u8]) -> i64 {
    i64::from_le_bytes(value[..8].try_into().unwrap())
}

type Model = BTreeMap<u64, Vec<u8>>;

/// The scan of `ks` over keys `[first, last]` and times `[low, high]`,
/// forwards or backwards, as `(key, time)` pairs in ascending key order.
fn scan(
    ks: &Keyspace,
    first: u64,
    last: u64,
    low: i64,
    high: i64,
    reverse: bool,
) -> Vec<(u64, i64)> {
    let iter = ks.range(first.to_be_bytes()..=last.to_be_bytes()).time_range(low..=high);
    let mut out: Vec<(u64, i64)> = if reverse {
        iter.rev().map(|e| e.unwrap()).map(|(k, v)| (decode(&k), time_of(&v))).collect()
    } else {
        iter.map(|e| e.unwrap()).map(|(k, v)| (decode(&k), time_of(&v))).collect()
    };
    if reverse {
        out.reverse();
    }
    out
}

fn decode(key: &[u8]) -> u64 {
    u64::from_be_bytes(key.try_into().unwrap())
}

fn expected(model: &Model, first: u64, last: u64, low: i64, high: i64) -> Vec<(u64, i64)> {
    model
        .range(first..=last)
        .map(|(k, v)| (*k, time_of(v)))
        .filter(|(_, t)| (low..=high).contains(t))
        .collect()
}

#[derive(Debug, Clone)]
enum Op {
    /// Appends `n` rows after the largest key, times rising by `step`.
    Append(u8, u8),
    /// Writes key `k` with time `t` (an overwrite may change the time).
    Put(u8, i16),
    Delete(u8),
    Query(u8, u8, i16, u16, bool),
    Flush,
    Compact,
    Reopen,
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        6 => (1..40u8, 0..4u8).prop_map(|(n, s)| Op::Append(n, s)),
        3 => (any::<u8>(), -300..300i16).prop_map(|(k, t)| Op::Put(k, t)),
        3 => any::<u8>().prop_map(Op::Delete),
        6 => (any::<u8>(), any::<u8>(), -400..1600i16, 0..600u16, any::<bool>())
            .prop_map(|(a, b, t, w, r)| Op::Query(a, b, t, w, r)),
        3 => Just(Op::Flush),
        1 => Just(Op::Compact),
        1 => Just(Op::Reopen),
    ]
}

fn cases() -> u32 {
    std::env::var("SRDB_MODEL_CASES").ok().and_then(|v| v.parse().ok()).unwrap_or(24)
}

fn run(ops: Vec<Op>) {
    let dir = tempfile::tempdir().unwrap();
    let mut engine = Engine::open(dir.path(), options()).unwrap();
    let mut ks = engine.open_keyspace(NAME, timed()).unwrap();
    let mut model = Model::new();
    let mut clock = 0i64;
    for op in ops {
        match op {
            Op::Append(n, step) => {
                let next = model.keys().next_back().map_or(0, |k| k + 1);
                for key in next..next + u64::from(n) {
                    clock += i64::from(step);
                    let value = row(clock, (key % 5) as usize * 40);
                    ks.put(key.to_be_bytes(), &value).unwrap();
                    model.insert(key, value);
                }
            }
            Op::Put(k, t) => {
                let value = row(i64::from(t), 10);
                ks.put(u64::from(k).to_be_bytes(), &value).unwrap();
                model.insert(u64::from(k), value);
            }
            Op::Delete(k) => {
                ks.delete(u64::from(k).to_be_bytes()).unwrap();
                model.remove(&u64::from(k));
            }
            Op::Query(a, b, low, width, reverse) => {
                let (first, last) = (u64::from(a.min(b)), u64::from(a.max(b)) * 8);
                let (low, high) = (i64::from(low), i64::from(low) + i64::from(width));
                assert_eq!(
                    scan(&ks, first, last, low, high, reverse),
                    expected(&model, first, last, low, high),
                    "keys {first}..={last}, times {low}..={high}, reverse {reverse}"
                );
                // The whole key space too, where narrowing does the most.
                assert_eq!(
                    scan(&ks, 0, u64::MAX, low, high, reverse),
                    expected(&model, 0, u64::MAX, low, high),
                    "times {low}..={high}, reverse {reverse}"
                );
            }
            Op::Flush => engine.flush().unwrap(),
            Op::Compact => engine.compact().unwrap(),
            Op::Reopen => {
                drop(ks);
                engine.close().unwrap();
                engine = Engine::open(dir.path(), options()).unwrap();
                ks = engine.keyspace(NAME).unwrap();
            }
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: cases(), ..ProptestConfig::default() })]

    #[test]
    fn time_bounded_scans_equal_the_filtered_model(ops in proptest::collection::vec(op(), 1..80)) {
        run(ops);
    }
}

#[test]
fn time_ordered_files_narrow_the_scan_and_others_are_skipped() {
    let dir = tempfile::tempdir().unwrap();
    let engine = Engine::open(dir.path(), options()).unwrap();
    let ks = engine.create_keyspace(NAME, timed()).unwrap();
    // Five files of 1000 rows each, times = 10 * key.
    for file in 0..5u64 {
        for key in file * 1000..(file + 1) * 1000 {
            ks.put(key.to_be_bytes(), row(key as i64 * 10, 20)).unwrap();
        }
        engine.flush().unwrap();
    }
    let mut iter = ks.iter().time_range(21_000..=21_990);
    let plan = iter.scan_plan().unwrap();
    assert_eq!(plan.files, 5);
    assert_eq!(plan.files_read, 1, "{plan:?}");
    assert_eq!(plan.lower, std::ops::Bound::Included(2100u64.to_be_bytes().to_vec()));
    // The upper end is the first put past the range, taken inclusively.
    assert_eq!(plan.upper, std::ops::Bound::Included(2200u64.to_be_bytes().to_vec()));
    let keys: Vec<u64> = iter.map(|e| decode(&e.unwrap().0)).collect();
    assert_eq!(keys, (2100..2200).collect::<Vec<_>>());

    // A row of an old time written last: its file is not time-ordered within
    // the others, and is read; the answer stays exact.
    ks.put(100_000u64.to_be_bytes(), row(21_500, 0)).unwrap();
    let keys: Vec<u64> =
        ks.iter().time_range(21_000..=21_990).map(|e| decode(&e.unwrap().0)).collect();
    assert_eq!(keys.len(), 101);
    assert_eq!(keys.last(), Some(&100_000));

    // No put in range anywhere (the memtable, which records no times, is
    // flushed first): nothing is read.
    engine.flush().unwrap();
    let mut none = ks.iter().time_range(i64::MIN..0);
    assert!(none.scan_plan().unwrap().empty);
    assert_eq!(none.count(), 0);
    // An overwrite with a time out of range hides the older, in-range row,
    // even when the file holding the overwrite is skipped.
    ks.put(2150u64.to_be_bytes(), row(90_000, 0)).unwrap();
    engine.flush().unwrap();
    let mut iter = ks.iter().time_range(21_000..=21_990);
    let plan = iter.scan_plan().unwrap();
    assert!(plan.files_read < plan.files, "{plan:?}");
    let keys: Vec<u64> = iter.map(|e| decode(&e.unwrap().0)).collect();
    assert!(!keys.contains(&2150));
    assert_eq!(keys.len(), 100);
}

#[test]
fn a_keyspace_without_a_time_source_yields_nothing_under_a_time_range() {
    let dir = tempfile::tempdir().unwrap();
    let engine = Engine::open(dir.path(), options()).unwrap();
    let ks = engine.create_keyspace("plain", KeyspaceOptions::default()).unwrap();
    ks.put("k", 5i64.to_le_bytes()).unwrap();
    assert_eq!(ks.iter().time_range(..).count(), 0);
    assert_eq!(ks.iter().count(), 1);
}

fn copy_dir(from: &Path, to: &Path) {
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            std::fs::create_dir_all(&target).unwrap();
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), &target).unwrap();
        }
    }
}

/// `tests/data/v1_timed_db` was written by a build with SST format 1: keys
/// 1..=40 (times 10 * key) in one file, 41..=80 in a second, and a third with
/// tombstones of keys 3 and 45 and puts of 81..=90.
#[test]
fn files_of_sst_format_1_are_never_skipped() {
    let dir = tempfile::tempdir().unwrap();
    copy_dir(&Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/v1_timed_db"), dir.path());
    let engine = Engine::open(dir.path(), options()).unwrap();
    let ks = engine.keyspace("timed").unwrap();
    let mut iter = ks.iter().time_range(10..=50);
    let plan = iter.scan_plan().unwrap();
    // The scan narrows to the first file's keys, which leaves out the
    // second file. The third file's times miss the range, but it may hold
    // tombstones (it does: key 3's), so it is read.
    assert_eq!((plan.files, plan.files_read), (3, 2), "{plan:?}");
    let keys: Vec<u64> = iter.map(|e| decode(&e.unwrap().0)).collect();
    assert_eq!(keys, [1, 2, 4, 5]);
}

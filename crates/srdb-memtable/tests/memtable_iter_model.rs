//! The memtable against a `BTreeMap` model: every positioning operation of
//! the iterator and direction changes in any order, point reads at every
//! snapshot, and inserts through one inserter in any key order.

use std::collections::BTreeMap;
use std::ops::Bound;
use std::sync::Arc;

use proptest::prelude::*;
use srdb_key::{seek_key, InternalIterator, InternalKey, Kind};
use srdb_memtable::{Memtable, MemtableIter};

#[derive(Clone, Debug)]
enum Op {
    SeekToFirst,
    SeekToLast,
    Seek(InternalKey),
    SeekForPrev(InternalKey),
    Next,
    Prev,
}

/// User keys from a tiny alphabet so that versions of one key, neighbours and
/// prefixes (`a` vs `ab`) all occur.
fn user_key() -> impl Strategy<Value = Vec<u8>> {
    proptest::collection::vec(prop_oneof![Just(b'a'), Just(b'b'), Just(0u8), Just(0xFF)], 0..3)
}

fn kind() -> impl Strategy<Value = Kind> {
    prop_oneof![Just(Kind::Put), Just(Kind::Delete)]
}

/// Seek targets: real internal keys of either kind, and seek keys (kind byte
/// 0xFF) as the engine builds them.
fn target() -> impl Strategy<Value = InternalKey> {
    prop_oneof![
        (user_key(), 0..12u64, kind()).prop_map(|(k, s, kind)| InternalKey::new(&k, s, kind)),
        (user_key(), 0..12u64).prop_map(|(k, s)| seek_key(&k, s)),
    ]
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        1 => Just(Op::SeekToFirst),
        1 => Just(Op::SeekToLast),
        3 => target().prop_map(Op::Seek),
        3 => target().prop_map(Op::SeekForPrev),
        4 => Just(Op::Next),
        4 => Just(Op::Prev),
    ]
}

type Model = BTreeMap<InternalKey, Vec<u8>>;

fn first_after(model: &Model, bound: Bound<&InternalKey>) -> Option<InternalKey> {
    model.range((bound, Bound::Unbounded)).next().map(|(k, _)| k.clone())
}

fn last_before(model: &Model, bound: Bound<&InternalKey>) -> Option<InternalKey> {
    model.range((Bound::Unbounded, bound)).next_back().map(|(k, _)| k.clone())
}

fn check(iter: &MemtableIter, model: &Model, position: &Option<InternalKey>) {
    assert_eq!(iter.valid(), position.is_some());
    if let Some(key) = position {
        assert_eq!(iter.key(), key.as_bytes());
        assert_eq!(iter.value(), &model[key][..]);
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 200, ..ProptestConfig::default() })]

    #[test]
    fn iterator_matches_btreemap(
        versions in proptest::collection::vec((user_key(), 0..10u64, kind()), 0..40),
        ops in proptest::collection::vec(op(), 1..40),
    ) {
        let table = Arc::new(Memtable::new());
        let mut model = Model::new();
        for (key, seqno, kind) in versions {
            // (user key, seqno) pairs are unique by contract.
            if model.keys().any(|k| k.user_key() == key && k.seqno() == seqno) {
                continue;
            }
            let value = if kind == Kind::Put { format!("{key:?}@{seqno}").into_bytes() } else { Vec::new() };
            table.insert(&key, seqno, kind, &value);
            model.insert(InternalKey::new(&key, seqno, kind), value);
        }

        let mut iter = table.iter();
        let mut position: Option<InternalKey> = None;
        check(&iter, &model, &position);
        for op in ops {
            match op {
                Op::SeekToFirst => {
                    iter.seek_to_first().unwrap();
                    position = model.keys().next().cloned();
                }
                Op::SeekToLast => {
                    iter.seek_to_last().unwrap();
                    position = model.keys().next_back().cloned();
                }
                Op::Seek(target) => {
                    iter.seek(target.as_bytes()).unwrap();
                    position = first_after(&model, Bound::Included(&target));
                }
                Op::SeekForPrev(target) => {
                    iter.seek_for_prev(target.as_bytes()).unwrap();
                    position = last_before(&model, Bound::Included(&target));
                }
                // `next` and `prev` require a valid iterator.
                Op::Next => if let Some(current) = &position {
                    iter.next().unwrap();
                    position = first_after(&model, Bound::Excluded(current));
                }
                Op::Prev => if let Some(current) = &position {
                    iter.prev().unwrap();
                    position = last_before(&model, Bound::Excluded(current));
                }
            }
            check(&iter, &model, &position);
        }
    }
}

/// Versions to insert through one inserter: sorted runs (as table inserts
/// are), reversed runs, and scattered keys, over few user keys so that many
/// have several versions.
fn insert_plan() -> impl Strategy<Value = Vec<(Vec<u8>, u64, Kind)>> {
    let version = (user_key(), 0..30u64, kind());
    (proptest::collection::vec(version, 0..120), 0..3u8).prop_map(|(mut versions, order)| {
        match order {
            0 => versions.sort(),
            1 => {
                versions.sort();
                versions.reverse();
            }
            _ => {}
        }
        versions
    })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 300, ..ProptestConfig::default() })]

    #[test]
    fn gets_and_scans_match_btreemap_after_inserter_runs(
        plans in proptest::collection::vec(insert_plan(), 1..4),
        point_index in proptest::bool::ANY,
    ) {
        let table =
            Arc::new(if point_index { Memtable::with_point_index(0) } else { Memtable::new() });
        let mut model = Model::new();
        for plan in plans {
            let mut inserter = table.inserter();
            for (key, seqno, kind) in plan {
                if model.keys().any(|k| k.user_key() == key && k.seqno() == seqno) {
                    continue;
                }
                let value = format!("{key:?}@{seqno}").into_bytes();
                let value = if kind == Kind::Put { value } else { Vec::new() };
                inserter.insert(&key, seqno, kind, &value);
                model.insert(InternalKey::new(&key, seqno, kind), value);
            }
        }
        prop_assert_eq!(table.len(), model.len());
        prop_assert_eq!(table.min_seqno(), model.keys().map(|k| k.seqno()).min());
        prop_assert_eq!(table.max_seqno(), model.keys().map(|k| k.seqno()).max());

        // Point reads: the newest version at or below every snapshot.
        let user_keys: std::collections::BTreeSet<Vec<u8>> =
            model.keys().map(|k| k.user_key().to_vec()).chain([b"zz".to_vec()]).collect();
        for key in &user_keys {
            for snapshot in 0..32u64 {
                let expected = model
                    .iter()
                    .find(|(k, _)| k.user_key() == &key[..] && k.seqno() <= snapshot)
                    .map(|(k, v)| (k.seqno(), Kind::from_u8(k.kind_byte()).unwrap(), v.clone()));
                let got = table.get(key, snapshot).map(|e| (e.seqno, e.kind, e.value));
                prop_assert_eq!(got, expected);
            }
        }

        // Full scans both ways.
        let mut iter = table.iter();
        iter.seek_to_first().unwrap();
        for (key, value) in &model {
            prop_assert!(iter.valid());
            prop_assert_eq!(iter.key(), key.as_bytes());
            prop_assert_eq!(iter.value(), &value[..]);
            iter.next().unwrap();
        }
        prop_assert!(!iter.valid());
        iter.seek_to_last().unwrap();
        for (key, _) in model.iter().rev() {
            prop_assert_eq!(iter.key(), key.as_bytes());
            iter.prev().unwrap();
        }
        prop_assert!(!iter.valid());
    }
}

#[test]
fn iterator_outlives_callers_handle_and_moves_across_threads() {
    fn check_send<T: Send + 'static>(_: &T) {}
    let table = Arc::new(Memtable::new());
    table.insert(b"k", 1, Kind::Put, b"v");
    let mut iter = table.iter();
    drop(table);
    check_send(&iter);
    let key = std::thread::spawn(move || {
        iter.seek_to_first().unwrap();
        iter.key().to_vec()
    })
    .join()
    .unwrap();
    assert_eq!(key, InternalKey::new(b"k", 1, Kind::Put).as_bytes());
}

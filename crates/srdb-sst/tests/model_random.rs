//! Property test: an SST file answers every read exactly as a `BTreeMap` of
//! its entries does, for random keys with several versions and tombstones
//! per user key, empty keys and values, small blocks and both compressions.

mod common;

use common::{drain_backward, drain_forward, model_entries, model_get, write_model, Model};
use proptest::prelude::*;
use srdb_key::{InternalIterator, InternalKey, Kind};
use srdb_sst::{BlockCache, Compression, Sst, WriterOptions};

/// User keys from a three-letter alphabet: short, with many shared
/// prefixes, and including the empty key.
fn user_key() -> impl Strategy<Value = Vec<u8>> {
    proptest::collection::vec(prop_oneof![Just(b'a'), Just(b'b'), Just(b'c')], 0..5)
}

fn model() -> impl Strategy<Value = Model> {
    let version = (1u64..40, any::<bool>(), proptest::collection::vec(any::<u8>(), 0..24));
    proptest::collection::btree_map(user_key(), proptest::collection::vec(version, 1..4), 1..60)
        .prop_map(|keys| {
            let mut model = Model::new();
            for (user_key, versions) in keys {
                for (seqno, is_put, value) in versions {
                    let kind = if is_put { Kind::Put } else { Kind::Delete };
                    let value = if is_put { value } else { Vec::new() };
                    model.insert(InternalKey::new(&user_key, seqno, kind), value);
                }
            }
            model
        })
}

fn options() -> impl Strategy<Value = WriterOptions> {
    (
        32usize..600,
        1usize..6,
        any::<bool>(),
        prop_oneof![Just(0u32), Just(10u32)],
        proptest::collection::vec(any::<u8>(), 0..40),
    )
        .prop_map(|(block_bytes, restart_interval, snappy, bloom_bits_per_key, properties)| {
            WriterOptions {
                block_bytes,
                restart_interval,
                compression: if snappy { Compression::Snappy } else { Compression::None },
                bloom_bits_per_key,
                time_extractor: None,
                properties,
            }
        })
}

/// A seek target: a user key at a seqno with any kind byte a caller uses.
fn target() -> impl Strategy<Value = Vec<u8>> {
    (
        user_key(),
        0u64..45,
        prop_oneof![Just(Kind::Delete as u8), Just(Kind::Put as u8), Just(Kind::SEEK)],
    )
        .prop_map(|(user_key, seqno, kind)| {
            let mut key = user_key;
            key.extend_from_slice(&((seqno << 8) | u64::from(kind)).to_le_bytes());
            key
        })
}

fn compare(a: &[u8], b: &[u8]) -> std::cmp::Ordering {
    srdb_key::compare_internal(a, b)
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 96, ..ProptestConfig::default() })]

    #[test]
    fn reads_match_the_model(
        model in model(),
        opts in options(),
        gets in proptest::collection::vec((user_key(), 0u64..45), 0..40),
        targets in proptest::collection::vec((target(), proptest::collection::vec(any::<bool>(), 0..8)), 0..20),
        use_cache in any::<bool>(),
    ) {
        let dir = tempfile::tempdir().unwrap();
        let properties = opts.properties.clone();
        let (path, summary) = write_model(dir.path(), "1.sst", &model, opts);
        let entries = model_entries(&model);
        prop_assert_eq!(summary.entries, entries.len() as u64);
        prop_assert_eq!(&summary.smallest, &entries[0].0);
        prop_assert_eq!(&summary.largest, &entries[entries.len() - 1].0);
        prop_assert_eq!(summary.size_bytes, std::fs::metadata(&path).unwrap().len());

        let cache = use_cache.then(|| BlockCache::new(1 << 20));
        let sst = Sst::open(&path, 1, cache).unwrap();
        prop_assert_eq!(sst.summary(), &summary);
        prop_assert_eq!(&summary.properties, &properties);
        prop_assert_eq!(sst.verify().unwrap().entries, entries.len() as u64);

        for (user_key, snapshot) in &gets {
            // A read split in two (locate, prefetch, read in the block)
            // answers as one, whether the block was read before or not.
            let split = |sst: &Sst| {
                let at = sst.locate(user_key, *snapshot).unwrap();
                at.and_then(|at| {
                    sst.prefetch_block(at);
                    sst.get_in_block(at, user_key, *snapshot, |seqno, kind, value| (seqno, kind, value.to_vec()))
                        .unwrap()
                })
            };
            let first_split = split(&sst);
            let expected = model_get(&model, user_key, *snapshot);
            let found = sst.get(user_key, *snapshot).unwrap().map(|l| (l.seqno, l.kind, l.value));
            prop_assert_eq!(&found, &expected, "get({:?}, {})", user_key, snapshot);
            // Without the filter, absent keys included, the answer is the same.
            let unfiltered = sst
                .get_present_with(user_key, *snapshot, |seqno, kind, value| (seqno, kind, value.to_vec()))
                .unwrap();
            prop_assert_eq!(unfiltered, expected.clone(), "get_present_with({:?}, {})", user_key, snapshot);
            prop_assert_eq!(&first_split, &expected, "split read of ({:?}, {})", user_key, snapshot);
            prop_assert_eq!(split(&sst), expected, "split read of ({:?}, {}) again", user_key, snapshot);
        }
        for (key, _) in model.iter().step_by(3) {
            prop_assert!(sst.may_contain(key.user_key()));
        }

        let mut iter = sst.iter();
        iter.seek_to_first().unwrap();
        prop_assert_eq!(drain_forward(&mut iter), entries.clone());
        iter.seek_to_last().unwrap();
        let mut backward = drain_backward(&mut iter);
        backward.reverse();
        prop_assert_eq!(backward, entries.clone());

        for (target, moves) in &targets {
            // seek: first entry >= target; then a walk of next/prev steps.
            let mut at = entries.iter().position(|(k, _)| compare(k, target).is_ge());
            iter.seek(target).unwrap();
            check_walk(&mut iter, &entries, &mut at, moves)?;
            // seek_for_prev: last entry <= target.
            let mut at = entries.iter().rposition(|(k, _)| compare(k, target).is_le());
            iter.seek_for_prev(target).unwrap();
            check_walk(&mut iter, &entries, &mut at, moves)?;
        }
    }
}

/// Checks that the iterator sits at `entries[at]` (or is not valid when `at`
/// is `None`), then steps forward (`true`) or backward and checks again.
fn check_walk(
    iter: &mut impl InternalIterator,
    entries: &[(Vec<u8>, Vec<u8>)],
    at: &mut Option<usize>,
    moves: &[bool],
) -> Result<(), TestCaseError> {
    for step in 0..=moves.len() {
        match *at {
            Some(i) => {
                prop_assert!(iter.valid(), "expected entry {} at step {}", i, step);
                prop_assert_eq!(iter.key(), &entries[i].0[..]);
                prop_assert_eq!(iter.value(), &entries[i].1[..]);
            }
            None => {
                prop_assert!(!iter.valid(), "expected the end at step {}", step);
                return Ok(());
            }
        }
        if let Some(&forward) = moves.get(step) {
            let i = at.expect("valid");
            if forward {
                iter.next().unwrap();
                *at = (i + 1 < entries.len()).then_some(i + 1);
            } else {
                iter.prev().unwrap();
                *at = i.checked_sub(1);
            }
        }
    }
    Ok(())
}

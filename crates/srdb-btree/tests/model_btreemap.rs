//! The tree against a `BTreeMap` model: every read answers what the map
//! answers, for random key sets (the empty key and empty values included),
//! bytewise and under srdb's internal-key order.

use proptest::prelude::*;
use srdb_btree::{bytewise, BTree, BTreeError, BTreeWriter, KeyCmp, TreeMeta};
use srdb_key::{compare_internal, seek_key, InternalKey, Kind};
use std::collections::BTreeMap;

fn build(entries: &[(Vec<u8>, Vec<u8>)], cmp: KeyCmp) -> (Vec<u8>, TreeMeta) {
    let mut writer = BTreeWriter::new(Vec::new(), cmp);
    for (key, value) in entries {
        writer.push(key, value).unwrap();
    }
    writer.finish().unwrap()
}

/// Keys and values from the cursor to the end (or start) of the tree.
fn walk(
    tree: &BTree<'_>,
    mut cursor: srdb_btree::Cursor,
    forward: bool,
) -> Vec<(Vec<u8>, Vec<u8>)> {
    let mut out = Vec::new();
    while cursor.is_valid() {
        out.push((cursor.key(tree).unwrap().to_vec(), cursor.value(tree).unwrap().to_vec()));
        if forward {
            cursor.next(tree).unwrap();
        } else {
            cursor.prev(tree).unwrap();
        }
    }
    out
}

fn pairs<'a>(it: impl Iterator<Item = (&'a Vec<u8>, &'a Vec<u8>)>) -> Vec<(Vec<u8>, Vec<u8>)> {
    it.map(|(k, v)| (k.clone(), v.clone())).collect()
}

/// Short keys over a small alphabet, so that probes often hit and often fall
/// between keys; values long enough that a few hundred entries make a tree of
/// two or three levels.
///
/// Half the cases prefix every key with the same long padding: order is
/// unchanged, but internal pages then hold only a few separators, so the
/// trees grow four to six levels tall.
fn model_strategy() -> impl Strategy<Value = BTreeMap<Vec<u8>, Vec<u8>>> {
    let key = prop::collection::vec(0u8..4, 0..12);
    let value = prop_oneof![Just(Vec::new()), prop::collection::vec(any::<u8>(), 0..400)];
    let padding = prop_oneof![Just(0usize), 500usize..1500];
    (prop::collection::btree_map(key, value, 0..600), padding).prop_map(|(model, padding)| {
        model
            .into_iter()
            .map(|(key, value)| {
                let mut padded = vec![b'p'; padding];
                padded.extend_from_slice(&key);
                (padded, value)
            })
            .collect()
    })
}

/// Probes: mostly keys shaped like the model's, padded to match.
fn probes_for(model: &BTreeMap<Vec<u8>, Vec<u8>>, raw: Vec<Vec<u8>>) -> Vec<Vec<u8>> {
    let padding = model.keys().next().map_or(0, |k| k.iter().take_while(|&&b| b == b'p').count());
    raw.into_iter()
        .map(|key| {
            let mut padded = vec![b'p'; padding];
            padded.extend_from_slice(&key);
            padded
        })
        .chain([Vec::new(), vec![0xFF; 3]])
        .collect()
}

fn probe_strategy() -> impl Strategy<Value = Vec<Vec<u8>>> {
    prop::collection::vec(prop::collection::vec(0u8..4, 0..12), 1..30)
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, ..ProptestConfig::default() })]

    #[test]
    fn reads_match_the_model(model in model_strategy(), probes in probe_strategy()) {
        let probes = probes_for(&model, probes);
        let entries: Vec<_> = pairs(model.iter());
        let (bytes, meta) = build(&entries, bytewise);
        for tree in [BTree::open(&bytes, meta, bytewise).unwrap(), BTree::open_verified(&bytes, meta, bytewise).unwrap()] {
            tree.verify().unwrap();
            prop_assert_eq!(tree.len(), model.len() as u64);
            prop_assert_eq!(walk(&tree, tree.first().unwrap(), true), entries.clone());
            let mut backward = entries.clone();
            backward.reverse();
            prop_assert_eq!(walk(&tree, tree.last().unwrap(), false), backward);
            for probe in &probes {
                prop_assert_eq!(tree.get(probe).unwrap(), model.get(probe).map(|v| &v[..]));
                // seek: first >= probe, then onwards; and backwards from there.
                let expected_after = pairs(model.range(probe.clone()..));
                prop_assert_eq!(walk(&tree, tree.seek(probe).unwrap(), true), expected_after.clone());
                // An invalid cursor stays invalid, so walking back from a seek
                // past the end yields nothing.
                let seek_back = walk(&tree, tree.seek(probe).unwrap(), false);
                let expected_back = match expected_after.first() {
                    Some(first) => std::iter::once(first.clone()).chain(pairs(model.range(..probe.clone()).rev())).collect(),
                    None => Vec::new(),
                };
                prop_assert_eq!(seek_back, expected_back);
                // seek_for_prev: last <= probe, then backwards; and forwards.
                let at_or_before = pairs(model.range(..=probe.clone()).rev());
                prop_assert_eq!(walk(&tree, tree.seek_for_prev(probe).unwrap(), false), at_or_before.clone());
                let after = pairs(model.range((std::ops::Bound::Excluded(probe.clone()), std::ops::Bound::Unbounded)));
                let expected_fwd = match at_or_before.first() {
                    Some(last) => std::iter::once(last.clone()).chain(after).collect(),
                    None => Vec::new(),
                };
                prop_assert_eq!(walk(&tree, tree.seek_for_prev(probe).unwrap(), true), expected_fwd);
            }
        }
    }

    #[test]
    fn internal_key_order_is_the_comparators_not_bytewise(
        versions in prop::collection::btree_map(
            (prop::collection::vec(0u8..3, 0..4), 0u64..50),
            (any::<bool>(), prop::collection::vec(any::<u8>(), 0..60)),
            1..500,
        ),
        probes in prop::collection::vec((prop::collection::vec(0u8..3, 0..4), 0u64..55), 1..30),
    ) {
        let model: BTreeMap<InternalKey, Vec<u8>> = versions
            .iter()
            .map(|((user_key, seqno), (put, value))| {
                let kind = if *put { Kind::Put } else { Kind::Delete };
                (InternalKey::new(user_key, *seqno, kind), value.clone())
            })
            .collect();
        let entries: Vec<_> = model.iter().map(|(k, v)| (k.as_bytes().to_vec(), v.clone())).collect();
        let (bytes, meta) = build(&entries, compare_internal);
        let tree = BTree::open(&bytes, meta, compare_internal).unwrap();
        tree.verify().unwrap();
        prop_assert_eq!(walk(&tree, tree.first().unwrap(), true), entries);
        for (user_key, snapshot) in probes {
            // The newest version of user_key visible at the snapshot.
            let target = seek_key(&user_key, snapshot);
            let expected = model
                .range(target.clone()..)
                .next()
                .filter(|(k, _)| k.user_key() == &user_key[..])
                .map(|(k, v)| (k.as_bytes().to_vec(), v.clone()));
            let cursor = tree.seek(target.as_bytes()).unwrap();
            let found = cursor.is_valid().then(|| (cursor.key(&tree).unwrap().to_vec(), cursor.value(&tree).unwrap().to_vec()));
            let found = found.filter(|(k, _)| srdb_key::parse(k).unwrap().user_key == &user_key[..]);
            prop_assert_eq!(found, expected);
            let before = model.range(..=target.clone()).next_back().map(|(k, _)| k.as_bytes().to_vec());
            let cursor = tree.seek_for_prev(target.as_bytes()).unwrap();
            prop_assert_eq!(cursor.is_valid().then(|| cursor.key(&tree).unwrap().to_vec()), before);
        }
    }
}

#[test]
fn the_empty_tree_is_valid_and_answers_nothing() {
    let (bytes, meta) = build(&[], bytewise);
    assert_eq!((bytes.len(), meta), (0, TreeMeta::EMPTY));
    let tree = BTree::open(&bytes, meta, bytewise).unwrap();
    tree.verify().unwrap();
    assert!(tree.is_empty());
    assert_eq!(tree.get(b"").unwrap(), None);
    for cursor in [tree.first(), tree.last(), tree.seek(b"a"), tree.seek_for_prev(b"a")] {
        let mut cursor = cursor.unwrap();
        assert!(!cursor.is_valid());
        assert!(matches!(cursor.key(&tree), Err(BTreeError::CursorNotValid)));
        cursor.next(&tree).unwrap();
        assert!(!cursor.is_valid());
    }
}

#[test]
fn out_of_order_and_duplicate_keys_are_refused_and_the_writer_goes_on() {
    let mut writer = BTreeWriter::new(Vec::new(), bytewise);
    writer.push(b"b", b"1").unwrap();
    assert!(matches!(writer.push(b"b", b"2"), Err(BTreeError::OutOfOrder)));
    assert!(matches!(writer.push(b"a", b"3"), Err(BTreeError::OutOfOrder)));
    writer.push(b"c", b"4").unwrap();
    let (bytes, meta) = writer.finish().unwrap();
    let tree = BTree::open(&bytes, meta, bytewise).unwrap();
    tree.verify().unwrap();
    assert_eq!(tree.len(), 2);
    assert_eq!(tree.get(b"b").unwrap(), Some(&b"1"[..]));
    assert_eq!(tree.get(b"a").unwrap(), None);
}

#[test]
fn order_is_checked_with_the_comparator_not_bytewise() {
    // Newer versions sort first under compare_internal although their bytes
    // sort later; a bytewise check would refuse this sequence.
    let newer = InternalKey::new(b"k", 9, Kind::Put);
    let older = InternalKey::new(b"k", 2, Kind::Put);
    let mut writer = BTreeWriter::new(Vec::new(), compare_internal);
    writer.push(newer.as_bytes(), b"").unwrap();
    writer.push(older.as_bytes(), b"").unwrap();
    assert!(matches!(writer.push(newer.as_bytes(), b""), Err(BTreeError::OutOfOrder)));
    let mut bytewise_writer = BTreeWriter::new(Vec::new(), bytewise);
    bytewise_writer.push(newer.as_bytes(), b"").unwrap();
    assert!(matches!(bytewise_writer.push(older.as_bytes(), b""), Err(BTreeError::OutOfOrder)));
}

#[test]
fn oversized_entries_are_refused() {
    let mut writer = BTreeWriter::new(Vec::new(), bytewise);
    let key = vec![0u8; srdb_btree::MAX_KEY_BYTES + 1];
    assert!(matches!(writer.push(&key, b""), Err(BTreeError::EntryTooLarge { .. })));
    let value = vec![0u8; srdb_btree::MAX_VALUE_BYTES + 1];
    assert!(matches!(writer.push(b"k", &value), Err(BTreeError::EntryTooLarge { .. })));
    assert!(writer.is_empty());
}

#[test]
fn a_failed_write_poisons_the_writer() {
    struct FailAfter(usize);
    impl std::io::Write for FailAfter {
        fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
            if self.0 < buf.len() {
                return Err(std::io::Error::other("disk full"));
            }
            self.0 -= buf.len();
            Ok(buf.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }
    let mut writer = BTreeWriter::new(FailAfter(4096), bytewise);
    let mut pushes = (0u32..).map(|i| writer.push(&i.to_be_bytes(), &[0; 100]));
    let error = pushes.find(Result::is_err).unwrap();
    assert!(matches!(error, Err(BTreeError::Io(_))), "{error:?}");
    assert!(matches!(writer.push(b"\xff\xff\xff\xff\xff", b""), Err(BTreeError::WriterFailed)));
    assert!(matches!(writer.finish(), Err(BTreeError::WriterFailed)));
}

//! Which versions of a key a flush or compaction must keep.
//!
//! A reader at snapshot `s` sees, for each user key, the newest version with
//! `seqno <= s`; the present (the newest visible state) is one more reader
//! that sees every version. Sorting the live snapshots `s1 < s2 < ... < sm`
//! cuts the seqno line into *stripes*:
//!
//! ```text
//!   seqno:   0 ....... s1 | s1+1 ....... s2 | ... | sm+1 ....... present
//!   stripe:      0        |       1         | ... |        m
//! ```
//!
//! All versions in one stripe are seen by exactly the same readers, and each
//! of those readers sees the newest of them, so only the newest version of a
//! key in each stripe is ever read: the others are dropped. A tombstone is
//! dropped too when it is the newest version in stripe 0 (visible to every
//! reader) and the output is the bottommost data for its key: every reader
//! that would see the tombstone then finds nothing instead, which is what the
//! tombstone said.

use srdb_key::{compare_internal, parse, InternalIterator, Kind, SeqNo, TRAILER_BYTES};

use crate::error::CompactionError;

/// A forward-only stream of entries in internal-key order: what
/// [`crate::write_ssts`] drains. Every [`InternalIterator`] is one, as is a
/// [`VersionFilter`].
pub trait EntrySource {
    /// The entry the stream stands on as `(internal key, value)`, or `None`
    /// when it is exhausted.
    fn entry(&self) -> Option<(&[u8], &[u8])>;
    /// Moves to the next entry. Requires `entry().is_some()`.
    fn advance(&mut self) -> Result<(), CompactionError>;
}

impl<I: InternalIterator + ?Sized> EntrySource for I {
    fn entry(&self) -> Option<(&[u8], &[u8])> {
        self.valid().then(|| (self.key(), self.value()))
    }

    fn advance(&mut self) -> Result<(), CompactionError> {
        self.next().map_err(CompactionError::Source)
    }
}

/// What a [`VersionFilter`] read and dropped.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct FilterStats {
    /// Entries read from the input.
    pub entries_in: u64,
    /// Versions dropped because a newer version of the same key is seen by
    /// every reader that would have seen them (tombstones included).
    pub dropped_versions: u64,
    /// Tombstones dropped because no reader can see anything below them.
    pub dropped_tombstones: u64,
}

/// A forward adapter over a sorted input that yields only the versions some
/// reader can see. See the module documentation for the rules.
///
/// The filter also checks that its input ascends in internal-key order and
/// that every key parses, so corrupt input is an error, not silent loss.
/// Identical internal keys (possible after a repair) are accepted; the first
/// one wins. Memory is one key, whatever the input size.
pub struct VersionFilter<I: InternalIterator> {
    inner: I,
    snapshots: Vec<SeqNo>,
    drop_tombstones: bool,
    /// The internal key of the last entry read; empty before the first.
    previous: Vec<u8>,
    /// The stripe of the newest version of `previous`'s user key seen in the
    /// lowest stripe reached so far, or `None` before the first entry.
    last_stripe: Option<usize>,
    stats: FilterStats,
}

impl<I: InternalIterator> VersionFilter<I> {
    /// Filters `inner` for readers at `snapshots` (any order, duplicates
    /// allowed) and the present. `drop_tombstones` must only be true when no
    /// older version of any key in `inner` can exist outside it (the output
    /// is the bottommost level for these keys). The filter is not positioned:
    /// call [`VersionFilter::seek_to_first`].
    pub fn new(inner: I, mut snapshots: Vec<SeqNo>, drop_tombstones: bool) -> Self {
        snapshots.sort_unstable();
        snapshots.dedup();
        VersionFilter {
            inner,
            snapshots,
            drop_tombstones,
            previous: Vec::new(),
            last_stripe: None,
            stats: FilterStats::default(),
        }
    }

    /// Positions on the first kept entry of the input.
    pub fn seek_to_first(&mut self) -> Result<(), CompactionError> {
        self.previous.clear();
        self.last_stripe = None;
        self.inner.seek_to_first().map_err(CompactionError::Source)?;
        self.settle()
    }

    /// Whether the filter stands on a kept entry.
    pub fn valid(&self) -> bool {
        self.inner.valid()
    }

    /// The current internal key. Requires `valid()`.
    pub fn key(&self) -> &[u8] {
        self.inner.key()
    }

    /// The current value. Requires `valid()`.
    pub fn value(&self) -> &[u8] {
        self.inner.value()
    }

    /// Moves to the next kept entry. Requires `valid()`.
    pub fn advance(&mut self) -> Result<(), CompactionError> {
        self.inner.next().map_err(CompactionError::Source)?;
        self.settle()
    }

    /// What was read and dropped so far.
    pub fn stats(&self) -> FilterStats {
        self.stats
    }

    /// Gives back the input iterator.
    pub fn into_inner(self) -> I {
        self.inner
    }

    /// The stripe of `seqno`: the number of snapshots older than it.
    fn stripe(&self, seqno: SeqNo) -> usize {
        self.snapshots.partition_point(|&s| s < seqno)
    }

    /// Skips dropped entries until the input stands on a kept one or ends.
    fn settle(&mut self) -> Result<(), CompactionError> {
        while self.inner.valid() {
            if self.keep_current()? {
                return Ok(());
            }
            self.inner.next().map_err(CompactionError::Source)?;
        }
        Ok(())
    }

    /// Accounts for the input's current entry and says whether to yield it.
    fn keep_current(&mut self) -> Result<bool, CompactionError> {
        let key = self.inner.key();
        let parsed = parse(key)
            .map_err(|source| CompactionError::InvalidKey { key: key.to_vec(), source })?;
        let same_user_key = match self.last_stripe {
            None => false,
            Some(_) => {
                if compare_internal(&self.previous, key).is_gt() {
                    return Err(CompactionError::OutOfOrder {
                        previous: self.previous.clone(),
                        key: key.to_vec(),
                    });
                }
                // `previous` parsed when it was read, so it holds a trailer.
                self.previous[..self.previous.len() - TRAILER_BYTES] == *parsed.user_key
            }
        };
        self.stats.entries_in += 1;
        let stripe = self.stripe(parsed.seqno);
        let kind = parsed.kind;
        self.previous.clear();
        self.previous.extend_from_slice(key);

        if same_user_key && self.last_stripe == Some(stripe) {
            self.stats.dropped_versions += 1;
            return Ok(false);
        }
        self.last_stripe = Some(stripe);
        if self.drop_tombstones && kind == Kind::Delete && stripe == 0 {
            self.stats.dropped_tombstones += 1;
            return Ok(false);
        }
        Ok(true)
    }
}

impl<I: InternalIterator> EntrySource for VersionFilter<I> {
    fn entry(&self) -> Option<(&[u8], &[u8])> {
        self.valid().then(|| (self.key(), self.value()))
    }

    fn advance(&mut self) -> Result<(), CompactionError> {
        VersionFilter::advance(self)
    }
}

#[cfg(test)]
mod tests {
    use std::collections::{BTreeMap, BTreeSet};

    use proptest::prelude::*;
    use srdb_key::{parse, MAX_SEQNO};

    use super::*;
    use crate::testing::{ikey, Entry, ScriptedIterator};
    use crate::VecIterator;

    /// A version as the model sees it.
    #[derive(Clone, Debug, PartialEq, Eq)]
    struct Version {
        seqno: SeqNo,
        kind: Kind,
        value: Vec<u8>,
    }

    /// Per user key, its versions newest first.
    fn by_user_key(entries: &[Entry]) -> BTreeMap<Vec<u8>, Vec<Version>> {
        let mut map: BTreeMap<Vec<u8>, Vec<Version>> = BTreeMap::new();
        for (k, v) in entries {
            let p = parse(k).unwrap();
            map.entry(p.user_key.to_vec()).or_default().push(Version {
                seqno: p.seqno,
                kind: p.kind,
                value: v.clone(),
            });
        }
        for versions in map.values_mut() {
            versions.sort_by_key(|v| std::cmp::Reverse(v.seqno));
        }
        map
    }

    /// The version `reader` sees of a key: the newest with seqno <= reader.
    fn seen(versions: &[Version], reader: SeqNo) -> Option<&Version> {
        versions.iter().find(|v| v.seqno <= reader)
    }

    fn filter_all(
        entries: &[Entry],
        snapshots: &[SeqNo],
        drop_tombstones: bool,
    ) -> (Vec<Entry>, FilterStats) {
        let mut filter = VersionFilter::new(
            VecIterator::new(entries.to_vec()),
            snapshots.to_vec(),
            drop_tombstones,
        );
        filter.seek_to_first().unwrap();
        let mut out = Vec::new();
        while filter.valid() {
            out.push((filter.key().to_vec(), filter.value().to_vec()));
            filter.advance().unwrap();
        }
        (out, filter.stats())
    }

    fn input() -> impl Strategy<Value = Vec<Entry>> {
        let version = (prop::collection::vec(b'a'..=b'c', 1..=2), 1u64..40);
        prop::collection::btree_map(version, prop::bool::weighted(0.6), 0..40).prop_map(
            |versions| {
                versions
                    .into_iter()
                    .map(|((k, seqno), put)| {
                        let kind = if put { Kind::Put } else { Kind::Delete };
                        let value = if put {
                            format!("{}@{seqno}", k.escape_ascii()).into_bytes()
                        } else {
                            Vec::new()
                        };
                        (ikey(&k, seqno, kind), value)
                    })
                    .collect()
            },
        )
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(512))]

        /// Every reader (each snapshot and the present) sees the same thing
        /// before and after filtering; without tombstone dropping it even
        /// sees the same version, so data below the output stays hidden.
        #[test]
        fn every_reader_sees_the_same_after_filtering(
            entries in input(),
            snapshots in prop::collection::btree_set(0u64..45, 0..5),
            drop_tombstones in prop::bool::ANY,
        ) {
            let snapshots: Vec<SeqNo> = snapshots.into_iter().collect();
            let (out, stats) = filter_all(&entries, &snapshots, drop_tombstones);
            let before = by_user_key(&entries);
            let after = by_user_key(&out);
            let readers = snapshots.iter().copied().chain([MAX_SEQNO]);
            for reader in readers {
                for (key, versions) in &before {
                    let was = seen(versions, reader);
                    let now = after.get(key).and_then(|v| seen(v, reader));
                    if drop_tombstones {
                        let value = |v: Option<&Version>| v.filter(|v| v.kind == Kind::Put).map(|v| v.value.clone());
                        prop_assert_eq!(value(was), value(now), "reader {} key {:?}", reader, key);
                    } else {
                        prop_assert_eq!(was, now, "reader {} key {:?}", reader, key);
                    }
                }
            }
            prop_assert_eq!(stats.entries_in, entries.len() as u64);
            prop_assert_eq!(stats.entries_in, out.len() as u64 + stats.dropped_versions + stats.dropped_tombstones);
        }

        /// The filter keeps nothing more than it must: exactly the versions
        /// some reader sees, less (when dropping) the tombstones that the
        /// oldest reader sees.
        #[test]
        fn keeps_exactly_the_versions_some_reader_sees(
            entries in input(),
            snapshots in prop::collection::vec(0u64..45, 0..5),
            drop_tombstones in prop::bool::ANY,
        ) {
            let (out, stats) = filter_all(&entries, &snapshots, drop_tombstones);
            let readers: BTreeSet<SeqNo> = snapshots.iter().copied().chain([MAX_SEQNO]).collect();
            let oldest_reader = *readers.first().unwrap();
            let mut expected = Vec::new();
            let mut dropped_tombstones = 0;
            for (key, versions) in by_user_key(&entries) {
                for v in &versions {
                    let seen_by_some = readers.iter().any(|&r| seen(&versions, r) == Some(v));
                    if !seen_by_some {
                        continue;
                    }
                    if drop_tombstones && v.kind == Kind::Delete && v.seqno <= oldest_reader {
                        dropped_tombstones += 1;
                        continue;
                    }
                    expected.push((ikey(&key, v.seqno, v.kind), v.value.clone()));
                }
            }
            prop_assert_eq!(out, expected);
            prop_assert_eq!(stats.dropped_tombstones, dropped_tombstones);
        }
    }

    #[test]
    fn shadowed_versions_go_but_snapshot_versions_stay() {
        let entries = vec![
            (ikey(b"k", 9, Kind::Put), b"v9".to_vec()),
            (ikey(b"k", 7, Kind::Put), b"v7".to_vec()),
            (ikey(b"k", 5, Kind::Delete), vec![]),
            (ikey(b"k", 3, Kind::Put), b"v3".to_vec()),
            (ikey(b"k", 1, Kind::Put), b"v1".to_vec()),
        ];
        // Snapshot 6 sees the tombstone at 5; snapshot 3 sees v3.
        let (out, stats) = filter_all(&entries, &[6, 3], false);
        let seqnos: Vec<u64> = out.iter().map(|(k, _)| parse(k).unwrap().seqno).collect();
        assert_eq!(seqnos, vec![9, 5, 3]);
        assert_eq!(
            stats,
            FilterStats { entries_in: 5, dropped_versions: 2, dropped_tombstones: 0 }
        );

        // Bottommost with no snapshot: only the newest put survives; a newest
        // tombstone takes the whole key with it.
        let (out, _) = filter_all(&entries, &[], true);
        assert_eq!(out, vec![(ikey(b"k", 9, Kind::Put), b"v9".to_vec())]);
        let (out, stats) = filter_all(&entries[2..], &[], true);
        assert!(out.is_empty());
        assert_eq!(
            stats,
            FilterStats { entries_in: 3, dropped_versions: 2, dropped_tombstones: 1 }
        );
        // Not bottommost: the tombstone must stay to hide what lies below.
        let (out, _) = filter_all(&entries[2..], &[], false);
        assert_eq!(out, vec![(ikey(b"k", 5, Kind::Delete), vec![])]);
    }

    #[test]
    fn identical_internal_keys_keep_the_first() {
        let k = ikey(b"k", 4, Kind::Put);
        let entries =
            vec![(k.clone(), b"newer source".to_vec()), (k.clone(), b"older source".to_vec())];
        let mut filter = VersionFilter::new(ScriptedIterator::new(entries, None), vec![], false);
        filter.seek_to_first().unwrap();
        assert_eq!(filter.value(), b"newer source");
        filter.advance().unwrap();
        assert!(!filter.valid());
        assert_eq!(filter.stats().dropped_versions, 1);
    }

    #[test]
    fn out_of_order_input_is_an_error() {
        let entries = vec![(ikey(b"b", 1, Kind::Put), vec![]), (ikey(b"a", 1, Kind::Put), vec![])];
        let mut filter = VersionFilter::new(ScriptedIterator::new(entries, None), vec![], false);
        filter.seek_to_first().unwrap();
        assert!(matches!(filter.advance(), Err(CompactionError::OutOfOrder { .. })));

        // Within one user key, an older version before a newer one.
        let entries = vec![(ikey(b"a", 1, Kind::Put), vec![]), (ikey(b"a", 2, Kind::Put), vec![])];
        let mut filter = VersionFilter::new(ScriptedIterator::new(entries, None), vec![], false);
        filter.seek_to_first().unwrap();
        assert!(matches!(filter.advance(), Err(CompactionError::OutOfOrder { .. })));
    }

    #[test]
    fn unparsable_key_is_an_error() {
        let mut bad = ikey(b"a", 1, Kind::Put);
        let first = bad.len() - 8;
        bad[first] = 7; // kind byte 7 is no kind
        let entries = vec![(bad, vec![])];
        let mut filter = VersionFilter::new(ScriptedIterator::new(entries, None), vec![], false);
        assert!(matches!(filter.seek_to_first(), Err(CompactionError::InvalidKey { .. })));
    }

    #[test]
    fn source_errors_are_returned() {
        let entries = vec![(ikey(b"a", 1, Kind::Put), vec![]), (ikey(b"b", 1, Kind::Put), vec![])];
        let mut filter = VersionFilter::new(ScriptedIterator::new(entries, Some(1)), vec![], false);
        filter.seek_to_first().unwrap();
        assert!(matches!(filter.advance(), Err(CompactionError::Source(_))));
    }
}

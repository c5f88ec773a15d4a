//! The concatenation of sources whose user-key ranges are disjoint: what a
//! scan reads instead of a k-way merge when no two of its sources can hold
//! versions of the same key.
//!
//! A table's rows keyspace is the common case: `_seq`s only grow, so every
//! memtable and every SST file holds its own run of keys, and a scan over a
//! dozen files has, at each step, exactly one source that can supply the next
//! entry. A merging iterator still compares that source's key with the heap
//! on every step; the concatenation steps the one source it stands in and
//! moves to the next source when it runs out, with no comparison at all.
//!
//! SST files are held by their concrete iterator type, so stepping through
//! one costs no virtual call; memtables (a few at most) are boxed.
//!
//! The active memtable keeps taking inserts while a scan reads it, so its
//! bounds, read when the scan began, may no longer hold every key it has:
//! a key inserted since (newer than the scan's snapshot, so never part of
//! its answer) can sort outside them, and stepping onto it would put an
//! entry out of order in the concatenation (ending a bounded scan early, for
//! one). A memtable unit is therefore [`Clamped`] to its bounds: it seeks
//! within them and is not valid outside them.
//!
//! Invariant: `units` are sorted by user key, each unit's last user key is
//! strictly below the next unit's first one, and every entry of a unit has a
//! user key within the unit's bounds. Internal keys order by user key first,
//! so the concatenation of the units is in internal-key order.

use std::ops::ControlFlow;

use srdb_key::{BoxError, InternalIterator, InternalKey, Kind, SeqNo, TRAILER_BYTES};
use srdb_sst::SstIter;

/// One source of a concatenation with the inclusive range of its user keys.
pub(crate) struct Unit {
    pub(crate) it: UnitIter,
    pub(crate) first: Vec<u8>,
    pub(crate) last: Vec<u8>,
}

impl Unit {
    /// A unit of a source that may take inserts while it is read (a
    /// memtable), holding user keys `first..=last` when the scan began.
    pub(crate) fn clamped(
        it: Box<dyn InternalIterator + Send>,
        first: Vec<u8>,
        last: Vec<u8>,
    ) -> Unit {
        let it = Clamped::new(it, &first, &last);
        Unit { it: UnitIter::Clamped(it), first, last }
    }
}

/// The iterator of one unit.
pub(crate) enum UnitIter {
    /// An SST file.
    Sst(SstIter),
    /// Anything else (a memtable).
    Clamped(Clamped),
}

/// An iterator restricted to the user keys `first..=last`: it never lands
/// outside them, whatever was inserted into its source since they were read.
pub(crate) struct Clamped {
    it: Box<dyn InternalIterator + Send>,
    /// The smallest internal key of `first` and the largest of `last`.
    first: InternalKey,
    last: InternalKey,
}

impl Clamped {
    fn new(it: Box<dyn InternalIterator + Send>, first: &[u8], last: &[u8]) -> Clamped {
        Clamped {
            it,
            first: srdb_key::seek_key(first, srdb_key::MAX_SEQNO),
            last: InternalKey::new(last, SeqNo::MIN, Kind::Delete),
        }
    }

    fn in_bounds(&self, ikey: &[u8]) -> bool {
        srdb_key::compare_internal(ikey, self.first.as_bytes()).is_ge()
            && srdb_key::compare_internal(ikey, self.last.as_bytes()).is_le()
    }
}

impl InternalIterator for Clamped {
    #[inline]
    fn valid(&self) -> bool {
        self.it.valid() && self.in_bounds(self.it.key())
    }
    #[inline]
    fn key(&self) -> &[u8] {
        self.it.key()
    }
    #[inline]
    fn value(&self) -> &[u8] {
        self.it.value()
    }
    fn seek_to_first(&mut self) -> Result<(), BoxError> {
        self.it.seek(self.first.as_bytes())
    }
    fn seek_to_last(&mut self) -> Result<(), BoxError> {
        self.it.seek_for_prev(self.last.as_bytes())
    }
    fn seek(&mut self, target: &[u8]) -> Result<(), BoxError> {
        if srdb_key::compare_internal(target, self.first.as_bytes()).is_lt() {
            self.seek_to_first()
        } else {
            self.it.seek(target)
        }
    }
    fn seek_for_prev(&mut self, target: &[u8]) -> Result<(), BoxError> {
        if srdb_key::compare_internal(target, self.last.as_bytes()).is_gt() {
            self.seek_to_last()
        } else {
            self.it.seek_for_prev(target)
        }
    }
    #[inline]
    fn next(&mut self) -> Result<(), BoxError> {
        self.it.next()
    }
    fn prev(&mut self) -> Result<(), BoxError> {
        self.it.prev()
    }
}

forward_internal_iterator!(UnitIter: Sst, Clamped);

impl UnitIter {
    /// `next` then `valid`; an SST file's step within its block is in line.
    #[inline]
    fn advance(&mut self) -> Result<bool, BoxError> {
        match self {
            UnitIter::Sst(it) => it.advance(),
            UnitIter::Clamped(it) => {
                it.next()?;
                Ok(it.valid())
            }
        }
    }

    /// `key` and `value` in one call.
    #[inline]
    fn entry(&self) -> (&[u8], &[u8]) {
        match self {
            UnitIter::Sst(it) => it.entry(),
            UnitIter::Clamped(it) => (it.key(), it.value()),
        }
    }
}

/// [`srdb_sst::SstIter::scan`] for any iterator, one step at a time.
pub(crate) fn scan_by_steps<E: From<BoxError>>(
    it: &mut impl InternalIterator,
    mut visit: impl FnMut(&[u8], &[u8]) -> Result<ControlFlow<()>, E>,
) -> Result<bool, E> {
    while it.valid() {
        if visit(it.key(), it.value())?.is_break() {
            return Ok(true);
        }
        it.next()?;
    }
    Ok(false)
}

/// Whether `units`, sorted by first key, have pairwise disjoint user-key
/// ranges (each ends strictly before the next begins).
pub(crate) fn disjoint(units: &[Unit]) -> bool {
    units.windows(2).all(|pair| pair[0].last < pair[1].first)
}

/// The concatenation of disjoint units (see the module documentation).
pub(crate) struct Concat {
    units: Vec<Unit>,
    /// The unit positioned on the current entry; `None` when not valid.
    current: Option<usize>,
}

impl Concat {
    /// Concatenates `units`, which must be sorted and disjoint.
    ///
    /// # Panics
    /// If they are not: the caller checks with [`disjoint`].
    pub(crate) fn new(units: Vec<Unit>) -> Concat {
        assert!(disjoint(&units), "concatenated sources must be sorted and disjoint");
        Concat { units, current: None }
    }

    /// From unit `i` on, the first unit with an entry, positioned on it by
    /// `seek_to_first` (unit `i` itself is taken as positioned already).
    fn settle_forward(&mut self, mut i: usize) -> Result<(), BoxError> {
        loop {
            if self.units[i].it.valid() {
                self.current = Some(i);
                return Ok(());
            }
            i += 1;
            if i == self.units.len() {
                self.current = None;
                return Ok(());
            }
            self.units[i].it.seek_to_first()?;
        }
    }

    /// From unit `i` down, the first unit with an entry, positioned on its
    /// last by `seek_to_last` (unit `i` itself is taken as positioned).
    fn settle_backward(&mut self, mut i: usize) -> Result<(), BoxError> {
        loop {
            if self.units[i].it.valid() {
                self.current = Some(i);
                return Ok(());
            }
            if i == 0 {
                self.current = None;
                return Ok(());
            }
            i -= 1;
            self.units[i].it.seek_to_last()?;
        }
    }

    /// Leaves the iterator not valid when `result` is an error.
    fn guard(&mut self, result: Result<(), BoxError>) -> Result<(), BoxError> {
        if result.is_err() {
            self.current = None;
        }
        result
    }

    /// Moves to the next entry and returns whether there is one (`next`
    /// then `valid`).
    ///
    /// # Panics
    /// If the concatenation is not valid.
    #[inline]
    pub(crate) fn advance(&mut self) -> Result<bool, BoxError> {
        let i = self.current.expect("next() called on an iterator that is not valid");
        match self.units[i].it.advance() {
            Ok(true) => Ok(true),
            result => {
                let result = result.and_then(|_| self.next_unit(i));
                self.guard(result)?;
                Ok(self.current.is_some())
            }
        }
    }

    /// The current key and value.
    ///
    /// # Panics
    /// If the concatenation is not valid.
    #[inline]
    pub(crate) fn entry(&self) -> (&[u8], &[u8]) {
        self.unit().it.entry()
    }

    /// [`srdb_sst::SstIter::scan`] over the concatenation: each SST file
    /// is walked block by block, other units step by step.
    pub(crate) fn scan<E: From<BoxError>>(
        &mut self,
        mut visit: impl FnMut(&[u8], &[u8]) -> Result<ControlFlow<()>, E>,
    ) -> Result<bool, E> {
        while let Some(i) = self.current {
            let stopped = match &mut self.units[i].it {
                UnitIter::Sst(it) => it.scan(&mut visit),
                UnitIter::Clamped(it) => scan_by_steps(it, &mut visit),
            };
            match stopped {
                Ok(true) => return Ok(true),
                Ok(false) => {
                    let result = self.next_unit(i);
                    self.guard(result)?;
                }
                Err(e) => {
                    self.current = None;
                    return Err(e);
                }
            }
        }
        Ok(false)
    }

    /// Positions on the first entry of the units after unit `i`, which ran
    /// out.
    #[cold]
    fn next_unit(&mut self, i: usize) -> Result<(), BoxError> {
        if i + 1 == self.units.len() {
            self.current = None;
            return Ok(());
        }
        self.units[i + 1].it.seek_to_first()?;
        self.settle_forward(i + 1)
    }

    #[inline]
    fn unit(&self) -> &Unit {
        &self.units[self.current.expect("the concatenation is positioned")]
    }
}

/// The user key of an internal key (the whole of a malformed short one,
/// which then compares as it would in any source).
fn user_key_of(ikey: &[u8]) -> &[u8] {
    &ikey[..ikey.len().saturating_sub(TRAILER_BYTES)]
}

impl InternalIterator for Concat {
    #[inline]
    fn valid(&self) -> bool {
        self.current.is_some()
    }

    #[inline]
    fn key(&self) -> &[u8] {
        self.unit().it.key()
    }

    #[inline]
    fn value(&self) -> &[u8] {
        self.unit().it.value()
    }

    fn seek_to_first(&mut self) -> Result<(), BoxError> {
        self.current = None;
        if self.units.is_empty() {
            return Ok(());
        }
        let result = self.units[0].it.seek_to_first().and_then(|()| self.settle_forward(0));
        self.guard(result)
    }

    fn seek_to_last(&mut self) -> Result<(), BoxError> {
        self.current = None;
        let Some(last) = self.units.len().checked_sub(1) else { return Ok(()) };
        let result = self.units[last].it.seek_to_last().and_then(|()| self.settle_backward(last));
        self.guard(result)
    }

    fn seek(&mut self, target: &[u8]) -> Result<(), BoxError> {
        self.current = None;
        let user_key = user_key_of(target);
        // The first unit that may hold a key at or after the target.
        let i = self.units.partition_point(|u| u.last.as_slice() < user_key);
        if i == self.units.len() {
            return Ok(());
        }
        let result = self.units[i].it.seek(target).and_then(|()| self.settle_forward(i));
        self.guard(result)
    }

    fn seek_for_prev(&mut self, target: &[u8]) -> Result<(), BoxError> {
        self.current = None;
        let user_key = user_key_of(target);
        // The last unit that may hold a key at or before the target.
        let i = self.units.partition_point(|u| u.first.as_slice() <= user_key);
        let Some(i) = i.checked_sub(1) else { return Ok(()) };
        let result = self.units[i].it.seek_for_prev(target).and_then(|()| self.settle_backward(i));
        self.guard(result)
    }

    #[inline]
    fn next(&mut self) -> Result<(), BoxError> {
        self.advance().map(drop)
    }

    fn prev(&mut self) -> Result<(), BoxError> {
        let i = self.current.expect("prev() called on an iterator that is not valid");
        let result = self.units[i].it.prev().and_then(|()| {
            if self.units[i].it.valid() {
                return Ok(());
            }
            if i == 0 {
                self.current = None;
                return Ok(());
            }
            self.units[i - 1].it.seek_to_last()?;
            self.settle_backward(i - 1)
        });
        self.guard(result)
    }
}

#[cfg(test)]
mod tests {
    use srdb_compaction::VecIterator;
    use srdb_key::{InternalKey, Kind};

    use super::*;

    fn ikey(user_key: &[u8], seqno: u64) -> Vec<u8> {
        InternalKey::new(user_key, seqno, Kind::Put).as_bytes().to_vec()
    }

    /// Units of `(user key, seqno)` entries, the user keys of each unit its
    /// bounds.
    fn units(sources: &[&[(&[u8], u64)]]) -> Vec<Unit> {
        sources
            .iter()
            .map(|entries| {
                let entries: Vec<(Vec<u8>, Vec<u8>)> =
                    entries.iter().map(|(k, s)| (ikey(k, *s), k.to_vec())).collect();
                Unit::clamped(
                    Box::new(VecIterator::new(entries.clone())),
                    entries.first().map(|e| e.1.clone()).unwrap_or_default(),
                    entries.last().map(|e| e.1.clone()).unwrap_or_default(),
                )
            })
            .collect()
    }

    fn forward(it: &mut Concat) -> Vec<Vec<u8>> {
        let mut out = Vec::new();
        while it.valid() {
            out.push(it.key().to_vec());
            it.next().unwrap();
        }
        out
    }

    fn backward(it: &mut Concat) -> Vec<Vec<u8>> {
        let mut out = Vec::new();
        while it.valid() {
            out.push(it.key().to_vec());
            it.prev().unwrap();
        }
        out
    }

    #[test]
    fn concatenation_walks_every_unit_both_ways_and_seeks_across_units() {
        let sources: [&[(&[u8], u64)]; 3] =
            [&[(b"a", 3), (b"a", 1), (b"c", 2)], &[(b"d", 5), (b"f", 4)], &[(b"k", 9)]];
        let all: Vec<Vec<u8>> =
            sources.iter().flat_map(|s| s.iter().map(|(k, seq)| ikey(k, *seq))).collect();
        let mut it = Concat::new(units(&sources));
        it.seek_to_first().unwrap();
        assert_eq!(forward(&mut it), all);
        it.seek_to_last().unwrap();
        let mut reversed = all.clone();
        reversed.reverse();
        assert_eq!(backward(&mut it), reversed);

        // Past the last version of `c`: the next unit's first entry.
        it.seek(&ikey(b"c", 1)).unwrap();
        assert_eq!(it.key(), ikey(b"d", 5));
        // Between units.
        it.seek(&ikey(b"e", 9)).unwrap();
        assert_eq!(it.key(), ikey(b"f", 4));
        it.seek(&ikey(b"z", 9)).unwrap();
        assert!(!it.valid());
        it.seek_for_prev(&ikey(b"e", 9)).unwrap();
        assert_eq!(it.key(), ikey(b"d", 5));
        it.seek_for_prev(&ikey(b"a", 5)).unwrap();
        assert!(!it.valid());
        it.seek_for_prev(&ikey(b"a", 2)).unwrap();
        assert_eq!(it.key(), ikey(b"a", 3));
        it.seek_for_prev(&ikey(b"z", 0)).unwrap();
        assert_eq!(it.key(), ikey(b"k", 9));
    }

    #[test]
    fn empty_units_are_stepped_over() {
        let sources: [&[(&[u8], u64)]; 3] = [&[(b"a", 1)], &[], &[(b"c", 1)]];
        let mut units = units(&sources);
        // An empty unit still claims a range between its neighbours.
        units[1].first = b"b".to_vec();
        units[1].last = b"b".to_vec();
        let mut it = Concat::new(units);
        it.seek_to_first().unwrap();
        assert_eq!(forward(&mut it), vec![ikey(b"a", 1), ikey(b"c", 1)]);
        it.seek_to_last().unwrap();
        assert_eq!(backward(&mut it), vec![ikey(b"c", 1), ikey(b"a", 1)]);
        it.seek(&ikey(b"b", 1)).unwrap();
        assert_eq!(it.key(), ikey(b"c", 1));
    }

    #[test]
    fn keys_a_memtable_took_after_its_bounds_were_read_are_not_stepped_on() {
        // The middle unit's bounds are b..=d; since they were read it took
        // `a` and `e` (newer versions, out of place in the concatenation).
        let entries: Vec<(Vec<u8>, Vec<u8>)> = [(b"a", 9), (b"b", 1), (b"d", 1), (b"e", 9)]
            .iter()
            .map(|(k, s)| (ikey(*k, *s), k.to_vec()))
            .collect();
        let live = Unit::clamped(Box::new(VecIterator::new(entries)), b"b".to_vec(), b"d".to_vec());
        let mut units = units(&[&[(b"0", 1)], &[(b"x", 1)]]);
        units.insert(1, live);
        let expected = [ikey(b"0", 1), ikey(b"b", 1), ikey(b"d", 1), ikey(b"x", 1)];
        let mut it = Concat::new(units);
        it.seek_to_first().unwrap();
        assert_eq!(forward(&mut it), expected);
        it.seek_to_last().unwrap();
        let mut reversed = expected.to_vec();
        reversed.reverse();
        assert_eq!(backward(&mut it), reversed);
        it.seek(&ikey(b"1", 1)).unwrap();
        assert_eq!(it.key(), ikey(b"b", 1));
        it.seek(&ikey(b"d", 0)).unwrap();
        assert_eq!(it.key(), ikey(b"x", 1));
        it.seek_for_prev(&ikey(b"w", 1)).unwrap();
        assert_eq!(it.key(), ikey(b"d", 1));
        it.seek_for_prev(&ikey(b"b", 5)).unwrap();
        assert_eq!(it.key(), ikey(b"0", 1));
    }

    #[test]
    fn overlapping_units_are_not_disjoint() {
        let sources: [&[(&[u8], u64)]; 2] = [&[(b"a", 1), (b"c", 1)], &[(b"c", 2)]];
        assert!(!disjoint(&units(&sources)));
        let sources: [&[(&[u8], u64)]; 2] = [&[(b"a", 1), (b"b", 1)], &[(b"c", 2)]];
        assert!(disjoint(&units(&sources)));
    }
}

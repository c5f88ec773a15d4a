//! The k-way merging iterator over memtables, SST files and levels.
//!
//! Each child is a sorted source; the merging iterator yields the union of
//! their entries in [`compare_internal`] order. The children that still have
//! entries sit in a binary heap keyed by their current entry: a min-heap while
//! moving forward and a max-heap while moving backward, so one step over `k`
//! sources costs `O(log k)` key comparisons.
//!
//! Ties. Sources are given newest first. If two sources hold an identical
//! internal key (it cannot happen in a healthy database, but can after a
//! repair), both entries are yielded and the newer source's entry comes first
//! going forward. Formally the merge orders `(key, source index)` pairs, and
//! iterating backward yields exactly the reverse of iterating forward.
//!
//! Direction changes follow LevelDB's `MergingIterator`: when `next` follows a
//! `prev` (or the reverse), every child other than the current one is
//! re-positioned relative to the current entry, because while moving in one
//! direction the other children stand on the wrong side of it.

use std::cmp::Ordering;

use srdb_key::{compare_internal, BoxError, InternalIterator};

/// A sorted source the merging and level iterators accept.
pub type BoxedIterator = Box<dyn InternalIterator + Send>;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Direction {
    Forward,
    Backward,
}

/// The union of several sorted sources, itself an [`InternalIterator`].
///
/// Invariants: every index in `heap` names a valid child; while moving
/// forward every valid child stands on the smallest of its entries ordered
/// after the current `(key, index)` pair (the reverse while moving backward),
/// and the heap root is the current entry. Each child must yield keys in
/// strictly increasing internal-key order.
pub struct MergingIterator {
    children: Vec<BoxedIterator>,
    heap: Vec<usize>,
    direction: Direction,
}

impl MergingIterator {
    /// Merges `children`, given newest first. The result is not positioned:
    /// call one of the seek methods before reading.
    pub fn new(children: Vec<BoxedIterator>) -> Self {
        let capacity = children.len();
        MergingIterator {
            children,
            heap: Vec::with_capacity(capacity),
            direction: Direction::Forward,
        }
    }

    /// How many sources this iterator merges.
    pub fn num_sources(&self) -> usize {
        self.children.len()
    }

    fn current(&self) -> usize {
        assert!(self.valid(), "merging iterator used while not valid");
        self.heap[0]
    }

    /// Runs `op` on every child, then rebuilds the heap for `direction`.
    fn position_all(
        &mut self,
        direction: Direction,
        mut op: impl FnMut(&mut BoxedIterator) -> Result<(), BoxError>,
    ) -> Result<(), BoxError> {
        self.heap.clear();
        self.direction = direction;
        for child in &mut self.children {
            op(child)?;
        }
        self.rebuild_heap();
        Ok(())
    }

    fn rebuild_heap(&mut self) {
        self.heap.clear();
        self.heap.extend((0..self.children.len()).filter(|&i| self.children[i].valid()));
        for pos in (0..self.heap.len() / 2).rev() {
            self.sift_down(pos);
        }
    }

    /// Whether child `a` belongs nearer the heap root than child `b`.
    fn precedes(&self, a: usize, b: usize) -> bool {
        let order =
            compare_internal(self.children[a].key(), self.children[b].key()).then(a.cmp(&b));
        match self.direction {
            Direction::Forward => order == Ordering::Less,
            Direction::Backward => order == Ordering::Greater,
        }
    }

    fn sift_down(&mut self, mut pos: usize) {
        let len = self.heap.len();
        loop {
            let left = 2 * pos + 1;
            if left >= len {
                return;
            }
            let right = left + 1;
            let mut best = left;
            if right < len && self.precedes(self.heap[right], self.heap[left]) {
                best = right;
            }
            if !self.precedes(self.heap[best], self.heap[pos]) {
                return;
            }
            self.heap.swap(pos, best);
            pos = best;
        }
    }

    /// Restores the heap after the root child moved: drops it if exhausted.
    fn fix_root(&mut self) {
        let root = self.heap[0];
        if !self.children[root].valid() {
            self.heap.swap_remove(0);
        }
        if !self.heap.is_empty() {
            self.sift_down(0);
        }
    }

    /// Puts every child other than the current one just after the current
    /// `(key, index)` pair in forward order.
    fn turn_forward(&mut self) -> Result<(), BoxError> {
        let current = self.current();
        let key = self.children[current].key().to_vec();
        self.heap.clear();
        for (i, child) in self.children.iter_mut().enumerate() {
            if i == current {
                continue;
            }
            child.seek(&key)?;
            // An identical key in an older source (larger index) comes after
            // the current entry; in a newer one it came before.
            if i < current && child.valid() && compare_internal(child.key(), &key).is_eq() {
                child.next()?;
            }
        }
        self.direction = Direction::Forward;
        // The current child is now the root. (Unless a child broke its seek
        // contract; the merge then yields keys out of order, which the
        // version filter and `write_ssts` report as errors.)
        self.rebuild_heap();
        Ok(())
    }

    /// Puts every child other than the current one just before the current
    /// `(key, index)` pair in forward order.
    fn turn_backward(&mut self) -> Result<(), BoxError> {
        let current = self.current();
        let key = self.children[current].key().to_vec();
        self.heap.clear();
        for (i, child) in self.children.iter_mut().enumerate() {
            if i == current {
                continue;
            }
            child.seek_for_prev(&key)?;
            if i > current && child.valid() && compare_internal(child.key(), &key).is_eq() {
                child.prev()?;
            }
        }
        self.direction = Direction::Backward;
        self.rebuild_heap();
        Ok(())
    }

    /// Leaves the iterator invalid when `result` is an error.
    fn or_invalidate(&mut self, result: Result<(), BoxError>) -> Result<(), BoxError> {
        if result.is_err() {
            self.heap.clear();
        }
        result
    }
}

impl InternalIterator for MergingIterator {
    fn valid(&self) -> bool {
        !self.heap.is_empty()
    }

    fn key(&self) -> &[u8] {
        self.children[self.current()].key()
    }

    fn value(&self) -> &[u8] {
        self.children[self.current()].value()
    }

    fn seek_to_first(&mut self) -> Result<(), BoxError> {
        let result = self.position_all(Direction::Forward, |c| c.seek_to_first());
        self.or_invalidate(result)
    }

    fn seek_to_last(&mut self) -> Result<(), BoxError> {
        let result = self.position_all(Direction::Backward, |c| c.seek_to_last());
        self.or_invalidate(result)
    }

    fn seek(&mut self, target: &[u8]) -> Result<(), BoxError> {
        let result = self.position_all(Direction::Forward, |c| c.seek(target));
        self.or_invalidate(result)
    }

    fn seek_for_prev(&mut self, target: &[u8]) -> Result<(), BoxError> {
        let result = self.position_all(Direction::Backward, |c| c.seek_for_prev(target));
        self.or_invalidate(result)
    }

    fn next(&mut self) -> Result<(), BoxError> {
        let current = self.current();
        let result = (|| {
            if self.direction != Direction::Forward {
                self.turn_forward()?;
            }
            self.children[current].next()
        })();
        self.or_invalidate(result)?;
        self.fix_root();
        Ok(())
    }

    fn prev(&mut self) -> Result<(), BoxError> {
        let current = self.current();
        let result = (|| {
            if self.direction != Direction::Backward {
                self.turn_backward()?;
            }
            self.children[current].prev()
        })();
        self.or_invalidate(result)?;
        self.fix_root();
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    use proptest::prelude::*;
    use srdb_key::Kind;

    use super::*;
    use crate::testing::{check_against_model, ikey, ops, user_key, Entry, ScriptedIterator};
    use crate::VecIterator;

    /// Up to 6 sources of distinct (user key, seqno, kind) versions; the same
    /// internal key may appear in several sources.
    fn sources() -> impl Strategy<Value = Vec<Vec<Entry>>> {
        let version = (user_key(), 0u64..10, prop::bool::ANY);
        let source = prop::collection::btree_set(version, 0..20);
        prop::collection::vec(source, 0..6).prop_map(
            |sources: Vec<BTreeSet<(Vec<u8>, u64, bool)>>| {
                sources
                    .into_iter()
                    .enumerate()
                    .map(|(i, versions)| {
                        versions
                            .into_iter()
                            .map(|(k, s, put)| {
                                let kind = if put { Kind::Put } else { Kind::Delete };
                                (ikey(&k, s, kind), vec![i as u8])
                            })
                            .collect()
                    })
                    .collect()
            },
        )
    }

    /// The model: all entries ordered by key, then by source (newest first).
    fn model(sources: &[Vec<Entry>]) -> Vec<Entry> {
        let mut all: Vec<(usize, Entry)> = sources
            .iter()
            .enumerate()
            .flat_map(|(i, s)| s.iter().map(move |e| (i, e.clone())))
            .collect();
        all.sort_by(|(ia, a), (ib, b)| compare_internal(&a.0, &b.0).then(ia.cmp(ib)));
        all.into_iter().map(|(_, e)| e).collect()
    }

    fn merging(sources: &[Vec<Entry>]) -> MergingIterator {
        MergingIterator::new(
            sources
                .iter()
                .map(|s| Box::new(VecIterator::new(s.clone())) as BoxedIterator)
                .collect(),
        )
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(256))]

        #[test]
        fn merging_matches_sorted_union_under_random_moves(sources in sources(), ops in ops()) {
            let mut iter = merging(&sources);
            check_against_model(&mut iter, &model(&sources), &ops)?;
        }

        #[test]
        fn backward_scan_is_forward_scan_reversed(sources in sources()) {
            let mut iter = merging(&sources);
            let mut forward = Vec::new();
            iter.seek_to_first().unwrap();
            while iter.valid() {
                forward.push((iter.key().to_vec(), iter.value().to_vec()));
                iter.next().unwrap();
            }
            let mut backward = Vec::new();
            iter.seek_to_last().unwrap();
            while iter.valid() {
                backward.push((iter.key().to_vec(), iter.value().to_vec()));
                iter.prev().unwrap();
            }
            backward.reverse();
            prop_assert_eq!(&forward, &model(&sources));
            prop_assert_eq!(forward, backward);
        }
    }

    #[test]
    fn identical_keys_yield_newer_source_first_in_both_directions() {
        let k = ikey(b"k", 5, Kind::Put);
        let sources = vec![vec![(k.clone(), b"new".to_vec())], vec![(k.clone(), b"old".to_vec())]];
        let mut iter = merging(&sources);
        iter.seek_to_first().unwrap();
        assert_eq!(iter.value(), b"new");
        iter.next().unwrap();
        assert_eq!(iter.value(), b"old");
        // Turning around on the older entry must come back to the newer one.
        iter.prev().unwrap();
        assert_eq!(iter.value(), b"new");
        iter.prev().unwrap();
        assert!(!iter.valid());
        iter.seek_for_prev(&k).unwrap();
        assert_eq!(iter.value(), b"old");
        iter.next().unwrap();
        assert!(!iter.valid());
    }

    #[test]
    fn child_error_is_returned_and_leaves_iterator_invalid() {
        let entries = vec![(ikey(b"a", 1, Kind::Put), vec![]), (ikey(b"b", 1, Kind::Put), vec![])];
        let healthy = Box::new(VecIterator::new(vec![(ikey(b"c", 1, Kind::Put), vec![])]));
        // Step 0 is the seek, step 1 the first next.
        let failing = Box::new(ScriptedIterator::new(entries.clone(), Some(1)));
        let mut iter = MergingIterator::new(vec![healthy, failing]);
        iter.seek_to_first().unwrap();
        assert_eq!(iter.key(), &entries[0].0[..]);
        let err = iter.next().unwrap_err();
        assert_eq!(err.to_string(), "injected read failure");
        assert!(!iter.valid());

        let failing = Box::new(ScriptedIterator::new(entries, Some(0)));
        let mut iter = MergingIterator::new(vec![failing]);
        assert!(iter.seek_to_last().is_err());
        assert!(!iter.valid());
    }

    /// Counts calls of `key`, the unit of work of a merge step.
    struct Counting {
        inner: VecIterator,
        key_calls: std::sync::Arc<std::sync::atomic::AtomicUsize>,
    }

    impl InternalIterator for Counting {
        fn valid(&self) -> bool {
            self.inner.valid()
        }
        fn key(&self) -> &[u8] {
            self.key_calls.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            self.inner.key()
        }
        fn value(&self) -> &[u8] {
            self.inner.value()
        }
        fn seek_to_first(&mut self) -> Result<(), BoxError> {
            self.inner.seek_to_first()
        }
        fn seek_to_last(&mut self) -> Result<(), BoxError> {
            self.inner.seek_to_last()
        }
        fn seek(&mut self, target: &[u8]) -> Result<(), BoxError> {
            self.inner.seek(target)
        }
        fn seek_for_prev(&mut self, target: &[u8]) -> Result<(), BoxError> {
            self.inner.seek_for_prev(target)
        }
        fn next(&mut self) -> Result<(), BoxError> {
            self.inner.next()
        }
        fn prev(&mut self) -> Result<(), BoxError> {
            self.inner.prev()
        }
    }

    /// A step over 64 sources must cost O(log 64) key comparisons, not 64.
    /// The sources interleave so that every step sinks the root to a leaf,
    /// the worst case: 2 comparisons (4 key reads) on each of the 5 levels
    /// above the leaves of a 64-entry heap. The bound allows one more level
    /// for the amortised cost of the direction change.
    #[test]
    fn a_step_costs_logarithmic_comparisons() {
        let k = 64u64;
        let key_calls = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
        // Source i holds keys i, i + k, i + 2k...: every step changes source.
        let children: Vec<BoxedIterator> = (0..k)
            .map(|i| {
                let entries = (0..20u64)
                    .map(|j| (ikey(format!("{:06}", i + j * k).as_bytes(), 1, Kind::Put), vec![]))
                    .collect();
                let inner = VecIterator::new(entries);
                Box::new(Counting { inner, key_calls: key_calls.clone() }) as BoxedIterator
            })
            .collect();
        let mut iter = MergingIterator::new(children);
        iter.seek_to_first().unwrap();
        let steps = 1000;
        for _ in 0..steps {
            iter.next().unwrap();
        }
        for _ in 0..steps {
            iter.prev().unwrap();
        }
        key_calls.store(0, std::sync::atomic::Ordering::Relaxed);
        for _ in 0..steps {
            iter.next().unwrap();
        }
        let per_step = key_calls.load(std::sync::atomic::Ordering::Relaxed) / steps;
        assert!(per_step <= 4 * 6, "{per_step} key reads per step over {k} sources");
    }

    #[test]
    fn iterators_can_move_to_another_thread() {
        fn assert_send<T: Send>() {}
        assert_send::<MergingIterator>();
        assert_send::<crate::LevelIterator>();
        assert_send::<crate::VersionFilter<MergingIterator>>();
    }

    #[test]
    fn no_sources_is_empty() {
        let mut iter = MergingIterator::new(Vec::new());
        iter.seek_to_first().unwrap();
        assert!(!iter.valid());
        iter.seek_for_prev(&ikey(b"z", 0, Kind::Put)).unwrap();
        assert!(!iter.valid());
    }
}

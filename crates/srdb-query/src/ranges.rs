//! Sets of values as sorted, disjoint intervals, for the planner: the
//! values a conjunction of conditions admits is the intersection of the sets
//! each admits, and an `OR` of index scans on one field is their union
//! ([`RangeSet::from_intervals`] of all their intervals).

use std::cmp::Ordering;
use std::ops::Bound;

/// An interval: start and end bounds.
pub(crate) type Interval<T> = (Bound<T>, Bound<T>);

/// A set of values: intervals sorted by start, non-empty, and separated by
/// gaps (touching intervals are merged).
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct RangeSet<T> {
    intervals: Vec<Interval<T>>,
}

/// Orders start bounds: `Unbounded` first, `Included(x)` before
/// `Excluded(x)`.
fn cmp_start<T: Ord>(a: &Bound<T>, b: &Bound<T>) -> Ordering {
    use Bound::{Excluded, Included, Unbounded};
    match (a, b) {
        (Unbounded, Unbounded) => Ordering::Equal,
        (Unbounded, _) => Ordering::Less,
        (_, Unbounded) => Ordering::Greater,
        (Included(x), Included(y)) | (Excluded(x), Excluded(y)) => x.cmp(y),
        (Included(x), Excluded(y)) => x.cmp(y).then(Ordering::Less),
        (Excluded(x), Included(y)) => x.cmp(y).then(Ordering::Greater),
    }
}

/// Orders end bounds: `Excluded(x)` before `Included(x)`, `Unbounded` last.
fn cmp_end<T: Ord>(a: &Bound<T>, b: &Bound<T>) -> Ordering {
    use Bound::{Excluded, Included, Unbounded};
    match (a, b) {
        (Unbounded, Unbounded) => Ordering::Equal,
        (Unbounded, _) => Ordering::Greater,
        (_, Unbounded) => Ordering::Less,
        (Included(x), Included(y)) | (Excluded(x), Excluded(y)) => x.cmp(y),
        (Included(x), Excluded(y)) => x.cmp(y).then(Ordering::Greater),
        (Excluded(x), Included(y)) => x.cmp(y).then(Ordering::Less),
    }
}

/// Whether nothing lies between `end` and a later `start`: the intervals
/// they close and open overlap or touch.
fn touches<T: Ord>(end: &Bound<T>, start: &Bound<T>) -> bool {
    use Bound::{Excluded, Included, Unbounded};
    match (end, start) {
        (Unbounded, _) | (_, Unbounded) => true,
        (Excluded(e), Excluded(s)) => e > s,
        (Included(e), Included(s)) | (Included(e), Excluded(s)) | (Excluded(e), Included(s)) => {
            e >= s
        }
    }
}

/// Whether an interval holds no value (for a dense order; on integers an
/// interval such as `(3, 4)` counts as non-empty, which costs only a useless
/// seek).
pub(crate) fn is_empty<T: Ord>(interval: &Interval<T>) -> bool {
    use Bound::{Excluded, Included, Unbounded};
    match interval {
        (Unbounded, _) | (_, Unbounded) => false,
        (Included(s), Included(e)) => s > e,
        (Included(s), Excluded(e)) | (Excluded(s), Included(e)) | (Excluded(s), Excluded(e)) => {
            s >= e
        }
    }
}

impl<T: Ord + Clone> RangeSet<T> {
    /// The union of `intervals`, normalised.
    pub(crate) fn from_intervals(intervals: impl IntoIterator<Item = Interval<T>>) -> Self {
        let mut intervals: Vec<_> = intervals.into_iter().filter(|i| !is_empty(i)).collect();
        intervals.sort_by(|a, b| cmp_start(&a.0, &b.0));
        // Merged in place: an interval that touches the one kept before it
        // extends that one's end if it reaches further, and is dropped.
        intervals.dedup_by(|next, kept| {
            if !touches(&kept.1, &next.0) {
                return false;
            }
            if cmp_end(&next.1, &kept.1).is_gt() {
                std::mem::swap(&mut kept.1, &mut next.1);
            }
            true
        });
        RangeSet { intervals }
    }

    /// The intervals, sorted and disjoint.
    #[cfg(test)]
    pub(crate) fn intervals(&self) -> &[Interval<T>] {
        &self.intervals
    }

    pub(crate) fn into_intervals(self) -> Vec<Interval<T>> {
        self.intervals
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.intervals.is_empty()
    }

    pub(crate) fn is_full(&self) -> bool {
        matches!(self.intervals.as_slice(), [(Bound::Unbounded, Bound::Unbounded)])
    }

    /// The values in both sets.
    pub(crate) fn intersect(&self, other: &Self) -> Self {
        let mut out = Vec::new();
        for a in &self.intervals {
            for b in &other.intervals {
                let start = if cmp_start(&a.0, &b.0).is_ge() { &a.0 } else { &b.0 };
                let end = if cmp_end(&a.1, &b.1).is_le() { &a.1 } else { &b.1 };
                out.push((start.clone(), end.clone()));
            }
        }
        RangeSet::from_intervals(out)
    }

    /// The smallest interval holding the whole set (`None` if it is empty).
    pub(crate) fn hull(&self) -> Option<Interval<T>> {
        let first = self.intervals.first()?;
        let last = self.intervals.last()?;
        Some((first.0.clone(), last.1.clone()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use Bound::{Excluded, Included, Unbounded};

    fn contains(set: &RangeSet<i32>, x: i32) -> bool {
        set.intervals().iter().any(|(s, e)| {
            let after = match s {
                Included(v) => x >= *v,
                Excluded(v) => x > *v,
                Unbounded => true,
            };
            let before = match e {
                Included(v) => x <= *v,
                Excluded(v) => x < *v,
                Unbounded => true,
            };
            after && before
        })
    }

    fn bound(kind: u8, v: i32) -> Bound<i32> {
        match kind % 3 {
            0 => Included(v),
            1 => Excluded(v),
            _ => Unbounded,
        }
    }

    #[test]
    fn union_and_intersection_agree_with_membership() {
        // Every combination of small intervals, checked point by point.
        let mut intervals = Vec::new();
        for ks in 0..3 {
            for ke in 0..3 {
                for s in 0..4 {
                    for e in 0..4 {
                        intervals.push((bound(ks, s), bound(ke, e)));
                    }
                }
            }
        }
        for a in intervals.iter().step_by(5) {
            for b in intervals.iter().step_by(3) {
                let sa = RangeSet::from_intervals([*a]);
                let sb = RangeSet::from_intervals([*b]);
                let inter = sa.intersect(&sb);
                let uni = RangeSet::from_intervals([*a, *b]);
                for x in -1..6 {
                    assert_eq!(contains(&inter, x), contains(&sa, x) && contains(&sb, x));
                    assert_eq!(contains(&uni, x), contains(&sa, x) || contains(&sb, x));
                }
                let sorted = uni.intervals().windows(2).all(|w| !touches(&w[0].1, &w[1].0));
                assert!(sorted, "{uni:?} is not normalised");
            }
        }
    }
}

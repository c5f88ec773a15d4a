//! Time-bounded scans: which sources of a keyspace can hold a put whose time
//! lies in `[low, high]`, so that an iterator reads only those.
//!
//! A keyspace with a [`TimeSource`] knows the time of every put. Each SST
//! file records the range of its puts' times, whether it holds tombstones,
//! and whether its puts' times never decrease in key order (see
//! `docs/format/sst.md`). Two savings follow, both exact:
//!
//! * **Narrowing.** The puts of a time range lie in one run of keys in a
//!   time-ordered file, found by binary search over the file's keys; in
//!   another file they lie somewhere in its key range; a file whose time range
//!   misses the query holds none. The scan reads only the hull of these key
//!   ranges (and of every memtable's, which record no time). A visible row in
//!   range is the newest version of its key, a put in some source, so it lies
//!   in that source's part of the hull.
//! * **Skipping.** Inside that hull, a file whose time range misses the query
//!   and that holds no tombstone is not merged. Its puts would be filtered out
//!   anyway, but it may hold a newer version of a key whose older version in
//!   another source is in range; so each key about to be yielded is looked up
//!   (bloom filter first) in the skipped files that cover it, and dropped if
//!   one holds a newer version. Files that hold tombstones, files that do not
//!   record their tombstones (SST format 1) and files without a time range are
//!   never skipped, and memtables never are.

use std::cmp::Ordering;
use std::ops::{Bound, RangeBounds};
use std::sync::Arc;

use srdb_key::{seek_key, InternalIterator, Kind, SeqNo};

use crate::error::{Error, Result};
use crate::options::TimeSource;
use crate::tables::Table;

/// Tombstones a binary-search probe steps over to find a put before it gives
/// up and takes the file's whole key range (a bound on the work of one
/// probe; the answer stays exact either way).
const MAX_PROBE_TOMBSTONES: usize = 4096;

/// Bisection steps of one probe before it gives up and takes the file's
/// whole key range: 64 steps resolve any 8-byte key (a table's `_seq`); long
/// keys that share a long prefix may need more.
const MAX_BISECTION_STEPS: usize = 128;

/// The inclusive time range of a scan and where values carry their time.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct TimeFilter {
    pub(crate) low: i64,
    pub(crate) high: i64,
    pub(crate) source: TimeSource,
}

impl TimeFilter {
    /// The filter of `range`, or `None` when the range is empty.
    pub(crate) fn new(range: &impl RangeBounds<i64>, source: TimeSource) -> Option<TimeFilter> {
        let low = match range.start_bound() {
            Bound::Included(&t) => t,
            Bound::Excluded(&t) => t.checked_add(1)?,
            Bound::Unbounded => i64::MIN,
        };
        let high = match range.end_bound() {
            Bound::Included(&t) => t,
            Bound::Excluded(&t) => t.checked_sub(1)?,
            Bound::Unbounded => i64::MAX,
        };
        (low <= high).then_some(TimeFilter { low, high, source })
    }

    /// The time of a put's value, if it has one.
    pub(crate) fn time_of(&self, value: &[u8]) -> Option<i64> {
        match self.source {
            TimeSource::None => None,
            TimeSource::ValuePrefixI64 => {
                Some(i64::from_le_bytes(value.get(..8)?.try_into().ok()?))
            }
        }
    }

    /// Whether a put with this value is in range.
    pub(crate) fn admits(&self, value: &[u8]) -> bool {
        self.time_of(value).is_some_and(|t| (self.low..=self.high).contains(&t))
    }

    /// Whether no put of a file with this time range can be in range; a file
    /// without a time range has no put with a time.
    fn misses(&self, file_range: Option<(i64, i64)>) -> bool {
        file_range.is_none_or(|(min, max)| max < self.low || min > self.high)
    }

    /// Whether a scan may leave `t` out of its merge (see the module doc).
    pub(crate) fn may_skip(&self, t: &Table) -> bool {
        t.meta.time_range.is_some()
            && self.misses(t.meta.time_range)
            && t.sst.summary().tombstones == Some(0)
    }

    /// The user keys between which `t` may hold a put in range (both
    /// inclusive), or `None` when it holds none.
    pub(crate) fn candidate_keys(&self, t: &Table) -> Result<Option<(Vec<u8>, Vec<u8>)>> {
        if self.misses(t.meta.time_range) {
            return Ok(None);
        }
        let whole = (t.meta.smallest.user_key().to_vec(), t.meta.largest.user_key().to_vec());
        if !t.sst.summary().time_ordered {
            return Ok(Some(whole));
        }
        let mut probe = Probe { it: t.sst.iter(), filter: self };
        let Some(first) = probe.first_put_reaching(self.low, &whole)? else {
            return Ok(Some(whole));
        };
        let Some((first_key, first_time)) = first else { return Ok(None) };
        if first_time > self.high {
            return Ok(None);
        }
        let last_key = match self.high.checked_add(1) {
            // The first put past the range bounds it (inclusive: older
            // versions of that key come after it, and one may be in range).
            Some(past) => match probe.first_put_reaching(past, &whole)? {
                Some(Some((key, _))) => key,
                Some(None) | None => whole.1,
            },
            None => whole.1,
        };
        Ok(Some((first_key, last_key)))
    }
}

/// Binary search over the keys of one time-ordered file.
struct Probe<'a> {
    it: srdb_sst::SstIter,
    filter: &'a TimeFilter,
}

/// A put found by a probe: its user key and time.
type Found = Option<(Vec<u8>, i64)>;

impl Probe<'_> {
    /// The first put at or after user key `key`: `Some(None)` when there is
    /// none, `None` when too many tombstones stood in the way.
    fn first_put_from(&mut self, key: &[u8]) -> Result<Option<Found>> {
        self.it.seek(seek_key(key, srdb_key::MAX_SEQNO).as_bytes()).map_err(Error::Iter)?;
        self.first_put_here()
    }

    fn first_put_here(&mut self) -> Result<Option<Found>> {
        let mut tombstones = 0;
        while self.it.valid() {
            let p = srdb_key::parse(self.it.key()).map_err(|e| Error::Iter(Box::new(e)))?;
            if p.kind == Kind::Put {
                let Some(time) = self.filter.time_of(self.it.value()) else {
                    // The file says every put has a time.
                    return Err(Error::Iter("a put of a time-ordered file has no time".into()));
                };
                return Ok(Some(Some((p.user_key.to_vec(), time))));
            }
            tombstones += 1;
            if tombstones > MAX_PROBE_TOMBSTONES {
                return Ok(None);
            }
            self.it.next().map_err(Error::Iter)?;
        }
        Ok(Some(None))
    }

    /// The first put whose time is at least `time`, searching the file whose
    /// user keys lie in `whole`. Puts' times never decrease in key order, so
    /// "the first put at or after key k has time >= `time`" is false, then
    /// true as k grows: bisect the keys, then step to the put.
    fn first_put_reaching(
        &mut self,
        time: i64,
        whole: &(Vec<u8>, Vec<u8>),
    ) -> Result<Option<Found>> {
        let reaches = |found: &Found| found.as_ref().is_none_or(|(_, t)| *t >= time);
        // `below`: a key whose first put is earlier than `time`.
        let mut below = whole.0.clone();
        match self.first_put_from(&below)? {
            None => return Ok(None),
            Some(found) if reaches(&found) => return Ok(Some(found)),
            Some(_) => {}
        }
        let mut above = whole.1.clone();
        let mut steps = 0;
        while let Some(mid) = midpoint(&below, &above) {
            steps += 1;
            if steps > MAX_BISECTION_STEPS {
                return Ok(None);
            }
            match self.first_put_from(&mid)? {
                None => return Ok(None),
                Some(found) if reaches(&found) => above = mid,
                Some(_) => below = mid,
            }
        }
        // No key lies strictly between the two: step from `below` over the
        // few puts still earlier than `time`.
        match self.first_put_from(&below)? {
            None => return Ok(None),
            Some(found) if reaches(&found) => return Ok(Some(found)),
            Some(_) => {}
        }
        loop {
            self.it.next().map_err(Error::Iter)?;
            match self.first_put_here()? {
                None => return Ok(None),
                Some(found) if reaches(&found) => return Ok(Some(found)),
                Some(_) => {}
            }
        }
    }
}

/// A key strictly between `low` and `high` (`low < high`), about halfway as
/// big-endian numbers of the longer length (the shorter padded with zero
/// bytes), or `None` when no such key of that length exists.
fn midpoint(low: &[u8], high: &[u8]) -> Option<Vec<u8>> {
    let len = low.len().max(high.len());
    let byte = |k: &[u8], i: usize| u16::from(k.get(i).copied().unwrap_or(0));
    // Sum as big-endian numbers, with the carry out of the first byte.
    let mut sum = vec![0u16; len];
    let mut carry = 0u16;
    for i in (0..len).rev() {
        let s = byte(low, i) + byte(high, i) + carry;
        sum[i] = s & 0xFF;
        carry = s >> 8;
    }
    // Halve, shifting the carry in from the top.
    let mut mid = Vec::with_capacity(len);
    let mut rest = carry;
    for s in sum {
        let v = (rest << 8) | s;
        mid.push((v >> 1) as u8);
        rest = v & 1;
    }
    let padded_low: Vec<u8> = (0..len).map(|i| byte(low, i) as u8).collect();
    (mid.as_slice().cmp(&padded_low) == Ordering::Greater && mid.as_slice() < high).then_some(mid)
}

/// Whether a skipped file holds a version of `key` newer than `seqno` and
/// visible at `snapshot`: then the newest version of `key` is out of range
/// (a put outside the time range; skipped files hold no tombstone).
pub(crate) fn shadowed(
    skipped: &[Arc<Table>],
    key: &[u8],
    seqno: SeqNo,
    snapshot: SeqNo,
) -> Result<bool> {
    for t in skipped {
        if key < t.meta.smallest.user_key() || key > t.meta.largest.user_key() {
            continue;
        }
        if let Some(hit) = t.sst.get(key, snapshot)? {
            if hit.seqno > seqno {
                return Ok(true);
            }
        }
    }
    Ok(false)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn midpoints_lie_strictly_between() {
        let seq = |n: u64| n.to_be_bytes().to_vec();
        assert_eq!(midpoint(&seq(10), &seq(20)), Some(seq(15)));
        assert_eq!(midpoint(&seq(10), &seq(11)), None);
        assert_eq!(midpoint(&seq(u64::MAX - 2), &seq(u64::MAX)), Some(seq(u64::MAX - 1)));
        assert_eq!(midpoint(b"a", b"c"), Some(b"b".to_vec()));
        assert_eq!(midpoint(b"a", b"b"), None);
        let mid = midpoint(b"a", b"a\x10").unwrap();
        assert!(b"a".as_slice() < mid.as_slice() && mid.as_slice() < b"a\x10".as_slice());
        assert_eq!(midpoint(b"", b"\x02"), Some(vec![1]));
    }

    #[test]
    fn empty_ranges_have_no_filter() {
        let s = TimeSource::ValuePrefixI64;
        assert_eq!(TimeFilter::new(&(5..5), s), None);
        assert_eq!(TimeFilter::new(&(i64::MAX..), s).map(|f| f.low), Some(i64::MAX));
        assert_eq!(TimeFilter::new(&(Bound::Excluded(i64::MAX), Bound::Unbounded), s), None);
        assert_eq!(
            TimeFilter::new(&(..), s),
            Some(TimeFilter { low: i64::MIN, high: i64::MAX, source: s })
        );
        let f = TimeFilter::new(&(-3..7), s).unwrap();
        assert_eq!((f.low, f.high), (-3, 6));
        assert!(f.admits(&(-3i64).to_le_bytes()) && !f.admits(&7i64.to_le_bytes()));
        assert!(!f.admits(b"short"));
    }
}

//! Ranges of index keys that cover the rows matching a condition.
//!
//! Every index key is `encode(value) ++ seq` and encodings are prefix-free,
//! so the keys of one value `v` are exactly those from `encode(v) ++ 00*8` to
//! `encode(v) ++ FF*8`, and the keys of every value in an interval lie
//! between the first key of its lower end and the last key of its upper end.
//! Ranges that concern values (everything but [`range_null`]) exclude NULL, as
//! a comparison with NULL matches nothing.

use std::ops::Bound;

use srdb_schema::Value;

use crate::encode::{encoded, put_escaped_prefix, TAG_NULL, TAG_VALUE};
use crate::limits::SEQ_BYTES;

/// A range of index keys: start and end bounds, as byte strings. A tuple of
/// bounds is a [`std::ops::RangeBounds`], so it can be given to a sorted map's
/// `range` directly, after checking [`range_is_empty`] (a map may panic on a
/// range whose start is after its end).
pub type KeyRange = (Bound<Vec<u8>>, Bound<Vec<u8>>);

/// The smallest key of all rows holding `value`.
fn first_key(value: &Value) -> Vec<u8> {
    let mut key = encoded(value);
    key.extend_from_slice(&[0x00; SEQ_BYTES]);
    key
}

/// The largest key of all rows holding `value`.
fn last_key(value: &Value) -> Vec<u8> {
    let mut key = encoded(value);
    key.extend_from_slice(&[0xFF; SEQ_BYTES]);
    key
}

/// The first key after every non-NULL value.
fn past_values() -> Vec<u8> {
    vec![TAG_VALUE + 1]
}

/// The keys of rows whose value lies between `start` and `end`, each bound
/// inclusive, exclusive or absent. NULL is never inside: an absent start
/// begins at the smallest non-NULL value.
pub fn value_range(start: Bound<&Value>, end: Bound<&Value>) -> KeyRange {
    let start = match start {
        Bound::Included(v) => Bound::Included(first_key(v)),
        Bound::Excluded(v) => Bound::Excluded(last_key(v)),
        Bound::Unbounded => Bound::Included(vec![TAG_VALUE]),
    };
    let end = match end {
        Bound::Included(v) => Bound::Included(last_key(v)),
        Bound::Excluded(v) => Bound::Excluded(first_key(v)),
        Bound::Unbounded => Bound::Excluded(past_values()),
    };
    (start, end)
}

/// The keys of rows holding `value` (all `_seq`s).
pub fn range_eq(value: &Value) -> KeyRange {
    value_range(Bound::Included(value), Bound::Included(value))
}

/// The keys of rows whose value is greater than `value`.
pub fn range_gt(value: &Value) -> KeyRange {
    value_range(Bound::Excluded(value), Bound::Unbounded)
}

/// The keys of rows whose value is greater than or equal to `value`.
pub fn range_gte(value: &Value) -> KeyRange {
    value_range(Bound::Included(value), Bound::Unbounded)
}

/// The keys of rows whose value is less than `value` (NULL excluded).
pub fn range_lt(value: &Value) -> KeyRange {
    value_range(Bound::Unbounded, Bound::Excluded(value))
}

/// The keys of rows whose value is less than or equal to `value` (NULL
/// excluded).
pub fn range_lte(value: &Value) -> KeyRange {
    value_range(Bound::Unbounded, Bound::Included(value))
}

/// The keys of rows whose value lies in `low..=high`.
pub fn range_between(low: &Value, high: &Value) -> KeyRange {
    value_range(Bound::Included(low), Bound::Included(high))
}

/// The keys of rows whose string or bytes value starts with `prefix` (given
/// as the bytes of a string, or bytes). The empty prefix covers every
/// non-NULL value.
pub fn range_starts_with(prefix: &[u8]) -> KeyRange {
    let mut start = vec![TAG_VALUE];
    put_escaped_prefix(prefix, &mut start);
    let end = match prefix_successor(&start) {
        Some(end) => Bound::Excluded(end),
        None => Bound::Unbounded,
    };
    (Bound::Included(start), end)
}

/// The keys of rows whose value is NULL.
pub fn range_null() -> KeyRange {
    (Bound::Included(vec![TAG_NULL]), Bound::Excluded(vec![TAG_VALUE]))
}

/// The keys of rows whose value is not NULL.
pub fn range_not_null() -> KeyRange {
    (Bound::Included(vec![TAG_VALUE]), Bound::Excluded(past_values()))
}

/// Every key of the index, NULLs first.
pub fn range_all() -> KeyRange {
    (Bound::Included(vec![TAG_NULL]), Bound::Excluded(past_values()))
}

/// The smallest byte string greater than every string that starts with
/// `prefix`, or `None` if there is none (`prefix` is all `FF`).
pub fn prefix_successor(prefix: &[u8]) -> Option<Vec<u8>> {
    let last = prefix.iter().rposition(|&b| b != 0xFF)?;
    let mut next = prefix[..=last].to_vec();
    next[last] += 1;
    Some(next)
}

/// Whether no key lies in `range`: its start is after its end, or they meet
/// with one side excluded.
pub fn range_is_empty(range: &KeyRange) -> bool {
    use Bound::{Excluded, Included, Unbounded};
    match (&range.0, &range.1) {
        (Unbounded, _) | (_, Unbounded) => false,
        (Included(s), Included(e)) => s > e,
        (Included(s), Excluded(e)) | (Excluded(s), Included(e)) => s >= e,
        // (s, e) is empty when no byte string lies strictly between them:
        // e <= s, or e is s followed by one zero byte.
        (Excluded(s), Excluded(e)) => {
            e <= s || (e.len() == s.len() + 1 && e.starts_with(s) && e[s.len()] == 0)
        }
    }
}

/// Whether `key` lies in `range`.
pub fn range_contains(range: &KeyRange, key: &[u8]) -> bool {
    let after_start = match &range.0 {
        Bound::Included(s) => key >= s.as_slice(),
        Bound::Excluded(s) => key > s.as_slice(),
        Bound::Unbounded => true,
    };
    let before_end = match &range.1 {
        Bound::Included(e) => key <= e.as_slice(),
        Bound::Excluded(e) => key < e.as_slice(),
        Bound::Unbounded => true,
    };
    after_start && before_end
}

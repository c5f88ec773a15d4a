//! `_time` bounds of a query applied to its reads of the rows keyspace.
//!
//! The planner gives a plan the hull of the `_time` conditions `AND`ed at
//! the top of its filter (`Plan::time_range`). A scan of the rows keyspace
//! then reads only where rows of that time range can be
//! (`srdb_engine::Iter::time_range`): SST files whose rows all lie outside it
//! and that hold no tombstone are left out, and files whose rows' times never
//! decrease with `_seq` (rows inserted with the insert time, or with caller
//! times in order) are cut by binary search to the run of `_seq`s in range.
//! The filter still checks every row, so the answer never changes.

use std::ops::Bound;

use srdb_engine::{Iter, Keyspace, Snapshot};
use srdb_query::{Access, Plan};

use crate::table::read::{seq_key, seq_of};
use crate::table::{DbResult, Table};

/// The time range of a plan: `(start, end)` in ns since the Unix epoch.
pub(crate) type TimeRange = Option<(Bound<i64>, Bound<i64>)>;

/// The rows of `rows` with `_seq` in `[start, end]` as of `snapshot`, read
/// only where rows of `time` can be.
pub(crate) fn rows_in(
    snapshot: &Snapshot,
    rows: &Keyspace,
    start: Bound<u64>,
    end: Bound<u64>,
    time: &TimeRange,
) -> Iter {
    let iter = snapshot.range(rows, (start.map(seq_key), end.map(seq_key)));
    match time {
        Some(range) => iter.time_range(*range),
        None => iter,
    }
}

/// `plan.explain()`, followed for a `_seq` scan bounded by time by what the
/// scan reads now: `files 1 of 7, _seq [2100, 2200]`.
pub(crate) fn explain(table: &Table, plan: &Plan) -> DbResult<String> {
    let mut text = plan.explain();
    let (Some(time), Access::SeqRange { start, end, .. }) = (&plan.time_range, &plan.access) else {
        return Ok(text);
    };
    let rows = table.shared.read_state()?.rows.clone();
    let snapshot = table.shared.db.engine.snapshot();
    let mut iter = rows_in(&snapshot, &rows, *start, *end, &Some(*time));
    let scan = iter.scan_plan()?;
    let name = &table.shared.name;
    let seq = |b: Bound<Vec<u8>>| -> DbResult<String> {
        Ok(match b {
            Bound::Included(k) | Bound::Excluded(k) => seq_of(name, &k)?.to_string(),
            Bound::Unbounded => "-".to_owned(),
        })
    };
    if scan.empty {
        text.push_str(&format!(" -> files 0 of {}, no row in the time range", scan.files));
    } else {
        let lower = match &scan.lower {
            Bound::Excluded(_) => "(",
            _ => "[",
        };
        let upper = match &scan.upper {
            Bound::Excluded(_) => ")",
            _ => "]",
        };
        text.push_str(&format!(
            " -> files {} of {}, _seq {lower}{}, {}{upper}",
            scan.files_read,
            scan.files,
            seq(scan.lower)?,
            seq(scan.upper)?
        ));
    }
    Ok(text)
}

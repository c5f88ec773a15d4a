//! The reference evaluator: the answer of a query over rows in memory, by
//! the definitions alone. Slow and obviously right; the table layer's tests
//! compare against it.

use std::cmp::Ordering;

use srdb_schema::{Row, Value};

use crate::{BoundQuery, Direction, RowAccess, TableRow};

/// Runs `query` over `rows` (`_seq`, `_time`, fields): filters, orders (by
/// the order field then `_seq`, both in the direction asked; by `_seq`
/// ascending without an order), skips `offset`, keeps `limit`, and projects
/// each row to the selected fields, in the order of `select` (`_seq` and
/// `_time` appear as fields when selected).
pub fn naive_execute(query: &BoundQuery, rows: &[(u64, i64, Row)]) -> Vec<(u64, i64, Row)> {
    let q = query.query();
    let mut matched: Vec<&(u64, i64, Row)> = rows
        .iter()
        .filter(|(seq, time, row)| {
            q.filter.as_ref().is_none_or(|f| f.eval(&TableRow { seq: *seq, time: *time, row }))
        })
        .collect();
    let (order_field, direction) = match &q.order_by {
        Some((field, direction)) => (field.as_str(), *direction),
        None => ("_seq", Direction::Asc),
    };
    matched.sort_by_cached_key(|r| SortKey {
        seq: r.0,
        value: order_value(r, order_field),
        direction,
    });
    let offset = usize::try_from(q.offset).unwrap_or(usize::MAX);
    let limit = q.limit.map_or(usize::MAX, |l| usize::try_from(l).unwrap_or(usize::MAX));
    matched
        .into_iter()
        .skip(offset)
        .take(limit)
        .map(|(seq, time, row)| (*seq, *time, project(*seq, *time, row, q.select.as_deref())))
        .collect()
}

fn order_value(row: &(u64, i64, Row), field: &str) -> Value {
    let (seq, time, fields) = row;
    match (TableRow { seq: *seq, time: *time, row: fields }).value(field) {
        Ok(value) => value.into_owned(),
        Err(never) => match never {},
    }
}

/// The row reduced to `select` (all of it when `None`).
pub(crate) fn project(seq: u64, time: i64, row: &Row, select: Option<&[String]>) -> Row {
    let Some(select) = select else { return row.clone() };
    let full = TableRow { seq, time, row };
    select
        .iter()
        .map(|name| {
            let value = match full.value(name) {
                Ok(value) => value.into_owned(),
                Err(never) => match never {},
            };
            (name.clone(), value)
        })
        .collect()
}

/// A row's place in the order of a query.
#[derive(PartialEq, Eq)]
struct SortKey {
    seq: u64,
    value: Value,
    direction: Direction,
}

impl Ord for SortKey {
    fn cmp(&self, other: &Self) -> Ordering {
        compare_rows((self.seq, &self.value), (other.seq, &other.value), self.direction)
    }
}

impl PartialOrd for SortKey {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

/// Compares two rows for an order on `field` (then `_seq`) in `direction`,
/// as [`naive_execute`] does.
pub fn compare_rows(a: (u64, &Value), b: (u64, &Value), direction: Direction) -> Ordering {
    let ordering = a.1.cmp(b.1).then(a.0.cmp(&b.0));
    match direction {
        Direction::Asc => ordering,
        Direction::Desc => ordering.reverse(),
    }
}

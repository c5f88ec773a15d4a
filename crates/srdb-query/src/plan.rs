//! The planner: how the table layer finds the rows of a query.
//!
//! It looks at the conditions `AND`ed at the top of the filter. Each
//! condition on `_seq`, `_time` or an indexed field that a range can express
//! (`=`, `IN`, `<`, `<=`, `>`, `>=`, `BETWEEN`, `STARTS WITH`, `IS NULL`,
//! `IS NOT NULL`) admits a set of values; the sets of one field are
//! intersected. Then, in this order of preference:
//!
//! 1. a selective access: equality or `IN` (points), or a range bounded on
//!    both sides (`BETWEEN`, `STARTS WITH`, `> a AND < b`), on `_seq`
//!    (preferred: rows are keyed by it) or an index;
//! 2. a union of accesses for an `OR` whose every branch has one, rows
//!    deduplicated by `_seq`;
//! 3. a scan of the index of the order field (or of `_seq`), in the order
//!    asked, when the query has a limit or nothing better exists: `ORDER BY
//!    age LIMIT 10` reads 10 rows;
//! 4. a one-sided range or `IS NULL` on `_seq` or an index;
//! 5. a scan of all rows in `_seq` order.
//!
//! `_time` conditions never choose the access; they give the plan's
//! `time_range`, which lets the table layer skip SST files whose rows all lie
//! outside it. The whole filter is always the residual, so a plan never
//! changes an answer, only the work done to find it; a table layer that
//! bounds a `_seq` scan by the range and the time range exactly may test
//! [`Plan::residual_within_bounds`] instead, which leaves out the conditions
//! those bounds settle.

use std::ops::Bound;

use srdb_index::{range_all, range_null, range_starts_with, value_range, KeyRange, SEQ_BYTES};
use srdb_schema::{FieldType, Schema, Value};

use crate::ranges::RangeSet;
use crate::{BoundQuery, Direction, Expr, Op, Query};

/// How the table layer reads candidate rows.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Access {
    /// No row can match (the conditions contradict each other).
    Empty,
    /// The rows whose `_seq` lies in the range, read from the rows keyspace
    /// in `_seq` order (descending when `reverse`). Unbounded on both sides
    /// it is a full scan.
    SeqRange {
        /// First `_seq`.
        start: Bound<u64>,
        /// Last `_seq`.
        end: Bound<u64>,
        /// Whether to read from the end.
        reverse: bool,
    },
    /// The rows whose index keys on `field` lie in `ranges` (ranges of
    /// [`srdb_index`] keys, sorted ascending and disjoint). Reading the ranges
    /// in order yields rows ordered by the field's value, then `_seq`; with
    /// `reverse`, ranges are read last to first and each backwards, yielding
    /// the opposite order. The `_seq` of a row is the last 8 bytes of its key.
    IndexRanges {
        /// The indexed field.
        field: String,
        /// The field's type, to decode keys (for index-only answers and
        /// [`Plan::explain`]).
        ty: FieldType,
        /// Key ranges, sorted and disjoint.
        ranges: Vec<KeyRange>,
        /// Whether to read from the end.
        reverse: bool,
    },
    /// The rows found by any of the members (each a `SeqRange` or an
    /// `IndexRanges`, never a union), each row once: the table layer collects
    /// the `_seq`s into a set and reads the rows in ascending `_seq` order.
    IndexUnion(Vec<Access>),
}

/// A plan: the access path and what to do with the rows it yields.
///
/// The table layer executes it as: read candidates by `access` (skipping SST
/// files outside `time_range` if it likes), keep the rows for which
/// `residual` is true, sort them if `needs_sort` (by `order`, ties by `_seq`
/// in the same direction; by `_seq` ascending when `order` is `None`), a
/// bounded top-k heap of `offset + limit` rows being enough when there is a
/// limit, skip `offset`, keep `limit`, project to `projection`.
#[derive(Clone, Debug, PartialEq)]
pub struct Plan {
    /// How to find candidate rows.
    pub access: Access,
    /// Every matching row has a `_time` in this range (`None`: no
    /// constraint).
    pub time_range: Option<(Bound<i64>, Bound<i64>)>,
    /// The filter to apply to every candidate row (`None`: keep all).
    pub residual: Option<Expr>,
    /// The order asked for; `None` means `_seq` ascending.
    pub order: Option<(String, Direction)>,
    /// Whether the rows from `access` must be sorted to be in that order.
    pub needs_sort: bool,
    /// Rows to skip after ordering.
    pub offset: u64,
    /// Most rows to return.
    pub limit: Option<u64>,
    /// Fields to return, in order; `None` for all.
    pub projection: Option<Vec<String>>,
}

impl Plan {
    /// The residual without the conditions that reading a
    /// [`Access::SeqRange`] settles exactly, for a table layer whose scan
    /// yields only the rows with a `_seq` in the access's range and, when
    /// `time_range` is set, a `_time` in it: the rows the scan yields then
    /// pass the returned filter exactly when they pass `residual`.
    ///
    /// A condition is left out only when it is one of the conjuncts `AND`ed
    /// at the top of the residual, on `_seq` or `_time` (never NULL), with
    /// literals of the field's own type, and when those conjuncts of its
    /// field together admit exactly the one interval the scan is bounded by
    /// (`_time IN (a, b)` admits two points and stays, as does `_time != a`).
    /// Other accesses get the residual unchanged.
    pub fn residual_within_bounds(&self) -> Option<Expr> {
        let residual = self.residual.as_ref()?;
        let Access::SeqRange { start, end, .. } = &self.access else {
            return Some(residual.clone());
        };
        let conjuncts = flatten_and(residual);
        let seq_settled = numeric_set(&conjuncts, "_seq", Value::as_u64)
            .is_some_and(|set| set.into_intervals() == [(*start, *end)]);
        let time_settled = self.time_range.is_some_and(|range| {
            numeric_set(&conjuncts, "_time", time_literal)
                .is_some_and(|set| set.into_intervals() == [range])
        });
        let settled = |c: &Expr| match c {
            Expr::Cond { field, op } if field == "_seq" && seq_settled => {
                numeric_values(op, Value::as_u64).is_some()
            }
            Expr::Cond { field, op } if field == "_time" && time_settled => {
                numeric_values(op, time_literal).is_some()
            }
            _ => false,
        };
        let mut kept: Vec<Expr> = conjuncts.into_iter().filter(|c| !settled(c)).cloned().collect();
        match kept.len() {
            0 => None,
            1 => kept.pop(),
            _ => Some(Expr::And(kept)),
        }
    }
}

/// The time a bound `_time` literal holds.
fn time_literal(value: &Value) -> Option<i64> {
    match value {
        Value::Time(t) => Some(*t),
        _ => None,
    }
}

/// How selective the values a field admits are, from the conditions on it.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord)]
enum Strength {
    /// Nothing useful (`IS NOT NULL`, or no condition).
    #[default]
    None,
    /// One side bounded.
    HalfBounded,
    /// `IS NULL`.
    Null,
    /// Both sides bounded.
    Bounded,
    /// A few values.
    Points,
}

/// What the conditions `AND`ed on one field admit.
struct FieldSet<'a> {
    field: &'a str,
    ty: FieldType,
    strength: Strength,
    keys: RangeSet<Vec<u8>>,
}

/// The type of `name` if it is an indexed field a plan may read by its
/// index.
type Indexed<'a> = dyn Fn(&str) -> Option<FieldType> + 'a;

/// Chooses how to run `query` on a table of `schema` whose indexed fields are
/// `indexes` (names that are not indexable fields of the schema are ignored).
///
/// [`BoundQuery::into_plan`] makes the same plan without copying the
/// query's filter, order and projection into it.
pub fn plan(query: &BoundQuery, schema: &Schema, indexes: &[&str]) -> Plan {
    query.clone().into_plan(schema, indexes)
}

impl BoundQuery {
    /// The [`plan`] of this query, which it moves its filter, order and
    /// projection into.
    pub fn into_plan(self, schema: &Schema, indexes: &[&str]) -> Plan {
        let q = self.into_query();
        let (access, time_range, needs_sort) = choose_access(&q, schema, indexes);
        Plan {
            access,
            time_range,
            residual: q.filter,
            order: q.order_by,
            needs_sort,
            offset: q.offset,
            limit: q.limit,
            projection: q.select,
        }
    }
}

/// The access path of `q`, its time range and whether the rows it yields
/// need sorting.
#[allow(clippy::type_complexity)]
fn choose_access(
    q: &Query,
    schema: &Schema,
    indexes: &[&str],
) -> (Access, Option<(Bound<i64>, Bound<i64>)>, bool) {
    let indexed = |name: &str| {
        if !indexes.contains(&name) {
            return None;
        }
        schema.field(name).map(|f| f.ty).filter(|ty| ty.is_indexable())
    };
    let (want, direction) = match &q.order_by {
        Some((field, direction)) => (field.as_str(), *direction),
        None => ("_seq", Direction::Asc),
    };
    let desc = direction == Direction::Desc;
    let conjuncts: Vec<&Expr> = match &q.filter {
        Some(filter) => flatten_and(filter),
        None => Vec::new(),
    };
    let mut time_range = None;
    let time = numeric_set(&conjuncts, "_time", time_literal);
    if let Some(time) = time {
        match time.hull() {
            None => return (Access::Empty, None, false),
            Some(hull) if !time.is_full() => time_range = Some(hull),
            Some(_) => {}
        }
    }
    if conjuncts.iter().any(|c| matches!(c, Expr::Or(ms) if ms.is_empty())) {
        return (Access::Empty, time_range, false);
    }
    let choice = choose(&conjuncts, &indexed, want, q.limit.is_some());
    let needs_sort = !delivers(&choice, want, desc);
    let access = match choice {
        Access::SeqRange { start, end, .. } if want == "_seq" => {
            Access::SeqRange { start, end, reverse: desc }
        }
        Access::IndexRanges { field, ty, ranges, .. }
            if field == want || (want == "_seq" && is_one_value(&ranges)) =>
        {
            Access::IndexRanges { field, ty, ranges, reverse: desc }
        }
        other => other,
    };
    (access, time_range, needs_sort)
}

/// Whether rows read by `access` come ordered by `field` in the direction.
fn delivers(access: &Access, field: &str, desc: bool) -> bool {
    match access {
        Access::Empty => true,
        Access::SeqRange { .. } => field == "_seq",
        Access::IndexRanges { field: f, ranges, .. } => {
            f == field || (field == "_seq" && is_one_value(ranges))
        }
        Access::IndexUnion(_) => field == "_seq" && !desc,
    }
}

/// Whether `ranges` hold the keys of one value only, which an index yields
/// in `_seq` order.
fn is_one_value(ranges: &[KeyRange]) -> bool {
    let [(Bound::Included(start), Bound::Included(end))] = ranges else { return false };
    let value_len = start.len().saturating_sub(SEQ_BYTES);
    start.len() == end.len()
        && start.len() > SEQ_BYTES
        && start[..value_len] == end[..value_len]
        && start[value_len..].iter().all(|&b| b == 0x00)
        && end[value_len..].iter().all(|&b| b == 0xFF)
}

/// The access path, by the preferences of the module documentation.
fn choose(
    conjuncts: &[&Expr],
    indexed: &Indexed<'_>,
    order_field: &str,
    has_limit: bool,
) -> Access {
    let (best, best_access) = best_single(conjuncts, indexed);
    if matches!(best_access, Access::Empty) {
        return Access::Empty;
    }
    if best >= Strength::Bounded {
        return best_access;
    }
    if let Some(union) = conjuncts.iter().find_map(|c| union_of(c, indexed)) {
        return union;
    }
    if has_limit || best == Strength::None {
        if order_field == "_seq" {
            return seq_access(conjuncts);
        }
        if let Some(ty) = indexed(order_field) {
            return index_access(index_set(conjuncts, order_field, ty));
        }
    }
    best_access
}

/// The best access from conditions on one field, and its strength; a full
/// scan if none.
fn best_single(conjuncts: &[&Expr], indexed: &Indexed<'_>) -> (Strength, Access) {
    let seq = seq_access(conjuncts);
    let (mut best, mut access) = (field_strength(conjuncts, "_seq"), seq);
    if matches!(access, Access::Empty) {
        return (Strength::Points, Access::Empty);
    }
    let mut fields: Vec<(&str, FieldType)> = Vec::new();
    for c in conjuncts {
        let Expr::Cond { field, .. } = c else { continue };
        if fields.iter().any(|(f, _)| f == field) {
            continue;
        }
        if let Some(ty) = indexed(field) {
            fields.push((field, ty));
        }
    }
    // The best set found so far, made into an access once all are seen.
    let mut best_set: Option<FieldSet<'_>> = None;
    for (field, ty) in fields {
        let set = index_set(conjuncts, field, ty);
        if set.keys.is_empty() {
            return (Strength::Points, Access::Empty);
        }
        if set.strength > best {
            best = set.strength;
            best_set = Some(set);
        }
    }
    if let Some(set) = best_set {
        access = index_access(set);
    }
    (best, access)
}

/// The access reading the keys of `set` (none if it is empty).
fn index_access(set: FieldSet<'_>) -> Access {
    if set.keys.is_empty() {
        return Access::Empty;
    }
    Access::IndexRanges {
        field: set.field.to_owned(),
        ty: set.ty,
        ranges: set.keys.into_intervals(),
        reverse: false,
    }
}

/// A union for an `OR` conjunct whose every branch has a selective access.
fn union_of(expr: &Expr, indexed: &Indexed<'_>) -> Option<Access> {
    let Expr::Or(branches) = expr else { return None };
    let mut members: Vec<Access> = Vec::new();
    for branch in branches {
        let (strength, access) = best_single(&flatten_and(branch), indexed);
        match access {
            Access::Empty => {}
            _ if strength == Strength::None => return None,
            Access::SeqRange { start: Bound::Unbounded, end: Bound::Unbounded, .. } => return None,
            Access::IndexUnion(inner) => members.extend(inner),
            access => members.push(access),
        }
    }
    // Branches that all scan one index merge into one ordered scan.
    let same_field = match members.first() {
        Some(Access::IndexRanges { field, ty, .. }) => members
            .iter()
            .all(|m| matches!(m, Access::IndexRanges { field: f, .. } if f == field))
            .then(|| (field.clone(), *ty)),
        _ => None,
    };
    Some(match (members.len(), same_field) {
        (0, _) => Access::Empty,
        (1, _) => members.pop().expect("one member"),
        (_, Some((field, ty))) => {
            let ranges = members.into_iter().flat_map(|m| match m {
                Access::IndexRanges { ranges, .. } => ranges,
                _ => unreachable!("all members scan one index"),
            });
            Access::IndexRanges {
                field,
                ty,
                ranges: RangeSet::from_intervals(ranges).into_intervals(),
                reverse: false,
            }
        }
        _ => Access::IndexUnion(members),
    })
}

/// The top-level conjuncts of `expr` (itself if it is not an `AND`).
fn flatten_and(expr: &Expr) -> Vec<&Expr> {
    match expr {
        Expr::And(members) => members.iter().flat_map(flatten_and).collect(),
        other => vec![other],
    }
}

/// The values of non-NULL literals a condition admits, as intervals, if a
/// range can express it. `None` for conditions that ranges cannot express;
/// `IS NULL`, `IS NOT NULL` and `STARTS WITH` are left to the callers.
fn admitted(op: &Op) -> Option<Vec<(Bound<&Value>, Bound<&Value>)>> {
    use Bound::{Excluded, Included, Unbounded};
    let one = |v: &Value, interval| if v.is_null() { vec![] } else { vec![interval] };
    Some(match op {
        Op::Eq(v) => one(v, (Included(v), Included(v))),
        Op::Lt(v) => one(v, (Unbounded, Excluded(v))),
        Op::Lte(v) => one(v, (Unbounded, Included(v))),
        Op::Gt(v) => one(v, (Excluded(v), Unbounded)),
        Op::Gte(v) => one(v, (Included(v), Unbounded)),
        Op::Between(low, high) if !low.is_null() && !high.is_null() => {
            vec![(Included(low), Included(high))]
        }
        Op::Between(..) => vec![],
        Op::In(list) => {
            list.iter().filter(|v| !v.is_null()).map(|v| (Included(v), Included(v))).collect()
        }
        _ => return None,
    })
}

/// The strength of the conditions on `field` among the conjuncts.
fn field_strength(conjuncts: &[&Expr], field: &str) -> Strength {
    let (mut strength, mut lower, mut upper) = (Strength::None, false, false);
    for c in conjuncts {
        let Expr::Cond { field: f, op } = c else { continue };
        if f != field {
            continue;
        }
        let s = match op {
            Op::Eq(_) | Op::In(_) => Strength::Points,
            Op::Between(..) | Op::StartsWith(_) => Strength::Bounded,
            Op::IsNull => Strength::Null,
            Op::Lt(_) | Op::Lte(_) => {
                upper = true;
                Strength::HalfBounded
            }
            Op::Gt(_) | Op::Gte(_) => {
                lower = true;
                Strength::HalfBounded
            }
            _ => Strength::None,
        };
        strength = strength.max(s);
    }
    if lower && upper {
        strength = strength.max(Strength::Bounded);
    }
    strength
}

/// The index keys admitted by the conditions on the indexed `field` of type
/// `ty`.
fn index_set<'a>(conjuncts: &[&Expr], field: &'a str, ty: FieldType) -> FieldSet<'a> {
    let text = matches!(ty, FieldType::String | FieldType::Bytes);
    // `None` admits every key; every set a condition admits lies within
    // `range_all`, so the first is the intersection so far.
    let mut keys: Option<RangeSet<Vec<u8>>> = None;
    for c in conjuncts {
        let Expr::Cond { field: f, op } = c else { continue };
        if f != field {
            continue;
        }
        let admitted_keys: Option<Vec<KeyRange>> = match op {
            Op::IsNull => Some(vec![range_null()]),
            Op::NotNull => Some(vec![value_range(Bound::Unbounded, Bound::Unbounded)]),
            Op::StartsWith(Value::String(p)) if text => Some(vec![range_starts_with(p.as_bytes())]),
            Op::StartsWith(Value::Bytes(p)) if text => Some(vec![range_starts_with(p)]),
            Op::StartsWith(Value::Null) => Some(vec![]),
            op => admitted(op)
                .map(|intervals| intervals.into_iter().map(|(s, e)| value_range(s, e)).collect()),
        };
        if let Some(ranges) = admitted_keys {
            let admitted = RangeSet::from_intervals(ranges);
            keys = Some(match keys {
                Some(keys) => keys.intersect(&admitted),
                None => admitted,
            });
        }
    }
    let keys = keys.unwrap_or_else(|| RangeSet::from_intervals([range_all()]));
    let strength = field_strength(conjuncts, field);
    FieldSet { field, ty, strength, keys }
}

/// The values of `field` (`_seq` or `_time`) admitted by the conditions on
/// it, through `number` which reads a bound literal; `None` (every value)
/// when no condition restricts it.
fn numeric_set<T: Ord + Clone>(
    conjuncts: &[&Expr],
    field: &str,
    number: impl Fn(&Value) -> Option<T>,
) -> Option<RangeSet<T>> {
    let mut set: Option<RangeSet<T>> = None;
    for c in conjuncts {
        let Expr::Cond { field: f, op } = c else { continue };
        if f != field {
            continue;
        }
        if let Some(values) = numeric_values(op, &number) {
            set = Some(match set {
                Some(set) => set.intersect(&values),
                None => values,
            });
        }
    }
    set
}

/// The values of `_seq` or `_time` that the condition `op` admits, through
/// `number` which reads a bound literal; `None` for a condition that ranges
/// cannot express or a literal `number` does not read.
fn numeric_values<T: Ord + Clone>(
    op: &Op,
    number: impl Fn(&Value) -> Option<T>,
) -> Option<RangeSet<T>> {
    let map = |b: Bound<&Value>| -> Option<Bound<T>> {
        Some(match b {
            Bound::Included(v) => Bound::Included(number(v)?),
            Bound::Excluded(v) => Bound::Excluded(number(v)?),
            Bound::Unbounded => Bound::Unbounded,
        })
    };
    match op {
        // `_seq` and `_time` are never NULL.
        Op::IsNull => Some(RangeSet::from_intervals([])),
        op => admitted(op).and_then(|intervals| {
            let mapped: Option<Vec<_>> =
                intervals.into_iter().map(|(s, e)| Some((map(s)?, map(e)?))).collect();
            mapped.map(RangeSet::from_intervals)
        }),
    }
}

/// The `_seq` access admitted by the conditions on `_seq`: one range, a
/// union of ranges, or nothing.
fn seq_access(conjuncts: &[&Expr]) -> Access {
    let Some(set) = numeric_set(conjuncts, "_seq", Value::as_u64) else {
        return Access::SeqRange { start: Bound::Unbounded, end: Bound::Unbounded, reverse: false };
    };
    let mut ranges: Vec<Access> = set
        .into_intervals()
        .into_iter()
        .map(|(start, end)| Access::SeqRange { start, end, reverse: false })
        .collect();
    match ranges.len() {
        0 => Access::Empty,
        1 => ranges.pop().expect("one range"),
        _ => Access::IndexUnion(ranges),
    }
}

//! `Plan::explain`: a plan in one line of text.

use std::ops::Bound;

use srdb_index::{decode_index_key, prefix_successor, range_all, range_null, KeyRange, SEQ_BYTES};
use srdb_schema::{FieldType, Value};

use crate::display::{field_name, literal};
use crate::{Access, Direction, Plan};

impl Plan {
    /// The plan as one line, steps separated by `->`:
    /// `IndexRanges age [18, +inf) -> filter age >= 18 AND city = 'Beijing' -> sort age DESC top 30 -> offset 20 -> limit 10 -> select name, age`.
    ///
    /// Index ranges are shown by the values they cover: `= v`, intervals
    /// such as `[a, b)`, `prefix 'p'`, `NULL`, `NOT NULL` or `all`.
    pub fn explain(&self) -> String {
        let mut steps = vec![access_text(&self.access)];
        if let Some((start, end)) = &self.time_range {
            steps.push(format!("time in {}", interval(start, end, |t| literal(&Value::Time(*t)))));
        }
        if let Some(residual) = &self.residual {
            steps.push(format!("filter {residual}"));
        }
        if self.needs_sort {
            let (field, direction) =
                self.order.clone().unwrap_or_else(|| ("_seq".to_owned(), Direction::Asc));
            let dir = if direction == Direction::Desc { " DESC" } else { "" };
            let top = match self.limit {
                Some(limit) => format!(" top {}", limit.saturating_add(self.offset)),
                None => String::new(),
            };
            steps.push(format!("sort {}{dir}{top}", field_name(&field)));
        }
        if self.offset > 0 {
            steps.push(format!("offset {}", self.offset));
        }
        if let Some(limit) = self.limit {
            steps.push(format!("limit {limit}"));
        }
        if let Some(fields) = &self.projection {
            let names: Vec<String> = fields.iter().map(|f| field_name(f)).collect();
            steps.push(format!("select {}", names.join(", ")));
        }
        steps.join(" -> ")
    }
}

fn access_text(access: &Access) -> String {
    let reverse = |r: bool| if r { " reverse" } else { "" };
    match access {
        Access::Empty => "Empty (no row can match)".to_owned(),
        Access::SeqRange { start: Bound::Unbounded, end: Bound::Unbounded, reverse: r } => {
            format!("FullScan{}", reverse(*r))
        }
        Access::SeqRange { start, end, reverse: r } => {
            format!("SeqRange {}{}", interval(start, end, u64::to_string), reverse(*r))
        }
        Access::IndexRanges { field, ty, ranges, reverse: r } => {
            let shown: Vec<String> = ranges.iter().map(|range| key_range(range, *ty)).collect();
            format!("IndexRanges {} {}{}", field_name(field), shown.join(", "), reverse(*r))
        }
        Access::IndexUnion(members) => {
            let shown: Vec<String> = members.iter().map(access_text).collect();
            format!("IndexUnion({})", shown.join(" | "))
        }
    }
}

fn interval<T>(start: &Bound<T>, end: &Bound<T>, show: impl Fn(&T) -> String) -> String {
    let (open, low) = match start {
        Bound::Included(v) => ("[", show(v)),
        Bound::Excluded(v) => ("(", show(v)),
        Bound::Unbounded => ("(", "-inf".to_owned()),
    };
    let (high, close) = match end {
        Bound::Included(v) => (show(v), "]"),
        Bound::Excluded(v) => (show(v), ")"),
        Bound::Unbounded => ("+inf".to_owned(), ")"),
    };
    format!("{open}{low}, {high}{close}")
}

/// The value of a whole index key of type `ty`.
fn key_value(key: &[u8], ty: FieldType) -> Option<Value> {
    decode_index_key(key, ty).ok().map(|(v, _)| v)
}

fn key_range(range: &KeyRange, ty: FieldType) -> String {
    if *range == range_null() {
        return "NULL".to_owned();
    }
    if *range == range_all() {
        return "all".to_owned();
    }
    if let (Bound::Included(start), Bound::Excluded(end)) = range {
        if start == &[0x01] && end == &[0x02] {
            return "NOT NULL".to_owned();
        }
        // A prefix range: the start is `01 escape(p)`, the end its successor.
        if prefix_successor(start).as_ref() == Some(end) {
            let mut key = start.clone();
            key.extend_from_slice(&[0x00, 0x01]);
            key.extend_from_slice(&[0; SEQ_BYTES]);
            if let Some(p) = key_value(&key, ty) {
                return format!("prefix {}", literal(&p));
            }
        }
    }
    if let (Bound::Included(s), Bound::Included(e)) = range {
        if s.len() > SEQ_BYTES && s[..s.len() - SEQ_BYTES] == e[..e.len().saturating_sub(SEQ_BYTES)]
        {
            if let Some(v) = key_value(s, ty) {
                return format!("= {}", literal(&v));
            }
        }
    }
    let bound_text = |key: &Vec<u8>| match key.as_slice() {
        [0x00] => "NULL".to_owned(),
        [0x01] => "-inf".to_owned(),
        [0x02] => "+inf".to_owned(),
        _ => key_value(key, ty).map_or_else(|| hex(key), |v| literal(&v)),
    };
    let (open, low) = match &range.0 {
        Bound::Included(k) if k.as_slice() == [0x01] => ("(", bound_text(k)),
        Bound::Included(k) => ("[", bound_text(k)),
        Bound::Excluded(k) => ("(", bound_text(k)),
        Bound::Unbounded => ("(", "-inf".to_owned()),
    };
    let (high, close) = match &range.1 {
        Bound::Included(k) => (bound_text(k), "]"),
        Bound::Excluded(k) => (bound_text(k), ")"),
        Bound::Unbounded => ("+inf".to_owned(), ")"),
    };
    format!("{open}{low}, {high}{close}")
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

//! Evaluation of expressions on rows, with SQL's three-valued logic.
//!
//! A condition is true, false or unknown. It is unknown when the field is
//! NULL, or an operand it needs is NULL (`age > NULL`); `IS NULL` and
//! `IS NOT NULL` are never unknown. `AND`, `OR` and `NOT` follow Kleene's
//! logic (`NOT unknown` is unknown, `false AND unknown` is false, `true OR
//! unknown` is true), and a row matches only when the whole filter is true.
//! This is SQL's behaviour, so `NOT (age > 18)` does not match a row whose
//! `age` is NULL; `IS NULL` is the one way to find NULLs.

use std::borrow::Cow;
use std::cmp::Ordering;
use std::convert::Infallible;

use srdb_schema::{Row, Value, ValueRef};

use crate::{Expr, Op};

/// Access to the fields of one row, fetched on demand so that the table layer
/// can decode only the fields a filter reads (with
/// [`srdb_schema::decode_field`]).
///
/// `field` is a schema field name, `_seq` (a [`Value::Uint`]) or `_time` (a
/// [`Value::Time`]). A field the row does not have is NULL.
pub trait RowAccess {
    /// What fetching a field can fail with ([`Infallible`] for rows in
    /// memory; a decoding error for encoded rows).
    type Error;

    /// The value of `field` in this row.
    fn value(&self, field: &str) -> Result<Cow<'_, Value>, Self::Error>;
}

impl RowAccess for Row {
    type Error = Infallible;

    /// The field's value; NULL if the row does not have it (including `_seq`
    /// and `_time`, which a bare [`Row`] does not carry: see [`TableRow`]).
    fn value(&self, field: &str) -> Result<Cow<'_, Value>, Infallible> {
        Ok(self.get(field).map_or(Cow::Owned(Value::Null), Cow::Borrowed))
    }
}

/// A row with its `_seq` and `_time`, as stored in a table.
#[derive(Clone, Copy, Debug)]
pub struct TableRow<'a> {
    /// The row's sequence number.
    pub seq: u64,
    /// The row's time, in nanoseconds since the Unix epoch.
    pub time: i64,
    /// The row's fields.
    pub row: &'a Row,
}

impl RowAccess for TableRow<'_> {
    type Error = Infallible;

    fn value(&self, field: &str) -> Result<Cow<'_, Value>, Infallible> {
        Ok(match field {
            "_seq" => Cow::Owned(Value::Uint(self.seq)),
            "_time" => Cow::Owned(Value::Time(self.time)),
            _ => return self.row.value(field),
        })
    }
}

impl Expr {
    /// Whether the row matches: the expression is true (not false, not
    /// unknown). See the module documentation for NULL.
    ///
    /// Literals are compared with field values by [`Value`]'s total order, so
    /// they must have the field's type: evaluate the filter of a
    /// [`crate::BoundQuery`], whose literals are converted.
    pub fn eval<R: RowAccess<Error = Infallible>>(&self, row: &R) -> bool {
        match self.try_eval(row) {
            Ok(matched) => matched,
            Err(never) => match never {},
        }
    }

    /// [`Expr::eval`] for rows whose fields can fail to load; the first error
    /// ends the evaluation.
    pub fn try_eval<R: RowAccess>(&self, row: &R) -> Result<bool, R::Error> {
        Ok(self.truth(row)? == Some(true))
    }

    /// The expression's truth value: `Some(true)`, `Some(false)`, or `None`
    /// for unknown.
    pub fn truth<R: RowAccess>(&self, row: &R) -> Result<Option<bool>, R::Error> {
        match self {
            Expr::Cond { field, op } => Ok(condition(&ValueRef::from(&*row.value(field)?), op)),
            Expr::Not(inner) => Ok(inner.truth(row)?.map(|t| !t)),
            Expr::And(members) => {
                let mut result = Some(true);
                for member in members {
                    match member.truth(row)? {
                        Some(false) => return Ok(Some(false)),
                        None => result = None,
                        Some(true) => {}
                    }
                }
                Ok(result)
            }
            Expr::Or(members) => {
                let mut result = Some(false);
                for member in members {
                    match member.truth(row)? {
                        Some(true) => return Ok(Some(true)),
                        None => result = None,
                        Some(false) => {}
                    }
                }
                Ok(result)
            }
        }
    }
}

/// The truth of one condition on the field value `v`, borrowed from a row in
/// memory or from an encoded row (so both forms read alike).
pub(crate) fn condition(v: &ValueRef<'_>, op: &Op) -> Option<bool> {
    let cmp = |literal: &Value| -> Option<Ordering> {
        (!v.is_null() && !literal.is_null()).then(|| v.cmp_value(literal))
    };
    let not = |t: Option<bool>| t.map(|t| !t);
    match op {
        Op::IsNull => Some(v.is_null()),
        Op::NotNull => Some(!v.is_null()),
        Op::Eq(x) => cmp(x).map(Ordering::is_eq),
        Op::Ne(x) => cmp(x).map(Ordering::is_ne),
        Op::Lt(x) => cmp(x).map(Ordering::is_lt),
        Op::Gt(x) => cmp(x).map(Ordering::is_gt),
        Op::Lte(x) => cmp(x).map(Ordering::is_le),
        Op::Gte(x) => cmp(x).map(Ordering::is_ge),
        Op::In(list) => in_list(v, list),
        Op::NotIn(list) => not(in_list(v, list)),
        Op::Between(low, high) => between(cmp(low), cmp(high)),
        Op::NotBetween(low, high) => not(between(cmp(low), cmp(high))),
        Op::Contains(p) => contains_value(v, p),
        Op::NotContains(p) => not(contains_value(v, p)),
        Op::StartsWith(p) => text(v, p, <[u8]>::starts_with),
        Op::NotStartsWith(p) => not(text(v, p, <[u8]>::starts_with)),
        Op::EndsWith(p) => text(v, p, <[u8]>::ends_with),
        Op::NotEndsWith(p) => not(text(v, p, <[u8]>::ends_with)),
    }
}

/// SQL's `IN`: true if some member equals `v`; otherwise unknown if `v` or
/// some member is NULL; otherwise false. An empty list is false.
fn in_list(v: &ValueRef<'_>, list: &[Value]) -> Option<bool> {
    if list.is_empty() {
        return Some(false);
    }
    if v.is_null() {
        return None;
    }
    let mut saw_null = false;
    for member in list {
        if member.is_null() {
            saw_null = true;
        } else if v.cmp_value(member).is_eq() {
            return Some(true);
        }
    }
    if saw_null {
        None
    } else {
        Some(false)
    }
}

/// `low <= v AND v <= high` in three-valued logic, from the comparisons of
/// `v` with each end.
fn between(with_low: Option<Ordering>, with_high: Option<Ordering>) -> Option<bool> {
    match (with_low.map(Ordering::is_ge), with_high.map(Ordering::is_le)) {
        (Some(false), _) | (_, Some(false)) => Some(false),
        (Some(true), Some(true)) => Some(true),
        _ => None,
    }
}

/// The bytes of a string or bytes literal.
fn pattern_bytes(pattern: &Value) -> Option<&[u8]> {
    match pattern {
        Value::String(p) => Some(p.as_bytes()),
        Value::Bytes(p) => Some(p),
        _ => None,
    }
}

/// A text operator on the bytes of a string or bytes value; unknown for NULL
/// (and for a pattern of another kind than the value, which binding rules
/// out).
fn text(v: &ValueRef<'_>, pattern: &Value, f: impl Fn(&[u8], &[u8]) -> bool) -> Option<bool> {
    Some(f(v.text_bytes()?, pattern_bytes(pattern)?))
}

fn contains_value(v: &ValueRef<'_>, pattern: &Value) -> Option<bool> {
    match (v, pattern) {
        // A valid UTF-8 needle found in valid UTF-8 bytes always starts on a
        // character boundary, so the string search (two-way, linear) answers
        // the byte question.
        (ValueRef::String(s), Value::String(p)) => Some(s.contains(p.as_str())),
        _ => text(v, pattern, contains),
    }
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    match needle.len() {
        0 => true,
        n => haystack.windows(n).any(|w| w == needle),
    }
}

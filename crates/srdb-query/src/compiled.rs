//! Filters compiled against a schema and evaluated on encoded rows.
//!
//! [`Expr::truth`] fetches fields by name through a [`crate::RowAccess`],
//! which suits rows in memory. A table filters rows that are still encoded
//! (`srdb_schema::encode_row`); a [`CompiledFilter`] resolves every field
//! name to its position once, then reads each row through a
//! [`RowView`]: the header is checked once per row, and a field is read only
//! when a condition needs it, borrowed (strings and bytes are slices, numbers
//! are read in place), so filtering allocates nothing. Conditions are the
//! same code as [`Expr::truth`]'s, so both give the same answers, NULL
//! logic included, except for a few forms compiled to cheaper tests with
//! the same answers: a string field compared with a string literal is
//! compared as bytes (UTF-8 orders as its bytes, so its UTF-8 is checked
//! when the row is decoded for output rather than on every row filtered),
//! `=` and `!=` of strings test equality of bytes, and a comparison or
//! `BETWEEN` of `_time` with time literals is a range of `i64`s.

use std::sync::Arc;

use srdb_schema::{decode_time, FieldType, RowView, Schema, SchemaError, Value, ValueRef};

use crate::eval::condition;
use crate::{Expr, Op, QueryError};

/// Where a condition's value comes from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Column {
    Seq,
    Time,
    Field(usize),
}

/// A compiled filter: conditions (leaves) under `AND`, `OR` and `NOT`.
#[derive(Clone, Debug)]
enum Node {
    Leaf(Leaf),
    And(Vec<Node>),
    Or(Vec<Node>),
    Not(Box<Node>),
}

/// One condition on one column.
#[derive(Clone, Debug)]
enum Leaf {
    /// A comparison with a literal that is not NULL (`=`, `!=`, `<`, `>`,
    /// `<=`, `>=`): true when the field is not NULL and its order against
    /// the literal is one `accept` holds (indexed by `Ordering as i8 + 1`).
    /// The same answers as `condition`, without matching the operator per row.
    Compare {
        column: Column,
        literal: Value,
        accept: [bool; 3],
    },
    /// `=` (`equal`) or `!=` of a string field and a string literal, on the
    /// field's bytes: equal bytes are equal strings, and bytes of another
    /// length are unequal without being read.
    StringEq {
        index: usize,
        literal: Box<[u8]>,
        equal: bool,
    },
    /// A [`Leaf::Compare`] of a string field with a string literal, on the
    /// field's bytes.
    CompareString {
        index: usize,
        literal: Box<[u8]>,
        accept: [bool; 3],
    },
    /// `_time` in `[low, high]`: a comparison or `BETWEEN` of `_time` with
    /// time literals (`_time` is never NULL), on the row's first 8 bytes.
    TimeIn {
        low: i64,
        high: i64,
    },
    /// `BETWEEN` two literals that are not NULL.
    Range {
        column: Column,
        low: Value,
        high: Value,
    },
    Cond {
        column: Column,
        op: Op,
    },
}

/// A filter bound to one schema, ready to run on that schema's encoded rows.
///
/// Compile the filter of a [`crate::BoundQuery`] (whose literals have their
/// fields' types); an unbound filter gives the same answers, more slowly.
///
/// ```
/// use std::sync::Arc;
///
/// use srdb_query::{CompiledFilter, Expr};
/// use srdb_schema::{encode_row, FieldType, Row, Schema};
///
/// let schema = Arc::new(Schema::builder().field("city", FieldType::String).build()?);
/// let row = schema.validate(&Row::new().with("city", "Oslo"))?;
/// let bytes = encode_row(&schema, 0, &row);
/// let filter = CompiledFilter::new(&Expr::field("city").eq("Oslo"), schema)?;
/// assert!(filter.matches(1, &bytes)?);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, Debug)]
pub struct CompiledFilter {
    root: Node,
    schema: Arc<Schema>,
    /// Whether some condition reads a schema field (not only `_seq` or
    /// `_time`), so the row's header must be read.
    reads_fields: bool,
}

impl CompiledFilter {
    /// Resolves the fields of `filter` in `schema`; a name that is neither a
    /// schema field nor `_seq` or `_time` is [`QueryError::UnknownField`].
    pub fn new(filter: &Expr, schema: Arc<Schema>) -> Result<CompiledFilter, QueryError> {
        let mut reads_fields = false;
        let root = compile(filter, &schema, &mut reads_fields)?;
        Ok(CompiledFilter { root, schema, reads_fields })
    }

    /// Whether the filter reads schema fields, not only `_seq` and `_time`
    /// (which a table's scan bounds by key and time range before the filter
    /// sees the row).
    pub fn reads_fields(&self) -> bool {
        self.reads_fields
    }

    /// The schema the filter was compiled against.
    pub fn schema(&self) -> &Arc<Schema> {
        &self.schema
    }

    /// Whether the row with this `_seq` and encoding matches: the filter is
    /// true (not false, not unknown). A field that cannot be decoded is an
    /// error, as for `srdb_schema::decode_field`.
    // Always in line: a scan calls it once per row, and the call and its
    // large error result cost as much as evaluating a condition.
    #[inline(always)]
    pub fn matches(&self, seq: u64, bytes: &[u8]) -> Result<bool, SchemaError> {
        if let Node::Leaf(Leaf::TimeIn { low, high }) = self.root {
            return time_in(bytes, low, high);
        }
        let row = if self.reads_fields {
            Encoded::View(RowView::new(bytes, &self.schema)?)
        } else {
            Encoded::Bytes(bytes)
        };
        Ok(truth(&self.root, seq, &row)? == Some(true))
    }
}

fn compile(expr: &Expr, schema: &Schema, reads_fields: &mut bool) -> Result<Node, QueryError> {
    let all = |members: &[Expr], reads_fields: &mut bool| {
        members.iter().map(|m| compile(m, schema, reads_fields)).collect::<Result<Vec<_>, _>>()
    };
    Ok(match expr {
        Expr::Cond { field, op } => {
            let column = match field.as_str() {
                "_seq" => Column::Seq,
                "_time" => Column::Time,
                name => {
                    *reads_fields = true;
                    Column::Field(
                        schema
                            .index_of(name)
                            .ok_or_else(|| QueryError::UnknownField { field: name.to_owned() })?,
                    )
                }
            };
            Node::Leaf(leaf(column, op, schema))
        }
        Expr::And(members) => Node::And(all(members, reads_fields)?),
        Expr::Or(members) => Node::Or(all(members, reads_fields)?),
        Expr::Not(inner) => Node::Not(Box::new(compile(inner, schema, reads_fields)?)),
    })
}

/// A filter that is one time range (a time-range query's): the row's first
/// eight bytes decide, without the general evaluation. Not in line, so that
/// the general path stays small enough to be inlined where it runs.
#[inline(never)]
fn time_in(bytes: &[u8], low: i64, high: i64) -> Result<bool, SchemaError> {
    let time = decode_time(bytes)?;
    Ok(low <= time && time <= high)
}

/// The fastest form of the condition `op` on `column`.
fn leaf(column: Column, op: &Op, schema: &Schema) -> Leaf {
    // Which orders of the column against the literal make it true.
    let accept = match op {
        Op::Eq(_) => [false, true, false],
        Op::Ne(_) => [true, false, true],
        Op::Lt(_) => [true, false, false],
        Op::Gt(_) => [false, false, true],
        Op::Lte(_) => [true, true, false],
        Op::Gte(_) => [false, true, true],
        Op::Between(low, high) if !low.is_null() && !high.is_null() => {
            return match (column, low, high) {
                (Column::Time, Value::Time(low), Value::Time(high)) => {
                    Leaf::TimeIn { low: *low, high: *high }
                }
                _ => Leaf::Range { column, low: low.clone(), high: high.clone() },
            };
        }
        _ => return Leaf::Cond { column, op: op.clone() },
    };
    let (Op::Eq(literal)
    | Op::Ne(literal)
    | Op::Lt(literal)
    | Op::Gt(literal)
    | Op::Lte(literal)
    | Op::Gte(literal)) = op
    else {
        unreachable!("only comparisons have an accept table")
    };
    match (column, literal) {
        (_, Value::Null) => Leaf::Cond { column, op: op.clone() },
        (Column::Field(index), Value::String(text))
            if schema.fields()[index].ty == FieldType::String =>
        {
            let literal: Box<[u8]> = text.as_bytes().into();
            match op {
                Op::Eq(_) => Leaf::StringEq { index, literal, equal: true },
                Op::Ne(_) => Leaf::StringEq { index, literal, equal: false },
                _ => Leaf::CompareString { index, literal, accept },
            }
        }
        // `_time` is never NULL: a comparison is a range of times.
        (Column::Time, Value::Time(t)) => {
            let (low, high) = match op {
                Op::Eq(_) => (Some(*t), Some(*t)),
                Op::Lt(_) => (Some(i64::MIN), t.checked_sub(1)),
                Op::Gt(_) => (t.checked_add(1), Some(i64::MAX)),
                Op::Lte(_) => (Some(i64::MIN), Some(*t)),
                Op::Gte(_) => (Some(*t), Some(i64::MAX)),
                _ => return Leaf::Compare { column, literal: literal.clone(), accept },
            };
            match (low, high) {
                (Some(low), Some(high)) => Leaf::TimeIn { low, high },
                // Below the smallest time or above the largest: no row.
                _ => Leaf::TimeIn { low: i64::MAX, high: i64::MIN },
            }
        }
        _ => Leaf::Compare { column, literal: literal.clone(), accept },
    }
}

/// A row as the filter reads it: with its header checked when the filter
/// reads schema fields, or as bytes when it reads only `_seq` and `_time`.
enum Encoded<'a> {
    View(RowView<'a>),
    Bytes(&'a [u8]),
}

impl<'a> Encoded<'a> {
    /// The row's fields; only a filter that reads fields asks for them.
    #[inline(always)]
    fn view(&self) -> &RowView<'a> {
        match self {
            Encoded::View(view) => view,
            Encoded::Bytes(_) => {
                unreachable!("a filter that reads fields reads rows through a view")
            }
        }
    }

    #[inline(always)]
    fn time(&self) -> Result<i64, SchemaError> {
        match self {
            Encoded::View(view) => Ok(view.time()),
            Encoded::Bytes(bytes) => decode_time(bytes),
        }
    }

    #[inline(always)]
    fn value(&self, column: Column, seq: u64) -> Result<ValueRef<'a>, SchemaError> {
        Ok(match (column, self) {
            (Column::Seq, _) => ValueRef::Uint(seq),
            (Column::Time, Encoded::View(view)) => ValueRef::Time(view.time()),
            (Column::Time, Encoded::Bytes(bytes)) => ValueRef::Time(decode_time(bytes)?),
            (Column::Field(i), Encoded::View(view)) => view.field(i)?,
            (Column::Field(_), Encoded::Bytes(_)) => {
                unreachable!("a filter that reads fields reads rows through a view")
            }
        })
    }
}

/// Three-valued truth, as [`Expr::truth`]: `AND` and `OR` stop at the first
/// member that settles them, so later fields are not read. Conditions are
/// evaluated in line, so a filter of conditions under one `AND` or `OR`
/// costs one call per row.
fn truth(node: &Node, seq: u64, row: &Encoded<'_>) -> Result<Option<bool>, SchemaError> {
    match node {
        Node::Leaf(leaf) => leaf_truth(leaf, seq, row),
        Node::Not(inner) => Ok(truth(inner, seq, row)?.map(|t| !t)),
        Node::And(members) => {
            let mut result = Some(true);
            for member in members {
                match member_truth(member, seq, row)? {
                    Some(false) => return Ok(Some(false)),
                    None => result = None,
                    Some(true) => {}
                }
            }
            Ok(result)
        }
        Node::Or(members) => {
            let mut result = Some(false);
            for member in members {
                match member_truth(member, seq, row)? {
                    Some(true) => return Ok(Some(true)),
                    None => result = None,
                    Some(false) => {}
                }
            }
            Ok(result)
        }
    }
}

/// The truth of a member of `AND` or `OR`: a condition in line, anything
/// else by recursion.
#[inline(always)]
fn member_truth(node: &Node, seq: u64, row: &Encoded<'_>) -> Result<Option<bool>, SchemaError> {
    match node {
        Node::Leaf(leaf) => leaf_truth(leaf, seq, row),
        other => truth(other, seq, row),
    }
}

#[inline(always)]
fn leaf_truth(leaf: &Leaf, seq: u64, row: &Encoded<'_>) -> Result<Option<bool>, SchemaError> {
    match leaf {
        Leaf::StringEq { index, literal, equal } => {
            Ok(row.view().string_bytes(*index)?.map(|bytes| (bytes == &literal[..]) == *equal))
        }
        Leaf::TimeIn { low, high } => {
            let time = row.time()?;
            Ok(Some(*low <= time && time <= *high))
        }
        Leaf::Compare { column, literal, accept } => {
            let v = row.value(*column, seq)?;
            Ok((!v.is_null()).then(|| accept[(v.cmp_value(literal) as i8 + 1) as usize]))
        }
        Leaf::CompareString { index, literal, accept } => Ok(row
            .view()
            .string_bytes(*index)?
            .map(|bytes| accept[(bytes.cmp(literal) as i8 + 1) as usize])),
        Leaf::Range { column, low, high } => {
            let v = row.value(*column, seq)?;
            Ok((!v.is_null()).then(|| v.cmp_value(low).is_ge() && v.cmp_value(high).is_le()))
        }
        Leaf::Cond { column, op } => Ok(condition(&row.value(*column, seq)?, op)),
    }
}

#[cfg(test)]
mod tests {
    use srdb_schema::{encode_row, Row};

    use super::*;

    /// Comparisons of `_time` with the extreme times compile to ranges that
    /// answer as evaluation on the decoded row does.
    #[test]
    fn time_comparisons_at_the_ends_of_the_range_agree_with_evaluation() {
        let schema = Arc::new(Schema::builder().field("n", FieldType::Int64).build().unwrap());
        let row = Row::new().with("n", 1i64);
        let edges = [i64::MIN, i64::MIN + 1, -1, 0, 1, i64::MAX - 1, i64::MAX];
        for time in edges {
            let bytes = encode_row(&schema, time, &schema.validate(&row).unwrap());
            let table_row = crate::TableRow { seq: 1, time, row: &row };
            for literal in edges {
                let t = || Expr::field("_time");
                let v = || Value::Time(literal);
                for expr in [
                    t().eq(v()),
                    t().ne(v()),
                    t().lt(v()),
                    t().gt(v()),
                    t().lte(v()),
                    t().gte(v()),
                    t().between(v(), Value::Time(0)),
                    t().between(Value::Time(0), v()),
                ] {
                    let compiled = CompiledFilter::new(&expr, schema.clone()).unwrap();
                    assert_eq!(
                        compiled.matches(1, &bytes).unwrap(),
                        expr.eval(&table_row),
                        "{expr} at time {time}"
                    );
                }
            }
        }
    }
}

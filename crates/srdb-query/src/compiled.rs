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
//! logic included. A string field compared with a string literal is
//! compared as bytes (UTF-8 orders as its bytes), so its UTF-8 is checked
//! when the row is decoded for output rather than on every row filtered.

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

#[derive(Clone, Debug)]
enum Node {
    /// A comparison with a literal that is not NULL (`=`, `!=`, `<`, `>`,
    /// `<=`, `>=`): true when the field is not NULL and its order against
    /// the literal is one `accept` holds (indexed by `Ordering as i8 + 1`).
    /// The same answers as `condition`, without matching the operator per row.
    Compare {
        column: Column,
        literal: Value,
        accept: [bool; 3],
    },
    /// A [`Node::Compare`] of a string field with a string literal, on the
    /// field's bytes.
    CompareString {
        index: usize,
        literal: Box<[u8]>,
        accept: [bool; 3],
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
    And(Vec<Node>),
    Or(Vec<Node>),
    Not(Box<Node>),
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

    /// The schema the filter was compiled against.
    pub fn schema(&self) -> &Arc<Schema> {
        &self.schema
    }

    /// Whether the row with this `_seq` and encoding matches: the filter is
    /// true (not false, not unknown). A field that cannot be decoded is an
    /// error, as for `srdb_schema::decode_field`.
    #[inline]
    pub fn matches(&self, seq: u64, bytes: &[u8]) -> Result<bool, SchemaError> {
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
            // Which orders of `field` against the literal make it true.
            let accept = match op {
                Op::Eq(_) => Some([false, true, false]),
                Op::Ne(_) => Some([true, false, true]),
                Op::Lt(_) => Some([true, false, false]),
                Op::Gt(_) => Some([false, false, true]),
                Op::Lte(_) => Some([true, true, false]),
                Op::Gte(_) => Some([false, true, true]),
                _ => None,
            };
            match (op, accept) {
                (
                    Op::Eq(literal)
                    | Op::Ne(literal)
                    | Op::Lt(literal)
                    | Op::Gt(literal)
                    | Op::Lte(literal)
                    | Op::Gte(literal),
                    Some(accept),
                ) if !literal.is_null() => match (column, literal) {
                    (Column::Field(index), Value::String(text))
                        if schema.fields()[index].ty == FieldType::String =>
                    {
                        Node::CompareString { index, literal: text.as_bytes().into(), accept }
                    }
                    _ => Node::Compare { column, literal: literal.clone(), accept },
                },
                (Op::Between(low, high), _) if !low.is_null() && !high.is_null() => {
                    Node::Range { column, low: low.clone(), high: high.clone() }
                }
                _ => Node::Cond { column, op: op.clone() },
            }
        }
        Expr::And(members) => Node::And(all(members, reads_fields)?),
        Expr::Or(members) => Node::Or(all(members, reads_fields)?),
        Expr::Not(inner) => Node::Not(Box::new(compile(inner, schema, reads_fields)?)),
    })
}

/// A row as the filter reads it: with its header checked when the filter
/// reads schema fields, or as bytes when it reads only `_seq` and `_time`.
enum Encoded<'a> {
    View(RowView<'a>),
    Bytes(&'a [u8]),
}

impl<'a> Encoded<'a> {
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
/// member that settles them, so later fields are not read.
fn truth(node: &Node, seq: u64, row: &Encoded<'_>) -> Result<Option<bool>, SchemaError> {
    match node {
        Node::Compare { column, literal, accept } => {
            let v = row.value(*column, seq)?;
            Ok((!v.is_null()).then(|| accept[(v.cmp_value(literal) as i8 + 1) as usize]))
        }
        Node::CompareString { index, literal, accept } => {
            let Encoded::View(view) = row else {
                unreachable!("a filter that reads fields reads rows through a view")
            };
            Ok(view
                .string_bytes(*index)?
                .map(|bytes| accept[(bytes.cmp(literal) as i8 + 1) as usize]))
        }
        Node::Range { column, low, high } => {
            let v = row.value(*column, seq)?;
            Ok((!v.is_null()).then(|| v.cmp_value(low).is_ge() && v.cmp_value(high).is_le()))
        }
        Node::Cond { column, op } => Ok(condition(&row.value(*column, seq)?, op)),
        Node::Not(inner) => Ok(truth(inner, seq, row)?.map(|t| !t)),
        Node::And(members) => {
            let mut result = Some(true);
            for member in members {
                match truth(member, seq, row)? {
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
                match truth(member, seq, row)? {
                    Some(true) => return Ok(Some(true)),
                    None => result = None,
                    Some(false) => {}
                }
            }
            Ok(result)
        }
    }
}

//! Binding a query to a table's schema: every field must exist, every
//! literal is converted to its field's type.

use srdb_schema::{FieldType, Schema, SchemaError, Value};

use crate::limits::{MAX_DEPTH, MAX_IN_VALUES};
use crate::{Expr, Op, Query, QueryError};

/// A query checked against a schema: its fields exist and its literals have
/// their fields' types, so that evaluation compares like with like. Made by
/// [`Query::bind`].
#[derive(Clone, Debug, PartialEq)]
pub struct BoundQuery {
    query: Query,
    filter_fields: Vec<usize>,
}

impl BoundQuery {
    /// The query, literals converted.
    pub fn query(&self) -> &Query {
        &self.query
    }

    /// The filter, literals converted; `None` matches every row.
    pub fn filter(&self) -> Option<&Expr> {
        self.query.filter.as_ref()
    }

    /// Indexes in the schema of the fields the filter reads (sorted, each
    /// once; `_seq` and `_time` are not schema fields and are not listed), for
    /// [`srdb_schema::decode_fields`].
    pub fn filter_field_indexes(&self) -> &[usize] {
        &self.filter_fields
    }

    /// The query, literals converted.
    pub fn into_query(self) -> Query {
        self.query
    }
}

/// The type of `name` in a table of `schema`: a schema field, or `_seq`
/// (`uint64`) or `_time` (`time`).
pub fn field_type(schema: &Schema, name: &str) -> Option<FieldType> {
    match name {
        "_seq" => Some(FieldType::Uint64),
        "_time" => Some(FieldType::Time),
        _ => schema.field(name).map(|f| f.ty),
    }
}

impl Query {
    /// Checks the query against `schema` and converts its literals to their
    /// fields' types (see `docs/guide/query.md`, "Literals"). Errors name the
    /// field: an unknown field, a literal that does not fit (`300` for an
    /// `int8`, `'x'` for a `time`), a text operator on a field that is not a
    /// string or bytes, a filter nested deeper than
    /// [`MAX_DEPTH`](crate::MAX_DEPTH) or an `IN` list longer than
    /// [`MAX_IN_VALUES`](crate::MAX_IN_VALUES).
    ///
    /// Fields named twice in `select` are kept once, at their first place.
    pub fn bind(&self, schema: &Schema) -> Result<BoundQuery, QueryError> {
        let mut query = self.clone();
        let known = |name: &str| {
            field_type(schema, name)
                .ok_or_else(|| QueryError::UnknownField { field: name.to_owned() })
        };
        if let Some(select) = &mut query.select {
            for name in select.iter() {
                known(name)?;
            }
            let mut seen = Vec::with_capacity(select.len());
            select.retain(|name| {
                let first = !seen.contains(name);
                if first {
                    seen.push(name.clone());
                }
                first
            });
        }
        if let Some((name, _)) = &query.order_by {
            known(name)?;
        }
        let mut filter_fields = Vec::new();
        if let Some(filter) = &mut query.filter {
            let depth = filter.depth();
            if depth > MAX_DEPTH {
                return Err(QueryError::TooLarge {
                    reason: format!(
                        "the filter nests {depth} levels deep, more than the limit of {MAX_DEPTH}"
                    ),
                });
            }
            bind_expr(filter, schema, &mut filter_fields)?;
            filter_fields.sort_unstable();
            filter_fields.dedup();
        }
        Ok(BoundQuery { query, filter_fields })
    }
}

/// Binds the literals of `expr` and adds the schema indexes of the fields it
/// reads to `fields` (unsorted, with repeats).
fn bind_expr(expr: &mut Expr, schema: &Schema, fields: &mut Vec<usize>) -> Result<(), QueryError> {
    match expr {
        Expr::Cond { field, op } => {
            // One lookup gives the type and the index of a schema field.
            let ty = match field.as_str() {
                "_seq" => FieldType::Uint64,
                "_time" => FieldType::Time,
                name => {
                    let i = schema
                        .index_of(name)
                        .ok_or_else(|| QueryError::UnknownField { field: field.clone() })?;
                    fields.push(i);
                    schema.fields()[i].ty
                }
            };
            let keyword = op.keyword();
            if let Op::In(list) | Op::NotIn(list) = op {
                if list.len() > MAX_IN_VALUES {
                    return Err(QueryError::TooLarge {
                        reason: format!(
                            "the {} list on `{field}` has {} values, more than the limit of {MAX_IN_VALUES}",
                            keyword,
                            list.len()
                        ),
                    });
                }
            }
            if op.is_text() && !matches!(ty, FieldType::String | FieldType::Bytes) {
                return Err(QueryError::Operator {
                    op: op.keyword(),
                    field: field.clone(),
                    reason: format!(
                        "it applies to string and bytes fields, and `{field}` has type {ty}"
                    ),
                });
            }
            for operand in op.operands_mut() {
                let literal = std::mem::replace(operand, Value::Null);
                *operand = convert_literal(literal, ty, field)
                    .map_err(|source| QueryError::Literal { field: field.clone(), source })?;
            }
            Ok(())
        }
        Expr::And(members) | Expr::Or(members) => {
            members.iter_mut().try_for_each(|m| bind_expr(m, schema, fields))
        }
        Expr::Not(inner) => bind_expr(inner, schema, fields),
    }
}

/// Converts a literal to the field type `ty`, losing nothing:
///
/// * NULL stays NULL;
/// * a string for a `bytes` field is its UTF-8 bytes;
/// * a decimal literal (what the parser makes of `1.5`) for a float field is
///   the float nearest to its decimal text; a float for a `decimal` field is
///   its shortest decimal form;
/// * a string for any other non-string type is read as in JSON
///   ([`Value::from_json`]): RFC 3339 times, durations like `'1h30m'`,
///   decimals, floats such as `'NaN'` and `'-inf'`, one-character runes;
/// * anything else by [`Value::coerce`] (integers that fit, exact floats).
pub(crate) fn convert_literal(
    literal: Value,
    ty: FieldType,
    field: &str,
) -> Result<Value, SchemaError> {
    match (ty, literal) {
        (_, Value::Null) => Ok(Value::Null),
        (FieldType::Bytes, Value::String(s)) => Ok(Value::Bytes(s.into_bytes())),
        (FieldType::Float32 | FieldType::Float64, Value::Decimal(d)) => {
            let mut text = d.to_string();
            // A decimal keeps the sign of zero but does not print it; the
            // float must keep it: `-0.0` is not `0.0`.
            if d.is_sign_negative() && !text.starts_with('-') {
                text.insert(0, '-');
            }
            Value::from_json(&serde_json::Value::String(text), ty, field)
        }
        (FieldType::Decimal, Value::Float64(f)) if f.is_finite() => {
            Value::from_json(&serde_json::Value::String(f.to_string()), ty, field)
        }
        (FieldType::Decimal, Value::Float32(f)) if f.is_finite() => {
            Value::from_json(&serde_json::Value::String(f.to_string()), ty, field)
        }
        (FieldType::String, literal) => literal.coerce(ty, field),
        (_, Value::String(s)) => Value::from_json(&serde_json::Value::String(s), ty, field),
        (_, literal) => literal.coerce(ty, field),
    }
}

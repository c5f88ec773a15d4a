//! Validation of a row given field by field, by the field's index in the
//! schema: what [`Schema::validate_with`] does after matching names, and
//! what positional inserts (values in a fixed order of fields, resolved to
//! indexes once) do without building a [`crate::Row`].

use crate::codec::encoded_size;
use crate::limits::{MAX_FIELDS, MAX_ROW_BYTES};
use crate::row::ValidatedRow;
use crate::{Schema, SchemaError, Value};

/// A row being filled in by field index; [`RowBuilder::finish`] checks it
/// like [`Schema::validate`] (NULLs, missing fields, defaults, size) and
/// returns the [`ValidatedRow`].
///
/// ```
/// use srdb_schema::{FieldType, Schema, Value};
///
/// let schema = Schema::builder()
///     .field("name", FieldType::String)
///     .field("age", FieldType::Int32)
///     .nullable()
///     .build()?;
/// let mut row = schema.row_builder();
/// row.set(0, Value::from("Alice"))?;
/// let row = row.finish()?;
/// assert_eq!(row.values(), &[Value::from("Alice"), Value::Null]);
///
/// // Each value is converted to its field's type, and errors name the field.
/// let err = schema.row_builder().set(1, Value::from("thirty")).unwrap_err();
/// assert!(err.to_string().contains("`age`"));
/// # Ok::<(), srdb_schema::SchemaError>(())
/// ```
#[derive(Debug)]
pub struct RowBuilder<'s> {
    schema: &'s Schema,
    values: Vec<Value>,
    /// A bit per field: whether the row set it.
    given: [u64; MAX_FIELDS.div_ceil(64)],
}

impl Schema {
    /// An empty row to fill in by field index (see [`RowBuilder`]).
    pub fn row_builder(&self) -> RowBuilder<'_> {
        RowBuilder {
            schema: self,
            // Not `vec![Value::Null; n]`, which clones a `Value` per field.
            values: std::iter::repeat_with(|| Value::Null).take(self.len()).collect(),
            given: [0; MAX_FIELDS.div_ceil(64)],
        }
    }
}

impl RowBuilder<'_> {
    /// Sets field `index` to `value` converted to the field's type by
    /// [`Value::coerce`] (so `Int(300)` for an `int8` field is an error,
    /// never a truncation). Setting a field again replaces its value.
    ///
    /// Errors: an index past the schema's fields, a value the field's type
    /// cannot hold (naming the field).
    pub fn set(&mut self, index: usize, value: Value) -> Result<(), SchemaError> {
        let Some(field) = self.schema.fields().get(index) else {
            return Err(SchemaError::FieldIndexOutOfRange { index, count: self.schema.len() });
        };
        self.values[index] = value.coerce(field.ty, &field.name)?;
        self.given[index / 64] |= 1 << (index % 64);
        Ok(())
    }

    /// Checks the fields as a whole and returns the row: a field set to
    /// NULL must be nullable; a field not set must not be required, and
    /// takes its default, or NULL if it is nullable. The row must encode to
    /// at most [`MAX_ROW_BYTES`]. Each error names the field.
    pub fn finish(self) -> Result<ValidatedRow, SchemaError> {
        let RowBuilder { schema, mut values, given } = self;
        for (index, (field, value)) in schema.fields().iter().zip(&mut values).enumerate() {
            match given[index / 64] & (1 << (index % 64)) != 0 {
                true if value.is_null() && !field.nullable => {
                    return Err(SchemaError::NullNotAllowed { field: field.name.clone() })
                }
                true => {}
                false if field.required => {
                    return Err(SchemaError::MissingField {
                        field: field.name.clone(),
                        reason: "the field is required",
                    })
                }
                false => match (&field.default, field.nullable) {
                    (Some(default), _) => *value = default.clone(),
                    (None, true) => {}
                    (None, false) => {
                        return Err(SchemaError::MissingField {
                            field: field.name.clone(),
                            reason: "the field is not nullable and has no default",
                        })
                    }
                },
            }
        }
        let bytes = encoded_size(schema, &values);
        if bytes > MAX_ROW_BYTES {
            return Err(SchemaError::RowTooLarge { bytes, max: MAX_ROW_BYTES });
        }
        Ok(ValidatedRow::new(schema.version(), values))
    }
}

#[cfg(test)]
mod tests {
    use crate::{FieldType, Row, Schema, SchemaError, Value};

    fn schema() -> Schema {
        Schema::builder()
            .field("a", FieldType::Int8)
            .field("b", FieldType::String)
            .default_value("none")
            .field("c", FieldType::Float64)
            .nullable()
            .field("d", FieldType::Bool)
            .required()
            .nullable()
            .build()
            .unwrap()
    }

    /// Building by index and validating by name accept and refuse the
    /// same rows, with the same errors.
    #[test]
    fn agrees_with_validate() {
        let schema = schema();
        let cases: Vec<Vec<(usize, Value)>> = vec![
            vec![(0, Value::Int(1)), (3, Value::Bool(true))],
            vec![(0, Value::Int(1)), (1, Value::from("x")), (2, Value::Int(3)), (3, Value::Null)],
            vec![(0, Value::Int(300)), (3, Value::Null)],
            vec![(0, Value::Null), (3, Value::Null)],
            vec![(0, Value::Int(1))],
            vec![(3, Value::Bool(false))],
            vec![(0, Value::Int(1)), (1, Value::Int(2)), (3, Value::Null)],
            vec![(3, Value::Null), (2, Value::Float64(0.5)), (0, Value::Uint(7))],
        ];
        for case in cases {
            let mut row = Row::new();
            let mut builder = schema.row_builder();
            let mut set = Ok(());
            for (index, value) in &case {
                row.insert(&schema.fields()[*index].name, value.clone());
                set = set.and_then(|()| builder.set(*index, value.clone()));
            }
            let by_index = set.and_then(|()| builder.finish());
            assert_eq!(by_index, schema.validate(&row), "{case:?}");
        }
    }

    #[test]
    fn an_index_past_the_fields_is_an_error() {
        let schema = schema();
        assert!(matches!(
            schema.row_builder().set(4, Value::Null),
            Err(SchemaError::FieldIndexOutOfRange { index: 4, count: 4 })
        ));
    }
}

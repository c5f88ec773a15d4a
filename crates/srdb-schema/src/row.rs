//! Rows: ordered maps of field names to values, and their validation.

use std::sync::Arc;

use crate::{Schema, SchemaError, Value, RESERVED_NAMES};

/// A row: field names mapped to values, in insertion order.
///
/// It is a `Vec` of `(name, value)` pairs with unique names; lookups scan it,
/// which beats hashing for the tens of fields a row has. Inserting a name
/// already present replaces its value in place. Names are `Arc<str>`, so rows
/// decoded from a table share their field names with each other instead of
/// allocating them once per row (see [`Row::push_unique`]).
///
/// ```
/// use srdb_schema::{Row, Value};
///
/// let row = Row::new().with("name", "Alice").with("age", 30).with("email", None::<String>);
/// assert_eq!(row.get("age"), Some(&Value::Int(30)));
/// assert_eq!(row.get("email"), Some(&Value::Null));
/// ```
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Row {
    entries: Vec<(Arc<str>, Value)>,
}

impl Row {
    /// An empty row.
    pub fn new() -> Row {
        Row::default()
    }

    /// An empty row with room for `capacity` fields.
    pub fn with_capacity(capacity: usize) -> Row {
        Row { entries: Vec::with_capacity(capacity) }
    }

    /// Sets `name` to `value`, returning the value it replaces.
    ///
    /// The name is copied once, straight into the row's shared name (an
    /// `Arc<str>`), whether it is given as a `&str` or a `String`: taking
    /// `Into<String>` cost a `String` and then the `Arc` for every field of
    /// every inserted row.
    pub fn insert(&mut self, name: impl AsRef<str>, value: impl Into<Value>) -> Option<Value> {
        let name = name.as_ref();
        let value = value.into();
        match self.entries.iter_mut().find(|(n, _)| **n == *name) {
            Some((_, slot)) => Some(std::mem::replace(slot, value)),
            None => {
                self.entries.push((Arc::from(name), value));
                None
            }
        }
    }

    /// Appends a field that the row does not have yet, sharing its name:
    /// the cheap way to build rows whose names are known to be unique, such
    /// as rows decoded by a schema. Unlike [`Row::insert`] it does not look
    /// for the name; adding a name twice is a caller bug (checked in debug
    /// builds) after which [`Row::get`] sees the first value.
    pub fn push_unique(&mut self, name: &Arc<str>, value: Value) {
        debug_assert!(self.get(name).is_none(), "field `{name}` is already in the row");
        self.entries.push((Arc::clone(name), value));
    }

    /// [`Row::insert`] for chaining.
    #[must_use]
    pub fn with(mut self, name: impl AsRef<str>, value: impl Into<Value>) -> Row {
        self.insert(name, value);
        self
    }

    /// The value of `name`.
    pub fn get(&self, name: &str) -> Option<&Value> {
        self.entries.iter().find(|(n, _)| **n == *name).map(|(_, v)| v)
    }

    /// Removes `name`, returning its value.
    pub fn remove(&mut self, name: &str) -> Option<Value> {
        let at = self.entries.iter().position(|(n, _)| **n == *name)?;
        Some(self.entries.remove(at).1)
    }

    /// Number of fields in the row.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Whether the row has no fields.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// The fields in order.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &Value)> {
        self.entries.iter().map(|(n, v)| (&**n, v))
    }

    /// The row as a JSON object, each value converted by [`Value::to_json`].
    pub fn to_json(&self) -> serde_json::Value {
        serde_json::Value::Object(self.iter().map(|(n, v)| (n.to_owned(), v.to_json())).collect())
    }

    /// A row of pairs whose names are known to be unique.
    pub(crate) fn from_entries_unchecked(entries: Vec<(Arc<str>, Value)>) -> Row {
        Row { entries }
    }

    /// The `(name, value)` pairs in order.
    pub fn into_entries(self) -> Vec<(String, Value)> {
        self.into_iter().collect()
    }
}

impl<K: Into<String>, V: Into<Value>> FromIterator<(K, V)> for Row {
    /// Collects pairs; a later pair with the same name replaces an earlier one.
    fn from_iter<I: IntoIterator<Item = (K, V)>>(iter: I) -> Self {
        let mut row = Row::new();
        for (name, value) in iter {
            row.insert(name.into(), value);
        }
        row
    }
}

/// An owned field of a row, as [`Row`]'s `IntoIterator` yields it.
type OwnedField = (String, Value);

impl IntoIterator for Row {
    type Item = OwnedField;
    type IntoIter =
        std::iter::Map<std::vec::IntoIter<(Arc<str>, Value)>, fn((Arc<str>, Value)) -> OwnedField>;

    fn into_iter(self) -> Self::IntoIter {
        self.entries.into_iter().map(|(name, value)| (String::from(&*name), value))
    }
}

/// What validation does with a field that the schema does not define.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum UnknownFields {
    /// Refuse the row with [`SchemaError::UnknownField`] (the default).
    #[default]
    Reject,
    /// Drop the field and keep the rest of the row (for imports of data with
    /// extra columns).
    Ignore,
}

/// A row that a schema accepted: one value per field, in schema order, each of
/// the field's type, defaults applied. Only [`Schema::validate`] makes one, so
/// [`crate::encode_row`] can trust it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ValidatedRow {
    schema_version: u32,
    values: Vec<Value>,
}

impl ValidatedRow {
    /// A row of `values` that a schema of `schema_version` accepted.
    pub(crate) fn new(schema_version: u32, values: Vec<Value>) -> ValidatedRow {
        ValidatedRow { schema_version, values }
    }

    /// The values, one per field of the schema, in schema order.
    pub fn values(&self) -> &[Value] {
        &self.values
    }

    /// The value of field `index`.
    pub fn get(&self, index: usize) -> Option<&Value> {
        self.values.get(index)
    }

    /// Version of the schema that validated the row.
    pub fn schema_version(&self) -> u32 {
        self.schema_version
    }

    /// The values, one per field, in schema order.
    pub fn into_values(self) -> Vec<Value> {
        self.values
    }

    /// The row as a [`Row`] with the schema's field names, in schema order.
    pub fn to_row(&self, schema: &Schema) -> Row {
        let entries = schema
            .fields()
            .iter()
            .zip(&self.values)
            .map(|(f, v)| (Arc::from(f.name.as_str()), v.clone()))
            .collect();
        Row { entries }
    }
}

impl Schema {
    /// Checks a row against the schema and returns its values in schema
    /// order, with defaults applied and each value converted to its field's
    /// type by [`Value::coerce`] (so `Int(300)` for an `int8` field is an
    /// error, never a truncation). Fields the schema does not define are
    /// refused; see [`Schema::validate_with`] to drop them instead.
    ///
    /// Errors: a wrong type, NULL in a non-nullable field, a missing required
    /// field (or a missing non-nullable field without a default), an unknown
    /// field, a row that would encode to more than [`crate::MAX_ROW_BYTES`]. Each
    /// names the field. Unique constraints are checked by the table layer.
    pub fn validate(&self, row: &Row) -> Result<ValidatedRow, SchemaError> {
        self.validate_with(row.clone(), UnknownFields::Reject)
    }

    /// [`Schema::validate`] taking the row by value (no copies of its values)
    /// and choosing what to do with unknown fields.
    pub fn validate_with(
        &self,
        row: Row,
        unknown: UnknownFields,
    ) -> Result<ValidatedRow, SchemaError> {
        self.validate_taking(row, unknown, |_, value| Some(value))
    }

    /// [`Schema::validate_with`] that first offers each field the schema
    /// does not define to `take`, which returns `None` if it took the value
    /// or gives it back to be refused or dropped as `unknown` says. The
    /// table layer takes `_seq` and `_time` this way, in the same pass over
    /// the row as validation instead of removing them from it first.
    ///
    /// ```
    /// use srdb_schema::{FieldType, Row, Schema, UnknownFields, Value};
    ///
    /// let schema = Schema::builder().field("name", FieldType::String).build()?;
    /// let row = Row::new().with("_time", Value::Time(5)).with("name", "Alice");
    /// let mut time = None;
    /// let row = schema.validate_taking(row, UnknownFields::Reject, |name, value| {
    ///     if name != "_time" {
    ///         return Some(value);
    ///     }
    ///     time = Some(value);
    ///     None
    /// })?;
    /// assert_eq!((time, row.values()), (Some(Value::Time(5)), &[Value::from("Alice")][..]));
    /// # Ok::<(), srdb_schema::SchemaError>(())
    /// ```
    pub fn validate_taking(
        &self,
        row: Row,
        unknown: UnknownFields,
        mut take: impl FnMut(&str, Value) -> Option<Value>,
    ) -> Result<ValidatedRow, SchemaError> {
        let fields = self.fields();
        let mut builder = self.row_builder();
        // A reserved name is never a field: no need to hash it.
        let lookup = |name: &str| match RESERVED_NAMES.contains(&name) {
            true => None,
            false => self.index_of(name),
        };
        let mut expected = 0;
        for (name, value) in row.entries {
            // Rows usually name their fields in schema order: try the field
            // after the last one found before hashing the name.
            let index = match fields.get(expected) {
                Some(field) if *field.name == *name => expected,
                _ => match lookup(&name) {
                    Some(index) => index,
                    None => match (take(&name, value), unknown) {
                        (None, _) | (Some(_), UnknownFields::Ignore) => continue,
                        (Some(_), UnknownFields::Reject) => {
                            return Err(SchemaError::UnknownField { field: name.to_string() })
                        }
                    },
                },
            };
            expected = index + 1;
            builder.set(index, value)?;
        }
        builder.finish()
    }

    /// Converts a JSON object to a [`Row`], each member by [`Value::from_json`]
    /// with its field's type. Members the schema does not define are refused
    /// or dropped as `unknown` says. The result still needs
    /// [`Schema::validate`] (for NULLs, missing fields and defaults).
    pub fn row_from_json(
        &self,
        json: &serde_json::Value,
        unknown: UnknownFields,
    ) -> Result<Row, SchemaError> {
        let serde_json::Value::Object(members) = json else {
            return Err(SchemaError::Serde {
                reason: "a row in JSON must be an object".to_owned(),
            });
        };
        let mut row = Row::with_capacity(members.len());
        for (name, json) in members {
            match self.field(name) {
                Some(field) => row
                    .entries
                    .push((name.as_str().into(), Value::from_json(json, field.ty, name)?)),
                None if unknown == UnknownFields::Ignore => {}
                None => return Err(SchemaError::UnknownField { field: name.clone() }),
            }
        }
        Ok(row)
    }
}

//! Rows: ordered maps of field names to values, and their validation.

use std::sync::Arc;

use crate::{Schema, SchemaError, Value, RESERVED_NAMES};

/// A row: field names mapped to values, in insertion order.
///
/// It holds the names and the values side by side, with unique names;
/// lookups scan the names, which beats hashing for the tens of fields a row
/// has. Inserting a name already present replaces its value in place. Names
/// are `Arc<str>`, and rows decoded from a table share one list of them
/// ([`Row::with_names`]): building such a row costs one reference count and
/// one allocation for its values, not one count per field. A row copies
/// the shared list into a list of its own the first time a field is added
/// or removed.
///
/// ```
/// use srdb_schema::{Row, Value};
///
/// let row = Row::new().with("name", "Alice").with("age", 30).with("email", None::<String>);
/// assert_eq!(row.get("age"), Some(&Value::Int(30)));
/// assert_eq!(row.get("email"), Some(&Value::Null));
/// ```
#[derive(Clone, Default)]
pub struct Row {
    names: Names,
    /// One per name, in the same order.
    values: Vec<Value>,
}

/// The names of a [`Row`]'s fields.
#[derive(Clone)]
enum Names {
    /// A list shared by many rows, never changed.
    Shared(Arc<[Arc<str>]>),
    /// The row's own list.
    Owned(Vec<Arc<str>>),
}

impl Names {
    fn as_slice(&self) -> &[Arc<str>] {
        match self {
            Names::Shared(names) => names,
            Names::Owned(names) => names,
        }
    }
}

impl Default for Names {
    fn default() -> Self {
        Names::Owned(Vec::new())
    }
}

impl Row {
    /// An empty row.
    pub fn new() -> Row {
        Row::default()
    }

    /// An empty row with room for `capacity` fields.
    pub fn with_capacity(capacity: usize) -> Row {
        Row {
            names: Names::Owned(Vec::with_capacity(capacity)),
            values: Vec::with_capacity(capacity),
        }
    }

    /// A row of `values` named by `names`, which it shares: the cheap way to
    /// build many rows with the same fields, such as the rows of a table
    /// (whose reader builds `names` once).
    ///
    /// # Panics
    /// If the lengths differ. Names must be unique; a repeated name is a
    /// caller bug (checked in debug builds) after which [`Row::get`] sees
    /// the first value.
    pub fn with_names(names: &Arc<[Arc<str>]>, values: Vec<Value>) -> Row {
        assert_eq!(names.len(), values.len(), "one value per name");
        debug_assert!(
            names.iter().enumerate().all(|(i, n)| !names[..i].contains(n)),
            "the names of a row are unique"
        );
        Row { names: Names::Shared(Arc::clone(names)), values }
    }

    fn names(&self) -> &[Arc<str>] {
        self.names.as_slice()
    }

    /// The row's own list of names, copied from the shared one if needed.
    fn names_mut(&mut self) -> &mut Vec<Arc<str>> {
        if let Names::Shared(shared) = &self.names {
            self.names = Names::Owned(shared.to_vec());
        }
        match &mut self.names {
            Names::Owned(names) => names,
            Names::Shared(_) => unreachable!("made owned above"),
        }
    }

    fn position(&self, name: &str) -> Option<usize> {
        self.names().iter().position(|n| **n == *name)
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
        match self.position(name) {
            Some(at) => Some(std::mem::replace(&mut self.values[at], value)),
            None => {
                self.names_mut().push(Arc::from(name));
                self.values.push(value);
                None
            }
        }
    }

    /// Appends a field that the row does not have yet, sharing its name:
    /// the cheap way to add fields whose names are known to be unique.
    /// Unlike [`Row::insert`] it does not look for the name; adding a name
    /// twice is a caller bug (checked in debug builds) after which
    /// [`Row::get`] sees the first value.
    pub fn push_unique(&mut self, name: &Arc<str>, value: Value) {
        debug_assert!(self.get(name).is_none(), "field `{name}` is already in the row");
        self.names_mut().push(Arc::clone(name));
        self.values.push(value);
    }

    /// [`Row::insert`] for chaining.
    #[must_use]
    pub fn with(mut self, name: impl AsRef<str>, value: impl Into<Value>) -> Row {
        self.insert(name, value);
        self
    }

    /// The value of `name`.
    pub fn get(&self, name: &str) -> Option<&Value> {
        self.position(name).map(|at| &self.values[at])
    }

    /// The value of `name`, to change in place (the row keeps its fields:
    /// `std::mem::take` of a string leaves `Value::Null` behind).
    pub fn get_mut(&mut self, name: &str) -> Option<&mut Value> {
        self.position(name).map(|at| &mut self.values[at])
    }

    /// Removes `name`, returning its value.
    pub fn remove(&mut self, name: &str) -> Option<Value> {
        let at = self.position(name)?;
        self.names_mut().remove(at);
        Some(self.values.remove(at))
    }

    /// Number of fields in the row.
    pub fn len(&self) -> usize {
        self.values.len()
    }

    /// Whether the row has no fields.
    pub fn is_empty(&self) -> bool {
        self.values.is_empty()
    }

    /// The fields in order.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &Value)> {
        self.names().iter().map(|n| &**n).zip(&self.values)
    }

    /// The row as a JSON object, each value converted by [`Value::to_json`].
    pub fn to_json(&self) -> serde_json::Value {
        serde_json::Value::Object(self.iter().map(|(n, v)| (n.to_owned(), v.to_json())).collect())
    }

    /// A row of pairs whose names are known to be unique.
    pub(crate) fn from_entries_unchecked(entries: Vec<(Arc<str>, Value)>) -> Row {
        let (names, values) = entries.into_iter().unzip();
        Row { names: Names::Owned(names), values }
    }

    /// The `(name, value)` pairs in order.
    pub fn into_entries(self) -> Vec<(String, Value)> {
        self.into_iter().collect()
    }
}

impl PartialEq for Row {
    /// Rows are equal when they have the same fields, in the same order,
    /// with equal values, however their names are held.
    fn eq(&self, other: &Row) -> bool {
        self.values == other.values && self.names() == other.names()
    }
}

impl Eq for Row {}

impl std::fmt::Debug for Row {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_map().entries(self.iter()).finish()
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

/// The fields of a [`Row`] by value, in order, names as `String`s: what
/// `Row`'s `IntoIterator` yields.
pub struct IntoFields {
    names: Names,
    next: usize,
    values: std::vec::IntoIter<Value>,
}

impl Iterator for IntoFields {
    type Item = (String, Value);

    fn next(&mut self) -> Option<(String, Value)> {
        let value = self.values.next()?;
        let name = String::from(&*self.names.as_slice()[self.next]);
        self.next += 1;
        Some((name, value))
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        self.values.size_hint()
    }
}

impl ExactSizeIterator for IntoFields {}

impl IntoIterator for Row {
    type Item = (String, Value);
    type IntoIter = IntoFields;

    fn into_iter(self) -> IntoFields {
        IntoFields { names: self.names, next: 0, values: self.values.into_iter() }
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
        Row { names: Names::Owned(schema.field_names().to_vec()), values: self.values.clone() }
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
        let Row { names, values } = row;
        for (name, value) in names.as_slice().iter().zip(values) {
            let name: &str = name;
            // Rows usually name their fields in schema order: try the field
            // after the last one found before hashing the name.
            let index = match fields.get(expected) {
                Some(field) if *field.name == *name => expected,
                _ => match lookup(name) {
                    Some(index) => index,
                    None => match (take(name, value), unknown) {
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
                Some(field) => {
                    row.push_unique(&name.as_str().into(), Value::from_json(json, field.ty, name)?)
                }
                None if unknown == UnknownFields::Ignore => {}
                None => return Err(SchemaError::UnknownField { field: name.clone() }),
            }
        }
        Ok(row)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn shared() -> Arc<[Arc<str>]> {
        ["_seq", "a", "b"].into_iter().map(Arc::from).collect()
    }

    #[test]
    fn rows_with_shared_names_read_like_any_row() {
        let names = shared();
        let row = Row::with_names(&names, vec![Value::Uint(1), Value::Int(2), Value::Null]);
        let built = Row::new().with("_seq", Value::Uint(1)).with("a", 2).with("b", Value::Null);
        assert_eq!(row, built);
        assert_eq!(row.get("a"), Some(&Value::Int(2)));
        assert_eq!(row.get("c"), None);
        assert_eq!(row.len(), 3);
        assert_eq!(format!("{row:?}"), format!("{built:?}"));
        assert_eq!(format!("{row:?}"), r#"{"_seq": Uint(1), "a": Int(2), "b": Null}"#);
        assert_eq!(row.clone().into_entries(), built.into_entries());
        assert_ne!(row, Row::with_names(&names, vec![Value::Uint(1), Value::Int(3), Value::Null]));
    }

    #[test]
    fn changing_a_row_leaves_the_shared_names_alone() {
        let names = shared();
        let values = || vec![Value::Uint(1), Value::Int(2), Value::Int(3)];
        let mut replaced = Row::with_names(&names, values());
        assert_eq!(replaced.insert("a", 9), Some(Value::Int(2)));
        let mut grown = Row::with_names(&names, values());
        assert_eq!(grown.insert("c", 4), None);
        grown.push_unique(&Arc::from("d"), Value::Int(5));
        let mut shrunk = Row::with_names(&names, values());
        assert_eq!(shrunk.remove("a"), Some(Value::Int(2)));

        assert_eq!(&names[..], &shared()[..]);
        assert_eq!(replaced.get("a"), Some(&Value::Int(9)));
        *replaced.get_mut("b").unwrap() = Value::Int(7);
        assert_eq!(replaced.get("b"), Some(&Value::Int(7)));
        assert!(replaced.get_mut("z").is_none());
        let grown: Vec<_> = grown.iter().map(|(n, _)| n.to_owned()).collect();
        assert_eq!(grown, ["_seq", "a", "b", "c", "d"]);
        assert_eq!(shrunk.iter().map(|(n, _)| n).collect::<Vec<_>>(), ["_seq", "b"]);
        assert_eq!(Row::with_names(&names, values()).get("a"), Some(&Value::Int(2)));
    }

    #[test]
    #[should_panic(expected = "one value per name")]
    fn shared_names_need_one_value_each() {
        let _ = Row::with_names(&shared(), vec![Value::Uint(1)]);
    }
}

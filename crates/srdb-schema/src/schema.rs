//! Schemas: the ordered fields of a table, their row layout, and evolution.

use std::collections::HashMap;
use std::sync::Arc;

use crate::limits::MAX_FIELDS;
use crate::{Field, FieldType, SchemaError, Value, RESERVED_NAMES};

/// Width of the slot of a variable-width field in the fixed area of a row: a
/// `u32` end offset into the variable area.
pub(crate) const VAR_SLOT_BYTES: usize = 4;

/// Where one field lives in the fixed area of an encoded row.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Slot {
    /// Offset of the slot from the start of the fixed area.
    pub offset: usize,
    /// Width of a fixed-width value, or `None` for a variable-width field
    /// whose slot holds a `u32` end offset.
    pub width: Option<usize>,
    /// For a variable-width field: the fixed-area offset of the previous
    /// variable-width field's slot, whose end offset is this field's start.
    pub prev_var: Option<usize>,
}

/// The fields of a table, in order, with a version that grows with each
/// change.
///
/// A schema is made by [`Schema::builder`], [`Schema::new`] or
/// [`Schema::from_json`]; it starts at version 1. [`Schema::add_field`]
/// appends a field and increments the version. Fields are never removed,
/// reordered or retyped, so a row written under an older version is a prefix
/// of the current fields and decodes with NULL or the default for the rest.
///
/// ```
/// use srdb_schema::{FieldType, Schema};
///
/// let schema = Schema::builder()
///     .field("name", FieldType::String).required()
///     .field("age", FieldType::Int32).indexed().nullable().comment("in years")
///     .field("city", FieldType::String).default_value("Beijing")
///     .build()?;
/// assert_eq!(schema.fields().len(), 3);
/// assert_eq!(schema.version(), 1);
/// # Ok::<(), srdb_schema::SchemaError>(())
/// ```
#[derive(Clone, Debug)]
pub struct Schema {
    version: u32,
    fields: Vec<Field>,
    /// `_seq`, `_time`, then the fields' names: shared by the rows decoded
    /// with the schema.
    row_names: Arc<[Arc<str>]>,
    by_name: HashMap<String, usize>,
    slots: Vec<Slot>,
    /// `fixed_end[n]` is the size of the fixed area of a row with `n` fields.
    fixed_end: Vec<usize>,
}

impl PartialEq for Schema {
    fn eq(&self, other: &Self) -> bool {
        self.version == other.version && self.fields == other.fields
    }
}

impl Schema {
    /// Starts a [`SchemaBuilder`].
    pub fn builder() -> SchemaBuilder {
        SchemaBuilder::default()
    }

    /// A schema at version 1 with these fields, each checked (see [`Field`]).
    pub fn new(fields: Vec<Field>) -> Result<Schema, SchemaError> {
        Schema::with_version(1, fields)
    }

    pub(crate) fn with_version(version: u32, fields: Vec<Field>) -> Result<Schema, SchemaError> {
        if version == 0 {
            return Err(SchemaError::InvalidSchema {
                reason: "the version must be at least 1".to_owned(),
            });
        }
        let mut schema = Schema {
            version,
            fields: Vec::new(),
            row_names: RESERVED_NAMES.iter().map(|&n| Arc::from(n)).collect(),
            by_name: HashMap::new(),
            slots: Vec::new(),
            fixed_end: vec![0],
        };
        for field in fields {
            schema.push(field)?;
        }
        Ok(schema)
    }

    fn push(&mut self, field: Field) -> Result<(), SchemaError> {
        let field = field.checked()?;
        if self.by_name.contains_key(&field.name) {
            return Err(SchemaError::invalid_field(
                &field.name,
                "the schema already has a field of that name",
            ));
        }
        if self.fields.len() >= MAX_FIELDS {
            return Err(SchemaError::InvalidSchema {
                reason: format!("a schema has at most {MAX_FIELDS} fields"),
            });
        }
        let offset = *self.fixed_end.last().unwrap_or(&0);
        let width = field.ty.fixed_width();
        let prev_var = self.slots.iter().rev().find(|s| s.width.is_none()).map(|s| s.offset);
        self.slots.push(Slot {
            offset,
            width,
            prev_var: if width.is_none() { prev_var } else { None },
        });
        self.fixed_end.push(offset + width.unwrap_or(VAR_SLOT_BYTES));
        self.by_name.insert(field.name.clone(), self.fields.len());
        let mut row_names = self.row_names.to_vec();
        row_names.push(field.name.as_str().into());
        self.row_names = row_names.into();
        self.fields.push(field);
        Ok(())
    }

    /// The fields' names in order, as shared strings.
    pub fn field_names(&self) -> &[Arc<str>] {
        &self.row_names[RESERVED_NAMES.len()..]
    }

    /// The names of a table row decoded with this schema: `_seq`, `_time`,
    /// then every field in schema order. Rows decoded by a table share this
    /// one list ([`crate::Row::with_names`]), so decoding a row allocates no
    /// name and counts one reference, not one per field.
    pub fn row_names(&self) -> &Arc<[Arc<str>]> {
        &self.row_names
    }

    /// Appends a field, and increments the version.
    ///
    /// Rows already stored do not have the field, so it must be nullable or
    /// have a default: old rows read back with NULL or the default. Anything
    /// else is an error and leaves the schema unchanged.
    pub fn add_field(&mut self, field: Field) -> Result<(), SchemaError> {
        if !field.nullable && field.default.as_ref().is_none_or(Value::is_null) {
            return Err(SchemaError::invalid_field(
                &field.name,
                "a field added to an existing schema must be nullable or have a default, because rows already stored do not have it",
            ));
        }
        let version = self.version.checked_add(1).ok_or_else(|| SchemaError::InvalidSchema {
            reason: "the schema version cannot grow past u32::MAX".to_owned(),
        })?;
        self.push(field)?;
        self.version = version;
        Ok(())
    }

    /// The version: 1 when made, plus one per [`Schema::add_field`].
    pub fn version(&self) -> u32 {
        self.version
    }

    /// The fields, in order.
    pub fn fields(&self) -> &[Field] {
        &self.fields
    }

    /// Number of fields.
    pub fn len(&self) -> usize {
        self.fields.len()
    }

    /// Whether the schema has no fields.
    pub fn is_empty(&self) -> bool {
        self.fields.is_empty()
    }

    /// The field called `name`.
    pub fn field(&self, name: &str) -> Option<&Field> {
        self.index_of(name).map(|i| &self.fields[i])
    }

    /// The position of the field called `name`, as used by
    /// [`crate::decode_field`].
    pub fn index_of(&self, name: &str) -> Option<usize> {
        self.by_name.get(name).copied()
    }

    /// The fields marked `indexed` (unique ones included).
    pub fn indexed_fields(&self) -> impl Iterator<Item = &Field> {
        self.fields.iter().filter(|f| f.indexed)
    }

    pub(crate) fn slot(&self, index: usize) -> Slot {
        self.slots[index]
    }

    /// Size of the fixed area of a row that has the first `count` fields.
    pub(crate) fn fixed_size(&self, count: usize) -> usize {
        self.fixed_end[count]
    }

    /// The value a row without field `index` has: the default, or NULL.
    pub(crate) fn absent_value(&self, index: usize) -> Value {
        self.fields[index].default.clone().unwrap_or(Value::Null)
    }
}

/// Builds a [`Schema`] from code: [`SchemaBuilder::field`] starts a field and
/// the other methods set constraints on the field started last.
#[derive(Debug, Default)]
#[must_use = "a builder does nothing until `build` is called"]
pub struct SchemaBuilder {
    fields: Vec<Field>,
    error: Option<SchemaError>,
}

impl SchemaBuilder {
    /// Starts a field with no constraints.
    pub fn field(mut self, name: impl Into<String>, ty: FieldType) -> Self {
        self.fields.push(Field::new(name, ty));
        self
    }

    /// Adds a field defined with [`Field`]'s own methods.
    pub fn push(mut self, field: Field) -> Self {
        self.fields.push(field);
        self
    }

    fn modify(mut self, what: &str, change: impl FnOnce(Field) -> Field) -> Self {
        match self.fields.pop() {
            Some(field) => self.fields.push(change(field)),
            None if self.error.is_none() => {
                self.error = Some(SchemaError::InvalidSchema {
                    reason: format!("`{what}` was called before any `field`"),
                });
            }
            None => {}
        }
        self
    }

    /// Makes the last field nullable.
    pub fn nullable(self) -> Self {
        self.modify("nullable", Field::nullable)
    }

    /// Makes the last field required.
    pub fn required(self) -> Self {
        self.modify("required", Field::required)
    }

    /// Makes the last field unique (and indexed).
    pub fn unique(self) -> Self {
        self.modify("unique", Field::unique)
    }

    /// Makes the last field indexed.
    pub fn indexed(self) -> Self {
        self.modify("indexed", Field::indexed)
    }

    /// Gives the last field a default value.
    pub fn default_value(self, value: impl Into<Value>) -> Self {
        let value = value.into();
        self.modify("default_value", |f| f.default_value(value))
    }

    /// Gives the last field a comment.
    pub fn comment(self, comment: impl Into<String>) -> Self {
        let comment = comment.into();
        self.modify("comment", |f| f.comment(comment))
    }

    /// Checks every field and makes the schema, at version 1.
    pub fn build(self) -> Result<Schema, SchemaError> {
        match self.error {
            Some(error) => Err(error),
            None => Schema::new(self.fields),
        }
    }
}

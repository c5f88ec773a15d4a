//! One field of a schema.

use crate::limits::{MAX_COMMENT_BYTES, MAX_FIELD_NAME_BYTES};
use crate::{FieldType, SchemaError, Value};

/// Names every table has implicitly: `_seq` (the row's key) and `_time` (its
/// time). A schema cannot define fields with these names.
pub const RESERVED_NAMES: [&str; 2] = ["_seq", "_time"];

/// One field of a schema: a name, a type and its constraints.
///
/// * `nullable`: NULL is accepted (and stored as a real NULL, distinct from
///   zero). A nullable field left out of a row without a default is NULL.
/// * `default`: the value a row gets when it leaves the field out.
/// * `required`: a row must name the field (explicitly, NULL included if
///   nullable); a default is then never used, so the two cannot be combined.
/// * `unique`: no two rows may hold the same non-NULL value. The table layer
///   enforces it through an index, so `unique` implies `indexed`.
/// * `indexed`: the table keeps a secondary index on the field. Objects and
///   arrays cannot be indexed.
/// * `comment`: free text shown in tools.
///
/// A non-nullable field without a default must be given by every row, even if
/// it is not `required`.
#[derive(Clone, Debug, PartialEq)]
pub struct Field {
    /// The name: 1 to [`MAX_FIELD_NAME_BYTES`] bytes, a letter or `_` followed
    /// by letters, digits or `_` (Unicode letters and digits count), not one
    /// of [`RESERVED_NAMES`].
    pub name: String,
    /// The type.
    pub ty: FieldType,
    /// Whether NULL is accepted.
    pub nullable: bool,
    /// The value of the field in rows that leave it out.
    pub default: Option<Value>,
    /// Whether every row must name the field.
    pub required: bool,
    /// Whether values must be unique among rows (implies `indexed`).
    pub unique: bool,
    /// Whether the table keeps a secondary index on the field.
    pub indexed: bool,
    /// Free text; empty when there is none.
    pub comment: String,
}

impl Field {
    /// A field with no constraints: not nullable, no default, not required,
    /// not unique, not indexed, no comment.
    pub fn new(name: impl Into<String>, ty: FieldType) -> Field {
        Field {
            name: name.into(),
            ty,
            nullable: false,
            default: None,
            required: false,
            unique: false,
            indexed: false,
            comment: String::new(),
        }
    }

    /// Sets `nullable`.
    pub fn nullable(mut self) -> Field {
        self.nullable = true;
        self
    }

    /// Sets the default value.
    pub fn default_value(mut self, value: impl Into<Value>) -> Field {
        self.default = Some(value.into());
        self
    }

    /// Sets `required`.
    pub fn required(mut self) -> Field {
        self.required = true;
        self
    }

    /// Sets `unique` (and so `indexed`).
    pub fn unique(mut self) -> Field {
        self.unique = true;
        self.indexed = true;
        self
    }

    /// Sets `indexed`.
    pub fn indexed(mut self) -> Field {
        self.indexed = true;
        self
    }

    /// Sets the comment.
    pub fn comment(mut self, comment: impl Into<String>) -> Field {
        self.comment = comment.into();
        self
    }

    /// Checks the definition and normalises it: the default is converted to
    /// the field's type, a NULL default becomes no default, `unique` sets
    /// `indexed`.
    pub(crate) fn checked(mut self) -> Result<Field, SchemaError> {
        check_name(&self.name)?;
        let bad = |reason: &str| Err(SchemaError::invalid_field(&self.name, reason));
        if self.comment.len() > MAX_COMMENT_BYTES {
            return bad(&format!(
                "its comment has {} bytes, more than the limit of {MAX_COMMENT_BYTES}",
                self.comment.len()
            ));
        }
        if self.unique {
            self.indexed = true;
        }
        if self.indexed && !self.ty.is_indexable() {
            return bad(&format!("a field of type {} cannot be indexed", self.ty));
        }
        if let Some(default) = self.default.take() {
            let default = default.coerce(self.ty, &self.name).map_err(|e| {
                SchemaError::invalid_field(
                    &self.name,
                    format!("its default does not fit its type ({e})"),
                )
            })?;
            match default {
                Value::Null if !self.nullable => {
                    return bad("its default is NULL but it is not nullable")
                }
                Value::Null => {}
                value => self.default = Some(value),
            }
        }
        if self.required && self.default.is_some() {
            return bad("it is required and has a default, which a required field would never use");
        }
        Ok(self)
    }
}

/// Checks a field name against the rules of [`Field::name`].
pub(crate) fn check_name(name: &str) -> Result<(), SchemaError> {
    let bad = |reason: String| Err(SchemaError::invalid_field(name, reason));
    if name.is_empty() {
        return bad("a field name cannot be empty".to_owned());
    }
    if name.len() > MAX_FIELD_NAME_BYTES {
        return bad(format!(
            "the name has {} bytes, more than the limit of {MAX_FIELD_NAME_BYTES}",
            name.len()
        ));
    }
    if RESERVED_NAMES.contains(&name) {
        return bad("the name is reserved: every row has `_seq` and `_time`".to_owned());
    }
    let mut chars = name.chars();
    let first_ok = chars.next().is_some_and(|c| c.is_alphabetic() || c == '_');
    if !first_ok || !chars.all(|c| c.is_alphanumeric() || c == '_') {
        return bad(
            "a name starts with a letter or `_` and has only letters, digits and `_`".to_owned()
        );
    }
    Ok(())
}

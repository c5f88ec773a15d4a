//! The one error type of the schema layer.

use crate::FieldType;

/// What can go wrong while defining a schema, converting or validating a
/// value, or encoding and decoding a row.
///
/// Every error about a value names the field it belongs to.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum SchemaError {
    /// A field definition is not acceptable (bad name, duplicate, a default of
    /// the wrong type, contradictory flags, ...).
    #[error("The field definition `{field}` is invalid: {reason}.")]
    InvalidField {
        /// Name of the field, as given.
        field: String,
        /// What is wrong, as a sentence fragment.
        reason: String,
    },
    /// The schema as a whole is not acceptable (too many fields, a builder
    /// used out of order, ...).
    #[error("The schema is invalid: {reason}.")]
    InvalidSchema {
        /// What is wrong, as a sentence fragment.
        reason: String,
    },
    /// A value has a type that the field cannot hold.
    #[error("The field `{field}` has type {expected}, but was given {found}.")]
    TypeMismatch {
        /// Name of the field.
        field: String,
        /// The field's type.
        expected: FieldType,
        /// A description of what was given ("a string", "a float64", ...).
        found: String,
    },
    /// A number does not fit the field's type; it is never truncated.
    #[error("The field `{field}` has type {expected}, and {value} is out of its range{range}.")]
    OutOfRange {
        /// Name of the field.
        field: String,
        /// The field's type.
        expected: FieldType,
        /// The value given, as text.
        value: String,
        /// The accepted range, as " (a to b)", or empty.
        range: String,
    },
    /// A value has the right JSON type but cannot be read as the field's type
    /// (a bad timestamp, a fractional integer, bad base64, ...).
    #[error("The field `{field}` has type {expected}, and the value given is invalid: {reason}.")]
    InvalidValue {
        /// Name of the field.
        field: String,
        /// The field's type.
        expected: FieldType,
        /// What is wrong, as a sentence fragment.
        reason: String,
    },
    /// NULL was given for a field that is not nullable.
    #[error("The field `{field}` is not nullable, but was given NULL.")]
    NullNotAllowed {
        /// Name of the field.
        field: String,
    },
    /// A row lacks a field that it must have.
    #[error("The field `{field}` is missing: {reason}.")]
    MissingField {
        /// Name of the field.
        field: String,
        /// Why it must be present, as a sentence fragment.
        reason: &'static str,
    },
    /// A row has a field that the schema does not define.
    #[error("The field `{field}` is not defined by the schema (unknown fields are refused unless `UnknownFields::Ignore` is used).")]
    UnknownField {
        /// Name of the unknown field.
        field: String,
    },
    /// A row would encode to more than [`crate::MAX_ROW_BYTES`].
    #[error("The row would encode to {bytes} bytes, more than the limit of {max} bytes.")]
    RowTooLarge {
        /// Encoded size of the row.
        bytes: usize,
        /// The limit.
        max: usize,
    },
    /// A field index is not an index of the schema.
    #[error("The field index {index} is out of range: the schema has {count} fields.")]
    FieldIndexOutOfRange {
        /// The index asked for.
        index: usize,
        /// Number of fields in the schema.
        count: usize,
    },
    /// A `schema.json` document could not be read.
    #[error("The schema document is invalid: {reason}.")]
    SchemaJson {
        /// What is wrong, as a sentence fragment.
        reason: String,
    },
    /// A `schema.json` document's checksum does not match its content: the
    /// file was edited or damaged.
    #[error("The schema document's checksum {stored} does not match its content, whose checksum is {computed}: the file was edited or damaged.")]
    ChecksumMismatch {
        /// The checksum stored in the document.
        stored: String,
        /// The checksum of the content as read.
        computed: String,
    },
    /// Encoded row bytes are damaged or were not written by this codec.
    #[error("The encoded row is corrupt at byte {offset}: {reason}.")]
    CorruptRow {
        /// Byte offset in the encoded row where the problem was found.
        offset: usize,
        /// What is wrong, as a sentence fragment.
        reason: String,
    },
    /// A row was written by a codec version this build cannot read.
    #[error("The encoded row has codec version {version}, which this build cannot read (it reads version {supported}).")]
    UnsupportedRowVersion {
        /// Version found in the row header.
        version: u8,
        /// Version this build reads and writes.
        supported: u8,
    },
    /// A row was written with a newer schema than the one it is read with.
    #[error("The encoded row was written with schema version {row_version} and {row_fields} fields, but is read with schema version {schema_version} and {schema_fields} fields.")]
    RowFromNewerSchema {
        /// Schema version in the row header.
        row_version: u32,
        /// Field count in the row header.
        row_fields: usize,
        /// Version of the schema used to read.
        schema_version: u32,
        /// Field count of the schema used to read.
        schema_fields: usize,
    },
    /// Converting a row to or from a Rust type through serde failed.
    #[error("Converting a row through serde failed: {reason}.")]
    Serde {
        /// What went wrong, as a sentence fragment.
        reason: String,
    },
}

impl SchemaError {
    pub(crate) fn corrupt(offset: usize, reason: impl Into<String>) -> Self {
        SchemaError::CorruptRow { offset, reason: reason.into() }
    }

    pub(crate) fn invalid_field(field: &str, reason: impl Into<String>) -> Self {
        SchemaError::InvalidField { field: field.to_owned(), reason: reason.into() }
    }

    pub(crate) fn invalid_value(
        field: &str,
        expected: FieldType,
        reason: impl Into<String>,
    ) -> Self {
        SchemaError::InvalidValue { field: field.to_owned(), expected, reason: reason.into() }
    }
}

//! The one error type of srdb-index.

use srdb_schema::{FieldType, SchemaError};

/// What can go wrong while encoding a value into an index key or decoding one.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum IndexError {
    /// Values of the type have no index order (objects and arrays).
    #[error("A field of type {ty} cannot be indexed: objects and arrays have no index order.")]
    NotIndexable {
        /// The field type.
        ty: FieldType,
    },
    /// A value could not be converted to the field's type.
    #[error("The value cannot be indexed: {0}")]
    Value(#[from] SchemaError),
    /// The index key would be longer than the storage engine accepts.
    #[error("The index key of field `{field}` would be {bytes} bytes, more than the limit of {max} bytes.")]
    KeyTooLong {
        /// Name of the field.
        field: String,
        /// Length the key would have.
        bytes: usize,
        /// The limit, [`crate::MAX_INDEX_KEY_BYTES`].
        max: usize,
    },
    /// Bytes read as an index key are not one that this crate writes.
    #[error("The index key is corrupt at byte {offset}: {reason}.")]
    Corrupt {
        /// Byte offset in the key where the problem was found.
        offset: usize,
        /// What is wrong, as a sentence fragment.
        reason: String,
    },
}

impl IndexError {
    pub(crate) fn corrupt(offset: usize, reason: impl Into<String>) -> Self {
        IndexError::Corrupt { offset, reason: reason.into() }
    }
}

//! The error type of databases and tables.

use srdb_schema::SchemaError;

/// Result alias of the table layer.
pub type DbResult<T, E = DbError> = std::result::Result<T, E>;

/// Everything that can go wrong in a [`crate::Database`] or a
/// [`crate::Table`]. Every error about a table names it; every error about a
/// value names its field.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum DbError {
    /// The storage engine failed.
    #[error(transparent)]
    Engine(#[from] srdb_engine::Error),
    /// A row, a value or a schema change was refused by the schema (wrong
    /// type, NULL in a non-nullable field, missing or unknown field, ...).
    #[error("Table `{table}`: {source}")]
    Schema {
        /// The table.
        table: String,
        /// What the schema layer said; it names the field.
        source: SchemaError,
    },
    /// A value cannot be put into an index (its key would be too long).
    #[error("Table `{table}`: {source}")]
    Index {
        /// The table.
        table: String,
        /// What the index layer said.
        source: srdb_index::IndexError,
    },
    /// A table name is not acceptable.
    #[error("The table name {name:?} is invalid: {reason}.")]
    InvalidTableName {
        /// The name offered.
        name: String,
        /// What is wrong with it, as a sentence fragment.
        reason: &'static str,
    },
    /// No table has this name.
    #[error("The table `{name}` does not exist.")]
    TableNotFound {
        /// The name asked for.
        name: String,
    },
    /// A table with this name exists already.
    #[error("The table `{name}` already exists.")]
    TableExists {
        /// The name asked for.
        name: String,
    },
    /// The table's files or its catalogue entry are damaged; the rest of the
    /// database works. Dropping the table removes what is left of it.
    #[error("The table `{name}` is damaged and cannot be used: {reason}.")]
    TableDamaged {
        /// The table.
        name: String,
        /// Why it could not be opened.
        reason: String,
    },
    /// The table was dropped while this handle to it was still in use.
    #[error("The table `{name}` was dropped.")]
    TableDropped {
        /// The table.
        name: String,
    },
    /// `_seq` or `_time` was given where it is not accepted.
    #[error("Table `{table}`: the field `{field}` cannot be given here: {reason}.")]
    ReservedField {
        /// The table.
        table: String,
        /// `_seq` or `_time`.
        field: String,
        /// Why, as a sentence fragment.
        reason: &'static str,
    },
    /// A row would give a unique field a value that another row holds.
    #[error("Table `{table}`: the field `{field}` is unique, and the value {value} is already held by the row with _seq {existing_seq}.")]
    UniqueViolation {
        /// The table.
        table: String,
        /// The unique field.
        field: String,
        /// The value, as text.
        value: String,
        /// `_seq` of the row holding it (or of an earlier row of the same
        /// batch).
        existing_seq: u64,
    },
    /// The column list of a positional insert names a field twice, or a row
    /// has a different number of values than the list has columns.
    #[error("Table `{table}`: positional insert: {reason}.")]
    InvalidColumns {
        /// The table.
        table: String,
        /// What is wrong, as a sentence fragment.
        reason: String,
    },
    /// A field named in a call does not exist.
    #[error("Table `{table}` has no field `{field}`.")]
    FieldNotFound {
        /// The table.
        table: String,
        /// The field asked for.
        field: String,
    },
    /// An index operation does not apply (no such index, already indexed, a
    /// unique field's index dropped, a field that cannot be indexed, ...).
    #[error("Table `{table}`, index on `{field}`: {reason}.")]
    IndexOperation {
        /// The table.
        table: String,
        /// The field.
        field: String,
        /// What is wrong, as a sentence fragment.
        reason: String,
    },
    /// A stored row could not be decoded: its bytes are damaged.
    #[error("Table `{table}`: the row with _seq {seq} is damaged: {source}")]
    CorruptRow {
        /// The table.
        table: String,
        /// The row's key.
        seq: u64,
        /// What the codec found.
        source: SchemaError,
    },
    /// Stored bytes (a catalogue entry, a row key, an index entry) are not
    /// what this build writes.
    #[error("Table `{table}`: stored data is damaged: {reason}.")]
    Corrupt {
        /// The table, or `__catalog` for the catalogue itself.
        table: String,
        /// What is wrong, as a sentence fragment.
        reason: String,
    },
    /// A query does not parse or does not fit the table's schema.
    #[error("Table `{table}`: {source}")]
    Query {
        /// The table.
        table: String,
        /// What the query layer said; it names the field or the position.
        /// Boxed: it is large and rare, and every result carries the size
        /// of the largest error.
        source: Box<srdb_query::QueryError>,
    },
    /// Converting a row to or from a Rust type failed.
    #[error("Table `{table}`: {source}")]
    Serde {
        /// The table.
        table: String,
        /// What the conversion said.
        source: SchemaError,
    },
}

impl DbError {
    pub(crate) fn schema(table: &str, source: SchemaError) -> DbError {
        DbError::Schema { table: table.to_owned(), source }
    }

    pub(crate) fn corrupt(table: &str, reason: impl Into<String>) -> DbError {
        DbError::Corrupt { table: table.to_owned(), reason: reason.into() }
    }

    pub(crate) fn index_op(table: &str, field: &str, reason: impl Into<String>) -> DbError {
        DbError::IndexOperation {
            table: table.to_owned(),
            field: field.to_owned(),
            reason: reason.into(),
        }
    }

    /// Whether this error reports damaged bytes on disk.
    pub fn is_corruption(&self) -> bool {
        match self {
            DbError::Engine(e) => e.is_corruption(),
            DbError::CorruptRow { .. } | DbError::Corrupt { .. } | DbError::TableDamaged { .. } => {
                true
            }
            _ => false,
        }
    }
}

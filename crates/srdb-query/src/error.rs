//! Errors of srdb-query: [`QueryError`] for everything, with [`ParseError`]
//! carrying the position of a syntax error in query text.

use std::fmt;

use srdb_schema::SchemaError;

/// A syntax error in query text: the byte offset where it was found and what
/// was expected there. Displays as `error at 17: expected a value after '>='`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParseError {
    /// Byte offset in the query text (`0` is the first byte; the length of the
    /// text means its end).
    pub position: usize,
    /// What is wrong, as a sentence fragment.
    pub message: String,
}

impl ParseError {
    pub(crate) fn new(position: usize, message: impl Into<String>) -> Self {
        ParseError { position, message: message.into() }
    }
}

impl fmt::Display for ParseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "error at {}: {}", self.position, self.message)
    }
}

impl std::error::Error for ParseError {}

/// What can go wrong with a query: text that does not parse, or a query that
/// does not fit the table's schema.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum QueryError {
    /// The query text does not parse.
    #[error("The query does not parse: {0}.")]
    Parse(#[from] ParseError),
    /// A field named by the query is not in the schema.
    #[error(
        "The field `{field}` is not defined by the table's schema (nor is it `_seq` or `_time`)."
    )]
    UnknownField {
        /// The name as written in the query.
        field: String,
    },
    /// A literal cannot be converted to its field's type.
    #[error("The value given for the field `{field}` does not fit its type: {source}")]
    Literal {
        /// The field the literal is compared with.
        field: String,
        /// Why the conversion failed.
        source: SchemaError,
    },
    /// An operator is used on a field whose type it does not apply to.
    #[error("The operator {op} cannot be used on the field `{field}`: {reason}.")]
    Operator {
        /// The operator, as in the text syntax (`CONTAINS`, ...).
        op: &'static str,
        /// The field.
        field: String,
        /// Why not, as a sentence fragment.
        reason: String,
    },
    /// The query exceeds one of the limits of [`crate::limits`](crate).
    #[error("The query is too large: {reason}.")]
    TooLarge {
        /// Which limit, as a sentence fragment.
        reason: String,
    },
}

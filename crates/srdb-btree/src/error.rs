//! The one error type of the crate.

/// Why a B+Tree could not be built or read.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum BTreeError {
    /// Bytes of the tree, or its [`TreeMeta`](crate::TreeMeta), are not what
    /// the writer produced: a checksum, a bound or an invariant failed.
    #[error("The B+Tree is corrupt at byte offset {offset} of the tree: {reason}.")]
    Corruption {
        /// The offset, relative to the start of the tree's bytes, of the page
        /// (or field) found corrupt.
        offset: u64,
        /// What was wrong, as a sentence fragment.
        reason: String,
    },
    /// [`BTreeWriter::push`](crate::BTreeWriter::push) was given a key that
    /// does not sort strictly after the previous one under the comparator.
    #[error("Keys must be pushed in strictly increasing order, and this key does not sort after the previous one.")]
    OutOfOrder,
    /// An entry exceeds [`MAX_KEY_BYTES`](crate::MAX_KEY_BYTES) or
    /// [`MAX_VALUE_BYTES`](crate::MAX_VALUE_BYTES).
    #[error("An entry with a {key_bytes}-byte key and a {value_bytes}-byte value exceeds the limits of {} key bytes and {} value bytes.", crate::MAX_KEY_BYTES, crate::MAX_VALUE_BYTES)]
    EntryTooLarge {
        /// Length of the key offered.
        key_bytes: usize,
        /// Length of the value offered.
        value_bytes: usize,
    },
    /// A key or value was asked of a cursor that is not on an entry.
    #[error("The cursor is not positioned on an entry.")]
    CursorNotValid,
    /// An earlier write to the output failed, so the tree being built is
    /// incomplete; the writer refuses further work.
    #[error(
        "An earlier write of this B+Tree failed, so the tree is incomplete and must be discarded."
    )]
    WriterFailed,
    /// Writing the tree failed.
    #[error("Writing the B+Tree failed: {0}")]
    Io(#[from] std::io::Error),
}

impl BTreeError {
    /// Adds `base` to the offset of a [`BTreeError::Corruption`], turning an
    /// offset relative to the tree into one relative to the file that holds
    /// the tree at `base`. Other errors are returned unchanged.
    pub fn offset_by(self, base: u64) -> Self {
        match self {
            BTreeError::Corruption { offset, reason } => {
                BTreeError::Corruption { offset: offset.saturating_add(base), reason }
            }
            other => other,
        }
    }
}

/// Builds a [`BTreeError::Corruption`].
pub(crate) fn corruption(offset: u64, reason: impl Into<String>) -> BTreeError {
    BTreeError::Corruption { offset, reason: reason.into() }
}

/// The result type of the crate.
pub(crate) type Result<T, E = BTreeError> = std::result::Result<T, E>;

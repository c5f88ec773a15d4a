//! The iterator trait shared by memtables, SST files and merging iterators.

use std::error::Error;

/// The error type iterators report: each layer's own error, boxed, so that a
/// merging iterator can combine sources from different crates. Callers that
/// need to classify it (for example to report corruption) downcast it.
pub type BoxError = Box<dyn Error + Send + Sync + 'static>;

/// A cursor over encoded internal keys in [`crate::compare_internal`] order.
///
/// Positioning methods report I/O and corruption errors; after an error the
/// iterator is not valid. `key` and `value` may only be called while
/// [`valid`](InternalIterator::valid) is true: calling them otherwise is a
/// caller bug and panics.
pub trait InternalIterator {
    /// Whether the iterator is positioned on an entry.
    fn valid(&self) -> bool;
    /// The current encoded internal key.
    fn key(&self) -> &[u8];
    /// The current value (empty for tombstones).
    fn value(&self) -> &[u8];
    /// Positions on the first entry.
    fn seek_to_first(&mut self) -> Result<(), BoxError>;
    /// Positions on the last entry.
    fn seek_to_last(&mut self) -> Result<(), BoxError>;
    /// Positions on the first entry with key >= `target` (internal order).
    fn seek(&mut self, target: &[u8]) -> Result<(), BoxError>;
    /// Positions on the last entry with key <= `target` (internal order).
    fn seek_for_prev(&mut self, target: &[u8]) -> Result<(), BoxError>;
    /// Moves to the next entry. Requires `valid()`.
    fn next(&mut self) -> Result<(), BoxError>;
    /// Moves to the previous entry. Requires `valid()`.
    fn prev(&mut self) -> Result<(), BoxError>;
}

impl<I: InternalIterator + ?Sized> InternalIterator for Box<I> {
    fn valid(&self) -> bool {
        (**self).valid()
    }
    fn key(&self) -> &[u8] {
        (**self).key()
    }
    fn value(&self) -> &[u8] {
        (**self).value()
    }
    fn seek_to_first(&mut self) -> Result<(), BoxError> {
        (**self).seek_to_first()
    }
    fn seek_to_last(&mut self) -> Result<(), BoxError> {
        (**self).seek_to_last()
    }
    fn seek(&mut self, target: &[u8]) -> Result<(), BoxError> {
        (**self).seek(target)
    }
    fn seek_for_prev(&mut self, target: &[u8]) -> Result<(), BoxError> {
        (**self).seek_for_prev(target)
    }
    fn next(&mut self) -> Result<(), BoxError> {
        (**self).next()
    }
    fn prev(&mut self) -> Result<(), BoxError> {
        (**self).prev()
    }
}

//! An iterator over entries held in memory.

use srdb_key::{compare_internal, BoxError, InternalIterator};

/// An [`InternalIterator`] over `(internal key, value)` pairs held in a
/// vector: for small in-memory sources (and for tests of everything that
/// consumes iterators). Its seeks are binary searches.
#[derive(Clone, Debug, Default)]
pub struct VecIterator {
    entries: Vec<(Vec<u8>, Vec<u8>)>,
    /// The current position; `entries.len()` when not valid.
    pos: usize,
}

impl VecIterator {
    /// Iterates over `entries`, which it sorts by internal key (a stable
    /// sort: entries with identical keys keep their order).
    ///
    /// # Panics
    /// If a key is shorter than an internal-key trailer.
    pub fn new(mut entries: Vec<(Vec<u8>, Vec<u8>)>) -> Self {
        assert!(
            entries.iter().all(|(k, _)| k.len() >= srdb_key::TRAILER_BYTES),
            "VecIterator keys must be internal keys"
        );
        entries.sort_by(|a, b| compare_internal(&a.0, &b.0));
        let pos = entries.len();
        VecIterator { entries, pos }
    }

    /// The entries, sorted.
    pub fn entries(&self) -> &[(Vec<u8>, Vec<u8>)] {
        &self.entries
    }

    fn current(&self) -> &(Vec<u8>, Vec<u8>) {
        assert!(self.valid(), "VecIterator used while not valid");
        &self.entries[self.pos]
    }

    fn invalidate(&mut self) {
        self.pos = self.entries.len();
    }
}

impl InternalIterator for VecIterator {
    fn valid(&self) -> bool {
        self.pos < self.entries.len()
    }

    fn key(&self) -> &[u8] {
        &self.current().0
    }

    fn value(&self) -> &[u8] {
        &self.current().1
    }

    fn seek_to_first(&mut self) -> Result<(), BoxError> {
        self.pos = 0;
        Ok(())
    }

    fn seek_to_last(&mut self) -> Result<(), BoxError> {
        match self.entries.len().checked_sub(1) {
            Some(last) => self.pos = last,
            None => self.invalidate(),
        }
        Ok(())
    }

    fn seek(&mut self, target: &[u8]) -> Result<(), BoxError> {
        self.pos = self.entries.partition_point(|(k, _)| compare_internal(k, target).is_lt());
        Ok(())
    }

    fn seek_for_prev(&mut self, target: &[u8]) -> Result<(), BoxError> {
        match self
            .entries
            .partition_point(|(k, _)| compare_internal(k, target).is_le())
            .checked_sub(1)
        {
            Some(pos) => self.pos = pos,
            None => self.invalidate(),
        }
        Ok(())
    }

    fn next(&mut self) -> Result<(), BoxError> {
        assert!(self.valid(), "VecIterator::next called while not valid");
        self.pos += 1;
        Ok(())
    }

    fn prev(&mut self) -> Result<(), BoxError> {
        assert!(self.valid(), "VecIterator::prev called while not valid");
        match self.pos.checked_sub(1) {
            Some(pos) => self.pos = pos,
            None => self.invalidate(),
        }
        Ok(())
    }
}

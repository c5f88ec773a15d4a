//! Iteration over the key-value store: stored values decoded, expired
//! entries skipped.

use std::path::PathBuf;

use srdb_engine::{Iter, Result};

use super::value::{self, is_expired};

/// An iterator over the live `(key, value)` pairs of the key-value store, in
/// key order (`.rev()` for descending). Entries that are expired when the
/// iterator is created, or expire while it runs, are skipped; the clock is
/// read once, at creation, so one iteration is consistent.
pub struct KvIter {
    inner: Iter,
    now_ms: u64,
    dir: PathBuf,
}

impl KvIter {
    pub(crate) fn new(inner: Iter, now_ms: u64, dir: PathBuf) -> Self {
        KvIter { inner, now_ms, dir }
    }

    /// The next live key, without copying its value; `Ok(None)` at the end.
    pub fn next_key(&mut self) -> Result<Option<Vec<u8>>> {
        while let Some((key, raw)) = self.inner.next_ref()? {
            let (expiry, _) = value::header(raw).map_err(|r| corrupt(&self.dir, key, r))?;
            if !is_expired(expiry, self.now_ms) {
                return Ok(Some(key.to_vec()));
            }
        }
        Ok(None)
    }

    fn live(&self, key: Vec<u8>, raw: Vec<u8>) -> Option<Result<(Vec<u8>, Vec<u8>)>> {
        match value::decode(raw) {
            Ok(e) if e.is_expired(self.now_ms) => None,
            Ok(e) => Some(Ok((key, e.value))),
            Err(reason) => Some(Err(corrupt(&self.dir, &key, reason))),
        }
    }
}

impl Iterator for KvIter {
    type Item = Result<(Vec<u8>, Vec<u8>)>;

    fn next(&mut self) -> Option<Self::Item> {
        loop {
            match self.inner.next()? {
                Ok((key, raw)) => {
                    if let Some(item) = self.live(key, raw) {
                        return Some(item);
                    }
                }
                Err(e) => return Some(Err(e)),
            }
        }
    }
}

impl DoubleEndedIterator for KvIter {
    fn next_back(&mut self) -> Option<Self::Item> {
        loop {
            match self.inner.next_back()? {
                Ok((key, raw)) => {
                    if let Some(item) = self.live(key, raw) {
                        return Some(item);
                    }
                }
                Err(e) => return Some(Err(e)),
            }
        }
    }
}

/// The error for a stored value that does not decode.
pub(crate) fn corrupt(dir: &std::path::Path, key: &[u8], reason: String) -> srdb_engine::Error {
    srdb_engine::Error::Corruption {
        file: dir.to_path_buf(),
        reason: format!(
            "the stored value of key \"{}\" in the KV store: {reason}",
            key.escape_ascii()
        ),
    }
}

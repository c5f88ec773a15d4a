//! Striped key locks that make read-modify-write operations atomic.
//!
//! Every write to the key-value store takes the lock of its key's stripe:
//! blind writes (`put`, `delete`, batches) in shared mode, read-modify-write
//! operations ([`crate::Kv::update`]) in exclusive mode for the whole of the
//! read and the write. So an update never interleaves with another write to
//! its key, while blind writers of one stripe still run together and share
//! the engine's group commit (one fsync for many writers). Two blind writes
//! to one key in flight at once are ordered by their sequence numbers, which
//! is a valid order for writes that overlap in time.
//!
//! Locks of several stripes are always taken in ascending stripe order, so
//! two multi-key operations can never deadlock.

use parking_lot::{RwLock, RwLockReadGuard, RwLockWriteGuard};

/// Number of stripes. Keys that share a stripe serialise their updates; 1024
/// makes that rare for hundreds of concurrent clients while the table stays
/// small (one word per stripe).
const STRIPES: usize = 1024;

/// The lock table.
pub(crate) struct Stripes {
    locks: Box<[RwLock<()>]>,
}

/// Guards held for the duration of a write; released on drop.
pub(crate) struct Held<'a> {
    _shared: Vec<RwLockReadGuard<'a, ()>>,
    _exclusive: Vec<RwLockWriteGuard<'a, ()>>,
}

impl Held<'_> {
    /// Number of stripes held.
    #[cfg(test)]
    pub(crate) fn stripes(&self) -> usize {
        self._shared.len() + self._exclusive.len()
    }
}

impl Stripes {
    pub(crate) fn new() -> Self {
        Stripes { locks: (0..STRIPES).map(|_| RwLock::new(())).collect() }
    }

    /// The stripe of `key`.
    pub(crate) fn stripe(key: &[u8]) -> usize {
        (xxhash_rust::xxh3::xxh3_64(key) as usize) % STRIPES
    }

    /// Shared guards of the stripes of `keys`.
    pub(crate) fn shared<'k>(&self, keys: impl IntoIterator<Item = &'k [u8]>) -> Held<'_> {
        let shared = sorted_stripes(keys).into_iter().map(|s| self.locks[s].read()).collect();
        Held { _shared: shared, _exclusive: Vec::new() }
    }

    /// Exclusive guards of the stripes of `keys`.
    pub(crate) fn exclusive<'k>(&self, keys: impl IntoIterator<Item = &'k [u8]>) -> Held<'_> {
        let exclusive = sorted_stripes(keys).into_iter().map(|s| self.locks[s].write()).collect();
        Held { _shared: Vec::new(), _exclusive: exclusive }
    }
}

fn sorted_stripes<'k>(keys: impl IntoIterator<Item = &'k [u8]>) -> Vec<usize> {
    let mut stripes: Vec<usize> = keys.into_iter().map(Stripes::stripe).collect();
    stripes.sort_unstable();
    stripes.dedup();
    stripes
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn repeated_and_colliding_keys_lock_once() {
        let s = Stripes::new();
        // Two exclusive guards of one stripe in one call would deadlock.
        let keys: Vec<Vec<u8>> = (0..20_000u32).map(|i| i.to_le_bytes().to_vec()).collect();
        let held = s.exclusive(keys.iter().map(|k| k.as_slice()).chain([&b"a"[..], b"a"]));
        assert_eq!(held.stripes(), STRIPES);
        drop(held);
        // Released on drop: the same stripes can be taken again.
        assert_eq!(s.shared([&b"a"[..], b"a"]).stripes(), 1);
    }
}

//! The keys and values that workloads write and read.
//!
//! Entry `i` of a data set of `n` entries has the key of slot `2 * i`; the
//! odd slots are never written, so a lookup of a missing key falls between two
//! stored keys and no engine can answer it from the key range alone. A slot is
//! stored big-endian in the first 8 bytes of the key, so key order is slot
//! order, and the rest of the key is constant padding.
//!
//! Values are slices of a pool of random bytes: they do not compress, which is
//! why every engine runs with compression off.

use crate::error::{Error, Result};

/// Bytes of the random pool values are cut from. Large enough that values do
/// not repeat within a block or page of any engine.
const VALUE_POOL_BYTES: usize = 1 << 20;

/// The smallest key that holds a slot number.
pub const KEY_BYTES_MIN: usize = 8;

/// Makes keys of one fixed length.
#[derive(Clone, Debug)]
pub struct Keys {
    key_bytes: usize,
}

impl Keys {
    /// Keys of `key_bytes` bytes; at least [`KEY_BYTES_MIN`].
    pub fn new(key_bytes: usize) -> Result<Self> {
        if key_bytes < KEY_BYTES_MIN {
            return Err(Error::Config(format!(
                "keys must be at least {KEY_BYTES_MIN} bytes, {key_bytes} asked"
            )));
        }
        Ok(Self { key_bytes })
    }

    /// Writes into `buf` the key of stored entry `index`.
    pub fn present(&self, index: u64, buf: &mut Vec<u8>) {
        self.slot(index * 2, buf);
    }

    /// Writes into `buf` a key that lies between stored entries `index` and
    /// `index + 1` and is never written.
    pub fn missing(&self, index: u64, buf: &mut Vec<u8>) {
        self.slot(index * 2 + 1, buf);
    }

    fn slot(&self, slot: u64, buf: &mut Vec<u8>) {
        buf.clear();
        buf.extend_from_slice(&slot.to_be_bytes());
        buf.resize(self.key_bytes, b'k');
    }
}

/// Hands out values of one fixed length cut from a random pool.
#[derive(Clone, Debug)]
pub struct Values {
    pool: Vec<u8>,
    value_bytes: usize,
}

impl Values {
    /// Values of `value_bytes` bytes from a pool seeded with `seed`.
    pub fn new(value_bytes: usize, seed: u64) -> Self {
        let mut rng = fastrand::Rng::with_seed(seed);
        let pool = (0..VALUE_POOL_BYTES + value_bytes).map(|_| rng.u8(..)).collect();
        Self { pool, value_bytes }
    }

    /// The value written for operation `counter`; different counters mostly
    /// give different values.
    pub fn get(&self, counter: u64) -> &[u8] {
        // A multiplicative hash spreads consecutive counters over the pool.
        let offset = counter.wrapping_mul(0x9E37_79B9_7F4A_7C15) >> 44;
        let offset = usize::try_from(offset).unwrap_or(0) % VALUE_POOL_BYTES;
        &self.pool[offset..offset + self.value_bytes]
    }

    /// The length of every value.
    pub fn len(&self) -> usize {
        self.value_bytes
    }

    /// Whether values are empty (a value size of zero).
    pub fn is_empty(&self) -> bool {
        self.value_bytes == 0
    }
}

/// The indexes `0..count` in an order shuffled with `seed`: a random write
/// order that still writes every entry exactly once.
pub fn shuffled(count: u64, seed: u64) -> Vec<u64> {
    let mut order: Vec<u64> = (0..count).collect();
    fastrand::Rng::with_seed(seed).shuffle(&mut order);
    order
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_sort_in_slot_order_and_missing_keys_fall_between() {
        let keys = Keys::new(16).unwrap();
        let (mut a, mut m, mut b) = (Vec::new(), Vec::new(), Vec::new());
        for i in [0u64, 1, 255, 256, 1 << 40] {
            keys.present(i, &mut a);
            keys.missing(i, &mut m);
            keys.present(i + 1, &mut b);
            assert_eq!(a.len(), 16);
            assert!(a < m && m < b, "slot order broken at {i}");
        }
    }

    #[test]
    fn short_keys_are_refused() {
        assert!(Keys::new(KEY_BYTES_MIN - 1).is_err());
    }

    #[test]
    fn values_have_the_asked_length_and_vary() {
        let values = Values::new(100, 7);
        assert_eq!(values.get(0).len(), 100);
        assert_eq!(values.get(u64::MAX).len(), 100);
        assert_ne!(values.get(1), values.get(2));
    }

    #[test]
    fn shuffled_is_a_permutation() {
        let mut order = shuffled(1000, 3);
        assert_ne!(order, (0..1000).collect::<Vec<_>>());
        order.sort_unstable();
        assert_eq!(order, (0..1000).collect::<Vec<_>>());
    }
}

//! Keys as the skiplist compares them: a user key and a trailer, in
//! internal-key order (user key ascending, then trailer descending, so the
//! newest version of a key comes first), without building an encoded key.

use std::cmp::Ordering;

use srdb_key::{SeqNo, MAX_SEQNO, TRAILER_BYTES};

/// A borrowed key to insert or search for: nothing is copied.
#[derive(Clone, Copy, Debug)]
pub(crate) struct SearchKey<'a> {
    /// [`key_prefix`] of `user_key`, computed once per search instead of
    /// once per comparison.
    prefix: u64,
    pub(crate) user_key: &'a [u8],
    /// `seqno << 8 | kind`.
    pub(crate) trailer: u64,
}

impl<'a> SearchKey<'a> {
    /// Views `user_key` with `trailer`.
    pub(crate) fn new(user_key: &'a [u8], trailer: u64) -> Self {
        SearchKey { prefix: key_prefix(user_key), user_key, trailer }
    }

    /// Views an encoded internal key (or seek key).
    ///
    /// # Panics
    /// If `ikey` is shorter than a trailer: seek targets are built by the
    /// engine from `srdb_key::InternalKey`, so a short one is a caller bug.
    pub(crate) fn from_encoded(ikey: &'a [u8]) -> Self {
        assert!(
            ikey.len() >= TRAILER_BYTES,
            "seek target of {} bytes is shorter than an internal-key trailer",
            ikey.len()
        );
        let (user_key, tail) = ikey.split_at(ikey.len() - TRAILER_BYTES);
        SearchKey::new(user_key, read_trailer(tail))
    }

    /// [`key_prefix`] of the user key.
    #[inline]
    pub(crate) fn prefix(&self) -> u64 {
        self.prefix
    }

    /// Compares this key with a stored one given as its user key and
    /// trailer, in internal-key order.
    #[inline]
    pub(crate) fn cmp_stored(&self, user_key: &[u8], trailer: u64) -> Ordering {
        self.prefix
            .cmp(&key_prefix(user_key))
            .then_with(|| compare_after_prefix(self.user_key, user_key))
            .then_with(|| trailer.cmp(&self.trailer))
    }
}

/// Byte order of two user keys whose [`key_prefix`]es are equal.
///
/// Keys that share their first 8 bytes (index keys of values close
/// together, long strings) are compared 8 bytes at a time as big-endian
/// integers: an index key is 10 to 30 bytes, and a call to `memcmp` for so
/// few bytes costs more than the words it compares.
#[inline]
fn compare_after_prefix(a: &[u8], b: &[u8]) -> Ordering {
    if a.len() < 8 || b.len() < 8 {
        // A key shorter than its prefix: equal prefixes decided nothing.
        return a.cmp(b);
    }
    let (mut a, mut b) = (&a[8..], &b[8..]);
    while let (Some(x), Some(y)) = (a.first_chunk::<8>(), b.first_chunk::<8>()) {
        if x != y {
            return u64::from_be_bytes(*x).cmp(&u64::from_be_bytes(*y));
        }
        (a, b) = (&a[8..], &b[8..]);
    }
    a.cmp(b)
}

/// The first 8 bytes of `user_key` as a big-endian integer, zero-padded.
///
/// Prefixes order like the keys they come from whenever they differ: if two
/// keys first differ within 8 bytes, so do their prefixes and in the same
/// direction; a shorter key that is a prefix of a longer one pads with zero,
/// which is not above anything. Equal prefixes decide nothing (`a` and
/// `a\0` share one), so the full keys are compared next. Most keys of a
/// memtable differ within 8 bytes (a table's rows are 8-byte `_seq`s), and
/// one integer comparison is cheaper than a call to `memcmp`.
#[inline]
pub(crate) fn key_prefix(user_key: &[u8]) -> u64 {
    if let Some(head) = user_key.first_chunk::<8>() {
        return u64::from_be_bytes(*head);
    }
    let mut bytes = [0u8; 8];
    bytes[..user_key.len()].copy_from_slice(user_key);
    u64::from_be_bytes(bytes)
}

/// Packs a sequence number and a kind byte into a trailer.
///
/// # Panics
/// If `seqno > MAX_SEQNO`.
pub(crate) fn trailer(seqno: SeqNo, kind_byte: u8) -> u64 {
    assert!(seqno <= MAX_SEQNO, "sequence number {seqno} exceeds MAX_SEQNO");
    (seqno << 8) | u64::from(kind_byte)
}

/// The trailer encoded (little-endian) in the first 8 bytes of `bytes`.
#[inline]
pub(crate) fn read_trailer(bytes: &[u8]) -> u64 {
    let head = bytes.first_chunk::<TRAILER_BYTES>().expect("a trailer is 8 bytes");
    u64::from_le_bytes(*head)
}

#[cfg(test)]
mod tests {
    use super::*;
    use srdb_key::{compare_internal, seek_key, InternalKey, Kind};

    fn cmp(a: &InternalKey, b: &InternalKey) -> Ordering {
        let b = SearchKey::from_encoded(b.as_bytes());
        SearchKey::from_encoded(a.as_bytes()).cmp_stored(b.user_key, b.trailer)
    }

    #[test]
    fn order_is_compare_internal() {
        let cases = [
            (&b"a"[..], 5, Kind::Put, &b"a"[..], 9, Kind::Put),
            (b"a", 5, Kind::Put, b"a", 5, Kind::Delete),
            (b"ab", 1, Kind::Put, b"a", 9, Kind::Delete),
            (b"", 0, Kind::Delete, b"\xff", 0, Kind::Put),
            (b"a", 1, Kind::Put, b"a\0", 1, Kind::Put),
            (b"abcdefgh", 1, Kind::Put, b"abcdefgh\0", 9, Kind::Put),
            (b"abcdefghZ", 1, Kind::Put, b"abcdefghA", 9, Kind::Put),
            (b"abcdefg", 1, Kind::Put, b"abcdefgh", 9, Kind::Put),
        ];
        for (ka, sa, kinda, kb, sb, kindb) in cases {
            let a = InternalKey::new(ka, sa, kinda);
            let b = InternalKey::new(kb, sb, kindb);
            assert_eq!(cmp(&a, &b), compare_internal(a.as_bytes(), b.as_bytes()));
            assert_eq!(cmp(&b, &a), compare_internal(b.as_bytes(), a.as_bytes()));
            assert_eq!(cmp(&a, &a), Ordering::Equal);
        }
    }

    #[test]
    fn seek_keys_order_like_their_encoding() {
        let stored = InternalKey::new(b"k", 7, Kind::Put);
        for snapshot in [6, 7, 8] {
            let encoded = seek_key(b"k", snapshot);
            assert_eq!(
                cmp(&encoded, &stored),
                compare_internal(encoded.as_bytes(), stored.as_bytes())
            );
        }
    }

    proptest::proptest! {
        #[test]
        fn prefix_order_agrees_with_key_order(
            a in proptest::collection::vec(proptest::prelude::any::<u8>(), 0..12),
            b in proptest::collection::vec(proptest::prelude::any::<u8>(), 0..12),
        ) {
            let (pa, pb) = (key_prefix(&a), key_prefix(&b));
            if pa != pb {
                proptest::prop_assert_eq!(pa.cmp(&pb), a.cmp(&b));
            }
            proptest::prop_assert_eq!(SearchKey::new(&a, 1).cmp_stored(&b, 1), a.cmp(&b));
        }

        #[test]
        fn word_comparison_agrees_with_byte_order(
            shared in proptest::collection::vec(proptest::prelude::any::<u8>(), 0..20),
            a in proptest::collection::vec(0u8..3, 0..20),
            b in proptest::collection::vec(0u8..3, 0..20),
        ) {
            // A common head so that prefixes tie and the words decide.
            let a = [&shared[..], &a[..]].concat();
            let b = [&shared[..], &b[..]].concat();
            proptest::prop_assert_eq!(SearchKey::new(&a, 1).cmp_stored(&b, 1), a.cmp(&b));
            proptest::prop_assert_eq!(SearchKey::new(&b, 1).cmp_stored(&a, 1), b.cmp(&a));
        }
    }
}

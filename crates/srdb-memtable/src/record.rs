//! How one version is stored in the skiplist, and how the skiplist compares
//! stored versions with borrowed seek keys without allocating.
//!
//! A stored version is one heap buffer:
//!
//! ```text
//! +-------------------+-----------------------------------+-----------+
//! | user key (n)      | trailer: u64 LE = seqno << 8|kind | value (m) |
//! +-------------------+-----------------------------------+-----------+
//! ```
//!
//! The first `n + 8` bytes are exactly the encoded internal key of
//! `srdb_key`, so iterators hand it out without copying. One allocation per
//! version instead of two (key and value) makes inserts measurably cheaper.
//!
//! Beside the buffer a record keeps the first 8 bytes of its user key inline
//! in the skiplist node. A lookup in a large memtable is bound by cache
//! misses; comparing the inline prefix first settles most comparisons
//! without following the pointer to the buffer, one miss fewer per step.
//!
//! Lookups must not build an encoded seek key (that would allocate and copy
//! the user key on every read). Instead both stored records and borrowed seek
//! keys are viewed as `dyn KeyView`, whose order is the internal-key order,
//! and the skiplist is searched through `Borrow<dyn KeyView>`.

use std::borrow::Borrow;
use std::cmp::Ordering;

use srdb_key::{Kind, SeqNo, MAX_SEQNO, TRAILER_BYTES};

/// A user key and a trailer, compared in internal-key order: user key
/// ascending, then trailer descending (newest first).
pub(crate) trait KeyView {
    /// The first 8 bytes of the user key, big-endian, zero-padded: see
    /// [`key_prefix`].
    fn prefix(&self) -> u64;
    /// The user key.
    fn user_key(&self) -> &[u8];
    /// `seqno << 8 | kind`.
    fn trailer(&self) -> u64;
}

impl PartialEq for dyn KeyView + '_ {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other) == Ordering::Equal
    }
}

impl Eq for dyn KeyView + '_ {}

impl PartialOrd for dyn KeyView + '_ {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for dyn KeyView + '_ {
    fn cmp(&self, other: &Self) -> Ordering {
        self.prefix()
            .cmp(&other.prefix())
            .then_with(|| self.user_key().cmp(other.user_key()))
            .then_with(|| other.trailer().cmp(&self.trailer()))
    }
}

/// The first 8 bytes of `user_key` as a big-endian integer, zero-padded.
///
/// Prefixes order like the keys they come from whenever they differ: if two
/// keys first differ within 8 bytes, so do their prefixes and in the same
/// direction; a shorter key that is a prefix of a longer one pads with zero,
/// which is not above anything. Equal prefixes decide nothing (`a` and
/// `a\0` share one), so the full keys are compared next.
pub(crate) fn key_prefix(user_key: &[u8]) -> u64 {
    let mut bytes = [0u8; 8];
    let n = user_key.len().min(8);
    bytes[..n].copy_from_slice(&user_key[..n]);
    u64::from_be_bytes(bytes)
}

/// Packs a sequence number and a kind byte into a trailer.
pub(crate) fn trailer(seqno: SeqNo, kind_byte: u8) -> u64 {
    assert!(seqno <= MAX_SEQNO, "sequence number {seqno} exceeds MAX_SEQNO");
    (seqno << 8) | u64::from(kind_byte)
}

/// A borrowed key to search for: nothing is copied.
pub(crate) struct SeekView<'a> {
    prefix: u64,
    user_key: &'a [u8],
    trailer: u64,
}

impl<'a> SeekView<'a> {
    /// Views `user_key` with `trailer`.
    pub(crate) fn new(user_key: &'a [u8], trailer: u64) -> Self {
        SeekView { prefix: key_prefix(user_key), user_key, trailer }
    }

    /// Views an encoded internal key (or seek key) as a `KeyView`.
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
        let mut bytes = [0u8; TRAILER_BYTES];
        bytes.copy_from_slice(tail);
        SeekView::new(user_key, u64::from_le_bytes(bytes))
    }
}

impl KeyView for SeekView<'_> {
    fn prefix(&self) -> u64 {
        self.prefix
    }
    fn user_key(&self) -> &[u8] {
        self.user_key
    }
    fn trailer(&self) -> u64 {
        self.trailer
    }
}

/// One stored version: user key, trailer and value in a single buffer.
pub(crate) struct Record {
    prefix: u64,
    data: Box<[u8]>,
    user_key_len: u32,
}

impl Record {
    /// Encodes a version. User keys are bounded by `srdb_key::MAX_KEY_BYTES`
    /// (64 KiB), so the length always fits in a `u32`.
    pub(crate) fn new(user_key: &[u8], seqno: SeqNo, kind: Kind, value: &[u8]) -> Record {
        let user_key_len = u32::try_from(user_key.len()).expect("user key longer than 4 GiB");
        let mut data = Vec::with_capacity(user_key.len() + TRAILER_BYTES + value.len());
        data.extend_from_slice(user_key);
        data.extend_from_slice(&trailer(seqno, kind as u8).to_le_bytes());
        data.extend_from_slice(value);
        Record { prefix: key_prefix(user_key), data: data.into_boxed_slice(), user_key_len }
    }

    fn internal_key_len(&self) -> usize {
        self.user_key_len as usize + TRAILER_BYTES
    }

    /// The encoded internal key.
    pub(crate) fn internal_key(&self) -> &[u8] {
        &self.data[..self.internal_key_len()]
    }

    /// The value (empty for tombstones).
    pub(crate) fn value(&self) -> &[u8] {
        &self.data[self.internal_key_len()..]
    }

    /// The sequence number.
    pub(crate) fn seqno(&self) -> SeqNo {
        self.trailer() >> 8
    }

    /// The kind. Records are only built from a `Kind`, so the byte is valid.
    pub(crate) fn kind(&self) -> Kind {
        let byte = (self.trailer() & 0xFF) as u8;
        Kind::from_u8(byte).expect("records are built from a valid Kind")
    }
}

impl KeyView for Record {
    fn prefix(&self) -> u64 {
        self.prefix
    }
    fn user_key(&self) -> &[u8] {
        &self.data[..self.user_key_len as usize]
    }
    fn trailer(&self) -> u64 {
        let at = self.user_key_len as usize;
        let mut bytes = [0u8; TRAILER_BYTES];
        bytes.copy_from_slice(&self.data[at..at + TRAILER_BYTES]);
        u64::from_le_bytes(bytes)
    }
}

impl<'a> Borrow<dyn KeyView + 'a> for Record {
    fn borrow(&self) -> &(dyn KeyView + 'a) {
        self
    }
}

// `Record`'s own order must equal the order of its `KeyView` (the `Borrow`
// contract), so it is defined through it.
impl PartialEq for Record {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other) == Ordering::Equal
    }
}

impl Eq for Record {}

impl PartialOrd for Record {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Record {
    fn cmp(&self, other: &Self) -> Ordering {
        (self as &dyn KeyView).cmp(other as &dyn KeyView)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use srdb_key::{compare_internal, seek_key, InternalKey};

    #[test]
    fn record_order_is_compare_internal() {
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
            let a = Record::new(ka, sa, kinda, b"x");
            let b = Record::new(kb, sb, kindb, b"");
            let ia = InternalKey::new(ka, sa, kinda);
            let ib = InternalKey::new(kb, sb, kindb);
            assert_eq!(a.internal_key(), ia.as_bytes());
            assert_eq!(a.cmp(&b), compare_internal(ia.as_bytes(), ib.as_bytes()));
            assert_eq!(b.cmp(&a), compare_internal(ib.as_bytes(), ia.as_bytes()));
        }
    }

    #[test]
    fn seek_view_orders_like_the_encoded_seek_key() {
        let stored = Record::new(b"k", 7, Kind::Put, b"v");
        for snapshot in [6, 7, 8] {
            let encoded = seek_key(b"k", snapshot);
            let view = SeekView::from_encoded(encoded.as_bytes());
            assert_eq!(view.user_key(), b"k");
            let expected = compare_internal(encoded.as_bytes(), stored.internal_key());
            assert_eq!((&view as &dyn KeyView).cmp(&stored as &dyn KeyView), expected);
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
            let (ra, rb) = (Record::new(&a, 1, Kind::Put, b""), Record::new(&b, 1, Kind::Put, b""));
            proptest::prop_assert_eq!(ra.cmp(&rb), a.cmp(&b));
        }
    }

    #[test]
    fn record_parts_round_trip() {
        let r = Record::new(b"key", 42, Kind::Delete, b"");
        assert_eq!(
            (r.user_key(), r.seqno(), r.kind(), r.value()),
            (&b"key"[..], 42, Kind::Delete, &b""[..])
        );
    }
}

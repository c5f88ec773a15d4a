//! Encoding and ordering of internal keys. The layout is part of every SST and
//! WAL-derived structure on disk: it never changes.

use std::cmp::Ordering;
use std::fmt;

/// A global sequence number. Only the low 56 bits are usable: the trailer packs
/// the kind into the low byte.
pub type SeqNo = u64;

/// The largest sequence number that fits in a trailer.
pub const MAX_SEQNO: SeqNo = (1 << 56) - 1;

/// Bytes of the trailer that follows the user key.
pub const TRAILER_BYTES: usize = 8;

/// The largest user key srdb accepts, in bytes. Keys are held whole in index
/// entries and in memory during merges; 64 KiB keeps one key well inside a
/// B+Tree page group and bounds the memory of a merge.
pub const MAX_KEY_BYTES: usize = 64 * 1024;

/// What a version of a key is. The discriminants are written to disk and never
/// change.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[repr(u8)]
pub enum Kind {
    /// A tombstone: the key is deleted as of this version.
    Delete = 0,
    /// A value.
    Put = 1,
}

impl Kind {
    /// The kind byte used in seek keys. It is larger than every real kind so
    /// that a seek key sorts before every real version with the same seqno.
    pub const SEEK: u8 = 0xFF;

    /// Decodes a kind byte read from disk.
    pub fn from_u8(byte: u8) -> Option<Kind> {
        match byte {
            0 => Some(Kind::Delete),
            1 => Some(Kind::Put),
            _ => None,
        }
    }
}

/// Why bytes could not be parsed as an internal key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum KeyError {
    /// Fewer bytes than a trailer.
    TooShort {
        /// Length of the bytes offered.
        len: usize,
    },
    /// The kind byte is not a known [`Kind`].
    UnknownKind {
        /// The kind byte found.
        kind: u8,
    },
}

impl fmt::Display for KeyError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            KeyError::TooShort { len } => {
                write!(
                    f,
                    "internal key of {len} bytes is shorter than its {TRAILER_BYTES}-byte trailer"
                )
            }
            KeyError::UnknownKind { kind } => {
                write!(f, "internal key has unknown kind byte {kind:#04x}")
            }
        }
    }
}

impl std::error::Error for KeyError {}

/// An internal key split into its parts, borrowing the user key.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ParsedKey<'a> {
    /// The user's key.
    pub user_key: &'a [u8],
    /// The sequence number of this version.
    pub seqno: SeqNo,
    /// Value or tombstone.
    pub kind: Kind,
}

fn trailer(seqno: SeqNo, kind: u8) -> u64 {
    assert!(seqno <= MAX_SEQNO, "sequence number {seqno} exceeds MAX_SEQNO");
    (seqno << 8) | u64::from(kind)
}

#[inline]
fn split(ikey: &[u8]) -> (&[u8], u64) {
    debug_assert!(ikey.len() >= TRAILER_BYTES, "internal key shorter than its trailer");
    let cut = ikey.len().saturating_sub(TRAILER_BYTES);
    let mut t = [0u8; TRAILER_BYTES];
    t[..ikey.len() - cut].copy_from_slice(&ikey[cut..]);
    (&ikey[..cut], u64::from_le_bytes(t))
}

/// Splits an internal key into user key, seqno and kind.
#[inline]
pub fn parse(ikey: &[u8]) -> Result<ParsedKey<'_>, KeyError> {
    if ikey.len() < TRAILER_BYTES {
        return Err(KeyError::TooShort { len: ikey.len() });
    }
    let (user_key, t) = split(ikey);
    let kind_byte = (t & 0xFF) as u8;
    let kind = Kind::from_u8(kind_byte).ok_or(KeyError::UnknownKind { kind: kind_byte })?;
    Ok(ParsedKey { user_key, seqno: t >> 8, kind })
}

/// Orders two encoded internal keys: user key ascending, then trailer
/// descending (newest first).
///
/// Both arguments must be at least [`TRAILER_BYTES`] long; shorter inputs are a
/// caller bug (they come from [`InternalKey`] or from data already validated
/// by [`parse`]), checked in debug builds and ordered arbitrarily but without
/// panicking in release builds.
pub fn compare_internal(a: &[u8], b: &[u8]) -> Ordering {
    let (ua, ta) = split(a);
    let (ub, tb) = split(b);
    ua.cmp(ub).then_with(|| tb.cmp(&ta))
}

/// The internal key to seek to when reading `user_key` as of `snapshot`: it
/// sorts before every version of `user_key` with seqno <= `snapshot` and after
/// every newer one.
pub fn seek_key(user_key: &[u8], snapshot: SeqNo) -> InternalKey {
    InternalKey::with_kind_byte(user_key, snapshot, Kind::SEEK)
}

/// An owned, encoded internal key. Its `Ord` is [`compare_internal`].
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct InternalKey(Box<[u8]>);

impl InternalKey {
    /// Encodes `user_key` at `seqno` with `kind`.
    ///
    /// # Panics
    /// If `seqno > MAX_SEQNO`; sequence numbers are assigned by the engine,
    /// which stops issuing them long before.
    pub fn new(user_key: &[u8], seqno: SeqNo, kind: Kind) -> Self {
        Self::with_kind_byte(user_key, seqno, kind as u8)
    }

    fn with_kind_byte(user_key: &[u8], seqno: SeqNo, kind: u8) -> Self {
        let mut buf = Vec::with_capacity(user_key.len() + TRAILER_BYTES);
        buf.extend_from_slice(user_key);
        buf.extend_from_slice(&trailer(seqno, kind).to_le_bytes());
        InternalKey(buf.into_boxed_slice())
    }

    /// Wraps bytes that are already an encoded internal key, checking them.
    pub fn from_encoded(bytes: Vec<u8>) -> Result<Self, KeyError> {
        parse(&bytes)?;
        Ok(InternalKey(bytes.into_boxed_slice()))
    }

    /// The encoded bytes.
    pub fn as_bytes(&self) -> &[u8] {
        &self.0
    }

    /// The user key part.
    pub fn user_key(&self) -> &[u8] {
        split(&self.0).0
    }

    /// The sequence number.
    pub fn seqno(&self) -> SeqNo {
        split(&self.0).1 >> 8
    }

    /// The raw kind byte ([`Kind::SEEK`] for seek keys).
    pub fn kind_byte(&self) -> u8 {
        (split(&self.0).1 & 0xFF) as u8
    }

    /// Consumes the key, returning its encoded bytes.
    pub fn into_bytes(self) -> Box<[u8]> {
        self.0
    }
}

impl Ord for InternalKey {
    fn cmp(&self, other: &Self) -> Ordering {
        compare_internal(&self.0, &other.0)
    }
}

impl PartialOrd for InternalKey {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl fmt::Debug for InternalKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (user_key, t) = split(&self.0);
        write!(f, "InternalKey({:?}@{}:{})", user_key.escape_ascii().to_string(), t >> 8, t & 0xFF)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn newer_versions_sort_first_and_user_keys_ascend() {
        let a5 = InternalKey::new(b"a", 5, Kind::Put);
        let a9 = InternalKey::new(b"a", 9, Kind::Put);
        let ab1 = InternalKey::new(b"ab", 1, Kind::Put);
        let mut keys = vec![ab1.clone(), a5.clone(), a9.clone()];
        keys.sort();
        assert_eq!(keys, vec![a9, a5, ab1]);
    }

    #[test]
    fn seek_key_lands_on_newest_visible_version() {
        let versions = [
            InternalKey::new(b"k", 10, Kind::Put),
            InternalKey::new(b"k", 7, Kind::Delete),
            InternalKey::new(b"k", 3, Kind::Put),
        ];
        let seek = seek_key(b"k", 8);
        let first_visible = versions.iter().find(|v| **v >= seek).unwrap();
        assert_eq!(first_visible.seqno(), 7);
        let seek = seek_key(b"k", 10);
        assert_eq!(versions.iter().find(|v| **v >= seek).unwrap().seqno(), 10);
        let seek = seek_key(b"k", 2);
        assert!(versions.iter().all(|v| *v < seek));
    }

    #[test]
    fn parse_rejects_short_and_unknown_kind() {
        assert_eq!(parse(b"abc"), Err(KeyError::TooShort { len: 3 }));
        let seek = seek_key(b"x", 1);
        assert_eq!(parse(seek.as_bytes()), Err(KeyError::UnknownKind { kind: 0xFF }));
    }

    proptest! {
        #[test]
        fn order_matches_tuple_order(
            ka in proptest::collection::vec(any::<u8>(), 0..6), sa in 0..MAX_SEQNO,
            kb in proptest::collection::vec(any::<u8>(), 0..6), sb in 0..MAX_SEQNO,
        ) {
            let a = InternalKey::new(&ka, sa, Kind::Put);
            let b = InternalKey::new(&kb, sb, Kind::Put);
            let expected = ka.cmp(&kb).then(sb.cmp(&sa));
            prop_assert_eq!(a.cmp(&b), expected);
            let p = parse(a.as_bytes()).unwrap();
            prop_assert_eq!(p.user_key, &ka[..]);
            prop_assert_eq!(p.seqno, sa);
        }
    }
}

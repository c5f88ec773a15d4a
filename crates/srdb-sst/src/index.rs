//! The index: a B+Tree (`srdb-btree`) from each data block's last internal
//! key to the block's handle.
//!
//! ```text
//! key   = the last internal key of the block (its separator)
//! value = offset: u64 LE | len: u32 LE | ordinal: u32 LE      (16 bytes)
//! ```
//!
//! `offset` is the file offset of the block's payload and `len` the payload's
//! length (the 5-byte frame trailer follows it); `ordinal` numbers the data
//! blocks 0, 1, 2... in file order, so a reader can keep one bit per block.
//! Keys are ordered by `srdb_key::compare_internal`, so a lower-bound seek
//! for a target finds the first block whose last key is >= the target: the
//! only block that can hold the first entry >= the target.

use std::cmp::Ordering;

use srdb_key::TRAILER_BYTES;

/// Bytes of an encoded [`BlockHandle`].
pub(crate) const HANDLE_BYTES: usize = 16;

/// Where a data block is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct BlockHandle {
    pub offset: u64,
    pub len: u32,
    pub ordinal: u32,
}

impl BlockHandle {
    pub(crate) fn encode(&self) -> [u8; HANDLE_BYTES] {
        let mut out = [0u8; HANDLE_BYTES];
        out[..8].copy_from_slice(&self.offset.to_le_bytes());
        out[8..12].copy_from_slice(&self.len.to_le_bytes());
        out[12..].copy_from_slice(&self.ordinal.to_le_bytes());
        out
    }

    pub(crate) fn decode(bytes: &[u8]) -> Result<BlockHandle, &'static str> {
        let bytes: &[u8; HANDLE_BYTES] =
            bytes.try_into().map_err(|_| "an index value is not a 16-byte block handle")?;
        Ok(BlockHandle {
            offset: u64::from_le_bytes(bytes[..8].try_into().expect("eight bytes")),
            len: u32::from_le_bytes(bytes[8..12].try_into().expect("four bytes")),
            ordinal: u32::from_le_bytes(bytes[12..].try_into().expect("four bytes")),
        })
    }
}

/// [`compare_internal`], computed without copies: user keys bytewise, then
/// the trailers as `u64`s, descending. Every comparison of a read goes
/// through here (index pages and data blocks), and `compare_internal` copies
/// both trailers through a variable-length `memcpy` to tolerate short input,
/// which costs a third of a point read. Keys shorter than a trailer come only
/// from a damaged index page; they are ordered bytewise, so the damage is
/// reported by the tree's checks rather than tripping an assertion.
#[inline]
pub(crate) fn compare_ikeys(a: &[u8], b: &[u8]) -> Ordering {
    // Keys of eight-byte user keys (a table's rows) in fixed-size pieces:
    // two loads of each key, no length arithmetic.
    if let (Ok(a16), Ok(b16)) = (<&[u8; 16]>::try_from(a), <&[u8; 16]>::try_from(b)) {
        let (user_a, trailer_a) = a16.split_at(8);
        let (user_b, trailer_b) = b16.split_at(8);
        return compare_user_keys(user_a, user_b)
            .then_with(|| trailer(trailer_b).cmp(&trailer(trailer_a)));
    }
    let (Some(cut_a), Some(cut_b)) =
        (a.len().checked_sub(TRAILER_BYTES), b.len().checked_sub(TRAILER_BYTES))
    else {
        return a.cmp(b);
    };
    let (user_a, trailer_a) = a.split_at(cut_a);
    let (user_b, trailer_b) = b.split_at(cut_b);
    compare_user_keys(user_a, user_b).then_with(|| trailer(trailer_b).cmp(&trailer(trailer_a)))
}

/// Bytewise order of two user keys. Two eight-byte keys (every key of a
/// table's rows: `_seq` big-endian) are compared as big-endian integers,
/// which is their byte order, without a `memcmp` call: it was a third of a
/// row fetch's comparison cost. Other keys, such as index keys that share
/// long prefixes, go to `memcmp` directly.
#[inline(always)]
fn compare_user_keys(a: &[u8], b: &[u8]) -> Ordering {
    if let (Ok(a8), Ok(b8)) = (<&[u8; 8]>::try_from(a), <&[u8; 8]>::try_from(b)) {
        return u64::from_be_bytes(*a8).cmp(&u64::from_be_bytes(*b8));
    }
    a.cmp(b)
}

fn trailer(bytes: &[u8]) -> u64 {
    u64::from_le_bytes(bytes.try_into().expect("split at TRAILER_BYTES from the end"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn handle_round_trips_and_rejects_wrong_lengths() {
        let handle = BlockHandle { offset: 1 << 40, len: 4096, ordinal: 7 };
        assert_eq!(BlockHandle::decode(&handle.encode()), Ok(handle));
        assert!(BlockHandle::decode(&handle.encode()[..15]).is_err());
    }

    proptest::proptest! {
        #[test]
        fn compare_ikeys_is_compare_internal(
            a in proptest::collection::vec(0u8..3, 0..4), sa in 0..srdb_key::MAX_SEQNO, ka in 0u8..2,
            b in proptest::collection::vec(0u8..3, 0..4), sb in 0..srdb_key::MAX_SEQNO, kb in 0u8..2,
            same_seqno in proptest::bool::ANY,
        ) {
            let sb = if same_seqno { sa } else { sb };
            let a = srdb_key::InternalKey::new(&a, sa, srdb_key::Kind::from_u8(ka).unwrap());
            let b = srdb_key::InternalKey::new(&b, sb, srdb_key::Kind::from_u8(kb).unwrap());
            proptest::prop_assert_eq!(compare_ikeys(a.as_bytes(), b.as_bytes()), srdb_key::compare_internal(a.as_bytes(), b.as_bytes()));
        }

        #[test]
        fn compare_ikeys_of_eight_byte_user_keys_is_compare_internal(
            a in proptest::num::u64::ANY, sa in 0..srdb_key::MAX_SEQNO, ka in 0u8..2,
            b_delta in 0u64..3, sb in 0..srdb_key::MAX_SEQNO, kb in 0u8..2,
            same_seqno in proptest::bool::ANY,
        ) {
            // Near or equal user keys, as the entries of one block are.
            let b = a.wrapping_add(b_delta);
            let sb = if same_seqno { sa } else { sb };
            let a = srdb_key::InternalKey::new(&a.to_be_bytes(), sa, srdb_key::Kind::from_u8(ka).unwrap());
            let b = srdb_key::InternalKey::new(&b.to_be_bytes(), sb, srdb_key::Kind::from_u8(kb).unwrap());
            proptest::prop_assert_eq!(compare_ikeys(a.as_bytes(), b.as_bytes()), srdb_key::compare_internal(a.as_bytes(), b.as_bytes()));
            proptest::prop_assert_eq!(compare_ikeys(b.as_bytes(), a.as_bytes()), srdb_key::compare_internal(b.as_bytes(), a.as_bytes()));
        }

        #[test]
        fn compare_user_keys_is_bytewise(
            a in proptest::collection::vec(proptest::num::u8::ANY, 6..10),
            b in proptest::collection::vec(proptest::num::u8::ANY, 6..10),
            shared in 0usize..10,
        ) {
            // Keys that share a prefix of any length, including all eight
            // bytes of two eight-byte keys.
            let mut b = b;
            let n = shared.min(a.len()).min(b.len());
            b[..n].copy_from_slice(&a[..n]);
            proptest::prop_assert_eq!(compare_user_keys(&a, &b), a.cmp(&b));
        }
    }
}

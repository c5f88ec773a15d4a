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

use srdb_key::{compare_internal, TRAILER_BYTES};

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

/// The index's key order: [`compare_internal`] for internal keys. Keys read
/// from a damaged index may be shorter than a trailer; they are ordered
/// bytewise instead, so a corrupt page yields an error from the tree's checks
/// and never trips `compare_internal`'s debug assertion.
pub(crate) fn index_cmp(a: &[u8], b: &[u8]) -> Ordering {
    if a.len() < TRAILER_BYTES || b.len() < TRAILER_BYTES {
        return a.cmp(b);
    }
    compare_internal(a, b)
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
}

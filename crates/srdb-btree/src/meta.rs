//! The tree's metadata: where the root is, how tall the tree is, how many
//! entries and bytes it holds. The writer returns it; the caller stores it
//! (the SST footer does) and hands it back to open the tree.
//!
//! Encoding (32 bytes, little-endian; the layout never changes):
//!
//! ```text
//! offset  size  field
//!      0     8  root_offset  offset of the root page, from the tree's start
//!      8     8  entries      number of key/value pairs
//!     16     8  bytes        length of the tree, a multiple of 4096
//!     24     4  height       levels, 0 for an empty tree, 1 for a lone leaf
//!     28     4  crc32        CRC-32 (IEEE) of bytes [0, 28)
//! ```

use crate::error::{corruption, Result};
use crate::limits::{MAX_HEIGHT, PAGE_BYTES};

/// Where a tree lives in its bytes and how big it is.
///
/// Offsets are relative to the start of the tree's bytes, so a tree can be
/// written at any position of a file. `height` 0 is the empty tree, which has
/// no pages at all.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TreeMeta {
    /// Offset of the root page. The root is always the last page.
    pub root_offset: u64,
    /// Number of levels: 0 for an empty tree, 1 when the root is a leaf.
    pub height: u32,
    /// Number of key/value pairs.
    pub entries: u64,
    /// Length of the tree in bytes: the root page ends here.
    pub bytes: u64,
}

impl TreeMeta {
    /// Length of [`TreeMeta::encode`]'s output.
    pub const ENCODED_BYTES: usize = 32;

    /// The metadata of the empty tree.
    pub const EMPTY: TreeMeta = TreeMeta { root_offset: 0, height: 0, entries: 0, bytes: 0 };

    /// Encodes the metadata with its own checksum.
    pub fn encode(&self) -> [u8; Self::ENCODED_BYTES] {
        let mut out = [0u8; Self::ENCODED_BYTES];
        out[0..8].copy_from_slice(&self.root_offset.to_le_bytes());
        out[8..16].copy_from_slice(&self.entries.to_le_bytes());
        out[16..24].copy_from_slice(&self.bytes.to_le_bytes());
        out[24..28].copy_from_slice(&self.height.to_le_bytes());
        let crc = crc32fast::hash(&out[..28]);
        out[28..32].copy_from_slice(&crc.to_le_bytes());
        out
    }

    /// Decodes metadata written by [`TreeMeta::encode`], checking its
    /// checksum and that its fields are consistent with one another.
    /// Corruption offsets are relative to the start of `bytes`.
    pub fn decode(bytes: &[u8]) -> Result<TreeMeta> {
        let bytes: &[u8; Self::ENCODED_BYTES] = bytes.try_into().map_err(|_| {
            corruption(
                0,
                format!(
                    "tree metadata is {} bytes long instead of {}",
                    bytes.len(),
                    Self::ENCODED_BYTES
                ),
            )
        })?;
        let u64_at = |at: usize| {
            let mut b = [0u8; 8];
            b.copy_from_slice(&bytes[at..at + 8]);
            u64::from_le_bytes(b)
        };
        let u32_at = |at: usize| {
            let mut b = [0u8; 4];
            b.copy_from_slice(&bytes[at..at + 4]);
            u32::from_le_bytes(b)
        };
        let stored_crc = u32_at(28);
        let actual_crc = crc32fast::hash(&bytes[..28]);
        if stored_crc != actual_crc {
            return Err(corruption(
                28,
                format!("tree metadata checksum is {stored_crc:#010x} but its bytes hash to {actual_crc:#010x}"),
            ));
        }
        let meta = TreeMeta {
            root_offset: u64_at(0),
            entries: u64_at(8),
            bytes: u64_at(16),
            height: u32_at(24),
        };
        meta.validate()?;
        Ok(meta)
    }

    /// Checks that the fields agree with one another and with the limits.
    /// Corruption offsets name the root page, the one the fields describe.
    #[inline]
    pub(crate) fn validate(&self) -> Result<()> {
        let bad = |reason: String| Err(corruption(self.root_offset, reason));
        if self.height > MAX_HEIGHT {
            return bad(format!(
                "tree metadata claims a height of {} levels, more than the limit of {MAX_HEIGHT}",
                self.height
            ));
        }
        if self.height == 0 {
            if *self != TreeMeta::EMPTY {
                return bad(format!(
                    "tree metadata of height 0 (an empty tree) claims {} entries, {} bytes and a root at {}",
                    self.entries, self.bytes, self.root_offset
                ));
            }
            return Ok(());
        }
        let page = PAGE_BYTES as u64;
        if self.entries == 0 {
            return bad(format!("tree metadata of height {} claims no entries", self.height));
        }
        if self.bytes == 0 || !self.bytes.is_multiple_of(page) {
            return bad(format!(
                "tree metadata claims {} bytes, not a positive multiple of {PAGE_BYTES}",
                self.bytes
            ));
        }
        if !self.root_offset.is_multiple_of(page) || self.root_offset >= self.bytes {
            return bad(format!(
                "tree metadata puts the root at {}, not a page boundary inside the tree's {} bytes",
                self.root_offset, self.bytes
            ));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::BTreeError;

    fn sample() -> TreeMeta {
        TreeMeta { root_offset: 8192, height: 2, entries: 300, bytes: 12288 }
    }

    #[test]
    fn encode_then_decode_returns_the_same_meta() {
        for meta in [sample(), TreeMeta::EMPTY] {
            assert_eq!(TreeMeta::decode(&meta.encode()).unwrap(), meta);
        }
    }

    #[test]
    fn every_flipped_bit_is_rejected() {
        let encoded = sample().encode();
        for byte in 0..TreeMeta::ENCODED_BYTES {
            for bit in 0..8 {
                let mut bad = encoded;
                bad[byte] ^= 1 << bit;
                assert!(
                    matches!(TreeMeta::decode(&bad), Err(BTreeError::Corruption { .. })),
                    "flip of bit {bit} in byte {byte} went unnoticed"
                );
            }
        }
    }

    #[test]
    fn wrong_length_is_rejected() {
        let encoded = sample().encode();
        assert!(TreeMeta::decode(&encoded[..31]).is_err());
        let mut long = encoded.to_vec();
        long.push(0);
        assert!(TreeMeta::decode(&long).is_err());
    }

    #[test]
    fn inconsistent_fields_are_rejected_even_with_a_valid_checksum() {
        let cases = [
            TreeMeta { height: 0, ..sample() },
            TreeMeta { entries: 0, ..sample() },
            TreeMeta { bytes: 12289, ..sample() },
            TreeMeta { root_offset: 12288, ..sample() },
            TreeMeta { root_offset: 100, ..sample() },
            TreeMeta { height: MAX_HEIGHT + 1, ..sample() },
            TreeMeta { entries: 1, ..TreeMeta::EMPTY },
        ];
        for meta in cases {
            assert!(TreeMeta::decode(&meta.encode()).is_err(), "{meta:?} was accepted");
        }
    }
}

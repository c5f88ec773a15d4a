//! The frame around every block on disk (data blocks, the bloom filter and
//! the summary):
//!
//! ```text
//! +---------------------+-------------------+------------------------------+
//! | payload (len bytes) | kind: u8          | crc32: u32 LE                |
//! |                     | 0 = raw           | CRC-32 (IEEE, crc32fast) of  |
//! |                     | 1 = snappy (raw   | payload ++ kind              |
//! |                     |     format)       |                              |
//! +---------------------+-------------------+------------------------------+
//! ```
//!
//! A block handle names `offset` and `len` of the payload; the 5-byte frame
//! trailer follows it. The kind is per block: a file written with snappy
//! stores a block raw when compression would save less than one eighth of
//! it, so incompressible data costs no decompression on reads.

use crate::limits::MAX_BLOCK_BYTES;

/// Bytes of the frame trailer after each payload.
pub(crate) const FRAME_TRAILER_BYTES: usize = 5;

/// How the blocks of a file are compressed. The discriminants are written to
/// disk and never change.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[repr(u8)]
pub enum Compression {
    /// Blocks are stored as they are and read in place from the mapped file.
    None = 0,
    /// Blocks are compressed with snappy (raw format) and read through the
    /// block cache.
    Snappy = 1,
}

impl Compression {
    /// Decodes a compression byte read from disk.
    pub fn from_u8(byte: u8) -> Option<Compression> {
        match byte {
            0 => Some(Compression::None),
            1 => Some(Compression::Snappy),
            _ => None,
        }
    }
}

/// The trailer to write after `payload`.
pub(crate) fn trailer(payload: &[u8], kind: Compression) -> [u8; FRAME_TRAILER_BYTES] {
    let mut hasher = crc32fast::Hasher::new();
    hasher.update(payload);
    hasher.update(&[kind as u8]);
    let mut out = [0u8; FRAME_TRAILER_BYTES];
    out[0] = kind as u8;
    out[1..].copy_from_slice(&hasher.finalize().to_le_bytes());
    out
}

/// Checks the frame of the payload `framed[..len]` (`framed` holds payload
/// and trailer) and returns the payload and its kind.
pub(crate) fn check(framed: &[u8]) -> Result<(&[u8], Compression), &'static str> {
    let len = framed
        .len()
        .checked_sub(FRAME_TRAILER_BYTES)
        .ok_or("the block is shorter than its frame trailer")?;
    let (payload, tail) = framed.split_at(len);
    let stored = u32::from_le_bytes([tail[1], tail[2], tail[3], tail[4]]);
    let mut hasher = crc32fast::Hasher::new();
    hasher.update(payload);
    hasher.update(&tail[..1]);
    if hasher.finalize() != stored {
        return Err("the block checksum does not match");
    }
    let kind = Compression::from_u8(tail[0]).ok_or("the block has an unknown compression kind")?;
    Ok((payload, kind))
}

/// Decompresses a snappy payload, refusing to allocate more than
/// [`MAX_BLOCK_BYTES`].
pub(crate) fn decompress(payload: &[u8]) -> Result<Vec<u8>, &'static str> {
    let len = snap::raw::decompress_len(payload).map_err(|_| "the snappy header is malformed")?;
    if len > MAX_BLOCK_BYTES {
        return Err("the block claims a decompressed length above MAX_BLOCK_BYTES");
    }
    let mut out = vec![0u8; len];
    let written = snap::raw::Decoder::new()
        .decompress(payload, &mut out)
        .map_err(|_| "the snappy data is malformed")?;
    if written != len {
        return Err("the snappy data is shorter than its header says");
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_flipped_bit_anywhere_in_the_frame_is_detected() {
        let payload = b"some block payload".to_vec();
        let mut framed = payload.clone();
        framed.extend_from_slice(&trailer(&payload, Compression::Snappy));
        assert_eq!(check(&framed), Ok((&payload[..], Compression::Snappy)));
        for i in 0..framed.len() {
            for bit in 0..8 {
                let mut bad = framed.clone();
                bad[i] ^= 1 << bit;
                assert!(check(&bad).is_err(), "flip of bit {bit} at byte {i} went unnoticed");
            }
        }
    }

    #[test]
    fn decompress_refuses_a_huge_claimed_length() {
        // A snappy header is the varint of the decompressed length.
        let mut payload = Vec::new();
        crate::block::put_varint32(&mut payload, u32::MAX);
        payload.push(0);
        assert_eq!(
            decompress(&payload),
            Err("the block claims a decompressed length above MAX_BLOCK_BYTES")
        );
    }
}

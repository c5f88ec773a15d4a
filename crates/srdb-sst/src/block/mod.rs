//! Data blocks: sorted internal-key entries, prefix-compressed, with restart
//! points for binary search.
//!
//! ```text
//! +-------------------------------------------------------------------+
//! | entry 0 | entry 1 | ... | entry n-1                               |
//! +-------------------------------------------------------------------+
//! | restart[0]: u32 LE | ... | restart[r-1]: u32 LE | r: u32 LE        |
//! +-------------------------------------------------------------------+
//!
//! entry = shared: varint32 | unshared: varint32 | value_len: varint32
//!       | key_delta: [u8; unshared] | value: [u8; value_len]
//! ```
//!
//! An entry's key is the first `shared` bytes of the previous entry's key
//! followed by `key_delta`. Every `restart_interval`-th entry is a *restart
//! point*: it stores its key whole (`shared` = 0) and its offset is listed in
//! the restart array, so a reader can binary-search restart keys and then scan
//! at most one interval. `r` is at least 1 (offset 0 is always a restart).
//! Varints are unsigned LEB128, at most 5 bytes for a u32.
//!
//! This is the block *content*; on disk it is wrapped in a frame that adds
//! compression and a checksum (see [`frame`]).

pub(crate) mod builder;
pub(crate) mod cursor;
pub(crate) mod frame;

/// A structural problem found while decoding a block's content.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct BlockError {
    /// Offset within the (uncompressed) block content.
    pub offset: usize,
    /// What is wrong.
    pub reason: &'static str,
}

pub(crate) type BlockResult<T> = Result<T, BlockError>;

/// Appends `value` as an unsigned LEB128 varint.
pub(crate) fn put_varint32(out: &mut Vec<u8>, mut value: u32) {
    while value >= 0x80 {
        out.push((value as u8) | 0x80);
        value >>= 7;
    }
    out.push(value as u8);
}

/// Decodes a varint32 at `offset`, returning it and the offset after it.
pub(crate) fn get_varint32(bytes: &[u8], offset: usize) -> BlockResult<(u32, usize)> {
    let mut result: u32 = 0;
    for i in 0..5 {
        let Some(&byte) = bytes.get(offset + i) else {
            return Err(BlockError { offset, reason: "a varint runs past the end of the entries" });
        };
        if i == 4 && byte > 0x0F {
            return Err(BlockError { offset, reason: "a varint overflows 32 bits" });
        }
        result |= u32::from(byte & 0x7F) << (7 * i);
        if byte < 0x80 {
            return Ok((result, offset + i + 1));
        }
    }
    Err(BlockError { offset, reason: "a varint overflows 32 bits" })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn varint_round_trips_at_every_width_boundary() {
        for value in [
            0,
            1,
            127,
            128,
            16_383,
            16_384,
            (1 << 21) - 1,
            1 << 21,
            (1 << 28) - 1,
            1 << 28,
            u32::MAX,
        ] {
            let mut buf = vec![0xAA];
            put_varint32(&mut buf, value);
            assert_eq!(get_varint32(&buf, 1), Ok((value, buf.len())));
        }
    }

    #[test]
    fn varint_rejects_truncation_and_overflow() {
        assert!(get_varint32(&[0x80, 0x80], 0).is_err());
        assert!(get_varint32(&[], 0).is_err());
        assert!(get_varint32(&[0xFF, 0xFF, 0xFF, 0xFF, 0x10], 0).is_err());
        assert!(get_varint32(&[0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x01], 0).is_err());
    }
}

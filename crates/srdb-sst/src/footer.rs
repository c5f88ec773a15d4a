//! The footer: the last 84 bytes of every SST file, the map of the rest.
//!
//! ```text
//! offset  size  field
//!      0     8  number of data blocks, u64 LE
//!      8     8  index offset: first byte of the B+Tree pages, u64 LE
//!     16     8  index bytes, u64 LE
//!     24     8  index root page offset, relative to the index offset, u64 LE
//!     32     8  index entries (one per data block), u64 LE
//!     40     4  index height, u32 LE
//!     44     4  bloom payload length, u32 LE (0: the file has no filter)
//!     48     8  bloom block offset, u64 LE
//!     56     8  summary block offset, u64 LE
//!     64     4  summary payload length, u32 LE
//!     68     2  format version, u16 LE
//!     70     2  reserved, 0
//!     72     8  magic "SRDB-SST"
//!     80     4  CRC-32 of bytes 0..80, u32 LE
//! ```
//!
//! The regions are contiguous and cover the file exactly: header, data
//! blocks up to the index offset, index, bloom block (payload + 5-byte frame
//! trailer, absent when its length is 0), summary block (payload + trailer),
//! footer. [`Footer::check_layout`] enforces that, so every byte of a file
//! is covered by exactly one checksum.

use crate::block::frame::FRAME_TRAILER_BYTES;
use crate::header::{is_readable, HEADER_BYTES, MAGIC};

/// Bytes of the footer.
pub(crate) const FOOTER_BYTES: usize = 84;

/// The decoded footer.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Footer {
    pub data_blocks: u64,
    pub index_offset: u64,
    pub index_bytes: u64,
    pub index_root: u64,
    pub index_entries: u64,
    pub index_height: u32,
    pub bloom_len: u32,
    pub bloom_offset: u64,
    pub summary_offset: u64,
    pub summary_len: u32,
    /// The file's format version (the header repeats it).
    pub version: u16,
}

/// Why a footer was refused.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum FooterError {
    Corrupt(&'static str),
    Version(u16),
}

impl Footer {
    pub(crate) fn encode(&self) -> [u8; FOOTER_BYTES] {
        let mut out = [0u8; FOOTER_BYTES];
        out[0..8].copy_from_slice(&self.data_blocks.to_le_bytes());
        out[8..16].copy_from_slice(&self.index_offset.to_le_bytes());
        out[16..24].copy_from_slice(&self.index_bytes.to_le_bytes());
        out[24..32].copy_from_slice(&self.index_root.to_le_bytes());
        out[32..40].copy_from_slice(&self.index_entries.to_le_bytes());
        out[40..44].copy_from_slice(&self.index_height.to_le_bytes());
        out[44..48].copy_from_slice(&self.bloom_len.to_le_bytes());
        out[48..56].copy_from_slice(&self.bloom_offset.to_le_bytes());
        out[56..64].copy_from_slice(&self.summary_offset.to_le_bytes());
        out[64..68].copy_from_slice(&self.summary_len.to_le_bytes());
        out[68..70].copy_from_slice(&self.version.to_le_bytes());
        out[72..80].copy_from_slice(&MAGIC);
        let crc = crc32fast::hash(&out[..80]);
        out[80..84].copy_from_slice(&crc.to_le_bytes());
        out
    }

    /// Decodes the footer at the end of `file`.
    pub(crate) fn decode(file: &[u8]) -> Result<Footer, FooterError> {
        let start = file
            .len()
            .checked_sub(FOOTER_BYTES)
            .ok_or(FooterError::Corrupt("the file is shorter than its footer"))?;
        let b = &file[start..];
        let u64_at = |at: usize| u64::from_le_bytes(b[at..at + 8].try_into().expect("eight bytes"));
        let u32_at = |at: usize| u32::from_le_bytes(b[at..at + 4].try_into().expect("four bytes"));
        if b[72..80] != MAGIC {
            return Err(FooterError::Corrupt(
                "the footer does not end with the SST magic; the file may be truncated",
            ));
        }
        if crc32fast::hash(&b[..80]) != u32_at(80) {
            return Err(FooterError::Corrupt("the footer checksum does not match"));
        }
        let version = u16::from_le_bytes([b[68], b[69]]);
        if !is_readable(version) {
            return Err(FooterError::Version(version));
        }
        if b[70..72] != [0, 0] {
            return Err(FooterError::Corrupt("the footer's reserved bytes are not zero"));
        }
        Ok(Footer {
            data_blocks: u64_at(0),
            index_offset: u64_at(8),
            index_bytes: u64_at(16),
            index_root: u64_at(24),
            index_entries: u64_at(32),
            index_height: u32_at(40),
            bloom_len: u32_at(44),
            bloom_offset: u64_at(48),
            summary_offset: u64_at(56),
            summary_len: u32_at(64),
            version,
        })
    }

    /// Checks that the regions the footer names tile a file of `file_len`
    /// bytes exactly, in order.
    pub(crate) fn check_layout(&self, file_len: u64) -> Result<(), &'static str> {
        const PAST_END: &str = "a region extends past the end of the file";
        let trailer = FRAME_TRAILER_BYTES as u64;
        if self.index_offset < HEADER_BYTES as u64 {
            return Err("the index starts inside the header");
        }
        if self.data_blocks != self.index_entries {
            return Err("the index does not hold one entry per data block");
        }
        let index_end = self.index_offset.checked_add(self.index_bytes).ok_or(PAST_END)?;
        if index_end != self.bloom_offset {
            return Err("the bloom block does not follow the index");
        }
        let bloom_bytes = if self.bloom_len == 0 { 0 } else { u64::from(self.bloom_len) + trailer };
        if self.bloom_offset.checked_add(bloom_bytes) != Some(self.summary_offset) {
            return Err("the summary block does not follow the bloom block");
        }
        let summary_end = self
            .summary_offset
            .checked_add(u64::from(self.summary_len) + trailer)
            .ok_or(PAST_END)?;
        if summary_end.checked_add(FOOTER_BYTES as u64) != Some(file_len) {
            return Err("the summary block does not end where the footer starts");
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> Footer {
        Footer {
            data_blocks: 3,
            index_offset: 1000,
            index_bytes: 4096,
            index_root: 0,
            index_entries: 3,
            index_height: 1,
            bloom_len: 64 + 5,
            bloom_offset: 5096,
            summary_offset: 5096 + 64 + 5 + 5,
            summary_len: 40,
            version: crate::header::FORMAT_VERSION,
        }
    }

    #[test]
    fn round_trips_and_detects_each_flipped_byte() {
        let footer = sample();
        let bytes = footer.encode();
        assert_eq!(Footer::decode(&bytes), Ok(footer));
        for i in 0..FOOTER_BYTES {
            let mut bad = bytes;
            bad[i] ^= 0x01;
            assert!(Footer::decode(&bad).is_err(), "flip at byte {i} went unnoticed");
        }
    }

    #[test]
    fn layout_must_tile_the_file() {
        let footer = sample();
        let file_len = footer.summary_offset + 40 + 5 + FOOTER_BYTES as u64;
        assert_eq!(footer.check_layout(file_len), Ok(()));
        assert!(footer.check_layout(file_len + 1).is_err());
        assert!(Footer { bloom_offset: 5097, ..footer }.check_layout(file_len).is_err());
        assert!(Footer { index_offset: 3, ..footer }.check_layout(file_len).is_err());
        assert!(Footer { index_bytes: u64::MAX, ..footer }.check_layout(file_len).is_err());
    }
}

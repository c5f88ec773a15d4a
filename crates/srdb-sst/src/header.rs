//! The file header: the first 16 bytes of every SST file.
//!
//! ```text
//! offset  size  field
//!      0     8  magic "SRDB-SST"
//!      8     2  format version, u16 LE (this build writes 2, reads 1 and 2)
//!     10     1  compression of the file (`Compression`: 0 none, 1 snappy)
//!     11     1  reserved, 0
//!     12     4  CRC-32 of bytes 0..12, u32 LE
//! ```
//!
//! The header says what the file is before anything else is read. The
//! facts known only once every entry is written (key range, seqnos, counts)
//! live in the summary block near the end, found through the footer, so the
//! writer never seeks back.

use crate::block::frame::Compression;

/// Identifies an SST file; also repeated in the footer.
pub(crate) const MAGIC: [u8; 8] = *b"SRDB-SST";

/// The format version this build writes. Version 2 added the tombstone
/// count to the summary block; nothing else changed.
pub(crate) const FORMAT_VERSION: u16 = 2;

/// The oldest format version this build reads.
pub(crate) const OLDEST_READABLE_VERSION: u16 = 1;

/// Whether this build reads files of format `version`.
pub(crate) fn is_readable(version: u16) -> bool {
    (OLDEST_READABLE_VERSION..=FORMAT_VERSION).contains(&version)
}

/// Bytes of the header; the first data block starts here.
pub(crate) const HEADER_BYTES: usize = 16;

/// Encodes the header of a file whose blocks use `compression`.
pub(crate) fn encode(compression: Compression) -> [u8; HEADER_BYTES] {
    let mut out = [0u8; HEADER_BYTES];
    out[..8].copy_from_slice(&MAGIC);
    out[8..10].copy_from_slice(&FORMAT_VERSION.to_le_bytes());
    out[10] = compression as u8;
    let crc = crc32fast::hash(&out[..12]);
    out[12..].copy_from_slice(&crc.to_le_bytes());
    out
}

/// Why a header was refused.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum HeaderError {
    Corrupt(&'static str),
    Version(u16),
}

/// Decodes and checks the first bytes of a file: its compression and format
/// version.
pub(crate) fn decode(bytes: &[u8]) -> Result<(Compression, u16), HeaderError> {
    let header = bytes
        .get(..HEADER_BYTES)
        .ok_or(HeaderError::Corrupt("the file is shorter than its header"))?;
    if header[..8] != MAGIC {
        return Err(HeaderError::Corrupt("the file does not start with the SST magic"));
    }
    let stored = u32::from_le_bytes(header[12..16].try_into().expect("four bytes"));
    if crc32fast::hash(&header[..12]) != stored {
        return Err(HeaderError::Corrupt("the header checksum does not match"));
    }
    let version = u16::from_le_bytes([header[8], header[9]]);
    if !is_readable(version) {
        return Err(HeaderError::Version(version));
    }
    if header[11] != 0 {
        return Err(HeaderError::Corrupt("the header's reserved byte is not zero"));
    }
    let compression = Compression::from_u8(header[10])
        .ok_or(HeaderError::Corrupt("the header names an unknown compression"))?;
    Ok((compression, version))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_and_detects_each_flipped_byte() {
        let header = encode(Compression::Snappy);
        assert_eq!(decode(&header), Ok((Compression::Snappy, FORMAT_VERSION)));
        for i in 0..HEADER_BYTES {
            let mut bad = header;
            bad[i] ^= 0x20;
            assert!(decode(&bad).is_err(), "flip at byte {i} went unnoticed");
        }
        assert!(decode(&header[..HEADER_BYTES - 1]).is_err());
    }
}

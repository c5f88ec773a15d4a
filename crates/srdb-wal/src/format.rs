//! The bytes of one log file: a file header, then records back to back.
//!
//! All integers are little-endian. The full specification, with the reasons
//! behind it, is `docs/format/wal.md`; this module is its only implementation.
//!
//! ```text
//! file header (52 bytes)
//!  0  magic        [u8; 8]   "SRDB-WAL" for WAL segments; a log's own magic otherwise
//!  8  version      u32       1
//! 12  flags        u32       0 (readers of version 1 reject anything else)
//! 16  segment      u64       segment number (0 for a single-file log)
//! 24  first_lsn    u64       LSN of the first record of this file
//! 32  prev_lsn     u64       position of the log when the file was started:
//!                            the LSN of the last record before it, 0 if none
//! 40  salt         u64       random per file; seeds every record header CRC
//! 48  header_crc   u32       CRC32 of bytes 0..48
//!
//! record (24-byte header + payload)
//!  0  header_crc   u32       CRC32 of salt (8 bytes, LE) ++ record bytes 4..24
//!  4  length       u32       payload bytes, at most MAX_RECORD_BYTES
//!  8  type         u8        1 = FULL (0 is never valid: zeroed space is no record)
//!  9  reserved     [u8; 3]   0
//! 12  lsn          u64       first_lsn for the first record, then +1 per record
//! 20  payload_crc  u32       CRC32 of the payload
//! 24  payload      [u8; length]
//! ```
//!
//! The header CRC makes a damaged length field detectable before the length is
//! used, and the salt makes a record copied from another file (for example a
//! log stored as a value inside a payload) fail its check in this one.

use std::hash::{BuildHasher, Hasher};
use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

use crate::error::WalError;
use crate::limits::{MAX_LSN, MAX_RECORD_BYTES};

/// Magic bytes at the start of every WAL segment.
pub const WAL_MAGIC: [u8; 8] = *b"SRDB-WAL";

/// The format version this build writes and reads.
pub const FORMAT_VERSION: u32 = 1;

/// Size of the file header, in bytes.
pub const FILE_HEADER_BYTES: usize = 52;

/// Size of a record header, in bytes: the smallest possible record.
pub const RECORD_HEADER_BYTES: usize = 24;

/// Record type of a record holding one whole payload. Record types are
/// written to disk: their values never change.
const RECORD_TYPE_FULL: u8 = 1;

const HEADER_CRC_AT: usize = 48;

/// The decoded header of a log file.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct FileHeader {
    pub magic: [u8; 8],
    pub segment: u64,
    pub first_lsn: u64,
    pub prev_lsn: u64,
    pub salt: u64,
}

impl FileHeader {
    /// A header for a new file with a fresh random salt.
    pub fn new(magic: [u8; 8], segment: u64, first_lsn: u64, prev_lsn: u64) -> Self {
        FileHeader { magic, segment, first_lsn, prev_lsn, salt: new_salt() }
    }

    pub fn encode(&self) -> [u8; FILE_HEADER_BYTES] {
        let mut b = [0u8; FILE_HEADER_BYTES];
        b[0..8].copy_from_slice(&self.magic);
        b[8..12].copy_from_slice(&FORMAT_VERSION.to_le_bytes());
        // Bytes 12..16 are the flags, zero in version 1.
        b[16..24].copy_from_slice(&self.segment.to_le_bytes());
        b[24..32].copy_from_slice(&self.first_lsn.to_le_bytes());
        b[32..40].copy_from_slice(&self.prev_lsn.to_le_bytes());
        b[40..48].copy_from_slice(&self.salt.to_le_bytes());
        let crc = crc32fast::hash(&b[..HEADER_CRC_AT]);
        b[HEADER_CRC_AT..].copy_from_slice(&crc.to_le_bytes());
        b
    }

    /// Decodes and checks a file header. `bytes` must hold at least
    /// [`FILE_HEADER_BYTES`].
    pub fn decode(bytes: &[u8], file: &Path, magic: &[u8; 8]) -> Result<Self, WalError> {
        let b = &bytes[..FILE_HEADER_BYTES];
        let bad = |reason: String| WalError::corruption(file, 0, reason);
        if !header_checksum_ok(b) {
            return Err(bad("the file header checksum does not match".into()));
        }
        if &b[0..8] != magic {
            return Err(bad(format!(
                "the file starts with magic {:?}, not {:?}",
                b[0..8].escape_ascii().to_string(),
                magic.escape_ascii().to_string()
            )));
        }
        let version = u32_at(b, 8);
        if version != FORMAT_VERSION {
            return Err(WalError::UnsupportedVersion {
                file: file.into(),
                version,
                supported: FORMAT_VERSION,
            });
        }
        let flags = u32_at(b, 12);
        if flags != 0 {
            return Err(bad(format!("the file header has unknown flags {flags:#x}")));
        }
        let header = FileHeader {
            magic: *magic,
            segment: u64_at(b, 16),
            first_lsn: u64_at(b, 24),
            prev_lsn: u64_at(b, 32),
            salt: u64_at(b, 40),
        };
        if header.first_lsn <= header.prev_lsn || header.first_lsn > MAX_LSN + 1 {
            return Err(bad(format!(
                "the file header's first LSN {} is not after its previous LSN {} or is past the largest LSN",
                header.first_lsn, header.prev_lsn
            )));
        }
        Ok(header)
    }
}

/// Whether the header CRC of a file header matches. `bytes` must hold at
/// least [`FILE_HEADER_BYTES`].
pub(crate) fn header_checksum_ok(bytes: &[u8]) -> bool {
    crc32fast::hash(&bytes[..HEADER_CRC_AT]) == u32_at(bytes, HEADER_CRC_AT)
}

/// The checked fields of a record header.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct RecordHeader {
    pub length: u32,
    pub lsn: u64,
    pub payload_crc: u32,
}

impl RecordHeader {
    /// Total bytes of the record: header and payload.
    pub fn frame_bytes(&self) -> u64 {
        RECORD_HEADER_BYTES as u64 + u64::from(self.length)
    }
}

/// Appends the framed record to `buf`. The caller has checked the payload
/// against [`MAX_RECORD_BYTES`].
pub(crate) fn encode_record(buf: &mut Vec<u8>, salt: u64, lsn: u64, payload: &[u8]) {
    assert!(payload.len() <= MAX_RECORD_BYTES, "payload size was not checked");
    let mut h = [0u8; RECORD_HEADER_BYTES];
    h[4..8].copy_from_slice(&(payload.len() as u32).to_le_bytes());
    h[8] = RECORD_TYPE_FULL;
    h[12..20].copy_from_slice(&lsn.to_le_bytes());
    h[20..24].copy_from_slice(&crc32fast::hash(payload).to_le_bytes());
    let crc = header_crc(salt, &h);
    h[0..4].copy_from_slice(&crc.to_le_bytes());
    buf.extend_from_slice(&h);
    buf.extend_from_slice(payload);
}

/// Decodes a record header, checking its CRC, type, reserved bytes and length
/// limit. The LSN and whether the payload fits in the file are the caller's
/// to check. The error is a reason for a corruption report.
pub(crate) fn decode_record_header(h: &[u8], salt: u64) -> Result<RecordHeader, String> {
    let h = &h[..RECORD_HEADER_BYTES];
    if header_crc(salt, h) != u32_at(h, 0) {
        return Err("the record header checksum does not match".into());
    }
    if h[8] != RECORD_TYPE_FULL {
        return Err(format!("the record has unknown type {}", h[8]));
    }
    if h[9..12] != [0, 0, 0] {
        return Err("the record header's reserved bytes are not zero".into());
    }
    let length = u32_at(h, 4);
    if length as usize > MAX_RECORD_BYTES {
        return Err(format!(
            "the record claims {length} bytes, more than the limit of {MAX_RECORD_BYTES}"
        ));
    }
    let lsn = u64_at(h, 12);
    if lsn > MAX_LSN {
        return Err(format!("the record has LSN {lsn}, past the largest LSN {MAX_LSN}"));
    }
    Ok(RecordHeader { length, lsn, payload_crc: u32_at(h, 20) })
}

/// Whether `payload` matches the checksum of `header`.
pub(crate) fn payload_matches(header: &RecordHeader, payload: &[u8]) -> bool {
    crc32fast::hash(payload) == header.payload_crc
}

fn header_crc(salt: u64, h: &[u8]) -> u32 {
    let mut hasher = crc32fast::Hasher::new();
    hasher.update(&salt.to_le_bytes());
    hasher.update(&h[4..RECORD_HEADER_BYTES]);
    hasher.finalize()
}

fn u32_at(b: &[u8], at: usize) -> u32 {
    let mut a = [0u8; 4];
    a.copy_from_slice(&b[at..at + 4]);
    u32::from_le_bytes(a)
}

fn u64_at(b: &[u8], at: usize) -> u64 {
    let mut a = [0u8; 8];
    a.copy_from_slice(&b[at..at + 8]);
    u64::from_le_bytes(a)
}

/// A salt that differs between files: the standard library's randomly keyed
/// hasher over the time and a process-wide counter.
fn new_salt() -> u64 {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let mut h = std::collections::hash_map::RandomState::new().build_hasher();
    h.write_u64(COUNTER.fetch_add(1, Ordering::Relaxed));
    let nanos = SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_nanos()).unwrap_or(0);
    h.write_u128(nanos);
    h.write_u32(std::process::id());
    h.finish()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_header_round_trips_and_rejects_every_flipped_bit() {
        let header = FileHeader::new(WAL_MAGIC, 7, 101, 100);
        let bytes = header.encode();
        let path = Path::new("x.wal");
        assert_eq!(FileHeader::decode(&bytes, path, &WAL_MAGIC).unwrap(), header);
        for bit in 0..FILE_HEADER_BYTES * 8 {
            let mut damaged = bytes;
            damaged[bit / 8] ^= 1 << (bit % 8);
            assert!(FileHeader::decode(&damaged, path, &WAL_MAGIC).is_err(), "bit {bit}");
        }
    }

    #[test]
    fn file_header_with_other_magic_is_refused() {
        let bytes = FileHeader::new(*b"MANIFEST", 0, 1, 0).encode();
        let err = FileHeader::decode(&bytes, Path::new("m"), &WAL_MAGIC).unwrap_err();
        assert!(err.to_string().contains("magic"), "{err}");
    }

    #[test]
    fn record_header_round_trips_and_depends_on_the_salt() {
        let mut buf = Vec::new();
        encode_record(&mut buf, 42, 9, b"hello");
        assert_eq!(buf.len(), RECORD_HEADER_BYTES + 5);
        let h = decode_record_header(&buf, 42).unwrap();
        assert_eq!((h.length, h.lsn), (5, 9));
        assert!(payload_matches(&h, &buf[RECORD_HEADER_BYTES..]));
        assert!(!payload_matches(&h, b"hellO"));
        assert!(decode_record_header(&buf, 43).is_err());
        for bit in 0..RECORD_HEADER_BYTES * 8 {
            let mut damaged = buf.clone();
            damaged[bit / 8] ^= 1 << (bit % 8);
            assert!(decode_record_header(&damaged, 42).is_err(), "bit {bit}");
        }
    }

    #[test]
    fn zeroed_space_is_not_a_record() {
        assert!(decode_record_header(&[0u8; RECORD_HEADER_BYTES], 0).is_err());
    }
}

//! The file header of a log file, decoded for inspection tools
//! (`srdb inspect wal`), which print it and compare it with the records.

use std::io::Read;
use std::path::Path;

use crate::error::WalError;
use crate::format::{FileHeader, FILE_HEADER_BYTES};

/// The checked header of a log file (see `docs/format/wal.md`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct LogFileHeader {
    /// Segment number (0 for a single-file log).
    pub segment: u64,
    /// LSN of the file's first record.
    pub first_lsn: u64,
    /// LSN of the last record before the file, 0 if none.
    pub prev_lsn: u64,
    /// The random salt that seeds the record header checksums.
    pub salt: u64,
}

/// Reads and checks the header of the log file at `path` (checksum, magic,
/// version, flags, LSNs), without reading its records.
pub fn read_file_header(path: &Path, magic: [u8; 8]) -> Result<LogFileHeader, WalError> {
    let mut file = std::fs::File::open(path).map_err(|e| WalError::io("open", path, e))?;
    let mut bytes = [0u8; FILE_HEADER_BYTES];
    let mut read = 0;
    while read < FILE_HEADER_BYTES {
        match file.read(&mut bytes[read..]) {
            Ok(0) => break,
            Ok(n) => read += n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => return Err(WalError::io("read", path, e)),
        }
    }
    if read < FILE_HEADER_BYTES {
        return Err(WalError::corruption(
            path,
            0,
            format!(
                "the file is {read} bytes long, shorter than its {FILE_HEADER_BYTES}-byte header"
            ),
        ));
    }
    let h = FileHeader::decode(&bytes, path, &magic)?;
    Ok(LogFileHeader {
        segment: h.segment,
        first_lsn: h.first_lsn,
        prev_lsn: h.prev_lsn,
        salt: h.salt,
    })
}

//! A single-file log with the same header and record framing as a WAL
//! segment, for logs that need no group commit (the MANIFEST).
//!
//! The format is that of [`crate::format`]: a 52-byte file header (with the
//! caller's magic, segment number 0, first LSN 1) followed by framed records.

use std::fs::{File, OpenOptions};
use std::io::Write;
use std::path::{Path, PathBuf};

use crate::error::WalError;
use crate::format::{self, FileHeader, FILE_HEADER_BYTES};
use crate::limits::{MAX_LSN, MAX_RECORD_BYTES};
use crate::reader::{scan_file, Expect, FileSource, RecoveryMode, RecoveryReport, Source};
use crate::{fsutil, Record};

/// Appends records to one log file.
///
/// Not thread-safe (methods take `&mut self`) and without group commit: each
/// [`append`](LogWriter::append) is one `write` to the OS, and durability is
/// the caller's call to [`sync`](LogWriter::sync). Read the file back with
/// [`crate::read_log`] and the same magic.
#[derive(Debug)]
pub struct LogWriter {
    path: PathBuf,
    file: File,
    salt: u64,
    next_lsn: u64,
    bytes: u64,
    frame: Vec<u8>,
    failed: Option<String>,
}

impl LogWriter {
    /// Creates the log file `path` with header magic `magic`, failing if the
    /// file exists. The header and the directory entry are durable on return.
    pub fn create(path: &Path, magic: [u8; 8]) -> Result<Self, WalError> {
        let header = FileHeader::new(magic, 0, 1, 0);
        let file = fsutil::create_with_header(path, &header)?;
        Ok(LogWriter {
            path: path.into(),
            file,
            salt: header.salt,
            next_lsn: 1,
            bytes: FILE_HEADER_BYTES as u64,
            frame: Vec::new(),
            failed: None,
        })
    }

    /// Opens an existing log file to append to it. The file is checked in
    /// [`RecoveryMode::Strict`]: corruption before its tail is an error, and a
    /// torn tail is truncated (durably) and returned in the report. Appends
    /// continue after the last valid record's LSN.
    pub fn open_append(path: &Path, magic: [u8; 8]) -> Result<(Self, RecoveryReport), WalError> {
        let mut src = FileSource::open(path)?;
        let mut report = RecoveryReport::default();
        let expect = Expect { magic: &magic, segment: None, is_last: true };
        let mut ignore = |_: Record<'_>| Ok(());
        let scan =
            scan_file(&mut src, path, &expect, RecoveryMode::Strict, &mut report, &mut ignore)?;
        let Some(header) = scan.header else {
            return Err(WalError::corruption(path, 0, "the file has no complete header"));
        };
        let mut len = src.len();
        if let Some(torn) = &report.torn_tail {
            fsutil::truncate(path, torn.offset)?;
            len = torn.offset;
        }
        let file = OpenOptions::new()
            .append(true)
            .open(path)
            .map_err(|e| WalError::io("open", path, e))?;
        Ok((
            LogWriter {
                path: path.into(),
                file,
                salt: header.salt,
                next_lsn: scan.position + 1,
                bytes: len,
                frame: Vec::new(),
                failed: None,
            },
            report,
        ))
    }

    /// Appends one record, writing it to the OS, and returns its LSN. It is
    /// durable only after [`sync`](LogWriter::sync).
    ///
    /// After a failed write the file's end is unknown, so every later call
    /// fails with [`WalError::Poisoned`]; reopen the file to go on.
    pub fn append(&mut self, payload: &[u8]) -> Result<u64, WalError> {
        if let Some(reason) = &self.failed {
            return Err(WalError::Poisoned { reason: reason.clone() });
        }
        if payload.len() > MAX_RECORD_BYTES {
            return Err(WalError::RecordTooLarge { bytes: payload.len(), max: MAX_RECORD_BYTES });
        }
        let lsn = self.next_lsn;
        if lsn > MAX_LSN {
            return Err(WalError::LsnExhausted { lsn, max: MAX_LSN });
        }
        self.frame.clear();
        format::encode_record(&mut self.frame, self.salt, lsn, payload);
        if let Err(e) = self.file.write_all(&self.frame) {
            let err = WalError::io("write to", &self.path, e);
            self.failed = Some(err.to_string());
            return Err(err);
        }
        self.next_lsn += 1;
        self.bytes += self.frame.len() as u64;
        Ok(lsn)
    }

    /// Makes every appended record durable (`fdatasync`).
    pub fn sync(&mut self) -> Result<(), WalError> {
        if let Some(reason) = &self.failed {
            return Err(WalError::Poisoned { reason: reason.clone() });
        }
        self.file.sync_data().map_err(|e| {
            let err = WalError::io("fsync", &self.path, e);
            self.failed = Some(err.to_string());
            err
        })
    }

    /// Size of the file in bytes, header included.
    pub fn bytes_written(&self) -> u64 {
        self.bytes
    }

    /// LSN of the last record in the file, 0 if it has none.
    pub fn last_lsn(&self) -> u64 {
        self.next_lsn - 1
    }

    /// The file's path.
    pub fn path(&self) -> &Path {
        &self.path
    }
}

/// Builds in memory the bytes of a single-file log holding `payloads` as
/// records with LSNs 1, 2, ...: what a [`LogWriter`] would write, except that
/// the salt is fixed so the bytes depend only on the arguments. For tests,
/// tools and fuzzing.
///
/// # Panics
/// If a payload is larger than [`MAX_RECORD_BYTES`].
pub fn encode_log_bytes<'a>(
    magic: [u8; 8],
    payloads: impl IntoIterator<Item = &'a [u8]>,
) -> Vec<u8> {
    let header =
        FileHeader { magic, segment: 0, first_lsn: 1, prev_lsn: 0, salt: 0x5eed_5eed_5eed_5eed };
    let mut bytes = header.encode().to_vec();
    for (i, payload) in payloads.into_iter().enumerate() {
        format::encode_record(&mut bytes, header.salt, i as u64 + 1, payload);
    }
    bytes
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::read_log;

    const MAGIC: [u8; 8] = *b"TESTLOG!";

    type Records = Vec<(u64, Vec<u8>)>;

    fn read_all(path: &Path, magic: [u8; 8]) -> Result<(Records, RecoveryReport), WalError> {
        let mut out = Vec::new();
        let report = read_log(path, magic, RecoveryMode::Strict, |r| {
            out.push((r.lsn, r.payload.to_vec()));
            Ok(())
        })?;
        Ok((out, report))
    }

    #[test]
    fn create_refuses_an_existing_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("log");
        LogWriter::create(&path, MAGIC).unwrap();
        let err = LogWriter::create(&path, MAGIC).unwrap_err();
        assert!(matches!(err, WalError::Io { .. }), "{err}");
    }

    #[test]
    fn reopened_log_truncates_a_torn_tail_and_continues_the_lsns() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("log");
        let mut log = LogWriter::create(&path, MAGIC).unwrap();
        log.append(b"one").unwrap();
        log.append(b"two").unwrap();
        log.sync().unwrap();
        let good_len = log.bytes_written();
        assert_eq!(std::fs::metadata(&path).unwrap().len(), good_len);
        drop(log);
        // A third record cut short by a crash.
        let mut frame = Vec::new();
        format::encode_record(&mut frame, 0, 3, b"three");
        let mut file = OpenOptions::new().append(true).open(&path).unwrap();
        file.write_all(&frame[..frame.len() - 2]).unwrap();

        let (mut log, report) = LogWriter::open_append(&path, MAGIC).unwrap();
        let torn = report.torn_tail.expect("torn tail reported");
        assert_eq!((torn.offset, torn.bytes), (good_len, frame.len() as u64 - 2));
        assert_eq!(std::fs::metadata(&path).unwrap().len(), good_len);
        assert_eq!(log.last_lsn(), 2);
        assert_eq!(log.append(b"three").unwrap(), 3);
        log.sync().unwrap();
        let (records, report) = read_all(&path, MAGIC).unwrap();
        assert_eq!(
            records,
            vec![(1, b"one".to_vec()), (2, b"two".to_vec()), (3, b"three".to_vec())]
        );
        assert!(report.torn_tail.is_none());
    }

    #[test]
    fn a_log_is_not_read_with_another_magic() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("log");
        LogWriter::create(&path, MAGIC).unwrap().append(b"x").unwrap();
        let err = read_all(&path, crate::WAL_MAGIC).unwrap_err();
        assert!(matches!(&err, WalError::Corruption { offset: 0, .. }), "{err}");
        let err = LogWriter::open_append(&path, crate::WAL_MAGIC).unwrap_err();
        assert!(err.is_corruption(), "{err}");
    }

    #[test]
    fn oversized_records_are_refused_before_anything_is_written() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("log");
        let mut log = LogWriter::create(&path, MAGIC).unwrap();
        let big = vec![0u8; MAX_RECORD_BYTES + 1];
        assert!(matches!(log.append(&big), Err(WalError::RecordTooLarge { .. })));
        assert_eq!(log.bytes_written(), FILE_HEADER_BYTES as u64);
        assert_eq!(log.append(b"ok").unwrap(), 1);
    }

    #[test]
    fn encoded_bytes_read_back_as_written() {
        let payloads: Vec<&[u8]> = vec![b"", b"a", &[7u8; 1000]];
        let bytes = encode_log_bytes(MAGIC, payloads.iter().copied());
        let mut seen = Vec::new();
        let report =
            crate::read_log_bytes(Path::new("mem"), &bytes, MAGIC, RecoveryMode::Strict, |r| {
                seen.push((r.lsn, r.payload.to_vec()));
                Ok(())
            })
            .unwrap();
        let expected: Vec<_> =
            payloads.iter().enumerate().map(|(i, p)| (i as u64 + 1, p.to_vec())).collect();
        assert_eq!(seen, expected);
        assert_eq!((report.records_replayed, report.last_lsn), (3, 3));
    }
}

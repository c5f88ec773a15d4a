//! The write-ahead log of srdb.
//!
//! Owns: segmented log files in one directory; framing of each record with
//! length, type, LSN and CRC32; the single-file [`LogWriter`] that the
//! MANIFEST uses with the same framing; recovery that replays valid records,
//! truncates a torn tail and reports corruption before the tail. It knows
//! nothing of what the records mean. The byte format is specified in
//! `docs/format/wal.md`.
//!
//! The engine opens one [`Wal`] per database, appends one record per write
//! batch (the returned LSN is the batch's sequence number), rotates to a new
//! segment when it freezes its memtables, and deletes segments whose data is
//! in SST files:
//!
//! ```
//! use srdb_wal::{SyncPolicy, Wal, WalOptions};
//!
//! let dir = tempfile::tempdir().unwrap();
//! let opts = WalOptions { sync: SyncPolicy::Always, ..WalOptions::default() };
//! let (wal, _report) = Wal::open(dir.path(), opts, 0, 1, |_| Ok(())).unwrap();
//! assert_eq!(wal.append(b"batch one").unwrap(), 1);
//! let second = wal.rotate().unwrap();
//! assert_eq!(wal.append(b"batch two").unwrap(), 2);
//! wal.close().unwrap();
//!
//! // After a restart, replay what the SST files do not hold yet.
//! let mut replayed = Vec::new();
//! let (wal, report) = Wal::open(dir.path(), opts, second, 1, |r| {
//!     replayed.push((r.lsn, r.payload.to_vec()));
//!     Ok(())
//! })
//! .unwrap();
//! assert_eq!(replayed, vec![(2, b"batch two".to_vec())]);
//! assert_eq!(report.segments_read, 1);
//! assert_eq!(wal.append(b"batch three").unwrap(), 3);
//! ```
//!
//! The MANIFEST uses the same framing through [`LogWriter`] and [`read_log`],
//! with its own magic so that neither kind of file is read as the other:
//!
//! ```
//! use srdb_wal::{read_log, LogWriter, RecoveryMode};
//!
//! let dir = tempfile::tempdir().unwrap();
//! let path = dir.path().join("MANIFEST-000001");
//! let mut log = LogWriter::create(&path, *b"EXAMPLE!").unwrap();
//! assert_eq!(log.append(b"first").unwrap(), 1);
//! assert_eq!(log.append(b"second").unwrap(), 2);
//! log.sync().unwrap();
//!
//! let mut seen = Vec::new();
//! let report = read_log(&path, *b"EXAMPLE!", RecoveryMode::Strict, |r| {
//!     seen.push((r.lsn, r.payload.to_vec()));
//!     Ok(())
//! })
//! .unwrap();
//! assert_eq!(seen, vec![(1, b"first".to_vec()), (2, b"second".to_vec())]);
//! assert!(report.torn_tail.is_none());
//! ```
#![forbid(unsafe_code)]

mod error;
mod format;
mod fsutil;
mod inspect;
pub mod limits;
mod log_writer;
mod reader;
mod recovery;
mod segment;
mod wal;

pub use error::WalError;
pub use format::{FILE_HEADER_BYTES, FORMAT_VERSION, RECORD_HEADER_BYTES, WAL_MAGIC};
pub use inspect::{read_file_header, LogFileHeader};
pub use limits::{MAX_LSN, MAX_RECORD_BYTES};
pub use log_writer::{encode_log_bytes, LogWriter};
pub use reader::{
    read_log, read_log_bytes, read_segment, Record, RecoveryMode, RecoveryReport,
    SkippedCorruption, TornTail,
};
pub use recovery::read_wal_dir;
pub use srdb_key::BoxError;
pub use wal::{SyncPolicy, Wal, WalOptions, WalStats};

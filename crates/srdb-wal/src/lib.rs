//! The write-ahead log of srdb.
//!
//! Owns: segmented log files in one directory; framing of each record with
//! length, type and CRC32; group commit (concurrent writers share one write and
//! one fsync); the sync policies `Always`, `Periodic(interval)` and `Never`;
//! recovery that replays valid records, truncates a torn tail and reports
//! corruption before the tail. It knows nothing of what the records mean.
#![forbid(unsafe_code)]

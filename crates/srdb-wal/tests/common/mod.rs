//! Helpers shared by the integration tests of srdb-wal.
#![allow(dead_code)]

use std::path::Path;

use srdb_wal::{read_wal_dir, RecoveryMode, RecoveryReport, Wal, WalError, WalOptions};

/// Records as `(lsn, payload)`.
pub type Records = Vec<(u64, Vec<u8>)>;

/// A deterministic payload of varied length (0 to 100 bytes) for record `i`.
pub fn payload(i: u64) -> Vec<u8> {
    let len = (i * 37 % 101) as usize;
    (0..len).map(|k| (i as u8).wrapping_mul(31).wrapping_add(k as u8)).collect()
}

/// Opens the log in `dir`, collecting what it replays. The records are
/// returned even when opening fails, to check what was replayed before it.
pub fn open_collect(
    dir: &Path,
    opts: WalOptions,
    first_segment: u64,
) -> (Result<(Wal, RecoveryReport), WalError>, Records) {
    let mut records = Vec::new();
    let result = Wal::open(dir, opts, first_segment, 1, |r| {
        records.push((r.lsn, r.payload.to_vec()));
        Ok(())
    });
    (result, records)
}

/// Reads the log in `dir` without changing it, as `Wal::open` would replay it.
pub fn read_collect(dir: &Path, mode: RecoveryMode) -> (Result<RecoveryReport, WalError>, Records) {
    let mut records = Vec::new();
    let result = read_wal_dir(dir, mode, 0, |r| {
        records.push((r.lsn, r.payload.to_vec()));
        Ok(())
    });
    (result, records)
}

/// Options with the given sync policy and defaults otherwise.
pub fn opts(sync: srdb_wal::SyncPolicy) -> WalOptions {
    WalOptions { sync, ..WalOptions::default() }
}

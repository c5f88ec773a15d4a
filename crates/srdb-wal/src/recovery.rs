//! Replaying the segments of a WAL directory when it is opened.
//!
//! Segments are read in order of number. Within a segment, records must carry
//! consecutive LSNs from the header's `first_lsn`; across segments, each
//! header's `prev_lsn` must equal the last LSN of the segment read before it,
//! so a segment that lost records at its end (or a missing segment) is found
//! even when no bytes are damaged. Only the last segment may end in a torn
//! tail; damage at the end of an earlier one is corruption, because a segment
//! is fsynced before the next one is created.

use std::path::{Path, PathBuf};

use srdb_key::BoxError;

use crate::error::WalError;
use crate::format::WAL_MAGIC;
use crate::reader::{self, Expect, FileSource, Record, RecoveryMode, RecoveryReport, Source};
use crate::segment;
use crate::SkippedCorruption;

/// What recovery found, beyond what the report tells the caller.
pub(crate) struct Recovered {
    pub report: RecoveryReport,
    /// The LSN the log continues after: the last LSN of the last readable
    /// segment (or its `first_lsn - 1` if it holds no record); 0 if none.
    pub position: u64,
    /// The highest segment number in the directory, read or not; 0 if none.
    pub highest_segment: u64,
    /// The last segment read, when it ended in a torn tail to cut off: its
    /// path and the length to keep (0 means the file has no valid header and
    /// is removed).
    pub torn: Option<(PathBuf, u64)>,
}

/// The previous segment read, for the continuity check.
struct Previous {
    path: PathBuf,
    len: u64,
    ends_in_skipped_damage: bool,
}

pub(crate) fn recover(
    dir: &Path,
    mode: RecoveryMode,
    first_segment: u64,
    f: &mut dyn FnMut(Record<'_>) -> Result<(), BoxError>,
) -> Result<Recovered, WalError> {
    let all = segment::list(dir)?;
    let highest_segment = all.last().map_or(0, |(n, _)| *n);
    let to_read: Vec<_> = all.into_iter().filter(|(n, _)| *n >= first_segment).collect();
    let mut report = RecoveryReport::default();
    let mut position: Option<u64> = None;
    let mut previous: Option<Previous> = None;
    for (i, (number, path)) in to_read.iter().enumerate() {
        let is_last = i + 1 == to_read.len();
        let mut src = FileSource::open(path)?;
        let len = src.len();
        let expect = Expect { magic: &WAL_MAGIC, segment: Some(*number), is_last };
        let Some(header) = reader::read_header(&mut src, path, &expect, mode, &mut report)? else {
            previous = Some(Previous { path: path.clone(), len, ends_in_skipped_damage: true });
            continue;
        };
        if let (Some(known), Some(prev)) = (position, &previous) {
            check_continuity(known, header.prev_lsn, prev, path, mode, &mut report)?;
        }
        let scan = reader::scan_records(&mut src, path, &header, is_last, mode, &mut report, f)?;
        position = Some(scan.position);
        previous = Some(Previous {
            path: path.clone(),
            len,
            ends_in_skipped_damage: scan.ends_in_skipped_damage,
        });
    }
    let torn = report.torn_tail.as_ref().map(|t| (t.file.clone(), t.offset));
    Ok(Recovered { report, position: position.unwrap_or(0), highest_segment, torn })
}

/// Checks that a segment whose header says the log before it ended at
/// `prev_lsn` follows a segment that ended at `known`.
fn check_continuity(
    known: u64,
    prev_lsn: u64,
    prev: &Previous,
    path: &Path,
    mode: RecoveryMode,
    report: &mut RecoveryReport,
) -> Result<(), WalError> {
    if prev_lsn < known {
        return Err(WalError::corruption(
            path,
            0,
            format!(
                "the segment was started after LSN {prev_lsn}, but {} holds records up to LSN {known}",
                prev.path.display()
            ),
        ));
    }
    if prev_lsn == known {
        return Ok(());
    }
    let missing = prev_lsn - known;
    let reason = format!(
        "records {}..={prev_lsn} are missing: the log continues in {} after LSN {prev_lsn}",
        known + 1,
        path.display()
    );
    match mode {
        RecoveryMode::Strict => Err(WalError::corruption(&prev.path, prev.len, reason)),
        RecoveryMode::SkipCorrupt => {
            match report.skipped.last_mut() {
                Some(last) if prev.ends_in_skipped_damage && last.file == prev.path => {
                    last.records += missing;
                }
                _ => report.skipped.push(SkippedCorruption {
                    file: prev.path.clone(),
                    offset: prev.len,
                    bytes: 0,
                    records: missing,
                    reason,
                }),
            }
            Ok(())
        }
    }
}

/// Reads every segment numbered `>= first_segment` in the WAL directory `dir`
/// exactly as [`crate::Wal::open`] replays them, calling `f` on each valid
/// record, but changes nothing: a torn tail is reported, not truncated. For
/// checking tools (`srdb check`) and for tests.
pub fn read_wal_dir(
    dir: &Path,
    mode: RecoveryMode,
    first_segment: u64,
    mut f: impl FnMut(Record<'_>) -> Result<(), BoxError>,
) -> Result<RecoveryReport, WalError> {
    Ok(recover(dir, mode, first_segment, &mut f)?.report)
}

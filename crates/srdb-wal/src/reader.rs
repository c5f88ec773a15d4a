//! Reading log files: replaying valid records, telling a torn tail from
//! corruption before the tail, and reporting both.
//!
//! A record at offset `o` that fails any check (header CRC, type, length, the
//! expected LSN, payload CRC, or the end of the file) is *bad*. The reader then
//! looks for the next *valid* record after `o`: one whose header and payload
//! checks pass and whose LSN is one the damaged span could have held (at least
//! the expected LSN, and at most one more per record header that fits in the
//! span). If there is none, the bad bytes are a torn tail: a write cut short by
//! a crash. If there is one, records before it were damaged: corruption.

use std::fs::File;
use std::io::{self, Read, Seek, SeekFrom};
use std::path::{Path, PathBuf};

use srdb_key::BoxError;

use crate::error::WalError;
use crate::format::{self, FileHeader, RecordHeader, FILE_HEADER_BYTES, RECORD_HEADER_BYTES};
use crate::limits::READ_WINDOW_BYTES;

/// How recovery treats corruption before the tail of the log.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum RecoveryMode {
    /// Stop with [`WalError::Corruption`] at the first damaged record that is
    /// followed by valid ones. Records before it have already been replayed.
    #[default]
    Strict,
    /// Skip damaged records, replay every valid record after them, and report
    /// what was lost in [`RecoveryReport::skipped`].
    SkipCorrupt,
}

/// One valid record, as handed to a replay callback.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Record<'a> {
    /// Number of the segment holding the record (0 for a single-file log).
    pub segment: u64,
    /// Byte offset of the record's header in its file.
    pub offset: u64,
    /// The record's log sequence number.
    pub lsn: u64,
    /// The bytes that were appended.
    pub payload: &'a [u8],
}

/// An incomplete write at the end of the log, removed by recovery.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TornTail {
    /// The file whose end was torn.
    pub file: PathBuf,
    /// Offset of the first byte that was not part of a valid record; the file
    /// is (or, for read-only readers, would be) truncated to this length.
    pub offset: u64,
    /// Bytes after `offset`.
    pub bytes: u64,
}

/// Damaged bytes skipped in [`RecoveryMode::SkipCorrupt`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SkippedCorruption {
    /// The damaged file.
    pub file: PathBuf,
    /// Offset of the first damaged byte.
    pub offset: u64,
    /// Bytes skipped.
    pub bytes: u64,
    /// Records lost, counted from the gap in LSNs.
    pub records: u64,
    /// What was wrong with the first damaged record.
    pub reason: String,
}

/// What a recovery or a read found.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct RecoveryReport {
    /// Files read (segments for a WAL, 1 for a single file).
    pub segments_read: usize,
    /// Valid records passed to the callback.
    pub records_replayed: u64,
    /// LSN of the last record passed to the callback, 0 if none.
    pub last_lsn: u64,
    /// The incomplete write found at the end of the last file, if any.
    pub torn_tail: Option<TornTail>,
    /// Damage skipped in [`RecoveryMode::SkipCorrupt`]; always empty in
    /// [`RecoveryMode::Strict`].
    pub skipped: Vec<SkippedCorruption>,
}

/// Random-access bytes of one file.
pub(crate) trait Source {
    fn len(&self) -> u64;
    /// Returns `len` bytes at `offset`; the caller keeps `offset + len` within
    /// [`Source::len`].
    fn read(&mut self, offset: u64, len: usize) -> io::Result<&[u8]>;
}

pub(crate) struct SliceSource<'a>(pub &'a [u8]);

impl Source for SliceSource<'_> {
    fn len(&self) -> u64 {
        self.0.len() as u64
    }
    fn read(&mut self, offset: u64, len: usize) -> io::Result<&[u8]> {
        let start = offset as usize;
        Ok(&self.0[start..start + len])
    }
}

/// A file read through a window, so that memory stays bounded by the window
/// and the largest record rather than the file.
pub(crate) struct FileSource {
    file: File,
    len: u64,
    window: Vec<u8>,
    window_start: u64,
}

impl FileSource {
    pub fn open(path: &Path) -> Result<Self, WalError> {
        let file = File::open(path).map_err(|e| WalError::io("open", path, e))?;
        let len = file.metadata().map_err(|e| WalError::io("read the size of", path, e))?.len();
        Ok(FileSource { file, len, window: Vec::new(), window_start: 0 })
    }
}

impl Source for FileSource {
    fn len(&self) -> u64 {
        self.len
    }
    fn read(&mut self, offset: u64, len: usize) -> io::Result<&[u8]> {
        let end = offset + len as u64;
        let window_end = self.window_start + self.window.len() as u64;
        if offset < self.window_start || end > window_end {
            let want = (len.max(READ_WINDOW_BYTES) as u64).min(self.len - offset) as usize;
            self.window.resize(want, 0);
            self.file.seek(SeekFrom::Start(offset))?;
            self.file.read_exact(&mut self.window)?;
            self.window_start = offset;
        }
        let at = (offset - self.window_start) as usize;
        Ok(&self.window[at..at + len])
    }
}

/// What scanning one file established.
pub(crate) struct FileScan {
    /// The file's header; `None` when it was torn or skipped.
    pub header: Option<FileHeader>,
    /// The log position after the file: the LSN of its last valid record, or
    /// `first_lsn - 1` when it has none. Meaningless without a header.
    pub position: u64,
    /// Whether the file ended in damage that was skipped (SkipCorrupt only),
    /// so that records missing at its end belong to that entry.
    pub ends_in_skipped_damage: bool,
}

/// What the caller expects of the file being scanned.
pub(crate) struct Expect<'m> {
    pub magic: &'m [u8; 8],
    /// The segment number the file name gives, checked against the header.
    pub segment: Option<u64>,
    /// Whether the file is the last of its log, where damage with nothing
    /// valid after it is a torn tail rather than corruption.
    pub is_last: bool,
}

/// Scans one file, calling `f` on each valid record and recording torn tails
/// and skipped damage in `report`.
pub(crate) fn scan_file<S: Source>(
    src: &mut S,
    file: &Path,
    expect: &Expect<'_>,
    mode: RecoveryMode,
    report: &mut RecoveryReport,
    f: &mut dyn FnMut(Record<'_>) -> Result<(), BoxError>,
) -> Result<FileScan, WalError> {
    match read_header(src, file, expect, mode, report)? {
        Some(header) => scan_records(src, file, &header, expect.is_last, mode, report, f),
        None => Ok(FileScan { header: None, position: 0, ends_in_skipped_damage: !expect.is_last }),
    }
}

/// Reads and checks the header of a file. `Ok(None)` means the header is
/// damaged and was either a torn tail (last file no longer than a header,
/// recorded in `report.torn_tail`) or skipped (SkipCorrupt, recorded in
/// `report.skipped`).
pub(crate) fn read_header<S: Source>(
    src: &mut S,
    file: &Path,
    expect: &Expect<'_>,
    mode: RecoveryMode,
    report: &mut RecoveryReport,
) -> Result<Option<FileHeader>, WalError> {
    let len = src.len();
    report.segments_read += 1;
    let header_bytes = if len >= FILE_HEADER_BYTES as u64 {
        Some(src.read(0, FILE_HEADER_BYTES).map_err(|e| WalError::io("read", file, e))?)
    } else {
        None
    };
    let header = match header_bytes {
        // A header whose checksum holds but whose content is not what this
        // reader expects (another magic, a newer version) is not damage: it is
        // an error in every mode.
        Some(bytes) if format::header_checksum_ok(bytes) => {
            FileHeader::decode(bytes, file, expect.magic)?
        }
        _ => {
            // A last file no longer than a header was being created when the
            // process stopped: a torn tail. Anything else is damage.
            if expect.is_last && len <= FILE_HEADER_BYTES as u64 {
                report.torn_tail = Some(TornTail { file: file.into(), offset: 0, bytes: len });
                return Ok(None);
            }
            let reason = if len < FILE_HEADER_BYTES as u64 {
                format!("the file is {len} bytes long, shorter than its {FILE_HEADER_BYTES}-byte header")
            } else {
                "the file header checksum does not match".to_string()
            };
            skip_or_fail(mode, report, file, 0, len, 0, reason)?;
            return Ok(None);
        }
    };
    if let Some(segment) = expect.segment {
        if header.segment != segment {
            return Err(WalError::corruption(
                file,
                0,
                format!(
                    "the header names segment {} but the file name names segment {segment}",
                    header.segment
                ),
            ));
        }
    }
    Ok(Some(header))
}

/// Scans the records of a file whose header was read, calling `f` on each
/// valid one.
pub(crate) fn scan_records<S: Source>(
    src: &mut S,
    file: &Path,
    header: &FileHeader,
    is_last: bool,
    mode: RecoveryMode,
    report: &mut RecoveryReport,
    f: &mut dyn FnMut(Record<'_>) -> Result<(), BoxError>,
) -> Result<FileScan, WalError> {
    let io_err = |e| WalError::io("read", file, e);
    let len = src.len();
    let mut ends_in_skipped_damage = false;
    let mut offset = FILE_HEADER_BYTES as u64;
    let mut expected = header.first_lsn;
    while offset < len {
        match check_record(src, offset, expected, header.salt).map_err(io_err)? {
            Ok(h) => {
                let payload = src
                    .read(offset + RECORD_HEADER_BYTES as u64, h.length as usize)
                    .map_err(io_err)?;
                f(Record { segment: header.segment, offset, lsn: h.lsn, payload })
                    .map_err(WalError::Replay)?;
                report.records_replayed += 1;
                report.last_lsn = h.lsn;
                offset += h.frame_bytes();
                expected += 1;
            }
            Err(reason) => {
                match find_next_valid(src, offset, expected, header.salt).map_err(io_err)? {
                    None if is_last => {
                        report.torn_tail =
                            Some(TornTail { file: file.into(), offset, bytes: len - offset });
                        break;
                    }
                    None => {
                        skip_or_fail(mode, report, file, offset, len - offset, 0, reason)?;
                        ends_in_skipped_damage = true;
                        break;
                    }
                    Some((next_offset, next_lsn)) => {
                        let records = next_lsn - expected;
                        skip_or_fail(
                            mode,
                            report,
                            file,
                            offset,
                            next_offset - offset,
                            records,
                            reason,
                        )?;
                        offset = next_offset;
                        expected = next_lsn;
                    }
                }
            }
        }
    }
    Ok(FileScan { header: Some(*header), position: expected - 1, ends_in_skipped_damage })
}

/// In Strict mode, the corruption error; in SkipCorrupt mode, a report entry.
fn skip_or_fail(
    mode: RecoveryMode,
    report: &mut RecoveryReport,
    file: &Path,
    offset: u64,
    bytes: u64,
    records: u64,
    reason: String,
) -> Result<(), WalError> {
    match mode {
        RecoveryMode::Strict => Err(WalError::corruption(file, offset, reason)),
        RecoveryMode::SkipCorrupt => {
            report.skipped.push(SkippedCorruption {
                file: file.into(),
                offset,
                bytes,
                records,
                reason,
            });
            Ok(())
        }
    }
}

/// Checks the record at `offset`: `Ok(Ok(header))` if it is valid and has
/// LSN `expected`, `Ok(Err(reason))` if it is bad.
fn check_record<S: Source>(
    src: &mut S,
    offset: u64,
    expected: u64,
    salt: u64,
) -> io::Result<Result<RecordHeader, String>> {
    let remaining = src.len() - offset;
    if remaining < RECORD_HEADER_BYTES as u64 {
        return Ok(Err(format!("the file ends {remaining} bytes into a record header")));
    }
    let h = match format::decode_record_header(src.read(offset, RECORD_HEADER_BYTES)?, salt) {
        Ok(h) => h,
        Err(reason) => return Ok(Err(reason)),
    };
    if h.lsn != expected {
        return Ok(Err(format!("the record has LSN {}, expected {expected}", h.lsn)));
    }
    if h.frame_bytes() > remaining {
        return Ok(Err(format!("the record of {} bytes runs past the end of the file", h.length)));
    }
    let payload = src.read(offset + RECORD_HEADER_BYTES as u64, h.length as usize)?;
    if !format::payload_matches(&h, payload) {
        return Ok(Err("the record payload checksum does not match".into()));
    }
    Ok(Ok(h))
}

/// Finds the first valid record after the bad one at `bad_offset`, returning
/// its offset and LSN.
fn find_next_valid<S: Source>(
    src: &mut S,
    bad_offset: u64,
    expected: u64,
    salt: u64,
) -> io::Result<Option<(u64, u64)>> {
    let len = src.len();
    let mut candidate = bad_offset + 1;
    while candidate + RECORD_HEADER_BYTES as u64 <= len {
        let h = src.read(candidate, RECORD_HEADER_BYTES)?;
        // Cheap test first: almost every offset fails on the type byte.
        if h[8] == 1 && h[9..12] == [0, 0, 0] {
            if let Ok(h) = format::decode_record_header(h, salt) {
                let most_lost = (candidate - bad_offset) / RECORD_HEADER_BYTES as u64;
                let plausible = h.lsn >= expected && h.lsn - expected <= most_lost;
                if plausible && h.frame_bytes() <= len - candidate {
                    let payload =
                        src.read(candidate + RECORD_HEADER_BYTES as u64, h.length as usize)?;
                    if format::payload_matches(&h, payload) {
                        return Ok(Some((candidate, h.lsn)));
                    }
                }
            }
        }
        candidate += 1;
    }
    Ok(None)
}

/// Reads one single-file log (or one WAL segment) with header magic `magic`,
/// calling `f` on each valid record in order.
///
/// The file is treated as the last of its log: damage with no valid record
/// after it is reported as [`RecoveryReport::torn_tail`] (the file is not
/// modified); damage followed by valid records is corruption, handled as
/// `mode` says.
pub fn read_log(
    path: &Path,
    magic: [u8; 8],
    mode: RecoveryMode,
    mut f: impl FnMut(Record<'_>) -> Result<(), BoxError>,
) -> Result<RecoveryReport, WalError> {
    let mut src = FileSource::open(path)?;
    let mut report = RecoveryReport::default();
    let expect = Expect { magic: &magic, segment: None, is_last: true };
    scan_file(&mut src, path, &expect, mode, &mut report, &mut f)?;
    Ok(report)
}

/// Reads one WAL segment file without opening a [`crate::Wal`] (for
/// inspection and checking tools); see [`read_log`].
pub fn read_segment(
    path: &Path,
    mode: RecoveryMode,
    f: impl FnMut(Record<'_>) -> Result<(), BoxError>,
) -> Result<RecoveryReport, WalError> {
    read_log(path, format::WAL_MAGIC, mode, f)
}

/// Reads the bytes of a single-file log held in memory, exactly as
/// [`read_log`] reads a file; `name` is used in reports and errors.
pub fn read_log_bytes(
    name: &Path,
    bytes: &[u8],
    magic: [u8; 8],
    mode: RecoveryMode,
    mut f: impl FnMut(Record<'_>) -> Result<(), BoxError>,
) -> Result<RecoveryReport, WalError> {
    let mut report = RecoveryReport::default();
    let expect = Expect { magic: &magic, segment: None, is_last: true };
    scan_file(&mut SliceSource(bytes), name, &expect, mode, &mut report, &mut f)?;
    Ok(report)
}

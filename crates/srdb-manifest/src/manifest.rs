//! MANIFEST files: the log of version edits, its rotation, and recovery.
//!
//! A MANIFEST file is a single-file log framed exactly like a WAL segment
//! (`srdb_wal::LogWriter`, header magic [`MANIFEST_MAGIC`]); each record's
//! payload is one encoded [`VersionEdit`]. The first record of every file is
//! a snapshot edit of the whole version, so a file is replayed from
//! [`Version::empty`] without reading any other file. `CURRENT` names the live
//! file (see `current.rs`).

use std::fs;
use std::path::{Path, PathBuf};

use srdb_wal::{read_log, LogWriter, RecoveryMode, TornTail, WalError, RECORD_HEADER_BYTES};

use crate::current::{
    manifest_file_name, parse_manifest_file_name, read_current, remove_if_present, sync_dir,
    write_current, CURRENT_FILE,
};
use crate::edit::VersionEdit;
use crate::error::ManifestError;
use crate::limits::DEFAULT_ROTATE_BYTES;
use crate::version::Version;

/// Magic bytes in the log header of every MANIFEST file.
pub const MANIFEST_MAGIC: [u8; 8] = *b"SRDB-MAN";

/// The number of the MANIFEST file a new database starts with.
const FIRST_MANIFEST_NUMBER: u64 = 1;

/// What reading the live MANIFEST found.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ManifestReport {
    /// The live MANIFEST file, as named by `CURRENT`.
    pub manifest: PathBuf,
    /// Its number.
    pub number: u64,
    /// Edits replayed, the snapshot edit included.
    pub edits: u64,
    /// Bytes of the file that hold valid records (header included).
    pub valid_bytes: u64,
    /// An incomplete final record (a crash during an append). `Manifest::open`
    /// truncated it; `read_manifest` leaves the file untouched.
    pub torn_tail: Option<TornTail>,
}

/// The live MANIFEST of a database, open for appending edits.
///
/// Not thread-safe: the engine serialises edits (it must anyway, since each
/// edit is applied to the version the previous one produced).
#[derive(Debug)]
pub struct Manifest {
    dir: PathBuf,
    number: u64,
    log: LogWriter,
    /// File size just after the snapshot record.
    snapshot_end: u64,
    rotate_bytes: u64,
    recovered: ManifestReport,
    failed: Option<String>,
}

impl Manifest {
    /// Starts the MANIFEST of a new database in `dir` with the state
    /// `initial` describes, and makes `CURRENT` name it. Fails with
    /// [`ManifestError::AlreadyExists`] if `dir` has a `CURRENT` file.
    pub fn create(dir: &Path, initial: &VersionEdit) -> Result<(Manifest, Version), ManifestError> {
        if dir.join(CURRENT_FILE).exists() {
            return Err(ManifestError::AlreadyExists { dir: dir.into() });
        }
        let version = Version::empty().apply(initial)?;
        let number = FIRST_MANIFEST_NUMBER;
        let log = write_new_manifest(dir, number, &version)?;
        write_current(dir, number)?;
        let recovered = ManifestReport {
            manifest: log.path().into(),
            number,
            edits: 1,
            valid_bytes: log.bytes_written(),
            torn_tail: None,
        };
        Ok((Manifest::new(dir, number, log, recovered), version))
    }

    /// Opens the MANIFEST that `CURRENT` in `dir` names and replays it.
    ///
    /// A torn final record (a crash during an append) is truncated and
    /// reported in [`recovery_report`](Manifest::recovery_report). Damage
    /// before the tail, an edit that does not decode or does not apply, or a
    /// file without its snapshot record is a corruption error naming the file
    /// and offset. MANIFEST files other than the live one (left by a crash
    /// during rotation) are removed.
    pub fn open(dir: &Path) -> Result<(Manifest, Version), ManifestError> {
        let replayed = replay(dir, false)?;
        let (log, _) = LogWriter::open_append(&replayed.report.manifest, MANIFEST_MAGIC)?;
        remove_stale_manifests(dir, replayed.report.number)?;
        let mut manifest = Manifest::new(dir, replayed.report.number, log, replayed.report);
        manifest.snapshot_end = replayed.snapshot_end;
        Ok((manifest, replayed.version))
    }

    fn new(dir: &Path, number: u64, log: LogWriter, recovered: ManifestReport) -> Self {
        let snapshot_end = log.bytes_written();
        Manifest {
            dir: dir.into(),
            number,
            log,
            snapshot_end,
            rotate_bytes: DEFAULT_ROTATE_BYTES,
            recovered,
            failed: None,
        }
    }

    /// Validates `edit` against `current` (which must be the version this
    /// MANIFEST last returned), makes it durable, and returns the version it
    /// produces. An edit that breaks an invariant is refused with
    /// [`ManifestError::InvalidEdit`] before anything is written.
    ///
    /// When the file has grown past the rotation size, the edit is not
    /// appended; instead a new MANIFEST file is written holding a snapshot of
    /// the new version, `CURRENT` is switched to it, and the old file is
    /// deleted.
    ///
    /// After a write or sync fails, whether the edit reached the disk is
    /// unknown: the error is returned, and every later call fails with
    /// [`ManifestError::Poisoned`]. Reopen the database to go on.
    pub fn log_and_apply(
        &mut self,
        edit: &VersionEdit,
        current: &Version,
    ) -> Result<Version, ManifestError> {
        if let Some(reason) = &self.failed {
            return Err(ManifestError::Poisoned { reason: reason.clone() });
        }
        let next = current.apply(edit)?;
        let written = if self.should_rotate() { self.rotate(&next) } else { self.append(edit) };
        if let Err(e) = written {
            self.failed = Some(e.to_string());
            return Err(e);
        }
        Ok(next)
    }

    fn should_rotate(&self) -> bool {
        self.log.bytes_written() >= self.rotate_bytes.max(2 * self.snapshot_end)
    }

    fn append(&mut self, edit: &VersionEdit) -> Result<(), ManifestError> {
        self.log.append(&edit.encode())?;
        self.log.sync()?;
        Ok(())
    }

    fn rotate(&mut self, next: &Version) -> Result<(), ManifestError> {
        let number = self.number + 1;
        let log = write_new_manifest(&self.dir, number, next)?;
        write_current(&self.dir, number)?;
        let old = std::mem::replace(&mut self.log, log);
        self.number = number;
        self.snapshot_end = self.log.bytes_written();
        let old_path = old.path().to_path_buf();
        drop(old);
        // CURRENT no longer names the old file, so failing to delete it loses
        // nothing: the next `open` removes stale MANIFEST files.
        if fs::remove_file(&old_path).is_ok() {
            let _ = sync_dir(&self.dir);
        }
        Ok(())
    }

    /// Sets the size past which the MANIFEST file is rotated (default
    /// [`DEFAULT_ROTATE_BYTES`](crate::limits::DEFAULT_ROTATE_BYTES)). A file
    /// also rotates only once it is twice the size of its snapshot record.
    pub fn set_rotate_bytes(&mut self, bytes: u64) {
        self.rotate_bytes = bytes;
    }

    /// What opening (or creating) this MANIFEST found.
    pub fn recovery_report(&self) -> &ManifestReport {
        &self.recovered
    }

    /// The number of the live MANIFEST file.
    pub fn number(&self) -> u64 {
        self.number
    }

    /// The path of the live MANIFEST file.
    pub fn path(&self) -> &Path {
        self.log.path()
    }

    /// Size of the live MANIFEST file in bytes.
    pub fn bytes(&self) -> u64 {
        self.log.bytes_written()
    }
}

/// Reads the live MANIFEST of the database in `dir` without changing
/// anything (a torn tail is reported, not truncated), returning the version,
/// every edit in order (the snapshot edit first), and a report. For
/// `srdb inspect manifest` and checks.
pub fn read_manifest(
    dir: &Path,
) -> Result<(Version, Vec<VersionEdit>, ManifestReport), ManifestError> {
    let replayed = replay(dir, true)?;
    Ok((replayed.version, replayed.edits, replayed.report))
}

struct Replayed {
    version: Version,
    edits: Vec<VersionEdit>,
    report: ManifestReport,
    snapshot_end: u64,
}

fn replay(dir: &Path, keep_edits: bool) -> Result<Replayed, ManifestError> {
    let number = read_current(dir)?;
    let path = dir.join(manifest_file_name(number));
    match fs::metadata(&path) {
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            return Err(ManifestError::MissingManifest { manifest: path })
        }
        Err(e) => return Err(ManifestError::io("read the metadata of", path, e)),
        Ok(_) => {}
    }
    let mut version = Version::empty();
    let mut edits = Vec::new();
    let mut snapshot_end = None;
    let mut failure = None;
    let result = read_log(&path, MANIFEST_MAGIC, RecoveryMode::Strict, |record| {
        let applied = VersionEdit::decode(record.payload)
            .and_then(|edit| version.apply(&edit).map(|next| (edit, next)));
        match applied {
            Ok((edit, next)) => {
                version = next;
                if keep_edits {
                    edits.push(edit);
                }
                let end = record.offset + (RECORD_HEADER_BYTES + record.payload.len()) as u64;
                snapshot_end.get_or_insert(end);
                Ok(())
            }
            Err(e) => {
                let reason = match e {
                    ManifestError::MalformedEdit { offset, reason } => format!(
                        "the edit in record {} is malformed at byte {offset} of its payload: {reason}",
                        record.lsn
                    ),
                    ManifestError::InvalidEdit { reason } => format!(
                        "the edit in record {} does not apply to the state before it: {reason}",
                        record.lsn
                    ),
                    other => other.to_string(),
                };
                failure = Some(ManifestError::corruption(&path, record.offset, reason));
                Err("the edit was rejected".into())
            }
        }
    });
    let log_report = match (result, failure) {
        (Err(WalError::Replay(_)), Some(failure)) => return Err(failure),
        (Err(e), _) => return Err(e.into()),
        (Ok(report), _) => report,
    };
    let Some(snapshot_end) = snapshot_end else {
        return Err(ManifestError::corruption(
            &path,
            srdb_wal::FILE_HEADER_BYTES as u64,
            "the file holds no complete edit, but its first record must be a snapshot of the database",
        ));
    };
    let valid_bytes = match &log_report.torn_tail {
        Some(torn) => torn.offset,
        None => {
            fs::metadata(&path).map_err(|e| ManifestError::io("read the size of", &path, e))?.len()
        }
    };
    let report = ManifestReport {
        manifest: path,
        number,
        edits: log_report.records_replayed,
        valid_bytes,
        torn_tail: log_report.torn_tail,
    };
    Ok(Replayed { version, edits, report, snapshot_end })
}

/// Writes MANIFEST `number` holding a snapshot of `version`, durably. A file
/// of that number can only be left over from a crash before `CURRENT` named
/// it, so it is replaced.
fn write_new_manifest(
    dir: &Path,
    number: u64,
    version: &Version,
) -> Result<LogWriter, ManifestError> {
    let path = dir.join(manifest_file_name(number));
    remove_if_present(&path)?;
    let mut log = LogWriter::create(&path, MANIFEST_MAGIC)?;
    log.append(&version.snapshot_edit().encode())?;
    log.sync()?;
    Ok(log)
}

/// Removes MANIFEST files other than `live` and a leftover `CURRENT.tmp`:
/// what a crash during rotation or during the switch of `CURRENT` leaves.
fn remove_stale_manifests(dir: &Path, live: u64) -> Result<(), ManifestError> {
    let entries = fs::read_dir(dir).map_err(|e| ManifestError::io("list", dir, e))?;
    let mut removed = false;
    for entry in entries {
        let entry = entry.map_err(|e| ManifestError::io("list", dir, e))?;
        let name = entry.file_name();
        let Some(name) = name.to_str() else { continue };
        let stale = name == "CURRENT.tmp"
            || parse_manifest_file_name(name).is_some_and(|number| number != live);
        if stale {
            remove_if_present(&entry.path())?;
            removed = true;
        }
    }
    if removed {
        sync_dir(dir)?;
    }
    Ok(())
}

//! Verification of a whole database directory that reads its files and
//! changes nothing (`srdb check`).
//!
//! [`check_dir`] works on the files alone, without opening the engine (which
//! would truncate torn tails and delete unnamed SST files, destroying the
//! evidence). It checks:
//!
//! - `CURRENT` and the MANIFEST: every checksum, every edit applies; a torn
//!   final record is reported (opening truncates it).
//! - Every SST file the MANIFEST names exists, passes [`srdb_sst::Sst::verify`]
//!   (every block checksum, key order within and across blocks, the index,
//!   the bloom filter, the summary against the content), records the keyspace
//!   the MANIFEST puts it in, and matches the MANIFEST's size, entry count,
//!   key range and seqno range.
//! - No SST file in the directory is orphaned (named by no MANIFEST entry).
//! - Key order across the files of a level: reading the MANIFEST refuses
//!   files of one level below L0 whose key ranges overlap (an unreadable
//!   MANIFEST naming both files), and each file's real key range must match
//!   the MANIFEST's (a mismatch otherwise), so the content is in order too.
//! - Every WAL segment the MANIFEST still needs: every record checksum and
//!   LSN, and that every payload decodes as a write batch.
//!
//! The directory must not change while it is checked: a running engine
//! deletes files that compactions replace, which would read as missing files.
//! The caller makes sure of that (the command line holds the `LOCK` file).

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use srdb_manifest::{sst_file_name, FileMeta, KeyspaceId, Level, ManifestError};
use srdb_sst::Sst;
use srdb_wal::RecoveryMode;

use crate::error::Result;
use crate::recovery::WAL_DIR;

/// Most problems a check lists; a badly damaged directory could otherwise
/// produce one per record.
pub const MAX_DIR_PROBLEMS: usize = 1_000;

/// A kind of damage [`check_dir`] finds.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[non_exhaustive]
pub enum ProblemKind {
    /// SST files exist but there is no `CURRENT` file.
    ManifestMissing,
    /// `CURRENT` or the MANIFEST cannot be read: a checksum fails, an edit
    /// does not decode or does not apply, or the file is gone.
    ManifestUnreadable,
    /// The MANIFEST ends in an incomplete record (a write cut short by a
    /// crash); opening the database truncates it.
    ManifestTornTail,
    /// A file the MANIFEST names does not exist.
    MissingFile,
    /// An SST file fails verification (checksum, order, index, bloom,
    /// summary) or cannot be opened.
    CorruptSst,
    /// An SST file is sound but differs from what the MANIFEST says of it
    /// (size, entries, keys, seqnos, keyspace).
    SstMismatch,
    /// An SST file that the MANIFEST does not name.
    OrphanFile,
    /// Damaged WAL records followed by valid ones: the records in between
    /// are lost unless the damage is repaired by hand.
    WalCorrupt,
    /// The last WAL segment ends in an incomplete record; opening the
    /// database truncates it.
    WalTornTail,
    /// A WAL record whose checksum passes but whose payload is not a write
    /// batch.
    WalUndecodable,
}

impl ProblemKind {
    /// A short stable name, for scripts (`orphan-file`, ...).
    pub fn name(self) -> &'static str {
        match self {
            ProblemKind::ManifestMissing => "manifest-missing",
            ProblemKind::ManifestUnreadable => "manifest-unreadable",
            ProblemKind::ManifestTornTail => "manifest-torn-tail",
            ProblemKind::MissingFile => "missing-file",
            ProblemKind::CorruptSst => "corrupt-sst",
            ProblemKind::SstMismatch => "sst-mismatch",
            ProblemKind::OrphanFile => "orphan-file",
            ProblemKind::WalCorrupt => "wal-corrupt",
            ProblemKind::WalTornTail => "wal-torn-tail",
            ProblemKind::WalUndecodable => "wal-undecodable",
        }
    }
}

/// One problem: what, where, and a sentence on it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DirProblem {
    /// The kind of damage.
    pub kind: ProblemKind,
    /// The file concerned.
    pub file: PathBuf,
    /// What is wrong, as a sentence.
    pub detail: String,
}

/// What [`check_dir`] read and found.
#[derive(Clone, Debug, Default)]
pub struct DirCheck {
    /// MANIFEST edits read.
    pub manifest_edits: u64,
    /// Keyspaces in the MANIFEST.
    pub keyspaces: usize,
    /// SST files verified.
    pub sst_files: usize,
    /// Entries in them.
    pub sst_entries: u64,
    /// WAL segments read.
    pub wal_segments: usize,
    /// WAL records read.
    pub wal_records: u64,
    /// What is wrong, at most [`MAX_DIR_PROBLEMS`].
    pub problems: Vec<DirProblem>,
    /// Problems found beyond [`MAX_DIR_PROBLEMS`], not listed.
    pub problems_not_listed: u64,
}

impl DirCheck {
    /// Whether nothing is wrong.
    pub fn is_ok(&self) -> bool {
        self.problems.is_empty()
    }

    /// Whether some problem is of kind `kind`.
    pub fn has(&self, kind: ProblemKind) -> bool {
        self.problems.iter().any(|p| p.kind == kind)
    }

    fn problem(&mut self, kind: ProblemKind, file: &Path, detail: String) {
        if self.problems.len() < MAX_DIR_PROBLEMS {
            self.problems.push(DirProblem { kind, file: file.to_path_buf(), detail });
        } else {
            self.problems_not_listed += 1;
        }
    }
}

/// Progress of [`check_dir`], reported after each SST file.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CheckProgress {
    /// Bytes of SST files verified so far.
    pub bytes_done: u64,
    /// Bytes of all SST files to verify.
    pub bytes_total: u64,
}

/// Checks every file of the database in `dir` as the module documentation
/// says, changing nothing. Damage is reported in the result; an `Err` means
/// the directory itself could not be listed.
pub fn check_dir(dir: &Path, mut progress: impl FnMut(CheckProgress)) -> Result<DirCheck> {
    let mut report = DirCheck::default();
    let on_disk = crate::repair::sst_files(dir)?;
    let has_current = dir.join(srdb_manifest::CURRENT_FILE).exists();
    let version = if !has_current {
        if !on_disk.is_empty() {
            report.problem(
                ProblemKind::ManifestMissing,
                &dir.join(srdb_manifest::CURRENT_FILE),
                format!("there is no CURRENT file but {} SST files", on_disk.len()),
            );
        }
        None
    } else {
        match srdb_manifest::read_manifest(dir) {
            Ok((version, edits, manifest)) => {
                report.manifest_edits = edits.len() as u64;
                if let Some(torn) = manifest.torn_tail {
                    report.problem(
                        ProblemKind::ManifestTornTail,
                        &torn.file,
                        format!(
                            "the last {} bytes (from offset {}) are an incomplete record",
                            torn.bytes, torn.offset
                        ),
                    );
                }
                Some(version)
            }
            Err(e) => {
                let file = match &e {
                    ManifestError::MissingManifest { manifest } => manifest.clone(),
                    _ => dir.join(srdb_manifest::CURRENT_FILE),
                };
                report.problem(ProblemKind::ManifestUnreadable, &file, e.to_string());
                None
            }
        }
    };

    let named: BTreeSet<u64> =
        version.iter().flat_map(|v| v.live_file_numbers().collect::<Vec<_>>()).collect();
    if let Some(version) = &version {
        report.keyspaces = version.keyspaces().count();
        check_named_files(dir, version, &mut report, &mut progress);
    }
    for (number, path) in &on_disk {
        // Without a readable MANIFEST every file is unaccounted for; that is
        // already the MANIFEST problem, not one problem per file.
        if version.is_some() && !named.contains(number) {
            report.problem(
                ProblemKind::OrphanFile,
                path,
                "the MANIFEST does not name this SST file".to_owned(),
            );
        }
    }
    let first_segment = version.as_ref().map_or(0, |v| v.log_number);
    check_wal(dir, first_segment, &mut report);
    Ok(report)
}

fn check_named_files(
    dir: &Path,
    version: &srdb_manifest::Version,
    report: &mut DirCheck,
    progress: &mut impl FnMut(CheckProgress),
) {
    let bytes_total = version.files().map(|(_, _, f)| f.size_bytes).sum();
    let mut bytes_done = 0;
    for (keyspace, level, meta) in version.files() {
        let path = dir.join(sst_file_name(meta.number));
        if !path.exists() {
            report.problem(
                ProblemKind::MissingFile,
                &path,
                format!(
                    "the MANIFEST names this file (keyspace {}, level {level}) but it does not exist",
                    keyspace_name(version, keyspace)
                ),
            );
            continue;
        }
        verify_sst(&path, version, keyspace, level, meta, report);
        bytes_done += meta.size_bytes;
        progress(CheckProgress { bytes_done, bytes_total });
    }
}

fn keyspace_name(version: &srdb_manifest::Version, id: KeyspaceId) -> String {
    version.keyspace(id).map_or_else(|| format!("#{id}"), |k| format!("{:?}", k.name))
}

fn verify_sst(
    path: &Path,
    version: &srdb_manifest::Version,
    keyspace: KeyspaceId,
    level: Level,
    meta: &FileMeta,
    report: &mut DirCheck,
) {
    let verified = Sst::open(path, meta.number, None).and_then(|sst| {
        let v = sst.verify()?;
        Ok((sst, v))
    });
    let (sst, verified) = match verified {
        Ok(ok) => ok,
        Err(e) => {
            report.problem(ProblemKind::CorruptSst, path, e.to_string());
            return;
        }
    };
    report.sst_files += 1;
    report.sst_entries += verified.entries;
    let summary = sst.summary();
    let mut differences = Vec::new();
    let mut differ = |what: &str, manifest: String, file: String| {
        if manifest != file {
            differences.push(format!("{what}: MANIFEST {manifest}, file {file}"));
        }
    };
    differ("size", meta.size_bytes.to_string(), summary.size_bytes.to_string());
    differ("entries", meta.entries.to_string(), summary.entries.to_string());
    differ("smallest key", hex(meta.smallest.as_bytes()), hex(&summary.smallest));
    differ("largest key", hex(meta.largest.as_bytes()), hex(&summary.largest));
    differ("min seqno", meta.min_seqno.to_string(), summary.min_seqno.to_string());
    differ("max seqno", meta.max_seqno.to_string(), summary.max_seqno.to_string());
    match crate::properties::decode(&summary.properties) {
        Ok(owner) => {
            let expected = version.keyspace(keyspace).map(|k| k.name.as_str());
            if owner.id != keyspace || expected != Some(owner.name.as_str()) {
                differences.push(format!(
                    "keyspace: MANIFEST {} (#{keyspace}), file {:?} (#{})",
                    keyspace_name(version, keyspace),
                    owner.name,
                    owner.id
                ));
            }
        }
        Err(reason) => differences.push(format!("keyspace: {reason}")),
    }
    if !differences.is_empty() {
        report.problem(
            ProblemKind::SstMismatch,
            path,
            format!("level {level}: {}", differences.join("; ")),
        );
    }
}

fn check_wal(dir: &Path, first_segment: u64, report: &mut DirCheck) {
    let wal_dir = dir.join(WAL_DIR);
    if !wal_dir.exists() {
        return;
    }
    let mut undecodable = Vec::new();
    let read = srdb_wal::read_wal_dir(&wal_dir, RecoveryMode::SkipCorrupt, first_segment, |r| {
        if let Err(reason) = crate::batch::decode(r.payload) {
            undecodable.push((r.segment, r.offset, r.lsn, reason));
        }
        Ok(())
    });
    match read {
        Ok(wal) => {
            report.wal_segments = wal.segments_read;
            report.wal_records = wal.records_replayed;
            for skipped in wal.skipped {
                report.problem(
                    ProblemKind::WalCorrupt,
                    &skipped.file,
                    format!(
                        "{} damaged bytes from offset {} followed by valid records: {} records lost ({})",
                        skipped.bytes, skipped.offset, skipped.records, skipped.reason
                    ),
                );
            }
            if let Some(torn) = wal.torn_tail {
                report.problem(
                    ProblemKind::WalTornTail,
                    &torn.file,
                    format!(
                        "the last {} bytes (from offset {}) are an incomplete record",
                        torn.bytes, torn.offset
                    ),
                );
            }
        }
        Err(e) => report.problem(ProblemKind::WalCorrupt, &wal_dir, e.to_string()),
    }
    for (segment, offset, lsn, reason) in undecodable {
        report.problem(
            ProblemKind::WalUndecodable,
            &wal_dir.join(format!("{segment:08}.wal")),
            format!("the record with LSN {lsn} at offset {offset} is not a write batch: {reason}"),
        );
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// One entry of a write batch as stored in a WAL record, for inspection.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct WalEntry {
    /// The keyspace id.
    pub keyspace: KeyspaceId,
    /// Whether the entry is a tombstone.
    pub is_delete: bool,
    /// The user key.
    pub key: Vec<u8>,
    /// The value (empty for a tombstone).
    pub value: Vec<u8>,
}

/// Decodes the payload of a WAL record written by the engine into its
/// entries (`srdb inspect wal`). A payload that is not a write batch is an
/// `Err` with the reason.
pub fn decode_wal_batch(payload: &[u8]) -> std::result::Result<Vec<WalEntry>, String> {
    Ok(crate::batch::decode(payload)?
        .into_iter()
        .map(|e| WalEntry {
            keyspace: e.keyspace,
            is_delete: e.kind == srdb_key::Kind::Delete,
            key: e.key.to_vec(),
            value: e.value.to_vec(),
        })
        .collect())
}

/// The keyspace (id and name) an SST file records in its properties
/// (`srdb inspect sst`), or why it records none.
pub fn sst_owner(properties: &[u8]) -> std::result::Result<(KeyspaceId, String), String> {
    crate::properties::decode(properties).map(|o| (o.id, o.name))
}

/// After [`crate::repair`]: recreates, empty, the keyspaces that the old
/// MANIFEST (in the directory `old`, where repair moved it) listed but that
/// no surviving SST file names, so that whatever refers to them by name (a
/// table's catalogue entry) finds them again. Returns their names. The old
/// MANIFEST must be readable.
pub fn restore_keyspaces(dir: &Path, old: &Path) -> Result<Vec<String>> {
    let (old_version, _, _) = srdb_manifest::read_manifest(old)?;
    let engine = crate::Engine::open(dir, crate::Options::default())?;
    let existing = engine.keyspace_names();
    let mut restored = Vec::new();
    for ks in old_version.keyspaces() {
        if !existing.contains(&ks.name) {
            let opts = crate::KeyspaceOptions::decode(&ks.options).unwrap_or_default();
            engine.create_keyspace(&ks.name, opts)?;
            restored.push(ks.name.clone());
        }
    }
    engine.close()?;
    Ok(restored)
}

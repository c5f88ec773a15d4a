//! Rebuilding a lost or damaged MANIFEST from the files present.
//!
//! Every SST file records the keyspace it belongs to (see `properties.rs`),
//! so the files alone say what the database holds:
//!
//! 1. The old `CURRENT` and `MANIFEST-*` files are moved into
//!    `lost/manifest-<unix time>/`, never deleted.
//! 2. Every SST file is opened and fully verified. A file that fails, or
//!    that does not record its keyspace, is moved into `lost/` with the
//!    reason in the report; the others are kept.
//! 3. WAL records newer than the newest kept SST entry are converted into L0
//!    files (older records are already in SST files: replaying them would
//!    resurrect values deleted since). Records for a keyspace that no SST file
//!    names go into a new keyspace `__recovered_<id>`.
//! 4. A new MANIFEST names every kept file at level 0 (files may overlap
//!    there; reads take the newest version across L0 and compaction sorts them
//!    into deeper levels) and every keyspace found.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use srdb_compaction::{write_ssts, VersionFilter};
use srdb_key::{parse, SeqNo};
use srdb_manifest::{FileMeta, KeyspaceId, Manifest, VersionEdit};
use srdb_memtable::Memtable;
use srdb_sst::Sst;
use srdb_wal::RecoveryMode;

use crate::error::{Error, Result};
use crate::options::KeyspaceOptions;
use crate::properties;

/// Name of the directory inside the database where repair moves what it
/// cannot use.
pub const LOST_DIR: &str = "lost";

/// What [`repair`] did.
#[derive(Clone, Debug, Default)]
pub struct RepairReport {
    /// Keyspaces in the new MANIFEST, with their number of files.
    pub keyspaces: Vec<(String, usize)>,
    /// SST files kept.
    pub files_kept: usize,
    /// Files moved into `lost/`, with the reason.
    pub files_set_aside: Vec<(PathBuf, String)>,
    /// Where the old MANIFEST and CURRENT were moved, if they existed.
    pub old_manifest_moved_to: Option<PathBuf>,
    /// WAL records converted into SST files.
    pub wal_records_recovered: u64,
    /// WAL bytes skipped as corrupt.
    pub wal_bytes_lost: u64,
    /// Keyspaces created for WAL records whose keyspace no file names.
    pub recovered_keyspaces: Vec<String>,
    /// The newest sequence number in the repaired database.
    pub last_seqno: SeqNo,
}

struct KeptKeyspace {
    name: String,
    options: Vec<u8>,
    files: Vec<FileMeta>,
}

/// Rebuilds the MANIFEST of the database in `dir` from its SST files and WAL.
/// The database must not be open.
pub fn repair(dir: &Path) -> Result<RepairReport> {
    let lock = crate::recovery::lock(dir)?;
    let mut report = RepairReport::default();
    let stamp = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0);
    report.old_manifest_moved_to = move_old_manifest(dir, stamp)?;

    let mut keyspaces: BTreeMap<KeyspaceId, KeptKeyspace> = BTreeMap::new();
    let mut max_number = 0u64;
    let mut last_seqno: SeqNo = 0;
    for (number, path) in sst_files(dir)? {
        max_number = max_number.max(number);
        match check_file(&path, number) {
            Ok((owner, meta)) => {
                last_seqno = last_seqno.max(meta.max_seqno);
                let ks = keyspaces.entry(owner.id).or_insert_with(|| KeptKeyspace {
                    name: owner.name.clone(),
                    options: owner.options.clone(),
                    files: Vec::new(),
                });
                ks.files.push(meta);
                report.files_kept += 1;
            }
            Err(reason) => {
                let moved = set_aside(dir, &path)?;
                report.files_set_aside.push((moved, reason));
            }
        }
    }
    for &id in keyspaces.keys() {
        max_number = max_number.max(u64::from(id));
    }

    // WAL records newer than every kept file.
    let wal_dir = dir.join(crate::recovery::WAL_DIR);
    let mut mems: BTreeMap<KeyspaceId, Arc<Memtable>> = BTreeMap::new();
    let mut wal_last = last_seqno;
    let mut max_segment = 0u64;
    if wal_dir.exists() {
        let wal = srdb_wal::read_wal_dir(&wal_dir, RecoveryMode::SkipCorrupt, 0, |record| {
            max_segment = max_segment.max(record.segment);
            if record.lsn <= last_seqno {
                return Ok(());
            }
            wal_last = wal_last.max(record.lsn);
            let entries = crate::batch::decode(record.payload)?;
            for e in &entries {
                mems.entry(e.keyspace).or_insert_with(|| Arc::new(Memtable::new()));
            }
            crate::memgen::insert_batch(|id| mems.get(&id).map(|m| &**m), record.lsn, &entries);
            report.wal_records_recovered += 1;
            Ok(())
        })?;
        report.wal_bytes_lost = wal.skipped.iter().map(|s| s.bytes).sum();
        for (segment, _) in srdb_wal_segments(&wal_dir)? {
            max_segment = max_segment.max(segment);
        }
    }
    let mut next_number = max_number + 1;
    for (id, mem) in mems {
        let ks = keyspaces.entry(id).or_insert_with(|| {
            let name = format!("__recovered_{id}");
            report.recovered_keyspaces.push(name.clone());
            KeptKeyspace { name, options: KeyspaceOptions::default().encode(), files: Vec::new() }
        });
        let opts = KeyspaceOptions::decode(&ks.options).map_err(|reason| Error::Corruption {
            file: dir.to_path_buf(),
            reason: format!("options of keyspace {:?}: {reason}", ks.name),
        })?;
        let mut source = VersionFilter::new(mem.iter(), Vec::new(), false);
        source.seek_to_first()?;
        let files = write_ssts(
            &mut source,
            dir,
            &opts.writer_options(id, &ks.name),
            u64::MAX,
            &mut || {
                let n = next_number;
                next_number += 1;
                n
            },
        )?;
        report.files_kept += files.len();
        ks.files.extend(files);
    }

    let mut edit = VersionEdit::default();
    for (&id, ks) in &keyspaces {
        edit.create_keyspace(id, ks.name.clone(), ks.options.clone());
        for meta in &ks.files {
            edit.add_file(id, 0, meta.clone());
        }
        report.keyspaces.push((ks.name.clone(), ks.files.len()));
    }
    edit.next_file_number = Some(next_number);
    edit.last_seqno = Some(wal_last);
    // Every WAL record is now in an SST file (or was skipped as corrupt): the
    // next open deletes the old segments.
    edit.log_number = Some(max_segment + 1);
    Manifest::create(dir, &edit)?;
    report.last_seqno = wal_last;
    drop(lock);
    Ok(report)
}

/// Opens and verifies one SST file and reads the keyspace it records.
fn check_file(
    path: &Path,
    number: u64,
) -> std::result::Result<(properties::FileOwner, FileMeta), String> {
    let sst = Sst::open(path, number, None).map_err(|e| e.to_string())?;
    sst.verify().map_err(|e| e.to_string())?;
    let summary = sst.summary();
    let owner = properties::decode(&summary.properties)?;
    let key = |bytes: &[u8]| {
        parse(bytes).map_err(|e| format!("summary key: {e}"))?;
        srdb_key::InternalKey::from_encoded(bytes.to_vec()).map_err(|e| e.to_string())
    };
    let meta = FileMeta {
        number,
        size_bytes: summary.size_bytes,
        entries: summary.entries,
        smallest: key(&summary.smallest)?,
        largest: key(&summary.largest)?,
        min_seqno: summary.min_seqno,
        max_seqno: summary.max_seqno,
        time_range: summary.time_range,
    };
    Ok((owner, meta))
}

/// The SST files in `dir`, by number.
pub(crate) fn sst_files(dir: &Path) -> Result<Vec<(u64, PathBuf)>> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).map_err(|e| Error::io(dir, e))? {
        let entry = entry.map_err(|e| Error::io(dir, e))?;
        let name = entry.file_name();
        if let Some(n) = name.to_string_lossy().strip_suffix(".sst").and_then(|s| s.parse().ok()) {
            out.push((n, entry.path()));
        }
    }
    out.sort();
    Ok(out)
}

fn srdb_wal_segments(wal_dir: &Path) -> Result<Vec<(u64, PathBuf)>> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(wal_dir).map_err(|e| Error::io(wal_dir, e))? {
        let entry = entry.map_err(|e| Error::io(wal_dir, e))?;
        let name = entry.file_name();
        if let Some(n) = name.to_string_lossy().strip_suffix(".wal").and_then(|s| s.parse().ok()) {
            out.push((n, entry.path()));
        }
    }
    Ok(out)
}

fn set_aside(dir: &Path, path: &Path) -> Result<PathBuf> {
    let lost = dir.join(LOST_DIR);
    std::fs::create_dir_all(&lost).map_err(|e| Error::io(&lost, e))?;
    let target = lost.join(path.file_name().expect("a file path"));
    std::fs::rename(path, &target).map_err(|e| Error::io(path, e))?;
    Ok(target)
}

fn move_old_manifest(dir: &Path, stamp: u64) -> Result<Option<PathBuf>> {
    let mut old = Vec::new();
    for entry in std::fs::read_dir(dir).map_err(|e| Error::io(dir, e))? {
        let entry = entry.map_err(|e| Error::io(dir, e))?;
        let name = entry.file_name().to_string_lossy().to_string();
        if name == srdb_manifest::CURRENT_FILE
            || name.starts_with("MANIFEST-")
            || name == "CURRENT.tmp"
        {
            old.push(entry.path());
        }
    }
    if old.is_empty() {
        return Ok(None);
    }
    let target = dir.join(LOST_DIR).join(format!("manifest-{stamp}"));
    std::fs::create_dir_all(&target).map_err(|e| Error::io(&target, e))?;
    for path in old {
        let to = target.join(path.file_name().expect("a file path"));
        std::fs::rename(&path, &to).map_err(|e| Error::io(&path, e))?;
    }
    crate::fsync_dir(dir)?;
    Ok(Some(target))
}

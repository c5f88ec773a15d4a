//! Opening a database: the lock, the MANIFEST, the SST files, orphans, and
//! WAL replay.
//!
//! Recovery trusts the MANIFEST and nothing else: the files it names are the
//! database; SST files it does not name are leftovers of a crash (a flush or
//! compaction whose MANIFEST edit never landed) and are deleted; WAL segments
//! from its `log_number` on hold every write not yet in an SST file and are
//! replayed into a fresh memtable generation.

use std::collections::{HashMap, HashSet};
use std::fs::{File, TryLockError};
use std::path::Path;
use std::sync::atomic::{AtomicBool, AtomicU64};
use std::sync::Arc;

use arc_swap::ArcSwap;
use parking_lot::{Condvar, Mutex, RwLock};
use srdb_manifest::{KeyspaceId, Manifest, Version, VersionEdit};
use srdb_sst::BlockCache;
use srdb_wal::{RecoveryMode, Wal, WalOptions};

use crate::batch;
use crate::engine::{Background, BackgroundState, Inner, ManifestState};
use crate::error::{Error, Result};
use crate::memgen::{new_memtable, KeyspaceMap, MemGen, SuperVersion, TableLevels};
use crate::options::KeyspaceOptions;
use crate::seqno::{SnapshotList, VisibleSeqno};
use crate::stats::Counters;
use crate::tables::Table;

/// Name of the lock file in the database directory.
pub const LOCK_FILE: &str = "LOCK";
/// Name of the WAL directory inside the database directory.
pub const WAL_DIR: &str = "wal";

pub(crate) fn open(dir: &Path, opts: crate::Options) -> Result<Inner> {
    opts.validate()?;
    std::fs::create_dir_all(dir).map_err(|e| Error::io(dir, e))?;
    let lock_file = lock(dir)?;

    let (manifest, version) = open_manifest(dir)?;
    let cache = BlockCache::new(opts.block_cache_bytes);
    let (levels, unavailable) = open_tables(dir, &version, &cache);
    // A torn final MANIFEST record is normally a crash during an append,
    // but it can also be damage to an edit that was durable; files it named
    // would look orphaned. Keep them for `repair` rather than guess.
    if manifest.recovery_report().torn_tail.is_none() {
        remove_orphans(dir, &version)?;
    }

    let wal_dir = dir.join(WAL_DIR);
    // The segment number is not known until the WAL is open; it is set below.
    // Options that do not decode are reported when the keyspace is opened.
    let memtables = version.keyspaces().map(|k| {
        let options = KeyspaceOptions::decode(&k.options).unwrap_or_default();
        (k.id, new_memtable(opts.memtable_bytes, &options))
    });
    let mut gen = MemGen::new(0, memtables);
    let mut replay_bytes = 0usize;
    let wal_opts = WalOptions {
        sync: opts.sync,
        recovery: if opts.skip_corrupt_wal {
            RecoveryMode::SkipCorrupt
        } else {
            RecoveryMode::Strict
        },
        ..WalOptions::default()
    };
    let (wal, _report) =
        Wal::open(&wal_dir, wal_opts, version.log_number, version.last_seqno + 1, |record| {
            let entries = batch::decode(record.payload).map_err(|reason| Error::Corruption {
                file: wal_dir.join(format!("segment {}", record.segment)),
                reason: format!("record at offset {}: {reason}", record.offset),
            })?;
            // Each keyspace's run through one memtable inserter, as at the
            // write; a keyspace dropped after this write no longer exists.
            replay_bytes += gen.insert_batch(record.lsn, &entries);
            Ok(())
        })?;
    // Segments older than the MANIFEST's log number are fully in SST files.
    wal.delete_segments_before(version.log_number)?;
    gen.segment = wal.current_segment();
    gen.bytes.store(replay_bytes, std::sync::atomic::Ordering::Relaxed);

    let visible = version.last_seqno.max(wal.last_lsn());
    let next_file_number = version.next_file_number;
    let version = Arc::new(version);
    let sv =
        SuperVersion { mem: Arc::new(gen), frozen: Vec::new(), version: version.clone(), levels };
    Ok(Inner {
        dir: dir.to_path_buf(),
        opts,
        lock_file,
        wal,
        write_gate: RwLock::new(()),
        manifest: Mutex::new(ManifestState { manifest, version, busy: HashSet::new() }),
        install: Mutex::new(()),
        sv: ArcSwap::from_pointee(sv),
        visible: VisibleSeqno::new(visible),
        snapshots: SnapshotList::default(),
        cache,
        next_file_number: AtomicU64::new(next_file_number),
        unavailable: Mutex::new(unavailable),
        bg: Background {
            state: Mutex::new(BackgroundState::default()),
            work: Condvar::new(),
            done: Condvar::new(),
        },
        closed: AtomicBool::new(false),
        failed: AtomicBool::new(false),
        queue: Default::default(),
        counters: Counters::default(),
    })
}

pub(crate) fn lock(dir: &Path) -> Result<File> {
    let path = dir.join(LOCK_FILE);
    let file = File::options()
        .create(true)
        .truncate(false)
        .write(true)
        .open(&path)
        .map_err(|e| Error::io(&path, e))?;
    match file.try_lock() {
        Ok(()) => Ok(file),
        Err(TryLockError::WouldBlock) => Err(Error::Locked { path }),
        Err(TryLockError::Error(e)) => Err(Error::io(&path, e)),
    }
}

fn open_manifest(dir: &Path) -> Result<(Manifest, Version)> {
    if dir.join("CURRENT").exists() {
        return Ok(Manifest::open(dir)?);
    }
    // No MANIFEST: a new database, unless data files say otherwise, in which
    // case guessing would lose or resurrect data: `repair` rebuilds it.
    let has_data = std::fs::read_dir(dir)
        .map_err(|e| Error::io(dir, e))?
        .filter_map(|e| e.ok())
        .any(|e| e.file_name().to_string_lossy().ends_with(".sst"));
    if has_data {
        return Err(Error::Corruption {
            file: dir.join("CURRENT"),
            reason: "the MANIFEST is missing but SST files are present; run repair".into(),
        });
    }
    let initial = VersionEdit {
        next_file_number: Some(1),
        last_seqno: Some(0),
        log_number: Some(0),
        ..VersionEdit::default()
    };
    Ok(Manifest::create(dir, &initial)?)
}

/// Opens every file the version names. A keyspace with a file that fails to
/// open is unavailable (with the reason); the others open normally.
fn open_tables(
    dir: &Path,
    version: &Version,
    cache: &Arc<BlockCache>,
) -> (KeyspaceMap<TableLevels>, HashMap<KeyspaceId, String>) {
    let mut levels = KeyspaceMap::default();
    let mut unavailable = HashMap::new();
    'keyspaces: for ks in version.keyspaces() {
        let mut opened: TableLevels = Vec::with_capacity(ks.levels.len());
        for files in &ks.levels {
            let mut level = Vec::with_capacity(files.len());
            for meta in files {
                match Table::open(dir, meta.clone(), cache) {
                    Ok(t) => level.push(t),
                    Err(e) => {
                        unavailable.insert(ks.id, e.to_string());
                        continue 'keyspaces;
                    }
                }
            }
            opened.push(level);
        }
        levels.insert(ks.id, opened);
    }
    (levels, unavailable)
}

/// Deletes SST files the MANIFEST does not name, and temporary files.
fn remove_orphans(dir: &Path, version: &Version) -> Result<()> {
    let live: HashSet<u64> = version.live_file_numbers().collect();
    for entry in std::fs::read_dir(dir).map_err(|e| Error::io(dir, e))? {
        let entry = entry.map_err(|e| Error::io(dir, e))?;
        let name = entry.file_name();
        let name = name.to_string_lossy();
        let orphan = match name.strip_suffix(".sst") {
            Some(stem) => stem.parse::<u64>().is_ok_and(|n| !live.contains(&n)),
            None => name.ends_with(".tmp"),
        };
        if orphan {
            std::fs::remove_file(entry.path()).map_err(|e| Error::io(entry.path(), e))?;
        }
    }
    Ok(())
}

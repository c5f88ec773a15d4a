//! Open SST files and their deferred deletion.
//!
//! A compaction that replaces a file cannot unlink it at once: readers and
//! iterators holding an older `SuperVersion` may still read it. Each open file
//! is a [`Table`]; when the MANIFEST stops naming it, the engine marks it
//! obsolete, and the file is unlinked when the last `Arc<Table>` is dropped.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicI64, Ordering};
use std::sync::Arc;

use srdb_manifest::FileMeta;
use srdb_sst::{BlockCache, Sst};

use crate::error::Result;

/// An open SST file.
pub(crate) struct Table {
    pub(crate) meta: Arc<FileMeta>,
    pub(crate) sst: Arc<Sst>,
    obsolete: AtomicBool,
    /// Reads that may still pass through this file without finding their
    /// answer in it before it asks to be compacted (see
    /// [`Table::charge_seek`]).
    allowed_seeks: AtomicI64,
}

impl Table {
    pub(crate) fn open(
        dir: &Path,
        meta: Arc<FileMeta>,
        cache: &Arc<BlockCache>,
    ) -> Result<Arc<Table>> {
        let path = table_path(dir, meta.number);
        let sst = Sst::open(&path, meta.number, Some(cache.clone()))?;
        let allowed_seeks = AtomicI64::new(allowed_seeks(meta.size_bytes));
        Ok(Arc::new(Table { meta, sst, obsolete: AtomicBool::new(false), allowed_seeks }))
    }

    /// Charges one read that looked in this file and then had to look in
    /// another: true exactly once, when the file's allowance runs out and a
    /// compaction should merge it into the next level, so that later reads
    /// find their answer in fewer files (LevelDB's seek compaction).
    pub(crate) fn charge_seek(&self) -> bool {
        self.allowed_seeks.fetch_sub(1, Ordering::Relaxed) == 1
    }

    /// Marks the file for deletion once no one uses it any more.
    pub(crate) fn mark_obsolete(&self) {
        self.obsolete.store(true, Ordering::Release);
    }
}

/// Bytes of file per read allowed to pass through it: as LevelDB reasons, a
/// seek costs about what compacting 40 KiB does, and one per 16 KiB is on
/// the safe side, so a file read past often enough costs more in reads
/// than merging it would.
const SEEK_ALLOWANCE_BYTES: u64 = 16 << 10;

/// Fewest reads allowed to pass through a file, however small.
const MIN_ALLOWED_SEEKS: i64 = 100;

/// The read allowance of a file of `size_bytes`.
fn allowed_seeks(size_bytes: u64) -> i64 {
    i64::try_from(size_bytes / SEEK_ALLOWANCE_BYTES).unwrap_or(i64::MAX).max(MIN_ALLOWED_SEEKS)
}

impl Drop for Table {
    fn drop(&mut self) {
        if self.obsolete.load(Ordering::Acquire) {
            // The MANIFEST no longer names this file; if unlinking fails the
            // file is an orphan that the next open removes.
            let _ = std::fs::remove_file(self.sst.path());
        }
    }
}

pub(crate) fn table_path(dir: &Path, number: u64) -> PathBuf {
    dir.join(srdb_manifest::sst_file_name(number))
}

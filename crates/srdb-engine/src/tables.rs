//! Open SST files and their deferred deletion.
//!
//! A compaction that replaces a file cannot unlink it at once: readers and
//! iterators holding an older `SuperVersion` may still read it. Each open file
//! is a [`Table`]; when the MANIFEST stops naming it, the engine marks it
//! obsolete, and the file is unlinked when the last `Arc<Table>` is dropped.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use srdb_manifest::FileMeta;
use srdb_sst::{BlockCache, Sst};

use crate::error::Result;

/// An open SST file.
pub(crate) struct Table {
    pub(crate) meta: Arc<FileMeta>,
    pub(crate) sst: Arc<Sst>,
    obsolete: AtomicBool,
}

impl Table {
    pub(crate) fn open(
        dir: &Path,
        meta: Arc<FileMeta>,
        cache: &Arc<BlockCache>,
    ) -> Result<Arc<Table>> {
        let path = table_path(dir, meta.number);
        let sst = Sst::open(&path, meta.number, Some(cache.clone()))?;
        Ok(Arc::new(Table { meta, sst, obsolete: AtomicBool::new(false) }))
    }

    /// Marks the file for deletion once no one uses it any more.
    pub(crate) fn mark_obsolete(&self) {
        self.obsolete.store(true, Ordering::Release);
    }
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

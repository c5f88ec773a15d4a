//! Running one compaction: merge, filter, write.

use std::cmp::Reverse;
use std::path::Path;
use std::sync::Arc;

use srdb_key::{compare_internal, SeqNo};
use srdb_manifest::FileMeta;
use srdb_sst::WriterOptions;

use crate::error::CompactionError;
use crate::filter::VersionFilter;
use crate::level_iter::{FileOpener, LevelIterator};
use crate::merge::{BoxedIterator, MergingIterator};
use crate::output::{remove_outputs, write_ssts};
use crate::picker::CompactionTask;

/// What a compaction produced and what it cost.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CompactionOutcome {
    /// The new files of the output level, in key order. The caller installs
    /// them and removes the task's inputs in one MANIFEST edit.
    pub outputs: Vec<FileMeta>,
    /// Bytes of the files read (inputs and overlapping).
    pub bytes_read: u64,
    /// Bytes of the files written.
    pub bytes_written: u64,
    /// Entries read.
    pub entries_in: u64,
    /// Entries written.
    pub entries_out: u64,
    /// Versions dropped because a newer version hides them from every reader.
    pub dropped_versions: u64,
    /// Tombstones dropped because nothing below them remained to hide.
    pub dropped_tombstones: u64,
}

/// Runs `task`: merges its files, keeps the versions that a reader at one of
/// `snapshots` (or the present) can see, dropping tombstones too when the
/// task is bottommost, and writes the result as files of about
/// `target_file_bytes` into `dir`, numbered by `next_file_number`.
///
/// Memory is bounded whatever the input size: every input is streamed, one
/// iterator per L0 file and one per deeper level, each holding about one
/// block; the output holds one file's index and bloom filter under
/// construction. `opener` opens input files; an opener that does not fill the
/// block cache (`Sst::iter_no_fill`) keeps the compaction's single pass from
/// evicting the blocks that point reads need.
///
/// As a check that nothing was lost, the entries read must equal the sum of
/// the inputs' `FileMeta::entries`; if not, the output is removed and
/// [`CompactionError::EntryCountMismatch`] returned. On any error no output
/// file is left behind.
pub fn run_compaction(
    task: &CompactionTask,
    opener: &FileOpener,
    snapshots: &[SeqNo],
    sst_opts: &WriterOptions,
    target_file_bytes: u64,
    dir: &Path,
    next_file_number: &mut dyn FnMut() -> u64,
) -> Result<CompactionOutcome, CompactionError> {
    let merged = MergingIterator::new(sources(task, opener)?);
    let mut filter = VersionFilter::new(merged, snapshots.to_vec(), task.bottommost);
    filter.seek_to_first()?;
    let outputs = write_ssts(&mut filter, dir, sst_opts, target_file_bytes, next_file_number)?;

    let stats = filter.stats();
    let expected: u64 = task.files().map(|f| f.entries).sum();
    if stats.entries_in != expected {
        remove_outputs(dir, &outputs);
        return Err(CompactionError::EntryCountMismatch { expected, read: stats.entries_in });
    }
    Ok(CompactionOutcome {
        bytes_read: task.input_bytes(),
        bytes_written: outputs.iter().map(|f| f.size_bytes).sum(),
        entries_in: stats.entries_in,
        entries_out: outputs.iter().map(|f| f.entries).sum(),
        dropped_versions: stats.dropped_versions,
        dropped_tombstones: stats.dropped_tombstones,
        outputs,
    })
}

/// The merge sources of `task`, newest first: each L0 input on its own
/// (their ranges overlap), or the inputs of a deeper level as one level;
/// then the overlapping files of the output level as one level.
fn sources(
    task: &CompactionTask,
    opener: &FileOpener,
) -> Result<Vec<BoxedIterator>, CompactionError> {
    let mut sources: Vec<BoxedIterator> = Vec::new();
    if task.input_level == 0 {
        let mut inputs = task.inputs.clone();
        inputs.sort_by_key(|f| Reverse((f.max_seqno, f.number)));
        for file in &inputs {
            sources.push(opener(file).map_err(CompactionError::Source)?);
        }
    } else {
        sources.push(Box::new(LevelIterator::new(sorted_by_key(&task.inputs), Arc::clone(opener))));
    }
    if !task.overlapping.is_empty() {
        let level = LevelIterator::new(sorted_by_key(&task.overlapping), Arc::clone(opener));
        sources.push(Box::new(level));
    }
    Ok(sources)
}

fn sorted_by_key(files: &[Arc<FileMeta>]) -> Vec<Arc<FileMeta>> {
    let mut files = files.to_vec();
    files.sort_by(|a, b| compare_internal(a.smallest.as_bytes(), b.smallest.as_bytes()));
    files
}

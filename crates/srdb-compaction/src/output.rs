//! Writing a sorted stream of entries into SST files of a target size.

use std::fs::File;
use std::io;
use std::path::{Path, PathBuf};

use srdb_key::{compare_internal, parse, InternalKey, TRAILER_BYTES};
use srdb_manifest::{sst_file_name, FileMeta};
use srdb_sst::{SstSummary, SstWriter, WriterOptions};

use crate::error::CompactionError;
use crate::filter::EntrySource;

/// Drains `input` from its current position into new SST files in `dir` and
/// returns their metadata in key order.
///
/// A file is closed once [`SstWriter::estimated_bytes`] reaches
/// `target_file_bytes`, but only between two user keys: all versions of a
/// user key go to one file, so the files have disjoint user-key ranges and
/// can form a level. (A single key with more versions than fit in the target
/// makes one larger file.) File numbers come from `next_file_number`, one per
/// file, and names from [`sst_file_name`]. An empty input writes no file.
///
/// Every file is fsynced, then the directory once, so the files and their
/// names are durable before the caller records them in the MANIFEST.
///
/// On error, the file being written is abandoned and the files already
/// finished are removed (if removing fails, the original error is still the
/// one returned: a leftover file is only wasted space, since srdb never
/// reads a file the MANIFEST does not name).
pub fn write_ssts(
    input: &mut dyn EntrySource,
    dir: &Path,
    opts: &WriterOptions,
    target_file_bytes: u64,
    next_file_number: &mut dyn FnMut() -> u64,
) -> Result<Vec<FileMeta>, CompactionError> {
    let mut outputs = Outputs { dir, opts, finished: Vec::new(), open: None };
    match outputs.write(input, target_file_bytes, next_file_number) {
        Ok(()) => Ok(outputs.finished.into_iter().map(|(_, meta)| meta).collect()),
        Err(e) => {
            outputs.discard();
            Err(e)
        }
    }
}

/// Removes the SST files described by `files` from `dir`, ignoring files that
/// are already gone. For discarding a compaction's output after a later
/// check fails.
pub(crate) fn remove_outputs(dir: &Path, files: &[FileMeta]) {
    for meta in files {
        remove_quietly(&dir.join(sst_file_name(meta.number)));
    }
}

fn remove_quietly(path: &Path) {
    // Best effort, see `write_ssts`.
    let _ = std::fs::remove_file(path);
}

/// The output files of one `write_ssts` call.
struct Outputs<'a> {
    dir: &'a Path,
    opts: &'a WriterOptions,
    finished: Vec<(PathBuf, FileMeta)>,
    /// The file being written: its number, path and writer.
    open: Option<(u64, PathBuf, SstWriter)>,
}

impl Outputs<'_> {
    fn write(
        &mut self,
        input: &mut dyn EntrySource,
        target_file_bytes: u64,
        next_file_number: &mut dyn FnMut() -> u64,
    ) -> Result<(), CompactionError> {
        // The last key written. The SST writer checks order within a file;
        // this checks it across files, so that the files of the output can
        // never overlap.
        let mut last_key: Vec<u8> = Vec::new();
        while let Some((key, value)) = input.entry() {
            let user_key = parse(key)
                .map_err(|source| CompactionError::InvalidKey { key: key.to_vec(), source })?
                .user_key;
            if !last_key.is_empty() && compare_internal(&last_key, key).is_ge() {
                return Err(CompactionError::OutOfOrder { previous: last_key, key: key.to_vec() });
            }
            // `last_key` parsed when it was read, so it holds a trailer.
            let same_user_key =
                !last_key.is_empty() && last_key[..last_key.len() - TRAILER_BYTES] == *user_key;
            let file_full = self.open.as_ref().is_some_and(|(_, _, writer)| {
                writer.estimated_bytes() >= target_file_bytes && !same_user_key
            });
            if file_full {
                self.finish_open()?;
            }
            let (_, path, writer) = match &mut self.open {
                Some(open) => open,
                None => {
                    let number = next_file_number();
                    let path = self.dir.join(sst_file_name(number));
                    let writer = SstWriter::create(&path, self.opts.clone())
                        .map_err(|source| CompactionError::Sst { path: path.clone(), source })?;
                    self.open.insert((number, path, writer))
                }
            };
            writer
                .add(key, value)
                .map_err(|source| CompactionError::Sst { path: path.clone(), source })?;
            last_key.clear();
            last_key.extend_from_slice(key);
            input.advance()?;
        }
        if self.open.is_some() {
            self.finish_open()?;
        }
        if !self.finished.is_empty() {
            sync_dir(self.dir)?;
        }
        Ok(())
    }

    fn finish_open(&mut self) -> Result<(), CompactionError> {
        let (number, path, writer) = self.open.take().expect("finish_open needs an open file");
        let summary = writer
            .finish()
            .map_err(|source| CompactionError::Sst { path: path.clone(), source })?;
        match file_meta(number, &summary) {
            Ok(meta) => {
                self.finished.push((path, meta));
                Ok(())
            }
            Err(e) => {
                remove_quietly(&path);
                Err(e)
            }
        }
    }

    /// Abandons the open file and removes the finished ones.
    fn discard(&mut self) {
        if let Some((_, _, writer)) = self.open.take() {
            // Abandoning removes the partial file; an error here means it is
            // already gone or cannot be removed, both harmless (see above).
            let _ = writer.abandon();
        }
        for (path, _) in self.finished.drain(..) {
            remove_quietly(&path);
        }
    }
}

fn file_meta(number: u64, summary: &SstSummary) -> Result<FileMeta, CompactionError> {
    let key = |bytes: &Vec<u8>| {
        InternalKey::from_encoded(bytes.clone())
            .map_err(|source| CompactionError::InvalidKey { key: bytes.clone(), source })
    };
    Ok(FileMeta {
        number,
        size_bytes: summary.size_bytes,
        entries: summary.entries,
        smallest: key(&summary.smallest)?,
        largest: key(&summary.largest)?,
        min_seqno: summary.min_seqno,
        max_seqno: summary.max_seqno,
        time_range: summary.time_range,
    })
}

fn sync_dir(dir: &Path) -> Result<(), CompactionError> {
    let io_error = |source: io::Error| CompactionError::Io { path: dir.to_path_buf(), source };
    File::open(dir).map_err(io_error)?.sync_all().map_err(io_error)
}

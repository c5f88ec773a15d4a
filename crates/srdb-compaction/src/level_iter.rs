//! One iterator over all the files of a level deeper than L0.
//!
//! Files of such a level are sorted and their key ranges are disjoint, so the
//! level reads as the concatenation of its files. Only one file is open at a
//! time, opened when the iterator first enters it: a scan over a level of
//! thousands of files holds one file's iterator, and a seek opens exactly the
//! one file that can hold the target, found by binary search.

use std::fmt;
use std::sync::Arc;

use srdb_key::{compare_internal, BoxError, InternalIterator};
use srdb_manifest::FileMeta;

use crate::merge::BoxedIterator;

/// Opens an iterator over one SST file. The engine supplies it so that this
/// crate needs no knowledge of the block cache or of how files are kept open.
pub type FileOpener = Arc<dyn Fn(&FileMeta) -> Result<BoxedIterator, BoxError> + Send + Sync>;

/// The concatenation of the sorted, disjoint files of one level.
pub struct LevelIterator {
    files: Vec<Arc<FileMeta>>,
    opener: FileOpener,
    /// The open file: its index in `files` and its iterator.
    current: Option<(usize, BoxedIterator)>,
}

impl fmt::Debug for LevelIterator {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("LevelIterator")
            .field("files", &self.files.iter().map(|m| m.number).collect::<Vec<_>>())
            .field("current_file", &self.current.as_ref().map(|(i, _)| self.files[*i].number))
            .finish()
    }
}

impl LevelIterator {
    /// Iterates over `files`, opening each through `opener` when needed.
    ///
    /// # Panics
    /// If `files` are not sorted by key with disjoint ranges: that is an
    /// invariant of every level deeper than L0, kept by the engine.
    pub fn new(files: Vec<Arc<FileMeta>>, opener: FileOpener) -> Self {
        for pair in files.windows(2) {
            assert!(
                compare_internal(pair[0].largest.as_bytes(), pair[1].smallest.as_bytes()).is_lt(),
                "level files {} and {} are not sorted and disjoint",
                pair[0].number,
                pair[1].number
            );
        }
        LevelIterator { files, opener, current: None }
    }

    /// The files this iterator covers.
    pub fn files(&self) -> &[Arc<FileMeta>] {
        &self.files
    }

    fn iter_mut(&mut self) -> &mut BoxedIterator {
        let (_, iter) = self.current.as_mut().expect("level iterator used while not valid");
        iter
    }

    /// Makes file `index` the open one, reusing its iterator if it is open.
    fn open(&mut self, index: usize) -> Result<&mut BoxedIterator, BoxError> {
        if self.current.as_ref().map(|(i, _)| *i) != Some(index) {
            self.current = None;
            let iter = (self.opener)(&self.files[index])?;
            self.current = Some((index, iter));
        }
        Ok(self.iter_mut())
    }

    /// While the open file is exhausted, moves to the start of the next one.
    fn skip_exhausted_forward(&mut self) -> Result<(), BoxError> {
        while let Some((index, iter)) = &self.current {
            if iter.valid() {
                return Ok(());
            }
            let next = index + 1;
            if next == self.files.len() {
                self.current = None;
                return Ok(());
            }
            self.open(next)?.seek_to_first()?;
        }
        Ok(())
    }

    /// While the open file is exhausted, moves to the end of the previous one.
    fn skip_exhausted_backward(&mut self) -> Result<(), BoxError> {
        while let Some((index, iter)) = &self.current {
            if iter.valid() {
                return Ok(());
            }
            let Some(previous) = index.checked_sub(1) else {
                self.current = None;
                return Ok(());
            };
            self.open(previous)?.seek_to_last()?;
        }
        Ok(())
    }

    /// Leaves the iterator invalid when `result` is an error.
    fn or_invalidate(&mut self, result: Result<(), BoxError>) -> Result<(), BoxError> {
        if result.is_err() {
            self.current = None;
        }
        result
    }

    fn position_forward(
        &mut self,
        index: usize,
        seek: impl FnOnce(&mut BoxedIterator) -> Result<(), BoxError>,
    ) -> Result<(), BoxError> {
        if index >= self.files.len() {
            self.current = None;
            return Ok(());
        }
        let result = self.open(index).and_then(seek).and_then(|()| self.skip_exhausted_forward());
        self.or_invalidate(result)
    }

    fn position_backward(
        &mut self,
        index: Option<usize>,
        seek: impl FnOnce(&mut BoxedIterator) -> Result<(), BoxError>,
    ) -> Result<(), BoxError> {
        let Some(index) = index.filter(|&i| i < self.files.len()) else {
            self.current = None;
            return Ok(());
        };
        let result = self.open(index).and_then(seek).and_then(|()| self.skip_exhausted_backward());
        self.or_invalidate(result)
    }
}

impl InternalIterator for LevelIterator {
    fn valid(&self) -> bool {
        self.current.as_ref().is_some_and(|(_, iter)| iter.valid())
    }

    fn key(&self) -> &[u8] {
        let (_, iter) = self.current.as_ref().expect("level iterator used while not valid");
        iter.key()
    }

    fn value(&self) -> &[u8] {
        let (_, iter) = self.current.as_ref().expect("level iterator used while not valid");
        iter.value()
    }

    fn seek_to_first(&mut self) -> Result<(), BoxError> {
        self.position_forward(0, |iter| iter.seek_to_first())
    }

    fn seek_to_last(&mut self) -> Result<(), BoxError> {
        self.position_backward(self.files.len().checked_sub(1), |iter| iter.seek_to_last())
    }

    fn seek(&mut self, target: &[u8]) -> Result<(), BoxError> {
        // The first file whose largest key is >= target is the only one that
        // can hold the first entry >= target.
        let index =
            self.files.partition_point(|f| compare_internal(f.largest.as_bytes(), target).is_lt());
        self.position_forward(index, |iter| iter.seek(target))
    }

    fn seek_for_prev(&mut self, target: &[u8]) -> Result<(), BoxError> {
        // The last file whose smallest key is <= target.
        let after =
            self.files.partition_point(|f| compare_internal(f.smallest.as_bytes(), target).is_le());
        self.position_backward(after.checked_sub(1), |iter| iter.seek_for_prev(target))
    }

    fn next(&mut self) -> Result<(), BoxError> {
        let result = self.iter_mut().next().and_then(|()| self.skip_exhausted_forward());
        self.or_invalidate(result)
    }

    fn prev(&mut self) -> Result<(), BoxError> {
        let result = self.iter_mut().prev().and_then(|()| self.skip_exhausted_backward());
        self.or_invalidate(result)
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;
    use std::sync::atomic::{AtomicUsize, Ordering};

    use proptest::prelude::*;
    use srdb_key::{InternalKey, Kind};

    use super::*;
    use crate::testing::{check_against_model, ikey, ops, user_key, Entry, ScriptedIterator};
    use crate::VecIterator;

    fn meta(number: u64, entries: &[Entry]) -> Arc<FileMeta> {
        let key = |k: &Vec<u8>| InternalKey::from_encoded(k.clone()).unwrap();
        Arc::new(FileMeta {
            number,
            size_bytes: 100,
            entries: entries.len() as u64,
            smallest: key(&entries[0].0),
            largest: key(&entries[entries.len() - 1].0),
            min_seqno: 0,
            max_seqno: 0,
            time_range: None,
        })
    }

    /// A level cut from `entries` at `cuts`, with an opener that serves each
    /// file from memory and counts how often it is called.
    fn level(entries: &[Entry], cuts: &BTreeSet<usize>) -> (LevelIterator, Arc<AtomicUsize>) {
        let mut files: Vec<Vec<Entry>> = Vec::new();
        let mut start = 0;
        for &cut in cuts.iter().chain([&entries.len()]) {
            if cut > start && cut <= entries.len() {
                files.push(entries[start..cut].to_vec());
                start = cut;
            }
        }
        let metas: Vec<Arc<FileMeta>> =
            files.iter().enumerate().map(|(i, f)| meta(i as u64, f)).collect();
        let opens = Arc::new(AtomicUsize::new(0));
        let counter = Arc::clone(&opens);
        let opener: FileOpener = Arc::new(move |m: &FileMeta| {
            counter.fetch_add(1, Ordering::Relaxed);
            let file = files[m.number as usize].clone();
            Ok(Box::new(VecIterator::new(file)) as BoxedIterator)
        });
        (LevelIterator::new(metas, opener), opens)
    }

    fn sorted_entries() -> impl Strategy<Value = Vec<Entry>> {
        prop::collection::btree_set((user_key(), 0u64..10), 0..30).prop_map(|set| {
            let mut v: Vec<Entry> =
                set.into_iter().map(|(k, s)| (ikey(&k, s, Kind::Put), k.clone())).collect();
            v.sort_by(|a, b| compare_internal(&a.0, &b.0));
            v
        })
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(256))]

        #[test]
        fn level_matches_concatenation_under_random_moves(
            entries in sorted_entries(),
            cuts in prop::collection::btree_set(1usize..30, 0..8),
            ops in ops(),
        ) {
            let (mut iter, _) = level(&entries, &cuts);
            check_against_model(&mut iter, &entries, &ops)?;
        }
    }

    /// Writes `files` as real SST files in `dir` and returns their metadata
    /// and an opener that reads them back.
    fn sst_level(dir: &std::path::Path, files: &[Vec<Entry>]) -> (Vec<Arc<FileMeta>>, FileOpener) {
        let opts = srdb_sst::WriterOptions { block_bytes: 64, ..Default::default() };
        let mut metas = Vec::new();
        for (number, entries) in (1u64..).zip(files) {
            let path = dir.join(srdb_manifest::sst_file_name(number));
            let mut writer = srdb_sst::SstWriter::create(&path, opts.clone()).unwrap();
            for (k, v) in entries {
                writer.add(k, v).unwrap();
            }
            let summary = writer.finish().unwrap();
            let mut meta = (*meta(number, entries)).clone();
            meta.size_bytes = summary.size_bytes;
            metas.push(Arc::new(meta));
        }
        let dir = dir.to_path_buf();
        let opener: FileOpener = Arc::new(move |m: &FileMeta| {
            let path = dir.join(srdb_manifest::sst_file_name(m.number));
            let sst = srdb_sst::Sst::open(&path, m.number, None)?;
            Ok(Box::new(sst.iter()) as BoxedIterator)
        });
        (metas, opener)
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(32))]

        #[test]
        fn level_of_real_sst_files_matches_concatenation(
            entries in sorted_entries().prop_filter("not empty", |e| !e.is_empty()),
            cuts in prop::collection::btree_set(1usize..30, 0..5),
            ops in ops(),
        ) {
            let dir = tempfile::tempdir().unwrap();
            let mut files = Vec::new();
            let mut start = 0;
            for &cut in cuts.iter().chain([&entries.len()]) {
                if cut > start && cut <= entries.len() {
                    files.push(entries[start..cut].to_vec());
                    start = cut;
                }
            }
            let (metas, opener) = sst_level(dir.path(), &files);
            let mut iter = LevelIterator::new(metas, opener);
            check_against_model(&mut iter, &entries, &ops)?;
        }
    }

    #[test]
    fn seek_opens_only_the_file_that_can_hold_the_target() {
        let entries: Vec<Entry> = (0u8..100).map(|i| (ikey(&[i], 1, Kind::Put), vec![i])).collect();
        let cuts: BTreeSet<usize> = (10..100).step_by(10).collect();
        let (mut iter, opens) = level(&entries, &cuts);
        iter.seek(&ikey(&[55], 5, Kind::Put)).unwrap();
        assert_eq!(iter.value(), [55]);
        assert_eq!(opens.load(Ordering::Relaxed), 1);
        iter.seek_for_prev(&ikey(&[58], 0, Kind::Put)).unwrap();
        assert_eq!(iter.value(), [58]);
        assert_eq!(opens.load(Ordering::Relaxed), 1, "same file: its iterator is reused");
        iter.seek_to_first().unwrap();
        let mut n = 0;
        while iter.valid() {
            n += 1;
            iter.next().unwrap();
        }
        assert_eq!(n, 100);
        assert_eq!(opens.load(Ordering::Relaxed), 11);
    }

    #[test]
    fn opener_and_file_errors_are_returned() {
        let entries = [(ikey(b"a", 1, Kind::Put), vec![]), (ikey(b"b", 1, Kind::Put), vec![])];
        let metas = vec![meta(1, &entries[..1]), meta(2, &entries[1..])];
        let opener: FileOpener = Arc::new(|m: &FileMeta| {
            if m.number == 2 {
                Err("file 2 is unreadable".into())
            } else {
                Ok(Box::new(VecIterator::new(vec![(ikey(b"a", 1, Kind::Put), vec![])]))
                    as BoxedIterator)
            }
        });
        let mut iter = LevelIterator::new(metas.clone(), opener);
        iter.seek_to_first().unwrap();
        let err = iter.next().unwrap_err();
        assert_eq!(err.to_string(), "file 2 is unreadable");
        assert!(!iter.valid());
        assert!(iter.seek_to_last().is_err());
        assert!(!iter.valid());

        let opener: FileOpener = Arc::new(|_: &FileMeta| {
            let entries = vec![(ikey(b"a", 1, Kind::Put), vec![])];
            Ok(Box::new(ScriptedIterator::new(entries, Some(1))) as BoxedIterator)
        });
        let mut iter = LevelIterator::new(metas, opener);
        iter.seek_to_first().unwrap();
        assert!(iter.next().is_err());
        assert!(!iter.valid());
    }

    #[test]
    #[should_panic(expected = "not sorted and disjoint")]
    fn overlapping_files_are_refused() {
        let a = vec![(ikey(b"a", 1, Kind::Put), vec![]), (ikey(b"c", 1, Kind::Put), vec![])];
        let b = vec![(ikey(b"b", 1, Kind::Put), vec![])];
        let opener: FileOpener = Arc::new(|_: &FileMeta| Err("never opened".into()));
        LevelIterator::new(vec![meta(1, &a), meta(2, &b)], opener);
    }
}

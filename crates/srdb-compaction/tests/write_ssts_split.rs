//! `write_ssts` cuts its output at the target size, never inside a user key,
//! and leaves nothing behind when it fails.

mod common;

use common::{ikey, read_file, small_blocks, sst_files_in, Entry};
use srdb_compaction::{write_ssts, CompactionError, VecIterator};
use srdb_key::{compare_internal, InternalIterator, Kind};

/// 300 user keys; every fifth has 40 versions, so that many cuts fall where
/// a key's versions would straddle two files if the writer allowed it.
fn entries() -> Vec<Entry> {
    let mut entries = Vec::new();
    for k in 0..300u32 {
        let user_key = format!("key{k:05}");
        let versions: u32 = if k % 5 == 0 { 40 } else { 1 };
        for v in 0..versions {
            let seqno = 1000 + u64::from(v);
            let kind = if v % 7 == 3 { Kind::Delete } else { Kind::Put };
            entries.push((ikey(user_key.as_bytes(), seqno, kind), vec![b'x'; 50]));
        }
    }
    entries.sort_by(|a, b| compare_internal(&a.0, &b.0));
    entries
}

#[test]
fn output_is_cut_at_the_target_between_user_keys() {
    let dir = tempfile::tempdir().unwrap();
    let input = entries();
    let mut iter = VecIterator::new(input.clone());
    iter.seek_to_first().unwrap();
    let mut next = 100u64;
    let mut numbers = || {
        next += 1;
        next
    };
    let target = 16 * 1024;
    let files = write_ssts(&mut iter, dir.path(), &small_blocks(), target, &mut numbers).unwrap();

    assert!(files.len() >= 4, "{} files", files.len());
    assert_eq!(
        files.iter().map(|f| f.number).collect::<Vec<_>>(),
        (101..101 + files.len() as u64).collect::<Vec<_>>()
    );
    let mut read_back = Vec::new();
    for (i, f) in files.iter().enumerate() {
        let entries = read_file(dir.path(), f);
        assert_eq!(f.entries, entries.len() as u64);
        assert_eq!(f.smallest.as_bytes(), &entries[0].0[..]);
        assert_eq!(f.largest.as_bytes(), &entries[entries.len() - 1].0[..]);
        // Cut once the target is reached, at the next user key: at most one
        // key's versions (here under 3 KiB) and the writer's estimation
        // error past the target.
        if i + 1 < files.len() {
            assert!(f.size_bytes >= target, "file {i} of {} bytes was cut early", f.size_bytes);
        }
        assert!(f.size_bytes <= target * 3 / 2, "file {i} of {} bytes was cut late", f.size_bytes);
        if i > 0 {
            // Disjoint user-key ranges, in order: the cut never split a key.
            assert!(files[i - 1].largest.user_key() < f.smallest.user_key());
        }
        read_back.extend(entries);
    }
    assert_eq!(read_back, input);
    assert_eq!(sst_files_in(dir.path()).len(), files.len());
}

#[test]
fn empty_input_writes_no_file() {
    let dir = tempfile::tempdir().unwrap();
    let mut iter = VecIterator::new(Vec::new());
    iter.seek_to_first().unwrap();
    let files = write_ssts(&mut iter, dir.path(), &small_blocks(), 4096, &mut || 1).unwrap();
    assert!(files.is_empty());
    assert!(sst_files_in(dir.path()).is_empty());
}

/// Writes `input` with a target of 8 KiB (a few keys per file) and returns
/// the error and how many file numbers were taken.
fn write_failing(dir: &std::path::Path, input: Vec<Entry>) -> (CompactionError, u64) {
    let mut iter = unsorted::Unsorted::new(input);
    let mut next = 0;
    let err = write_ssts(&mut iter, dir, &small_blocks(), 8192, &mut || {
        next += 1;
        next
    })
    .unwrap_err();
    (err, next)
}

/// A key out of order near the end of the input: files already finished
/// must be removed along with the partial one. The check spans files: the
/// stray key would otherwise start a file of its own that overlaps the
/// first one.
#[test]
fn out_of_order_input_fails_and_removes_every_output_file() {
    let dir = tempfile::tempdir().unwrap();
    let mut input = entries();
    let at = input.len() - 10;
    input[at].0 = ikey(b"key00000", 1, Kind::Put);
    let (err, files_started) = write_failing(dir.path(), input);
    assert!(matches!(err, CompactionError::OutOfOrder { .. }), "{err}");
    assert!(files_started > 3, "the failure came after several files were finished");
    assert!(sst_files_in(dir.path()).is_empty(), "{:?}", sst_files_in(dir.path()));
}

/// An entry the SST layer refuses (a user key over the 64 KiB limit) fails
/// the same way.
#[test]
fn entry_refused_by_the_sst_writer_fails_and_removes_every_output_file() {
    let dir = tempfile::tempdir().unwrap();
    let mut input = entries();
    let huge_key = vec![b'z'; srdb_key::MAX_KEY_BYTES + 1];
    input.push((ikey(&huge_key, 1, Kind::Put), Vec::new()));
    let (err, files_started) = write_failing(dir.path(), input);
    assert!(matches!(err, CompactionError::Sst { .. }), "{err}");
    assert!(files_started > 3);
    assert!(sst_files_in(dir.path()).is_empty(), "{:?}", sst_files_in(dir.path()));
}

mod unsorted {
    use srdb_compaction::{CompactionError, EntrySource};

    /// Entries in the order given, unchecked.
    pub struct Unsorted {
        entries: Vec<(Vec<u8>, Vec<u8>)>,
        pos: usize,
    }

    impl Unsorted {
        pub fn new(entries: Vec<(Vec<u8>, Vec<u8>)>) -> Self {
            Unsorted { entries, pos: 0 }
        }
    }

    impl EntrySource for Unsorted {
        fn entry(&self) -> Option<(&[u8], &[u8])> {
            self.entries.get(self.pos).map(|(k, v)| (&k[..], &v[..]))
        }
        fn advance(&mut self) -> Result<(), CompactionError> {
            self.pos += 1;
            Ok(())
        }
    }
}

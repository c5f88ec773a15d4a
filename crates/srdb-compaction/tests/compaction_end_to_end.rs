//! Whole compactions over real SST files: every reader sees the same data
//! afterwards, the output level stays sorted and disjoint, and a damaged
//! input fails the compaction without leaving output behind.

mod common;

use std::collections::{BTreeMap, HashSet};
use std::sync::Arc;

use common::{
    ikey, opener, read_file, small_blocks, sst_files_in, user_key_of, write_input, Entry,
};
use proptest::prelude::*;
use srdb_compaction::{
    pick, pick_manual, run_compaction, CompactionError, CompactionOptions, CompactionOutcome,
    CompactionTask,
};
use srdb_key::{parse, Kind, SeqNo, MAX_SEQNO};
use srdb_manifest::{sst_file_name, FileMeta};

type Levels = Vec<Vec<Arc<FileMeta>>>;

/// One write: key index, put or delete. Its seqno is its position + 1.
type Write = (u8, bool);

fn entry(seqno: SeqNo, (key, put): Write) -> Entry {
    let user_key = format!("user-key-{key:03}");
    if put {
        (
            ikey(user_key.as_bytes(), seqno, Kind::Put),
            format!("value of {key} at {seqno}").into_bytes(),
        )
    } else {
        (ikey(user_key.as_bytes(), seqno, Kind::Delete), Vec::new())
    }
}

/// Splits sorted `entries` into files of a sorted level, cutting only
/// between user keys, after every `keys_per_file` distinct user keys.
fn level_files(
    entries: &[Entry],
    keys_per_file: usize,
    next_number: &mut u64,
    dir: &std::path::Path,
) -> Vec<Arc<FileMeta>> {
    let mut by_key: BTreeMap<Vec<u8>, Vec<Entry>> = BTreeMap::new();
    for e in entries {
        by_key.entry(user_key_of(&e.0)).or_default().push(e.clone());
    }
    let keys: Vec<Vec<Entry>> = by_key.into_values().collect();
    keys.chunks(keys_per_file.max(1))
        .map(|chunk| {
            *next_number += 1;
            write_input(dir, *next_number, chunk.concat())
        })
        .collect()
}

/// What `reader` sees of every user key in `entries` (seqnos are unique).
fn view(entries: &[Entry], reader: SeqNo) -> BTreeMap<Vec<u8>, Option<Vec<u8>>> {
    let mut newest: BTreeMap<Vec<u8>, (SeqNo, Option<Vec<u8>>)> = BTreeMap::new();
    for (k, v) in entries {
        let p = parse(k).unwrap();
        if p.seqno > reader {
            continue;
        }
        let value = (p.kind == Kind::Put).then(|| v.clone());
        let slot = newest.entry(p.user_key.to_vec()).or_insert((0, None));
        if p.seqno >= slot.0 {
            *slot = (p.seqno, value);
        }
    }
    newest.into_iter().filter_map(|(k, (_, v))| v.map(|v| (k, Some(v)))).collect()
}

fn all_entries(dir: &std::path::Path, levels: &Levels) -> Vec<Entry> {
    levels.iter().flatten().flat_map(|f| read_file(dir, f)).collect()
}

/// The levels after installing `outcome` of `task`.
fn install(levels: &Levels, task: &CompactionTask, outcome: &CompactionOutcome) -> Levels {
    let gone: HashSet<u64> = task.files().map(|f| f.number).collect();
    let mut after: Levels = levels
        .iter()
        .map(|l| l.iter().filter(|f| !gone.contains(&f.number)).cloned().collect())
        .collect();
    let out = usize::from(task.output_level);
    after[out].extend(outcome.outputs.iter().cloned().map(Arc::new));
    after[out].sort_by(|a, b| a.smallest.cmp(&b.smallest));
    after
}

fn assert_sorted_and_disjoint(level: &[Arc<FileMeta>]) {
    for pair in level.windows(2) {
        assert!(
            pair[0].largest.user_key() < pair[1].smallest.user_key(),
            "files {} and {} overlap",
            pair[0].number,
            pair[1].number
        );
    }
}

fn check_outcome(
    dir: &std::path::Path,
    levels: &Levels,
    task: &CompactionTask,
    snapshots: &[SeqNo],
) -> Result<CompactionOutcome, TestCaseError> {
    let before = all_entries(dir, levels);
    let mut next = 10_000;
    let outcome =
        run_compaction(task, &opener(dir), snapshots, &small_blocks(), 2048, dir, &mut || {
            next += 1;
            next
        })
        .unwrap();
    let after_levels = install(levels, task, &outcome);
    for level in &after_levels[1..] {
        assert_sorted_and_disjoint(level);
    }
    let after = all_entries(dir, &after_levels);
    for reader in snapshots.iter().copied().chain([MAX_SEQNO]) {
        prop_assert_eq!(view(&before, reader), view(&after, reader), "reader {}", reader);
    }
    let read: u64 = task.files().map(|f| f.entries).sum();
    prop_assert_eq!(outcome.entries_in, read);
    prop_assert_eq!(
        outcome.entries_in,
        outcome.entries_out + outcome.dropped_versions + outcome.dropped_tombstones
    );
    prop_assert_eq!(outcome.bytes_read, task.input_bytes());
    prop_assert_eq!(
        outcome.bytes_written,
        outcome.outputs.iter().map(|f| f.size_bytes).sum::<u64>()
    );
    let written: Vec<Entry> = outcome.outputs.iter().flat_map(|f| read_file(dir, f)).collect();
    prop_assert_eq!(written.len() as u64, outcome.entries_out);
    if task.bottommost && snapshots.is_empty() {
        // Nothing is left to hide and nobody looks back: one live version per key.
        let mut keys = HashSet::new();
        for (k, _) in &written {
            let p = parse(k).unwrap();
            prop_assert_eq!(p.kind, Kind::Put);
            prop_assert!(keys.insert(p.user_key.to_vec()), "two versions of {:?}", p.user_key);
        }
    }
    Ok(outcome)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(24))]

    /// Random writes spread over L2 (oldest), L1 and four L0 files (newest),
    /// an L0 compaction, and every reader's view compared before and after.
    #[test]
    fn l0_compaction_preserves_every_readers_view(
        writes in prop::collection::vec((0u8..40, prop::bool::weighted(0.7)), 30..300),
        cuts in prop::collection::vec(0.0f64..1.0, 5),
        keys_per_file in 1usize..12,
        snapshot_fractions in prop::collection::vec(0.0f64..1.0, 0..4),
    ) {
        let dir = tempfile::tempdir().unwrap();
        let entries: Vec<Entry> = writes.iter().enumerate().map(|(i, w)| entry(i as u64 + 1, *w)).collect();
        let mut cuts: Vec<usize> = cuts.iter().map(|f| (f * entries.len() as f64) as usize).collect();
        cuts.sort_unstable();
        let chunk = |i: usize| {
            let start = if i == 0 { 0 } else { cuts[i - 1] };
            let end = if i == cuts.len() { entries.len() } else { cuts[i] };
            &entries[start..end]
        };
        let mut number = 0;
        let l2 = level_files(chunk(0), keys_per_file, &mut number, dir.path());
        let l1 = level_files(chunk(1), keys_per_file, &mut number, dir.path());
        let l0: Vec<Arc<FileMeta>> = (2..6).filter(|&i| !chunk(i).is_empty()).map(|i| {
            number += 1;
            write_input(dir.path(), number, chunk(i).to_vec())
        }).collect();
        prop_assume!(!l0.is_empty());
        let levels: Levels = vec![l0, l1, l2];
        let opts = CompactionOptions::default();
        let task = pick_manual(&levels, 0, &opts, &HashSet::new()).unwrap();
        if levels[0].len() == 4 {
            prop_assert_eq!(pick(&levels, &opts, &HashSet::new()), Some(task.clone()));
        }
        let snapshots: Vec<SeqNo> = snapshot_fractions.iter().map(|f| (f * entries.len() as f64) as u64).collect();
        check_outcome(dir.path(), &levels, &task, &snapshots)?;
    }
}

/// An L1 file compacts into L2 through level iterators on both sides, and
/// the overlapping L2 files are replaced.
#[test]
fn l1_compaction_merges_into_the_overlapping_l2_files() {
    let dir = tempfile::tempdir().unwrap();
    let old: Vec<Entry> =
        (0..400u32).map(|i| entry(u64::from(i) + 1, ((i % 100) as u8, i % 3 != 0))).collect();
    let new: Vec<Entry> = (0..300u32)
        .map(|i| entry(u64::from(i) + 1000, ((i % 60) as u8 + 20, i % 4 != 0)))
        .collect();
    let mut number = 0;
    let l2 = level_files(&old, 10, &mut number, dir.path());
    let l1 = level_files(&new, 15, &mut number, dir.path());
    let levels: Levels = vec![vec![], l1, l2];
    let opts = CompactionOptions { level1_target_bytes: 1024, ..CompactionOptions::default() };
    let task = pick(&levels, &opts, &HashSet::new()).unwrap();
    assert_eq!((task.input_level, task.output_level), (1, 2));
    assert!(!task.overlapping.is_empty());
    assert!(task.bottommost);
    let outcome = check_outcome(dir.path(), &levels, &task, &[500]).unwrap();
    assert!(outcome.dropped_versions > 0);
}

/// Metadata that promises more entries than the files hold means an input
/// lost data: the compaction must fail and remove its output.
#[test]
fn entry_count_mismatch_fails_and_removes_output() {
    let dir = tempfile::tempdir().unwrap();
    let a =
        write_input(dir.path(), 1, (0..50).map(|i| entry(i + 1, ((i % 20) as u8, true))).collect());
    let b = write_input(
        dir.path(),
        2,
        (0..50).map(|i| entry(i + 100, ((i % 25) as u8, true))).collect(),
    );
    let mut lying = (*b).clone();
    lying.entries += 1;
    let task = pick_manual(
        &[vec![a, Arc::new(lying)], vec![]],
        0,
        &CompactionOptions::default(),
        &HashSet::new(),
    )
    .unwrap();
    let inputs = sst_files_in(dir.path());
    let mut next = 100;
    let err = run_compaction(
        &task,
        &opener(dir.path()),
        &[],
        &small_blocks(),
        1024,
        dir.path(),
        &mut || {
            next += 1;
            next
        },
    )
    .unwrap_err();
    assert!(
        matches!(err, CompactionError::EntryCountMismatch { expected: 101, read: 100 }),
        "{err}"
    );
    assert!(next > 101, "output files were written before the check");
    assert_eq!(sst_files_in(dir.path()), inputs);
}

/// A damaged data block in an input is an error naming the corruption, and
/// no output survives.
#[test]
fn corrupt_input_fails_the_compaction_without_output() {
    let dir = tempfile::tempdir().unwrap();
    let a = write_input(
        dir.path(),
        1,
        (0..500).map(|i| entry(i + 1, ((i % 200) as u8, true))).collect(),
    );
    let b = write_input(
        dir.path(),
        2,
        (0..500).map(|i| entry(i + 1000, ((i % 150) as u8, true))).collect(),
    );
    // Flip a byte in the middle of the data blocks of file 2.
    let path = dir.path().join(sst_file_name(2));
    let mut bytes = std::fs::read(&path).unwrap();
    let middle = bytes.len() / 3;
    bytes[middle] ^= 0x5A;
    std::fs::write(&path, bytes).unwrap();

    let task =
        pick_manual(&[vec![a, b], vec![]], 0, &CompactionOptions::default(), &HashSet::new())
            .unwrap();
    let inputs = sst_files_in(dir.path());
    let mut next = 100;
    let err = run_compaction(
        &task,
        &opener(dir.path()),
        &[],
        &small_blocks(),
        1024,
        dir.path(),
        &mut || {
            next += 1;
            next
        },
    )
    .unwrap_err();
    let CompactionError::Source(source) = &err else { panic!("unexpected error {err}") };
    let sst_error = source.downcast_ref::<srdb_sst::SstError>().expect("the SST layer's error");
    assert!(sst_error.is_corruption(), "{sst_error}");
    assert_eq!(sst_files_in(dir.path()), inputs);
}

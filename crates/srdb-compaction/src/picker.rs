//! Leveled compaction: how full each level is, and what to compact next.
//!
//! L0 holds flushed memtables whose key ranges overlap; it is scored by file
//! count, because every L0 file costs every read a probe. Each deeper level
//! `n` holds sorted files with disjoint ranges and is scored by its bytes
//! against a target that grows by `level_size_ratio` per level. A level
//! scoring at least 1 is compacted into the next one.
//!
//! Which file of a level `n >= 1` goes down: the one holding the oldest data
//! (smallest `max_seqno`, then smallest file number). The choice needs no
//! state (a round-robin cursor would have to live in the MANIFEST to survive
//! restarts), and it moves first the data that has waited longest, which is
//! the data most likely to be shadowed already by newer writes above it, so
//! the merge drops more and writes less.
//!
//! Concurrency: `busy` names the files that running compactions read. A task
//! is only offered if none of its files is busy; with that rule, two
//! compactions never write overlapping key ranges into the same level, and L0
//! compactions run one at a time.

use std::cmp::Reverse;
use std::collections::HashSet;
use std::ops::Range;
use std::sync::Arc;

use srdb_manifest::{FileMeta, Level};

use crate::options::CompactionOptions;

/// One compaction to run: `inputs` from `input_level` merged with the
/// `overlapping` files of `output_level` into new files of `output_level`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CompactionTask {
    /// The level the inputs come from.
    pub input_level: Level,
    /// The level the output goes to: `input_level + 1`, or `input_level`
    /// itself when a manual compaction rewrites the last level.
    pub output_level: Level,
    /// Files of `input_level`: newest first for L0, in key order otherwise.
    pub inputs: Vec<Arc<FileMeta>>,
    /// Files of `output_level` whose user-key ranges overlap the inputs', in
    /// key order. Empty when `output_level == input_level`.
    pub overlapping: Vec<Arc<FileMeta>>,
    /// No file in a level deeper than `output_level` overlaps the task's
    /// user-key range, so tombstones that every reader sees can be dropped.
    pub bottommost: bool,
}

impl CompactionTask {
    /// Whether the task can be done by moving its one input file down a
    /// level in the MANIFEST, without rewriting it: nothing in the output
    /// level overlaps it, so the output level stays sorted and disjoint.
    pub fn is_trivial_move(&self) -> bool {
        self.output_level > self.input_level
            && self.inputs.len() == 1
            && self.overlapping.is_empty()
    }

    /// Every file the task reads: inputs first, then overlapping.
    pub fn files(&self) -> impl Iterator<Item = &Arc<FileMeta>> {
        self.inputs.iter().chain(&self.overlapping)
    }

    /// Bytes of all files the task reads.
    pub fn input_bytes(&self) -> u64 {
        self.files().map(|f| f.size_bytes).sum()
    }

    /// The smallest and largest user keys the task covers.
    pub fn user_key_range(&self) -> (&[u8], &[u8]) {
        user_key_range(self.files()).expect("a compaction task has at least one input")
    }
}

/// The score of each level in `levels` (index = level): L0 is its file count
/// over `l0_trigger_files`, Ln its bytes over `opts.level_target_bytes(n)`. A
/// level scoring at least 1 needs compaction. The last level
/// (`opts.max_levels - 1`) is scored for display but never picked.
pub fn level_scores(levels: &[Vec<Arc<FileMeta>>], opts: &CompactionOptions) -> Vec<f64> {
    levels
        .iter()
        .enumerate()
        .map(|(n, files)| {
            if n == 0 {
                files.len() as f64 / opts.l0_trigger_files.max(1) as f64
            } else {
                let bytes: u64 = files.iter().map(|f| f.size_bytes).sum();
                bytes as f64 / opts.level_target_bytes(n).max(1) as f64
            }
        })
        .collect()
}

/// Chooses the compaction the database needs most, or `None` if no level
/// scores at least 1 or every candidate touches a `busy` file.
///
/// Levels are tried from the highest score down (ties: the shallower level
/// first). L0 compacts all of its files into L1; a deeper level compacts its
/// oldest file that is free, together with every file of the next level its
/// range overlaps. Both sets are widened so that no user key keeps versions
/// both inside and outside the task.
pub fn pick(
    levels: &[Vec<Arc<FileMeta>>],
    opts: &CompactionOptions,
    busy: &HashSet<u64>,
) -> Option<CompactionTask> {
    let scores = level_scores(levels, opts);
    let last_pickable = opts.max_levels.saturating_sub(1).min(levels.len());
    let mut order: Vec<usize> = (0..last_pickable).filter(|&n| scores[n] >= 1.0).collect();
    order.sort_by(|&a, &b| scores[b].total_cmp(&scores[a]).then(a.cmp(&b)));
    order.into_iter().find_map(|level| {
        if level == 0 {
            task_for_whole_level(levels, 0, opts, busy)
        } else {
            task_for_oldest_file(levels, level, busy)
        }
    })
}

/// A compaction of every file of `level` on demand (the database's
/// `compact()`): into the next level, or, for the last level, into itself so
/// that shadowed versions and tombstones are purged. `None` when the level
/// holds no file or one of the task's files is `busy` (retry later).
pub fn pick_manual(
    levels: &[Vec<Arc<FileMeta>>],
    level: Level,
    opts: &CompactionOptions,
    busy: &HashSet<u64>,
) -> Option<CompactionTask> {
    task_for_whole_level(levels, usize::from(level), opts, busy)
}

fn task_for_whole_level(
    levels: &[Vec<Arc<FileMeta>>],
    level: usize,
    opts: &CompactionOptions,
    busy: &HashSet<u64>,
) -> Option<CompactionTask> {
    let mut inputs = levels.get(level)?.clone();
    if inputs.is_empty() {
        return None;
    }
    if level == 0 {
        // Newest first: the merge gives earlier sources precedence on ties.
        inputs.sort_by_key(|f| Reverse((f.max_seqno, f.number)));
    }
    let output_level = if level + 1 < opts.max_levels { level + 1 } else { level };
    build_task(levels, level, output_level, inputs, busy)
}

fn task_for_oldest_file(
    levels: &[Vec<Arc<FileMeta>>],
    level: usize,
    busy: &HashSet<u64>,
) -> Option<CompactionTask> {
    let files = &levels[level];
    let mut candidates: Vec<usize> =
        (0..files.len()).filter(|&i| !busy.contains(&files[i].number)).collect();
    candidates.sort_by_key(|&i| (files[i].max_seqno, files[i].number));
    candidates.into_iter().find_map(|i| {
        let range = widen_to_whole_user_keys(files, i..i + 1);
        build_task(levels, level, level + 1, files[range].to_vec(), busy)
    })
}

/// Adds the overlapping files of `output_level` to `inputs` and checks that
/// none of the files is busy.
fn build_task(
    levels: &[Vec<Arc<FileMeta>>],
    input_level: usize,
    output_level: usize,
    inputs: Vec<Arc<FileMeta>>,
    busy: &HashSet<u64>,
) -> Option<CompactionTask> {
    let (lo, hi) = user_key_range(inputs.iter())?;
    let overlapping = if output_level == input_level {
        Vec::new()
    } else {
        let next = levels.get(output_level).map(Vec::as_slice).unwrap_or_default();
        next[widen_to_whole_user_keys(next, overlapping_files(next, lo, hi))].to_vec()
    };
    if inputs.iter().chain(&overlapping).any(|f| busy.contains(&f.number)) {
        return None;
    }
    let (lo, hi) = user_key_range(inputs.iter().chain(&overlapping))?;
    let bottommost = levels
        .iter()
        .skip(output_level + 1)
        .all(|deeper| overlapping_files(deeper, lo, hi).is_empty());
    Some(CompactionTask {
        input_level: Level::try_from(input_level).ok()?,
        output_level: Level::try_from(output_level).ok()?,
        inputs,
        overlapping,
        bottommost,
    })
}

/// The smallest and largest user keys of `files`, or `None` if there are none.
fn user_key_range<'a>(
    files: impl Iterator<Item = &'a Arc<FileMeta>>,
) -> Option<(&'a [u8], &'a [u8])> {
    files.fold(None, |range, f| {
        let (lo, hi) = (f.smallest.user_key(), f.largest.user_key());
        Some(match range {
            None => (lo, hi),
            Some((a, b)) => (lo.min(a), hi.max(b)),
        })
    })
}

/// The files of a sorted, disjoint level whose user-key ranges meet the
/// inclusive range `[lo, hi]`, by binary search.
fn overlapping_files(files: &[Arc<FileMeta>], lo: &[u8], hi: &[u8]) -> Range<usize> {
    let start = files.partition_point(|f| f.largest.user_key() < lo);
    let end = start + files[start..].partition_point(|f| f.smallest.user_key() <= hi);
    start..end
}

/// Widens `range` of a sorted level so that no user key has versions both
/// inside and outside it: neighbouring files that share a boundary user key
/// join.
fn widen_to_whole_user_keys(files: &[Arc<FileMeta>], range: Range<usize>) -> Range<usize> {
    if range.is_empty() {
        return range;
    }
    let (mut start, mut end) = (range.start, range.end);
    while start > 0 && files[start - 1].largest.user_key() == files[start].smallest.user_key() {
        start -= 1;
    }
    while end < files.len() && files[end].smallest.user_key() == files[end - 1].largest.user_key() {
        end += 1;
    }
    start..end
}

#[cfg(test)]
mod tests {
    use srdb_key::{InternalKey, Kind};

    use super::*;
    use crate::options::MAX_LEVELS;

    const MIB: u64 = 1024 * 1024;
    const GIB: u64 = 1024 * MIB;

    /// A file holding user keys `lo..=hi`, seqnos `seqno - 5 ..= seqno`.
    fn file(number: u64, lo: &str, hi: &str, size_bytes: u64, seqno: u64) -> Arc<FileMeta> {
        Arc::new(FileMeta {
            number,
            size_bytes,
            entries: 10,
            smallest: InternalKey::new(lo.as_bytes(), seqno, Kind::Put),
            largest: InternalKey::new(hi.as_bytes(), seqno - 5, Kind::Put),
            min_seqno: seqno - 5,
            max_seqno: seqno,
            time_range: None,
        })
    }

    fn numbers(files: &[Arc<FileMeta>]) -> Vec<u64> {
        files.iter().map(|f| f.number).collect()
    }

    fn none_busy() -> HashSet<u64> {
        HashSet::new()
    }

    #[test]
    fn scores_are_file_count_for_l0_and_bytes_over_target_below() {
        let opts = CompactionOptions::default();
        let levels = vec![
            vec![file(1, "a", "b", MIB, 100), file(2, "a", "b", MIB, 110)],
            vec![file(3, "a", "m", 96 * MIB, 50), file(4, "n", "z", 32 * MIB, 40)],
            vec![file(5, "a", "z", 320 * MIB, 20)],
        ];
        assert_eq!(level_scores(&levels, &opts), vec![0.5, 2.0, 0.5]);
        assert_eq!(opts.level_target_bytes(1), 64 * MIB);
        assert_eq!(opts.level_target_bytes(3), 6400 * MIB);
        assert_eq!(opts.level_target_bytes(200), u64::MAX, "targets saturate");
    }

    #[test]
    fn nothing_to_do_below_score_one() {
        let opts = CompactionOptions::default();
        let levels = vec![vec![file(1, "a", "b", MIB, 100)], vec![file(2, "a", "z", MIB, 50)]];
        assert_eq!(pick(&levels, &opts, &none_busy()), None);
        assert_eq!(pick(&[], &opts, &none_busy()), None);
    }

    #[test]
    fn l0_compacts_all_files_newest_first_with_overlapping_l1() {
        let opts = CompactionOptions::default();
        let levels = vec![
            vec![
                file(10, "c", "f", MIB, 200),
                file(12, "a", "d", MIB, 400),
                file(11, "e", "g", MIB, 300),
                file(13, "b", "c", MIB, 500),
            ],
            vec![
                file(1, "a", "b", MIB, 50),
                file(2, "c", "e", MIB, 50),
                file(3, "h", "k", MIB, 50),
            ],
            vec![file(4, "x", "z", MIB, 10)],
        ];
        let task = pick(&levels, &opts, &none_busy()).expect("L0 scores 1.0");
        assert_eq!((task.input_level, task.output_level), (0, 1));
        assert_eq!(numbers(&task.inputs), vec![13, 12, 11, 10]);
        assert_eq!(numbers(&task.overlapping), vec![1, 2]);
        assert!(task.bottommost, "L2 holds only x..z, outside a..g");
        assert_eq!(task.user_key_range(), (&b"a"[..], &b"g"[..]));
        assert!(!task.is_trivial_move());
        assert_eq!(task.input_bytes(), 6 * MIB);
    }

    #[test]
    fn highest_score_wins_and_deeper_levels_move_their_oldest_file() {
        let opts = CompactionOptions::default();
        let levels = vec![
            (0..6).map(|n| file(20 + n, "a", "z", MIB, 1000 + n)).collect(), // 1.5
            vec![
                file(1, "a", "c", 50 * MIB, 300),
                file(2, "d", "f", 50 * MIB, 100), // oldest
                file(3, "g", "i", 50 * MIB, 200),
            ], // 150 MiB / 64 MiB = 2.34
            vec![
                file(4, "a", "b", MIB, 50),
                file(5, "e", "h", MIB, 50),
                file(6, "j", "k", MIB, 50),
            ],
            vec![file(7, "f", "f", MIB, 10)],
        ];
        let task = pick(&levels, &opts, &none_busy()).unwrap();
        assert_eq!((task.input_level, task.output_level), (1, 2));
        assert_eq!(numbers(&task.inputs), vec![2]);
        assert_eq!(numbers(&task.overlapping), vec![5]);
        assert!(!task.bottommost, "L3 holds f, inside d..h");

        // With file 2 busy, the next oldest goes; it overlaps file 5 as well.
        let task = pick(&levels, &opts, &HashSet::from([2])).unwrap();
        assert_eq!(numbers(&task.inputs), vec![3]);
        assert_eq!(numbers(&task.overlapping), vec![5]);
        // With file 5 busy, neither 2 nor 3 can go: file 1 does, a trivial
        // move is not possible since it overlaps file 4.
        let task = pick(&levels, &opts, &HashSet::from([5])).unwrap();
        assert_eq!(numbers(&task.inputs), vec![1]);
        assert_eq!(numbers(&task.overlapping), vec![4]);
        assert!(task.bottommost);
        // With all of L1 blocked, L0 is next; it overlaps busy L1 files too.
        assert_eq!(pick(&levels, &opts, &HashSet::from([1, 5])), None);
    }

    #[test]
    fn a_file_without_overlap_below_is_a_trivial_move() {
        let opts = CompactionOptions { level1_target_bytes: MIB, ..CompactionOptions::default() };
        let levels =
            vec![vec![], vec![file(1, "m", "p", 2 * MIB, 10)], vec![file(2, "a", "c", MIB, 5)]];
        let task = pick(&levels, &opts, &none_busy()).unwrap();
        assert!(task.is_trivial_move());
        assert!(task.bottommost);
    }

    #[test]
    fn tasks_never_split_a_user_key_across_files() {
        let opts = CompactionOptions { level1_target_bytes: MIB, ..CompactionOptions::default() };
        // L1 files 1 and 2 share user key "f"; L2 files 3 and 4 share "k",
        // and file 4 lies outside L1's range except through that key.
        let levels = vec![
            vec![],
            vec![
                file(1, "d", "f", MIB, 100),
                file(2, "f", "h", MIB, 300),
                file(9, "x", "y", MIB, 400),
            ],
            vec![
                file(3, "g", "k", MIB, 50),
                file(4, "k", "m", MIB, 40),
                file(5, "n", "p", MIB, 30),
            ],
        ];
        let task = pick(&levels, &opts, &none_busy()).unwrap();
        assert_eq!(numbers(&task.inputs), vec![1, 2]);
        assert_eq!(numbers(&task.overlapping), vec![3, 4]);
        // Busy file 2 blocks file 1, which cannot go without it.
        let task = pick(&levels, &opts, &HashSet::from([2])).unwrap();
        assert_eq!(numbers(&task.inputs), vec![9]);
    }

    #[test]
    fn the_last_level_is_never_picked_automatically_but_can_be_rewritten_by_hand() {
        let opts =
            CompactionOptions { max_levels: 3, level1_target_bytes: MIB, ..Default::default() };
        let levels = vec![
            vec![file(1, "a", "c", MIB, 500)],
            vec![],
            vec![file(2, "a", "c", 10 * GIB, 100), file(3, "d", "f", 10 * GIB, 90)],
        ];
        assert!(level_scores(&levels, &opts)[2] > 1.0);
        assert_eq!(pick(&levels, &opts, &none_busy()), None);

        let task = pick_manual(&levels, 2, &opts, &none_busy()).unwrap();
        assert_eq!((task.input_level, task.output_level), (2, 2));
        assert_eq!(numbers(&task.inputs), vec![2, 3]);
        assert!(task.overlapping.is_empty() && task.bottommost && !task.is_trivial_move());

        let task = pick_manual(&levels, 0, &opts, &none_busy()).unwrap();
        assert_eq!((task.input_level, task.output_level), (0, 1));
        assert!(task.is_trivial_move());
        assert!(!task.bottommost, "L2 overlaps a..c");
        assert_eq!(pick_manual(&levels, 1, &opts, &none_busy()), None, "L1 is empty");
        assert_eq!(pick_manual(&levels, 2, &opts, &HashSet::from([3])), None);
    }

    #[test]
    fn options_are_validated() {
        assert!(CompactionOptions::default().validate().is_ok());
        let bad = [
            CompactionOptions { l0_trigger_files: 0, ..Default::default() },
            CompactionOptions { level_size_ratio: 1, ..Default::default() },
            CompactionOptions { target_file_bytes: 0, ..Default::default() },
            CompactionOptions { max_levels: 1, ..Default::default() },
            CompactionOptions { max_levels: MAX_LEVELS + 1, ..Default::default() },
        ];
        for opts in bad {
            assert!(opts.validate().is_err(), "{opts:?} accepted");
        }
    }
}

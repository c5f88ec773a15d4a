//! Recovery from damaged segments: every truncation point and every
//! single-byte corruption of the last segment, and damage to earlier segments.
//!
//! The exhaustive loops read the directory with `read_wal_dir`, which runs the
//! same recovery as `Wal::open` without changing files (and without the
//! fsyncs of creating a segment, which would make thousands of cases slow);
//! sampled cases then go through `Wal::open` to check the truncation on disk
//! and that appends continue at the right LSN.

mod common;

use std::fs;
use std::path::{Path, PathBuf};

use common::{open_collect, opts, payload, read_collect, Records};
use srdb_wal::{
    read_segment, RecoveryMode, SkippedCorruption, SyncPolicy, Wal, WalError, FILE_HEADER_BYTES,
};

const FIRST_SEGMENT_RECORDS: u64 = 10;
const TOTAL_RECORDS: u64 = 50;
const HEADER: u64 = FILE_HEADER_BYTES as u64;

/// A log of two segments: records 1..=10 in segment 1, 11..=50 in segment 2.
struct Layout {
    _dir: tempfile::TempDir,
    seg1_name: String,
    seg2_name: String,
    seg1: Vec<u8>,
    seg2: Vec<u8>,
    all: Records,
    /// `(start, end)` byte range of each record of segment 2.
    seg2_records: Vec<(u64, u64)>,
}

fn build() -> Layout {
    let dir = tempfile::tempdir().unwrap();
    let (wal, _) = Wal::open(dir.path(), opts(SyncPolicy::Never), 0, 1, |_| Ok(())).unwrap();
    let mut all = Vec::new();
    for i in 1..=TOTAL_RECORDS {
        if i == FIRST_SEGMENT_RECORDS + 1 {
            assert_eq!(wal.rotate().unwrap(), 2);
        }
        let p = payload(i);
        assert_eq!(wal.append(&p).unwrap(), i);
        all.push((i, p));
    }
    wal.close().unwrap();
    let names: Vec<String> = {
        let mut n: Vec<_> = fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name().into_string().unwrap())
            .collect();
        n.sort();
        n
    };
    assert_eq!(names.len(), 2, "{names:?}");
    let seg2_path = dir.path().join(&names[1]);
    let seg2 = fs::read(&seg2_path).unwrap();
    let mut starts = Vec::new();
    read_segment(&seg2_path, RecoveryMode::Strict, |r| {
        starts.push(r.offset);
        Ok(())
    })
    .unwrap();
    assert_eq!(starts.len() as u64, TOTAL_RECORDS - FIRST_SEGMENT_RECORDS);
    let ends = starts.iter().skip(1).copied().chain([seg2.len() as u64]);
    let seg2_records = starts.iter().copied().zip(ends).collect();
    Layout {
        seg1: fs::read(dir.path().join(&names[0])).unwrap(),
        seg1_name: names[0].clone(),
        seg2_name: names[1].clone(),
        seg2,
        all,
        seg2_records,
        _dir: dir,
    }
}

impl Layout {
    /// Writes segment 1 (unless present) and the given bytes as segment 2
    /// into `dir`.
    fn install(&self, dir: &Path, seg2: &[u8]) -> PathBuf {
        let seg1_path = dir.join(&self.seg1_name);
        if !seg1_path.exists() {
            fs::write(seg1_path, &self.seg1).unwrap();
        }
        let path = dir.join(&self.seg2_name);
        fs::write(&path, seg2).unwrap();
        path
    }

    /// Records of segment 2 that end at or before `cut`.
    fn whole_records_before(&self, cut: u64) -> usize {
        self.seg2_records.iter().take_while(|(_, end)| *end <= cut).count()
    }

    /// The records replayed when segment 2 keeps its first `k` records.
    fn prefix(&self, k: usize) -> Records {
        self.all[..FIRST_SEGMENT_RECORDS as usize + k].to_vec()
    }

    /// Index in segment 2 of the record holding byte `pos` (past the header).
    fn record_at(&self, pos: u64) -> usize {
        self.seg2_records.iter().position(|(s, e)| (*s..*e).contains(&pos)).unwrap()
    }
}

#[test]
fn every_truncation_of_the_last_segment_recovers_the_longest_valid_prefix() {
    let layout = build();
    let case = tempfile::tempdir().unwrap();
    for cut in 0..=layout.seg2.len() as u64 {
        let seg2_path = layout.install(case.path(), &layout.seg2[..cut as usize]);
        let k = if cut < HEADER { 0 } else { layout.whole_records_before(cut) };
        let boundary = match k {
            _ if cut < HEADER => 0,
            0 => HEADER,
            k => layout.seg2_records[k - 1].1,
        };
        let expect_torn =
            (cut < HEADER || cut > boundary).then(|| (seg2_path.clone(), boundary, cut - boundary));
        for mode in [RecoveryMode::Strict, RecoveryMode::SkipCorrupt] {
            let (result, got) = read_collect(case.path(), mode);
            let report = result.unwrap_or_else(|e| panic!("cut {cut}: {e}"));
            assert_eq!(got, layout.prefix(k), "cut {cut}");
            let torn = report.torn_tail.map(|t| (t.file, t.offset, t.bytes));
            assert_eq!(torn, expect_torn, "cut {cut}");
            assert!(report.skipped.is_empty(), "cut {cut}");
            assert_eq!(report.last_lsn, FIRST_SEGMENT_RECORDS + k as u64, "cut {cut}");
        }
    }
}

#[test]
fn opening_a_truncated_log_cuts_the_torn_tail_and_continues_the_lsns() {
    let layout = build();
    let mut cuts = vec![0, 1, HEADER - 1, HEADER, HEADER + 1];
    for (start, end) in layout.seg2_records.iter().step_by(6) {
        cuts.extend([*start + 1, *end - 1, *end]);
    }
    for cut in cuts {
        let case = tempfile::tempdir().unwrap();
        let seg2_path = layout.install(case.path(), &layout.seg2[..cut as usize]);
        let k = if cut < HEADER { 0 } else { layout.whole_records_before(cut) };
        let (result, got) = open_collect(case.path(), opts(SyncPolicy::Never), 0);
        let (wal, report) = result.unwrap_or_else(|e| panic!("cut {cut}: {e}"));
        assert_eq!(got, layout.prefix(k), "cut {cut}");
        assert_eq!(
            report.torn_tail.is_some(),
            cut < HEADER
                || cut != layout.seg2_records.get(k.wrapping_sub(1)).map_or(HEADER, |r| r.1),
            "cut {cut}"
        );
        match fs::metadata(&seg2_path) {
            Ok(meta) => {
                assert!(
                    cut >= HEADER,
                    "cut {cut}: a segment without a valid header must be removed"
                );
                let kept = if k == 0 { HEADER } else { layout.seg2_records[k - 1].1 };
                assert_eq!(meta.len(), kept, "cut {cut}");
            }
            Err(_) => assert!(cut < HEADER, "cut {cut}: segment with a valid header was removed"),
        }
        let next = FIRST_SEGMENT_RECORDS + k as u64 + 1;
        assert_eq!(wal.append(b"after the crash").unwrap(), next, "cut {cut}");
        wal.close().unwrap();
        let (result, got) = read_collect(case.path(), RecoveryMode::Strict);
        let report = result.unwrap_or_else(|e| panic!("cut {cut}: reopen: {e}"));
        assert!(report.torn_tail.is_none(), "cut {cut}");
        let mut expected = layout.prefix(k);
        expected.push((next, b"after the crash".to_vec()));
        assert_eq!(got, expected, "cut {cut}");
    }
}

#[test]
fn every_single_byte_corruption_of_the_last_segment_is_caught() {
    let layout = build();
    let case = tempfile::tempdir().unwrap();
    let len = layout.seg2.len() as u64;
    let last = layout.seg2_records.len() - 1;
    for pos in 0..len {
        let mut damaged = layout.seg2.clone();
        damaged[pos as usize] ^= 0xFF;
        let seg2_path = layout.install(case.path(), &damaged);

        // Strict.
        let (result, got) = read_collect(case.path(), RecoveryMode::Strict);
        if pos < HEADER {
            assert_corruption(result.map(|_| ()), &seg2_path, 0, pos);
            assert_eq!(got, layout.prefix(0), "pos {pos}");
        } else {
            let j = layout.record_at(pos);
            let (start, _) = layout.seg2_records[j];
            if j == last {
                let report = result.unwrap_or_else(|e| panic!("pos {pos}: {e}"));
                let torn = report.torn_tail.map(|t| (t.file, t.offset, t.bytes));
                assert_eq!(torn, Some((seg2_path.clone(), start, len - start)), "pos {pos}");
            } else {
                assert_corruption(result.map(|_| ()), &seg2_path, start, pos);
            }
            assert_eq!(got, layout.prefix(j), "pos {pos}");
        }

        // SkipCorrupt.
        let (result, got) = read_collect(case.path(), RecoveryMode::SkipCorrupt);
        let report = result.unwrap_or_else(|e| panic!("pos {pos}: {e}"));
        if pos < HEADER {
            assert_eq!(got, layout.prefix(0), "pos {pos}");
            assert_eq!(skipped(&report.skipped), vec![(seg2_path.clone(), 0, len, 0)], "pos {pos}");
            continue;
        }
        let j = layout.record_at(pos);
        let (start, end) = layout.seg2_records[j];
        let mut expected = layout.all.clone();
        expected.remove(FIRST_SEGMENT_RECORDS as usize + j);
        if j == last {
            assert!(report.skipped.is_empty(), "pos {pos}");
            assert!(report.torn_tail.is_some(), "pos {pos}");
        } else {
            assert_eq!(
                skipped(&report.skipped),
                vec![(seg2_path.clone(), start, end - start, 1)],
                "pos {pos}"
            );
            assert!(report.torn_tail.is_none(), "pos {pos}");
        }
        assert_eq!(got, expected, "pos {pos}");
    }
}

#[test]
fn opening_a_corrupt_log_fails_in_strict_mode_without_changing_it_and_skips_in_skip_mode() {
    let layout = build();
    let (start, end) = layout.seg2_records[7];
    let mut damaged = layout.seg2.clone();
    damaged[(start + 30) as usize] ^= 0x01;

    let case = tempfile::tempdir().unwrap();
    let seg2_path = layout.install(case.path(), &damaged);
    let (result, got) = open_collect(case.path(), opts(SyncPolicy::Never), 0);
    assert_corruption(result.map(|_| ()), &seg2_path, start, start + 30);
    assert_eq!(got, layout.prefix(7));
    assert_eq!(fs::read(&seg2_path).unwrap(), damaged, "a failed open must not change the log");
    assert_eq!(
        fs::read_dir(case.path()).unwrap().count(),
        2,
        "a failed open must not create a segment"
    );

    let skip =
        srdb_wal::WalOptions { recovery: RecoveryMode::SkipCorrupt, ..opts(SyncPolicy::Never) };
    let (result, got) = open_collect(case.path(), skip, 0);
    let (wal, report) = result.unwrap();
    assert_eq!(got.len() as u64, TOTAL_RECORDS - 1);
    assert_eq!(skipped(&report.skipped), vec![(seg2_path, start, end - start, 1)]);
    assert_eq!(wal.append(b"x").unwrap(), TOTAL_RECORDS + 1);
    wal.close().unwrap();
}

#[test]
fn damage_at_the_end_of_an_earlier_segment_is_corruption_not_a_torn_tail() {
    let layout = build();
    let case = tempfile::tempdir().unwrap();
    layout.install(case.path(), &layout.seg2);
    let seg1_path = case.path().join(&layout.seg1_name);
    let mut seg1 = layout.seg1.clone();
    let last_byte = seg1.len() - 1;
    seg1[last_byte] ^= 0xFF;
    fs::write(&seg1_path, &seg1).unwrap();
    let mut last_start = 0;
    read_segment(&seg1_path, RecoveryMode::SkipCorrupt, |r| {
        last_start = r.offset;
        Ok(())
    })
    .unwrap();
    // The damaged last record of segment 1 is the 9th record read.
    let mut last_start_intact = 0;
    srdb_wal::read_log_bytes(
        Path::new("s1"),
        &layout.seg1,
        srdb_wal::WAL_MAGIC,
        RecoveryMode::Strict,
        |r| {
            last_start_intact = r.offset;
            Ok(())
        },
    )
    .unwrap();

    let (result, got) = read_collect(case.path(), RecoveryMode::Strict);
    assert_corruption(result.map(|_| ()), &seg1_path, last_start_intact, last_start_intact);
    assert_eq!(got, layout.all[..9].to_vec());

    let (result, got) = read_collect(case.path(), RecoveryMode::SkipCorrupt);
    let report = result.unwrap();
    let mut expected = layout.all.clone();
    expected.remove(9);
    assert_eq!(got, expected);
    let seg1_len = seg1.len() as u64;
    assert_eq!(
        skipped(&report.skipped),
        vec![(seg1_path, last_start_intact, seg1_len - last_start_intact, 1)]
    );
}

#[test]
fn records_missing_between_segments_are_found_even_without_damaged_bytes() {
    let layout = build();
    let case = tempfile::tempdir().unwrap();
    layout.install(case.path(), &layout.seg2);
    // Cut segment 1 cleanly after its 8th record: no byte is damaged, but
    // segment 2 says the log before it ended at LSN 10.
    let mut ends = Vec::new();
    srdb_wal::read_log_bytes(
        Path::new("s1"),
        &layout.seg1,
        srdb_wal::WAL_MAGIC,
        RecoveryMode::Strict,
        |r| {
            ends.push(r.offset + srdb_wal::RECORD_HEADER_BYTES as u64 + r.payload.len() as u64);
            Ok(())
        },
    )
    .unwrap();
    let seg1_path = case.path().join(&layout.seg1_name);
    fs::write(&seg1_path, &layout.seg1[..ends[7] as usize]).unwrap();

    let (result, got) = read_collect(case.path(), RecoveryMode::Strict);
    assert_corruption(result.map(|_| ()), &seg1_path, ends[7], 0);
    assert_eq!(got, layout.all[..8].to_vec());

    let (result, got) = read_collect(case.path(), RecoveryMode::SkipCorrupt);
    let report = result.unwrap();
    assert_eq!(skipped(&report.skipped), vec![(seg1_path, ends[7], 0, 2)]);
    let mut expected = layout.all.clone();
    expected.drain(8..10);
    assert_eq!(got, expected);
}

fn assert_corruption(result: Result<(), WalError>, file: &Path, offset: u64, pos: u64) {
    match result {
        Err(WalError::Corruption { file: f, offset: o, reason }) => {
            assert_eq!((f.as_path(), o), (file, offset), "pos {pos}: {reason}");
        }
        other => panic!("pos {pos}: expected corruption at {offset}, got {other:?}"),
    }
}

fn skipped(s: &[SkippedCorruption]) -> Vec<(PathBuf, u64, u64, u64)> {
    s.iter().map(|s| (s.file.clone(), s.offset, s.bytes, s.records)).collect()
}

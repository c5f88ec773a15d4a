//! Rotation, deletion of old segments and reopening from a later segment.

mod common;

use std::fs;

use common::{open_collect, opts, payload, Records};
use srdb_wal::{RecoveryMode, SyncPolicy, Wal, WalError, FILE_HEADER_BYTES};

#[test]
fn rotate_delete_and_reopen_from_a_later_segment() {
    let dir = tempfile::tempdir().unwrap();
    let (wal, report) = Wal::open(dir.path(), opts(SyncPolicy::Never), 0, 1, |_| Ok(())).unwrap();
    assert_eq!(report.records_replayed, 0);
    assert_eq!(wal.current_segment(), 1);
    let mut by_segment: Vec<Records> = Vec::new();
    for seg in 0..4u64 {
        let mut records = Vec::new();
        for i in 0..5 {
            let p = payload(seg * 5 + i);
            records.push((wal.append(&p).unwrap(), p));
        }
        by_segment.push(records);
        if seg < 3 {
            assert_eq!(wal.rotate().unwrap(), seg + 2);
        }
    }
    assert_eq!(wal.current_segment(), 4);
    let segments = wal.segments().unwrap();
    assert_eq!(segments.iter().map(|s| s.0).collect::<Vec<_>>(), vec![1, 2, 3, 4]);
    for (number, bytes) in &segments {
        let records = &by_segment[*number as usize - 1];
        let framed: u64 = records.iter().map(|(_, p)| 24 + p.len() as u64).sum();
        assert_eq!(*bytes, FILE_HEADER_BYTES as u64 + framed, "segment {number}");
    }

    // Never deletes the current segment, even when asked to.
    assert_eq!(wal.delete_segments_before(3).unwrap(), 2);
    assert_eq!(wal.delete_segments_before(u64::MAX).unwrap(), 1);
    assert_eq!(wal.segments().unwrap().iter().map(|s| s.0).collect::<Vec<_>>(), vec![4]);
    assert_eq!(wal.delete_segments_before(4).unwrap(), 0);
    wal.close().unwrap();

    // Reopen from segment 4: the records of segment 4 only, and LSNs go on.
    let (result, got) = open_collect(dir.path(), opts(SyncPolicy::Never), 4);
    let (wal, report) = result.unwrap();
    assert_eq!(got, by_segment[3]);
    assert_eq!(report.segments_read, 1);
    assert_eq!(report.last_lsn, 20);
    assert_eq!(wal.current_segment(), 5);
    assert_eq!(wal.append(b"next").unwrap(), 21);
    wal.close().unwrap();
}

#[test]
fn segments_below_first_segment_are_ignored_not_deleted() {
    let dir = tempfile::tempdir().unwrap();
    let (wal, _) = Wal::open(dir.path(), opts(SyncPolicy::Never), 0, 1, |_| Ok(())).unwrap();
    wal.append(b"old").unwrap();
    wal.rotate().unwrap();
    wal.append(b"new").unwrap();
    wal.close().unwrap();
    let (result, got) = open_collect(dir.path(), opts(SyncPolicy::Never), 2);
    let (wal, _) = result.unwrap();
    assert_eq!(got, vec![(2, b"new".to_vec())]);
    assert_eq!(wal.segments().unwrap().iter().map(|s| s.0).collect::<Vec<_>>(), vec![1, 2, 3]);
    wal.close().unwrap();
}

#[test]
fn next_lsn_at_least_moves_lsns_forward_and_the_gap_is_not_corruption() {
    let dir = tempfile::tempdir().unwrap();
    let (wal, _) = Wal::open(dir.path(), opts(SyncPolicy::Never), 0, 1, |_| Ok(())).unwrap();
    assert_eq!(wal.append(b"a").unwrap(), 1);
    wal.close().unwrap();
    // The engine knows (from its SST files) that LSNs up to 99 are used.
    let (wal, _) = Wal::open(dir.path(), opts(SyncPolicy::Never), 0, 100, |_| Ok(())).unwrap();
    assert_eq!(wal.last_lsn(), 99);
    assert_eq!(wal.append(b"b").unwrap(), 100);
    wal.close().unwrap();
    // A smaller hint never moves LSNs back.
    let (result, got) = open_collect(dir.path(), opts(SyncPolicy::Never), 0);
    let (wal, report) = result.unwrap();
    assert_eq!(got, vec![(1, b"a".to_vec()), (100, b"b".to_vec())]);
    assert!(report.skipped.is_empty());
    assert_eq!(wal.append(b"c").unwrap(), 101);
    wal.close().unwrap();
}

#[test]
fn a_missing_middle_segment_is_corruption() {
    let dir = tempfile::tempdir().unwrap();
    let (wal, _) = Wal::open(dir.path(), opts(SyncPolicy::Never), 0, 1, |_| Ok(())).unwrap();
    for _ in 0..3 {
        wal.append(b"r").unwrap();
        wal.rotate().unwrap();
    }
    wal.close().unwrap();
    fs::remove_file(dir.path().join("00000000000000000002.wal")).unwrap();
    let (result, got) = open_collect(dir.path(), opts(SyncPolicy::Never), 0);
    match result {
        Err(WalError::Corruption { file, .. }) => {
            assert!(file.ends_with("00000000000000000001.wal"), "{}", file.display());
        }
        other => panic!("expected corruption, got {other:?}"),
    }
    assert_eq!(got, vec![(1, b"r".to_vec())]);
    let skip =
        srdb_wal::WalOptions { recovery: RecoveryMode::SkipCorrupt, ..opts(SyncPolicy::Never) };
    let (result, got) = open_collect(dir.path(), skip, 0);
    let (wal, report) = result.unwrap();
    assert_eq!(got, vec![(1, b"r".to_vec()), (3, b"r".to_vec())]);
    assert_eq!(report.skipped.iter().map(|s| s.records).sum::<u64>(), 1);
    wal.close().unwrap();
}

#[test]
fn replay_errors_stop_recovery_and_are_passed_through() {
    let dir = tempfile::tempdir().unwrap();
    let (wal, _) = Wal::open(dir.path(), opts(SyncPolicy::Never), 0, 1, |_| Ok(())).unwrap();
    wal.append(b"one").unwrap();
    wal.append(b"two").unwrap();
    wal.close().unwrap();
    let mut seen = 0;
    let err = Wal::open(dir.path(), opts(SyncPolicy::Never), 0, 1, |r| {
        seen += 1;
        if r.lsn == 1 {
            Err("the engine refused record 1".into())
        } else {
            Ok(())
        }
    })
    .unwrap_err();
    assert_eq!(seen, 1);
    assert!(
        matches!(&err, WalError::Replay(e) if e.to_string() == "the engine refused record 1"),
        "{err}"
    );
}

#[test]
fn oversized_records_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let (wal, _) = Wal::open(dir.path(), opts(SyncPolicy::Never), 0, 1, |_| Ok(())).unwrap();
    let big = vec![0u8; srdb_wal::MAX_RECORD_BYTES + 1];
    assert!(matches!(wal.append(&big), Err(WalError::RecordTooLarge { .. })));
    assert_eq!(wal.append(b"fine").unwrap(), 1);
    wal.close().unwrap();
}

#[test]
fn sync_and_drop_make_never_appends_reach_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let (wal, _) = Wal::open(dir.path(), opts(SyncPolicy::Never), 0, 1, |_| Ok(())).unwrap();
    wal.append(b"buffered").unwrap();
    let path = dir.path().join("00000000000000000001.wal");
    assert_eq!(
        fs::metadata(&path).unwrap().len(),
        FILE_HEADER_BYTES as u64,
        "Never buffers in user space"
    );
    wal.sync().unwrap();
    // The record is in the file (which is grown ahead of its records).
    let mut on_disk = Vec::new();
    srdb_wal::read_segment(&path, srdb_wal::RecoveryMode::Strict, |r| {
        on_disk.push(r.payload.to_vec());
        Ok(())
    })
    .unwrap();
    assert_eq!(on_disk, vec![b"buffered".to_vec()]);
    assert!(fs::metadata(&path).unwrap().len() >= FILE_HEADER_BYTES as u64 + 24 + 8);
    wal.append(b"dropped").unwrap();
    drop(wal);
    // Closing cuts the preallocated zeros off: the file ends at its last record.
    assert_eq!(fs::metadata(&path).unwrap().len(), FILE_HEADER_BYTES as u64 + 2 * 24 + 8 + 7);
    let (result, got) = open_collect(dir.path(), opts(SyncPolicy::Never), 0);
    result.unwrap();
    assert_eq!(got, vec![(1, b"buffered".to_vec()), (2, b"dropped".to_vec())]);
}

#[test]
fn wal_is_send_and_sync() {
    fn check<T: Send + Sync>() {}
    check::<Wal>();
}

#[test]
fn a_crash_leaves_preallocated_zeros_that_recovery_cuts_off() {
    let dir = tempfile::tempdir().unwrap();
    let (wal, _) = Wal::open(dir.path(), opts(SyncPolicy::Always), 0, 1, |_| Ok(())).unwrap();
    for i in 0..100u32 {
        wal.append(&i.to_le_bytes()).unwrap();
    }
    let path = dir.path().join("00000000000000000001.wal");
    let grown = fs::metadata(&path).unwrap().len();
    assert!(grown > FILE_HEADER_BYTES as u64 + 100 * 28, "the segment is grown ahead");
    // A crash: no close, no Drop, so the zeros stay.
    std::mem::forget(wal);
    let started = std::time::Instant::now();
    let (result, got) = open_collect(dir.path(), opts(SyncPolicy::Always), 0);
    let (_wal, report) = result.unwrap();
    assert!(started.elapsed() < std::time::Duration::from_secs(5), "zeros must be cut quickly");
    assert_eq!(got.len(), 100);
    assert_eq!(got.last().unwrap(), &(100, 99u32.to_le_bytes().to_vec()));
    let torn = report.torn_tail.expect("the zeros are reported as a torn tail");
    assert_eq!(torn.offset, FILE_HEADER_BYTES as u64 + 100 * 28);
    assert_eq!(fs::metadata(&path).unwrap().len(), torn.offset, "cut back to the last record");
}

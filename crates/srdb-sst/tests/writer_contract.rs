//! What the writer promises its callers: order and key checks, no
//! overwriting, no partial files left behind, the summary it returns.

mod common;

use common::numbered_key;
use srdb_key::{InternalKey, Kind};
use srdb_sst::{Sst, SstError, SstWriter, WriterOptions};

fn key(user_key: &[u8], seqno: u64, kind: Kind) -> Vec<u8> {
    InternalKey::new(user_key, seqno, kind).as_bytes().to_vec()
}

#[test]
fn keys_out_of_order_or_repeated_are_refused_and_the_writer_stays_usable() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("1.sst");
    let mut writer = SstWriter::create(&path, WriterOptions::default()).unwrap();
    writer.add(&key(b"b", 5, Kind::Put), b"v").unwrap();
    for bad in [key(b"b", 5, Kind::Put), key(b"b", 6, Kind::Put), key(b"a", 1, Kind::Put)] {
        let err = writer.add(&bad, b"v").unwrap_err();
        assert!(matches!(&err, SstError::OutOfOrder { key, .. } if *key == bad), "{err}");
    }
    // An older version of the same user key sorts after a newer one.
    writer.add(&key(b"b", 4, Kind::Delete), b"").unwrap();
    writer.add(&key(b"c", 9, Kind::Put), b"w").unwrap();
    assert_eq!(writer.entries(), 3);
    let summary = writer.finish().unwrap();
    assert_eq!((summary.min_seqno, summary.max_seqno, summary.entries), (4, 9, 3));
    assert_eq!(summary.smallest, key(b"b", 5, Kind::Put));
    assert_eq!(summary.largest, key(b"c", 9, Kind::Put));
}

#[test]
fn bytes_that_are_not_an_internal_key_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let mut writer =
        SstWriter::create(&dir.path().join("1.sst"), WriterOptions::default()).unwrap();
    assert!(matches!(writer.add(b"short", b""), Err(SstError::InvalidEntry { .. })));
    let seek = srdb_key::seek_key(b"k", 3);
    assert!(matches!(writer.add(seek.as_bytes(), b""), Err(SstError::InvalidEntry { .. })));
}

#[test]
fn an_existing_file_is_never_overwritten() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("1.sst");
    std::fs::write(&path, b"precious").unwrap();
    let err = SstWriter::create(&path, WriterOptions::default()).unwrap_err();
    assert!(
        matches!(&err, SstError::Io { source, .. } if source.kind() == std::io::ErrorKind::AlreadyExists),
        "{err}"
    );
    assert_eq!(std::fs::read(&path).unwrap(), b"precious");
}

#[test]
fn empty_abandoned_and_dropped_writers_leave_no_file() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("1.sst");
    let writer = SstWriter::create(&path, WriterOptions::default()).unwrap();
    assert!(matches!(writer.finish(), Err(SstError::Empty { .. })));
    assert!(!path.exists());

    let mut writer = SstWriter::create(&path, WriterOptions::default()).unwrap();
    writer.add(&key(b"a", 1, Kind::Put), b"v").unwrap();
    writer.abandon().unwrap();
    assert!(!path.exists());

    let mut writer = SstWriter::create(&path, WriterOptions::default()).unwrap();
    writer.add(&key(b"a", 1, Kind::Put), b"v").unwrap();
    drop(writer);
    assert!(!path.exists());
}

#[test]
fn invalid_options_are_refused_before_the_file_is_created() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("1.sst");
    let cases = [
        WriterOptions { block_bytes: 0, ..WriterOptions::default() },
        WriterOptions { restart_interval: 0, ..WriterOptions::default() },
        WriterOptions { bloom_bits_per_key: 1000, ..WriterOptions::default() },
    ];
    for opts in cases {
        assert!(matches!(SstWriter::create(&path, opts), Err(SstError::InvalidOptions { .. })));
        assert!(!path.exists());
    }
}

#[test]
fn the_time_extractor_records_the_range_of_puts_only() {
    fn time_of(_key: &[u8], value: &[u8]) -> Option<i64> {
        Some(i64::from_le_bytes(value.get(..8)?.try_into().ok()?))
    }
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("1.sst");
    let opts = WriterOptions { time_extractor: Some(time_of), ..WriterOptions::default() };
    let mut writer = SstWriter::create(&path, opts).unwrap();
    writer.add(&key(b"a", 3, Kind::Put), &(-40i64).to_le_bytes()).unwrap();
    writer.add(&key(b"b", 3, Kind::Put), b"no").unwrap();
    writer.add(&key(b"c", 3, Kind::Put), &900i64.to_le_bytes()).unwrap();
    // A tombstone's (empty) value is never given to the extractor.
    writer.add(&key(b"d", 3, Kind::Delete), b"").unwrap();
    let summary = writer.finish().unwrap();
    assert_eq!(summary.time_range, Some((-40, 900)));
    // The put of `b` has no time, so the file cannot promise an order.
    assert!(!summary.time_ordered);
    assert_eq!(Sst::open(&path, 1, None).unwrap().summary().time_range, Some((-40, 900)));

    let plain = dir.path().join("2.sst");
    let mut writer = SstWriter::create(&plain, WriterOptions::default()).unwrap();
    writer.add(&key(b"a", 3, Kind::Put), &5i64.to_le_bytes()).unwrap();
    assert_eq!(writer.finish().unwrap().time_range, None);
}

#[test]
fn estimated_bytes_track_the_final_size() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("1.sst");
    let mut writer = SstWriter::create(&path, WriterOptions::default()).unwrap();
    let mut previous = writer.estimated_bytes();
    for i in 0..20_000u64 {
        writer.add(&key(&numbered_key(i), 1, Kind::Put), &[b'v'; 50]).unwrap();
        if i % 1000 == 999 {
            let now = writer.estimated_bytes();
            assert!(now > previous, "estimate did not grow: {previous} -> {now}");
            previous = now;
        }
    }
    let summary = writer.finish().unwrap();
    let ratio = previous as f64 / summary.size_bytes as f64;
    assert!((0.7..1.5).contains(&ratio), "estimate {previous}, size {}", summary.size_bytes);
}

#[test]
fn the_summary_says_whether_put_times_never_decrease_in_key_order() {
    fn time_of(_key: &[u8], value: &[u8]) -> Option<i64> {
        Some(i64::from_le_bytes(value.get(..8)?.try_into().ok()?))
    }
    let write = |name: &str, puts: &[(&[u8], u64, i64)]| {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(name);
        let opts = WriterOptions { time_extractor: Some(time_of), ..WriterOptions::default() };
        let mut writer = SstWriter::create(&path, opts).unwrap();
        for &(user_key, seqno, time) in puts {
            writer.add(&key(user_key, seqno, Kind::Put), &time.to_le_bytes()).unwrap();
        }
        // Tombstones carry no time and do not break the order.
        writer.add(&key(b"zz", 1, Kind::Delete), b"").unwrap();
        let summary = writer.finish().unwrap();
        assert_eq!(Sst::open(&path, 1, None).unwrap().summary(), &summary);
        summary.time_ordered
    };
    assert!(write("1.sst", &[(b"a", 1, 5), (b"b", 1, 5), (b"c", 1, 9)]));
    assert!(!write("2.sst", &[(b"a", 1, 5), (b"b", 1, 4), (b"c", 1, 9)]));
    // Versions of one key come newest first: the newer must not be later.
    assert!(!write("3.sst", &[(b"a", 2, 7), (b"a", 1, 6)]));
    assert!(write("4.sst", &[(b"a", 2, 6), (b"a", 1, 6)]));
}

#[test]
fn the_summary_counts_tombstones() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("1.sst");
    let mut writer = SstWriter::create(&path, WriterOptions::default()).unwrap();
    writer.add(&key(b"a", 9, Kind::Delete), b"").unwrap();
    writer.add(&key(b"a", 3, Kind::Put), b"v").unwrap();
    writer.add(&key(b"b", 4, Kind::Delete), b"").unwrap();
    writer.add(&key(b"c", 5, Kind::Put), b"w").unwrap();
    assert_eq!(writer.finish().unwrap().tombstones, Some(2));
    assert_eq!(Sst::open(&path, 1, None).unwrap().summary().tombstones, Some(2));
}

/// `tests/data/v1_with_tombstones.sst` was written by the format-1 writer:
/// puts of keys 81..=90 (big-endian u64) whose values start with their time
/// (key * 10, i64 LE), and tombstones of keys 3 and 45, all of one batch
/// apart. Newer builds must read it, and must not claim to know its
/// tombstone count.
#[test]
fn a_format_1_file_still_opens_reads_and_verifies() {
    let path =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/v1_with_tombstones.sst");
    let sst = Sst::open(&path, 4, None).unwrap();
    let summary = sst.summary();
    assert_eq!((summary.tombstones, summary.time_ordered), (None, false));
    assert_eq!(summary.entries, 12);
    assert_eq!(summary.time_range, Some((810, 900)));
    let report = sst.verify().unwrap();
    assert_eq!(report.entries, 12);
    assert_eq!(sst.get(&3u64.to_be_bytes(), u64::MAX).unwrap().unwrap().kind, Kind::Delete);
    let row = sst.get(&85u64.to_be_bytes(), u64::MAX).unwrap().unwrap();
    assert_eq!(row.value[..8], 850i64.to_le_bytes());
}

//! Creating, appending, rotating and reopening MANIFESTs, and what recovery
//! does with torn, damaged or missing files.

use std::fs::{self, OpenOptions};
use std::io::Write;
use std::path::Path;

use srdb_key::{InternalKey, Kind};
use srdb_manifest::{
    manifest_file_name, read_manifest, FileMeta, Manifest, ManifestError, Version, VersionEdit,
    CURRENT_FILE,
};

fn file(number: u64) -> FileMeta {
    let key = format!("key{number:05}");
    FileMeta {
        number,
        size_bytes: 4096 + number,
        entries: number,
        smallest: InternalKey::new(key.as_bytes(), number, Kind::Put),
        largest: InternalKey::new(format!("{key}~").as_bytes(), 1, Kind::Delete),
        min_seqno: 1,
        max_seqno: number,
        time_range: if number.is_multiple_of(2) { Some((-1, number as i64)) } else { None },
    }
}

fn initial() -> VersionEdit {
    let mut edit = VersionEdit {
        next_file_number: Some(1),
        last_seqno: Some(0),
        log_number: Some(0),
        ..VersionEdit::default()
    };
    edit.create_keyspace(1, "kv".into(), b"options".to_vec());
    edit
}

/// Edit `i` of a typical history: a flush to L0, every third edit a trivial
/// move of that file to L1, with counters advancing.
fn flush(i: u64) -> VersionEdit {
    let mut edit = VersionEdit {
        next_file_number: Some(i + 1),
        last_seqno: Some(i * 10),
        log_number: Some(i),
        ..VersionEdit::default()
    };
    edit.add_file(1, 0, file(i));
    edit
}

fn trivial_move(number: u64) -> VersionEdit {
    let mut edit = VersionEdit::default();
    edit.delete_file(1, 0, number);
    edit.add_file(1, 1, file(number));
    edit
}

/// Creates a database and applies `count` flushes (and moves), returning the
/// final version and the file offsets where each appended record starts.
fn build(dir: &Path, count: u64) -> (Manifest, Version) {
    let (mut manifest, mut version) = Manifest::create(dir, &initial()).unwrap();
    for i in 1..=count {
        version = manifest.log_and_apply(&flush(i), &version).unwrap();
        if i % 3 == 0 {
            version = manifest.log_and_apply(&trivial_move(i), &version).unwrap();
        }
    }
    (manifest, version)
}

fn manifest_path(dir: &Path, number: u64) -> std::path::PathBuf {
    dir.join(manifest_file_name(number))
}

#[test]
fn create_then_edits_then_reopen_gives_the_same_version() {
    let dir = tempfile::tempdir().unwrap();
    let (manifest, version) = build(dir.path(), 10);
    assert_eq!(version.file_count(), 10);
    assert_eq!(version.keyspace(1).unwrap().levels[1].len(), 3);
    assert_eq!((version.next_file_number, version.last_seqno, version.log_number), (11, 100, 10));
    drop(manifest);

    let (manifest, reopened) = Manifest::open(dir.path()).unwrap();
    assert_eq!(reopened, version);
    assert_eq!(manifest.recovery_report().edits, 1 + 10 + 3);
    assert!(manifest.recovery_report().torn_tail.is_none());

    let (read, edits, report) = read_manifest(dir.path()).unwrap();
    assert_eq!(read, version);
    assert_eq!(edits.len(), 14);
    assert_eq!(edits[1], flush(1));
    assert_eq!(report.valid_bytes, fs::metadata(manifest.path()).unwrap().len());
}

#[test]
fn edits_after_reopen_continue_the_same_log() {
    let dir = tempfile::tempdir().unwrap();
    let (manifest, version) = build(dir.path(), 2);
    drop(manifest);
    let (mut manifest, reopened) = Manifest::open(dir.path()).unwrap();
    assert_eq!(reopened, version);
    let version = manifest.log_and_apply(&flush(3), &reopened).unwrap();
    drop(manifest);
    assert_eq!(Manifest::open(dir.path()).unwrap().1, version);
}

#[test]
fn create_refuses_an_existing_database() {
    let dir = tempfile::tempdir().unwrap();
    drop(build(dir.path(), 1));
    let err = Manifest::create(dir.path(), &initial()).unwrap_err();
    assert!(matches!(err, ManifestError::AlreadyExists { .. }), "{err}");
}

#[test]
fn invalid_edits_are_refused_before_reaching_disk() {
    let dir = tempfile::tempdir().unwrap();
    let (mut manifest, version) = build(dir.path(), 2);
    let bytes = manifest.bytes();
    let err = manifest.log_and_apply(&flush(1), &version).unwrap_err();
    assert!(matches!(err, ManifestError::InvalidEdit { .. }), "{err}");
    assert_eq!(manifest.bytes(), bytes);
    // The manifest is still usable.
    let version = manifest.log_and_apply(&flush(3), &version).unwrap();
    drop(manifest);
    assert_eq!(Manifest::open(dir.path()).unwrap().1, version);
}

#[test]
fn rotation_switches_current_and_reopens_to_the_same_version() {
    let dir = tempfile::tempdir().unwrap();
    let (mut manifest, mut version) = Manifest::create(dir.path(), &initial()).unwrap();
    manifest.set_rotate_bytes(1024);
    let mut numbers_seen = vec![manifest.number()];
    for i in 1..=60 {
        version = manifest.log_and_apply(&flush(i), &version).unwrap();
        if numbers_seen.last() != Some(&manifest.number()) {
            numbers_seen.push(manifest.number());
        }
    }
    assert!(numbers_seen.len() >= 3, "rotated {numbers_seen:?}");
    assert!(manifest.bytes() < 4 * 1024, "the live file stays near the threshold");
    // Only the live MANIFEST is left, and CURRENT names it.
    let manifests: Vec<_> = fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .filter(|n| n.starts_with("MANIFEST-"))
        .collect();
    assert_eq!(manifests, vec![manifest_file_name(manifest.number())]);
    drop(manifest);

    let (manifest, reopened) = Manifest::open(dir.path()).unwrap();
    assert_eq!(reopened, version);
    assert_eq!(manifest.number(), *numbers_seen.last().unwrap());
    let (_, edits, _) = read_manifest(dir.path()).unwrap();
    assert_eq!(Version::empty().apply(&edits[0]).unwrap().file_count() + edits.len() - 1, 60);
}

#[test]
fn a_torn_final_record_is_dropped_and_earlier_edits_kept() {
    let dir = tempfile::tempdir().unwrap();
    let (manifest, before) = build(dir.path(), 4);
    let path = manifest.path().to_path_buf();
    let good_len = manifest.bytes();
    drop(manifest);
    // A crash in the middle of appending the next edit: half a record.
    let next = {
        let (mut m, v) = Manifest::open(dir.path()).unwrap();
        m.log_and_apply(&flush(5), &v).unwrap();
        fs::read(&path).unwrap()
    };
    let torn_at = good_len + (next.len() as u64 - good_len) / 2;
    OpenOptions::new().write(true).open(&path).unwrap().set_len(torn_at).unwrap();

    let (version, _, report) = read_manifest(dir.path()).unwrap();
    assert_eq!(version, before);
    let torn = report.torn_tail.expect("read_manifest reports the torn tail");
    assert_eq!((torn.offset, torn.bytes), (good_len, torn_at - good_len));
    assert_eq!(fs::metadata(&path).unwrap().len(), torn_at, "read_manifest changes nothing");

    let (mut manifest, version) = Manifest::open(dir.path()).unwrap();
    assert_eq!(version, before);
    assert!(manifest.recovery_report().torn_tail.is_some());
    assert_eq!(fs::metadata(&path).unwrap().len(), good_len, "open truncates the torn tail");
    // Appending after the truncation works and survives another reopen.
    let version = manifest.log_and_apply(&flush(5), &version).unwrap();
    drop(manifest);
    assert_eq!(Manifest::open(dir.path()).unwrap().1, version);
}

#[test]
fn a_bit_flip_in_a_middle_record_is_corruption_naming_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let (manifest, _) = build(dir.path(), 6);
    let path = manifest.path().to_path_buf();
    drop(manifest);
    let mut bytes = fs::read(&path).unwrap();
    let middle = bytes.len() / 2;
    bytes[middle] ^= 0x10;
    fs::write(&path, &bytes).unwrap();

    for err in [Manifest::open(dir.path()).unwrap_err(), read_manifest(dir.path()).unwrap_err()] {
        assert!(err.is_corruption(), "{err}");
        let message = err.to_string();
        assert!(message.contains(&manifest_file_name(1)), "{message}");
        assert!(message.contains("offset"), "{message}");
    }
}

#[test]
fn a_valid_record_with_an_impossible_edit_is_corruption() {
    let dir = tempfile::tempdir().unwrap();
    let (manifest, _) = build(dir.path(), 1);
    let path = manifest.path().to_path_buf();
    let record_at = manifest.bytes();
    drop(manifest);
    // Frame an edit that deletes a file that is not there, with valid CRCs,
    // by appending through the log writer.
    let (mut log, _) =
        srdb_wal::LogWriter::open_append(&path, srdb_manifest::MANIFEST_MAGIC).unwrap();
    let mut bad = VersionEdit::default();
    bad.delete_file(1, 0, 999);
    log.append(&bad.encode()).unwrap();
    log.sync().unwrap();
    drop(log);
    match Manifest::open(dir.path()).unwrap_err() {
        ManifestError::Corruption { file, offset, reason } => {
            assert_eq!((file, offset), (path, record_at));
            assert!(reason.contains("file 999"), "{reason}");
        }
        other => panic!("expected corruption, got {other}"),
    }
}

#[test]
fn current_naming_a_missing_manifest_is_a_clear_error() {
    let dir = tempfile::tempdir().unwrap();
    let (manifest, _) = build(dir.path(), 1);
    let path = manifest.path().to_path_buf();
    drop(manifest);
    fs::remove_file(&path).unwrap();
    let err = Manifest::open(dir.path()).unwrap_err();
    assert!(
        matches!(&err, ManifestError::MissingManifest { manifest } if *manifest == path),
        "{err}"
    );
    assert!(err.to_string().contains("does not exist"), "{err}");
}

#[test]
fn open_without_current_says_there_is_no_database() {
    let dir = tempfile::tempdir().unwrap();
    let err = Manifest::open(dir.path()).unwrap_err();
    assert!(matches!(err, ManifestError::NoDatabase { .. }), "{err}");
}

#[test]
fn leftovers_of_a_crashed_rotation_are_ignored_then_removed() {
    let dir = tempfile::tempdir().unwrap();
    let (manifest, version) = build(dir.path(), 3);
    drop(manifest);
    // A rotation that crashed after writing MANIFEST-000002 (garbage here)
    // and CURRENT.tmp, before renaming CURRENT.tmp.
    fs::write(manifest_path(dir.path(), 2), b"half-written").unwrap();
    fs::write(dir.path().join("CURRENT.tmp"), b"SRDB-CURRENT 1\nMANIF").unwrap();
    let (mut manifest, reopened) = Manifest::open(dir.path()).unwrap();
    assert_eq!(reopened, version);
    assert!(!manifest_path(dir.path(), 2).exists());
    assert!(!dir.path().join("CURRENT.tmp").exists());
    // The next rotation can use number 2.
    manifest.set_rotate_bytes(0);
    let version = manifest.log_and_apply(&flush(4), &reopened).unwrap();
    assert_eq!(manifest.number(), 2);
    drop(manifest);
    assert_eq!(Manifest::open(dir.path()).unwrap().1, version);
    assert!(dir.path().join(CURRENT_FILE).exists());
}

#[test]
fn a_manifest_with_no_complete_record_is_corruption() {
    let dir = tempfile::tempdir().unwrap();
    let (manifest, _) = build(dir.path(), 0);
    let path = manifest.path().to_path_buf();
    drop(manifest);
    let header_only = srdb_wal::FILE_HEADER_BYTES as u64;
    OpenOptions::new().write(true).open(&path).unwrap().set_len(header_only + 5).unwrap();
    let err = Manifest::open(dir.path()).unwrap_err();
    assert!(err.is_corruption() && err.to_string().contains("snapshot"), "{err}");
    // Appending junk to a healthy file is a torn tail, not corruption.
    let dir = tempfile::tempdir().unwrap();
    let (manifest, version) = build(dir.path(), 1);
    let path = manifest.path().to_path_buf();
    drop(manifest);
    OpenOptions::new().append(true).open(&path).unwrap().write_all(&[0xAB; 7]).unwrap();
    assert_eq!(Manifest::open(dir.path()).unwrap().1, version);
}

//! `Stats` lists every SST file with what its MANIFEST entry and summary
//! say: level, size, entries, tombstones, key, seqno and time ranges.

use std::path::Path;

use srdb_engine::{Engine, FileStats, KeyspaceOptions, Options, TimeSource};

fn timed() -> KeyspaceOptions {
    KeyspaceOptions { time_source: TimeSource::ValuePrefixI64, ..KeyspaceOptions::default() }
}

fn row(time: i64) -> Vec<u8> {
    let mut value = time.to_le_bytes().to_vec();
    value.extend_from_slice(b"payload");
    value
}

fn files_of(engine: &Engine, name: &str) -> Vec<FileStats> {
    let stats = engine.stats();
    let ks = stats.keyspaces.iter().find(|k| k.name == name).expect("keyspace in stats");
    for (level, summary) in ks.levels.iter().enumerate() {
        let files: Vec<_> = ks.files.iter().filter(|f| usize::from(f.level) == level).collect();
        assert_eq!(files.len(), summary.files, "level {level}");
        assert_eq!(files.iter().map(|f| f.size_bytes).sum::<u64>(), summary.bytes);
        assert_eq!(files.iter().map(|f| f.entries).sum::<u64>(), summary.entries);
    }
    ks.files.clone()
}

#[test]
fn flushed_and_compacted_files_are_listed_with_their_ranges() {
    let dir = tempfile::tempdir().unwrap();
    let engine = Engine::open(dir.path(), Options::default()).unwrap();
    let ks = engine.create_keyspace("rows", timed()).unwrap();
    let plain = engine.create_keyspace("plain", KeyspaceOptions::default()).unwrap();
    for n in 10u64..20 {
        ks.put(n.to_be_bytes(), row(n as i64 * 100)).unwrap();
    }
    plain.put("k", "v").unwrap();
    engine.flush().unwrap();
    ks.delete(12u64.to_be_bytes()).unwrap();
    ks.put(30u64.to_be_bytes(), row(-7)).unwrap();
    engine.flush().unwrap();

    let files = files_of(&engine, "rows");
    assert_eq!(files.len(), 2, "{files:?}");
    // L0 lists the newest file first.
    let (newest, oldest) = (&files[0], &files[1]);
    assert!(newest.number > oldest.number);
    assert_eq!((newest.level, oldest.level), (0, 0));
    assert_eq!((newest.entries, newest.tombstones), (2, Some(1)));
    assert_eq!((oldest.entries, oldest.tombstones), (10, Some(0)));
    assert_eq!(oldest.smallest_key, 10u64.to_be_bytes());
    assert_eq!(oldest.largest_key, 19u64.to_be_bytes());
    assert_eq!(
        (newest.smallest_key.as_slice(), newest.largest_key.as_slice()),
        (&12u64.to_be_bytes()[..], &30u64.to_be_bytes()[..])
    );
    assert_eq!(oldest.time_range, Some((1000, 1900)));
    // The tombstone has no time; the put of key 30 has.
    assert_eq!(newest.time_range, Some((-7, -7)));
    assert!(newest.min_seqno > oldest.max_seqno);
    assert!(files.iter().all(|f| f.size_bytes > 0));

    let plain_files = files_of(&engine, "plain");
    assert_eq!(plain_files.len(), 1);
    assert_eq!(plain_files[0].time_range, None, "a keyspace without a time source");

    engine.compact().unwrap();
    let files = files_of(&engine, "rows");
    assert_eq!(files.len(), 1, "{files:?}");
    let merged = &files[0];
    assert!(merged.level > 0);
    // Compacted into the last level: the tombstone and what it hid are gone.
    assert_eq!((merged.entries, merged.tombstones), (10, Some(0)));
    assert_eq!(merged.time_range, Some((-7, 1900)));
    assert_eq!(merged.smallest_key, 10u64.to_be_bytes());
    assert_eq!(merged.largest_key, 30u64.to_be_bytes());

    // What the MANIFEST and the summaries say survives a reopen.
    drop((ks, plain));
    engine.close().unwrap();
    let engine = Engine::open(dir.path(), Options::default()).unwrap();
    assert_eq!(files_of(&engine, "rows"), files);
}

/// Copies the database in `tests/data/<name>` (written by an older build)
/// into a fresh directory.
pub fn copy_fixture(name: &str) -> tempfile::TempDir {
    let from = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data").join(name);
    let dir = tempfile::tempdir().unwrap();
    copy_dir(&from, dir.path());
    dir
}

fn copy_dir(from: &Path, to: &Path) {
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            std::fs::create_dir_all(&target).unwrap();
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), &target).unwrap();
        }
    }
}

#[test]
fn files_of_sst_format_1_have_an_unknown_tombstone_count() {
    let dir = copy_fixture("v1_timed_db");
    let engine = Engine::open(dir.path(), Options::default()).unwrap();
    let files = files_of(&engine, "timed");
    assert_eq!(files.len(), 3, "{files:?}");
    assert!(files.iter().all(|f| f.tombstones.is_none()), "{files:?}");
    let ranges: Vec<_> = files.iter().map(|f| f.time_range).collect();
    assert_eq!(ranges, [Some((810, 900)), Some((410, 800)), Some((10, 400))]);
}

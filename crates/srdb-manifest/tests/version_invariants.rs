//! `Version::apply` builds the expected state and refuses edits that break
//! an invariant, with an error that says which.

use std::sync::Arc;

use srdb_key::{InternalKey, Kind};
use srdb_manifest::{FileMeta, ManifestError, Version, VersionEdit};

fn file(number: u64, smallest: &[u8], largest: &[u8], max_seqno: u64) -> FileMeta {
    FileMeta {
        number,
        size_bytes: 1000 * number,
        entries: 10,
        smallest: InternalKey::new(smallest, max_seqno, Kind::Put),
        largest: InternalKey::new(largest, 1, Kind::Put),
        min_seqno: 1,
        max_seqno,
        time_range: None,
    }
}

fn base() -> Version {
    let mut edit = VersionEdit { next_file_number: Some(100), ..VersionEdit::default() };
    edit.create_keyspace(1, "kv".into(), b"opts".to_vec());
    edit.create_keyspace(2, "rows".into(), Vec::new());
    Version::empty().apply(&edit).unwrap()
}

fn apply(v: &Version, build: impl FnOnce(&mut VersionEdit)) -> Result<Version, ManifestError> {
    let mut edit = VersionEdit::default();
    build(&mut edit);
    v.apply(&edit)
}

fn rejected(v: &Version, build: impl FnOnce(&mut VersionEdit), expected: &str) {
    match apply(v, build) {
        Err(e @ ManifestError::InvalidEdit { .. }) => {
            assert!(e.to_string().contains(expected), "{e:?} does not mention {expected:?}")
        }
        other => panic!("expected an InvalidEdit mentioning {expected:?}, got {other:?}"),
    }
}

fn numbers(v: &Version, ks: u32, level: usize) -> Vec<u64> {
    v.keyspace(ks).unwrap().levels[level].iter().map(|f| f.number).collect()
}

#[test]
fn level0_is_newest_first_and_deeper_levels_sorted_by_key() {
    let v = apply(&base(), |e| {
        e.add_file(1, 0, file(1, b"a", b"z", 10));
        e.add_file(1, 0, file(2, b"a", b"z", 30));
        e.add_file(1, 0, file(3, b"a", b"z", 20));
        e.add_file(1, 0, file(4, b"a", b"z", 30)); // same max_seqno as 2: newer number first
        e.add_file(1, 2, file(5, b"m", b"p", 5));
        e.add_file(1, 2, file(6, b"a", b"c", 5));
        e.add_file(1, 2, file(7, b"q", b"z", 5));
    })
    .unwrap();
    assert_eq!(numbers(&v, 1, 0), vec![4, 2, 3, 1]);
    assert!(v.keyspace(1).unwrap().levels[1].is_empty());
    assert_eq!(numbers(&v, 1, 2), vec![6, 5, 7]);
    assert_eq!(v.keyspace(1).unwrap().level_bytes(), vec![10_000, 0, 18_000]);
    let mut live: Vec<u64> = v.live_file_numbers().collect();
    live.sort();
    assert_eq!(live, (1..=7).collect::<Vec<_>>());

    let ks = v.keyspace(1).unwrap();
    let overlap = |level, s: &[u8], e: &[u8]| -> Vec<u64> {
        ks.overlapping_files(level, s, e).iter().map(|f| f.number).collect()
    };
    assert_eq!(overlap(2, b"b", b"n"), vec![6, 5]);
    assert_eq!(overlap(2, b"d", b"l"), Vec::<u64>::new());
    assert_eq!(overlap(2, b"p", b"q"), vec![5, 7]);
    assert_eq!(overlap(2, b"0", b"zz"), vec![6, 5, 7]);
    assert_eq!(overlap(0, b"x", b"y"), vec![4, 2, 3, 1]);
    assert_eq!(overlap(9, b"a", b"z"), Vec::<u64>::new());
}

#[test]
fn a_trivial_move_deletes_and_adds_the_same_file_in_one_edit() {
    let v = apply(&base(), |e| e.add_file(1, 0, file(9, b"a", b"b", 5))).unwrap();
    let moved = apply(&v, |e| {
        e.delete_file(1, 0, 9);
        e.add_file(1, 1, file(9, b"a", b"b", 5));
    })
    .unwrap();
    assert!(numbers(&moved, 1, 0).is_empty());
    assert_eq!(numbers(&moved, 1, 1), vec![9]);
    // Emptied trailing levels are trimmed, so equal states compare equal.
    let back = apply(&moved, |e| e.delete_file(1, 1, 9)).unwrap();
    assert_eq!(back.keyspace(1).unwrap().levels.len(), 1);
}

#[test]
fn unchanged_keyspaces_and_files_are_shared() {
    let v = apply(&base(), |e| {
        e.add_file(1, 0, file(1, b"a", b"b", 5));
        e.add_file(2, 0, file(2, b"a", b"b", 5));
    })
    .unwrap();
    let next = apply(&v, |e| e.add_file(1, 0, file(3, b"c", b"d", 6))).unwrap();
    let before = &v.keyspace(1).unwrap().levels[0];
    let after = &next.keyspace(1).unwrap().levels[0];
    assert!(Arc::ptr_eq(&before[0], &after[1]), "file 1 is shared, not copied");
    assert!(std::ptr::eq(v.keyspace(2).unwrap(), next.keyspace(2).unwrap()));
}

#[test]
fn invalid_edits_are_rejected_with_the_reason() {
    let v = apply(&base(), |e| {
        e.add_file(1, 0, file(1, b"a", b"z", 5));
        e.add_file(1, 1, file(2, b"c", b"f", 5));
        e.add_file(1, 1, file(3, b"k", b"m", 5));
    })
    .unwrap();
    rejected(&v, |e| e.add_file(2, 0, file(1, b"a", b"b", 5)), "file 1, which is already live");
    rejected(
        &v,
        |e| {
            e.add_file(2, 0, file(50, b"a", b"b", 5));
            e.add_file(2, 3, file(50, b"a", b"b", 5));
        },
        "file 50, which is already live",
    );
    // The same fresh number (not below the old next_file_number) twice.
    rejected(
        &v,
        |e| {
            e.next_file_number = Some(200);
            e.add_file(2, 0, file(150, b"a", b"b", 5));
            e.add_file(1, 4, file(150, b"a", b"b", 5));
        },
        "file 150, which is already live",
    );
    rejected(&v, |e| e.delete_file(1, 1, 1), "holds no such file");
    rejected(&v, |e| e.delete_file(1, 9, 1), "holds no such file");
    rejected(&v, |e| e.add_file(7, 0, file(60, b"a", b"b", 5)), "keyspace 7, which does not exist");
    rejected(&v, |e| e.delete_file(7, 0, 1), "keyspace 7, which does not exist");
    rejected(&v, |e| e.drop_keyspace(7), "drops keyspace 7");
    rejected(&v, |e| e.create_keyspace(1, "other".into(), vec![]), "already exists");
    rejected(&v, |e| e.create_keyspace(3, "kv".into(), vec![]), "the name of keyspace 1");
    rejected(&v, |e| e.add_file(1, 1, file(61, b"e", b"h", 5)), "overlaps file 2");
    rejected(&v, |e| e.add_file(1, 1, file(62, b"a", b"c", 5)), "overlaps file 2");
    rejected(&v, |e| e.add_file(1, 1, file(63, b"g", b"z", 5)), "overlaps file 3");
    rejected(&v, |e| e.add_file(1, 1, file(64, b"z", b"a", 5)), "smallest key");
    rejected(&v, |e| e.add_file(1, 64, file(65, b"a", b"b", 5)), "limit of 64 levels");
    rejected(&v, |e| e.add_file(1, 0, file(100, b"a", b"b", 5)), "not below next_file_number");
    rejected(&v, |e| e.next_file_number = Some(99), "moves next_file_number back");
    let counted = apply(&v, |e| {
        e.last_seqno = Some(10);
        e.log_number = Some(4);
    })
    .unwrap();
    rejected(&counted, |e| e.last_seqno = Some(9), "moves last_seqno back");
    rejected(&counted, |e| e.log_number = Some(3), "moves log_number back");
    // Adjacent files may share a user key at their boundary when their
    // internal keys do not overlap (versions of one key split across files).
    let mut touching = file(66, b"f", b"g", 5);
    touching.smallest = InternalKey::new(b"f", 0, Kind::Delete);
    let v2 = apply(&v, |e| e.add_file(1, 1, touching)).unwrap();
    assert_eq!(numbers(&v2, 1, 1), vec![2, 66, 3]);
}

#[test]
fn dropping_a_keyspace_drops_its_files_and_frees_its_name() {
    let v = apply(&base(), |e| e.add_file(1, 0, file(1, b"a", b"b", 5))).unwrap();
    let dropped = apply(&v, |e| e.drop_keyspace(1)).unwrap();
    assert!(dropped.keyspace(1).is_none());
    assert_eq!(dropped.live_file_numbers().count(), 0);
    let recreated = apply(&dropped, |e| e.create_keyspace(3, "kv".into(), vec![])).unwrap();
    assert_eq!(recreated.keyspace_by_name("kv").unwrap().id, 3);
}

#[test]
fn the_snapshot_edit_rebuilds_the_version() {
    let v = apply(&base(), |e| {
        e.add_file(1, 0, file(1, b"a", b"z", 10));
        e.add_file(1, 0, file(2, b"a", b"z", 30));
        e.add_file(2, 3, file(3, b"c", b"d", 5));
        e.last_seqno = Some(30);
        e.log_number = Some(2);
    })
    .unwrap();
    let snapshot = v.snapshot_edit();
    assert_eq!(Version::empty().apply(&snapshot).unwrap(), v);
    assert_eq!(VersionEdit::decode(&snapshot.encode()).unwrap(), snapshot);
}

//! The database catalogue: tables are created, listed, dropped, cleaned and
//! found again after a reopen; damaged tables are reported without stopping
//! the rest of the database.

use srdb::{Database, DbError, FieldType, Row, Schema, TableOptions, Value};

fn people() -> Schema {
    Schema::builder()
        .field("name", FieldType::String)
        .field("age", FieldType::Int32)
        .indexed()
        .nullable()
        .build()
        .unwrap()
}

#[test]
fn tables_are_listed_sorted_and_survive_reopen() {
    let dir = tempfile::tempdir().unwrap();
    let db = Database::open(dir.path()).unwrap();
    for name in ["zebra", "apple", "mango"] {
        db.create_table(name, people()).unwrap();
    }
    assert!(matches!(db.create_table("apple", people()), Err(DbError::TableExists { .. })));
    assert_eq!(db.tables(), ["apple", "mango", "zebra"]);
    let t = db.table("mango").unwrap();
    let seq = t.insert(Row::new().with("name", "Ada").with("age", 36)).unwrap();
    db.kv().put("k", "v").unwrap();
    db.close().unwrap();
    drop(t);

    let db = Database::open(dir.path()).unwrap();
    assert_eq!(db.tables(), ["apple", "mango", "zebra"]);
    assert!(db.damaged_tables().is_empty());
    let t = db.table("mango").unwrap();
    assert_eq!(t.schema().as_ref(), &people());
    assert_eq!(t.get(seq).unwrap().unwrap().get("name"), Some(&Value::from("Ada")));
    assert_eq!(db.kv().get("k").unwrap().as_deref(), Some(&b"v"[..]));
    assert!(matches!(db.table("nope"), Err(DbError::TableNotFound { .. })));
}

#[test]
fn table_names_are_checked() {
    let dir = tempfile::tempdir().unwrap();
    let db = Database::open(dir.path()).unwrap();
    for bad in ["", "__hidden", "has space", "1abc", &"x".repeat(65)] {
        let err = db.create_table(bad, people()).unwrap_err();
        assert!(matches!(err, DbError::InvalidTableName { .. }), "{bad:?}: {err}");
    }
    db.create_table("ok_名字_1", people()).unwrap();
}

#[test]
fn dropped_table_is_gone_with_its_keyspaces_and_handles_fail() {
    let dir = tempfile::tempdir().unwrap();
    let db = Database::open(dir.path()).unwrap();
    let t = db.create_table("t", people()).unwrap();
    t.insert(Row::new().with("name", "a").with("age", 1)).unwrap();
    let keyspaces_before = db.engine().keyspace_names();
    db.drop_table("t").unwrap();
    assert!(db.tables().is_empty());
    assert!(matches!(t.get(1), Err(DbError::TableDropped { .. })));
    assert!(matches!(db.drop_table("t"), Err(DbError::TableNotFound { .. })));
    let after = db.engine().keyspace_names();
    assert!(after.iter().all(|n| !n.starts_with("__table.")), "{after:?}");
    assert!(keyspaces_before.len() > after.len());

    // The same name again is a new, empty table whose `_seq` starts over.
    let again = db.create_table("t", people()).unwrap();
    assert_eq!(again.scan().unwrap().count(), 0);
    drop((t, again));
    db.close().unwrap();
    let db = Database::open(dir.path()).unwrap();
    assert_eq!(db.tables(), ["t"]);
}

#[test]
fn clean_empties_the_table_keeps_schema_indexes_and_never_reuses_seq() {
    let dir = tempfile::tempdir().unwrap();
    let db = Database::open(dir.path()).unwrap();
    let t = db.create_table_with("t", people(), TableOptions::default()).unwrap();
    let seqs = t
        .insert_batch((0..10).map(|i| Row::new().with("name", format!("n{i}")).with("age", i)))
        .unwrap();
    db.clean_table("t").unwrap();
    assert_eq!(t.row_count().unwrap(), 0);
    assert_eq!(t.scan().unwrap().count(), 0);
    assert_eq!(t.list_indexes().unwrap().len(), 1);
    let next = t.insert(Row::new().with("name", "x").with("age", 1)).unwrap();
    assert!(next >= seqs.end, "{next} reuses a _seq below {}", seqs.end);
    db.close().unwrap();
    drop(t);

    let db = Database::open(dir.path()).unwrap();
    let t = db.table("t").unwrap();
    assert_eq!(t.row_count().unwrap(), 1);
    assert!(t.insert(Row::new().with("name", "y").with("age", 2)).unwrap() > next);
}

/// Truncates every file in `files` to half its size.
fn truncate_all(files: &[std::path::PathBuf]) {
    for f in files {
        let len = std::fs::metadata(f).unwrap().len();
        std::fs::OpenOptions::new().write(true).open(f).unwrap().set_len(len / 2).unwrap();
    }
}

fn sst_files(dir: &std::path::Path) -> std::collections::BTreeSet<std::path::PathBuf> {
    std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "sst"))
        .collect()
}

#[test]
fn a_table_with_damaged_files_is_reported_and_the_rest_opens() {
    let dir = tempfile::tempdir().unwrap();
    {
        let db = Database::open(dir.path()).unwrap();
        let good = db.create_table("good", people()).unwrap();
        let bad = db.create_table("bad", people()).unwrap();
        db.flush().unwrap();
        good.insert(Row::new().with("name", "g").with("age", 1)).unwrap();
        db.flush().unwrap();
        let before = sst_files(dir.path());
        bad.insert(Row::new().with("name", "b").with("age", 2)).unwrap();
        db.flush().unwrap();
        let bad_files: Vec<_> = sst_files(dir.path()).difference(&before).cloned().collect();
        assert!(!bad_files.is_empty());
        db.close().unwrap();
        drop((good, bad));
        truncate_all(&bad_files);
    }
    let db = Database::open(dir.path()).unwrap();
    let damaged = db.damaged_tables();
    assert_eq!(damaged.len(), 1, "{damaged:?}");
    assert_eq!(damaged[0].0, "bad");
    assert!(!damaged[0].1.is_empty());
    assert_eq!(db.tables(), ["good"]);
    let err = db.table("bad").unwrap_err();
    assert!(matches!(err, DbError::TableDamaged { .. }) && err.is_corruption(), "{err}");
    assert!(err.to_string().contains("bad"), "{err}");

    let good = db.table("good").unwrap();
    assert_eq!(good.scan().unwrap().count(), 1);
    good.insert(Row::new().with("name", "g2").with("age", 3)).unwrap();
    db.kv().put("still", "works").unwrap();

    // Dropping the damaged table removes it for good.
    db.drop_table("bad").unwrap();
    assert!(db.damaged_tables().is_empty());
    db.close().unwrap();
    drop(good);
    let db = Database::open(dir.path()).unwrap();
    assert!(db.damaged_tables().is_empty());
    assert_eq!(db.tables(), ["good"]);
    assert_eq!(db.table("good").unwrap().scan().unwrap().count(), 2);
}

#[test]
fn table_options_survive_clean_index_creation_and_reopen() {
    let dir = tempfile::tempdir().unwrap();
    let db = Database::open(dir.path()).unwrap();
    let opts = TableOptions::default().caller_time(true).compression(srdb::Compression::None);
    let t = db.create_table_with("t", people(), opts).unwrap();
    t.create_index("name").unwrap();
    db.clean_table("t").unwrap();
    assert_eq!(t.options(), opts);
    let none = |name: &str| db.engine().keyspace(name).unwrap().options().compression;
    let table_keyspaces: Vec<String> =
        db.engine().keyspace_names().into_iter().filter(|n| n.starts_with("__table.")).collect();
    assert_eq!(table_keyspaces.len(), 3, "{table_keyspaces:?}");
    assert!(table_keyspaces.iter().all(|n| none(n) == srdb::Compression::None));
    drop(t);
    db.close().unwrap();
    let db = Database::open(dir.path()).unwrap();
    assert_eq!(db.table("t").unwrap().options(), opts);
    assert_eq!(TableOptions::default().compression, srdb::Compression::Snappy);
}

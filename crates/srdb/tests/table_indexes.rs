//! Secondary indexes: unique constraints (also under concurrent inserts),
//! backfill while other threads write, index entries after a restart without
//! a clean close, and the consistency check catching a stray entry.

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Barrier};

use srdb::{Database, DbError, FieldType, IndexState, Row, Schema, Value};

fn open() -> (tempfile::TempDir, Database) {
    let dir = tempfile::tempdir().unwrap();
    let db = Database::open(dir.path()).unwrap();
    (dir, db)
}

fn emails() -> Schema {
    Schema::builder()
        .field("email", FieldType::String)
        .nullable()
        .unique()
        .field("n", FieldType::Int)
        .build()
        .unwrap()
}

#[test]
fn unique_values_are_refused_stored_or_within_a_batch_and_null_is_never_a_duplicate() {
    let (_dir, db) = open();
    let t = db.create_table("users", emails()).unwrap();
    let first = t.insert(Row::new().with("email", "a@x").with("n", 1)).unwrap();
    let err = t.insert(Row::new().with("email", "a@x").with("n", 2)).unwrap_err();
    match &err {
        DbError::UniqueViolation { field, existing_seq, .. } => {
            assert_eq!(field, "email");
            assert_eq!(*existing_seq, first);
        }
        other => panic!("{other}"),
    }
    assert!(err.to_string().contains("`email`") && err.to_string().contains("a@x"), "{err}");
    let batch =
        [("b@x", 1), ("c@x", 2), ("b@x", 3)].map(|(e, n)| Row::new().with("email", e).with("n", n));
    assert!(matches!(t.insert_batch(batch), Err(DbError::UniqueViolation { .. })));
    assert_eq!(t.row_count().unwrap(), 1);
    for n in 0..3 {
        t.insert(Row::new().with("email", Value::Null).with("n", n)).unwrap();
    }
    // A deleted value is free again.
    t.delete(first).unwrap();
    t.insert(Row::new().with("email", "a@x").with("n", 9)).unwrap();
    assert!(t.check().unwrap().is_ok());
    assert!(matches!(t.drop_index("email"), Err(DbError::IndexOperation { .. })));
}

#[test]
fn concurrent_inserts_of_one_unique_value_let_exactly_one_in() {
    let (_dir, db) = open();
    let t = db.create_table("users", emails()).unwrap();
    let barrier = Arc::new(Barrier::new(8));
    let handles: Vec<_> = (0..8)
        .map(|thread| {
            let (t, barrier) = (t.clone(), barrier.clone());
            std::thread::spawn(move || {
                barrier.wait();
                let mut won = 0;
                for v in 0..200 {
                    match t.insert(Row::new().with("email", format!("{v}@x")).with("n", thread)) {
                        Ok(_) => won += 1,
                        Err(DbError::UniqueViolation { .. }) => {}
                        Err(e) => panic!("{e}"),
                    }
                }
                won
            })
        })
        .collect();
    let total: usize = handles.into_iter().map(|h| h.join().unwrap()).sum();
    assert_eq!(total, 200);
    assert_eq!(t.row_count().unwrap(), 200);
    assert!(t.check().unwrap().is_ok());
}

#[test]
fn backfill_with_concurrent_inserts_and_deletes_ends_consistent() {
    let (_dir, db) = open();
    let schema = Schema::builder().field("v", FieldType::Int).build().unwrap();
    let t = db.create_table("t", schema).unwrap();
    t.insert_batch((0..5000).map(|i| Row::new().with("v", i % 97))).unwrap();
    db.flush().unwrap();
    let stop = Arc::new(AtomicBool::new(false));
    let written = Arc::new(AtomicU64::new(0));
    let writer = {
        let (t, stop, written) = (t.clone(), stop.clone(), written.clone());
        std::thread::spawn(move || {
            let mut n = 0u64;
            while !stop.load(Ordering::Acquire) {
                written.store(n, Ordering::Release);
                let seq = t.insert(Row::new().with("v", (n % 13) as i64)).unwrap();
                // Delete old rows and fresh ones, ahead of and behind the
                // backfill.
                t.delete(1 + (n * 7919) % 5000).unwrap();
                if n.is_multiple_of(3) {
                    t.delete(seq).unwrap();
                }
                n += 1;
            }
            n
        })
    };
    // The writer is running before the backfill starts and after it ends.
    while written.load(Ordering::Acquire) < 20 {
        std::thread::yield_now();
    }
    let mut reports = Vec::new();
    t.create_index_with_progress("v", |p| reports.push(p)).unwrap();
    let at_end = written.load(Ordering::Acquire);
    while written.load(Ordering::Acquire) < at_end + 20 {
        std::thread::yield_now();
    }
    stop.store(true, Ordering::Release);
    writer.join().unwrap();
    assert!(reports.len() >= 5, "{} progress reports", reports.len());
    assert!(reports.windows(2).all(|w| w[0].seq_reached < w[1].seq_reached));
    assert!(reports.last().unwrap().seq_end >= 5000);
    assert_eq!(
        t.list_indexes().unwrap().iter().map(|i| (i.field.as_str(), i.state)).collect::<Vec<_>>(),
        [("v", IndexState::Ready)]
    );
    let report = t.check().unwrap();
    assert!(report.is_ok(), "{report:?}");
    assert_eq!(report.index_entries, [("v".to_owned(), t.row_count().unwrap())]);
    assert!(matches!(t.create_index("v"), Err(DbError::IndexOperation { .. })));
}

#[test]
fn index_entries_survive_a_restart_without_close() {
    let dir = tempfile::tempdir().unwrap();
    let opts = srdb::Options { sync: srdb::SyncPolicy::Always, ..srdb::Options::default() };
    {
        let db = Database::open_with(dir.path(), opts.clone()).unwrap();
        let schema = Schema::builder().field("v", FieldType::Int).indexed().build().unwrap();
        let t = db.create_table("t", schema).unwrap();
        t.insert_batch((0..300).map(|i| Row::new().with("v", i))).unwrap();
        db.flush().unwrap();
        t.insert_batch((300..600).map(|i| Row::new().with("v", i))).unwrap();
        for seq in (1..600).step_by(7) {
            t.delete(seq).unwrap();
        }
        // Dropped without close: the unflushed rows and entries come back
        // from the WAL.
    }
    let db = Database::open_with(dir.path(), opts).unwrap();
    let t = db.table("t").unwrap();
    let report = t.check().unwrap();
    assert!(report.is_ok(), "{report:?}");
    assert_eq!(report.rows, 600 - 86);
    assert_eq!(report.index_entries, [("v".to_owned(), 600 - 86)]);
}

#[test]
fn index_operations_are_checked() {
    let (_dir, db) = open();
    let schema = Schema::builder()
        .field("doc", FieldType::Object)
        .nullable()
        .field("v", FieldType::Int)
        .indexed()
        .build()
        .unwrap();
    let t = db.create_table("t", schema).unwrap();
    let msg = |e: DbError| e.to_string();
    assert!(msg(t.create_index("doc").unwrap_err()).contains("cannot be indexed"));
    assert!(matches!(t.create_index("nope"), Err(DbError::FieldNotFound { .. })));
    assert!(msg(t.create_index("v").unwrap_err()).contains("exists"));
    assert!(msg(t.drop_index("doc").unwrap_err()).contains("no such index"));
    t.drop_index("v").unwrap();
    assert!(t.list_indexes().unwrap().is_empty());
    t.insert(Row::new().with("v", 5)).unwrap();
    t.create_index("v").unwrap();
    assert!(t.check().unwrap().is_ok());
}

#[test]
fn check_finds_an_entry_without_its_row() {
    let (_dir, db) = open();
    let schema = Schema::builder().field("v", FieldType::Int).build().unwrap();
    let t = db.create_table("t", schema).unwrap();
    t.insert(Row::new().with("v", 1)).unwrap();
    let before = db.engine().keyspace_names();
    t.create_index("v").unwrap();
    let index_ks = db.engine().keyspace_names().into_iter().find(|n| !before.contains(n)).unwrap();
    assert!(t.check().unwrap().is_ok());
    let ks = db.engine().keyspace(&index_ks).unwrap();
    ks.put(srdb_index::index_key(&Value::Int(1), 42), []).unwrap();
    let report = t.check().unwrap();
    assert!(!report.is_ok());
    assert!(report.problems.iter().any(|p| p.contains("_seq 42")), "{report:?}");
}

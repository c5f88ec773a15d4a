//! `Table::keyspaces` names the same engine keyspaces as `Table::stats`,
//! follows index changes, and refuses a dropped table.

use srdb::{Database, DbError, FieldType, Row, Schema};

#[test]
fn keyspaces_match_stats_and_follow_index_changes() {
    let dir = tempfile::tempdir().unwrap();
    let db = Database::open(dir.path()).unwrap();
    let schema = Schema::builder()
        .field("name", FieldType::String)
        .indexed()
        .field("age", FieldType::Int64)
        .build()
        .unwrap();
    let t = db.create_table("people", schema).unwrap();
    t.insert(Row::new().with("name", "ada").with("age", 36i64)).unwrap();

    let ks = t.keyspaces().unwrap();
    let stats = t.stats().unwrap();
    assert_eq!(ks.rows, stats.rows_keyspace);
    assert_eq!(ks.indexes, stats.index_keyspaces);
    assert_eq!(ks.indexes.len(), 1);
    assert_eq!(ks.indexes[0].0, "name");
    let engine: Vec<String> = db.engine().stats().keyspaces.into_iter().map(|k| k.name).collect();
    assert!(engine.contains(&ks.rows) && engine.contains(&ks.indexes[0].1), "{engine:?}");
    assert_ne!(ks.rows, ks.indexes[0].1);

    t.create_index("age").unwrap();
    let with_age = t.keyspaces().unwrap();
    assert_eq!(with_age.rows, ks.rows);
    assert_eq!(with_age.indexes.len(), 2);
    assert_eq!(with_age.indexes, t.stats().unwrap().index_keyspaces);
    t.drop_index("name").unwrap();
    let fields: Vec<String> = t.keyspaces().unwrap().indexes.into_iter().map(|(f, _)| f).collect();
    assert_eq!(fields, ["age"]);

    db.drop_table("people").unwrap();
    assert!(matches!(t.keyspaces(), Err(DbError::TableDropped { .. })));
}

//! Rows through a table: every type round trips, NULL stays distinct from
//! zero, validation names the field, batches are atomic, `_seq` is unique
//! across threads and never reused, `_time` and retention, schema evolution.

use std::sync::Arc;

use serde::{Deserialize, Serialize};
use srdb::{Database, DbError, Decimal, Field, FieldType, Row, Schema, TableOptions, Value};

fn open() -> (tempfile::TempDir, Database) {
    let dir = tempfile::tempdir().unwrap();
    let db = Database::open(dir.path()).unwrap();
    (dir, db)
}

/// One nullable field per type, named after it, with boundary values.
fn all_types() -> (Schema, Vec<Row>) {
    let mut builder = Schema::builder();
    for ty in FieldType::ALL {
        builder = builder.field(ty.name(), ty).nullable();
    }
    let schema = builder.build().unwrap();
    let obj: serde_json::Map<String, serde_json::Value> =
        serde_json::from_str(r#"{"a":{"b":[1,2.5,null,"x"]},"z":true}"#).unwrap();
    let arr: Vec<serde_json::Value> = serde_json::from_str(r#"[[1,[2,[3]]],{"k":"v"}]"#).unwrap();
    let low = Row::new()
        .with("int", i64::MIN)
        .with("int8", i8::MIN)
        .with("int16", i16::MIN)
        .with("int32", i32::MIN)
        .with("int64", i64::MIN)
        .with("uint", 0u64)
        .with("uint8", Value::Uint(0))
        .with("uint16", 0u16)
        .with("uint32", 0u32)
        .with("uint64", 0u64)
        .with("float32", f32::NEG_INFINITY)
        .with("float64", -0.0f64)
        .with("string", "")
        .with("bool", false)
        .with("byte", 0u8)
        .with("rune", '\0')
        .with("decimal", Decimal::MIN)
        .with("time", Value::Time(i64::MIN))
        .with("duration", Value::Duration(i64::MIN))
        .with("object", serde_json::Map::new())
        .with("array", Vec::<serde_json::Value>::new())
        .with("bytes", Vec::<u8>::new());
    let high = Row::new()
        .with("int", i64::MAX)
        .with("int8", i8::MAX)
        .with("int16", i16::MAX)
        .with("int32", i32::MAX)
        .with("int64", i64::MAX)
        .with("uint", u64::MAX)
        .with("uint8", Value::Uint(255))
        .with("uint16", u16::MAX)
        .with("uint32", u32::MAX)
        .with("uint64", u64::MAX)
        .with("float32", f32::from_bits(0x7fc0_0001))
        .with("float64", f64::NAN)
        .with("string", "x".repeat(1 << 20))
        .with("bool", true)
        .with("byte", 255u8)
        .with("rune", char::MAX)
        .with("decimal", "0.0000000000000000000000000001".parse::<Decimal>().unwrap())
        .with("time", Value::Time(1_700_000_000_123_456_789))
        .with("duration", Value::Duration(i64::MAX))
        .with("object", obj)
        .with("array", arr)
        .with("bytes", vec![0u8, 255, 0, 1]);
    let nulls: Row = FieldType::ALL.iter().map(|t| (t.name(), Value::Null)).collect();
    (schema, vec![low, high, nulls])
}

fn fields_of(row: &Row) -> Vec<(String, Value)> {
    row.iter()
        .filter(|(n, _)| !n.starts_with('_'))
        .map(|(n, v)| (n.to_owned(), v.clone()))
        .collect()
}

fn sorted(row: &Row) -> Vec<(String, Value)> {
    let mut v = fields_of(row);
    v.sort_by(|a, b| a.0.cmp(&b.0));
    v
}

#[test]
fn every_type_round_trips_at_its_boundaries_also_after_flush_and_reopen() {
    let (dir, db) = open();
    let (schema, rows) = all_types();
    let t = db.create_table("types", schema.clone()).unwrap();
    let seqs = t.insert_batch(rows.clone()).unwrap();
    let check = |t: &srdb::Table| {
        for (seq, row) in seqs.clone().zip(&rows) {
            let expected = sorted(&schema.validate(row).unwrap().to_row(&schema));
            let back = t.get(seq).unwrap().unwrap();
            assert_eq!(back.get("_seq"), Some(&Value::Uint(seq)));
            assert_eq!(sorted(&back), expected, "row {seq}");
            // One field alone decodes to the same value.
            for (name, value) in &expected {
                let one = t.get_fields(seq, &[name]).unwrap().unwrap();
                assert_eq!(one.get(name), Some(value), "{name}");
            }
        }
    };
    check(&t);
    db.flush().unwrap();
    check(&t);
    drop(t);
    db.close().unwrap();
    let db = Database::open(dir.path()).unwrap();
    check(&db.table("types").unwrap());
}

#[test]
fn null_is_not_zero_and_defaults_fill_missing_fields() {
    let (_dir, db) = open();
    let schema = Schema::builder()
        .field("n", FieldType::Int)
        .nullable()
        .field("s", FieldType::String)
        .nullable()
        .field("city", FieldType::String)
        .default_value("Beijing")
        .build()
        .unwrap();
    let t = db.create_table("t", schema).unwrap();
    let zero = t.insert(Row::new().with("n", 0).with("s", "")).unwrap();
    let null = t.insert(Row::new().with("n", Value::Null).with("s", Value::Null)).unwrap();
    let absent = t.insert(Row::new()).unwrap();
    let get = |seq, f: &str| t.get(seq).unwrap().unwrap().get(f).cloned().unwrap();
    assert_eq!(get(zero, "n"), Value::Int(0));
    assert_eq!(get(zero, "s"), Value::from(""));
    assert_eq!(get(null, "n"), Value::Null);
    assert_eq!(get(null, "s"), Value::Null);
    assert_eq!(get(absent, "n"), Value::Null);
    assert_eq!(get(absent, "city"), Value::from("Beijing"));
}

#[test]
fn validation_errors_name_the_table_and_field() {
    let (_dir, db) = open();
    let schema = Schema::builder()
        .field("name", FieldType::String)
        .required()
        .field("age", FieldType::Int8)
        .nullable()
        .build()
        .unwrap();
    let t = db.create_table("people", schema).unwrap();
    let cases: Vec<(Row, &str)> = vec![
        (Row::new().with("name", "a").with("age", 300), "age"),
        (Row::new().with("name", "a").with("age", "old"), "age"),
        (Row::new().with("age", 3), "name"),
        (Row::new().with("name", Value::Null), "name"),
        (Row::new().with("name", "a").with("email", "x"), "email"),
        (Row::new().with("name", "a").with("_seq", 7u64), "_seq"),
        (Row::new().with("name", "a").with("_time", 7), "_time"),
    ];
    for (row, field) in cases {
        let err = t.insert(row.clone()).unwrap_err();
        let text = err.to_string();
        assert!(text.contains(&format!("`{field}`")), "{row:?}: {text}");
        assert!(text.contains("people"), "{text}");
    }
    assert_eq!(t.row_count().unwrap(), 0);
    assert!(matches!(t.get_fields(1, &["nope"]), Err(DbError::FieldNotFound { .. })));
}

#[test]
fn a_batch_with_one_invalid_row_inserts_nothing() {
    let (_dir, db) = open();
    let schema = Schema::builder().field("v", FieldType::Uint8).indexed().build().unwrap();
    let t = db.create_table("t", schema).unwrap();
    let mut rows: Vec<Row> = (0..100u64).map(|i| Row::new().with("v", i)).collect();
    rows[57] = Row::new().with("v", 256u64);
    let err = t.insert_batch(rows).unwrap_err();
    assert!(err.to_string().contains("`v`"), "{err}");
    assert_eq!(t.scan().unwrap().count(), 0);
    assert_eq!(t.row_count().unwrap(), 0);
    let idx = db.engine().stats();
    assert!(idx.keyspaces.iter().all(|k| k.memtable_bytes == 0 || !k.name.starts_with("__table")));
    let ok = t.insert_batch((0..3u64).map(|i| Row::new().with("v", i))).unwrap();
    assert_eq!(ok.end - ok.start, 3);
    assert_eq!(t.scan().unwrap().count(), 3);
}

#[test]
fn seq_is_unique_across_threads() {
    let (_dir, db) = open();
    let schema = Schema::builder().field("thread", FieldType::Int).build().unwrap();
    let t = db.create_table("t", schema).unwrap();
    let threads: Vec<_> = (0..8)
        .map(|i| {
            let t = t.clone();
            std::thread::spawn(move || {
                (0..1000)
                    .map(|_| t.insert(Row::new().with("thread", i)).unwrap())
                    .collect::<Vec<_>>()
            })
        })
        .collect();
    let mut all: Vec<u64> = threads.into_iter().flat_map(|h| h.join().unwrap()).collect();
    all.sort_unstable();
    all.dedup();
    assert_eq!(all.len(), 8000);
    assert_eq!(t.row_count().unwrap(), 8000);
    let scanned: Vec<u64> =
        t.scan().unwrap().map(|r| r.unwrap().get("_seq").unwrap().as_u64().unwrap()).collect();
    assert_eq!(scanned, all);
}

#[test]
fn seq_is_never_reused_after_deleting_the_highest_rows_and_reopening() {
    let dir = tempfile::tempdir().unwrap();
    let opts = srdb::Options { sync: srdb::SyncPolicy::Always, ..srdb::Options::default() };
    let schema = Schema::builder().field("v", FieldType::Int).build().unwrap();
    let mut highest = 0;
    for round in 0..4u32 {
        let db = Database::open_with(dir.path(), opts.clone()).unwrap();
        let t = match db.table("t") {
            Ok(t) => t,
            Err(_) => db.create_table("t", schema.clone()).unwrap(),
        };
        let seqs = t.insert_batch((0..5).map(|i| Row::new().with("v", i))).unwrap();
        assert!(seqs.start > highest, "round {round}: {} after {highest}", seqs.start);
        highest = seqs.end - 1;
        // Delete the newest rows, so the largest stored key goes down.
        for seq in seqs.clone().rev().take(3) {
            assert!(t.delete(seq).unwrap());
        }
        assert!(!t.delete(seqs.end - 1).unwrap());
        if round.is_multiple_of(2) {
            db.flush().unwrap();
        }
        drop(t);
        // Odd rounds end without close: the WAL is replayed at open.
        if round.is_multiple_of(2) {
            db.close().unwrap();
        }
    }
}

#[test]
fn caller_time_is_kept_and_retention_deletes_older_rows() {
    let (_dir, db) = open();
    let schema = Schema::builder().field("v", FieldType::Int).indexed().build().unwrap();
    let t = db.create_table_with("ts", schema, TableOptions::default().caller_time(true)).unwrap();
    let rows = (0..2500i64).map(|i| Row::new().with("v", i).with("_time", Value::Time(i * 10)));
    t.insert_batch(rows).unwrap();
    let now = t.insert(Row::new().with("v", -1)).unwrap();
    let first = t.get(1).unwrap().unwrap();
    assert_eq!(first.get("_time"), Some(&Value::Time(0)));
    assert!(
        t.get(now).unwrap().unwrap().get("_time").unwrap()
            > &Value::Time(1_600_000_000_000_000_000)
    );

    db.flush().unwrap();
    assert_eq!(t.delete_older_than(12_345).unwrap(), 1235);
    assert_eq!(t.row_count().unwrap(), 2501 - 1235);
    let kept: Vec<i64> = t
        .scan()
        .unwrap()
        .map(|r| match r.unwrap().get("_time").unwrap() {
            Value::Time(ns) => *ns,
            other => panic!("{other:?}"),
        })
        .collect();
    assert!(kept.iter().all(|&ns| ns >= 12_345));
    assert_eq!(kept.len(), 2501 - 1235);
    assert_eq!(t.delete_older_than(12_345).unwrap(), 0);
}

#[derive(Serialize, Deserialize, Debug, PartialEq)]
struct User {
    #[serde(rename = "_seq", default, skip_serializing_if = "Option::is_none")]
    seq: Option<u64>,
    name: String,
    age: Option<i32>,
}

#[test]
fn structs_go_in_and_come_back() {
    let (_dir, db) = open();
    let schema = Schema::builder()
        .field("name", FieldType::String)
        .field("age", FieldType::Int32)
        .nullable()
        .build()
        .unwrap();
    let t = db.create_table("users", schema).unwrap();
    let ada = User { seq: None, name: "Ada".into(), age: Some(36) };
    let seq = t.insert_struct(&ada).unwrap();
    let range = t.insert_structs(&[User { seq: None, name: "Bob".into(), age: None }]).unwrap();
    let back: User = t.get_as(seq).unwrap().unwrap();
    assert_eq!(back, User { seq: Some(seq), ..ada });
    let bob: User = t.get_as(range.start).unwrap().unwrap();
    assert_eq!(bob.age, None);
    assert!(t.get_as::<User>(999).unwrap().is_none());
}

#[test]
fn scans_run_both_ways_and_by_seq_range() {
    let (_dir, db) = open();
    let schema = Schema::builder().field("v", FieldType::Int).build().unwrap();
    let t = db.create_table("t", schema).unwrap();
    t.insert_batch((0..50).map(|i| Row::new().with("v", i))).unwrap();
    db.flush().unwrap();
    t.insert_batch((50..100).map(|i| Row::new().with("v", i))).unwrap();
    let v = |r: srdb::DbResult<Row>| r.unwrap().get("v").unwrap().as_i64().unwrap();
    let fwd: Vec<i64> = t.scan().unwrap().map(v).collect();
    assert_eq!(fwd, (0..100).collect::<Vec<_>>());
    let back: Vec<i64> = t.scan().unwrap().rev().map(v).collect();
    assert_eq!(back, (0..100).rev().collect::<Vec<_>>());
    let mid: Vec<i64> = t.scan_range(41..=60).unwrap().map(v).collect();
    assert_eq!(mid, (40..60).collect::<Vec<_>>());
}

#[test]
fn added_fields_read_as_default_or_null_in_old_rows_and_persist() {
    let dir = tempfile::tempdir().unwrap();
    let db = Database::open(dir.path()).unwrap();
    let schema = Schema::builder().field("name", FieldType::String).build().unwrap();
    let t = db.create_table("t", schema).unwrap();
    let old = t.insert(Row::new().with("name", "old")).unwrap();
    t.add_field(Field::new("vip", FieldType::Bool).default_value(false)).unwrap();
    t.add_field(Field::new("score", FieldType::Float64).nullable().indexed()).unwrap();
    assert!(t.add_field(Field::new("bad", FieldType::Int)).is_err());
    assert!(t
        .add_field(Field::new("u", FieldType::Int).nullable().unique().default_value(1))
        .is_err());
    let new =
        t.insert(Row::new().with("name", "new").with("vip", true).with("score", 1.5)).unwrap();
    let check = |t: &srdb::Table| {
        let o = t.get(old).unwrap().unwrap();
        assert_eq!(o.get("vip"), Some(&Value::Bool(false)));
        assert_eq!(o.get("score"), Some(&Value::Null));
        let n = t.get(new).unwrap().unwrap();
        assert_eq!(n.get("score"), Some(&Value::Float64(1.5)));
        assert_eq!(t.schema().version(), 3);
        assert_eq!(t.list_indexes().unwrap().len(), 1);
    };
    check(&t);
    drop(t);
    db.close().unwrap();
    let db = Database::open(dir.path()).unwrap();
    check(&db.table("t").unwrap());
}

#[test]
fn stats_count_rows_and_bytes() {
    let (_dir, db) = open();
    let schema = Schema::builder().field("v", FieldType::Int).indexed().build().unwrap();
    let t = db.create_table("t", schema).unwrap();
    t.insert_batch((0..1000).map(|i| Row::new().with("v", i))).unwrap();
    t.delete(5).unwrap();
    db.flush().unwrap();
    let s = t.stats().unwrap();
    assert_eq!(s.rows, 999);
    assert!(s.rows_disk_bytes > 0 && s.index_disk_bytes > 0, "{s:?}");
    assert!(s.levels.iter().map(|l| l.files).sum::<usize>() >= 1);
    assert_eq!(s.next_seq, 1001);
    let db2 = Arc::new(db);
    assert_eq!(db2.table("t").unwrap().row_count().unwrap(), 999);
}

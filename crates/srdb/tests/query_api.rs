//! The query API of a table: text queries, the plan chosen, count, first,
//! last, paginate, projection, structs, streaming, and errors that point at
//! the problem.

use serde::Deserialize;
use srdb::{Database, DbError, Direction, Expr, FieldType, Row, Schema, Table, Value};

fn people(db: &Database) -> Table {
    let schema = Schema::builder()
        .field("name", FieldType::String)
        .field("age", FieldType::Int32)
        .nullable()
        .indexed()
        .field("city", FieldType::String)
        .indexed()
        .field("score", FieldType::Float64)
        .build()
        .unwrap();
    let t = db.create_table("people", schema).unwrap();
    let cities = ["Beijing", "Shanghai", "Shenzhen", "Paris"];
    t.insert_batch((0..1000).map(|i| {
        Row::new()
            .with("name", format!("{}{i}", if i % 3 == 0 { "A" } else { "B" }))
            .with("age", if i % 10 == 0 { Value::Null } else { Value::Int(i % 80) })
            .with("city", cities[(i % 4) as usize])
            .with("score", (i % 101) as f64 / 10.0)
    }))
    .unwrap();
    t
}

fn ints(rows: &[Row], field: &str) -> Vec<i64> {
    rows.iter().map(|r| r.get(field).and_then(Value::as_i64).unwrap()).collect()
}

#[test]
fn text_queries_use_indexes_and_give_the_rows_asked_for() {
    let dir = tempfile::tempdir().unwrap();
    let db = Database::open(dir.path()).unwrap();
    let t = people(&db);
    let q = t
        .query_text(
            "age >= 18 AND (city = 'Beijing' OR city IN ('Shanghai', 'Shenzhen')) AND NOT name STARTS WITH 'A' ORDER BY age DESC LIMIT 10 OFFSET 20",
        )
        .unwrap();
    let plan = q.explain().unwrap();
    assert!(plan.starts_with("IndexRanges city"), "{plan}");
    let rows = q.all().unwrap();
    assert_eq!(rows.len(), 10);
    // Every row matches, and they come by age descending, then _seq descending.
    for r in &rows {
        assert!(r.get("age").unwrap().as_i64().unwrap() >= 18);
        assert_ne!(r.get("city"), Some(&Value::from("Paris")));
        assert!(!r.get("name").unwrap().as_str().unwrap().starts_with('A'));
    }
    let keys: Vec<(i64, u64)> = rows
        .iter()
        .map(|r| {
            (r.get("age").unwrap().as_i64().unwrap(), r.get("_seq").unwrap().as_u64().unwrap())
        })
        .collect();
    assert!(keys.windows(2).all(|w| w[0] > w[1]), "{keys:?}");

    let eq = t.query_text("city = 'Paris'").unwrap();
    assert!(eq.explain().unwrap().starts_with("IndexRanges city = 'Paris'"));
    assert_eq!(eq.count().unwrap(), 250);
    let union = t.query_text("age = 5 OR city = 'Paris'").unwrap();
    assert!(union.explain().unwrap().starts_with("IndexUnion"), "{}", union.explain().unwrap());
    let expected = (0..1000).filter(|i| (i % 10 != 0 && i % 80 == 5) || i % 4 == 3).count() as u64;
    assert_eq!(union.count().unwrap(), expected);
}

#[test]
fn order_by_an_unindexed_field_with_a_limit_keeps_the_top_rows() {
    let dir = tempfile::tempdir().unwrap();
    let db = Database::open(dir.path()).unwrap();
    let t = people(&db);
    let q = t.query().order_by("score", Direction::Desc).limit(3).offset(1);
    assert!(q.explain().unwrap().contains("sort score DESC top 4"), "{}", q.explain().unwrap());
    let rows = q.all().unwrap();
    // score 10.0 belongs to rows i = 100 + 101k (_seq i + 1, up to 909):
    // the largest _seq first, after skipping one.
    let seqs: Vec<u64> = rows.iter().map(|r| r.get("_seq").unwrap().as_u64().unwrap()).collect();
    assert_eq!(seqs, [808, 707, 606]);
}

#[test]
fn count_first_last_and_paginate() {
    let dir = tempfile::tempdir().unwrap();
    let db = Database::open(dir.path()).unwrap();
    let t = people(&db);
    assert_eq!(t.query().count().unwrap(), 1000);
    let adults = t.query().filter(Expr::field("age").gte(18));
    let n = (0..1000).filter(|i| i % 10 != 0 && i % 80 >= 18).count() as u64;
    assert_eq!(adults.count().unwrap(), n);
    assert_eq!(adults.clone().limit(5).count().unwrap(), 5);
    let first = adults.first().unwrap().unwrap();
    assert_eq!(first.get("_seq"), Some(&Value::Uint(19)));
    let last = adults.last().unwrap().unwrap();
    assert_eq!(last.get("_seq"), Some(&Value::Uint(1000)));
    let by_age = adults.clone().order_by("age", Direction::Asc);
    assert_eq!(by_age.first().unwrap().unwrap().get("age"), Some(&Value::Int(18)));
    assert_eq!(by_age.last().unwrap().unwrap().get("age"), Some(&Value::Int(79)));

    let page = adults.paginate(3, 7).unwrap();
    assert_eq!(page.total, n);
    let all = adults.all().unwrap();
    assert_eq!(page.rows, all[14..21]);
    let beyond = adults.paginate(1000, 7).unwrap();
    assert!(beyond.rows.is_empty());
    assert_eq!(beyond.total, n);
    assert!(t.query_text("age > 200").unwrap().first().unwrap().is_none());
}

#[derive(Deserialize, Debug)]
struct Person {
    #[serde(rename = "_seq")]
    seq: u64,
    name: String,
    age: Option<i32>,
}

#[test]
fn projection_and_structs() {
    let dir = tempfile::tempdir().unwrap();
    let db = Database::open(dir.path()).unwrap();
    let t = people(&db);
    let rows = t.query_text("SELECT name, _seq WHERE _seq <= 3").unwrap().all().unwrap();
    assert_eq!(
        rows,
        (1..=3u64)
            .map(|s| Row::new()
                .with("name", format!("{}{}", if (s - 1) % 3 == 0 { "A" } else { "B" }, s - 1))
                .with("_seq", s))
            .collect::<Vec<_>>()
    );
    let people: Vec<Person> =
        t.query().filter(Expr::field("_seq").between(10u64, 12u64)).structs().unwrap();
    assert_eq!(people.iter().map(|p| p.seq).collect::<Vec<_>>(), [10, 11, 12]);
    assert_eq!(people[0].age, Some(9));
    assert_eq!(people[1].age, None);
    assert_eq!(people[1].name, "B10");
    assert_eq!(
        ints(&t.query().select(["age"]).filter(Expr::field("_seq").eq(2u64)).all().unwrap(), "age"),
        [1]
    );
}

#[test]
fn results_stream_without_reading_everything() {
    let dir = tempfile::tempdir().unwrap();
    let db = Database::open(dir.path()).unwrap();
    let t = people(&db);
    let mut rows = t.query().rows().unwrap();
    let first = rows.next().unwrap().unwrap();
    assert_eq!(first.get("_seq"), Some(&Value::Uint(1)));
    // A write after the query started is not seen: one snapshot.
    t.insert(Row::new().with("name", "late").with("city", "Paris").with("score", 0.0)).unwrap();
    assert_eq!(rows.count(), 999);
    assert_eq!(t.query().count().unwrap(), 1001);
}

#[test]
fn query_errors_name_the_problem() {
    let dir = tempfile::tempdir().unwrap();
    let db = Database::open(dir.path()).unwrap();
    let t = people(&db);
    let err = t.query_text("age >= ").unwrap_err();
    assert!(err.to_string().contains("error at 7"), "{err}");
    let err = t.query().filter(Expr::field("height").gt(3)).all().unwrap_err();
    assert!(matches!(err, DbError::Query { .. }) && err.to_string().contains("`height`"), "{err}");
    let err = t.query().filter(Expr::field("age").gt(1i64 << 40)).count().unwrap_err();
    assert!(err.to_string().contains("`age`"), "{err}");
}

#[test]
fn a_building_index_is_not_used_and_a_ready_one_is() {
    let dir = tempfile::tempdir().unwrap();
    let db = Database::open(dir.path()).unwrap();
    let t = people(&db);
    let q = t.query_text("score = 1.5").unwrap();
    assert!(q.explain().unwrap().starts_with("FullScan"), "{}", q.explain().unwrap());
    let before = q.all().unwrap();
    t.create_index("score").unwrap();
    assert!(q.explain().unwrap().starts_with("IndexRanges score"), "{}", q.explain().unwrap());
    assert_eq!(q.all().unwrap(), before);
}

//! Positional inserts (`Table::insert_values`, `Table::insert_batch_values`):
//! they store what the same rows inserted as `Row`s store, index entries
//! included, and refuse what `Table::insert` refuses, plus column lists that
//! name an unknown field or a field twice and rows of the wrong length,
//! without writing anything or using up a `_seq`.

use srdb::{Database, DbError, Expr, FieldType, Row, Schema, Table, TableOptions, Value};

fn open() -> (tempfile::TempDir, Database) {
    let dir = tempfile::tempdir().unwrap();
    let db = Database::open(dir.path()).unwrap();
    (dir, db)
}

fn schema() -> Schema {
    Schema::builder()
        .field("account", FieldType::Int64)
        .indexed()
        .field("score", FieldType::Float64)
        .nullable()
        .field("city", FieldType::String)
        .indexed()
        .field("tier", FieldType::Int8)
        .default_value(3)
        .field("email", FieldType::String)
        .nullable()
        .unique()
        .build()
        .unwrap()
}

const COLUMNS: [&str; 5] = ["_time", "city", "account", "score", "email"];

fn values(n: i64) -> [Value; 5] {
    [
        Value::Time(1_000 + n),
        Value::from(["Oslo", "Lima", "Kyoto"][n as usize % 3]),
        // An int32 converts to the field's int64, as in `Table::insert`.
        Value::from((n % 4) as i32),
        if n % 5 == 0 { Value::Null } else { Value::Float64(n as f64 / 8.0) },
        if n % 2 == 0 { Value::Null } else { Value::from(format!("u{n}@example.com")) },
    ]
}

fn row(n: i64) -> Row {
    let mut row = Row::new();
    for (name, value) in COLUMNS.iter().zip(values(n)) {
        row.insert(name, value);
    }
    row
}

fn table(db: &Database, name: &str) -> Table {
    db.create_table_with(name, schema(), TableOptions::default().caller_time(true)).unwrap()
}

fn seqs(table: &Table, filter: Expr) -> Vec<u64> {
    table
        .query()
        .filter(filter)
        .rows()
        .unwrap()
        .map(|r| r.unwrap().get("_seq").unwrap().as_u64().unwrap())
        .collect()
}

#[test]
fn positional_rows_are_stored_like_rows() {
    let (_dir, db) = open();
    let by_row = table(&db, "by_row");
    let by_values = table(&db, "by_values");
    assert_eq!(by_row.insert_batch((0..40).map(row)).unwrap(), 1..41);
    assert_eq!(by_values.insert_batch_values(&COLUMNS, (0..40).map(values)).unwrap(), 1..41);
    assert_eq!(by_values.insert_values(&COLUMNS, values(40)).unwrap(), 41);
    by_row.insert(row(40)).unwrap();
    for seq in 1..=41 {
        let stored = by_values.get(seq).unwrap().unwrap();
        assert_eq!(Some(stored.clone()), by_row.get(seq).unwrap());
        assert_eq!(stored.get("tier"), Some(&Value::Int(3)), "the default");
    }
    // The index entries went in with the rows.
    for filter in [
        Expr::field("city").eq("Lima"),
        Expr::field("account").between(1, 2),
        Expr::field("email").eq("u7@example.com"),
    ] {
        let expected = seqs(&by_row, filter.clone());
        assert!(!expected.is_empty());
        assert_eq!(seqs(&by_values, filter), expected);
    }
}

#[test]
fn bad_rows_are_refused_and_nothing_is_written() {
    let (_dir, db) = open();
    let table = table(&db, "t");
    table.insert_values(&COLUMNS, values(1)).unwrap();
    let refused = |columns: &[&str], rows: Vec<Vec<Value>>| {
        let err = table.insert_batch_values(columns, rows).unwrap_err();
        assert_eq!(table.query().count().unwrap(), 1, "{err}");
        err
    };
    let good = || values(2).to_vec();

    let err = refused(&["_time", "town"], vec![vec![Value::Time(1), Value::from("x")]]);
    assert!(matches!(&err, DbError::FieldNotFound { field, .. } if field == "town"), "{err}");

    let err = refused(&["city", "account", "city"], vec![]);
    assert!(matches!(&err, DbError::InvalidColumns { .. }), "{err}");
    assert!(err.to_string().contains("`city` is listed twice"), "{err}");

    let mut short = good();
    short.pop();
    let err = refused(&COLUMNS, vec![good(), short]);
    assert!(err.to_string().contains("a row has 4 values for 5 columns"), "{err}");
    let mut long = good();
    long.push(Value::Null);
    let err = refused(&COLUMNS, vec![good(), long]);
    assert!(err.to_string().contains("more than 5 values for 5 columns"), "{err}");

    // Validation names the field, as for `Table::insert`.
    let mut wrong = good();
    wrong[2] = Value::from("many");
    let err = refused(&COLUMNS, vec![good(), wrong]);
    assert!(matches!(err, DbError::Schema { .. }) && err.to_string().contains("`account`"));
    let err = refused(&["_time", "city"], vec![vec![Value::Time(5), Value::from("Oslo")]]);
    assert!(err.to_string().contains("`account` is missing"), "{err}");
    let err = refused(&["city", "account"], vec![vec![Value::Null, Value::from(1)]]);
    assert!(err.to_string().contains("`city` is not nullable"), "{err}");
    let err = refused(&["_seq", "city", "account"], vec![vec![7.into(), "Oslo".into(), 1.into()]]);
    assert!(matches!(&err, DbError::ReservedField { field, .. } if field == "_seq"), "{err}");

    // A unique value held by a stored row, or twice in the batch.
    let err = refused(&COLUMNS, vec![good(), values(1).to_vec()]);
    assert!(matches!(err, DbError::UniqueViolation { existing_seq: 1, .. }), "{err}");
    // The first row of this batch holds it: its `_seq` follows the two
    // that the previous refused batch took.
    let err = refused(&COLUMNS, vec![values(3).to_vec(), values(3).to_vec()]);
    assert!(matches!(err, DbError::UniqueViolation { existing_seq: 4, .. }), "{err}");

    // `_seq` may be NULL. Rows refused before the unique check used up no
    // `_seq`; a unique violation is found after its batch took them.
    let next = table
        .insert_batch_values(&["_seq", "city", "account"], [[Value::Null, "Oslo".into(), 1.into()]])
        .unwrap();
    assert_eq!(next, 6..7);
    assert_eq!(table.query().count().unwrap(), 2);
}

#[test]
fn time_is_refused_unless_the_table_takes_it_from_rows() {
    let (_dir, db) = open();
    let table = db.create_table("t", schema()).unwrap();
    let err = table.insert_values(&COLUMNS, values(1)).unwrap_err();
    assert!(matches!(&err, DbError::ReservedField { field, .. } if field == "_time"), "{err}");
    let seq = table.insert_values(&["account", "city"], [Value::from(1), "Oslo".into()]).unwrap();
    assert!(table.get(seq).unwrap().is_some());
}

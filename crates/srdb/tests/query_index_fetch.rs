//! Rows found through an index are fetched by `_seq` in chunks: queries whose
//! index hits span several chunks (a hundred rows of one value, ranges over
//! several values, unions, offsets and limits that end mid-chunk, reverse
//! order) must give the naive evaluator's answer, with rows in memtables and
//! in files.

use srdb::{Database, FieldType, Row, Schema, Table, TableOptions, Value};

const ROWS: i64 = 400;

/// `k` has 4 values of 100 rows each, `g` 7 values; rows are written in two
/// batches, the first flushed to a file.
fn table(db: &Database) -> (Table, Vec<(u64, i64, Row)>) {
    let schema = Schema::builder()
        .field("k", FieldType::Int)
        .indexed()
        .field("g", FieldType::Int)
        .indexed()
        .field("n", FieldType::Int)
        .build()
        .unwrap();
    let t = db.create_table_with("t", schema, TableOptions::default().caller_time(true)).unwrap();
    let mut rows = Vec::new();
    for (half, range) in [(0, 0..ROWS / 2), (1, ROWS / 2..ROWS)] {
        let batch: Vec<Row> = range
            .clone()
            .map(|n| {
                Row::new()
                    .with("k", n % 4)
                    .with("g", n % 7)
                    .with("n", n)
                    .with("_time", Value::Time(1_000 + n))
            })
            .collect();
        let seqs = t.insert_batch(batch).unwrap();
        for (seq, n) in seqs.zip(range) {
            let row = Row::new().with("k", n % 4).with("g", n % 7).with("n", n);
            rows.push((seq, 1_000 + n, row));
        }
        if half == 0 {
            db.flush().unwrap();
        }
    }
    (t, rows)
}

/// The table's answer to `text`, which must read an index, equals the naive
/// one.
fn check(t: &Table, rows: &[(u64, i64, Row)], text: &str) {
    let query = t.query_text(text).unwrap();
    let plan = query.explain().unwrap();
    assert!(plan.starts_with("Index"), "{text} should read an index: {plan}");
    let bound = query.query().bind(&t.schema()).unwrap();
    let want: Vec<Row> = srdb_query::naive_execute(&bound, rows)
        .into_iter()
        .map(|(seq, time, row)| match bound.query().select {
            Some(_) => row,
            None => {
                let mut full = Row::new().with("_seq", seq).with("_time", Value::Time(time));
                for (name, value) in row {
                    full.insert(name, value);
                }
                full
            }
        })
        .collect();
    let got = query.all().unwrap();
    assert_eq!(got.len(), want.len(), "{text}\nplan: {plan}");
    assert_eq!(got, want, "{text}\nplan: {plan}");
    assert_eq!(query.count().unwrap(), want.len() as u64, "count of {text}");
}

#[test]
fn index_hits_over_several_chunks_equal_the_naive_answer() {
    let dir = tempfile::tempdir().unwrap();
    let db = Database::open(dir.path()).unwrap();
    let (t, rows) = table(&db);
    for text in [
        "k = 1",
        "k = 2 AND n >= 30",
        "k = 3 LIMIT 5 OFFSET 70",
        "k = 0 OFFSET 63",
        "k = 1 ORDER BY k DESC",
        "k BETWEEN 1 AND 2",
        "k BETWEEN 1 AND 2 LIMIT 10 OFFSET 5",
        "k BETWEEN 0 AND 2 ORDER BY _seq DESC LIMIT 70 OFFSET 60",
        "k IN (1, 3) AND n IN (3, 9, 27, 81, 243, 300, 301)",
        "k >= 1 ORDER BY k LIMIT 150 OFFSET 20",
        "k >= 1 ORDER BY k DESC LIMIT 130 OFFSET 65",
        "k IN (0, 3) ORDER BY k DESC",
        "k = 1 OR g = 2",
        "k = 1 OR g = 2 ORDER BY _seq DESC LIMIT 90",
        "(k = 1 OR g = 2) AND n < 300 LIMIT 70 OFFSET 3",
        "SELECT n WHERE k = 2 AND g >= 3",
    ] {
        check(&t, &rows, text);
    }
    // Rows of index hits put in `_seq` order are read only until the limit
    // is served.
    let gets = db.engine().stats().gets;
    let first = t.query_text("k BETWEEN 0 AND 3 LIMIT 3").unwrap().all().unwrap();
    assert_eq!(first.len(), 3);
    let read = db.engine().stats().gets - gets;
    assert!(read <= 3, "{read} rows read for 3");
    // A hit deleted after the snapshot of a running query is still read by
    // it; a later query no longer sees it.
    let running = t.query_text("k = 1").unwrap().rows().unwrap();
    assert!(t.delete(rows[1].0).unwrap());
    assert_eq!(running.count(), 100);
    let rows: Vec<_> =
        rows.into_iter().filter(|(_, _, r)| r.get("n") != Some(&Value::Int(1))).collect();
    check(&t, &rows, "k = 1");
}

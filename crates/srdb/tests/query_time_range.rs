//! Queries bounded by `_time` read only the SST files and the `_seq` run
//! where rows of the range can be, and `explain` says so; the rows are those
//! of the unbounded scan filtered by time.

use srdb::{Database, Expr, FieldType, Row, Schema, TableOptions, Value};

fn schema() -> Schema {
    Schema::builder().field("n", FieldType::Int64).build().unwrap()
}

fn seqs(rows: &[Row]) -> Vec<u64> {
    rows.iter().map(|r| r.get("_seq").unwrap().as_u64().unwrap()).collect()
}

#[test]
fn a_time_range_reads_one_file_and_one_run_of_seqs() {
    let dir = tempfile::tempdir().unwrap();
    let db = Database::open(dir.path()).unwrap();
    let table = db
        .create_table_with("events", schema(), TableOptions::default().caller_time(true))
        .unwrap();
    // Four files of 500 rows; row n has time 1000 * n.
    for file in 0..4i64 {
        let rows = (file * 500 + 1..=(file + 1) * 500)
            .map(|n| Row::new().with("_time", Value::Time(n * 1000)).with("n", n));
        table.insert_batch(rows).unwrap();
        db.flush().unwrap();
    }
    table.delete(1203).unwrap();
    db.flush().unwrap();

    let query = table
        .query()
        .filter(Expr::field("_time").between(Value::Time(1_200_000), Value::Time(1_300_000)));
    let rows = query.all().unwrap();
    let expected: Vec<u64> = (1200..=1300).filter(|&s| s != 1203).collect();
    assert_eq!(seqs(&rows), expected);

    let explain = query.explain().unwrap();
    // Whatever compaction made of the files, the scan is cut to the run of
    // `_seq`s in range (up to the first row past it).
    assert!(explain.contains(", _seq [1200, 1301]"), "{explain}");
    assert!(explain.starts_with("FullScan -> time in"), "{explain}");

    // Rows in the memtable are always read.
    table.insert(Row::new().with("_time", Value::Time(1_250_500)).with("n", 0i64)).unwrap();
    let rows = query.all().unwrap();
    assert_eq!(rows.len(), expected.len() + 1);
    assert_eq!(seqs(&rows).last(), Some(&2001));

    // A range no row has reads nothing.
    let none = table.query().filter(Expr::field("_time").lt(Value::Time(0)));
    assert!(none.all().unwrap().is_empty());
}

//! Queries bounded by `_time` read only the SST files and the `_seq` run
//! where rows of the range can be, and `explain` says so; the rows are those
//! of the unbounded scan filtered by time.

use srdb::{Database, Expr, FieldType, Row, Schema, TableOptions, Value};

/// Which `_time`s a case's condition accepts.
type TimeTest = fn(i64) -> bool;

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

/// The `_time` conditions a scan's time range settles are not tested again
/// on each row: the answer must still be the rows whose times pass them,
/// for exclusive and inclusive ends, both orders, times out of `_seq`
/// order, and rows in memtables as well as files.
#[test]
fn time_conditions_settled_by_the_scan_give_the_rows_of_the_filter() {
    let dir = tempfile::tempdir().unwrap();
    let db = Database::open(dir.path()).unwrap();
    let table = db
        .create_table_with("events", schema(), TableOptions::default().caller_time(true))
        .unwrap();
    // Times go back and forth: row n has time 1000 * ((n * 7) % 50).
    let time_of = |n: i64| (n * 7) % 50 * 1000;
    for part in 0..3i64 {
        let rows = (part * 100 + 1..=(part + 1) * 100)
            .map(|n| Row::new().with("_time", Value::Time(time_of(n))).with("n", n));
        table.insert_batch(rows).unwrap();
        if part < 2 {
            db.flush().unwrap();
        }
    }
    let cases: [(Expr, TimeTest); 4] = [
        (Expr::field("_time").between(Value::Time(10_000), Value::Time(20_000)), |t| {
            (10_000..=20_000).contains(&t)
        }),
        (
            Expr::field("_time")
                .gt(Value::Time(10_000))
                .and(Expr::field("_time").lt(Value::Time(20_000))),
            |t| t > 10_000 && t < 20_000,
        ),
        (
            Expr::field("_time")
                .gte(Value::Time(10_000))
                .and(Expr::field("_time").ne(Value::Time(14_000))),
            |t| t >= 10_000 && t != 14_000,
        ),
        (Expr::field("_time").in_([Value::Time(7_000), Value::Time(21_000)]), |t| {
            t == 7_000 || t == 21_000
        }),
    ];
    for (filter, admits) in cases {
        let expected: Vec<u64> =
            (1..=300i64).filter(|&n| admits(time_of(n))).map(|n| n as u64).collect();
        let query = table.query().filter(filter.clone());
        assert_eq!(seqs(&query.all().unwrap()), expected, "{filter:?}");
        let desc = query.clone().order_by("_seq", srdb::Direction::Desc).all().unwrap();
        let mut reversed = expected.clone();
        reversed.reverse();
        assert_eq!(seqs(&desc), reversed, "{filter:?} descending");
        assert_eq!(query.count().unwrap(), expected.len() as u64, "{filter:?}");
        // With a condition on a field as well.
        let odd = table.query().filter(filter.clone().and(Expr::field("n").gt(150i64)));
        let above: Vec<u64> = expected.iter().copied().filter(|&s| s > 150).collect();
        assert_eq!(seqs(&odd.all().unwrap()), above, "{filter:?} and n > 150");
    }
}

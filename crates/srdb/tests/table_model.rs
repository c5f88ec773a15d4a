//! A model test: random inserts (single and batched, some violating a unique
//! field), deletes, retention, flushes, index changes and reopens against an
//! in-memory model. After every step, full scans both ways equal the model,
//! the row count is exact, and every index entry matches a row and every row
//! has its entries.

use std::collections::BTreeMap;

use proptest::prelude::*;
use srdb::{Database, DbError, FieldType, Options, Row, Schema, Table, TableOptions, Value};

/// One row to insert: k, s, u and `_time`.
type NewRow = (Option<i64>, Option<String>, Option<u8>, i64);

#[derive(Clone, Debug)]
enum Op {
    Insert(Vec<NewRow>),
    Delete(usize),
    DeleteOlderThan(i64),
    Flush,
    Compact,
    Reopen,
    CreateIndex,
    DropIndex,
}

fn op() -> impl Strategy<Value = Op> {
    let row = (
        proptest::option::of(-5i64..5),
        proptest::option::of("[ab\u{0}]{0,3}"),
        proptest::option::weighted(0.3, 0u8..40),
        0i64..1000,
    );
    prop_oneof![
        6 => proptest::collection::vec(row, 1..6).prop_map(Op::Insert),
        3 => any::<usize>().prop_map(Op::Delete),
        1 => (0i64..1000).prop_map(Op::DeleteOlderThan),
        1 => Just(Op::Flush),
        1 => Just(Op::Compact),
        1 => Just(Op::Reopen),
        1 => Just(Op::CreateIndex),
        1 => Just(Op::DropIndex),
    ]
}

fn schema() -> Schema {
    Schema::builder()
        .field("k", FieldType::Int)
        .nullable()
        .indexed()
        .field("s", FieldType::String)
        .nullable()
        .field("u", FieldType::Uint8)
        .nullable()
        .unique()
        .build()
        .unwrap()
}

/// Rows by `_seq`: (`_time`, k, s, u).
type Model = BTreeMap<u64, (i64, Option<i64>, Option<String>, Option<u8>)>;

fn expected(seq: u64, (time, k, s, u): &(i64, Option<i64>, Option<String>, Option<u8>)) -> Row {
    Row::new()
        .with("_seq", seq)
        .with("_time", Value::Time(*time))
        .with("k", *k)
        .with("s", s.clone())
        .with("u", u.map(u64::from).map_or(Value::Null, Value::Uint))
}

fn verify(t: &Table, model: &Model) {
    let fwd: Vec<Row> = t.scan().unwrap().map(Result::unwrap).collect();
    let want: Vec<Row> = model.iter().map(|(s, r)| expected(*s, r)).collect();
    assert_eq!(fwd, want);
    let mut back: Vec<Row> = t.scan().unwrap().rev().map(Result::unwrap).collect();
    back.reverse();
    assert_eq!(back, want);
    assert_eq!(t.row_count().unwrap(), model.len() as u64);
    let report = t.check().unwrap();
    assert!(report.is_ok(), "{report:?}");
    assert_eq!(report.rows, model.len() as u64);
}

fn open(dir: &std::path::Path) -> (Database, Table) {
    let opts = Options { memtable_bytes: 64 << 10, ..Options::default() };
    let db = Database::open_with(dir, opts).unwrap();
    let t = match db.table("m") {
        Ok(t) => t,
        Err(_) => {
            db.create_table_with("m", schema(), TableOptions::default().caller_time(true)).unwrap()
        }
    };
    (db, t)
}

fn run(ops: Vec<Op>) {
    let dir = tempfile::tempdir().unwrap();
    let (mut db, mut t) = open(dir.path());
    let mut model = Model::new();
    let mut max_seq = 0u64;
    for op in ops {
        match op {
            Op::Insert(rows) => {
                let mut uniques: Vec<u8> = model.values().filter_map(|r| r.3).collect();
                let mut violates = false;
                for r in &rows {
                    if let Some(u) = r.2 {
                        violates |= uniques.contains(&u);
                        uniques.push(u);
                    }
                }
                let batch = rows.iter().map(|(k, s, u, time)| {
                    Row::new()
                        .with("k", *k)
                        .with("s", s.clone())
                        .with("u", u.map(u64::from).map_or(Value::Null, Value::Uint))
                        .with("_time", Value::Time(*time))
                });
                match t.insert_batch(batch) {
                    Ok(seqs) => {
                        assert!(!violates, "a duplicate unique value was accepted");
                        assert!(seqs.start > max_seq, "_seq {} reused (max {max_seq})", seqs.start);
                        max_seq = seqs.end - 1;
                        for (seq, (k, s, u, time)) in seqs.zip(rows) {
                            model.insert(seq, (time, k, s, u));
                        }
                    }
                    Err(DbError::UniqueViolation { .. }) => assert!(violates),
                    Err(e) => panic!("{e}"),
                }
            }
            Op::Delete(pick) => {
                let seq =
                    model.keys().nth(pick % (model.len() + 1)).copied().unwrap_or(max_seq + 1);
                assert_eq!(t.delete(seq).unwrap(), model.remove(&seq).is_some());
            }
            Op::DeleteOlderThan(time) => {
                let before = model.len();
                model.retain(|_, r| r.0 >= time);
                assert_eq!(t.delete_older_than(time).unwrap(), (before - model.len()) as u64);
            }
            Op::Flush => db.flush().unwrap(),
            Op::Compact => db.engine().compact().unwrap(),
            Op::Reopen => {
                drop(t);
                db.close().unwrap();
                (db, t) = open(dir.path());
            }
            Op::CreateIndex => match t.create_index("s") {
                Ok(()) | Err(DbError::IndexOperation { .. }) => {}
                Err(e) => panic!("{e}"),
            },
            Op::DropIndex => match t.drop_index("s") {
                Ok(()) | Err(DbError::IndexOperation { .. }) => {}
                Err(e) => panic!("{e}"),
            },
        }
        verify(&t, &model);
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, ..ProptestConfig::default() })]
    #[test]
    fn table_matches_the_model(ops in proptest::collection::vec(op(), 1..40)) {
        run(ops);
    }
}

//! Cost of table queries over 200,000 flushed rows, the shape of the
//! `indexedeq`, `indexedrange` and `filteredscan` workloads of srdb-bench:
//! `account` (int64, indexed, about 10 rows per value), `score` (float64 in
//! `[0, 1)`) and `city` (one of 16 short strings).

use std::hint::black_box;

use criterion::{criterion_group, criterion_main, Criterion};
use srdb::{Compression, Database, Expr, FieldType, Schema, Table, TableOptions};

mod common;
use common::{row, CITIES};

const ROWS: u64 = 200_000;
const ACCOUNTS: u64 = ROWS / 10;

/// Runs a query the way a caller would, reading every row it returns.
fn run(table: &Table, filter: Expr) -> usize {
    let mut rows = 0;
    for row in table.query().filter(filter).rows().unwrap() {
        black_box(row.unwrap());
        rows += 1;
    }
    rows
}

fn table_queries(c: &mut Criterion) {
    let dir = tempfile::tempdir().unwrap();
    let db = Database::open(dir.path()).unwrap();
    let schema = Schema::builder()
        .field("account", FieldType::Int64)
        .indexed()
        .field("score", FieldType::Float64)
        .field("city", FieldType::String)
        .build()
        .unwrap();
    let options = TableOptions::default().caller_time(true).compression(Compression::None);
    let table = db.create_table_with("rows", schema, options).unwrap();
    for first in (1..=ROWS).step_by(1_000) {
        table.insert_batch((first..first + 1_000).map(|seq| row(seq, ACCOUNTS))).unwrap();
    }
    db.flush().unwrap();

    let mut account = 0u64;
    let mut next_account = move || {
        account = (account + 7_919) % ACCOUNTS;
        account as i64
    };
    c.bench_function("table_query/indexed_eq_10_rows", |b| {
        b.iter(|| {
            let filter = Expr::field("account").eq(next_account());
            run(&table, filter)
        })
    });
    c.bench_function("table_query/indexed_range_100_rows", |b| {
        b.iter(|| {
            let low = next_account();
            let filter = Expr::field("account").between(low, low + 9);
            run(&table, filter)
        })
    });
    let mut group = c.benchmark_group("table_query");
    group.sample_size(10);
    // The floor of a full scan: a filter on `_seq` alone that no row passes,
    // so rows are iterated but never decoded.
    group.bench_function("scan_matching_nothing_200k_rows", |b| {
        b.iter(|| {
            let filter = Expr::field("_seq").gte(0u64).negate();
            run(&table, filter)
        })
    });
    let mut city = 0;
    group.bench_function("filtered_scan_200k_rows", |b| {
        b.iter(|| {
            city = (city + 1) % CITIES.len();
            let filter = Expr::field("city").eq(CITIES[city]).and(Expr::field("score").gte(0.5));
            run(&table, filter)
        })
    });
    group.finish();
}

criterion_group!(benches, table_queries);
criterion_main!(benches);

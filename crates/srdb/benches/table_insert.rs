//! Cost of table inserts in batches of 1,000 rows, the shape of the
//! `insertbatch` (no index) and `insertindexed` (indexes on `account` and
//! `city`) workloads of srdb-bench: `_time` from the caller, `account`
//! (int64), `score` (float64 in `[0, 1)`) and `city` (one of 16 short
//! strings). Rows are handed in as [`srdb::Row`]s and as positional values
//! ([`Table::insert_batch_values`]), built before the measured call. The
//! table's memtables fill and flush as the iterations add rows.

use criterion::{criterion_group, criterion_main, BatchSize, Criterion, Throughput};
use srdb::{Compression, Database, FieldType, Options, Schema, SyncPolicy, Table, TableOptions};

mod common;
use common::{row, values, COLUMNS};

const BATCH: u64 = 1_000;
/// Values of `account` in the rows.
const ACCOUNTS: u64 = 5_000;

fn open(indexed: bool) -> (tempfile::TempDir, Database, Table) {
    let dir = tempfile::tempdir().unwrap();
    let options = Options { sync: SyncPolicy::Never, ..Options::default() };
    let db = Database::open_with(dir.path(), options).unwrap();
    let mut schema = Schema::builder().field("account", FieldType::Int64);
    if indexed {
        schema = schema.indexed();
    }
    schema = schema.field("score", FieldType::Float64).field("city", FieldType::String);
    if indexed {
        schema = schema.indexed();
    }
    let options = TableOptions::default().caller_time(true).compression(Compression::None);
    let table = db.create_table_with("rows", schema.build().unwrap(), options).unwrap();
    (dir, db, table)
}

fn table_inserts(c: &mut Criterion) {
    let mut group = c.benchmark_group("table_insert");
    group.throughput(Throughput::Elements(BATCH));
    for (indexes, indexed) in [("0_indexes", false), ("2_indexes", true)] {
        let (_dir, _db, table) = open(indexed);
        let mut next = 0u64;
        group.bench_function(format!("rows_{indexes}"), |b| {
            b.iter_batched(
                || {
                    next += BATCH;
                    (next - BATCH..next).map(|seq| row(seq, ACCOUNTS)).collect::<Vec<_>>()
                },
                |rows| table.insert_batch(rows).unwrap(),
                BatchSize::SmallInput,
            )
        });
        group.bench_function(format!("values_{indexes}"), |b| {
            b.iter_batched(
                || {
                    next += BATCH;
                    (next - BATCH..next).map(|seq| values(seq, ACCOUNTS)).collect::<Vec<_>>()
                },
                |rows| table.insert_batch_values(&COLUMNS, rows).unwrap(),
                BatchSize::SmallInput,
            )
        });
    }
    group.finish();
}

criterion_group!(benches, table_inserts);
criterion_main!(benches);

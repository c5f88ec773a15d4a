//! Cost of table inserts in batches of 1,000 rows, the shape of the
//! `insertbatch` (no index) and `insertindexed` (indexes on `account` and
//! `city`) workloads of srdb-bench: `_time` from the caller, `account`
//! (int64), `score` (float64 in `[0, 1)`) and `city` (one of 16 short
//! strings). Rows are handed in as [`Row`]s and as positional values
//! ([`Table::insert_batch_values`]), built before the measured call. The
//! table's memtables fill and flush as the iterations add rows.

use criterion::{criterion_group, criterion_main, BatchSize, Criterion, Throughput};
use srdb::{
    Compression, Database, FieldType, Options, Row, Schema, SyncPolicy, Table, TableOptions, Value,
};

const BATCH: u64 = 1_000;
const CITIES: [&str; 16] = [
    "Amsterdam",
    "Beijing",
    "Cairo",
    "Delhi",
    "Helsinki",
    "Lagos",
    "Lima",
    "London",
    "Madrid",
    "Nairobi",
    "Oslo",
    "Paris",
    "Quito",
    "Seoul",
    "Shanghai",
    "Tokyo",
];
const COLUMNS: [&str; 4] = ["_time", "account", "score", "city"];

fn mix(mut x: u64) -> u64 {
    x = (x ^ (x >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    x = (x ^ (x >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    x ^ (x >> 31)
}

fn values(seq: u64) -> [Value; 4] {
    let hash = mix(seq);
    [
        Value::Time(1_735_689_600_000_000_000 + seq as i64 * 1_000),
        Value::Int((hash % 5_000) as i64),
        Value::Float64((hash >> 11) as f64 / (1u64 << 53) as f64),
        Value::String(CITIES[(hash >> 59) as usize % CITIES.len()].to_owned()),
    ]
}

fn row(seq: u64) -> Row {
    let mut row = Row::with_capacity(COLUMNS.len());
    for (name, value) in COLUMNS.iter().zip(values(seq)) {
        row.insert(name, value);
    }
    row
}

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
                    (next - BATCH..next).map(row).collect::<Vec<_>>()
                },
                |rows| table.insert_batch(rows).unwrap(),
                BatchSize::SmallInput,
            )
        });
        group.bench_function(format!("values_{indexes}"), |b| {
            b.iter_batched(
                || {
                    next += BATCH;
                    (next - BATCH..next).map(values).collect::<Vec<_>>()
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

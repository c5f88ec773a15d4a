//! The srdb table adapter: a `srdb::Table` with an index on `account` (for
//! the query workloads), none, or indexes on `account` and `city`.
//!
//! Durability tiers as for the key-value adapter: buffered is
//! `SyncPolicy::Never` (WAL buffered in user space, no fsync), sync is
//! `SyncPolicy::Always` (fdatasync per commit group). `_seq` is assigned by
//! the table from 1 in insert order, which is the benchmark's numbering.
//! `_time` comes from the rows (the table accepts caller times) and has no
//! index: a `_time` range is a scan bounded by time (`Iter::time_range`),
//! which the rows' times, rising with `_seq`, let the engine cut by binary
//! search to the run of `_seq`s in range, skipping the other files.

use std::path::Path;
use std::time::{Duration, Instant};

use srdb::{
    Compression, Database, Expr, FieldType, Options, Row as SrdbRow, Schema, SyncPolicy, Table,
    TableOptions, Value,
};

use crate::engine::{Durability, EngineOptions};
use crate::error::{engine_error, Error, Result};
use crate::table::{Query, Row, TableEngine};
use crate::workload::TableIndexes;

const NAME: &str = "srdb";
const TABLE: &str = "rows";
/// The fields of an inserted row, in the order `insert` gives them.
const COLUMNS: [&str; 4] = ["_time", "account", "score", "city"];

/// How often [`TableEngine::wait_idle`] polls for background work.
const IDLE_POLL_INTERVAL: Duration = Duration::from_millis(20);
/// The longest [`TableEngine::wait_idle`] waits.
const IDLE_WAIT_MAX: Duration = Duration::from_secs(120);

/// An srdb database holding the benchmark table.
pub struct SrdbTableEngine {
    db: Database,
    table: Table,
}

fn schema(indexes: TableIndexes) -> Result<Schema> {
    let (account, city) = match indexes {
        TableIndexes::Queries => (true, false),
        TableIndexes::None => (false, false),
        TableIndexes::AccountAndCity => (true, true),
    };
    let mut builder = Schema::builder().field("account", FieldType::Int64);
    if account {
        builder = builder.indexed();
    }
    builder = builder.field("score", FieldType::Float64).field("city", FieldType::String);
    if city {
        builder = builder.indexed();
    }
    builder.build().map_err(engine_error(NAME))
}

fn corrupt(message: String) -> Error {
    Error::Engine { engine: NAME, message }
}

fn read_row(mut row: SrdbRow) -> Result<Row> {
    // The city string moves out of the row, as SQLite's adapter takes its
    // column's string: one allocation per row on either side.
    let city = match row.get_mut("city").map(|v| std::mem::replace(v, Value::Null)) {
        Some(Value::String(city)) => city,
        other => return Err(corrupt(format!("city is {other:?}"))),
    };
    let field = |name: &str| row.get(name).ok_or_else(|| corrupt(format!("no field {name}")));
    Ok(Row {
        seq: field("_seq")?.as_u64().ok_or_else(|| corrupt("_seq is not a u64".into()))?,
        time_ns: match field("_time")? {
            Value::Time(ns) => *ns,
            other => return Err(corrupt(format!("_time is {other:?}"))),
        },
        account: field("account")?.as_i64().ok_or_else(|| corrupt("account".into()))?,
        score: match field("score")? {
            Value::Float64(f) => *f,
            other => return Err(corrupt(format!("score is {other:?}"))),
        },
        city,
    })
}

impl TableEngine for SrdbTableEngine {
    fn open(dir: &Path, options: &EngineOptions, indexes: TableIndexes) -> Result<Self> {
        let sync = match options.durability {
            Durability::Buffered => SyncPolicy::Never,
            Durability::Sync => SyncPolicy::Always,
        };
        let opts =
            Options { sync, block_cache_bytes: options.cache_bytes as usize, ..Options::default() };
        let db = Database::open_with(dir, opts).map_err(engine_error(NAME))?;
        let table = match db.table(TABLE) {
            Ok(table) => table,
            Err(_) => {
                let table_opts =
                    TableOptions::default().caller_time(true).compression(Compression::None);
                db.create_table_with(TABLE, schema(indexes)?, table_opts)
                    .map_err(engine_error(NAME))?
            }
        };
        Ok(Self { db, table })
    }

    fn describe(options: &EngineOptions) -> String {
        let durability = match options.durability {
            Durability::Buffered => "WAL buffered in user space, no fsync (SyncPolicy::Never)",
            Durability::Sync => "fdatasync per commit group (SyncPolicy::Always)",
        };
        format!(
            "srdb {} table: block cache {} MiB, compression none, index on account \
             (insertbatch: none; insertindexed: account and city), _time ranges by scan; \
             {durability}",
            env!("CARGO_PKG_VERSION"),
            options.cache_bytes >> 20
        )
    }

    fn insert(&self, rows: &[Row]) -> Result<()> {
        // Positional values under a column list, as the SQLite side binds
        // its prepared INSERT's parameters.
        let batch = rows.iter().map(|r| {
            [
                Value::Time(r.time_ns),
                Value::Int(r.account),
                Value::Float64(r.score),
                Value::String(r.city.clone()),
            ]
        });
        let seqs = self.table.insert_batch_values(&COLUMNS, batch).map_err(engine_error(NAME))?;
        match rows.first() {
            Some(first) if seqs.start != first.seq => Err(corrupt(format!(
                "the table gave _seq {} to the row numbered {}",
                seqs.start, first.seq
            ))),
            _ => Ok(()),
        }
    }

    fn get_by_seq(&self, seq: u64) -> Result<Option<Row>> {
        match self.table.get(seq).map_err(engine_error(NAME))? {
            Some(row) => Ok(Some(read_row(row)?)),
            None => Ok(None),
        }
    }

    fn query(&self, query: &Query, mut visit: impl FnMut(Row)) -> Result<()> {
        let filter = match *query {
            Query::AccountEq(value) => Expr::field("account").eq(value),
            Query::AccountRange(low, high) => Expr::field("account").between(low, high),
            Query::CityScore { city, score_min } => {
                Expr::field("city").eq(city).and(Expr::field("score").gte(score_min))
            }
            Query::TimeRange(low, high) => {
                Expr::field("_time").between(Value::Time(low), Value::Time(high))
            }
        };
        for row in self.table.query().filter(filter).rows().map_err(engine_error(NAME))? {
            visit(read_row(row.map_err(engine_error(NAME))?)?);
        }
        Ok(())
    }

    fn flush(&self) -> Result<()> {
        self.db.flush().map_err(engine_error(NAME))
    }

    fn wait_idle(&self) -> Result<()> {
        let deadline = Instant::now() + IDLE_WAIT_MAX;
        while !self.db.engine().is_idle() && Instant::now() < deadline {
            std::thread::sleep(IDLE_POLL_INTERVAL);
        }
        Ok(())
    }
}

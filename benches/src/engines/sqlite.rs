//! The SQLite adapter for table workloads (rusqlite with SQLite bundled).
//!
//! WAL mode. Buffered tier: `synchronous=NORMAL`, SQLite's usual WAL setting:
//! no fsync per commit, the WAL is fsynced at checkpoints. Sync tier:
//! `synchronous=FULL`, an fsync of the WAL per commit. One connection behind
//! a mutex: SQLite connections are not shared between threads, and the table
//! workloads are single-threaded.

use std::path::Path;
use std::sync::{Mutex, MutexGuard};

use rusqlite::types::Value;
use rusqlite::{params, Connection};

use crate::engine::{Durability, EngineOptions};
use crate::error::{engine_error, Error, Result};
use crate::table::{Query, Row, TableEngine};
use crate::workload::TableIndexes;

const NAME: &str = "sqlite";

const TABLE: &str = "
    CREATE TABLE IF NOT EXISTS rows (
        seq INTEGER PRIMARY KEY,
        time_ns INTEGER NOT NULL,
        account INTEGER NOT NULL,
        score REAL NOT NULL,
        city TEXT NOT NULL
    );
";

const ACCOUNT_INDEX: &str = "CREATE INDEX IF NOT EXISTS rows_account ON rows (account);";

/// The statements that create the secondary indexes `indexes`.
fn index_statements(indexes: TableIndexes) -> String {
    match indexes {
        TableIndexes::Queries => {
            format!("{ACCOUNT_INDEX} CREATE INDEX IF NOT EXISTS rows_time ON rows (time_ns);")
        }
        TableIndexes::None => String::new(),
        TableIndexes::AccountAndCity => {
            format!("{ACCOUNT_INDEX} CREATE INDEX IF NOT EXISTS rows_city ON rows (city);")
        }
    }
}

const COLUMNS: &str = "seq, time_ns, account, score, city";

/// A SQLite database holding the benchmark table.
pub struct SqliteEngine {
    connection: Mutex<Connection>,
}

impl SqliteEngine {
    fn connection(&self) -> Result<MutexGuard<'_, Connection>> {
        // A panic while holding the lock already failed the workload.
        self.connection
            .lock()
            .map_err(|_| Error::Engine { engine: NAME, message: "connection lock poisoned".into() })
    }
}

fn read_row(row: &rusqlite::Row<'_>) -> rusqlite::Result<Row> {
    Ok(Row {
        seq: row.get::<_, i64>(0)? as u64,
        time_ns: row.get(1)?,
        account: row.get(2)?,
        score: row.get(3)?,
        city: row.get(4)?,
    })
}

impl TableEngine for SqliteEngine {
    fn open(dir: &Path, options: &EngineOptions, indexes: TableIndexes) -> Result<Self> {
        let connection = Connection::open(dir.join("bench.sqlite")).map_err(engine_error(NAME))?;
        let mode: String = connection
            .query_row("PRAGMA journal_mode = WAL", [], |row| row.get(0))
            .map_err(engine_error(NAME))?;
        if !mode.eq_ignore_ascii_case("wal") {
            return Err(Error::Engine { engine: NAME, message: format!("journal mode {mode}") });
        }
        let synchronous = match options.durability {
            Durability::Buffered => "NORMAL",
            Durability::Sync => "FULL",
        };
        // A negative cache_size is in KiB.
        let cache_kib = options.cache_bytes / 1024;
        connection
            .execute_batch(&format!(
                "PRAGMA synchronous = {synchronous}; PRAGMA cache_size = -{cache_kib}; {TABLE} {}",
                index_statements(indexes)
            ))
            .map_err(engine_error(NAME))?;
        Ok(Self { connection: Mutex::new(connection) })
    }

    fn describe(options: &EngineOptions) -> String {
        let durability = match options.durability {
            Durability::Buffered => "synchronous=NORMAL (no fsync per commit)",
            Durability::Sync => "synchronous=FULL (fsync per commit)",
        };
        format!(
            "SQLite {} (bundled): WAL mode, page cache {} MiB, no compression, indexes on \
             account and time_ns (insertbatch: none; insertindexed: account and city); \
             {durability}",
            rusqlite::version(),
            options.cache_bytes >> 20
        )
    }

    fn insert(&self, rows: &[Row]) -> Result<()> {
        let mut connection = self.connection()?;
        let transaction = connection.transaction().map_err(engine_error(NAME))?;
        {
            let mut insert = transaction
                .prepare_cached(&format!(
                    "INSERT INTO rows ({COLUMNS}) VALUES (?1, ?2, ?3, ?4, ?5)"
                ))
                .map_err(engine_error(NAME))?;
            for row in rows {
                let seq = row.seq as i64;
                insert
                    .execute(params![seq, row.time_ns, row.account, row.score, row.city])
                    .map_err(engine_error(NAME))?;
            }
        }
        transaction.commit().map_err(engine_error(NAME))
    }

    fn get_by_seq(&self, seq: u64) -> Result<Option<Row>> {
        let connection = self.connection()?;
        let mut select = connection
            .prepare_cached(&format!("SELECT {COLUMNS} FROM rows WHERE seq = ?1"))
            .map_err(engine_error(NAME))?;
        let mut rows = select.query([seq as i64]).map_err(engine_error(NAME))?;
        match rows.next().map_err(engine_error(NAME))? {
            Some(row) => Ok(Some(read_row(row).map_err(engine_error(NAME))?)),
            None => Ok(None),
        }
    }

    fn query(&self, query: &Query, mut visit: impl FnMut(Row)) -> Result<()> {
        let connection = self.connection()?;
        let (filter, values) = match *query {
            Query::AccountEq(value) => ("account = ?1", vec![Value::Integer(value)]),
            Query::AccountRange(low, high) => {
                ("account BETWEEN ?1 AND ?2", vec![Value::Integer(low), Value::Integer(high)])
            }
            Query::CityScore { city, score_min } => (
                "city = ?1 AND score >= ?2",
                vec![Value::Text(city.to_string()), Value::Real(score_min)],
            ),
            Query::TimeRange(low, high) => {
                ("time_ns BETWEEN ?1 AND ?2", vec![Value::Integer(low), Value::Integer(high)])
            }
        };
        let mut select = connection
            .prepare_cached(&format!("SELECT {COLUMNS} FROM rows WHERE {filter}"))
            .map_err(engine_error(NAME))?;
        let mut rows =
            select.query(rusqlite::params_from_iter(values)).map_err(engine_error(NAME))?;
        while let Some(row) = rows.next().map_err(engine_error(NAME))? {
            visit(read_row(row).map_err(engine_error(NAME))?);
        }
        Ok(())
    }

    fn flush(&self) -> Result<()> {
        // Copies the WAL into the database file and fsyncs it.
        let connection = self.connection()?;
        connection
            .query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(()))
            .map_err(engine_error(NAME))
    }
}

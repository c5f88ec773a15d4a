//! Tables: a schema, a rows keyspace keyed by `_seq`, and one keyspace per
//! secondary index.
//!
//! Storage. The rows keyspace maps `_seq` (a `u64`, big-endian, so keys sort
//! by `_seq`) to the row encoded by `srdb_schema::encode_row`, whose first 8
//! bytes are `_time`; the keyspace is created with
//! `TimeSource::ValuePrefixI64`, so every SST file records its time range. An
//! index keyspace maps `srdb_index::index_key(value, _seq)` to an empty value.
//! A row and all its index entries are written in one engine batch, so after
//! any crash a row has all its entries and an entry always has its row.
//!
//! Concurrency. Every handle of one table shares one [`TableShared`]:
//! * `state` (a read-write lock) holds the schema and the keyspaces. Row
//!   operations hold it shared; schema and index changes, `clean` and `drop`
//!   hold it exclusively, so a row operation sees one schema and one set of
//!   indexes from start to end.
//! * `write_lock` (a mutex, taken after `state`) serialises the operations
//!   that read before they write: deletes (which read the row to find its
//!   index entries), inserts into a table with a unique field (check, then
//!   write), and the batches of an index backfill. Inserts into a table
//!   without unique fields do not take it and run in parallel.
//! * `_seq` comes from an atomic counter, so concurrent inserts never share
//!   one. At open it restarts above both the largest stored `_seq` and the
//!   high-water mark that every delete writes to the catalogue in its own
//!   batch, so a `_seq` is never reused, even after the highest rows were
//!   deleted and the database crashed.

pub(crate) mod catalog;
mod check;
mod error;
mod index;
mod limits;
mod query;
mod read;
mod repair;
mod time_range;
mod write;

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;

use parking_lot::{Mutex, RwLock, RwLockReadGuard};
use srdb_engine::{Compression, Engine, Keyspace, KeyspaceOptions, LevelStats, TimeSource};
use srdb_schema::{FieldType, Schema, Value};

pub use catalog::CATALOG_KEYSPACE;
pub(crate) use catalog::{IndexDoc, TableDoc};
pub use check::{CheckReport, MAX_CHECK_PROBLEMS};
pub use error::{DbError, DbResult};
pub use index::{BackfillProgress, IndexInfo, IndexState};
pub use limits::{BACKFILL_BATCH_ROWS, MAX_TABLE_NAME_BYTES, RETENTION_BATCH_ROWS};
pub use query::{Page, QueryRows, TableQuery};
pub use read::RowIter;
pub use repair::IndexRepair;

pub(crate) use self::catalog as cat;

/// Options of a table, fixed when it is created.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct TableOptions {
    /// Whether a row may carry its own `_time` (a `time` value or an integer
    /// of nanoseconds since the Unix epoch), for importing time series.
    /// Rows without one get the insert time. Default: false (a row that
    /// names `_time` is refused, and every row gets the insert time).
    pub caller_time: bool,
    /// Compression of the data blocks of the rows and the indexes. Default:
    /// snappy. Kept by the engine with each keyspace; indexes created later
    /// and the keyspaces of a cleaned table take the rows keyspace's.
    pub compression: Compression,
}

impl Default for TableOptions {
    fn default() -> Self {
        TableOptions { caller_time: false, compression: Compression::Snappy }
    }
}

impl TableOptions {
    /// Sets [`TableOptions::compression`].
    pub fn compression(mut self, compression: Compression) -> Self {
        self.compression = compression;
        self
    }

    /// Sets [`TableOptions::caller_time`].
    pub fn caller_time(mut self, allowed: bool) -> Self {
        self.caller_time = allowed;
        self
    }
}

/// Statistics of one table.
#[derive(Clone, Debug)]
pub struct TableStats {
    /// The table's name.
    pub name: String,
    /// Number of rows, exact (see [`Table::row_count`]).
    pub rows: u64,
    /// Bytes of the rows' SST files.
    pub rows_disk_bytes: u64,
    /// Bytes of the index SST files.
    pub index_disk_bytes: u64,
    /// Bytes of rows and index entries still in memtables, approximately.
    pub memtable_bytes: usize,
    /// Files, bytes and entries of the rows keyspace per level, L0 first.
    pub levels: Vec<LevelStats>,
    /// The indexes.
    pub indexes: Vec<IndexInfo>,
    /// The next `_seq` an insert would get.
    pub next_seq: u64,
    /// The engine keyspace of the rows, as named in
    /// [`crate::KeyspaceStats`]; its keys are `_seq` big-endian.
    pub rows_keyspace: String,
    /// The engine keyspace of each index: (field, keyspace).
    pub index_keyspaces: Vec<(String, String)>,
}

/// The engine keyspaces of one table, as named in [`crate::KeyspaceStats`]:
/// what [`Table::keyspaces`] answers.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TableKeyspaces {
    /// The keyspace of the rows; its keys are `_seq` big-endian.
    pub rows: String,
    /// The keyspace of each index: (field, keyspace), in the order of
    /// [`TableStats::indexes`].
    pub indexes: Vec<(String, String)>,
}

/// What every table of a database shares: the engine, the catalogue, and the
/// lock that serialises catalogue changes.
pub(crate) struct DbShared {
    pub(crate) engine: Arc<Engine>,
    pub(crate) catalog: Keyspace,
    /// Held by every catalogue change; guards the counter of table ids and
    /// keyspace numbers.
    pub(crate) ddl: Mutex<DdlState>,
}

pub(crate) struct DdlState {
    pub(crate) next_id: u64,
}

impl DdlState {
    /// A fresh number for a table id or a keyspace name.
    pub(crate) fn allocate(&mut self) -> u64 {
        let n = self.next_id;
        self.next_id += 1;
        n
    }
}

impl DbShared {
    /// Creates a fresh keyspace for a table's rows or one of its indexes;
    /// `compression` applies to its data blocks.
    pub(crate) fn create_keyspace(
        &self,
        ddl: &mut DdlState,
        rows: bool,
        compression: Compression,
    ) -> DbResult<Keyspace> {
        let name = cat::keyspace_name(ddl.allocate());
        let opts = if rows {
            KeyspaceOptions {
                time_source: TimeSource::ValuePrefixI64,
                compression,
                ..KeyspaceOptions::default()
            }
        } else {
            // Index lookups are prefix and range scans, never point reads of
            // a whole key, so a bloom filter would only cost space.
            KeyspaceOptions { bloom_bits_per_key: 0, compression, ..KeyspaceOptions::default() }
        };
        Ok(self.engine.create_keyspace(&name, opts)?)
    }

    /// Drops keyspaces that the catalogue no longer names. A failure leaves
    /// an orphan that the next `Database::open` drops, so it is not an error
    /// of the operation that already committed.
    pub(crate) fn drop_keyspaces<'a>(&self, names: impl IntoIterator<Item = &'a str>) {
        for name in names {
            let _ = self.engine.drop_keyspace(name);
        }
    }
}

/// A handle to one table. Cheap to clone and usable from many threads; all
/// handles of a table share its state.
#[derive(Clone)]
pub struct Table {
    pub(crate) shared: Arc<TableShared>,
}

impl std::fmt::Debug for Table {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Table").field("name", &self.shared.name).finish()
    }
}

pub(crate) struct TableShared {
    pub(crate) name: String,
    pub(crate) id: u64,
    pub(crate) db: Arc<DbShared>,
    pub(crate) state: RwLock<TableState>,
    pub(crate) write_lock: Mutex<()>,
    pub(crate) next_seq: AtomicU64,
    /// The exact number of rows once `rows_known` is set (see
    /// [`Table::row_count`]).
    pub(crate) rows: AtomicU64,
    pub(crate) rows_known: AtomicBool,
}

pub(crate) struct TableState {
    pub(crate) doc: TableDoc,
    pub(crate) schema: Arc<Schema>,
    pub(crate) rows: Keyspace,
    pub(crate) indexes: Vec<IndexHandle>,
    pub(crate) dropped: bool,
}

/// An open index.
#[derive(Clone)]
pub(crate) struct IndexHandle {
    pub(crate) field: String,
    pub(crate) field_index: usize,
    pub(crate) ty: FieldType,
    pub(crate) unique: bool,
    pub(crate) building: bool,
    pub(crate) ks: Keyspace,
}

impl TableState {
    /// Builds the state from a catalogue entry, opening its keyspaces.
    pub(crate) fn open(engine: &Engine, name: &str, doc: TableDoc) -> DbResult<TableState> {
        let schema = Schema::from_json(&doc.schema).map_err(|e| DbError::TableDamaged {
            name: name.to_owned(),
            reason: format!("its schema in the catalogue is not valid: {e}"),
        })?;
        let rows = engine.keyspace(&doc.rows)?;
        let mut indexes = Vec::with_capacity(doc.indexes.len());
        for i in &doc.indexes {
            indexes.push(IndexHandle::open(engine, name, &schema, i)?);
        }
        Ok(TableState { doc, schema: Arc::new(schema), rows, indexes, dropped: false })
    }

    pub(crate) fn has_unique(&self) -> bool {
        self.indexes.iter().any(|i| i.unique)
    }
}

impl IndexHandle {
    pub(crate) fn open(
        engine: &Engine,
        table: &str,
        schema: &Schema,
        doc: &IndexDoc,
    ) -> DbResult<IndexHandle> {
        let field_index = schema.index_of(&doc.field).ok_or_else(|| {
            DbError::corrupt(
                table,
                format!("an index names the field `{}`, which the schema does not have", doc.field),
            )
        })?;
        let field = &schema.fields()[field_index];
        Ok(IndexHandle {
            field: doc.field.clone(),
            field_index,
            ty: field.ty,
            unique: field.unique,
            building: doc.building,
            ks: engine.keyspace(&doc.keyspace)?,
        })
    }
}

impl TableShared {
    /// Opens a table from its catalogue entry: its keyspaces, and the next
    /// `_seq` above both the largest stored key and the high-water mark.
    pub(crate) fn open(db: Arc<DbShared>, name: &str, doc: TableDoc) -> DbResult<TableShared> {
        let id = doc.id;
        let state = TableState::open(&db.engine, name, doc)?;
        let last_key = match state.rows.iter().next_back() {
            Some(entry) => read::seq_of(name, &entry?.0)?,
            None => 0,
        };
        let hwm = cat::read_hwm(&db.catalog, name, id)?;
        let next = last_key.max(hwm).checked_add(1).ok_or_else(|| {
            DbError::corrupt(name, "the largest `_seq` is u64::MAX, so no row can be added")
        })?;
        Ok(TableShared {
            name: name.to_owned(),
            id,
            db,
            state: RwLock::new(state),
            write_lock: Mutex::new(()),
            next_seq: AtomicU64::new(next),
            rows: AtomicU64::new(0),
            rows_known: AtomicBool::new(false),
        })
    }

    /// The state, shared, after checking that the table still exists.
    pub(crate) fn read_state(&self) -> DbResult<RwLockReadGuard<'_, TableState>> {
        let state = self.state.read();
        if state.dropped {
            return Err(DbError::TableDropped { name: self.name.clone() });
        }
        Ok(state)
    }

    /// Records `added` new rows and `removed` deleted ones in the row count.
    /// Called while the state is held shared, so a count in progress (which
    /// holds it exclusively) never misses a change.
    pub(crate) fn count_rows(&self, added: u64, removed: u64) {
        if self.rows_known.load(Ordering::Acquire) {
            self.rows.fetch_add(added, Ordering::AcqRel);
            self.rows.fetch_sub(removed, Ordering::AcqRel);
        }
    }
}

impl Table {
    /// The table's name.
    pub fn name(&self) -> &str {
        &self.shared.name
    }

    /// The table's current schema.
    pub fn schema(&self) -> Arc<Schema> {
        self.shared.state.read().schema.clone()
    }

    /// The options the table was created with.
    pub fn options(&self) -> TableOptions {
        let state = self.shared.state.read();
        TableOptions {
            caller_time: state.doc.caller_time,
            compression: state.rows.options().compression,
        }
    }

    /// The engine keyspaces of the rows and of each index (indexes still
    /// filling included). Cheap: it reads the table's state and gathers no
    /// statistics, unlike [`Table::stats`], which collects the whole
    /// engine's; callers that need the keyspaces of many tables take these
    /// and one [`crate::Database::engine`] `stats()`.
    pub fn keyspaces(&self) -> DbResult<TableKeyspaces> {
        let state = self.shared.read_state()?;
        Ok(TableKeyspaces {
            rows: state.rows.name().to_owned(),
            indexes: state
                .indexes
                .iter()
                .map(|i| (i.field.clone(), i.ks.name().to_owned()))
                .collect(),
        })
    }

    /// The exact number of rows.
    ///
    /// The first call after the database opens counts the rows' keys (a scan
    /// of the rows keyspace that decodes nothing) while holding the table
    /// exclusively, so inserts and deletes wait for it; from then on inserts,
    /// deletes and `clean` keep the count up to date and the call is O(1).
    pub fn row_count(&self) -> DbResult<u64> {
        let s = &self.shared;
        if s.rows_known.load(Ordering::Acquire) {
            return Ok(s.rows.load(Ordering::Acquire));
        }
        let state = s.state.write();
        if state.dropped {
            return Err(DbError::TableDropped { name: s.name.clone() });
        }
        if !s.rows_known.load(Ordering::Acquire) {
            let mut it = state.rows.iter();
            let mut n = 0u64;
            while it.next_ref()?.is_some() {
                n += 1;
            }
            s.rows.store(n, Ordering::Release);
            s.rows_known.store(true, Ordering::Release);
        }
        Ok(s.rows.load(Ordering::Acquire))
    }

    /// Statistics: rows, bytes on disk, levels, indexes.
    pub fn stats(&self) -> DbResult<TableStats> {
        let rows = self.row_count()?;
        let state = self.shared.read_state()?;
        let engine = self.shared.db.engine.stats();
        let find = |name: &str| engine.keyspaces.iter().find(|k| k.name == name);
        let disk =
            |name: &str| find(name).map_or(0, |k| k.levels.iter().map(|l| l.bytes).sum::<u64>());
        let rows_ks = find(state.rows.name());
        Ok(TableStats {
            name: self.shared.name.clone(),
            rows,
            rows_disk_bytes: disk(state.rows.name()),
            index_disk_bytes: state.indexes.iter().map(|i| disk(i.ks.name())).sum(),
            memtable_bytes: rows_ks.map_or(0, |k| k.memtable_bytes)
                + state
                    .indexes
                    .iter()
                    .filter_map(|i| find(i.ks.name()))
                    .map(|k| k.memtable_bytes)
                    .sum::<usize>(),
            levels: rows_ks.map(|k| k.levels.clone()).unwrap_or_default(),
            indexes: index::infos(&state),
            next_seq: self.shared.next_seq.load(Ordering::Acquire),
            rows_keyspace: state.rows.name().to_owned(),
            index_keyspaces: state
                .indexes
                .iter()
                .map(|i| (i.field.clone(), i.ks.name().to_owned()))
                .collect(),
        })
    }
}

/// The current time in nanoseconds since the Unix epoch (UTC), saturated to
/// the range of `i64` (years 1677 to 2262).
pub(crate) fn now_ns() -> i64 {
    match std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH) {
        Ok(d) => i64::try_from(d.as_nanos()).unwrap_or(i64::MAX),
        Err(e) => i64::try_from(e.duration().as_nanos()).map_or(i64::MIN, |ns| -ns),
    }
}

/// Converts a caller's `_time` (a time, or an integer of nanoseconds).
pub(crate) fn time_of(table: &str, value: &Value) -> DbResult<i64> {
    match value {
        Value::Time(ns) => Ok(*ns),
        v => v.as_i64().ok_or_else(|| DbError::ReservedField {
            table: table.to_owned(),
            field: "_time".to_owned(),
            reason: "it must be a time or an integer of nanoseconds since the Unix epoch",
        }),
    }
}

/// Runs the examples of `docs/guide/tables.md` as doc tests, so the guide
/// cannot drift from the code.
#[doc = include_str!("../../../../docs/guide/tables.md")]
#[cfg(doctest)]
pub struct TablesGuide;

//! The catalogue: which tables exist, their schemas, options, keyspaces and
//! indexes.
//!
//! It lives in the engine keyspace [`CATALOG_KEYSPACE`], so a catalogue change
//! is one atomic engine batch, written through the same WAL as rows, and can
//! share a batch with row changes (the `_seq` high-water mark of a delete).
//!
//! ```text
//! key                          value
//! "next_id"                    u64 LE: the next number for a table id or a keyspace name
//! "table:" name                JSON TableDoc (below)
//! "hwm:" table id (u64 BE)     u64 LE: every `_seq` at or below it was handed out
//! ```
//!
//! ```json
//! { "format": 1, "id": 3, "schema": "<schema.json text, checksummed>",
//!   "caller_time": false, "rows": "__table.4",
//!   "indexes": [ { "field": "age", "keyspace": "__table.5", "building": false } ] }
//! ```
//!
//! Every keyspace of a table is named `__table.<n>` with a number from
//! `next_id` that is never used twice, so a dropped table, index or cleaned
//! generation never shares a keyspace with its successor. DDL creates new
//! keyspaces first, then commits the catalogue change (and syncs the WAL),
//! then drops keyspaces no longer named; a crash in between leaves keyspaces
//! that no entry names, and `Database::open` drops them.

use serde::{Deserialize, Serialize};
use srdb_engine::{Keyspace, WriteBatch};

use crate::table::error::{DbError, DbResult};

/// Name of the engine keyspace holding the catalogue.
pub const CATALOG_KEYSPACE: &str = "__catalog";

/// Prefix of the names of every keyspace that belongs to a table.
pub(crate) const TABLE_KEYSPACE_PREFIX: &str = "__table.";

/// Version of the catalogue entry format this build writes and reads.
pub(crate) const CATALOG_FORMAT_VERSION: u32 = 1;

const NEXT_ID_KEY: &[u8] = b"next_id";
const TABLE_KEY_PREFIX: &[u8] = b"table:";
const HWM_KEY_PREFIX: &[u8] = b"hwm:";

/// The catalogue entry of one table.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub(crate) struct TableDoc {
    pub format: u32,
    /// Stable for the life of the table (cleaning keeps it).
    pub id: u64,
    /// The schema as a `schema.json` document, with its checksum.
    pub schema: String,
    /// Whether rows may carry their own `_time`.
    pub caller_time: bool,
    /// Name of the rows keyspace.
    pub rows: String,
    pub indexes: Vec<IndexDoc>,
}

/// The catalogue entry of one secondary index.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub(crate) struct IndexDoc {
    pub field: String,
    pub keyspace: String,
    /// True until its backfill finished: inserts and deletes maintain it,
    /// queries do not use it.
    pub building: bool,
}

impl TableDoc {
    /// Every keyspace the table uses.
    pub(crate) fn keyspaces(&self) -> impl Iterator<Item = &str> {
        std::iter::once(self.rows.as_str()).chain(self.indexes.iter().map(|i| i.keyspace.as_str()))
    }
}

/// The keyspace name for number `n`.
pub(crate) fn keyspace_name(n: u64) -> String {
    format!("{TABLE_KEYSPACE_PREFIX}{n}")
}

fn table_key(name: &str) -> Vec<u8> {
    [TABLE_KEY_PREFIX, name.as_bytes()].concat()
}

fn hwm_key(table_id: u64) -> Vec<u8> {
    [HWM_KEY_PREFIX, &table_id.to_be_bytes()[..]].concat()
}

fn read_u64(table: &str, what: &str, bytes: &[u8]) -> DbResult<u64> {
    let array: [u8; 8] = bytes.try_into().map_err(|_| {
        DbError::corrupt(table, format!("{what} has {} bytes instead of 8", bytes.len()))
    })?;
    Ok(u64::from_le_bytes(array))
}

/// Reads the counter of table ids and keyspace numbers (1 in a new database).
pub(crate) fn read_next_id(catalog: &Keyspace) -> DbResult<u64> {
    match catalog.get(NEXT_ID_KEY)? {
        Some(bytes) => read_u64(CATALOG_KEYSPACE, "the catalogue's next_id", &bytes),
        None => Ok(1),
    }
}

/// Adds the new value of the id counter to `batch`.
pub(crate) fn put_next_id(batch: &mut WriteBatch, catalog: &Keyspace, next: u64) {
    batch.put(catalog, NEXT_ID_KEY, next.to_le_bytes());
}

/// Every table entry: its name and its document, or why it cannot be read.
pub(crate) fn read_tables(catalog: &Keyspace) -> DbResult<Vec<(String, Result<TableDoc, String>)>> {
    let mut out = Vec::new();
    for entry in catalog.prefix(TABLE_KEY_PREFIX) {
        let (key, value) = entry?;
        let name = String::from_utf8(key[TABLE_KEY_PREFIX.len()..].to_vec()).map_err(|_| {
            DbError::corrupt(CATALOG_KEYSPACE, "a table name in the catalogue is not UTF-8")
        })?;
        let doc = serde_json::from_slice::<TableDoc>(&value)
            .map_err(|e| format!("its catalogue entry is not valid: {e}"))
            .and_then(|doc| match doc.format {
                CATALOG_FORMAT_VERSION => Ok(doc),
                v => Err(format!(
                    "its catalogue entry has format {v}, but this build reads format {CATALOG_FORMAT_VERSION}"
                )),
            });
        out.push((name, doc));
    }
    Ok(out)
}

/// Adds a table entry to `batch`.
pub(crate) fn put_table(batch: &mut WriteBatch, catalog: &Keyspace, name: &str, doc: &TableDoc) {
    let json = serde_json::to_vec(doc).expect("serialising a catalogue entry cannot fail");
    batch.put(catalog, table_key(name), json);
}

/// Adds the removal of a table entry (and of its high-water mark) to `batch`.
pub(crate) fn delete_table(
    batch: &mut WriteBatch,
    catalog: &Keyspace,
    name: &str,
    id: Option<u64>,
) {
    batch.delete(catalog, table_key(name));
    if let Some(id) = id {
        batch.delete(catalog, hwm_key(id));
    }
}

/// The table's `_seq` high-water mark (0 if none was written).
pub(crate) fn read_hwm(catalog: &Keyspace, table: &str, id: u64) -> DbResult<u64> {
    match catalog.get(hwm_key(id))? {
        Some(bytes) => read_u64(table, "the `_seq` high-water mark", &bytes),
        None => Ok(0),
    }
}

/// Adds a new `_seq` high-water mark to `batch`. Callers write marks in
/// increasing order (under the table's write lock), so the last one wins.
pub(crate) fn put_hwm(batch: &mut WriteBatch, catalog: &Keyspace, id: u64, hwm: u64) {
    batch.put(catalog, hwm_key(id), hwm.to_le_bytes());
}

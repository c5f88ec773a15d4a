//! Rebuilding a table's secondary indexes from its rows (`srdb repair`),
//! after damage that [`Table::check`] reports: index entries that point at
//! no row or at a row holding another value, entries that do not decode,
//! and rows without their entries.

use srdb_engine::WriteBatch;
use srdb_schema::decode_field;

use crate::table::limits::BACKFILL_BATCH_ROWS;
use crate::table::read::{seq_key, seq_of};
use crate::table::{DbError, DbResult, Table};

/// What [`Table::repair_indexes`] changed, per index.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct IndexRepair {
    /// The indexed field.
    pub field: String,
    /// Entries removed: they did not decode, or pointed at a missing row or
    /// at a row holding another value.
    pub entries_removed: u64,
    /// Entries added for rows that lacked them.
    pub entries_added: u64,
}

impl Table {
    /// Makes every index hold exactly one entry per row, with the row's
    /// value: removes the entries [`Table::check`] reports as wrong and adds
    /// the missing ones, in batches of [`BACKFILL_BATCH_ROWS`]. Rows are
    /// never changed. A row that does not decode stops the repair with
    /// [`DbError::CorruptRow`] (its entries cannot be known).
    ///
    /// Meant for a database no one else is writing (the command line holds
    /// the directory's lock); concurrent writes are not lost, since every
    /// insert writes its own entries, but a row deleted during the repair
    /// can leave an entry behind.
    pub fn repair_indexes(&self) -> DbResult<Vec<IndexRepair>> {
        let shared = &self.shared;
        let name = &shared.name;
        let state = shared.read_state()?;
        let mut out = Vec::new();
        for index in &state.indexes {
            let mut done = IndexRepair { field: index.field.clone(), ..IndexRepair::default() };
            // Wrong entries, judged against one snapshot of the rows.
            let snapshot = shared.db.engine.snapshot();
            let mut batch = WriteBatch::new();
            let mut it = snapshot.range::<&[u8], _>(&index.ks, ..);
            while let Some((key, _)) = it.next_ref()? {
                let keep = match srdb_index::decode_index_key(key, index.ty) {
                    Err(_) => false,
                    Ok((value, seq)) => match snapshot.get(&state.rows, seq_key(seq))? {
                        None => false,
                        Some(row) => decode_field(&row, &state.schema, index.field_index)
                            .is_ok_and(|stored| stored == value),
                    },
                };
                if !keep {
                    batch.delete(&index.ks, key);
                    done.entries_removed += 1;
                    if batch.len() >= BACKFILL_BATCH_ROWS {
                        shared.db.engine.write(&batch)?;
                        batch.clear();
                    }
                }
            }
            // Missing entries.
            let mut rows = snapshot.range::<&[u8], _>(&state.rows, ..);
            while let Some((key, value)) = rows.next_ref()? {
                let seq = seq_of(name, key)?;
                let v = decode_field(value, &state.schema, index.field_index)
                    .map_err(|source| DbError::CorruptRow { table: name.clone(), seq, source })?;
                let entry = srdb_index::encode_field_value(&v, index.ty, &index.field, seq)
                    .map_err(|source| DbError::Index { table: name.clone(), source })?;
                if snapshot.get(&index.ks, &entry)?.is_none() {
                    batch.put(&index.ks, entry, []);
                    done.entries_added += 1;
                    if batch.len() >= BACKFILL_BATCH_ROWS {
                        shared.db.engine.write(&batch)?;
                        batch.clear();
                    }
                }
            }
            if !batch.is_empty() {
                shared.db.engine.write(&batch)?;
            }
            out.push(done);
        }
        Ok(out)
    }
}

impl Table {
    /// Compacts the table's rows and indexes (their keyspaces only) down to
    /// their deepest level, purging deleted rows and shadowed versions; see
    /// [`srdb_engine::Engine::compact`].
    pub fn compact(&self) -> DbResult<()> {
        let state = self.shared.read_state()?;
        let mut names = vec![state.rows.name()];
        names.extend(state.indexes.iter().map(|i| i.ks.name()));
        self.shared.db.engine.compact_keyspaces(&names)?;
        Ok(())
    }
}

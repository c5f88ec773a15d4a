//! Secondary indexes: listing, creation with backfill, and dropping.
//!
//! A new index is first recorded as *building*: from that moment every
//! insert and delete maintains it. The backfill then walks the rows in
//! `_seq` order in batches of [`BACKFILL_BATCH_ROWS`], each batch read and
//! written under the table's write lock (so no delete can slip between
//! reading a row and writing its entry, which would leave an entry without
//! a row). Inserts are never blocked for more than one batch; an entry the
//! backfill writes for a row that an insert already indexed is the same key,
//! written twice. When the backfill ends the index is recorded as ready and
//! queries may use it. A backfill interrupted by a crash leaves the index
//! building; calling [`Table::create_index`] again finishes it.

use std::sync::atomic::Ordering;
use std::sync::Arc;

use srdb_engine::{Compression, WriteBatch};
use srdb_schema::{decode_field, Field, Schema};

use crate::table::limits::BACKFILL_BATCH_ROWS;
use crate::table::read::{seq_key, seq_of};
use crate::table::{
    cat, DbError, DbResult, DdlState, IndexDoc, IndexHandle, Table, TableDoc, TableState,
};

/// Whether an index can serve queries.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum IndexState {
    /// Complete: queries use it.
    Ready,
    /// Maintained by every write but not yet filled with the rows that were
    /// there before it was created; queries do not use it.
    Building,
}

/// A secondary index of a table.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct IndexInfo {
    /// The indexed field.
    pub field: String,
    /// Whether the field is unique (enforced through this index).
    pub unique: bool,
    /// Whether the index is complete.
    pub state: IndexState,
}

/// Progress of an index backfill, reported after each batch.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct BackfillProgress {
    /// Rows indexed so far.
    pub rows_done: u64,
    /// The largest `_seq` indexed so far.
    pub seq_reached: u64,
    /// The largest `_seq` that existed when the backfill started (rows
    /// inserted later index themselves); `seq_reached / seq_end` is a
    /// fraction of the work.
    pub seq_end: u64,
}

pub(crate) fn infos(state: &TableState) -> Vec<IndexInfo> {
    state
        .indexes
        .iter()
        .map(|i| IndexInfo {
            field: i.field.clone(),
            unique: i.unique,
            state: if i.building { IndexState::Building } else { IndexState::Ready },
        })
        .collect()
}

impl Table {
    /// The table's indexes, in the order they were created.
    pub fn list_indexes(&self) -> DbResult<Vec<IndexInfo>> {
        Ok(infos(&*self.shared.read_state()?))
    }

    /// Creates an index on `field` and fills it with the rows already
    /// stored, without blocking inserts (see the module documentation).
    pub fn create_index(&self, field: &str) -> DbResult<()> {
        self.create_index_with_progress(field, |_| {})
    }

    /// [`Table::create_index`], calling `progress` after each batch of the
    /// backfill.
    pub fn create_index_with_progress(
        &self,
        field: &str,
        mut progress: impl FnMut(BackfillProgress),
    ) -> DbResult<()> {
        let keyspace = self.start_index(field)?;
        self.backfill(field, &keyspace, &mut progress)?;
        self.finish_index(field, &keyspace)
    }

    /// Records a building index on `field` (or finds one left building) and
    /// returns its keyspace name.
    fn start_index(&self, field: &str) -> DbResult<String> {
        let shared = &self.shared;
        let mut ddl = shared.db.ddl.lock();
        let mut state = shared.state.write();
        if state.dropped {
            return Err(DbError::TableDropped { name: shared.name.clone() });
        }
        if let Some(existing) = state.indexes.iter().find(|i| i.field == field) {
            return match existing.building {
                true => Ok(existing.ks.name().to_owned()),
                false => Err(DbError::index_op(&shared.name, field, "the index exists already")),
            };
        }
        let mut doc = state.doc.clone();
        let compression = state.rows.options().compression;
        let handle = self.new_index(&mut ddl, &state.schema, compression, &mut doc, field)?;
        if let Err(e) = self.commit_doc(&mut ddl, &doc) {
            shared.db.drop_keyspaces([handle.ks.name()]);
            return Err(e);
        }
        let keyspace = handle.ks.name().to_owned();
        state.doc = doc;
        state.indexes.push(handle);
        Ok(keyspace)
    }

    /// Creates the keyspace of a new, building index on `field` and adds it
    /// to `doc`. The caller commits `doc` (or drops the keyspace).
    /// Its blocks get `compression` (the rows keyspace's).
    fn new_index(
        &self,
        ddl: &mut DdlState,
        schema: &Schema,
        compression: Compression,
        doc: &mut TableDoc,
        field: &str,
    ) -> DbResult<IndexHandle> {
        let shared = &self.shared;
        let schema_field = schema.field(field).ok_or_else(|| DbError::FieldNotFound {
            table: shared.name.clone(),
            field: field.to_owned(),
        })?;
        if !schema_field.ty.is_indexable() {
            return Err(DbError::index_op(
                &shared.name,
                field,
                format!("a field of type {} cannot be indexed", schema_field.ty),
            ));
        }
        let ks = shared.db.create_keyspace(ddl, false, compression)?;
        let index_doc =
            IndexDoc { field: field.to_owned(), keyspace: ks.name().to_owned(), building: true };
        match IndexHandle::open(&shared.db.engine, &shared.name, schema, &index_doc) {
            Ok(handle) => {
                doc.indexes.push(index_doc);
                Ok(handle)
            }
            Err(e) => {
                shared.db.drop_keyspaces([ks.name()]);
                Err(e)
            }
        }
    }

    /// Writes the table's catalogue entry (and the id counter) and syncs the
    /// WAL, so the change is durable when this returns.
    pub(crate) fn commit_doc(&self, ddl: &mut DdlState, doc: &TableDoc) -> DbResult<()> {
        let db = &self.shared.db;
        let mut batch = WriteBatch::new();
        cat::put_table(&mut batch, &db.catalog, &self.shared.name, doc);
        cat::put_next_id(&mut batch, &db.catalog, ddl.next_id);
        db.engine.write(&batch)?;
        db.engine.sync()?;
        Ok(())
    }

    /// Indexes the rows stored before the index existed, in batches.
    fn backfill(
        &self,
        field: &str,
        keyspace: &str,
        progress: &mut dyn FnMut(BackfillProgress),
    ) -> DbResult<()> {
        let shared = &self.shared;
        let seq_end = shared.next_seq.load(Ordering::Acquire) - 1;
        let mut done = BackfillProgress { rows_done: 0, seq_reached: 0, seq_end };
        let mut from = Some(0u64);
        while let Some(start) = from.filter(|&s| s <= seq_end) {
            let state = shared.read_state()?;
            let index =
                state.indexes.iter().find(|i| i.ks.name() == keyspace).ok_or_else(|| {
                    DbError::index_op(
                        &shared.name,
                        field,
                        "the index was dropped while it was being built",
                    )
                })?;
            let _write = shared.write_lock.lock();
            let mut batch = WriteBatch::new();
            let mut rows = 0usize;
            let mut it = state.rows.range(seq_key(start)..=seq_key(seq_end));
            from = None;
            while let Some((key, value)) = it.next_ref()? {
                let seq = seq_of(&shared.name, key)?;
                let v =
                    decode_field(value, &state.schema, index.field_index).map_err(|source| {
                        DbError::CorruptRow { table: shared.name.clone(), seq, source }
                    })?;
                let entry = srdb_index::encode_field_value(&v, index.ty, &index.field, seq)
                    .map_err(|source| DbError::Index { table: shared.name.clone(), source })?;
                batch.put(&index.ks, entry, []);
                rows += 1;
                done.seq_reached = seq;
                if rows >= BACKFILL_BATCH_ROWS {
                    from = seq.checked_add(1);
                    break;
                }
            }
            shared.db.engine.write(&batch)?;
            drop(_write);
            drop(state);
            done.rows_done += rows as u64;
            progress(done);
        }
        Ok(())
    }

    /// Marks the index in `keyspace` ready.
    fn finish_index(&self, field: &str, keyspace: &str) -> DbResult<()> {
        let shared = &self.shared;
        let mut ddl = shared.db.ddl.lock();
        let mut state = shared.state.write();
        if state.dropped {
            return Err(DbError::TableDropped { name: shared.name.clone() });
        }
        let Some(at) = state.indexes.iter().position(|i| i.ks.name() == keyspace) else {
            return Err(DbError::index_op(
                &shared.name,
                field,
                "the index was dropped while it was being built",
            ));
        };
        let mut doc = state.doc.clone();
        doc.indexes[at].building = false;
        self.commit_doc(&mut ddl, &doc)?;
        state.doc = doc;
        state.indexes[at].building = false;
        Ok(())
    }

    /// Drops the index on `field`. The index of a unique field cannot be
    /// dropped: it enforces the constraint.
    pub fn drop_index(&self, field: &str) -> DbResult<()> {
        let shared = &self.shared;
        let mut ddl = shared.db.ddl.lock();
        let mut state = shared.state.write();
        if state.dropped {
            return Err(DbError::TableDropped { name: shared.name.clone() });
        }
        let Some(at) = state.indexes.iter().position(|i| i.field == field) else {
            return Err(DbError::index_op(&shared.name, field, "there is no such index"));
        };
        if state.indexes[at].unique {
            return Err(DbError::index_op(
                &shared.name,
                field,
                "the field is unique and its index enforces that, so it cannot be dropped",
            ));
        }
        let mut doc = state.doc.clone();
        let removed = doc.indexes.remove(at);
        self.commit_doc(&mut ddl, &doc)?;
        state.doc = doc;
        state.indexes.remove(at);
        shared.db.drop_keyspaces([removed.keyspace.as_str()]);
        Ok(())
    }

    /// Adds a field to the schema (persisted in the catalogue). Rows already
    /// stored read back with the field's default, or NULL, so the field must
    /// be nullable or have a default. An `indexed` field gets an index,
    /// backfilled like [`Table::create_index`]. A `unique` field cannot
    /// have a default: every stored row would hold the same value.
    pub fn add_field(&self, field: Field) -> DbResult<()> {
        let shared = &self.shared;
        if field.unique && field.default.as_ref().is_some_and(|d| !d.is_null()) {
            return Err(DbError::schema(
                &shared.name,
                srdb_schema::SchemaError::InvalidField {
                    field: field.name.clone(),
                    reason: "a unique field added to a table cannot have a default, because every row already stored would hold it".to_owned(),
                },
            ));
        }
        let indexed = field.indexed || field.unique;
        let name = field.name.clone();
        let keyspace = {
            let mut ddl = shared.db.ddl.lock();
            let mut state = shared.state.write();
            if state.dropped {
                return Err(DbError::TableDropped { name: shared.name.clone() });
            }
            let mut schema = (*state.schema).clone();
            schema.add_field(field).map_err(|e| DbError::schema(&shared.name, e))?;
            let mut doc = state.doc.clone();
            doc.schema = schema.to_json();
            // The index is recorded with the field, in one catalogue change,
            // so no row can get a value for a unique field before its index
            // checks it.
            let handle = match indexed {
                true => {
                    let compression = state.rows.options().compression;
                    Some(self.new_index(&mut ddl, &schema, compression, &mut doc, &name)?)
                }
                false => None,
            };
            if let Err(e) = self.commit_doc(&mut ddl, &doc) {
                if let Some(h) = &handle {
                    shared.db.drop_keyspaces([h.ks.name()]);
                }
                return Err(e);
            }
            state.doc = doc;
            state.schema = Arc::new(schema);
            handle.map(|h| {
                let keyspace = h.ks.name().to_owned();
                state.indexes.push(h);
                keyspace
            })
        };
        if let Some(keyspace) = keyspace {
            self.backfill(&name, &keyspace, &mut |_| {})?;
            self.finish_index(&name, &keyspace)?;
        }
        Ok(())
    }
}

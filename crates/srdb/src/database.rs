//! The database: one directory, one engine, the key-value store and the
//! tables, with their catalogue.
//!
//! Everything lives in one engine, so the key-value store and every table
//! share one WAL and one MANIFEST, and a batch that spans the rows of a table,
//! its indexes and the catalogue is atomic. The catalogue is described in
//! `table/catalog.rs` and `docs/guide/tables.md`.

use std::collections::{BTreeMap, HashSet};
use std::path::Path;
use std::sync::atomic::Ordering;
use std::sync::Arc;

use parking_lot::{Mutex, RwLock};
use srdb_engine::{Engine, KeyspaceOptions, Options, WriteBatch};
use srdb_schema::Schema;

use crate::table::{
    cat, DbError, DbResult, DbShared, DdlState, IndexDoc, Table, TableDoc, TableOptions,
    TableShared, TableState, CATALOG_KEYSPACE, MAX_TABLE_NAME_BYTES,
};
use crate::Kv;

/// An open srdb database: the key-value store and the tables of one
/// directory.
///
/// Cheap to clone and usable from many threads. The engine underneath stops
/// when the last handle (database, [`Table`] or [`Kv`]) is dropped, or at
/// [`Database::close`].
///
/// Tables whose files are damaged do not stop the database from opening:
/// [`Database::damaged_tables`] lists them with the reason, [`Database::table`]
/// refuses them, and [`Database::drop_table`] removes what is left of them.
#[derive(Clone)]
pub struct Database {
    inner: Arc<DbInner>,
}

struct DbInner {
    shared: Arc<DbShared>,
    kv: Kv,
    tables: RwLock<BTreeMap<String, Table>>,
    damaged: Mutex<BTreeMap<String, String>>,
}

impl std::fmt::Debug for Database {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Database").field("path", &self.inner.shared.engine.path()).finish()
    }
}

impl Database {
    /// Opens (creating if needed) the database in `dir` with default options.
    pub fn open(dir: impl AsRef<Path>) -> DbResult<Database> {
        Database::open_with(dir, Options::default())
    }

    /// Opens (creating if needed) the database in `dir`.
    ///
    /// Each table is opened from its catalogue entry; a table whose entry or
    /// files are damaged is listed by [`Database::damaged_tables`] and the
    /// rest of the database opens normally. Keyspaces left behind by a crash
    /// in the middle of a table change are dropped.
    pub fn open_with(dir: impl AsRef<Path>, opts: Options) -> DbResult<Database> {
        let engine = Arc::new(Engine::open(dir, opts)?);
        let catalog = engine.open_keyspace(CATALOG_KEYSPACE, KeyspaceOptions::default())?;
        let kv = Kv::from_engine(engine.clone())?;
        let mut next_id = cat::read_next_id(&catalog)?;
        let entries = cat::read_tables(&catalog)?;
        // A keyspace number at or above next_id would be handed out again;
        // raise the counter above every table keyspace that exists.
        for name in engine.keyspace_names() {
            if let Some(n) = name.strip_prefix(cat::TABLE_KEYSPACE_PREFIX) {
                if let Ok(n) = n.parse::<u64>() {
                    next_id = next_id.max(n + 1);
                }
            }
        }
        let shared = Arc::new(DbShared { engine, catalog, ddl: Mutex::new(DdlState { next_id }) });
        let mut tables = BTreeMap::new();
        let mut damaged = BTreeMap::new();
        let mut referenced = HashSet::new();
        let mut all_entries_read = true;
        for (name, doc) in entries {
            let doc = match doc {
                Ok(doc) => doc,
                Err(reason) => {
                    all_entries_read = false;
                    damaged.insert(name, reason);
                    continue;
                }
            };
            referenced.extend(doc.keyspaces().map(str::to_owned));
            match TableShared::open(shared.clone(), &name, doc) {
                Ok(t) => {
                    tables.insert(name, Table { shared: Arc::new(t) });
                }
                Err(e) => {
                    damaged.insert(name, damage_reason(e));
                }
            }
        }
        // Only when every entry was read is it known which keyspaces are
        // orphans; otherwise a damaged entry's keyspaces could be dropped.
        if all_entries_read {
            let orphans: Vec<String> = shared
                .engine
                .keyspace_names()
                .into_iter()
                .filter(|n| n.starts_with(cat::TABLE_KEYSPACE_PREFIX) && !referenced.contains(n))
                .collect();
            for name in &orphans {
                shared.engine.drop_keyspace(name)?;
            }
        }
        Ok(Database {
            inner: Arc::new(DbInner {
                shared,
                kv,
                tables: RwLock::new(tables),
                damaged: Mutex::new(damaged),
            }),
        })
    }

    /// The key-value store of this database.
    pub fn kv(&self) -> Kv {
        self.inner.kv.clone()
    }

    /// The engine underneath, for statistics, flush and compaction.
    pub fn engine(&self) -> &Arc<Engine> {
        &self.inner.shared.engine
    }

    /// Creates a table with default options.
    pub fn create_table(&self, name: &str, schema: Schema) -> DbResult<Table> {
        self.create_table_with(name, schema, TableOptions::default())
    }

    /// Creates a table. Fields marked `indexed` or `unique` get an index.
    pub fn create_table_with(
        &self,
        name: &str,
        schema: Schema,
        options: TableOptions,
    ) -> DbResult<Table> {
        check_table_name(name)?;
        let db = &self.inner.shared;
        let mut ddl = db.ddl.lock();
        if self.inner.tables.read().contains_key(name)
            || self.inner.damaged.lock().contains_key(name)
        {
            return Err(DbError::TableExists { name: name.to_owned() });
        }
        let id = ddl.allocate();
        let mut created = Vec::new();
        let result = (|| {
            let rows = db.create_keyspace(&mut ddl, true, options.compression)?;
            created.push(rows.name().to_owned());
            let mut indexes = Vec::new();
            for field in schema.indexed_fields() {
                let ks = db.create_keyspace(&mut ddl, false, options.compression)?;
                created.push(ks.name().to_owned());
                indexes.push(IndexDoc {
                    field: field.name.clone(),
                    keyspace: ks.name().to_owned(),
                    building: false,
                });
            }
            let doc = TableDoc {
                format: cat::CATALOG_FORMAT_VERSION,
                id,
                schema: schema.to_json(),
                caller_time: options.caller_time,
                rows: rows.name().to_owned(),
                indexes,
            };
            let mut batch = WriteBatch::new();
            cat::put_table(&mut batch, &db.catalog, name, &doc);
            cat::put_next_id(&mut batch, &db.catalog, ddl.next_id);
            db.engine.write(&batch)?;
            db.engine.sync()?;
            TableShared::open(db.clone(), name, doc)
        })();
        match result {
            Ok(shared) => {
                let table = Table { shared: Arc::new(shared) };
                // A new table is empty: its row count is known.
                table.shared.rows_known.store(true, Ordering::Release);
                self.inner.tables.write().insert(name.to_owned(), table.clone());
                Ok(table)
            }
            Err(e) => {
                db.drop_keyspaces(created.iter().map(String::as_str));
                Err(e)
            }
        }
    }

    /// The table called `name`.
    pub fn table(&self, name: &str) -> DbResult<Table> {
        if let Some(table) = self.inner.tables.read().get(name) {
            return Ok(table.clone());
        }
        match self.inner.damaged.lock().get(name) {
            Some(reason) => {
                Err(DbError::TableDamaged { name: name.to_owned(), reason: reason.clone() })
            }
            None => Err(DbError::TableNotFound { name: name.to_owned() }),
        }
    }

    /// Names of the tables that can be used, sorted.
    pub fn tables(&self) -> Vec<String> {
        self.inner.tables.read().keys().cloned().collect()
    }

    /// Tables that could not be opened, with the reason, sorted by name.
    pub fn damaged_tables(&self) -> Vec<(String, String)> {
        self.inner.damaged.lock().iter().map(|(n, r)| (n.clone(), r.clone())).collect()
    }

    /// Drops a table: its rows, its indexes and its catalogue entry. Handles
    /// to it fail with [`DbError::TableDropped`] from then on. A damaged
    /// table can be dropped too.
    pub fn drop_table(&self, name: &str) -> DbResult<()> {
        let db = &self.inner.shared;
        let _ddl = db.ddl.lock();
        let live = self.inner.tables.read().get(name).cloned();
        let Some(table) = live else {
            return self.drop_damaged(name);
        };
        let mut state = table.shared.state.write();
        let mut batch = WriteBatch::new();
        cat::delete_table(&mut batch, &db.catalog, name, Some(table.shared.id));
        db.engine.write(&batch)?;
        db.engine.sync()?;
        state.dropped = true;
        self.inner.tables.write().remove(name);
        db.drop_keyspaces(state.doc.keyspaces());
        Ok(())
    }

    fn drop_damaged(&self, name: &str) -> DbResult<()> {
        let db = &self.inner.shared;
        if !self.inner.damaged.lock().contains_key(name) {
            return Err(DbError::TableNotFound { name: name.to_owned() });
        }
        let doc = cat::read_tables(&db.catalog)?
            .into_iter()
            .find(|(n, _)| n == name)
            .and_then(|(_, doc)| doc.ok());
        let mut batch = WriteBatch::new();
        cat::delete_table(&mut batch, &db.catalog, name, doc.as_ref().map(|d| d.id));
        db.engine.write(&batch)?;
        db.engine.sync()?;
        self.inner.damaged.lock().remove(name);
        if let Some(doc) = doc {
            db.drop_keyspaces(doc.keyspaces());
        }
        Ok(())
    }

    /// Empties a table, keeping its schema, options and indexes. `_seq`
    /// continues where it was: the rows removed keep their numbers.
    ///
    /// The table gets fresh keyspaces in one catalogue change, so the call
    /// takes the same time whatever the number of rows, and a crash leaves
    /// either the old rows or none.
    pub fn clean_table(&self, name: &str) -> DbResult<()> {
        let table = self.table(name)?;
        let db = &self.inner.shared;
        let shared = &table.shared;
        let mut ddl = db.ddl.lock();
        let mut state = shared.state.write();
        if state.dropped {
            return Err(DbError::TableDropped { name: name.to_owned() });
        }
        let _write = shared.write_lock.lock();
        let mut created = Vec::new();
        let result = (|| {
            let mut doc = state.doc.clone();
            let compression = state.rows.options().compression;
            let rows = db.create_keyspace(&mut ddl, true, compression)?;
            created.push(rows.name().to_owned());
            doc.rows = rows.name().to_owned();
            for index in &mut doc.indexes {
                let ks = db.create_keyspace(&mut ddl, false, compression)?;
                created.push(ks.name().to_owned());
                index.keyspace = ks.name().to_owned();
            }
            let mut batch = WriteBatch::new();
            cat::put_table(&mut batch, &db.catalog, name, &doc);
            cat::put_next_id(&mut batch, &db.catalog, ddl.next_id);
            let hwm = shared.next_seq.load(Ordering::Acquire) - 1;
            cat::put_hwm(&mut batch, &db.catalog, shared.id, hwm);
            let fresh = TableState::open(&db.engine, name, doc)?;
            db.engine.write(&batch)?;
            db.engine.sync()?;
            Ok(fresh)
        })();
        match result {
            Ok(fresh) => {
                let old = std::mem::replace(&mut *state, fresh);
                shared.rows.store(0, Ordering::Release);
                shared.rows_known.store(true, Ordering::Release);
                db.drop_keyspaces(old.doc.keyspaces());
                Ok(())
            }
            Err(e) => {
                db.drop_keyspaces(created.iter().map(String::as_str));
                Err(e)
            }
        }
    }

    /// Writes everything in memory to SST files.
    pub fn flush(&self) -> DbResult<()> {
        Ok(self.inner.shared.engine.flush()?)
    }

    /// Syncs the WAL and, if no [`Table`] or [`Kv`] handle outlives this
    /// database handle, stops the engine and releases the directory;
    /// otherwise the engine stops when the last of them is dropped.
    pub fn close(self) -> DbResult<()> {
        self.inner.shared.engine.sync()?;
        let Ok(inner) = Arc::try_unwrap(self.inner) else { return Ok(()) };
        let DbInner { shared, kv, tables, damaged: _ } = inner;
        drop(kv);
        drop(tables);
        let Ok(shared) = Arc::try_unwrap(shared) else { return Ok(()) };
        let DbShared { engine, catalog, ddl: _ } = shared;
        drop(catalog);
        match Arc::try_unwrap(engine) {
            Ok(engine) => Ok(engine.close()?),
            Err(_) => Ok(()),
        }
    }
}

/// The reason a table could not be opened, for [`Database::damaged_tables`].
fn damage_reason(e: DbError) -> String {
    match e {
        DbError::TableDamaged { reason, .. } => reason,
        other => other.to_string(),
    }
}

/// Table names follow the rules of field names: 1 to
/// [`MAX_TABLE_NAME_BYTES`] bytes, a letter or `_` then letters, digits or
/// `_`; names starting with `__` are reserved.
fn check_table_name(name: &str) -> DbResult<()> {
    let bad = |reason| Err(DbError::InvalidTableName { name: name.to_owned(), reason });
    if name.is_empty() {
        return bad("a table name cannot be empty");
    }
    if name.len() > MAX_TABLE_NAME_BYTES {
        return bad("a table name has at most 64 bytes");
    }
    if name.starts_with("__") {
        return bad("names starting with `__` are reserved");
    }
    let mut chars = name.chars();
    let first_ok = chars.next().is_some_and(|c| c.is_alphabetic() || c == '_');
    if !first_ok || !chars.all(|c| c.is_alphanumeric() || c == '_') {
        return bad("a name starts with a letter or `_` and has only letters, digits and `_`");
    }
    Ok(())
}

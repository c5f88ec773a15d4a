//! Inserts, deletes and retention.

use std::collections::HashMap;
use std::ops::Range;
use std::sync::atomic::Ordering;

use serde::Serialize;
use srdb_engine::WriteBatch;
use srdb_schema::{
    decode_field, decode_time, encode_row_into, Row, UnknownFields, ValidatedRow, Value,
};

use crate::table::limits::RETENTION_BATCH_ROWS;
use crate::table::read::{seq_key, seq_of, SEQ_BYTES};
use crate::table::{cat, now_ns, time_of, DbError, DbResult, Table, TableState};

/// An index key in the buffer of a batch's index keys, sorted by its
/// value's encoding and then by the position of its row in the batch.
///
/// That is the order of the keys themselves: a key is the value's encoding
/// and the row's `_seq`, the encodings of one index's values are prefix-free
/// (no encoding is a proper prefix of another), and `_seq`s rise with the
/// position. So most comparisons are one integer comparison of the first 16
/// bytes of the encodings (zero-padded, as a big-endian integer), and ties
/// (one value in many rows) compare positions instead of `_seq` bytes.
/// Heads that are equal mean equal values unless both encodings are longer
/// than 16 bytes, whose tails are then compared. Measured against heads of
/// the whole keys, compared as slices on ties: callgrind, 50k rows with
/// indexes on an int64 and a short string, the sorts take 31.6M
/// instructions instead of 39.6M.
#[derive(Clone, Copy)]
struct SortKey {
    head: u128,
    /// Where the key starts in the buffer, and where its value ends and
    /// its `_seq` begins.
    start: u32,
    value_end: u32,
    /// The row's position in the batch.
    row: u32,
}

impl SortKey {
    /// The key from `start` to the end of `keys`, of the row at `row`.
    /// Index keys are at most `MAX_INDEX_KEY_BYTES` and a batch at most
    /// `MAX_BATCH_BYTES`, so offsets fit in a `u32`.
    fn new(keys: &[u8], start: usize, row: usize) -> Self {
        let value_end = keys.len() - srdb_index::SEQ_BYTES;
        let value = &keys[start..value_end];
        let mut head = [0u8; 16];
        let n = value.len().min(16);
        head[..n].copy_from_slice(&value[..n]);
        SortKey {
            head: u128::from_be_bytes(head),
            start: start as u32,
            value_end: value_end as u32,
            row: row as u32,
        }
    }

    fn bytes<'k>(&self, keys: &'k [u8]) -> &'k [u8] {
        &keys[self.start as usize..self.value_end as usize + srdb_index::SEQ_BYTES]
    }

    /// The bytes of the value's encoding past the head's 16, if any.
    fn tail<'k>(&self, keys: &'k [u8]) -> Option<&'k [u8]> {
        keys.get(self.start as usize + 16..self.value_end as usize)
    }

    /// The order of the keys (see the type's docs).
    fn cmp(&self, other: &Self, keys: &[u8]) -> std::cmp::Ordering {
        self.head.cmp(&other.head).then_with(|| {
            match (self.tail(keys), other.tail(keys)) {
                (Some(a), Some(b)) => a.cmp(b),
                _ => std::cmp::Ordering::Equal,
            }
            .then(self.row.cmp(&other.row))
        })
    }
}

/// A column of a positional insert.
#[derive(Clone, Copy)]
enum Column {
    Seq,
    Time,
    /// The field of this index in the schema.
    Field(usize),
}

/// A row checked and encoded, waiting for its `_seq`.
struct Prepared {
    row: ValidatedRow,
    time_ns: i64,
}

impl Table {
    /// Inserts a row and returns its `_seq`.
    ///
    /// The row names fields of the schema (see `Schema::validate`: unknown
    /// fields, wrong types, NULL in a non-nullable field and missing fields
    /// are errors naming the field). `_seq` is assigned; `_time` is the
    /// insert time, or the row's own `_time` if the table was created with
    /// [`crate::TableOptions::caller_time`].
    pub fn insert(&self, row: Row) -> DbResult<u64> {
        Ok(self.insert_batch([row])?.start)
    }

    /// Inserts rows atomically: all of them or, on any error, none. Returns
    /// their `_seq`s, consecutive and in the order given.
    pub fn insert_batch(&self, rows: impl IntoIterator<Item = Row>) -> DbResult<Range<u64>> {
        let state = self.shared.read_state()?;
        let rows = rows.into_iter();
        let mut prepared = Vec::with_capacity(rows.size_hint().0);
        for row in rows {
            prepared.push(self.prepare(&state, row)?);
        }
        self.insert_prepared(&state, prepared)
    }

    /// Inserts a row given as values in the order of `columns` (field
    /// names, `_time` and `_seq` included) and returns its `_seq`: the
    /// positional form of [`Table::insert`], like SQL's
    /// `INSERT INTO t (columns) VALUES (...)`. See
    /// [`Table::insert_batch_values`].
    pub fn insert_values(
        &self,
        columns: &[&str],
        values: impl IntoIterator<Item = Value>,
    ) -> DbResult<u64> {
        Ok(self.insert_batch_values(columns, [values])?.start)
    }

    /// Inserts rows given as values in the order of `columns` atomically,
    /// like [`Table::insert_batch`], and returns their `_seq`s.
    ///
    /// Each row has exactly one value per column. The columns are looked up
    /// in the schema once per call instead of once per field of every row,
    /// and no [`Row`] is built: the cheapest way to insert many rows whose
    /// fields are known in advance. Validation is that of
    /// [`Table::insert`]: each value is converted to its field's type,
    /// fields not listed take their default (or NULL), errors name the
    /// field, `_seq` may only be NULL and `_time` is accepted as
    /// [`Table::insert`] accepts it.
    ///
    /// Errors besides those of [`Table::insert`]: a column the table does
    /// not have ([`DbError::FieldNotFound`]), a column listed twice or a
    /// row with more or fewer values than columns
    /// ([`DbError::InvalidColumns`]).
    ///
    /// ```
    /// # fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// use srdb::{Database, FieldType, Schema, Value};
    ///
    /// # let dir = tempfile::tempdir()?;
    /// let db = Database::open(dir.path())?;
    /// let schema = Schema::builder()
    ///     .field("name", FieldType::String)
    ///     .field("age", FieldType::Int32)
    ///     .build()?;
    /// let people = db.create_table("people", schema)?;
    /// let seqs = people.insert_batch_values(
    ///     &["name", "age"],
    ///     [[Value::from("Alice"), Value::from(30)], [Value::from("Bob"), Value::from(41)]],
    /// )?;
    /// assert_eq!(seqs, 1..3);
    /// assert_eq!(people.get(2)?.unwrap().get("name"), Some(&Value::from("Bob")));
    /// # Ok(())
    /// # }
    /// ```
    pub fn insert_batch_values<R: IntoIterator<Item = Value>>(
        &self,
        columns: &[&str],
        rows: impl IntoIterator<Item = R>,
    ) -> DbResult<Range<u64>> {
        let state = self.shared.read_state()?;
        let columns = self.resolve_columns(&state, columns)?;
        let rows = rows.into_iter();
        let mut prepared = Vec::with_capacity(rows.size_hint().0);
        for values in rows {
            prepared.push(self.prepare_values(&state, &columns, values)?);
        }
        self.insert_prepared(&state, prepared)
    }

    /// Gives the prepared rows their `_seq`s, checks unique values and
    /// writes the rows with their index entries as one batch.
    fn insert_prepared(&self, state: &TableState, prepared: Vec<Prepared>) -> DbResult<Range<u64>> {
        let shared = &self.shared;
        if prepared.is_empty() {
            let next = shared.next_seq.load(Ordering::Acquire);
            return Ok(next..next);
        }
        // Unique values are checked and written under one hold of the write
        // lock, so two inserts cannot both find a value absent.
        let _unique = state.has_unique().then(|| shared.write_lock.lock());
        let count = prepared.len() as u64;
        let first = shared.next_seq.fetch_add(count, Ordering::AcqRel);
        let seqs = first..first.checked_add(count).ok_or_else(|| {
            DbError::corrupt(&shared.name, "the table has used up the range of `_seq`")
        })?;
        if state.has_unique() {
            self.check_unique(state, &prepared, first)?;
        }
        let batch = self.insert_batch_of(state, &prepared, first)?;
        shared.db.engine.write(&batch)?;
        shared.count_rows(count, 0);
        Ok(seqs)
    }

    /// The batch that inserts `rows` with `_seq`s from `first`: the rows in
    /// `_seq` order, each encoded in place in the batch, then the entries of
    /// each index in key order, their keys built in one buffer per index.
    ///
    /// Sorting makes each keyspace's entries one ascending run, which the
    /// engine inserts through one memtable inserter that keeps its place (a
    /// few comparisons per entry instead of a search of the memtable) and
    /// which proves that no key repeats without hashing every key of the
    /// batch. Callgrind, 50k rows with two indexes in batches of 1,000:
    /// sorting costs about 400 instructions per index entry and saves about
    /// 1,400 (hashing, and searching the memtable from its top), 580M ->
    /// 483M instructions in all.
    fn insert_batch_of(
        &self,
        state: &TableState,
        rows: &[Prepared],
        first: u64,
    ) -> DbResult<WriteBatch> {
        let mut batch = WriteBatch::new();
        for (seq, row) in (first..).zip(rows) {
            batch.put_with(&state.rows, seq_key(seq), |out| {
                encode_row_into(&state.schema, row.time_ns, &row.row, out)
            });
        }
        let mut keys = Vec::new();
        let mut order = Vec::with_capacity(rows.len());
        for index in &state.indexes {
            keys.clear();
            order.clear();
            for (n, (seq, row)) in (first..).zip(rows).enumerate() {
                let value = &row.row.values()[index.field_index];
                let start = keys.len();
                srdb_index::encode_field_value_into(value, index.ty, &index.field, seq, &mut keys)
                    .map_err(|source| DbError::Index { table: self.shared.name.clone(), source })?;
                order.push(SortKey::new(&keys, start, n));
            }
            order.sort_unstable_by(|a, b| a.cmp(b, &keys));
            for key in &order {
                batch.put(&index.ks, key.bytes(&keys), []);
            }
        }
        Ok(batch)
    }

    /// Inserts any serde struct or map as a row (see `srdb_schema::to_row`).
    pub fn insert_struct<T: Serialize + ?Sized>(&self, value: &T) -> DbResult<u64> {
        self.insert(self.to_row(value)?)
    }

    /// Inserts serde structs or maps atomically, like [`Table::insert_batch`].
    pub fn insert_structs<T: Serialize>(&self, values: &[T]) -> DbResult<Range<u64>> {
        let rows = values.iter().map(|v| self.to_row(v)).collect::<DbResult<Vec<_>>>()?;
        self.insert_batch(rows)
    }

    fn to_row<T: Serialize + ?Sized>(&self, value: &T) -> DbResult<Row> {
        srdb_schema::to_row(value)
            .map_err(|source| DbError::Serde { table: self.shared.name.clone(), source })
    }

    /// Takes `_seq` and `_time` out of a row and validates the rest, in one
    /// pass over the row.
    fn prepare(&self, state: &TableState, row: Row) -> DbResult<Prepared> {
        let (mut seq, mut time) = (None, None);
        let row = state
            .schema
            .validate_taking(row, UnknownFields::Reject, |name, value| {
                match name {
                    "_seq" => seq = Some(value),
                    "_time" => time = Some(value),
                    _ => return Some(value),
                }
                None
            })
            .map_err(|e| DbError::schema(&self.shared.name, e))?;
        let time_ns = self.reserved_fields(state, seq, time)?;
        Ok(Prepared { row, time_ns })
    }

    /// The columns of a positional insert, looked up in the schema.
    fn resolve_columns(&self, state: &TableState, names: &[&str]) -> DbResult<Vec<Column>> {
        let table = &self.shared.name;
        let mut columns = Vec::with_capacity(names.len());
        for (at, &name) in names.iter().enumerate() {
            if names[..at].contains(&name) {
                return Err(DbError::InvalidColumns {
                    table: table.clone(),
                    reason: format!("the column `{name}` is listed twice"),
                });
            }
            columns.push(match name {
                "_seq" => Column::Seq,
                "_time" => Column::Time,
                _ => match state.schema.index_of(name) {
                    Some(index) => Column::Field(index),
                    None => {
                        return Err(DbError::FieldNotFound {
                            table: table.clone(),
                            field: name.to_owned(),
                        })
                    }
                },
            });
        }
        Ok(columns)
    }

    /// Validates a row given as one value per column.
    fn prepare_values(
        &self,
        state: &TableState,
        columns: &[Column],
        values: impl IntoIterator<Item = Value>,
    ) -> DbResult<Prepared> {
        let table = &self.shared.name;
        let mut row = state.schema.row_builder();
        let (mut seq, mut time) = (None, None);
        let mut given = 0;
        for value in values {
            match columns.get(given) {
                Some(Column::Seq) => seq = Some(value),
                Some(Column::Time) => time = Some(value),
                Some(&Column::Field(index)) => {
                    row.set(index, value).map_err(|e| DbError::schema(table, e))?
                }
                None => {
                    given += 1;
                    break;
                }
            }
            given += 1;
        }
        if given != columns.len() {
            let count = match given > columns.len() {
                true => format!("more than {}", columns.len()),
                false => given.to_string(),
            };
            return Err(DbError::InvalidColumns {
                table: table.clone(),
                reason: format!("a row has {count} values for {} columns", columns.len()),
            });
        }
        let time_ns = self.reserved_fields(state, seq, time)?;
        let row = row.finish().map_err(|e| DbError::schema(table, e))?;
        Ok(Prepared { row, time_ns })
    }

    /// Checks the `_seq` and `_time` a row was given and returns its
    /// `_time`.
    fn reserved_fields(
        &self,
        state: &TableState,
        seq: Option<Value>,
        time: Option<Value>,
    ) -> DbResult<i64> {
        let name = &self.shared.name;
        let reserved = |field: &str, reason| DbError::ReservedField {
            table: name.clone(),
            field: field.to_owned(),
            reason,
        };
        match seq {
            None | Some(Value::Null) => {}
            Some(_) => return Err(reserved("_seq", "every row gets its `_seq` from the table")),
        }
        match time {
            None | Some(Value::Null) => Ok(now_ns()),
            Some(t) if state.doc.caller_time => time_of(name, &t),
            Some(_) => Err(reserved(
                "_time",
                "the table sets `_time` at insert (create it with `TableOptions::caller_time` to accept it from rows)",
            )),
        }
    }

    /// Refuses rows whose unique values another row, stored or earlier in
    /// the batch, already holds. NULL is never a duplicate. The caller holds
    /// the write lock.
    fn check_unique(&self, state: &TableState, rows: &[Prepared], first: u64) -> DbResult<()> {
        let mut seen: HashMap<(usize, Vec<u8>), u64> = HashMap::new();
        for (n, row) in rows.iter().enumerate() {
            for (i, index) in state.indexes.iter().enumerate().filter(|(_, x)| x.unique) {
                let value = &row.row.values()[index.field_index];
                if value.is_null() {
                    continue;
                }
                let mut prefix = Vec::new();
                srdb_index::encode_value(value, &mut prefix);
                let violation = |existing_seq| DbError::UniqueViolation {
                    table: self.shared.name.clone(),
                    field: index.field.clone(),
                    value: value.to_string(),
                    existing_seq,
                };
                if let Some(entry) = index.ks.prefix(&prefix).next() {
                    let (key, _) = entry?;
                    return Err(violation(index_entry_seq(&self.shared.name, &key)?));
                }
                if let Some(&earlier) = seen.get(&(i, prefix.clone())) {
                    return Err(violation(earlier));
                }
                seen.insert((i, prefix), first + n as u64);
            }
        }
        Ok(())
    }

    /// Deletes the row with this `_seq` and its index entries; returns
    /// whether it existed. Its `_seq` is never given to another row.
    pub fn delete(&self, seq: u64) -> DbResult<bool> {
        let shared = &self.shared;
        let state = shared.read_state()?;
        let _write = shared.write_lock.lock();
        let Some(bytes) = state.rows.get(seq_key(seq))? else {
            return Ok(false);
        };
        let mut batch = WriteBatch::new();
        self.delete_into(&state, &mut batch, seq, &bytes)?;
        self.put_hwm(&mut batch);
        shared.db.engine.write(&batch)?;
        shared.count_rows(0, 1);
        Ok(true)
    }

    /// Adds the deletion of a stored row and of its index entries to `batch`.
    fn delete_into(
        &self,
        state: &TableState,
        batch: &mut WriteBatch,
        seq: u64,
        bytes: &[u8],
    ) -> DbResult<()> {
        batch.delete(&state.rows, seq_key(seq));
        for index in &state.indexes {
            let value =
                decode_field(bytes, &state.schema, index.field_index).map_err(|source| {
                    DbError::CorruptRow { table: self.shared.name.clone(), seq, source }
                })?;
            batch.delete(&index.ks, srdb_index::index_key(&value, seq));
        }
        Ok(())
    }

    /// Adds the current `_seq` high-water mark to a batch that deletes rows.
    /// The caller holds the write lock, so marks reach the WAL in increasing
    /// order and the last one is the largest.
    fn put_hwm(&self, batch: &mut WriteBatch) {
        let hwm = self.shared.next_seq.load(Ordering::Acquire) - 1;
        cat::put_hwm(batch, &self.shared.db.catalog, self.shared.id, hwm);
    }

    /// Deletes every row whose `_time` is before `time_ns` (a time-series
    /// retention), with its index entries, in batches of
    /// [`RETENTION_BATCH_ROWS`]. Returns the number of rows deleted.
    ///
    /// Each batch is atomic; the whole call is not: rows inserted meanwhile
    /// with an old `_time` may or may not be deleted. `_time` is read from
    /// the first 8 bytes of each row, without decoding the rest.
    pub fn delete_older_than(&self, time_ns: i64) -> DbResult<u64> {
        let shared = &self.shared;
        let mut deleted = 0u64;
        let mut from = 0u64;
        loop {
            let state = shared.read_state()?;
            let _write = shared.write_lock.lock();
            let mut batch = WriteBatch::new();
            let mut in_batch = 0u64;
            let mut examined = 0usize;
            let mut it = state.rows.range(seq_key(from)..);
            let mut finished = true;
            while let Some((key, value)) = it.next_ref()? {
                let seq = seq_of(&shared.name, key)?;
                let row_time = decode_time(value).map_err(|source| DbError::CorruptRow {
                    table: shared.name.clone(),
                    seq,
                    source,
                })?;
                if row_time < time_ns {
                    self.delete_into(&state, &mut batch, seq, value)?;
                    in_batch += 1;
                }
                examined += 1;
                if examined >= RETENTION_BATCH_ROWS || in_batch as usize >= RETENTION_BATCH_ROWS {
                    match seq.checked_add(1) {
                        Some(next) => {
                            from = next;
                            finished = false;
                        }
                        None => finished = true,
                    }
                    break;
                }
            }
            if in_batch > 0 {
                self.put_hwm(&mut batch);
                shared.db.engine.write(&batch)?;
                shared.count_rows(0, in_batch);
                deleted += in_batch;
            }
            if finished {
                return Ok(deleted);
            }
        }
    }
}

/// The `_seq` at the end of an index key.
pub(crate) fn index_entry_seq(table: &str, key: &[u8]) -> DbResult<u64> {
    let tail = key.len().checked_sub(SEQ_BYTES).map(|at| &key[at..]).ok_or_else(|| {
        DbError::corrupt(
            table,
            format!("an index key has {} bytes, fewer than the 8 of `_seq`", key.len()),
        )
    })?;
    seq_of(table, tail)
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;
    use srdb_schema::{FieldType, Value};

    use super::SortKey;

    /// Sorts the index keys of `values` (the rows of a batch from `_seq`
    /// 1,000) by `SortKey` and returns them.
    fn sorted(values: &[Value], ty: FieldType) -> (Vec<Vec<u8>>, Vec<Vec<u8>>) {
        let mut keys = Vec::new();
        let mut order = Vec::new();
        let mut plain = Vec::new();
        for (n, value) in values.iter().enumerate() {
            let start = keys.len();
            srdb_index::encode_field_value_into(value, ty, "f", 1_000 + n as u64, &mut keys)
                .unwrap();
            order.push(SortKey::new(&keys, start, n));
            plain.push(keys[start..].to_vec());
        }
        order.sort_unstable_by(|a, b| a.cmp(b, &keys));
        plain.sort_unstable();
        (order.iter().map(|k| k.bytes(&keys).to_vec()).collect(), plain)
    }

    proptest! {
        /// Strings over a small alphabet, so that values repeat and share
        /// prefixes, some longer than the 16 bytes of a head.
        #[test]
        fn string_keys_sort_as_bytes(
            values in prop::collection::vec(
                prop::option::of(prop::collection::vec(prop::sample::select(&b"\0ab"[..]), 0..24)),
                0..60,
            ),
        ) {
            let values: Vec<Value> = values
                .into_iter()
                .map(|v| match v {
                    Some(bytes) => Value::String(String::from_utf8(bytes).unwrap()),
                    None => Value::Null,
                })
                .collect();
            let (by_sort_key, by_bytes) = sorted(&values, FieldType::String);
            prop_assert_eq!(by_sort_key, by_bytes);
        }

        #[test]
        fn integer_keys_sort_as_bytes(values in prop::collection::vec(-3i64..3, 0..60)) {
            let values: Vec<Value> = values.into_iter().map(Value::Int).collect();
            let (by_sort_key, by_bytes) = sorted(&values, FieldType::Int64);
            prop_assert_eq!(by_sort_key, by_bytes);
        }
    }
}

//! Point reads and full scans.

use std::ops::{Bound, RangeBounds};
use std::sync::Arc;

use serde::de::DeserializeOwned;
use srdb_engine::Iter;
use srdb_schema::{decode_fields, decode_time, decode_values_with, Row, Schema, Value};

use crate::table::{DbError, DbResult, Table};

/// Bytes of a `_seq` in a row key or at the end of an index key.
pub(crate) const SEQ_BYTES: usize = 8;

/// The rows-keyspace key of `seq`: big-endian, so keys sort by `_seq`.
pub(crate) fn seq_key(seq: u64) -> [u8; SEQ_BYTES] {
    seq.to_be_bytes()
}

/// Reads a `_seq` from a row key.
pub(crate) fn seq_of(table: &str, key: &[u8]) -> DbResult<u64> {
    let bytes: [u8; SEQ_BYTES] = key.try_into().map_err(|_| {
        DbError::corrupt(table, format!("a row key has {} bytes instead of 8", key.len()))
    })?;
    Ok(u64::from_be_bytes(bytes))
}

/// Decodes a stored row into the row callers see: `_seq`, `_time`, then
/// every field in schema order. The row shares its names with every other
/// row of the schema ([`Schema::row_names`]), so it costs one allocation for
/// its values plus one per string or bytes value.
pub(crate) fn decode_stored(table: &str, schema: &Schema, seq: u64, bytes: &[u8]) -> DbResult<Row> {
    let corrupt = |source| DbError::CorruptRow { table: table.to_owned(), seq, source };
    let mut values = Vec::with_capacity(schema.len() + 2);
    // `_time` comes out of the header, which is read with the fields.
    values.extend([Value::Uint(seq), Value::Null]);
    let time = decode_values_with(bytes, schema, |value| values.push(value)).map_err(corrupt)?;
    values[1] = Value::Time(time);
    Ok(Row::with_names(schema.row_names(), values))
}

/// What a projection asks for: `_seq`, `_time`, or field `i` of the schema.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Column {
    Seq,
    Time,
    Field(usize),
}

/// Resolves names to columns, refusing names the table does not have.
pub(crate) fn columns(table: &str, schema: &Schema, names: &[&str]) -> DbResult<Vec<Column>> {
    names
        .iter()
        .map(|&name| match name {
            "_seq" => Ok(Column::Seq),
            "_time" => Ok(Column::Time),
            _ => schema.index_of(name).map(Column::Field).ok_or_else(|| DbError::FieldNotFound {
                table: table.to_owned(),
                field: name.to_owned(),
            }),
        })
        .collect()
}

/// Decodes only the given columns of a stored row, in the order given.
pub(crate) fn decode_columns(
    table: &str,
    schema: &Schema,
    columns: &[Column],
    seq: u64,
    bytes: &[u8],
) -> DbResult<Row> {
    let corrupt = |source| DbError::CorruptRow { table: table.to_owned(), seq, source };
    let fields: Vec<usize> = columns
        .iter()
        .filter_map(|c| match c {
            Column::Field(i) => Some(*i),
            _ => None,
        })
        .collect();
    let mut values = decode_fields(bytes, schema, &fields).map_err(corrupt)?.into_iter();
    let mut row = Row::with_capacity(columns.len());
    for column in columns {
        let (name, value) = match column {
            Column::Seq => (&schema.row_names()[0], Value::Uint(seq)),
            Column::Time => {
                (&schema.row_names()[1], Value::Time(decode_time(bytes).map_err(corrupt)?))
            }
            Column::Field(i) => (
                &schema.field_names()[*i],
                values.next().expect("one decoded value per field column"),
            ),
        };
        // A projection may name a column twice; the row keeps it once.
        match row.get(name) {
            Some(_) => {
                row.insert(name.as_ref(), value);
            }
            None => row.push_unique(name, value),
        }
    }
    Ok(row)
}

impl Table {
    /// The row with this `_seq`: `_seq`, `_time`, then every field in
    /// schema order (fields added after the row was written read as their
    /// default or NULL).
    pub fn get(&self, seq: u64) -> DbResult<Option<Row>> {
        let state = self.shared.read_state()?;
        // Decoded where the engine holds it, not copied out first.
        let mut row = None;
        state.rows.get_many([seq_key(seq)], |_, bytes| {
            if let Some(bytes) = bytes {
                row = Some(decode_stored(&self.shared.name, &state.schema, seq, bytes)?);
            }
            Ok::<_, DbError>(())
        })?;
        Ok(row)
    }

    /// Only the named fields of the row with this `_seq` (`_seq` and `_time`
    /// may be named too), in the order given, decoding nothing else.
    pub fn get_fields(&self, seq: u64, names: &[&str]) -> DbResult<Option<Row>> {
        let state = self.shared.read_state()?;
        let columns = columns(&self.shared.name, &state.schema, names)?;
        let mut row = None;
        state.rows.get_many([seq_key(seq)], |_, bytes| {
            if let Some(bytes) = bytes {
                row = Some(decode_columns(&self.shared.name, &state.schema, &columns, seq, bytes)?);
            }
            Ok::<_, DbError>(())
        })?;
        Ok(row)
    }

    /// The row with this `_seq`, deserialised into `T` (see
    /// `srdb_schema::from_row`; a struct may have `_seq` and `_time` members).
    pub fn get_as<T: DeserializeOwned>(&self, seq: u64) -> DbResult<Option<T>> {
        match self.get(seq)? {
            Some(row) => Ok(Some(self.row_into(row)?)),
            None => Ok(None),
        }
    }

    pub(crate) fn row_into<T: DeserializeOwned>(&self, row: Row) -> DbResult<T> {
        srdb_schema::from_row(row)
            .map_err(|source| DbError::Serde { table: self.shared.name.clone(), source })
    }

    /// Every row in `_seq` order; `.rev()` gives them newest first. The
    /// iterator reads a consistent view: writes made after it was created
    /// are not seen.
    pub fn scan(&self) -> DbResult<RowIter> {
        self.scan_range(..)
    }

    /// The rows whose `_seq` falls in `range`, in `_seq` order (or reversed
    /// with `.rev()`).
    pub fn scan_range(&self, range: impl RangeBounds<u64>) -> DbResult<RowIter> {
        let state = self.shared.read_state()?;
        let lower = range.start_bound().map(|s| seq_key(*s));
        let upper = range.end_bound().map(|s| seq_key(*s));
        Ok(RowIter {
            table: self.shared.name.clone().into(),
            schema: state.schema.clone(),
            iter: state.rows.range::<[u8; SEQ_BYTES], (Bound<_>, Bound<_>)>((lower, upper)),
        })
    }
}

/// An iterator over whole rows in `_seq` order, double-ended. Made by
/// [`Table::scan`] and [`Table::scan_range`].
pub struct RowIter {
    table: Arc<str>,
    schema: Arc<Schema>,
    iter: Iter,
}

impl RowIter {
    fn decode(&self, entry: srdb_engine::Result<(Vec<u8>, Vec<u8>)>) -> DbResult<Row> {
        let (key, value) = entry?;
        let seq = seq_of(&self.table, &key)?;
        decode_stored(&self.table, &self.schema, seq, &value)
    }
}

impl Iterator for RowIter {
    type Item = DbResult<Row>;

    fn next(&mut self) -> Option<Self::Item> {
        // Borrowed entries: the scan copies nothing but the decoded values.
        let RowIter { table, schema, iter } = self;
        match iter.next_ref() {
            Ok(Some((key, value))) => {
                Some(seq_of(table, key).and_then(|seq| decode_stored(table, schema, seq, value)))
            }
            Ok(None) => None,
            Err(e) => Some(Err(e.into())),
        }
    }
}

impl DoubleEndedIterator for RowIter {
    fn next_back(&mut self) -> Option<Self::Item> {
        let entry = self.iter.next_back()?;
        Some(self.decode(entry))
    }
}

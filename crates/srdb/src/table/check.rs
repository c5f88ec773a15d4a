//! A consistency check of a table's rows against its indexes, for tests and
//! the `check data` diagnostic.

use srdb_schema::decode_field;

use crate::table::read::{seq_key, seq_of};
use crate::table::{DbError, DbResult, Table};

/// Most problems a check lists; a damaged table could otherwise produce one
/// line per row.
pub const MAX_CHECK_PROBLEMS: usize = 100;

/// What [`Table::check`] found.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct CheckReport {
    /// Rows read.
    pub rows: u64,
    /// Per index: the field and the entries read.
    pub index_entries: Vec<(String, u64)>,
    /// What is wrong, one sentence each, at most [`MAX_CHECK_PROBLEMS`].
    pub problems: Vec<String>,
}

impl CheckReport {
    /// Whether nothing is wrong.
    pub fn is_ok(&self) -> bool {
        self.problems.is_empty()
    }

    fn problem(&mut self, text: String) {
        if self.problems.len() < MAX_CHECK_PROBLEMS {
            self.problems.push(text);
        }
    }
}

impl Table {
    /// Reads every row and every index entry as of one snapshot and checks
    /// that each row decodes, each index entry decodes and points at a row
    /// holding its value, and each index has exactly one entry per row (so,
    /// with the previous check, every row has its entries). Reads the whole
    /// table: O(rows x indexes).
    pub fn check(&self) -> DbResult<CheckReport> {
        let name = &self.shared.name;
        let state = self.shared.read_state()?;
        let snapshot = self.shared.db.engine.snapshot();
        let mut report = CheckReport::default();
        let mut it = snapshot.range::<&[u8], _>(&state.rows, ..);
        while let Some((key, value)) = it.next_ref()? {
            report.rows += 1;
            match seq_of(name, key) {
                Ok(seq) => {
                    if let Err(e) = srdb_schema::decode_values(value, &state.schema) {
                        report.problem(format!("The row with _seq {seq} does not decode: {e}"));
                    }
                }
                Err(e) => report.problem(e.to_string()),
            }
        }
        for index in &state.indexes {
            let mut entries = 0u64;
            let mut it = snapshot.range::<&[u8], _>(&index.ks, ..);
            while let Some((key, _)) = it.next_ref()? {
                entries += 1;
                let (value, seq) = match srdb_index::decode_index_key(key, index.ty) {
                    Ok(decoded) => decoded,
                    Err(e) => {
                        report.problem(format!(
                            "An entry of the index on `{}` does not decode: {e}",
                            index.field
                        ));
                        continue;
                    }
                };
                let Some(row) = snapshot.get(&state.rows, seq_key(seq))? else {
                    report.problem(format!(
                        "The index on `{}` has an entry for _seq {seq}, which has no row.",
                        index.field
                    ));
                    continue;
                };
                match decode_field(&row, &state.schema, index.field_index) {
                    Ok(stored) if stored == value => {}
                    Ok(stored) => report.problem(format!(
                        "The index on `{}` says _seq {seq} holds {value}, but the row holds {stored}.",
                        index.field
                    )),
                    Err(source) => {
                        let e = DbError::CorruptRow { table: name.clone(), seq, source };
                        report.problem(e.to_string());
                    }
                }
            }
            if entries != report.rows {
                report.problem(format!(
                    "The index on `{}` has {entries} entries for {} rows.",
                    index.field, report.rows
                ));
            }
            report.index_entries.push((index.field.clone(), entries));
        }
        Ok(report)
    }
}

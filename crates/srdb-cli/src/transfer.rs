//! `srdb import` and `srdb export`: rows in and out of a table as CSV or
//! JSON Lines.
//!
//! Import is all or nothing: every line is parsed and checked against the
//! schema first, bad lines are reported with their line numbers, and then
//! either nothing is written (the default) or the good rows are written
//! (`--skip-bad`), in one atomic batch. One batch bounds an import to
//! [`srdb::MAX_BATCH_BYTES`] of encoded rows and index entries, and its
//! input to [`MAX_IMPORT_BYTES`]; a larger file is refused and must be
//! split. Every imported row gets a new `_seq`; a `_seq` column or member is
//! ignored, and so is `_time` unless the table accepts the caller's time.
//!
//! Export streams: rows are written as the scan or query yields them, so
//! memory stays constant whatever the table's size (a query with `ORDER BY`
//! on another field than `_seq` sorts, see the query guide).

use std::fs::File;
use std::io::{BufRead, BufReader, BufWriter, IsTerminal, Read, Write};
use std::path::{Path, PathBuf};

use clap::{Args, ValueEnum};
use indicatif::ProgressBar;
use serde_json::{json, Value as Json};
use srdb::{FieldType, Row, Schema, Table, Value};
use srdb_schema::UnknownFields;

use crate::common::{
    byte_progress, open_for_write, print_json, progress, Global, Outcome, ReadCopy,
};
use crate::error::CliError;
use crate::limits::{MAX_BAD_LINES_LISTED, MAX_IMPORT_BYTES};
use crate::values::{from_cell, to_cell};

/// Counts the bytes read through it, so stdin can be held to
/// [`MAX_IMPORT_BYTES`] too.
struct Counted<R> {
    inner: R,
    bytes: std::rc::Rc<std::cell::Cell<u64>>,
}

impl<R: Read> Read for Counted<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.bytes.set(self.bytes.get() + n as u64);
        Ok(n)
    }
}

fn too_large(path: &Path) -> CliError {
    CliError::Usage(format!(
        "{} holds more than {MAX_IMPORT_BYTES} bytes; one import is one atomic batch of at most that much: split the file",
        path.display()
    ))
}

/// A file format of import and export.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum Format {
    /// Comma-separated values with a header row of field names.
    Csv,
    /// One JSON object per line.
    Jsonl,
}

/// Arguments of `srdb import`.
#[derive(Args, Debug)]
pub struct ImportArgs {
    /// Data directory
    dir: PathBuf,
    /// The table to insert into
    table: String,
    /// The file to read (`-` for stdin)
    file: PathBuf,
    /// The file's format
    #[arg(long, value_enum)]
    format: Format,
    /// Import the good lines and skip the bad ones (listed) instead of
    /// importing nothing
    #[arg(long)]
    skip_bad: bool,
    #[command(flatten)]
    global: Global,
}

/// Arguments of `srdb export`.
#[derive(Args, Debug)]
pub struct ExportArgs {
    /// Data directory
    dir: PathBuf,
    /// The table to export
    table: String,
    /// Export only the rows of this query (`WHERE ...`, `ORDER BY`, `LIMIT`;
    /// see docs/guide/query.md)
    #[arg(long, value_name = "QUERY")]
    query: Option<String>,
    /// The output format
    #[arg(long, value_enum)]
    format: Format,
    /// Write to this file instead of stdout
    #[arg(long, short, value_name = "FILE")]
    output: Option<PathBuf>,
    #[command(flatten)]
    global: Global,
}

/// A line that could not be imported.
struct BadLine {
    line: u64,
    reason: String,
}

/// How a row's `_seq` and `_time` are handled on import.
struct Columns<'a> {
    schema: &'a Schema,
    caller_time: bool,
}

impl Columns<'_> {
    /// Finishes a parsed row: drops `_seq` (and `_time` unless the table
    /// takes it) and checks it against the schema.
    fn finish(&self, mut row: Row) -> Result<Row, String> {
        row.remove("_seq");
        let time = row.remove("_time");
        self.schema.validate_with(row.clone(), UnknownFields::Reject).map_err(|e| e.to_string())?;
        if let (true, Some(t)) = (self.caller_time, time) {
            row.insert("_time", t);
        }
        Ok(row)
    }

    fn time_value(&self, json: &Json) -> Result<Value, String> {
        Value::from_json(json, FieldType::Time, "_time").map_err(|e| e.to_string())
    }
}

fn open_input(path: &Path) -> Result<(Box<dyn Read>, u64), CliError> {
    if path == Path::new("-") {
        return Ok((Box::new(std::io::stdin().lock()), 0));
    }
    let file = File::open(path).map_err(|e| CliError::io(path, e))?;
    let len = file.metadata().map(|m| m.len()).unwrap_or(0);
    Ok((Box::new(file), len))
}

/// Runs `srdb import`.
pub fn run_import(args: ImportArgs) -> Result<Outcome, CliError> {
    let (input, len) = open_input(&args.file)?;
    if len > MAX_IMPORT_BYTES {
        return Err(too_large(&args.file));
    }
    let db = open_for_write(&args.dir, "import")?;
    let fail = |e| CliError::db(&args.dir, "import", e);
    let table = db.table(&args.table).map_err(fail)?;
    let schema = table.schema();
    let columns = Columns { schema: &schema, caller_time: table.options().caller_time };
    let bar = byte_progress(args.global, len, "reading");
    let bytes_read = std::rc::Rc::new(std::cell::Cell::new(0));
    // One byte past the limit tells a file that is too large.
    let input = Counted { inner: input.take(MAX_IMPORT_BYTES + 1), bytes: bytes_read.clone() };
    let input = bar.wrap_read(input);
    let mut rows = Vec::new();
    let mut bad = Vec::new();
    match args.format {
        Format::Csv => read_csv(input, &columns, &mut rows, &mut bad)?,
        Format::Jsonl => read_jsonl(input, &columns, &mut rows, &mut bad, &args.file)?,
    }
    bar.finish_and_clear();
    if bytes_read.get() > MAX_IMPORT_BYTES {
        db.close().map_err(fail)?;
        return Err(too_large(&args.file));
    }
    report_bad(&bad, args.global);
    if !bad.is_empty() && !args.skip_bad {
        db.close().map_err(fail)?;
        return Err(CliError::ImportAborted { bad: bad.len() as u64 });
    }
    let count = rows.len();
    let seqs = table.insert_batch(rows).map_err(fail)?;
    db.close().map_err(fail)?;
    if args.global.json {
        print_json(&json!({
            "table": args.table,
            "imported": count,
            "skipped": bad.len(),
            "first_seq": (count > 0).then_some(seqs.start),
            "last_seq": (count > 0).then(|| seqs.end - 1),
            "bad_lines": bad.iter().take(MAX_BAD_LINES_LISTED)
                .map(|b| json!({"line": b.line, "reason": b.reason})).collect::<Vec<_>>(),
        }));
    } else {
        let range = if count > 0 {
            format!(" (_seq {}..={})", seqs.start, seqs.end - 1)
        } else {
            String::new()
        };
        println!(
            "imported {count} rows into {}{range}; skipped {} bad lines",
            args.table,
            bad.len()
        );
    }
    Ok(Outcome::Clean)
}

fn report_bad(bad: &[BadLine], global: Global) {
    if global.json {
        return;
    }
    for b in bad.iter().take(MAX_BAD_LINES_LISTED) {
        eprintln!("line {}: {}", b.line, b.reason);
    }
    if bad.len() > MAX_BAD_LINES_LISTED {
        eprintln!("... and {} more bad lines", bad.len() - MAX_BAD_LINES_LISTED);
    }
}

fn read_csv(
    input: impl Read,
    columns: &Columns<'_>,
    rows: &mut Vec<Row>,
    bad: &mut Vec<BadLine>,
) -> Result<(), CliError> {
    let mut reader = csv::ReaderBuilder::new().has_headers(true).from_reader(input);
    let header = reader
        .headers()
        .map_err(|e| CliError::Usage(format!("the CSV header cannot be read: {e}")))?
        .clone();
    // Each column: a schema field's type, `_seq` (ignored) or `_time`.
    let mut kinds = Vec::with_capacity(header.len());
    for name in &header {
        let kind = match name {
            "_seq" => None,
            "_time" => Some(FieldType::Time),
            _ => match columns.schema.field(name) {
                Some(f) => Some(f.ty),
                None => {
                    return Err(CliError::Usage(format!(
                        "the CSV header names `{name}`, which the table does not have"
                    )))
                }
            },
        };
        kinds.push(kind);
    }
    let mut record = csv::StringRecord::new();
    loop {
        let line = reader.position().line();
        match reader.read_record(&mut record) {
            Ok(false) => break,
            Ok(true) => {}
            Err(e) => {
                bad.push(BadLine { line, reason: e.to_string() });
                if matches!(e.kind(), csv::ErrorKind::Io(_)) {
                    break;
                }
                continue;
            }
        }
        let parsed = (|| {
            let mut row = Row::with_capacity(record.len());
            for ((name, kind), cell) in header.iter().zip(&kinds).zip(record.iter()) {
                let Some(ty) = kind else { continue };
                let value = if name == "_time" {
                    // Ignored (not even parsed) unless the table takes it.
                    if !columns.caller_time || cell == crate::values::CSV_NULL || cell.is_empty() {
                        continue;
                    }
                    columns.time_value(&Json::String(cell.to_owned()))?
                } else {
                    from_cell(cell, *ty, name)?
                };
                row.insert(name, value);
            }
            columns.finish(row)
        })();
        match parsed {
            Ok(row) => rows.push(row),
            Err(reason) => bad.push(BadLine { line, reason }),
        }
    }
    Ok(())
}

fn read_jsonl(
    input: impl Read,
    columns: &Columns<'_>,
    rows: &mut Vec<Row>,
    bad: &mut Vec<BadLine>,
    path: &Path,
) -> Result<(), CliError> {
    let reader = BufReader::new(input);
    for (n, line) in reader.lines().enumerate() {
        let line_no = n as u64 + 1;
        let line = line.map_err(|e| CliError::io(path, e))?;
        if line.trim().is_empty() {
            continue;
        }
        let parsed = (|| {
            let mut json: Json = serde_json::from_str(&line).map_err(|e| e.to_string())?;
            let object = json.as_object_mut().ok_or("a line must hold a JSON object")?;
            object.remove("_seq");
            let time = object.remove("_time");
            let mut row = columns
                .schema
                .row_from_json(&json, UnknownFields::Reject)
                .map_err(|e| e.to_string())?;
            if let Some(t) = time.filter(|t| columns.caller_time && !t.is_null()) {
                row.insert("_time", columns.time_value(&t)?);
            }
            columns.finish(row)
        })();
        match parsed {
            Ok(row) => rows.push(row),
            Err(reason) => bad.push(BadLine { line: line_no, reason }),
        }
    }
    Ok(())
}

/// Runs `srdb export`.
pub fn run_export(args: ExportArgs) -> Result<Outcome, CliError> {
    let copy = ReadCopy::open(&args.dir)?;
    let fail = |e| CliError::db(&args.dir, "export", e);
    let table = copy.db().table(&args.table).map_err(fail)?;
    // A bar on stderr would garble rows printed to the same terminal.
    let to_terminal = args.output.is_none() && std::io::stdout().is_terminal();
    let bar =
        if to_terminal { ProgressBar::hidden() } else { progress(args.global, 0, "rows exported") };
    let result = match &args.output {
        Some(path) => {
            let file = File::create(path).map_err(|e| CliError::io(path, e))?;
            let mut out = BufWriter::new(file);
            let written = export_rows(&table, &args, &bar, &mut out)
                .and_then(|n| out.flush().map(|()| n).map_err(|e| CliError::io(path, e)));
            if written.is_err() {
                let _ = std::fs::remove_file(path);
            }
            written
        }
        None => {
            let stdout = std::io::stdout();
            let mut out = BufWriter::new(stdout.lock());
            export_rows(&table, &args, &bar, &mut out)
                .and_then(|n| out.flush().map(|()| n).map_err(|e| CliError::io("stdout", e)))
        }
    };
    bar.finish_and_clear();
    let rows = result?;
    if let Some(path) = &args.output {
        if args.global.json {
            print_json(&json!({ "table": args.table, "rows": rows, "file": path }));
        } else {
            println!("exported {rows} rows of {} to {}", args.table, path.display());
        }
    }
    Ok(Outcome::Clean)
}

/// Writes the rows one by one as they are read; returns how many.
fn export_rows(
    table: &Table,
    args: &ExportArgs,
    bar: &ProgressBar,
    out: &mut dyn Write,
) -> Result<u64, CliError> {
    let fail = |e| CliError::db(&args.dir, "export", e);
    let rows: Box<dyn Iterator<Item = srdb::DbResult<Row>>> = match &args.query {
        Some(text) => Box::new(table.query_text(text).and_then(|q| q.rows()).map_err(fail)?),
        None => Box::new(table.scan().map_err(fail)?),
    };
    let schema = table.schema();
    let out_err =
        |e: std::io::Error| CliError::io(args.output.clone().unwrap_or("stdout".into()), e);
    let mut count = 0u64;
    match args.format {
        Format::Jsonl => {
            for row in rows {
                let row = row.map_err(fail)?;
                serde_json::to_writer(&mut *out, &row.to_json()).map_err(|e| out_err(e.into()))?;
                out.write_all(b"\n").map_err(out_err)?;
                count += 1;
                bar.inc(1);
            }
        }
        Format::Csv => {
            let mut writer = csv::Writer::from_writer(out);
            let mut header: Option<Vec<String>> = None;
            let csv_err = |e: csv::Error| {
                CliError::io(args.output.clone().unwrap_or("stdout".into()), e.into())
            };
            for row in rows {
                let row = row.map_err(fail)?;
                let names = header.get_or_insert_with(|| {
                    let names: Vec<String> = row.iter().map(|(n, _)| n.to_owned()).collect();
                    names
                });
                if count == 0 {
                    writer.write_record(names.iter()).map_err(csv_err)?;
                }
                let cells = names.iter().map(|n| {
                    row.get(n).map_or_else(|| crate::values::CSV_NULL.to_owned(), to_cell)
                });
                writer.write_record(cells).map_err(csv_err)?;
                count += 1;
                bar.inc(1);
            }
            if count == 0 {
                let mut names = vec!["_seq".to_owned(), "_time".to_owned()];
                names.extend(schema.fields().iter().map(|f| f.name.clone()));
                writer.write_record(&names).map_err(csv_err)?;
            }
            writer.flush().map_err(out_err)?;
        }
    }
    Ok(count)
}

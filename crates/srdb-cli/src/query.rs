//! `srdb query DIR TABLE 'query text'`: a query's rows as a table or JSON,
//! read from a private copy of the directory (so it works while a server
//! runs).
//!
//! With `--json` the rows stream out as a JSON array, one row per line. The
//! text table aligns columns, so it holds the rows in memory: for large
//! results use `--json` or `srdb export`.

use std::io::Write;
use std::path::PathBuf;

use clap::Args;

use crate::common::{print_table, Global, Outcome, ReadCopy};
use crate::error::CliError;
use crate::values::to_cell;

/// Arguments of `srdb query`.
#[derive(Args, Debug)]
pub struct QueryArgs {
    /// Data directory
    dir: PathBuf,
    /// The table
    table: String,
    /// The query, e.g. `WHERE age > 30 ORDER BY name LIMIT 10` (see
    /// docs/guide/query.md); empty for every row
    query: String,
    /// Print the plan instead of the rows
    #[arg(long)]
    explain: bool,
    #[command(flatten)]
    global: Global,
}

/// Runs `srdb query`.
pub fn run(args: QueryArgs) -> Result<Outcome, CliError> {
    let copy = ReadCopy::open(&args.dir)?;
    let fail = |e| CliError::db(&args.dir, "query", e);
    let table = copy.db().table(&args.table).map_err(fail)?;
    let query = table.query_text(&args.query).map_err(fail)?;
    if args.explain {
        println!("{}", query.explain().map_err(fail)?);
        return Ok(Outcome::Clean);
    }
    let rows = query.rows().map_err(fail)?;
    let stdout_err = |e| CliError::io("stdout", e);
    if args.global.json {
        let mut out = std::io::BufWriter::new(std::io::stdout().lock());
        let mut first = true;
        out.write_all(b"[").map_err(stdout_err)?;
        for row in rows {
            let row = row.map_err(fail)?;
            out.write_all(if first { b"\n" } else { b",\n" }).map_err(stdout_err)?;
            first = false;
            serde_json::to_writer(&mut out, &row.to_json()).map_err(|e| stdout_err(e.into()))?;
        }
        out.write_all(if first { b"]\n" } else { b"\n]\n" }).map_err(stdout_err)?;
        out.flush().map_err(stdout_err)?;
        return Ok(Outcome::Clean);
    }
    let mut header: Vec<String> = Vec::new();
    let mut cells = Vec::new();
    for row in rows {
        let row = row.map_err(fail)?;
        if header.is_empty() {
            header = row.iter().map(|(n, _)| n.to_owned()).collect();
        }
        cells.push(
            header
                .iter()
                .map(|n| {
                    row.get(n).map_or_else(
                        || "NULL".to_owned(),
                        |v| match v {
                            srdb::Value::Null => "NULL".to_owned(),
                            v => to_cell(v),
                        },
                    )
                })
                .collect(),
        );
    }
    if cells.is_empty() {
        println!("(no rows)");
    } else {
        let names: Vec<&str> = header.iter().map(String::as_str).collect();
        print_table(&names, &cells);
        println!("({} rows)", cells.len());
    }
    Ok(Outcome::Clean)
}

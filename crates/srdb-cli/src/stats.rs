//! `srdb stats DIR`: tables, keyspaces, levels, files, sizes and
//! amplification, read from a private copy of the directory (so it works
//! while a server runs).
//!
//! Amplification is computed from the files, since counters of a running
//! engine start at its open: *space amplification* is the bytes of all
//! levels over the bytes of the deepest non-empty level (1.0 when fully
//! compacted); *read amplification* is the files a point read may probe
//! in the worst case (every L0 file plus one file per deeper non-empty
//! level).

use std::path::PathBuf;

use clap::Args;
use serde_json::{json, Value as Json};
use srdb::{KeyspaceStats, LevelStats};

use crate::common::{human_bytes, print_json, print_table, show_bytes, Global, Outcome, ReadCopy};
use crate::error::CliError;

/// Arguments of `srdb stats`.
#[derive(Args, Debug)]
pub struct StatsArgs {
    /// Data directory
    dir: PathBuf,
    /// List every SST file (level, size, entries, tombstones, key, seqno
    /// and time ranges); `--json` always includes them
    #[arg(long)]
    files: bool,
    #[command(flatten)]
    global: Global,
}

/// Space amplification of one keyspace's levels; 0 when empty.
fn space_amplification(levels: &[LevelStats]) -> f64 {
    let total: u64 = levels.iter().map(|l| l.bytes).sum();
    match levels.iter().rev().find(|l| l.files > 0) {
        Some(last) if last.bytes > 0 => total as f64 / last.bytes as f64,
        _ => 0.0,
    }
}

/// Files a point read may probe in the worst case.
fn read_amplification(levels: &[LevelStats]) -> usize {
    let l0 = levels.first().map_or(0, |l| l.files);
    l0 + levels.iter().skip(1).filter(|l| l.files > 0).count()
}

fn keyspace_json(ks: &KeyspaceStats) -> Json {
    json!({
        "name": ks.name,
        "id": ks.id,
        "levels": ks.levels.iter().enumerate().map(|(i, l)| json!({
            "level": i, "files": l.files, "bytes": l.bytes, "entries": l.entries,
        })).collect::<Vec<_>>(),
        "files": ks.levels.iter().map(|l| l.files).sum::<usize>(),
        "bytes": ks.levels.iter().map(|l| l.bytes).sum::<u64>(),
        "memtable_bytes": ks.memtable_bytes,
        "space_amplification": space_amplification(&ks.levels),
        "read_amplification": read_amplification(&ks.levels),
        "unavailable": ks.unavailable,
        "sst_files": ks.files.iter().map(|f| json!({
            "number": f.number,
            "level": f.level,
            "size_bytes": f.size_bytes,
            "entries": f.entries,
            "tombstones": f.tombstones,
            "smallest_key": show_bytes(&f.smallest_key),
            "largest_key": show_bytes(&f.largest_key),
            "min_seqno": f.min_seqno,
            "max_seqno": f.max_seqno,
            "time_range": f.time_range,
        })).collect::<Vec<_>>(),
    })
}

/// Runs `srdb stats`.
pub fn run(args: StatsArgs) -> Result<Outcome, CliError> {
    let copy = ReadCopy::open(&args.dir)?;
    let db = copy.db();
    let stats = db.engine().stats();
    let mut tables = Vec::new();
    for name in db.tables() {
        let t = db
            .table(&name)
            .and_then(|t| t.stats())
            .map_err(|e| CliError::db(&args.dir, "stats", e))?;
        tables.push(t);
    }
    let damaged = db.damaged_tables();
    let total_bytes: u64 = stats.keyspaces.iter().flat_map(|k| &k.levels).map(|l| l.bytes).sum();
    let total_files: usize = stats.keyspaces.iter().flat_map(|k| &k.levels).map(|l| l.files).sum();
    if args.global.json {
        print_json(&json!({
            "dir": args.dir,
            "tables": tables.iter().map(|t| json!({
                "name": t.name,
                "rows": t.rows,
                "rows_disk_bytes": t.rows_disk_bytes,
                "index_disk_bytes": t.index_disk_bytes,
                "indexes": t.indexes.iter().map(|i| json!({
                    "field": i.field, "unique": i.unique,
                    "ready": i.state == srdb::IndexState::Ready,
                })).collect::<Vec<_>>(),
                "next_seq": t.next_seq,
                "levels": t.levels.iter().enumerate().map(|(i, l)| json!({
                    "level": i, "files": l.files, "bytes": l.bytes, "entries": l.entries,
                })).collect::<Vec<_>>(),
            })).collect::<Vec<_>>(),
            "damaged_tables": damaged.iter().map(|(n, r)| json!({"name": n, "reason": r})).collect::<Vec<_>>(),
            "keyspaces": stats.keyspaces.iter().map(keyspace_json).collect::<Vec<_>>(),
            "files": total_files,
            "bytes": total_bytes,
            "wal_segments": stats.wal_segments,
            "wal_bytes": stats.wal_bytes,
            "last_seqno": stats.last_seqno,
        }));
        return Ok(Outcome::Clean);
    }
    println!("database {}", args.dir.display());
    println!(
        "  {} SST files, {}; WAL {} segment(s), {}; last seqno {}",
        total_files,
        human_bytes(total_bytes),
        stats.wal_segments,
        human_bytes(stats.wal_bytes),
        stats.last_seqno
    );
    println!();
    println!("tables");
    let rows: Vec<Vec<String>> = tables
        .iter()
        .map(|t| {
            let indexes: Vec<String> = t
                .indexes
                .iter()
                .map(|i| {
                    let mut s = i.field.clone();
                    if i.unique {
                        s.push_str(" (unique)");
                    }
                    if i.state != srdb::IndexState::Ready {
                        s.push_str(" (building)");
                    }
                    s
                })
                .collect();
            vec![
                t.name.clone(),
                t.rows.to_string(),
                human_bytes(t.rows_disk_bytes),
                human_bytes(t.index_disk_bytes),
                if indexes.is_empty() { "-".to_owned() } else { indexes.join(", ") },
            ]
        })
        .collect();
    print_table(&["name", "rows", "rows on disk", "indexes on disk", "indexes"], &rows);
    for (name, reason) in &damaged {
        println!("damaged table {name}: {reason}");
    }
    println!();
    println!("keyspaces");
    let mut rows = Vec::new();
    for ks in &stats.keyspaces {
        let levels: Vec<String> = ks
            .levels
            .iter()
            .enumerate()
            .filter(|(_, l)| l.files > 0)
            .map(|(i, l)| {
                format!("L{i}: {} files {} {} entries", l.files, human_bytes(l.bytes), l.entries)
            })
            .collect();
        rows.push(vec![
            ks.name.clone(),
            ks.levels.iter().map(|l| l.files).sum::<usize>().to_string(),
            human_bytes(ks.levels.iter().map(|l| l.bytes).sum()),
            format!("{:.2}", space_amplification(&ks.levels)),
            read_amplification(&ks.levels).to_string(),
            match &ks.unavailable {
                Some(reason) => format!("UNAVAILABLE: {reason}"),
                None if levels.is_empty() => "-".to_owned(),
                None => levels.join("; "),
            },
        ]);
    }
    print_table(&["keyspace", "files", "bytes", "space amp", "read amp", "levels"], &rows);
    if args.files {
        println!();
        println!("files");
        let mut rows = Vec::new();
        for ks in &stats.keyspaces {
            for f in &ks.files {
                rows.push(vec![
                    format!("{:08}.sst", f.number),
                    ks.name.clone(),
                    format!("L{}", f.level),
                    human_bytes(f.size_bytes),
                    f.entries.to_string(),
                    f.tombstones.map_or("?".to_owned(), |t| t.to_string()),
                    format!("{} .. {}", show_bytes(&f.smallest_key), show_bytes(&f.largest_key)),
                    format!("{}..={}", f.min_seqno, f.max_seqno),
                    f.time_range.map_or("-".to_owned(), |(a, b)| format!("{a}..={b}")),
                ]);
            }
        }
        print_table(
            &[
                "file",
                "keyspace",
                "level",
                "size",
                "entries",
                "tombstones",
                "keys",
                "seqnos",
                "_time (ns)",
            ],
            &rows,
        );
    }
    Ok(Outcome::Clean)
}

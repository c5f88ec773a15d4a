//! Storage statistics as JSON (`/api/stats`) and in the Prometheus text
//! format (`/metrics`).

use std::collections::HashMap;
use std::fmt::Write as _;
use std::sync::atomic::Ordering;

use serde_json::{json, Value as Json};
use srdb::{Database, KeyspaceStats, Stats, Table, Value};

use crate::api::hex;
use crate::server::Shared;

/// What a keyspace holds, when it belongs to a table or to the KV store.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Owner {
    /// The rows of a table: keys are `_seq`, big-endian.
    Rows { table: String },
    /// An index of a table.
    Index { table: String, field: String },
    /// The KV store's values.
    Kv,
    /// The KV store's expiry index.
    KvExpiry,
    /// The catalogue of tables.
    Catalog,
}

impl Owner {
    /// The owning table, if any.
    pub fn table(&self) -> Option<&str> {
        match self {
            Owner::Rows { table } | Owner::Index { table, .. } => Some(table),
            _ => None,
        }
    }

    /// `rows`, `index`, `kv`, `kv_expiry` or `catalog`.
    pub fn role(&self) -> &'static str {
        match self {
            Owner::Rows { .. } => "rows",
            Owner::Index { .. } => "index",
            Owner::Kv => "kv",
            Owner::KvExpiry => "kv_expiry",
            Owner::Catalog => "catalog",
        }
    }

    /// A short description for people: `rows of people`, `index people.age`.
    pub fn describe(&self) -> String {
        match self {
            Owner::Rows { table } => format!("rows of {table}"),
            Owner::Index { table, field } => format!("index {table}.{field}"),
            Owner::Kv => "KV values".to_owned(),
            Owner::KvExpiry => "KV expiry times".to_owned(),
            Owner::Catalog => "table catalogue".to_owned(),
        }
    }
}

/// The owner of every keyspace that has a known one, by keyspace name. A
/// table that cannot be read right now (dropped meanwhile, damaged) is left
/// out: its keyspaces are shown without an owner.
pub(crate) fn owners(db: &Database) -> HashMap<String, Owner> {
    let mut out = HashMap::new();
    out.insert(srdb::KV_KEYSPACE.to_owned(), Owner::Kv);
    out.insert(srdb::KV_EXPIRY_KEYSPACE.to_owned(), Owner::KvExpiry);
    out.insert(srdb::CATALOG_KEYSPACE.to_owned(), Owner::Catalog);
    // `Table::keyspaces` reads the table's state only; `Table::stats` would
    // gather the whole engine's statistics once per table.
    for name in db.tables() {
        let Ok(keyspaces) = db.table(&name).and_then(|t| t.keyspaces()) else { continue };
        out.insert(keyspaces.rows, Owner::Rows { table: name.clone() });
        for (field, keyspace) in keyspaces.indexes {
            out.insert(keyspace, Owner::Index { table: name.clone(), field });
        }
    }
    out
}

/// A table's line in the table lists.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct TableSize {
    /// Rows, exact.
    pub rows: u64,
    /// Bytes of the rows and indexes: SST files and memtables.
    pub bytes: u64,
    /// Indexes, those still filling included.
    pub indexes: usize,
}

/// Bytes (SST files and memtable) of every keyspace of `engine`, by name.
pub(crate) fn keyspace_bytes(engine: &Stats) -> HashMap<&str, u64> {
    engine
        .keyspaces
        .iter()
        .map(|ks| {
            let disk: u64 = ks.levels.iter().map(|l| l.bytes).sum();
            (ks.name.as_str(), disk + ks.memtable_bytes as u64)
        })
        .collect()
}

/// The size of `table` from the engine statistics of the request
/// ([`keyspace_bytes`]), gathered once for every table listed.
pub(crate) fn table_size(
    table: &Table,
    keyspace_bytes: &HashMap<&str, u64>,
) -> srdb::DbResult<TableSize> {
    let rows = table.row_count()?;
    let keyspaces = table.keyspaces()?;
    let bytes = std::iter::once(&keyspaces.rows)
        .chain(keyspaces.indexes.iter().map(|(_, ks)| ks))
        .filter_map(|ks| keyspace_bytes.get(ks.as_str()))
        .sum();
    Ok(TableSize { rows, bytes, indexes: keyspaces.indexes.len() })
}

/// How the keys of a file are shown.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum KeyEncoding {
    /// `_seq` numbers (the rows keyspace of a table).
    Seq,
    /// UTF-8 text without control characters.
    Utf8,
    /// Hexadecimal bytes.
    Hex,
}

impl KeyEncoding {
    pub fn name(self) -> &'static str {
        match self {
            KeyEncoding::Seq => "seq",
            KeyEncoding::Utf8 => "utf8",
            KeyEncoding::Hex => "hex",
        }
    }
}

/// A key as shown: a `_seq` number, text or hex.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum ShownKey {
    Seq(u64),
    Text(String),
}

impl ShownKey {
    pub fn to_json(&self) -> Json {
        match self {
            ShownKey::Seq(n) => json!(n),
            ShownKey::Text(t) => json!(t),
        }
    }
}

impl std::fmt::Display for ShownKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ShownKey::Seq(n) => write!(f, "{n}"),
            ShownKey::Text(t) => f.write_str(t),
        }
    }
}

/// Shows a file's smallest and largest key with one encoding: `_seq`
/// numbers when the keyspace holds rows and both keys are 8 bytes, else
/// text when both are printable UTF-8, else hex.
pub(crate) fn show_keys(
    smallest: &[u8],
    largest: &[u8],
    rows: bool,
) -> (KeyEncoding, [ShownKey; 2]) {
    let seq = |k: &[u8]| <[u8; 8]>::try_from(k).ok().map(u64::from_be_bytes);
    if rows {
        if let (Some(a), Some(b)) = (seq(smallest), seq(largest)) {
            return (KeyEncoding::Seq, [ShownKey::Seq(a), ShownKey::Seq(b)]);
        }
    }
    let text = |k: &[u8]| {
        std::str::from_utf8(k).ok().filter(|t| !t.chars().any(char::is_control)).map(str::to_owned)
    };
    match (text(smallest), text(largest)) {
        (Some(a), Some(b)) => (KeyEncoding::Utf8, [ShownKey::Text(a), ShownKey::Text(b)]),
        _ => (KeyEncoding::Hex, [ShownKey::Text(hex(smallest)), ShownKey::Text(hex(largest))]),
    }
}

/// Nanoseconds since the Unix epoch as RFC 3339 (UTC).
pub(crate) fn rfc3339(ns: i64) -> String {
    match Value::Time(ns).to_json() {
        Json::String(text) => text,
        other => other.to_string(),
    }
}

/// One SST file as shown by `/api/stats` and the storage view.
#[derive(Clone, Debug)]
pub(crate) struct FileView {
    pub number: u64,
    pub level: u8,
    pub size_bytes: u64,
    pub entries: u64,
    pub tombstones: Option<u64>,
    pub key_encoding: KeyEncoding,
    pub smallest_key: ShownKey,
    pub largest_key: ShownKey,
    pub min_seqno: u64,
    pub max_seqno: u64,
    pub time_range: Option<(i64, i64)>,
}

impl FileView {
    /// The file's name in the data directory.
    pub fn file_name(&self) -> String {
        format!("{:08}.sst", self.number)
    }

    pub fn to_json(&self) -> Json {
        json!({
            "number": self.number,
            "file": self.file_name(),
            "level": self.level,
            "size_bytes": self.size_bytes,
            "entries": self.entries,
            "tombstones": self.tombstones,
            "key_encoding": self.key_encoding.name(),
            "smallest_key": self.smallest_key.to_json(),
            "largest_key": self.largest_key.to_json(),
            "min_seqno": self.min_seqno,
            "max_seqno": self.max_seqno,
            "time_range": self.time_range.map(|(min, max)| json!({
                "min": rfc3339(min), "max": rfc3339(max), "min_ns": min, "max_ns": max,
            })),
        })
    }
}

/// The files of `ks` in the engine's order (by level, L0 newest first,
/// deeper levels by key).
pub(crate) fn files(ks: &KeyspaceStats, owner: Option<&Owner>) -> Vec<FileView> {
    let rows = matches!(owner, Some(Owner::Rows { .. }));
    ks.files
        .iter()
        .map(|f| {
            let (key_encoding, [smallest_key, largest_key]) =
                show_keys(&f.smallest_key, &f.largest_key, rows);
            FileView {
                number: f.number,
                level: f.level,
                size_bytes: f.size_bytes,
                entries: f.entries,
                tombstones: f.tombstones,
                key_encoding,
                smallest_key,
                largest_key,
                min_seqno: f.min_seqno,
                max_seqno: f.max_seqno,
                time_range: f.time_range,
            }
        })
        .collect()
}

/// Tombstones recorded in the files of one level (files written before SST
/// format 2 do not record theirs and count nothing).
fn level_tombstones(ks: &KeyspaceStats, level: usize) -> u64 {
    ks.files.iter().filter(|f| usize::from(f.level) == level).filter_map(|f| f.tombstones).sum()
}

/// The block cache's hit rate, 0 when it was never asked.
pub(crate) fn hit_rate(stats: &Stats) -> f64 {
    let c = &stats.block_cache;
    let lookups = c.hits + c.misses;
    if lookups == 0 {
        0.0
    } else {
        c.hits as f64 / lookups as f64
    }
}

/// `/api/stats`.
pub(crate) fn to_json(stats: &Stats, owners: &HashMap<String, Owner>) -> Json {
    let keyspaces: Vec<Json> = stats
        .keyspaces
        .iter()
        .map(|ks| {
            let owner = owners.get(&ks.name);
            let levels: Vec<Json> = ks
                .levels
                .iter()
                .enumerate()
                .map(|(level, l)| {
                    json!({
                        "level": level, "files": l.files, "bytes": l.bytes, "entries": l.entries,
                        "tombstones": level_tombstones(ks, level),
                    })
                })
                .collect();
            let sst_files: Vec<Json> = files(ks, owner).iter().map(FileView::to_json).collect();
            json!({
                "name": ks.name,
                "id": ks.id,
                "role": owner.map(Owner::role),
                "table": owner.and_then(Owner::table),
                "index_field": match owner { Some(Owner::Index { field, .. }) => Some(field), _ => None },
                "levels": levels,
                "files": ks.levels.iter().map(|l| l.files).sum::<usize>(),
                "bytes": ks.levels.iter().map(|l| l.bytes).sum::<u64>(),
                "sst_files": sst_files,
                "memtable_bytes": ks.memtable_bytes,
                "unavailable": ks.unavailable,
            })
        })
        .collect();
    let c = &stats.block_cache;
    json!({
        "keyspaces": keyspaces,
        "memtable_bytes": stats.memtable_bytes,
        "frozen_memtables": stats.frozen_memtables,
        "block_cache": {
            "hits": c.hits, "misses": c.misses, "hit_rate": hit_rate(stats),
            "inserts": c.inserts, "evictions": c.evictions,
            "used_bytes": c.used_bytes, "capacity_bytes": c.capacity_bytes,
        },
        "wal": { "segments": stats.wal_segments, "bytes": stats.wal_bytes },
        "writes": stats.writes,
        "user_bytes_written": stats.user_bytes_written,
        "gets": stats.gets,
        "flushes": stats.flushes,
        "bytes_flushed": stats.bytes_flushed,
        "compaction": {
            "compactions": stats.compactions,
            "trivial_moves": stats.trivial_moves,
            "bytes_read": stats.bytes_compacted_read,
            "bytes_written": stats.bytes_compacted_written,
            "dropped_versions": stats.dropped_versions,
            "dropped_tombstones": stats.dropped_tombstones,
        },
        "write_amplification": stats.write_amplification,
        "read_amplification": stats.read_amplification,
        "write_stalls": stats.write_stalls,
        "snapshots": stats.snapshots,
        "last_seqno": stats.last_seqno,
    })
}

/// A label value with `\`, `"` and line breaks escaped as the text format
/// asks.
fn label(value: &str) -> String {
    value.replace('\\', r"\\").replace('"', "\\\"").replace('\n', r"\n")
}

/// `/metrics`: every counter and gauge of the engine, per-level files and
/// bytes, per-table rows, and the HTTP server's own request counts.
pub(crate) fn prometheus(shared: &Shared) -> String {
    let stats = shared.db.engine().stats();
    let mut out = String::new();
    let mut metric = |name: &str, kind: &str, help: &str, value: f64| {
        let _ = writeln!(
            out,
            "# HELP srdb_{name} {help}\n# TYPE srdb_{name} {kind}\nsrdb_{name} {value}"
        );
    };
    metric(
        "uptime_seconds",
        "gauge",
        "Seconds since the HTTP server started.",
        shared.started.elapsed().as_secs_f64(),
    );
    metric("writes_total", "counter", "Write batches committed.", stats.writes as f64);
    metric(
        "user_bytes_written_total",
        "counter",
        "Bytes of WAL payload written by users.",
        stats.user_bytes_written as f64,
    );
    metric("gets_total", "counter", "Point reads.", stats.gets as f64);
    metric("flushes_total", "counter", "Memtable flushes.", stats.flushes as f64);
    metric(
        "bytes_flushed_total",
        "counter",
        "Bytes written by flushes.",
        stats.bytes_flushed as f64,
    );
    metric(
        "compactions_total",
        "counter",
        "Compactions that rewrote files.",
        stats.compactions as f64,
    );
    metric(
        "trivial_moves_total",
        "counter",
        "Files moved down a level without rewriting.",
        stats.trivial_moves as f64,
    );
    metric(
        "compaction_bytes_read_total",
        "counter",
        "Bytes read by compactions.",
        stats.bytes_compacted_read as f64,
    );
    metric(
        "compaction_bytes_written_total",
        "counter",
        "Bytes written by compactions.",
        stats.bytes_compacted_written as f64,
    );
    metric(
        "write_stalls_total",
        "counter",
        "Times a writer waited for the flusher.",
        stats.write_stalls as f64,
    );
    metric(
        "block_cache_hits_total",
        "counter",
        "Block cache lookups that hit.",
        stats.block_cache.hits as f64,
    );
    metric(
        "block_cache_misses_total",
        "counter",
        "Block cache lookups that missed.",
        stats.block_cache.misses as f64,
    );
    metric(
        "block_cache_bytes",
        "gauge",
        "Bytes held by the block cache.",
        stats.block_cache.used_bytes as f64,
    );
    metric("memtable_bytes", "gauge", "Bytes in memtables.", stats.memtable_bytes as f64);
    metric(
        "frozen_memtables",
        "gauge",
        "Frozen memtables waiting for the flusher.",
        stats.frozen_memtables as f64,
    );
    metric("wal_segments", "gauge", "WAL segments on disk.", stats.wal_segments as f64);
    metric("wal_bytes", "gauge", "Bytes of WAL on disk.", stats.wal_bytes as f64);
    metric(
        "write_amplification",
        "gauge",
        "Bytes written to SST files per byte of user data.",
        stats.write_amplification,
    );
    metric(
        "read_amplification",
        "gauge",
        "SST files probed per point read.",
        stats.read_amplification,
    );
    metric("snapshots", "gauge", "Live snapshots.", stats.snapshots as f64);
    // Per keyspace and level; empty levels are reported too, so a series
    // drops to 0 rather than vanishing when compaction empties its level.
    type LevelValue = fn(&KeyspaceStats, usize) -> u64;
    let per_level: [(&str, &str, LevelValue); 4] = [
        ("level_files", "SST files per keyspace and level.", |ks, l| ks.levels[l].files as u64),
        ("level_bytes", "Bytes of SST files per keyspace and level.", |ks, l| ks.levels[l].bytes),
        (
            "level_entries",
            "Entries (versions and tombstones) in SST files per keyspace and level.",
            |ks, l| ks.levels[l].entries,
        ),
        (
            "level_tombstones",
            "Tombstones in SST files per keyspace and level (files that record them).",
            level_tombstones,
        ),
    ];
    for (name, help, value) in per_level {
        let _ = writeln!(out, "# HELP srdb_{name} {help}\n# TYPE srdb_{name} gauge");
        for ks in &stats.keyspaces {
            for level in 0..ks.levels.len() {
                let _ = writeln!(
                    out,
                    "srdb_{name}{{keyspace=\"{}\",level=\"{level}\"}} {}",
                    label(&ks.name),
                    value(ks, level)
                );
            }
        }
    }
    let owners = owners(&shared.db);
    let _ = writeln!(
        out,
        "# HELP srdb_keyspace_info What each keyspace holds: the table and role (rows, index, kv, kv_expiry, catalog), and the field of an index.\n# TYPE srdb_keyspace_info gauge"
    );
    for ks in &stats.keyspaces {
        let owner = owners.get(&ks.name);
        let field = match owner {
            Some(Owner::Index { field, .. }) => field.as_str(),
            _ => "",
        };
        let _ = writeln!(
            out,
            "srdb_keyspace_info{{keyspace=\"{}\",table=\"{}\",role=\"{}\",field=\"{}\"}} 1",
            label(&ks.name),
            label(owner.and_then(Owner::table).unwrap_or("")),
            owner.map_or("", Owner::role),
            label(field)
        );
    }
    let _ = writeln!(out, "# HELP srdb_table_rows Rows per table.\n# TYPE srdb_table_rows gauge");
    for name in shared.db.tables() {
        if let Ok(rows) = shared.db.table(&name).and_then(|t| t.row_count()) {
            let _ = writeln!(out, "srdb_table_rows{{table=\"{}\"}} {rows}", label(&name));
        }
    }
    let _ = writeln!(out, "# HELP srdb_http_responses_total HTTP responses by status class.\n# TYPE srdb_http_responses_total counter");
    for (i, count) in shared.counters.by_class.iter().enumerate() {
        let _ = writeln!(
            out,
            "srdb_http_responses_total{{class=\"{}xx\"}} {}",
            i + 1,
            count.load(Ordering::Relaxed)
        );
    }
    let _ = writeln!(out, "# HELP srdb_http_panics_total Requests whose handler panicked, answered 500 (the server log has each).\n# TYPE srdb_http_panics_total counter\nsrdb_http_panics_total {}", shared.counters.panics.load(Ordering::Relaxed));
    let _ = writeln!(out, "# HELP srdb_http_refused_busy_total Connections refused with 503 because every worker was busy.\n# TYPE srdb_http_refused_busy_total counter\nsrdb_http_refused_busy_total {}", shared.counters.refused_busy.load(Ordering::Relaxed));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn label_values_are_escaped() {
        assert_eq!(label("a\"b\\c\nd"), "a\\\"b\\\\c\\nd");
    }
}

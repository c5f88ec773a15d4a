//! Storage statistics as JSON (`/api/stats`) and in the Prometheus text
//! format (`/metrics`).

use std::fmt::Write as _;
use std::sync::atomic::Ordering;

use serde_json::{json, Value as Json};
use srdb::Stats;

use crate::server::Shared;

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
pub(crate) fn to_json(stats: &Stats) -> Json {
    let keyspaces: Vec<Json> = stats
        .keyspaces
        .iter()
        .map(|ks| {
            let levels: Vec<Json> = ks
                .levels
                .iter()
                .enumerate()
                .map(|(level, l)| {
                    json!({ "level": level, "files": l.files, "bytes": l.bytes, "entries": l.entries })
                })
                .collect();
            json!({
                "name": ks.name,
                "id": ks.id,
                "levels": levels,
                "files": ks.levels.iter().map(|l| l.files).sum::<usize>(),
                "bytes": ks.levels.iter().map(|l| l.bytes).sum::<u64>(),
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
    let _ = writeln!(
        out,
        "# HELP srdb_level_files SST files per keyspace and level.\n# TYPE srdb_level_files gauge"
    );
    for ks in &stats.keyspaces {
        for (level, l) in ks.levels.iter().enumerate() {
            let _ = writeln!(
                out,
                "srdb_level_files{{keyspace=\"{}\",level=\"{level}\"}} {}",
                label(&ks.name),
                l.files
            );
        }
    }
    let _ = writeln!(out, "# HELP srdb_level_bytes Bytes of SST files per keyspace and level.\n# TYPE srdb_level_bytes gauge");
    for ks in &stats.keyspaces {
        for (level, l) in ks.levels.iter().enumerate() {
            let _ = writeln!(
                out,
                "srdb_level_bytes{{keyspace=\"{}\",level=\"{level}\"}} {}",
                label(&ks.name),
                l.bytes
            );
        }
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

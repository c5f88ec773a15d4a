//! The text of INFO: Redis's sections with figures from the server and the
//! engine. `keyspace` counts keys by reading every entry's header (exact,
//! O(number of keys)); it is in the default sections as in Redis.

use std::fmt::Write;
use std::sync::atomic::Ordering;

use srdb::SyncPolicy;

use super::connection::REDIS_COMPAT_VERSION;
use super::ErrReply;
use crate::state::{unix_now_secs, Shared};

const SECTIONS: &[&str] = &["server", "clients", "memory", "persistence", "stats", "keyspace"];

/// Renders the sections asked for (all by default; `all`, `default` and
/// `everything` name them all).
pub(super) fn render(srv: &Shared, asked: &[String]) -> Result<String, ErrReply> {
    let all = asked.is_empty()
        || asked.iter().any(|s| matches!(s.as_str(), "all" | "default" | "everything"));
    let mut out = String::new();
    for &section in SECTIONS {
        if !all && !asked.iter().any(|s| s == section) {
            continue;
        }
        if !out.is_empty() {
            out.push_str("\r\n");
        }
        let title = format!("# {}{}\r\n", section[..1].to_ascii_uppercase(), &section[1..]);
        out.push_str(&title);
        let lines = match section {
            "server" => server(srv),
            "clients" => clients(srv),
            "memory" => memory(srv),
            "persistence" => persistence(srv),
            "stats" => stats(srv),
            _ => keyspace(srv)?,
        };
        for (k, v) in lines {
            let _ = write!(out, "{k}:{v}\r\n");
        }
    }
    Ok(out)
}

/// The readiness API of the event loops (mio's on this system).
const MULTIPLEXING_API: &str =
    if cfg!(any(target_os = "linux", target_os = "android")) { "epoll" } else { "kqueue" };

type Lines = Vec<(&'static str, String)>;

fn server(srv: &Shared) -> Lines {
    let uptime = srv.started.elapsed().as_secs();
    vec![
        ("redis_version", REDIS_COMPAT_VERSION.into()),
        ("srdb_version", env!("CARGO_PKG_VERSION").into()),
        ("redis_mode", "standalone".into()),
        ("os", std::env::consts::OS.into()),
        ("arch_bits", (usize::BITS).to_string()),
        ("multiplexing_api", MULTIPLEXING_API.into()),
        ("process_id", std::process::id().to_string()),
        ("tcp_port", srv.local_addr.port().to_string()),
        ("event_loops", srv.event_loops().to_string()),
        ("server_time_usec", (srdb::now_ms() * 1000).to_string()),
        ("uptime_in_seconds", uptime.to_string()),
        ("uptime_in_days", (uptime / 86_400).to_string()),
        (
            "executable",
            std::env::current_exe().map(|p| p.display().to_string()).unwrap_or_default(),
        ),
        (
            "config_file",
            srv.config.config_file.as_ref().map(|p| p.display().to_string()).unwrap_or_default(),
        ),
    ]
}

fn clients(srv: &Shared) -> Lines {
    vec![
        ("connected_clients", srv.clients().len().to_string()),
        ("maxclients", srv.config.max_clients.to_string()),
        ("blocked_clients", "0".into()),
    ]
}

/// Resident memory of the process from `/proc/self/statm` (Linux), 0
/// elsewhere.
fn rss_bytes() -> u64 {
    std::fs::read_to_string("/proc/self/statm")
        .ok()
        .and_then(|s| s.split_whitespace().nth(1).and_then(|p| p.parse::<u64>().ok()))
        .map_or(0, |pages| pages * 4096)
}

fn memory(srv: &Shared) -> Lines {
    let st = srv.kv.stats();
    let opts = srv.kv.engine().options();
    let rss = rss_bytes();
    vec![
        ("used_memory", rss.to_string()),
        ("used_memory_human", human(rss)),
        ("used_memory_rss", rss.to_string()),
        ("srdb_memtable_bytes", st.memtable_bytes.to_string()),
        ("srdb_memtable_budget_bytes", opts.memtable_bytes.to_string()),
        ("srdb_frozen_memtables", st.frozen_memtables.to_string()),
        ("srdb_block_cache_budget_bytes", opts.block_cache_bytes.to_string()),
        ("srdb_block_cache", format!("{:?}", st.block_cache)),
        ("maxmemory", "0".into()),
    ]
}

fn persistence(srv: &Shared) -> Lines {
    let st = srv.kv.stats();
    let sync = match srv.kv.engine().options().sync {
        SyncPolicy::Always => "always".to_string(),
        SyncPolicy::Periodic(d) => format!("periodic_{}ms", d.as_millis()),
        SyncPolicy::Never => "never".to_string(),
    };
    let changes = st.writes.saturating_sub(srv.writes_at_last_save.load(Ordering::Relaxed));
    let l0: usize = st.keyspaces.iter().map(|k| k.levels.first().map_or(0, |l| l.files)).sum();
    let sst_files: usize = st.keyspaces.iter().flat_map(|k| &k.levels).map(|l| l.files).sum();
    let sst_bytes: u64 = st.keyspaces.iter().flat_map(|k| &k.levels).map(|l| l.bytes).sum();
    vec![
        ("loading", "0".into()),
        ("rdb_changes_since_last_save", changes.to_string()),
        (
            "rdb_bgsave_in_progress",
            u8::from(srv.bgsave_running.load(Ordering::Relaxed)).to_string(),
        ),
        ("rdb_last_save_time", srv.last_save_unix.load(Ordering::Relaxed).to_string()),
        ("aof_enabled", "1".into()),
        ("srdb_sync", sync),
        ("srdb_wal_segments", st.wal_segments.to_string()),
        ("srdb_wal_bytes", st.wal_bytes.to_string()),
        ("srdb_flushes", st.flushes.to_string()),
        ("srdb_bytes_flushed", st.bytes_flushed.to_string()),
        ("srdb_compactions", st.compactions.to_string()),
        ("srdb_sst_files", sst_files.to_string()),
        ("srdb_sst_bytes", sst_bytes.to_string()),
        ("srdb_l0_files", l0.to_string()),
        ("srdb_write_stalls", st.write_stalls.to_string()),
        ("srdb_write_amplification", format!("{:.2}", st.write_amplification)),
        ("srdb_last_seqno", st.last_seqno.to_string()),
    ]
}

fn stats(srv: &Shared) -> Lines {
    let c = &srv.counters;
    let load = |a: &std::sync::atomic::AtomicU64| a.load(Ordering::Relaxed).to_string();
    let st = srv.kv.stats();
    vec![
        ("total_connections_received", load(&c.connections_received)),
        ("total_commands_processed", load(&c.commands_processed)),
        ("total_net_input_bytes", load(&c.net_input_bytes)),
        ("total_net_output_bytes", load(&c.net_output_bytes)),
        ("rejected_connections", load(&c.rejected_connections)),
        ("total_error_replies_protocol", load(&c.protocol_errors)),
        ("expired_keys", srv.kv.expired_removed().to_string()),
        ("keyspace_hits", load(&c.keyspace_hits)),
        ("keyspace_misses", load(&c.keyspace_misses)),
        ("srdb_engine_gets", st.gets.to_string()),
        ("srdb_engine_writes", st.writes.to_string()),
        ("srdb_read_amplification", format!("{:.2}", st.read_amplification)),
        ("srdb_snapshots", st.snapshots.to_string()),
        ("srdb_unix_time", unix_now_secs().to_string()),
    ]
}

fn keyspace(srv: &Shared) -> Result<Lines, ErrReply> {
    let k = srv.kv.key_stats()?;
    if k.keys == 0 {
        return Ok(Vec::new());
    }
    Ok(vec![("db0", format!("keys={},expires={},avg_ttl={}", k.keys, k.expiring, k.avg_ttl_ms))])
}

fn human(bytes: u64) -> String {
    let units = ["B", "K", "M", "G", "T"];
    let (mut value, mut unit) = (bytes as f64, 0);
    while value >= 1024.0 && unit + 1 < units.len() {
        value /= 1024.0;
        unit += 1;
    }
    format!("{value:.2}{}", units[unit])
}

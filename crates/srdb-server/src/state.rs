//! State shared by the connections: the store, the configuration, counters
//! and the registry of connected clients.

use std::collections::{HashMap, VecDeque};
use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Instant;

use srdb::{Database, Kv};

use crate::config::ServerConfig;
use crate::limits::MAX_SCAN_CURSORS;

/// Server-wide counters (relaxed atomics), reported by `INFO`.
#[derive(Default)]
pub(crate) struct Counters {
    pub(crate) connections_received: AtomicU64,
    pub(crate) rejected_connections: AtomicU64,
    pub(crate) commands_processed: AtomicU64,
    pub(crate) net_input_bytes: AtomicU64,
    pub(crate) net_output_bytes: AtomicU64,
    pub(crate) keyspace_hits: AtomicU64,
    pub(crate) keyspace_misses: AtomicU64,
    pub(crate) protocol_errors: AtomicU64,
}

impl Counters {
    pub(crate) fn add(counter: &AtomicU64, n: u64) {
        counter.fetch_add(n, Ordering::Relaxed);
    }
}

/// What `CLIENT INFO` / `CLIENT LIST` show of a connection; updated by the
/// thread running its command, read by others.
pub(crate) struct ClientInfo {
    pub(crate) id: u64,
    pub(crate) addr: SocketAddr,
    pub(crate) laddr: SocketAddr,
    pub(crate) created: Instant,
    pub(crate) detail: Mutex<ClientDetail>,
}

#[derive(Default)]
pub(crate) struct ClientDetail {
    pub(crate) name: Vec<u8>,
    pub(crate) lib_name: Vec<u8>,
    pub(crate) lib_ver: Vec<u8>,
    pub(crate) last_command: &'static str,
    pub(crate) resp: u8,
    pub(crate) last_active: Option<Instant>,
}

impl ClientInfo {
    pub(crate) fn detail(&self) -> MutexGuard<'_, ClientDetail> {
        self.detail.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// One line of `CLIENT LIST`, in Redis's `key=value` form.
    pub(crate) fn describe(&self) -> String {
        let d = self.detail();
        let now = Instant::now();
        format!(
            "id={} addr={} laddr={} name={} age={} idle={} flags=N db=0 cmd={} user=default \
             resp={} lib-name={} lib-ver={}\n",
            self.id,
            self.addr,
            self.laddr,
            String::from_utf8_lossy(&d.name),
            now.duration_since(self.created).as_secs(),
            d.last_active.map_or(0, |t| now.duration_since(t).as_secs()),
            if d.last_command.is_empty() { "NULL" } else { d.last_command },
            d.resp.max(2),
            String::from_utf8_lossy(&d.lib_name),
            String::from_utf8_lossy(&d.lib_ver),
        )
    }
}

/// SCAN cursors: the last key each cursor returned, the oldest forgotten
/// first once [`MAX_SCAN_CURSORS`] are held.
#[derive(Default)]
pub(crate) struct Cursors {
    next_id: u64,
    last_keys: HashMap<u64, Vec<u8>>,
    order: VecDeque<u64>,
}

impl Cursors {
    /// Remembers `last_key` under a new cursor number (never 0).
    pub(crate) fn insert(&mut self, last_key: Vec<u8>) -> u64 {
        // Cursor numbers are not secrets; a counter with a random-looking
        // stride keeps them from being mistaken for positions.
        self.next_id = self.next_id.wrapping_add(0x9E37_79B9_7F4A_7C15);
        if self.next_id == 0 {
            self.next_id = 1;
        }
        while self.order.len() >= MAX_SCAN_CURSORS {
            if let Some(old) = self.order.pop_front() {
                self.last_keys.remove(&old);
            }
        }
        self.last_keys.insert(self.next_id, last_key);
        self.order.push_back(self.next_id);
        self.next_id
    }

    /// The last key of cursor `id`.
    pub(crate) fn get(&self, id: u64) -> Option<&Vec<u8>> {
        self.last_keys.get(&id)
    }

    pub(crate) fn clear(&mut self) {
        self.last_keys.clear();
        self.order.clear();
    }
}

/// Everything the connections share.
pub(crate) struct Shared {
    /// The database, whose tables the `TABLE.*` commands serve.
    pub(crate) db: Database,
    /// Its key-value store.
    pub(crate) kv: Kv,
    pub(crate) config: ServerConfig,
    pub(crate) local_addr: SocketAddr,
    pub(crate) started: Instant,
    pub(crate) counters: Counters,
    pub(crate) next_client_id: AtomicU64,
    /// The connected clients by id.
    pub(crate) clients: Mutex<HashMap<u64, Arc<ClientInfo>>>,
    pub(crate) cursors: Mutex<Cursors>,
    /// Unix seconds of the last completed SAVE / BGSAVE (server start
    /// before the first).
    pub(crate) last_save_unix: AtomicU64,
    /// Engine write count at the last save, for `rdb_changes_since_last_save`.
    pub(crate) writes_at_last_save: AtomicU64,
    pub(crate) bgsave_running: AtomicBool,
}

impl Shared {
    /// The event loops to run: `event_loops`, or when it is 0 the number
    /// [`crate::limits::auto_event_loops`] picks for the engine's sync policy.
    pub(crate) fn event_loops(&self) -> usize {
        match self.config.event_loops {
            0 => crate::limits::auto_event_loops(matches!(
                self.db.engine().options().sync,
                srdb::SyncPolicy::Always
            )),
            n => n,
        }
    }

    pub(crate) fn clients(&self) -> MutexGuard<'_, HashMap<u64, Arc<ClientInfo>>> {
        self.clients.lock().unwrap_or_else(|p| p.into_inner())
    }

    pub(crate) fn cursors(&self) -> MutexGuard<'_, Cursors> {
        self.cursors.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Records a completed save.
    pub(crate) fn saved(&self) {
        self.last_save_unix.store(unix_now_secs(), Ordering::Relaxed);
        self.writes_at_last_save.store(self.kv.stats().writes, Ordering::Relaxed);
    }
}

/// Seconds since the Unix epoch.
pub(crate) fn unix_now_secs() -> u64 {
    srdb::now_ms() / 1000
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cursors_forget_the_oldest_beyond_the_limit() {
        let mut c = Cursors::default();
        let first = c.insert(b"a".to_vec());
        assert_ne!(first, 0);
        let ids: Vec<u64> = (0..MAX_SCAN_CURSORS).map(|i| c.insert(vec![i as u8])).collect();
        assert!(c.get(first).is_none(), "the oldest cursor is forgotten");
        assert_eq!(c.get(ids[0]), Some(&vec![0u8]));
        assert_eq!(c.last_keys.len(), MAX_SCAN_CURSORS);
    }
}

//! The listener: admits connections up to the limit, gives each a thread,
//! runs the expiry sweep, and shuts down cleanly.

use std::collections::HashMap;
use std::io::Write;
use std::net::{Ipv4Addr, Ipv6Addr, SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::mpsc::{self, RecvTimeoutError};
use std::sync::{Arc, Condvar, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use srdb::Database;

use crate::config::ServerConfig;
use crate::error::{Error, Result};
use crate::limits::{CONNECTION_STACK_BYTES, SWEEP_INTERVAL, SWEEP_MAX_ENTRIES};
use crate::state::{unix_now_secs, ClientEntry, ClientInfo, Counters, Cursors, Shared};

/// A RESP server bound to its address. [`Server::run`] serves until
/// [`ShutdownHandle::shutdown`] is called.
pub struct Server {
    shared: Arc<Shared>,
    listener: TcpListener,
    stop: Arc<AtomicBool>,
    active: Arc<Active>,
}

/// Counts connection threads still running, so shutdown can wait for them.
#[derive(Default)]
struct Active {
    count: Mutex<usize>,
    zero: Condvar,
}

impl Active {
    fn enter(&self) {
        *self.count.lock().unwrap_or_else(|p| p.into_inner()) += 1;
    }

    fn leave(&self) {
        let mut n = self.count.lock().unwrap_or_else(|p| p.into_inner());
        *n -= 1;
        if *n == 0 {
            self.zero.notify_all();
        }
    }

    fn wait_for_zero(&self) {
        let mut n = self.count.lock().unwrap_or_else(|p| p.into_inner());
        while *n > 0 {
            n = self.zero.wait(n).unwrap_or_else(|p| p.into_inner());
        }
    }
}

/// Stops a running [`Server`]: it stops accepting, lets every connection
/// finish the command it runs and send its replies, and returns from
/// [`Server::run`]. Cheap to clone; usable from a signal-handling thread.
#[derive(Clone)]
pub struct ShutdownHandle {
    stop: Arc<AtomicBool>,
    addr: SocketAddr,
}

impl ShutdownHandle {
    /// Asks the server to stop; returns at once.
    pub fn shutdown(&self) {
        if self.stop.swap(true, Ordering::AcqRel) {
            return;
        }
        // The accept loop blocks in accept(); a connection wakes it to see
        // the flag. If it fails the listener is already gone.
        let mut addr = self.addr;
        if addr.ip().is_unspecified() {
            addr.set_ip(match addr {
                SocketAddr::V4(_) => Ipv4Addr::LOCALHOST.into(),
                SocketAddr::V6(_) => Ipv6Addr::LOCALHOST.into(),
            });
        }
        let _ = TcpStream::connect_timeout(&addr, Duration::from_secs(1));
    }
}

impl Server {
    /// Binds `config.addr` and prepares to serve the key-value store of
    /// `db`.
    pub fn bind(db: Database, config: ServerConfig) -> Result<Server> {
        config.validate()?;
        let listener = TcpListener::bind(config.addr)
            .map_err(|source| Error::Bind { addr: config.addr, source })?;
        let local_addr = listener.local_addr()?;
        let kv = db.kv();
        let writes = kv.stats().writes;
        let combiner = crate::combiner::Combiner::start(kv.clone())?;
        let shared = Arc::new(Shared {
            db,
            kv,
            combiner,
            config,
            local_addr,
            started: Instant::now(),
            counters: Counters::default(),
            next_client_id: AtomicU64::new(1),
            clients: Mutex::new(HashMap::new()),
            cursors: Mutex::new(Cursors::default()),
            last_save_unix: AtomicU64::new(unix_now_secs()),
            writes_at_last_save: AtomicU64::new(writes),
            bgsave_running: AtomicBool::new(false),
        });
        Ok(Server {
            shared,
            listener,
            stop: Arc::new(AtomicBool::new(false)),
            active: Arc::new(Active::default()),
        })
    }

    /// The address the server listens on (with the real port when port 0
    /// was asked for).
    pub fn local_addr(&self) -> SocketAddr {
        self.shared.local_addr
    }

    /// A handle that stops the server.
    pub fn shutdown_handle(&self) -> ShutdownHandle {
        ShutdownHandle { stop: self.stop.clone(), addr: self.shared.local_addr }
    }

    /// Serves until shut down, then waits for every connection to finish.
    /// The caller flushes and closes the store afterwards.
    pub fn run(self) -> Result<()> {
        let (sweep_stop, sweep_rx) = mpsc::channel::<()>();
        let sweeper = spawn_sweeper(self.shared.clone(), sweep_rx)?;
        for conn in self.listener.incoming() {
            if self.stop.load(Ordering::Acquire) {
                break;
            }
            match conn {
                Ok(stream) => self.admit(stream),
                Err(e) => {
                    // Out of file descriptors or a connection reset before
                    // accept: the listener itself is fine. Pausing avoids a
                    // busy loop while descriptors stay exhausted.
                    eprintln!("srdb: accept failed: {e}");
                    std::thread::sleep(Duration::from_millis(10));
                }
            }
        }
        drop(self.listener);
        self.shared.close_all_reads();
        self.active.wait_for_zero();
        self.shared.combiner.stop();
        drop(sweep_stop);
        let _ = sweeper.join();
        Ok(())
    }

    fn admit(&self, mut stream: TcpStream) {
        let srv = &self.shared;
        Counters::add(&srv.counters.connections_received, 1);
        let (Ok(addr), Ok(laddr), Ok(handle)) =
            (stream.peer_addr(), stream.local_addr(), stream.try_clone())
        else {
            return; // The peer left before we looked.
        };
        let mut clients = srv.clients();
        if clients.len() >= srv.config.max_clients {
            drop(clients);
            Counters::add(&srv.counters.rejected_connections, 1);
            let _ = stream.write_all(b"-ERR max number of clients reached\r\n");
            return;
        }
        let id = srv.next_client_id.fetch_add(1, Ordering::Relaxed);
        let info = Arc::new(ClientInfo {
            id,
            addr,
            laddr,
            created: Instant::now(),
            detail: Mutex::default(),
        });
        clients.insert(id, ClientEntry { info: info.clone(), stream: handle });
        drop(clients);
        self.active.enter();
        let (srv2, active) = (srv.clone(), self.active.clone());
        let spawned = std::thread::Builder::new()
            .name(format!("srdb-conn-{id}"))
            .stack_size(CONNECTION_STACK_BYTES)
            .spawn(move || {
                crate::conn::serve(&srv2, stream, info);
                srv2.clients().remove(&id);
                active.leave();
            });
        if let Err(e) = spawned {
            eprintln!("srdb: cannot start a connection thread: {e}");
            if let Some(entry) = srv.clients().remove(&id) {
                let _ =
                    (&entry.stream).write_all(b"-ERR the server cannot take more clients now\r\n");
            }
            self.active.leave();
        }
    }
}

/// The expiry sweep: every [`SWEEP_INTERVAL`] it deletes up to
/// [`SWEEP_MAX_ENTRIES`] due keys; with a backlog it comes back sooner.
fn spawn_sweeper(srv: Arc<Shared>, stop: mpsc::Receiver<()>) -> Result<JoinHandle<()>> {
    let run = move || {
        let mut wait = SWEEP_INTERVAL;
        let mut last_error = String::new();
        loop {
            match stop.recv_timeout(wait) {
                Err(RecvTimeoutError::Timeout) => {}
                _ => return,
            }
            match srv.kv.sweep_expired(SWEEP_MAX_ENTRIES) {
                Ok(s) => {
                    last_error.clear();
                    wait = if s.examined == SWEEP_MAX_ENTRIES {
                        SWEEP_INTERVAL / 10
                    } else {
                        SWEEP_INTERVAL
                    };
                }
                Err(e) => {
                    // Reported once per distinct failure, not every tick.
                    let text = e.to_string();
                    if text != last_error {
                        eprintln!("srdb: expiry sweep failed: {text}");
                        last_error = text;
                    }
                    wait = SWEEP_INTERVAL;
                }
            }
        }
    };
    Ok(std::thread::Builder::new().name("srdb-expiry".into()).spawn(run)?)
}

//! The listener: admits connections up to the limit and hands them to the
//! event loops in turn, runs the expiry sweep, and shuts down cleanly.

use std::collections::HashMap;
use std::io::{ErrorKind, Write};
use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::mpsc::{self, RecvTimeoutError};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use mio::net::{TcpListener, TcpStream};
use mio::{Events, Interest, Poll, Token, Waker};
use srdb::Database;

use crate::config::ServerConfig;
use crate::error::{Error, Result};
use crate::event_loop::{EventLoop, LoopHandle, Msg, Workers};
use crate::limits::{SWEEP_INTERVAL, SWEEP_MAX_ENTRIES, WORKER_THREADS};
use crate::state::{unix_now_secs, ClientInfo, Counters, Cursors, Shared};

const LISTENER: Token = Token(0);
const SHUTDOWN: Token = Token(1);

/// A RESP server bound to its address. [`Server::run`] serves until
/// [`ShutdownHandle::shutdown`] is called.
pub struct Server {
    shared: Arc<Shared>,
    listener: TcpListener,
    poll: Poll,
    stop: Arc<AtomicBool>,
    waker: Arc<Waker>,
}

/// Stops a running [`Server`]: it stops accepting, lets every connection
/// finish the commands it has read (those running on worker threads too)
/// and send their replies, and returns from [`Server::run`]. Cheap to
/// clone; usable from a signal-handling thread.
#[derive(Clone)]
pub struct ShutdownHandle {
    stop: Arc<AtomicBool>,
    waker: Arc<Waker>,
}

impl ShutdownHandle {
    /// Asks the server to stop; returns at once.
    pub fn shutdown(&self) {
        if !self.stop.swap(true, Ordering::AcqRel) {
            // Fails only if the server has ended already.
            let _ = self.waker.wake();
        }
    }
}

impl Server {
    /// Binds `config.addr` and prepares to serve the key-value store of
    /// `db`.
    pub fn bind(db: Database, config: ServerConfig) -> Result<Server> {
        config.validate()?;
        let std_listener = std::net::TcpListener::bind(config.addr)
            .map_err(|source| Error::Bind { addr: config.addr, source })?;
        std_listener.set_nonblocking(true)?;
        let mut listener = TcpListener::from_std(std_listener);
        let local_addr = listener.local_addr()?;
        let poll = Poll::new()?;
        poll.registry().register(&mut listener, LISTENER, Interest::READABLE)?;
        let waker = Arc::new(Waker::new(poll.registry(), SHUTDOWN)?);
        let kv = db.kv();
        let writes = kv.stats().writes;
        let shared = Arc::new(Shared {
            db,
            kv,
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
        Ok(Server { shared, listener, poll, stop: Arc::new(AtomicBool::new(false)), waker })
    }

    /// The address the server listens on (with the real port when port 0
    /// was asked for).
    pub fn local_addr(&self) -> SocketAddr {
        self.shared.local_addr
    }

    /// A handle that stops the server.
    pub fn shutdown_handle(&self) -> ShutdownHandle {
        ShutdownHandle { stop: self.stop.clone(), waker: self.waker.clone() }
    }

    /// Serves until shut down, then waits for every connection to finish.
    /// The caller flushes and closes the store afterwards.
    pub fn run(mut self) -> Result<()> {
        let srv = self.shared.clone();
        let workers = Workers::start(&srv, WORKER_THREADS)?;
        // Set once no connection is accepted any more: the loops then
        // finish their connections and end.
        let loops_stop = Arc::new(AtomicBool::new(false));
        let mut loops = Vec::new();
        let mut threads = Vec::new();
        let (sweep_stop, sweep_rx) = mpsc::channel::<()>();
        let mut result = (0..srv.event_loops()).try_for_each(|n| {
            let (event_loop, handle) = EventLoop::new(srv.clone(), &workers, loops_stop.clone())?;
            let t = std::thread::Builder::new()
                .name(format!("srdb-loop-{n}"))
                .spawn(move || event_loop.run())?;
            threads.push(t);
            loops.push(handle);
            Ok::<_, std::io::Error>(())
        });
        let sweeper = result.as_ref().ok().map(|()| spawn_sweeper(srv.clone(), sweep_rx));
        if let Some(Err(e)) = sweeper.as_ref() {
            result = Err(std::io::Error::new(e.kind(), e.to_string()));
        }
        if result.is_ok() {
            result = self.accept_until_stopped(&loops);
        }
        drop(self.listener);
        loops_stop.store(true, Ordering::Release);
        for handle in &loops {
            handle.wake();
        }
        for t in threads {
            let _ = t.join();
        }
        workers.stop();
        drop(sweep_stop);
        if let Some(Ok(sweeper)) = sweeper {
            let _ = sweeper.join();
        }
        Ok(result?)
    }

    /// Accepts connections and deals them to the loops in turn until the
    /// stop flag is set.
    fn accept_until_stopped(&mut self, loops: &[LoopHandle]) -> std::io::Result<()> {
        let mut events = Events::with_capacity(64);
        let mut next = 0usize;
        while !self.stop.load(Ordering::Acquire) {
            if let Err(e) = self.poll.poll(&mut events, None) {
                if e.kind() == ErrorKind::Interrupted {
                    continue;
                }
                return Err(e);
            }
            loop {
                match self.listener.accept() {
                    Ok((stream, addr)) => {
                        if self.admit(stream, addr, &loops[next % loops.len()]) {
                            next = next.wrapping_add(1);
                        }
                    }
                    Err(e) if e.kind() == ErrorKind::WouldBlock => break,
                    Err(e) if e.kind() == ErrorKind::Interrupted => {}
                    Err(e) => {
                        // Out of file descriptors or a connection reset
                        // before accept: the listener itself is fine.
                        // Pausing avoids a busy loop while descriptors stay
                        // exhausted; accepting again (not waiting for the
                        // next readiness, which comes only with the next
                        // connection) picks up those still queued.
                        eprintln!("srdb: accept failed: {e}");
                        std::thread::sleep(Duration::from_millis(10));
                        if self.stop.load(Ordering::Acquire) {
                            break;
                        }
                    }
                }
            }
        }
        Ok(())
    }

    /// Registers a new connection and hands it to `home`; false if it was
    /// refused.
    fn admit(&self, mut stream: TcpStream, addr: SocketAddr, home: &LoopHandle) -> bool {
        let srv = &self.shared;
        Counters::add(&srv.counters.connections_received, 1);
        let Ok(laddr) = stream.local_addr() else {
            return false; // The peer left before we looked.
        };
        let mut clients = srv.clients();
        if clients.len() >= srv.config.max_clients {
            drop(clients);
            Counters::add(&srv.counters.rejected_connections, 1);
            // A new socket's send buffer takes the line whole.
            let _ = stream.write(b"-ERR max number of clients reached\r\n");
            return false;
        }
        // Without Nagle's delay a reply leaves at once; failing costs only
        // latency.
        let _ = stream.set_nodelay(true);
        let id = srv.next_client_id.fetch_add(1, Ordering::Relaxed);
        let info = Arc::new(ClientInfo {
            id,
            addr,
            laddr,
            created: Instant::now(),
            detail: Mutex::default(),
        });
        clients.insert(id, info.clone());
        drop(clients);
        if !home.send(Msg::Accepted(stream, info)) {
            srv.clients().remove(&id);
            return false;
        }
        true
    }
}

/// The expiry sweep: every [`SWEEP_INTERVAL`] it deletes up to
/// [`SWEEP_MAX_ENTRIES`] due keys; with a backlog it comes back sooner.
fn spawn_sweeper(srv: Arc<Shared>, stop: mpsc::Receiver<()>) -> std::io::Result<JoinHandle<()>> {
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
    std::thread::Builder::new().name("srdb-expiry".into()).spawn(run)
}

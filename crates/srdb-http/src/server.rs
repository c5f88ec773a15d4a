//! The listener, the bounded worker pool and shutdown.

use std::net::{Ipv4Addr, Ipv6Addr, SocketAddr, TcpListener, TcpStream};
use std::panic::{self, AssertUnwindSafe};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use crossbeam_channel::TrySendError;
use srdb::{Database, Kv};

use crate::config::{HttpConfig, QUEUE_PER_WORKER};
use crate::error::{Error, Result};
use crate::http::{read_request, ReadError};
use crate::router;

/// What every request handler shares.
pub(crate) struct Shared {
    pub db: Database,
    pub kv: Kv,
    pub config: HttpConfig,
    pub started: Instant,
    pub counters: Counters,
}

/// Requests answered, by status class, for `/metrics`.
#[derive(Default)]
pub(crate) struct Counters {
    /// Index 0 for 1xx ... 4 for 5xx.
    pub by_class: [AtomicU64; 5],
    /// Connections refused with 503 because every worker and the queue were
    /// busy.
    pub refused_busy: AtomicU64,
    /// Requests whose handler panicked (answered 500).
    pub panics: AtomicU64,
}

impl Counters {
    fn record(&self, status: u16) {
        let class = usize::from(status / 100).clamp(1, 5) - 1;
        self.by_class[class].fetch_add(1, Ordering::Relaxed);
    }
}

/// The HTTP server: the JSON API, the Web UI, `/metrics` and `/health` of
/// one [`Database`].
pub struct HttpServer {
    shared: Arc<Shared>,
    listener: TcpListener,
    local_addr: SocketAddr,
    stop: Arc<AtomicBool>,
}

impl std::fmt::Debug for HttpServer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("HttpServer").field("local_addr", &self.local_addr).finish_non_exhaustive()
    }
}

/// Stops a running [`HttpServer`]: it stops accepting, finishes the
/// requests it has accepted and returns from [`HttpServer::run`]. Cheap to
/// clone.
#[derive(Clone, Debug)]
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

impl HttpServer {
    /// Binds `config.addr` and prepares to serve `db`.
    pub fn bind(db: Database, config: HttpConfig) -> Result<HttpServer> {
        config.validate()?;
        let listener = TcpListener::bind(config.addr)
            .map_err(|source| Error::Bind { addr: config.addr, source })?;
        let local_addr = listener.local_addr()?;
        let kv = db.kv();
        let shared = Arc::new(Shared {
            db,
            kv,
            config,
            started: Instant::now(),
            counters: Counters::default(),
        });
        Ok(HttpServer { shared, listener, local_addr, stop: Arc::new(AtomicBool::new(false)) })
    }

    /// The address the server listens on (with the real port when port 0
    /// was asked for).
    pub fn local_addr(&self) -> SocketAddr {
        self.local_addr
    }

    /// Whether writes are allowed (a token is configured).
    pub fn has_token(&self) -> bool {
        self.shared.config.token.is_some()
    }

    /// A handle that stops the server.
    pub fn shutdown_handle(&self) -> ShutdownHandle {
        ShutdownHandle { stop: self.stop.clone(), addr: self.local_addr }
    }

    /// Serves until shut down, then waits for the requests accepted so far.
    pub fn run(self) -> Result<()> {
        let workers = self.shared.config.workers;
        let (tx, rx) = crossbeam_channel::bounded::<TcpStream>(workers * QUEUE_PER_WORKER);
        let mut handles = Vec::with_capacity(workers);
        for i in 0..workers {
            let rx = rx.clone();
            let shared = self.shared.clone();
            handles.push(std::thread::Builder::new().name(format!("srdb-http-{i}")).spawn(
                move || {
                    for stream in rx {
                        // `route` answers a panicking handler with 500; this
                        // is the last guard, for a panic while reading or
                        // writing: that connection closes unanswered and the
                        // worker serves the next one.
                        let served = panic::catch_unwind(AssertUnwindSafe(|| {
                            serve_connection(&shared, stream)
                        }));
                        if let Err(payload) = served {
                            shared.counters.panics.fetch_add(1, Ordering::Relaxed);
                            eprintln!(
                                "srdb-http: a connection was closed unanswered: {}",
                                router::panic_message(payload.as_ref())
                            );
                        }
                    }
                },
            )?);
        }
        drop(rx);
        for conn in self.listener.incoming() {
            if self.stop.load(Ordering::Acquire) {
                break;
            }
            let Ok(stream) = conn else { continue };
            match tx.try_send(stream) {
                Ok(()) => {}
                Err(TrySendError::Full(mut stream)) => {
                    self.shared.counters.refused_busy.fetch_add(1, Ordering::Relaxed);
                    let _ = stream.set_write_timeout(Some(Duration::from_secs(1)));
                    let _ = crate::api::error_response(503, "the server is busy; retry shortly")
                        .write_to(&mut stream, false);
                }
                Err(TrySendError::Disconnected(_)) => break,
            }
        }
        drop(tx);
        for handle in handles {
            // Workers catch panics, so this waits for each to drain the
            // queue; a join error cannot lose more than its thread.
            let _ = handle.join();
        }
        Ok(())
    }
}

fn serve_connection(shared: &Shared, mut stream: TcpStream) {
    let timeout = shared.config.request_timeout;
    let deadline = Instant::now() + timeout;
    let _ = stream.set_write_timeout(Some(timeout));
    let _ = stream.set_nodelay(true);
    let (response, head_only) =
        match read_request(&mut stream, deadline, shared.config.max_body_bytes) {
            Ok(request) => {
                let head_only = request.method == "HEAD";
                (router::route(shared, &request), head_only)
            }
            Err(ReadError::Closed) => return,
            Err(ReadError::Reply(status, message)) => {
                (crate::api::error_response(status, &message), false)
            }
        };
    shared.counters.record(response.status);
    let _ = response.write_to(&mut stream, head_only);
    let _ = stream.shutdown(std::net::Shutdown::Write);
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A server with one worker over a fresh database; its address, its
    /// stop handle and the thread running it.
    fn one_worker() -> (tempfile::TempDir, SocketAddr, ShutdownHandle, std::thread::JoinHandle<()>)
    {
        let dir = tempfile::tempdir().unwrap();
        let db = Database::open(dir.path()).unwrap();
        let config = HttpConfig {
            addr: "127.0.0.1:0".parse().unwrap(),
            workers: 1,
            ..HttpConfig::default()
        };
        let server = HttpServer::bind(db, config).unwrap();
        let addr = server.local_addr();
        let stop = server.shutdown_handle();
        let thread = std::thread::spawn(move || server.run().unwrap());
        (dir, addr, stop, thread)
    }

    fn get(addr: SocketAddr, path: &str) -> (u16, String, String) {
        let response = match ureq::get(&format!("http://{addr}{path}")).call() {
            Ok(r) => r,
            Err(ureq::Error::Status(_, r)) => r,
            Err(e) => panic!("GET {path}: transport error: {e}"),
        };
        let status = response.status();
        let content_type = response.content_type().to_owned();
        (status, content_type, response.into_string().unwrap())
    }

    #[test]
    fn a_panicking_handler_is_answered_500_and_its_worker_lives_on() {
        let (_dir, addr, stop, thread) = one_worker();
        // More panics than workers: each would have ended the only worker.
        for _ in 0..3 {
            let (status, content_type, body) = get(addr, "/api/test/panic");
            assert_eq!(status, 500, "{body}");
            assert_eq!(content_type, "application/json");
            let json: serde_json::Value = serde_json::from_str(&body).unwrap();
            assert_eq!(json["status"], 500);
            assert!(json["error"].as_str().unwrap().contains("internal error"), "{json}");
            assert!(!body.contains("on purpose"), "the panic message stays in the log: {body}");

            let (status, content_type, body) = get(addr, "/test/panic");
            assert_eq!(status, 500, "{body}");
            assert!(content_type.starts_with("text/html"), "{content_type}");
            assert!(body.contains("Error 500") && body.contains("internal error"), "{body}");
        }
        assert_eq!(get(addr, "/health"), (200, "text/plain".to_owned(), "ok\n".to_owned()));
        let metrics = get(addr, "/metrics").2;
        assert!(metrics.contains("\nsrdb_http_panics_total 6\n"), "{metrics}");
        assert!(metrics.contains("srdb_http_responses_total{class=\"5xx\"} 6\n"), "{metrics}");
        stop.shutdown();
        thread.join().unwrap();
    }
}

//! `srdb serve`: the RESP server and the HTTP server (JSON API, Web UI,
//! `/metrics`) on one database directory.
//!
//! Settings come, highest first, from the command line or its environment
//! variable (`SRDB_DATA`, `SRDB_RESP_ADDR`, ...), then the TOML file given
//! with `--config` (keys named like the long options, with underscores),
//! then the defaults. `--http-addr off` leaves the HTTP server out. SIGINT or
//! SIGTERM stops both servers gracefully: they stop accepting, let commands
//! and requests in flight finish, the memtables are flushed to SST files and
//! the process exits 0. A second signal exits at once (the WAL still holds
//! every acknowledged write).

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

use clap::{Args, ValueEnum};
use serde::Deserialize;
use srdb::{Database, Options, SyncPolicy};
use srdb_http::{HttpConfig, HttpServer};
use srdb_server::{Server, ServerConfig};

use crate::error::CliError;

/// Default data directory.
const DEFAULT_DATA: &str = "./srdb-data";

/// Default WAL sync interval of `--sync periodic`, the engine's default.
const DEFAULT_SYNC_INTERVAL_MS: u64 = 100;

/// When acknowledged writes reach the disk.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Sync {
    /// fsync before acknowledging (concurrent writers share one fsync):
    /// survives power loss.
    Always,
    /// fsync in the background every interval: survives a process crash;
    /// a power loss loses at most one interval.
    Periodic,
    /// Leave it to the OS: survives a clean shutdown only.
    Never,
}

/// Arguments of `srdb serve`. Unset options fall back to the configuration
/// file, then to the defaults shown.
#[derive(Args, Debug, Default)]
pub struct ServeArgs {
    /// Data directory [default: ./srdb-data]
    #[arg(long, env = "SRDB_DATA", value_name = "DIR")]
    data: Option<PathBuf>,
    /// Address of the Redis-protocol listener [default: 127.0.0.1:6399]
    #[arg(long, env = "SRDB_RESP_ADDR", value_name = "ADDR")]
    resp_addr: Option<SocketAddr>,
    /// Password clients must give with AUTH [default: none]
    #[arg(long, env = "SRDB_REQUIREPASS", value_name = "PASSWORD", hide_env_values = true)]
    requirepass: Option<String>,
    /// WAL durability [default: periodic]
    #[arg(long, env = "SRDB_SYNC", value_enum)]
    sync: Option<Sync>,
    /// Interval of background fsyncs under --sync periodic [default: 100]
    #[arg(long, env = "SRDB_SYNC_INTERVAL_MS", value_name = "MS")]
    sync_interval_ms: Option<u64>,
    /// Most clients connected at once [default: 1000]
    #[arg(long, env = "SRDB_MAX_CLIENTS", value_name = "N")]
    max_clients: Option<usize>,
    /// Disconnect clients idle this long; 0 never [default: 300]
    #[arg(long, env = "SRDB_IDLE_TIMEOUT_SECS", value_name = "SECS")]
    idle_timeout_secs: Option<u64>,
    /// Longest argument of a request [default: 16777216]
    #[arg(long, env = "SRDB_MAX_BULK_BYTES", value_name = "BYTES")]
    max_bulk_bytes: Option<usize>,
    /// Largest request [default: 67108864]
    #[arg(long, env = "SRDB_MAX_REQUEST_BYTES", value_name = "BYTES")]
    max_request_bytes: Option<usize>,
    /// Largest reply of one command [default: 67108864]
    #[arg(long, env = "SRDB_MAX_REPLY_BYTES", value_name = "BYTES")]
    max_reply_bytes: Option<usize>,
    /// Threads serving Redis-protocol connections, each an event loop; 0
    /// picks one under `--sync always`, else two [default: 0]
    #[arg(long, env = "SRDB_EVENT_LOOPS", value_name = "N")]
    event_loops: Option<usize>,
    /// Address of the HTTP API and Web UI, or `off` [default: 127.0.0.1:8080]
    #[arg(long, env = "SRDB_HTTP_ADDR", value_name = "ADDR|off")]
    http_addr: Option<String>,
    /// Token that HTTP writes must present; without one the API is read-only
    /// [default: none]
    #[arg(long, env = "SRDB_HTTP_TOKEN", value_name = "TOKEN", hide_env_values = true)]
    http_token: Option<String>,
    /// TOML file with any of the settings above (underscored names)
    #[arg(long, env = "SRDB_CONFIG", value_name = "FILE")]
    config: Option<PathBuf>,
}

/// The configuration file: the same settings as the options.
#[derive(Deserialize, Debug, Default)]
#[serde(deny_unknown_fields)]
struct FileConfig {
    data: Option<PathBuf>,
    resp_addr: Option<String>,
    requirepass: Option<String>,
    sync: Option<Sync>,
    sync_interval_ms: Option<u64>,
    max_clients: Option<usize>,
    idle_timeout_secs: Option<u64>,
    max_bulk_bytes: Option<usize>,
    max_request_bytes: Option<usize>,
    max_reply_bytes: Option<usize>,
    event_loops: Option<usize>,
    http_addr: Option<String>,
    http_token: Option<String>,
}

fn read_file_config(path: &Path) -> Result<FileConfig, CliError> {
    let fail = |reason: String| CliError::Config { path: path.to_path_buf(), reason };
    let text = std::fs::read_to_string(path).map_err(|e| fail(e.to_string()))?;
    toml::from_str(&text).map_err(|e| fail(e.to_string()))
}

/// Everything `serve` needs, settled.
#[derive(Debug)]
struct Settings {
    data: PathBuf,
    options: Options,
    server: ServerConfig,
    /// `None` when the HTTP server is off.
    http: Option<HttpConfig>,
}

/// The HTTP settings: `off` (any case) leaves the server out.
fn settle_http(
    addr: Option<String>,
    token: Option<String>,
) -> Result<Option<HttpConfig>, CliError> {
    let mut http = HttpConfig::default();
    match addr.as_deref().map(str::trim) {
        Some(off) if off.eq_ignore_ascii_case("off") => return Ok(None),
        Some(text) => {
            http.addr = text.parse().map_err(|e| CliError::Setting {
                name: "http_addr",
                reason: format!("{text:?} is neither `off` nor an address with a port: {e}"),
            })?;
        }
        None => {}
    }
    http.token = token.filter(|t| !t.is_empty());
    Ok(Some(http))
}

fn settle(args: ServeArgs) -> Result<Settings, CliError> {
    let file = match &args.config {
        Some(path) => read_file_config(path)?,
        None => FileConfig::default(),
    };
    let data = args.data.or(file.data).unwrap_or_else(|| PathBuf::from(DEFAULT_DATA));
    let sync = args.sync.or(file.sync).unwrap_or(Sync::Periodic);
    let interval =
        args.sync_interval_ms.or(file.sync_interval_ms).unwrap_or(DEFAULT_SYNC_INTERVAL_MS);
    let options = Options {
        sync: match sync {
            Sync::Always => SyncPolicy::Always,
            Sync::Periodic => SyncPolicy::Periodic(Duration::from_millis(interval)),
            Sync::Never => SyncPolicy::Never,
        },
        ..Options::default()
    };
    let mut server = ServerConfig::default();
    if let Some(addr) = args.resp_addr {
        server.addr = addr;
    } else if let Some(addr) = file.resp_addr {
        server.addr = addr.parse().map_err(|e| CliError::Setting {
            name: "resp_addr",
            reason: format!("{addr:?} is not an address with a port: {e}"),
        })?;
    }
    server.requirepass = args.requirepass.or(file.requirepass).filter(|p| !p.is_empty());
    if let Some(n) = args.max_clients.or(file.max_clients) {
        server.max_clients = n;
    }
    if let Some(s) = args.idle_timeout_secs.or(file.idle_timeout_secs) {
        server.idle_timeout = Duration::from_secs(s);
    }
    if let Some(n) = args.max_bulk_bytes.or(file.max_bulk_bytes) {
        server.max_bulk_bytes = n;
    }
    if let Some(n) = args.max_request_bytes.or(file.max_request_bytes) {
        server.max_request_bytes = n;
    }
    if let Some(n) = args.max_reply_bytes.or(file.max_reply_bytes) {
        server.max_reply_bytes = n;
    }
    if let Some(n) = args.event_loops.or(file.event_loops) {
        server.event_loops = n;
    }
    server.config_file = args.config;
    let http = settle_http(args.http_addr.or(file.http_addr), args.http_token.or(file.http_token))?;
    Ok(Settings { data, options, server, http })
}

/// Runs the server until SIGINT or SIGTERM, then flushes and closes.
pub fn run(args: ServeArgs) -> Result<(), CliError> {
    let settings = settle(args)?;
    let data = settings.data.clone();
    let db_error = |source| CliError::Database { path: data.clone(), source: Box::new(source) };
    let sync = settings.options.sync;
    let db = Database::open_with(&settings.data, settings.options).map_err(db_error)?;
    let server = Server::bind(db.clone(), settings.server)?;
    let http = match settings.http {
        Some(config) => Some(HttpServer::bind(db.clone(), config)?),
        None => None,
    };
    let stop = server.shutdown_handle();
    let stop_http = http.as_ref().map(HttpServer::shutdown_handle);
    let mut signals = signal_hook::iterator::Signals::new([
        signal_hook::consts::SIGINT,
        signal_hook::consts::SIGTERM,
    ])
    .map_err(CliError::Signals)?;
    std::thread::Builder::new()
        .name("srdb-signals".into())
        .spawn(move || {
            let mut seen = 0;
            for signal in signals.forever() {
                seen += 1;
                if seen == 1 {
                    eprintln!("srdb: signal {signal}: shutting down (again to exit at once)");
                    stop.shutdown();
                    if let Some(stop_http) = &stop_http {
                        stop_http.shutdown();
                    }
                } else {
                    eprintln!("srdb: second signal: exiting without flushing");
                    std::process::exit(130);
                }
            }
        })
        .map_err(CliError::Signals)?;
    let http_thread = match http {
        Some(http) => {
            let read_only = if http.has_token() { "" } else { ", read-only" };
            eprintln!("srdb: serving HTTP on http://{}/{read_only}", http.local_addr());
            Some(
                std::thread::Builder::new()
                    .name("srdb-http".into())
                    .spawn(move || http.run())
                    .map_err(|e| CliError::Http(e.into()))?,
            )
        }
        None => None,
    };
    eprintln!(
        "srdb: serving the Redis protocol on {} (data {}, sync {:?})",
        server.local_addr(),
        settings.data.display(),
        sync
    );
    server.run()?;
    if let Some(thread) = http_thread {
        match thread.join() {
            Ok(result) => result?,
            Err(_) => eprintln!("srdb: the HTTP server thread panicked"),
        }
    }
    eprintln!("srdb: connections closed; flushing");
    db.flush().map_err(db_error)?;
    db.close().map_err(db_error)?;
    eprintln!("srdb: stopped cleanly");
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_apply_when_nothing_is_set() {
        let s = settle(ServeArgs::default()).unwrap();
        assert_eq!(s.data, PathBuf::from("./srdb-data"));
        assert_eq!(s.server.addr.to_string(), "127.0.0.1:6399");
        assert_eq!(s.options.sync, SyncPolicy::Periodic(Duration::from_millis(100)));
        assert_eq!(s.server.requirepass, None);
    }

    #[test]
    fn options_override_the_file_which_overrides_defaults() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("srdb.toml");
        std::fs::write(
            &path,
            "data = \"/tmp/x\"\nresp_addr = \"127.0.0.1:7000\"\nsync = \"always\"\nmax_clients = 7\nevent_loops = 2\n",
        )
        .unwrap();
        let args = ServeArgs {
            config: Some(path.clone()),
            resp_addr: Some("127.0.0.1:7001".parse().unwrap()),
            ..ServeArgs::default()
        };
        let s = settle(args).unwrap();
        assert_eq!(s.data, PathBuf::from("/tmp/x"));
        assert_eq!(s.server.addr.port(), 7001);
        assert_eq!(s.options.sync, SyncPolicy::Always);
        assert_eq!(s.server.max_clients, 7);
        assert_eq!(s.server.event_loops, 2);
        assert_eq!(s.server.config_file, Some(path));
    }

    #[test]
    fn http_is_on_by_default_off_on_request_and_takes_its_token_from_the_file() {
        let s = settle(ServeArgs::default()).unwrap();
        let http = s.http.unwrap();
        assert_eq!(http.addr.to_string(), "127.0.0.1:8080");
        assert_eq!(http.token, None);
        let off = ServeArgs { http_addr: Some("OFF".into()), ..ServeArgs::default() };
        assert!(settle(off).unwrap().http.is_none());
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("srdb.toml");
        std::fs::write(&path, "http_addr = \"127.0.0.1:9000\"\nhttp_token = \"abc\"\n").unwrap();
        let s = settle(ServeArgs { config: Some(path.clone()), ..ServeArgs::default() }).unwrap();
        let http = s.http.unwrap();
        assert_eq!((http.addr.port(), http.token.as_deref()), (9000, Some("abc")));
        let args = ServeArgs {
            config: Some(path),
            http_token: Some(String::new()),
            ..ServeArgs::default()
        };
        assert_eq!(settle(args).unwrap().http.unwrap().token, None, "an empty token is none");
    }

    #[test]
    fn an_http_address_in_use_is_an_http_error_naming_it() {
        let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = taken.local_addr().unwrap();
        let dir = tempfile::tempdir().unwrap();
        let args = ServeArgs {
            data: Some(dir.path().join("data")),
            resp_addr: Some("127.0.0.1:0".parse().unwrap()),
            http_addr: Some(addr.to_string()),
            ..ServeArgs::default()
        };
        let err = run(args).unwrap_err();
        assert!(matches!(err, CliError::Http(srdb_http::Error::Bind { .. })), "{err:?}");
        let message = err.to_string();
        assert!(message.contains("HTTP") && message.contains(&addr.to_string()), "{message}");
    }

    #[test]
    fn unknown_keys_and_bad_values_in_the_file_are_errors() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("srdb.toml");
        std::fs::write(&path, "port = 1\n").unwrap();
        let err = settle(ServeArgs { config: Some(path.clone()), ..ServeArgs::default() });
        assert!(err.unwrap_err().to_string().contains("unknown field"));
        std::fs::write(&path, "resp_addr = \"nowhere\"\n").unwrap();
        let err = settle(ServeArgs { config: Some(path), ..ServeArgs::default() });
        assert!(err.unwrap_err().to_string().contains("resp_addr"));
    }
}

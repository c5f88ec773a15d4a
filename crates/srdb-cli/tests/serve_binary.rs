//! The real `srdb` binary: startup, graceful shutdown on signals, settings
//! from the environment and a config file, and durability under SIGKILL.

use std::io::{BufRead, BufReader};
use std::net::SocketAddr;
use std::path::Path;
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// A running `srdb serve` and what it printed.
struct Serve {
    child: Child,
    addr: SocketAddr,
    /// The HTTP server's address, when it was started.
    http: Option<SocketAddr>,
    log: Arc<Mutex<String>>,
}

fn serve(data: &Path, extra: &[&str], envs: &[(&str, &str)]) -> Serve {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_srdb"));
    cmd.arg("serve").arg("--data").arg(data).arg("--resp-addr").arg("127.0.0.1:0");
    // A free port rather than the default 8080, unless the test says.
    let http_set =
        extra.contains(&"--http-addr") || envs.iter().any(|(k, _)| *k == "SRDB_HTTP_ADDR");
    if !http_set {
        cmd.arg("--http-addr").arg("127.0.0.1:0");
    }
    cmd.args(extra).stdin(Stdio::null()).stdout(Stdio::null()).stderr(Stdio::piped());
    for (k, v) in envs {
        cmd.env(k, v);
    }
    let mut child = cmd.spawn().unwrap();
    let log = Arc::new(Mutex::new(String::new()));
    let (tx, rx) = std::sync::mpsc::channel();
    let stderr = child.stderr.take().unwrap();
    let sink = log.clone();
    std::thread::spawn(move || {
        for line in BufReader::new(stderr).lines().map_while(Result::ok) {
            if let Some(rest) = line.split("serving HTTP on http://").nth(1) {
                let addr = rest.split('/').next().unwrap().parse::<SocketAddr>().unwrap();
                let _ = tx.send(Some(addr));
            }
            if let Some(rest) = line.split("serving the Redis protocol on ").nth(1) {
                let _ = tx.send(None);
                let _ =
                    tx.send(Some(rest.split(' ').next().unwrap().parse::<SocketAddr>().unwrap()));
            }
            sink.lock().unwrap().push_str(&(line + "\n"));
        }
    });
    // The HTTP line (if any) comes first, then a marker and the RESP
    // address.
    let mut next = || {
        rx.recv_timeout(Duration::from_secs(30)).unwrap_or_else(|_| {
            let _ = child.kill();
            panic!("srdb did not start: {}", log.lock().unwrap())
        })
    };
    let mut http = None;
    let addr = loop {
        match next() {
            Some(addr) => http = Some(addr),
            None => break next().expect("the RESP address follows its marker"),
        }
    };
    Serve { child, addr, http, log }
}

impl Serve {
    fn client(&self) -> redis::Connection {
        let c = redis::Client::open(format!("redis://{}/", self.addr)).unwrap();
        let con = c.get_connection().unwrap();
        con.set_read_timeout(Some(Duration::from_secs(20))).unwrap();
        con
    }

    fn signal(&self, name: &str) {
        let status = Command::new("kill")
            .arg(format!("-{name}"))
            .arg(self.child.id().to_string())
            .status()
            .unwrap();
        assert!(status.success(), "kill -{name} failed");
    }

    fn wait(&mut self) -> ExitStatus {
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                return status;
            }
            if Instant::now() > deadline {
                let _ = self.child.kill();
                panic!("srdb did not exit: {}", self.log.lock().unwrap());
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

impl Drop for Serve {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[test]
fn sigterm_and_sigint_stop_cleanly_after_flushing() {
    for signal in ["TERM", "INT"] {
        let dir = tempfile::tempdir().unwrap();
        let mut s = serve(dir.path(), &[], &[]);
        let mut con = s.client();
        for i in 0..100 {
            let _: () = redis::cmd("SET").arg(format!("k{i}")).arg(i).query(&mut con).unwrap();
        }
        s.signal(signal);
        let status = s.wait();
        assert!(status.success(), "exit {status:?}: {}", s.log.lock().unwrap());
        assert!(s.log.lock().unwrap().contains("stopped cleanly"));
        // Flushed: the data is in SST files, and all of it is there.
        let db = srdb::Database::open(dir.path()).unwrap();
        let kv_files: usize = db
            .engine()
            .stats()
            .keyspaces
            .iter()
            .filter(|k| k.name == srdb::KV_KEYSPACE)
            .flat_map(|k| &k.levels)
            .map(|l| l.files)
            .sum();
        assert!(kv_files > 0, "shutdown flushed the memtable");
        for i in 0..100 {
            assert_eq!(db.kv().get(format!("k{i}")).unwrap(), Some(i.to_string().into_bytes()));
        }
    }
}

#[test]
fn acknowledged_writes_survive_sigkill_with_sync_always() {
    let dir = tempfile::tempdir().unwrap();
    let mut s = serve(dir.path(), &["--sync", "always"], &[]);
    let stop = Arc::new(AtomicBool::new(false));
    let acked = Arc::new(Mutex::new(Vec::new()));
    let writers: Vec<_> = (0..8)
        .map(|t| {
            let (stop, acked) = (stop.clone(), acked.clone());
            let mut con = s.client();
            std::thread::spawn(move || {
                let mut i = 0u64;
                while !stop.load(Ordering::Relaxed) {
                    let key = format!("w{t}:{i}");
                    let value = format!("value-{t}-{i}");
                    match redis::cmd("SET").arg(&key).arg(&value).query::<()>(&mut con) {
                        Ok(()) => acked.lock().unwrap().push((key, value)),
                        Err(_) => return, // the server is gone
                    }
                    i += 1;
                }
            })
        })
        .collect();
    std::thread::sleep(Duration::from_millis(1500));
    s.child.kill().unwrap(); // SIGKILL: no flush, no clean shutdown
    s.child.wait().unwrap();
    stop.store(true, Ordering::Relaxed);
    writers.into_iter().for_each(|w| w.join().unwrap());
    let acked = acked.lock().unwrap().clone();
    assert!(acked.len() > 100, "the load wrote too little to prove anything: {}", acked.len());
    let s = serve(dir.path(), &[], &[]);
    let mut con = s.client();
    for chunk in acked.chunks(500) {
        let keys: Vec<&str> = chunk.iter().map(|(k, _)| k.as_str()).collect();
        let values: Vec<Option<String>> = redis::cmd("MGET").arg(&keys).query(&mut con).unwrap();
        for ((key, value), got) in chunk.iter().zip(values) {
            assert_eq!(got.as_deref(), Some(value.as_str()), "acknowledged key {key} was lost");
        }
    }
}

#[test]
fn settings_from_environment_and_config_file() {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("srdb.toml");
    std::fs::write(&config, "requirepass = \"from-file\"\nmax_clients = 5\n").unwrap();
    let data = dir.path().join("data");
    let s = serve(&data, &[], &[("SRDB_CONFIG", config.to_str().unwrap()), ("SRDB_SYNC", "never")]);
    let mut con = redis::Client::open(format!("redis://:from-file@{}/", s.addr))
        .unwrap()
        .get_connection()
        .unwrap();
    let config: Vec<String> = redis::cmd("CONFIG")
        .arg("GET")
        .arg("maxclients")
        .arg("appendfsync")
        .query(&mut con)
        .unwrap();
    assert_eq!(config, ["appendfsync", "no", "maxclients", "5"]);
    let no_auth = redis::Client::open(format!("redis://{}/", s.addr)).unwrap();
    let mut plain = no_auth.get_connection().unwrap();
    let err = redis::cmd("GET").arg("k").query::<Option<String>>(&mut plain).unwrap_err();
    assert!(err.to_string().contains("NOAUTH"), "{err}");
}

#[test]
fn bad_settings_exit_with_a_message() {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("bad.toml");
    std::fs::write(&config, "no_such_setting = 1\n").unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_srdb"))
        .args(["serve", "--config"])
        .arg(&config)
        .output()
        .unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("bad.toml") && err.contains("no_such_setting"), "{err}");
    let out = Command::new(env!("CARGO_BIN_EXE_srdb"))
        .args(["serve", "--sync", "sometimes"])
        .output()
        .unwrap();
    assert!(!out.status.success());
    let out = Command::new(env!("CARGO_BIN_EXE_srdb"))
        .args(["serve", "--http-addr", "nowhere", "--data"])
        .arg(dir.path().join("data"))
        .output()
        .unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("http_addr") && err.contains("nowhere"), "{err}");
}

/// One HTTP request over a plain socket: the status and the body.
fn http(addr: SocketAddr, request: &str) -> (u16, String) {
    use std::io::{Read, Write};
    let mut stream = std::net::TcpStream::connect(addr).unwrap();
    stream.set_read_timeout(Some(Duration::from_secs(20))).unwrap();
    stream.write_all(request.as_bytes()).unwrap();
    let mut reply = String::new();
    stream.read_to_string(&mut reply).unwrap();
    let status = reply[9..12].parse().unwrap();
    let body = reply.split_once("\r\n\r\n").map(|(_, b)| b.to_owned()).unwrap_or_default();
    (status, body)
}

#[test]
fn http_beside_resp_on_one_database_with_the_token_from_the_environment() {
    let dir = tempfile::tempdir().unwrap();
    let mut s = serve(dir.path(), &[], &[("SRDB_HTTP_TOKEN", "tok")]);
    let http_addr = s.http.expect("the HTTP server started");
    let mut con = s.client();
    redis::cmd("SET").arg("greeting").arg("hello").query::<()>(&mut con).unwrap();
    let (status, body) =
        http(http_addr, "GET /api/kv/value?key=greeting HTTP/1.1\r\nHost: x\r\n\r\n");
    assert_eq!(status, 200, "{body}");
    assert!(body.contains("\"value\":\"hello\""), "{body}");
    let create = r#"{"name":"t","fields":[{"name":"a","type":"string"}]}"#;
    let post = |token: &str| {
        format!(
            "POST /api/tables HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {token}\r\nContent-Length: {}\r\n\r\n{create}",
            create.len()
        )
    };
    assert_eq!(http(http_addr, &post("wrong")).0, 403);
    assert_eq!(http(http_addr, &post("tok")).0, 201);
    s.signal("TERM");
    assert!(s.wait().success(), "{}", s.log.lock().unwrap());
    assert!(std::net::TcpStream::connect(http_addr).is_err(), "the HTTP server stopped");
    let db = srdb::Database::open(dir.path()).unwrap();
    assert_eq!(db.tables(), ["t"]);
}

#[test]
fn http_addr_off_leaves_the_http_server_out() {
    let dir = tempfile::tempdir().unwrap();
    let mut s = serve(dir.path(), &["--http-addr", "off"], &[]);
    assert_eq!(s.http, None);
    assert!(!s.log.lock().unwrap().contains("HTTP"));
    s.signal("INT");
    assert!(s.wait().success());
}

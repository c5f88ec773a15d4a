//! A real server on a free loopback port over a fresh database, and a plain
//! HTTP client for it.
#![allow(dead_code)]

use std::net::SocketAddr;
use std::thread::JoinHandle;

use serde_json::Value as Json;
use srdb::{Database, FieldType, Row, Schema};
use srdb_http::{HttpConfig, HttpServer, ShutdownHandle};

pub struct TestServer {
    pub addr: SocketAddr,
    pub db: Database,
    stop: ShutdownHandle,
    thread: Option<JoinHandle<()>>,
    _dir: tempfile::TempDir,
}

impl TestServer {
    /// A server with `token` (None: read-only) over a database holding the
    /// table `people` (name, age indexed, city) with `rows` rows.
    pub fn start(token: Option<&str>, rows: u64) -> TestServer {
        Self::start_with(HttpConfig { token: token.map(str::to_owned), ..test_config() }, rows)
    }

    pub fn start_with(config: HttpConfig, rows: u64) -> TestServer {
        let dir = tempfile::tempdir().unwrap();
        let db = Database::open(dir.path()).unwrap();
        let schema = Schema::builder()
            .field("name", FieldType::String)
            .field("age", FieldType::Int64)
            .indexed()
            .field("city", FieldType::String)
            .nullable()
            .build()
            .unwrap();
        let people = db.create_table("people", schema).unwrap();
        let cities = ["Oslo", "Lima", "Pune"];
        people
            .insert_batch((0..rows).map(|i| {
                Row::new()
                    .with("name", format!("person {i}"))
                    .with("age", (i % 90) as i64)
                    .with("city", cities[(i % 3) as usize])
            }))
            .unwrap();
        let server = HttpServer::bind(db.clone(), config).unwrap();
        let addr = server.local_addr();
        let stop = server.shutdown_handle();
        let thread = std::thread::spawn(move || server.run().unwrap());
        TestServer { addr, db, stop, thread: Some(thread), _dir: dir }
    }

    pub fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.addr)
    }

    /// GET: status, content type and body.
    pub fn get(&self, path: &str) -> Reply {
        Reply::of(ureq::get(&self.url(path)).call())
    }

    /// GET with headers.
    pub fn get_with(&self, path: &str, headers: &[(&str, &str)]) -> Reply {
        let mut request = ureq::get(&self.url(path));
        for (k, v) in headers {
            request = request.set(k, v);
        }
        Reply::of(request.call())
    }

    /// A request with a body and an optional bearer token.
    pub fn send(&self, method: &str, path: &str, token: Option<&str>, body: &str) -> Reply {
        let mut request =
            ureq::request(method, &self.url(path)).set("content-type", "application/json");
        if let Some(token) = token {
            request = request.set("authorization", &format!("Bearer {token}"));
        }
        Reply::of(request.send_string(body))
    }
}

impl Drop for TestServer {
    fn drop(&mut self) {
        self.stop.shutdown();
        if let Some(thread) = self.thread.take() {
            thread.join().unwrap();
        }
    }
}

pub fn test_config() -> HttpConfig {
    HttpConfig { addr: "127.0.0.1:0".parse().unwrap(), ..HttpConfig::default() }
}

#[derive(Debug)]
pub struct Reply {
    pub status: u16,
    pub content_type: String,
    pub headers: Vec<(String, String)>,
    pub body: String,
}

impl Reply {
    fn of(result: Result<ureq::Response, ureq::Error>) -> Reply {
        let response = match result {
            Ok(r) => r,
            Err(ureq::Error::Status(_, r)) => r,
            Err(e) => panic!("transport error: {e}"),
        };
        let status = response.status();
        let content_type = response.header("content-type").unwrap_or("").to_owned();
        let headers = response
            .headers_names()
            .into_iter()
            .map(|n| {
                let v = response.header(&n).unwrap_or("").to_owned();
                (n, v)
            })
            .collect();
        let body = response.into_string().unwrap();
        Reply { status, content_type, headers, body }
    }

    pub fn json(&self) -> Json {
        assert!(self.content_type.starts_with("application/json"), "{self:?}");
        serde_json::from_str(&self.body).unwrap_or_else(|e| panic!("{e}: {}", self.body))
    }

    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(k, _)| k.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str())
    }

    /// Asserts the status and that the body is a JSON error with a message.
    pub fn assert_error(&self, status: u16) -> Json {
        assert_eq!(self.status, status, "{self:?}");
        let json = self.json();
        assert_eq!(json["status"], status, "{json}");
        assert!(json["error"].as_str().is_some_and(|m| !m.is_empty()), "{json}");
        json
    }
}

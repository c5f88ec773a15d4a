//! A server in the test process on a free loopback port, and a raw RESP
//! client that returns replies byte for byte.
#![allow(dead_code)]

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::thread::JoinHandle;
use std::time::Duration;

use srdb::Database;
use srdb_server::{Server, ServerConfig, ShutdownHandle};

/// How long a test waits for any one reply before failing.
pub const REPLY_TIMEOUT: Duration = Duration::from_secs(20);

/// A running server over a temporary database; stops when dropped.
pub struct TestServer {
    pub addr: SocketAddr,
    pub db: Database,
    stop: ShutdownHandle,
    thread: Option<JoinHandle<()>>,
    pub dir: tempfile::TempDir,
}

impl TestServer {
    pub fn start() -> Self {
        Self::with(|_| {})
    }

    pub fn with(configure: impl FnOnce(&mut ServerConfig)) -> Self {
        let dir = tempfile::tempdir().unwrap();
        Self::in_dir(dir, configure)
    }

    pub fn in_dir(dir: tempfile::TempDir, configure: impl FnOnce(&mut ServerConfig)) -> Self {
        let db = Database::open(dir.path()).unwrap();
        let mut config =
            ServerConfig { addr: "127.0.0.1:0".parse().unwrap(), ..ServerConfig::default() };
        configure(&mut config);
        let server = Server::bind(db.clone(), config).unwrap();
        let addr = server.local_addr();
        let stop = server.shutdown_handle();
        let thread = std::thread::spawn(move || server.run().unwrap());
        TestServer { addr, db, stop, thread: Some(thread), dir }
    }

    /// Stops the server and returns its directory (the database closed).
    pub fn stop(mut self) -> tempfile::TempDir {
        self.shutdown();
        let dir = tempfile::tempdir().unwrap();
        let dir = std::mem::replace(&mut self.dir, dir);
        let db = self.db.clone();
        drop(self);
        db.close().unwrap();
        dir
    }

    fn shutdown(&mut self) {
        self.stop.shutdown();
        if let Some(t) = self.thread.take() {
            t.join().unwrap();
        }
    }

    pub fn url(&self) -> String {
        format!("redis://{}/", self.addr)
    }

    /// A `redis` crate connection speaking RESP2.
    pub fn client(&self) -> redis::Connection {
        let c = redis::Client::open(self.url()).unwrap().get_connection().unwrap();
        c.set_read_timeout(Some(REPLY_TIMEOUT)).unwrap();
        c
    }

    /// A `redis` crate connection speaking RESP3.
    pub fn client3(&self) -> redis::Connection {
        let url = format!("{}?protocol=resp3", self.url());
        let c = redis::Client::open(url).unwrap().get_connection().unwrap();
        c.set_read_timeout(Some(REPLY_TIMEOUT)).unwrap();
        c
    }

    pub fn raw(&self) -> Raw {
        Raw::connect(self.addr)
    }
}

impl Drop for TestServer {
    fn drop(&mut self) {
        self.shutdown();
    }
}

/// A RESP client that shows replies as the bytes on the wire.
pub struct Raw {
    pub reader: BufReader<TcpStream>,
    pub writer: TcpStream,
}

impl Raw {
    pub fn connect(addr: SocketAddr) -> Raw {
        let stream = TcpStream::connect(addr).unwrap();
        stream.set_read_timeout(Some(REPLY_TIMEOUT)).unwrap();
        Raw { reader: BufReader::new(stream.try_clone().unwrap()), writer: stream }
    }

    pub fn send(&mut self, bytes: &[u8]) {
        self.writer.write_all(bytes).unwrap();
    }

    /// Sends a command as a multibulk and returns its reply.
    pub fn call(&mut self, args: &[&[u8]]) -> String {
        self.send(&encode(args));
        self.reply()
    }

    /// [`Raw::call`] with string arguments split on spaces.
    pub fn cmd(&mut self, line: &str) -> String {
        let args: Vec<&[u8]> = line.split(' ').map(str::as_bytes).collect();
        self.call(&args)
    }

    /// Reads one complete reply, lossily as text (binary shown as U+FFFD).
    pub fn reply(&mut self) -> String {
        String::from_utf8_lossy(&self.reply_bytes()).into_owned()
    }

    pub fn reply_bytes(&mut self) -> Vec<u8> {
        let mut out = Vec::new();
        read_reply(&mut self.reader, &mut out);
        out
    }

    /// Whether the server closed the connection (reads EOF within the
    /// timeout).
    pub fn closed(&mut self) -> bool {
        let mut rest = Vec::new();
        self.reader.read_to_end(&mut rest).is_ok()
    }
}

pub fn encode(args: &[&[u8]]) -> Vec<u8> {
    let mut out = format!("*{}\r\n", args.len()).into_bytes();
    for a in args {
        out.extend_from_slice(format!("${}\r\n", a.len()).as_bytes());
        out.extend_from_slice(a);
        out.extend_from_slice(b"\r\n");
    }
    out
}

fn read_line(r: &mut BufReader<TcpStream>, out: &mut Vec<u8>) -> Vec<u8> {
    let mut line = Vec::new();
    r.read_until(b'\n', &mut line).unwrap();
    assert!(
        line.ends_with(b"\r\n"),
        "reply line without CRLF: {:?}",
        String::from_utf8_lossy(&line)
    );
    out.extend_from_slice(&line);
    line.truncate(line.len() - 2);
    line
}

fn read_reply(r: &mut BufReader<TcpStream>, out: &mut Vec<u8>) {
    let line = read_line(r, out);
    let n = || std::str::from_utf8(&line[1..]).unwrap().parse::<i64>().unwrap();
    match line[0] {
        b'+' | b'-' | b':' | b'_' | b',' | b'#' | b'(' => {}
        b'$' | b'=' | b'!' => {
            if n() >= 0 {
                let mut data = vec![0u8; n() as usize + 2];
                r.read_exact(&mut data).unwrap();
                out.extend_from_slice(&data);
            }
        }
        b'*' | b'~' | b'>' => (0..n().max(0)).for_each(|_| read_reply(r, out)),
        b'%' => (0..2 * n()).for_each(|_| read_reply(r, out)),
        other => panic!("unknown reply type {:?}", other as char),
    }
}

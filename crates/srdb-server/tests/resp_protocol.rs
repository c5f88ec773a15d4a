//! The protocol: RESP3 through HELLO, inline commands, pipelining, binary
//! safety, authentication, limits, and garbage that must not hurt anyone.

mod common;

use std::io::Write;
use std::net::TcpStream;
use std::time::{Duration, Instant};

use common::{encode, Raw, TestServer};
use redis::Value;

#[test]
fn resp3_replies_through_hello() {
    let s = TestServer::start();
    let mut c = s.raw();
    let hello = c.cmd("HELLO 3");
    assert!(hello.starts_with("%7\r\n$6\r\nserver\r\n"), "{hello}");
    assert!(hello.contains("$5\r\nproto\r\n:3\r\n"), "{hello}");
    assert_eq!(c.cmd("GET missing"), "_\r\n");
    assert_eq!(c.cmd("MGET missing"), "*1\r\n_\r\n");
    assert!(c.cmd("INFO server").starts_with('='));
    assert!(c.cmd("CONFIG GET port").starts_with("%1\r\n"));
    assert_eq!(c.cmd("HELLO 4"), "-NOPROTO unsupported protocol version\r\n");
    assert_eq!(c.cmd("HELLO x"), "-ERR Protocol version is not an integer or out of range\r\n");
    assert_eq!(c.cmd("HELLO 3 FOO"), "-ERR Syntax error in HELLO option 'FOO'\r\n");
    assert!(c.cmd("HELLO 2").starts_with("*14\r\n"));
    assert_eq!(c.cmd("GET missing"), "$-1\r\n");
    assert!(c.cmd("HELLO 3 SETNAME app").starts_with('%'));
    assert_eq!(c.cmd("CLIENT GETNAME"), "$3\r\napp\r\n");
}

#[test]
fn redis_crate_in_resp2_and_resp3() {
    let s = TestServer::start();
    for mut con in [s.client(), s.client3()] {
        let missing: Option<String> = redis::cmd("GET").arg("nope").query(&mut con).unwrap();
        assert_eq!(missing, None);
        let _: () = redis::cmd("SET").arg("k").arg(b"\x00\xffbinary\r\n").query(&mut con).unwrap();
        let v: Vec<u8> = redis::cmd("GET").arg("k").query(&mut con).unwrap();
        assert_eq!(v, b"\x00\xffbinary\r\n");
        let n: i64 = redis::cmd("INCRBY").arg("n").arg(5).query(&mut con).unwrap();
        assert!(n % 5 == 0);
        let (a, b): (i64, Option<String>) =
            redis::pipe().cmd("DEL").arg("k").cmd("GET").arg("k").query(&mut con).unwrap();
        assert_eq!((a, b), (1, None));
        let err = redis::cmd("INCR").arg("n").arg("x").query::<i64>(&mut con).unwrap_err();
        assert!(err.to_string().contains("wrong number of arguments"), "{err}");
        let _: () = redis::cmd("DEL").arg("n").query(&mut con).unwrap();
    }
    let mut con3 = s.client3();
    let config: Value = redis::cmd("CONFIG").arg("GET").arg("databases").query(&mut con3).unwrap();
    assert!(matches!(config, Value::Map(ref m) if m.len() == 1), "{config:?}");
    let info: Value = redis::cmd("INFO").arg("server").query(&mut con3).unwrap();
    assert!(matches!(info, Value::VerbatimString { .. }), "{info:?}");
    let mut con = s.client();
    for i in 0..120 {
        let _: () = redis::cmd("SET").arg(format!("scan:{i}")).arg(i).query(&mut con).unwrap();
    }
    let mut keys: Vec<String> = redis::Commands::scan_match(&mut con, "scan:*")
        .unwrap()
        .map(|k: redis::RedisResult<String>| k.unwrap())
        .collect();
    keys.sort();
    keys.dedup();
    assert_eq!(keys.len(), 120, "the client's SCAN loop sees every key");
}

#[test]
fn inline_commands_and_pipelines() {
    let s = TestServer::start();
    let mut c = s.raw();
    c.send(b"SET greeting \"hello world\"\r\nGET greeting\nPING\r\n\r\nDEL greeting\r\n");
    assert_eq!(c.reply(), "+OK\r\n");
    assert_eq!(c.reply(), "$11\r\nhello world\r\n");
    assert_eq!(c.reply(), "+PONG\r\n");
    assert_eq!(c.reply(), ":1\r\n");
    let mut pipeline = Vec::new();
    for i in 0..2000 {
        pipeline.extend(encode(&[b"SET", format!("p{i}").as_bytes(), format!("{i}").as_bytes()]));
        pipeline.extend(encode(&[b"GET", format!("p{i}").as_bytes()]));
    }
    c.send(&pipeline);
    for i in 0..2000 {
        assert_eq!(c.reply(), "+OK\r\n");
        let v = i.to_string();
        assert_eq!(c.reply(), format!("${}\r\n{v}\r\n", v.len()));
    }
    // A request split byte by byte still parses.
    for b in encode(&[b"ECHO", b"slowly"]) {
        c.send(&[b]);
    }
    assert_eq!(c.reply(), "$6\r\nslowly\r\n");
}

#[test]
fn large_values_round_trip() {
    let s = TestServer::start();
    let mut c = s.raw();
    let big: Vec<u8> = (0..4 << 20).map(|i| (i % 251) as u8).collect();
    assert_eq!(c.call(&[b"SET", b"big", &big]), "+OK\r\n");
    c.send(&encode(&[b"GET", b"big"]));
    let reply = c.reply_bytes();
    let header = format!("${}\r\n", big.len());
    assert_eq!(&reply[..header.len()], header.as_bytes());
    assert_eq!(&reply[header.len()..reply.len() - 2], &big[..]);
}

/// Sends `garbage` on a fresh connection and returns what came back before
/// the server closed it (or the timeout).
fn throw(s: &TestServer, garbage: &[u8]) -> String {
    let mut stream = TcpStream::connect(s.addr).unwrap();
    stream.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
    let _ = stream.write_all(garbage);
    let _ = stream.shutdown(std::net::Shutdown::Write);
    let mut out = Vec::new();
    let _ = std::io::Read::read_to_end(&mut stream, &mut out);
    String::from_utf8_lossy(&out).into_owned()
}

#[test]
fn protocol_errors_are_answered_and_close_only_that_connection() {
    let s = TestServer::with(|c| c.max_request_bytes = 32 << 20);
    let mut bystander = s.raw();
    bystander.cmd("SET keep me");
    let cases: &[(&[u8], &str)] = &[
        (b"*x\r\n", "-ERR Protocol error: invalid multibulk length\r\n"),
        (b"*2000000\r\n", "-ERR Protocol error: invalid multibulk length\r\n"),
        (b"*1\r\n$x\r\n", "-ERR Protocol error: invalid bulk length\r\n"),
        (b"*1\r\n$99999999\r\n", "-ERR Protocol error: invalid bulk length\r\n"),
        (b"*1\r\n:5\r\n", "-ERR Protocol error: expected '$', got ':'\r\n"),
        (b"*1\r\n$3\r\nGETxx", "-ERR Protocol error: expected CRLF"),
        (b"SET \"unbalanced\r\n", "-ERR Protocol error: unbalanced quotes in request\r\n"),
    ];
    for (garbage, expected) in cases {
        let got = throw(&s, garbage);
        assert!(got.starts_with(expected), "{:?}: {got:?}", String::from_utf8_lossy(garbage));
        assert!(got.ends_with("\r\n"), "every error ends in CRLF");
        assert_eq!(bystander.cmd("GET keep"), "$2\r\nme\r\n");
    }
    let endless = vec![b'a'; 70 * 1024];
    assert!(throw(&s, &endless).starts_with("-ERR Protocol error: too big inline request"));
    // Truncated requests: the client leaves mid-request, nothing answers.
    for cut in [&b"*3\r\n$3\r\nSET\r\n$1\r\nk"[..], b"*1\r\n", b"GET k"] {
        assert_eq!(throw(&s, cut), "");
    }
    // Commands before the garbage in the same read are answered first.
    assert_eq!(
        throw(&s, b"PING\r\n*x\r\n"),
        "+PONG\r\n-ERR Protocol error: invalid multibulk length\r\n"
    );
    assert_eq!(bystander.cmd("GET keep"), "$2\r\nme\r\n");
}

#[test]
fn random_bytes_never_hurt_the_server() {
    let s = TestServer::start();
    let mut bystander = s.raw();
    let mut seed = 0x9E37_79B9_7F4A_7C15u64;
    let mut next = move || {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        seed
    };
    let started = Instant::now();
    for round in 0..300 {
        let len = (next() % 300) as usize;
        let mut garbage: Vec<u8> = (0..len).map(|_| next() as u8).collect();
        // Some rounds start like a real request to get past the first byte.
        if round % 3 == 0 {
            garbage.splice(0..0, b"*2\r\n$3\r\nGET\r\n".iter().copied());
        }
        throw(&s, &garbage);
        if round % 30 == 0 {
            assert_eq!(bystander.cmd("PING"), "+PONG\r\n");
        }
    }
    assert!(started.elapsed() < Duration::from_secs(60));
    assert_eq!(bystander.cmd("PING"), "+PONG\r\n");
    // Every garbage connection ended: only the bystander is left.
    wait_for_clients(&mut bystander, 1);
}

fn connected_clients(c: &mut Raw) -> usize {
    let info = c.cmd("INFO clients");
    let line = info.lines().find(|l| l.starts_with("connected_clients:")).unwrap();
    line["connected_clients:".len()..].parse().unwrap()
}

fn wait_for_clients(c: &mut Raw, n: usize) {
    let deadline = Instant::now() + Duration::from_secs(10);
    while connected_clients(c) != n {
        assert!(Instant::now() < deadline, "clients stayed connected: {}", connected_clients(c));
        std::thread::sleep(Duration::from_millis(20));
    }
}

#[test]
fn clients_that_vanish_leave_nothing_behind() {
    let s = TestServer::start();
    let mut watcher = s.raw();
    let mut gone = Vec::new();
    for i in 0..40 {
        let mut c = s.raw();
        if i % 2 == 0 {
            // Mid-request: the server waits for the rest of the bulk.
            c.send(b"*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$10\r\n01234");
        } else {
            // Between requests.
            assert_eq!(c.cmd("PING"), "+PONG\r\n");
        }
        gone.push(c);
    }
    wait_for_clients(&mut watcher, 41);
    drop(gone);
    wait_for_clients(&mut watcher, 1);
}

#[test]
fn requirepass_gates_everything_but_auth_and_hello() {
    let s = TestServer::with(|c| c.requirepass = Some("s3cret".into()));
    let mut c = s.raw();
    assert_eq!(c.cmd("GET k"), "-NOAUTH Authentication required.\r\n");
    assert_eq!(c.cmd("PING"), "-NOAUTH Authentication required.\r\n");
    assert!(c
        .cmd("HELLO 3")
        .starts_with("-NOAUTH HELLO must be called with the client already authenticated"));
    assert_eq!(
        c.cmd("AUTH wrong"),
        "-WRONGPASS invalid username-password pair or user is disabled.\r\n"
    );
    assert_eq!(
        c.cmd("AUTH other s3cret"),
        "-WRONGPASS invalid username-password pair or user is disabled.\r\n"
    );
    assert_eq!(c.cmd("AUTH s3cret"), "+OK\r\n");
    assert_eq!(c.cmd("PING"), "+PONG\r\n");
    let mut c2 = s.raw();
    assert!(c2.cmd("HELLO 3 AUTH default s3cret").starts_with('%'));
    assert_eq!(c2.cmd("GET k"), "_\r\n");
    // Before authenticating, requests are limited to a few small arguments.
    let mut c3 = s.raw();
    c3.send(b"*11\r\n");
    assert_eq!(c3.reply(), "-ERR Protocol error: invalid multibulk length\r\n");
    let mut c4 = s.raw();
    c4.send(b"*2\r\n$4\r\nAUTH\r\n$20000\r\n");
    assert_eq!(c4.reply(), "-ERR Protocol error: invalid bulk length\r\n");
    let url = format!("redis://:s3cret@{}/", s.addr);
    let mut con = redis::Client::open(url).unwrap().get_connection().unwrap();
    let pong: String = redis::cmd("PING").query(&mut con).unwrap();
    assert_eq!(pong, "PONG");
}

#[test]
fn max_clients_idle_timeout_and_size_limits() {
    let s = TestServer::with(|c| {
        c.max_clients = 2;
        c.idle_timeout = Duration::from_millis(400);
        c.max_bulk_bytes = 1024;
        c.max_request_bytes = 4096;
        c.max_reply_bytes = 2048;
    });
    let mut a = s.raw();
    let mut b = s.raw();
    assert_eq!(a.cmd("PING"), "+PONG\r\n");
    assert_eq!(b.cmd("PING"), "+PONG\r\n");
    let mut third = s.raw();
    assert_eq!(third.reply(), "-ERR max number of clients reached\r\n");
    assert!(third.closed());
    assert!(a.cmd("INFO stats").contains("rejected_connections:1\r\n"));
    let big = vec![b'x'; 1025];
    assert_eq!(a.call(&[b"SET", b"k", &big]), "-ERR Protocol error: invalid bulk length\r\n");
    assert!(a.closed());
    // Many small arguments over the request limit.
    let args: Vec<Vec<u8>> = (0..200).map(|i| format!("key-number-{i}").into_bytes()).collect();
    let mut request: Vec<&[u8]> = vec![b"MGET"];
    request.extend(args.iter().map(Vec::as_slice));
    assert!(b.call(&request).starts_with("-ERR Protocol error: request of more than 4096 bytes"));
    assert!(b.closed());
    let mut c = s.raw();
    for i in 0..100 {
        c.cmd(&format!("SET key:{i:03} {}", "v".repeat(30)));
    }
    assert!(c
        .cmd("KEYS *")
        .starts_with("-ERR the reply to 'keys' exceeds the output buffer limit of 2048 bytes"));
    let mget: Vec<Vec<u8>> = (0..100).map(|i| format!("key:{i:03}").into_bytes()).collect();
    let mut request: Vec<&[u8]> = vec![b"MGET"];
    request.extend(mget.iter().map(Vec::as_slice));
    assert!(c
        .call(&request)
        .starts_with("-ERR the reply to 'mget' exceeds the output buffer limit"));
    assert_eq!(c.cmd("PING"), "+PONG\r\n", "a refused reply keeps the client");
    let started = Instant::now();
    assert!(c.closed(), "idle clients are disconnected");
    assert!(started.elapsed() < Duration::from_secs(5));
}

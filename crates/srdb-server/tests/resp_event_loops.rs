//! The event loops: many connections per loop keep each connection's order,
//! a client that does not read cannot hold the others up, long commands run
//! beside the loop, and shutdown waits for them.

mod common;

use std::io::{ErrorKind, Read, Write};
use std::net::TcpStream;
use std::time::{Duration, Instant};

use common::{encode, Raw, TestServer};

/// Fills the store with `n` keys `key:<i>` in MSETs of a thousand.
fn fill(c: &mut Raw, n: usize) {
    for chunk in (0..n).collect::<Vec<_>>().chunks(1000) {
        let pairs: Vec<(String, String)> =
            chunk.iter().map(|i| (format!("key:{i:07}"), format!("v{i}"))).collect();
        let mut args: Vec<&[u8]> = vec![b"MSET"];
        for (k, v) in &pairs {
            args.push(k.as_bytes());
            args.push(v.as_bytes());
        }
        assert_eq!(c.call(&args), "+OK\r\n");
    }
}

/// Twenty clients interleave pipelines of blind writes, reads and
/// read-modify-writes on one loop (then two); each sees its own commands
/// in order: a GET after its SET sees it, INCR counts exactly.
fn pipelines_keep_order(loops: usize) {
    let s = TestServer::with(|c| c.event_loops = loops);
    let clients: Vec<_> = (0..20)
        .map(|n| {
            let addr = s.addr;
            std::thread::spawn(move || {
                let mut c = Raw::connect(addr);
                for round in 0..30 {
                    let key = format!("c{n}:k");
                    let counter = format!("c{n}:count");
                    let mut batch = Vec::new();
                    let mut expect = Vec::new();
                    for i in 0..8 {
                        let v = format!("{round}-{i}");
                        batch.extend(encode(&[b"SET", key.as_bytes(), v.as_bytes()]));
                        expect.push("+OK\r\n".to_string());
                        if i % 3 == 0 {
                            batch.extend(encode(&[b"GET", key.as_bytes()]));
                            expect.push(format!("${}\r\n{v}\r\n", v.len()));
                        }
                        batch.extend(encode(&[b"MSET", key.as_bytes(), b"m", b"other", b"x"]));
                        expect.push("+OK\r\n".to_string());
                        batch.extend(encode(&[b"APPEND", key.as_bytes(), b"!"]));
                        expect.push(":2\r\n".to_string());
                        batch.extend(encode(&[b"INCR", counter.as_bytes()]));
                        expect.push(format!(":{}\r\n", round * 8 + i + 1));
                    }
                    batch.extend(encode(&[b"GET", key.as_bytes()]));
                    expect.push("$2\r\nm!\r\n".to_string());
                    c.send(&batch);
                    for (at, want) in expect.iter().enumerate() {
                        assert_eq!(&c.reply(), want, "client {n}, round {round}, reply {at}");
                    }
                }
            })
        })
        .collect();
    for t in clients {
        t.join().unwrap();
    }
}

#[test]
fn pipelines_of_many_connections_keep_their_order_on_one_loop() {
    pipelines_keep_order(1);
}

#[test]
fn pipelines_of_many_connections_keep_their_order_on_two_loops() {
    pipelines_keep_order(2);
}

/// Whether the server closed `stream` within `within` (it reads what is
/// left until the end of the stream or a reset).
fn ends_within(stream: &mut TcpStream, within: Duration) -> (bool, usize) {
    stream.set_read_timeout(Some(within)).unwrap();
    let deadline = Instant::now() + within;
    let mut buf = vec![0u8; 64 * 1024];
    let mut read = 0;
    while Instant::now() < deadline {
        match stream.read(&mut buf) {
            Ok(0) => return (true, read),
            Ok(n) => read += n,
            Err(e) if e.kind() == ErrorKind::ConnectionReset => return (true, read),
            Err(e) if matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut) => {}
            Err(e) => panic!("reading: {e}"),
        }
    }
    (false, read)
}

#[test]
fn a_client_that_never_reads_is_disconnected_while_others_are_served() {
    let s = TestServer::with(|c| {
        c.event_loops = 1;
        c.reply_timeout = Duration::from_millis(500);
    });
    let mut other = s.raw();
    let value = "v".repeat(10_000);
    assert_eq!(other.cmd(&format!("SET big {value}")), "+OK\r\n");
    // 4000 GETs ask for 40 MB of replies, far more than the socket buffers
    // hold; the client sends them and never reads.
    let mut stuck = TcpStream::connect(s.addr).unwrap();
    let requests: Vec<u8> = (0..4000).flat_map(|_| encode(&[b"GET", b"big"])).collect();
    let mut writer = stuck.try_clone().unwrap();
    let sender = std::thread::spawn(move || {
        // The server stops reading once the replies back up, so this write
        // blocks until the server gives up on the client.
        let _ = writer.write_all(&requests);
    });
    let started = Instant::now();
    let mut slowest = Duration::ZERO;
    while started.elapsed() < Duration::from_millis(800) {
        let t = Instant::now();
        assert_eq!(other.cmd("PING"), "+PONG\r\n");
        slowest = slowest.max(t.elapsed());
        std::thread::sleep(Duration::from_millis(10));
    }
    assert!(slowest < Duration::from_millis(300), "PING took {slowest:?} beside a stuck client");
    let (ended, read) = ends_within(&mut stuck, Duration::from_secs(10));
    assert!(ended, "the stuck client stayed connected");
    assert!(read < 4000 * 10_000, "the stuck client got every reply ({read} bytes)");
    sender.join().unwrap();
    assert_eq!(other.cmd("GET missing"), "$-1\r\n");
    let list = other.cmd("CLIENT LIST");
    assert_eq!(list.matches("id=").count(), 1, "{list}");
}

/// Keys enough that reading them all takes a long time next to a PING.
const MANY_KEYS: usize = 1_000_000;

#[test]
fn a_long_command_does_not_delay_the_other_connections_of_its_loop() {
    let s = TestServer::with(|c| c.event_loops = 1);
    let mut filler = s.raw();
    fill(&mut filler, MANY_KEYS);
    let mut long = s.raw();
    let mut quick = s.raw();
    // Warm the caches so the timed KEYS is not mostly disk reads.
    assert_eq!(long.cmd("KEYS *1*2*3*4*x"), "*0\r\n");
    let t = Instant::now();
    long.send(&encode(&[b"KEYS", b"*1*2*3*4*x"]));
    // The KEYS has started on the server when the PINGs go out.
    std::thread::sleep(Duration::from_millis(10));
    let mut pings = Vec::new();
    long.reader.get_ref().set_nonblocking(true).unwrap();
    let mut probe = [0u8; 1];
    loop {
        let done = match long.reader.get_ref().peek(&mut probe) {
            Ok(_) => true,
            Err(e) if e.kind() == ErrorKind::WouldBlock => false,
            Err(e) => panic!("{e}"),
        };
        if done {
            break;
        }
        let p = Instant::now();
        assert_eq!(quick.cmd("PING"), "+PONG\r\n");
        pings.push(p.elapsed());
    }
    let keys_took = t.elapsed();
    long.reader.get_ref().set_nonblocking(false).unwrap();
    assert_eq!(long.reply(), "*0\r\n");
    // Served inline, the KEYS would hold the loop: no PING would be
    // answered before it ends.
    assert!(pings.len() >= 2, "only {} PINGs answered during a KEYS of {keys_took:?}", pings.len());
    let slowest = pings.iter().max().unwrap();
    assert!(*slowest < keys_took / 2, "a PING took {slowest:?} during a KEYS of {keys_took:?}");
}

#[test]
fn shutdown_waits_for_a_command_running_on_a_worker() {
    let s = TestServer::with(|c| c.event_loops = 1);
    let mut c = s.raw();
    fill(&mut c, MANY_KEYS);
    // One write: both requests are read before the stop.
    c.send(&[encode(&[b"DBSIZE"]), encode(&[b"PING"])].concat());
    std::thread::sleep(Duration::from_millis(10));
    let stopper = std::thread::spawn(move || drop(s.stop()));
    assert_eq!(c.reply(), format!(":{MANY_KEYS}\r\n"));
    // The PING was read before the stop: it is answered too.
    assert_eq!(c.reply(), "+PONG\r\n");
    assert!(c.closed(), "the connection ends after its replies");
    stopper.join().unwrap();
}

#[test]
fn commands_on_workers_keep_their_place_in_a_pipeline() {
    let s = TestServer::start();
    let mut c = s.raw();
    // An MSET of more than 1024 arguments runs on a worker; the SET before
    // it is committed first, the GET after it sees it.
    let pairs: Vec<(String, String)> =
        (0..600).map(|i| (format!("m{i}"), format!("{i}"))).collect();
    let mut mset: Vec<&[u8]> = vec![b"MSET", b"a", b"2"];
    for (k, v) in &pairs {
        mset.push(k.as_bytes());
        mset.push(v.as_bytes());
    }
    let mut batch = encode(&[b"SET", b"a", b"1"]);
    batch.extend(encode(&mset));
    batch.extend(encode(&[b"GET", b"a"]));
    batch.extend(encode(&[b"SET", b"a", b"3"]));
    // SCAN with a COUNT over 1000 runs on a worker too.
    batch.extend(encode(&[b"SCAN", b"0", b"MATCH", b"a", b"COUNT", b"5000"]));
    batch.extend(encode(&[b"GET", b"a"]));
    batch.extend(encode(&[b"GET", b"m599"]));
    c.send(&batch);
    assert_eq!(c.reply(), "+OK\r\n");
    assert_eq!(c.reply(), "+OK\r\n");
    assert_eq!(c.reply(), "$1\r\n2\r\n");
    assert_eq!(c.reply(), "+OK\r\n");
    assert_eq!(c.reply(), "*2\r\n$1\r\n0\r\n*1\r\n$1\r\na\r\n");
    assert_eq!(c.reply(), "$1\r\n3\r\n");
    assert_eq!(c.reply(), "$3\r\n599\r\n");
}

#[test]
fn a_client_that_leaves_while_its_command_runs_on_a_worker_is_cleaned_up() {
    let s = TestServer::with(|c| c.event_loops = 1);
    let mut watcher = s.raw();
    fill(&mut watcher, 200_000);
    for _ in 0..3 {
        let mut gone = s.raw();
        gone.send(&encode(&[b"KEYS", b"*"]));
        drop(gone);
    }
    // Connections that come and go meanwhile get the freed slots.
    for _ in 0..20 {
        assert_eq!(s.raw().cmd("PING"), "+PONG\r\n");
    }
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let list = watcher.cmd("CLIENT LIST");
        if list.matches("id=").count() == 1 {
            break;
        }
        assert!(Instant::now() < deadline, "clients left behind: {list}");
        std::thread::sleep(Duration::from_millis(20));
    }
    assert_eq!(watcher.cmd("DBSIZE"), ":200000\r\n");
}

/// Left at 0 (the default), the number of loops follows the sync policy;
/// `INFO server` says how many run.
#[test]
fn event_loops_left_at_zero_follow_the_sync_policy() {
    let chosen = TestServer::start();
    let info = Raw::connect(chosen.addr).cmd("INFO server");
    // The test database syncs periodically: no fsync per commit.
    let auto = srdb_server::limits::auto_event_loops(false);
    assert!(info.contains(&format!("event_loops:{auto}\r\n")), "{info}");
    let set = TestServer::with(|c| c.event_loops = 3);
    let info = Raw::connect(set.addr).cmd("INFO server");
    assert!(info.contains("event_loops:3\r\n"), "{info}");
}

//! Atomicity of read-modify-write commands across connections, and expiry
//! that is enforced, swept and durable.

mod common;

use std::time::{Duration, Instant};

use common::TestServer;

fn parallel(s: &TestServer, threads: usize, work: impl Fn(usize, &mut common::Raw) + Sync) {
    std::thread::scope(|scope| {
        for t in 0..threads {
            let work = &work;
            let addr = s.addr;
            scope.spawn(move || work(t, &mut common::Raw::connect(addr)));
        }
    });
}

#[test]
fn concurrent_increments_and_appends_lose_nothing() {
    let s = TestServer::start();
    parallel(&s, 8, |_, c| {
        for _ in 0..300 {
            assert!(c.cmd("INCR counter").starts_with(':'));
            assert!(c.cmd("APPEND log x").starts_with(':'));
            assert!(c.cmd("INCRBYFLOAT f 0.5").starts_with('$'));
        }
    });
    let mut c = s.raw();
    assert_eq!(c.cmd("GET counter"), "$4\r\n2400\r\n");
    assert_eq!(c.cmd("STRLEN log"), ":2400\r\n");
    assert_eq!(c.cmd("GET f"), "$4\r\n1200\r\n");
}

#[test]
fn exactly_one_setnx_or_msetnx_wins() {
    let s = TestServer::start();
    for round in 0..20 {
        let wins = std::sync::atomic::AtomicUsize::new(0);
        parallel(&s, 8, |t, c| {
            let key = format!("lock:{round}");
            if c.cmd(&format!("SETNX {key} {t}")) == ":1\r\n" {
                wins.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            }
            let other = format!("pair:{round}");
            if c.cmd(&format!("MSETNX {other}:a {t} {other}:b {t}")) == ":1\r\n" {
                wins.fetch_add(100, std::sync::atomic::Ordering::Relaxed);
            }
        });
        assert_eq!(wins.into_inner(), 101, "round {round}");
        let mut c = s.raw();
        let a = c.cmd(&format!("GET pair:{round}:a"));
        assert_eq!(a, c.cmd(&format!("GET pair:{round}:b")), "MSETNX wrote both keys or none");
    }
}

#[test]
fn getset_hands_each_value_to_exactly_one_reader() {
    let s = TestServer::start();
    let seen = std::sync::Mutex::new(Vec::new());
    parallel(&s, 6, |t, c| {
        for i in 0..100 {
            let old = c.cmd(&format!("GETSET token {t}-{i}"));
            seen.lock().unwrap().push(old);
        }
    });
    let mut seen = seen.into_inner().unwrap();
    let nil = seen.iter().filter(|v| *v == "$-1\r\n").count();
    assert_eq!(nil, 1, "only the first GETSET finds no value");
    seen.sort();
    let before = seen.len();
    seen.dedup();
    assert_eq!(seen.len(), before, "no value was handed out twice");
}

#[test]
fn blind_writes_and_updates_interleave_correctly() {
    let s = TestServer::start();
    // Pipelined SETs from many connections race with INCRs of the same
    // key; whatever the order, the final value is a number and every INCR
    // answered a number.
    parallel(&s, 6, |t, c| {
        for i in 0..200 {
            if t % 2 == 0 {
                c.send(&common::encode(&[b"SET", b"shared", i.to_string().as_bytes()]));
                c.send(&common::encode(&[
                    b"SET",
                    format!("own:{t}").as_bytes(),
                    i.to_string().as_bytes(),
                ]));
                assert_eq!(c.reply(), "+OK\r\n");
                assert_eq!(c.reply(), "+OK\r\n");
            } else {
                let r = c.cmd("INCR shared");
                assert!(r.starts_with(':'), "{r}");
            }
        }
    });
    let mut c = s.raw();
    for t in [0, 2, 4] {
        assert_eq!(
            c.cmd(&format!("GET own:{t}")),
            "$3\r\n199\r\n",
            "the last SET of a pipeline wins"
        );
    }
    assert!(c.cmd("INCR shared").starts_with(':'));
}

#[test]
fn expired_keys_are_swept_without_being_read() {
    let s = TestServer::start();
    let mut c = s.raw();
    for i in 0..300 {
        c.cmd(&format!("SET temp:{i} v PX 50"));
    }
    c.cmd("SET stays v");
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let info = c.cmd("INFO stats");
        if info.contains("expired_keys:300\r\n") {
            break;
        }
        assert!(Instant::now() < deadline, "the sweep did not remove the keys: {info}");
        std::thread::sleep(Duration::from_millis(50));
    }
    // Gone from the store itself, not only hidden.
    let raw_left = s.db.engine().keyspace(srdb::KV_KEYSPACE).unwrap().iter().count();
    assert_eq!(raw_left, 1);
    assert_eq!(c.cmd("DBSIZE"), ":1\r\n");
}

#[test]
fn expiry_survives_a_restart() {
    let s = TestServer::start();
    let mut c = s.raw();
    c.cmd("SET long v EX 1000");
    c.cmd("SET short v PX 300");
    c.cmd("SET plain v");
    drop(c);
    let dir = s.stop();
    std::thread::sleep(Duration::from_millis(400));
    let s = TestServer::in_dir(dir, |_| {});
    let mut c = s.raw();
    assert!(matches!(c.cmd("TTL long").as_str(), ":1000\r\n" | ":999\r\n"));
    assert_eq!(c.cmd("GET short"), "$-1\r\n");
    assert_eq!(c.cmd("TTL plain"), ":-1\r\n");
}

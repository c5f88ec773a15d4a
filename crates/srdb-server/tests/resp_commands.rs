//! Every command's replies, byte for byte, with Redis's reply types and
//! error texts (RESP2).

mod common;

use common::TestServer;

#[test]
fn connection_commands() {
    let s = TestServer::start();
    let mut c = s.raw();
    assert_eq!(c.cmd("PING"), "+PONG\r\n");
    assert_eq!(c.cmd("ping hello"), "$5\r\nhello\r\n");
    assert_eq!(c.cmd("PING a b"), "-ERR wrong number of arguments for 'ping' command\r\n");
    assert_eq!(c.cmd("ECHO hi"), "$2\r\nhi\r\n");
    assert_eq!(c.cmd("ECHO"), "-ERR wrong number of arguments for 'echo' command\r\n");
    assert_eq!(c.cmd("SELECT 0"), "+OK\r\n");
    assert_eq!(c.cmd("SELECT 1"), "-ERR DB index is out of range\r\n");
    assert_eq!(c.cmd("SELECT x"), "-ERR value is not an integer or out of range\r\n");
    assert_eq!(
        c.cmd("AUTH pw"),
        "-ERR AUTH <password> called without any password configured for the default user. \
         Are you sure your configuration is correct?\r\n"
    );
    assert_eq!(c.cmd("CLIENT GETNAME"), "$-1\r\n");
    assert_eq!(c.cmd("CLIENT SETNAME worker-1"), "+OK\r\n");
    assert_eq!(c.cmd("CLIENT GETNAME"), "$8\r\nworker-1\r\n");
    assert_eq!(
        c.call(&[b"CLIENT", b"SETNAME", b"a b"]),
        "-ERR Client names cannot contain spaces, newlines or special characters.\r\n"
    );
    let id = c.cmd("CLIENT ID");
    assert!(id.starts_with(':'), "{id}");
    let info = c.cmd("CLIENT INFO");
    assert!(info.contains(&format!("id={} ", id.trim()[1..].trim())), "{info}");
    assert!(info.contains("name=worker-1 "), "{info}");
    assert!(c.cmd("CLIENT LIST").contains("name=worker-1 "));
    assert_eq!(c.cmd("CLIENT NOPE"), "-ERR unknown subcommand 'NOPE'. Try CLIENT HELP.\r\n");
    assert_eq!(
        c.cmd("NOSUCH a b"),
        "-ERR unknown command 'NOSUCH', with args beginning with: 'a' 'b' \r\n"
    );
    let t = c.cmd("TIME");
    assert!(t.starts_with("*2\r\n$10\r\n"), "{t}");
    assert_eq!(c.cmd("QUIT"), "+OK\r\n");
    assert!(c.closed());
}

#[test]
fn get_set_and_their_options() {
    let s = TestServer::start();
    let mut c = s.raw();
    assert_eq!(c.cmd("GET missing"), "$-1\r\n", "a missing key is nil, not an empty string");
    assert_eq!(c.cmd("SET k v"), "+OK\r\n");
    assert_eq!(c.cmd("GET k"), "$1\r\nv\r\n");
    assert_eq!(c.cmd("SET k v2 NX"), "$-1\r\n");
    assert_eq!(c.cmd("SET k v3 XX"), "+OK\r\n");
    assert_eq!(c.cmd("SET other v XX"), "$-1\r\n");
    assert_eq!(c.cmd("SET k v4 GET"), "$2\r\nv3\r\n");
    assert_eq!(c.cmd("SET fresh v GET"), "$-1\r\n");
    assert_eq!(c.cmd("SET k v NX XX"), "-ERR syntax error\r\n");
    assert_eq!(c.cmd("SET k v EX 10 PX 10"), "-ERR syntax error\r\n");
    assert_eq!(c.cmd("SET k v FOO"), "-ERR syntax error\r\n");
    assert_eq!(c.cmd("SET k v EX 0"), "-ERR invalid expire time in 'set' command\r\n");
    assert_eq!(c.cmd("SET k v EX abc"), "-ERR value is not an integer or out of range\r\n");
    assert_eq!(
        c.cmd("SET k v EX 9223372036854775807"),
        "-ERR invalid expire time in 'set' command\r\n"
    );
    assert_eq!(c.cmd("GET k"), "$2\r\nv4\r\n", "failed SETs change nothing");
    assert_eq!(c.cmd("SET k v EX 100"), "+OK\r\n");
    assert_eq!(c.cmd("TTL k"), ":100\r\n");
    assert_eq!(c.cmd("SET k w KEEPTTL"), "+OK\r\n");
    assert_eq!(c.cmd("TTL k"), ":100\r\n");
    assert_eq!(c.cmd("SET k w"), "+OK\r\n");
    assert_eq!(c.cmd("TTL k"), ":-1\r\n", "SET clears the expiry");
    assert_eq!(c.cmd("SET k v PX 100000"), "+OK\r\n");
    assert_eq!(c.cmd("TTL k"), ":100\r\n");
    let future = srdb::now_ms() / 1000 + 1000;
    assert_eq!(c.cmd(&format!("SET k v EXAT {future}")), "+OK\r\n");
    assert!(matches!(c.cmd("TTL k").as_str(), ":1000\r\n" | ":999\r\n"));
    assert_eq!(c.cmd(&format!("SET k v PXAT {}", future * 1000)), "+OK\r\n");
    assert!(matches!(c.cmd("TTL k").as_str(), ":1000\r\n" | ":999\r\n"));
    assert_eq!(c.cmd("SET"), "-ERR wrong number of arguments for 'set' command\r\n");
    assert_eq!(c.cmd("SETNX k x"), ":0\r\n");
    assert_eq!(c.cmd("SETNX n x"), ":1\r\n");
    assert_eq!(c.cmd("GETSET n y"), "$1\r\nx\r\n");
    assert_eq!(c.cmd("GETSET none y"), "$-1\r\n");
    assert_eq!(c.cmd("GETDEL n"), "$1\r\ny\r\n");
    assert_eq!(c.cmd("GETDEL n"), "$-1\r\n");
    assert_eq!(c.cmd("GET n"), "$-1\r\n");
}

#[test]
fn multi_key_commands() {
    let s = TestServer::start();
    let mut c = s.raw();
    assert_eq!(c.cmd("MSET a 1 b 2 c 3"), "+OK\r\n");
    assert_eq!(c.cmd("MSET a 1 b"), "-ERR wrong number of arguments for 'mset' command\r\n");
    assert_eq!(c.cmd("MGET a nope c"), "*3\r\n$1\r\n1\r\n$-1\r\n$1\r\n3\r\n");
    assert_eq!(c.cmd("MSETNX a 9 z 9"), ":0\r\n");
    assert_eq!(c.cmd("GET z"), "$-1\r\n", "MSETNX sets nothing if one key exists");
    assert_eq!(c.cmd("MSETNX y 8 z 9"), ":1\r\n");
    assert_eq!(c.cmd("MGET y z"), "*2\r\n$1\r\n8\r\n$1\r\n9\r\n");
    assert_eq!(c.cmd("EXISTS a a nope b"), ":3\r\n", "EXISTS counts repeats");
    assert_eq!(c.cmd("DEL a a nope"), ":1\r\n", "DEL counts keys removed, once each");
    assert_eq!(c.cmd("UNLINK b c"), ":2\r\n");
    assert_eq!(c.cmd("DEL b"), ":0\r\n");
    assert_eq!(c.cmd("EXISTS a b c"), ":0\r\n");
    assert_eq!(c.cmd("DBSIZE"), ":2\r\n");
    assert_eq!(c.cmd("TYPE y"), "+string\r\n");
    assert_eq!(c.cmd("TYPE nope"), "+none\r\n");
}

#[test]
fn counters() {
    let s = TestServer::start();
    let mut c = s.raw();
    assert_eq!(c.cmd("INCR n"), ":1\r\n");
    assert_eq!(c.cmd("INCRBY n 41"), ":42\r\n");
    assert_eq!(c.cmd("DECR n"), ":41\r\n");
    assert_eq!(c.cmd("DECRBY n 50"), ":-9\r\n");
    assert_eq!(c.cmd("GET n"), "$2\r\n-9\r\n");
    assert_eq!(c.cmd("INCRBY n x"), "-ERR value is not an integer or out of range\r\n");
    assert_eq!(c.cmd("SET s abc"), "+OK\r\n");
    assert_eq!(c.cmd("INCR s"), "-ERR value is not an integer or out of range\r\n");
    assert_eq!(c.cmd("SET s 007"), "+OK\r\n");
    assert_eq!(c.cmd("INCR s"), "-ERR value is not an integer or out of range\r\n");
    assert_eq!(c.cmd("SET m 9223372036854775807"), "+OK\r\n");
    assert_eq!(c.cmd("INCR m"), "-ERR increment or decrement would overflow\r\n");
    assert_eq!(c.cmd("DECRBY m -9223372036854775808"), "-ERR decrement would overflow\r\n");
    assert_eq!(c.cmd("SET e 5 EX 100"), "+OK\r\n");
    assert_eq!(c.cmd("INCR e"), ":6\r\n");
    assert_eq!(c.cmd("TTL e"), ":100\r\n", "INCR keeps the expiry");
    assert_eq!(c.cmd("SET f 10.50"), "+OK\r\n");
    assert_eq!(c.cmd("INCRBYFLOAT f 0.1"), "$4\r\n10.6\r\n");
    assert_eq!(c.cmd("INCRBYFLOAT f -5"), "$3\r\n5.6\r\n");
    assert_eq!(c.cmd("SET g 5.0e3"), "+OK\r\n");
    assert_eq!(c.cmd("INCRBYFLOAT g 2.0e2"), "$4\r\n5200\r\n");
    assert_eq!(c.cmd("INCRBYFLOAT g x"), "-ERR value is not a valid float\r\n");
    assert_eq!(c.cmd("SET word abc"), "+OK\r\n");
    assert_eq!(c.cmd("INCRBYFLOAT word 1"), "-ERR value is not a valid float\r\n");
    assert_eq!(c.cmd("INCRBYFLOAT g inf"), "-ERR increment would produce NaN or Infinity\r\n");
}

#[test]
fn string_ranges() {
    let s = TestServer::start();
    let mut c = s.raw();
    assert_eq!(c.cmd("APPEND k Hello"), ":5\r\n");
    assert_eq!(c.cmd("APPEND k _World"), ":11\r\n");
    assert_eq!(c.cmd("STRLEN k"), ":11\r\n");
    assert_eq!(c.cmd("STRLEN nope"), ":0\r\n");
    assert_eq!(c.cmd("GETRANGE k 0 4"), "$5\r\nHello\r\n");
    assert_eq!(c.cmd("GETRANGE k -5 -1"), "$5\r\nWorld\r\n");
    assert_eq!(c.cmd("GETRANGE k 20 30"), "$0\r\n\r\n");
    assert_eq!(c.cmd("GETRANGE nope 0 -1"), "$0\r\n\r\n");
    assert_eq!(c.cmd("SETRANGE k 6 Redis"), ":11\r\n");
    assert_eq!(c.cmd("GET k"), "$11\r\nHello_Redis\r\n");
    assert_eq!(c.cmd("SETRANGE pad 3 x"), ":4\r\n");
    assert_eq!(c.call(&[b"GET", b"pad"]), "$4\r\n\0\0\0x\r\n");
    assert_eq!(c.call(&[b"SETRANGE", b"empty", b"5", b""]), ":0\r\n");
    assert_eq!(c.cmd("EXISTS empty"), ":0\r\n", "an empty SETRANGE creates no key");
    assert_eq!(c.cmd("SETRANGE k -1 x"), "-ERR offset is out of range\r\n");
    assert_eq!(
        c.cmd("SETRANGE k 16777210 xxxxxxxxxxxx"),
        "-ERR string exceeds maximum allowed size (proto-max-bulk-len)\r\n"
    );
}

#[test]
fn expiry_commands() {
    let s = TestServer::start();
    let mut c = s.raw();
    assert_eq!(c.cmd("TTL nope"), ":-2\r\n");
    assert_eq!(c.cmd("PTTL nope"), ":-2\r\n");
    assert_eq!(c.cmd("EXPIRE nope 10"), ":0\r\n");
    c.cmd("SET k v");
    assert_eq!(c.cmd("TTL k"), ":-1\r\n");
    assert_eq!(c.cmd("EXPIRE k 100"), ":1\r\n");
    assert_eq!(c.cmd("TTL k"), ":100\r\n");
    let pttl = c.cmd("PTTL k");
    let ms: i64 = pttl[1..].trim().parse().unwrap();
    assert!((99_000..=100_000).contains(&ms), "{pttl}");
    assert_eq!(c.cmd("EXPIRE k 50 NX"), ":0\r\n");
    assert_eq!(c.cmd("EXPIRE k 50 GT"), ":0\r\n");
    assert_eq!(c.cmd("EXPIRE k 50 LT"), ":1\r\n");
    assert_eq!(c.cmd("TTL k"), ":50\r\n");
    assert_eq!(c.cmd("EXPIRE k 60 XX GT"), ":1\r\n");
    assert_eq!(
        c.cmd("EXPIRE k 10 NX XX"),
        "-ERR NX and XX, GT or LT options at the same time are not compatible\r\n"
    );
    assert_eq!(
        c.cmd("EXPIRE k 10 GT LT"),
        "-ERR GT and LT options at the same time are not compatible\r\n"
    );
    assert_eq!(c.cmd("EXPIRE k 10 FOO"), "-ERR Unsupported option FOO\r\n");
    assert_eq!(
        c.cmd("EXPIRE k 9223372036854775807"),
        "-ERR invalid expire time in 'expire' command\r\n"
    );
    assert_eq!(c.cmd("PEXPIRE k 200000"), ":1\r\n");
    assert_eq!(c.cmd("TTL k"), ":200\r\n");
    let at = srdb::now_ms() / 1000 + 300;
    assert_eq!(c.cmd(&format!("EXPIREAT k {at}")), ":1\r\n");
    assert!(matches!(c.cmd("TTL k").as_str(), ":300\r\n" | ":299\r\n"));
    assert_eq!(c.cmd(&format!("PEXPIREAT k {}", (at + 100) * 1000)), ":1\r\n");
    assert!(matches!(c.cmd("TTL k").as_str(), ":400\r\n" | ":399\r\n"));
    assert_eq!(c.cmd("PERSIST k"), ":1\r\n");
    assert_eq!(c.cmd("PERSIST k"), ":0\r\n");
    assert_eq!(c.cmd("TTL k"), ":-1\r\n");
    assert_eq!(c.cmd("EXPIRE k 0"), ":1\r\n", "a past instant deletes the key");
    assert_eq!(c.cmd("GET k"), "$-1\r\n");
    c.cmd("SET gone v PX 30");
    std::thread::sleep(std::time::Duration::from_millis(60));
    assert_eq!(c.cmd("GET gone"), "$-1\r\n");
    assert_eq!(c.cmd("TTL gone"), ":-2\r\n");
    assert_eq!(c.cmd("EXISTS gone"), ":0\r\n");
}

#[test]
fn scan_keys_randomkey_and_flush() {
    let s = TestServer::start();
    let mut c = s.raw();
    assert_eq!(c.cmd("RANDOMKEY"), "$-1\r\n");
    assert_eq!(c.cmd("KEYS *"), "*0\r\n");
    for i in 0..25 {
        c.cmd(&format!("SET user:{i:02} x"));
    }
    c.cmd("SET other x");
    assert_eq!(c.cmd("DBSIZE"), ":26\r\n");
    let keys = c.cmd("KEYS user:1?");
    assert_eq!(keys.matches("user:1").count(), 10, "{keys}");
    assert!(keys.starts_with("*10\r\n"));
    assert_eq!(c.cmd("KEYS oth[a-f]r"), "*1\r\n$5\r\nother\r\n");
    let random = c.cmd("RANDOMKEY");
    assert!(random.contains("user:") || random.contains("other"), "{random}");
    // A full SCAN returns every key exactly once.
    let mut cursor = "0".to_string();
    let mut seen = Vec::new();
    loop {
        let r = c.cmd(&format!("SCAN {cursor} MATCH user:* COUNT 7"));
        let lines: Vec<&str> = r.split("\r\n").collect();
        cursor = lines[2].to_string();
        seen.extend(lines[4..].iter().filter(|l| l.starts_with("user:")).map(|l| l.to_string()));
        if cursor == "0" {
            break;
        }
    }
    seen.sort();
    let expected: Vec<String> = (0..25).map(|i| format!("user:{i:02}")).collect();
    assert_eq!(seen, expected);
    assert_eq!(c.cmd("SCAN 0 TYPE hash"), "*2\r\n$1\r\n0\r\n*0\r\n");
    assert_eq!(c.cmd("SCAN 12345"), "-ERR invalid cursor\r\n");
    assert_eq!(c.cmd("SCAN x"), "-ERR invalid cursor\r\n");
    assert_eq!(c.cmd("SCAN 0 COUNT 0"), "-ERR syntax error\r\n");
    assert_eq!(c.cmd("SCAN 0 FOO"), "-ERR syntax error\r\n");
    assert_eq!(c.cmd("FLUSHDB"), "+OK\r\n");
    assert_eq!(c.cmd("DBSIZE"), ":0\r\n");
    c.cmd("SET a b");
    assert_eq!(c.cmd("FLUSHALL ASYNC"), "+OK\r\n");
    assert_eq!(c.cmd("GET a"), "$-1\r\n");
    assert_eq!(c.cmd("FLUSHALL NOW"), "-ERR syntax error\r\n");
}

#[test]
fn server_commands() {
    let s = TestServer::start();
    let mut c = s.raw();
    c.cmd("SET a 1");
    c.cmd("SET b 2 EX 100");
    c.cmd("GET a");
    c.cmd("GET zz");
    let info = c.cmd("INFO");
    for section in ["# Server", "# Clients", "# Memory", "# Persistence", "# Stats", "# Keyspace"] {
        assert!(info.contains(section), "INFO lacks {section}");
    }
    assert!(info.contains("connected_clients:1\r\n"), "{info}");
    assert!(info.contains("db0:keys=2,expires=1,avg_ttl="), "{info}");
    assert!(info.contains("keyspace_hits:1\r\n") && info.contains("keyspace_misses:1\r\n"));
    let ks = c.cmd("INFO keyspace");
    assert!(ks.contains("# Keyspace") && !ks.contains("# Server"), "{ks}");
    assert!(c.cmd("CONFIG GET maxclients").ends_with("$10\r\nmaxclients\r\n$4\r\n1000\r\n"));
    let many = c.cmd("CONFIG GET max*");
    assert!(many.contains("maxclients") && many.contains("maxmemory"), "{many}");
    assert_eq!(c.cmd("CONFIG GET nothing-like-this"), "*0\r\n");
    assert_eq!(
        c.cmd("CONFIG SET maxclients 1"),
        "-ERR unknown subcommand 'SET'. Try CONFIG HELP.\r\n"
    );
    let before: i64 = c.cmd("LASTSAVE")[1..].trim().parse().unwrap();
    assert_eq!(c.cmd("SAVE"), "+OK\r\n");
    let after: i64 = c.cmd("LASTSAVE")[1..].trim().parse().unwrap();
    assert!(after >= before);
    assert!(s.db.engine().stats().flushes >= 1, "SAVE flushed the memtables");
    assert_eq!(c.cmd("BGSAVE"), "+Background saving started\r\n");
    assert_eq!(c.cmd("COMMAND COUNT"), ":58\r\n", "48 Redis commands and 10 TABLE.* commands");
    let info = c.cmd("COMMAND INFO get nosuch");
    assert!(info.starts_with("*2\r\n*10\r\n$3\r\nget\r\n:2\r\n"), "{info}");
    assert!(info.ends_with("*-1\r\n"), "{info}");
    let docs = c.cmd("COMMAND DOCS set");
    assert!(docs.starts_with("*2\r\n$3\r\nset\r\n*6\r\n$7\r\nsummary\r\n"), "{docs}");
    assert!(c.cmd("COMMAND").starts_with("*58\r\n"));
}

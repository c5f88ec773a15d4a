//! The `TABLE.*` commands: every command's replies byte for byte in RESP2
//! and RESP3, their errors, the bounds on a query's reply, tables that
//! survive a restart, and the `redis` crate (plus Python's `redis` package
//! when it is installed) as unmodified clients.

mod common;

use common::{Raw, TestServer};
use redis::Value;

const SCHEMA: &str = r#"{"srdb_schema":1,"version":1,"fields":[
  {"name":"name","type":"string","required":true},
  {"name":"age","type":"int8","nullable":true,"indexed":true},
  {"name":"email","type":"string","nullable":true,"unique":true},
  {"name":"score","type":"float64","nullable":true},
  {"name":"vip","type":"bool","default":false},
  {"name":"born","type":"time","nullable":true},
  {"name":"tags","type":"array","nullable":true}
]}"#;

const ADA: &str = r#"{"name":"ada","age":36,"email":"ada@example.com","score":1.5,"vip":true,"born":"1815-12-10T00:00:00Z","tags":["math",1]}"#;
const GRACE: &str = r#"{"name":"grace","age":85,"email":"grace@example.com"}"#;
const ALAN: &str = r#"{"name":"alan","age":41,"score":-0.25}"#;

/// A raw client with the `users` table created and three rows inserted
/// (`_seq` 1, 2, 3).
fn users(s: &TestServer) -> Raw {
    let mut c = s.raw();
    assert_eq!(c.call(&[b"TABLE.CREATE", b"users", SCHEMA.as_bytes()]), "+OK\r\n");
    for (row, seq) in [(ADA, 1), (GRACE, 2), (ALAN, 3)] {
        assert_eq!(c.call(&[b"TABLE.INSERT", b"users", row.as_bytes()]), format!(":{seq}\r\n"));
    }
    c
}

fn q(c: &mut Raw, table: &str, query: &str) -> String {
    c.call(&[b"TABLE.QUERY", table.as_bytes(), query.as_bytes()])
}

#[test]
fn table_commands_in_resp2() {
    let s = TestServer::start();
    let mut c = users(&s);
    assert_eq!(c.cmd("TABLE.LIST"), "*1\r\n$5\r\nusers\r\n");

    // A row: _seq, _time, then the fields in schema order.
    let row = c.cmd("TABLE.GET users 1");
    assert!(row.starts_with("*18\r\n$4\r\n_seq\r\n:1\r\n$5\r\n_time\r\n$"), "{row}");
    assert!(
        row.ends_with(
            "$4\r\nname\r\n$3\r\nada\r\n$3\r\nage\r\n:36\r\n$5\r\nemail\r\n$15\r\nada@example.com\r\n\
             $5\r\nscore\r\n$3\r\n1.5\r\n$3\r\nvip\r\n:1\r\n\
             $4\r\nborn\r\n$20\r\n1815-12-10T00:00:00Z\r\n$4\r\ntags\r\n$10\r\n[\"math\",1]\r\n"
        ),
        "{row}"
    );
    // Selected fields in the order asked; NULL and the default.
    assert_eq!(
        c.cmd("TABLE.GET users 2 vip score name _seq"),
        "*8\r\n$3\r\nvip\r\n:0\r\n$5\r\nscore\r\n$-1\r\n$4\r\nname\r\n$5\r\ngrace\r\n\
         $4\r\n_seq\r\n:2\r\n"
    );
    assert_eq!(c.cmd("TABLE.GET users 99"), "$-1\r\n", "a missing row is nil");

    // Queries: filter, order, limit, projection; rows as flat arrays.
    assert_eq!(
        q(&mut c, "users", "SELECT name, age WHERE age > 40 ORDER BY age DESC"),
        "*2\r\n*4\r\n$4\r\nname\r\n$5\r\ngrace\r\n$3\r\nage\r\n:85\r\n\
         *4\r\n$4\r\nname\r\n$4\r\nalan\r\n$3\r\nage\r\n:41\r\n"
    );
    assert_eq!(
        q(&mut c, "users", "SELECT _seq, score WHERE score < 0"),
        "*1\r\n*4\r\n$4\r\n_seq\r\n:3\r\n$5\r\nscore\r\n$5\r\n-0.25\r\n"
    );
    assert_eq!(q(&mut c, "users", "SELECT name WHERE name = 'nobody'"), "*0\r\n");
    assert_eq!(
        q(&mut c, "users", "SELECT name LIMIT 1 OFFSET 1"),
        "*1\r\n*2\r\n$4\r\nname\r\n$5\r\ngrace\r\n"
    );
    let all = c.cmd("TABLE.QUERY users");
    assert!(all.starts_with("*3\r\n*18\r\n$4\r\n_seq\r\n:1\r\n"), "no query text is every row");
    assert_eq!(
        c.cmd("TABLE.QUERY users born IS NULL"),
        "-ERR wrong number of arguments for 'table.query' command\r\n",
        "the query text is one argument"
    );

    // Counts, with and without a query.
    assert_eq!(c.cmd("TABLE.COUNT users"), ":3\r\n");
    assert_eq!(c.call(&[b"TABLE.COUNT", b"users", b"email IS NOT NULL"]), ":2\r\n");
    assert_eq!(c.call(&[b"TABLE.COUNT", b"users", b"age BETWEEN 30 AND 50"]), ":2\r\n");

    // Deletes.
    assert_eq!(c.cmd("TABLE.DEL users 2"), ":1\r\n");
    assert_eq!(c.cmd("TABLE.DEL users 2"), ":0\r\n");
    assert_eq!(c.cmd("TABLE.GET users 2"), "$-1\r\n");
    assert_eq!(c.cmd("TABLE.COUNT users"), ":2\r\n");
    assert_eq!(
        c.call(&[b"TABLE.INSERT", b"users", GRACE.as_bytes()]),
        ":4\r\n",
        "_seq is not reused"
    );

    // Indexes: the schema's, then one created (and backfilled) and dropped.
    assert_eq!(
        c.cmd("TABLE.INDEX LIST users"),
        "*2\r\n*6\r\n$5\r\nfield\r\n$3\r\nage\r\n$6\r\nunique\r\n:0\r\n$5\r\nstate\r\n$5\r\nready\r\n\
         *6\r\n$5\r\nfield\r\n$5\r\nemail\r\n$6\r\nunique\r\n:1\r\n$5\r\nstate\r\n$5\r\nready\r\n"
    );
    assert_eq!(c.cmd("TABLE.INDEX CREATE users name"), "+OK\r\n");
    assert!(c.cmd("TABLE.INDEX LIST users").starts_with("*3\r\n"));
    assert_eq!(
        q(&mut c, "users", "SELECT _seq WHERE name STARTS WITH 'a' ORDER BY name"),
        "*2\r\n*2\r\n$4\r\n_seq\r\n:1\r\n*2\r\n$4\r\n_seq\r\n:3\r\n",
        "the backfilled index serves rows stored before it"
    );
    assert_eq!(c.cmd("TABLE.INDEX DROP users name"), "+OK\r\n");
    assert!(c.cmd("TABLE.INDEX LIST users").starts_with("*2\r\n"));
    let help = c.cmd("TABLE.INDEX HELP");
    assert!(help.starts_with("*9\r\n+TABLE.INDEX <subcommand>"), "{help}");

    // The schema, as TABLE.CREATE takes it back (with its checksum).
    let schema = c.cmd("TABLE.SCHEMA users");
    let body = schema.split_once("\r\n").unwrap().1.trim_end_matches("\r\n");
    assert!(body.contains("\"checksum\": \"crc32:"), "{body}");
    assert_eq!(c.call(&[b"TABLE.CREATE", b"copy", body.as_bytes()]), "+OK\r\n");
    assert_eq!(c.cmd("TABLE.SCHEMA copy"), schema);
    assert_eq!(c.cmd("TABLE.LIST"), "*2\r\n$4\r\ncopy\r\n$5\r\nusers\r\n");

    assert_eq!(c.cmd("TABLE.DROP copy"), "+OK\r\n");
    assert_eq!(c.cmd("TABLE.LIST"), "*1\r\n$5\r\nusers\r\n");
    assert_eq!(c.cmd("TABLE.GET copy 1"), "-ERR no such table 'copy'\r\n");
}

#[test]
fn table_commands_in_resp3() {
    let s = TestServer::start();
    let mut c = users(&s);
    assert!(c.cmd("HELLO 3").starts_with('%'));
    assert_eq!(
        c.cmd("TABLE.GET users 1 name age score vip tags"),
        "%5\r\n$4\r\nname\r\n$3\r\nada\r\n$3\r\nage\r\n:36\r\n$5\r\nscore\r\n,1.5\r\n\
         $3\r\nvip\r\n#t\r\n$4\r\ntags\r\n$10\r\n[\"math\",1]\r\n"
    );
    assert_eq!(
        c.cmd("TABLE.GET users 2 score vip born"),
        "%3\r\n$5\r\nscore\r\n_\r\n$3\r\nvip\r\n#f\r\n$4\r\nborn\r\n_\r\n"
    );
    assert_eq!(c.cmd("TABLE.GET users 99"), "_\r\n");
    assert_eq!(
        q(&mut c, "users", "SELECT _seq, score WHERE score IS NOT NULL ORDER BY score"),
        "*2\r\n%2\r\n$4\r\n_seq\r\n:3\r\n$5\r\nscore\r\n,-0.25\r\n\
         %2\r\n$4\r\n_seq\r\n:1\r\n$5\r\nscore\r\n,1.5\r\n"
    );
    assert_eq!(
        c.cmd("TABLE.INDEX LIST users"),
        "*2\r\n%3\r\n$5\r\nfield\r\n$3\r\nage\r\n$6\r\nunique\r\n#f\r\n$5\r\nstate\r\n$5\r\nready\r\n\
         %3\r\n$5\r\nfield\r\n$5\r\nemail\r\n$6\r\nunique\r\n#t\r\n$5\r\nstate\r\n$5\r\nready\r\n"
    );
    assert_eq!(c.cmd("TABLE.COUNT users"), ":3\r\n");
    assert_eq!(c.cmd("TABLE.DEL users 3"), ":1\r\n");
    assert_eq!(c.cmd("TABLE.LIST"), "*1\r\n$5\r\nusers\r\n");
    assert_eq!(q(&mut c, "users", "age > 100"), "*0\r\n");
}

#[test]
fn table_errors_name_the_table_field_and_position() {
    let s = TestServer::start();
    let mut c = users(&s);
    let insert = |c: &mut Raw, row: &str| c.call(&[b"TABLE.INSERT", b"users", row.as_bytes()]);

    // Unknown tables, for every command that names one.
    for cmd in [
        "TABLE.GET nope 1",
        "TABLE.DEL nope 1",
        "TABLE.QUERY nope",
        "TABLE.COUNT nope",
        "TABLE.SCHEMA nope",
        "TABLE.DROP nope",
        "TABLE.INDEX LIST nope",
        "TABLE.INDEX CREATE nope age",
    ] {
        assert_eq!(c.cmd(cmd), "-ERR no such table 'nope'\r\n", "{cmd}");
    }
    assert_eq!(c.call(&[b"TABLE.INSERT", b"nope", b"{}"]), "-ERR no such table 'nope'\r\n");

    // Creating: existing names, bad names, bad JSON, bad schemas.
    assert_eq!(
        c.call(&[b"TABLE.CREATE", b"users", SCHEMA.as_bytes()]),
        "-ERR table 'users' already exists\r\n"
    );
    assert_eq!(
        c.call(&[b"TABLE.CREATE", b"bad name", SCHEMA.as_bytes()]),
        "-ERR The table name \"bad name\" is invalid: a name starts with a letter or `_` and \
         has only letters, digits and `_`.\r\n"
    );
    let reply = c.call(&[b"TABLE.CREATE", b"t", b"{\"srdb_schema\":1,"]);
    assert!(reply.starts_with("-ERR the schema is not valid JSON: EOF while parsing"), "{reply}");
    let reply = c.call(&[
        b"TABLE.CREATE",
        b"t",
        br#"{"srdb_schema":1,"version":1,"fields":[{"name":"a","type":"int9"}]}"#,
    ]);
    assert!(reply.starts_with("-ERR invalid schema: The schema document is invalid: "), "{reply}");
    assert!(reply.contains("int9"), "{reply}");
    let reply = c.call(&[
        b"TABLE.CREATE",
        b"t",
        br#"{"srdb_schema":1,"version":1,"fields":[{"name":"a","type":"int"}],"checksum":"crc32:00000000"}"#,
    ]);
    assert!(reply.starts_with("-ERR invalid schema: The schema document's checksum"), "{reply}");
    assert_eq!(c.cmd("TABLE.LIST"), "*1\r\n$5\r\nusers\r\n", "nothing was created");

    // Inserting: bad JSON, not an object, and validation errors naming the field.
    let reply = insert(&mut c, "{\"name\":");
    assert!(reply.starts_with("-ERR the row is not valid JSON: "), "{reply}");
    assert_eq!(
        insert(&mut c, "[1,2]"),
        "-ERR the row must be a JSON object of field names and values\r\n"
    );
    assert_eq!(
        insert(&mut c, r#"{"name":"x","age":300}"#),
        "-ERR Table `users`: The field `age` has type int8, and 300 is out of its range \
         (-128 to 127).\r\n"
    );
    assert_eq!(
        insert(&mut c, r#"{"name":"x","age":"old"}"#),
        "-ERR Table `users`: The field `age` has type int8, and the value given is invalid: the \
         string \"old\" is not an integer.\r\n"
    );
    assert_eq!(
        insert(&mut c, r#"{"age":3}"#),
        "-ERR Table `users`: The field `name` is missing: the field is required.\r\n"
    );
    assert_eq!(
        insert(&mut c, r#"{"name":null}"#),
        "-ERR Table `users`: The field `name` is not nullable, but was given NULL.\r\n"
    );
    assert_eq!(
        insert(&mut c, r#"{"name":"x","shoe":42}"#),
        "-ERR Table `users`: The field `shoe` is not defined by the schema.\r\n"
    );
    assert_eq!(
        insert(&mut c, r#"{"name":"x","_seq":7}"#),
        "-ERR Table `users`: the field `_seq` cannot be given here: every row gets its `_seq` \
         from the table.\r\n"
    );
    let reply = insert(&mut c, r#"{"name":"x","_time":"2024-01-01T00:00:00Z"}"#);
    assert!(reply.starts_with("-ERR Table `users`: the field `_time` cannot be given here: "));
    assert_eq!(
        insert(&mut c, r#"{"name":"x","_time":"yesterday"}"#),
        "-ERR Table `users`: The field `_time` has type time, and the value given is invalid: \
         \"yesterday\" is not an RFC 3339 timestamp (the 'year' component could not be \
         parsed).\r\n"
    );
    assert_eq!(
        insert(&mut c, r#"{"name":"copy","email":"ada@example.com"}"#),
        "-ERR Table `users`: the field `email` is unique, and the value ada@example.com is \
         already held by the row with _seq 1.\r\n"
    );
    assert_eq!(c.cmd("TABLE.COUNT users"), ":3\r\n", "no refused row was stored");

    // Queries: parse errors carry the position; schema errors the field.
    assert_eq!(
        q(&mut c, "users", "age >= 18 AND city IN ('Beijing' 'Shanghai')"),
        "-ERR Table `users`: The query does not parse: error at 33: expected ',' or ')' in the \
         list of values, found a value.\r\n"
    );
    assert_eq!(
        c.call(&[b"TABLE.COUNT", b"users", b"age >"]),
        "-ERR Table `users`: The query does not parse: error at 5: expected a value after \
         '>'.\r\n"
    );
    let reply = q(&mut c, "users", "shoe = 1");
    assert!(reply.starts_with("-ERR Table `users`: The field `shoe` is not defined"), "{reply}");
    let reply = q(&mut c, "users", "age = 'abc'");
    assert!(
        reply.starts_with("-ERR Table `users`: The value given for the field `age`"),
        "{reply}"
    );

    // Arguments.
    for (cmd, name) in [
        ("TABLE.CREATE users", "table.create"),
        ("TABLE.DROP", "table.drop"),
        ("TABLE.LIST x", "table.list"),
        ("TABLE.SCHEMA", "table.schema"),
        ("TABLE.INSERT users", "table.insert"),
        ("TABLE.GET users", "table.get"),
        ("TABLE.DEL users 1 2", "table.del"),
        ("TABLE.QUERY", "table.query"),
        ("TABLE.QUERY users a b", "table.query"),
        ("TABLE.COUNT users a b", "table.count"),
        ("TABLE.INDEX", "table.index"),
        ("TABLE.INDEX CREATE users", "table.index|create"),
        ("TABLE.INDEX LIST", "table.index|list"),
    ] {
        assert_eq!(
            c.cmd(cmd),
            format!("-ERR wrong number of arguments for '{name}' command\r\n"),
            "{cmd}"
        );
    }
    assert_eq!(c.cmd("TABLE.GET users x"), "-ERR value is not an integer or out of range\r\n");
    assert_eq!(c.cmd("TABLE.DEL users -1"), "-ERR value is not an integer or out of range\r\n");
    assert_eq!(
        c.cmd("TABLE.INDEX NOPE users"),
        "-ERR unknown subcommand 'NOPE'. Try TABLE.INDEX HELP.\r\n"
    );
    assert_eq!(
        c.cmd("TABLE.INDEX DROP users email"),
        "-ERR Table `users`, index on `email`: the field is unique and its index enforces that, \
         so it cannot be dropped.\r\n"
    );
    let reply = c.cmd("TABLE.INDEX DROP users name");
    assert!(reply.starts_with("-ERR Table `users`, index on `name`: "), "{reply}");
    let reply = c.cmd("TABLE.INDEX CREATE users tags");
    assert!(reply.starts_with("-ERR Table `users`, index on `tags`: "), "{reply}");
    let reply = c.cmd("TABLE.GET users 1 shoe");
    assert!(reply.starts_with("-ERR Table `users` has no field `shoe`"), "{reply}");
    // The connection is still in order after all of these.
    assert_eq!(c.cmd("TABLE.GET users 3 name"), "*2\r\n$4\r\nname\r\n$4\r\nalan\r\n");
}

#[test]
fn query_replies_are_bounded_and_page_with_limit() {
    let s = TestServer::with(|c| c.max_reply_bytes = 4096);
    let mut c = users(&s);
    let table = s.db.table("users").unwrap();
    let rows = (0..200).map(|i| srdb::Row::new().with("name", format!("user-{i:03}")));
    table.insert_batch(rows).unwrap();
    assert_eq!(
        q(&mut c, "users", "SELECT name"),
        "-ERR the reply to 'table.query' exceeds the output buffer limit of 4096 bytes; page \
         through the rows with LIMIT and OFFSET\r\n"
    );
    let page = q(&mut c, "users", "SELECT name WHERE name STARTS WITH 'user-' LIMIT 2 OFFSET 10");
    assert_eq!(
        page,
        "*2\r\n*2\r\n$4\r\nname\r\n$8\r\nuser-010\r\n*2\r\n$4\r\nname\r\n$8\r\nuser-011\r\n"
    );
    assert_eq!(c.cmd("TABLE.COUNT users"), ":203\r\n", "COUNT has no reply to bound");
    assert_eq!(c.cmd("PING"), "+PONG\r\n");
}

#[test]
fn query_replies_hold_at_most_the_row_cap() {
    let s = TestServer::start();
    let mut c = s.raw();
    let schema = r#"{"srdb_schema":1,"version":1,"fields":[{"name":"n","type":"uint32"}]}"#;
    assert_eq!(c.call(&[b"TABLE.CREATE", b"many", schema.as_bytes()]), "+OK\r\n");
    let cap = srdb_server::limits::MAX_QUERY_ROWS;
    let table = s.db.table("many").unwrap();
    let rows: Vec<_> = (0..=cap).map(|n| srdb::Row::new().with("n", n)).collect();
    table.insert_batch(rows).unwrap();
    assert_eq!(
        q(&mut c, "many", "SELECT n ORDER BY n DESC"),
        format!(
            "-ERR the query returns more than {cap} rows, the most one reply holds; page \
             through them with LIMIT and OFFSET\r\n"
        ),
        "an order without an index is refused like any other"
    );
    let reply = q(&mut c, "many", "SELECT n");
    assert!(reply.starts_with("-ERR the query returns more than"), "{}", &reply[..40]);
    let exact = q(&mut c, "many", &format!("SELECT n WHERE n > 0 LIMIT {}", cap + 5));
    assert!(exact.starts_with(&format!("*{cap}\r\n*2\r\n$1\r\nn\r\n:1\r\n")));
    let last = q(&mut c, "many", &format!("SELECT n OFFSET {cap}"));
    assert_eq!(last, format!("*1\r\n*2\r\n$1\r\nn\r\n:{cap}\r\n"));
    assert_eq!(c.cmd("TABLE.COUNT many"), format!(":{}\r\n", cap + 1));
}

#[test]
fn table_commands_are_in_command_docs() {
    let s = TestServer::start();
    let mut con = s.client();
    let names: Vec<String> = redis::cmd("COMMAND").arg("LIST").query(&mut con).unwrap();
    let tables: Vec<&str> =
        names.iter().map(String::as_str).filter(|n| n.starts_with("table.")).collect();
    assert_eq!(
        tables,
        [
            "table.count",
            "table.create",
            "table.del",
            "table.drop",
            "table.get",
            "table.index",
            "table.insert",
            "table.list",
            "table.query",
            "table.schema"
        ]
    );
    let count: usize = redis::cmd("COMMAND").arg("COUNT").query(&mut con).unwrap();
    assert_eq!(count, names.len());
    let mut c = s.raw();
    let docs = c.cmd("COMMAND DOCS table.insert");
    assert!(
        docs.starts_with(
            "*2\r\n$12\r\ntable.insert\r\n*6\r\n$7\r\nsummary\r\n$58\r\nInserts a row given as \
             a JSON object and returns its _seq.\r\n$5\r\nsince\r\n"
        ),
        "{docs}"
    );
    assert!(docs.ends_with("$5\r\ngroup\r\n$5\r\ntable\r\n"), "{docs}");
    let info = c.cmd("COMMAND INFO table.query");
    assert!(
        info.starts_with("*1\r\n*10\r\n$11\r\ntable.query\r\n:-2\r\n*1\r\n+readonly\r\n"),
        "{info}"
    );
}

#[test]
fn tables_survive_a_restart() {
    let s = TestServer::start();
    drop(users(&s));
    let dir = s.stop();
    let s = TestServer::in_dir(dir, |_| {});
    let mut c = s.raw();
    assert_eq!(c.cmd("TABLE.LIST"), "*1\r\n$5\r\nusers\r\n");
    assert_eq!(c.cmd("TABLE.GET users 2 name"), "*2\r\n$4\r\nname\r\n$5\r\ngrace\r\n");
    assert_eq!(c.call(&[b"TABLE.INSERT", b"users", br#"{"name":"new"}"#]), ":4\r\n");
    assert_eq!(c.call(&[b"TABLE.COUNT", b"users", b"age > 40"]), ":2\r\n");
}

#[test]
fn redis_crate_reads_rows_in_resp2_and_resp3() {
    let s = TestServer::start();
    drop(users(&s));
    let mut con2 = s.client();
    let mut con3 = s.client3();
    let seq: u64 = redis::cmd("TABLE.INSERT")
        .arg("users")
        .arg(r#"{"name":"linus","score":2.5,"vip":true}"#)
        .query(&mut con2)
        .unwrap();
    assert_eq!(seq, 4);

    let query = |con: &mut redis::Connection| -> Value {
        redis::cmd("TABLE.QUERY")
            .arg("users")
            .arg("SELECT name, score, vip, email WHERE _seq >= 3")
            .query(con)
            .unwrap()
    };
    let bulk = |s: &str| Value::BulkString(s.as_bytes().to_vec());
    assert_eq!(
        query(&mut con2),
        Value::Array(vec![
            Value::Array(vec![
                bulk("name"),
                bulk("alan"),
                bulk("score"),
                bulk("-0.25"),
                bulk("vip"),
                Value::Int(0),
                bulk("email"),
                Value::Nil,
            ]),
            Value::Array(vec![
                bulk("name"),
                bulk("linus"),
                bulk("score"),
                bulk("2.5"),
                bulk("vip"),
                Value::Int(1),
                bulk("email"),
                Value::Nil,
            ]),
        ])
    );
    assert_eq!(
        query(&mut con3),
        Value::Array(vec![
            Value::Map(vec![
                (bulk("name"), bulk("alan")),
                (bulk("score"), Value::Double(-0.25)),
                (bulk("vip"), Value::Boolean(false)),
                (bulk("email"), Value::Nil),
            ]),
            Value::Map(vec![
                (bulk("name"), bulk("linus")),
                (bulk("score"), Value::Double(2.5)),
                (bulk("vip"), Value::Boolean(true)),
                (bulk("email"), Value::Nil),
            ]),
        ])
    );
    // A row read into a map by the client library.
    let row: std::collections::HashMap<String, String> = redis::cmd("TABLE.GET")
        .arg("users")
        .arg(1)
        .arg("name")
        .arg("email")
        .query(&mut con3)
        .unwrap();
    assert_eq!(row["name"], "ada");
    assert_eq!(row["email"], "ada@example.com");
    let count: u64 = redis::cmd("TABLE.COUNT").arg("users").query(&mut con3).unwrap();
    assert_eq!(count, 4);
    let err =
        redis::cmd("TABLE.QUERY").arg("users").arg("age >=").query::<Value>(&mut con3).unwrap_err();
    assert!(err.to_string().contains("error at 6"), "{err}");
    let tables: Vec<String> = redis::cmd("TABLE.LIST").query(&mut con2).unwrap();
    assert_eq!(tables, ["users"]);
}

/// Python's `redis` package against the server, with the script beside
/// this file. Skipped, saying why, when `python3` or the package is
/// missing (`pip install redis`).
#[test]
fn python_redis_package_reads_and_writes_tables() {
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/python_tables.py");
    let probe = std::process::Command::new("python3").args(["-c", "import redis"]).output();
    match probe {
        Err(e) => {
            eprintln!("skipped: python3 cannot be run ({e})");
            return;
        }
        Ok(out) if !out.status.success() => {
            eprintln!(
                "skipped: Python's redis package is not installed (pip install redis): {}",
                String::from_utf8_lossy(&out.stderr).trim()
            );
            return;
        }
        Ok(_) => {}
    }
    let s = TestServer::start();
    let out = std::process::Command::new("python3")
        .arg(script)
        .arg(s.addr.port().to_string())
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "the Python check failed:\n{}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains("python tables: ok"));
}

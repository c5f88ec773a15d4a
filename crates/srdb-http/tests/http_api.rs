//! The JSON API over a real socket: status codes, JSON shapes, paging,
//! projection, queries, tokens and bad input.

mod common;

use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::Duration;

use common::{test_config, TestServer};
use serde_json::json;
use srdb_http::HttpConfig;

#[test]
fn health_and_table_list() {
    let s = TestServer::start(None, 10);
    let health = s.get("/health");
    assert_eq!((health.status, health.body.as_str()), (200, "ok\n"));
    let tables = s.get("/api/tables").json();
    assert_eq!(
        tables["tables"],
        json!([{ "name": "people", "rows": 10, "bytes": tables["tables"][0]["bytes"], "fields": 3, "indexes": 1 }])
    );
    assert!(tables["tables"][0]["bytes"].as_u64().unwrap() > 0);
    assert_eq!(tables["damaged"], json!([]));
}

#[test]
fn table_sizes_and_keyspace_owners_of_several_tables_match_table_stats() {
    let s = TestServer::start(None, 40);
    let schema = srdb::Schema::builder()
        .field("k", srdb::FieldType::String)
        .indexed()
        .field("n", srdb::FieldType::Int64)
        .indexed()
        .build()
        .unwrap();
    let other = s.db.create_table("other", schema).unwrap();
    other
        .insert_batch(
            (0..25).map(|i| srdb::Row::new().with("k", format!("k{i}")).with("n", i as i64)),
        )
        .unwrap();
    let check = |when: &str| {
        let tables = s.get("/api/tables").json();
        for name in ["people", "other"] {
            let line = tables["tables"].as_array().unwrap().iter().find(|t| t["name"] == name);
            let line = line.unwrap_or_else(|| panic!("{when}: {tables}"));
            let stats = s.db.table(name).unwrap().stats().unwrap();
            let bytes =
                stats.rows_disk_bytes + stats.index_disk_bytes + stats.memtable_bytes as u64;
            assert_eq!(line["rows"], stats.rows, "{when}: {line}");
            assert_eq!(line["bytes"], bytes, "{when}: {line}");
            assert_eq!(line["indexes"], stats.indexes.len(), "{when}: {line}");
        }
        let page = s.get("/").body;
        assert!(page.contains("<td class=\"num\">25</td>"), "{when}: {page}");
    };
    check("in memtables");
    s.db.flush().unwrap();
    check("flushed");

    let stats = s.get("/api/stats").json();
    let metrics = s.get("/metrics").body;
    let other_ks = s.db.table("other").unwrap().stats().unwrap();
    let keyspace = |name: &str| {
        let all = stats["keyspaces"].as_array().unwrap();
        all.iter().find(|k| k["name"] == name).unwrap_or_else(|| panic!("{name}: {stats}")).clone()
    };
    let rows = keyspace(&other_ks.rows_keyspace);
    assert_eq!((rows["role"].as_str(), rows["table"].as_str()), (Some("rows"), Some("other")));
    for (field, ks) in &other_ks.index_keyspaces {
        let index = keyspace(ks);
        assert_eq!(index["role"], "index");
        assert_eq!(index["table"], "other");
        assert_eq!(index["index_field"], field.as_str());
        let info = format!(
            "srdb_keyspace_info{{keyspace=\"{ks}\",table=\"other\",role=\"index\",field=\"{field}\"}} 1\n"
        );
        assert!(metrics.contains(&info), "{info}: {metrics}");
    }
    let storage = s.get("/ui/storage").body;
    assert!(storage.contains("index other.n") && storage.contains("rows of other"), "{storage}");
}

#[test]
fn schema_lists_fields_and_indexes() {
    let s = TestServer::start(None, 1);
    let schema = s.get("/api/tables/people").json();
    assert_eq!(schema["name"], "people");
    let names: Vec<&str> =
        schema["fields"].as_array().unwrap().iter().map(|f| f["name"].as_str().unwrap()).collect();
    assert_eq!(names, ["name", "age", "city"]);
    assert_eq!(schema["fields"][1]["indexed"], true);
    assert_eq!(schema["fields"][1]["type"], "int64");
    assert_eq!(schema["indexes"], json!([{ "field": "age", "unique": false, "state": "ready" }]));
    assert_eq!(s.get("/api/tables/people/schema").json(), schema);
    s.get("/api/tables/nobody").assert_error(404);
}

#[test]
fn rows_page_by_offset_and_by_seq_cursor() {
    let s = TestServer::start(None, 25);
    let first = s.get("/api/tables/people/rows?limit=10").json();
    let rows = first["rows"].as_array().unwrap();
    assert_eq!(rows.len(), 10);
    assert_eq!(rows[0]["_seq"], 1);
    assert_eq!(rows[0]["name"], "person 0");
    assert!(rows[0]["_time"].is_string());
    assert_eq!(first["next_after"], 10);

    let by_offset = s.get("/api/tables/people/rows?limit=10&offset=10").json();
    let by_cursor = s.get("/api/tables/people/rows?limit=10&after=10").json();
    assert_eq!(by_offset["rows"], by_cursor["rows"]);
    assert_eq!(by_cursor["rows"][0]["_seq"], 11);

    let last = s.get("/api/tables/people/rows?limit=10&after=20&total=1").json();
    assert_eq!(last["rows"].as_array().unwrap().len(), 5);
    assert_eq!(last["next_after"], json!(null), "a short page is the last");
    assert_eq!(last["total"], 5);
    // The default page size.
    assert_eq!(s.get("/api/tables/people/rows").json()["limit"], 50);
}

#[test]
fn projection_returns_only_the_fields_asked_and_still_pages() {
    let s = TestServer::start(None, 5);
    let page = s.get("/api/tables/people/rows?fields=name,city&limit=2").json();
    assert_eq!(
        page["rows"],
        json!([{ "name": "person 0", "city": "Oslo" }, { "name": "person 1", "city": "Lima" }])
    );
    assert_eq!(page["next_after"], 2);
    let row = s.get("/api/tables/people/rows/3?fields=age").json();
    assert_eq!(row, json!({ "age": 2 }));
    s.get("/api/tables/people/rows?fields=nope").assert_error(400);
}

#[test]
fn queries_filter_order_and_explain() {
    let s = TestServer::start(None, 30);
    let q = "/api/tables/people/rows?q=age%20%3E%3D%2025%20AND%20city%20%3D%20%27Oslo%27%20ORDER%20BY%20age%20DESC";
    let page = s.get(q).json();
    let ages: Vec<i64> =
        page["rows"].as_array().unwrap().iter().map(|r| r["age"].as_i64().unwrap()).collect();
    assert_eq!(ages, [27]);
    assert_eq!(page["next_after"], json!(null));
    // A query's own LIMIT sets the page size.
    let limited = s.get("/api/tables/people/rows?q=age%20%3C%2010%20LIMIT%203").json();
    assert_eq!(limited["rows"].as_array().unwrap().len(), 3);
    assert_eq!(limited["limit"], 3);

    let plan = s.get("/api/tables/people/explain?q=age%20%3D%205").json();
    assert!(plan["plan"].as_str().unwrap().contains("age"), "{plan}");
    // A cursor needs _seq order.
    s.get("/api/tables/people/rows?q=ORDER%20BY%20age&after=3").assert_error(400);
}

#[test]
fn query_parse_errors_carry_their_position() {
    let s = TestServer::start(None, 1);
    let err = s.get("/api/tables/people/rows?q=age%20%3E%3D").assert_error(400);
    assert_eq!(err["position"], 6, "{err}");
    assert!(err["error"].as_str().unwrap().contains("error at 6"), "{err}");
    let err = s.get("/api/tables/people/explain?q=nope%20%3D%201").assert_error(400);
    assert_eq!(err.get("position"), None, "a binding error has no position: {err}");
}

#[test]
fn a_row_by_seq_and_missing_rows() {
    let s = TestServer::start(None, 3);
    let row = s.get("/api/tables/people/rows/2").json();
    assert_eq!(row["_seq"], 2);
    assert_eq!(row["city"], "Lima");
    s.get("/api/tables/people/rows/99").assert_error(404);
    s.get("/api/tables/people/rows/two").assert_error(400);
    s.get("/api/tables/ghost/rows/1").assert_error(404);
}

#[test]
fn bad_paging_parameters_are_400() {
    let s = TestServer::start(None, 3);
    s.get("/api/tables/people/rows?limit=0").assert_error(400);
    s.get("/api/tables/people/rows?limit=1001").assert_error(400);
    s.get("/api/tables/people/rows?limit=ten").assert_error(400);
    s.get("/api/tables/people/rows?offset=-1").assert_error(400);
    s.get("/api/nowhere").assert_error(404);
    s.send("PUT", "/api/tables", None, "{}").assert_error(405);
}

#[test]
fn writes_are_refused_without_a_configured_token() {
    let s = TestServer::start(None, 1);
    let err = s.send("POST", "/api/tables/people/rows", Some("x"), r#"{"name":"a","age":1}"#);
    let err = err.assert_error(403);
    assert!(err["error"].as_str().unwrap().contains("read-only"), "{err}");
    s.send("DELETE", "/api/tables/people/rows/1", None, "").assert_error(403);
    assert_eq!(s.db.table("people").unwrap().row_count().unwrap(), 1);
}

#[test]
fn writes_need_the_right_token() {
    let s = TestServer::start(Some("s3cret"), 1);
    let body = r#"{"name":"ada","age":36}"#;
    let missing = s.send("POST", "/api/tables/people/rows", None, body);
    missing.assert_error(401);
    assert_eq!(missing.header("www-authenticate"), Some("Bearer"));
    s.send("POST", "/api/tables/people/rows", Some("s3cre"), body).assert_error(403);
    s.send("POST", "/api/tables/people/rows", Some("s3cret!"), body).assert_error(403);
    let ok = s.send("POST", "/api/tables/people/rows", Some("s3cret"), body);
    assert_eq!(ok.status, 201, "{ok:?}");
    assert_eq!(ok.json(), json!({ "table": "people", "inserted": 1, "seqs": [2] }));
    assert_eq!(s.get("/api/tables/people/rows/2").json()["name"], "ada");
}

#[test]
fn create_table_insert_index_and_delete() {
    let s = TestServer::start(Some("t"), 0);
    let t = Some("t");
    let table = r#"{"name":"events","fields":[{"name":"kind","type":"string"},{"name":"n","type":"uint64","nullable":true}]}"#;
    let created = s.send("POST", "/api/tables", t, table);
    assert_eq!(created.status, 201, "{created:?}");
    assert_eq!(created.json()["name"], "events");
    s.send("POST", "/api/tables", t, table).assert_error(409);

    let rows = r#"[{"kind":"a","n":1},{"kind":"b"},{"kind":"c","n":3}]"#;
    let inserted = s.send("POST", "/api/tables/events/rows", t, rows).json();
    assert_eq!(inserted["seqs"], json!([1, 2, 3]));
    assert_eq!(s.get("/api/tables/events/rows/2").json()["n"], json!(null));

    let index = s.send("POST", "/api/tables/events/indexes", t, r#"{"field":"kind"}"#);
    assert_eq!(index.status, 201, "{index:?}");
    let plan = s.get("/api/tables/events/explain?q=kind%20%3D%20%27b%27").json();
    assert!(plan["plan"].as_str().unwrap().contains("IndexRanges"), "{plan}");
    s.send("POST", "/api/tables/events/indexes", t, r#"{"field":"nope"}"#).assert_error(400);

    let deleted = s.send("DELETE", "/api/tables/events/rows/2", t, "");
    assert_eq!(deleted.json(), json!({ "table": "events", "deleted": 2 }));
    s.send("DELETE", "/api/tables/events/rows/2", t, "").assert_error(404);
    assert_eq!(s.get("/api/tables/events/rows?total=1").json()["total"], 2);
}

#[test]
fn bad_bodies_are_400_and_change_nothing() {
    let s = TestServer::start(Some("t"), 0);
    let t = Some("t");
    s.send("POST", "/api/tables/people/rows", t, "{not json").assert_error(400);
    s.send("POST", "/api/tables/people/rows", t, "42").assert_error(400);
    // One bad row refuses the whole batch.
    let rows = r#"[{"name":"a","age":1},{"name":"b","age":"old"}]"#;
    let err = s.send("POST", "/api/tables/people/rows", t, rows).assert_error(400);
    assert!(err["error"].as_str().unwrap().contains("row 1"), "{err}");
    s.send("POST", "/api/tables/people/rows", t, r#"{"name":"a","age":1,"x":2}"#).assert_error(400);
    assert_eq!(s.db.table("people").unwrap().row_count().unwrap(), 0);
    s.send("POST", "/api/tables", t, r#"{"name":"x"}"#).assert_error(400);
    s.send("POST", "/api/tables", t, r#"{"name":"x","fields":[{"name":"a","type":"nope"}]}"#)
        .assert_error(400);
    s.send("POST", "/api/tables", t, r#"{"name":"bad name!","fields":[]}"#).assert_error(400);
}

#[test]
fn bodies_over_the_limit_are_413_and_slow_requests_408() {
    let config = HttpConfig {
        token: Some("t".into()),
        max_body_bytes: 1000,
        request_timeout: Duration::from_millis(300),
        ..test_config()
    };
    let s = TestServer::start_with(config, 0);
    let big = format!(r#"{{"name":"{}","age":1}}"#, "x".repeat(2000));
    s.send("POST", "/api/tables/people/rows", Some("t"), &big).assert_error(413);

    let mut slow = TcpStream::connect(s.addr).unwrap();
    slow.write_all(b"GET /health HTTP/1.1\r\nHost: x\r\n").unwrap();
    let mut reply = String::new();
    slow.read_to_string(&mut reply).unwrap();
    assert!(reply.starts_with("HTTP/1.1 408 "), "{reply}");

    let mut garbage = TcpStream::connect(s.addr).unwrap();
    garbage.write_all(b"\x00\x01 nonsense\r\n\r\n").unwrap();
    let mut reply = String::new();
    garbage.read_to_string(&mut reply).unwrap();
    assert!(reply.starts_with("HTTP/1.1 400 "), "{reply}");
}

#[test]
fn storage_stats_and_metrics() {
    let s = TestServer::start(None, 100);
    s.db.flush().unwrap();
    let stats = s.get("/api/stats").json();
    let keyspaces = stats["keyspaces"].as_array().unwrap();
    assert!(!keyspaces.is_empty());
    assert!(keyspaces.iter().any(|k| k["files"].as_u64().unwrap() > 0), "{stats}");
    assert!(stats["block_cache"]["hit_rate"].is_number());
    assert!(stats["wal"]["segments"].is_number());
    assert!(stats["compaction"]["compactions"].is_number());
    assert!(stats["write_amplification"].as_f64().unwrap() > 0.0);

    let metrics = s.get("/metrics");
    assert_eq!(metrics.status, 200);
    assert!(metrics.content_type.starts_with("text/plain; version=0.0.4"));
    assert!(metrics.body.contains("# TYPE srdb_writes_total counter\nsrdb_writes_total "));
    assert!(metrics.body.contains("srdb_table_rows{table=\"people\"} 100\n"), "{}", metrics.body);
    assert!(metrics.body.contains("srdb_http_responses_total{class=\"2xx\"} "));

    // Per-level gauges of the rows keyspace, which the info series names.
    let rows_ks = keyspaces.iter().find(|k| k["role"] == "rows").unwrap()["name"].clone();
    let rows_ks = rows_ks.as_str().unwrap();
    let info = format!(
        "srdb_keyspace_info{{keyspace=\"{rows_ks}\",table=\"people\",role=\"rows\",field=\"\"}} 1\n"
    );
    assert!(metrics.body.contains(&info), "{}", metrics.body);
    assert!(metrics.body.contains("role=\"index\",field=\"age\"} 1\n"), "{}", metrics.body);
    for (name, value) in [("files", 1), ("entries", 100), ("tombstones", 0)] {
        let line = format!("srdb_level_{name}{{keyspace=\"{rows_ks}\",level=\"0\"}} {value}\n");
        assert!(metrics.body.contains(&line), "{line}: {}", metrics.body);
    }
    let empty = "srdb_level_bytes{keyspace=\"kv\",level=\"0\"} 0\n";
    assert!(metrics.body.contains(empty), "empty levels report 0: {}", metrics.body);
}

/// The member `name` of every object of `files`, as u64.
fn column(files: &[serde_json::Value], name: &str) -> Vec<u64> {
    files.iter().map(|f| f[name].as_u64().unwrap_or_else(|| panic!("{name} of {f}"))).collect()
}

#[test]
fn storage_stats_list_every_sst_file_with_its_ranges() {
    let s = TestServer::start(None, 100);
    let kv = s.db.kv();
    kv.put("user:1", "a").unwrap();
    kv.put("user:9", "b").unwrap();
    s.db.flush().unwrap();
    let stats = s.get("/api/stats").json();
    let keyspaces = stats["keyspaces"].as_array().unwrap();
    let find = |role: &str| {
        keyspaces.iter().find(|k| k["role"] == role).unwrap_or_else(|| panic!("{role}: {stats}"))
    };

    // Every keyspace lists its files, consistent with its levels.
    for ks in keyspaces {
        let files = ks["sst_files"].as_array().unwrap();
        assert_eq!(files.len() as u64, ks["files"].as_u64().unwrap(), "{ks}");
        assert_eq!(column(files, "size_bytes").iter().sum::<u64>(), ks["bytes"], "{ks}");
        for f in files {
            let number = f["number"].as_u64().unwrap();
            assert_eq!(f["file"], format!("{number:08}.sst"));
            assert!(f["min_seqno"].as_u64().unwrap() <= f["max_seqno"].as_u64().unwrap());
            assert!(["seq", "utf8", "hex"].contains(&f["key_encoding"].as_str().unwrap()), "{f}");
        }
    }

    // The table's rows: one flushed file in L0 whose keys are the _seq
    // numbers 1 to 100, and whose time range is that of the rows' _time.
    let rows = find("rows");
    assert_eq!((&rows["table"], &rows["index_field"]), (&json!("people"), &json!(null)));
    let files = rows["sst_files"].as_array().unwrap();
    assert_eq!(files.len(), 1, "{rows}");
    let file = &files[0];
    assert_eq!(
        (&file["level"], &file["entries"], &file["tombstones"]),
        (&json!(0), &json!(100), &json!(0))
    );
    assert_eq!(file["key_encoding"], "seq");
    assert_eq!((&file["smallest_key"], &file["largest_key"]), (&json!(1), &json!(100)));
    let page = s.get("/api/tables/people/rows?limit=100").json();
    let times: Vec<&str> =
        page["rows"].as_array().unwrap().iter().map(|r| r["_time"].as_str().unwrap()).collect();
    let range = &file["time_range"];
    assert_eq!(range["min"], *times.iter().min().unwrap(), "{range}");
    assert_eq!(range["max"], *times.iter().max().unwrap(), "{range}");
    assert!(range["min_ns"].as_i64().unwrap() <= range["max_ns"].as_i64().unwrap());
    assert_eq!(rows["levels"][0]["tombstones"], 0);

    // The index on age: binary keys, shown as hex.
    let index = find("index");
    assert_eq!((&index["table"], &index["index_field"]), (&json!("people"), &json!("age")));
    assert_eq!(index["sst_files"][0]["key_encoding"], "hex", "{index}");
    assert_eq!(index["sst_files"][0]["entries"], 100);

    // The KV store: printable keys, shown as text, and no time range.
    let kv = find("kv");
    let file = &kv["sst_files"][0];
    assert_eq!(file["key_encoding"], "utf8", "{kv}");
    assert_eq!((&file["smallest_key"], &file["largest_key"]), (&json!("user:1"), &json!("user:9")));
    assert_eq!(file["time_range"], json!(null));
}

#[test]
fn a_deleted_row_shows_as_a_tombstone_in_its_file() {
    let s = TestServer::start(Some("t"), 3);
    s.db.flush().unwrap();
    s.send("DELETE", "/api/tables/people/rows/2", Some("t"), "").json();
    s.db.flush().unwrap();
    let stats = s.get("/api/stats").json();
    let rows = stats["keyspaces"].as_array().unwrap().iter().find(|k| k["role"] == "rows").unwrap();
    let files = rows["sst_files"].as_array().unwrap();
    assert_eq!(files.len(), 2, "{rows}");
    // L0 lists the newest file first: the delete alone.
    assert_eq!((&files[0]["entries"], &files[0]["tombstones"]), (&json!(1), &json!(1)));
    assert_eq!((&files[0]["smallest_key"], &files[0]["largest_key"]), (&json!(2), &json!(2)));
    assert_eq!(files[0]["time_range"], json!(null), "a file of only tombstones has no put time");
    assert_eq!(rows["levels"][0]["tombstones"], 1);
}

#[test]
fn kv_scan_with_a_pattern_and_values() {
    let s = TestServer::start(None, 0);
    let kv = s.db.kv();
    for i in 0..30 {
        kv.put(format!("user:{i:02}"), format!("name {i}")).unwrap();
    }
    kv.put("other", [0xffu8, 0x00]).unwrap();
    let page = s.get("/api/kv?pattern=user:1*&count=5").json();
    let keys: Vec<&str> =
        page["keys"].as_array().unwrap().iter().map(|k| k["key"].as_str().unwrap()).collect();
    assert_eq!(keys, ["user:10", "user:11", "user:12", "user:13", "user:14"]);
    let next = page["next_after"].as_str().unwrap();
    let rest = s.get(&format!("/api/kv?pattern=user:1*&count=5&after={next}")).json();
    assert_eq!(rest["keys"][0]["key"], "user:15");

    let value = s.get("/api/kv/value?key=user:07").json();
    assert_eq!(value["value"], "name 7");
    assert_eq!(value["bytes"], 6);
    let binary = s.get("/api/kv/value?key=other").json();
    assert_eq!(binary["value_hex"], "ff00");
    s.get("/api/kv/value?key=missing").assert_error(404);
    s.get("/api/kv/value").assert_error(400);
    s.get("/api/kv?count=0").assert_error(400);
    s.get("/api/kv?after=xyz").assert_error(400);
}

#[test]
fn rows_and_batches_over_the_storage_limits_are_413_and_change_nothing() {
    // A body limit above the engine's batch limit, so that the engine's
    // limits are the ones reached.
    let config = HttpConfig {
        token: Some("t".into()),
        max_body_bytes: srdb::MAX_BATCH_BYTES + (32 << 20),
        request_timeout: Duration::from_secs(120),
        ..test_config()
    };
    let s = TestServer::start_with(config, 0);
    let t = Some("t");
    let row = |bytes: usize| format!(r#"{{"name":"{}","age":1}}"#, "x".repeat(bytes));

    let huge = row(srdb_schema::MAX_ROW_BYTES + 1);
    let err = s.send("POST", "/api/tables/people/rows", t, &huge).assert_error(413);
    assert!(err["error"].as_str().unwrap().contains("limit"), "{err}");

    // Each row fits; together they exceed the batch limit.
    let each = srdb_schema::MAX_ROW_BYTES - 4096;
    let count = srdb::MAX_BATCH_BYTES / each + 1;
    let batch = format!("[{}]", vec![row(each); count].join(","));
    let err = s.send("POST", "/api/tables/people/rows", t, &batch).assert_error(413);
    assert!(err["error"].as_str().unwrap().contains("write batch"), "{err}");
    assert_eq!(s.db.table("people").unwrap().row_count().unwrap(), 0);

    // A value too long for an index key is the client's fault too.
    let table = r#"{"name":"tags","fields":[{"name":"tag","type":"string","indexed":true}]}"#;
    assert_eq!(s.send("POST", "/api/tables", t, table).status, 201);
    let long_tag = format!(r#"{{"tag":"{}"}}"#, "y".repeat(srdb::MAX_KEY_BYTES + 1));
    let err = s.send("POST", "/api/tables/tags/rows", t, &long_tag).assert_error(400);
    assert!(err["error"].as_str().unwrap().contains("tag"), "{err}");
    assert_eq!(s.db.table("tags").unwrap().row_count().unwrap(), 0);
    // The server still takes rows within the limits.
    assert_eq!(s.send("POST", "/api/tables/people/rows", t, &row(10)).status, 201);
}

//! The JSON API under `/api`: tables, schemas, rows, queries, storage
//! statistics and the key-value store. Every error is a JSON object
//! `{"error": message, "status": code}`, with `"position"` (a byte offset
//! in the query text) for a query that does not parse.

use std::collections::HashMap;
use std::ops::Bound;

use serde_json::{json, Value as Json};
use srdb::{DbError, Direction, Expr, Row, Table};
use srdb_schema::UnknownFields;

use crate::http::{Request, Response};
use crate::server::Shared;
use crate::stats;

/// An error answered to the client.
#[derive(Debug)]
pub(crate) struct ApiError {
    pub status: u16,
    pub message: String,
    /// Byte offset in the query text, for a parse error.
    pub position: Option<usize>,
}

impl ApiError {
    pub fn new(status: u16, message: impl Into<String>) -> ApiError {
        ApiError { status, message: message.into(), position: None }
    }

    pub fn bad_request(message: impl Into<String>) -> ApiError {
        ApiError::new(400, message)
    }

    pub fn response(&self) -> Response {
        let mut body = json!({ "error": self.message, "status": self.status });
        if let Some(position) = self.position {
            body["position"] = json!(position);
        }
        let response = Response::json(self.status, &body);
        if self.status == 401 {
            response.with_header("www-authenticate", "Bearer")
        } else {
            response
        }
    }
}

/// The status of an engine error: a key, value or batch over the engine's
/// limits is the request's fault (413), a database that refuses writes
/// after a failure or is closing is unavailable (503), a keyspace dropped
/// under the request is gone (404); the rest (I/O, corruption) are the
/// server's (500).
fn engine_status(e: &srdb::Error) -> u16 {
    match e {
        srdb::Error::KeyTooLarge { .. }
        | srdb::Error::ValueTooLarge { .. }
        | srdb::Error::BatchTooLarge { .. } => 413,
        srdb::Error::ReadOnly { .. } | srdb::Error::Closed => 503,
        srdb::Error::KeyspaceDropped { .. } => 404,
        _ => 500,
    }
}

impl From<DbError> for ApiError {
    fn from(e: DbError) -> ApiError {
        let status = match &e {
            DbError::Engine(engine) => engine_status(engine),
            DbError::TableNotFound { .. } | DbError::TableDropped { .. } => 404,
            DbError::TableExists { .. } | DbError::UniqueViolation { .. } => 409,
            DbError::Schema { source: srdb::SchemaError::RowTooLarge { .. }, .. } => 413,
            DbError::Schema { .. }
            | DbError::Index { .. }
            | DbError::InvalidTableName { .. }
            | DbError::ReservedField { .. }
            | DbError::FieldNotFound { .. }
            | DbError::IndexOperation { .. }
            | DbError::Query { .. }
            | DbError::Serde { .. } => 400,
            // Damaged tables, rows or catalogue entries: the server's data.
            _ => 500,
        };
        let position = match &e {
            DbError::Query { source, .. } => match source.as_ref() {
                srdb_query::QueryError::Parse(p) => Some(p.position),
                _ => None,
            },
            _ => None,
        };
        ApiError { status, message: e.to_string(), position }
    }
}

impl From<srdb::Error> for ApiError {
    fn from(e: srdb::Error) -> ApiError {
        ApiError::new(engine_status(&e), e.to_string())
    }
}

/// The JSON error response of `status`.
pub(crate) fn error_response(status: u16, message: &str) -> Response {
    ApiError::new(status, message).response()
}

pub(crate) type ApiResult = Result<Response, ApiError>;

/// Whether `a` and `b` are equal, in a time that depends only on their
/// lengths, so that a wrong token's time tells nothing of the right one.
pub(crate) fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    let mut diff = u8::from(a.len() != b.len());
    for i in 0..a.len().max(b.len()) {
        let x = a.get(i).copied().unwrap_or(0);
        let y = b.get(i).copied().unwrap_or(0);
        diff |= std::hint::black_box(x ^ y);
    }
    diff == 0
}

/// Lets a write through only with the configured token: 403 when none is
/// configured (the API is read-only), 401 when the request has none, 403
/// when it is wrong.
pub(crate) fn authorize_write(shared: &Shared, request: &Request) -> Result<(), ApiError> {
    let Some(token) = &shared.config.token else {
        return Err(ApiError::new(
            403,
            "the API is read-only: writes need the server started with --http-token",
        ));
    };
    let presented = request
        .header("authorization")
        .and_then(|v| v.strip_prefix("Bearer ").or_else(|| v.strip_prefix("bearer ")))
        .map(str::trim);
    match presented {
        None => {
            Err(ApiError::new(401, "this write needs the header `Authorization: Bearer <token>`"))
        }
        Some(p) if constant_time_eq(p.as_bytes(), token.as_bytes()) => Ok(()),
        Some(_) => Err(ApiError::new(403, "the token is wrong")),
    }
}

fn body_json(request: &Request) -> Result<Json, ApiError> {
    serde_json::from_slice(&request.body)
        .map_err(|e| ApiError::bad_request(format!("the body is not valid JSON: {e}")))
}

/// Parses an unsigned number parameter.
pub(crate) fn u64_param(request: &Request, name: &str) -> Result<Option<u64>, ApiError> {
    request
        .param(name)
        .map(|text| {
            text.parse::<u64>().map_err(|_| {
                ApiError::bad_request(format!(
                    "the parameter `{name}` must be a non-negative integer, not {text:?}"
                ))
            })
        })
        .transpose()
}

/// Checks a page size against the limit.
pub(crate) fn check_page_rows(shared: &Shared, rows: u64, name: &str) -> Result<u64, ApiError> {
    let max = shared.config.max_page_rows;
    if rows == 0 || rows > max {
        return Err(ApiError::bad_request(format!(
            "`{name}` must be between 1 and {max}, not {rows}"
        )));
    }
    Ok(rows)
}

/// `GET /api/tables`.
pub(crate) fn list_tables(shared: &Shared) -> ApiResult {
    let engine = shared.db.engine().stats();
    let keyspace_bytes = stats::keyspace_bytes(&engine);
    let mut tables = Vec::new();
    for name in shared.db.tables() {
        let table = shared.db.table(&name)?;
        tables.push(table_summary(&table, &keyspace_bytes)?);
    }
    let damaged: Vec<Json> = shared
        .db
        .damaged_tables()
        .into_iter()
        .map(|(name, reason)| json!({ "name": name, "reason": reason }))
        .collect();
    Ok(Response::json(200, &json!({ "tables": tables, "damaged": damaged })))
}

/// The summary of a table in the table list, with the bytes of each
/// keyspace from [`stats::keyspace_bytes`].
pub(crate) fn table_summary(
    table: &Table,
    keyspace_bytes: &HashMap<&str, u64>,
) -> Result<Json, ApiError> {
    let size = stats::table_size(table, keyspace_bytes)?;
    Ok(json!({
        "name": table.name(),
        "rows": size.rows,
        "bytes": size.bytes,
        "fields": table.schema().fields().len(),
        "indexes": size.indexes,
    }))
}

/// `GET /api/tables/{table}`: the schema and indexes.
pub(crate) fn schema(shared: &Shared, name: &str) -> ApiResult {
    let table = shared.db.table(name)?;
    let mut doc: Json = serde_json::from_str(&table.schema().to_json())
        .map_err(|e| ApiError::new(500, format!("the schema does not serialise: {e}")))?;
    let indexes: Vec<Json> = table
        .list_indexes()?
        .into_iter()
        .map(|i| json!({ "field": i.field, "unique": i.unique, "state": index_state(i.state) }))
        .collect();
    if let Json::Object(members) = &mut doc {
        members.remove("srdb_schema");
        members.remove("checksum");
        members.insert("name".into(), json!(name));
        members.insert("caller_time".into(), json!(table.options().caller_time));
        members.insert("indexes".into(), json!(indexes));
    }
    Ok(Response::json(200, &doc))
}

pub(crate) fn index_state(state: srdb::IndexState) -> &'static str {
    match state {
        srdb::IndexState::Ready => "ready",
        srdb::IndexState::Building => "building",
    }
}

/// `POST /api/tables`: `{"name": "...", "fields": [...]}` with fields as in
/// `schema.json`.
pub(crate) fn create_table(shared: &Shared, request: &Request) -> ApiResult {
    let body = body_json(request)?;
    let name = body
        .get("name")
        .and_then(Json::as_str)
        .ok_or_else(|| ApiError::bad_request("the body needs a string member `name`"))?;
    let fields = body
        .get("fields")
        .filter(|f| f.is_array())
        .ok_or_else(|| ApiError::bad_request("the body needs an array member `fields`"))?;
    let doc = json!({ "srdb_schema": 1, "version": 1, "fields": fields });
    let schema = srdb::Schema::from_json_unverified(&doc.to_string())
        .map_err(|e| ApiError::bad_request(format!("the schema is refused: {e}")))?;
    let caller_time = body.get("caller_time").and_then(Json::as_bool).unwrap_or(false);
    let options = srdb::TableOptions::default().caller_time(caller_time);
    let table = shared.db.create_table_with(name, schema, options)?;
    let engine = shared.db.engine().stats();
    Ok(Response::json(201, &table_summary(&table, &stats::keyspace_bytes(&engine))?))
}

/// Parameters of a rows request, settled.
pub(crate) struct RowsRequest {
    pub limit: u64,
    pub offset: u64,
    pub after: Option<u64>,
    pub fields: Option<Vec<String>>,
    pub text: Option<String>,
    pub total: bool,
}

impl RowsRequest {
    pub fn from_request(shared: &Shared, request: &Request) -> Result<RowsRequest, ApiError> {
        let limit = u64_param(request, "limit")?;
        let limit = match limit {
            Some(l) => Some(check_page_rows(shared, l, "limit")?),
            None => None,
        };
        let fields = request.param("fields").map(|f| {
            f.split(',').map(str::trim).filter(|s| !s.is_empty()).map(str::to_owned).collect()
        });
        Ok(RowsRequest {
            limit: limit.unwrap_or(0),
            offset: u64_param(request, "offset")?.unwrap_or(0),
            after: u64_param(request, "after")?,
            fields,
            text: request.param("q").map(str::to_owned),
            total: matches!(request.param("total"), Some("1" | "true")),
        })
    }
}

/// `GET /api/tables/{table}/rows`: a page of rows, by `offset` or after a
/// `_seq` cursor, optionally filtered by a query in the text syntax and
/// projected to `fields`.
pub(crate) fn rows(shared: &Shared, name: &str, request: &Request) -> ApiResult {
    let table = shared.db.table(name)?;
    let params = RowsRequest::from_request(shared, request)?;
    let mut query = match &params.text {
        Some(text) => table.query_text(text)?,
        None => table.query(),
    };
    let in_seq_order = match &query.query().order_by {
        None => true,
        Some((field, direction)) => field == "_seq" && *direction == Direction::Asc,
    };
    // The page size: the parameter, else the query's LIMIT, else the
    // default; never above the limit.
    let limit = if params.limit > 0 {
        params.limit
    } else {
        match query.query().limit {
            Some(l) => l.clamp(1, shared.config.max_page_rows),
            None => crate::config::DEFAULT_PAGE_ROWS.min(shared.config.max_page_rows),
        }
    };
    if let Some(after) = params.after {
        if !in_seq_order {
            return Err(ApiError::bad_request(
                "the `after` cursor pages rows in _seq order; the query orders them otherwise",
            ));
        }
        query = query.filter(Expr::field("_seq").gt(after));
    }
    if request.param("offset").is_some() || params.after.is_some() {
        query = query.offset(params.offset);
    }
    let total =
        if params.total { Some(query.clone().offset(0).limit(u64::MAX).count()?) } else { None };
    let mut stripped_seq = false;
    if let Some(fields) = &params.fields {
        let mut fields = fields.clone();
        if in_seq_order && !fields.iter().any(|f| f == "_seq") {
            fields.push("_seq".to_owned());
            stripped_seq = true;
        }
        query = query.select(fields);
    }
    let rows = query.limit(limit).all()?;
    let next_after = match rows.last() {
        Some(last) if in_seq_order && rows.len() as u64 == limit => {
            last.get("_seq").and_then(|v| v.as_u64())
        }
        _ => None,
    };
    let rows: Vec<Json> = rows
        .into_iter()
        .map(|mut row| {
            if stripped_seq {
                row.remove("_seq");
            }
            row.to_json()
        })
        .collect();
    let mut body = json!({
        "table": name,
        "rows": rows,
        "limit": limit,
        "next_after": next_after,
    });
    if let Some(total) = total {
        body["total"] = json!(total);
    }
    Ok(Response::json(200, &body))
}

/// `GET /api/tables/{table}/explain?q=...`: the plan of a query.
pub(crate) fn explain(shared: &Shared, name: &str, request: &Request) -> ApiResult {
    let table = shared.db.table(name)?;
    let text = request.param("q").unwrap_or("");
    let query = table.query_text(text)?;
    Ok(Response::json(200, &json!({ "table": name, "query": text, "plan": query.explain()? })))
}

/// Parses a `_seq` path segment.
pub(crate) fn parse_seq(text: &str) -> Result<u64, ApiError> {
    text.parse().map_err(|_| ApiError::bad_request(format!("{text:?} is not a _seq number")))
}

/// `GET /api/tables/{table}/rows/{seq}`.
pub(crate) fn row(shared: &Shared, name: &str, seq: &str, request: &Request) -> ApiResult {
    let table = shared.db.table(name)?;
    let seq = parse_seq(seq)?;
    let row = match request.param("fields") {
        Some(fields) => {
            let names: Vec<&str> = fields.split(',').map(str::trim).collect();
            table.get_fields(seq, &names)?
        }
        None => table.get(seq)?,
    };
    match row {
        Some(row) => Ok(Response::json(200, &row.to_json())),
        None => Err(ApiError::new(404, format!("the table `{name}` has no row with _seq {seq}"))),
    }
}

/// `POST /api/tables/{table}/rows`: one JSON object or an array of them,
/// inserted as one atomic batch.
pub(crate) fn insert(shared: &Shared, name: &str, request: &Request) -> ApiResult {
    let table = shared.db.table(name)?;
    let body = body_json(request)?;
    let objects = match body {
        Json::Array(items) => items,
        object @ Json::Object(_) => vec![object],
        _ => {
            return Err(ApiError::bad_request("the body must be a row object or an array of them"))
        }
    };
    let schema = table.schema();
    let rows = objects
        .iter()
        .enumerate()
        .map(|(i, object)| {
            schema.row_from_json(object, UnknownFields::Reject).map_err(|e| {
                let status = match e {
                    srdb::SchemaError::RowTooLarge { .. } => 413,
                    _ => 400,
                };
                ApiError::new(status, format!("row {i} of the body is refused: {e}"))
            })
        })
        .collect::<Result<Vec<Row>, _>>()?;
    let count = rows.len();
    let seqs = table.insert_batch(rows)?;
    let seqs: Vec<u64> = seqs.collect();
    Ok(Response::json(201, &json!({ "table": name, "inserted": count, "seqs": seqs })))
}

/// `DELETE /api/tables/{table}/rows/{seq}`.
pub(crate) fn delete(shared: &Shared, name: &str, seq: &str) -> ApiResult {
    let table = shared.db.table(name)?;
    let seq = parse_seq(seq)?;
    if table.delete(seq)? {
        Ok(Response::json(200, &json!({ "table": name, "deleted": seq })))
    } else {
        Err(ApiError::new(404, format!("the table `{name}` has no row with _seq {seq}")))
    }
}

/// `POST /api/tables/{table}/indexes`: `{"field": "..."}`; fills the index
/// from the existing rows before answering.
pub(crate) fn create_index(shared: &Shared, name: &str, request: &Request) -> ApiResult {
    let table = shared.db.table(name)?;
    let body = body_json(request)?;
    let field = body
        .get("field")
        .and_then(Json::as_str)
        .ok_or_else(|| ApiError::bad_request("the body needs a string member `field`"))?;
    table.create_index(field)?;
    Ok(Response::json(201, &json!({ "table": name, "field": field, "state": "ready" })))
}

/// `GET /api/stats`.
pub(crate) fn storage_stats(shared: &Shared) -> ApiResult {
    let owners = stats::owners(&shared.db);
    Ok(Response::json(200, &stats::to_json(&shared.db.engine().stats(), &owners)))
}

/// One page of a key scan.
pub(crate) struct KeyPage {
    pub keys: Vec<Vec<u8>>,
    /// The last key examined, when the scan may go on.
    pub next_after: Option<Vec<u8>>,
}

/// Keys matching the glob `pattern` after `after`: at most `count` of
/// them, examining at most [`crate::config::MAX_SCAN_EXAMINED_KEYS`] keys.
/// Seeks to the pattern's literal prefix, as SCAN does.
pub(crate) fn scan_keys(
    shared: &Shared,
    pattern: &str,
    after: Option<Vec<u8>>,
    count: usize,
) -> Result<KeyPage, ApiError> {
    use srdb::glob;
    let pattern = pattern.as_bytes();
    let prefix = glob::literal_prefix(pattern);
    let start = match after {
        Some(last) if last.as_slice() >= prefix => Bound::Excluded(last),
        _ => Bound::Included(prefix.to_vec()),
    };
    let mut it = shared.kv.range((start, Bound::<Vec<u8>>::Unbounded));
    let mut keys = Vec::new();
    let mut last = None;
    for _ in 0..crate::config::MAX_SCAN_EXAMINED_KEYS {
        match it.next_key()? {
            Some(key) if key.starts_with(prefix) => {
                if glob::matches(pattern, &key) {
                    keys.push(key.clone());
                }
                last = Some(key);
                if keys.len() == count {
                    break;
                }
            }
            _ => {
                last = None;
                break;
            }
        }
    }
    Ok(KeyPage { keys, next_after: last })
}

/// Hex of bytes, for key cursors.
pub(crate) fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Bytes of hex text.
pub(crate) fn unhex(text: &str) -> Result<Vec<u8>, ApiError> {
    let bad = || ApiError::bad_request(format!("{text:?} is not hexadecimal"));
    if !text.len().is_multiple_of(2) {
        return Err(bad());
    }
    (0..text.len())
        .step_by(2)
        .map(|i| text.get(i..i + 2).and_then(|h| u8::from_str_radix(h, 16).ok()).ok_or_else(bad))
        .collect()
}

/// The key a request names: `key` (text) or `key_hex`.
pub(crate) fn key_param(request: &Request) -> Result<Vec<u8>, ApiError> {
    match (request.param("key"), request.param("key_hex")) {
        (Some(key), None) => Ok(key.as_bytes().to_vec()),
        (None, Some(h)) => unhex(h),
        _ => Err(ApiError::bad_request("give the key as one of `key` or `key_hex`")),
    }
}

/// `GET /api/kv?pattern=*&count=100&after=<hex>`.
pub(crate) fn kv_scan(shared: &Shared, request: &Request) -> ApiResult {
    let pattern = request.param("pattern").unwrap_or("*");
    let count = u64_param(request, "count")?.unwrap_or(crate::config::DEFAULT_PAGE_ROWS);
    let count = check_page_rows(shared, count, "count")? as usize;
    let after = request.param("after").map(unhex).transpose()?;
    let page = scan_keys(shared, pattern, after, count)?;
    let keys: Vec<Json> = page.keys.iter().map(|k| key_json(k)).collect();
    Ok(Response::json(
        200,
        &json!({ "pattern": pattern, "keys": keys, "next_after": page.next_after.map(|k| hex(&k)) }),
    ))
}

fn key_json(key: &[u8]) -> Json {
    match std::str::from_utf8(key) {
        Ok(text) => json!({ "key": text, "key_hex": hex(key) }),
        Err(_) => json!({ "key": null, "key_hex": hex(key) }),
    }
}

/// `GET /api/kv/value?key=...` (or `key_hex`).
pub(crate) fn kv_value(shared: &Shared, request: &Request) -> ApiResult {
    let key = key_param(request)?;
    let Some(entry) = shared.kv.get_entry(&key)? else {
        return Err(ApiError::new(404, "no such key"));
    };
    let mut body = key_json(&key);
    match std::str::from_utf8(&entry.value) {
        Ok(text) => body["value"] = json!(text),
        Err(_) => body["value_hex"] = json!(hex(&entry.value)),
    }
    body["bytes"] = json!(entry.value.len());
    body["expire_at_ms"] = json!(entry.expire_at_ms);
    Ok(Response::json(200, &body))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn token_comparison_needs_equal_bytes_and_lengths() {
        assert!(constant_time_eq(b"secret", b"secret"));
        assert!(!constant_time_eq(b"secret", b"secreT"));
        assert!(!constant_time_eq(b"secret", b"secret2"));
        assert!(!constant_time_eq(b"", b"x"));
        assert!(constant_time_eq(b"", b""));
    }

    #[test]
    fn hex_round_trips_and_refuses_odd_or_foreign_text() {
        assert_eq!(unhex(&hex(b"\x00a\xff")).unwrap(), b"\x00a\xff");
        assert!(unhex("abc").is_err());
        assert!(unhex("zz").is_err());
    }
}

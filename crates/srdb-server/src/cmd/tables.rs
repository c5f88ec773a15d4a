//! Table commands: `TABLE.CREATE`, `TABLE.DROP`, `TABLE.LIST`,
//! `TABLE.SCHEMA`, `TABLE.INSERT`, `TABLE.GET`, `TABLE.DEL`, `TABLE.QUERY`,
//! `TABLE.COUNT` and `TABLE.INDEX CREATE / DROP / LIST`, over the tables of
//! the server's [`srdb::Database`].
//!
//! Rows enter as JSON objects, converted field by field with the table's
//! schema (`Schema::row_from_json`, the mapping of `docs/guide/schema.md`),
//! and leave as RESP maps (flat arrays of field and value in RESP2) of
//! `_seq`, `_time` and the fields, each value in the RESP type of
//! [`value`]. A query's reply is bounded twice: by
//! [`MAX_QUERY_ROWS`] rows and by the client's `max_reply_bytes`, checked
//! after each row as it is encoded, so an oversized result costs at most
//! the limit in memory before it is refused.

use srdb::{
    DbError, FieldType, IndexInfo, IndexState, Row, Schema, SchemaError, Table, UnknownFields,
    Value,
};

use super::{is, shown, CmdResult, Ctx, ErrReply};
use crate::limits::MAX_QUERY_ROWS;
use crate::resp::{Args, Reply};

impl From<DbError> for ErrReply {
    fn from(e: DbError) -> Self {
        match e {
            DbError::TableNotFound { name } => {
                ErrReply(format!("ERR no such table '{name}'").into())
            }
            DbError::TableExists { name } => {
                ErrReply(format!("ERR table '{name}' already exists").into())
            }
            DbError::Engine(e) => ErrReply::from(e),
            other => ErrReply(format!("ERR {other}").into()),
        }
    }
}

/// An argument that must be UTF-8 text (a name, a query), or an error
/// saying which.
fn text<'a>(arg: &'a [u8], what: &str) -> Result<&'a str, ErrReply> {
    std::str::from_utf8(arg)
        .map_err(|_| ErrReply(format!("ERR the {what} '{}' is not valid UTF-8", shown(arg)).into()))
}

/// The table named by `arg`.
fn table(ctx: &Ctx<'_>, arg: &[u8]) -> Result<Table, ErrReply> {
    match std::str::from_utf8(arg) {
        Ok(name) => Ok(ctx.srv.db.table(name)?),
        Err(_) => Err(ErrReply(format!("ERR no such table '{}'", shown(arg)).into())),
    }
}

/// A `_seq` argument: decimal digits within u64.
fn seq_arg(arg: &[u8]) -> Result<u64, ErrReply> {
    std::str::from_utf8(arg)
        .ok()
        .filter(|s| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit()))
        .and_then(|s| s.parse::<u64>().ok())
        .ok_or(ErrReply::NOT_INTEGER)
}

/// A JSON argument, or an error naming what it should have been.
fn json(arg: &[u8], what: &str) -> Result<serde_json::Value, ErrReply> {
    serde_json::from_slice(arg)
        .map_err(|e| ErrReply(format!("ERR the {what} is not valid JSON: {e}").into()))
}

/// `TABLE.CREATE name schema-json`: a `schema.json` document. One with a
/// `checksum` must match it (a file written by srdb and not edited); one
/// without is taken as written by hand.
pub(super) fn create(ctx: &mut Ctx<'_>, args: Args<'_>) -> CmdResult {
    let name = text(args.get(1), "table name")?;
    let doc = json(args.get(2), "schema")?;
    let source = text(args.get(2), "schema")?;
    let schema = if doc.get("checksum").is_some() {
        Schema::from_json(source)
    } else {
        Schema::from_json_unverified(source)
    }
    .map_err(|e| ErrReply(format!("ERR invalid schema: {e}").into()))?;
    ctx.srv.db.create_table(name, schema)?;
    ctx.out.ok();
    Ok(())
}

/// `TABLE.DROP name`.
pub(super) fn drop(ctx: &mut Ctx<'_>, args: Args<'_>) -> CmdResult {
    let name = text(args.get(1), "table name")?;
    ctx.srv.db.drop_table(name)?;
    ctx.out.ok();
    Ok(())
}

/// `TABLE.LIST`: the names of the usable tables, sorted.
pub(super) fn list(ctx: &mut Ctx<'_>, _args: Args<'_>) -> CmdResult {
    let names = ctx.srv.db.tables();
    ctx.out.array(names.len());
    names.iter().for_each(|n| ctx.out.bulk(n.as_bytes()));
    Ok(())
}

/// `TABLE.SCHEMA name`: the table's `schema.json`, with its checksum, as
/// `TABLE.CREATE` takes it.
pub(super) fn schema(ctx: &mut Ctx<'_>, args: Args<'_>) -> CmdResult {
    let schema = table(ctx, args.get(1))?.schema();
    ctx.out.bulk(schema.to_json().as_bytes());
    Ok(())
}

/// `TABLE.INSERT name json-row`: the new row's `_seq`.
pub(super) fn insert(ctx: &mut Ctx<'_>, args: Args<'_>) -> CmdResult {
    let table = table(ctx, args.get(1))?;
    let serde_json::Value::Object(mut members) = json(args.get(2), "row")? else {
        return Err(ErrReply::msg("ERR the row must be a JSON object of field names and values"));
    };
    let schema_error =
        |source| ErrReply::from(DbError::Schema { table: table.name().to_owned(), source });
    // `_seq` and `_time` are not schema fields: they go to the table as
    // values, which refuses `_seq` and takes `_time` only from tables that
    // accept the caller's time, each with its own error.
    let reserved: Vec<_> = [("_seq", FieldType::Uint64), ("_time", FieldType::Time)]
        .into_iter()
        .filter_map(|(name, ty)| members.remove(name).map(|json| (name, ty, json)))
        .collect();
    let mut row = table
        .schema()
        .row_from_json(&serde_json::Value::Object(members), UnknownFields::Reject)
        .map_err(|e| match e {
            SchemaError::UnknownField { field } => ErrReply(
                format!(
                    "ERR Table `{}`: The field `{field}` is not defined by the schema.",
                    table.name()
                )
                .into(),
            ),
            other => schema_error(other),
        })?;
    for (name, ty, json) in reserved {
        row.insert(name, Value::from_json(&json, ty, name).map_err(schema_error)?);
    }
    let seq = table.insert(row)?;
    uint(ctx.out, seq);
    Ok(())
}

/// `TABLE.GET name seq [field ...]`: the row as a map, or nil.
pub(super) fn get(ctx: &mut Ctx<'_>, args: Args<'_>) -> CmdResult {
    let table = table(ctx, args.get(1))?;
    let seq = seq_arg(args.get(2))?;
    let row = if args.len() > 3 {
        let names: Vec<&str> =
            args.iter_from(3).map(|a| text(a, "field name")).collect::<Result<_, _>>()?;
        table.get_fields(seq, &names)?
    } else {
        table.get(seq)?
    };
    match row {
        Some(row) => write_row(ctx.out, &row),
        None => ctx.out.null(),
    }
    Ok(())
}

/// `TABLE.DEL name seq`: 1 if the row existed, else 0.
pub(super) fn del(ctx: &mut Ctx<'_>, args: Args<'_>) -> CmdResult {
    let table = table(ctx, args.get(1))?;
    let seq = seq_arg(args.get(2))?;
    ctx.out.int(i64::from(table.delete(seq)?));
    Ok(())
}

/// `TABLE.QUERY name ['query text']`: the matching rows, each a map.
pub(super) fn query(ctx: &mut Ctx<'_>, args: Args<'_>) -> CmdResult {
    let table = table(ctx, args.get(1))?;
    let mut query = match args.len() {
        2 => table.query(),
        3 => table.query_text(text(args.get(2), "query")?)?,
        _ => return Err(ErrReply::wrong_args("table.query")),
    };
    // One row over the cap tells a result that fits from one that does not,
    // and keeps a sort by a field without an index to a bounded heap.
    if query.query().limit.is_none_or(|limit| limit > MAX_QUERY_ROWS) {
        query = query.limit(MAX_QUERY_ROWS + 1);
    }
    let max_bytes = ctx.srv.config.max_reply_bytes;
    let start = ctx.out.len();
    let mut rows = 0u64;
    for row in query.rows()? {
        let row = row?;
        if rows == MAX_QUERY_ROWS {
            return Err(ErrReply(
                format!(
                    "ERR the query returns more than {MAX_QUERY_ROWS} rows, the most one reply \
                     holds; page through them with LIMIT and OFFSET"
                )
                .into(),
            ));
        }
        write_row(ctx.out, &row);
        rows += 1;
        if ctx.out.len() - start > max_bytes {
            return Err(ErrReply(
                format!(
                    "ERR the reply to 'table.query' exceeds the output buffer limit of \
                     {max_bytes} bytes; page through the rows with LIMIT and OFFSET"
                )
                .into(),
            ));
        }
    }
    ctx.out.array_header_at(start, rows as usize);
    Ok(())
}

/// `TABLE.COUNT name ['query text']`: the number of rows the query
/// returns (all rows without one).
pub(super) fn count(ctx: &mut Ctx<'_>, args: Args<'_>) -> CmdResult {
    let table = table(ctx, args.get(1))?;
    let n = match args.len() {
        2 => table.row_count()?,
        3 => table.query_text(text(args.get(2), "query")?)?.count()?,
        _ => return Err(ErrReply::wrong_args("table.count")),
    };
    uint(ctx.out, n);
    Ok(())
}

/// `TABLE.INDEX CREATE name field`, `TABLE.INDEX DROP name field`,
/// `TABLE.INDEX LIST name`, `TABLE.INDEX HELP`.
pub(super) fn index(ctx: &mut Ctx<'_>, args: Args<'_>) -> CmdResult {
    let sub = args.get(1);
    let arity = |n: usize, name: &str| {
        if args.len() == n {
            Ok(())
        } else {
            Err(ErrReply::wrong_args(&format!("table.index|{name}")))
        }
    };
    if is(sub, "CREATE") {
        arity(4, "create")?;
        let table = table(ctx, args.get(2))?;
        // Fills the index with the rows already stored before it answers;
        // inserts from other connections go on meanwhile.
        table.create_index(text(args.get(3), "field name")?)?;
        ctx.out.ok();
    } else if is(sub, "DROP") {
        arity(4, "drop")?;
        let table = table(ctx, args.get(2))?;
        table.drop_index(text(args.get(3), "field name")?)?;
        ctx.out.ok();
    } else if is(sub, "LIST") {
        arity(3, "list")?;
        let indexes = table(ctx, args.get(2))?.list_indexes()?;
        ctx.out.array(indexes.len());
        indexes.iter().for_each(|i| write_index(ctx.out, i));
    } else if is(sub, "HELP") {
        arity(2, "help")?;
        let lines = [
            "TABLE.INDEX <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
            "CREATE <table> <field>",
            "    Create an index on the field and fill it with the rows already stored.",
            "DROP <table> <field>",
            "    Drop the index on the field (not the index of a unique field).",
            "LIST <table>",
            "    Return the table's indexes: field, unique, state (ready or building).",
            "HELP",
            "    Print this help.",
        ];
        ctx.out.array(lines.len());
        lines.iter().for_each(|l| ctx.out.simple(l));
    } else {
        return Err(ErrReply(
            format!("ERR unknown subcommand '{}'. Try TABLE.INDEX HELP.", shown(sub)).into(),
        ));
    }
    Ok(())
}

fn write_index(out: &mut Reply, index: &IndexInfo) {
    out.map(3);
    out.bulk(b"field");
    out.bulk(index.field.as_bytes());
    out.bulk(b"unique");
    out.boolean(index.unique);
    out.bulk(b"state");
    out.bulk(match index.state {
        IndexState::Ready => b"ready",
        IndexState::Building => b"building",
    });
}

/// A row as a map of field name to value, in the row's order (`_seq`,
/// `_time`, then the fields in schema order, or the selected fields).
fn write_row(out: &mut Reply, row: &Row) {
    out.map(row.len());
    for (name, v) in row.iter() {
        out.bulk(name.as_bytes());
        value(out, v);
    }
}

/// An unsigned number: an integer reply when it fits one (RESP integers
/// are signed 64-bit), else its decimal text as a bulk string.
fn uint(out: &mut Reply, n: u64) {
    match i64::try_from(n) {
        Ok(i) => out.int(i),
        Err(_) => out.bulk(n.to_string().as_bytes()),
    }
}

/// One value in its RESP type (the table in `docs/guide/server.md`):
///
/// | value | RESP3 | RESP2 |
/// | --- | --- | --- |
/// | NULL | null `_` | nil `$-1` |
/// | integers, `byte`, `duration` (ns) | integer | integer |
/// | `uint64` above 2^63 - 1 | bulk string of digits | the same |
/// | `float32`, `float64` | double | bulk string (the same text) |
/// | `bool` | boolean | integer 1 or 0 |
/// | `decimal` | bulk string, exact, scale kept | the same |
/// | `time` | bulk string, RFC 3339 in UTC with as many fraction digits as needed | the same |
/// | `string`, `rune` | bulk string (UTF-8) | the same |
/// | `bytes` | bulk string of the raw bytes | the same |
/// | `object`, `array` | bulk string of compact JSON | the same |
fn value(out: &mut Reply, v: &Value) {
    match v {
        Value::Null => out.null(),
        Value::Int(n) | Value::Duration(n) => out.int(*n),
        Value::Uint(n) => uint(out, *n),
        Value::Byte(n) => out.int(i64::from(*n)),
        // The f64 nearest the f32's shortest decimal form prints as that
        // form (0.1, not 0.10000000149011612) and reads back as the f32.
        Value::Float32(x) => out.double(x.to_string().parse().unwrap_or(f64::from(*x))),
        Value::Float64(x) => out.double(*x),
        Value::Bool(b) => out.boolean(*b),
        Value::String(s) => out.bulk(s.as_bytes()),
        Value::Rune(c) => out.bulk(c.encode_utf8(&mut [0u8; 4]).as_bytes()),
        Value::Bytes(b) => out.bulk(b),
        Value::Decimal(d) => out.bulk(d.to_string().as_bytes()),
        Value::Time(ns) => match v.to_json() {
            serde_json::Value::String(s) => out.bulk(s.as_bytes()),
            // Every i64 of nanoseconds is a formattable time; kept in
            // case that ever changes, as the exact number.
            _ => out.int(*ns),
        },
        Value::Object(_) | Value::Array(_) => out.bulk(v.to_json().to_string().as_bytes()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn encoded_bytes(resp3: bool, v: &Value) -> Vec<u8> {
        let mut out = Reply::new();
        out.set_resp3(resp3);
        value(&mut out, v);
        out.bytes().to_vec()
    }

    fn encoded(resp3: bool, v: &Value) -> String {
        String::from_utf8(encoded_bytes(resp3, v)).unwrap()
    }

    #[test]
    fn values_take_their_resp_types() {
        assert_eq!(encoded(true, &Value::Null), "_\r\n");
        assert_eq!(encoded(false, &Value::Null), "$-1\r\n");
        assert_eq!(encoded(false, &Value::Int(-5)), ":-5\r\n");
        assert_eq!(encoded(false, &Value::Uint(u64::MAX)), "$20\r\n18446744073709551615\r\n");
        assert_eq!(encoded(true, &Value::Float64(1.5)), ",1.5\r\n");
        assert_eq!(encoded(false, &Value::Float64(1.5)), "$3\r\n1.5\r\n");
        assert_eq!(encoded(true, &Value::Float32(0.1)), ",0.1\r\n");
        assert_eq!(encoded(true, &Value::Float64(f64::NAN)), ",nan\r\n");
        assert_eq!(encoded(true, &Value::Bool(true)), "#t\r\n");
        assert_eq!(encoded(false, &Value::Bool(false)), ":0\r\n");
        assert_eq!(encoded(false, &Value::Rune('é')), "$2\r\né\r\n");
        assert_eq!(encoded_bytes(false, &Value::Bytes(vec![0, 255])), b"$2\r\n\x00\xff\r\n");
        assert_eq!(
            encoded(false, &Value::Decimal("-12.3400".parse().unwrap())),
            "$8\r\n-12.3400\r\n"
        );
        assert_eq!(
            encoded(false, &Value::Time(1_700_000_000_123_000_000)),
            "$24\r\n2023-11-14T22:13:20.123Z\r\n"
        );
        assert_eq!(encoded(false, &Value::Duration(1_500)), ":1500\r\n");
        let array = Value::Array(vec![serde_json::json!(1), serde_json::json!("a")]);
        assert_eq!(encoded(true, &array), "$7\r\n[1,\"a\"]\r\n");
    }

    #[test]
    fn seq_arguments_are_plain_digits() {
        assert_eq!(seq_arg(b"0").unwrap(), 0);
        assert_eq!(seq_arg(b"18446744073709551615").unwrap(), u64::MAX);
        for bad in [&b""[..], b"-1", b"+1", b" 1", b"1.0", b"18446744073709551616"] {
            assert!(seq_arg(bad).is_err(), "{:?}", String::from_utf8_lossy(bad));
        }
    }
}

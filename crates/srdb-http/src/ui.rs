//! The Web UI: server-rendered pages that work without JavaScript, with
//! htmx swapping only the part of a page that changes (rows, query results,
//! the storage view every two seconds, key lists) when it is there.
//!
//! Every page is a full document for a plain request; a request from htmx
//! (`HX-Request: true`) gets only the fragment it targets. All text is
//! escaped by maud; nothing here writes unescaped markup except the fixed
//! strings of this file.

use maud::{html, Markup, DOCTYPE};
use srdb::{Table, Value};

use crate::api::{self, ApiError};
use crate::assets;
use crate::http::{Request, Response};
use crate::server::Shared;
use crate::stats::{self, hit_rate, FileView, KeyEncoding, Owner, ShownKey};

/// Values longer than this many characters are cut in the rows table, with
/// the whole value a click away.
const CELL_CHARS_MAX: usize = 64;

/// The page sizes offered (those above the server's limit are left out).
const PAGE_SIZES: [u64; 5] = [10, 25, 50, 100, 500];

/// The cookie that holds a chosen theme.
const THEME_COOKIE: &str = "srdb_theme";

/// A path segment percent-encoded (everything but unreserved characters).
fn seg(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for b in text.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// `path?k=v&...` with the values encoded; empty values are left out.
fn url(path: &str, params: &[(&str, &str)]) -> String {
    let mut query = form_urlencoded::Serializer::new(String::new());
    for (k, v) in params.iter().filter(|(_, v)| !v.is_empty()) {
        query.append_pair(k, v);
    }
    let query = query.finish();
    if query.is_empty() {
        path.to_owned()
    } else {
        format!("{path}?{query}")
    }
}

fn theme(request: &Request) -> Option<&'static str> {
    let cookies = request.header("cookie")?;
    cookies.split(';').find_map(|c| match c.trim().strip_prefix(THEME_COOKIE)?.strip_prefix('=') {
        Some("dark") => Some("dark"),
        Some("light") => Some("light"),
        _ => None,
    })
}

/// A full page around `body`, or `body` alone for htmx.
fn page(request: &Request, title: &str, body: Markup, fragment: Markup) -> Response {
    if request.is_htmx() {
        return Response::html(200, fragment);
    }
    Response::html(200, layout(request, title, body))
}

fn layout(request: &Request, title: &str, body: Markup) -> Markup {
    let here =
        format!("/{}", request.segments.iter().map(|s| seg(s)).collect::<Vec<_>>().join("/"));
    let here = url(
        &here,
        &request.query.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect::<Vec<_>>(),
    );
    let nav =
        [("Tables", "/"), ("Query", "/ui/query"), ("Storage", "/ui/storage"), ("KV", "/ui/kv")];
    html! {
        (DOCTYPE)
        html lang="en" data-theme=[theme(request)] {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                title { (title) " · srdb" }
                link rel="stylesheet" href=(assets::url("style.css"));
                script src=(assets::url("htmx.min.js")) defer {}
            }
            body {
                header.top {
                    a.brand href="/" { "srdb" }
                    nav {
                        @for (name, href) in nav {
                            a href=(href) { (name) }
                        }
                    }
                    span.theme {
                        a href=(url("/ui/theme", &[("set", "light"), ("back", &here)])) title="Light theme" { "Light" }
                        " / "
                        a href=(url("/ui/theme", &[("set", "dark"), ("back", &here)])) title="Dark theme" { "Dark" }
                    }
                }
                main { (body) }
            }
        }
    }
}

/// `/ui/theme?set=dark&back=/path`: remembers the theme in a cookie and goes
/// back.
pub(crate) fn set_theme(request: &Request) -> Response {
    let theme = match request.param("set") {
        Some("dark") => "dark",
        _ => "light",
    };
    // Only a path of this server: never `//host` or an absolute URL.
    let back = request
        .param("back")
        .filter(|b| b.starts_with('/') && !b.starts_with("//") && !b.contains(['\r', '\n', '\\']))
        .unwrap_or("/");
    Response::redirect(back.to_owned()).with_header(
        "set-cookie",
        format!("{THEME_COOKIE}={theme}; Path=/; Max-Age=31536000; SameSite=Lax"),
    )
}

/// An error as a page (or fragment) with its status.
pub(crate) fn error_page(request: &Request, e: &ApiError) -> Response {
    let body = html! {
        div.error #error {
            h1 { "Error " (e.status) }
            p { (e.message) }
            p { a href="/" { "Back to the tables" } }
        }
    };
    let markup = if request.is_htmx() { body } else { layout(request, "Error", body) };
    let mut response = Response::html(e.status, markup);
    if request.is_htmx() {
        // htmx swaps only 2xx responses unless told; show the error in place.
        response =
            response.with_header("hx-retarget", "main").with_header("hx-reswap", "innerHTML");
        response.status = 200;
    }
    response
}

fn bytes(n: u64) -> String {
    const UNITS: [&str; 5] = ["B", "KiB", "MiB", "GiB", "TiB"];
    let mut value = n as f64;
    let mut unit = 0;
    while value >= 1024.0 && unit < UNITS.len() - 1 {
        value /= 1024.0;
        unit += 1;
    }
    if unit == 0 {
        format!("{n} B")
    } else {
        format!("{value:.1} {}", UNITS[unit])
    }
}

/// `/`: the tables with their row counts.
pub(crate) fn tables(shared: &Shared, request: &Request) -> Result<Response, ApiError> {
    let engine = shared.db.engine().stats();
    let keyspace_bytes = stats::keyspace_bytes(&engine);
    let mut summaries = Vec::new();
    for name in shared.db.tables() {
        let table = shared.db.table(&name)?;
        let size = stats::table_size(&table, &keyspace_bytes)?;
        summaries.push((name, size, table.schema().fields().len()));
    }
    let damaged = shared.db.damaged_tables();
    let body = html! {
        h1 { "Tables" }
        @if summaries.is_empty() {
            p.muted { "No tables yet." }
        } @else {
            div.scroll {
                table.grid #tables {
                    thead { tr { th { "Table" } th.num { "Rows" } th.num { "Size" } th.num { "Fields" } th.num { "Indexes" } th {} } }
                    tbody {
                        @for (name, size, fields) in &summaries {
                            tr {
                                td { a href={ "/ui/tables/" (seg(name)) } { (name) } }
                                td.num { (size.rows) }
                                td.num { (bytes(size.bytes)) }
                                td.num { (fields) }
                                td.num { (size.indexes) }
                                td { a href={ "/ui/tables/" (seg(name)) "/rows" } { "rows" } }
                            }
                        }
                    }
                }
            }
        }
        @if !damaged.is_empty() {
            h2 { "Damaged tables" }
            ul { @for (name, reason) in &damaged { li { b { (name) } ": " (reason) } } }
        }
    };
    Ok(page(request, "Tables", body.clone(), body))
}

/// `/ui/tables/{table}`: the schema with indexed fields marked.
pub(crate) fn schema(shared: &Shared, request: &Request, name: &str) -> Result<Response, ApiError> {
    let table = shared.db.table(name)?;
    let schema = table.schema();
    let indexes = table.list_indexes()?;
    let stats = table.stats()?;
    let body = html! {
        h1 { "Table " code { (name) } }
        p {
            (stats.rows) " rows · " (bytes(stats.rows_disk_bytes)) " of rows and "
            (bytes(stats.index_disk_bytes)) " of indexes on disk · schema version " (schema.version())
            " · " a href={ "/ui/tables/" (seg(name)) "/rows" } { "Browse rows" }
        }
        div.scroll {
            table.grid #schema {
                thead { tr { th { "Field" } th { "Type" } th { "Null" } th { "Default" } th { "Flags" } th { "Comment" } } }
                tbody {
                    tr.muted { td { code { "_seq" } } td { "u64" } td { "no" } td {} td { span.badge { "key" } } td { "assigned on insert" } }
                    tr.muted { td { code { "_time" } } td { "time" } td { "no" } td {} td {} td { "write time" } }
                    @for field in schema.fields() {
                        @let index = indexes.iter().find(|i| i.field == field.name);
                        tr {
                            td { code { (field.name) } }
                            td { (field.ty.name()) }
                            td { @if field.nullable { "yes" } @else { "no" } }
                            td { @if let Some(d) = &field.default { code { (d.to_json()) } } }
                            td {
                                @if let Some(index) = index {
                                    span.badge.indexed title="This field has an index" { "indexed" @if index.state == srdb::IndexState::Building { " (building)" } }
                                    " "
                                }
                                @if field.unique { span.badge { "unique" } " " }
                                @if field.required { span.badge { "required" } }
                            }
                            td { (field.comment) }
                        }
                    }
                }
            }
        }
    };
    Ok(page(request, name, body.clone(), body))
}

/// A value as text: strings as they are, the rest in JSON.
fn value_text(value: &Value) -> String {
    match value.to_json() {
        serde_json::Value::String(s) => s,
        other => other.to_string(),
    }
}

/// A table cell: long values cut, the whole value on click (a `<details>`,
/// which needs no script).
fn cell(value: Option<&Value>) -> Markup {
    let Some(value) = value.filter(|v| !v.is_null()) else {
        return html! { span.muted { "NULL" } };
    };
    let text = value_text(value);
    if text.chars().count() <= CELL_CHARS_MAX {
        return html! { (text) };
    }
    let cut: String = text.chars().take(CELL_CHARS_MAX).collect();
    html! {
        details.cell {
            summary { (cut) "…" }
            div.full { (text) }
        }
    }
}

/// The query text with the character at byte `position` marked.
fn mark_position(text: &str, position: usize) -> Markup {
    let mut at = position.min(text.len());
    while !text.is_char_boundary(at) {
        at -= 1;
    }
    let (before, rest) = text.split_at(at);
    let mut chars = rest.chars();
    let here = chars.next().map(String::from).unwrap_or_else(|| " ".to_owned());
    html! { pre.query-text { (before) mark.error-at title={ "error at " (position) } { (here) } (chars.as_str()) } }
}

/// Rows of one table, in pages, optionally filtered by a query: `/ui/tables/{table}/rows`
/// and `/ui/query?table=...`.
pub(crate) fn rows(
    shared: &Shared,
    request: &Request,
    table_name: Option<&str>,
) -> Result<Response, ApiError> {
    let max = shared.config.max_page_rows;
    let name = table_name.or(request.param("table"));
    let text = request.param("q").unwrap_or("");
    let page_no = api::u64_param(request, "page")?.unwrap_or(1).max(1);
    let per_page =
        api::u64_param(request, "per_page")?.unwrap_or(crate::config::DEFAULT_PAGE_ROWS.min(max));
    let per_page = api::check_page_rows(shared, per_page, "per_page")?;
    let table = name.map(|n| shared.db.table(n)).transpose()?;
    let action = match name {
        Some(n) if table_name.is_some() => format!("/ui/tables/{}/rows", seg(n)),
        _ => "/ui/query".to_owned(),
    };
    let results = match &table {
        Some(table) => results(table, text, page_no, per_page, &action, max)?,
        None => html! { div #results { p.muted { "Choose a table." } } },
    };
    let names = shared.db.tables();
    let body = html! {
        @if let Some(n) = name {
            h1 { "Rows of " a href={ "/ui/tables/" (seg(n)) } { code { (n) } } }
        } @else {
            h1 { "Query" }
        }
        form.query #query-form method="get" action=(action) hx-get=(action) hx-target="#results" hx-swap="outerHTML" hx-push-url="true" {
            @if table_name.is_none() {
                label { "Table "
                    select name="table" {
                        @for n in &names { option value=(n) selected[Some(n.as_str()) == name] { (n) } }
                    }
                }
            }
            label.wide { "Query "
                input #q type="text" name="q" value=(text) placeholder="age >= 18 AND city = 'Oslo' ORDER BY age DESC" autocomplete="off" spellcheck="false";
            }
            label { "Rows per page "
                select name="per_page" {
                    @for size in PAGE_SIZES.iter().filter(|s| **s <= max) {
                        option value=(size) selected[*size == per_page] { (size) }
                    }
                }
            }
            button type="submit" { "Run" }
        }
        p.muted.small { "Text syntax: " code { "field op value" } " joined by AND / OR, with ORDER BY, LIMIT and OFFSET (see docs/guide/query.md). Leave it empty for all rows." }
        (results)
    };
    let title = name.unwrap_or("Query").to_owned();
    Ok(page(request, &title, body, results))
}

/// The `#results` fragment: the plan, the rows and the pager, or the error
/// where it occurred.
fn results(
    table: &Table,
    text: &str,
    page_no: u64,
    per_page: u64,
    action: &str,
    max: u64,
) -> Result<Markup, ApiError> {
    let name = table.name();
    let query = match table.query_text(text) {
        Ok(q) => q,
        Err(e) => return query_error(text, e.into()),
    };
    let plan = match query.explain() {
        Ok(plan) => plan,
        Err(e) => return query_error(text, e.into()),
    };
    let own_window = query.query().limit.is_some() || query.query().offset > 0;
    let (rows, total) = if own_window {
        // The query pages itself (LIMIT / OFFSET): run it as written, capped.
        let limit = query.query().limit.unwrap_or(max).min(max);
        let rows = query.clone().limit(limit).all().map_err(ApiError::from)?;
        let total = rows.len() as u64;
        (rows, total)
    } else {
        let page = query.paginate(page_no, per_page).map_err(ApiError::from)?;
        (page.rows, page.total)
    };
    let schema = table.schema();
    let columns: Vec<String> = match &query.query().select {
        Some(fields) => fields.clone(),
        None => ["_seq", "_time"]
            .iter()
            .map(|s| s.to_string())
            .chain(schema.fields().iter().map(|f| f.name.clone()))
            .collect(),
    };
    let pages = if own_window { 1 } else { total.div_ceil(per_page).max(1) };
    let link = |p: u64| {
        url(
            action,
            &[
                ("table", if action == "/ui/query" { name } else { "" }),
                ("q", text),
                ("per_page", &per_page.to_string()),
                ("page", &p.to_string()),
            ],
        )
    };
    Ok(html! {
        div #results {
            p.plan { "Plan: " code #plan { (plan) } }
            p #summary { (total) " matching rows" @if !own_window { " · page " (page_no) " of " (pages) } }
            div.scroll {
                table.grid #rows {
                    thead { tr { @for c in &columns { th { (c) } } } }
                    tbody {
                        @for row in &rows {
                            tr {
                                @for c in &columns {
                                    @if c == "_seq" {
                                        @let seq = row.get("_seq").and_then(Value::as_u64).unwrap_or(0);
                                        td { a href={ "/ui/tables/" (seg(name)) "/rows/" (seq) } { (seq) } }
                                    } @else {
                                        td { (cell(row.get(c))) }
                                    }
                                }
                            }
                        }
                    }
                }
            }
            @if pages > 1 {
                nav.pager {
                    @if page_no > 1 {
                        a href=(link(1)) hx-get=(link(1)) hx-target="#results" hx-swap="outerHTML" hx-push-url="true" { "« First" }
                        a href=(link(page_no - 1)) hx-get=(link(page_no - 1)) hx-target="#results" hx-swap="outerHTML" hx-push-url="true" rel="prev" { "‹ Previous" }
                    }
                    @if page_no < pages {
                        a href=(link(page_no + 1)) hx-get=(link(page_no + 1)) hx-target="#results" hx-swap="outerHTML" hx-push-url="true" rel="next" { "Next ›" }
                        a href=(link(pages)) hx-get=(link(pages)) hx-target="#results" hx-swap="outerHTML" hx-push-url="true" { "Last »" }
                    }
                    form.jump method="get" action=(action) hx-get=(action) hx-target="#results" hx-swap="outerHTML" hx-push-url="true" {
                        @if action == "/ui/query" { input type="hidden" name="table" value=(name); }
                        input type="hidden" name="q" value=(text);
                        input type="hidden" name="per_page" value=(per_page);
                        label { "Page " input type="number" name="page" min="1" max=(pages) value=(page_no); }
                        button type="submit" { "Go" }
                    }
                }
            }
        }
    })
}

fn query_error(text: &str, e: ApiError) -> Result<Markup, ApiError> {
    if e.status != 400 {
        return Err(e);
    }
    Ok(html! {
        div #results {
            div.error #query-error {
                p { (e.message) }
                @if let Some(position) = e.position { (mark_position(text, position)) }
            }
        }
    })
}

/// `/ui/tables/{table}/rows/{seq}`: one row, every value whole.
pub(crate) fn row(
    shared: &Shared,
    request: &Request,
    name: &str,
    seq: &str,
) -> Result<Response, ApiError> {
    let table = shared.db.table(name)?;
    let seq = api::parse_seq(seq)?;
    let row = table.get(seq)?.ok_or_else(|| {
        ApiError::new(404, format!("the table `{name}` has no row with _seq {seq}"))
    })?;
    let body = html! {
        h1 { a href={ "/ui/tables/" (seg(name)) "/rows" } { code { (name) } } " row " (seq) }
        div.scroll {
            table.grid.detail #row {
                tbody {
                    @for (field, value) in row.iter() {
                        tr { th { (field) } td { @if value.is_null() { span.muted { "NULL" } } @else { pre { (value_text(value)) } } } }
                    }
                }
            }
        }
    };
    Ok(page(request, &format!("{name} {seq}"), body.clone(), body))
}

/// Files listed per level in the storage view; the rest are counted, and
/// `/api/stats` lists them all. Bounds the page refreshed every two seconds.
const FILES_PER_LEVEL_SHOWN: usize = 100;

/// Characters of a key shown in the files table.
const KEY_CHARS_MAX: usize = 40;

/// A key of the files table, cut when long, the whole key in the title.
fn shown_key(key: &ShownKey, encoding: KeyEncoding) -> Markup {
    let text = match (key, encoding) {
        (ShownKey::Text(t), KeyEncoding::Hex) => format!("0x{t}"),
        (key, _) => key.to_string(),
    };
    if text.chars().count() <= KEY_CHARS_MAX {
        return html! { code { (text) } };
    }
    let cut: String = text.chars().take(KEY_CHARS_MAX).collect();
    html! { code title=(text) { (cut) "…" } }
}

/// The files of one keyspace, a table per level.
fn files_tables(ks: &srdb::KeyspaceStats, owner: Option<&Owner>) -> Markup {
    let files = stats::files(ks, owner);
    let levels: Vec<(usize, &srdb::LevelStats)> =
        ks.levels.iter().enumerate().filter(|(_, l)| l.files > 0).collect();
    html! {
        @for (level, l) in levels {
            @let in_level: Vec<&FileView> = files.iter().filter(|f| usize::from(f.level) == level).collect();
            div.scroll {
                table.grid.files.stack data-keyspace=(ks.name) data-level=(level) {
                    caption {
                        "L" (level) " · " (l.files) @if l.files == 1 { " file" } @else { " files" }
                        " · " (bytes(l.bytes)) " · " (l.entries) " entries"
                        @if level == 0 { span.muted { " · newest first" } }
                    }
                    thead { tr { th { "File" } th.num { "Size" } th.num { "Entries" } th.num { "Tombstones" } th { "Keys" } th { "Seqnos" } th { "Time range (UTC)" } } }
                    tbody {
                        @for f in in_level.iter().take(FILES_PER_LEVEL_SHOWN) {
                            tr {
                                td data-label="File" { code { (f.file_name()) } }
                                td.num data-label="Size" { (bytes(f.size_bytes)) }
                                td.num data-label="Entries" { (f.entries) }
                                td.num data-label="Tombstones" {
                                    @match f.tombstones { Some(t) => { (t) }, None => { span.muted title="not recorded by files of SST format 1" { "?" } } }
                                }
                                td.keys data-label="Keys" {
                                    @if f.key_encoding == KeyEncoding::Seq { span.muted { "_seq " } }
                                    (shown_key(&f.smallest_key, f.key_encoding)) " – " (shown_key(&f.largest_key, f.key_encoding))
                                }
                                td data-label="Seqnos" { (f.min_seqno) " – " (f.max_seqno) }
                                td.time data-label="Time range" {
                                    @match f.time_range {
                                        Some((min, max)) => {
                                            @let (min, max) = (stats::rfc3339(min), stats::rfc3339(max));
                                            time datetime=(min) { (min) } " – " time datetime=(max) { (max) }
                                        },
                                        None => { span.muted { "–" } },
                                    }
                                }
                            }
                        }
                        @if in_level.len() > FILES_PER_LEVEL_SHOWN {
                            tr.muted { td colspan="7" { (in_level.len() - FILES_PER_LEVEL_SHOWN) " more files: see " a href="/api/stats" { "/api/stats" } } }
                        }
                    }
                }
            }
        }
    }
}

/// `/ui/storage`: levels, files, WAL, compaction and cache, refreshed every
/// two seconds by htmx.
pub(crate) fn storage(shared: &Shared, request: &Request) -> Result<Response, ApiError> {
    let owners = stats::owners(&shared.db);
    let stats = shared.db.engine().stats();
    let c = &stats.block_cache;
    let holds = |name: &str| owners.get(name).map(Owner::describe).unwrap_or_default();
    let with_files: Vec<&srdb::KeyspaceStats> =
        stats.keyspaces.iter().filter(|ks| !ks.files.is_empty()).collect();
    let fragment = html! {
        div #storage hx-get="/ui/storage" hx-trigger="every 2s" hx-swap="outerHTML" {
            div.cards {
                div.card { h3 { "WAL" } p { (stats.wal_segments) " segments · " (bytes(stats.wal_bytes)) } p.muted { "last seqno " (stats.last_seqno) } }
                div.card { h3 { "Memtables" } p { (bytes(stats.memtable_bytes as u64)) } p.muted { (stats.frozen_memtables) " frozen waiting for flush" } }
                div.card { h3 { "Block cache" } p { (format!("{:.1} %", hit_rate(&stats) * 100.0)) " hit rate" } p.muted { (c.hits) " hits · " (c.misses) " misses · " (bytes(c.used_bytes)) " of " (bytes(c.capacity_bytes)) } }
                div.card { h3 { "Compaction" } p { (stats.compactions) " compactions · " (stats.trivial_moves) " moves" } p.muted { (bytes(stats.bytes_compacted_read)) " read · " (bytes(stats.bytes_compacted_written)) " written · " (stats.dropped_versions) " versions and " (stats.dropped_tombstones) " tombstones dropped" } }
                div.card { h3 { "Amplification" } p { "write " (format!("{:.2}", stats.write_amplification)) " · read " (format!("{:.2}", stats.read_amplification)) } p.muted { (stats.flushes) " flushes (" (bytes(stats.bytes_flushed)) ") · " (stats.write_stalls) " stalls · " (stats.writes) " writes" } }
            }
            h2 { "Levels per keyspace" }
            div.scroll {
                table.grid #levels {
                    thead { tr { th { "Keyspace" } th { "Holds" } th.num { "Level" } th.num { "Files" } th.num { "Size" } th.num { "Entries" } } }
                    tbody {
                        @for ks in &stats.keyspaces {
                            @let used: Vec<_> = ks.levels.iter().enumerate().filter(|(_, l)| l.files > 0).collect();
                            @let holds = holds(&ks.name);
                            @if used.is_empty() {
                                tr { td { code { (ks.name) } } td { (holds) } td.num.muted { "–" } td.num { "0" } td.num { "0 B" } td.num { "0" } }
                            }
                            @for (level, l) in used {
                                tr { td { code { (ks.name) } } td { (holds) } td.num { "L" (level) } td.num { (l.files) } td.num { (bytes(l.bytes)) } td.num { (l.entries) } }
                            }
                            @if ks.memtable_bytes > 0 {
                                tr.muted { td { code { (ks.name) } } td { (holds) } td.num { "mem" } td.num { "–" } td.num { (bytes(ks.memtable_bytes as u64)) } td.num {} }
                            }
                            @if let Some(why) = &ks.unavailable {
                                tr.error { td colspan="6" { code { (ks.name) } " is unavailable: " (why) } }
                            }
                        }
                    }
                }
            }
            h2 { "SST files" }
            @if with_files.is_empty() {
                p.muted #files { "No SST files yet: everything is in the memtables and the WAL." }
            } @else {
                div #files {
                    @for ks in with_files {
                        @let owner = owners.get(&ks.name);
                        section.keyspace-files {
                            h3 { code { (ks.name) } @if let Some(owner) = owner { " · " (owner.describe()) } }
                            (files_tables(ks, owner))
                        }
                    }
                }
            }
            p.muted.small { "Refreshes every 2 s. " a href="/ui/storage" { "Reload" } " · " a href="/api/stats" { "JSON" } " · " a href="/metrics" { "metrics" } }
        }
    };
    let body = html! { h1 { "Storage" } (fragment) };
    Ok(page(request, "Storage", body, fragment))
}

/// `/ui/kv?pattern=user:*`: keys matching a glob pattern, in pages.
pub(crate) fn kv(shared: &Shared, request: &Request) -> Result<Response, ApiError> {
    let pattern = request.param("pattern").unwrap_or("*");
    let after = request.param("after").map(api::unhex).transpose()?;
    let count = crate::config::DEFAULT_PAGE_ROWS.min(shared.config.max_page_rows) as usize;
    let page_of_keys = api::scan_keys(shared, pattern, after, count)?;
    let fragment = html! {
        div #kv-results {
            @if page_of_keys.keys.is_empty() { p.muted { "No key on this page matches." } }
            ul.keys #keys {
                @for key in &page_of_keys.keys {
                    li { a href=(url("/ui/kv/value", &[("key_hex", &api::hex(key))])) { code { (String::from_utf8_lossy(key)) } } }
                }
            }
            @if let Some(next) = &page_of_keys.next_after {
                @let link = url("/ui/kv", &[("pattern", pattern), ("after", &api::hex(next))]);
                p { a href=(link) hx-get=(link) hx-target="#kv-results" hx-swap="outerHTML" { "More keys ›" } }
            }
        }
    };
    let body = html! {
        h1 { "Key-value store" }
        form.query method="get" action="/ui/kv" hx-get="/ui/kv" hx-target="#kv-results" hx-swap="outerHTML" {
            label.wide { "Pattern " input type="text" name="pattern" value=(pattern) placeholder="user:*"; }
            button type="submit" { "Scan" }
        }
        p.muted.small { "Glob patterns as in SCAN MATCH: " code { "*" } ", " code { "?" } ", " code { "[a-z]" } ", " code { "\\x" } "." }
        (fragment)
    };
    Ok(page(request, "KV", body, fragment))
}

/// `/ui/kv/value?key_hex=...`: one value, as text or as hex.
pub(crate) fn kv_value(shared: &Shared, request: &Request) -> Result<Response, ApiError> {
    let key = api::key_param(request)?;
    let entry = shared.kv.get_entry(&key)?.ok_or_else(|| ApiError::new(404, "no such key"))?;
    let body = html! {
        h1 { "Key " code { (String::from_utf8_lossy(&key)) } }
        p { (entry.value.len()) " bytes · "
            @match entry.expire_at_ms { Some(at) => { "expires at " (at) " ms since the epoch" }, None => { "no expiry" } } }
        @match std::str::from_utf8(&entry.value) {
            Ok(text) => { pre.value #value { (text) } },
            Err(_) => { p.muted { "Not UTF-8; hexadecimal:" } pre.value #value { (api::hex(&entry.value)) } },
        }
        p { a href="/ui/kv" { "‹ Back to the keys" } }
    };
    Ok(page(request, "KV value", body.clone(), body))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_encode_segments_and_values() {
        assert_eq!(seg("a b/c"), "a%20b%2Fc");
        assert_eq!(url("/x", &[("q", "a = 'b&c'"), ("e", "")]), "/x?q=a+%3D+%27b%26c%27");
    }

    #[test]
    fn the_error_position_is_marked_even_inside_a_character_or_at_the_end() {
        let m = mark_position("name = 'é", 10).into_string();
        assert!(m.contains("<mark"), "{m}");
        let m = mark_position("a >", 3).into_string();
        assert!(m.contains("a &gt;<mark"), "{m}");
    }

    #[test]
    fn long_values_are_cut_and_escaped() {
        let long = Value::from("<b>".repeat(40));
        let m = cell(Some(&long)).into_string();
        assert!(m.contains("<details") && !m.contains("<b>"), "{m}");
        assert_eq!(cell(None).into_string(), "<span class=\"muted\">NULL</span>");
    }
}

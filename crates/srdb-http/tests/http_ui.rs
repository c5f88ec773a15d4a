//! The Web UI's pages over a real socket: they render without JavaScript,
//! escape what they show, answer htmx with fragments, and serve assets with
//! cache headers.

mod common;

use common::TestServer;
use srdb::Row;

#[test]
fn pages_render_as_full_documents() {
    let s = TestServer::start(None, 12);
    for path in [
        "/",
        "/ui/tables/people",
        "/ui/tables/people/rows",
        "/ui/tables/people/rows/3",
        "/ui/query?table=people&q=age%20%3E%205",
        "/ui/storage",
        "/ui/kv",
    ] {
        let page = s.get(path);
        assert_eq!(page.status, 200, "{path}: {page:?}");
        assert!(page.content_type.starts_with("text/html"), "{path}");
        assert!(page.body.starts_with("<!DOCTYPE html>"), "{path}");
        assert!(page.body.contains("htmx.min.js"), "{path}");
    }
    let list = s.get("/").body;
    assert!(list.contains("href=\"/ui/tables/people\""), "{list}");
    let schema = s.get("/ui/tables/people").body;
    assert!(schema.contains("indexed"), "{schema}");
}

#[test]
fn rows_are_paged_and_long_values_cut() {
    let s = TestServer::start(None, 0);
    let people = s.db.table("people").unwrap();
    let long = format!("<script>alert(1)</script>{}", "x".repeat(100));
    people.insert(Row::new().with("name", long).with("age", 1i64)).unwrap();
    for i in 0..30 {
        people.insert(Row::new().with("name", format!("p{i}")).with("age", i as i64)).unwrap();
    }
    let page = s.get("/ui/tables/people/rows?per_page=10&page=2").body;
    assert!(page.contains("31 matching rows · page 2 of 4"), "{page}");
    assert!(page.contains(">p9<") && !page.contains(">p8<") && page.contains(">p18<"));
    let first = s.get("/ui/tables/people/rows?per_page=10").body;
    assert!(!first.contains("<script>alert"), "values are escaped");
    assert!(first.contains("&lt;script&gt;alert(1)&lt;/script&gt;"));
    assert!(first.contains("<details class=\"cell\">"), "a long value is cut");
    assert_eq!(s.get("/ui/tables/people/rows?per_page=0").status, 400);
}

#[test]
fn query_errors_show_where_they_are() {
    let s = TestServer::start(None, 3);
    let page = s.get("/ui/tables/people/rows?q=age%20%3E%3D%20%3D%201").body;
    assert!(page.contains("id=\"query-error\""), "{page}");
    assert!(page.contains("<mark class=\"error-at\""), "{page}");
    let plan = s.get("/ui/tables/people/rows?q=age%20%3D%201").body;
    assert!(plan.contains("id=\"plan\""), "{plan}");
}

#[test]
fn htmx_requests_get_fragments() {
    let s = TestServer::start(None, 3);
    let fragment = s.get_with("/ui/tables/people/rows?q=", &[("HX-Request", "true")]).body;
    assert!(fragment.starts_with("<div id=\"results\">"), "{fragment}");
    let storage = s.get_with("/ui/storage", &[("HX-Request", "true")]).body;
    assert!(storage.starts_with("<div id=\"storage\""), "{storage}");
    assert!(storage.contains("hx-trigger=\"every 2s\""));
}

#[test]
fn missing_things_are_404_pages_and_writes_405() {
    let s = TestServer::start(None, 1);
    let missing = s.get("/ui/tables/ghost");
    assert_eq!(missing.status, 404);
    assert!(missing.body.contains("does not exist"));
    assert_eq!(s.get("/ui/tables/people/rows/77").status, 404);
    assert_eq!(s.get("/nowhere").status, 404);
    assert_eq!(s.send("POST", "/", None, "").status, 405);
}

#[test]
fn assets_are_cached_and_themes_remembered() {
    let s = TestServer::start(None, 0);
    // The page names each asset under a key of its content: 16 hex digits.
    let page = s.get("/").body;
    let href = |name: &str| {
        let end = page.find(&format!("/{name}\"")).unwrap_or_else(|| panic!("{page}"));
        let start = page[..end].rfind("\"/assets/").unwrap() + 1;
        page[start..end + 1 + name.len()].to_owned()
    };
    let (htmx_url, css_url) = (href("htmx.min.js"), href("style.css"));
    for url in [&htmx_url, &css_url] {
        let key = url.split('/').nth(2).unwrap();
        assert!(key.len() == 16 && key.bytes().all(|b| b.is_ascii_hexdigit()), "{url}");
    }
    assert_ne!(htmx_url.split('/').nth(2), css_url.split('/').nth(2));
    let htmx = s.get(&htmx_url);
    assert_eq!(htmx.status, 200);
    assert!(htmx.content_type.starts_with("text/javascript"));
    assert!(htmx.header("cache-control").unwrap().contains("max-age=31536000"));
    assert!(htmx.body.starts_with("var htmx="));
    let css = s.get(&css_url);
    assert_eq!(css.status, 200);
    assert_eq!(css.body, include_str!("../assets/style.css"));

    // The versioned paths of earlier releases, and any other key, lead to
    // the current URL without being cached themselves.
    let agent = ureq::AgentBuilder::new().redirects(0).build();
    for old in [
        format!("/assets/{}/style.css", env!("CARGO_PKG_VERSION")),
        "/assets/0000000000000000/style.css".to_owned(),
    ] {
        let moved = agent.get(&s.url(&old)).call().unwrap();
        assert_eq!(moved.status(), 303, "{old}");
        assert_eq!(moved.header("location"), Some(css_url.as_str()));
        assert_eq!(moved.header("cache-control"), Some("no-store"));
    }
    assert_eq!(s.get(&css_url.replace("style.css", "nothing.css")).status, 404);

    let set = agent.get(&s.url("/ui/theme?set=dark&back=/ui/storage")).call().unwrap();
    assert_eq!(set.status(), 303);
    assert_eq!(set.header("location"), Some("/ui/storage"));
    assert!(set.header("set-cookie").unwrap().starts_with("srdb_theme=dark;"));
    let off_site = agent.get(&s.url("/ui/theme?set=dark&back=//evil.example")).call().unwrap();
    assert_eq!(off_site.header("location"), Some("/"));
    let dark = s.get_with("/", &[("Cookie", "srdb_theme=dark")]).body;
    assert!(dark.contains("<html lang=\"en\" data-theme=\"dark\">"), "{dark}");
}

#[test]
fn the_storage_view_lists_the_files_of_each_level() {
    let s = TestServer::start(None, 12);
    let page = s.get("/ui/storage").body;
    assert!(page.contains("No SST files yet"), "nothing flushed yet: {page}");

    s.db.kv().put([0xffu8, 0x00, 0x01], "binary key").unwrap();
    s.db.flush().unwrap();
    let stats = s.get("/api/stats").json();
    let keyspace = |role: &str| {
        let ks = stats["keyspaces"].as_array().unwrap().iter().find(|k| k["role"] == role);
        ks.unwrap()["name"].as_str().unwrap().to_owned()
    };
    let rows = keyspace("rows");
    let file = &stats["keyspaces"]
        .as_array()
        .unwrap()
        .iter()
        .find(|k| k["name"] == rows.as_str())
        .unwrap()["sst_files"][0];
    let page = s.get("/ui/storage").body;
    assert!(page.contains(&format!("<code>{rows}</code> · rows of people")), "{page}");
    assert!(page.contains("index people.age"), "{page}");
    let table =
        format!("<table class=\"grid files stack\" data-keyspace=\"{rows}\" data-level=\"0\">");
    let at = page.find(&table).unwrap_or_else(|| panic!("{page}"));
    let rows_table = &page[at..at + page[at..].find("</table>").unwrap()];
    assert!(rows_table.contains(&format!("<code>{}</code>", file["file"].as_str().unwrap())));
    assert!(rows_table.contains("L0 · 1 file · "), "{rows_table}");
    assert!(
        rows_table.contains("<span class=\"muted\">_seq </span><code>1</code> – <code>12</code>")
    );
    let min = file["time_range"]["min"].as_str().unwrap();
    assert!(rows_table.contains(&format!("<time datetime=\"{min}\">{min}</time>")), "{rows_table}");
    assert!(rows_table.contains("data-label=\"Tombstones\">0<"), "{rows_table}");
    // A binary key is shown as hex.
    assert!(page.contains("<code>0xff0001</code> – <code>0xff0001</code>"), "{page}");
}

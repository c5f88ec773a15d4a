//! The Web UI in a real headless Chromium, driven through chromedriver's
//! WebDriver HTTP API: from the table list to the rows, paging with htmx, a
//! query and a query error, the storage view with its files tables, the
//! dark theme and a narrow window. Screenshots go to `target/e2e-artifacts/*.png`.
//!
//! Ignored in a plain `cargo test` (it needs `chromium` and
//! `chromium-driver`); `cargo xtask ci` runs it with `--ignored`.

mod common;

use std::net::TcpListener;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use base64::Engine as _;
use common::TestServer;
use serde_json::{json, Value as Json};

const CHROMIUM: &str = "/usr/bin/chromium";
const ELEMENT_KEY: &str = "element-6066-11e4-a52e-4f735466cecf";

struct Driver {
    child: Child,
    base: String,
    session: String,
}

impl Driver {
    fn start() -> Driver {
        let port = TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
        let child = Command::new("chromedriver")
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("chromedriver must be installed (Debian package chromium-driver)");
        let base = format!("http://127.0.0.1:{port}");
        let deadline = Instant::now() + Duration::from_secs(20);
        while ureq::get(&format!("{base}/status")).call().is_err() {
            assert!(Instant::now() < deadline, "chromedriver did not start");
            std::thread::sleep(Duration::from_millis(100));
        }
        let mut driver = Driver { child, base, session: String::new() };
        let caps = json!({ "capabilities": { "alwaysMatch": {
            "browserName": "chrome",
            "goog:chromeOptions": {
                "binary": CHROMIUM,
                "args": ["--headless=new", "--no-sandbox", "--disable-gpu",
                         "--disable-dev-shm-usage", "--window-size=1280,900"]
            }
        }}});
        let reply = driver.call("POST", "/session", caps);
        driver.session = reply["sessionId"].as_str().expect("a session id").to_owned();
        driver
    }

    fn call(&self, method: &str, path: &str, body: Json) -> Json {
        let url = format!("{}{path}", self.base);
        let result = match method {
            "GET" => ureq::get(&url).call(),
            "DELETE" => ureq::delete(&url).call(),
            _ => ureq::request(method, &url).send_json(body),
        };
        let reply: Json = match result {
            Ok(r) => r.into_json().unwrap(),
            Err(ureq::Error::Status(code, r)) => {
                panic!("WebDriver {method} {path}: {code} {}", r.into_string().unwrap())
            }
            Err(e) => panic!("WebDriver {method} {path}: {e}"),
        };
        reply["value"].clone()
    }

    fn session(&self, method: &str, path: &str, body: Json) -> Json {
        self.call(method, &format!("/session/{}{path}", self.session), body)
    }

    fn open(&self, url: &str) {
        self.session("POST", "/url", json!({ "url": url }));
    }

    /// The first element matching `css` that appears within 10 s.
    fn find(&self, css: &str) -> String {
        self.wait(&format!("an element {css}"), || self.try_find(css))
    }

    fn try_find(&self, css: &str) -> Option<String> {
        let url = format!("{}/session/{}/elements", self.base, self.session);
        let reply: Json = ureq::post(&url)
            .send_json(json!({ "using": "css selector", "value": css }))
            .ok()?
            .into_json()
            .ok()?;
        reply["value"].as_array()?.first()?[ELEMENT_KEY].as_str().map(str::to_owned)
    }

    fn text(&self, css: &str) -> String {
        let id = self.find(css);
        self.session("GET", &format!("/element/{id}/text"), Json::Null).as_str().unwrap().to_owned()
    }

    /// Waits until the text of `css` contains `want`.
    fn wait_text(&self, css: &str, want: &str) -> String {
        self.wait(&format!("{css} to contain {want:?}"), || {
            let id = self.try_find(css)?;
            let url = format!("{}/session/{}/element/{id}/text", self.base, self.session);
            let reply: Json = ureq::get(&url).call().ok()?.into_json().ok()?;
            let text = reply["value"].as_str()?.to_owned();
            text.contains(want).then_some(text)
        })
    }

    fn wait<T>(&self, what: &str, mut probe: impl FnMut() -> Option<T>) -> T {
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            if let Some(found) = probe() {
                return found;
            }
            assert!(Instant::now() < deadline, "timed out waiting for {what}");
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    fn click(&self, css: &str) {
        let id = self.find(css);
        self.session("POST", &format!("/element/{id}/click"), json!({}));
    }

    fn type_into(&self, css: &str, text: &str) {
        let id = self.find(css);
        self.session("POST", &format!("/element/{id}/clear"), json!({}));
        self.session("POST", &format!("/element/{id}/value"), json!({ "text": text }));
    }

    /// Runs `script` (a function body) in the page and returns its value.
    fn execute(&self, script: &str) -> Json {
        self.session("POST", "/execute/sync", json!({ "script": script, "args": [] }))
    }

    /// Scrolls the first element matching `css` into view.
    fn scroll_to(&self, css: &str) {
        self.find(css);
        self.execute(&format!("document.querySelector({css:?}).scrollIntoView(); return null;"));
    }

    fn screenshot(&self, name: &str) {
        let data = self.session("GET", "/screenshot", Json::Null);
        let png = base64::engine::general_purpose::STANDARD.decode(data.as_str().unwrap()).unwrap();
        assert!(png.starts_with(b"\x89PNG"), "a PNG");
        let path = artifacts().join(format!("{name}.png"));
        std::fs::write(&path, png).unwrap();
        println!("screenshot: {}", path.display());
    }
}

impl Drop for Driver {
    fn drop(&mut self) {
        if !self.session.is_empty() {
            let _ = ureq::delete(&format!("{}/session/{}", self.base, self.session)).call();
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn artifacts() -> PathBuf {
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../target"));
    let dir = target.join("e2e-artifacts");
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

#[test]
#[ignore = "needs chromium and chromedriver; run by `cargo xtask ci`"]
fn the_ui_from_table_list_to_rows_query_and_storage() {
    assert!(
        std::path::Path::new(CHROMIUM).exists(),
        "{CHROMIUM} is missing (apt-get install chromium)"
    );
    let server = TestServer::start(None, 120);
    server.db.flush().unwrap();
    let driver = Driver::start();
    println!("screenshots go to {}", artifacts().display());

    // The table list, then the rows of `people`.
    driver.open(&server.url("/"));
    assert!(driver.text("#tables").contains("people"));
    assert!(driver.text("#tables tbody tr").contains("120"), "the row count is shown");
    driver.screenshot("1-tables");
    driver.click("#tables a[href='/ui/tables/people/rows']");
    driver.wait_text("#summary", "120 matching rows · page 1 of 3");
    assert!(driver.text("#rows").contains("person 0"));
    driver.screenshot("2-rows");

    // Paging with htmx swaps only the results.
    driver.click("nav.pager a[rel='next']");
    driver.wait_text("#summary", "page 2 of 3");
    assert!(driver.text("#rows").contains("person 50"));

    // A query with its plan, then one that does not parse.
    driver.type_into("#q", "age >= 85 ORDER BY age DESC");
    driver.click("#query-form button[type='submit']");
    driver.wait_text("#summary", "5 matching rows");
    assert!(driver.text("#plan").contains("age"), "the plan is shown");
    driver.screenshot("3-query");
    driver.type_into("#q", "age >= AND");
    driver.click("#query-form button[type='submit']");
    let error = driver.wait_text("#query-error", "error at");
    assert!(error.contains("does not parse"), "{error}");
    driver.find("#query-error mark.error-at");
    driver.screenshot("4-query-error");

    // The storage view shows the flushed files of the table: its rows
    // file with the _seq range and the time range of the rows.
    driver.open(&server.url("/ui/storage"));
    let levels = driver.text("#levels");
    assert!(levels.contains("L0") || levels.contains("L1"), "{levels}");
    assert!(levels.contains("rows of people") && levels.contains("index people.age"), "{levels}");
    assert!(driver.text("#storage").contains("hit rate"));
    let files = driver.text("#files");
    assert!(files.contains("rows of people"), "{files}");
    let rows_ks = server.db.table("people").unwrap().stats().unwrap().rows_keyspace;
    let rows_table = format!("#files table.files[data-keyspace='{rows_ks}'][data-level='0']");
    assert!(driver.text(&format!("{rows_table} caption")).starts_with("L0 · 1 file"));
    let times = driver.find(&format!("{rows_table} td.time time"));
    let datetime =
        driver.session("GET", &format!("/element/{times}/attribute/datetime"), Json::Null);
    let datetime = datetime.as_str().unwrap().to_owned();
    assert!(datetime.ends_with('Z') && datetime.contains('T'), "RFC 3339: {datetime}");
    let seqs = driver.text(&format!("{rows_table} td.keys"));
    assert!(seqs.contains("_seq 1 – 120"), "{seqs}");
    driver.screenshot("5-storage");
    driver.scroll_to("#files");
    driver.screenshot("5-storage-files");

    // The dark theme, and a narrow window.
    driver.open(&server.url("/ui/theme?set=dark&back=/ui/tables/people/rows"));
    driver.wait_text("#summary", "120 matching rows");
    let html = driver.find("html");
    let theme = driver.session("GET", &format!("/element/{html}/attribute/data-theme"), Json::Null);
    assert_eq!(theme, "dark");
    driver.screenshot("6-rows-dark");
    driver.open(&server.url("/ui/tables/people"));
    driver.wait_text("#schema", "indexed");
    driver.screenshot("7-schema-dark");
    driver.session("POST", "/window/rect", json!({ "width": 390, "height": 844 }));
    driver.open(&server.url("/ui/theme?set=light&back=/ui/tables/people/rows"));
    driver.wait_text("#summary", "120 matching rows");
    driver.screenshot("8-rows-narrow");
    driver.open(&server.url("/ui/storage"));
    driver.find("#levels");
    // On a narrow screen each file is a block of labelled lines that fits
    // the window: no sideways scrolling.
    let fits = driver.execute(
        "const t = document.querySelector('#files table.files'); \
         return [t.scrollWidth, t.parentElement.clientWidth, \
                 getComputedStyle(t.querySelector('thead')).display];",
    );
    let (table_width, box_width) = (fits[0].as_u64().unwrap(), fits[1].as_u64().unwrap());
    assert!(table_width <= box_width, "the files table is {table_width} px in {box_width} px");
    assert_eq!(fits[2], "none", "the header row is hidden on a narrow screen");
    driver.scroll_to("#files");
    driver.screenshot("9-storage-narrow");
}

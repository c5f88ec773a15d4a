//! Which handler answers which method and path.

use std::any::Any;
use std::panic::{self, AssertUnwindSafe};
use std::sync::atomic::Ordering;

use crate::api::{self, ApiError};
use crate::http::{Request, Response};
use crate::server::Shared;
use crate::{assets, stats, ui};

/// Answers `request`. Paths under `/api` answer JSON, the others HTML
/// (or the asset, metrics text, health text).
///
/// A handler that panics is answered 500 (JSON or an HTML page, as its
/// path), logged to stderr and counted; the worker thread lives on. The
/// handlers share only the database, whose locks do not poison, and the
/// atomic counters, so nothing a panicking handler leaves behind stops the
/// next request (hence `AssertUnwindSafe`).
pub(crate) fn route(shared: &Shared, request: &Request) -> Response {
    let segments: Vec<&str> = request.segments.iter().map(String::as_str).collect();
    let method = match request.method.as_str() {
        "HEAD" => "GET",
        other => other,
    };
    let is_api = segments.first() == Some(&"api");
    let handled = panic::catch_unwind(AssertUnwindSafe(|| {
        if is_api {
            route_api(shared, request, method, &segments[1..])
        } else {
            route_other(shared, request, method, &segments)
        }
    }));
    let result = handled.unwrap_or_else(|payload| {
        shared.counters.panics.fetch_add(1, Ordering::Relaxed);
        eprintln!(
            "srdb-http: {} {:?}: the handler panicked ({}); answered 500",
            request.method,
            format!("/{}", request.segments.join("/")),
            panic_message(payload.as_ref())
        );
        Err(ApiError::new(
            500,
            "internal error: the server failed while answering this request (see its log)",
        ))
    });
    match result {
        Ok(response) => response,
        Err(e) if is_api || e.status == 405 => e.response(),
        Err(e) => ui::error_page(request, &e),
    }
}

/// The text of a panic's payload (`panic!` with a message gives a `&str`
/// or a `String`).
pub(crate) fn panic_message(payload: &(dyn Any + Send)) -> &str {
    if let Some(text) = payload.downcast_ref::<&str>() {
        text
    } else if let Some(text) = payload.downcast_ref::<String>() {
        text
    } else {
        "no message"
    }
}

fn route_api(
    shared: &Shared,
    request: &Request,
    method: &str,
    path: &[&str],
) -> Result<Response, ApiError> {
    let write = || api::authorize_write(shared, request);
    match (method, path) {
        ("GET", ["tables"]) => api::list_tables(shared),
        ("POST", ["tables"]) => {
            write()?;
            api::create_table(shared, request)
        }
        ("GET", ["tables", name] | ["tables", name, "schema"]) => api::schema(shared, name),
        ("GET", ["tables", name, "rows"]) => api::rows(shared, name, request),
        ("POST", ["tables", name, "rows"]) => {
            write()?;
            api::insert(shared, name, request)
        }
        ("GET", ["tables", name, "rows", seq]) => api::row(shared, name, seq, request),
        ("DELETE", ["tables", name, "rows", seq]) => {
            write()?;
            api::delete(shared, name, seq)
        }
        ("POST", ["tables", name, "indexes"]) => {
            write()?;
            api::create_index(shared, name, request)
        }
        ("GET", ["tables", name, "explain"]) => api::explain(shared, name, request),
        ("GET", ["stats"]) => api::storage_stats(shared),
        ("GET", ["kv"]) => api::kv_scan(shared, request),
        ("GET", ["kv", "value"]) => api::kv_value(shared, request),
        #[cfg(test)]
        ("GET", ["test", "panic"]) => panic!("an API handler panics on purpose"),
        (_, known) if is_api_path(known) => {
            Err(ApiError::new(405, format!("{method} is not allowed on /api/{}", known.join("/"))))
        }
        _ => Err(ApiError::new(404, "no such API path (see docs/guide/http.md)")),
    }
}

/// Whether `path` is one the API serves with some method.
fn is_api_path(path: &[&str]) -> bool {
    matches!(
        path,
        ["tables"]
            | ["tables", _]
            | ["tables", _, "schema" | "rows" | "indexes" | "explain"]
            | ["tables", _, "rows", _]
            | ["stats"]
            | ["kv"]
            | ["kv", "value"]
    )
}

fn route_other(
    shared: &Shared,
    request: &Request,
    method: &str,
    path: &[&str],
) -> Result<Response, ApiError> {
    if method != "GET" {
        return Err(ApiError::new(405, format!("{method} is not allowed here; the UI only reads")));
    }
    match path {
        [] => ui::tables(shared, request),
        ["health"] => Ok(Response::new(200, "text/plain; charset=utf-8", "ok\n")),
        ["metrics"] => Ok(Response::new(
            200,
            "text/plain; version=0.0.4; charset=utf-8",
            stats::prometheus(shared),
        )),
        ["assets", key, name] => {
            assets::serve(key, name).ok_or_else(|| ApiError::new(404, "no such asset"))
        }
        ["ui", "tables", name] => ui::schema(shared, request, name),
        ["ui", "tables", name, "rows"] => ui::rows(shared, request, Some(name)),
        ["ui", "tables", name, "rows", seq] => ui::row(shared, request, name, seq),
        ["ui", "query"] => ui::rows(shared, request, None),
        ["ui", "storage"] => ui::storage(shared, request),
        ["ui", "kv"] => ui::kv(shared, request),
        ["ui", "kv", "value"] => ui::kv_value(shared, request),
        ["ui", "theme"] => Ok(ui::set_theme(request)),
        #[cfg(test)]
        ["test", "panic"] => panic!("a handler panics on purpose"),
        _ => Err(ApiError::new(404, "no such page")),
    }
}

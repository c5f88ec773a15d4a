//! Static assets compiled into the binary: htmx (vendored, see
//! `assets/htmx.LICENSE`) and the stylesheet. Their URLs carry the crate
//! version, so they are cached for a year and a new build gets new URLs.

use crate::http::Response;

/// htmx 2.0.11, `dist/htmx.min.js` of the npm package `htmx.org`.
const HTMX_JS: &[u8] = include_bytes!("../assets/htmx.min.js");
/// htmx's licence notice (Zero-Clause BSD).
const HTMX_LICENSE: &[u8] = include_bytes!("../assets/htmx.LICENSE");
/// The stylesheet: light and dark themes, narrow screens.
const STYLE_CSS: &[u8] = include_bytes!("../assets/style.css");

/// The URL prefix of the assets of this build.
pub(crate) const PREFIX: &str = concat!("/assets/", env!("CARGO_PKG_VERSION"), "/");

/// The asset called `name`, if there is one.
pub(crate) fn asset(name: &str) -> Option<Response> {
    let (content_type, body) = match name {
        "htmx.min.js" => ("text/javascript; charset=utf-8", HTMX_JS),
        "htmx.LICENSE" => ("text/plain; charset=utf-8", HTMX_LICENSE),
        "style.css" => ("text/css; charset=utf-8", STYLE_CSS),
        _ => return None,
    };
    Some(
        Response::new(200, content_type, body)
            .with_header("cache-control", "public, max-age=31536000, immutable"),
    )
}

//! Static assets compiled into the binary: htmx (vendored, see
//! `assets/htmx.LICENSE`) and the stylesheet.
//!
//! Each is served at `/assets/{hash}/{name}`, where `hash` is a 64-bit
//! FNV-1a hash of its bytes computed at compile time, with a one-year
//! `immutable` cache lifetime: a changed file gets a new URL, so browsers
//! fetch it at once, and an unchanged one stays cached across releases. A
//! request for a known name under another key (an older content, or the
//! crate-version paths of earlier releases) is redirected to the current
//! URL, uncached; unknown names are 404.

use std::sync::LazyLock;

use crate::http::Response;

/// One compiled-in file.
struct Asset {
    name: &'static str,
    content_type: &'static str,
    body: &'static [u8],
    /// The URL path segment that keys this content: [`content_key`] of the
    /// body, as 16 hex digits.
    key: u64,
}

const fn asset(name: &'static str, content_type: &'static str, body: &'static [u8]) -> Asset {
    Asset { name, content_type, body, key: content_key(body) }
}

/// Every asset. htmx 2.0.11 is `dist/htmx.min.js` of the npm package
/// `htmx.org`; its licence notice is Zero-Clause BSD. The stylesheet has
/// the light and dark themes and the narrow-screen layout.
static ASSETS: [Asset; 3] = [
    asset("htmx.min.js", "text/javascript; charset=utf-8", include_bytes!("../assets/htmx.min.js")),
    asset("htmx.LICENSE", "text/plain; charset=utf-8", include_bytes!("../assets/htmx.LICENSE")),
    asset("style.css", "text/css; charset=utf-8", include_bytes!("../assets/style.css")),
];

/// The current URL of every asset, by position in [`ASSETS`].
static URLS: LazyLock<Vec<String>> =
    LazyLock::new(|| ASSETS.iter().map(|a| format!("/assets/{:016x}/{}", a.key, a.name)).collect());

/// The 64-bit FNV-1a hash of `bytes`: the cache key of an asset's content.
/// A cache key, not a checksum: it only has to change when the content
/// does, and runs at compile time.
const fn content_key(bytes: &[u8]) -> u64 {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    let mut i = 0;
    while i < bytes.len() {
        hash ^= bytes[i] as u64;
        hash = hash.wrapping_mul(0x0100_0000_01b3);
        i += 1;
    }
    hash
}

/// The URL of the asset called `name`, keyed by its content.
///
/// # Panics
///
/// If there is no such asset (callers name them literally).
pub(crate) fn url(name: &str) -> &'static str {
    let i = ASSETS.iter().position(|a| a.name == name).expect("a compiled-in asset");
    &URLS[i]
}

/// The answer to `/assets/{key}/{name}`: the asset when `key` is its
/// content's, a redirect to its current URL for any other key, `None` for
/// an unknown name.
pub(crate) fn serve(key: &str, name: &str) -> Option<Response> {
    let i = ASSETS.iter().position(|a| a.name == name)?;
    let asset = &ASSETS[i];
    if key != format!("{:016x}", asset.key) {
        return Some(Response::redirect(URLS[i].clone()).with_header("cache-control", "no-store"));
    }
    Some(
        Response::new(200, asset.content_type, asset.body)
            .with_header("cache-control", "public, max-age=31536000, immutable"),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_key_is_fnv1a_and_follows_the_content() {
        // Reference values of 64-bit FNV-1a.
        assert_eq!(content_key(b""), 0xcbf2_9ce4_8422_2325);
        assert_eq!(content_key(b"a"), 0xaf63_dc4c_8601_ec8c);
        assert_eq!(content_key(b"foobar"), 0x8594_4171_f739_67e8);
        let css = include_bytes!("../assets/style.css");
        let mut changed = css.to_vec();
        changed.extend_from_slice(b"\nbody { color: red }\n");
        assert_ne!(content_key(css), content_key(&changed));
        assert_eq!(url("style.css"), format!("/assets/{:016x}/style.css", content_key(css)));
    }

    #[test]
    fn other_keys_redirect_and_unknown_names_are_none() {
        let current = serve(&format!("{:016x}", ASSETS[2].key), "style.css").unwrap();
        assert_eq!(current.status, 200);
        assert_eq!(current.body, include_bytes!("../assets/style.css"));
        let old = serve(env!("CARGO_PKG_VERSION"), "style.css").unwrap();
        assert_eq!(old.status, 303);
        assert!(old.headers.contains(&("location", url("style.css").to_owned())));
        assert!(serve(&format!("{:016x}", ASSETS[2].key), "evil.js").is_none());
    }
}

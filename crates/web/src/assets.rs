//! Static assets compiled into the binary: no CDN, works offline on a LAN.

use axum::extract::{Path, RawQuery};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};

const ASSETS: &[(&str, &str, &[u8])] = &[
    (
        "style.css",
        "text/css; charset=utf-8",
        include_bytes!("../assets/style.css"),
    ),
    (
        "htmx.min.js",
        "text/javascript; charset=utf-8",
        include_bytes!("../assets/htmx.min.js"),
    ),
    (
        "print.js",
        "text/javascript; charset=utf-8",
        include_bytes!("../assets/print.js"),
    ),
    (
        "keep.js",
        "text/javascript; charset=utf-8",
        include_bytes!("../assets/keep.js"),
    ),
    (
        "live.js",
        "text/javascript; charset=utf-8",
        include_bytes!("../assets/live.js"),
    ),
    (
        "offline.js",
        "text/javascript; charset=utf-8",
        include_bytes!("../assets/offline.js"),
    ),
    (
        "logo.svg",
        "image/svg+xml",
        include_bytes!("../assets/logo.svg"),
    ),
];

/// The assets' version: a hash of their bytes (FNV-1a), computed when the binary is
/// built. Pages name each asset `?v={VERSION}`, so a browser may keep it a year: a new
/// binary with changed assets names them anew.
pub const VERSION: u64 = {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    let mut i = 0;
    while i < ASSETS.len() {
        let bytes = ASSETS[i].2;
        let mut j = 0;
        while j < bytes.len() {
            hash ^= bytes[j] as u64;
            hash = hash.wrapping_mul(0x0100_0000_01b3);
            j += 1;
        }
        i += 1;
    }
    hash
};

/// A long cache for an asset named with this binary's version, an hour otherwise.
fn cache_for(query: Option<&str>) -> &'static str {
    let current = format!("v={VERSION}");
    if query.is_some_and(|q| q.split('&').any(|pair| pair == current)) {
        "public, max-age=31536000, immutable"
    } else {
        "public, max-age=3600"
    }
}

pub async fn serve(Path(path): Path<String>, RawQuery(query): RawQuery) -> Response {
    match ASSETS.iter().find(|(name, _, _)| *name == path) {
        Some((_, content_type, bytes)) => (
            [
                (header::CONTENT_TYPE, *content_type),
                (header::CACHE_CONTROL, cache_for(query.as_deref())),
            ],
            *bytes,
        )
            .into_response(),
        None => StatusCode::NOT_FOUND.into_response(),
    }
}

/// `GET /sw.js`: the service worker, at the root so that its scope is the whole site;
/// never cached by HTTP, so that a new version reaches the phones.
pub async fn service_worker() -> Response {
    (
        [
            (header::CONTENT_TYPE, "text/javascript; charset=utf-8"),
            (header::CACHE_CONTROL, "no-cache"),
        ],
        include_bytes!("../assets/sw.js").as_slice(),
    )
        .into_response()
}

/// `GET /manifest.webmanifest`: what makes the application installable on a phone,
/// opening on the offline quick capture.
pub async fn manifest(t: crate::i18n::Tr) -> Response {
    let body = serde_json::json!({
        "name": t.get("app-name"),
        "short_name": t.get("offline-short-name"),
        "lang": t.code(),
        "dir": t.dir(),
        "start_url": "/capture",
        "scope": "/",
        "display": "standalone",
        "background_color": "#ffffff",
        "theme_color": "#1f4e5f",
        "icons": [{"src": "/assets/logo.svg", "sizes": "any", "type": "image/svg+xml"}],
    });
    (
        [
            (header::CONTENT_TYPE, "application/manifest+json"),
            (header::CACHE_CONTROL, "public, max-age=3600"),
        ],
        body.to_string(),
    )
        .into_response()
}

//! Static assets compiled into the binary: no CDN, works offline on a LAN.

use axum::extract::Path;
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

pub async fn serve(Path(path): Path<String>) -> Response {
    match ASSETS.iter().find(|(name, _, _)| *name == path) {
        Some((_, content_type, bytes)) => (
            [
                (header::CONTENT_TYPE, *content_type),
                (header::CACHE_CONTROL, "public, max-age=3600"),
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

//! `/api/docs`: the browsable reference of the API, one page and its script served from the binary,
//! rendering `/api/openapi.json` (no CDN, no inline script, nothing from elsewhere).

use axum::http::header;
use axum::response::IntoResponse;

use crate::openapi::{Doc, Method, Routes};

const PAGE: &str = include_str!("reference.html");
const SCRIPT: &str = include_str!("reference.js");
const POLICY: &str = "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; \
                      frame-ancestors 'none'; base-uri 'none'; form-action 'none'";

pub fn add(routes: Routes) -> Routes {
    routes
        .add(
            Method::Get,
            "/api/docs",
            Doc::new("system", "This API's reference as a page, rendered from /api/openapi.json")
                .file(&["text/html"]),
            page,
        )
        .add(
            Method::Get,
            "/api/docs.js",
            Doc::new("system", "The reference page's script").file(&["text/javascript"]),
            script,
        )
}

async fn page() -> impl IntoResponse {
    ([(header::CONTENT_TYPE, "text/html; charset=utf-8"), (header::CONTENT_SECURITY_POLICY, POLICY)], PAGE)
}

async fn script() -> impl IntoResponse {
    ([(header::CONTENT_TYPE, "text/javascript; charset=utf-8")], SCRIPT)
}

//! The JSON API under `/api/v1`, plus `/healthz`, `/metrics` and `/api/openapi.json`.
//!
//! Only this crate knows HTTP statuses and JSON shapes of the API. Handlers parse input into types,
//! call one `app` use case, and shape the answer.

pub mod access;
pub mod error;
pub mod extract;
pub mod metrics;
pub mod openapi;
pub mod request_id;
mod routes;

pub use routes::calendar::CalendarDayBody;

use std::sync::Arc;

use app::App;
use axum::Router;
use axum::extract::{DefaultBodyLimit, Request};
use axum::http::header;
use axum::middleware::{self, Next};
use axum::response::Response;
use domain::limits::REQUEST_BODY_BYTES_MAX;
use tower_http::catch_panic::CatchPanicLayer;

use axum::http::StatusCode;

use crate::error::{PROBLEM_JSON, problem};

/// What every handler can reach.
#[derive(Clone)]
pub struct AppState {
    pub app: App,
    pub metrics: Arc<metrics::Metrics>,
    pub openapi: Arc<String>,
}

/// The OpenAPI document of every `/api/v1` route, as `/api/openapi.json` serves it.
pub fn openapi_document() -> serde_json::Value {
    routes::all().finish().1
}

/// The API router with its state; `extra` (the console) is merged in so that it shares the
/// request id, metrics and error layers.
pub fn router(app: App, extra: Router) -> Router {
    routers(app, extra, false).0
}

/// The API router and, when `metrics_apart`, a second router that serves only `/metrics` (for its
/// own listen address; the main one then answers `/metrics` with 404).
pub fn routers(app: App, extra: Router, metrics_apart: bool) -> (Router, Router) {
    let (api, document) = routes::all().finish();
    let state = AppState { app, metrics: Arc::default(), openapi: Arc::new(document.to_string()) };
    let metrics_only =
        Router::new().route("/metrics", axum::routing::get(routes::metrics_text)).with_state(state.clone());
    let metrics_layer = middleware::from_fn_with_state(state.clone(), metrics::layer);
    let access_layer = middleware::from_fn_with_state(state.clone(), access::layer);
    let main = api
        .fallback(not_found)
        .with_state(state)
        .merge(extra)
        .layer(access_layer)
        .layer(metrics_layer)
        .layer(middleware::from_fn(problem_for_bare_errors))
        .layer(CatchPanicLayer::custom(|_| problem(app::Code::Internal, "internal error")))
        .layer(DefaultBodyLimit::max(REQUEST_BODY_BYTES_MAX))
        .layer(middleware::from_fn(request_id::layer));
    let main = if metrics_apart { main.layer(middleware::from_fn(hide_metrics)) } else { main };
    (main, metrics_only)
}

/// With metrics on their own address, the main one does not serve them.
async fn hide_metrics(request: Request, next: Next) -> Response {
    if request.uri().path() == "/metrics" {
        return not_found().await;
    }
    next.run(request).await
}

async fn not_found() -> Response {
    problem(app::Code::NotFound, "no such route")
}

/// Lower layers (routing's 405, body limits) answer with bare statuses; give them the problem+json
/// shape too, so that every error a client sees looks the same. HTML pages of the console are left alone.
async fn problem_for_bare_errors(request: Request, next: Next) -> Response {
    let response = next.run(request).await;
    let status = response.status();
    if !(status.is_client_error() || status.is_server_error()) {
        return response;
    }
    let content_type =
        response.headers().get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).unwrap_or("");
    if content_type.starts_with(PROBLEM_JSON) || content_type.starts_with("text/html") {
        return response;
    }
    let code = code_for_status(status);
    let mut replaced = problem(code, status.canonical_reason().unwrap_or("error"));
    *replaced.status_mut() = status;
    replaced
}

/// The code a bare error status from a lower layer (body limit, routing) stands for.
fn code_for_status(status: StatusCode) -> app::Code {
    use app::Code;
    match status {
        StatusCode::NOT_FOUND => Code::NotFound,
        StatusCode::METHOD_NOT_ALLOWED => Code::MethodNotAllowed,
        StatusCode::PAYLOAD_TOO_LARGE => Code::PayloadTooLarge,
        StatusCode::UNSUPPORTED_MEDIA_TYPE => Code::UnsupportedMediaType,
        StatusCode::UNAUTHORIZED => Code::Unauthorized,
        StatusCode::FORBIDDEN => Code::Forbidden,
        StatusCode::REQUEST_TIMEOUT => Code::RequestTimeout,
        status if status.is_client_error() => Code::InvalidField,
        _ => Code::Internal,
    }
}

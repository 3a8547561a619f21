//! A request id on every request, response and log line: taken from `x-request-id` when the caller
//! sends a sane one, otherwise made here.

use std::sync::atomic::{AtomicU64, Ordering};

use axum::extract::Request;
use axum::http::HeaderValue;
use axum::middleware::Next;
use axum::response::Response;
use tracing::Instrument;

pub const REQUEST_ID_HEADER: &str = "x-request-id";
const REQUEST_ID_LENGTH_MAX: usize = 64;

#[derive(Debug, Clone)]
pub struct RequestId(pub String);

static NEXT: AtomicU64 = AtomicU64::new(1);

fn process_prefix() -> &'static str {
    static PREFIX: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    PREFIX.get_or_init(|| format!("{:08x}", std::process::id().wrapping_mul(2_654_435_761)))
}

fn sane(value: &str) -> bool {
    !value.is_empty()
        && value.len() <= REQUEST_ID_LENGTH_MAX
        && value.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
}

pub async fn layer(mut request: Request, next: Next) -> Response {
    let incoming = request.headers().get(REQUEST_ID_HEADER).and_then(|v| v.to_str().ok()).filter(|v| sane(v));
    let id = match incoming {
        Some(id) => id.to_owned(),
        None => format!("{}-{}", process_prefix(), NEXT.fetch_add(1, Ordering::Relaxed)),
    };
    request.extensions_mut().insert(RequestId(id.clone()));
    let span = tracing::info_span!("request", request_id = %id, method = %request.method(), path = %request.uri().path());
    let mut response = next.run(request).instrument(span).await;
    if let Ok(value) = HeaderValue::from_str(&id) {
        response.headers_mut().insert(REQUEST_ID_HEADER, value);
    }
    response
}

//! Every route of the API, grouped by area; each area adds itself to the registrar.

mod admin;
pub(crate) mod analytics;
pub(crate) mod calendar;
pub(crate) mod campaigns;
pub(crate) mod closure;
pub(crate) mod comments;
mod notifications;
mod operations;
pub(crate) mod payouts;
mod private_messages;
mod reputation;
mod sales;
mod shops;
mod system;

pub(crate) use system::metrics_text;
mod team;
mod verification;
mod videos;

use crate::openapi::Routes;

pub fn all() -> Routes {
    let routes = Routes::default();
    let routes = system::add(routes);
    let routes = admin::add(routes);
    let routes = shops::add(routes);
    let routes = operations::add(routes);
    let routes = closure::add(routes);
    let routes = payouts::add(routes);
    let routes = verification::add(routes);
    let routes = team::add(routes);
    let routes = videos::add(routes);
    let routes = notifications::add(routes);
    let routes = comments::add(routes);
    let routes = private_messages::add(routes);
    let routes = campaigns::add(routes);
    let routes = reputation::add(routes);
    let routes = analytics::add(routes);
    let routes = sales::add(routes);
    calendar::add(routes)
}

/// Role lists for the document.
pub(crate) const ANY_ROLE: &[&str] = &["admin", "reviewer", "merchant", "service"];
pub(crate) const ADMIN: &[&str] = &["admin"];
pub(crate) const MERCHANT: &[&str] = &["merchant"];
pub(crate) const REVIEWER: &[&str] = &["reviewer"];
pub(crate) const SERVICE: &[&str] = &["service"];

/// A page of a list as JSON, with the cursor of the next one (null on the last page).
pub(crate) fn page<T>(
    page: &app::audit::Page<T>,
    to_json: impl Fn(&T) -> serde_json::Value,
) -> axum::Json<serde_json::Value> {
    let items: Vec<serde_json::Value> = page.items.iter().map(to_json).collect();
    axum::Json(serde_json::json!({ "items": items, "next_cursor": page.next_cursor }))
}

/// `limit` and `cursor` of a list request.
#[derive(serde::Deserialize)]
pub(crate) struct PageQuery {
    pub limit: Option<u32>,
    pub cursor: Option<String>,
}

/// An instant as RFC 3339 in China time, as every API answer shows times.
pub(crate) fn china_time(ms: i64) -> Option<String> {
    chrono::DateTime::from_timestamp_millis(ms)
        .map(|t| t.with_timezone(&app::clock::china_offset()).to_rfc3339())
}

/// 201 with a body; a replayed answer says so in a header, its status and body being the first answer's.
pub(crate) fn created(body: serde_json::Value, replayed: bool) -> axum::response::Response {
    use axum::response::IntoResponse;
    let mut response = (axum::http::StatusCode::CREATED, axum::Json(body)).into_response();
    if replayed {
        response.headers_mut().insert("idempotent-replayed", axum::http::HeaderValue::from_static("true"));
    }
    response
}

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
mod reference;
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
    let routes = reference::add(routes);
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

/// What a handler answers: a JSON body of a type whose schema the document shows.
pub(crate) type Answer<T> = crate::error::ApiResult<crate::extract::Json<T>>;

/// A page of a list, with the cursor of the next one (null on the last page).
#[derive(serde::Serialize, schemars::JsonSchema)]
#[schemars(rename = "{T}Page")]
pub(crate) struct Page<T> {
    pub items: Vec<T>,
    pub next_cursor: Option<String>,
}

/// A page of the app's items as the API shows them, each converted by its `From`.
pub(crate) fn page<R, T>(page: &app::audit::Page<R>) -> crate::extract::Json<Page<T>>
where
    T: for<'a> From<&'a R>,
{
    page_with(page, |item| T::from(item))
}

/// A page of the app's items as the API shows them, each converted by `to_body`.
pub(crate) fn page_with<R, T>(
    page: &app::audit::Page<R>,
    to_body: impl Fn(&R) -> T,
) -> crate::extract::Json<Page<T>> {
    crate::extract::Json(Page {
        items: page.items.iter().map(to_body).collect(),
        next_cursor: page.next_cursor.clone(),
    })
}

/// A refused line of an NDJSON batch: its 1-based number and the code of why it was refused.
#[derive(serde::Serialize, schemars::JsonSchema)]
pub(crate) struct LineRejection {
    pub line: usize,
    pub code: &'static str,
}

/// A text in Chinese and in English.
#[derive(serde::Serialize, schemars::JsonSchema)]
pub(crate) struct Words {
    pub zh: &'static str,
    pub en: &'static str,
}

/// The items of a comma-separated list as stored (codes), none for an empty text.
pub(crate) fn words(list: &str) -> Vec<String> {
    list.split(',').filter(|item| !item.is_empty()).map(str::to_owned).collect()
}

/// `limit` and `cursor` of a list request.
#[derive(serde::Deserialize, schemars::JsonSchema)]
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
pub(crate) fn created<T: serde::Serialize>(body: T, replayed: bool) -> axum::response::Response {
    use axum::response::IntoResponse;
    let mut response = (axum::http::StatusCode::CREATED, axum::Json(body)).into_response();
    if replayed {
        response.headers_mut().insert("idempotent-replayed", axum::http::HeaderValue::from_static("true"));
    }
    response
}

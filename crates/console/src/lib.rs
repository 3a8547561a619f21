//! The server-rendered web console at `/console`: login, a role-aware layout, Chinese first with an
//! English switch, CSRF-protected forms and security headers. Pages call `app` use cases, exactly
//! like the API; only this crate knows HTML. `pages.rs` holds the foundation pages, `money.rs` the
//! shops, deposits, violations and appeals, `verification.rs` the enterprise accounts, blue-V
//! applications, the review queue, fees and notifications.

mod i18n;
mod layout;
mod money;
mod pages;
mod session;
mod verification;

use app::App;
use axum::Router;
use axum::extract::{DefaultBodyLimit, Request};
use axum::http::{HeaderValue, header};
use axum::middleware::{self, Next};
use axum::response::Response;
use axum::routing::{get, post};

pub use i18n::Lang;

#[derive(Clone)]
pub struct ConsoleState {
    pub app: App,
}

/// Every console route, with its security headers.
pub fn router(app: App) -> Router {
    Router::new()
        .route("/console", get(pages::root))
        .route("/console/", get(pages::root))
        .route("/console/login", get(pages::login_page).post(pages::login_submit))
        .route("/console/logout", post(pages::logout))
        .route("/console/lang", get(pages::switch_lang))
        .route("/console/home", get(pages::home))
        .route("/console/calendar", get(pages::calendar))
        .route("/console/admin/audit", get(pages::audit))
        .route("/console/admin/clock", get(pages::clock_page).post(pages::clock_submit))
        .route("/console/admin/jobs/run", post(pages::run_jobs))
        .route("/console/shops", get(money::shops).post(money::create_shop))
        .route("/console/shops/{id}", get(money::shop_page))
        .route("/console/shops/{id}/deposit/statement.csv", get(money::statement_csv))
        .route("/console/shops/{id}/violations", post(money::record_violation))
        .route("/console/violations/{id}/appeal", post(money::appeal))
        .route("/console/appeals", get(money::appeals))
        .route("/console/appeals/{id}/decision", post(money::decide_appeal))
        .route("/console/enterprise-accounts", get(verification::accounts).post(verification::create_account))
        .route("/console/enterprise-accounts/{id}", get(verification::account_page))
        .route("/console/enterprise-accounts/{id}/verifications", post(verification::create_application))
        .route("/console/verifications", get(verification::verifications))
        .route(
            "/console/verifications/{id}",
            get(verification::application_page).post(verification::update_application),
        )
        .route(
            "/console/verifications/{id}/documents",
            post(verification::upload_document)
                .layer(DefaultBodyLimit::max(verification::UPLOAD_BODY_BYTES_MAX)),
        )
        .route("/console/verifications/{id}/documents/{document_id}", get(verification::document))
        .route("/console/verifications/{id}/submit", post(verification::submit))
        .route("/console/verifications/{id}/claim", post(verification::claim))
        .route("/console/verifications/{id}/decision", post(verification::decide))
        .route("/console/verification-check", post(verification::check_field))
        .route("/console/fees", get(verification::fees).post(verification::confirm_fee))
        .route("/console/notifications", get(verification::notifications))
        .route("/console/notifications/{id}/read", post(verification::mark_read))
        .route(verification::SCRIPT_PATH, get(verification::script))
        .route("/console/{*rest}", get(pages::not_found))
        .layer(middleware::from_fn(security_headers))
        .with_state(ConsoleState { app })
}

async fn security_headers(request: Request, next: Next) -> Response {
    let mut response = next.run(request).await;
    let headers = response.headers_mut();
    let set = [
        (
            header::CONTENT_SECURITY_POLICY,
            "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; \
             object-src 'self'; frame-ancestors 'none'; form-action 'self'; base-uri 'none'",
        ),
        (header::X_FRAME_OPTIONS, "DENY"),
        (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
        (header::REFERRER_POLICY, "same-origin"),
        (header::CACHE_CONTROL, "no-store"),
    ];
    // A handler may set its own (a document may be framed by the console's pages); the rest get these.
    for (name, value) in set {
        headers.entry(name).or_insert(HeaderValue::from_static(value));
    }
    response
}

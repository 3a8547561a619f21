//! The server-rendered web console at `/console`: login, a role-aware layout, Chinese first with an
//! English switch, CSRF-protected forms and security headers. Pages call `app` use cases, exactly
//! like the API; only this crate knows HTML. `pages.rs` holds the foundation pages, `money.rs` the
//! shops, deposits, violations and appeals, `operations.rs` a shop's operations (products, orders,
//! after-sales, complaints, conversations, settlement, invoices), `closure.rs` the closure page,
//! the payout account and the refund queue, `verification.rs` the enterprise accounts, blue-V
//! applications, the review queue, fees and notifications, `videos.rs` the content calendar,
//! videos, the approval queue and the team, `payouts.rs` the payouts and their reconciliation, and
//! `private_messages.rs` the one inbox of comments and private messages with its conversations,
//! `auto_replies.rs` the auto-reply rules and `leads.rs` the leads.

mod analytics;
mod auto_replies;
mod backups;
mod campaigns;
mod closure;
mod comments;
mod home;
mod i18n;
mod kit;
mod leads;
mod money;
mod operations;
mod pages;
mod payouts;
mod private_messages;
mod reputation;
mod session;
mod verification;
mod videos;
mod webhooks;

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
    let video_body_bytes_max = videos::video_body_bytes_max(&app);
    Router::new()
        .route("/console", get(pages::root))
        .route("/console/", get(pages::root))
        .route("/console/login", get(pages::login_page).post(pages::login_submit))
        .route("/console/logout", post(pages::logout))
        .route("/console/lang", get(pages::switch_lang))
        .route("/console/home", get(home::home))
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
        .route("/console/notifications/read-all", post(verification::mark_all_read))
        .route("/console/notifications/{id}/read", post(verification::mark_read))
        .route("/console/enterprise-accounts/{id}/comments", get(comments::inbox))
        .route("/console/reputation", get(reputation::reputation_page))
        .route("/console/reputation.csv", get(reputation::series_csv))
        .route("/console/reputation/{id}/keywords", post(reputation::save_keywords))
        .route("/console/incidents/{id}", get(reputation::incident_page))
        .route("/console/incidents/{id}/assign", post(reputation::assign))
        .route("/console/incidents/{id}/resolve", post(reputation::resolve))
        .route("/console/incidents/{id}/violation", post(reputation::violation))
        .route("/console/enterprise-accounts/{id}/analytics", get(analytics::account_page))
        .route("/console/enterprise-accounts/{id}/analytics.csv", get(analytics::account_csv))
        .route("/console/videos/{id}/analytics", get(analytics::video_page))
        .route("/console/videos/{id}/analytics.csv", get(analytics::video_csv))
        .route("/console/shops/{id}/analytics", get(analytics::shop_page))
        .route("/console/shops/{id}/analytics.csv", get(analytics::shop_csv))
        .route("/console/shops/{id}/closure/report", get(analytics::closure_report_page))
        .route("/console/shops/{id}/closure/report.csv", get(analytics::closure_report_csv))
        .route("/console/shops/{id}/closure/report.pdf", get(analytics::closure_report_pdf))
        .route("/console/comments/{id}/reply", post(comments::reply))
        .route("/console/comments/{id}/hide", post(comments::hide))
        .route("/console/comments/{id}/unhide", post(comments::unhide))
        .route("/console/comments/{id}/pin", post(comments::pin))
        .route("/console/comments/{id}/unpin", post(comments::unpin))
        .route("/console/comments/{id}/sentiment", post(comments::sentiment))
        .route("/console/webhook", get(webhooks::webhook_page).post(webhooks::set_webhook))
        .route("/console/webhook/delete", post(webhooks::delete_webhook))
        .route("/console/webhook/ping", post(webhooks::ping_webhook))
        .route("/console/webhook/deliveries/{id}", get(webhooks::delivery_page))
        .route(verification::SCRIPT_PATH, get(verification::script))
        .route(private_messages::SCRIPT_PATH, get(private_messages::script))
        .route(
            "/console/shops/{id}/products",
            get(operations::products_page).post(operations::create_product),
        )
        .route("/console/products/{id}/delist", post(operations::delist_product))
        .route("/console/shops/{id}/orders", get(operations::orders_page))
        .route("/console/orders/{id}/ship", post(operations::ship_order))
        .route("/console/orders/{id}/cancel", post(operations::cancel_order))
        .route("/console/shops/{id}/after-sales", get(operations::after_sales_page))
        .route("/console/after-sales/{id}/resolve", post(operations::resolve_after_sales))
        .route("/console/shops/{id}/complaints", get(operations::complaints_page))
        .route("/console/complaints", get(operations::complaint_queue))
        .route("/console/complaints/{id}/resolve", post(operations::resolve_complaint))
        .route("/console/shops/{id}/conversations", get(operations::conversations_page))
        .route("/console/conversations/{id}", get(operations::conversation_page))
        .route("/console/conversations/{id}/replies", post(operations::reply))
        .route("/console/shops/{id}/settlement", get(operations::settlement_page))
        .route("/console/shops/{id}/withdrawals", post(operations::withdraw))
        .route("/console/commissions/{id}/pay", post(operations::pay_commission))
        .route("/console/shops/{id}/invoices", get(operations::invoices_page))
        .route("/console/invoices/{id}/issue", post(operations::issue_invoice))
        .route("/console/shops/{id}/payout-account", get(closure::payout_page).post(closure::save_payout))
        .route("/console/shops/{id}/closure", get(closure::closure_page).post(closure::request_closure))
        .route("/console/shops/{id}/closure/withdraw", post(closure::withdraw_closure))
        .route("/console/payouts", get(payouts::payouts_page))
        .route("/console/payouts/reconcile", get(payouts::reconcile_page).post(payouts::reconcile_submit))
        .route("/console/payouts/reconcile.csv", get(payouts::reconcile_csv))
        .route("/console/refunds", get(closure::refunds))
        .route("/console/refunds/{id}", get(closure::refund_page))
        .route("/console/refunds/{id}/decision", post(closure::decide_refund))
        .route("/console/enterprise-accounts/{id}/calendar", get(videos::calendar_page))
        .route(
            "/console/enterprise-accounts/{id}/campaigns",
            get(campaigns::planner_page).post(campaigns::create_campaign),
        )
        .route("/console/campaigns/{id}", get(campaigns::campaign_page))
        .route("/console/campaigns/{id}/videos", post(campaigns::link_video))
        .route("/console/campaigns/{id}/videos/{video_id}/unlink", post(campaigns::unlink_video))
        .route("/console/campaigns/{id}/cancel", post(campaigns::cancel))
        .route("/console/enterprise-accounts/{id}/cadence", post(videos::set_cadence))
        .route(
            "/console/enterprise-accounts/{id}/videos",
            get(videos::account_videos).post(videos::create_video),
        )
        .route("/console/videos", get(videos::all_videos))
        .route("/console/videos/{id}", get(videos::video_page).post(videos::update_video))
        .route(
            "/console/videos/{id}/file",
            post(videos::upload_file).layer(DefaultBodyLimit::max(video_body_bytes_max)),
        )
        .route(
            "/console/videos/{id}/cover",
            get(videos::cover)
                .post(videos::upload_cover)
                .layer(DefaultBodyLimit::max(videos::COVER_BODY_BYTES_MAX)),
        )
        .route("/console/videos/{id}/submit", post(videos::submit))
        .route("/console/videos/{id}/approve", post(videos::approve))
        .route("/console/videos/{id}/send-back", post(videos::send_back))
        .route("/console/videos/{id}/schedule", post(videos::schedule))
        .route("/console/videos/{id}/publish", post(videos::publish))
        .route("/console/videos/{id}/withdraw", post(videos::withdraw))
        .route("/console/videos/{id}/pin", post(videos::pin))
        .route("/console/videos/{id}/unpin", post(videos::unpin))
        .route("/console/approvals", get(videos::approvals))
        .route("/console/team", get(videos::team).post(videos::add_member))
        .route("/console/team/{id}/role", post(videos::change_role))
        .route("/console/team/{id}/remove", post(videos::remove_member))
        .route("/console/inbox", get(private_messages::inbox))
        .route("/console/private-conversations/{id}", get(private_messages::conversation_page))
        .route("/console/private-conversations/{id}/replies", post(private_messages::reply))
        .route("/console/private-conversations/{id}/changes", post(private_messages::change))
        .route("/console/auto-replies", get(auto_replies::rules_page).post(auto_replies::create_rule))
        .route("/console/auto-replies/{id}/enabled", post(auto_replies::set_enabled))
        .route("/console/auto-replies/{id}/delete", post(auto_replies::delete_rule))
        .route("/console/leads", get(leads::leads_page))
        .route("/console/leads.csv", get(leads::leads_csv))
        .route("/console/leads/{id}", post(leads::update_lead))
        .route(kit::UPLOAD_SCRIPT_PATH, get(kit::upload_script))
        .route(kit::DRAFT_SCRIPT_PATH, get(kit::draft_script))
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

//! Payouts and the platform feed: finance, reviewers and the payment channel read payouts; the
//! channel reports each one sent, paid or failed; the platform reads the feed after a cursor.

use axum::extract::State;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::{Answer, SERVICE, china_time};
use crate::AppState;
use crate::error::ApiResult;
use crate::extract::{Auth, Json, Path, Query};
use crate::openapi::{Doc, Method, Routes};
use app::feed::PlatformEvent;
use app::payouts::PayoutView;
use app::{AppError, Code};
use domain::payouts::Report;

const READERS: &[&str] = &["merchant", "reviewer", "admin", "service"];

pub fn add(routes: Routes) -> Routes {
    routes
        .add(
            Method::Get,
            "/api/v1/payouts",
            Doc::new("payouts", "Payouts newest first, by status and shop (finance of the merchant, reviewers, the payment channel); `before` is the cursor")
                .roles(READERS)
                .answer::<PayoutsPageBody>().query::<PayoutsQuery>(),
            get_payouts,
        )
        .add(
            Method::Get,
            "/api/v1/payouts/overdue",
            Doc::new("payouts", "Payouts still sent past their working-day limit, oldest first (the reviewers' queue)")
                .roles(&["reviewer", "admin"])
                .answer::<OverduePayoutsBody>(),
            get_overdue,
        )
        .add(
            Method::Get,
            "/api/v1/payouts/{id}",
            Doc::new("payouts", "One payout; the payment channel also reads the payee's account number").roles(READERS).answer::<PayoutBody>(),
            get_payout,
        )
        .add(
            Method::Post,
            "/api/v1/payouts/{id}/sent",
            Doc::new("payouts", "The channel took the payout (idempotent; a contradictory report answers payout_report_conflict)")
                .roles(SERVICE)
                .request::<PayoutSentRequest>()
                .answer::<PayoutBody>()
                .body(r#"{"channel_ref":"CH20261020001"}"#),
            post_sent,
        )
        .add(
            Method::Post,
            "/api/v1/payouts/{id}/paid",
            Doc::new("payouts", "The money arrived: the payout and what it pays read paid (idempotent)")
                .roles(SERVICE)
                .request::<PayoutPaidRequest>()
                .answer::<PayoutBody>()
                .body(r#"{"paid_at":"2026-10-20T10:00:00+08:00"}"#),
            post_paid,
        )
        .add(
            Method::Post,
            "/api/v1/payouts/{id}/failed",
            Doc::new("payouts", "The payout failed (before sending) or was returned (after): the money goes back and is owed again (idempotent)")
                .roles(SERVICE)
                .request::<PayoutFailedRequest>()
                .answer::<PayoutBody>()
                .body(r#"{"reason":"收款账户已销户"}"#),
            post_failed,
        )
        .add(
            Method::Get,
            "/api/v1/platform/events",
            Doc::new("platform", "Platform events after the cursor `after`, oldest first, at most `limit`; `wait=30s` long-polls for the first")
                .roles(SERVICE)
                .answer::<PlatformEventsBody>().query::<PlatformEventsQuery>(),
            get_events,
        )
        .add(Method::Get, "/api/v1/platform/events/{id}", Doc::new("platform", "One platform event").roles(SERVICE).answer::<PlatformEventBody>(), get_event)
        .add(
            Method::Get,
            "/api/v1/platform/videos/{id}/file",
            Doc::new("platform", "A published video's file through the signed, expiring link of its video.published event (no token)")
                .file(&["video/mp4", "video/quicktime"]).query::<PlatformFileQuery>(),
            get_video_file,
        )
}

/// A payout to a shop's or a creator's account.
#[derive(Serialize, JsonSchema)]
struct PayoutBody {
    id: i64,
    shop_id: i64,
    purpose: String,
    /// What is paid: `refund:ID`, `commission:ID`, or `withdrawal:SHOP`.
    reference: String,
    amount_fen: i64,
    status: &'static str,
    payee: PayoutPayeeBody,
    channel_ref: Option<String>,
    paid_on: Option<String>,
    failure_reason: Option<String>,
    requested_at: Option<String>,
    sent_at: Option<String>,
    overdue_on: Option<String>,
    overdue: bool,
    settled_at: Option<String>,
}

/// Who a payout pays; the account number is masked except for the payment channel.
#[derive(Serialize, JsonSchema)]
struct PayoutPayeeBody {
    holder_name: String,
    bank_name: String,
    account_number: String,
}

impl From<&PayoutView> for PayoutBody {
    fn from(v: &PayoutView) -> PayoutBody {
        let p = &v.payout;
        let account_number = v.account_number.clone().unwrap_or_else(|| format!("****{}", p.account_last4));
        PayoutBody {
            id: p.id,
            shop_id: p.shop_id,
            purpose: p.purpose.clone(),
            reference: p.reference.clone(),
            amount_fen: p.amount_fen,
            status: p.status.as_str(),
            payee: PayoutPayeeBody {
                holder_name: p.holder_name.clone(),
                bank_name: p.bank_name.clone(),
                account_number,
            },
            channel_ref: p.channel_ref.clone(),
            paid_on: p.paid_on.clone(),
            failure_reason: p.failure_reason.clone(),
            requested_at: china_time(p.requested_at_ms),
            sent_at: p.sent_at_ms.and_then(china_time),
            overdue_on: p.overdue_on.clone(),
            overdue: v.overdue,
            settled_at: p.settled_at_ms.and_then(china_time),
        }
    }
}

/// A page of payouts, newest first.
#[derive(Serialize, JsonSchema)]
struct PayoutsPageBody {
    items: Vec<PayoutBody>,
    /// The `before` of the next page; null on the last.
    next: Option<i64>,
}

/// The payouts past their working-day limit, oldest first.
#[derive(Serialize, JsonSchema)]
struct OverduePayoutsBody {
    items: Vec<PayoutBody>,
}

/// One platform event.
#[derive(Serialize, JsonSchema)]
struct PlatformEventBody {
    /// The event's id, the cursor to read after it.
    id: String,
    #[serde(rename = "type")]
    event_type: String,
    merchant_id: i64,
    created_at: Option<String>,
    /// What happened: its fields depend on the event's type.
    data: Value,
}

impl From<&PlatformEvent> for PlatformEventBody {
    fn from(e: &PlatformEvent) -> PlatformEventBody {
        PlatformEventBody {
            id: e.id.to_string(),
            event_type: e.event_type.clone(),
            merchant_id: e.merchant_id,
            created_at: china_time(e.created_at_ms),
            data: e.data.clone(),
        }
    }
}

/// Platform events after a cursor, oldest first.
#[derive(Serialize, JsonSchema)]
struct PlatformEventsBody {
    events: Vec<PlatformEventBody>,
    /// The `after` of the next read.
    next: String,
}

#[derive(Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
struct PayoutsQuery {
    status: Option<String>,
    shop_id: Option<i64>,
    before: Option<i64>,
    limit: Option<i64>,
}

async fn get_payouts(
    State(state): State<AppState>,
    auth: Auth,
    Query(q): Query<PayoutsQuery>,
) -> Answer<PayoutsPageBody> {
    let page = state.app.payouts(auth.actor(), q.status.as_deref(), q.shop_id, q.before, q.limit).await?;
    Ok(Json(PayoutsPageBody { items: page.items.iter().map(PayoutBody::from).collect(), next: page.next }))
}

async fn get_overdue(State(state): State<AppState>, auth: Auth) -> Answer<OverduePayoutsBody> {
    let list = state.app.overdue_payouts(auth.actor()).await?;
    Ok(Json(OverduePayoutsBody { items: list.iter().map(PayoutBody::from).collect() }))
}

async fn get_payout(State(state): State<AppState>, auth: Auth, Path(id): Path<i64>) -> Answer<PayoutBody> {
    Ok(Json(PayoutBody::from(&state.app.payout(auth.actor(), id).await?)))
}

#[derive(Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
struct PayoutSentRequest {
    channel_ref: String,
}

#[derive(Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
struct PayoutPaidRequest {
    paid_at: String,
}

#[derive(Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
struct PayoutFailedRequest {
    reason: String,
}

async fn post_sent(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<i64>,
    Json(b): Json<PayoutSentRequest>,
) -> Answer<PayoutBody> {
    let view = state.app.report_payout(&auth.0, id, Report::Sent { channel_ref: b.channel_ref }).await?;
    Ok(Json(PayoutBody::from(&view)))
}

async fn post_paid(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<i64>,
    Json(b): Json<PayoutPaidRequest>,
) -> Answer<PayoutBody> {
    let view = state.app.report_payout(&auth.0, id, Report::Paid { paid_on: b.paid_at }).await?;
    Ok(Json(PayoutBody::from(&view)))
}

async fn post_failed(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<i64>,
    Json(b): Json<PayoutFailedRequest>,
) -> Answer<PayoutBody> {
    let view = state.app.report_payout(&auth.0, id, Report::Failed { reason: b.reason }).await?;
    Ok(Json(PayoutBody::from(&view)))
}

#[derive(Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
struct PlatformEventsQuery {
    after: Option<String>,
    limit: Option<i64>,
    wait: Option<String>,
}

async fn get_events(
    State(state): State<AppState>,
    auth: Auth,
    Query(q): Query<PlatformEventsQuery>,
) -> Answer<PlatformEventsBody> {
    let after = match q.after.as_deref().map(str::trim).filter(|a| !a.is_empty()) {
        None => 0,
        Some(text) => text
            .parse::<i64>()
            .ok()
            .filter(|v| *v >= 0)
            .ok_or_else(|| AppError::new(Code::InvalidField, "after: a cursor from an earlier answer"))?,
    };
    let wait_ms = match q.wait.as_deref() {
        None => 0,
        Some(text) => domain::feed::parse_wait_ms(text)
            .ok_or_else(|| AppError::new(Code::InvalidField, "wait: 0s to 30s"))?,
    };
    let page = state.app.platform_events(auth.actor(), after, q.limit, wait_ms).await?;
    let events = page.events.iter().map(PlatformEventBody::from).collect();
    Ok(Json(PlatformEventsBody { events, next: page.next.to_string() }))
}

async fn get_event(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<i64>,
) -> Answer<PlatformEventBody> {
    Ok(Json(PlatformEventBody::from(&state.app.platform_event(auth.actor(), id).await?)))
}

#[derive(Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
struct PlatformFileQuery {
    expires: i64,
    signature: String,
}

/// Streams the file (never read whole into memory).
async fn get_video_file(
    State(state): State<AppState>,
    Path(id): Path<i64>,
    Query(link): Query<PlatformFileQuery>,
) -> ApiResult<axum::response::Response> {
    use axum::http::{HeaderValue, header};
    use axum::response::IntoResponse;
    let (path, content_type) = state.app.platform_video_file(id, link.expires, &link.signature).await?;
    let file = tokio::fs::File::open(&path).await.map_err(|e| AppError::internal(&e))?;
    let length = file.metadata().await.map_err(|e| AppError::internal(&e))?.len();
    let body = axum::body::Body::from_stream(tokio_util::io::ReaderStream::new(file));
    let mut response = body.into_response();
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    headers.insert(header::CONTENT_LENGTH, HeaderValue::from(length));
    Ok(response)
}

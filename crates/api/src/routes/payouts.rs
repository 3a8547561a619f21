//! Payouts and the platform feed: finance, reviewers and the payment channel read payouts; the
//! channel reports each one sent, paid or failed; the platform reads the feed after a cursor.

use axum::extract::State;
use serde::Deserialize;
use serde_json::{Value, json};

use super::{SERVICE, china_time};
use crate::AppState;
use crate::error::ApiResult;
use crate::extract::{Auth, Json, Path, Query};
use crate::openapi::{Doc, Method, Routes};
use app::feed::PlatformEvent;
use app::payouts::PayoutView;
use app::{AppError, Code};
use domain::payouts::Report;

type Answer = ApiResult<axum::Json<Value>>;

const READERS: &[&str] = &["merchant", "reviewer", "admin", "service"];

pub fn add(routes: Routes) -> Routes {
    routes
        .add(
            Method::Get,
            "/api/v1/payouts",
            Doc::new("payouts", "Payouts newest first, by status and shop (finance of the merchant, reviewers, the payment channel); `before` is the cursor")
                .roles(READERS),
            get_payouts,
        )
        .add(
            Method::Get,
            "/api/v1/payouts/overdue",
            Doc::new("payouts", "Payouts still sent past their working-day limit, oldest first (the reviewers' queue)")
                .roles(&["reviewer", "admin"]),
            get_overdue,
        )
        .add(
            Method::Get,
            "/api/v1/payouts/{id}",
            Doc::new("payouts", "One payout; the payment channel also reads the payee's account number").roles(READERS),
            get_payout,
        )
        .add(
            Method::Post,
            "/api/v1/payouts/{id}/sent",
            Doc::new("payouts", "The channel took the payout (idempotent; a contradictory report answers payout_report_conflict)")
                .roles(SERVICE)
                .body(r#"{"channel_ref":"CH20261020001"}"#),
            post_sent,
        )
        .add(
            Method::Post,
            "/api/v1/payouts/{id}/paid",
            Doc::new("payouts", "The money arrived: the payout and what it pays read paid (idempotent)")
                .roles(SERVICE)
                .body(r#"{"paid_at":"2026-10-20T10:00:00+08:00"}"#),
            post_paid,
        )
        .add(
            Method::Post,
            "/api/v1/payouts/{id}/failed",
            Doc::new("payouts", "The payout failed (before sending) or was returned (after): the money goes back and is owed again (idempotent)")
                .roles(SERVICE)
                .body(r#"{"reason":"收款账户已销户"}"#),
            post_failed,
        )
        .add(
            Method::Get,
            "/api/v1/platform/events",
            Doc::new("platform", "Platform events after the cursor `after`, oldest first, at most `limit`; `wait=30s` long-polls for the first")
                .roles(SERVICE),
            get_events,
        )
        .add(Method::Get, "/api/v1/platform/events/{id}", Doc::new("platform", "One platform event").roles(SERVICE), get_event)
        .add(
            Method::Get,
            "/api/v1/platform/videos/{id}/file",
            Doc::new("platform", "A published video's file through the signed, expiring link of its video.published event (no token)"),
            get_video_file,
        )
}

pub fn payout_json(v: &PayoutView) -> Value {
    let p = &v.payout;
    let mut body = json!({
        "id": p.id,
        "shop_id": p.shop_id,
        "purpose": p.purpose,
        "reference": p.reference,
        "amount_fen": p.amount_fen,
        "status": p.status.as_str(),
        "payee": {
            "holder_name": p.holder_name,
            "bank_name": p.bank_name,
            "account_number": format!("****{}", p.account_last4),
        },
        "channel_ref": p.channel_ref,
        "paid_on": p.paid_on,
        "failure_reason": p.failure_reason,
        "requested_at": china_time(p.requested_at_ms),
        "sent_at": p.sent_at_ms.and_then(china_time),
        "overdue_on": p.overdue_on,
        "overdue": v.overdue,
        "settled_at": p.settled_at_ms.and_then(china_time),
    });
    if let Some(number) = &v.account_number {
        body["payee"]["account_number"] = json!(number);
    }
    body
}

fn event_json(e: &PlatformEvent) -> Value {
    json!({
        "id": e.id.to_string(),
        "type": e.event_type,
        "merchant_id": e.merchant_id,
        "created_at": china_time(e.created_at_ms),
        "data": e.data,
    })
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ListQuery {
    status: Option<String>,
    shop_id: Option<i64>,
    before: Option<i64>,
    limit: Option<i64>,
}

async fn get_payouts(State(state): State<AppState>, auth: Auth, Query(q): Query<ListQuery>) -> Answer {
    let page = state.app.payouts(auth.actor(), q.status.as_deref(), q.shop_id, q.before, q.limit).await?;
    Ok(axum::Json(json!({
        "items": page.items.iter().map(payout_json).collect::<Vec<_>>(),
        "next": page.next,
    })))
}

async fn get_overdue(State(state): State<AppState>, auth: Auth) -> Answer {
    let list = state.app.overdue_payouts(auth.actor()).await?;
    Ok(axum::Json(json!({ "items": list.iter().map(payout_json).collect::<Vec<_>>() })))
}

async fn get_payout(State(state): State<AppState>, auth: Auth, Path(id): Path<i64>) -> Answer {
    Ok(axum::Json(payout_json(&state.app.payout(auth.actor(), id).await?)))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct SentBody {
    channel_ref: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct PaidBody {
    paid_at: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct FailedBody {
    reason: String,
}

async fn post_sent(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<i64>,
    Json(b): Json<SentBody>,
) -> Answer {
    let view = state.app.report_payout(&auth.0, id, Report::Sent { channel_ref: b.channel_ref }).await?;
    Ok(axum::Json(payout_json(&view)))
}

async fn post_paid(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<i64>,
    Json(b): Json<PaidBody>,
) -> Answer {
    let view = state.app.report_payout(&auth.0, id, Report::Paid { paid_on: b.paid_at }).await?;
    Ok(axum::Json(payout_json(&view)))
}

async fn post_failed(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<i64>,
    Json(b): Json<FailedBody>,
) -> Answer {
    let view = state.app.report_payout(&auth.0, id, Report::Failed { reason: b.reason }).await?;
    Ok(axum::Json(payout_json(&view)))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct EventsQuery {
    after: Option<String>,
    limit: Option<i64>,
    wait: Option<String>,
}

async fn get_events(State(state): State<AppState>, auth: Auth, Query(q): Query<EventsQuery>) -> Answer {
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
    Ok(axum::Json(json!({
        "events": page.events.iter().map(event_json).collect::<Vec<_>>(),
        "next": page.next.to_string(),
    })))
}

async fn get_event(State(state): State<AppState>, auth: Auth, Path(id): Path<i64>) -> Answer {
    Ok(axum::Json(event_json(&state.app.platform_event(auth.actor(), id).await?)))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct FileLink {
    expires: i64,
    signature: String,
}

/// Streams the file (never read whole into memory).
async fn get_video_file(
    State(state): State<AppState>,
    Path(id): Path<i64>,
    Query(link): Query<FileLink>,
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

//! Shop closure: the checks, the request and its withdrawal, the payout account, and the deposit
//! refunds reviewers decide.

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use serde_json::{Value, json};

use super::{ANY_ROLE, MERCHANT, REVIEWER, china_time};
use crate::AppState;
use crate::error::{ApiResult, problem_with};
use crate::extract::{Auth, Json, Path, Query};
use crate::openapi::{Doc, Method, Routes};
use app::Code;
use app::closure::{ClosureOutcome, ClosureRow, PayoutView, RefundView};
use domain::closure::Check;

type Answer = ApiResult<axum::Json<Value>>;

pub fn add(routes: Routes) -> Routes {
    routes
        .add(
            Method::Get,
            "/api/v1/shops/{id}/closure/checks",
            Doc::new("closure", "Every closure check, with what clears it").roles(ANY_ROLE),
            get_checks,
        )
        .add(Method::Get, "/api/v1/shops/{id}/closure", Doc::new("closure", "The latest closure request").roles(ANY_ROLE), get_closure)
        .add(
            Method::Post,
            "/api/v1/shops/{id}/closure",
            Doc::new("closure", "Ask to close the shop (starts the 30-day notice period)")
                .roles(MERCHANT)
                .status(202)
                .body(r#"{"reason_code":"no_longer_operating","reason_text":"公司调整业务方向，不再经营线上店铺","confirm_name":"杭州小店"}"#),
            post_closure,
        )
        .add(
            Method::Delete,
            "/api/v1/shops/{id}/closure",
            Doc::new("closure", "Withdraw the closure during the notice period").roles(MERCHANT),
            delete_closure,
        )
        .add(
            Method::Put,
            "/api/v1/shops/{id}/payout-account",
            Doc::new("closure", "Set the account refunds and withdrawals are paid to")
                .roles(MERCHANT)
                .body(r#"{"holder_name":"杭州小店科技有限公司","bank_name":"招商银行","account_number":"6222021001112345"}"#),
            put_payout,
        )
        .add(Method::Get, "/api/v1/shops/{id}/payout-account", Doc::new("closure", "The payout account (masked)").roles(ANY_ROLE), get_payout)
        .add(
            Method::Get,
            "/api/v1/refunds",
            Doc::new("refunds", "Deposit refunds by status, earliest due first, with overdue flags (limit, cursor)").roles(&["reviewer", "admin"]),
            get_refunds,
        )
        .add(Method::Get, "/api/v1/refunds/{id}", Doc::new("refunds", "One deposit refund").roles(ANY_ROLE), get_refund)
        .add(
            Method::Post,
            "/api/v1/refunds/{id}/decision",
            Doc::new("refunds", "Decide a refund once: full, partial or forfeit")
                .roles(REVIEWER)
                .body(r#"{"outcome":"partial","deduct_fen":10000,"reason":"赔付消费者"}"#),
            post_decision,
        )
}

pub fn check_json(c: &Check) -> Value {
    let (zh, en) = c.code.action();
    json!({
        "code": c.code.as_str(),
        "title": c.code.name_zh(),
        "passed": c.passed,
        "count": c.count,
        "action": { "zh": zh, "en": en },
        "clears_on": c.clears_on.map(|d| d.to_string()),
    })
}

fn closure_json(c: &ClosureRow) -> Value {
    let blockers: Vec<&str> = c.blockers.split(',').filter(|b| !b.is_empty()).collect();
    json!({
        "id": c.id,
        "shop_id": c.shop_id,
        "status": c.status.as_str(),
        "reason_code": c.reason_code,
        "reason_text": c.reason_text,
        "requested_at": china_time(c.requested_at_ms),
        "closes_on": c.closes_on,
        "blockers": blockers,
        "ended_at": c.ended_at_ms.and_then(china_time),
    })
}

pub fn refund_json(v: &RefundView) -> Value {
    let r = &v.refund;
    let reasons: Vec<&str> = r.review_reasons.split(',').filter(|b| !b.is_empty()).collect();
    json!({
        "id": r.id,
        "shop_id": r.shop_id,
        "status": r.status.as_str(),
        "amount_fen": r.amount_fen,
        "closed_on": r.closed_on,
        "release_on": r.release_on,
        "due_on": r.due_on,
        "overdue": v.overdue,
        "review_reasons": reasons,
        "outcome": r.outcome,
        "paid_fen": r.paid_fen,
        "deduct_fen": r.deduct_fen,
        "reason": r.decision_reason,
        "decided_at": r.decided_at_ms.and_then(china_time),
    })
}

fn payout_json(p: &PayoutView) -> Value {
    json!({
        "holder_name": p.holder_name,
        "bank_name": p.bank_name,
        "account_number": format!("****{}", p.account_last4),
    })
}

async fn get_checks(State(state): State<AppState>, auth: Auth, Path(id): Path<i64>) -> Answer {
    let report = state.app.closure_checks(auth.actor(), id).await?;
    Ok(axum::Json(json!({
        "checks": report.checks.iter().map(check_json).collect::<Vec<_>>(),
        "earliest_close_on": report.earliest_close_on.to_string(),
        "blocked": report.blocked,
    })))
}

async fn get_closure(State(state): State<AppState>, auth: Auth, Path(id): Path<i64>) -> Answer {
    let closure = state.app.closure(auth.actor(), id).await?;
    Ok(axum::Json(closure.as_ref().map(closure_json).unwrap_or(Value::Null)))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct CloseRequest {
    reason_code: String,
    reason_text: String,
    confirm_name: String,
}

async fn post_closure(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<i64>,
    Json(b): Json<CloseRequest>,
) -> ApiResult<Response> {
    match state.app.request_closure(&auth.0, id, &b.reason_code, &b.reason_text, &b.confirm_name).await? {
        ClosureOutcome::Notice(closure) => {
            Ok((StatusCode::ACCEPTED, axum::Json(closure_json(&closure))).into_response())
        }
        ClosureOutcome::Blocked(checks) => {
            let codes: Vec<&str> = checks.iter().map(|c| c.code.as_str()).collect();
            let detail = format!("blocked by {}", codes.join(", "));
            let extra = json!({ "checks": checks.iter().map(check_json).collect::<Vec<_>>() });
            Ok(problem_with(Code::ClosureBlocked, &detail, extra))
        }
    }
}

async fn delete_closure(State(state): State<AppState>, auth: Auth, Path(id): Path<i64>) -> Answer {
    Ok(axum::Json(closure_json(&state.app.withdraw_closure(&auth.0, id).await?)))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Payout {
    holder_name: String,
    bank_name: String,
    account_number: String,
}

async fn put_payout(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<i64>,
    Json(b): Json<Payout>,
) -> Answer {
    let view =
        state.app.set_payout_account(&auth.0, id, &b.holder_name, &b.bank_name, &b.account_number).await?;
    Ok(axum::Json(payout_json(&view)))
}

async fn get_payout(State(state): State<AppState>, auth: Auth, Path(id): Path<i64>) -> Answer {
    let view = state.app.payout_account(auth.actor(), id).await?;
    Ok(axum::Json(view.as_ref().map(payout_json).unwrap_or(Value::Null)))
}

#[derive(Deserialize)]
struct RefundsQuery {
    status: Option<String>,
    limit: Option<u32>,
    cursor: Option<String>,
}

async fn get_refunds(State(state): State<AppState>, auth: Auth, Query(q): Query<RefundsQuery>) -> Answer {
    let list =
        state.app.list_refunds(auth.actor(), q.status.as_deref(), q.limit, q.cursor.as_deref()).await?;
    Ok(super::page(&list, refund_json))
}

async fn get_refund(State(state): State<AppState>, auth: Auth, Path(id): Path<i64>) -> Answer {
    Ok(axum::Json(refund_json(&state.app.refund(auth.actor(), id).await?)))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Decision {
    outcome: String,
    #[serde(default)]
    deduct_fen: i64,
    #[serde(default)]
    reason: String,
}

async fn post_decision(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<i64>,
    Json(b): Json<Decision>,
) -> Answer {
    let view = state.app.decide_refund(&auth.0, id, &b.outcome, b.deduct_fen, &b.reason).await?;
    Ok(axum::Json(refund_json(&view)))
}

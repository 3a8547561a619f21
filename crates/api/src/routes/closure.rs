//! Shop closure: the checks, the request and its withdrawal, the payout account, and the deposit
//! refunds reviewers decide.

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::json;

use super::{ANY_ROLE, Answer, MERCHANT, Page, REVIEWER, Words, china_time, page, words};
use crate::AppState;
use crate::error::{ApiResult, problem_with};
use crate::extract::{Auth, Json, Path, Query};
use crate::openapi::{Doc, Method, Routes};
use app::Code;
use app::closure::{ClosureOutcome, ClosureRow, PayoutView, RefundView};
use domain::closure::Check;

pub fn add(routes: Routes) -> Routes {
    routes
        .add(
            Method::Get,
            "/api/v1/shops/{id}/closure/checks",
            Doc::new("closure", "Every closure check, with what clears it").roles(ANY_ROLE).answer::<ChecksBody>(),
            get_checks,
        )
        .add(Method::Get, "/api/v1/shops/{id}/closure", Doc::new("closure", "The latest closure request").roles(ANY_ROLE).answer::<Option<ClosureBody>>(), get_closure)
        .add(
            Method::Post,
            "/api/v1/shops/{id}/closure",
            Doc::new("closure", "Ask to close the shop (starts the 30-day notice period)")
                .roles(MERCHANT)
                .status(202)
                .request::<CloseRequest>()
                .answer::<ClosureBody>()
                .body(r#"{"reason_code":"no_longer_operating","reason_text":"公司调整业务方向，不再经营线上店铺","confirm_name":"杭州小店"}"#),
            post_closure,
        )
        .add(
            Method::Delete,
            "/api/v1/shops/{id}/closure",
            Doc::new("closure", "Withdraw the closure during the notice period").roles(MERCHANT).answer::<ClosureBody>(),
            delete_closure,
        )
        .add(
            Method::Put,
            "/api/v1/shops/{id}/payout-account",
            Doc::new("closure", "Set the account refunds and withdrawals are paid to")
                .roles(MERCHANT)
                .request::<Payout>()
                .answer::<PayoutAccountBody>()
                .body(r#"{"holder_name":"杭州小店科技有限公司","bank_name":"招商银行","account_number":"6222021001112345"}"#),
            put_payout,
        )
        .add(Method::Get, "/api/v1/shops/{id}/payout-account", Doc::new("closure", "The payout account (masked)").roles(ANY_ROLE).answer::<Option<PayoutAccountBody>>(), get_payout)
        .add(
            Method::Get,
            "/api/v1/refunds",
            Doc::new("refunds", "Deposit refunds by status, earliest due first, with overdue flags (limit, cursor)").roles(&["reviewer", "admin"]).answer::<Page<RefundBody>>().query::<RefundsQuery>(),
            get_refunds,
        )
        .add(Method::Get, "/api/v1/refunds/{id}", Doc::new("refunds", "One deposit refund").roles(ANY_ROLE).answer::<RefundBody>(), get_refund)
        .add(
            Method::Post,
            "/api/v1/refunds/{id}/decision",
            Doc::new("refunds", "Decide a refund once: full, partial or forfeit")
                .roles(REVIEWER)
                .request::<Decision>()
                .answer::<RefundBody>()
                .body(r#"{"outcome":"partial","deduct_fen":10000,"reason":"赔付消费者"}"#),
            post_decision,
        )
}

/// One closure check as the API shows it.
#[derive(Serialize, JsonSchema)]
pub struct CheckBody {
    /// The check's stable code.
    pub code: &'static str,
    pub title: &'static str,
    pub passed: bool,
    pub count: i64,
    /// What clears the check, in Chinese and English.
    pub action: Words,
    /// The day the check clears by itself, when it does (`YYYY-MM-DD`).
    pub clears_on: Option<String>,
}

impl From<&Check> for CheckBody {
    fn from(c: &Check) -> CheckBody {
        let (zh, en) = c.code.action();
        CheckBody {
            code: c.code.as_str(),
            title: c.code.name_zh(),
            passed: c.passed,
            count: c.count,
            action: Words { zh, en },
            clears_on: c.clears_on.map(|d| d.to_string()),
        }
    }
}

/// Every check at once.
#[derive(Serialize, JsonSchema)]
struct ChecksBody {
    checks: Vec<CheckBody>,
    /// The earliest day the shop can close if asked today (`YYYY-MM-DD`).
    earliest_close_on: String,
    blocked: bool,
}

/// A closure request.
#[derive(Serialize, JsonSchema)]
struct ClosureBody {
    id: i64,
    shop_id: i64,
    status: &'static str,
    reason_code: String,
    reason_text: String,
    requested_at: Option<String>,
    closes_on: String,
    /// The failing check codes of the last re-check.
    blockers: Vec<String>,
    ended_at: Option<String>,
}

impl From<&ClosureRow> for ClosureBody {
    fn from(c: &ClosureRow) -> ClosureBody {
        ClosureBody {
            id: c.id,
            shop_id: c.shop_id,
            status: c.status.as_str(),
            reason_code: c.reason_code.clone(),
            reason_text: c.reason_text.clone(),
            requested_at: china_time(c.requested_at_ms),
            closes_on: c.closes_on.clone(),
            blockers: words(&c.blockers),
            ended_at: c.ended_at_ms.and_then(china_time),
        }
    }
}

/// A deposit refund.
#[derive(Serialize, JsonSchema)]
pub struct RefundBody {
    pub id: i64,
    pub shop_id: i64,
    pub status: &'static str,
    /// What was held at closure.
    pub amount_fen: i64,
    pub closed_on: String,
    pub release_on: String,
    pub due_on: String,
    pub overdue: bool,
    /// Why the release job sent the refund to review.
    pub review_reasons: Vec<String>,
    pub outcome: Option<String>,
    pub paid_fen: Option<i64>,
    pub deduct_fen: Option<i64>,
    pub reason: Option<String>,
    pub decided_at: Option<String>,
}

impl From<&RefundView> for RefundBody {
    fn from(v: &RefundView) -> RefundBody {
        let r = &v.refund;
        RefundBody {
            id: r.id,
            shop_id: r.shop_id,
            status: r.status.as_str(),
            amount_fen: r.amount_fen,
            closed_on: r.closed_on.clone(),
            release_on: r.release_on.clone(),
            due_on: r.due_on.clone(),
            overdue: v.overdue,
            review_reasons: words(&r.review_reasons),
            outcome: r.outcome.clone(),
            paid_fen: r.paid_fen,
            deduct_fen: r.deduct_fen,
            reason: r.decision_reason.clone(),
            decided_at: r.decided_at_ms.and_then(china_time),
        }
    }
}

/// The payout account, its number masked to the last four digits.
#[derive(Serialize, JsonSchema)]
struct PayoutAccountBody {
    holder_name: String,
    bank_name: String,
    account_number: String,
}

impl From<&PayoutView> for PayoutAccountBody {
    fn from(p: &PayoutView) -> PayoutAccountBody {
        PayoutAccountBody {
            holder_name: p.holder_name.clone(),
            bank_name: p.bank_name.clone(),
            account_number: format!("****{}", p.account_last4),
        }
    }
}

async fn get_checks(State(state): State<AppState>, auth: Auth, Path(id): Path<i64>) -> Answer<ChecksBody> {
    let report = state.app.closure_checks(auth.actor(), id).await?;
    Ok(Json(ChecksBody {
        checks: report.checks.iter().map(CheckBody::from).collect(),
        earliest_close_on: report.earliest_close_on.to_string(),
        blocked: report.blocked,
    }))
}

async fn get_closure(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<i64>,
) -> Answer<Option<ClosureBody>> {
    let closure = state.app.closure(auth.actor(), id).await?;
    Ok(Json(closure.as_ref().map(ClosureBody::from)))
}

#[derive(Deserialize, JsonSchema)]
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
            Ok((StatusCode::ACCEPTED, Json(ClosureBody::from(&closure))).into_response())
        }
        ClosureOutcome::Blocked(checks) => {
            let codes: Vec<&str> = checks.iter().map(|c| c.code.as_str()).collect();
            let detail = format!("blocked by {}", codes.join(", "));
            let extra = json!({ "checks": checks.iter().map(CheckBody::from).collect::<Vec<_>>() });
            Ok(problem_with(Code::ClosureBlocked, &detail, extra))
        }
    }
}

async fn delete_closure(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<i64>,
) -> Answer<ClosureBody> {
    Ok(Json(ClosureBody::from(&state.app.withdraw_closure(&auth.0, id).await?)))
}

#[derive(Deserialize, JsonSchema)]
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
) -> Answer<PayoutAccountBody> {
    let view =
        state.app.set_payout_account(&auth.0, id, &b.holder_name, &b.bank_name, &b.account_number).await?;
    Ok(Json(PayoutAccountBody::from(&view)))
}

async fn get_payout(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<i64>,
) -> Answer<Option<PayoutAccountBody>> {
    let view = state.app.payout_account(auth.actor(), id).await?;
    Ok(Json(view.as_ref().map(PayoutAccountBody::from)))
}

#[derive(Deserialize, JsonSchema)]
struct RefundsQuery {
    status: Option<String>,
    limit: Option<u32>,
    cursor: Option<String>,
}

async fn get_refunds(
    State(state): State<AppState>,
    auth: Auth,
    Query(q): Query<RefundsQuery>,
) -> Answer<Page<RefundBody>> {
    let list =
        state.app.list_refunds(auth.actor(), q.status.as_deref(), q.limit, q.cursor.as_deref()).await?;
    Ok(page(&list))
}

async fn get_refund(State(state): State<AppState>, auth: Auth, Path(id): Path<i64>) -> Answer<RefundBody> {
    Ok(Json(RefundBody::from(&state.app.refund(auth.actor(), id).await?)))
}

#[derive(Deserialize, JsonSchema)]
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
) -> Answer<RefundBody> {
    let view = state.app.decide_refund(&auth.0, id, &b.outcome, b.deduct_fen, &b.reason).await?;
    Ok(Json(RefundBody::from(&view)))
}

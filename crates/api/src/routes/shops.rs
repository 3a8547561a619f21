//! Shops, their deposits (view, top-ups, statement) and their violations.

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use serde_json::{Value, json};

use super::{ANY_ROLE, MERCHANT, REVIEWER, SERVICE, china_time, created};
use crate::AppState;
use crate::error::ApiResult;
use crate::extract::{Auth, Json, Path, Query, money_request};
use crate::openapi::{Doc, Method, Routes};
use app::shops::{DepositEntry, NewShopInput, ShopRow};
use app::violations::{NewViolationInput, ViolationRow};

pub fn add(routes: Routes) -> Routes {
    let create = Doc::new("shops", "Open a shop").roles(MERCHANT).status(201).body(
        r#"{"name":"杭州小店","entity_type":"enterprise","entity_name":"杭州小店科技有限公司","category":"apparel"}"#,
    );
    let top_up = Doc::new("deposits", "Credit a payment to the deposit")
        .roles(SERVICE)
        .status(201)
        .idempotent()
        .body(r#"{"amount_fen":50000,"payment_ref":"pay-20261123-0001"}"#);
    let violation = Doc::new("violations", "Record a violation; the penalty is deducted at once").roles(REVIEWER).status(201).idempotent().body(
        r#"{"kind":"late_shipment","severity":"minor","penalty_fen":10000,"beneficiary":"platform","evidence":"..."}"#,
    );
    routes
        .add(Method::Post, "/api/v1/shops", create, create_shop)
        .add(
            Method::Get,
            "/api/v1/shops",
            Doc::new("shops", "The caller's shops (all for platform roles)").roles(ANY_ROLE),
            list_shops,
        )
        .add(Method::Get, "/api/v1/shops/{id}", Doc::new("shops", "One shop").roles(ANY_ROLE), get_shop)
        .add(
            Method::Get,
            "/api/v1/shops/{id}/deposit",
            Doc::new("deposits", "Balance, held, required, shortfall").roles(ANY_ROLE),
            get_deposit,
        )
        .add(Method::Post, "/api/v1/shops/{id}/deposit/top-ups", top_up, post_top_up)
        .add(
            Method::Get,
            "/api/v1/shops/{id}/deposit/entries",
            Doc::new("deposits", "Deposit entries with running balance (limit, cursor)").roles(ANY_ROLE),
            get_entries,
        )
        .add(
            Method::Get,
            "/api/v1/shops/{id}/deposit/statement.csv",
            Doc::new("deposits", "The statement as CSV (UTF-8 with BOM)").roles(ANY_ROLE),
            get_statement_csv,
        )
        .add(Method::Post, "/api/v1/shops/{id}/violations", violation, post_violation)
        .add(
            Method::Get,
            "/api/v1/shops/{id}/violations",
            Doc::new("violations", "A shop's violations").roles(ANY_ROLE),
            get_shop_violations,
        )
        .add(
            Method::Get,
            "/api/v1/violations/{id}",
            Doc::new("violations", "One violation").roles(ANY_ROLE),
            get_violation,
        )
        .add(
            Method::Post,
            "/api/v1/violations/{id}/appeal",
            Doc::new("violations", "Appeal a violation").roles(MERCHANT).body(r#"{"text":"..."}"#),
            post_appeal,
        )
        .add(
            Method::Post,
            "/api/v1/violations/{id}/appeal-decision",
            Doc::new("violations", "Uphold or overturn an appeal")
                .roles(REVIEWER)
                .body(r#"{"outcome":"overturned","note":"..."}"#),
            post_decision,
        )
        .add(
            Method::Get,
            "/api/v1/appeals",
            Doc::new("violations", "Appeals waiting for a decision").roles(REVIEWER),
            get_appeals,
        )
}

pub fn shop_json(shop: &ShopRow) -> Value {
    json!({
        "id": shop.id,
        "merchant_id": shop.merchant_id,
        "name": shop.name,
        "entity_type": shop.entity_type,
        "entity_name": shop.entity_name,
        "category": shop.category,
        "status": shop.status.as_str(),
        "created_at": china_time(shop.created_at_ms),
    })
}

fn violation_json(v: &ViolationRow) -> Value {
    json!({
        "id": v.id,
        "shop_id": v.shop_id,
        "kind": v.kind,
        "severity": v.severity,
        "penalty_fen": v.penalty_fen,
        "beneficiary": v.beneficiary,
        "buyer_id": v.buyer_id,
        "evidence": v.evidence,
        "status": v.status.as_str(),
        "penalty_transfer_id": v.penalty_seq,
        "reversal_transfer_id": v.reversal_seq,
        "recorded_at": china_time(v.created_at_ms),
        "appeal_deadline": china_time(v.appeal_deadline_ms),
        "appeal_text": v.appeal_text,
        "appealed_at": v.appealed_at_ms.and_then(china_time),
        "decision_note": v.decision_note,
        "decided_at": v.decided_at_ms.and_then(china_time),
    })
}

fn entry_json(e: &DepositEntry) -> Value {
    json!({
        "transfer_id": e.seq,
        "at": china_time(e.at_ms),
        "kind": e.kind,
        "reason": e.reason,
        "reference": e.reference,
        "amount_fen": e.amount_fen,
        "held_change_fen": e.held_change_fen,
        "balance_after_fen": e.balance_after_fen,
        "payout": e.arrival.as_ref().map(|(arrival, on)| json!({ "status": arrival.as_str(), "on": on })),
    })
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct CreateShop {
    name: String,
    entity_type: String,
    entity_name: String,
    category: String,
}

async fn create_shop(
    State(state): State<AppState>,
    auth: Auth,
    Json(body): Json<CreateShop>,
) -> ApiResult<(StatusCode, axum::Json<Value>)> {
    let input = NewShopInput {
        name: body.name,
        entity_type: body.entity_type,
        entity_name: body.entity_name,
        category: body.category,
    };
    let shop = state.app.create_shop(&auth.0, &input).await?;
    Ok((StatusCode::CREATED, axum::Json(shop_json(&shop))))
}

#[derive(Deserialize)]
struct PageQuery {
    limit: Option<u32>,
    cursor: Option<i64>,
}

async fn list_shops(
    State(state): State<AppState>,
    auth: Auth,
    Query(page): Query<PageQuery>,
) -> ApiResult<axum::Json<Value>> {
    let page = state.app.list_shops(auth.actor(), page.limit, page.cursor).await?;
    Ok(super::page_value(&page, shop_json))
}

async fn get_shop(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<i64>,
) -> ApiResult<axum::Json<Value>> {
    Ok(axum::Json(shop_json(&state.app.shop(auth.actor(), id).await?)))
}

async fn get_deposit(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<i64>,
) -> ApiResult<axum::Json<Value>> {
    let d = state.app.deposit(auth.actor(), id).await?;
    Ok(axum::Json(json!({
        "balance_fen": d.balance_fen,
        "held_fen": d.held_fen,
        "available_fen": d.available_fen,
        "required_fen": d.required_fen,
        "shortfall_fen": d.shortfall_fen,
        "owed_fen": d.owed_fen,
        "refund": d.refund.as_ref().map(super::closure::RefundBody::from),
    })))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct TopUp {
    amount_fen: i64,
    payment_ref: String,
}

async fn post_top_up(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<i64>,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> ApiResult<Response> {
    let (claim, input): (_, TopUp) =
        money_request(&auth.0, app::shops::TOP_UP_ROLES, &headers, uri.path(), &body)?;
    let outcome = state.app.top_up(&auth.0, id, input.amount_fen, &input.payment_ref, claim).await?;
    let body = json!({ "transfer_id": outcome.transfer_ids.first(), "balance_fen": outcome.balance_fen });
    Ok(created(body, outcome.replayed))
}

async fn get_entries(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<i64>,
    Query(page): Query<PageQuery>,
) -> ApiResult<axum::Json<Value>> {
    let page = state.app.deposit_entries(auth.actor(), id, page.limit, page.cursor).await?;
    Ok(super::page_value(&page, entry_json))
}

async fn get_statement_csv(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<i64>,
) -> ApiResult<Response> {
    let csv = state.app.deposit_statement_csv(auth.actor(), id).await?;
    let mut response = csv.into_response();
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static("text/csv; charset=utf-8"));
    if let Ok(value) =
        HeaderValue::from_str(&format!("attachment; filename=\"deposit-statement-shop-{id}.csv\""))
    {
        headers.insert(header::CONTENT_DISPOSITION, value);
    }
    Ok(response)
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RecordViolation {
    kind: String,
    severity: String,
    penalty_fen: i64,
    beneficiary: String,
    buyer_id: Option<String>,
    evidence: String,
}

async fn post_violation(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<i64>,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> ApiResult<Response> {
    let (claim, b): (_, RecordViolation) =
        money_request(&auth.0, app::violations::RECORD_VIOLATION_ROLES, &headers, uri.path(), &body)?;
    let input = NewViolationInput {
        kind: b.kind,
        severity: b.severity,
        penalty_fen: b.penalty_fen,
        beneficiary: b.beneficiary,
        buyer_id: b.buyer_id,
        evidence: b.evidence,
    };
    let outcome = state.app.record_violation(&auth.0, id, &input, claim).await?;
    let body = json!({
        "id": outcome.subject_id,
        "status": "effective",
        "transfer_id": outcome.transfer_ids.first(),
        "balance_fen": outcome.balance_fen,
    });
    Ok(created(body, outcome.replayed))
}

async fn get_shop_violations(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<i64>,
) -> ApiResult<axum::Json<Value>> {
    let items: Vec<Value> =
        state.app.shop_violations(auth.actor(), id).await?.iter().map(violation_json).collect();
    Ok(axum::Json(json!({ "items": items })))
}

async fn get_violation(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<i64>,
) -> ApiResult<axum::Json<Value>> {
    Ok(axum::Json(violation_json(&state.app.violation(auth.actor(), id).await?)))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Appeal {
    text: String,
}

async fn post_appeal(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<i64>,
    Json(body): Json<Appeal>,
) -> ApiResult<axum::Json<Value>> {
    let v = state.app.appeal_violation(&auth.0, id, &body.text).await?;
    Ok(axum::Json(violation_json(&v)))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Decision {
    outcome: String,
    #[serde(default)]
    note: String,
}

async fn post_decision(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<i64>,
    Json(body): Json<Decision>,
) -> ApiResult<axum::Json<Value>> {
    let v = state.app.decide_appeal(&auth.0, id, &body.outcome, &body.note).await?;
    Ok(axum::Json(violation_json(&v)))
}

async fn get_appeals(State(state): State<AppState>, auth: Auth) -> ApiResult<axum::Json<Value>> {
    let items: Vec<Value> = state.app.appeal_queue(auth.actor()).await?.iter().map(violation_json).collect();
    Ok(axum::Json(json!({ "items": items })))
}

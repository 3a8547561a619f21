//! Shops, their deposits (view, top-ups, statement) and their violations.

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::closure::RefundBody;
use super::{ANY_ROLE, Answer, MERCHANT, Page, REVIEWER, SERVICE, china_time, created};
use crate::AppState;
use crate::error::ApiResult;
use crate::extract::{Auth, Json, Path, Query, money_request};
use crate::openapi::{Doc, Method, Routes};
use app::shops::{DepositEntry, NewShopInput, ShopRow};
use app::violations::{NewViolationInput, ViolationRow};

pub fn add(routes: Routes) -> Routes {
    let create = Doc::new("shops", "Open a shop")
        .roles(MERCHANT)
        .status(201)
        .request::<CreateShop>()
        .answer::<ShopBody>()
        .body(r#"{"name":"杭州小店","entity_type":"enterprise","entity_name":"杭州小店科技有限公司","category":"apparel"}"#);
    let top_up = Doc::new("deposits", "Credit a payment to the deposit")
        .roles(SERVICE)
        .status(201)
        .idempotent()
        .request::<DepositTopUp>()
        .answer::<DepositTopUpBody>()
        .body(r#"{"amount_fen":50000,"payment_ref":"pay-20261123-0001"}"#);
    let violation = Doc::new("violations", "Record a violation; the penalty is deducted at once")
        .roles(REVIEWER)
        .status(201)
        .idempotent()
        .request::<RecordViolation>()
        .answer::<ViolationRecordedBody>()
        .body(r#"{"kind":"late_shipment","severity":"minor","penalty_fen":10000,"beneficiary":"platform","evidence":"..."}"#);
    routes
        .add(Method::Post, "/api/v1/shops", create, create_shop)
        .add(
            Method::Get,
            "/api/v1/shops",
            Doc::new("shops", "The caller's shops (all for platform roles)")
                .roles(ANY_ROLE)
                .answer::<Page<ShopBody>>()
                .query::<ShopPageQuery>(),
            list_shops,
        )
        .add(
            Method::Get,
            "/api/v1/shops/{id}",
            Doc::new("shops", "One shop").roles(ANY_ROLE).answer::<ShopBody>(),
            get_shop,
        )
        .add(
            Method::Get,
            "/api/v1/shops/{id}/deposit",
            Doc::new("deposits", "Balance, held, required, shortfall")
                .roles(ANY_ROLE)
                .answer::<DepositBody>(),
            get_deposit,
        )
        .add(Method::Post, "/api/v1/shops/{id}/deposit/top-ups", top_up, post_top_up)
        .add(
            Method::Get,
            "/api/v1/shops/{id}/deposit/entries",
            Doc::new("deposits", "Deposit entries with running balance (limit, cursor)")
                .roles(ANY_ROLE)
                .answer::<Page<DepositEntryBody>>()
                .query::<ShopPageQuery>(),
            get_entries,
        )
        .add(
            Method::Get,
            "/api/v1/shops/{id}/deposit/statement.csv",
            Doc::new("deposits", "The statement as CSV (UTF-8 with BOM)").roles(ANY_ROLE).file(&["text/csv"]),
            get_statement_csv,
        )
        .add(Method::Post, "/api/v1/shops/{id}/violations", violation, post_violation)
        .add(
            Method::Get,
            "/api/v1/shops/{id}/violations",
            Doc::new("violations", "A shop's violations").roles(ANY_ROLE).answer::<ShopViolationsBody>(),
            get_shop_violations,
        )
        .add(
            Method::Get,
            "/api/v1/violations/{id}",
            Doc::new("violations", "One violation").roles(ANY_ROLE).answer::<ShopViolationBody>(),
            get_violation,
        )
        .add(
            Method::Post,
            "/api/v1/violations/{id}/appeal",
            Doc::new("violations", "Appeal a violation")
                .roles(MERCHANT)
                .request::<ViolationAppeal>()
                .answer::<ShopViolationBody>()
                .body(r#"{"text":"..."}"#),
            post_appeal,
        )
        .add(
            Method::Post,
            "/api/v1/violations/{id}/appeal-decision",
            Doc::new("violations", "Uphold or overturn an appeal")
                .roles(REVIEWER)
                .request::<AppealDecision>()
                .answer::<ShopViolationBody>()
                .body(r#"{"outcome":"overturned","note":"..."}"#),
            post_decision,
        )
        .add(
            Method::Get,
            "/api/v1/appeals",
            Doc::new("violations", "Appeals waiting for a decision")
                .roles(REVIEWER)
                .answer::<ShopViolationsBody>(),
            get_appeals,
        )
}

/// A shop.
#[derive(Serialize, JsonSchema)]
struct ShopBody {
    id: i64,
    merchant_id: i64,
    name: String,
    entity_type: String,
    entity_name: String,
    category: String,
    status: &'static str,
    created_at: Option<String>,
}

impl From<&ShopRow> for ShopBody {
    fn from(shop: &ShopRow) -> ShopBody {
        ShopBody {
            id: shop.id,
            merchant_id: shop.merchant_id,
            name: shop.name.clone(),
            entity_type: shop.entity_type.clone(),
            entity_name: shop.entity_name.clone(),
            category: shop.category.clone(),
            status: shop.status.as_str(),
            created_at: china_time(shop.created_at_ms),
        }
    }
}

/// A violation of a shop, with its penalty and its appeal.
#[derive(Serialize, JsonSchema)]
struct ShopViolationBody {
    id: i64,
    shop_id: i64,
    kind: String,
    severity: String,
    penalty_fen: i64,
    beneficiary: String,
    buyer_id: Option<String>,
    evidence: String,
    status: &'static str,
    /// The transfer that deducted the penalty.
    penalty_transfer_id: Option<i64>,
    /// The transfer that gave the penalty back (an overturned appeal).
    reversal_transfer_id: Option<i64>,
    recorded_at: Option<String>,
    appeal_deadline: Option<String>,
    appeal_text: Option<String>,
    appealed_at: Option<String>,
    decision_note: Option<String>,
    decided_at: Option<String>,
}

impl From<&ViolationRow> for ShopViolationBody {
    fn from(v: &ViolationRow) -> ShopViolationBody {
        ShopViolationBody {
            id: v.id,
            shop_id: v.shop_id,
            kind: v.kind.clone(),
            severity: v.severity.clone(),
            penalty_fen: v.penalty_fen,
            beneficiary: v.beneficiary.clone(),
            buyer_id: v.buyer_id.clone(),
            evidence: v.evidence.clone(),
            status: v.status.as_str(),
            penalty_transfer_id: v.penalty_seq,
            reversal_transfer_id: v.reversal_seq,
            recorded_at: china_time(v.created_at_ms),
            appeal_deadline: china_time(v.appeal_deadline_ms),
            appeal_text: v.appeal_text.clone(),
            appealed_at: v.appealed_at_ms.and_then(china_time),
            decision_note: v.decision_note.clone(),
            decided_at: v.decided_at_ms.and_then(china_time),
        }
    }
}

/// Violations, all at once.
#[derive(Serialize, JsonSchema)]
struct ShopViolationsBody {
    items: Vec<ShopViolationBody>,
}

impl ShopViolationsBody {
    fn of(rows: &[ViolationRow]) -> Json<ShopViolationsBody> {
        Json(ShopViolationsBody { items: rows.iter().map(ShopViolationBody::from).collect() })
    }
}

/// One line of a deposit statement.
#[derive(Serialize, JsonSchema)]
struct DepositEntryBody {
    transfer_id: i64,
    at: Option<String>,
    kind: String,
    reason: String,
    reference: String,
    /// Change of the posted balance (negative for deductions).
    amount_fen: i64,
    held_change_fen: i64,
    balance_after_fen: i64,
    /// Where a deposit refund's money is, on a refund's line.
    payout: Option<RefundArrivalBody>,
}

/// Where a deposit refund's money is (paying, paid, failed) and since when (`YYYY-MM-DD`).
#[derive(Serialize, JsonSchema)]
struct RefundArrivalBody {
    status: &'static str,
    on: String,
}

impl From<&DepositEntry> for DepositEntryBody {
    fn from(e: &DepositEntry) -> DepositEntryBody {
        DepositEntryBody {
            transfer_id: e.seq,
            at: china_time(e.at_ms),
            kind: e.kind.clone(),
            reason: e.reason.clone(),
            reference: e.reference.clone(),
            amount_fen: e.amount_fen,
            held_change_fen: e.held_change_fen,
            balance_after_fen: e.balance_after_fen,
            payout: e
                .arrival
                .as_ref()
                .map(|(arrival, on)| RefundArrivalBody { status: arrival.as_str(), on: on.clone() }),
        }
    }
}

/// A shop's deposit, in fen.
#[derive(Serialize, JsonSchema)]
struct DepositBody {
    balance_fen: i64,
    held_fen: i64,
    available_fen: i64,
    required_fen: i64,
    shortfall_fen: i64,
    /// What the shop owes the platform when penalties took the balance below zero.
    owed_fen: i64,
    /// The refund of a closed shop's deposit.
    refund: Option<RefundBody>,
}

/// A credited top-up and the balance after it.
#[derive(Serialize, JsonSchema)]
struct DepositTopUpBody {
    transfer_id: Option<i64>,
    balance_fen: Option<i64>,
}

/// A recorded violation and the penalty's transfer.
#[derive(Serialize, JsonSchema)]
struct ViolationRecordedBody {
    id: Option<i64>,
    status: &'static str,
    transfer_id: Option<i64>,
    balance_fen: Option<i64>,
}

/// 201 with a typed body, through the shared `created` (a replay says so in a header).

#[derive(Deserialize, JsonSchema)]
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
) -> ApiResult<(StatusCode, Json<ShopBody>)> {
    let input = NewShopInput {
        name: body.name,
        entity_type: body.entity_type,
        entity_name: body.entity_name,
        category: body.category,
    };
    let shop = state.app.create_shop(&auth.0, &input).await?;
    Ok((StatusCode::CREATED, Json(ShopBody::from(&shop))))
}

/// `limit` and `cursor` (an id) of a shop list.
#[derive(Deserialize, JsonSchema)]
struct ShopPageQuery {
    limit: Option<u32>,
    cursor: Option<i64>,
}

async fn list_shops(
    State(state): State<AppState>,
    auth: Auth,
    Query(page): Query<ShopPageQuery>,
) -> Answer<Page<ShopBody>> {
    let list = state.app.list_shops(auth.actor(), page.limit, page.cursor).await?;
    Ok(super::page(&list))
}

async fn get_shop(State(state): State<AppState>, auth: Auth, Path(id): Path<i64>) -> Answer<ShopBody> {
    Ok(Json(ShopBody::from(&state.app.shop(auth.actor(), id).await?)))
}

async fn get_deposit(State(state): State<AppState>, auth: Auth, Path(id): Path<i64>) -> Answer<DepositBody> {
    let d = state.app.deposit(auth.actor(), id).await?;
    Ok(Json(DepositBody {
        balance_fen: d.balance_fen,
        held_fen: d.held_fen,
        available_fen: d.available_fen,
        required_fen: d.required_fen,
        shortfall_fen: d.shortfall_fen,
        owed_fen: d.owed_fen,
        refund: d.refund.as_ref().map(RefundBody::from),
    }))
}

#[derive(Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
struct DepositTopUp {
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
    let (claim, input): (_, DepositTopUp) =
        money_request(&auth.0, app::shops::TOP_UP_ROLES, &headers, uri.path(), &body)?;
    let outcome = state.app.top_up(&auth.0, id, input.amount_fen, &input.payment_ref, claim).await?;
    let body = DepositTopUpBody {
        transfer_id: outcome.transfer_ids.first().copied(),
        balance_fen: outcome.balance_fen,
    };
    Ok(created(body, outcome.replayed))
}

async fn get_entries(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<i64>,
    Query(page): Query<ShopPageQuery>,
) -> Answer<Page<DepositEntryBody>> {
    let list = state.app.deposit_entries(auth.actor(), id, page.limit, page.cursor).await?;
    Ok(super::page(&list))
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

#[derive(Deserialize, JsonSchema)]
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
    let body = ViolationRecordedBody {
        id: outcome.subject_id,
        status: "effective",
        transfer_id: outcome.transfer_ids.first().copied(),
        balance_fen: outcome.balance_fen,
    };
    Ok(created(body, outcome.replayed))
}

async fn get_shop_violations(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<i64>,
) -> Answer<ShopViolationsBody> {
    Ok(ShopViolationsBody::of(&state.app.shop_violations(auth.actor(), id).await?))
}

async fn get_violation(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<i64>,
) -> Answer<ShopViolationBody> {
    Ok(Json(ShopViolationBody::from(&state.app.violation(auth.actor(), id).await?)))
}

#[derive(Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
struct ViolationAppeal {
    text: String,
}

async fn post_appeal(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<i64>,
    Json(body): Json<ViolationAppeal>,
) -> Answer<ShopViolationBody> {
    let v = state.app.appeal_violation(&auth.0, id, &body.text).await?;
    Ok(Json(ShopViolationBody::from(&v)))
}

#[derive(Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
struct AppealDecision {
    outcome: String,
    #[serde(default)]
    note: String,
}

async fn post_decision(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<i64>,
    Json(body): Json<AppealDecision>,
) -> Answer<ShopViolationBody> {
    let v = state.app.decide_appeal(&auth.0, id, &body.outcome, &body.note).await?;
    Ok(Json(ShopViolationBody::from(&v)))
}

async fn get_appeals(State(state): State<AppState>, auth: Auth) -> Answer<ShopViolationsBody> {
    Ok(ShopViolationsBody::of(&state.app.appeal_queue(auth.actor()).await?))
}

//! Shop operations: products, orders, after-sales cases, complaints, buyer conversations,
//! settlement and withdrawals, creator commissions and invoice requests.

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, Uri};
use axum::response::Response;
use serde::Deserialize;
use serde_json::{Value, json};

use super::{ANY_ROLE, MERCHANT, PageQuery, REVIEWER, SERVICE, china_time, created, page_value};
use crate::AppState;
use crate::error::ApiResult;
use crate::extract::{Auth, Json, Path, Query, money_request};
use crate::openapi::{Doc, Method, Routes};
use app::operations::{
    CaseRow, CaseTable, ConversationView, DueRow, DueTable, MessageRow, OrderRow, ProductRow,
};
use app::payouts::PayeeInput;
use domain::auth::Role;

type Created = ApiResult<(StatusCode, axum::Json<Value>)>;
type Answer = ApiResult<axum::Json<Value>>;

pub fn add(routes: Routes) -> Routes {
    let routes = routes
        .add(
            Method::Post,
            "/api/v1/shops/{id}/products",
            Doc::new("operations", "List a product")
                .roles(MERCHANT)
                .status(201)
                .body(r#"{"title":"夏季T恤","price_fen":5900}"#),
            post_product,
        )
        .add(
            Method::Get,
            "/api/v1/shops/{id}/products",
            Doc::new("operations", "A shop's products, newest first (limit, cursor)").roles(ANY_ROLE),
            get_products,
        )
        .add(
            Method::Post,
            "/api/v1/products/{id}/delist",
            Doc::new("operations", "Delist a product").roles(MERCHANT),
            post_delist,
        )
        .add(
            Method::Post,
            "/api/v1/shops/{id}/orders",
            Doc::new("operations", "Record a paid order (order system)")
                .roles(SERVICE)
                .status(201)
                .body(r#"{"product_id":1,"buyer_id":"buyer-1","amount_fen":5900}"#),
            post_order,
        )
        .add(
            Method::Get,
            "/api/v1/shops/{id}/orders",
            Doc::new("operations", "A shop's orders, newest first (status, limit, cursor)").roles(ANY_ROLE),
            get_orders,
        )
        .add(
            Method::Get,
            "/api/v1/orders/{id}",
            Doc::new("operations", "One order").roles(ANY_ROLE),
            get_order,
        )
        .add(
            Method::Post,
            "/api/v1/orders/{id}/ship",
            Doc::new("operations", "Ship a paid order").roles(MERCHANT),
            post_ship,
        )
        .add(
            Method::Post,
            "/api/v1/orders/{id}/complete",
            Doc::new("operations", "The buyer confirmed receipt").roles(SERVICE),
            post_complete,
        )
        .add(
            Method::Post,
            "/api/v1/orders/{id}/cancel",
            Doc::new("operations", "Cancel a paid order before shipping").roles(&["service", "merchant"]),
            post_cancel,
        );
    let routes = routes
        .add(
            Method::Post,
            "/api/v1/orders/{id}/after-sales",
            Doc::new("operations", "Open an after-sales case")
                .roles(SERVICE)
                .status(201)
                .body(r#"{"kind":"refund","reason":"尺码不合适"}"#),
            post_after_sales,
        )
        .add(
            Method::Get,
            "/api/v1/shops/{id}/after-sales",
            Doc::new("operations", "A shop's after-sales cases, open first (limit, cursor)").roles(ANY_ROLE),
            get_after_sales,
        )
        .add(
            Method::Post,
            "/api/v1/after-sales/{id}/resolve",
            Doc::new("operations", "Resolve an after-sales case")
                .roles(MERCHANT)
                .body(r#"{"resolution":"已退款"}"#),
            post_resolve_after_sales,
        )
        .add(
            Method::Post,
            "/api/v1/shops/{id}/complaints",
            Doc::new("operations", "Record a buyer's complaint")
                .roles(SERVICE)
                .status(201)
                .body(r#"{"buyer_id":"buyer-1","text":"..."}"#),
            post_complaint,
        )
        .add(
            Method::Get,
            "/api/v1/shops/{id}/complaints",
            Doc::new("operations", "A shop's complaints, open first (limit, cursor)").roles(ANY_ROLE),
            get_complaints,
        )
        .add(
            Method::Get,
            "/api/v1/complaints",
            Doc::new("operations", "Open complaints of every shop, oldest first (limit, cursor)")
                .roles(REVIEWER),
            get_open_complaints,
        )
        .add(
            Method::Post,
            "/api/v1/complaints/{id}/resolve",
            Doc::new("operations", "Resolve a complaint").roles(REVIEWER).body(r#"{"resolution":"..."}"#),
            post_resolve_complaint,
        );
    let routes = routes
        .add(
            Method::Post,
            "/api/v1/shops/{id}/messages",
            Doc::new("operations", "A buyer writes to the shop")
                .roles(SERVICE)
                .status(201)
                .body(r#"{"buyer_id":"buyer-1","text":"发货了吗？"}"#),
            post_message,
        )
        .add(
            Method::Get,
            "/api/v1/shops/{id}/conversations",
            Doc::new("operations", "Conversations, unanswered first (limit, cursor)").roles(ANY_ROLE),
            get_conversations,
        )
        .add(
            Method::Get,
            "/api/v1/conversations/{id}",
            Doc::new("operations", "A conversation with its messages").roles(ANY_ROLE),
            get_conversation,
        )
        .add(
            Method::Post,
            "/api/v1/conversations/{id}/replies",
            Doc::new("operations", "Reply to a buyer")
                .roles(MERCHANT)
                .status(201)
                .body(r#"{"text":"今天发货"}"#),
            post_reply,
        );
    routes
        .add(
            Method::Get,
            "/api/v1/shops/{id}/settlement",
            Doc::new("settlement", "Settling and withdrawable proceeds").roles(ANY_ROLE),
            get_settlement,
        )
        .add(
            Method::Post,
            "/api/v1/shops/{id}/withdrawals",
            Doc::new("settlement", "Withdraw proceeds to the payout account")
                .roles(MERCHANT)
                .status(201)
                .idempotent()
                .body(r#"{"amount_fen":5900}"#),
            post_withdrawal,
        )
        .add(
            Method::Post,
            "/api/v1/shops/{id}/commissions",
            Doc::new("settlement", "Record a creator's commission")
                .roles(SERVICE)
                .status(201)
                .body(r#"{"creator_id":"creator-1","amount_fen":590,"order_id":1,"payee":{"holder_name":"陈杰","bank_name":"招商银行","account_number":"6225880123456789"}}"#),
            post_commission,
        )
        .add(
            Method::Put,
            "/api/v1/commissions/{id}/payee",
            Doc::new("settlement", "Where a creator's commission is paid; pays out a waiting or failed one again")
                .roles(SERVICE)
                .body(r#"{"holder_name":"陈杰","bank_name":"招商银行","account_number":"6225880123456789"}"#),
            put_commission_payee,
        )
        .add(
            Method::Get,
            "/api/v1/shops/{id}/commissions",
            Doc::new("settlement", "A shop's commissions, owed first (limit, cursor)").roles(ANY_ROLE),
            get_commissions,
        )
        .add(
            Method::Post,
            "/api/v1/commissions/{id}/pay",
            Doc::new("settlement", "Pay a commission from withdrawable proceeds")
                .roles(MERCHANT)
                .status(201)
                .idempotent(),
            post_pay_commission,
        )
        .add(
            Method::Post,
            "/api/v1/orders/{id}/invoice-requests",
            Doc::new("settlement", "A buyer asks for an invoice")
                .roles(SERVICE)
                .status(201)
                .body(r#"{"title":"杭州某某科技有限公司"}"#),
            post_invoice_request,
        )
        .add(
            Method::Get,
            "/api/v1/shops/{id}/invoice-requests",
            Doc::new("settlement", "A shop's invoice requests, pending first (limit, cursor)").roles(ANY_ROLE),
            get_invoices,
        )
        .add(
            Method::Post,
            "/api/v1/invoice-requests/{id}/issue",
            Doc::new("settlement", "Record the issued invoice")
                .roles(MERCHANT)
                .body(r#"{"invoice_number":"044001900111"}"#),
            post_issue_invoice,
        )
}

fn product_json(p: &ProductRow) -> Value {
    json!({
        "id": p.id,
        "shop_id": p.shop_id,
        "title": p.title,
        "price_fen": p.price_fen,
        "status": p.status.as_str(),
        "created_at": china_time(p.created_at_ms),
    })
}

fn order_json(o: &OrderRow) -> Value {
    json!({
        "id": o.id,
        "shop_id": o.shop_id,
        "product_id": o.product_id,
        "buyer_id": o.buyer_id,
        "amount_fen": o.amount_fen,
        "status": o.status.as_str(),
        "created_at": china_time(o.created_at_ms),
        "shipped_at": o.shipped_at_ms.and_then(china_time),
        "closed_at": o.closed_at_ms.and_then(china_time),
        "settle_on": o.settle_on,
        "settled": o.settled_at_ms.is_some(),
    })
}

fn case_json(c: &CaseRow) -> Value {
    json!({
        "id": c.id,
        "shop_id": c.shop_id,
        "order_id": c.order_id,
        "kind": c.kind,
        "buyer_id": c.buyer_id,
        "text": c.text,
        "status": c.status.as_str(),
        "resolution": c.resolution,
        "created_at": china_time(c.created_at_ms),
        "resolved_at": c.resolved_at_ms.and_then(china_time),
    })
}

fn due_json(d: &DueRow, table: DueTable) -> Value {
    let (party, done) = match table {
        DueTable::Commissions => ("creator_id", "transfer_id"),
        DueTable::Invoices => ("title", "invoice_number"),
    };
    let mut body = json!({
        "id": d.id,
        "shop_id": d.shop_id,
        "order_id": d.order_id,
        party: d.party,
        "amount_fen": d.amount_fen,
        "status": d.status.as_str(),
        done: d.done_ref,
        "created_at": china_time(d.created_at_ms),
        "done_at": d.done_at_ms.and_then(china_time),
    });
    if table == DueTable::Commissions {
        body["charged_at"] = json!(d.charged_at_ms.and_then(china_time));
        body["payee"] = match (&d.payee_holder_name, &d.payee_bank_name, &d.payee_last4) {
            (Some(holder), Some(bank), Some(last4)) => {
                json!({ "holder_name": holder, "bank_name": bank, "account_last4": last4 })
            }
            _ => Value::Null,
        };
    }
    body
}

fn message_json(m: &MessageRow) -> Value {
    json!({
        "id": m.id,
        "conversation_id": m.conversation_id,
        "sender": m.sender,
        "text": m.text,
        "at": china_time(m.at_ms),
    })
}

fn made(value: Value) -> (StatusCode, axum::Json<Value>) {
    (StatusCode::CREATED, axum::Json(value))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct NewProduct {
    title: String,
    price_fen: i64,
}

async fn post_product(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<i64>,
    Json(b): Json<NewProduct>,
) -> Created {
    Ok(made(product_json(&state.app.create_product(&auth.0, id, &b.title, b.price_fen).await?)))
}

async fn get_products(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<i64>,
    Query(q): Query<PageQuery>,
) -> Answer {
    Ok(page_value(&state.app.products(auth.actor(), id, q.limit, q.cursor.as_deref()).await?, product_json))
}

async fn post_delist(State(state): State<AppState>, auth: Auth, Path(id): Path<i64>) -> Answer {
    Ok(axum::Json(product_json(&state.app.delist_product(&auth.0, id).await?)))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct NewOrder {
    product_id: i64,
    buyer_id: String,
    amount_fen: i64,
}

async fn post_order(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<i64>,
    Json(b): Json<NewOrder>,
) -> Created {
    let order = state.app.create_order(&auth.0, id, b.product_id, &b.buyer_id, b.amount_fen).await?;
    Ok(made(order_json(&order)))
}

#[derive(Deserialize)]
struct OrdersQuery {
    status: Option<String>,
    limit: Option<u32>,
    cursor: Option<String>,
}

async fn get_orders(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<i64>,
    Query(q): Query<OrdersQuery>,
) -> Answer {
    Ok(page_value(
        &state.app.orders(auth.actor(), id, q.status.as_deref(), q.limit, q.cursor.as_deref()).await?,
        order_json,
    ))
}

async fn get_order(State(state): State<AppState>, auth: Auth, Path(id): Path<i64>) -> Answer {
    Ok(axum::Json(order_json(&state.app.order(auth.actor(), id).await?)))
}

async fn post_ship(State(state): State<AppState>, auth: Auth, Path(id): Path<i64>) -> Answer {
    Ok(axum::Json(order_json(&state.app.ship_order(&auth.0, id).await?)))
}

async fn post_complete(State(state): State<AppState>, auth: Auth, Path(id): Path<i64>) -> Answer {
    Ok(axum::Json(order_json(&state.app.complete_order(&auth.0, id).await?)))
}

async fn post_cancel(State(state): State<AppState>, auth: Auth, Path(id): Path<i64>) -> Answer {
    Ok(axum::Json(order_json(&state.app.cancel_order(&auth.0, id).await?)))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct NewAfterSales {
    kind: String,
    reason: String,
}

async fn post_after_sales(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<i64>,
    Json(b): Json<NewAfterSales>,
) -> Created {
    Ok(made(case_json(&state.app.open_after_sales(&auth.0, id, &b.kind, &b.reason).await?)))
}

async fn get_after_sales(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<i64>,
    Query(q): Query<PageQuery>,
) -> Answer {
    let list = state.app.cases(auth.actor(), CaseTable::AfterSales, id, q.limit, q.cursor.as_deref()).await?;
    Ok(page_value(&list, case_json))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Resolve {
    resolution: String,
}

async fn post_resolve_after_sales(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<i64>,
    Json(b): Json<Resolve>,
) -> Answer {
    Ok(axum::Json(case_json(
        &state.app.resolve_case(&auth.0, CaseTable::AfterSales, id, &b.resolution).await?,
    )))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct BuyerText {
    buyer_id: String,
    text: String,
}

async fn post_complaint(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<i64>,
    Json(b): Json<BuyerText>,
) -> Created {
    Ok(made(case_json(&state.app.open_complaint(&auth.0, id, &b.buyer_id, &b.text).await?)))
}

async fn get_complaints(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<i64>,
    Query(q): Query<PageQuery>,
) -> Answer {
    let list = state.app.cases(auth.actor(), CaseTable::Complaints, id, q.limit, q.cursor.as_deref()).await?;
    Ok(page_value(&list, case_json))
}

async fn get_open_complaints(
    State(state): State<AppState>,
    auth: Auth,
    Query(q): Query<PageQuery>,
) -> Answer {
    Ok(page_value(&state.app.open_complaints(auth.actor(), q.limit, q.cursor.as_deref()).await?, case_json))
}

async fn post_resolve_complaint(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<i64>,
    Json(b): Json<Resolve>,
) -> Answer {
    Ok(axum::Json(case_json(
        &state.app.resolve_case(&auth.0, CaseTable::Complaints, id, &b.resolution).await?,
    )))
}

async fn post_message(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<i64>,
    Json(b): Json<BuyerText>,
) -> Created {
    Ok(made(message_json(&state.app.buyer_message(&auth.0, id, &b.buyer_id, &b.text).await?)))
}

async fn get_conversations(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<i64>,
    Query(q): Query<PageQuery>,
) -> Answer {
    let list = state.app.conversations(auth.actor(), id, q.limit, q.cursor.as_deref()).await?;
    Ok(page_value(&list, |c| {
        json!({
            "id": c.id,
            "shop_id": c.shop_id,
            "buyer_id": c.buyer_id,
            "unanswered": c.unanswered == 1,
            "last_message_at": china_time(c.last_message_at_ms),
        })
    }))
}

async fn get_conversation(State(state): State<AppState>, auth: Auth, Path(id): Path<i64>) -> Answer {
    let ConversationView { conversation: c, messages } = state.app.conversation(auth.actor(), id).await?;
    Ok(axum::Json(json!({
        "id": c.id,
        "shop_id": c.shop_id,
        "buyer_id": c.buyer_id,
        "unanswered": c.unanswered == 1,
        "messages": messages.iter().map(message_json).collect::<Vec<_>>(),
    })))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Reply {
    text: String,
}

async fn post_reply(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<i64>,
    Json(b): Json<Reply>,
) -> Created {
    Ok(made(message_json(&state.app.reply(&auth.0, id, &b.text).await?)))
}

async fn get_settlement(State(state): State<AppState>, auth: Auth, Path(id): Path<i64>) -> Answer {
    let s = state.app.settlement(auth.actor(), id).await?;
    Ok(axum::Json(json!({ "settling_fen": s.settling_fen, "withdrawable_fen": s.withdrawable_fen })))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Withdrawal {
    amount_fen: i64,
}

async fn post_withdrawal(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<i64>,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> ApiResult<Response> {
    let (claim, b): (_, Withdrawal) = money_request(&auth.0, &[Role::Merchant], &headers, uri.path(), &body)?;
    let outcome = state.app.withdraw(&auth.0, id, b.amount_fen, claim).await?;
    let body = json!({ "transfer_id": outcome.transfer_ids.first(), "payout_id": outcome.subject_id, "withdrawable_fen": outcome.balance_fen });
    Ok(created(body, outcome.replayed))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct NewCommission {
    creator_id: String,
    amount_fen: i64,
    order_id: Option<i64>,
    payee: Option<PayeeBody>,
}

/// Where a creator is paid.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct PayeeBody {
    holder_name: String,
    bank_name: String,
    account_number: String,
}

impl From<PayeeBody> for PayeeInput {
    fn from(b: PayeeBody) -> Self {
        PayeeInput { holder_name: b.holder_name, bank_name: b.bank_name, account_number: b.account_number }
    }
}

async fn post_commission(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<i64>,
    Json(b): Json<NewCommission>,
) -> Created {
    let payee = b.payee.map(PayeeInput::from);
    let due = state
        .app
        .record_commission(&auth.0, id, &b.creator_id, b.amount_fen, b.order_id, payee.as_ref())
        .await?;
    Ok(made(due_json(&due, DueTable::Commissions)))
}

async fn put_commission_payee(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<i64>,
    Json(b): Json<PayeeBody>,
) -> Answer {
    let due = state.app.set_commission_payee(&auth.0, id, &PayeeInput::from(b)).await?;
    Ok(axum::Json(due_json(&due, DueTable::Commissions)))
}

async fn get_commissions(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<i64>,
    Query(q): Query<PageQuery>,
) -> Answer {
    let list = state.app.dues(auth.actor(), DueTable::Commissions, id, q.limit, q.cursor.as_deref()).await?;
    Ok(page_value(&list, |d| due_json(d, DueTable::Commissions)))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Empty {}

async fn post_pay_commission(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<i64>,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> ApiResult<Response> {
    let body: &[u8] = if body.is_empty() { b"{}" } else { &body };
    let (claim, _): (_, Empty) = money_request(&auth.0, &[Role::Merchant], &headers, uri.path(), body)?;
    let outcome = state.app.pay_commission(&auth.0, id, claim).await?;
    let due = state.app.due(auth.actor(), DueTable::Commissions, id).await?;
    let body = json!({ "id": id, "status": due.status.as_str(), "transfer_id": outcome.transfer_ids.first(), "withdrawable_fen": outcome.balance_fen });
    Ok(created(body, outcome.replayed))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct NewInvoice {
    title: String,
}

async fn post_invoice_request(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<i64>,
    Json(b): Json<NewInvoice>,
) -> Created {
    Ok(made(due_json(&state.app.request_invoice(&auth.0, id, &b.title).await?, DueTable::Invoices)))
}

async fn get_invoices(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<i64>,
    Query(q): Query<PageQuery>,
) -> Answer {
    let list = state.app.dues(auth.actor(), DueTable::Invoices, id, q.limit, q.cursor.as_deref()).await?;
    Ok(page_value(&list, |d| due_json(d, DueTable::Invoices)))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Issue {
    invoice_number: String,
}

async fn post_issue_invoice(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<i64>,
    Json(b): Json<Issue>,
) -> Answer {
    Ok(axum::Json(due_json(
        &state.app.issue_invoice(&auth.0, id, &b.invoice_number).await?,
        DueTable::Invoices,
    )))
}

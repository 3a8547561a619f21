//! Shop operations: products, orders, after-sales cases, complaints, buyer conversations,
//! settlement and withdrawals, creator commissions and invoice requests.

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, Uri};
use axum::response::Response;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::{ANY_ROLE, Answer, MERCHANT, Page, PageQuery, REVIEWER, SERVICE, china_time, created, page};
use crate::AppState;
use crate::error::ApiResult;
use crate::extract::{Auth, Json, Path, Query, money_request};
use crate::openapi::{Doc, Method, Routes};
use app::operations::{
    CaseRow, CaseTable, ConversationRow, ConversationView, DueRow, DueTable, MessageRow, OrderRow, ProductRow,
};
use app::payouts::PayeeInput;
use domain::auth::Role;

/// A 201 answer with a JSON body.
type Created<T> = ApiResult<(StatusCode, Json<T>)>;

pub fn add(routes: Routes) -> Routes {
    let routes = routes
        .add(
            Method::Post,
            "/api/v1/shops/{id}/products",
            Doc::new("operations", "List a product")
                .request::<NewProduct>()
                .answer::<ProductBody>()
                .roles(MERCHANT)
                .status(201)
                .body(r#"{"title":"夏季T恤","price_fen":5900}"#),
            post_product,
        )
        .add(
            Method::Get,
            "/api/v1/shops/{id}/products",
            Doc::new("operations", "A shop's products, newest first (limit, cursor)")
                .answer::<Page<ProductBody>>()
                .roles(ANY_ROLE)
                .query::<PageQuery>(),
            get_products,
        )
        .add(
            Method::Post,
            "/api/v1/products/{id}/delist",
            Doc::new("operations", "Delist a product").no_request().answer::<ProductBody>().roles(MERCHANT),
            post_delist,
        )
        .add(
            Method::Post,
            "/api/v1/shops/{id}/orders",
            Doc::new("operations", "Record a paid order (order system)")
                .request::<NewOrder>()
                .answer::<OrderBody>()
                .roles(SERVICE)
                .status(201)
                .body(r#"{"product_id":1,"buyer_id":"buyer-1","amount_fen":5900}"#),
            post_order,
        )
        .add(
            Method::Get,
            "/api/v1/shops/{id}/orders",
            Doc::new("operations", "A shop's orders, newest first (status, limit, cursor)")
                .answer::<Page<OrderBody>>()
                .roles(ANY_ROLE)
                .query::<OrdersQuery>(),
            get_orders,
        )
        .add(
            Method::Get,
            "/api/v1/orders/{id}",
            Doc::new("operations", "One order").answer::<OrderBody>().roles(ANY_ROLE),
            get_order,
        )
        .add(
            Method::Post,
            "/api/v1/orders/{id}/ship",
            Doc::new("operations", "Ship a paid order").no_request().answer::<OrderBody>().roles(MERCHANT),
            post_ship,
        )
        .add(
            Method::Post,
            "/api/v1/orders/{id}/complete",
            Doc::new("operations", "The buyer confirmed receipt")
                .no_request()
                .answer::<OrderBody>()
                .roles(SERVICE),
            post_complete,
        )
        .add(
            Method::Post,
            "/api/v1/orders/{id}/cancel",
            Doc::new("operations", "Cancel a paid order before shipping")
                .no_request()
                .answer::<OrderBody>()
                .roles(&["service", "merchant"]),
            post_cancel,
        );
    let routes = routes
        .add(
            Method::Post,
            "/api/v1/orders/{id}/after-sales",
            Doc::new("operations", "Open an after-sales case")
                .request::<NewAfterSales>()
                .answer::<CaseBody>()
                .roles(SERVICE)
                .status(201)
                .body(r#"{"kind":"refund","reason":"尺码不合适"}"#),
            post_after_sales,
        )
        .add(
            Method::Get,
            "/api/v1/shops/{id}/after-sales",
            Doc::new("operations", "A shop's after-sales cases, open first (limit, cursor)")
                .answer::<Page<CaseBody>>()
                .roles(ANY_ROLE)
                .query::<PageQuery>(),
            get_after_sales,
        )
        .add(
            Method::Post,
            "/api/v1/after-sales/{id}/resolve",
            Doc::new("operations", "Resolve an after-sales case")
                .request::<ResolveCaseRequest>()
                .answer::<CaseBody>()
                .roles(MERCHANT)
                .body(r#"{"resolution":"已退款"}"#),
            post_resolve_after_sales,
        )
        .add(
            Method::Post,
            "/api/v1/shops/{id}/complaints",
            Doc::new("operations", "Record a buyer's complaint")
                .request::<BuyerTextRequest>()
                .answer::<CaseBody>()
                .roles(SERVICE)
                .status(201)
                .body(r#"{"buyer_id":"buyer-1","text":"..."}"#),
            post_complaint,
        )
        .add(
            Method::Get,
            "/api/v1/shops/{id}/complaints",
            Doc::new("operations", "A shop's complaints, open first (limit, cursor)")
                .answer::<Page<CaseBody>>()
                .roles(ANY_ROLE)
                .query::<PageQuery>(),
            get_complaints,
        )
        .add(
            Method::Get,
            "/api/v1/complaints",
            Doc::new("operations", "Open complaints of every shop, oldest first (limit, cursor)")
                .answer::<Page<CaseBody>>()
                .roles(REVIEWER)
                .query::<PageQuery>(),
            get_open_complaints,
        )
        .add(
            Method::Post,
            "/api/v1/complaints/{id}/resolve",
            Doc::new("operations", "Resolve a complaint")
                .request::<ResolveCaseRequest>()
                .answer::<CaseBody>()
                .roles(REVIEWER)
                .body(r#"{"resolution":"..."}"#),
            post_resolve_complaint,
        );
    let routes = routes
        .add(
            Method::Post,
            "/api/v1/shops/{id}/messages",
            Doc::new("operations", "A buyer writes to the shop")
                .request::<BuyerTextRequest>()
                .answer::<BuyerMessageBody>()
                .roles(SERVICE)
                .status(201)
                .body(r#"{"buyer_id":"buyer-1","text":"发货了吗？"}"#),
            post_message,
        )
        .add(
            Method::Get,
            "/api/v1/shops/{id}/conversations",
            Doc::new("operations", "Conversations, unanswered first (limit, cursor)")
                .answer::<Page<BuyerConversationBody>>()
                .roles(ANY_ROLE)
                .query::<PageQuery>(),
            get_conversations,
        )
        .add(
            Method::Get,
            "/api/v1/conversations/{id}",
            Doc::new("operations", "A conversation with its messages")
                .answer::<BuyerThreadBody>()
                .roles(ANY_ROLE),
            get_conversation,
        )
        .add(
            Method::Post,
            "/api/v1/conversations/{id}/replies",
            Doc::new("operations", "Reply to a buyer")
                .request::<BuyerReplyRequest>()
                .answer::<BuyerMessageBody>()
                .roles(MERCHANT)
                .status(201)
                .body(r#"{"text":"今天发货"}"#),
            post_reply,
        );
    routes
        .add(
            Method::Get,
            "/api/v1/shops/{id}/settlement",
            Doc::new("settlement", "Settling and withdrawable proceeds").answer::<SettlementBody>().roles(ANY_ROLE),
            get_settlement,
        )
        .add(
            Method::Post,
            "/api/v1/shops/{id}/withdrawals",
            Doc::new("settlement", "Withdraw proceeds to the payout account").request::<WithdrawalRequest>().answer::<WithdrawalBody>()
                .roles(MERCHANT)
                .status(201)
                .idempotent()
                .body(r#"{"amount_fen":5900}"#),
            post_withdrawal,
        )
        .add(
            Method::Post,
            "/api/v1/shops/{id}/commissions",
            Doc::new("settlement", "Record a creator's commission").request::<NewCommission>().answer::<CommissionBody>()
                .roles(SERVICE)
                .status(201)
                .body(r#"{"creator_id":"creator-1","amount_fen":590,"order_id":1,"payee":{"holder_name":"陈杰","bank_name":"招商银行","account_number":"6225880123456789"}}"#),
            post_commission,
        )
        .add(
            Method::Put,
            "/api/v1/commissions/{id}/payee",
            Doc::new("settlement", "Where a creator's commission is paid; pays out a waiting or failed one again").request::<CommissionPayeeRequest>().answer::<CommissionBody>()
                .roles(SERVICE)
                .body(r#"{"holder_name":"陈杰","bank_name":"招商银行","account_number":"6225880123456789"}"#),
            put_commission_payee,
        )
        .add(
            Method::Get,
            "/api/v1/shops/{id}/commissions",
            Doc::new("settlement", "A shop's commissions, owed first (limit, cursor)").answer::<Page<CommissionBody>>().roles(ANY_ROLE).query::<PageQuery>(),
            get_commissions,
        )
        .add(
            Method::Post,
            "/api/v1/commissions/{id}/pay",
            Doc::new("settlement", "Pay a commission from withdrawable proceeds").request::<PayCommissionRequest>().answer::<CommissionPaymentBody>()
                .roles(MERCHANT)
                .status(201)
                .idempotent(),
            post_pay_commission,
        )
        .add(
            Method::Post,
            "/api/v1/orders/{id}/invoice-requests",
            Doc::new("settlement", "A buyer asks for an invoice").request::<NewInvoice>().answer::<InvoiceBody>()
                .roles(SERVICE)
                .status(201)
                .body(r#"{"title":"杭州某某科技有限公司"}"#),
            post_invoice_request,
        )
        .add(
            Method::Get,
            "/api/v1/shops/{id}/invoice-requests",
            Doc::new("settlement", "A shop's invoice requests, pending first (limit, cursor)").answer::<Page<InvoiceBody>>().roles(ANY_ROLE).query::<PageQuery>(),
            get_invoices,
        )
        .add(
            Method::Post,
            "/api/v1/invoice-requests/{id}/issue",
            Doc::new("settlement", "Record the issued invoice").request::<IssueInvoiceRequest>().answer::<InvoiceBody>()
                .roles(MERCHANT)
                .body(r#"{"invoice_number":"044001900111"}"#),
            post_issue_invoice,
        )
}

/// A product of a shop.
#[derive(Serialize, JsonSchema)]
struct ProductBody {
    id: i64,
    shop_id: i64,
    title: String,
    price_fen: i64,
    status: &'static str,
    created_at: Option<String>,
}

impl From<&ProductRow> for ProductBody {
    fn from(p: &ProductRow) -> ProductBody {
        ProductBody {
            id: p.id,
            shop_id: p.shop_id,
            title: p.title.clone(),
            price_fen: p.price_fen,
            status: p.status.as_str(),
            created_at: china_time(p.created_at_ms),
        }
    }
}

/// A buyer's paid order.
#[derive(Serialize, JsonSchema)]
struct OrderBody {
    id: i64,
    shop_id: i64,
    product_id: i64,
    buyer_id: String,
    amount_fen: i64,
    status: &'static str,
    created_at: Option<String>,
    shipped_at: Option<String>,
    closed_at: Option<String>,
    /// The day the proceeds settle (`YYYY-MM-DD`), once the order is closed.
    settle_on: Option<String>,
    settled: bool,
}

impl From<&OrderRow> for OrderBody {
    fn from(o: &OrderRow) -> OrderBody {
        OrderBody {
            id: o.id,
            shop_id: o.shop_id,
            product_id: o.product_id,
            buyer_id: o.buyer_id.clone(),
            amount_fen: o.amount_fen,
            status: o.status.as_str(),
            created_at: china_time(o.created_at_ms),
            shipped_at: o.shipped_at_ms.and_then(china_time),
            closed_at: o.closed_at_ms.and_then(china_time),
            settle_on: o.settle_on.clone(),
            settled: o.settled_at_ms.is_some(),
        }
    }
}

/// An after-sales case or a complaint.
#[derive(Serialize, JsonSchema)]
struct CaseBody {
    id: i64,
    shop_id: i64,
    order_id: Option<i64>,
    kind: String,
    buyer_id: String,
    text: String,
    status: &'static str,
    resolution: Option<String>,
    created_at: Option<String>,
    resolved_at: Option<String>,
}

impl From<&CaseRow> for CaseBody {
    fn from(c: &CaseRow) -> CaseBody {
        CaseBody {
            id: c.id,
            shop_id: c.shop_id,
            order_id: c.order_id,
            kind: c.kind.clone(),
            buyer_id: c.buyer_id.clone(),
            text: c.text.clone(),
            status: c.status.as_str(),
            resolution: c.resolution.clone(),
            created_at: china_time(c.created_at_ms),
            resolved_at: c.resolved_at_ms.and_then(china_time),
        }
    }
}

/// A creator's commission.
#[derive(Serialize, JsonSchema)]
struct CommissionBody {
    id: i64,
    shop_id: i64,
    order_id: Option<i64>,
    creator_id: String,
    amount_fen: i64,
    status: &'static str,
    /// The ledger transfer that paid the creator.
    transfer_id: Option<String>,
    created_at: Option<String>,
    done_at: Option<String>,
    /// When the merchant paid the commission (its money left the shop).
    charged_at: Option<String>,
    payee: Option<CommissionPayeeBody>,
}

/// Where a creator is paid, the account number left out.
#[derive(Serialize, JsonSchema)]
struct CommissionPayeeBody {
    holder_name: String,
    bank_name: String,
    account_last4: String,
}

impl From<&DueRow> for CommissionBody {
    fn from(d: &DueRow) -> CommissionBody {
        let payee = match (&d.payee_holder_name, &d.payee_bank_name, &d.payee_last4) {
            (Some(holder), Some(bank), Some(last4)) => Some(CommissionPayeeBody {
                holder_name: holder.clone(),
                bank_name: bank.clone(),
                account_last4: last4.clone(),
            }),
            _ => None,
        };
        CommissionBody {
            id: d.id,
            shop_id: d.shop_id,
            order_id: d.order_id,
            creator_id: d.party.clone(),
            amount_fen: d.amount_fen,
            status: d.status.as_str(),
            transfer_id: d.done_ref.clone(),
            created_at: china_time(d.created_at_ms),
            done_at: d.done_at_ms.and_then(china_time),
            charged_at: d.charged_at_ms.and_then(china_time),
            payee,
        }
    }
}

/// A buyer's invoice request.
#[derive(Serialize, JsonSchema)]
struct InvoiceBody {
    id: i64,
    shop_id: i64,
    order_id: Option<i64>,
    title: String,
    amount_fen: i64,
    status: &'static str,
    invoice_number: Option<String>,
    created_at: Option<String>,
    done_at: Option<String>,
}

impl From<&DueRow> for InvoiceBody {
    fn from(d: &DueRow) -> InvoiceBody {
        InvoiceBody {
            id: d.id,
            shop_id: d.shop_id,
            order_id: d.order_id,
            title: d.party.clone(),
            amount_fen: d.amount_fen,
            status: d.status.as_str(),
            invoice_number: d.done_ref.clone(),
            created_at: china_time(d.created_at_ms),
            done_at: d.done_at_ms.and_then(china_time),
        }
    }
}

/// A message between a buyer and the shop.
#[derive(Serialize, JsonSchema)]
struct BuyerMessageBody {
    id: i64,
    conversation_id: i64,
    sender: String,
    text: String,
    at: Option<String>,
}

impl From<&MessageRow> for BuyerMessageBody {
    fn from(m: &MessageRow) -> BuyerMessageBody {
        BuyerMessageBody {
            id: m.id,
            conversation_id: m.conversation_id,
            sender: m.sender.clone(),
            text: m.text.clone(),
            at: china_time(m.at_ms),
        }
    }
}

/// A buyer's conversation with the shop.
#[derive(Serialize, JsonSchema)]
struct BuyerConversationBody {
    id: i64,
    shop_id: i64,
    buyer_id: String,
    unanswered: bool,
    last_message_at: Option<String>,
}

impl From<&ConversationRow> for BuyerConversationBody {
    fn from(c: &ConversationRow) -> BuyerConversationBody {
        BuyerConversationBody {
            id: c.id,
            shop_id: c.shop_id,
            buyer_id: c.buyer_id.clone(),
            unanswered: c.unanswered == 1,
            last_message_at: china_time(c.last_message_at_ms),
        }
    }
}

/// A buyer's conversation with its latest messages.
#[derive(Serialize, JsonSchema)]
struct BuyerThreadBody {
    id: i64,
    shop_id: i64,
    buyer_id: String,
    unanswered: bool,
    messages: Vec<BuyerMessageBody>,
}

impl From<&ConversationView> for BuyerThreadBody {
    fn from(v: &ConversationView) -> BuyerThreadBody {
        let c = &v.conversation;
        BuyerThreadBody {
            id: c.id,
            shop_id: c.shop_id,
            buyer_id: c.buyer_id.clone(),
            unanswered: c.unanswered == 1,
            messages: v.messages.iter().map(BuyerMessageBody::from).collect(),
        }
    }
}

/// A shop's order proceeds by stage.
#[derive(Serialize, JsonSchema)]
struct SettlementBody {
    settling_fen: i64,
    withdrawable_fen: i64,
}

/// A withdrawal made: its transfer, its payout and what is left to withdraw.
#[derive(Serialize, JsonSchema)]
struct WithdrawalBody {
    transfer_id: Option<i64>,
    payout_id: Option<i64>,
    withdrawable_fen: Option<i64>,
}

/// A commission paid: its status, its transfer and what is left to withdraw.
#[derive(Serialize, JsonSchema)]
struct CommissionPaymentBody {
    id: i64,
    status: &'static str,
    transfer_id: Option<i64>,
    withdrawable_fen: Option<i64>,
}

fn made<T>(body: T) -> (StatusCode, Json<T>) {
    (StatusCode::CREATED, Json(body))
}

#[derive(Deserialize, JsonSchema)]
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
) -> Created<ProductBody> {
    Ok(made(ProductBody::from(&state.app.create_product(&auth.0, id, &b.title, b.price_fen).await?)))
}

async fn get_products(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<i64>,
    Query(q): Query<PageQuery>,
) -> Answer<Page<ProductBody>> {
    Ok(page(&state.app.products(auth.actor(), id, q.limit, q.cursor.as_deref()).await?))
}

async fn post_delist(State(state): State<AppState>, auth: Auth, Path(id): Path<i64>) -> Answer<ProductBody> {
    Ok(Json(ProductBody::from(&state.app.delist_product(&auth.0, id).await?)))
}

#[derive(Deserialize, JsonSchema)]
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
) -> Created<OrderBody> {
    let order = state.app.create_order(&auth.0, id, b.product_id, &b.buyer_id, b.amount_fen).await?;
    Ok(made(OrderBody::from(&order)))
}

#[derive(Deserialize, JsonSchema)]
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
) -> Answer<Page<OrderBody>> {
    Ok(page(&state.app.orders(auth.actor(), id, q.status.as_deref(), q.limit, q.cursor.as_deref()).await?))
}

async fn get_order(State(state): State<AppState>, auth: Auth, Path(id): Path<i64>) -> Answer<OrderBody> {
    Ok(Json(OrderBody::from(&state.app.order(auth.actor(), id).await?)))
}

async fn post_ship(State(state): State<AppState>, auth: Auth, Path(id): Path<i64>) -> Answer<OrderBody> {
    Ok(Json(OrderBody::from(&state.app.ship_order(&auth.0, id).await?)))
}

async fn post_complete(State(state): State<AppState>, auth: Auth, Path(id): Path<i64>) -> Answer<OrderBody> {
    Ok(Json(OrderBody::from(&state.app.complete_order(&auth.0, id).await?)))
}

async fn post_cancel(State(state): State<AppState>, auth: Auth, Path(id): Path<i64>) -> Answer<OrderBody> {
    Ok(Json(OrderBody::from(&state.app.cancel_order(&auth.0, id).await?)))
}

#[derive(Deserialize, JsonSchema)]
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
) -> Created<CaseBody> {
    Ok(made(CaseBody::from(&state.app.open_after_sales(&auth.0, id, &b.kind, &b.reason).await?)))
}

async fn get_after_sales(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<i64>,
    Query(q): Query<PageQuery>,
) -> Answer<Page<CaseBody>> {
    let list = state.app.cases(auth.actor(), CaseTable::AfterSales, id, q.limit, q.cursor.as_deref()).await?;
    Ok(page(&list))
}

#[derive(Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
struct ResolveCaseRequest {
    resolution: String,
}

async fn post_resolve_after_sales(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<i64>,
    Json(b): Json<ResolveCaseRequest>,
) -> Answer<CaseBody> {
    let case = state.app.resolve_case(&auth.0, CaseTable::AfterSales, id, &b.resolution).await?;
    Ok(Json(CaseBody::from(&case)))
}

#[derive(Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
struct BuyerTextRequest {
    buyer_id: String,
    text: String,
}

async fn post_complaint(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<i64>,
    Json(b): Json<BuyerTextRequest>,
) -> Created<CaseBody> {
    Ok(made(CaseBody::from(&state.app.open_complaint(&auth.0, id, &b.buyer_id, &b.text).await?)))
}

async fn get_complaints(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<i64>,
    Query(q): Query<PageQuery>,
) -> Answer<Page<CaseBody>> {
    let list = state.app.cases(auth.actor(), CaseTable::Complaints, id, q.limit, q.cursor.as_deref()).await?;
    Ok(page(&list))
}

async fn get_open_complaints(
    State(state): State<AppState>,
    auth: Auth,
    Query(q): Query<PageQuery>,
) -> Answer<Page<CaseBody>> {
    Ok(page(&state.app.open_complaints(auth.actor(), q.limit, q.cursor.as_deref()).await?))
}

async fn post_resolve_complaint(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<i64>,
    Json(b): Json<ResolveCaseRequest>,
) -> Answer<CaseBody> {
    let case = state.app.resolve_case(&auth.0, CaseTable::Complaints, id, &b.resolution).await?;
    Ok(Json(CaseBody::from(&case)))
}

async fn post_message(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<i64>,
    Json(b): Json<BuyerTextRequest>,
) -> Created<BuyerMessageBody> {
    let message = state.app.buyer_message(&auth.0, id, &b.buyer_id, &b.text).await?;
    Ok(made(BuyerMessageBody::from(&message)))
}

async fn get_conversations(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<i64>,
    Query(q): Query<PageQuery>,
) -> Answer<Page<BuyerConversationBody>> {
    Ok(page(&state.app.conversations(auth.actor(), id, q.limit, q.cursor.as_deref()).await?))
}

async fn get_conversation(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<i64>,
) -> Answer<BuyerThreadBody> {
    Ok(Json(BuyerThreadBody::from(&state.app.conversation(auth.actor(), id).await?)))
}

#[derive(Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
struct BuyerReplyRequest {
    text: String,
}

async fn post_reply(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<i64>,
    Json(b): Json<BuyerReplyRequest>,
) -> Created<BuyerMessageBody> {
    Ok(made(BuyerMessageBody::from(&state.app.reply(&auth.0, id, &b.text).await?)))
}

async fn get_settlement(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<i64>,
) -> Answer<SettlementBody> {
    let s = state.app.settlement(auth.actor(), id).await?;
    Ok(Json(SettlementBody { settling_fen: s.settling_fen, withdrawable_fen: s.withdrawable_fen }))
}

#[derive(Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
struct WithdrawalRequest {
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
    let (claim, b): (_, WithdrawalRequest) =
        money_request(&auth.0, &[Role::Merchant], &headers, uri.path(), &body)?;
    let outcome = state.app.withdraw(&auth.0, id, b.amount_fen, claim).await?;
    let body = WithdrawalBody {
        transfer_id: outcome.transfer_ids.first().copied(),
        payout_id: outcome.subject_id,
        withdrawable_fen: outcome.balance_fen,
    };
    Ok(created(body, outcome.replayed))
}

#[derive(Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
struct NewCommission {
    creator_id: String,
    amount_fen: i64,
    order_id: Option<i64>,
    payee: Option<CommissionPayeeRequest>,
}

/// Where a creator is paid.
#[derive(Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
struct CommissionPayeeRequest {
    holder_name: String,
    bank_name: String,
    account_number: String,
}

impl From<CommissionPayeeRequest> for PayeeInput {
    fn from(b: CommissionPayeeRequest) -> Self {
        PayeeInput { holder_name: b.holder_name, bank_name: b.bank_name, account_number: b.account_number }
    }
}

async fn post_commission(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<i64>,
    Json(b): Json<NewCommission>,
) -> Created<CommissionBody> {
    let payee = b.payee.map(PayeeInput::from);
    let due = state
        .app
        .record_commission(&auth.0, id, &b.creator_id, b.amount_fen, b.order_id, payee.as_ref())
        .await?;
    Ok(made(CommissionBody::from(&due)))
}

async fn put_commission_payee(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<i64>,
    Json(b): Json<CommissionPayeeRequest>,
) -> Answer<CommissionBody> {
    let due = state.app.set_commission_payee(&auth.0, id, &PayeeInput::from(b)).await?;
    Ok(Json(CommissionBody::from(&due)))
}

async fn get_commissions(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<i64>,
    Query(q): Query<PageQuery>,
) -> Answer<Page<CommissionBody>> {
    let list = state.app.dues(auth.actor(), DueTable::Commissions, id, q.limit, q.cursor.as_deref()).await?;
    Ok(page(&list))
}

/// Paying a commission takes no fields (an empty body reads as `{}`).
#[derive(Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
struct PayCommissionRequest {}

async fn post_pay_commission(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<i64>,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> ApiResult<Response> {
    let body: &[u8] = if body.is_empty() { b"{}" } else { &body };
    let (claim, _): (_, PayCommissionRequest) =
        money_request(&auth.0, &[Role::Merchant], &headers, uri.path(), body)?;
    let outcome = state.app.pay_commission(&auth.0, id, claim).await?;
    let due = state.app.due(auth.actor(), DueTable::Commissions, id).await?;
    let body = CommissionPaymentBody {
        id,
        status: due.status.as_str(),
        transfer_id: outcome.transfer_ids.first().copied(),
        withdrawable_fen: outcome.balance_fen,
    };
    Ok(created(body, outcome.replayed))
}

#[derive(Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
struct NewInvoice {
    title: String,
}

async fn post_invoice_request(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<i64>,
    Json(b): Json<NewInvoice>,
) -> Created<InvoiceBody> {
    Ok(made(InvoiceBody::from(&state.app.request_invoice(&auth.0, id, &b.title).await?)))
}

async fn get_invoices(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<i64>,
    Query(q): Query<PageQuery>,
) -> Answer<Page<InvoiceBody>> {
    let list = state.app.dues(auth.actor(), DueTable::Invoices, id, q.limit, q.cursor.as_deref()).await?;
    Ok(page(&list))
}

#[derive(Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
struct IssueInvoiceRequest {
    invoice_number: String,
}

async fn post_issue_invoice(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<i64>,
    Json(b): Json<IssueInvoiceRequest>,
) -> Answer<InvoiceBody> {
    Ok(Json(InvoiceBody::from(&state.app.issue_invoice(&auth.0, id, &b.invoice_number).await?)))
}

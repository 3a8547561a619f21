//! Shop operations: products, orders, after-sales cases, complaints, conversations and messages,
//! commissions, invoice requests, and the per-shop activity counters the closure checks read.

use domain::operations::{CaseStatus, CommissionStatus, InvoiceStatus, OrderStatus, ProductStatus};
use sqlx::Row;

use crate::db::row_lock;
use crate::{Backend, Conn, StoreResult};

/// The counters of one shop, kept in the same transaction as the rows they count.
#[derive(Debug, Clone, PartialEq, Eq, Default, sqlx::FromRow)]
pub struct ActivityRow {
    pub shop_id: i64,
    pub products_listed: i64,
    pub orders_unshipped: i64,
    pub orders_in_transit: i64,
    pub after_sales_open: i64,
    pub complaints_open: i64,
    pub conversations_unanswered: i64,
    pub commissions_owed: i64,
    pub invoices_pending: i64,
    pub paid_orders_total: i64,
    pub gmv_total_fen: i64,
    pub last_order_closed_at_ms: Option<i64>,
}

const ACTIVITY_COLUMNS: &str = "shop_id, products_listed, orders_unshipped, orders_in_transit, after_sales_open, \
     complaints_open, conversations_unanswered, commissions_owed, invoices_pending, paid_orders_total, \
     gmv_total_fen, last_order_closed_at_ms";

/// One counter of `shop_activity`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Counter {
    ProductsListed,
    OrdersUnshipped,
    OrdersInTransit,
    AfterSalesOpen,
    ComplaintsOpen,
    ConversationsUnanswered,
    CommissionsOwed,
    InvoicesPending,
}

impl Counter {
    fn column(self) -> &'static str {
        match self {
            Counter::ProductsListed => "products_listed",
            Counter::OrdersUnshipped => "orders_unshipped",
            Counter::OrdersInTransit => "orders_in_transit",
            Counter::AfterSalesOpen => "after_sales_open",
            Counter::ComplaintsOpen => "complaints_open",
            Counter::ConversationsUnanswered => "conversations_unanswered",
            Counter::CommissionsOwed => "commissions_owed",
            Counter::InvoicesPending => "invoices_pending",
        }
    }
}

pub async fn insert_activity(conn: &mut Conn, merchant_id: i64, shop_id: i64) -> StoreResult<()> {
    sqlx::query("INSERT INTO shop_activity (merchant_id, shop_id) VALUES ($1, $2)")
        .bind(merchant_id)
        .bind(shop_id)
        .execute(conn)
        .await?;
    Ok(())
}

/// Reads a shop's counters and, on PostgreSQL, locks them until the transaction ends. Every write
/// that changes what a closure check sees takes this lock first, and so does the closure itself:
/// the two can never interleave.
pub async fn lock_activity(
    conn: &mut Conn,
    backend: Backend,
    shop_id: i64,
) -> StoreResult<Option<ActivityRow>> {
    let sql = format!("SELECT {ACTIVITY_COLUMNS} FROM shop_activity WHERE shop_id = $1{}", row_lock(backend));
    Ok(sqlx::query_as(&sql).bind(shop_id).fetch_optional(conn).await?)
}

pub async fn activity(conn: &mut Conn, shop_id: i64) -> StoreResult<Option<ActivityRow>> {
    lock_activity(conn, Backend::Sqlite, shop_id).await
}

/// Adds `delta` to one counter.
pub async fn bump(conn: &mut Conn, shop_id: i64, counter: Counter, delta: i64) -> StoreResult<()> {
    let column = counter.column();
    let sql = format!("UPDATE shop_activity SET {column} = {column} + $1 WHERE shop_id = $2");
    sqlx::query(&sql).bind(delta).bind(shop_id).execute(conn).await?;
    Ok(())
}

/// Remembers that an order completed or was cancelled at `at_ms` (the latest such time is kept).
pub async fn order_closed(conn: &mut Conn, shop_id: i64, at_ms: i64) -> StoreResult<()> {
    sqlx::query(
        "UPDATE shop_activity SET last_order_closed_at_ms = $1 \
         WHERE shop_id = $2 AND (last_order_closed_at_ms IS NULL OR last_order_closed_at_ms < $1)",
    )
    .bind(at_ms)
    .bind(shop_id)
    .execute(conn)
    .await?;
    Ok(())
}

/// Counts a paid order (or takes one back with negative numbers) in the lifetime and monthly sales.
pub async fn record_sale(
    conn: &mut Conn,
    merchant_id: i64,
    shop_id: i64,
    month: &str,
    orders: i64,
    gmv_fen: i64,
) -> StoreResult<()> {
    sqlx::query(
        "UPDATE shop_activity SET paid_orders_total = paid_orders_total + $1, gmv_total_fen = gmv_total_fen + $2 \
         WHERE shop_id = $3",
    )
    .bind(orders)
    .bind(gmv_fen)
    .bind(shop_id)
    .execute(&mut *conn)
    .await?;
    sqlx::query(
        "INSERT INTO shop_monthly_sales (shop_id, month, paid_orders, gmv_fen, merchant_id) \
         VALUES ($1, $2, $3, $4, $5) ON CONFLICT (shop_id, month, merchant_id) DO UPDATE SET \
         paid_orders = shop_monthly_sales.paid_orders + $3, gmv_fen = shop_monthly_sales.gmv_fen + $4",
    )
    .bind(shop_id)
    .bind(month)
    .bind(orders)
    .bind(gmv_fen)
    .bind(merchant_id)
    .execute(conn)
    .await?;
    Ok(())
}

pub async fn month_gmv(conn: &mut Conn, shop_id: i64, month: &str) -> StoreResult<i64> {
    let row = sqlx::query("SELECT gmv_fen FROM shop_monthly_sales WHERE shop_id = $1 AND month = $2")
        .bind(shop_id)
        .bind(month)
        .fetch_optional(conn)
        .await?;
    Ok(match row {
        Some(row) => row.try_get(0)?,
        None => 0,
    })
}

/// The counters recomputed from the rows themselves (slow: scans the shop's rows). Used by
/// `shops recount` and by tests to prove the counters never drift.
pub async fn recount(conn: &mut Conn, shop_id: i64) -> StoreResult<ActivityRow> {
    // Each query with the status it binds as `$2`, if any.
    let queries: [(&str, Option<&str>); 11] = [
        (
            "SELECT COUNT(*) FROM products WHERE shop_id = $1 AND status = $2",
            Some(ProductStatus::Listed.as_str()),
        ),
        ("SELECT COUNT(*) FROM orders WHERE shop_id = $1 AND status = $2", Some(OrderStatus::Paid.as_str())),
        (
            "SELECT COUNT(*) FROM orders WHERE shop_id = $1 AND status = $2",
            Some(OrderStatus::Shipped.as_str()),
        ),
        (
            "SELECT COUNT(*) FROM after_sales WHERE shop_id = $1 AND status = $2",
            Some(CaseStatus::Open.as_str()),
        ),
        (
            "SELECT COUNT(*) FROM complaints WHERE shop_id = $1 AND status = $2",
            Some(CaseStatus::Open.as_str()),
        ),
        ("SELECT COUNT(*) FROM conversations WHERE shop_id = $1 AND unanswered = 1", None),
        (
            "SELECT COUNT(*) FROM commissions WHERE shop_id = $1 AND status = $2",
            Some(CommissionStatus::Owed.as_str()),
        ),
        (
            "SELECT COUNT(*) FROM invoice_requests WHERE shop_id = $1 AND status = $2",
            Some(InvoiceStatus::Pending.as_str()),
        ),
        (
            "SELECT COUNT(*) FROM orders WHERE shop_id = $1 AND status <> $2",
            Some(OrderStatus::Cancelled.as_str()),
        ),
        // SUM of a BIGINT is NUMERIC on PostgreSQL, which the Any driver cannot decode.
        (
            "SELECT CAST(COALESCE(SUM(amount_fen), 0) AS BIGINT) FROM orders \
             WHERE shop_id = $1 AND status <> $2",
            Some(OrderStatus::Cancelled.as_str()),
        ),
        ("SELECT COALESCE(MAX(closed_at_ms), -1) FROM orders WHERE shop_id = $1", None),
    ];
    let mut values = Vec::with_capacity(queries.len());
    for (sql, status) in queries {
        let mut query = sqlx::query(sql).bind(shop_id);
        if let Some(status) = status {
            query = query.bind(status);
        }
        let value: i64 = query.fetch_one(&mut *conn).await?.try_get(0)?;
        values.push(value);
    }
    Ok(ActivityRow {
        shop_id,
        products_listed: values[0],
        orders_unshipped: values[1],
        orders_in_transit: values[2],
        after_sales_open: values[3],
        complaints_open: values[4],
        conversations_unanswered: values[5],
        commissions_owed: values[6],
        invoices_pending: values[7],
        paid_orders_total: values[8],
        gmv_total_fen: values[9],
        last_order_closed_at_ms: (values[10] >= 0).then_some(values[10]),
    })
}

/// Moves a row of `table` from status `from` to `to`, stamping `at_column`; false when the row was
/// not in `from` (somebody else moved it first). `table` and `at_column` are compile-time names.
pub async fn transition(
    conn: &mut Conn,
    table: &'static str,
    id: i64,
    from: &str,
    to: &str,
    at_column: &'static str,
    at_ms: i64,
) -> StoreResult<bool> {
    let sql = format!("UPDATE {table} SET status = $1, {at_column} = $2 WHERE id = $3 AND status = $4");
    let done = sqlx::query(&sql).bind(to).bind(at_ms).bind(id).bind(from).execute(conn).await?;
    Ok(done.rows_affected() == 1)
}

/// Sets a text column of a row (resolution, invoice number, ...). `table` and `column` are
/// compile-time names.
pub async fn set_text(
    conn: &mut Conn,
    table: &'static str,
    column: &'static str,
    id: i64,
    text: &str,
) -> StoreResult<()> {
    let sql = format!("UPDATE {table} SET {column} = $1 WHERE id = $2");
    sqlx::query(&sql).bind(text).bind(id).execute(conn).await?;
    Ok(())
}

#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct ProductRow {
    pub id: i64,
    pub shop_id: i64,
    pub title: String,
    pub price_fen: i64,
    #[sqlx(try_from = "String")]
    pub status: ProductStatus,
    pub created_at_ms: i64,
    pub updated_at_ms: i64,
}

pub async fn insert_product(
    conn: &mut Conn,
    merchant_id: i64,
    shop_id: i64,
    title: &str,
    price_fen: i64,
    now_ms: i64,
) -> StoreResult<i64> {
    Ok(sqlx::query(
        "INSERT INTO products (shop_id, title, price_fen, status, created_at_ms, updated_at_ms, merchant_id) \
         VALUES ($1, $2, $3, $6, $4, $4, $5) RETURNING id",
    )
    .bind(shop_id)
    .bind(title)
    .bind(price_fen)
    .bind(now_ms)
    .bind(merchant_id)
    .bind(ProductStatus::Listed.as_str())
    .fetch_one(conn)
    .await?
    .try_get(0)?)
}

pub async fn find_product(conn: &mut Conn, id: i64) -> StoreResult<Option<ProductRow>> {
    Ok(sqlx::query_as(
        "SELECT id, shop_id, title, price_fen, status, created_at_ms, updated_at_ms FROM products WHERE id = $1",
    )
    .bind(id)
    .fetch_optional(conn)
    .await?)
}

/// A shop's products, newest first, before id `before_id`.
pub async fn products(
    conn: &mut Conn,
    shop_id: i64,
    before_id: i64,
    limit: i64,
) -> StoreResult<Vec<ProductRow>> {
    Ok(sqlx::query_as(
        "SELECT id, shop_id, title, price_fen, status, created_at_ms, updated_at_ms FROM products \
         WHERE shop_id = $1 AND id < $2 ORDER BY id DESC LIMIT $3",
    )
    .bind(shop_id)
    .bind(before_id)
    .bind(limit)
    .fetch_all(conn)
    .await?)
}

#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct OrderRow {
    pub id: i64,
    pub shop_id: i64,
    pub product_id: i64,
    pub buyer_id: String,
    pub amount_fen: i64,
    #[sqlx(try_from = "String")]
    pub status: OrderStatus,
    pub created_at_ms: i64,
    pub shipped_at_ms: Option<i64>,
    pub closed_at_ms: Option<i64>,
    pub settle_on: Option<String>,
    pub settled_at_ms: Option<i64>,
}

const ORDER_COLUMNS: &str = "id, shop_id, product_id, buyer_id, amount_fen, status, created_at_ms, shipped_at_ms, \
     closed_at_ms, settle_on, settled_at_ms";

pub struct NewOrder<'a> {
    pub merchant_id: i64,
    pub shop_id: i64,
    pub product_id: i64,
    pub buyer_id: &'a str,
    pub amount_fen: i64,
    pub now_ms: i64,
}

pub async fn insert_order(conn: &mut Conn, order: &NewOrder<'_>) -> StoreResult<i64> {
    Ok(sqlx::query(
        "INSERT INTO orders (shop_id, product_id, buyer_id, amount_fen, status, created_at_ms, merchant_id) \
         VALUES ($1, $2, $3, $4, $7, $5, $6) RETURNING id",
    )
    .bind(order.shop_id)
    .bind(order.product_id)
    .bind(order.buyer_id)
    .bind(order.amount_fen)
    .bind(order.now_ms)
    .bind(order.merchant_id)
    .bind(OrderStatus::Paid.as_str())
    .fetch_one(conn)
    .await?
    .try_get(0)?)
}

pub async fn find_order(conn: &mut Conn, id: i64) -> StoreResult<Option<OrderRow>> {
    let sql = format!("SELECT {ORDER_COLUMNS} FROM orders WHERE id = $1");
    Ok(sqlx::query_as(&sql).bind(id).fetch_optional(conn).await?)
}

/// A shop's orders, newest first, before id `before_id`, optionally in one status.
pub async fn orders(
    conn: &mut Conn,
    shop_id: i64,
    status: Option<&str>,
    before_id: i64,
    limit: i64,
) -> StoreResult<Vec<OrderRow>> {
    let sql = format!(
        "SELECT {ORDER_COLUMNS} FROM orders WHERE shop_id = $1 AND id < $2 AND ($3 = '' OR status = $3) \
         ORDER BY id DESC LIMIT $4"
    );
    Ok(sqlx::query_as(&sql)
        .bind(shop_id)
        .bind(before_id)
        .bind(status.unwrap_or(""))
        .bind(limit)
        .fetch_all(conn)
        .await?)
}

pub async fn set_settle_on(conn: &mut Conn, order_id: i64, settle_on: &str) -> StoreResult<()> {
    sqlx::query("UPDATE orders SET settle_on = $1 WHERE id = $2")
        .bind(settle_on)
        .bind(order_id)
        .execute(conn)
        .await?;
    Ok(())
}

/// Marks an order's proceeds settled; false when they already were.
pub async fn mark_settled(conn: &mut Conn, order_id: i64, now_ms: i64) -> StoreResult<bool> {
    let done = sqlx::query("UPDATE orders SET settled_at_ms = $1 WHERE id = $2 AND settled_at_ms IS NULL")
        .bind(now_ms)
        .bind(order_id)
        .execute(conn)
        .await?;
    Ok(done.rows_affected() == 1)
}

/// An after-sales case or a complaint: both are `open` until resolved.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct CaseRow {
    pub id: i64,
    pub shop_id: i64,
    pub order_id: Option<i64>,
    pub kind: String,
    pub buyer_id: String,
    pub text: String,
    #[sqlx(try_from = "String")]
    pub status: CaseStatus,
    pub resolution: Option<String>,
    pub created_at_ms: i64,
    pub resolved_at_ms: Option<i64>,
}

/// Which table a case lives in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CaseTable {
    AfterSales,
    Complaints,
}

impl CaseTable {
    pub fn table(self) -> &'static str {
        match self {
            CaseTable::AfterSales => "after_sales",
            CaseTable::Complaints => "complaints",
        }
    }

    fn select(self) -> &'static str {
        match self {
            CaseTable::AfterSales => {
                "SELECT a.id, a.shop_id, a.order_id, a.kind, o.buyer_id, a.reason AS text, a.status, a.resolution, \
                 a.created_at_ms, a.resolved_at_ms FROM after_sales a JOIN orders o ON o.id = a.order_id"
            }
            CaseTable::Complaints => {
                "SELECT a.id, a.shop_id, NULL AS order_id, 'complaint' AS kind, a.buyer_id, a.text, a.status, \
                 a.resolution, a.created_at_ms, a.resolved_at_ms FROM complaints a"
            }
        }
    }
}

pub async fn insert_after_sales(
    conn: &mut Conn,
    merchant_id: i64,
    order: &OrderRow,
    kind: &str,
    reason: &str,
    now_ms: i64,
) -> StoreResult<i64> {
    Ok(sqlx::query(
        "INSERT INTO after_sales (order_id, shop_id, kind, reason, status, created_at_ms, merchant_id) \
         VALUES ($1, $2, $3, $4, $7, $5, $6) RETURNING id",
    )
    .bind(order.id)
    .bind(order.shop_id)
    .bind(kind)
    .bind(reason)
    .bind(now_ms)
    .bind(merchant_id)
    .bind(CaseStatus::Open.as_str())
    .fetch_one(conn)
    .await?
    .try_get(0)?)
}

pub async fn insert_complaint(
    conn: &mut Conn,
    merchant_id: i64,
    shop_id: i64,
    buyer_id: &str,
    text: &str,
    now_ms: i64,
) -> StoreResult<i64> {
    Ok(sqlx::query(
        "INSERT INTO complaints (shop_id, buyer_id, text, status, created_at_ms, merchant_id) \
         VALUES ($1, $2, $3, $6, $4, $5) RETURNING id",
    )
    .bind(shop_id)
    .bind(buyer_id)
    .bind(text)
    .bind(now_ms)
    .bind(merchant_id)
    .bind(CaseStatus::Open.as_str())
    .fetch_one(conn)
    .await?
    .try_get(0)?)
}

pub async fn find_case(conn: &mut Conn, table: CaseTable, id: i64) -> StoreResult<Option<CaseRow>> {
    let sql = format!("{} WHERE a.id = $1", table.select());
    Ok(sqlx::query_as(&sql).bind(id).fetch_optional(conn).await?)
}

/// A shop's cases, open ones first, then newest first.
/// Where a page of a list sorted open first, newest first starts: after `(rank, id)`, rank 0 for
/// the open rows and 1 for the others (`OpenFirst::START` for the first page).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OpenFirst {
    pub rank: i64,
    pub id: i64,
}

impl OpenFirst {
    pub const START: OpenFirst = OpenFirst { rank: 0, id: i64::MAX };

    fn of(open: bool, id: i64) -> OpenFirst {
        OpenFirst { rank: if open { 0 } else { 1 }, id }
    }

    /// A case's position in `cases` (the rank of the SQL there), for the next page's cursor.
    pub fn of_case(case: &CaseRow) -> OpenFirst {
        OpenFirst::of(case.status == CaseStatus::Open, case.id)
    }

    /// A commission's or invoice request's position in `dues`, for the next page's cursor.
    pub fn of_due(due: &DueRow) -> OpenFirst {
        OpenFirst::of(due.status.waits_for_merchant(), due.id)
    }
}

/// A shop's after-sales cases or complaints, open first, newest first, after `after`.
pub async fn cases(
    conn: &mut Conn,
    table: CaseTable,
    shop_id: i64,
    after: OpenFirst,
    limit: i64,
) -> StoreResult<Vec<CaseRow>> {
    let rank = "CASE WHEN a.status = CAST($5 AS TEXT) THEN 0 ELSE 1 END";
    let sql = format!(
        "{} WHERE a.shop_id = $1 AND ({rank} > $2 OR ({rank} = $2 AND a.id < $3)) ORDER BY {rank}, a.id DESC LIMIT $4",
        table.select()
    );
    Ok(sqlx::query_as(&sql)
        .bind(shop_id)
        .bind(after.rank)
        .bind(after.id)
        .bind(limit)
        .bind(CaseStatus::Open.as_str())
        .fetch_all(conn)
        .await?)
}

/// How many complaints of every shop are open (the reviewers' queue).
pub async fn count_open_complaints(conn: &mut Conn) -> StoreResult<i64> {
    Ok(sqlx::query("SELECT COUNT(*) FROM complaints WHERE status = $1")
        .bind(CaseStatus::Open.as_str())
        .fetch_one(conn)
        .await?
        .try_get(0)?)
}

/// Open complaints of every shop, oldest first, after id `after_id` (the reviewers' queue).
pub async fn open_complaints(conn: &mut Conn, after_id: i64, limit: i64) -> StoreResult<Vec<CaseRow>> {
    let sql = format!(
        "{} WHERE a.status = $3 AND a.id > $1 ORDER BY a.id LIMIT $2",
        CaseTable::Complaints.select()
    );
    Ok(sqlx::query_as(&sql)
        .bind(after_id)
        .bind(limit)
        .bind(CaseStatus::Open.as_str())
        .fetch_all(conn)
        .await?)
}

#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct ConversationRow {
    pub id: i64,
    pub shop_id: i64,
    pub buyer_id: String,
    pub unanswered: i64,
    pub last_message_at_ms: i64,
}

pub async fn conversation_with(
    conn: &mut Conn,
    shop_id: i64,
    buyer_id: &str,
) -> StoreResult<Option<ConversationRow>> {
    Ok(sqlx::query_as(
        "SELECT id, shop_id, buyer_id, unanswered, last_message_at_ms FROM conversations \
         WHERE shop_id = $1 AND buyer_id = $2",
    )
    .bind(shop_id)
    .bind(buyer_id)
    .fetch_optional(conn)
    .await?)
}

pub async fn find_conversation(conn: &mut Conn, id: i64) -> StoreResult<Option<ConversationRow>> {
    Ok(sqlx::query_as(
        "SELECT id, shop_id, buyer_id, unanswered, last_message_at_ms FROM conversations WHERE id = $1",
    )
    .bind(id)
    .fetch_optional(conn)
    .await?)
}

pub async fn insert_conversation(
    conn: &mut Conn,
    merchant_id: i64,
    shop_id: i64,
    buyer_id: &str,
    now_ms: i64,
) -> StoreResult<i64> {
    Ok(sqlx::query(
        "INSERT INTO conversations (shop_id, buyer_id, unanswered, last_message_at_ms, merchant_id) \
         VALUES ($1, $2, 0, $3, $4) RETURNING id",
    )
    .bind(shop_id)
    .bind(buyer_id)
    .bind(now_ms)
    .bind(merchant_id)
    .fetch_one(conn)
    .await?
    .try_get(0)?)
}

/// Sets whether the conversation waits for the merchant; answers whether that changed.
pub async fn set_unanswered(conn: &mut Conn, id: i64, unanswered: bool, now_ms: i64) -> StoreResult<bool> {
    let flag = i64::from(unanswered);
    let changed = sqlx::query("UPDATE conversations SET unanswered = $1 WHERE id = $2 AND unanswered <> $1")
        .bind(flag)
        .bind(id)
        .execute(&mut *conn)
        .await?
        .rows_affected()
        == 1;
    sqlx::query("UPDATE conversations SET last_message_at_ms = $1 WHERE id = $2")
        .bind(now_ms)
        .bind(id)
        .execute(conn)
        .await?;
    Ok(changed)
}

/// A shop's conversations, unanswered ones first, then most recent first.
/// A shop's conversations, unanswered first, latest message first, after `after`: the
/// `(unanswered, last_message_at_ms, id)` of the last row of the page before, or `None`.
pub async fn conversations(
    conn: &mut Conn,
    shop_id: i64,
    after: Option<(i64, i64, i64)>,
    limit: i64,
) -> StoreResult<Vec<ConversationRow>> {
    // unanswered is 0 or 1: 2 starts before every row.
    let (unanswered, last_ms, id) = after.unwrap_or((2, 0, 0));
    Ok(sqlx::query_as(
        "SELECT id, shop_id, buyer_id, unanswered, last_message_at_ms FROM conversations WHERE shop_id = $1 \
         AND (unanswered < $2 OR (unanswered = $2 AND (last_message_at_ms < $3 \
         OR (last_message_at_ms = $3 AND id < $4)))) \
         ORDER BY unanswered DESC, last_message_at_ms DESC, id DESC LIMIT $5",
    )
    .bind(shop_id)
    .bind(unanswered)
    .bind(last_ms)
    .bind(id)
    .bind(limit)
    .fetch_all(conn)
    .await?)
}

#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct MessageRow {
    pub id: i64,
    pub conversation_id: i64,
    pub sender: String,
    pub text: String,
    pub at_ms: i64,
}

pub async fn insert_message(
    conn: &mut Conn,
    merchant_id: i64,
    conversation_id: i64,
    sender: &str,
    text: &str,
    now_ms: i64,
) -> StoreResult<i64> {
    Ok(sqlx::query(
        "INSERT INTO messages (conversation_id, sender, text, at_ms, merchant_id) VALUES ($1, $2, $3, $4, $5) \
         RETURNING id",
    )
    .bind(conversation_id)
    .bind(sender)
    .bind(text)
    .bind(now_ms)
    .bind(merchant_id)
    .fetch_one(conn)
    .await?
    .try_get(0)?)
}

/// The latest `limit` messages of a conversation, oldest first.
pub async fn messages(conn: &mut Conn, conversation_id: i64, limit: i64) -> StoreResult<Vec<MessageRow>> {
    let mut rows: Vec<MessageRow> = sqlx::query_as(
        "SELECT id, conversation_id, sender, text, at_ms FROM messages WHERE conversation_id = $1 \
         ORDER BY id DESC LIMIT $2",
    )
    .bind(conversation_id)
    .bind(limit)
    .fetch_all(conn)
    .await?;
    rows.reverse();
    Ok(rows)
}

/// A commission owed to a creator, or an invoice a buyer asked for: both wait for the merchant.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct DueRow {
    pub id: i64,
    pub shop_id: i64,
    pub order_id: Option<i64>,
    /// The creator (commissions) or the invoice title (invoices).
    pub party: String,
    pub amount_fen: i64,
    #[sqlx(try_from = "String")]
    pub status: domain::operations::DueStatus,
    /// The ledger transfer (commissions) or the invoice number (invoices), once done.
    pub done_ref: Option<String>,
    pub created_at_ms: i64,
    /// When the creator was paid (commissions) or the invoice issued.
    pub done_at_ms: Option<i64>,
    /// A commission's payee as far as it may be shown (never the full number); none for invoices.
    pub payee_holder_name: Option<String>,
    pub payee_bank_name: Option<String>,
    pub payee_last4: Option<String>,
    /// When the merchant paid a commission (its money left the shop); none for invoices.
    pub charged_at_ms: Option<i64>,
}

/// A checked payee (a shop's payout account, a creator's account): the number sealed, its last
/// four digits to show.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Payee {
    pub holder_name: String,
    pub bank_name: String,
    pub account_sealed: String,
    pub account_last4: String,
}

impl Payee {
    /// The payee as the payout account row a payout copies it from.
    pub fn account_row(&self, shop_id: i64, now_ms: i64) -> crate::closure::PayoutRow {
        crate::closure::PayoutRow {
            shop_id,
            holder_name: self.holder_name.clone(),
            bank_name: self.bank_name.clone(),
            account_sealed: self.account_sealed.clone(),
            account_last4: self.account_last4.clone(),
            updated_at_ms: now_ms,
        }
    }
}

/// Which table a due item lives in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DueTable {
    Commissions,
    Invoices,
}

impl DueTable {
    pub fn table(self) -> &'static str {
        match self {
            DueTable::Commissions => "commissions",
            DueTable::Invoices => "invoice_requests",
        }
    }

    pub fn done_column(self) -> &'static str {
        match self {
            DueTable::Commissions => "paid_at_ms",
            DueTable::Invoices => "issued_at_ms",
        }
    }

    fn select(self) -> &'static str {
        match self {
            DueTable::Commissions => {
                "SELECT id, shop_id, order_id, creator_id AS party, amount_fen, status, \
                 CAST(transfer_seq AS TEXT) AS done_ref, created_at_ms, paid_at_ms AS done_at_ms, \
                 payee_holder_name, payee_bank_name, payee_account_last4 AS payee_last4, charged_at_ms \
                 FROM commissions"
            }
            DueTable::Invoices => {
                "SELECT id, shop_id, order_id, title AS party, amount_fen, status, invoice_number AS done_ref, \
                 created_at_ms, issued_at_ms AS done_at_ms, CAST(NULL AS TEXT) AS payee_holder_name, \
                 CAST(NULL AS TEXT) AS payee_bank_name, CAST(NULL AS TEXT) AS payee_last4, \
                 CAST(NULL AS BIGINT) AS charged_at_ms FROM invoice_requests"
            }
        }
    }
}

/// A creator's commission as the platform records it.
pub struct NewCommission<'a> {
    pub merchant_id: i64,
    pub shop_id: i64,
    pub order_id: Option<i64>,
    pub creator_id: &'a str,
    pub amount_fen: i64,
    pub payee: Option<&'a Payee>,
    pub now_ms: i64,
}

pub async fn insert_commission(conn: &mut Conn, c: &NewCommission<'_>) -> StoreResult<i64> {
    Ok(sqlx::query(
        "INSERT INTO commissions (shop_id, order_id, creator_id, amount_fen, status, created_at_ms, \
         payee_holder_name, payee_bank_name, payee_account_sealed, payee_account_last4, merchant_id) \
         VALUES ($1, $2, $3, $4, $11, $5, $6, $7, $8, $9, $10) RETURNING id",
    )
    .bind(c.shop_id)
    .bind(c.order_id)
    .bind(c.creator_id)
    .bind(c.amount_fen)
    .bind(c.now_ms)
    .bind(c.payee.map(|p| p.holder_name.clone()))
    .bind(c.payee.map(|p| p.bank_name.clone()))
    .bind(c.payee.map(|p| p.account_sealed.clone()))
    .bind(c.payee.map(|p| p.account_last4.clone()))
    .bind(c.merchant_id)
    .bind(CommissionStatus::Owed.as_str())
    .fetch_one(conn)
    .await?
    .try_get(0)?)
}

/// A commission's payee, with the sealed number (for its payout only).
pub async fn commission_payee(conn: &mut Conn, id: i64) -> StoreResult<Option<Payee>> {
    let row = sqlx::query(
        "SELECT payee_holder_name, payee_bank_name, payee_account_sealed, payee_account_last4 \
         FROM commissions WHERE id = $1",
    )
    .bind(id)
    .fetch_optional(conn)
    .await?;
    let Some(row) = row else { return Ok(None) };
    let field = |i: usize| row.try_get::<Option<String>, _>(i);
    Ok(match (field(0)?, field(1)?, field(2)?, field(3)?) {
        (Some(holder_name), Some(bank_name), Some(account_sealed), Some(account_last4)) => {
            Some(Payee { holder_name, bank_name, account_sealed, account_last4 })
        }
        _ => None,
    })
}

pub async fn set_commission_payee(conn: &mut Conn, id: i64, payee: &Payee) -> StoreResult<()> {
    sqlx::query(
        "UPDATE commissions SET payee_holder_name = $1, payee_bank_name = $2, payee_account_sealed = $3, \
         payee_account_last4 = $4 WHERE id = $5",
    )
    .bind(&payee.holder_name)
    .bind(&payee.bank_name)
    .bind(&payee.account_sealed)
    .bind(&payee.account_last4)
    .bind(id)
    .execute(conn)
    .await?;
    Ok(())
}

/// Moves a commission from one status to another, setting when the merchant paid or when the
/// creator was paid where given; false when it was not in `from`.
pub async fn move_commission(
    conn: &mut Conn,
    id: i64,
    from: &str,
    to: &str,
    charged_at_ms: Option<i64>,
    paid_at_ms: Option<i64>,
) -> StoreResult<bool> {
    let done = sqlx::query(
        "UPDATE commissions SET status = $1, charged_at_ms = COALESCE($2, charged_at_ms), \
         paid_at_ms = COALESCE($3, paid_at_ms) WHERE id = $4 AND status = $5",
    )
    .bind(to)
    .bind(charged_at_ms)
    .bind(paid_at_ms)
    .bind(id)
    .bind(from)
    .execute(conn)
    .await?;
    Ok(done.rows_affected() == 1)
}

pub async fn set_commission_transfer(conn: &mut Conn, id: i64, seq: i64) -> StoreResult<()> {
    sqlx::query("UPDATE commissions SET transfer_seq = $1 WHERE id = $2")
        .bind(seq)
        .bind(id)
        .execute(conn)
        .await?;
    Ok(())
}

pub async fn insert_invoice_request(
    conn: &mut Conn,
    merchant_id: i64,
    order: &OrderRow,
    title: &str,
    now_ms: i64,
) -> StoreResult<i64> {
    Ok(sqlx::query(
        "INSERT INTO invoice_requests (shop_id, order_id, title, amount_fen, status, created_at_ms, merchant_id) \
         VALUES ($1, $2, $3, $4, $7, $5, $6) RETURNING id",
    )
    .bind(order.shop_id)
    .bind(order.id)
    .bind(title)
    .bind(order.amount_fen)
    .bind(now_ms)
    .bind(merchant_id)
    .bind(InvoiceStatus::Pending.as_str())
    .fetch_one(conn)
    .await?
    .try_get(0)?)
}

pub async fn find_due(conn: &mut Conn, table: DueTable, id: i64) -> StoreResult<Option<DueRow>> {
    let sql = format!("{} WHERE id = $1", table.select());
    Ok(sqlx::query_as(&sql).bind(id).fetch_optional(conn).await?)
}

/// A shop's commissions or invoice requests, waiting ones first, then newest first.
/// A shop's commissions or invoice requests, the open ones (owed, pending) first, newest first,
/// after `after`.
pub async fn dues(
    conn: &mut Conn,
    table: DueTable,
    shop_id: i64,
    after: OpenFirst,
    limit: i64,
) -> StoreResult<Vec<DueRow>> {
    let rank = "CASE WHEN status IN (CAST($5 AS TEXT), CAST($6 AS TEXT)) THEN 0 ELSE 1 END";
    let sql = format!(
        "{} WHERE shop_id = $1 AND ({rank} > $2 OR ({rank} = $2 AND id < $3)) ORDER BY {rank}, id DESC LIMIT $4",
        table.select()
    );
    Ok(sqlx::query_as(&sql)
        .bind(shop_id)
        .bind(after.rank)
        .bind(after.id)
        .bind(limit)
        .bind(CommissionStatus::Owed.as_str())
        .bind(InvoiceStatus::Pending.as_str())
        .fetch_all(conn)
        .await?)
}

// ----- bulk loading -----
//
// `xiaodian bench closure` builds a shop with a million orders; one use case per row would take
// hours. These write the same rows into the same tables (and so the same indexes), many rows per
// statement, in the caller's transaction. They leave the counters alone: the caller recounts and
// sets them with `set_activity`.

/// Rows per bulk statement, at most: 10 columns make 5,000 parameters, well under SQLite's 32,766
/// and PostgreSQL's 65,535.
const BULK_ROWS_MAX: usize = 500;

/// An order as it stands after its life so far, for `bulk_insert_orders`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BulkOrder {
    pub product_id: i64,
    pub buyer_id: String,
    pub amount_fen: i64,
    pub status: &'static str,
    pub created_at_ms: i64,
    pub shipped_at_ms: Option<i64>,
    pub closed_at_ms: Option<i64>,
    pub settle_on: Option<String>,
    pub settled_at_ms: Option<i64>,
}

/// Inserts orders of one shop; answers their ids in the order given.
pub async fn bulk_insert_orders(
    conn: &mut Conn,
    merchant_id: i64,
    shop_id: i64,
    orders: &[BulkOrder],
) -> StoreResult<Vec<i64>> {
    let style = crate::ledger::style(conn);
    let mut ids = Vec::with_capacity(orders.len());
    for chunk in orders.chunks(BULK_ROWS_MAX) {
        let sql = format!(
            "INSERT INTO orders (shop_id, product_id, buyer_id, amount_fen, status, created_at_ms, shipped_at_ms, \
             closed_at_ms, settle_on, settled_at_ms, merchant_id) VALUES {} RETURNING id",
            crate::ledger::placeholders(style, chunk.len(), 11, 1)
        );
        let mut query = sqlx::query(&sql);
        for order in chunk {
            query = query
                .bind(shop_id)
                .bind(order.product_id)
                .bind(order.buyer_id.as_str())
                .bind(order.amount_fen)
                .bind(order.status)
                .bind(order.created_at_ms)
                .bind(order.shipped_at_ms)
                .bind(order.closed_at_ms)
                .bind(order.settle_on.as_deref())
                .bind(order.settled_at_ms)
                .bind(merchant_id);
        }
        let mut chunk_ids = Vec::with_capacity(chunk.len());
        for row in query.fetch_all(&mut *conn).await? {
            chunk_ids.push(row.try_get::<i64, _>(0)?);
        }
        assert_eq!(chunk_ids.len(), chunk.len(), "one id per inserted order");
        // Both engines number the rows of one VALUES list in order; RETURNING may list them in
        // any order, so sorting gives the ids in the order the orders were given.
        chunk_ids.sort_unstable();
        ids.extend(chunk_ids);
    }
    Ok(ids)
}

/// A buyer conversation with its messages, oldest first, for `bulk_insert_conversations`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BulkConversation {
    pub buyer_id: String,
    pub messages: Vec<BulkMessage>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BulkMessage {
    /// `buyer` or `merchant`.
    pub sender: &'static str,
    pub text: String,
    pub at_ms: i64,
}

/// Inserts conversations of one shop with their messages. As `buyer_message` and `reply` keep it,
/// a conversation is unanswered when its latest message is the buyer's, and its
/// `last_message_at_ms` is that message's time.
pub async fn bulk_insert_conversations(
    conn: &mut Conn,
    merchant_id: i64,
    shop_id: i64,
    conversations: &[BulkConversation],
) -> StoreResult<()> {
    let style = crate::ledger::style(conn);
    for chunk in conversations.chunks(BULK_ROWS_MAX) {
        let sql = format!(
            "INSERT INTO conversations (shop_id, buyer_id, unanswered, last_message_at_ms, merchant_id) \
             VALUES {} RETURNING id, buyer_id",
            crate::ledger::placeholders(style, chunk.len(), 5, 1)
        );
        let mut query = sqlx::query(&sql);
        for conversation in chunk {
            let last = conversation.messages.last().expect("a conversation starts with a message");
            query = query
                .bind(shop_id)
                .bind(conversation.buyer_id.as_str())
                .bind(i64::from(last.sender == "buyer"))
                .bind(last.at_ms)
                .bind(merchant_id);
        }
        let mut ids = std::collections::HashMap::with_capacity(chunk.len());
        for row in query.fetch_all(&mut *conn).await? {
            ids.insert(row.try_get::<String, _>(1)?, row.try_get::<i64, _>(0)?);
        }
        let mut messages = Vec::new();
        for conversation in chunk {
            let id = ids[&conversation.buyer_id];
            messages.extend(conversation.messages.iter().map(|message| (id, message)));
        }
        for part in messages.chunks(BULK_ROWS_MAX) {
            let sql = format!(
                "INSERT INTO messages (conversation_id, sender, text, at_ms, merchant_id) VALUES {}",
                crate::ledger::placeholders(style, part.len(), 5, 1)
            );
            let mut query = sqlx::query(&sql);
            for (id, message) in part {
                query = query
                    .bind(*id)
                    .bind(message.sender)
                    .bind(message.text.as_str())
                    .bind(message.at_ms)
                    .bind(merchant_id);
            }
            query.execute(&mut *conn).await?;
        }
    }
    Ok(())
}

/// An after-sales case on one of the shop's shipped or completed orders, for
/// `bulk_insert_after_sales`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BulkAfterSales {
    pub order_id: i64,
    pub kind: &'static str,
    pub reason: String,
    /// `open` or `resolved`.
    pub status: &'static str,
    pub resolution: Option<String>,
    pub created_at_ms: i64,
    pub resolved_at_ms: Option<i64>,
}

pub async fn bulk_insert_after_sales(
    conn: &mut Conn,
    merchant_id: i64,
    shop_id: i64,
    cases: &[BulkAfterSales],
) -> StoreResult<()> {
    let style = crate::ledger::style(conn);
    for chunk in cases.chunks(BULK_ROWS_MAX) {
        let sql = format!(
            "INSERT INTO after_sales (order_id, shop_id, kind, reason, status, resolution, created_at_ms, \
             resolved_at_ms, merchant_id) VALUES {}",
            crate::ledger::placeholders(style, chunk.len(), 9, 1)
        );
        let mut query = sqlx::query(&sql);
        for case in chunk {
            query = query
                .bind(case.order_id)
                .bind(shop_id)
                .bind(case.kind)
                .bind(case.reason.as_str())
                .bind(case.status)
                .bind(case.resolution.as_deref())
                .bind(case.created_at_ms)
                .bind(case.resolved_at_ms)
                .bind(merchant_id);
        }
        query.execute(&mut *conn).await?;
    }
    Ok(())
}

/// Overwrites a shop's counters: after a bulk load, with what `recount` found in the rows.
pub async fn set_activity(conn: &mut Conn, row: &ActivityRow) -> StoreResult<()> {
    sqlx::query(
        "UPDATE shop_activity SET products_listed = $1, orders_unshipped = $2, orders_in_transit = $3, \
         after_sales_open = $4, complaints_open = $5, conversations_unanswered = $6, commissions_owed = $7, \
         invoices_pending = $8, paid_orders_total = $9, gmv_total_fen = $10, last_order_closed_at_ms = $11 \
         WHERE shop_id = $12",
    )
    .bind(row.products_listed)
    .bind(row.orders_unshipped)
    .bind(row.orders_in_transit)
    .bind(row.after_sales_open)
    .bind(row.complaints_open)
    .bind(row.conversations_unanswered)
    .bind(row.commissions_owed)
    .bind(row.invoices_pending)
    .bind(row.paid_orders_total)
    .bind(row.gmv_total_fen)
    .bind(row.last_order_closed_at_ms)
    .bind(row.shop_id)
    .execute(conn)
    .await?;
    Ok(())
}

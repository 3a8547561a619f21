//! Shop closures, payout accounts and deposit refunds.

use domain::closure::{ClosureStatus, RefundStatus};
use domain::operations::ShopStatus;
use sqlx::Row;

use crate::db::row_lock;
use crate::{Backend, Conn, StoreResult};

#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct ClosureRow {
    pub id: i64,
    pub shop_id: i64,
    pub merchant_id: i64,
    #[sqlx(try_from = "String")]
    pub status: ClosureStatus,
    pub reason_code: String,
    pub reason_text: String,
    pub requested_at_ms: i64,
    pub closes_on: String,
    /// The failing check codes of the last re-check, comma-separated; empty when none failed.
    pub blockers: String,
    pub ended_at_ms: Option<i64>,
}

const CLOSURE_COLUMNS: &str = "id, shop_id, merchant_id, status, reason_code, reason_text, requested_at_ms, closes_on, blockers, ended_at_ms";

pub async fn insert_closure(conn: &mut Conn, c: &ClosureRow) -> StoreResult<i64> {
    Ok(sqlx::query(
        "INSERT INTO shop_closures (shop_id, merchant_id, status, reason_code, reason_text, requested_at_ms, closes_on) \
         VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
    )
    .bind(c.shop_id)
    .bind(c.merchant_id)
    .bind(c.status.as_str())
    .bind(&c.reason_code)
    .bind(&c.reason_text)
    .bind(c.requested_at_ms)
    .bind(&c.closes_on)
    .fetch_one(conn)
    .await?
    .try_get(0)?)
}

/// The shop's latest closure request, whatever became of it.
pub async fn latest_closure(conn: &mut Conn, shop_id: i64) -> StoreResult<Option<ClosureRow>> {
    let sql =
        format!("SELECT {CLOSURE_COLUMNS} FROM shop_closures WHERE shop_id = $1 ORDER BY id DESC LIMIT 1");
    Ok(sqlx::query_as(&sql).bind(shop_id).fetch_optional(conn).await?)
}

/// Ends a closure in notice (`withdrawn` or `closed`); false when it was not in notice.
pub async fn end_closure(conn: &mut Conn, id: i64, status: ClosureStatus, now_ms: i64) -> StoreResult<bool> {
    let done =
        sqlx::query("UPDATE shop_closures SET status = $1, ended_at_ms = $2 WHERE id = $3 AND status = $4")
            .bind(status.as_str())
            .bind(now_ms)
            .bind(id)
            .bind(ClosureStatus::NoticePeriod.as_str())
            .execute(conn)
            .await?;
    Ok(done.rows_affected() == 1)
}

pub async fn set_closure_blockers(conn: &mut Conn, id: i64, blockers: &str) -> StoreResult<()> {
    sqlx::query("UPDATE shop_closures SET blockers = $1 WHERE id = $2")
        .bind(blockers)
        .bind(id)
        .execute(conn)
        .await?;
    Ok(())
}

pub async fn set_shop_status(conn: &mut Conn, shop_id: i64, status: ShopStatus) -> StoreResult<()> {
    sqlx::query("UPDATE shops SET status = $1, version = version + 1 WHERE id = $2")
        .bind(status.as_str())
        .bind(shop_id)
        .execute(conn)
        .await?;
    Ok(())
}

#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct PayoutRow {
    pub shop_id: i64,
    pub holder_name: String,
    pub bank_name: String,
    pub account_sealed: String,
    pub account_last4: String,
    pub updated_at_ms: i64,
}

pub async fn upsert_payout(conn: &mut Conn, merchant_id: i64, p: &PayoutRow) -> StoreResult<()> {
    sqlx::query(
        "INSERT INTO payout_accounts (shop_id, holder_name, bank_name, account_sealed, account_last4, updated_at_ms, \
         merchant_id) VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (shop_id, merchant_id) DO UPDATE SET \
         holder_name = $2, bank_name = $3, account_sealed = $4, account_last4 = $5, updated_at_ms = $6",
    )
    .bind(p.shop_id)
    .bind(&p.holder_name)
    .bind(&p.bank_name)
    .bind(&p.account_sealed)
    .bind(&p.account_last4)
    .bind(p.updated_at_ms)
    .bind(merchant_id)
    .execute(conn)
    .await?;
    Ok(())
}

pub async fn find_payout(conn: &mut Conn, shop_id: i64) -> StoreResult<Option<PayoutRow>> {
    Ok(sqlx::query_as(
        "SELECT shop_id, holder_name, bank_name, account_sealed, account_last4, updated_at_ms \
         FROM payout_accounts WHERE shop_id = $1",
    )
    .bind(shop_id)
    .fetch_optional(conn)
    .await?)
}

#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct RefundRow {
    pub id: i64,
    pub shop_id: i64,
    pub merchant_id: i64,
    pub entity_name: String,
    #[sqlx(try_from = "String")]
    pub status: RefundStatus,
    /// What was held at closure.
    pub amount_fen: i64,
    pub hold_id: Option<i64>,
    pub closed_on: String,
    pub release_on: String,
    pub due_on: String,
    /// Why the release job sent the refund to review, comma-separated.
    pub review_reasons: String,
    pub outcome: Option<String>,
    pub paid_fen: Option<i64>,
    pub deduct_fen: Option<i64>,
    pub decision_reason: Option<String>,
    pub decided_by: Option<String>,
    pub decided_at_ms: Option<i64>,
    pub created_at_ms: i64,
}

const REFUND_COLUMNS: &str = "id, shop_id, merchant_id, entity_name, status, amount_fen, hold_id, closed_on, \
     release_on, due_on, review_reasons, outcome, paid_fen, deduct_fen, decision_reason, decided_by, decided_at_ms, \
     created_at_ms";

pub async fn insert_refund(conn: &mut Conn, r: &RefundRow) -> StoreResult<i64> {
    Ok(sqlx::query(
        "INSERT INTO deposit_refunds (shop_id, merchant_id, entity_name, status, amount_fen, hold_id, closed_on, \
         release_on, due_on, created_at_ms) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) RETURNING id",
    )
    .bind(r.shop_id)
    .bind(r.merchant_id)
    .bind(&r.entity_name)
    .bind(r.status.as_str())
    .bind(r.amount_fen)
    .bind(r.hold_id)
    .bind(&r.closed_on)
    .bind(&r.release_on)
    .bind(&r.due_on)
    .bind(r.created_at_ms)
    .fetch_one(conn)
    .await?
    .try_get(0)?)
}

pub async fn find_refund(conn: &mut Conn, id: i64) -> StoreResult<Option<RefundRow>> {
    let sql = format!("SELECT {REFUND_COLUMNS} FROM deposit_refunds WHERE id = $1");
    Ok(sqlx::query_as(&sql).bind(id).fetch_optional(conn).await?)
}

/// Reads a refund and, on PostgreSQL, locks it until the transaction ends.
pub async fn lock_refund(conn: &mut Conn, backend: Backend, id: i64) -> StoreResult<Option<RefundRow>> {
    let sql = format!("SELECT {REFUND_COLUMNS} FROM deposit_refunds WHERE id = $1{}", row_lock(backend));
    Ok(sqlx::query_as(&sql).bind(id).fetch_optional(conn).await?)
}

pub async fn refund_of_shop(conn: &mut Conn, shop_id: i64) -> StoreResult<Option<RefundRow>> {
    let sql = format!("SELECT {REFUND_COLUMNS} FROM deposit_refunds WHERE shop_id = $1");
    Ok(sqlx::query_as(&sql).bind(shop_id).fetch_optional(conn).await?)
}

/// Refunds in a status (every status when empty), earliest due first, after `(due_on, id)`.
pub async fn refunds(
    conn: &mut Conn,
    status: &str,
    after: (&str, i64),
    limit: i64,
) -> StoreResult<Vec<RefundRow>> {
    let sql = format!(
        "SELECT {REFUND_COLUMNS} FROM deposit_refunds WHERE ($1 = '' OR status = $1) \
         AND (due_on > $2 OR (due_on = $2 AND id > $3)) ORDER BY due_on, id LIMIT $4"
    );
    Ok(sqlx::query_as(&sql).bind(status).bind(after.0).bind(after.1).bind(limit).fetch_all(conn).await?)
}

/// Refunds in `status`: how many, how many are due on `today`, and how many were due before it.
pub async fn refund_queue_counts(conn: &mut Conn, status: &str, today: &str) -> StoreResult<(i64, i64, i64)> {
    let row = sqlx::query(
        "SELECT COUNT(*), COALESCE(SUM(CASE WHEN due_on = $2 THEN 1 ELSE 0 END), 0), \
         COALESCE(SUM(CASE WHEN due_on < $2 THEN 1 ELSE 0 END), 0) FROM deposit_refunds WHERE status = $1",
    )
    .bind(status)
    .bind(today)
    .fetch_one(conn)
    .await?;
    Ok((row.try_get(0)?, row.try_get(1)?, row.try_get(2)?))
}

/// Refunds still undecided whose due day is before `today`.
pub async fn count_overdue_refunds(conn: &mut Conn, today: &str) -> StoreResult<i64> {
    Ok(sqlx::query("SELECT COUNT(*) FROM deposit_refunds WHERE status IN ($2, $3) AND due_on < $1")
        .bind(today)
        .bind(RefundStatus::Holding.as_str())
        .bind(RefundStatus::InReview.as_str())
        .fetch_one(conn)
        .await?
        .try_get(0)?)
}

pub async fn send_refund_to_review(conn: &mut Conn, id: i64, reasons: &str) -> StoreResult<bool> {
    let done = sqlx::query(
        "UPDATE deposit_refunds SET status = $3, review_reasons = $1 WHERE id = $2 AND status = $4",
    )
    .bind(reasons)
    .bind(id)
    .bind(RefundStatus::InReview.as_str())
    .bind(RefundStatus::Holding.as_str())
    .execute(conn)
    .await?;
    Ok(done.rows_affected() == 1)
}

pub struct RefundDecision<'a> {
    pub status: RefundStatus,
    pub outcome: &'a str,
    pub paid_fen: i64,
    pub deduct_fen: i64,
    pub reason: &'a str,
    pub decided_by: &'a str,
    pub now_ms: i64,
}

/// Records the one decision of a refund; false when it was already decided.
pub async fn decide_refund(conn: &mut Conn, id: i64, d: &RefundDecision<'_>) -> StoreResult<bool> {
    let done = sqlx::query(
        "UPDATE deposit_refunds SET status = $1, outcome = $2, paid_fen = $3, deduct_fen = $4, decision_reason = $5, \
         decided_by = $6, decided_at_ms = $7 WHERE id = $8 AND status IN ($9, $10)",
    )
    .bind(d.status.as_str())
    .bind(d.outcome)
    .bind(d.paid_fen)
    .bind(d.deduct_fen)
    .bind(d.reason)
    .bind(d.decided_by)
    .bind(d.now_ms)
    .bind(id)
    .bind(RefundStatus::Holding.as_str())
    .bind(RefundStatus::InReview.as_str())
    .execute(conn)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// The refunds of one merchant's shops of this registered entity, by its normalised key (the
/// reopening wait is per entity).
pub async fn refunds_of_entity(
    conn: &mut Conn,
    merchant_id: i64,
    entity_key: &str,
) -> StoreResult<Vec<RefundRow>> {
    let sql = format!(
        "SELECT {REFUND_COLUMNS} FROM deposit_refunds WHERE shop_id IN \
         (SELECT id FROM shops WHERE entity_key = $1 AND merchant_id = $2) ORDER BY id"
    );
    Ok(sqlx::query_as(&sql).bind(entity_key).bind(merchant_id).fetch_all(conn).await?)
}

/// Everything the closure checks look at, read in one statement: the shop, its counters, the
/// posted balances of its deposit, settling and settlement accounts, and its violations under
/// appeal. Every part is found by key (nothing here reads the orders or any other list of a
/// shop's records), and one statement is one round trip to the database.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct ClosureFactsRow {
    #[sqlx(flatten)]
    pub shop: crate::shops::ShopRow,
    /// All zero for a shop without counters (every shop has them: `create_shop` and the
    /// migration insert them).
    #[sqlx(flatten)]
    pub activity: crate::operations::ActivityRow,
    /// Zero when the account does not exist, like the three below.
    pub deposit_balance_fen: i64,
    pub settling_fen: i64,
    pub withdrawable_fen: i64,
    pub appeals_pending: i64,
}

/// The codes `closure_facts` reads: the shop's settling and settlement account codes and the
/// violation status "under appeal".
#[derive(Debug, Clone, Copy)]
pub struct FactCodes<'a> {
    pub settling_account: &'a str,
    pub settlement_account: &'a str,
    pub appealed: &'a str,
}

pub async fn closure_facts(
    conn: &mut Conn,
    shop_id: i64,
    codes: FactCodes<'_>,
) -> StoreResult<Option<ClosureFactsRow>> {
    let balance = "SELECT credits_posted - debits_posted FROM ledger_accounts";
    let sql = format!(
        "SELECT s.id, s.merchant_id, s.name, s.entity_type, s.entity_name, s.category, s.status, \
         s.deposit_account_id, s.created_at_ms, s.version, \
         s.id AS shop_id, COALESCE(a.products_listed, 0) AS products_listed, \
         COALESCE(a.orders_unshipped, 0) AS orders_unshipped, COALESCE(a.orders_in_transit, 0) AS orders_in_transit, \
         COALESCE(a.after_sales_open, 0) AS after_sales_open, COALESCE(a.complaints_open, 0) AS complaints_open, \
         COALESCE(a.conversations_unanswered, 0) AS conversations_unanswered, \
         COALESCE(a.commissions_owed, 0) AS commissions_owed, COALESCE(a.invoices_pending, 0) AS invoices_pending, \
         COALESCE(a.paid_orders_total, 0) AS paid_orders_total, COALESCE(a.gmv_total_fen, 0) AS gmv_total_fen, \
         a.last_order_closed_at_ms, \
         COALESCE(({balance} WHERE id = s.deposit_account_id), 0) AS deposit_balance_fen, \
         COALESCE(({balance} WHERE shop_id = s.id AND code = $2), 0) AS settling_fen, \
         COALESCE(({balance} WHERE shop_id = s.id AND code = $3), 0) AS withdrawable_fen, \
         (SELECT COUNT(*) FROM violations WHERE shop_id = s.id AND status = $4) AS appeals_pending \
         FROM shops s LEFT JOIN shop_activity a ON a.shop_id = s.id WHERE s.id = $1"
    );
    Ok(sqlx::query_as(&sql)
        .bind(shop_id)
        .bind(codes.settling_account)
        .bind(codes.settlement_account)
        .bind(codes.appealed)
        .fetch_optional(conn)
        .await?)
}

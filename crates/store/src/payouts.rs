//! Payouts: the instructions for the payment channel, their reported statuses, and the sums
//! `ledger verify` and the metrics read.

use domain::payouts::PayoutStatus;
use sqlx::Row;

use crate::db::row_lock;
use crate::{Backend, Conn, StoreResult};

#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct PayoutRecord {
    pub id: i64,
    pub merchant_id: i64,
    pub shop_id: i64,
    pub purpose: String,
    /// What is paid: `refund:ID`, `commission:ID`, or `withdrawal:SHOP` for a withdrawal.
    pub reference: String,
    pub amount_fen: i64,
    pub holder_name: String,
    pub bank_name: String,
    pub account_sealed: String,
    pub account_last4: String,
    /// The ledger account the money came from and goes back to when the payout fails.
    pub source_account_id: i64,
    #[sqlx(try_from = "String")]
    pub status: PayoutStatus,
    pub channel_ref: Option<String>,
    /// The day the channel says the money arrived.
    pub paid_on: Option<String>,
    pub failure_reason: Option<String>,
    pub requested_at_ms: i64,
    pub sent_at_ms: Option<i64>,
    /// The day after which a payout still `sent` is flagged.
    pub overdue_on: Option<String>,
    pub settled_at_ms: Option<i64>,
}

const COLUMNS: &str = "id, merchant_id, shop_id, purpose, reference, amount_fen, holder_name, bank_name, \
     account_sealed, account_last4, source_account_id, status, channel_ref, paid_on, failure_reason, \
     requested_at_ms, sent_at_ms, overdue_on, settled_at_ms";

pub async fn insert_payout(conn: &mut Conn, p: &PayoutRecord) -> StoreResult<i64> {
    Ok(sqlx::query(
        "INSERT INTO payouts (merchant_id, shop_id, purpose, reference, amount_fen, holder_name, bank_name, \
         account_sealed, account_last4, source_account_id, status, requested_at_ms) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) RETURNING id",
    )
    .bind(p.merchant_id)
    .bind(p.shop_id)
    .bind(&p.purpose)
    .bind(&p.reference)
    .bind(p.amount_fen)
    .bind(&p.holder_name)
    .bind(&p.bank_name)
    .bind(&p.account_sealed)
    .bind(&p.account_last4)
    .bind(p.source_account_id)
    .bind(p.status.as_str())
    .bind(p.requested_at_ms)
    .fetch_one(conn)
    .await?
    .try_get(0)?)
}

pub async fn find_payout(conn: &mut Conn, id: i64) -> StoreResult<Option<PayoutRecord>> {
    let sql = format!("SELECT {COLUMNS} FROM payouts WHERE id = $1");
    Ok(sqlx::query_as(&sql).bind(id).fetch_optional(conn).await?)
}

/// Reads a payout and, on PostgreSQL, locks it until the transaction ends.
pub async fn lock_payout(conn: &mut Conn, backend: Backend, id: i64) -> StoreResult<Option<PayoutRecord>> {
    let sql = format!("SELECT {COLUMNS} FROM payouts WHERE id = $1{}", row_lock(backend));
    Ok(sqlx::query_as(&sql).bind(id).fetch_optional(conn).await?)
}

/// The payouts of one reference (`refund:ID`), oldest first.
pub async fn payouts_of(conn: &mut Conn, reference: &str) -> StoreResult<Vec<PayoutRecord>> {
    let sql = format!("SELECT {COLUMNS} FROM payouts WHERE reference = $1 ORDER BY id");
    Ok(sqlx::query_as(&sql).bind(reference).fetch_all(conn).await?)
}

/// Payouts newest first, before id `before` (0: from the newest), filtered by status, shop and
/// merchant when given (empty or 0: any).
pub async fn list_payouts(
    conn: &mut Conn,
    status: &str,
    shop_id: i64,
    merchant_id: i64,
    before: i64,
    limit: i64,
) -> StoreResult<Vec<PayoutRecord>> {
    let sql = format!(
        "SELECT {COLUMNS} FROM payouts WHERE ($1 = '' OR status = $1) AND ($2 = 0 OR shop_id = $2) \
         AND ($3 = 0 OR merchant_id = $3) AND ($4 = 0 OR id < $4) ORDER BY id DESC LIMIT $5"
    );
    Ok(sqlx::query_as(&sql)
        .bind(status)
        .bind(shop_id)
        .bind(merchant_id)
        .bind(before)
        .bind(limit)
        .fetch_all(conn)
        .await?)
}

/// Payouts still `sent` after their overdue day, oldest first.
pub async fn overdue_payouts(conn: &mut Conn, today: &str, limit: i64) -> StoreResult<Vec<PayoutRecord>> {
    let sql = format!(
        "SELECT {COLUMNS} FROM payouts WHERE status = $3 AND overdue_on < $1 ORDER BY overdue_on, id LIMIT $2"
    );
    Ok(sqlx::query_as(&sql).bind(today).bind(limit).bind(PayoutStatus::Sent.as_str()).fetch_all(conn).await?)
}

pub async fn count_overdue_payouts(conn: &mut Conn, today: &str) -> StoreResult<i64> {
    Ok(sqlx::query("SELECT COUNT(*) FROM payouts WHERE status = $2 AND overdue_on < $1")
        .bind(today)
        .bind(PayoutStatus::Sent.as_str())
        .fetch_one(conn)
        .await?
        .try_get(0)?)
}

/// Payouts in flight: how many and their sum.
pub async fn in_flight(conn: &mut Conn) -> StoreResult<(i64, i64)> {
    let row = sqlx::query(
        "SELECT COUNT(*), CAST(COALESCE(SUM(amount_fen), 0) AS BIGINT) FROM payouts WHERE status IN ($1, $2)",
    )
    .bind(PayoutStatus::Requested.as_str())
    .bind(PayoutStatus::Sent.as_str())
    .fetch_one(conn)
    .await?;
    Ok((row.try_get(0)?, row.try_get(1)?))
}

/// Every payout, for `ledger verify` (id order).
pub async fn all_payouts(conn: &mut Conn) -> StoreResult<Vec<PayoutRecord>> {
    let sql = format!("SELECT {COLUMNS} FROM payouts ORDER BY id");
    Ok(sqlx::query_as(&sql).fetch_all(conn).await?)
}

/// Payouts by id (for reconciling a file), at most the ids given.
pub async fn payouts_by_ids(conn: &mut Conn, ids: &[i64]) -> StoreResult<Vec<PayoutRecord>> {
    let mut found = Vec::with_capacity(ids.len());
    for chunk in ids.chunks(500) {
        let list: Vec<String> = chunk.iter().map(i64::to_string).collect();
        let sql = format!("SELECT {COLUMNS} FROM payouts WHERE id IN ({}) ORDER BY id", list.join(","));
        found.extend(sqlx::query_as::<_, PayoutRecord>(&sql).fetch_all(&mut *conn).await?);
    }
    Ok(found)
}

/// Payouts paid on a day between `from` and `to` (inclusive, `YYYY-MM-DD`).
pub async fn paid_between(conn: &mut Conn, from: &str, to: &str) -> StoreResult<Vec<PayoutRecord>> {
    let sql = format!(
        "SELECT {COLUMNS} FROM payouts WHERE status = $3 AND paid_on >= $1 AND paid_on <= $2 ORDER BY id"
    );
    Ok(sqlx::query_as(&sql).bind(from).bind(to).bind(PayoutStatus::Paid.as_str()).fetch_all(conn).await?)
}

pub async fn mark_sent(
    conn: &mut Conn,
    id: i64,
    channel_ref: &str,
    overdue_on: &str,
    now_ms: i64,
) -> StoreResult<bool> {
    let done = sqlx::query(
        "UPDATE payouts SET status = $5, channel_ref = $1, overdue_on = $2, sent_at_ms = $3 \
         WHERE id = $4 AND status = $6",
    )
    .bind(channel_ref)
    .bind(overdue_on)
    .bind(now_ms)
    .bind(id)
    .bind(PayoutStatus::Sent.as_str())
    .bind(PayoutStatus::Requested.as_str())
    .execute(conn)
    .await?;
    Ok(done.rows_affected() == 1)
}

pub async fn mark_paid(conn: &mut Conn, id: i64, paid_on: &str, now_ms: i64) -> StoreResult<bool> {
    let done = sqlx::query(
        "UPDATE payouts SET status = $4, paid_on = $1, settled_at_ms = $2 \
         WHERE id = $3 AND status IN ($5, $6)",
    )
    .bind(paid_on)
    .bind(now_ms)
    .bind(id)
    .bind(PayoutStatus::Paid.as_str())
    .bind(PayoutStatus::Requested.as_str())
    .bind(PayoutStatus::Sent.as_str())
    .execute(conn)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Moves an in-flight payout to `failed` or `returned`.
pub async fn mark_undone(
    conn: &mut Conn,
    id: i64,
    status: &str,
    reason: &str,
    now_ms: i64,
) -> StoreResult<bool> {
    let done = sqlx::query(
        "UPDATE payouts SET status = $1, failure_reason = $2, settled_at_ms = $3 \
         WHERE id = $4 AND status IN ($5, $6)",
    )
    .bind(status)
    .bind(reason)
    .bind(now_ms)
    .bind(id)
    .bind(PayoutStatus::Requested.as_str())
    .bind(PayoutStatus::Sent.as_str())
    .execute(conn)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Sets a refund's status from one to another; false when it was not in `from`.
pub async fn set_refund_status(conn: &mut Conn, refund_id: i64, from: &str, to: &str) -> StoreResult<bool> {
    let done = sqlx::query("UPDATE deposit_refunds SET status = $1 WHERE id = $2 AND status = $3")
        .bind(to)
        .bind(refund_id)
        .bind(from)
        .execute(conn)
        .await?;
    Ok(done.rows_affected() == 1)
}

/// The transfers that moved payout money (reasons `payout_requested`, `payout_paid`,
/// `payout_returned`), for `ledger verify`.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct PayoutTransfer {
    pub seq: i64,
    pub reason: String,
    pub reference: String,
    pub debit_account_id: i64,
    pub credit_account_id: i64,
    pub amount_fen: i64,
}

pub async fn payout_transfers(conn: &mut Conn) -> StoreResult<Vec<PayoutTransfer>> {
    Ok(sqlx::query_as(
        "SELECT seq, reason, reference, debit_account_id, credit_account_id, amount_fen FROM ledger_transfers \
         WHERE reason IN ('payout_requested', 'payout_paid', 'payout_returned') ORDER BY seq",
    )
    .fetch_all(conn)
    .await?)
}

/// Keeps a settlement file sent to be reconciled; answers its id.
pub async fn insert_settlement_file(
    conn: &mut Conn,
    uploaded_by: &str,
    text: &str,
    at_ms: i64,
) -> StoreResult<i64> {
    let row = sqlx::query(
        "INSERT INTO settlement_files (uploaded_by, text, created_at_ms) VALUES ($1, $2, $3) RETURNING id",
    )
    .bind(uploaded_by)
    .bind(text)
    .bind(at_ms)
    .fetch_one(conn)
    .await?;
    Ok(row.try_get(0)?)
}

/// The text of a settlement file kept for reconciliation.
pub async fn settlement_file(conn: &mut Conn, id: i64) -> StoreResult<Option<String>> {
    let row =
        sqlx::query("SELECT text FROM settlement_files WHERE id = $1").bind(id).fetch_optional(conn).await?;
    Ok(row.map(|r| r.try_get(0)).transpose()?)
}

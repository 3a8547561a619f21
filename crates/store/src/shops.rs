//! Shops and their violations.

use domain::operations::ShopStatus;
use domain::violation::ViolationStatus;
use sqlx::Row;

use crate::{Conn, StoreResult};

#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct ShopRow {
    pub id: i64,
    pub merchant_id: i64,
    pub name: String,
    pub entity_type: String,
    pub entity_name: String,
    pub category: String,
    #[sqlx(try_from = "String")]
    pub status: ShopStatus,
    pub deposit_account_id: i64,
    pub created_at_ms: i64,
    pub version: i64,
}

const SHOP_COLUMNS: &str = "id, merchant_id, name, entity_type, entity_name, category, status, deposit_account_id, created_at_ms, version";

pub struct NewShop<'a> {
    pub merchant_id: i64,
    pub name: &'a str,
    pub entity_type: &'a str,
    pub entity_name: &'a str,
    /// `domain::names::name_key` of the entity name.
    pub entity_key: &'a str,
    pub category: &'a str,
    pub status: ShopStatus,
    pub now_ms: i64,
}

/// Inserts a shop with a placeholder account id; `set_deposit_account` fills it in the same transaction.
pub async fn insert_shop(conn: &mut Conn, shop: &NewShop<'_>) -> StoreResult<i64> {
    Ok(sqlx::query(
        "INSERT INTO shops (merchant_id, name, entity_type, entity_name, entity_key, category, status, deposit_account_id, \
         created_at_ms) VALUES ($1, $2, $3, $4, $5, $6, $7, 0, $8) RETURNING id",
    )
    .bind(shop.merchant_id)
    .bind(shop.name)
    .bind(shop.entity_type)
    .bind(shop.entity_name)
    .bind(shop.entity_key)
    .bind(shop.category)
    .bind(shop.status.as_str())
    .bind(shop.now_ms)
    .fetch_one(conn)
    .await?
    .try_get(0)?)
}

pub async fn set_deposit_account(conn: &mut Conn, shop_id: i64, account_id: i64) -> StoreResult<()> {
    sqlx::query("UPDATE shops SET deposit_account_id = $1 WHERE id = $2")
        .bind(account_id)
        .bind(shop_id)
        .execute(conn)
        .await?;
    Ok(())
}

pub async fn find_shop(conn: &mut Conn, id: i64) -> StoreResult<Option<ShopRow>> {
    let sql = format!("SELECT {SHOP_COLUMNS} FROM shops WHERE id = $1");
    Ok(sqlx::query_as(&sql).bind(id).fetch_optional(conn).await?)
}

/// Shops after `after_id`, of one merchant or of all, in id order.
pub async fn list_shops(
    conn: &mut Conn,
    merchant_id: Option<i64>,
    after_id: i64,
    limit: i64,
) -> StoreResult<Vec<ShopRow>> {
    let sql = format!(
        "SELECT {SHOP_COLUMNS} FROM shops WHERE id > $1 AND ($2 = 0 OR merchant_id = $2) ORDER BY id LIMIT $3"
    );
    Ok(sqlx::query_as(&sql).bind(after_id).bind(merchant_id.unwrap_or(0)).bind(limit).fetch_all(conn).await?)
}

#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct ViolationRow {
    pub id: i64,
    pub shop_id: i64,
    pub merchant_id: i64,
    pub kind: String,
    pub severity: String,
    pub penalty_fen: i64,
    pub beneficiary: String,
    pub buyer_id: Option<String>,
    pub evidence: String,
    #[sqlx(try_from = "String")]
    pub status: ViolationStatus,
    pub penalty_seq: Option<i64>,
    pub reversal_seq: Option<i64>,
    pub recorded_by: String,
    pub created_at_ms: i64,
    pub appeal_deadline_ms: i64,
    pub appeal_text: Option<String>,
    pub appealed_at_ms: Option<i64>,
    pub decided_by: Option<String>,
    pub decision_note: Option<String>,
    pub decided_at_ms: Option<i64>,
}

const VIOLATION_COLUMNS: &str = "id, shop_id, merchant_id, kind, severity, penalty_fen, beneficiary, buyer_id, evidence, status, \
     penalty_seq, reversal_seq, recorded_by, created_at_ms, appeal_deadline_ms, appeal_text, appealed_at_ms, decided_by, \
     decision_note, decided_at_ms";

pub async fn insert_violation(conn: &mut Conn, v: &ViolationRow) -> StoreResult<i64> {
    Ok(sqlx::query(
        "INSERT INTO violations (shop_id, merchant_id, kind, severity, penalty_fen, beneficiary, buyer_id, evidence, status, \
         penalty_seq, recorded_by, created_at_ms, appeal_deadline_ms) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13) RETURNING id",
    )
    .bind(v.shop_id)
    .bind(v.merchant_id)
    .bind(&v.kind)
    .bind(&v.severity)
    .bind(v.penalty_fen)
    .bind(&v.beneficiary)
    .bind(&v.buyer_id)
    .bind(&v.evidence)
    .bind(v.status.as_str())
    .bind(v.penalty_seq)
    .bind(&v.recorded_by)
    .bind(v.created_at_ms)
    .bind(v.appeal_deadline_ms)
    .fetch_one(conn)
    .await?
    .try_get(0)?)
}

pub async fn find_violation(conn: &mut Conn, id: i64) -> StoreResult<Option<ViolationRow>> {
    let sql = format!("SELECT {VIOLATION_COLUMNS} FROM violations WHERE id = $1");
    Ok(sqlx::query_as(&sql).bind(id).fetch_optional(conn).await?)
}

pub async fn shop_violations(conn: &mut Conn, shop_id: i64) -> StoreResult<Vec<ViolationRow>> {
    let sql = format!("SELECT {VIOLATION_COLUMNS} FROM violations WHERE shop_id = $1 ORDER BY id DESC");
    Ok(sqlx::query_as(&sql).bind(shop_id).fetch_all(conn).await?)
}

/// Violations in a status, oldest appeal first (the reviewers' appeal queue).
/// How many of a shop's violations are in `status`.
pub async fn count_violations(conn: &mut Conn, shop_id: i64, status: &str) -> StoreResult<i64> {
    Ok(sqlx::query("SELECT COUNT(*) FROM violations WHERE shop_id = $1 AND status = $2")
        .bind(shop_id)
        .bind(status)
        .fetch_one(conn)
        .await?
        .try_get(0)?)
}

pub async fn violations_by_status(
    conn: &mut Conn,
    status: &str,
    limit: i64,
) -> StoreResult<Vec<ViolationRow>> {
    let sql = format!(
        "SELECT {VIOLATION_COLUMNS} FROM violations WHERE status = $1 ORDER BY appealed_at_ms, id LIMIT $2"
    );
    Ok(sqlx::query_as(&sql).bind(status).bind(limit).fetch_all(conn).await?)
}

/// Records an appeal when the violation is still `effective`; false when it is not.
pub async fn record_appeal(conn: &mut Conn, id: i64, text: &str, now_ms: i64) -> StoreResult<bool> {
    let done = sqlx::query(
        "UPDATE violations SET status = $4, appeal_text = $1, appealed_at_ms = $2 WHERE id = $3 AND status = $5",
    )
    .bind(text)
    .bind(now_ms)
    .bind(id)
    .bind(ViolationStatus::Appealed.as_str())
    .bind(ViolationStatus::Effective.as_str())
    .execute(conn)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Records a decision on an appealed violation; false when it was already decided.
pub async fn record_decision(
    conn: &mut Conn,
    id: i64,
    status: &str,
    decided_by: &str,
    note: &str,
    reversal_seq: Option<i64>,
    now_ms: i64,
) -> StoreResult<bool> {
    let done = sqlx::query(
        "UPDATE violations SET status = $1, decided_by = $2, decision_note = $3, reversal_seq = $4, decided_at_ms = $5 \
         WHERE id = $6 AND status = $7",
    )
    .bind(status)
    .bind(decided_by)
    .bind(note)
    .bind(reversal_seq)
    .bind(now_ms)
    .bind(id)
    .bind(ViolationStatus::Appealed.as_str())
    .execute(conn)
    .await?;
    Ok(done.rows_affected() == 1)
}

pub async fn set_violation_penalty(conn: &mut Conn, id: i64, penalty_seq: Option<i64>) -> StoreResult<()> {
    sqlx::query("UPDATE violations SET penalty_seq = $1 WHERE id = $2")
        .bind(penalty_seq)
        .bind(id)
        .execute(conn)
        .await?;
    Ok(())
}

/// Names the reputation incident a violation was recorded from; `Conflict` when the incident
/// already has one (the unique index of migration 0012).
pub async fn set_violation_incident(conn: &mut Conn, id: i64, incident_id: i64) -> StoreResult<()> {
    sqlx::query("UPDATE violations SET incident_id = $1 WHERE id = $2")
        .bind(incident_id)
        .bind(id)
        .execute(conn)
        .await?;
    Ok(())
}

pub async fn set_violation_reversal(conn: &mut Conn, id: i64, reversal_seq: Option<i64>) -> StoreResult<()> {
    sqlx::query("UPDATE violations SET reversal_seq = $1 WHERE id = $2")
        .bind(reversal_seq)
        .bind(id)
        .execute(conn)
        .await?;
    Ok(())
}

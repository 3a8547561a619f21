//! Outbound webhooks: a merchant's endpoint (address and sealed signing secret), the events to deliver
//! and the log of every attempt.

use domain::webhooks::DeliveryStatus;
use sqlx::Row;

use crate::{Conn, StoreResult};

#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct WebhookRow {
    pub merchant_id: i64,
    pub url: String,
    pub secret_sealed: String,
    pub created_at_ms: i64,
    pub updated_at_ms: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct DeliveryRow {
    pub id: i64,
    pub merchant_id: i64,
    pub event: String,
    pub payload: String,
    #[sqlx(try_from = "String")]
    pub status: DeliveryStatus,
    pub attempts: i64,
    pub next_attempt_at_ms: i64,
    pub last_status_code: Option<i64>,
    pub last_error: Option<String>,
    pub created_at_ms: i64,
    pub delivered_at_ms: Option<i64>,
}

#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct AttemptRow {
    pub id: i64,
    pub delivery_id: i64,
    pub attempt: i64,
    pub at_ms: i64,
    pub status_code: Option<i64>,
    pub error: Option<String>,
    pub duration_ms: i64,
}

/// The outcome of one attempt, written with the delivery's new state.
#[derive(Debug, Clone)]
pub struct AttemptOutcome<'a> {
    pub at_ms: i64,
    pub status_code: Option<i64>,
    pub error: Option<&'a str>,
    pub duration_ms: i64,
    pub new_status: DeliveryStatus,
    pub next_attempt_at_ms: i64,
}

const DELIVERY_COLUMNS: &str = "id, merchant_id, event, payload, status, attempts, next_attempt_at_ms, \
     last_status_code, last_error, created_at_ms, delivered_at_ms";

pub async fn upsert_webhook(
    conn: &mut Conn,
    merchant_id: i64,
    url: &str,
    secret_sealed: &str,
    now_ms: i64,
) -> StoreResult<()> {
    sqlx::query(
        "INSERT INTO webhooks (merchant_id, url, secret_sealed, created_at_ms, updated_at_ms) \
         VALUES ($1, $2, $3, $4, $4) ON CONFLICT (merchant_id) \
         DO UPDATE SET url = $2, secret_sealed = $3, updated_at_ms = $4",
    )
    .bind(merchant_id)
    .bind(url)
    .bind(secret_sealed)
    .bind(now_ms)
    .execute(conn)
    .await?;
    Ok(())
}

pub async fn find_webhook(conn: &mut Conn, merchant_id: i64) -> StoreResult<Option<WebhookRow>> {
    Ok(sqlx::query_as(
        "SELECT merchant_id, url, secret_sealed, created_at_ms, updated_at_ms FROM webhooks WHERE merchant_id = $1",
    )
    .bind(merchant_id)
    .fetch_optional(conn)
    .await?)
}

pub async fn delete_webhook(conn: &mut Conn, merchant_id: i64) -> StoreResult<bool> {
    let done =
        sqlx::query("DELETE FROM webhooks WHERE merchant_id = $1").bind(merchant_id).execute(conn).await?;
    Ok(done.rows_affected() == 1)
}

pub async fn insert_delivery(
    conn: &mut Conn,
    merchant_id: i64,
    event: &str,
    payload: &str,
    now_ms: i64,
) -> StoreResult<i64> {
    Ok(sqlx::query(
        "INSERT INTO webhook_deliveries (merchant_id, event, payload, status, attempts, next_attempt_at_ms, \
         leased_until_ms, created_at_ms) VALUES ($1, $2, $3, $5, 0, $4, 0, $4) RETURNING id",
    )
    .bind(merchant_id)
    .bind(event)
    .bind(payload)
    .bind(now_ms)
    .bind(DeliveryStatus::Pending.as_str())
    .fetch_one(conn)
    .await?
    .try_get(0)?)
}

/// Pending deliveries due at `now_ms` and not leased by another sender, oldest due first.
pub async fn due_deliveries(conn: &mut Conn, now_ms: i64, limit: i64) -> StoreResult<Vec<DeliveryRow>> {
    let sql = format!(
        "SELECT {DELIVERY_COLUMNS} FROM webhook_deliveries WHERE status = $3 AND next_attempt_at_ms <= $1 \
         AND leased_until_ms <= $1 ORDER BY next_attempt_at_ms, id LIMIT $2"
    );
    Ok(sqlx::query_as(&sql)
        .bind(now_ms)
        .bind(limit)
        .bind(DeliveryStatus::Pending.as_str())
        .fetch_all(conn)
        .await?)
}

/// The oldest due delivery of each merchant that has one, not leased by a sender, at most `limit`
/// merchants: one merchant's backlog never hides another's event.
pub async fn due_deliveries_one_per_merchant(
    conn: &mut Conn,
    now_ms: i64,
    limit: i64,
) -> StoreResult<Vec<DeliveryRow>> {
    let sql = format!(
        "SELECT {DELIVERY_COLUMNS} FROM webhook_deliveries WHERE id IN (SELECT MIN(id) FROM webhook_deliveries \
         WHERE status = $3 AND next_attempt_at_ms <= $1 AND leased_until_ms <= $1 GROUP BY merchant_id) \
         ORDER BY id LIMIT $2"
    );
    Ok(sqlx::query_as(&sql)
        .bind(now_ms)
        .bind(limit)
        .bind(DeliveryStatus::Pending.as_str())
        .fetch_all(conn)
        .await?)
}

/// Leases a due delivery to this sender until `lease_until_ms`; false when another sender took it.
pub async fn lease_delivery(conn: &mut Conn, id: i64, now_ms: i64, lease_until_ms: i64) -> StoreResult<bool> {
    let done = sqlx::query(
        "UPDATE webhook_deliveries SET leased_until_ms = $1 \
         WHERE id = $2 AND status = $4 AND leased_until_ms <= $3",
    )
    .bind(lease_until_ms)
    .bind(id)
    .bind(now_ms)
    .bind(DeliveryStatus::Pending.as_str())
    .execute(conn)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Logs one attempt and moves the delivery to its new state (its lease released).
pub async fn record_attempt(
    conn: &mut Conn,
    delivery: &DeliveryRow,
    outcome: &AttemptOutcome<'_>,
) -> StoreResult<()> {
    let attempt = delivery.attempts + 1;
    sqlx::query(
        "INSERT INTO webhook_attempts (delivery_id, attempt, at_ms, status_code, error, duration_ms, merchant_id) \
         VALUES ($1, $2, $3, $4, $5, $6, $7)",
    )
    .bind(delivery.id)
    .bind(attempt)
    .bind(outcome.at_ms)
    .bind(outcome.status_code)
    .bind(outcome.error)
    .bind(outcome.duration_ms)
    .bind(delivery.merchant_id)
    .execute(&mut *conn)
    .await?;
    let delivered_at = (outcome.new_status == DeliveryStatus::Delivered).then_some(outcome.at_ms);
    sqlx::query(
        "UPDATE webhook_deliveries SET status = $1, attempts = $2, next_attempt_at_ms = $3, leased_until_ms = 0, \
         last_status_code = $4, last_error = $5, delivered_at_ms = $6 WHERE id = $7",
    )
    .bind(outcome.new_status.as_str())
    .bind(attempt)
    .bind(outcome.next_attempt_at_ms)
    .bind(outcome.status_code)
    .bind(outcome.error)
    .bind(delivered_at)
    .bind(delivery.id)
    .execute(conn)
    .await?;
    Ok(())
}

/// A merchant's deliveries, newest first, before id `before_id`.
pub async fn deliveries(
    conn: &mut Conn,
    merchant_id: i64,
    before_id: i64,
    limit: i64,
) -> StoreResult<Vec<DeliveryRow>> {
    let sql = format!(
        "SELECT {DELIVERY_COLUMNS} FROM webhook_deliveries WHERE merchant_id = $1 AND id < $2 ORDER BY id DESC LIMIT $3"
    );
    Ok(sqlx::query_as(&sql).bind(merchant_id).bind(before_id).bind(limit).fetch_all(conn).await?)
}

pub async fn find_delivery(conn: &mut Conn, id: i64) -> StoreResult<Option<DeliveryRow>> {
    let sql = format!("SELECT {DELIVERY_COLUMNS} FROM webhook_deliveries WHERE id = $1");
    Ok(sqlx::query_as(&sql).bind(id).fetch_optional(conn).await?)
}

/// Every attempt of one delivery, first first.
pub async fn attempts(conn: &mut Conn, delivery_id: i64) -> StoreResult<Vec<AttemptRow>> {
    Ok(sqlx::query_as(
        "SELECT id, delivery_id, attempt, at_ms, status_code, error, duration_ms FROM webhook_attempts \
         WHERE delivery_id = $1 ORDER BY attempt",
    )
    .bind(delivery_id)
    .fetch_all(conn)
    .await?)
}

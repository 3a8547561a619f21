//! Registered entities and the merchant that holds each, by normalised key.

use sqlx::Row;

use crate::{Conn, StoreResult};

/// The merchant holding an entity key, if any merchant does.
pub async fn holder(conn: &mut Conn, entity_key: &str) -> StoreResult<Option<i64>> {
    let row = sqlx::query("SELECT merchant_id FROM entities WHERE entity_key = $1")
        .bind(entity_key)
        .fetch_optional(conn)
        .await?;
    Ok(match row {
        Some(row) => Some(row.try_get(0)?),
        None => None,
    })
}

/// Records `merchant_id` as the holder of `entity_key` unless a merchant holds it already; answers
/// the holder after the statement (so two merchants racing for one new key agree on the winner).
pub async fn claim(
    conn: &mut Conn,
    entity_key: &str,
    merchant_id: i64,
    name: &str,
    uscc: Option<&str>,
    now_ms: i64,
) -> StoreResult<i64> {
    sqlx::query(
        "INSERT INTO entities (entity_key, merchant_id, name, uscc, created_at_ms) VALUES ($1, $2, $3, $4, $5) \
         ON CONFLICT (entity_key) DO NOTHING",
    )
    .bind(entity_key)
    .bind(merchant_id)
    .bind(name)
    .bind(uscc)
    .bind(now_ms)
    .execute(&mut *conn)
    .await?;
    Ok(holder(conn, entity_key).await?.unwrap_or(merchant_id))
}

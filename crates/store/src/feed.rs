//! The platform feed: events appended in the writing transaction with ids in commit order, read
//! after a cursor, and removed after their retention time.

use sqlx::Row;

use crate::{Conn, StoreError, StoreResult};

/// Events a statement writes at once (five bound columns each), a power of two: see
/// `chunks_of_powers_of_two`.
const EVENTS_PER_STATEMENT: usize = 1_024;

#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct EventRow {
    pub id: i64,
    pub merchant_id: i64,
    pub event_type: String,
    /// The event's data, a JSON object.
    pub data: String,
    pub created_at_ms: i64,
}

/// Appends an event in the caller's transaction. Its id is the next value of the feed's head row,
/// whose lock the transaction keeps until it ends: no other event is written meanwhile, so ids
/// become visible in order.
pub async fn append_event(
    conn: &mut Conn,
    merchant_id: i64,
    event_type: &str,
    data: &str,
    now_ms: i64,
) -> StoreResult<i64> {
    // Lock order: the ledger head, the audit head, then the feed head. Every emitting transaction
    // takes the audit head first (it writes an audit row anyway), so none waits for it while
    // holding the feed head.
    sqlx::query("UPDATE chain_heads SET seq = seq WHERE name = 'audit'").execute(&mut *conn).await?;
    let id: i64 =
        sqlx::query("UPDATE chain_heads SET seq = seq + 1 WHERE name = 'platform_feed' RETURNING seq")
            .fetch_one(&mut *conn)
            .await?
            .try_get(0)?;
    sqlx::query(
        "INSERT INTO platform_events (id, merchant_id, event_type, data, created_at_ms) VALUES ($1, $2, $3, $4, $5)",
    )
    .bind(id)
    .bind(merchant_id)
    .bind(event_type)
    .bind(data)
    .bind(now_ms)
    .execute(conn)
    .await?;
    Ok(id)
}

/// Appends many events in the caller's transaction, in order, with the head row taken once (the
/// same lock order as `append_event`) and many rows per statement. Answers the first id (the
/// events have the ids from it on), or 0 for none.
pub async fn append_events(conn: &mut Conn, events: &[(i64, &str, String)], now_ms: i64) -> StoreResult<i64> {
    if events.is_empty() {
        return Ok(0);
    }
    let count = i64::try_from(events.len()).map_err(|_| StoreError::Conflict)?;
    sqlx::query("UPDATE chain_heads SET seq = seq WHERE name = 'audit'").execute(&mut *conn).await?;
    let last: i64 =
        sqlx::query("UPDATE chain_heads SET seq = seq + $1 WHERE name = 'platform_feed' RETURNING seq")
            .bind(count)
            .fetch_one(&mut *conn)
            .await?
            .try_get(0)?;
    let first = last - count + 1;
    let style = crate::ledger::style(conn);
    let mut id = first;
    for chunk in crate::ledger::chunks_of_powers_of_two(events, EVENTS_PER_STATEMENT) {
        let values = crate::ledger::placeholders(style, chunk.len(), 5, 1);
        let insert = style.insert_into();
        let sql = format!(
            "{insert} platform_events (id, merchant_id, event_type, data, created_at_ms) VALUES {values}"
        );
        let mut query = sqlx::query(&sql);
        for (merchant_id, event_type, data) in chunk {
            query = query.bind(id).bind(*merchant_id).bind(*event_type).bind(data.as_str()).bind(now_ms);
            id += 1;
        }
        query.execute(&mut *conn).await?;
    }
    Ok(first)
}

const COLUMNS: &str = "id, merchant_id, event_type, data, created_at_ms";

/// Events after id `after`, oldest first.
pub async fn events_after(conn: &mut Conn, after: i64, limit: i64) -> StoreResult<Vec<EventRow>> {
    let sql = format!("SELECT {COLUMNS} FROM platform_events WHERE id > $1 ORDER BY id LIMIT $2");
    Ok(sqlx::query_as(&sql).bind(after).bind(limit).fetch_all(conn).await?)
}

pub async fn find_event(conn: &mut Conn, id: i64) -> StoreResult<Option<EventRow>> {
    let sql = format!("SELECT {COLUMNS} FROM platform_events WHERE id = $1");
    Ok(sqlx::query_as(&sql).bind(id).fetch_optional(conn).await?)
}

/// Events of one type, oldest first (tests and the demo read these).
pub async fn events_of_type(conn: &mut Conn, event_type: &str) -> StoreResult<Vec<EventRow>> {
    let sql = format!("SELECT {COLUMNS} FROM platform_events WHERE event_type = $1 ORDER BY id");
    Ok(sqlx::query_as(&sql).bind(event_type).fetch_all(conn).await?)
}

/// Removes the events before the first one created at or after `before_ms` (ids follow time, so
/// the walk from the oldest id stops where the kept events begin; no index by time); answers how
/// many.
pub async fn delete_events_before(conn: &mut Conn, before_ms: i64) -> StoreResult<u64> {
    Ok(sqlx::query(
        "DELETE FROM platform_events WHERE id < COALESCE(\
         (SELECT id FROM platform_events WHERE created_at_ms >= $1 ORDER BY id LIMIT 1), \
         (SELECT COALESCE(MAX(id), 0) + 1 FROM platform_events))",
    )
    .bind(before_ms)
    .execute(conn)
    .await?
    .rows_affected())
}

/// The platform webhook's cursor: the last event id delivered.
pub async fn webhook_cursor(conn: &mut Conn) -> StoreResult<i64> {
    Ok(sqlx::query("SELECT seq FROM chain_heads WHERE name = 'platform_webhook'")
        .fetch_one(conn)
        .await?
        .try_get(0)?)
}

/// Moves the platform webhook's cursor forward (never back).
pub async fn set_webhook_cursor(conn: &mut Conn, delivered: i64) -> StoreResult<()> {
    sqlx::query("UPDATE chain_heads SET seq = $1 WHERE name = 'platform_webhook' AND seq < $1")
        .bind(delivered)
        .execute(conn)
        .await?;
    Ok(())
}

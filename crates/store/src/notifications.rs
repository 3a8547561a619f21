//! Notifications (a merchant's, each of a kind that some team members see) and each member's read marks.

use sqlx::Row;

use crate::ledger::{Style, id_list};
use crate::{Conn, StoreResult};

/// A notification as one member sees it: `read_at_ms` is that member's read mark.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct NotificationRow {
    pub id: i64,
    pub merchant_id: i64,
    pub kind: String,
    pub text_zh: String,
    pub text_en: String,
    pub link: String,
    pub created_at_ms: i64,
    pub read_at_ms: Option<i64>,
}

pub async fn insert_notification(conn: &mut Conn, n: &NotificationRow) -> StoreResult<i64> {
    Ok(sqlx::query(
        "INSERT INTO notifications (merchant_id, kind, text_zh, text_en, link, created_at_ms) \
         VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
    )
    .bind(n.merchant_id)
    .bind(&n.kind)
    .bind(&n.text_zh)
    .bind(&n.text_en)
    .bind(&n.link)
    .bind(n.created_at_ms)
    .fetch_one(conn)
    .await?
    .try_get(0)?)
}

const COLUMNS: &str =
    "n.id, n.merchant_id, n.kind, n.text_zh, n.text_en, n.link, n.created_at_ms, r.read_at_ms";

/// A member's notifications of the given kinds, newest first, before id `before_id`.
pub async fn notifications(
    conn: &mut Conn,
    merchant_id: i64,
    user_id: i64,
    kinds: &[&str],
    unread_only: bool,
    before_id: i64,
    limit: i64,
) -> StoreResult<Vec<NotificationRow>> {
    if kinds.is_empty() {
        return Ok(Vec::new());
    }
    let sql = format!(
        "SELECT {COLUMNS} FROM notifications n \
         LEFT JOIN notification_reads r ON r.notification_id = n.id AND r.user_id = $2 \
         WHERE n.merchant_id = $1 AND n.id < $3 AND ($4 = 0 OR r.read_at_ms IS NULL) \
         AND n.kind IN ({}) ORDER BY n.id DESC LIMIT $5",
        id_list(Style::Numbered, kinds.len(), 6)
    );
    let mut query = sqlx::query_as(&sql)
        .bind(merchant_id)
        .bind(user_id)
        .bind(before_id)
        .bind(i64::from(unread_only))
        .bind(limit);
    for kind in kinds {
        query = query.bind(*kind);
    }
    Ok(query.fetch_all(conn).await?)
}

/// How many of a member's notifications of the given kinds are unread.
pub async fn unread_count(
    conn: &mut Conn,
    merchant_id: i64,
    user_id: i64,
    kinds: &[&str],
) -> StoreResult<i64> {
    if kinds.is_empty() {
        return Ok(0);
    }
    let sql = format!(
        "SELECT COUNT(*) FROM notifications n \
         LEFT JOIN notification_reads r ON r.notification_id = n.id AND r.user_id = $2 \
         WHERE n.merchant_id = $1 AND r.read_at_ms IS NULL AND n.kind IN ({})",
        id_list(Style::Numbered, kinds.len(), 3)
    );
    let mut query = sqlx::query(&sql).bind(merchant_id).bind(user_id);
    for kind in kinds {
        query = query.bind(*kind);
    }
    Ok(query.fetch_one(conn).await?.try_get(0)?)
}

/// One notification as `user_id` sees it.
pub async fn find_notification(
    conn: &mut Conn,
    id: i64,
    user_id: i64,
) -> StoreResult<Option<NotificationRow>> {
    let sql = format!(
        "SELECT {COLUMNS} FROM notifications n \
         LEFT JOIN notification_reads r ON r.notification_id = n.id AND r.user_id = $2 WHERE n.id = $1"
    );
    Ok(sqlx::query_as(&sql).bind(id).bind(user_id).fetch_optional(conn).await?)
}

/// Marks read for one member every notification of the given kinds up to id `up_to_id` (the newest
/// the member has seen); answers how many were unread.
pub async fn mark_all_read(
    conn: &mut Conn,
    merchant_id: i64,
    user_id: i64,
    kinds: &[&str],
    up_to_id: i64,
    now_ms: i64,
) -> StoreResult<u64> {
    if kinds.is_empty() {
        return Ok(0);
    }
    let sql = format!(
        "INSERT INTO notification_reads (notification_id, user_id, read_at_ms, merchant_id) \
         SELECT n.id, $2, $3, n.merchant_id FROM notifications n \
         WHERE n.merchant_id = $1 AND n.id <= $4 AND n.kind IN ({}) \
         ON CONFLICT (notification_id, user_id, merchant_id) DO NOTHING",
        id_list(Style::Numbered, kinds.len(), 5)
    );
    let mut query = sqlx::query(&sql).bind(merchant_id).bind(user_id).bind(now_ms).bind(up_to_id);
    for kind in kinds {
        query = query.bind(*kind);
    }
    Ok(query.execute(conn).await?.rows_affected())
}

/// Marks a notification read for one member; false when it already was.
pub async fn mark_read(
    conn: &mut Conn,
    merchant_id: i64,
    id: i64,
    user_id: i64,
    now_ms: i64,
) -> StoreResult<bool> {
    let done = sqlx::query(
        "INSERT INTO notification_reads (notification_id, user_id, read_at_ms, merchant_id) VALUES ($1, $2, $3, $4) \
         ON CONFLICT (notification_id, user_id, merchant_id) DO NOTHING",
    )
    .bind(id)
    .bind(user_id)
    .bind(now_ms)
    .bind(merchant_id)
    .execute(conn)
    .await?;
    Ok(done.rows_affected() == 1)
}

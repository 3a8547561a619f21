//! A merchant's team: its members (merchant users) and their team roles.

use sqlx::Row;

use crate::db::row_lock;
use crate::users::{USER_COLUMNS, UserRow};
use crate::{Backend, Conn, StoreResult};

/// The merchant's active members, in id order.
pub async fn members(conn: &mut Conn, merchant_id: i64, limit: i64) -> StoreResult<Vec<UserRow>> {
    let sql = format!(
        "SELECT {USER_COLUMNS} FROM users WHERE merchant_id = $1 AND role = 'merchant' \
         AND disabled_at_ms IS NULL ORDER BY id LIMIT $2"
    );
    Ok(sqlx::query_as(&sql).bind(merchant_id).bind(limit).fetch_all(conn).await?)
}

/// Locks the merchant's row so that membership changes of one merchant take turns (the last owner
/// cannot be removed by two owners removing each other at once).
pub async fn lock_merchant(conn: &mut Conn, backend: Backend, merchant_id: i64) -> StoreResult<bool> {
    let sql = format!("SELECT id FROM merchants WHERE id = $1{}", row_lock(backend));
    Ok(sqlx::query(&sql).bind(merchant_id).fetch_optional(conn).await?.is_some())
}

/// One active member of the merchant.
pub async fn find_member(conn: &mut Conn, merchant_id: i64, user_id: i64) -> StoreResult<Option<UserRow>> {
    let sql = format!(
        "SELECT {USER_COLUMNS} FROM users WHERE id = $1 AND merchant_id = $2 AND role = 'merchant' \
         AND disabled_at_ms IS NULL"
    );
    Ok(sqlx::query_as(&sql).bind(user_id).bind(merchant_id).fetch_optional(conn).await?)
}

/// Active members of the merchant with a given team role.
pub async fn count_with_role(conn: &mut Conn, merchant_id: i64, team_role: &str) -> StoreResult<i64> {
    Ok(sqlx::query(
        "SELECT COUNT(*) FROM users WHERE merchant_id = $1 AND role = 'merchant' AND team_role = $2 \
         AND disabled_at_ms IS NULL",
    )
    .bind(merchant_id)
    .bind(team_role)
    .fetch_one(conn)
    .await?
    .try_get(0)?)
}

/// Active members of the merchant.
pub async fn count_members(conn: &mut Conn, merchant_id: i64) -> StoreResult<i64> {
    Ok(sqlx::query(
        "SELECT COUNT(*) FROM users WHERE merchant_id = $1 AND role = 'merchant' AND disabled_at_ms IS NULL",
    )
    .bind(merchant_id)
    .fetch_one(conn)
    .await?
    .try_get(0)?)
}

pub async fn set_team_role(conn: &mut Conn, user_id: i64, team_role: &str) -> StoreResult<()> {
    sqlx::query("UPDATE users SET team_role = $1 WHERE id = $2")
        .bind(team_role)
        .bind(user_id)
        .execute(conn)
        .await?;
    Ok(())
}

/// Removes a member from its team: the user is disabled and every live session of it revoked.
pub async fn disable_member(conn: &mut Conn, user_id: i64, now_ms: i64) -> StoreResult<()> {
    sqlx::query("UPDATE users SET disabled_at_ms = $1 WHERE id = $2 AND disabled_at_ms IS NULL")
        .bind(now_ms)
        .bind(user_id)
        .execute(&mut *conn)
        .await?;
    sqlx::query("UPDATE sessions SET revoked_at_ms = $1 WHERE user_id = $2 AND revoked_at_ms IS NULL")
        .bind(now_ms)
        .bind(user_id)
        .execute(conn)
        .await?;
    Ok(())
}

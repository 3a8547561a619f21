//! Merchants, users, sessions and failed logins.

use sqlx::Row;

use crate::{Conn, StoreError, StoreResult};

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct UserRow {
    pub id: i64,
    pub username: String,
    pub password_hash: String,
    pub role: String,
    pub merchant_id: Option<i64>,
    pub created_at_ms: i64,
    /// A merchant user's place in its merchant's team; `None` for other users.
    pub team_role: Option<String>,
    /// Set when the user was removed from its team: it can no longer log in.
    pub disabled_at_ms: Option<i64>,
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct SessionUserRow {
    pub user_id: i64,
    pub username: String,
    pub role: String,
    pub merchant_id: Option<i64>,
    pub team_role: Option<String>,
    pub disabled_at_ms: Option<i64>,
    pub expires_at_ms: i64,
    pub revoked_at_ms: Option<i64>,
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct MerchantRow {
    pub id: i64,
    pub name: String,
    pub created_at_ms: i64,
}

pub async fn find_merchant_by_name(conn: &mut Conn, name: &str) -> StoreResult<Option<MerchantRow>> {
    let row = sqlx::query_as("SELECT id, name, created_at_ms FROM merchants WHERE name = $1")
        .bind(name)
        .fetch_optional(conn)
        .await?;
    Ok(row)
}

pub async fn find_merchant(conn: &mut Conn, id: i64) -> StoreResult<Option<MerchantRow>> {
    let row = sqlx::query_as("SELECT id, name, created_at_ms FROM merchants WHERE id = $1")
        .bind(id)
        .fetch_optional(conn)
        .await?;
    Ok(row)
}

pub async fn insert_merchant(conn: &mut Conn, name: &str, now_ms: i64) -> StoreResult<i64> {
    let id = sqlx::query("INSERT INTO merchants (name, created_at_ms) VALUES ($1, $2) RETURNING id")
        .bind(name)
        .bind(now_ms)
        .fetch_one(conn)
        .await?
        .try_get(0)?;
    Ok(id)
}

pub struct NewUser<'a> {
    pub username: &'a str,
    pub password_hash: &'a str,
    pub role: &'a str,
    pub merchant_id: Option<i64>,
    pub team_role: Option<&'a str>,
    pub now_ms: i64,
}

pub async fn insert_user(conn: &mut Conn, user: &NewUser<'_>) -> StoreResult<i64> {
    let id = sqlx::query(
        "INSERT INTO users (username, password_hash, role, merchant_id, team_role, created_at_ms) \
         VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
    )
    .bind(user.username)
    .bind(user.password_hash)
    .bind(user.role)
    .bind(user.merchant_id)
    .bind(user.team_role)
    .bind(user.now_ms)
    .fetch_one(conn)
    .await?
    .try_get(0)?;
    Ok(id)
}

pub(crate) const USER_COLUMNS: &str =
    "id, username, password_hash, role, merchant_id, created_at_ms, team_role, disabled_at_ms";

pub async fn find_user_by_username(conn: &mut Conn, username: &str) -> StoreResult<Option<UserRow>> {
    let sql = format!("SELECT {USER_COLUMNS} FROM users WHERE username = $1");
    Ok(sqlx::query_as(&sql).bind(username).fetch_optional(conn).await?)
}

pub async fn count_users(conn: &mut Conn) -> StoreResult<i64> {
    Ok(sqlx::query("SELECT COUNT(*) FROM users").fetch_one(conn).await?.try_get(0)?)
}

pub async fn insert_session(
    conn: &mut Conn,
    token_hash: &str,
    user: &UserRow,
    now_ms: i64,
    expires_at_ms: i64,
) -> StoreResult<()> {
    sqlx::query(
        "INSERT INTO sessions (token_hash, user_id, merchant_id, created_at_ms, expires_at_ms) \
         VALUES ($1, $2, $3, $4, $5)",
    )
    .bind(token_hash)
    .bind(user.id)
    .bind(user.merchant_id)
    .bind(now_ms)
    .bind(expires_at_ms)
    .execute(conn)
    .await?;
    Ok(())
}

pub async fn find_session(conn: &mut Conn, token_hash: &str) -> StoreResult<Option<SessionUserRow>> {
    Ok(sqlx::query_as(
        "SELECT s.user_id, u.username, u.role, u.merchant_id, u.team_role, u.disabled_at_ms, s.expires_at_ms, \
         s.revoked_at_ms FROM sessions s JOIN users u ON u.id = s.user_id WHERE s.token_hash = $1",
    )
    .bind(token_hash)
    .fetch_optional(conn)
    .await?)
}

/// Marks a session revoked; returns whether a live session was found.
pub async fn revoke_session(conn: &mut Conn, token_hash: &str, now_ms: i64) -> StoreResult<bool> {
    let done =
        sqlx::query("UPDATE sessions SET revoked_at_ms = $1 WHERE token_hash = $2 AND revoked_at_ms IS NULL")
            .bind(now_ms)
            .bind(token_hash)
            .execute(conn)
            .await?;
    Ok(done.rows_affected() == 1)
}

/// Deletes sessions that ended before `before_ms` and failed logins older than it.
pub async fn purge_sessions(conn: &mut Conn, before_ms: i64) -> StoreResult<u64> {
    let sessions = sqlx::query("DELETE FROM sessions WHERE expires_at_ms < $1 OR revoked_at_ms < $1")
        .bind(before_ms)
        .execute(&mut *conn)
        .await?
        .rows_affected();
    let failures = sqlx::query("DELETE FROM login_failures WHERE at_ms < $1")
        .bind(before_ms)
        .execute(conn)
        .await?
        .rows_affected();
    Ok(sessions + failures)
}

/// Maps a unique-key conflict to `None` so callers can answer "already exists".
pub fn conflict_as_none<T>(result: StoreResult<T>) -> StoreResult<Option<T>> {
    match result {
        Ok(value) => Ok(Some(value)),
        Err(StoreError::Conflict) => Ok(None),
        Err(other) => Err(other),
    }
}

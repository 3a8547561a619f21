//! Jobs: deadlines stored as rows with a due time, claimed so that two workers never run the same one.

use domain::jobs::JobStatus;
use sqlx::Row;

use crate::{Backend, Conn, StoreResult};

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct JobRow {
    pub id: i64,
    pub kind: String,
    pub subject: String,
    pub payload: String,
    pub due_at_ms: i64,
    #[sqlx(try_from = "String")]
    pub status: JobStatus,
    pub attempts: i64,
    pub merchant_id: Option<i64>,
}

pub struct NewJob<'a> {
    pub kind: &'a str,
    pub subject: &'a str,
    pub payload: &'a str,
    pub due_at_ms: i64,
    pub merchant_id: Option<i64>,
    pub now_ms: i64,
}

pub async fn insert(conn: &mut Conn, job: &NewJob<'_>) -> StoreResult<i64> {
    Ok(sqlx::query(
        "INSERT INTO jobs (kind, subject, payload, due_at_ms, status, merchant_id, created_at_ms) \
         VALUES ($1, $2, $3, $4, $7, $5, $6) RETURNING id",
    )
    .bind(job.kind)
    .bind(job.subject)
    .bind(job.payload)
    .bind(job.due_at_ms)
    .bind(job.merchant_id)
    .bind(job.now_ms)
    .bind(JobStatus::Pending.as_str())
    .fetch_one(conn)
    .await?
    .try_get(0)?)
}

/// Cancels pending jobs of a kind for a subject (for example when a closure is withdrawn).
pub async fn cancel_pending(conn: &mut Conn, kind: &str, subject: &str, now_ms: i64) -> StoreResult<u64> {
    Ok(sqlx::query(
        "UPDATE jobs SET status = $4, finished_at_ms = $1 \
         WHERE kind = $2 AND subject = $3 AND status = $5",
    )
    .bind(now_ms)
    .bind(kind)
    .bind(subject)
    .bind(JobStatus::Cancelled.as_str())
    .bind(JobStatus::Pending.as_str())
    .execute(conn)
    .await?
    .rows_affected())
}

/// Locks the earliest due pending job inside the caller's transaction. On PostgreSQL the row
/// lock with SKIP LOCKED lets another worker take the next job instead of waiting; on SQLite
/// the caller's write transaction already excludes every other writer.
pub async fn claim_due(conn: &mut Conn, backend: Backend, now_ms: i64) -> StoreResult<Option<JobRow>> {
    let lock = match backend {
        Backend::Postgres => " FOR UPDATE SKIP LOCKED",
        Backend::Sqlite => "",
    };
    let sql = format!(
        "SELECT id, kind, subject, payload, due_at_ms, status, attempts, merchant_id FROM jobs \
         WHERE status = $2 AND due_at_ms <= $1 ORDER BY due_at_ms, id LIMIT 1{lock}"
    );
    Ok(sqlx::query_as(&sql).bind(now_ms).bind(JobStatus::Pending.as_str()).fetch_optional(conn).await?)
}

/// Marks a claimed job done; `rows_affected` guards against a second completion.
pub async fn mark_done(conn: &mut Conn, id: i64, now_ms: i64) -> StoreResult<bool> {
    let done = sqlx::query(
        "UPDATE jobs SET status = $3, attempts = attempts + 1, finished_at_ms = $1 \
         WHERE id = $2 AND status = $4",
    )
    .bind(now_ms)
    .bind(id)
    .bind(JobStatus::Done.as_str())
    .bind(JobStatus::Pending.as_str())
    .execute(conn)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Records a failed attempt and moves the due time to the retry time.
pub async fn mark_failed(conn: &mut Conn, id: i64, error: &str, retry_at_ms: Option<i64>) -> StoreResult<()> {
    let status = if retry_at_ms.is_some() { JobStatus::Pending } else { JobStatus::Failed };
    sqlx::query(
        "UPDATE jobs SET status = $1, attempts = attempts + 1, last_error = $2, \
         due_at_ms = COALESCE($3, due_at_ms) WHERE id = $4 AND status = $5",
    )
    .bind(status.as_str())
    .bind(error)
    .bind(retry_at_ms)
    .bind(id)
    .bind(JobStatus::Pending.as_str())
    .execute(conn)
    .await?;
    Ok(())
}

pub async fn find(conn: &mut Conn, id: i64) -> StoreResult<Option<JobRow>> {
    Ok(sqlx::query_as(
        "SELECT id, kind, subject, payload, due_at_ms, status, attempts, merchant_id FROM jobs WHERE id = $1",
    )
    .bind(id)
    .fetch_optional(conn)
    .await?)
}

/// Pending jobs of one subject, earliest first (shown to users as upcoming deadlines).
pub async fn pending_for_subject(conn: &mut Conn, subject: &str) -> StoreResult<Vec<JobRow>> {
    Ok(sqlx::query_as(
        "SELECT id, kind, subject, payload, due_at_ms, status, attempts, merchant_id FROM jobs \
         WHERE subject = $1 AND status = $2 ORDER BY due_at_ms",
    )
    .bind(subject)
    .bind(JobStatus::Pending.as_str())
    .fetch_all(conn)
    .await?)
}

pub async fn count_by_status(conn: &mut Conn, status: &str) -> StoreResult<i64> {
    Ok(sqlx::query("SELECT COUNT(*) FROM jobs WHERE status = $1")
        .bind(status)
        .fetch_one(conn)
        .await?
        .try_get(0)?)
}

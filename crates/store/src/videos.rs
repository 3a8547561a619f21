//! Videos of enterprise accounts and the accounts' publishing cadence.

use domain::videos::VideoStatus;
use sqlx::Row;

use crate::db::row_lock;
use crate::{Backend, Conn, StoreResult};

#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct VideoRow {
    pub id: i64,
    pub merchant_id: i64,
    pub account_id: i64,
    pub title: String,
    pub description: String,
    /// Tags without their `#`, separated by single spaces.
    pub tags: String,
    #[sqlx(try_from = "String")]
    pub status: VideoStatus,
    pub file_sha256: Option<String>,
    pub file_bytes: Option<i64>,
    pub file_type: Option<String>,
    pub external_url: Option<String>,
    pub cover_sha256: Option<String>,
    pub cover_type: Option<String>,
    pub created_by: String,
    pub submitted_by: Option<String>,
    pub submitted_at_ms: Option<i64>,
    pub decision_outcome: Option<String>,
    pub decision_comment: Option<String>,
    pub decided_by: Option<String>,
    pub decided_at_ms: Option<i64>,
    pub publish_at_ms: Option<i64>,
    pub published_at_ms: Option<i64>,
    pub published_by: Option<String>,
    pub withdrawn_at_ms: Option<i64>,
    pub pinned_at_ms: Option<i64>,
    pub created_at_ms: i64,
    pub updated_at_ms: i64,
}

const VIDEO_COLUMNS: &str = "id, merchant_id, account_id, title, description, tags, status, file_sha256, \
     file_bytes, file_type, external_url, cover_sha256, cover_type, created_by, submitted_by, submitted_at_ms, \
     decision_outcome, decision_comment, decided_by, decided_at_ms, publish_at_ms, published_at_ms, published_by, \
     withdrawn_at_ms, pinned_at_ms, created_at_ms, updated_at_ms";

/// What a new video starts with.
pub struct NewVideo<'a> {
    pub merchant_id: i64,
    pub account_id: i64,
    pub title: &'a str,
    pub description: &'a str,
    pub tags: &'a str,
    pub external_url: Option<&'a str>,
    pub created_by: &'a str,
    pub now_ms: i64,
}

pub async fn insert_video(conn: &mut Conn, video: &NewVideo<'_>) -> StoreResult<i64> {
    Ok(sqlx::query(
        "INSERT INTO videos (merchant_id, account_id, title, description, tags, status, external_url, \
         created_by, created_at_ms, updated_at_ms) VALUES ($1, $2, $3, $4, $5, $9, $6, $7, $8, $8) RETURNING id",
    )
    .bind(video.merchant_id)
    .bind(video.account_id)
    .bind(video.title)
    .bind(video.description)
    .bind(video.tags)
    .bind(video.external_url)
    .bind(video.created_by)
    .bind(video.now_ms)
    .bind(VideoStatus::Draft.as_str())
    .fetch_one(conn)
    .await?
    .try_get(0)?)
}

pub async fn find_video(conn: &mut Conn, id: i64) -> StoreResult<Option<VideoRow>> {
    let sql = format!("SELECT {VIDEO_COLUMNS} FROM videos WHERE id = $1");
    Ok(sqlx::query_as(&sql).bind(id).fetch_optional(conn).await?)
}

/// Reads a video and locks its row until the transaction ends.
pub async fn lock_video(conn: &mut Conn, backend: Backend, id: i64) -> StoreResult<Option<VideoRow>> {
    let sql = format!("SELECT {VIDEO_COLUMNS} FROM videos WHERE id = $1{}", row_lock(backend));
    Ok(sqlx::query_as(&sql).bind(id).fetch_optional(conn).await?)
}

/// Locks an enterprise account's row: pins of one account take turns, so no race pins a fourth.
pub async fn lock_account(conn: &mut Conn, backend: Backend, account_id: i64) -> StoreResult<()> {
    let sql = format!("SELECT id FROM enterprise_accounts WHERE id = $1{}", row_lock(backend));
    sqlx::query(&sql).bind(account_id).fetch_optional(conn).await?;
    Ok(())
}

/// Which videos a list shows.
#[derive(Debug, Clone, Copy, Default)]
pub struct VideoFilter<'a> {
    /// One merchant's videos; every merchant's when `None`.
    pub merchant_id: Option<i64>,
    pub account_id: Option<i64>,
    pub status: Option<&'a str>,
}

/// Videos newest first, with ids below `before_id`.
pub async fn list_videos(
    conn: &mut Conn,
    filter: VideoFilter<'_>,
    before_id: i64,
    limit: i64,
) -> StoreResult<Vec<VideoRow>> {
    let sql = format!(
        "SELECT {VIDEO_COLUMNS} FROM videos WHERE ($1 = 0 OR merchant_id = $1) AND ($2 = 0 OR account_id = $2) \
         AND ($3 = '' OR status = $3) AND id < $4 ORDER BY id DESC LIMIT $5"
    );
    Ok(sqlx::query_as(&sql)
        .bind(filter.merchant_id.unwrap_or(0))
        .bind(filter.account_id.unwrap_or(0))
        .bind(filter.status.unwrap_or(""))
        .bind(before_id)
        .bind(limit)
        .fetch_all(conn)
        .await?)
}

pub async fn count_videos(conn: &mut Conn, account_id: i64) -> StoreResult<i64> {
    Ok(sqlx::query("SELECT COUNT(*) FROM videos WHERE account_id = $1")
        .bind(account_id)
        .fetch_one(conn)
        .await?
        .try_get(0)?)
}

pub async fn count_pinned(conn: &mut Conn, account_id: i64) -> StoreResult<i64> {
    Ok(sqlx::query("SELECT COUNT(*) FROM videos WHERE account_id = $1 AND pinned_at_ms IS NOT NULL")
        .bind(account_id)
        .fetch_one(conn)
        .await?
        .try_get(0)?)
}

/// A draft's text and external address.
pub struct VideoContent<'a> {
    pub title: &'a str,
    pub description: &'a str,
    pub tags: &'a str,
    pub external_url: Option<&'a str>,
}

/// Changes a draft's content; false when the video is no longer a draft.
pub async fn update_content(
    conn: &mut Conn,
    id: i64,
    content: &VideoContent<'_>,
    now_ms: i64,
) -> StoreResult<bool> {
    let done = sqlx::query(
        "UPDATE videos SET title = $1, description = $2, tags = $3, external_url = $4, updated_at_ms = $5 \
         WHERE id = $6 AND status = $7",
    )
    .bind(content.title)
    .bind(content.description)
    .bind(content.tags)
    .bind(content.external_url)
    .bind(now_ms)
    .bind(id)
    .bind(VideoStatus::Draft.as_str())
    .execute(conn)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Records a draft's uploaded file (which replaces an external address); false when the video is
/// no longer a draft.
pub async fn set_file(
    conn: &mut Conn,
    id: i64,
    sha256: &str,
    bytes: i64,
    file_type: &str,
    now_ms: i64,
) -> StoreResult<bool> {
    let done = sqlx::query(
        "UPDATE videos SET file_sha256 = $1, file_bytes = $2, file_type = $3, external_url = NULL, \
         updated_at_ms = $4 WHERE id = $5 AND status = $6",
    )
    .bind(sha256)
    .bind(bytes)
    .bind(file_type)
    .bind(now_ms)
    .bind(id)
    .bind(VideoStatus::Draft.as_str())
    .execute(conn)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Records a draft's cover image; false when the video is no longer a draft.
pub async fn set_cover(
    conn: &mut Conn,
    id: i64,
    sha256: &str,
    cover_type: &str,
    bytes: i64,
    now_ms: i64,
) -> StoreResult<bool> {
    let done = sqlx::query(
        "UPDATE videos SET cover_sha256 = $1, cover_type = $2, cover_bytes = $3, updated_at_ms = $4 \
         WHERE id = $5 AND status = $6",
    )
    .bind(sha256)
    .bind(cover_type)
    .bind(bytes)
    .bind(now_ms)
    .bind(id)
    .bind(VideoStatus::Draft.as_str())
    .execute(conn)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Submits a draft for approval; false when it is no longer a draft.
pub async fn submit(conn: &mut Conn, id: i64, by: &str, now_ms: i64) -> StoreResult<bool> {
    let done = sqlx::query(
        "UPDATE videos SET status = $4, submitted_by = $1, submitted_at_ms = $2, updated_at_ms = $2 \
         WHERE id = $3 AND status = $5",
    )
    .bind(by)
    .bind(now_ms)
    .bind(id)
    .bind(VideoStatus::InReview.as_str())
    .bind(VideoStatus::Draft.as_str())
    .execute(conn)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// An approver's decision on a submitted video.
pub struct Decision<'a> {
    /// `approved` or `sent_back`.
    pub outcome: &'a str,
    /// The status it leads to: `approved` or `draft`.
    pub status: VideoStatus,
    pub comment: Option<&'a str>,
    pub by: &'a str,
    pub now_ms: i64,
}

/// Records a decision on a submitted video; false when it is no longer `in_review`.
pub async fn decide(conn: &mut Conn, id: i64, decision: &Decision<'_>) -> StoreResult<bool> {
    let done = sqlx::query(
        "UPDATE videos SET status = $1, decision_outcome = $2, decision_comment = $3, decided_by = $4, \
         decided_at_ms = $5, updated_at_ms = $5 WHERE id = $6 AND status = $7",
    )
    .bind(decision.status.as_str())
    .bind(decision.outcome)
    .bind(decision.comment)
    .bind(decision.by)
    .bind(decision.now_ms)
    .bind(id)
    .bind(VideoStatus::InReview.as_str())
    .execute(conn)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Sets the publish time of an approved or scheduled video; false when it is neither.
pub async fn schedule(conn: &mut Conn, id: i64, publish_at_ms: i64, now_ms: i64) -> StoreResult<bool> {
    let done = sqlx::query(
        "UPDATE videos SET status = $5, publish_at_ms = $1, updated_at_ms = $2 \
         WHERE id = $3 AND status IN ($4, $5)",
    )
    .bind(publish_at_ms)
    .bind(now_ms)
    .bind(id)
    .bind(VideoStatus::Approved.as_str())
    .bind(VideoStatus::Scheduled.as_str())
    .execute(conn)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Publishes a video that is still `from` (approved or scheduled); false when it moved on.
pub async fn publish(
    conn: &mut Conn,
    id: i64,
    from: VideoStatus,
    by: &str,
    now_ms: i64,
) -> StoreResult<bool> {
    let done = sqlx::query(
        "UPDATE videos SET status = $5, published_at_ms = $1, published_by = $2, updated_at_ms = $1 \
         WHERE id = $3 AND status = $4",
    )
    .bind(now_ms)
    .bind(by)
    .bind(id)
    .bind(from.as_str())
    .bind(VideoStatus::Published.as_str())
    .execute(conn)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Withdraws a video that is still `from`, unpinning it; false when it moved on.
pub async fn withdraw(conn: &mut Conn, id: i64, from: VideoStatus, now_ms: i64) -> StoreResult<bool> {
    let done = sqlx::query(
        "UPDATE videos SET status = $4, withdrawn_at_ms = $1, pinned_at_ms = NULL, updated_at_ms = $1 \
         WHERE id = $2 AND status = $3",
    )
    .bind(now_ms)
    .bind(id)
    .bind(from.as_str())
    .bind(VideoStatus::Withdrawn.as_str())
    .execute(conn)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Pins (`Some(now)`) or unpins (`None`) a published video; false when it is not published.
pub async fn set_pinned(
    conn: &mut Conn,
    id: i64,
    pinned_at_ms: Option<i64>,
    now_ms: i64,
) -> StoreResult<bool> {
    let done =
        sqlx::query("UPDATE videos SET pinned_at_ms = $1, updated_at_ms = $2 WHERE id = $3 AND status = $4")
            .bind(pinned_at_ms)
            .bind(now_ms)
            .bind(id)
            .bind(VideoStatus::Published.as_str())
            .execute(conn)
            .await?;
    Ok(done.rows_affected() == 1)
}

/// An account's videos scheduled, or published, within `[from_ms, to_ms)`, by time.
pub async fn calendar_videos(
    conn: &mut Conn,
    account_id: i64,
    from_ms: i64,
    to_ms: i64,
    limit: i64,
) -> StoreResult<Vec<VideoRow>> {
    let sql = format!(
        "SELECT {VIDEO_COLUMNS} FROM videos WHERE account_id = $1 AND \
         ((status = $5 AND publish_at_ms >= $2 AND publish_at_ms < $3) \
          OR (published_at_ms >= $2 AND published_at_ms < $3)) \
         ORDER BY COALESCE(published_at_ms, publish_at_ms), id LIMIT $4"
    );
    Ok(sqlx::query_as(&sql)
        .bind(account_id)
        .bind(from_ms)
        .bind(to_ms)
        .bind(limit)
        .bind(VideoStatus::Scheduled.as_str())
        .fetch_all(conn)
        .await?)
}

/// Videos of the account published within `[from_ms, to_ms)` (withdrawn since or not).
pub async fn count_published_between(
    conn: &mut Conn,
    account_id: i64,
    from_ms: i64,
    to_ms: i64,
) -> StoreResult<i64> {
    Ok(sqlx::query(
        "SELECT COUNT(*) FROM videos WHERE account_id = $1 AND published_at_ms >= $2 AND published_at_ms < $3",
    )
    .bind(account_id)
    .bind(from_ms)
    .bind(to_ms)
    .fetch_one(conn)
    .await?
    .try_get(0)?)
}

/// Videos of the account scheduled to publish within `[from_ms, to_ms)`.
pub async fn count_scheduled_between(
    conn: &mut Conn,
    account_id: i64,
    from_ms: i64,
    to_ms: i64,
) -> StoreResult<i64> {
    Ok(sqlx::query(
        "SELECT COUNT(*) FROM videos WHERE account_id = $1 AND status = $4 \
         AND publish_at_ms >= $2 AND publish_at_ms < $3",
    )
    .bind(account_id)
    .bind(from_ms)
    .bind(to_ms)
    .bind(VideoStatus::Scheduled.as_str())
    .fetch_one(conn)
    .await?
    .try_get(0)?)
}

#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct CadenceRow {
    pub account_id: i64,
    pub merchant_id: i64,
    pub videos_per_week: i64,
    pub updated_at_ms: i64,
}

pub async fn find_cadence(conn: &mut Conn, account_id: i64) -> StoreResult<Option<CadenceRow>> {
    Ok(sqlx::query_as(
        "SELECT account_id, merchant_id, videos_per_week, updated_at_ms FROM video_cadences WHERE account_id = $1",
    )
    .bind(account_id)
    .fetch_optional(conn)
    .await?)
}

pub async fn upsert_cadence(conn: &mut Conn, row: &CadenceRow) -> StoreResult<()> {
    sqlx::query(
        "INSERT INTO video_cadences (account_id, merchant_id, videos_per_week, updated_at_ms) VALUES ($1, $2, $3, $4) \
         ON CONFLICT (account_id, merchant_id) DO UPDATE SET videos_per_week = $3, updated_at_ms = $4",
    )
    .bind(row.account_id)
    .bind(row.merchant_id)
    .bind(row.videos_per_week)
    .bind(row.updated_at_ms)
    .execute(conn)
    .await?;
    Ok(())
}

/// Bytes of video files and covers the merchant's videos refer to.
pub async fn storage_used_bytes(conn: &mut Conn, merchant_id: i64) -> StoreResult<i64> {
    Ok(sqlx::query(
        "SELECT CAST(COALESCE(SUM(COALESCE(file_bytes, 0) + COALESCE(cover_bytes, 0)), 0) AS BIGINT) \
         FROM videos WHERE merchant_id = $1",
    )
    .bind(merchant_id)
    .fetch_one(conn)
    .await?
    .try_get(0)?)
}

/// Notes that a video stopped referring to a file (`kind` `video` or `cover`) at `now_ms`.
pub async fn note_unreferenced(conn: &mut Conn, kind: &str, sha256: &str, now_ms: i64) -> StoreResult<()> {
    sqlx::query(
        "INSERT INTO unreferenced_files (kind, sha256, since_ms) VALUES ($1, $2, $3) \
         ON CONFLICT (kind, sha256) DO UPDATE SET since_ms = excluded.since_ms",
    )
    .bind(kind)
    .bind(sha256)
    .bind(now_ms)
    .execute(conn)
    .await?;
    Ok(())
}

/// Files noted unreferenced before `before_ms` that no video refers to now, at most `limit`; the
/// notes of files referred to again are dropped.
pub async fn collectable_files(
    conn: &mut Conn,
    before_ms: i64,
    limit: i64,
) -> StoreResult<Vec<(String, String)>> {
    sqlx::query(
        "DELETE FROM unreferenced_files WHERE since_ms <= $1 AND EXISTS (SELECT 1 FROM videos v WHERE \
         (unreferenced_files.kind = 'video' AND v.file_sha256 = unreferenced_files.sha256) OR \
         (unreferenced_files.kind = 'cover' AND v.cover_sha256 = unreferenced_files.sha256))",
    )
    .bind(before_ms)
    .execute(&mut *conn)
    .await?;
    let rows = sqlx::query(
        "SELECT kind, sha256 FROM unreferenced_files WHERE since_ms <= $1 ORDER BY since_ms LIMIT $2",
    )
    .bind(before_ms)
    .bind(limit)
    .fetch_all(conn)
    .await?;
    rows.iter().map(|row| Ok((row.try_get(0)?, row.try_get(1)?))).collect()
}

/// Forgets the note of a removed file.
pub async fn forget_unreferenced(conn: &mut Conn, kind: &str, sha256: &str) -> StoreResult<()> {
    sqlx::query("DELETE FROM unreferenced_files WHERE kind = $1 AND sha256 = $2")
        .bind(kind)
        .bind(sha256)
        .execute(conn)
        .await?;
    Ok(())
}

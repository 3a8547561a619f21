//! Comments on enterprise accounts' videos, written many rows per statement at ingest, and the
//! per-account counters (`comment_counters`) that change in the same transaction.

use sqlx::Row;

use crate::db::row_lock;
use crate::ledger::{Style, placeholders, style};
use crate::{Backend, Conn, StoreResult, json_rows};

/// Rows per multi-row `INSERT`: 11 parameters a row stays far below SQLite's 32766 and
/// PostgreSQL's 65535 bound parameters.
const BULK_ROWS_MAX: usize = 2_000;
/// Rows per PostgreSQL statement, sent as one JSON parameter (a few MB at most).
const JSON_ROWS_MAX: usize = 10_000;
/// The columns a platform comment brings, in `NewComment`'s order.
const PLATFORM_COLUMNS: &str = "merchant_id, account_id, video_id, external_id, parent_external_id, author_id, \
     text, created_at_ms, sentiment, sentiment_score, sentiment_version";
/// Ids per `IN (...)` list.
const IDS_PER_QUERY_MAX: usize = 500;

#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
pub struct CommentRow {
    pub id: i64,
    pub merchant_id: i64,
    pub account_id: i64,
    pub video_id: i64,
    pub external_id: String,
    pub parent_external_id: Option<String>,
    pub author_id: String,
    /// 1 for a reply written by the account's staff.
    pub by_account: i64,
    pub replied_by: Option<String>,
    pub text: String,
    pub created_at_ms: i64,
    pub received_at_ms: i64,
    pub answered_at_ms: Option<i64>,
    pub hidden_at_ms: Option<i64>,
    pub pinned_at_ms: Option<i64>,
    pub sentiment: Option<String>,
    pub sentiment_score: Option<f64>,
    /// Who of the merchant's team corrected the sentiment last, and when (none: the classifier's).
    pub sentiment_corrected_by: Option<String>,
    pub sentiment_corrected_at_ms: Option<i64>,
    /// The adaptation version that classified the comment at ingest (0: the shipped model).
    pub sentiment_version: Option<i64>,
}

impl CommentRow {
    /// Whether the comment waits for the account's reply: from the platform, unanswered, shown.
    pub fn awaits_reply(&self) -> bool {
        self.by_account == 0 && self.answered_at_ms.is_none() && self.hidden_at_ms.is_none()
    }
}

const COMMENT_COLUMNS: &str = "id, merchant_id, account_id, video_id, external_id, parent_external_id, author_id, \
     by_account, replied_by, text, created_at_ms, received_at_ms, answered_at_ms, hidden_at_ms, pinned_at_ms, \
     sentiment, sentiment_score, sentiment_corrected_by, sentiment_corrected_at_ms, sentiment_version";

/// Who owns a video: its account and merchant.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct VideoOwner {
    pub video_id: i64,
    pub account_id: i64,
    pub merchant_id: i64,
}

/// The owners of the videos among `video_ids` that exist.
pub async fn video_owners(conn: &mut Conn, video_ids: &[i64]) -> StoreResult<Vec<VideoOwner>> {
    let style = style(conn);
    let mut owners = Vec::with_capacity(video_ids.len());
    for chunk in video_ids.chunks(IDS_PER_QUERY_MAX) {
        let list = placeholders(style, 1, chunk.len(), 1);
        let sql = format!("SELECT id, account_id, merchant_id FROM videos WHERE id IN {list}");
        let mut query = sqlx::query(&sql);
        for id in chunk {
            query = query.bind(*id);
        }
        for row in query.fetch_all(&mut *conn).await? {
            owners.push(VideoOwner {
                video_id: row.try_get(0)?,
                account_id: row.try_get(1)?,
                merchant_id: row.try_get(2)?,
            });
        }
    }
    Ok(owners)
}

/// A comment from the platform, borrowed from the batch it came in (its fields named as the
/// columns, for PostgreSQL's JSON bulk path).
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize)]
pub struct NewComment<'a> {
    pub merchant_id: i64,
    pub account_id: i64,
    pub video_id: i64,
    pub external_id: &'a str,
    pub parent_external_id: Option<&'a str>,
    pub author_id: &'a str,
    pub text: &'a str,
    pub created_at_ms: i64,
    /// The classifier's label (`positive`, `neutral`, `negative`) and probability of positive.
    pub sentiment: &'a str,
    pub sentiment_score: f64,
    /// The adaptation version that classified it (0: the shipped model).
    pub sentiment_version: i64,
}

/// Inserts platform comments, many rows per statement; a comment whose `external_id` is already
/// stored (or repeated in `comments`) is skipped. Answers how many rows were inserted.
pub async fn bulk_insert_comments(
    conn: &mut Conn,
    comments: &[NewComment<'_>],
    received_at_ms: i64,
) -> StoreResult<u64> {
    let style = style(conn);
    let mut inserted = 0;
    if style == Style::Numbered {
        let sql = format!(
            "INSERT INTO comments ({PLATFORM_COLUMNS}, by_account, received_at_ms) \
             SELECT {PLATFORM_COLUMNS}, 0, $2 FROM {} ON CONFLICT (external_id, merchant_id) DO NOTHING",
            json_rows::records("comments", 1)
        );
        for chunk in comments.chunks(JSON_ROWS_MAX) {
            let query = sqlx::query(&sql).bind(json_rows::bind_value(chunk)?).bind(received_at_ms);
            inserted += query.execute(&mut *conn).await?.rows_affected();
        }
        return Ok(inserted);
    }
    let mut full_sql: Option<String> = None;
    for chunk in comments.chunks(BULK_ROWS_MAX) {
        let sql_of = |rows: usize| {
            format!(
                "{} comments ({PLATFORM_COLUMNS}, by_account, received_at_ms) VALUES {} \
                 ON CONFLICT (external_id, merchant_id) DO NOTHING",
                style.insert_into(),
                values_with_constants(style, rows, received_at_ms)
            )
        };
        let sql = if chunk.len() == BULK_ROWS_MAX {
            full_sql.get_or_insert_with(|| sql_of(BULK_ROWS_MAX)).clone()
        } else {
            sql_of(chunk.len())
        };
        let mut query = sqlx::query(&sql);
        for comment in chunk {
            query = query
                .bind(comment.merchant_id)
                .bind(comment.account_id)
                .bind(comment.video_id)
                .bind(comment.external_id)
                .bind(comment.parent_external_id)
                .bind(comment.author_id)
                .bind(comment.text)
                .bind(comment.created_at_ms)
                .bind(comment.sentiment)
                .bind(comment.sentiment_score)
                .bind(comment.sentiment_version);
        }
        inserted += query.execute(&mut *conn).await?.rows_affected();
    }
    Ok(inserted)
}

/// "(?, ..., ?, 0, received), ..." for the eleven bound columns of a platform comment, then the two
/// constants of every row of a batch (integers, written into the statement).
fn values_with_constants(style: Style, rows: usize, received_at_ms: i64) -> String {
    let bound = placeholders(style, rows, 11, 1);
    let tail = format!(", 0, {received_at_ms})");
    bound.replace(')', &tail)
}

/// What a reply written by the account starts with.
#[derive(Debug, Clone, Copy)]
pub struct NewReply<'a> {
    pub merchant_id: i64,
    pub account_id: i64,
    pub video_id: i64,
    pub external_id: &'a str,
    pub parent_external_id: &'a str,
    pub author_id: &'a str,
    pub replied_by: &'a str,
    pub text: &'a str,
    pub now_ms: i64,
}

pub async fn insert_reply(conn: &mut Conn, reply: &NewReply<'_>) -> StoreResult<i64> {
    Ok(sqlx::query(
        "INSERT INTO comments (merchant_id, account_id, video_id, external_id, parent_external_id, author_id, \
         by_account, replied_by, text, created_at_ms, received_at_ms) \
         VALUES ($1, $2, $3, $4, $5, $6, 1, $7, $8, $9, $9) RETURNING id",
    )
    .bind(reply.merchant_id)
    .bind(reply.account_id)
    .bind(reply.video_id)
    .bind(reply.external_id)
    .bind(reply.parent_external_id)
    .bind(reply.author_id)
    .bind(reply.replied_by)
    .bind(reply.text)
    .bind(reply.now_ms)
    .fetch_one(conn)
    .await?
    .try_get(0)?)
}

pub async fn find_comment(conn: &mut Conn, id: i64) -> StoreResult<Option<CommentRow>> {
    let sql = format!("SELECT {COMMENT_COLUMNS} FROM comments WHERE id = $1");
    Ok(sqlx::query_as(&sql).bind(id).fetch_optional(conn).await?)
}

pub async fn find_by_external_id(conn: &mut Conn, external_id: &str) -> StoreResult<Option<CommentRow>> {
    let sql = format!("SELECT {COMMENT_COLUMNS} FROM comments WHERE external_id = $1");
    Ok(sqlx::query_as(&sql).bind(external_id).fetch_optional(conn).await?)
}

/// Reads a comment and locks its row until the transaction ends.
pub async fn lock_comment(conn: &mut Conn, backend: Backend, id: i64) -> StoreResult<Option<CommentRow>> {
    let sql = format!("SELECT {COMMENT_COLUMNS} FROM comments WHERE id = $1{}", row_lock(backend));
    Ok(sqlx::query_as(&sql).bind(id).fetch_optional(conn).await?)
}

/// Records the account's first reply to a platform comment; false when it was answered already.
pub async fn mark_answered(conn: &mut Conn, id: i64, at_ms: i64) -> StoreResult<bool> {
    let done = sqlx::query(
        "UPDATE comments SET answered_at_ms = $1 WHERE id = $2 AND by_account = 0 AND answered_at_ms IS NULL",
    )
    .bind(at_ms)
    .bind(id)
    .execute(conn)
    .await?;
    Ok(done.rows_affected() == 1)
}

pub async fn set_hidden(conn: &mut Conn, id: i64, hidden_at_ms: Option<i64>) -> StoreResult<bool> {
    // A hidden comment is never pinned.
    let done = sqlx::query(
        "UPDATE comments SET hidden_at_ms = $1, \
         pinned_at_ms = CASE WHEN $1 IS NULL THEN pinned_at_ms ELSE NULL END WHERE id = $2",
    )
    .bind(hidden_at_ms)
    .bind(id)
    .execute(conn)
    .await?;
    Ok(done.rows_affected() == 1)
}

pub async fn set_pinned(conn: &mut Conn, id: i64, pinned_at_ms: Option<i64>) -> StoreResult<bool> {
    let done = sqlx::query("UPDATE comments SET pinned_at_ms = $1 WHERE id = $2")
        .bind(pinned_at_ms)
        .bind(id)
        .execute(conn)
        .await?;
    Ok(done.rows_affected() == 1)
}

/// The comment pinned on a video, if any.
pub async fn pinned_of_video(conn: &mut Conn, video_id: i64) -> StoreResult<Option<CommentRow>> {
    let sql =
        format!("SELECT {COMMENT_COLUMNS} FROM comments WHERE video_id = $1 AND pinned_at_ms IS NOT NULL");
    Ok(sqlx::query_as(&sql).bind(video_id).fetch_optional(conn).await?)
}

/// Which comments the inbox shows.
#[derive(Debug, Clone, Copy, Default)]
pub struct CommentFilter<'a> {
    pub account_id: i64,
    pub video_id: Option<i64>,
    /// Only those awaiting a reply.
    pub unanswered: bool,
    /// A `LIKE` pattern over the lower-cased text (escaped with `\`).
    pub pattern: Option<&'a str>,
    /// Only comments classified so: 'positive', 'neutral' or 'negative'.
    pub sentiment: Option<&'a str>,
}

/// Comments newest first (by time, then id), after the cursor `(created_at_ms, id)` when given.
pub async fn list_comments(
    conn: &mut Conn,
    filter: CommentFilter<'_>,
    before: Option<(i64, i64)>,
    limit: i64,
) -> StoreResult<Vec<CommentRow>> {
    // The conditions are written out rather than switched by parameters, so the planner sees
    // the partial index of unanswered comments when it applies.
    let mut sql = format!("SELECT {COMMENT_COLUMNS} FROM comments WHERE account_id = $1");
    let mut next = 2;
    if filter.video_id.is_some() {
        sql.push_str(&format!(" AND video_id = ${next}"));
        next += 1;
    }
    if filter.unanswered {
        sql.push_str(" AND by_account = 0 AND answered_at_ms IS NULL AND hidden_at_ms IS NULL");
    }
    if filter.pattern.is_some() {
        sql.push_str(&format!(" AND LOWER(text) LIKE ${next} ESCAPE '\\'"));
        next += 1;
    }
    if filter.sentiment.is_some() {
        sql.push_str(&format!(" AND sentiment = ${next}"));
        next += 1;
    }
    if before.is_some() {
        sql.push_str(&format!(
            " AND (created_at_ms < ${} OR (created_at_ms = ${} AND id < ${}))",
            next,
            next,
            next + 1
        ));
        next += 2;
    }
    sql.push_str(&format!(" ORDER BY created_at_ms DESC, id DESC LIMIT ${next}"));
    let mut query = sqlx::query_as::<_, CommentRow>(&sql).bind(filter.account_id);
    if let Some(video_id) = filter.video_id {
        query = query.bind(video_id);
    }
    if let Some(pattern) = filter.pattern {
        query = query.bind(pattern);
    }
    if let Some(sentiment) = filter.sentiment {
        query = query.bind(sentiment);
    }
    if let Some((created_at_ms, id)) = before {
        query = query.bind(created_at_ms).bind(id);
    }
    Ok(query.bind(limit).fetch_all(conn).await?)
}

/// Adds to an account's counters (creating them at zero first) and answers its comments awaiting
/// a reply after the change.
pub async fn add_to_counters(
    conn: &mut Conn,
    account_id: i64,
    merchant_id: i64,
    comments_delta: i64,
    unanswered_delta: i64,
    now_ms: i64,
) -> StoreResult<i64> {
    Ok(sqlx::query(
        "INSERT INTO comment_counters (account_id, merchant_id, comments, unanswered, updated_at_ms) \
         VALUES ($1, $2, $3, $4, $5) ON CONFLICT (account_id, merchant_id) DO UPDATE SET \
         comments = comment_counters.comments + excluded.comments, \
         unanswered = comment_counters.unanswered + excluded.unanswered, \
         updated_at_ms = excluded.updated_at_ms RETURNING unanswered",
    )
    .bind(account_id)
    .bind(merchant_id)
    .bind(comments_delta)
    .bind(unanswered_delta)
    .bind(now_ms)
    .fetch_one(conn)
    .await?
    .try_get(0)?)
}

/// An account's comments and those awaiting a reply, as the counters say.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct CommentCounts {
    pub comments: i64,
    pub unanswered: i64,
}

pub async fn counters(conn: &mut Conn, account_id: i64) -> StoreResult<CommentCounts> {
    let row = sqlx::query("SELECT comments, unanswered FROM comment_counters WHERE account_id = $1")
        .bind(account_id)
        .fetch_optional(conn)
        .await?;
    match row {
        Some(row) => Ok(CommentCounts { comments: row.try_get(0)?, unanswered: row.try_get(1)? }),
        None => Ok(CommentCounts::default()),
    }
}

/// The counters recomputed from the comments themselves (tests compare them with `counters`).
pub async fn recount(conn: &mut Conn, account_id: i64) -> StoreResult<CommentCounts> {
    let row = sqlx::query(
        "SELECT COUNT(*), COALESCE(SUM(CASE WHEN by_account = 0 AND answered_at_ms IS NULL \
         AND hidden_at_ms IS NULL THEN 1 ELSE 0 END), 0) FROM comments WHERE account_id = $1",
    )
    .bind(account_id)
    .fetch_one(conn)
    .await?;
    Ok(CommentCounts { comments: row.try_get(0)?, unanswered: row.try_get(1)? })
}

/// `(created_at_ms, answered_at_ms)` of the account's comments answered at or after `since_ms`,
/// most recently answered first.
pub async fn first_responses(
    conn: &mut Conn,
    account_id: i64,
    since_ms: i64,
    limit: i64,
) -> StoreResult<Vec<(i64, i64)>> {
    let rows = sqlx::query(
        "SELECT created_at_ms, answered_at_ms FROM comments WHERE account_id = $1 \
         AND answered_at_ms IS NOT NULL AND answered_at_ms >= $2 ORDER BY answered_at_ms DESC LIMIT $3",
    )
    .bind(account_id)
    .bind(since_ms)
    .bind(limit)
    .fetch_all(conn)
    .await?;
    rows.iter().map(|row| Ok((row.try_get(0)?, row.try_get(1)?))).collect()
}
